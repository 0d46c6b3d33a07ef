//! Shared by the integration tests that need them (`mod support;`); each test uses a part.
#![allow(dead_code)]

pub mod api_server;
pub mod control_plane;
pub mod proxy;

use std::path::Path;

use assert_cmd::Command;

/// The tool, with nothing of the developer's environment that changes how it reaches a
/// cluster or prints: no in-cluster config, no proxy, no colour, `home` as HOME.
pub fn tool(home: &Path) -> Command {
    let mut cmd = Command::cargo_bin("kubectl-storage").unwrap();
    cmd.env("NO_COLOR", "1").env("HOME", home);
    for var in [
        "CLICOLOR_FORCE",
        "KUBERNETES_SERVICE_HOST",
        "KUBERNETES_SERVICE_PORT",
        "KUBECONFIG",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// What a run of the tool printed, and its exit code.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs a command to its end.
pub fn run(cmd: &mut Command) -> Run {
    let output = cmd.output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// A new empty folder under the system's temporary one, for a test's files.
pub fn scratch(prefix: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "kubectl-storage-{prefix}-{}-{}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The tool run from the repository, against a test API server through a kubeconfig (in
/// `dir`) whose context's namespace is `namespace`.
pub fn against(server: &api_server::ApiServer, dir: &Path, namespace: &str) -> Command {
    let kubeconfig = dir.join("config");
    std::fs::write(&kubeconfig, server.kubeconfig("test", Some(namespace))).unwrap();
    let mut cmd = tool(dir);
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("KUBECONFIG", &kubeconfig);
    cmd
}
