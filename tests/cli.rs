//! The command line end to end, over testdata/: output snapshots per format, exit codes, inputs
//! from files, folders and stdin, and the JSON contract checked against its schema.

use std::path::PathBuf;

use assert_cmd::Command;

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

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let output = cmd().args(args).output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn plan_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["plan", "-o", "json"];
    all.extend_from_slice(args);
    let out = run(&all);
    assert!(
        out.code == 0 || out.code == 1,
        "exit {}: {}",
        out.code,
        out.stderr
    );
    serde_json::from_str(&out.stdout).unwrap()
}

#[test]
fn plan_example_text() {
    let out = run(&["plan", "-f", "testdata/examples/shop.yaml"]);
    assert_eq!(out.code, 1, "a claim stays Pending: an error finding");
    insta::assert_snapshot!(out.stdout);
}

#[test]
fn plan_example_json() {
    insta::assert_json_snapshot!(plan_json(&["-f", "testdata/examples/shop.yaml"]));
}

#[test]
fn plan_example_yaml_is_the_json_data() {
    let out = run(&["plan", "-o", "yaml", "-f", "testdata/examples/shop.yaml"]);
    let yaml: serde_json::Value = serde_saphyr::from_str(&out.stdout).unwrap();
    assert_eq!(yaml, plan_json(&["-f", "testdata/examples/shop.yaml"]));
}

#[test]
fn plan_cluster_dump_text() {
    let out = run(&["plan", "-f", "testdata/input/cluster-dump.yaml"]);
    assert_eq!(out.code, 0);
    insta::assert_snapshot!(out.stdout);
}

#[test]
fn a_json_dump_plans_like_the_yaml_one() {
    let strip = |mut v: serde_json::Value| {
        for list in ["claims", "volumes"] {
            for entry in v[list].as_array_mut().unwrap() {
                entry.as_object_mut().unwrap().remove("source");
            }
        }
        for finding in v["findings"].as_array_mut().unwrap() {
            finding.as_object_mut().unwrap().remove("location");
        }
        v
    };
    assert_eq!(
        strip(plan_json(&["-f", "testdata/input/cluster-dump.json"])),
        strip(plan_json(&["-f", "testdata/input/cluster-dump.yaml"]))
    );
}

#[test]
fn input_problems_point_at_file_line_and_column() {
    let out = run(&[
        "plan",
        "-f",
        "testdata/input/wrong-types.yaml",
        "-f",
        "testdata/input/invalid-yaml.yaml",
    ]);
    assert_eq!(out.code, 1);
    insta::assert_snapshot!(out.stdout);
}

#[test]
fn standard_input_and_folders_are_read() {
    let file = plan_json(&["-f", "testdata/examples/shop.yaml"]);
    let text = std::fs::read_to_string(root().join("testdata/examples/shop.yaml")).unwrap();
    let out = cmd()
        .args(["plan", "-o", "json", "-f", "-"])
        .write_stdin(text)
        .output()
        .unwrap();
    let stdin: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        stdin["claims"].as_array().unwrap().len(),
        file["claims"].as_array().unwrap().len()
    );
    assert_eq!(stdin["claims"][0]["source"]["file"], "<stdin>");
    let folder = plan_json(&["-f", "testdata/examples"]);
    assert_eq!(folder["claims"], file["claims"]);
}

