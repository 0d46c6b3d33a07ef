//! Shared by the integration tests that need them (`mod support;`); each test uses a part.
#![allow(dead_code)]

pub mod api_server;
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
