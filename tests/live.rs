//! Live clusters, against the in-process test API server (tests/support/api_server): the
//! server's own wire behaviour first, then `plan --cluster` end to end through a kubeconfig.

mod support;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use kube::api::{ListParams, Patch, PatchParams, PostParams};
use kube::core::Request;
use serde_json::{json, Value};

use support::api_server::{ApiServer, Logged};
use support::Run;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn shop() -> ApiServer {
    ApiServer::with_fixtures(root().join("testdata/cluster/shop"))
}

// ---------------------------------------------------------------------------------------------
// The test server itself, through kube's own client and request builders.

fn call(
    server: &ApiServer,
    request: http::Request<Vec<u8>>,
) -> Result<Value, (u16, String, Value)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let config = kube::Config::new(server.url().parse().unwrap());
        let client = kube::Client::try_from(config).unwrap();
        match client.request::<Value>(request).await {
            Ok(value) => Ok(value),
            Err(kube::Error::Api(status)) => {
                let body = serde_json::to_value(&*status).unwrap();
                Err((status.code, status.reason.clone(), body))
            }
            Err(other) => panic!("transport error: {other}"),
        }
    })
}

fn list(
    server: &ApiServer,
    path: &str,
    params: &ListParams,
) -> Result<Value, (u16, String, Value)> {
    call(server, Request::new(path).list(params).unwrap())
}

#[test]
fn discovery_names_every_served_resource() {
    let server = shop();
    let core = call(
        &server,
        http::Request::get("/api/v1").body(Vec::new()).unwrap(),
    )
    .unwrap();
    assert_eq!(core["kind"], "APIResourceList");
    let pvc = core["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "persistentvolumeclaims")
        .unwrap();
    assert_eq!(pvc["namespaced"], true);
    assert_eq!(pvc["kind"], "PersistentVolumeClaim");
    let groups = call(
        &server,
        http::Request::get("/apis").body(Vec::new()).unwrap(),
    )
    .unwrap();
    let names: Vec<&str> = groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["apps", "batch", "storage.k8s.io"]);
    let storage = call(
        &server,
        http::Request::get("/apis/storage.k8s.io/v1")
            .body(Vec::new())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(storage["groupVersion"], "storage.k8s.io/v1");
    let versions = call(
        &server,
        http::Request::get("/api").body(Vec::new()).unwrap(),
    )
    .unwrap();
    assert_eq!(versions["versions"], json!(["v1"]));
}

#[test]
fn lists_are_typed_lists_with_a_resource_version() {
    let server = shop();
    let all = list(
        &server,
        "/api/v1/persistentvolumeclaims",
        &ListParams::default(),
    )
    .unwrap();
    assert_eq!(all["kind"], "PersistentVolumeClaimList");
    assert_eq!(all["apiVersion"], "v1");
    assert!(all["metadata"]["resourceVersion"]
        .as_str()
        .is_some_and(|rv| !rv.is_empty()));
    let names: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["events-store", "data-db-0", "data-queue-0", "uploads"]
    );
    // Items of a typed list carry no kind or apiVersion, as from a real API server.
    assert!(all["items"][0].get("kind").is_none());
    let shop_only = list(
        &server,
        "/api/v1/namespaces/shop/persistentvolumeclaims",
        &ListParams::default(),
    )
    .unwrap();
    assert_eq!(shop_only["items"].as_array().unwrap().len(), 3);
    let classes = list(
        &server,
        "/apis/storage.k8s.io/v1/storageclasses",
        &ListParams::default(),
    )
    .unwrap();
    assert_eq!(classes["kind"], "StorageClassList");
    assert_eq!(classes["items"][0]["metadata"]["name"], "gp3");
}

fn many_claims(server: &ApiServer, namespace: &str, count: usize) {
    for i in 0..count {
        server.add(json!({
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": format!("claim-{i:04}"), "namespace": namespace},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}},
                "storageClassName": "gp3",
            },
            "status": {"phase": "Pending"},
        }));
    }
}

