//! PersistentVolumes and claims (upstream `ValidatePersistentVolumeSpec`,
//! `ValidatePersistentVolumeClaimSpec`), beyond what the rules named in the module above check.

use serde_json::Value;

use super::sources::{self, Context};
use super::{entries, field, names, selectors, text, Check};

/// The annotation that carried mount options before `spec.mountOptions`, and the in-tree
/// sources the API server takes it on (upstream `checkMountOption`).
const MOUNT_OPTIONS_ANNOTATION: &str = "volume.beta.kubernetes.io/mount-options";
const MOUNT_OPTIONS_SOURCES: &[&str] = &[
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "glusterfs",
    "nfs",
    "rbd",
    "quobyte",
    "cephfs",
    "iscsi",
    "cinder",
    "azureFile",
    "vsphereVolume",
    "azureDisk",
    "photonPersistentDisk",
];

/// The volume sources a PersistentVolume may name, in upstream's order.
pub const VOLUME_SOURCES: &[&str] = &[
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "glusterfs",
    "flocker",
    "nfs",
    "rbd",
    "quobyte",
    "cephfs",
    "iscsi",
    "cinder",
    "fc",
    "flexVolume",
    "azureFile",
    "vsphereVolume",
    "photonPersistentDisk",
    "portworxVolume",
    "azureDisk",
    "scaleIO",
    "local",
    "storageos",
    "csi",
];

pub(super) fn volume(check: &mut Check, object: &Value) {
    let name = field(object, "metadata").map_or("", |m| text(m, "name"));
    let Some(spec) = field(object, "spec") else {
        return;
    };
    let capacity: Vec<&String> = entries(spec, "capacity").map(|(k, _)| k).collect();
    if capacity.len() > 1 && capacity.iter().any(|k| *k == "storage") {
        // Capacity without storage is `missing-required-field`'s.
        let keys: Vec<&str> = capacity.iter().map(|k| k.as_str()).collect();
        check.unsupported("spec.capacity", &keys.join(", "), &["storage"]);
    }
    let meta = field(object, "metadata").unwrap_or(&Value::Null);
    let annotated = field(meta, "annotations").and_then(|a| field(a, MOUNT_OPTIONS_ANNOTATION));
    let takes_options = MOUNT_OPTIONS_SOURCES
        .iter()
        .any(|s| field(spec, s).is_some());
    if annotated.is_some() && !takes_options {
        check.forbidden(
            format!("metadata.annotations[{MOUNT_OPTIONS_ANNOTATION:?}]"),
            "may not specify mount options for this volume type",
        );
    }
    if let Some(affinity) = field(spec, "nodeAffinity") {
        selectors::volume_node_affinity(check, "spec.nodeAffinity", affinity);
    }
    // Upstream checks the first source only; a second one is `several-volume-sources`'.
    if let Some((key, source)) = VOLUME_SOURCES
        .iter()
        .find_map(|key| field(spec, key).map(|source| (*key, source)))
    {
        sources::source(
            check,
            &format!("spec.{key}"),
            key,
            source,
            Context::Volume { name },
        );
    }
    let recycles = text(spec, "persistentVolumeReclaimPolicy") == "Recycle";
    if let Some(host_path) = field(spec, "hostPath") {
        if recycles && clean_path(text(host_path, "path")) == "/" {
            check.forbidden(
                "spec.persistentVolumeReclaimPolicy",
                "may not be 'recycle' for a hostPath mount of '/'",
            );
        }
    }
    if let Some(class) = field(spec, "volumeAttributesClassName").and_then(Value::as_str) {
        if class.is_empty() {
            check.required(
                "spec.volumeAttributesClassName",
                "an empty string is disallowed",
            );
        } else {
            check.name(
                "spec.volumeAttributesClassName",
                class,
                names::subdomain(class),
            );
        }
        if field(spec, "csi").is_none() {
            check.required(
                "spec.csi",
                "has to be specified when using volumeAttributesClassName",
            );
        }
    }
}

/// Go's `path.Clean` for the one question asked of it here: is the path the root?
fn clean_path(path: &str) -> &str {
    if path.starts_with('/') && path.split('/').all(|p| p.is_empty() || p == ".") {
        "/"
    } else {
        path
    }
}

/// Whether a spec belongs to a claim object, which the API server prepares before validating
/// it, or to a template (a StatefulSet's or an ephemeral volume's), validated as written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Written {
    Claim,
    Template,
}

/// A claim's spec, of a claim, a StatefulSet's claim template or an ephemeral volume's.
pub(super) fn claim_spec(check: &mut Check, path: &str, spec: Option<&Value>, written: Written) {
    let Some(spec) = spec else {
        return;
    };
    if let Some(selector) = field(spec, "selector") {
        selectors::label_selector(check, &format!("{path}.selector"), selector);
    }
    let reference = field(spec, "dataSourceRef");
    let source = field(spec, "dataSource");
    // A claim's sources are prepared before validation (an unknown dataSource dropped, one
    // copied to the other), and what is refused then is `data-source-rejected`'s. A template's
    // are validated as written.
    let template = written == Written::Template;
    if let Some(source) = source.filter(|s| template || reference.is_some() || claim_or_snapshot(s))
    {
        data_source(check, &format!("{path}.dataSource"), source, template);
    }
    if let Some(reference) = reference {
        let at = format!("{path}.dataSourceRef");
        data_source(check, &at, reference, template);
        // A claim's dataSourceRef.namespace is dropped while the CrossNamespaceVolumeDataSource
        // gate is off (the default); `data-source-dropped` says so.
        let namespace = text(reference, "namespace");
        if template && !namespace.is_empty() {
            check.name(
                &format!("{at}.namespace"),
                namespace,
                names::label(namespace),
            );
        }
    }
    if let (true, Some(source), Some(reference)) = (template, source, reference) {
        if !text(reference, "namespace").is_empty() {
            check.invalid(
                path,
                format!("{path}.dataSource"),
                "may not be specified when dataSourceRef.namespace is specified",
            );
        } else if api_group(source) != api_group(reference)
            || text(source, "kind") != text(reference, "kind")
            || text(source, "name") != text(reference, "name")
        {
            check.invalid(
                path,
                format!("{path}.dataSource"),
                "must match dataSourceRef",
            );
        }
    }
    let class = text(spec, "volumeAttributesClassName");
    if !class.is_empty() {
        check.name(
            &format!("{path}.volumeAttributesClassName"),
            class,
            names::subdomain(class),
        );
    }
}

fn data_source(check: &mut Check, path: &str, source: &Value, template: bool) {
    if text(source, "name").is_empty() {
        check.required(format!("{path}.name"), "");
    }
    let kind = text(source, "kind");
    if kind.is_empty() {
        check.required(format!("{path}.kind"), "");
    }
    let group = text(source, "apiGroup");
    if group.is_empty() {
        if template && kind != "PersistentVolumeClaim" {
            check.invalid(
                path,
                kind,
                "must be 'PersistentVolumeClaim' when referencing the default apiGroup",
            );
        }
    } else {
        check.name(&format!("{path}.apiGroup"), group, names::subdomain(group));
    }
}

/// A reference's API group as written: unset and empty differ, as upstream compares them.
fn api_group(reference: &Value) -> Option<&str> {
    field(reference, "apiGroup").and_then(Value::as_str)
}

fn claim_or_snapshot(source: &Value) -> bool {
    matches!(
        (text(source, "kind"), text(source, "apiGroup")),
        ("PersistentVolumeClaim", "") | ("VolumeSnapshot", "snapshot.storage.k8s.io")
    )
}
