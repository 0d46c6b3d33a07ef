//! Shell completions in completions/ are generated from the command line's definition and
//! kept current: this test fails when they are stale. Regenerate with
//! `UPDATE_COMPLETIONS=1 cargo test --test completions`.

use std::path::PathBuf;

use clap::CommandFactory;
use clap_complete::{generate, Shell};
use kubectl_storage::cli::Cli;

#[test]
fn completions_are_current() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("completions");
    let update = std::env::var_os("UPDATE_COMPLETIONS").is_some();
    let mut stale = Vec::new();
    for (shell, file) in [
        (Shell::Bash, "kubectl-storage.bash"),
        (Shell::Zsh, "_kubectl-storage"),
        (Shell::Fish, "kubectl-storage.fish"),
        (Shell::PowerShell, "kubectl-storage.ps1"),
    ] {
        let mut command = Cli::command();
        let mut text = Vec::new();
        generate(shell, &mut command, "kubectl-storage", &mut text);
        let path = dir.join(file);
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &text).unwrap();
        } else if std::fs::read(&path).ok().as_deref() != Some(text.as_slice()) {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "completions/{stale:?} are stale: run `UPDATE_COMPLETIONS=1 cargo test --test completions`"
    );
}

/// `kubectl-storage __complete WORDS…`, as kubectl's plugin completion runs it through
/// `completions/kubectl_complete-storage`: candidate lines, then `:<directive>`.
fn complete(words: &[&str]) -> String {
    let out = assert_cmd::Command::cargo_bin("kubectl-storage")
        .unwrap()
        .arg("__complete")
        .args(words)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{words:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn kubectl_plugin_completion_protocol() {
    // Cobra's directives: 4 = no file names, 8 = files with these extensions.
    assert_eq!(
        complete(&["pl"]),
        "plan\tPredict, claim by claim, which volume each PersistentVolumeClaim binds to, whether one is provisioned, or why it stays Pending; and what happens to each volume\n:4\n"
    );
    assert_eq!(complete(&["plan", "-o", ""]).lines().last(), Some(":4"),);
    assert!(complete(&["plan", "-o", ""]).starts_with("text\t"));
    assert_eq!(
        complete(&["plan", "--output", "sa"]),
        "sarif\tSARIF 2.1.0, for GitHub code scanning and other code review tools\n:4\n"
    );
    assert_eq!(complete(&["plan", "--fail-on="]).lines().count(), 5);
    assert_eq!(complete(&["plan", "-f", ""]), "yaml\nyml\njson\n:8\n");
    assert_eq!(complete(&["plan", "--config", ""]), "yaml\nyml\n:8\n");
    assert_eq!(
        complete(&["explain", "several-d"]),
        "several-default-classes\tMore than one StorageClass is marked default\n:4\n"
    );
    assert!(complete(&["plan", "--disable", ""])
        .contains("claim-pending\tThe claim will stay Pending\n"));
    let flags = complete(&["plan", "--c"]);
    assert_eq!(
        flags,
        "--cluster\tRead the live cluster; `--cluster=NAME` also picks the kubeconfig cluster\n--context\tKubeconfig context to use instead of the current one\n--complete\tTake the input as the whole cluster: what it does not show does not exist\n--config\tSettings file to use instead of the nearest `.kubectl-storage.yaml` from the working directory upward\n--color\tWhen to use colour in text output\n:4\n"
    );
    // Whatever was typed, the answer is a completion, never a usage error.
    for words in [
        &["--help"][..],
        &["-V", ""],
        &["plan", "--no-such-flag", ""],
        &[],
    ] {
        let out = complete(words);
        let directive = out.lines().last().unwrap_or_default();
        assert!(
            directive
                .strip_prefix(':')
                .is_some_and(|d| d.parse::<u32>().is_ok()),
            "{words:?}: {out}"
        );
    }
}

#[test]
fn kubectl_complete_script_runs_the_binary() {
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("completions/kubectl_complete-storage");
    let text = std::fs::read_to_string(&script).unwrap();
    assert!(text.starts_with("#!/bin/sh\n"));
    assert!(text.contains("exec kubectl-storage __complete \"$@\""));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&script).unwrap().permissions().mode();
        assert_eq!(mode & 0o111, 0o111, "the script must be executable");
        // kubectl runs it by name from the PATH, and it finds kubectl-storage there too.
        let binary = assert_cmd::cargo::cargo_bin("kubectl-storage");
        let mut path = std::ffi::OsString::from(binary.parent().unwrap());
        path.push(":");
        path.push(std::env::var_os("PATH").unwrap_or_default());
        let out = std::process::Command::new(&script)
            .args(["explain", "claim-l"])
            .env("PATH", path)
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            "claim-lost\tThe claim is bound to a volume that is gone or belongs to another claim\n:4\n"
        );
    }
}
