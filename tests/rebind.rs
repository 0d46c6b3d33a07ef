//! `kubectl storage rebind` against the in-process test API server (cluster
//! testdata/cluster/rebind), which plays the PV controller: the plan shown, dry-run first,
//! changes made only with --yes, refusals, a conflict midway and the run that goes on from
//! there.

mod support;

use std::path::PathBuf;

use serde_json::Value;
use support::api_server::ApiServer;
use support::Run;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn cluster() -> ApiServer {
    let server = ApiServer::with_fixtures(root().join("testdata/cluster/rebind"));
    server.run_pv_controller();
    server
}

fn rebind(server: &ApiServer, args: &[&str]) -> Run {
    let dir = support::scratch("rebind");
    support::run(
        support::against(server, &dir, "shop")
            .arg("rebind")
            .args(args)
            .args(["--poll-interval", "5ms"]),
    )
}

fn volume(server: &ApiServer, name: &str) -> Value {
    server.object("persistentvolumes", None, name).unwrap()
}

fn claim(server: &ApiServer, name: &str) -> Option<Value> {
    server.object("persistentvolumeclaims", Some("shop"), name)
}

fn assert_bound(server: &ApiServer, pv: &str, pvc: &str) {
    let volume = volume(server, pv);
    let claim = claim(server, pvc).unwrap();
    assert_eq!(volume["status"]["phase"], "Bound");
    assert_eq!(volume["spec"]["claimRef"]["uid"], claim["metadata"]["uid"]);
    assert_eq!(claim["spec"]["volumeName"], pv);
    assert_eq!(claim["status"]["phase"], "Bound");
}

