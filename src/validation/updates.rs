//! What the API server refuses when a manifest is applied over an object that exists: the
//! fields it keeps immutable (upstream `Validate<Kind>Update`). A manifest is compared with the
//! live object field by field, only where it writes a value, as `kubectl apply` keeps what a
//! manifest leaves out.

use serde_json::{Map, Value};

use crate::model::quantity::Quantity;

use super::{field, text, VOLUME_SOURCES};

/// The kinds with immutable fields the tool checks.
pub const KINDS: &[&str] = &[
    "PersistentVolumeClaim",
    "PersistentVolume",
    "StorageClass",
    "StatefulSet",
    "CSIDriver",
    "VolumeAttributesClass",
    "VolumeAttachment",
    "CSINode",
];

/// Node labels whose beta names may be changed to their GA names in a volume's node affinity.
const BETA_LABELS: &[(&str, &str)] = &[
    (
        "failure-domain.beta.kubernetes.io/zone",
        "topology.kubernetes.io/zone",
    ),
    (
        "failure-domain.beta.kubernetes.io/region",
        "topology.kubernetes.io/region",
    ),
    (
        "beta.kubernetes.io/instance-type",
        "node.kubernetes.io/instance-type",
    ),
    ("beta.kubernetes.io/os", "kubernetes.io/os"),
    ("beta.kubernetes.io/arch", "kubernetes.io/arch"),
];

/// The annotation that named a claim's class before `spec.storageClassName`.
const BETA_CLASS: &str = "volume.beta.kubernetes.io/storage-class";

/// The fields of a StatefulSet's spec an update may change.
const STATEFUL_SET_MUTABLE: &[&str] = &[
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "revisionHistoryLimit",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
];

/// One immutable field a manifest changes.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// Where the manifest writes it.
    pub path: String,
    pub written: Value,
    /// What the cluster has (null when it has nothing there).
    pub live: Value,
    /// The API server's refusal.
    pub refusal: String,
}

/// What of a live object the comparison needs, kept small: the immutable parts only.
pub fn retained(kind: &str, live: &Value) -> Option<Value> {
    let pick = |keys: &[&str]| {
        let mut kept = Map::new();
        for key in keys {
            if let Some(value) = field(live, key) {
                kept.insert((*key).to_owned(), value.clone());
            }
        }
        Value::Object(kept)
    };
    let spec = field(live, "spec");
    Some(match kind {
        "PersistentVolumeClaim" => {
            let bound = field(live, "status").map(|s| text(s, "phase")) == Some("Bound");
            let class = field(live, "metadata")
                .and_then(|m| field(m, "annotations"))
                .map_or("", |a| text(a, BETA_CLASS));
            serde_json::json!({"spec": spec?, "bound": bound, "class": class})
        }
        "PersistentVolume" => {
            let mut kept = Map::new();
            for key in VOLUME_SOURCES.iter().chain(&["volumeMode", "nodeAffinity"]) {
                if let Some(value) = spec.and_then(|s| field(s, key)) {
                    kept.insert((*key).to_owned(), value.clone());
                }
            }
            serde_json::json!({"spec": kept})
        }
        "StorageClass" => pick(&[
            "provisioner",
            "parameters",
            "reclaimPolicy",
            "volumeBindingMode",
        ]),
        "VolumeAttributesClass" => pick(&["driverName", "parameters"]),
        "StatefulSet" | "CSIDriver" | "VolumeAttachment" | "CSINode" => pick(&["spec"]),
        _ => return None,
    })
}

