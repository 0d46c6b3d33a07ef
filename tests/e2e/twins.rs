//! The in-process test server against the real control plane: what the test server plays that
//! a kubelet-less control plane also shows (the API's answers to claim updates, resize
//! admission, quotas, conflicts, preconditions, immutable fields) is asked of both, with the
//! same objects, and must come back the same: status code, reason and message.

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};

use crate::support::api_server::ApiServer;
use crate::support::control_plane::ControlPlane;

const NS: &str = "twins";

/// The objects both servers hold: two bound claims (one of a class that allows expansion),
/// one that stays Pending, and a quota with 2Gi to spare.
fn objects() -> Vec<Value> {
    let class = |name: &str, grows: bool| {
        json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": name},
            "provisioner": "kubernetes.io/no-provisioner", "volumeBindingMode": "Immediate",
            "allowVolumeExpansion": grows})
    };
    let volume = |name: &str, class: &str, claim: &str| {
        json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name},
            "spec": {"capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteOnce"],
                "storageClassName": class, "persistentVolumeReclaimPolicy": "Retain",
                "claimRef": {"namespace": NS, "name": claim},
                "nfs": {"server": "127.0.0.1", "path": format!("/exports/{name}")}}})
    };
    let claim = |name: &str, class: &str, size: &str| {
        json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": NS},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": class,
                "resources": {"requests": {"storage": size}}}})
    };
    vec![
        class("twins-fixed", false),
        class("twins-grow", true),
        volume("twins-pv-fixed", "twins-fixed", "fixed"),
        volume("twins-pv-grow", "twins-grow", "grow"),
        json!({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "storage", "namespace": NS},
            "spec": {"hard": {"requests.storage": "14Gi"}}}),
        claim("fixed", "twins-fixed", "1Gi"),
        claim("grow", "twins-grow", "1Gi"),
        claim("pending", "twins-fixed", "10Gi"),
    ]
}

/// The same objects as the controllers leave them, for the test server, which plays no
/// binding or quota accounting of its own here.
fn settled(real: &[Value]) -> Vec<Value> {
    real.iter()
        .filter(|o| o["kind"] != "Namespace")
        .map(|o| {
            let mut o = o.clone();
            if let Some(meta) = o["metadata"].as_object_mut() {
                meta.remove("managedFields");
            }
            o
        })
        .collect()
}

struct Answer {
    code: u16,
    reason: String,
    message: String,
}

/// Sends one request; a success is code 200 with no message.
async fn send(client: &kube::Client, method: &str, path: &str, body: Option<Value>) -> Answer {
    let mut request = http::Request::builder().method(method).uri(path);
    if method == "PATCH" {
        request = request.header("Content-Type", "application/merge-patch+json");
    } else {
        request = request.header("Content-Type", "application/json");
    }
    let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    match client.request_text(request.body(body).unwrap()).await {
        Ok(_) => Answer {
            code: 200,
            reason: String::new(),
            message: String::new(),
        },
        Err(kube::Error::Api(status)) => Answer {
            code: status.code,
            reason: status.reason.clone(),
            message: status.message.clone(),
        },
        Err(e) => panic!("{method} {path}: {e}"),
    }
}

/// Uids differ between the two servers; everything else must not, up to the first line (the
/// real server appends a diff of the spec to some refusals).
fn normalized(message: &str, uids: &[(String, String)]) -> String {
    let first = message.lines().next().unwrap_or_default();
    uids.iter()
        .fold(first.to_owned(), |m, (uid, name)| m.replace(uid, name))
}

async fn client_for(kubeconfig: &Path) -> kube::Client {
    let kubeconfig = kube::config::Kubeconfig::read_from(kubeconfig).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    kube::Client::try_from(config).unwrap()
}

