//! `kubectl storage expand` against the in-process test API server (cluster
//! testdata/cluster/expand), which plays the resizer and the kubelet: checks and refusals, the
//! change shown, dry-run first and sent only with --yes, the resize followed to the end, pods
//! restarted when asked, a StatefulSet carried over to the new size; and `expand -f` on
//! manifests.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::api_server::{ApiServer, Resizer};
use support::Run;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn cluster() -> ApiServer {
    ApiServer::with_fixtures(root().join("testdata/cluster/expand"))
}

fn expand_in(server: &ApiServer, dir: &Path, args: &[&str]) -> Run {
    support::run(
        support::against(server, dir, "shop")
            .env("TMPDIR", dir)
            .arg("expand")
            .args(args)
            .args(["--poll-interval", "5ms"]),
    )
}

fn expand(server: &ApiServer, args: &[&str]) -> Run {
    expand_in(server, &support::scratch("expand"), args)
}

fn claim(server: &ApiServer, name: &str) -> Value {
    server
        .object("persistentvolumeclaims", Some("shop"), name)
        .unwrap()
}

fn request(server: &ApiServer, name: &str) -> String {
    claim(server, name)["spec"]["resources"]["requests"]["storage"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn without_yes_the_change_is_checked_shown_and_dry_run_only() {
    let server = cluster();
    let out = expand(&server, &["pvc/cache", "--to", "20Gi"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!(out.stdout);
    assert_eq!(
        server.writes(),
        ["dry-run PATCH persistentvolumeclaims/cache"]
    );
    assert_eq!(request(&server, "cache"), "10Gi");
}

#[test]
fn an_online_resize_is_followed_to_the_end() {
    let server = cluster();
    server.set_resizer("shop", "cache", Resizer::Online);
    let out = expand(&server, &["pvc/cache", "--to", "20Gi", "--yes"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    insta::assert_snapshot!(out.stdout);
    let cache = claim(&server, "cache");
    assert_eq!(cache["status"]["capacity"]["storage"], "20Gi");
    assert_eq!(cache["spec"]["resources"]["requests"]["storage"], "20Gi");
    assert_eq!(
        server.writes(),
        [
            "dry-run PATCH persistentvolumeclaims/cache",
            "real PATCH persistentvolumeclaims/cache"
        ]
    );
    // The volume grew too, and the quota counts the growth.
    let pv = server
        .object("persistentvolumes", None, "pvc-cache")
        .unwrap();
    assert_eq!(pv["spec"]["capacity"]["storage"], "20Gi");
    let quota = server
        .object("resourcequotas", Some("shop"), "storage")
        .unwrap();
    assert_eq!(quota["status"]["used"]["requests.storage"], "85Gi");
}

#[test]
fn the_patch_carries_the_resource_version_it_was_read_at() {
    let server = cluster();
    server.change_before_next_write("persistentvolumeclaims", "cache");
    let out = expand(&server, &["pvc/cache", "--to", "20Gi", "--yes"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("shop/cache: it changed since it was read"),
        "{}",
        out.stdout
    );
    assert_eq!(request(&server, "cache"), "10Gi");
}

#[test]
fn pods_are_restarted_when_the_file_system_waits_for_them() {
    let server = cluster();
    server.set_resizer("shop", "cache", Resizer::Offline);
    let out = expand(
        &server,
        &["pvc/cache", "--to", "20Gi", "--yes", "--restart-pods"],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    insta::assert_snapshot!(out.stdout);
    assert!(server
        .writes()
        .contains(&"real DELETE pods/web-5d8-x7k2p".to_owned()));
    assert!(server
        .object("pods", Some("shop"), "web-5d8-x7k2p")
        .is_none());
    assert_eq!(
        claim(&server, "cache")["status"]["capacity"]["storage"],
        "20Gi"
    );
}

#[test]
fn without_restart_pods_the_pods_to_restart_are_named() {
    let server = cluster();
    server.set_resizer("shop", "cache", Resizer::Offline);
    let out = expand(
        &server,
        &["pvc/cache", "--to", "20Gi", "--yes", "--timeout", "300ms"],
    );
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("restart pod shop/web-5d8-x7k2p to finish (its controller starts it again), or run again with --restart-pods"), "{}", out.stdout);
    assert!(out.stdout.contains("✘ shop/cache: not done after 300ms (the volume has grown; the kubelet grows its file system in use (pod shop/web-5d8-x7k2p uses it)); the resize goes on in the cluster: run the same command again to follow it"), "{}", out.stdout);
    assert!(!server.writes().iter().any(|w| w.contains("DELETE")));
}

#[test]
fn a_bare_pod_is_not_restarted() {
    let server = cluster();
    server.set_resizer("shop", "reports", Resizer::Offline);
    let out = expand(
        &server,
        &[
            "pvc/reports",
            "--to",
            "20Gi",
            "--yes",
            "--restart-pods",
            "--timeout",
            "200ms",
        ],
    );
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("pod shop/report-runner is not started again by a ReplicaSet or StatefulSet: restart it yourself"), "{}", out.stdout);
    assert!(!server.writes().iter().any(|w| w.contains("DELETE")));
}

#[test]
fn a_claim_no_pod_uses_is_done_when_the_volume_has_grown() {
    let server = cluster();
    server.set_resizer("shop", "idle", Resizer::Offline);
    let out = expand(&server, &["pvc/idle", "--to", "20Gi", "--yes"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(out.stdout.contains("✔ shop/idle: the volume has 20Gi; its file system grows when a pod next mounts the claim"), "{}", out.stdout);
}

#[test]
fn failures_are_reported_from_the_claim_and_its_events() {
    let server = cluster();
    server.set_resizer(
        "shop",
        "cache",
        Resizer::Infeasible("requested size exceeds the volume type's limit"),
    );
    let out = expand(&server, &["pvc/cache", "--to", "20Gi", "--yes"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    insta::assert_snapshot!("infeasible", out.stdout);

    let server = cluster();
    server.set_resizer("shop", "cache", Resizer::Fails("rate exceeded"));
    let out = expand(
        &server,
        &["pvc/cache", "--to", "20Gi", "--yes", "--timeout", "200ms"],
    );
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("shop/cache: the last attempt failed and the resizer retries: resize volume \"cache\" by resizer \"csi.test.io\" failed: rate exceeded"), "{}", out.stdout);
}

#[test]
fn refusals_in_plain_words_and_nothing_written() {
    let cases: &[(&str, &str, &str)] = &[
        ("pvc/logs", "20Gi", "does not set allowVolumeExpansion: true"),
        ("pvc/scratch", "20Gi", "the claim is Pending"),
        ("pvc/share", "20Gi", "cannot resize volumes"),
        ("pvc/cache", "5Gi", "Kubernetes never shrinks a volume"),
        ("pvc/cache", "200Gi", "ResourceQuota storage: requests.storage would be 265Gi of the 200Gi allowed (75Gi used now, 190Gi more asked)"),
    ];
    let server = cluster();
    for (target, size, why) in cases {
        let out = expand(&server, &[target, "--to", size, "--yes"]);
        assert_eq!(out.code, 1, "{target}: {}", out.stdout);
        assert!(out.stdout.contains(why), "{target}: {}", out.stdout);
        assert!(
            out.stdout.contains("Nothing was changed"),
            "{target}: {}",
            out.stdout
        );
    }
    assert!(server.writes().is_empty(), "{:?}", server.writes());
    let out = expand(&server, &["pvc/logs", "--to", "20Gi"]);
    insta::assert_snapshot!("refused", out.stdout);
}

#[test]
fn usage_errors() {
    let server = cluster();
    let out = expand(&server, &["pvc/nope", "--to", "20Gi"]);
    assert_eq!(out.code, 2);
    assert_eq!(out.stderr, "error: there is no PersistentVolumeClaim nope in namespace shop (-n picks another namespace)\n");
    let out = expand(&server, &["pv/pvc-cache", "--to", "20Gi"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("give pvc/NAME or sts/NAME"),
        "{}",
        out.stderr
    );
    let out = expand(&server, &["pvc/cache", "--to", "20GB"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("invalid size \"20GB\""),
        "{}",
        out.stderr
    );
}

#[test]
fn asking_again_follows_the_resize_asked_before() {
    let server = cluster();
    server.set_resizer("shop", "cache", Resizer::Online);
    let out = expand(
        &server,
        &["pvc/cache", "--to", "20Gi", "--yes", "--no-wait"],
    );
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("The resize goes on in the cluster; run the same command again to follow it"),
        "{}",
        out.stdout
    );
    server.clear_requests();
    let out = expand(&server, &["pvc/cache", "--to", "20Gi"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("it already asks for 20Gi: the resize asked before is not finished"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("✔ shop/cache has 20Gi"),
        "{}",
        out.stdout
    );
    assert!(server.writes().is_empty());
    let out = expand(&server, &["pvc/cache", "--to", "20Gi"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("it already has 20Gi"), "{}", out.stdout);
}

#[test]
fn a_statefulset_grows_every_claim_and_is_created_again_with_yes() {
    let server = cluster();
    for claim in ["data-db-0", "data-db-1"] {
        server.set_resizer("shop", claim, Resizer::Online);
    }
    let dir = support::scratch("expand-sts");
    let out = expand_in(&server, &dir, &["sts/db", "--to", "20Gi", "--yes"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let stdout = out.stdout.replace(&dir.display().to_string(), "[TMP]");
    insta::assert_snapshot!(stdout);
    for claim in ["data-db-0", "data-db-1"] {
        assert_eq!(claim_capacity(&server, claim), "20Gi", "{claim}");
    }
    let set = server
        .object("statefulsets.apps", Some("shop"), "db")
        .unwrap();
    assert_eq!(
        set["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"],
        "20Gi"
    );
    // The pods kept running and belong to the new StatefulSet.
    let pod = server.object("pods", Some("shop"), "db-0").unwrap();
    assert_eq!(
        pod["metadata"]["ownerReferences"][0]["uid"],
        set["metadata"]["uid"]
    );
    let sts_writes: Vec<String> = server
        .writes()
        .into_iter()
        .filter(|w| w.contains("statefulsets"))
        .collect();
    assert_eq!(
        sts_writes,
        [
            "dry-run DELETE statefulsets/db",
            "real DELETE statefulsets/db",
            "real POST shop/statefulsets"
        ]
    );
    // Both versions were saved first.
    let saved: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("kubectl-storage-statefulset"))
        .collect();
    assert_eq!(saved.len(), 2, "{saved:?}");
}

fn claim_capacity(server: &ApiServer, name: &str) -> String {
    claim(server, name)["status"]["capacity"]["storage"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn a_statefulset_without_yes_shows_the_plan_only() {
    let server = cluster();
    let out = expand(&server, &["sts/db", "--to", "20Gi"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("Change PersistentVolumeClaim shop/data-db-0: spec.resources.requests.storage 10Gi → 20Gi"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("Change PersistentVolumeClaim shop/data-db-1"),
        "{}",
        out.stdout
    );
    assert!(server.writes().iter().all(|w| w.starts_with("dry-run")));
}

#[test]
fn manifests_get_the_new_size_in_their_text() {
    let dir = support::scratch("expand-files");
    let file = dir.join("db.yaml");
    std::fs::copy(root().join("testdata/expand/db.yaml"), &file).unwrap();
    let run = |args: &[&str]| {
        support::run(
            support::tool(&dir)
                .current_dir(&dir)
                .arg("expand")
                .args(args),
        )
    };
    let out = run(&["sts/db", "--to", "20Gi", "-f", "db.yaml", "--diff"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("manifest_diff", out.stdout);
    let out = run(&["sts/db", "--to", "20Gi", "-f", "db.yaml", "--write"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("manifest_write", out.stdout);
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(
        written.contains("storage: 20Gi # grows with the shop"),
        "{written}"
    );
    // Twice changes nothing.
    let out = run(&["sts/db", "--to", "20Gi", "-f", "db.yaml", "--write"]);
    assert_eq!(out.code, 0);
    assert_eq!(out.stdout, "db already asks for 20Gi: nothing to change.\n");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), written);
    // A claim; a smaller size; a name that is not there.
    let out = run(&["pvc/uploads", "--to", "30Gi", "-f", "db.yaml", "--write"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(std::fs::read_to_string(&file)
        .unwrap()
        .contains("storage: \"30Gi\""));
    let out = run(&["pvc/uploads", "--to", "1Gi", "-f", "db.yaml"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("the API rejects a smaller request once the claim exists"),
        "{}",
        out.stderr
    );
    let out = run(&["pvc/nope", "--to", "1Gi", "-f", "db.yaml"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "error: the manifests have no PersistentVolumeClaim nope\n"
    );
}

#[test]
fn the_readme_expand_block_is_the_real_output() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let marker = "```console\n$ kubectl storage expand ";
    let mut checked = 0;
    for block in readme.split(marker).skip(1) {
        let (args, rest) = block.split_once('\n').unwrap();
        let expected = &rest[..rest.find("```").unwrap()];
        let server = cluster();
        server.set_resizer("shop", "cache", Resizer::Online);
        let out = expand(&server, &args.split_whitespace().collect::<Vec<_>>());
        assert_eq!(
            expected, out.stdout,
            "update the output of `kubectl storage expand {args}` in README.md"
        );
        checked += 1;
    }
    assert_eq!(checked, 1, "README.md shows an expand");
}
