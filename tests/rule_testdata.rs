//! Every rule has an example in `testdata/rules/<id>.yaml`, written from the first triggering
//! example of its `rules/<id>.yaml`, and the text and JSON output of planning it are snapshots.
//! The example files are kept current by this test; regenerate them with
//! `UPDATE_TESTDATA=1 cargo test --test rule_testdata` (and accept the snapshots with
//! `INSTA_UPDATE=always`).

use std::path::PathBuf;

use assert_cmd::Command;
use kubectl_storage::rules;

const HEADER: &str = "# Written from the first triggering example of rules/";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn plan(args: &[&str]) -> (i32, String) {
    let mut all = vec!["plan"];
    all.extend(args);
    run(&all)
}

fn run(args: &[&str]) -> (i32, String) {
    let output = Command::cargo_bin("kubectl-storage")
        .unwrap()
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
    )
}

#[test]
fn every_rule_has_a_testdata_example_with_snapshots() {
    let update = std::env::var_os("UPDATE_TESTDATA").is_some();
    let dir = root().join("testdata/rules");
    let mut stale = Vec::new();
    let catalogue = rules::catalogue().unwrap();
    for rule in &catalogue {
        let example = rule
            .examples
            .iter()
            .find(|e| e.triggers)
            .expect("every rule has a triggering example");
        let text = format!(
            "{HEADER}{}.yaml ({}); UPDATE_TESTDATA=1 cargo test --test rule_testdata\n{}",
            rule.id, example.name, example.manifest
        );
        let path = dir.join(format!("{}.yaml", rule.id));
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(rule.id.clone());
        }
    }
    assert!(
        stale.is_empty(),
        "testdata/rules/ is stale for {stale:?}: run `UPDATE_TESTDATA=1 cargo test --test rule_testdata`"
    );
    let listed: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for file in &listed {
        let id = file.trim_end_matches(".yaml");
        assert!(
            catalogue.iter().any(|r| r.id == id),
            "testdata/rules/{file} belongs to no rule"
        );
    }

    for rule in &catalogue {
        let file = format!("testdata/rules/{}.yaml", rule.id);
        let (_, text) = plan(&["-f", &file]);
        insta::assert_snapshot!(format!("{}.text", rule.id), text);
        let (code, json) = plan(&["-f", &file, "-o", "json"]);
        assert!(code == 0 || code == 1, "{file}: exit {code}");
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        let reported = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == rule.id.as_str());
        assert!(reported, "{file} does not report {}", rule.id);
        insta::assert_json_snapshot!(format!("{}.json", rule.id), json);
        if rule.fix.applicability != "none" {
            fixes_its_example(&rule.id, &file);
        }
    }
}

/// A rule with a fix: the diff of its example is a snapshot, and once fixed, the example no
/// longer reports the rule and has nothing more to fix.
fn fixes_its_example(id: &str, file: &str) {
    let (_, diff) = run(&["fix", "-f", file, "--diff", "--unsafe-fixes"]);
    insta::assert_snapshot!(format!("{id}.fix"), diff);
    if diff.is_empty() {
        // Fixed on a cluster only (the example's objects are not written in files to edit).
        return;
    }
    let dir = std::env::temp_dir().join(format!(
        "kubectl-storage-rule-fix-{}-{id}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join(format!("{id}.yaml"));
    std::fs::copy(root().join(file), &copy).unwrap();
    let copy = copy.to_str().unwrap();
    let (code, out) = run(&[
        "fix",
        "-f",
        copy,
        "--write",
        "--unsafe-fixes",
        "--fail-on",
        "none",
    ]);
    assert_eq!(code, 0, "{out}");
    let (_, json) = plan(&["-f", copy, "-o", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(
        !json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == id),
        "{id}: still reported once fixed"
    );
    let (code, again) = run(&["fix", "-f", copy, "--diff", "--unsafe-fixes"]);
    assert_eq!(
        (code, again.as_str()),
        (0, ""),
        "{id}: a second fix changes more"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