/// The immutable fields `manifest` changes in the object `retained` keeps of.
pub fn changes(kind: &str, retained: &Value, manifest: &Value) -> Vec<Change> {
    let mut found = Vec::new();
    let live = |key: &str| retained.get(key);
    match kind {
        "PersistentVolumeClaim" => {
            let Some(mut written) = field(manifest, "spec").cloned() else {
                return found;
            };
            let live_spec = live("spec").unwrap_or(&Value::Null);
            // What an update may still do: grow a bound claim (the expansion rules judge
            // that), give a claim without one its volume or class.
            if live("bound") == Some(&Value::Bool(true)) {
                remove(&mut written, &["resources", "requests", "storage"]);
                remove(&mut written, &["volumeAttributesClassName"]);
            }
            if text(live_spec, "volumeName").is_empty() {
                remove(&mut written, &["volumeName"]);
            }
            if field(live_spec, "storageClassName").is_none() {
                remove(&mut written, &["storageClassName"]);
            }
            let refusal = "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims";
            compare("spec", Some(live_spec), &written, refusal, &mut found);
            let annotation = field(manifest, "metadata")
                .and_then(|m| field(m, "annotations"))
                .and_then(|a| field(a, BETA_CLASS));
            if let Some(class) = annotation {
                let path = format!("metadata.annotations[{BETA_CLASS:?}]");
                let was = live("class").cloned().unwrap_or_default();
                compare(
                    &path,
                    Some(&was),
                    class,
                    &format!("{path}: field is immutable"),
                    &mut found,
                );
            }
        }
        "PersistentVolume" => {
            let Some(written) = field(manifest, "spec") else {
                return found;
            };
            let live_spec = live("spec").unwrap_or(&Value::Null);
            let source = "spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation";
            for key in VOLUME_SOURCES {
                let Some(mut value) = field(written, key).cloned() else {
                    continue;
                };
                let was = field(live_spec, key);
                if *key == "csi"
                    && was.is_some_and(|c| field(c, "controllerExpandSecretRef").is_none())
                {
                    // A secret for expansion may be added to a volume that had none.
                    remove(&mut value, &["controllerExpandSecretRef"]);
                }
                compare(&format!("spec.{key}"), was, &value, source, &mut found);
            }
            if let Some(mode) = field(written, "volumeMode") {
                let was = field(live_spec, "volumeMode")
                    .cloned()
                    .unwrap_or(Value::String("Filesystem".into()));
                compare(
                    "spec.volumeMode",
                    Some(&was),
                    mode,
                    "volumeMode: field is immutable",
                    &mut found,
                );
            }
            if let (Some(affinity), Some(was)) = (
                field(written, "nodeAffinity"),
                field(live_spec, "nodeAffinity"),
            ) {
                let refusal =
                    "nodeAffinity: field is immutable, except for updating from beta label to GA";
                compare(
                    "spec.nodeAffinity",
                    Some(&ga_labels(was)),
                    &ga_labels(affinity),
                    refusal,
                    &mut found,
                );
            }
        }
        "StorageClass" | "VolumeAttributesClass" => {
            for key in [
                "provisioner",
                "driverName",
                "parameters",
                "reclaimPolicy",
                "volumeBindingMode",
            ] {
                let Some(value) = field(manifest, key) else {
                    continue;
                };
                let was = match (key, live(key)) {
                    // Defaulting fills these on the live object; a manifest without them does
                    // not ask for a change.
                    ("reclaimPolicy", None) => Some(Value::String("Delete".into())),
                    ("volumeBindingMode", None) => Some(Value::String("Immediate".into())),
                    (_, was) => was.cloned(),
                };
                let refusal = if kind == "StorageClass" {
                    format!("{key}: field is immutable")
                } else {
                    format!("{key}: Forbidden: updates to {key} are forbidden.")
                };
                compare(key, was.as_ref(), value, &refusal, &mut found);
            }
        }
        "StatefulSet" => {
            let Some(written) = field(manifest, "spec") else {
                return found;
            };
            let refusal = "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";
            let live_spec = live("spec").unwrap_or(&Value::Null);
            for (key, value) in written.as_object().into_iter().flatten() {
                if !STATEFUL_SET_MUTABLE.contains(&key.as_str()) {
                    compare(
                        &format!("spec.{key}"),
                        field(live_spec, key),
                        value,
                        refusal,
                        &mut found,
                    );
                }
            }
        }
        "CSIDriver" => {
            let live_spec = live("spec").unwrap_or(&Value::Null);
            for (key, path) in [
                ("attachRequired", "spec.attachedRequired"),
                ("volumeLifecycleModes", "spec.volumeLifecycleModes"),
            ] {
                if let Some(value) = field(manifest, "spec").and_then(|s| field(s, key)) {
                    let refusal = format!("{path}: field is immutable");
                    compare(
                        &format!("spec.{key}"),
                        field(live_spec, key),
                        value,
                        &refusal,
                        &mut found,
                    );
                }
            }
        }
        "CSINode" => {
            // A driver's entry is fixed once registered, but for its allocatable count.
            let live_drivers = live("spec").map_or(&[][..], |s| super::list(s, "drivers"));
            let written = field(manifest, "spec").map_or(&[][..], |s| super::list(s, "drivers"));
            for (i, driver) in written.iter().enumerate() {
                let Some(was) = live_drivers
                    .iter()
                    .find(|d| text(d, "name") == text(driver, "name"))
                else {
                    continue;
                };
                let mut driver = driver.clone();
                remove(&mut driver, &["allocatable"]);
                compare(
                    &format!("spec.drivers[{i}]"),
                    Some(was),
                    &driver,
                    "spec.drivers: field is immutable",
                    &mut found,
                );
            }
        }
        "VolumeAttachment" => {
            if let Some(spec) = field(manifest, "spec") {
                compare(
                    "spec",
                    live("spec"),
                    spec,
                    "spec: field is immutable",
                    &mut found,
                );
            }
        }
        _ => {}
    }
    found
}