pub fn compare(plane: &ControlPlane) -> Vec<String> {
    plane.namespace(NS);
    let objects = objects();
    plane.apply(&objects);
    plane
        .wait_for(
            Duration::from_secs(60),
            "the claims to bind and the quota to count",
            || {
                let bound = ["fixed", "grow"].iter().all(|c| {
                    plane
                        .get("v1", "PersistentVolumeClaim", Some(NS), c)
                        .is_some_and(|c| c["status"]["phase"] == "Bound")
                });
                let used = plane
                    .get("v1", "ResourceQuota", Some(NS), "storage")
                    .is_some_and(|q| q["status"]["used"]["requests.storage"] == "12Gi");
                (bound && used).then_some(())
            },
        )
        .unwrap();
    let mut real_objects: Vec<Value> = Vec::new();
    for o in &objects {
        let (api, kind) = (
            o["apiVersion"].as_str().unwrap(),
            o["kind"].as_str().unwrap(),
        );
        let ns = o["metadata"]["namespace"].as_str();
        let name = o["metadata"]["name"].as_str().unwrap();
        real_objects.push(plane.get(api, kind, ns, name).unwrap());
    }
    let fake = ApiServer::start();
    for object in settled(&real_objects) {
        fake.add(object);
    }
    let home = crate::support::scratch("e2e-twins");
    let fake_config = home.join("fake.kubeconfig");
    std::fs::write(&fake_config, fake.kubeconfig("twins", Some(NS))).unwrap();
    let uids: Vec<(String, String)> = real_objects
        .iter()
        .filter_map(|o| {
            Some((
                o["metadata"]["uid"].as_str()?.to_owned(),
                "<uid>".to_owned(),
            ))
        })
        .collect();
    let pvc = |name: &str| format!("/api/v1/namespaces/{NS}/persistentvolumeclaims/{name}");
    let size = |s: &str| json!({"spec": {"resources": {"requests": {"storage": s}}}});
    let requests: Vec<(&str, &str, String, Option<Value>)> = vec![
        (
            "shrink below capacity",
            "PATCH",
            pvc("grow"),
            Some(size("500Mi")),
        ),
        (
            "grow an unbound claim",
            "PATCH",
            pvc("pending"),
            Some(size("20Gi")),
        ),
        (
            "grow in a class that does not allow it",
            "PATCH",
            pvc("fixed"),
            Some(size("2Gi")),
        ),
        (
            "grow past the quota",
            "PATCH",
            pvc("grow"),
            Some(size("4Gi")),
        ),
        (
            "a stale resourceVersion",
            "PATCH",
            pvc("pending"),
            Some(
                json!({"metadata": {"resourceVersion": "1"}, "spec": {"resources": {"requests": {"storage": "10Gi"}}}}),
            ),
        ),
        (
            "a uid precondition that fails",
            "DELETE",
            pvc("pending"),
            Some(
                json!({"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": "not-the-uid"}}),
            ),
        ),
        // A claim the quota has room for: quota admission comes before the store.
        (
            "create what exists",
            "POST",
            format!("/api/v1/namespaces/{NS}/persistentvolumeclaims"),
            Some(objects[5].clone()),
        ),
        (
            "a resourceVersion precondition that fails",
            "DELETE",
            pvc("pending"),
            Some(
                json!({"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"resourceVersion": "1"}}),
            ),
        ),
        (
            "an immutable field",
            "PATCH",
            "/apis/storage.k8s.io/v1/storageclasses/twins-fixed".to_owned(),
            Some(json!({"volumeBindingMode": "WaitForFirstConsumer"})),
        ),
    ];
    // Each server counts resourceVersions its own way.
    let version = |o: Option<Value>| {
        let rv = o.unwrap()["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .to_owned();
        (format!("({rv})"), "(<resourceVersion>)".to_owned())
    };
    let mut real_names = uids.clone();
    real_names.push(version(plane.get(
        "v1",
        "PersistentVolumeClaim",
        Some(NS),
        "pending",
    )));
    let mut fake_names = uids.clone();
    fake_names.push(version(fake.object(
        "persistentvolumeclaims",
        Some(NS),
        "pending",
    )));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut differences = Vec::new();
    runtime.block_on(async {
        let real = client_for(&plane.admin_kubeconfig()).await;
        let fake_client = client_for(&fake_config).await;
        for (what, method, path, body) in &requests {
            let r = send(&real, method, path, body.clone()).await;
            let f = send(&fake_client, method, path, body.clone()).await;
            let (rm, fm) = (
                normalized(&r.message, &real_names),
                normalized(&f.message, &fake_names),
            );
            if (r.code, &r.reason, &rm) != (f.code, &f.reason, &fm) {
                differences.push(format!(
                    "{what}: the real API server answers {} {} {rm:?}; the test server {} {} {fm:?}",
                    r.code, r.reason, f.code, f.reason
                ));
            }
        }
    });
    for name in ["fixed", "grow", "pending"] {
        plane.delete("v1", "PersistentVolumeClaim", Some(NS), name);
    }
    crate::differential::delete_volumes(
        plane,
        &["twins-pv-fixed".to_owned(), "twins-pv-grow".to_owned()],
    );
    for class in ["twins-fixed", "twins-grow"] {
        plane.delete("storage.k8s.io/v1", "StorageClass", None, class);
    }
    plane.delete("v1", "Namespace", None, NS);
    differences
}
