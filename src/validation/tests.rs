use serde_json::json;

use super::validate;

fn messages(kind: &str, object: serde_json::Value) -> Vec<String> {
    validate(kind, &object)
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn a_volume_node_affinity_needs_terms() {
    let found = messages(
        "PersistentVolume",
        json!({"metadata": {"name": "v"}, "spec": {"nodeAffinity": {"required": {"nodeSelectorTerms": []}}}}),
    );
    assert_eq!(
        found,
        ["spec.nodeAffinity.required.nodeSelectorTerms: Required value: must have at least one node selector term"]
    );
}

#[test]
fn a_device_and_a_mount_of_one_volume_are_refused() {
    let found = messages(
        "Pod",
        json!({"metadata": {"name": "p"}, "spec": {
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "c"}}],
            "containers": [{"name": "c", "image": "i",
                "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                "volumeDevices": [{"name": "data", "devicePath": "/dev/xvda"}]}]}}),
    );
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].contains("must not already exist in volumeDevices"),
        "{found:?}"
    );
    assert!(
        found[1].contains("must not already exist in volumeMounts"),
        "{found:?}"
    );
}

#[test]
fn class_topologies_and_parameters() {
    let found = messages(
        "StorageClass",
        json!({"metadata": {"name": "c"}, "provisioner": "p.example.com",
            "parameters": {"": "x"},
            "allowedTopologies": [{"matchLabelExpressions": [{"key": "zone", "values": []}]}]}),
    );
    assert_eq!(found.len(), 2, "{found:?}");
}

#[test]
fn valid_objects_pass() {
    assert!(messages(
        "PersistentVolume",
        json!({"metadata": {"name": "v"}, "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
            "local": {"path": "/mnt/disks/1"},
            "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                {"key": "kubernetes.io/hostname", "operator": "In", "values": ["node-1"]}]}]}}}}),
    )
    .is_empty());
    assert!(messages(
        "StatefulSet",
        json!({"metadata": {"name": "db"}, "spec": {
            "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"]}}],
            "template": {"spec": {"containers": [{"name": "c", "image": "i",
                "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]}}}}),
    )
    .is_empty());
}