#[test]
fn pagination_follows_continue_tokens_and_expired_tokens_are_gone() {
    let server = ApiServer::start();
    many_claims(&server, "bulk", 7);
    let path = "/api/v1/namespaces/bulk/persistentvolumeclaims";
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut params = ListParams::default().limit(3);
        if let Some(token) = &token {
            params = params.continue_token(token);
        }
        let page = list(&server, path, &params).unwrap();
        pages += 1;
        for item in page["items"].as_array().unwrap() {
            names.push(item["metadata"]["name"].as_str().unwrap().to_owned());
        }
        token = page["metadata"]["continue"].as_str().map(str::to_owned);
        if token.is_none() {
            assert!(page["metadata"].get("remainingItemCount").is_none());
            break;
        }
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = (0..7).map(|i| format!("claim-{i:04}")).collect();
    assert_eq!(names, expected);

    let first = list(&server, path, &ListParams::default().limit(3)).unwrap();
    assert_eq!(first["metadata"]["remainingItemCount"], 4);
    let token = first["metadata"]["continue"].as_str().unwrap().to_owned();
    server.compact();
    let (code, reason, body) = list(
        &server,
        path,
        &ListParams::default().limit(3).continue_token(&token),
    )
    .unwrap_err();
    assert_eq!((code, reason.as_str()), (410, "Expired"));
    assert_eq!(body["status"], "Failure");
    let (code, _, _) = list(
        &server,
        path,
        &ListParams::default().continue_token("not-a-token"),
    )
    .unwrap_err();
    assert_eq!(code, 400);
}

#[test]
fn get_and_not_found() {
    let server = shop();
    let request = Request::new("/api/v1/namespaces/shop/persistentvolumeclaims");
    let claim = call(
        &server,
        request.get("uploads", &Default::default()).unwrap(),
    )
    .unwrap();
    assert_eq!(claim["kind"], "PersistentVolumeClaim");
    assert_eq!(claim["spec"]["storageClassName"], "premium");
    let (code, reason, body) = call(
        &server,
        request.get("missing", &Default::default()).unwrap(),
    )
    .unwrap_err();
    assert_eq!((code, reason.as_str()), (404, "NotFound"));
    assert_eq!(
        body["message"],
        "persistentvolumeclaims \"missing\" not found"
    );
    assert_eq!(body["details"]["name"], "missing");
    let (code, _, _) = call(
        &server,
        http::Request::get("/apis/example.com/v1/widgets")
            .body(Vec::new())
            .unwrap(),
    )
    .unwrap_err();
    assert_eq!(code, 404);
}

#[test]
fn denied_resources_are_forbidden() {
    let server = shop();
    server.deny("csidrivers.storage.k8s.io");
    let (code, reason, body) = list(
        &server,
        "/apis/storage.k8s.io/v1/csidrivers",
        &ListParams::default(),
    )
    .unwrap_err();
    assert_eq!((code, reason.as_str()), (403, "Forbidden"));
    assert_eq!(
        body["message"],
        "csidrivers.storage.k8s.io is forbidden: User \"system:serviceaccount:ci:reader\" cannot list resource \"csidrivers\" in API group \"storage.k8s.io\" at the cluster scope"
    );
    assert!(list(
        &server,
        "/apis/storage.k8s.io/v1/storageclasses",
        &ListParams::default()
    )
    .is_ok());
}

