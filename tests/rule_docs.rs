//! docs/rules.md is the rule files rendered by `kubectl-storage rules -o markdown`; this test
//! fails when it is stale. Regenerate with `UPDATE_DOCS=1 cargo test --test rule_docs`.

use std::path::PathBuf;

use assert_cmd::Command;

#[test]
fn rule_docs_are_current() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let output = Command::cargo_bin("kubectl-storage")
        .unwrap()
        .args(["rules", "-o", "markdown"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let path = root.join("docs/rules.md");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &output.stdout).unwrap();
    }
    assert!(
        std::fs::read(&path).ok() == Some(output.stdout),
        "docs/rules.md is stale: run `UPDATE_DOCS=1 cargo test --test rule_docs`"
    );
}
