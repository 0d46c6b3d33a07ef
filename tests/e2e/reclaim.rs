//! What the real PV controller does with a volume whose claim is deleted, per volume source and
//! `pv.kubernetes.io/provisioned-by`, against the plan's prediction for the same volumes.
//! No external provisioner or resizer runs in the test control plane: a volume left to one
//! stays Released, a CSI claim grown there is only handed over (ExternalExpanding).

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{json, Value};

use crate::differential::{as_dumped, compare_reclaimed, plan, settle};
use crate::support::control_plane::control_plane;

const NAMESPACE: &str = "reclaim-e2e";

/// One volume: its name suffix, source, provisioned-by annotation, and what the cluster does
/// with it once its claim is gone ("deleted", or the phase it stays in).
struct Case {
    name: &'static str,
    source: Value,
    provisioned_by: Option<&'static str>,
    real: &'static str,
    deleter: Option<&'static str>,
}

fn cases(run: &str) -> Vec<Case> {
    // Paths that do not exist: the hostPath deleter removes them on this machine.
    let tmp = format!("/tmp/kubectl-storage-{run}/data");
    let var_tmp = format!("/var/tmp/kubectl-storage-{run}/data");
    vec![
        Case {
            name: "host-path-tmp",
            source: json!({"hostPath": {"path": tmp}}),
            provisioned_by: None,
            real: "deleted",
            deleter: Some("kube-controller-manager"),
        },
        Case {
            name: "host-path-var-tmp",
            source: json!({"hostPath": {"path": var_tmp}}),
            provisioned_by: None,
            real: "deleted",
            deleter: Some("kube-controller-manager"),
        },
        Case {
            name: "host-path-data",
            source: json!({"hostPath": {"path": "/srv/kubectl-storage-e2e"}}),
            provisioned_by: None,
            real: "Failed",
            deleter: None,
        },
        Case {
            name: "host-path-provisioned-data",
            source: json!({"hostPath": {"path": "/srv/kubectl-storage-e2e"}}),
            provisioned_by: Some("kubernetes.io/host-path"),
            real: "Failed",
            deleter: None,
        },
        Case {
            // The named plugin wins over the source, whose deleter would accept the path.
            name: "glusterfs-gone",
            source: json!({"hostPath": {"path": format!("/tmp/kubectl-storage-{run}/gluster")}}),
            provisioned_by: Some("kubernetes.io/glusterfs"),
            real: "Failed",
            deleter: None,
        },
        Case {
            name: "csi-static",
            source: json!({"csi": {"driver": "reclaim.e2e.example.com", "volumeHandle": "static"}}),
            provisioned_by: None,
            real: "Released",
            deleter: Some("external-provisioner"),
        },
        Case {
            name: "csi-provisioned",
            source: json!({"csi": {"driver": "reclaim.e2e.example.com", "volumeHandle": "dynamic"}}),
            provisioned_by: Some("reclaim.e2e.example.com"),
            real: "Released",
            deleter: Some("external-provisioner"),
        },
        Case {
            name: "nfs",
            source: json!({"nfs": {"server": "127.0.0.1", "path": "/exports/reclaim"}}),
            provisioned_by: None,
            real: "Failed",
            deleter: None,
        },
        Case {
            name: "local",
            source: json!({"local": {"path": "/mnt/reclaim"}}),
            provisioned_by: None,
            real: "Failed",
            deleter: None,
        },
    ]
}

fn volume(case: &Case, name: &str) -> Value {
    let mut spec = json!({
        "capacity": {"storage": "1Gi"},
        "accessModes": ["ReadWriteOnce"],
        "storageClassName": "reclaim-e2e",
        "persistentVolumeReclaimPolicy": "Delete",
        "claimRef": {"namespace": NAMESPACE, "name": name},
    });
    for (key, value) in case.source.as_object().into_iter().flatten() {
        spec[key] = value.clone();
    }
    if case.name == "local" {
        spec["nodeAffinity"] = json!({"required": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "kubernetes.io/hostname", "operator": "In", "values": ["reclaim-e2e-node"]}
        ]}]}});
    }
    let mut metadata = json!({"name": name});
    if let Some(provisioner) = case.provisioned_by {
        metadata["annotations"] = json!({"pv.kubernetes.io/provisioned-by": provisioner});
    }
    json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": metadata, "spec": spec})
}

