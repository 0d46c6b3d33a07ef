//! The control plane's programs, built from upstream Go modules at pinned releases
//! (tests/controlplane/{kube,etcd}) and kept in a cache keyed by those pins, so that a second
//! run on the same machine builds nothing.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const KUBERNETES: &str = "v1.36.3";
pub const ETCD: &str = "v3.6.8";
/// The control plane, and `matcher` (tests/controlplane/kube/matcher): upstream's volume
/// matching as a program the tests ask.
pub const PROGRAMS: [&str; 5] = [
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "matcher",
];

/// The build modules: their go.mod and go.sum pin every version, so they key the cache.
fn modules() -> [PathBuf; 2] {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/controlplane");
    [root.join("kube"), root.join("etcd")]
}

/// `$KUBECTL_STORAGE_CONTROL_PLANE`, else `~/.cache/kubectl-storage/control-plane/<pins>-<hash>`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("KUBECTL_STORAGE_CONTROL_PLANE") {
        return PathBuf::from(dir);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    // FNV-1a over the pins and this recipe, so that a change of either builds afresh.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut texts = vec![include_bytes!("binaries.rs").to_vec()];
    for module in modules() {
        for file in ["go.mod", "go.sum", "main.go", "matcher/main.go"] {
            texts.push(std::fs::read(module.join(file)).unwrap_or_default());
        }
    }
    for byte in texts.concat() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    cache.join("kubectl-storage/control-plane").join(format!(
        "kubernetes-{KUBERNETES}-etcd-{ETCD}-{:08x}",
        hash as u32
    ))
}

/// Why the control plane cannot be had here (no Go), or the folder holding its programs, built
/// now if they are not there yet.
pub fn ensure() -> Result<PathBuf, String> {
    let dir = cache_dir();
    let complete = |dir: &Path| PROGRAMS.iter().all(|p| dir.join(p).is_file());
    if complete(&dir) {
        return Ok(dir);
    }
    if Command::new("go").arg("version").output().is_err() {
        return Err("Go is not installed, and the control plane is built from Go modules".into());
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    // One build at a time on a machine: test binaries and CI runs may start together.
    let lock = std::fs::File::create(dir.join(".lock")).map_err(|e| e.to_string())?;
    lock.lock().map_err(|e| e.to_string())?;
    if complete(&dir) {
        return Ok(dir);
    }
    let staging = dir.join(".building");
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(|e| e.to_string())?;
    let [kube, etcd] = modules();
    // Straight to standard error, past the test harness's capture: this takes minutes.
    let _ = writeln!(
        std::io::stderr(),
        "building the control plane (Kubernetes {KUBERNETES}, etcd {ETCD}) into {}; \
         this takes several minutes once",
        dir.display()
    );
    let started = std::time::Instant::now();
    go_build(&etcd, &["-o", &staging.join("etcd").to_string_lossy(), "."])?;
    go_build(
        &kube,
        &[
            "-o",
            &format!("{}/", staging.display()),
            "k8s.io/kubernetes/cmd/kube-apiserver",
            "k8s.io/kubernetes/cmd/kube-controller-manager",
            "k8s.io/kubernetes/cmd/kube-scheduler",
            "./matcher",
        ],
    )?;
    for program in PROGRAMS {
        std::fs::rename(staging.join(program), dir.join(program))
            .map_err(|e| format!("{program}: {e}"))?;
    }
    let _ = std::fs::remove_dir_all(&staging);
    let _ = writeln!(
        std::io::stderr(),
        "built the control plane in {:.0?}",
        started.elapsed()
    );
    Ok(dir)
}

fn go_build(module: &Path, args: &[&str]) -> Result<(), String> {
    // The version the programs report (`/version`), as a release build stamps it.
    let minor = KUBERNETES.split('.').nth(1).unwrap_or_default();
    let version = "k8s.io/component-base/version";
    let ldflags = format!(
        "-s -w -X {version}.gitVersion={KUBERNETES} -X {version}.gitMajor=1 \
         -X {version}.gitMinor={minor} -X {version}.gitTreeState=clean"
    );
    let status = Command::new("go")
        .arg("build")
        .args(["-trimpath", "-buildvcs=false", "-ldflags", &ldflags])
        .args(args)
        .current_dir(module)
        // Go 1.27's jsonv2 experiment makes kube-openapi serve a broken /openapi/v2.
        .env("GOEXPERIMENT", "nojsonv2")
        // go.sum pins every module; nothing needs the checksum database (which is not reachable).
        .env("GOFLAGS", "-mod=readonly")
        .env("GOTOOLCHAIN", "local")
        .status()
        .map_err(|e| format!("go build: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "go build in {} failed ({status})",
            module.display()
        ))
    }
}