#[test]
fn exit_codes() {
    assert_eq!(
        run(&[
            "plan",
            "-f",
            "testdata/examples/shop.yaml",
            "--fail-on",
            "none"
        ])
        .code,
        0
    );
    assert_eq!(
        run(&[
            "plan",
            "-f",
            "testdata/input/cluster-dump.yaml",
            "--fail-on",
            "error"
        ])
        .code,
        0
    );
    assert_eq!(
        run(&[
            "plan",
            "-f",
            "testdata/input/wrong-types.yaml",
            "--fail-on",
            "info"
        ])
        .code,
        1
    );
    let missing = run(&["plan", "-f", "testdata/no-such-file.yaml"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing
            .stderr
            .contains("no-such-file.yaml: no such file or directory"),
        "{}",
        missing.stderr
    );
    assert_eq!(run(&["plan"]).code, 2, "no input is a usage error");
    assert_eq!(run(&["plan", "-f", "x", "--no-such-flag"]).code, 2);
    assert_eq!(
        run(&["plan", "-f", "testdata/examples/shop.yaml", "-o", "xml"]).code,
        2
    );
    assert_eq!(run(&["--help"]).code, 0);
    assert_eq!(run(&["explain", "no-such-rule"]).code, 2);
}

/// The contract shipped with the project is the one the project was given, extended: every
/// field, requirement and value the given one names is there unchanged, and new fields are
/// added (as its description allows).
#[test]
fn the_shipped_contract_extends_the_shared_one() {
    let Some(shared) = kubectl_storage::shared_fixtures::shared_dir(
        "contracts/plan.schema.json",
        "the_shipped_contract_extends_the_shared_one",
    ) else {
        return;
    };
    let read = |path: &std::path::Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    let mut differences = Vec::new();
    extends(
        &read(&shared),
        &read(&root().join("contracts/plan.schema.json")),
        "",
        &mut differences,
    );
    assert!(
        differences.is_empty(),
        "contracts/plan.schema.json does not extend ../shared/contracts/plan.schema.json:\n{}",
        differences.join("\n")
    );
}

/// Whether `ours` keeps everything of `given`: objects may gain keys (and `properties` new
/// fields); every other value is the same.
fn extends(given: &serde_json::Value, ours: &serde_json::Value, at: &str, out: &mut Vec<String>) {
    match (given, ours) {
        (serde_json::Value::Object(given), serde_json::Value::Object(ours)) => {
            for (key, value) in given {
                match ours.get(key) {
                    Some(mine) => extends(value, mine, &format!("{at}/{key}"), out),
                    None => out.push(format!("{at}/{key} is missing")),
                }
            }
        }
        _ if given == ours => {}
        _ => out.push(format!("{at}: {given} became {ours}")),
    }
}

#[test]
fn json_output_follows_the_contract() {
    let schema_path = root().join("contracts/plan.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut inputs = vec![
        "testdata/examples/shop.yaml",
        "testdata/input/cluster-dump.yaml",
        "testdata/input/wrong-types.yaml",
        "testdata/input/invalid-yaml.yaml",
    ];
    if kubectl_storage::shared_fixtures::shared_dir("corpus", "the corpus's JSON").is_some() {
        inputs.push("../shared/corpus");
    }
    // The shared contract, where it is beside the repository, holds too.
    let shared = kubectl_storage::shared_fixtures::shared_dir(
        "contracts/plan.schema.json",
        "the shared contract",
    )
    .map(|path| {
        let schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        jsonschema::validator_for(&schema).unwrap()
    });
    for input in inputs {
        let plan = plan_json(&["-f", input]);
        for validator in std::iter::once(&validator).chain(shared.as_ref()) {
            let errors: Vec<String> = validator
                .iter_errors(&plan)
                .map(|e| format!("{} at {}", e, e.instance_path))
                .collect();
            assert!(errors.is_empty(), "{input}: {}", errors.join("\n"));
        }
    }
}

#[test]
fn rules_and_explain() {
    let rules = run(&["rules"]);
    assert_eq!(rules.code, 0);
    insta::assert_snapshot!(rules.stdout);
    let json: serde_json::Value =
        serde_json::from_str(&run(&["rules", "-o", "json"]).stdout).unwrap();
    assert!(json
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == "claim-pending"));
    let explain = run(&["explain", "claim-pending"]);
    assert_eq!(explain.code, 0);
    assert!(explain.stdout.contains("Why it matters"));
}

#[test]
fn the_readme_tour_is_the_real_output() {
    // Every `console` block that runs `kubectl storage` shows that command's real output.
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let marker = "```console\n$ kubectl storage ";
    let mut shown = Vec::new();
    for block in readme.split(marker).skip(1) {
        let (command, rest) = block.split_once('\n').unwrap();
        // These read a live cluster: tests/diagnose.rs, expand.rs and rebind.rs check them.
        if ["diagnose", "expand", "rebind"]
            .iter()
            .any(|live| command.starts_with(live))
        {
            continue;
        }
        let expected = &rest[..rest.find("```").unwrap()];
        let out = run(&command.split_whitespace().collect::<Vec<_>>());
        assert_eq!(
            expected, out.stdout,
            "update the output of `kubectl storage {command}` in README.md"
        );
        shown.push(command.split_whitespace().next().unwrap_or_default());
    }
    assert_eq!(
        shown,
        ["plan", "fix", "what-if"],
        "README.md shows a plan, a fix and a what-if"
    );
}