fn claim(name: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "storageClassName": "reclaim-e2e",
            "volumeName": name,
            "resources": {"requests": {"storage": "1Gi"}},
        },
    })
}

#[test]
fn deleting_claims_reclaims_volumes_as_planned() {
    let Some(plane) = control_plane("deleting_claims_reclaims_volumes_as_planned") else {
        return;
    };
    let _scope = plane.lock_cluster_scope();
    plane.namespace(NAMESPACE);
    let run = std::process::id().to_string();
    let cases = cases(&run);
    let names: Vec<String> = cases
        .iter()
        .map(|c| format!("reclaim-e2e-{}", c.name))
        .collect();
    let volumes: BTreeSet<String> = names.iter().cloned().collect();
    let namespaces: BTreeSet<String> = [NAMESPACE.to_owned()].into();
    for (case, name) in cases.iter().zip(&names) {
        plane.apply(&[volume(case, name), claim(name)]);
    }
    plane
        .wait_for(Duration::from_secs(60), "every claim to bind", || {
            let bound = plane
                .list("v1", "PersistentVolumeClaim", Some(NAMESPACE))
                .iter()
                .filter(|c| c["status"]["phase"] == "Bound")
                .count();
            (bound == names.len()).then_some(())
        })
        .unwrap();

    // The bound volumes without their claims, as a dump: what reclaiming them will do.
    let bound = settle(plane, &namespaces, &volumes);
    let items: Vec<Value> = bound.volumes.values().map(|(_, v)| as_dumped(v)).collect();
    let file = crate::support::scratch("e2e-reclaim").join("volumes.json");
    let list = json!({"apiVersion": "v1", "kind": "List", "items": items});
    std::fs::write(&file, serde_json::to_string_pretty(&list).unwrap()).unwrap();
    let predicted = plan(plane, Some(&file));

    for name in &names {
        plane.delete("v1", "PersistentVolumeClaim", Some(NAMESPACE), name);
    }
    let reclaimed = settle(plane, &namespaces, &volumes);
    let mut differences = compare_reclaimed(&predicted, &bound, &reclaimed);
    // The real fates themselves, so that this test says what v1.36 does without the plan.
    for (case, name) in cases.iter().zip(&names) {
        let real = reclaimed
            .volumes
            .get(name)
            .map_or("deleted", |(state, _)| state.phase.as_str());
        if real != case.real {
            differences.push(format!(
                "{name}: expected the cluster to leave it {}, it has {real}",
                case.real
            ));
        }
        let entry = predicted["volumes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|v| v["name"] == name.as_str());
        let deleter = entry.and_then(|v| v["deleter"].as_str());
        if deleter != case.deleter {
            differences.push(format!(
                "{name}: planned deleter {deleter:?}, expected {:?}: {entry:?}",
                case.deleter
            ));
        }
    }

    for name in &names {
        plane.delete("v1", "PersistentVolume", None, name);
        plane.drop_finalizers("v1", "PersistentVolume", None, name);
    }
    plane.delete("v1", "Namespace", None, NAMESPACE);
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

/// A CSI claim grown in a cluster without the driver's external-resizer: kube-controller-manager
/// only records ExternalExpanding, and the plan must not say the backend is resizing.
#[test]
fn a_resize_nobody_takes_up_waits_for_an_external_resizer() {
    let Some(plane) = control_plane("a_resize_nobody_takes_up_waits_for_an_external_resizer")
    else {
        return;
    };
    let _scope = plane.lock_cluster_scope();
    let ns = "resize-e2e";
    plane.namespace(ns);
    plane.apply_yaml(
        "apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: resize-e2e}
provisioner: resize.e2e.example.com
allowVolumeExpansion: true
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: resize-e2e-pv}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: resize-e2e
  persistentVolumeReclaimPolicy: Retain
  claimRef: {namespace: resize-e2e, name: data}
  csi: {driver: resize.e2e.example.com, volumeHandle: resize}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: resize-e2e}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: resize-e2e
  volumeName: resize-e2e-pv
  resources: {requests: {storage: 1Gi}}
",
    );
    plane
        .wait_for(Duration::from_secs(60), "the claim to bind", || {
            let claim = plane.get("v1", "PersistentVolumeClaim", Some(ns), "data")?;
            (claim["status"]["capacity"]["storage"] == "1Gi").then_some(())
        })
        .unwrap();
    plane.apply(&[json!({
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data", "namespace": ns},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "storageClassName": "resize-e2e",
            "volumeName": "resize-e2e-pv",
            "resources": {"requests": {"storage": "2Gi"}},
        },
    })]);
    let event = plane.wait_for(Duration::from_secs(60), "ExternalExpanding", || {
        plane
            .list("v1", "Event", Some(ns))
            .into_iter()
            .find(|e| e["reason"] == "ExternalExpanding")
    });

    let home = crate::support::scratch("e2e-resize");
    let mut cmd = crate::support::tool(&home);
    cmd.env("KUBECONFIG", plane.admin_kubeconfig()).args([
        "plan",
        "--cluster",
        "-n",
        ns,
        "-o",
        "json",
    ]);
    let out = crate::support::run(&mut cmd);
    let report: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    let claim = plane.get("v1", "PersistentVolumeClaim", Some(ns), "data");

    plane.delete("v1", "PersistentVolumeClaim", Some(ns), "data");
    plane.delete("v1", "PersistentVolume", None, "resize-e2e-pv");
    plane.drop_finalizers("v1", "PersistentVolume", None, "resize-e2e-pv");
    plane.delete("storage.k8s.io/v1", "StorageClass", None, "resize-e2e");
    plane.delete("v1", "Namespace", None, ns);

    let event = event.unwrap();
    assert_eq!(
        event["message"],
        "waiting for an external controller to expand this PVC"
    );
    let finding = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["rule"] == "expansion-in-progress")
        .unwrap_or_else(|| panic!("no expansion-in-progress: {report:#}\nclaim: {claim:#?}"));
    let message = finding["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("external-resizer sidecar, which may not be deployed"),
        "{message}"
    );
    assert!(!message.contains("being resized"), "{message}");
}