/// The object the API server validates when `manifest` is applied over the live one, where that
/// differs from the manifest alone in what validation looks at: a StatefulSet keeps the claim
/// templates (and the rest of its fixed spec) a manifest leaves out.
pub fn as_applied(kind: &str, retained: &Value, manifest: &Value) -> Option<Value> {
    if kind != "StatefulSet" {
        return None;
    }
    let live_spec = retained.get("spec")?.as_object()?;
    let mut applied = manifest.clone();
    let spec = applied
        .as_object_mut()?
        .entry("spec")
        .or_insert_with(|| Value::Object(Map::new()));
    let spec = spec.as_object_mut()?;
    for (key, value) in live_spec {
        if !STATEFUL_SET_MUTABLE.contains(&key.as_str()) && !spec.contains_key(key) {
            spec.insert(key.clone(), value.clone());
        }
    }
    Some(applied)
}

/// Records where `written` asks for something `live` does not have. Only what the manifest
/// writes counts: a map compares key by key, a list item by item.
fn compare(
    path: &str,
    live: Option<&Value>,
    written: &Value,
    refusal: &str,
    found: &mut Vec<Change>,
) {
    let differs = |found: &mut Vec<Change>| {
        found.push(Change {
            path: path.to_owned(),
            written: written.clone(),
            live: live.cloned().unwrap_or(Value::Null),
            refusal: refusal.to_owned(),
        });
    };
    match (written, live) {
        (Value::Null, _) => {}
        (Value::Object(entries), Some(Value::Object(_))) => {
            for (key, value) in entries {
                let was = live.and_then(|l| l.get(key));
                compare(&format!("{path}.{key}"), was, value, refusal, found);
            }
        }
        (Value::Array(items), Some(Value::Array(was))) if items.len() == was.len() => {
            for (i, (item, was)) in items.iter().zip(was).enumerate() {
                compare(&format!("{path}[{i}]"), Some(was), item, refusal, found);
            }
        }
        (_, None | Some(Value::Null)) => {
            // Go reads an absent field as its zero value.
            if !is_zero(written) {
                differs(found);
            }
        }
        (written, Some(was)) => {
            if !same_scalar(path, written, was) {
                differs(found);
            }
        }
    }
}