#[test]
fn application_manifests_rely_on_the_cluster_default_class() {
    // No default StorageClass among the inputs, which are a part of a cluster: a claim without a
    // class gets the cluster's default class, which the plan assumes exists and names once.
    let manifest = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n";
    let out = cmd()
        .args(["plan", "-o", "json", "-f", "-"])
        .write_stdin(manifest)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["claims"][0]["outcome"], "provisions");
    assert_eq!(plan["claims"][0]["provisioner"], serde_json::Value::Null);
    assert_eq!(plan["findings"], serde_json::json!([]));
    assert_eq!(
        plan["input"],
        serde_json::json!({
            "scope": "partial",
            "basis": "manifests",
            "assumed": [{"kind": "StorageClass", "name": null, "neededBy": ["claim default/data"]}]
        })
    );
    let strict = cmd()
        .args(["plan", "--fail-on", "warning", "-f", "-"])
        .write_stdin(manifest)
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(0));
    // Taken as the whole cluster, there is no default class: the claim stays Pending.
    let out = cmd()
        .args(["plan", "--complete", "-o", "json", "-f", "-"])
        .write_stdin(manifest)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["claims"][0]["outcome"], "pending");
    assert_eq!(plan["input"]["scope"], "complete");
    assert_eq!(plan["input"]["basis"], "flag");
    // With a PersistentVolume among the inputs, the input describes the storage: the claim
    // binds it if it fits, else stays Pending as upstream would leave it.
    let with_pv = format!("{manifest}---\napiVersion: v1\nkind: PersistentVolume\nmetadata: {{name: small}}\nspec:\n  capacity: {{storage: 1Mi}}\n  accessModes: [ReadWriteOnce]\n  hostPath: {{path: /x}}\n");
    let out = cmd()
        .args(["plan", "-o", "json", "-f", "-"])
        .write_stdin(with_pv)
        .output()
        .unwrap();
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["claims"][0]["outcome"], "pending");
}

/// A dump (`kubectl get -o yaml`: a List) is the whole cluster; the same objects as manifests
/// are a part, and `--partial` / `--complete` say otherwise.
#[test]
fn the_input_says_whether_it_is_the_whole_cluster() {
    let claim = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: default}\nspec:\n  storageClassName: fast\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n";
    let dump = format!(
        "apiVersion: v1\nkind: List\nitems:\n{}",
        claim
            .lines()
            .enumerate()
            .map(|(i, l)| format!("{}{l}\n", if i == 0 { "- " } else { "  " }))
            .collect::<String>()
    );
    let plan = |args: &[&str], input: &str| {
        let out = cmd()
            .args(["plan", "-o", "json", "-f", "-"])
            .args(args)
            .write_stdin(input.to_owned())
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let rules: Vec<String> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_owned())
            .collect();
        (
            out.status.code(),
            json["input"]["scope"].as_str().unwrap().to_owned(),
            json["input"]["basis"].as_str().unwrap().to_owned(),
            rules,
        )
    };
    let (code, scope, basis, rules) = plan(&[], claim);
    assert_eq!(
        (code, scope.as_str(), basis.as_str()),
        (Some(0), "partial", "manifests")
    );
    assert!(rules.is_empty(), "{rules:?}");
    let (code, scope, basis, rules) = plan(&[], &dump);
    assert_eq!(
        (code, scope.as_str(), basis.as_str()),
        (Some(1), "complete", "dump")
    );
    assert_eq!(rules, ["class-not-found"]);
    let (_, scope, basis, rules) = plan(&["--partial"], &dump);
    assert_eq!((scope.as_str(), basis.as_str()), ("partial", "flag"));
    assert!(rules.is_empty(), "{rules:?}");
    let (_, scope, _, rules) = plan(&["--complete"], claim);
    assert_eq!(scope, "complete");
    assert_eq!(rules, ["class-not-found"]);
    let both = cmd()
        .args(["plan", "--complete", "--partial", "-f", "-"])
        .write_stdin(claim)
        .output()
        .unwrap();
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn github_annotations() {
    let out = run(&[
        "plan",
        "-o",
        "github",
        "-f",
        "testdata/input/wrong-types.yaml",
    ]);
    assert_eq!(out.code, 1);
    insta::assert_snapshot!(out.stdout);
}