/// What the v1.36 scheduler says of a pod whose volume is pinned elsewhere and of a second
/// pod of a ReadWriteOncePod claim: the rules quote it, and `diagnose pod/` reads it from the
/// pod's PodScheduled condition.
#[test]
fn scheduler_messages_are_quoted_as_the_scheduler_says_them() {
    let Some(plane) = control_plane("scheduler_messages_are_quoted_as_the_scheduler_says_them")
    else {
        return;
    };
    let _scope = plane.lock_cluster_scope();
    for (name, zone) in crate::scenario::NODES {
        plane.node(name, zone);
    }
    let ns = "sched-e2e";
    plane.namespace(ns);
    plane.apply_yaml(
        "apiVersion: v1
kind: PersistentVolume
metadata: {name: sched-e2e-pinned}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: sched-e2e
  claimRef: {namespace: sched-e2e, name: pinned}
  local: {path: /mnt/sched-e2e}
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions:
        - {key: kubernetes.io/hostname, operator: In, values: [sched-e2e-elsewhere]}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: sched-e2e-solo}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOncePod]
  storageClassName: sched-e2e
  claimRef: {namespace: sched-e2e, name: solo}
  csi: {driver: sched.e2e.example.com, volumeHandle: solo}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: pinned, namespace: sched-e2e}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: sched-e2e
  volumeName: sched-e2e-pinned
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: solo, namespace: sched-e2e}
spec:
  accessModes: [ReadWriteOncePod]
  storageClassName: sched-e2e
  volumeName: sched-e2e-solo
  resources: {requests: {storage: 1Gi}}