/// A node affinity with beta node labels under their GA names, which an update may switch to.
fn ga_labels(affinity: &Value) -> Value {
    match affinity {
        Value::Object(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| match (k.as_str(), v.as_str()) {
                    ("key", Some(label)) => {
                        let ga = BETA_LABELS
                            .iter()
                            .find(|(beta, _)| *beta == label)
                            .map_or(label, |(_, ga)| *ga);
                        (k.clone(), Value::String(ga.to_owned()))
                    }
                    _ => (k.clone(), ga_labels(v)),
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(ga_labels).collect()),
        other => other.clone(),
    }
}

fn is_zero(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(entries) => entries.values().all(is_zero),
    }
}

/// Scalars as the API server compares them: numbers by value, sizes by quantity.
fn same_scalar(path: &str, written: &Value, live: &Value) -> bool {
    match (written, live) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::String(a), Value::String(b))
            if a != b && (path.contains("resources") || path.contains("capacity")) =>
        {
            matches!((Quantity::parse(a), Quantity::parse(b)), (Ok(a), Ok(b)) if a.nanos() == b.nanos())
        }
        _ => written == live,
    }
}

/// Takes a nested field out of a manifest's copy, where an update may change it freely.
fn remove(value: &mut Value, path: &[&str]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = value;
    for key in parents {
        match at.get_mut(*key) {
            Some(next) => at = next,
            None => return,
        }
    }
    if let Some(entries) = at.as_object_mut() {
        entries.remove(*last);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{changes, retained};

    fn paths(kind: &str, live: serde_json::Value, manifest: serde_json::Value) -> Vec<String> {
        let kept = retained(kind, &live).unwrap();
        changes(kind, &kept, &manifest)
            .into_iter()
            .map(|c| c.path)
            .collect()
    }

    #[test]
    fn a_pending_claim_keeps_its_spec_and_a_bound_one_may_grow() {
        let live = |phase: &str| {
            json!({"spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
            "volumeMode": "Filesystem", "resources": {"requests": {"storage": "1Gi"}}}, "status": {"phase": phase}})
        };
        let grown = json!({"spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "2Gi"}}}});
        assert_eq!(
            paths("PersistentVolumeClaim", live("Pending"), grown.clone()),
            ["spec.resources.requests.storage"]
        );
        assert!(paths("PersistentVolumeClaim", live("Bound"), grown).is_empty());
        let same = json!({"spec": {"resources": {"requests": {"storage": "1024Mi"}}, "storageClassName": "standard"}});
        assert!(paths("PersistentVolumeClaim", live("Pending"), same).is_empty());
        let moved = json!({"spec": {"storageClassName": "fast", "accessModes": ["ReadWriteMany"]}});
        assert_eq!(
            paths("PersistentVolumeClaim", live("Bound"), moved),
            ["spec.accessModes[0]", "spec.storageClassName"]
        );
    }

    #[test]
    fn class_parameters_compare_key_by_key() {
        let live = json!({"provisioner": "ebs.csi.aws.com", "parameters": {"type": "gp3", "fsType": "ext4"},
            "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer"});
        assert!(paths(
            "StorageClass",
            live.clone(),
            json!({"provisioner": "ebs.csi.aws.com", "parameters": {"type": "gp3"}})
        )
        .is_empty());
        assert_eq!(
            paths(
                "StorageClass",
                live.clone(),
                json!({"parameters": {"type": "gp2"}})
            ),
            ["parameters.type"]
        );
        assert_eq!(
            paths("StorageClass", live, json!({"reclaimPolicy": "Retain"})),
            ["reclaimPolicy"]
        );
    }

    #[test]
    fn a_volume_source_is_immutable_but_may_gain_an_expansion_secret() {
        let live = json!({"spec": {"csi": {"driver": "d", "volumeHandle": "h"}}});
        let secret = json!({"spec": {"csi": {"driver": "d", "volumeHandle": "h", "controllerExpandSecretRef": {"name": "s", "namespace": "n"}}}});
        assert!(paths("PersistentVolume", live.clone(), secret).is_empty());
        assert_eq!(
            paths(
                "PersistentVolume",
                live,
                json!({"spec": {"csi": {"volumeHandle": "other"}}})
            ),
            ["spec.csi.volumeHandle"]
        );
    }
}