#[test]
fn rules_can_be_switched_off_per_run_and_per_object() {
    let codes = |extra: &[&str]| {
        let mut args = vec!["plan", "-f", "testdata/examples/shop.yaml"];
        args.extend_from_slice(extra);
        run(&args).code
    };
    assert_eq!(codes(&[]), 1);
    assert_eq!(codes(&["--disable", "claim-pending"]), 0);
    assert_eq!(
        codes(&["--disable", "claim-pending", "--enable", "claim-pending"]),
        1
    );
    let unknown = run(&[
        "plan",
        "-f",
        "testdata/examples/shop.yaml",
        "--disable",
        "claim-pendng",
    ]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("no rule \"claim-pendng\""),
        "{}",
        unknown.stderr
    );
    // The annotation on the object silences the rule for that object.
    let text = std::fs::read_to_string(root().join("testdata/examples/shop.yaml"))
        .unwrap()
        .replace(
            "  name: reports\n",
            "  name: reports\n  annotations:\n    kubectl-storage.io/ignore: claim-pending\n",
        );
    let out = cmd()
        .args(["plan", "-f", "-"])
        .write_stdin(text)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn the_pre_commit_hook_runs_as_declared() {
    let text = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    let hooks: Vec<serde_json::Value> = serde_saphyr::from_str(&text).unwrap();
    let entry = hooks[0]["entry"].as_str().unwrap();
    let mut words = entry.split_whitespace();
    assert_eq!(words.next(), Some("kubectl-storage"));
    let args: Vec<&str> = words.collect();
    // pre-commit appends the changed files' names.
    let clean = cmd()
        .args(&args)
        .arg("testdata/input/cluster-dump.yaml")
        .output()
        .unwrap();
    assert_eq!(clean.status.code(), Some(0));
    let pending = cmd()
        .args(&args)
        .args([
            "testdata/examples/shop.yaml",
            "testdata/input/cluster-dump.json",
        ])
        .output()
        .unwrap();
    assert_eq!(pending.status.code(), Some(1));
}

#[test]
fn a_config_file_disables_rules_and_sets_severities() {
    let dir =
        std::env::temp_dir().join(format!("kubectl-storage-cli-config-{}", std::process::id()));
    let nested = dir.join("deploy");
    std::fs::create_dir_all(&nested).unwrap();
    let example = root().join("testdata/examples/shop.yaml");
    let plan_in = |cwd: &std::path::Path, extra: &[&str]| {
        let mut cmd = Command::cargo_bin("kubectl-storage").unwrap();
        cmd.current_dir(cwd)
            .env("NO_COLOR", "1")
            .args(["plan", "-o", "json", "-f"])
            .arg(&example)
            .args(extra);
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    // Found upward from the working directory.
    std::fs::write(
        dir.join(".kubectl-storage.yaml"),
        "severity:\n  claim-pending: warning\n",
    )
    .unwrap();
    let (code, stdout, _) = plan_in(&nested, &[]);
    assert_eq!(code, Some(0), "claim-pending is only a warning now");
    assert!(stdout.contains("\"severity\": \"warning\""));
    std::fs::write(
        dir.join(".kubectl-storage.yaml"),
        "disable: [claim-pending]\n",
    )
    .unwrap();
    let (code, stdout, _) = plan_in(&nested, &[]);
    assert_eq!(code, Some(0));
    assert!(!stdout.contains("claim-pending"));
    assert_eq!(plan_in(&nested, &["--enable", "claim-pending"]).0, Some(1));
    // A broken config is a usage error that names the file.
    std::fs::write(
        dir.join(".kubectl-storage.yaml"),
        "disable: [claim-pendng]\n",
    )
    .unwrap();
    let (code, _, stderr) = plan_in(&nested, &[]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains(".kubectl-storage.yaml") && stderr.contains("claim-pendng"),
        "{stderr}"
    );
    // --config names another file.
    let other = dir.join("strict.yaml");
    std::fs::write(&other, "severity:\n  class-not-found: error\n").unwrap();
    let (_, stdout, _) = plan_in(&nested, &["--config", other.to_str().unwrap()]);
    assert!(stdout.contains("\"claim-pending\""));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn junit_fails_as_the_exit_code_does() {
    let out = run(&[
        "plan",
        "-o",
        "junit",
        "-f",
        "testdata/input/wrong-types.yaml",
    ]);
    assert_eq!(out.code, 1);
    insta::assert_snapshot!(out.stdout);
    let relaxed = run(&[
        "plan",
        "-o",
        "junit",
        "--fail-on",
        "none",
        "-f",
        "testdata/input/wrong-types.yaml",
    ]);
    assert_eq!(relaxed.code, 0);
    assert!(
        relaxed.stdout.contains(r#"failures="0" skipped="4""#),
        "{}",
        relaxed.stdout
    );
    let clean = run(&[
        "plan",
        "-o",
        "junit",
        "-f",
        "testdata/input/cluster-dump.yaml",
    ]);
    assert!(
        clean.stdout.contains(r#"tests="1" failures="0""#),
        "{}",
        clean.stdout
    );
}

const WHAT_IF: &str = "testdata/what-if/shop.yaml";

#[test]
fn what_if_delete_each_kind_of_target() {
    for (name, target) in [
        ("namespace", "namespace/shop"),
        ("statefulset_delete", "sts/db"),
        ("statefulset_retain", "statefulset/cache"),
        ("claim", "pvc/uploads"),
        ("claim_without_data", "pvc/reports"),
        ("pod", "pod/toolbox"),
        ("statefulset_pod", "po/db-0"),
    ] {
        let out = run(&["what-if", "delete", target, "-n", "shop", "-f", WHAT_IF]);
        assert_eq!(out.code, 0, "{target}: a prediction is not a finding");
        assert!(out.stderr.is_empty(), "{target}: {}", out.stderr);
        insta::assert_snapshot!(format!("what_if_{name}"), out.stdout);
    }
}

#[test]
fn what_if_json_and_yaml() {
    let out = run(&[
        "what-if",
        "delete",
        "namespace",
        "shop",
        "-f",
        WHAT_IF,
        "-o",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["kind"], "WhatIf");
    insta::assert_json_snapshot!(json);
    let yaml = run(&["what-if", "delete", "ns/shop", "-f", WHAT_IF, "-o", "yaml"]);
    let yaml: serde_json::Value = serde_saphyr::from_str(&yaml.stdout).unwrap();
    assert_eq!(yaml, json, "-o yaml is the same data as -o json");
}

#[test]
fn what_if_usage_errors() {
    for (args, expected) in [
        (
            &["what-if", "delete", "deployment/web", "-f", WHAT_IF][..],
            "what-if delete takes namespace/NAME",
        ),
        (
            &["what-if", "delete", "pvc/upload", "-n", "shop", "-f", WHAT_IF],
            "the input has no PersistentVolumeClaim shop/upload; claims in namespace shop: data-cache-0, data-db-0",
        ),
        (
            &["what-if", "delete", "pvc/uploads", "-f", WHAT_IF],
            "one of that name is in namespace shop (choose it with -n)",
        ),
        (
            &["what-if", "delete", "ns/web", "-f", WHAT_IF],
            "namespaces in the input: shop",
        ),
        (
            &["what-if", "delete", "pvc/uploads", "-f", "testdata/nowhere.yaml"],
            "no such file",
        ),
        (&["what-if", "delete", "pvc/uploads"], "--filename"),
    ] {
        let out = run(args);
        assert_eq!(out.code, 2, "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(
            out.stderr.contains(expected),
            "{args:?}: {}",
            out.stderr
        );
    }
}

#[test]
fn kubernetes_version_decides_what_is_removed() {
    let rules = |version: &str| -> Vec<String> {
        let out = plan_json(&[
            "--kubernetes-version",
            version,
            "testdata/rules/removed-api-version.yaml",
        ]);
        out["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(rules("1.21").is_empty());
    assert_eq!(rules("v1.22.3"), ["removed-api-version"]);
    let bad = run(&[
        "plan",
        "--kubernetes-version",
        "latest",
        "testdata/rules/removed-api-version.yaml",
    ]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("write it as 1.30"), "{}", bad.stderr);
}
