//! `kubectl storage fix --cluster` against the in-process test API server (cluster
//! testdata/cluster/fixable): every patch shown, dry-run first, sent only with --yes, guarded by
//! the resourceVersion the object was read at.

mod support;

use std::path::PathBuf;

use support::api_server::ApiServer;
use support::Run;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixable() -> ApiServer {
    ApiServer::with_fixtures(root().join("testdata/cluster/fixable"))
}

fn fix(server: &ApiServer, args: &[&str]) -> Run {
    let dir = support::scratch("fix-cluster");
    support::run(
        support::against(server, &dir, "shop")
            .args(["fix", "--cluster"])
            .args(args),
    )
}

/// The PATCH requests the server saw, as `dry-run|real resource/name`.
fn patches(server: &ApiServer) -> Vec<String> {
    server
        .writes()
        .into_iter()
        .filter(|w| w.contains(" PATCH "))
        .map(|w| w.replacen(" PATCH", "", 1))
        .collect()
}

#[test]
fn without_yes_the_patches_are_shown_and_dry_run_only() {
    let server = fixable();
    let out = fix(&server, &["--unsafe-fixes"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!(out.stdout);
    let sent = patches(&server);
    assert!(!sent.is_empty());
    assert!(sent.iter().all(|p| p.starts_with("dry-run")), "{sent:?}");
    // Nothing changed.
    let pv = server
        .object("persistentvolumes", None, "archive-0")
        .unwrap();
    assert!(pv.pointer("/spec/claimRef/uid").is_some());
}

#[test]
fn safe_fixes_alone_and_an_immutable_field_refused_by_the_dry_run() {
    let server = fixable();
    let out = fix(&server, &["--yes"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("StorageClass local-immediate: dry run: the server refused it (422)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("unsafe: run with --unsafe-fixes"),
        "{}",
        out.stdout
    );
    assert_eq!(patches(&server), ["dry-run storageclasses/local-immediate"]);
}

#[test]
fn with_yes_the_accepted_patches_are_sent_and_a_second_run_has_less_to_do() {
    let server = fixable();
    let out = fix(&server, &["--unsafe-fixes", "--yes"]);
    // The class's fix was refused, so not everything is fixed.
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("✔ patched PersistentVolume archive-0"),
        "{}",
        out.stdout
    );
    let pv = server
        .object("persistentvolumes", None, "archive-0")
        .unwrap();
    assert!(pv.pointer("/spec/claimRef/uid").is_none(), "{pv}");
    assert_eq!(pv.pointer("/spec/claimRef/name").unwrap(), "archive");
    let data = server
        .object("persistentvolumes", None, "pvc-7a0d1b2c")
        .unwrap();
    assert_eq!(
        data.pointer("/spec/persistentVolumeReclaimPolicy").unwrap(),
        "Retain"
    );
    let db = server
        .object("statefulsets.apps", Some("shop"), "db")
        .unwrap();
    assert_eq!(
        db.pointer("/spec/persistentVolumeClaimRetentionPolicy/whenDeleted")
            .unwrap(),
        "Retain"
    );
    let web = server
        .object("deployments.apps", Some("shop"), "web")
        .unwrap();
    assert_eq!(
        web.pointer("/spec/template/spec/volumes/0/persistentVolumeClaim/readOnly")
            .unwrap(),
        true
    );
    let real: Vec<String> = patches(&server)
        .into_iter()
        .filter(|p| p.starts_with("real"))
        .collect();
    insta::assert_snapshot!(real.join("\n"));

    server.clear_requests();
    let again = fix(&server, &["--unsafe-fixes", "--yes"]);
    // Only the class is left, and the server still refuses it.
    assert_eq!(
        patches(&server),
        ["dry-run storageclasses/local-immediate"],
        "{}",
        again.stdout
    );
}

#[test]
fn an_object_changed_since_it_was_read_is_not_overwritten() {
    let server = fixable();
    server.change_before_next_write("persistentvolumes", "archive-0");
    let out = fix(&server, &["--unsafe-fixes", "--yes"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("✘ PersistentVolume archive-0: it changed since it was read"),
        "{}",
        out.stdout
    );
    let pv = server
        .object("persistentvolumes", None, "archive-0")
        .unwrap();
    assert!(pv.pointer("/spec/claimRef/uid").is_some());
    // The others went through.
    let db = server
        .object("statefulsets.apps", Some("shop"), "db")
        .unwrap();
    assert_eq!(
        db.pointer("/spec/persistentVolumeClaimRetentionPolicy/whenDeleted")
            .unwrap(),
        "Retain"
    );
}

#[test]
fn manifests_and_a_cluster_together_are_a_usage_error() {
    let server = fixable();
    let out = fix(&server, &["-f", "testdata/fix/"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("not both"), "{}", out.stderr);
    let out = fix(&server, &["--write"]);
    assert_eq!(out.code, 2);
    assert!(server.requests().iter().all(|r| r.method != "PATCH"));
}

#[test]
fn an_attachment_to_a_node_that_is_gone_is_deleted() {
    let server = ApiServer::with_fixtures(root().join("testdata/cluster/stale-attachment"));
    let out = fix(&server, &["--unsafe-fixes", "--yes"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    insta::assert_snapshot!(out.stdout);
    let deletes: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .map(|r| format!("{} {}", r.dry_run, r.path))
        .collect();
    assert_eq!(
        deletes,
        [
            "true /apis/storage.k8s.io/v1/volumeattachments/csi-0b1c2d3e4f",
            "false /apis/storage.k8s.io/v1/volumeattachments/csi-0b1c2d3e4f"
        ]
    );
    assert!(server
        .object("volumeattachments.storage.k8s.io", None, "csi-0b1c2d3e4f")
        .is_none());
    // Without --unsafe-fixes it is left, and said why.
    let server = ApiServer::with_fixtures(root().join("testdata/cluster/stale-attachment"));
    let out = fix(&server, &["--yes"]);
    assert!(
        out.stdout
            .contains("unsafe: run with --unsafe-fixes to apply it"),
        "{}",
        out.stdout
    );
    assert!(server
        .object("volumeattachments.storage.k8s.io", None, "csi-0b1c2d3e4f")
        .is_some());
}
