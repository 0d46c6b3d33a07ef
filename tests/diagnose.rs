//! `diagnose` against the in-process test API server, on a cluster with one storage problem of
//! each kind (testdata/cluster/trouble).

mod support;

use std::path::PathBuf;

use serde_json::Value;

use support::api_server::ApiServer;
use support::Run;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn trouble() -> ApiServer {
    ApiServer::with_fixtures(root().join("testdata/cluster/trouble"))
}

/// Runs `diagnose` through a kubeconfig whose context's namespace is `web`.
fn run(server: &ApiServer, args: &[&str]) -> Run {
    let mut all = vec!["diagnose"];
    all.extend(args);
    run_tool(server, &all)
}

/// Runs the tool through a kubeconfig whose context's namespace is `web`.
fn run_tool(server: &ApiServer, args: &[&str]) -> Run {
    let dir = support::scratch("diagnose");
    support::run(support::against(server, &dir, "web").args(args))
}

fn json(server: &ApiServer, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["-o", "json"]);
    let out = run(server, &all);
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

/// The rules reported, with the object each is about.
fn rules(report: &Value) -> Vec<String> {
    let mut rules: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["rule"].as_str().unwrap(),
                f["object"]["name"].as_str().unwrap()
            )
        })
        .collect();
    rules.sort();
    rules
}