",
    );
    plane
        .wait_for(Duration::from_secs(60), "both claims to bind", || {
            let bound = plane
                .list("v1", "PersistentVolumeClaim", Some(ns))
                .iter()
                .filter(|c| c["status"]["phase"] == "Bound")
                .count();
            (bound == 2).then_some(())
        })
        .unwrap();
    let pod = |name: &str, claim: &str| {
        json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": ns},
            "spec": {
                "containers": [{"name": "c", "image": "busybox"}],
                "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}],
            },
        })
    };
    plane.apply(&[pod("reader", "pinned"), pod("first", "solo")]);
    plane
        .wait_for(Duration::from_secs(60), "pod first to be scheduled", || {
            let first = plane.get("v1", "Pod", Some(ns), "first")?;
            first["spec"]["nodeName"].as_str().map(|_| ())
        })
        .unwrap();
    plane.apply(&[pod("second", "solo")]);
    let unschedulable = |name: &str| {
        plane.wait_for(
            Duration::from_secs(60),
            "the pod to be unschedulable",
            || {
                let pod = plane.get("v1", "Pod", Some(ns), name)?;
                pod["status"]["conditions"]
                    .as_array()?
                    .iter()
                    .find(|c| c["type"] == "PodScheduled" && c["reason"] == "Unschedulable")
                    .and_then(|c| c["message"].as_str().map(str::to_owned))
            },
        )
    };
    let reader = unschedulable("reader");
    let second = unschedulable("second");
    let diagnose = |name: &str| -> Value {
        let home = crate::support::scratch("e2e-sched");
        let mut cmd = crate::support::tool(&home);
        cmd.env("KUBECONFIG", plane.admin_kubeconfig()).args([
            "diagnose",
            &format!("pod/{name}"),
            "-n",
            ns,
            "-o",
            "json",
        ]);
        let out = crate::support::run(&mut cmd);
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr))
    };
    let reader_report = diagnose("reader");
    let second_report = diagnose("second");

    for name in ["reader", "first", "second"] {
        plane.delete("v1", "Pod", Some(ns), name);
    }
    for name in ["pinned", "solo"] {
        plane.delete("v1", "PersistentVolumeClaim", Some(ns), name);
    }
    for name in ["sched-e2e-pinned", "sched-e2e-solo"] {
        plane.delete("v1", "PersistentVolume", None, name);
        plane.drop_finalizers("v1", "PersistentVolume", None, name);
    }
    plane.delete("v1", "Namespace", None, ns);

    let reader = reader.unwrap();
    let second = second.unwrap();
    let finding = |report: &Value, rule: &str| -> String {
        report["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|f| f["rule"] == rule)
            .and_then(|f| f["message"].as_str())
            .unwrap_or_else(|| panic!("no {rule}: {report:#}"))
            .to_owned()
    };
    // The text each rule quotes, between its last pair of double quotes.
    let quoted = |message: &str| -> String {
        let end = message.rfind('"').unwrap_or(0);
        let start = message[..end].rfind('"').map_or(0, |s| s + 1);
        message[start..end].to_owned()
    };
    let affinity = quoted(&finding(&reader_report, "volume-node-affinity-conflict"));
    assert!(
        !affinity.is_empty() && reader.contains(&affinity),
        "the scheduler says {reader:?}, the rule quotes {affinity:?}"
    );
    let rwop = quoted(&finding(&second_report, "rwop-claim-used-by-several-pods"));
    assert!(
        !rwop.is_empty() && second.contains(&rwop),
        "the scheduler says {second:?}, the rule quotes {rwop:?}"
    );
    let chain = reader_report["target"]["chain"].to_string();
    assert!(
        chain.contains("condition PodScheduled False, Unschedulable"),
        "{chain}"
    );
}

/// What kubectl sends for `labels: {backup: y}` (go-yaml v2 reads `y` as true): the API server
/// refuses it, as the plan's invalid-field finding says.
#[test]
fn a_label_read_as_a_boolean_is_refused_as_planned() {
    let Some(plane) = control_plane("a_label_read_as_a_boolean_is_refused_as_planned") else {
        return;
    };
    let ns = "yaml11-e2e";
    plane.namespace(ns);
    let manifest = "apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
  namespace: yaml11-e2e
  labels: {backup: y}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
";
    let sent = json!({
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data", "namespace": ns, "labels": {"backup": true}},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    });
    let refused = plane.post_raw(
        &format!("/api/v1/namespaces/{ns}/persistentvolumeclaims"),
        &sent,
    );
    plane.delete("v1", "PersistentVolumeClaim", Some(ns), "data");
    plane.delete("v1", "Namespace", None, ns);
    let refusal = refused.expect_err("the API server accepted a boolean label value");
    assert!(refusal.contains("cannot unmarshal bool"), "{refusal}");

    let file = crate::support::scratch("e2e-yaml11").join("claim.yaml");
    std::fs::write(&file, manifest).unwrap();
    let report = plan(plane, Some(&file));
    let finding = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["rule"] == "invalid-field")
        .unwrap_or_else(|| panic!("no invalid-field: {report:#}"));
    let message = finding["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(
            "field metadata.labels.backup: the unquoted value y is read by kubectl as a boolean"
        ),
        "{message}"
    );
    assert_eq!(
        (
            finding["location"]["line"].as_u64(),
            finding["location"]["column"].as_u64()
        ),
        (Some(6), Some(20)),
        "{finding:#}"
    );
}
