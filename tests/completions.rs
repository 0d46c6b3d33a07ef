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
