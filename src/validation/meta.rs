//! An object's metadata (upstream `ValidateObjectMeta`): a name, and labels and annotations
//! whose keys and values the API server accepts. Checked for the storage kinds only: a pod's or
//! workload's metadata is not about storage.

use serde_json::Value;

use super::{entries, field, names, strings, text, Check};

/// Finalizers without a domain the API server knows.
const STANDARD_FINALIZERS: &[&str] = &["kubernetes", "orphan", "foregroundDeletion"];

/// Annotations may hold at most this many bytes, keys and values together.
const ANNOTATIONS_MAX: usize = 256 * 1024;

pub(super) fn object_meta(check: &mut Check, kind: &str, object: &Value) {
    let format: fn(&str) -> Vec<String> = match kind {
        // Their names are `invalid-name`'s.
        "PersistentVolume" | "PersistentVolumeClaim" | "StorageClass" => |_| Vec::new(),
        "CSIDriver" | "CSINode" | "VolumeAttachment" | "VolumeAttributesClass" => names::subdomain,
        _ => return,
    };
    let meta = field(object, "metadata").unwrap_or(&Value::Null);
    let name = text(meta, "name");
    if name.is_empty() {
        if text(meta, "generateName").is_empty() {
            check.required("metadata.name", "name or generateName is required");
        }
    } else {
        check.name("metadata.name", name, format(name));
    }
    let prefix = text(meta, "generateName");
    if !prefix.is_empty() {
        // A prefix may end in '-': upstream checks it as if a letter followed.
        let masked = match prefix.strip_suffix('-') {
            Some(head) => format!("{head}a"),
            None => prefix.to_owned(),
        };
        check.name("metadata.generateName", prefix, names::subdomain(&masked));
    }
    for (i, finalizer) in strings(meta, "finalizers").iter().enumerate() {
        let at = format!("metadata.finalizers[{i}]");
        let problems = names::qualified(finalizer);
        if !problems.is_empty() {
            check.name(&at, finalizer, problems);
        } else if !finalizer.contains('/') && !STANDARD_FINALIZERS.contains(finalizer) {
            check.invalid(
                at,
                finalizer,
                "name is neither a standard finalizer name nor is it fully qualified",
            );
        }
    }
    labels_and_annotations(check, "metadata", meta);
}

/// Labels and annotations, as also checked in a claim template's metadata.
pub(super) fn labels_and_annotations(check: &mut Check, path: &str, meta: &Value) {
    for (key, value) in entries(meta, "labels") {
        check.name(&format!("{path}.labels"), key, names::qualified(key));
        if let Some(value) = value.as_str() {
            check.name(&format!("{path}.labels"), value, names::label_value(value));
        }
    }
    let mut size = 0;
    for (key, value) in entries(meta, "annotations") {
        check.name(
            &format!("{path}.annotations"),
            key,
            names::qualified(&key.to_lowercase()),
        );
        size += key.len() + value.as_str().map_or(0, str::len);
    }
    if size > ANNOTATIONS_MAX {
        check.too_long(format!("{path}.annotations"), ANNOTATIONS_MAX);
    }
}
