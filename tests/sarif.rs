//! `-o sarif`: valid SARIF 2.1.0 by the OASIS schema (testdata/schemas/), shaped as GitHub code
//! scanning accepts it, with the exit codes of every other format.

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::{json, Value};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn cmd() -> Command {
    let mut cmd = Command::cargo_bin("kubectl-storage").unwrap();
    cmd.current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE");
    cmd
}

/// Plans the inputs as SARIF; returns the exit code and the log.
fn sarif(args: &[&str]) -> (i32, Value) {
    let out = cmd()
        .args(["plan", "-o", "sarif"])
        .args(args)
        .output()
        .unwrap();
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (code, serde_json::from_slice(&out.stdout).unwrap())
}

fn validator() -> jsonschema::Validator {
    let path = root().join("testdata/schemas/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // Draft 7 treats `format` as an assertion; say so, so that URIs are checked whatever the
    // library's default.
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn errors(validator: &jsonschema::Validator, log: &Value) -> Vec<String> {
    validator
        .iter_errors(log)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect()
}

#[test]
fn output_is_valid_sarif_and_uploads_to_code_scanning() {
    let validator = validator();
    let mut inputs: Vec<String> = vec![
        "testdata/examples/shop.yaml".into(),
        "testdata/rules".into(),
    ];
    if kubectl_storage::shared_fixtures::shared_dir("corpus", "sarif of the corpus").is_some() {
        inputs.push("../shared/corpus".into());
    }
    for entry in std::fs::read_dir(root().join("testdata/input")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        inputs.push(format!("testdata/input/{name}"));
    }
    let mut results = 0;
    for input in &inputs {
        let (_, log) = sarif(&["-f", input]);
        let errors = errors(&validator, &log);
        assert!(errors.is_empty(), "{input}: {}", errors.join("\n"));
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        for result in run["results"].as_array().unwrap() {
            results += 1;
            // GitHub rejects a result without a file to show it in.
            let physical = &result["locations"][0]["physicalLocation"];
            let uri = physical["artifactLocation"]["uri"].as_str().unwrap();
            assert!(!uri.starts_with('/') && !uri.contains('\\'), "{uri}");
            assert!(physical["region"]["startLine"].as_u64().unwrap() >= 1);
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], result["ruleId"], "{input}");
        }
    }
    assert!(results > 20, "the inputs have findings to check");
}

#[test]
fn the_validator_rejects_broken_logs() {
    let validator = validator();
    let (_, log) = sarif(&["-f", "testdata/examples/shop.yaml"]);
    assert!(errors(&validator, &log).is_empty());
    let broken = |path: &str, value: Value| {
        let mut log = log.clone();
        *log.pointer_mut(path).unwrap() = value;
        log
    };
    for log in [
        broken("/version", json!("2.0.0")),
        broken("/runs/0/results/0/level", json!("fatal")),
        broken(
            "/runs/0/results/0/message",
            json!({ "markdown": "no text" }),
        ),
        broken("/runs/0/tool/driver", json!({ "version": "no name" })),
        broken(
            "/runs/0/results/0/locations/0/physicalLocation/artifactLocation/uri",
            json!("not a uri reference"),
        ),
    ] {
        assert!(
            !errors(&validator, &log).is_empty(),
            "accepted: {}",
            serde_json::to_string(&log["runs"][0]["results"][0]).unwrap()
        );
    }
}

#[test]
fn sarif_for_the_example() {
    let (code, mut log) = sarif(&["-f", "testdata/examples/shop.yaml"]);
    assert_eq!(code, 1, "a claim stays Pending: an error finding");
    // A release changes the version, not the log.
    let driver = &mut log["runs"][0]["tool"]["driver"];
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    driver["version"] = json!("[version]");
    driver["semanticVersion"] = json!("[version]");
    insta::assert_json_snapshot!(log);
}

#[test]
fn fail_on_sets_the_exit_code() {
    assert_eq!(sarif(&["-f", "testdata/examples/shop.yaml"]).0, 1);
    assert_eq!(
        sarif(&["-f", "testdata/examples/shop.yaml", "--fail-on", "none"]).0,
        0
    );
    assert_eq!(sarif(&["-f", "testdata/input/cluster-dump.yaml"]).0, 0);
    assert_eq!(
        sarif(&["-f", "testdata/input/wrong-types.yaml", "--fail-on", "info"]).0,
        1
    );
}

#[test]
fn severities_and_standard_input() {
    let manifest = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec:\n  selector: {matchLabels: {tier: db}}\n  storageClassName: fast\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n";
    let out = cmd()
        .args(["plan", "-o", "sarif", "-f", "-"])
        .write_stdin(manifest)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "a warning does not fail");
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "selector-on-provisioned-claim");
    assert_eq!(result["level"], "warning");
    let location = &result["locations"][0];
    assert_eq!(
        location["physicalLocation"]["artifactLocation"]["uri"],
        "%3Cstdin%3E"
    );
    assert_eq!(
        location["physicalLocation"]["region"],
        json!({"startLine": 5, "startColumn": 3, "endLine": 5, "endColumn": 11})
    );
    assert_eq!(
        location["logicalLocations"][0],
        json!({
            "kind": "PersistentVolumeClaim",
            "name": "data",
            "fullyQualifiedName": "PersistentVolumeClaim/default/data",
        })
    );
    assert!(errors(&validator(), &log).is_empty());
}