#[test]
fn event_field_selectors() {
    let server = shop();
    let events = |selector: &str| -> Vec<String> {
        let params = ListParams::default().fields(selector);
        let list = list(&server, "/api/v1/namespaces/shop/events", &params).unwrap();
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["reason"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        events("involvedObject.kind=PersistentVolumeClaim,involvedObject.name=uploads"),
        ["ProvisioningFailed"]
    );
    assert_eq!(events("reason=Pulled"), ["Pulled"]);
    assert_eq!(
        events("reason!=Pulled,type=Warning"),
        ["ProvisioningFailed"]
    );
    assert!(events("involvedObject.name=nothing").is_empty());
    let (code, _, body) = list(
        &server,
        "/api/v1/namespaces/shop/persistentvolumeclaims",
        &ListParams::default().fields("spec.storageClassName=gp3"),
    )
    .unwrap_err();
    assert_eq!(code, 400);
    assert_eq!(
        body["message"],
        "field label not supported: spec.storageClassName"
    );
}

#[test]
fn patch_and_update_check_the_resource_version() {
    let server = shop();
    let request = Request::new("/api/v1/namespaces/shop/persistentvolumeclaims");
    let current = server
        .object("persistentvolumeclaims", Some("shop"), "uploads")
        .unwrap();
    let rv = current["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_owned();

    // A dry run answers with the result and changes nothing.
    let patch = json!({"metadata": {"resourceVersion": rv, "labels": {"tier": "web"}}});
    let dry = PatchParams {
        dry_run: true,
        ..Default::default()
    };
    let answer = call(
        &server,
        request
            .patch("uploads", &dry, &Patch::Merge(&patch))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(answer["metadata"]["labels"]["tier"], "web");
    let unchanged = server
        .object("persistentvolumeclaims", Some("shop"), "uploads")
        .unwrap();
    assert_eq!(unchanged, current);

    let patched = call(
        &server,
        request
            .patch("uploads", &PatchParams::default(), &Patch::Merge(&patch))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(patched["metadata"]["labels"]["tier"], "web");
    assert_ne!(
        patched["metadata"]["resourceVersion"].as_str(),
        Some(rv.as_str())
    );

    // The same patch again carries a stale resourceVersion.
    let (code, reason, body) = call(
        &server,
        request
            .patch("uploads", &PatchParams::default(), &Patch::Merge(&patch))
            .unwrap(),
    )
    .unwrap_err();
    assert_eq!((code, reason.as_str()), (409, "Conflict"));
    assert_eq!(
        body["message"],
        "Operation cannot be fulfilled on persistentvolumeclaims \"uploads\": the object has been modified; please apply your changes to the latest version and try again"
    );

    // PUT with the stale object conflicts too; with the current one it replaces.
    let stale = serde_json::to_vec(&current).unwrap();
    let (code, _, _) = call(
        &server,
        request
            .replace("uploads", &PostParams::default(), stale)
            .unwrap(),
    )
    .unwrap_err();
    assert_eq!(code, 409);
    let mut fresh = patched.clone();
    fresh["spec"]["storageClassName"] = json!("gp3");
    let replaced = call(
        &server,
        request
            .replace(
                "uploads",
                &PostParams::default(),
                serde_json::to_vec(&fresh).unwrap(),
            )
            .unwrap(),
    )
    .unwrap();
    assert_eq!(replaced["spec"]["storageClassName"], "gp3");
    let (code, _, _) = call(
        &server,
        request
            .patch("missing", &PatchParams::default(), &Patch::Merge(&patch))
            .unwrap(),
    )
    .unwrap_err();
    assert_eq!(code, 404);
}

#[test]
fn requests_are_logged_and_credentials_checked() {
    let server = shop();
    server.require_token("secret");
    let (code, reason, _) = list(&server, "/api/v1/nodes", &ListParams::default()).unwrap_err();
    assert_eq!((code, reason.as_str()), (401, "Unauthorized"));
    let log = server.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].line(), "GET /api/v1/nodes");
}

// ---------------------------------------------------------------------------------------------
// `plan --cluster` end to end: the binary reads a kubeconfig pointing at the test server.

/// A fresh folder for one test's kubeconfigs, also used as HOME so no real ~/.kube/config is
/// read.
fn scratch() -> PathBuf {
    support::scratch("live")
}

/// Runs the tool with `KUBECONFIG` set to the given files (joined as the platform joins
/// paths).
fn run_with(kubeconfigs: &[PathBuf], home: &std::path::Path, args: &[&str]) -> Run {
    let mut cmd = support::tool(home);
    cmd.current_dir(root())
        .env("KUBECONFIG", std::env::join_paths(kubeconfigs).unwrap())
        .args(args);
    support::run(&mut cmd)
}

/// Runs the tool against the server, through a kubeconfig whose context's namespace is `shop`.
fn run(server: &ApiServer, args: &[&str]) -> Run {
    let dir = scratch();
    let kubeconfig = dir.join("config");
    std::fs::write(&kubeconfig, server.kubeconfig("test", Some("shop"))).unwrap();
    run_with(&[kubeconfig], &dir, args)
}

fn list_paths(requests: &[Logged]) -> Vec<String> {
    let mut paths: Vec<String> = requests.iter().map(|r| r.path.clone()).collect();
    paths.sort();
    paths
}

#[test]
fn plan_cluster_text() {
    let server = shop();
    let out = run(&server, &["plan", "--cluster"]);
    insta::assert_snapshot!(out.stdout);
    assert_eq!(
        out.code, 1,
        "the claim uploads stays Pending: {}",
        out.stderr
    );
    assert_eq!(out.stderr, "");
}

#[test]
fn plan_cluster_json_follows_the_contract() {
    let server = shop();
    let out = run(&server, &["plan", "--cluster", "-A", "-o", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let plan: Value = serde_json::from_str(&out.stdout).unwrap();
    let schema_path = root().join("contracts/plan.schema.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&plan)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    insta::assert_json_snapshot!(plan);
}

#[test]
fn manifests_are_applied_over_the_live_objects() {
    let server = shop();
    let dir = scratch();
    let manifest = dir.join("uploads.yaml");
    // The class the live claim waits for, and the claim itself asking for another class, which
    // the API server refuses on an existing claim.
    std::fs::write(
        &manifest,
        "apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: premium
provisioner: ebs.csi.aws.com
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: uploads
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: gp3
  resources:
    requests:
      storage: 5Gi
",
    )
    .unwrap();
    let before = run(&server, &["plan", "--cluster", "-o", "json"]);
    let after = run(
        &server,
        &[
            "plan",
            "--cluster",
            "-o",
            "json",
            "-f",
            manifest.to_str().unwrap(),
        ],
    );
    let outcome = |run: &Run| -> Value {
        let plan: Value = serde_json::from_str(&run.stdout).unwrap();
        plan["claims"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "uploads")
            .cloned()
            .unwrap()
    };
    assert_eq!(outcome(&before)["outcome"], "pending");
    // The new class is planned with the cluster's objects, and the claim's refused update
    // leaves the live claim as it is: it now gets a volume of class premium.
    let updated = outcome(&after);
    assert_eq!(updated["storageClass"], "premium", "{updated}");
    assert_ne!(updated["outcome"], "pending", "{updated}");
    let plan: Value = serde_json::from_str(&after.stdout).unwrap();
    let rules: Vec<&str> = plan["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(rules.contains(&"immutable-field-changed"), "{rules:?}");
    // The manifest updates the live claim: no duplicate-object finding.
    assert!(!rules.contains(&"duplicate-object"), "{rules:?}");
}

#[test]
fn a_kind_the_user_may_not_list_degrades_the_run() {
    let server = shop();
    server.deny("pods");
    server.deny("csidrivers.storage.k8s.io");
    let out = run(&server, &["plan", "--cluster"]);
    assert_eq!(out.code, 1, "the run goes on: {}", out.stderr);
    assert_eq!(
        out.stderr,
        "warning: not allowed to list pods (403 Forbidden): which claims are in use: access-mode, attachment and protection checks are left out
warning: not allowed to list csidrivers.storage.k8s.io (403 Forbidden): whether a class's CSI driver is installed are left out
"
    );
    assert!(out.stdout.contains("uploads"), "{}", out.stdout);
}

#[test]
fn an_unreachable_cluster_is_one_line_and_exit_2() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let dir = scratch();
    let kubeconfig = dir.join("config");
    let server = ApiServer::start();
    let text = server
        .kubeconfig("gone", None)
        .replace(&server.url(), &format!("http://127.0.0.1:{port}"));
    std::fs::write(&kubeconfig, text).unwrap();
    let out = run_with(&[kubeconfig], &dir, &["plan", "--cluster"]);
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.starts_with(&format!(
            "error: cannot reach the cluster at http://127.0.0.1:{port}: "
        )),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("check that the cluster is running"),
        "{}",
        out.stderr
    );
}

#[test]
fn rejected_credentials_are_one_line_and_exit_2() {
    let server = shop();
    server.require_token("another-token");
    let out = run(&server, &["plan", "--cluster"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        format!(
            "error: the cluster at {} rejected the credentials (401 Unauthorized); they may have expired: log in again or refresh the kubeconfig\n",
            server.url()
        )
    );
}

#[test]
fn a_slow_cluster_times_out_with_request_timeout() {
    let server = shop();
    server.set_delay(Duration::from_secs(10));
    let started = Instant::now();
    let out = run(&server, &["plan", "--cluster", "--request-timeout", "1s"]);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        format!(
            "error: the cluster at {} did not answer within 1s; it may be overloaded or unreachable, or raise --request-timeout\n",
            server.url()
        )
    );
}

#[test]
fn large_lists_are_read_in_pages_with_one_list_per_kind() {
    let server = shop();
    many_claims(&server, "shop", 1203);
    let out = run(&server, &["plan", "--cluster", "-o", "json"]);
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    let plan: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(plan["claims"].as_array().unwrap().len(), 1203 + 3);
    let requests = server.requests();
    assert!(requests.iter().all(|r| r.method == "GET"));
    // Besides /version (the release the plan is for), every request is a LIST.
    assert!(
        requests
            .iter()
            .filter(|r| r.path != "/version")
            .all(|r| r.param("limit") == Some("500")),
        "every request is a paginated LIST, none a GET of one object"
    );
    let claim_pages: Vec<&Logged> = requests
        .iter()
        .filter(|r| r.path.ends_with("/persistentvolumeclaims"))
        .collect();
    assert_eq!(claim_pages.len(), 3, "1206 claims: pages of 500, 500, 206");
    assert_eq!(
        claim_pages
            .iter()
            .filter(|r| r.param("continue").is_some())
            .count(),
        2
    );
    // 18 kinds, one request each, two more pages of claims, and /version.
    assert_eq!(requests.len(), 18 + 2 + 1);
}

#[test]
fn an_expired_continue_token_restarts_the_list() {
    let server = shop();
    many_claims(&server, "shop", 600);
    server.expire_next_continue();
    let out = run(&server, &["plan", "--cluster", "-o", "json"]);
    let claim_lists: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/persistentvolumeclaims"))
        .map(|r| {
            r.param("continue")
                .map_or("first", |_| "continued")
                .to_owned()
        })
        .collect();
    assert_eq!(claim_lists, ["first", "continued", "first", "continued"]);
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    let plan: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(plan["claims"].as_array().unwrap().len(), 603);
}

#[test]
fn namespaced_runs_list_one_namespace_and_all_namespaces_lists_everything() {
    let server = shop();
    let out = run(
        &server,
        &["plan", "--cluster", "-n", "analytics", "-o", "json"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        list_paths(&server.requests()),
        [
            "/api/v1/namespaces/analytics/events",
            "/api/v1/namespaces/analytics/persistentvolumeclaims",
            "/api/v1/namespaces/analytics/pods",
            "/api/v1/namespaces/analytics/replicationcontrollers",
            "/api/v1/nodes",
            "/api/v1/persistentvolumes",
            "/apis/apps/v1/namespaces/analytics/daemonsets",
            "/apis/apps/v1/namespaces/analytics/deployments",
            "/apis/apps/v1/namespaces/analytics/replicasets",
            "/apis/apps/v1/namespaces/analytics/statefulsets",
            "/apis/batch/v1/namespaces/analytics/cronjobs",
            "/apis/batch/v1/namespaces/analytics/jobs",
            "/apis/storage.k8s.io/v1/csidrivers",
            "/apis/storage.k8s.io/v1/csinodes",
            "/apis/storage.k8s.io/v1/namespaces/analytics/csistoragecapacities",
            "/apis/storage.k8s.io/v1/storageclasses",
            "/apis/storage.k8s.io/v1/volumeattachments",
            "/apis/storage.k8s.io/v1/volumeattributesclasses",
            "/version",
        ]
    );
    let plan: Value = serde_json::from_str(&out.stdout).unwrap();
    let claims: Vec<&str> = plan["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(claims, ["events-store"]);

    server.clear_requests();
    let out = run(&server, &["plan", "--cluster", "-A", "-o", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        list_paths(&server.requests()),
        [
            "/api/v1/events",
            "/api/v1/nodes",
            "/api/v1/persistentvolumeclaims",
            "/api/v1/persistentvolumes",
            "/api/v1/pods",
            "/api/v1/replicationcontrollers",
            "/apis/apps/v1/daemonsets",
            "/apis/apps/v1/deployments",
            "/apis/apps/v1/replicasets",
            "/apis/apps/v1/statefulsets",
            "/apis/batch/v1/cronjobs",
            "/apis/batch/v1/jobs",
            "/apis/storage.k8s.io/v1/csidrivers",
            "/apis/storage.k8s.io/v1/csinodes",
            "/apis/storage.k8s.io/v1/csistoragecapacities",
            "/apis/storage.k8s.io/v1/storageclasses",
            "/apis/storage.k8s.io/v1/volumeattachments",
            "/apis/storage.k8s.io/v1/volumeattributesclasses",
            "/version",
        ]
    );
}

#[test]
fn kubeconfig_files_are_merged_and_context_picks_one() {
    let server = shop();
    let dir = scratch();
    // The first file's current context points at nothing that answers.
    let unreachable = dir.join("staging");
    std::fs::write(
        &unreachable,
        "apiVersion: v1
kind: Config
clusters:
- name: staging
  cluster:
    server: http://127.0.0.1:9
users:
- name: staging-admin
  user:
    token: staging-token
contexts:
- name: staging
  context:
    cluster: staging
    user: staging-admin
current-context: staging
",
    )
    .unwrap();
    let prod = dir.join("prod");
    std::fs::write(&prod, server.kubeconfig("prod", Some("analytics"))).unwrap();
    let files = [unreachable, prod];

    let out = run_with(&files, &dir, &["plan", "--cluster", "-o", "json"]);
    assert_eq!(
        out.code, 2,
        "the first file's current context wins: {}",
        out.stderr
    );
    assert!(server.requests().is_empty());

    let out = run_with(
        &files,
        &dir,
        &["plan", "--cluster", "--context", "prod", "-o", "json"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(server
        .requests()
        .iter()
        .any(|r| r.path == "/api/v1/namespaces/analytics/persistentvolumeclaims"));

    // --cluster=NAME and --user pick the kubeconfig cluster and user, as kubectl's flags do.
    server.clear_requests();
    let out = run_with(
        &files,
        &dir,
        &[
            "plan",
            "--cluster=prod-cluster",
            "--user",
            "prod-user",
            "-n",
            "shop",
        ],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(server
        .requests()
        .iter()
        .any(|r| r.path == "/api/v1/namespaces/shop/persistentvolumeclaims"));

    // --kubeconfig reads that file only.
    let out = run_with(
        &[],
        &dir,
        &[
            "plan",
            "--cluster",
            "--kubeconfig",
            files[1].to_str().unwrap(),
            "-o",
            "json",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn cluster_flags_without_cluster_are_an_error() {
    let server = ApiServer::start();
    let out = run(
        &server,
        &[
            "plan",
            "-f",
            "testdata/examples/shop.yaml",
            "--context",
            "test",
        ],
    );
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "error: --context applies to a live cluster: add --cluster to plan against one\n"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn a_tls_failure_is_one_line_and_exit_2() {
    // The server speaks plain HTTP; the kubeconfig says https.
    let server = shop();
    let dir = scratch();
    let kubeconfig = dir.join("config");
    let text = server
        .kubeconfig("tls", None)
        .replace("http://", "https://");
    std::fs::write(&kubeconfig, text).unwrap();
    let out = run_with(&[kubeconfig], &dir, &["plan", "--cluster"]);
    assert_eq!(out.code, 2);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr
            .starts_with("error: TLS connection to https://127.0.0.1:"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_failing_credential_plugin_is_one_line_and_exit_2() {
    let server = shop();
    let dir = scratch();
    let kubeconfig = dir.join("config");
    let text = server.kubeconfig("exec", None).replace(
        "    token: test-token\n",
        "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: false\n      interactiveMode: Never\n",
    );
    std::fs::write(&kubeconfig, text).unwrap();
    let out = run_with(&[kubeconfig], &dir, &["plan", "--cluster"]);
    assert_eq!(out.code, 2);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr
            .starts_with("error: cannot get credentials for the cluster: "),
        "{}",
        out.stderr
    );
}

#[test]
fn a_kind_an_older_cluster_does_not_serve_is_a_note() {
    let server = shop();
    server.unserve("volumeattributesclasses.storage.k8s.io");
    let out = run(&server, &["plan", "--cluster", "-A", "-n", "ignored"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        "note: the cluster does not serve volumeattributesclasses.storage.k8s.io: volume attributes class checks are left out\n"
    );
    // -A wins over -n, as in kubectl.
    assert!(server
        .requests()
        .iter()
        .any(|r| r.path == "/api/v1/persistentvolumeclaims"));
}

#[test]
fn every_output_format_works_without_sources() {
    let server = shop();
    for format in ["text", "json", "yaml", "github", "junit", "sarif"] {
        let out = run(&server, &["plan", "--cluster", "-o", format]);
        assert_eq!(out.code, 1, "{format}: {}", out.stderr);
        assert!(out.stdout.contains("uploads"), "{format}: {}", out.stdout);
    }
}

#[test]
fn kinds_are_listed_concurrently() {
    let server = shop();
    server.set_delay(Duration::from_millis(400));
    let started = Instant::now();
    let out = run(&server, &["plan", "--cluster", "-o", "json"]);
    let elapsed = started.elapsed();
    assert_eq!(out.code, 1, "{}", out.stderr);
    // One after the other, 18 lists would take 7.2 s.
    assert!(elapsed < Duration::from_secs(4), "{elapsed:?}");
}

// ---------------------------------------------------------------------------------------------
// `what-if delete --cluster`: the same live read as `plan --cluster`.

#[test]
fn what_if_delete_namespace_cluster() {
    let server = shop();
    let text = run(
        &server,
        &["what-if", "delete", "namespace/shop", "--cluster"],
    );
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert_eq!(text.stderr, "");
    insta::assert_snapshot!("what_if_delete_namespace_cluster_text", text.stdout);
    let json = run(
        &server,
        &["what-if", "delete", "ns", "shop", "--cluster", "-o", "json"],
    );
    assert_eq!(json.code, 0, "{}", json.stderr);
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    assert!(report.get("degraded").is_none(), "nothing was denied");
    insta::assert_json_snapshot!("what_if_delete_namespace_cluster_json", report);
}

#[test]
fn what_if_delete_claim_cluster() {
    let server = shop();
    // The claim is in the context's namespace (shop).
    let text = run(
        &server,
        &["what-if", "delete", "pvc/data-db-0", "--cluster"],
    );
    assert_eq!(text.code, 0, "{}", text.stderr);
    insta::assert_snapshot!("what_if_delete_claim_cluster_text", text.stdout);
    let json = run(
        &server,
        &[
            "what-if",
            "delete",
            "pvc/data-db-0",
            "--cluster",
            "-o",
            "json",
        ],
    );
    assert_eq!(json.code, 0, "{}", json.stderr);
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    insta::assert_json_snapshot!("what_if_delete_claim_cluster_json", report);
}

fn claim_fates(report: &Value) -> Vec<(String, String, String)> {
    report["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["claim"].as_str().unwrap().to_owned(),
                c["fate"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn live_owner_references_drive_what_if_delete_statefulset() {
    let server = shop();
    // queue's claim carries the owner reference the StatefulSet controller sets under
    // whenDeleted: Delete: the garbage collector deletes it with the StatefulSet.
    let out = run(
        &server,
        &["what-if", "delete", "sts/queue", "--cluster", "-o", "json"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        claim_fates(&report),
        [("data-queue-0".into(), "deleted".into(), "deleted".into())]
    );
    let reasons = report["claims"][0]["reasons"].to_string();
    assert!(
        reasons.contains("owner reference to StatefulSet shop/queue"),
        "{reasons}"
    );

    // db retains its claims (whenDeleted: Retain, no owner reference): its claim stays.
    let out = run(
        &server,
        &["what-if", "delete", "sts/db", "--cluster", "-o", "json"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        claim_fates(&report),
        [("data-db-0".into(), "stays".into(), "untouched".into())]
    );
}

#[test]
fn what_if_delete_namespace_reads_that_namespace() {
    let server = shop();
    let out = run(
        &server,
        &[
            "what-if",
            "delete",
            "namespace/analytics",
            "--cluster",
            "-o",
            "json",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let requests = server.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.path == "/api/v1/namespaces/analytics/persistentvolumeclaims"),
        "the context's namespace is shop; the target's is read"
    );
    assert!(requests
        .iter()
        .all(|r| !r.path.contains("/namespaces/shop/")));
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        claim_fates(&report),
        [("events-store".into(), "deleted".into(), "deleted".into())]
    );
}

#[test]
fn what_if_applies_manifests_over_the_live_objects() {
    let server = shop();
    let dir = scratch();
    let manifest = dir.join("queue.yaml");
    // The StatefulSet as it will be after the next apply: it keeps its claims.
    let live = server
        .object("statefulsets.apps", Some("shop"), "queue")
        .unwrap();
    let mut updated = live.clone();
    updated["spec"]["persistentVolumeClaimRetentionPolicy"]["whenDeleted"] = json!("Retain");
    std::fs::write(&manifest, serde_json::to_string(&updated).unwrap()).unwrap();
    let out = run(
        &server,
        &[
            "what-if",
            "delete",
            "sts/queue",
            "--cluster",
            "-f",
            manifest.to_str().unwrap(),
            "-o",
            "json",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    // The live claim still carries the owner reference, so it still goes.
    assert_eq!(
        claim_fates(&report),
        [("data-queue-0".into(), "deleted".into(), "deleted".into())]
    );
}

#[test]
fn what_if_needs_files_or_a_cluster() {
    let server = shop();
    let out = run(&server, &["what-if", "delete", "pvc/data-db-0"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--filename"), "{}", out.stderr);
    let out = run(
        &server,
        &[
            "what-if",
            "delete",
            "pvc/data-db-0",
            "-f",
            "testdata/cluster/shop",
            "--context",
            "test",
        ],
    );
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "error: --context applies to a live cluster: add --cluster to predict against one\n"
    );
    assert!(server.requests().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Kinds the cluster would not list, in machine output.

fn sarif_validator() -> jsonschema::Validator {
    let path = root().join("testdata/schemas/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

#[test]
fn degraded_kinds_are_in_machine_output() {
    let server = shop();
    server.deny("pods");
    server.unserve("volumeattributesclasses.storage.k8s.io");
    let expected = json!([
        {
            "kind": "Pod",
            "resource": "pods",
            "why": "forbidden",
            "weakens": "which claims are in use: access-mode, attachment and protection checks",
            "message": "not allowed to list pods (403 Forbidden): which claims are in use: access-mode, attachment and protection checks are left out",
        },
        {
            "kind": "VolumeAttributesClass",
            "resource": "volumeattributesclasses.storage.k8s.io",
            "why": "not-served",
            "weakens": "volume attributes class checks",
            "message": "the cluster does not serve volumeattributesclasses.storage.k8s.io: volume attributes class checks are left out",
        },
    ]);

    let out = run(&server, &["plan", "--cluster", "-o", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let plan: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(plan["degraded"], expected);
    let schema = std::fs::read_to_string(root().join("contracts/plan.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&schema).unwrap();
    assert!(jsonschema::validator_for(&schema).unwrap().is_valid(&plan));
    // Standard error still says it, for people.
    assert_eq!(out.stderr.lines().count(), 2, "{}", out.stderr);

    let out = run(&server, &["plan", "--cluster", "-o", "yaml"]);
    assert!(out.stdout.contains("\ndegraded:\n"), "{}", out.stdout);

    let out = run(
        &server,
        &[
            "what-if",
            "delete",
            "namespace/shop",
            "--cluster",
            "-o",
            "json",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["degraded"], expected);

    let out = run(&server, &["plan", "--cluster", "-o", "sarif"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let log: Value = serde_json::from_str(&out.stdout).unwrap();
    let errors: Vec<String> = sarif_validator()
        .iter_errors(&log)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    let notifications = invocation["toolExecutionNotifications"].as_array().unwrap();
    let levels: Vec<&str> = notifications
        .iter()
        .map(|n| n["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["warning", "note"]);
    assert_eq!(notifications[0]["message"]["text"], expected[0]["message"]);
    assert_eq!(notifications[0]["descriptor"]["id"], "degraded/pods");

    // Nothing denied: no degraded list, no invocations.
    let server = shop();
    let out = run(&server, &["plan", "--cluster", "-o", "sarif"]);
    let log: Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(log["runs"][0].get("invocations").is_none());
    let out = run(&server, &["plan", "--cluster", "-o", "json"]);
    let plan: Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(plan.get("degraded").is_none());
}

#[test]
fn reads_through_the_https_proxy_and_around_it_for_no_proxy() {
    let server = shop();
    let proxy = support::proxy::ConnectProxy::start();
    let dir = scratch();
    let kubeconfig = dir.join("config");
    std::fs::write(&kubeconfig, server.kubeconfig("test", Some("shop"))).unwrap();
    let through = |no_proxy: Option<&str>| {
        let mut cmd = support::tool(&dir);
        cmd.current_dir(root())
            .env("KUBECONFIG", &kubeconfig)
            .env("HTTPS_PROXY", proxy.url())
            .args(["plan", "--cluster"]);
        if let Some(hosts) = no_proxy {
            cmd.env("NO_PROXY", hosts);
        }
        let output = cmd.output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    through(None);
    let host = server.url().trim_start_matches("http://").to_owned();
    let tunnels = proxy.tunnels();
    assert!(!tunnels.is_empty(), "the proxy was not used");
    assert!(tunnels.iter().all(|t| *t == host), "{tunnels:?}");
    through(Some("127.0.0.1"));
    assert_eq!(
        proxy.tunnels().len(),
        tunnels.len(),
        "NO_PROXY was not honoured"
    );
}