#[test]
fn without_yes_the_plan_is_shown_and_dry_run_only() {
    let server = cluster();
    let out = rebind(&server, &["pv/pv-retained", "--to", "shop/data-db-0"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!(out.stdout);
    assert_eq!(
        server.writes(),
        [
            "dry-run PATCH persistentvolumes/pv-retained",
            "dry-run POST shop/persistentvolumeclaims"
        ]
    );
    assert!(claim(&server, "data-db-0").is_none());
    assert_eq!(
        volume(&server, "pv-retained")["status"]["phase"],
        "Released"
    );
}

#[test]
fn a_released_volume_goes_to_a_new_claim() {
    let server = cluster();
    let out = rebind(
        &server,
        &["pv/pv-retained", "--to", "shop/data-db-0", "--yes"],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    insta::assert_snapshot!(out.stdout);
    assert_bound(&server, "pv-retained", "data-db-0");
    let created = claim(&server, "data-db-0").unwrap();
    assert_eq!(created["spec"]["resources"]["requests"]["storage"], "50Gi");
    assert_eq!(created["spec"]["storageClassName"], "gp3");
    // Again: nothing to do.
    let out = rebind(&server, &["pv/pv-retained", "--to", "shop/data-db-0"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout
            .contains("✔ volume pv-retained is bound to claim shop/data-db-0: nothing to do."),
        "{}",
        out.stdout
    );
}

#[test]
fn retain_first_and_the_old_policy_put_back() {
    let server = cluster();
    let out = rebind(
        &server,
        &[
            "pvc-reports",
            "--to",
            "reports",
            "--yes",
            "--restore-reclaim-policy",
        ],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    insta::assert_snapshot!(out.stdout);
    assert_bound(&server, "pvc-reports", "reports");
    let pv = volume(&server, "pvc-reports");
    assert_eq!(pv["spec"]["persistentVolumeReclaimPolicy"], "Delete");
    assert!(pv
        .pointer("/metadata/annotations/kubectl-storage.io~1reclaim-policy-before-rebind")
        .is_none());
    let real: Vec<String> = server
        .writes()
        .into_iter()
        .filter(|w| w.starts_with("real"))
        .collect();
    assert_eq!(
        real,
        [
            "real PATCH persistentvolumes/pvc-reports",
            "real PATCH persistentvolumes/pvc-reports",
            "real POST shop/persistentvolumeclaims",
            "real PATCH persistentvolumes/pvc-reports"
        ]
    );
}

#[test]
fn an_unbound_claim_names_the_volume() {
    let server = cluster();
    let out = rebind(
        &server,
        &["pv/pv-retained", "--to", "shop/waiting", "--yes"],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("2. PersistentVolumeClaim shop/waiting: spec.volumeName → pv-retained"),
        "{}",
        out.stdout
    );
    assert_bound(&server, "pv-retained", "waiting");
}

#[test]
fn a_conflict_midway_stops_and_the_next_run_goes_on() {
    let server = cluster();
    // Someone changes the volume between the Retain patch and the claimRef patch.
    server.change_before_write("persistentvolumes", "pvc-reports", 2);
    let args = [
        "pv/pvc-reports",
        "--to",
        "shop/reports",
        "--yes",
        "--restore-reclaim-policy",
    ];
    let out = rebind(&server, &args);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout.contains(
            "✔ 1. PersistentVolume pvc-reports: spec.persistentVolumeReclaimPolicy Delete → Retain"
        ),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("✘ 2. PersistentVolume pvc-reports: spec.claimRef → shop/reports, without the old claim's uid, so that the volume is reserved for the new claim: it changed since it was read"), "{}", out.stdout);
    assert_eq!(
        volume(&server, "pvc-reports")["spec"]["persistentVolumeReclaimPolicy"],
        "Retain"
    );
    let out = rebind(&server, &args);
    assert_eq!(out.code, 0, "{}", out.stdout);
    insta::assert_snapshot!("resumed", out.stdout);
    assert_bound(&server, "pvc-reports", "reports");
    assert_eq!(
        volume(&server, "pvc-reports")["spec"]["persistentVolumeReclaimPolicy"],
        "Delete"
    );
}

#[test]
fn refusals_in_plain_words_and_nothing_written() {
    let server = cluster();
    let cases: &[(&str, &str, &str)] = &[
        ("pv/pv-live", "shop/new", "volume pv-live is bound to claim shop/live, which exists: rebinding it would take the data from that claim"),
        ("pv/pv-retained", "shop/other", "claim shop/other is bound to volume pv-other"),
        ("pv/pv-retained", "shop/big", "volume pv-retained cannot serve claim shop/big: its capacity 50Gi is less than the requested 100Gi"),
    ];
    for (pv, to, why) in cases {
        let out = rebind(&server, &[pv, "--to", to, "--yes"]);
        assert_eq!(out.code, 1, "{pv}: {}", out.stdout);
        assert!(out.stdout.contains(why), "{pv}: {}", out.stdout);
        assert!(
            out.stdout.contains("Nothing was changed."),
            "{}",
            out.stdout
        );
    }
    assert!(server.writes().is_empty(), "{:?}", server.writes());
    let out = rebind(&server, &["pv/nope", "--to", "shop/x"]);
    assert_eq!(out.code, 2);
    assert_eq!(out.stderr, "error: there is no PersistentVolume nope\n");
    let out = rebind(&server, &["pvc/x", "--to", "shop/x"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("give the volume as pv/NAME"),
        "{}",
        out.stderr
    );
    let out = rebind(&server, &["pv/pv-retained", "--to", "a/b/c"]);
    assert_eq!(out.code, 2);
}

#[test]
fn waiting_ends_at_the_timeout() {
    let server = ApiServer::with_fixtures(root().join("testdata/cluster/rebind"));
    let out = rebind(
        &server,
        &[
            "pv/pv-retained",
            "--to",
            "shop/data-db-0",
            "--yes",
            "--timeout",
            "100ms",
        ],
    );
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("not bound yet after"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("run the same command again to go on waiting"),
        "{}",
        out.stdout
    );
}

#[test]
fn the_readme_rebind_block_is_the_real_output() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let marker = "```console\n$ kubectl storage rebind ";
    let mut checked = 0;
    for block in readme.split(marker).skip(1) {
        let (args, rest) = block.split_once('\n').unwrap();
        let expected = &rest[..rest.find("```").unwrap()];
        let out = rebind(&cluster(), &args.split_whitespace().collect::<Vec<_>>());
        assert_eq!(
            expected, out.stdout,
            "update the output of `kubectl storage rebind {args}` in README.md"
        );
        checked += 1;
    }
    assert_eq!(checked, 1, "README.md shows a rebind");
}
