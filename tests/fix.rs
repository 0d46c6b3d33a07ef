//! `kubectl storage fix` on the manifests of testdata/fix: what it would change, the diff, the
//! files it writes (format kept, atomically, with their permissions), and that a second run has
//! nothing left to do.

mod support;

use support::Run;

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fix_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut cmd = support::tool(dir);
    cmd.current_dir(dir).arg("fix").args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    support::run(&mut cmd)
}

fn fix(args: &[&str]) -> Run {
    fix_in(&root(), args, None)
}

/// A copy of testdata/fix in a scratch folder, to write to.
fn scratch_copy() -> PathBuf {
    let dir = support::scratch("fix");
    let manifests = dir.join("manifests");
    std::fs::create_dir_all(&manifests).unwrap();
    for name in ["storage.yaml", "db.yaml"] {
        std::fs::copy(root().join("testdata/fix").join(name), manifests.join(name)).unwrap();
    }
    dir
}

#[test]
fn without_write_it_says_what_it_would_fix_and_writes_nothing() {
    let before = std::fs::read_to_string(root().join("testdata/fix/storage.yaml")).unwrap();
    let out = fix(&["-f", "testdata/fix/"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!(out.stdout);
    let after = std::fs::read_to_string(root().join("testdata/fix/storage.yaml")).unwrap();
    assert_eq!(before, after);
}

#[test]
fn diff_shows_the_safe_fixes_and_unsafe_ones_when_asked() {
    let out = fix(&["testdata/fix/", "--diff"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!("safe", out.stdout);
    let out = fix(&["testdata/fix/", "--diff", "--unsafe-fixes"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!("unsafe", out.stdout);
    assert!(
        out.stderr.contains("Would fix 4 findings in 2 files"),
        "{}",
        out.stderr
    );
}

#[test]
fn write_keeps_the_format_and_a_second_run_changes_nothing() {
    let dir = scratch_copy();
    let storage = dir.join("manifests/storage.yaml");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&storage, std::fs::Permissions::from_mode(0o640)).unwrap();
    }
    let out = fix_in(
        &dir,
        &[
            "manifests",
            "--write",
            "--unsafe-fixes",
            "--fail-on",
            "none",
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("summary", out.stdout);
    insta::assert_snapshot!("storage.yaml", std::fs::read_to_string(&storage).unwrap());
    insta::assert_snapshot!(
        "db.yaml",
        std::fs::read_to_string(dir.join("manifests/db.yaml")).unwrap()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&storage).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }
    // Nothing else is left in the folder: the temporary files were renamed.
    let mut names: Vec<String> = std::fs::read_dir(dir.join("manifests"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["db.yaml", "storage.yaml"]);
    let again = fix_in(&dir, &["manifests", "--diff", "--unsafe-fixes"], None);
    assert_eq!(
        (again.code, again.stdout.as_str()),
        (0, ""),
        "{}",
        again.stderr
    );
    assert!(
        again.stderr.starts_with("Nothing to fix."),
        "{}",
        again.stderr
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn remaining_findings_decide_the_exit_code_after_writing() {
    let dir = scratch_copy();
    // Safe fixes only: the unsafe findings stay, warnings that --fail-on warning counts.
    let out = fix_in(
        &dir,
        &["manifests", "--write", "--fail-on", "warning"],
        None,
    );
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("Fixed 1 finding in 1 file"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("2 unsafe fixes not applied (run with --unsafe-fixes to apply them)"),
        "{}",
        out.stdout
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn standard_input_is_fixed_to_standard_output() {
    let text = std::fs::read_to_string(root().join("testdata/fix/db.yaml")).unwrap();
    let out = fix_in(
        &root(),
        &["-f", "-", "--write", "--unsafe-fixes", "--fail-on", "none"],
        Some(&text),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        text.replace("whenDeleted: Delete ", "whenDeleted: Retain ")
    );
    assert!(out.stderr.contains("Fixed 1 finding"), "{}", out.stderr);
}

#[test]
fn json_manifests_are_left_alone_and_say_why() {
    let dir = scratch_copy();
    let json = r#"{"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
  "metadata": {"name": "local"}, "provisioner": "kubernetes.io/no-provisioner"}
"#;
    std::fs::write(dir.join("class.json"), json).unwrap();
    let out = fix_in(&dir, &["class.json", "--write"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("1 fix could not be made"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("only YAML is edited"), "{}", out.stdout);
    assert_eq!(
        std::fs::read_to_string(dir.join("class.json")).unwrap(),
        json
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn diff_and_write_together_are_a_usage_error() {
    let out = fix(&["testdata/fix/", "--diff", "--write"]);
    assert_eq!(out.code, 2);
    let out = fix(&["testdata/nope/"]);
    assert_eq!(out.code, 2);
}