#[test]
fn every_problem_in_the_namespace() {
    let server = trouble();
    let out = run(&server, &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!(out.stdout);
    let report = json(&server, &[]);
    assert_eq!(
        rules(&report),
        [
            "csi-driver-not-installed scratch",
            "delete-reclaim-on-statefulset-data db",
            "expansion-waits-for-pod-restart data-db-0",
            "multi-attach-conflict web-7d4b9-xk2p4",
            "provisioning-failed logs",
            "released-volume-unclaimable pvc-0e0e0b44",
            "rwo-claim-on-several-nodes shared",
            "volume-attachment-on-missing-node csi-2f6c1d0a4b8e3f5c7d9b1a2f4e6c8b0d3f5a7c9e1b2d4f6a8c0e2b4d6f8a1c3e",
            "volume-mount-failed cache-0",
        ]
    );
    assert!(report.get("target").is_none());
}

#[test]
fn a_claim_waiting_for_a_driver_that_is_not_installed() {
    let server = trouble();
    let out = run(&server, &["pvc/scratch"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!(out.stdout);
    let report = json(&server, &["persistentvolumeclaim", "scratch"]);
    assert_eq!(rules(&report), ["csi-driver-not-installed scratch"]);
    assert_eq!(report["target"]["kind"], "PersistentVolumeClaim");
    assert_eq!(
        report["target"]["events"][0]["reason"],
        "ExternalProvisioning"
    );
}

#[test]
fn a_claim_whose_provisioning_fails() {
    let server = trouble();
    let report = json(&server, &["pvc/logs"]);
    assert_eq!(rules(&report), ["provisioning-failed logs"]);
    let chain = report["target"]["chain"].to_string();
    assert!(
        chain.contains("WaitForFirstConsumer: a pod was scheduled to node-a"),
        "{chain}"
    );
    assert!(chain.contains("CSI driver installed"), "{chain}");
}

#[test]
fn a_pod_blocked_by_multi_attach() {
    let server = trouble();
    let out = run(&server, &["pod/web-7d4b9-xk2p4"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!(out.stdout);
    let report = json(&server, &["pod", "web-7d4b9-xk2p4"]);
    assert!(rules(&report).contains(&"multi-attach-conflict web-7d4b9-xk2p4".to_owned()));
    let message = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "multi-attach-conflict")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("holds on node node-a"), "{message}");
    assert!(message.contains("pod web/web-5f6c8-q9r2s"), "{message}");
}

#[test]
fn a_pod_whose_volume_does_not_mount() {
    let server = trouble();
    let report = json(&server, &["po/cache-0"]);
    assert_eq!(rules(&report), ["volume-mount-failed cache-0"]);
}

#[test]
fn a_statefulset_whose_resize_waits_for_a_restart() {
    let server = trouble();
    let out = run(&server, &["sts/db"]);
    insta::assert_snapshot!(out.stdout);
    let report = json(&server, &["statefulset/db"]);
    assert_eq!(
        rules(&report),
        [
            "delete-reclaim-on-statefulset-data db",
            "expansion-waits-for-pod-restart data-db-0"
        ]
    );
    let message = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "expansion-waits-for-pod-restart")
        .unwrap()["message"]
        .as_str()
        .unwrap();
    assert!(
        message.contains("pod web/db-0, which must be restarted"),
        "{message}"
    );
}

#[test]
fn a_released_volume_still_attached_to_a_gone_node() {
    let server = trouble();
    let report = json(&server, &["pv/pvc-0e0e0b44"]);
    assert_eq!(
        rules(&report),
        [
            "released-volume-unclaimable pvc-0e0e0b44",
            "volume-attachment-on-missing-node csi-2f6c1d0a4b8e3f5c7d9b1a2f4e6c8b0d3f5a7c9e1b2d4f6a8c0e2b4d6f8a1c3e",
        ]
    );
    let chain = report["target"]["chain"].to_string();
    assert!(
        chain.contains("reserved for claim web/reports, which does not exist"),
        "{chain}"
    );
    // Released now and predicted so: said once.
    assert!(
        chain.contains("volume pvc-0e0e0b44: Released, 100Gi"),
        "{chain}"
    );
}

#[test]
fn denied_events_and_attachments_degrade_and_say_what_was_not_checked() {
    let server = trouble();
    server.deny("events");
    server.deny("volumeattachments.storage.k8s.io");
    let out = run(&server, &["pod/web-7d4b9-xk2p4"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("Not checked"), "{}", out.stdout);
    assert!(
        out.stdout.contains("attachments: could not be read"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("not allowed to list events"),
        "{}",
        out.stderr
    );
    let report = json(&server, &[]);
    let degraded: Vec<&str> = report["degraded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert_eq!(degraded, ["VolumeAttachment", "Event"]);
    // What needs no events still shows.
    assert!(rules(&report).contains(&"expansion-waits-for-pod-restart data-db-0".to_owned()));
    assert!(!rules(&report)
        .iter()
        .any(|r| r.starts_with("provisioning-failed")));
}

#[test]
fn an_unknown_target_and_an_unreachable_cluster_exit_2() {
    let server = trouble();
    let out = run(&server, &["pvc/nope"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "error: persistentvolumeclaim \"nope\" not found in namespace web\n"
    );
    let out = run(&server, &["deployment/web"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("cannot diagnose a \"deployment\""),
        "{}",
        out.stderr
    );
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let gone = ApiServer::start();
    let dir = std::env::temp_dir().join(format!(
        "kubectl-storage-diagnose-gone-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = dir.join("config");
    std::fs::write(
        &kubeconfig,
        gone.kubeconfig("gone", None)
            .replace(&gone.url(), &format!("http://127.0.0.1:{port}")),
    )
    .unwrap();
    let output = support::tool(&dir)
        .env("KUBECONFIG", &kubeconfig)
        .arg("diagnose")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: cannot reach the cluster"),
        "{stderr}"
    );
}

#[test]
fn every_output_format() {
    let server = trouble();
    for format in ["text", "json", "yaml", "github", "junit", "sarif"] {
        let out = run(&server, &["pvc/scratch", "-o", format]);
        assert_eq!(out.code, 1, "{format}: {}", out.stderr);
        assert!(out.stdout.contains("scratch"), "{format}: {}", out.stdout);
    }
}

#[test]
fn the_readme_diagnose_block_is_the_real_output() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let marker = "```console\n$ kubectl storage diagnose ";
    let mut checked = 0;
    for block in readme.split(marker).skip(1) {
        let (args, rest) = block.split_once('\n').unwrap();
        let expected = &rest[..rest.find("```").unwrap()];
        let out = run(&trouble(), &args.split_whitespace().collect::<Vec<_>>());
        assert_eq!(
            expected, out.stdout,
            "update the output of `kubectl storage diagnose {args}` in README.md"
        );
        checked += 1;
    }
    assert_eq!(checked, 1, "README.md shows a diagnosis");
}

/// The first finding of a rule: its message.
fn message(report: &Value, rule: &str) -> String {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding"))["message"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn every_problem_in_another_namespace_and_only_its_own() {
    let server = trouble();
    let report = json(&server, &["-n", "ops"]);
    assert_eq!(
        rules(&report),
        [
            "claim-lost old-data",
            "claim-pending archive",
            "expansion-failed search",
            "expansion-in-progress metrics",
            "rwop-claim-used-by-several-pods ledger",
            "volume-attach-failed queue-0",
            "volume-node-affinity-conflict reports",
        ]
    );
    // web's volume, attached to a node that is gone, is web's problem, not ops'.
    let everywhere = json(&server, &["-A"]);
    assert!(rules(&everywhere)
        .iter()
        .any(|r| r.starts_with("volume-attachment-on-missing-node")));
}

#[test]
fn a_pod_pinned_away_from_its_local_volume() {
    let server = trouble();
    let out = run(&server, &["-n", "ops", "pod/reports"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!(out.stdout);
    let report = json(&server, &["-n", "ops", "pod/reports"]);
    assert_eq!(rules(&report), ["volume-node-affinity-conflict reports"]);
    let message = message(&report, "volume-node-affinity-conflict");
    assert!(
        message.contains("nodes with kubernetes.io/hostname in (node-a), which match none of the 1 nodes the pod may run on (node-b)"),
        "{message}"
    );
    // Only the latest scheduling attempt stands; the earlier one (unbound claim) is gone.
    let events = report["target"]["events"].as_array().unwrap();
    let scheduling: Vec<&Value> = events
        .iter()
        .filter(|e| e["reason"] == "FailedScheduling")
        .collect();
    assert_eq!(scheduling.len(), 1, "{events:#?}");
    assert!(
        scheduling[0]["message"]
            .as_str()
            .unwrap()
            .contains("didn't match PersistentVolume's node affinity"),
        "{events:#?}"
    );
    // The pod's PodScheduled condition is read as the scheduler's current word.
    let chain = report["target"]["chain"].to_string();
    assert!(
        chain.contains("the scheduler cannot place it (condition PodScheduled False, Unschedulable): 0/2 nodes are available"),
        "{chain}"
    );
}

#[test]
fn a_pod_waiting_for_an_unbound_immediate_claim() {
    let server = trouble();
    let out = run(&server, &["-n", "ops", "pod/archiver"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!(out.stdout);
    let report = json(&server, &["-n", "ops", "pod/archiver"]);
    assert_eq!(rules(&report), ["claim-pending archive"]);
    let chain = report["target"]["chain"].to_string();
    assert!(
        chain.contains("nfs-archive: capacity 50Gi is less than the requested 200Gi"),
        "{chain}"
    );
    let message = message(&report, "claim-pending");
    assert!(
        message.contains("the claim's events say \"no persistent volumes available for this claim and no storage class is set\" (FailedBinding, 362 times)"),
        "{message}"
    );
    let reasons: Vec<&str> = report["target"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["FailedScheduling", "FailedBinding"]);
}

#[test]
fn a_pod_blocked_by_a_read_write_once_pod_claim() {
    let server = trouble();
    let report = json(&server, &["-n", "ops", "pod/ledger-audit"]);
    assert_eq!(rules(&report), ["rwop-claim-used-by-several-pods ledger"]);
    let chain = report["target"]["chain"].to_string();
    assert!(
        chain.contains("used by pod ops/ledger-writer: Running, on node node-a"),
        "{chain}"
    );
    let message = message(&report, "rwop-claim-used-by-several-pods");
    assert!(
        message.contains("Pod ops/ledger-audit, Pod ops/ledger-writer"),
        "{message}"
    );
}

#[test]
fn a_resize_in_progress_and_a_resize_that_failed() {
    let server = trouble();
    let out = run(&server, &["-n", "ops", "pvc/metrics"]);
    assert_eq!(
        out.code, 0,
        "an expansion in progress is not a failure: {}",
        out.stderr
    );
    let report = json(&server, &["-n", "ops", "pvc/metrics"]);
    assert_eq!(rules(&report), ["expansion-in-progress metrics"]);
    assert!(message(&report, "expansion-in-progress").contains("asks for 200Gi but has 100Gi"));

    let report = json(&server, &["-n", "ops", "pvc/search"]);
    assert_eq!(rules(&report), ["expansion-failed search"]);
    let message = message(&report, "expansion-failed");
    assert!(message.contains("ControllerResizeInfeasible"), "{message}");
    assert!(
        message.contains("maximum is 16384GiB\" (VolumeResizeFailed, 4 times)"),
        "{message}"
    );
}

#[test]
fn a_claim_whose_volume_is_gone() {
    let server = trouble();
    let report = json(&server, &["-n", "ops", "pvc/old-data"]);
    assert_eq!(rules(&report), ["claim-lost old-data"]);
    let chain = report["target"]["chain"].to_string();
    assert!(chain.contains("claim ops/old-data: Lost"), "{chain}");
    assert_eq!(report["claims"][0]["outcome"], "lost");
}

#[test]
fn a_pod_whose_volume_does_not_attach() {
    let server = trouble();
    let report = json(&server, &["-n", "ops", "pod/queue-0"]);
    assert_eq!(rules(&report), ["volume-attach-failed queue-0"]);
    let chain = report["target"]["chain"].to_string();
    assert!(
        chain.contains("being attached to node node-b (VolumeAttachment csi-5e0c3a66"),
        "{chain}"
    );
    assert!(message(&report, "volume-attach-failed").contains("expected device to be attached"));
}

#[test]
fn completes_contexts_namespaces_and_object_names_from_the_cluster() {
    let server = trouble();
    for ns in ["ops", "web"] {
        server.add(
            serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
        );
    }
    let complete = |words: &[&str]| {
        let mut all = vec!["__complete"];
        all.extend(words);
        let out = run_tool(&server, &all);
        assert_eq!(out.code, 0, "{}", out.stderr);
        out.stdout
    };
    assert_eq!(
        complete(&["diagnose", "pvc/"]),
        "pvc/cache\npvc/data-db-0\npvc/logs\npvc/scratch\npvc/shared\n:4\n"
    );
    assert_eq!(
        complete(&["diagnose", "-n", "ops", "pod/l"]),
        "pod/ledger-audit\npod/ledger-writer\n:4\n"
    );
    assert_eq!(complete(&["diagnose", "-n", ""]), "ops\nweb\n:4\n");
    assert_eq!(complete(&["diagnose", "--context", ""]), "test\n:4\n");
}
