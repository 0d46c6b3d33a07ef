//! The volumes of pods and pod templates, and how containers use them (upstream
//! `ValidateVolumes`, `validateVolumeSource`, `ValidateVolumeMounts`, `ValidateVolumeDevices`),
//! and a StatefulSet's claim templates.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::model::quantity::Quantity;

use super::sources::{self, Context};
use super::storage::Written;
use super::{field, int, list, meta, names, storage, text, Check};

/// The sources a pod's volume may name.
const POD_SOURCES: &[&str] = &[
    "emptyDir",
    "hostPath",
    "gitRepo",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "flocker",
    "persistentVolumeClaim",
    "rbd",
    "cinder",
    "cephfs",
    "quobyte",
    "downwardAPI",
    "fc",
    "flexVolume",
    "configMap",
    "azureFile",
    "vsphereVolume",
    "photonPersistentDisk",
    "portworxVolume",
    "azureDisk",
    "storageos",
    "projected",
    "scaleIO",
    "csi",
    "ephemeral",
    "image",
];

const PROPAGATIONS: &[&str] = &["Bidirectional", "HostToContainer", "None"];
const RECURSIVE_READ_ONLY: &[&str] = &["Disabled", "Enabled", "IfPossible"];
const PULL_POLICIES: &[&str] = &["Always", "IfNotPresent", "Never"];
const RETENTION: &[&str] = &["Retain", "Delete"];

/// What a valid volume is, for the containers' mounts and devices to refer to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Usable {
    Claim,
    Other,
}

pub(super) fn pod(check: &mut Check, object: &Value) {
    let name = field(object, "metadata").map_or("", |m| text(m, "name"));
    pod_spec(
        check,
        "spec",
        field(object, "spec"),
        Some(name).filter(|n| !n.is_empty()),
        &[],
    );
}

/// A workload's pod template, with the volumes its controller adds (a StatefulSet's claim
/// templates).
pub(super) fn template(check: &mut Check, path: &str, template: Option<&Value>, added: &[&str]) {
    let spec = template.and_then(|t| field(t, "spec"));
    pod_spec(check, &format!("{path}.spec"), spec, None, added);
}

pub(super) fn stateful_set(check: &mut Check, object: &Value) {
    let spec = field(object, "spec").unwrap_or(&Value::Null);
    let claim_templates = list(spec, "volumeClaimTemplates");
    for (i, claim) in claim_templates.iter().enumerate() {
        storage::claim_spec(
            check,
            &format!("spec.volumeClaimTemplates[{i}].spec"),
            field(claim, "spec"),
            Written::Template,
        );
    }
    let added: Vec<&str> = claim_templates
        .iter()
        .map(|c| field(c, "metadata").map_or("", |m| text(m, "name")))
        .collect();
    if let Some(policy) = field(spec, "persistentVolumeClaimRetentionPolicy") {
        for when in ["whenDeleted", "whenScaled"] {
            let value = text(policy, when);
            if !value.is_empty() && !RETENTION.contains(&value) {
                check.unsupported(
                    format!("spec.persistentVolumeClaimRetentionPolicy.{when}"),
                    value,
                    RETENTION,
                );
            }
        }
    }
    template(check, "spec.template", field(spec, "template"), &added);
}

fn pod_spec(
    check: &mut Check,
    path: &str,
    spec: Option<&Value>,
    pod_name: Option<&str>,
    added: &[&str],
) {
    let Some(spec) = spec else {
        return;
    };
    let volumes = volumes(check, path, spec, pod_name, added);
    for containers in ["initContainers", "containers"] {
        for (i, container) in list(spec, containers).iter().enumerate() {
            usage(
                check,
                &format!("{path}.{containers}[{i}]"),
                container,
                &volumes,
            );
        }
    }
}

/// Checks the volumes and gives the valid ones by name.
fn volumes(
    check: &mut Check,
    path: &str,
    spec: &Value,
    pod_name: Option<&str>,
    added: &[&str],
) -> HashMap<String, Usable> {
    let mut valid = HashMap::new();
    for name in added {
        let at = format!("{path}.volumes");
        if name.is_empty() {
            check.required(format!("{at}.persistentVolumeClaim.claimName"), "");
            check.required(format!("{at}.name"), "");
        } else if !names::is_dns_label(name) {
            check.name(&format!("{at}.name"), name, names::label(name));
        } else {
            valid.insert((*name).to_owned(), Usable::Claim);
        }
    }
    let written = list(spec, "volumes");
    let created: HashSet<String> = match pod_name {
        Some(pod) => written
            .iter()
            .filter(|v| field(v, "ephemeral").is_some())
            .map(|v| format!("{pod}-{}", text(v, "name")))
            .collect(),
        None => HashSet::new(),
    };
    let mut seen = HashSet::new();
    for (i, volume) in written.iter().enumerate() {
        let name = text(volume, "name");
        if added.contains(&name) {
            // The controller's volume of that name replaces it.
            continue;
        }
        let at = format!("{path}.volumes[{i}]");
        let before = check.found.len();
        let usable = volume_source(check, &at, volume, name, pod_name);
        if name.is_empty() {
            check.required(format!("{at}.name"), "");
        } else {
            check.name(&format!("{at}.name"), name, names::label(name));
        }
        if !seen.insert(name) {
            check.duplicate(format!("{at}.name"), name);
        }
        if check.found.len() == before {
            valid.insert(name.to_owned(), usable);
        }
        if let Some(claim) = field(volume, "persistentVolumeClaim") {
            let claim_name = text(claim, "claimName");
            if created.contains(claim_name) {
                check.invalid(
                    format!("{at}.persistentVolumeClaim.claimName"),
                    claim_name,
                    "must not reference a PVC that gets created for an ephemeral volume",
                );
            }
        }
    }
    valid
}

/// Checks a volume's one source; a volume written without any is an emptyDir by default.
fn volume_source(
    check: &mut Check,
    path: &str,
    volume: &Value,
    name: &str,
    pod_name: Option<&str>,
) -> Usable {
    let mut usable = Usable::Other;
    let mut first = true;
    for key in POD_SOURCES {
        let Some(source) = field(volume, key) else {
            continue;
        };
        let at = format!("{path}.{key}");
        if !first {
            check.forbidden(at, "may not specify more than 1 volume type");
            continue;
        }
        first = false;
        match *key {
            "persistentVolumeClaim" => {
                usable = Usable::Claim;
                if text(source, "claimName").is_empty() {
                    check.required(format!("{at}.claimName"), "");
                }
            }
            "ephemeral" => {
                usable = Usable::Claim;
                ephemeral(check, &at, source);
                if let (Some(pod), false) = (pod_name, name.is_empty()) {
                    let claim = format!("{pod}-{name}");
                    for problem in names::subdomain(&claim) {
                        check.invalid(
                            format!("{path}.name"),
                            name,
                            format!("PVC name {claim:?}: {problem}"),
                        );
                    }
                }
            }
            "emptyDir" => {
                let written = source.get("sizeLimit").and_then(Value::as_str);
                match written.map(Quantity::parse) {
                    Some(Ok(q)) if q.nanos() < 0 => {
                        check.forbidden(format!("{at}.sizeLimit"), "SizeLimit field must be a valid resource quantity");
                    }
                    // The API server cannot even read the object ("quantities must match the
                    // regular expression …").
                    Some(Err(_)) => check.invalid(format!("{at}.sizeLimit"), written.unwrap_or_default(), "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"),
                    _ => {}
                }
            }
            "gitRepo" => {
                if text(source, "repository").is_empty() {
                    check.required(format!("{at}.repository"), "");
                }
                descending(check, &format!("{at}.directory"), text(source, "directory"));
            }
            "secret" | "configMap" => {
                let reference = if *key == "secret" {
                    "secretName"
                } else {
                    "name"
                };
                if text(source, reference).is_empty() {
                    check.required(format!("{at}.{reference}"), "");
                }
                file_mode(
                    check,
                    &format!("{at}.defaultMode"),
                    int(source, "defaultMode"),
                );
                for (i, item) in list(source, "items").iter().enumerate() {
                    let item_at = format!("{at}.items[{i}]");
                    if text(item, "key").is_empty() {
                        check.required(format!("{item_at}.key"), "");
                    }
                    let file = text(item, "path");
                    if file.is_empty() {
                        check.required(format!("{item_at}.path"), "");
                    }
                    descending(check, &format!("{item_at}.path"), file);
                    if file.starts_with("..") && !file.starts_with("../") {
                        check.invalid(format!("{item_at}.path"), file, "must not start with '..'");
                    }
                    file_mode(check, &format!("{item_at}.mode"), int(item, "mode"));
                }
            }
            "downwardAPI" => {
                file_mode(
                    check,
                    &format!("{at}.defaultMode"),
                    int(source, "defaultMode"),
                );
                for (i, item) in list(source, "items").iter().enumerate() {
                    let item_at = format!("{at}.items[{i}]");
                    if text(item, "path").is_empty() {
                        check.required(format!("{item_at}.path"), "");
                    }
                    if let Some(path) = field(item, "fieldRef").map(|f| text(f, "fieldPath")) {
                        if !downward_field(path) {
                            check.invalid(
                                format!("{at}.fieldRef.fieldPath"),
                                path,
                                format!(
                                    "error converting fieldPath: field label not supported: {path}"
                                ),
                            );
                        }
                    }
                    match (field(item, "fieldRef"), field(item, "resourceFieldRef")) {
                        (Some(_), Some(_)) => check.invalid(
                            item_at,
                            "resource",
                            "fieldRef and resourceFieldRef can not be specified simultaneously",
                        ),
                        (None, None) => check
                            .required(item_at, "one of fieldRef and resourceFieldRef is required"),
                        _ => {}
                    }
                }
            }
            "projected" => {
                file_mode(
                    check,
                    &format!("{at}.defaultMode"),
                    int(source, "defaultMode"),
                );
                let mut paths = HashSet::new();
                for (i, projection) in list(source, "sources").iter().enumerate() {
                    let count = projection
                        .as_object()
                        .map_or(0, |o| o.values().filter(|v| !v.is_null()).count());
                    if count > 1 {
                        check.forbidden(
                            format!("{at}.sources[{i}]"),
                            "may not specify more than 1 volume type per source",
                        );
                    }
                    for kind in ["secret", "configMap"] {
                        if let Some(reference) = field(projection, kind) {
                            if text(reference, "name").is_empty() {
                                check.required(format!("{at}.sources[{i}].{kind}.name"), "");
                            }
                        }
                    }
                    if let Some(token) = field(projection, "serviceAccountToken") {
                        let token_at = format!("{at}.sources[{i}].serviceAccountToken");
                        let seconds = int(token, "expirationSeconds").unwrap_or(3600);
                        check.token_expiration(format!("{token_at}.expirationSeconds"), seconds);
                        if text(token, "path").is_empty() {
                            check.required(format!("{at}.path"), "");
                        }
                    }
                    for file in projected_paths(projection) {
                        if !paths.insert(file) {
                            check.invalid(&at, file, "conflicting duplicate paths");
                        }
                    }
                }
            }
            "image" => {
                if pod_name.is_some() && text(source, "reference").is_empty() {
                    check.required(format!("{at}.reference"), "");
                }
                if let Some(policy) = field(source, "pullPolicy").and_then(Value::as_str) {
                    if !PULL_POLICIES.contains(&policy) {
                        check.unsupported(format!("{at}.pullPolicy"), policy, PULL_POLICIES);
                    }
                }
            }
            other => sources::source(check, &at, other, source, Context::Pod { volume: name }),
        }
    }
    usable
}

/// An ephemeral volume's claim template: only labels and annotations in its metadata, and a
/// claim's spec.
fn ephemeral(check: &mut Check, path: &str, source: &Value) {
    let Some(template) = field(source, "volumeClaimTemplate") else {
        check.required(format!("{path}.volumeClaimTemplate"), "");
        return;
    };
    let at = format!("{path}.volumeClaimTemplate");
    if let Some(meta) = field(template, "metadata") {
        meta::labels_and_annotations(check, &format!("{at}.metadata"), meta);
        for key in meta.as_object().into_iter().flat_map(|m| m.keys()) {
            if !matches!(key.as_str(), "labels" | "annotations") && field(meta, key).is_some() {
                check.forbidden(format!("{at}.metadata.{key}"), "cannot be set");
            }
        }
    }
    storage::claim_spec(
        check,
        &format!("{at}.spec"),
        field(template, "spec"),
        Written::Template,
    );
}

/// A relative path without `..` (upstream `validateLocalDescendingPath`).
fn descending(check: &mut Check, path: &str, value: &str) {
    if value.starts_with('/') {
        check.invalid(path, value, "must be a relative path");
    }
    if names::has_backsteps(value) {
        check.invalid(path, value, "must not contain '..'");
    }
}

fn file_mode(check: &mut Check, path: &str, mode: Option<i64>) {
    if let Some(mode) = mode.filter(|m| !(0..=0o777).contains(m)) {
        check.invalid(
            path,
            mode,
            "must be a number between 0 and 0777 (octal), both inclusive",
        );
    }
}

/// A container's volume mounts and devices, against the pod's valid volumes.
fn usage(check: &mut Check, path: &str, container: &Value, volumes: &HashMap<String, Usable>) {
    let mounts = list(container, "volumeMounts");
    let devices = list(container, "volumeDevices");
    let mount_paths: HashMap<&str, &str> = mounts
        .iter()
        .map(|m| (text(m, "name"), text(m, "mountPath")))
        .collect();
    let device_paths: HashMap<&str, &str> = devices
        .iter()
        .map(|d| (text(d, "name"), text(d, "devicePath")))
        .collect();
    let privileged = field(container, "securityContext")
        .and_then(|s| s.get("privileged"))
        .and_then(Value::as_bool)
        == Some(true);
    let mut seen_paths = HashSet::new();
    for (i, mount) in mounts.iter().enumerate() {
        let at = format!("{path}.volumeMounts[{i}]");
        let name = text(mount, "name");
        let mount_path = text(mount, "mountPath");
        if name.is_empty() {
            check.required(format!("{at}.name"), "");
        }
        if !volumes.contains_key(name) {
            check.not_found(format!("{at}.name"), name);
        }
        if mount_path.is_empty() {
            check.required(format!("{at}.mountPath"), "");
        }
        if !seen_paths.insert(mount_path) {
            check.invalid(format!("{at}.mountPath"), mount_path, "must be unique");
        }
        if device_paths.contains_key(name) {
            check.invalid(
                format!("{at}.name"),
                name,
                "must not already exist in volumeDevices",
            );
        }
        if device_paths.values().any(|p| *p == mount_path) {
            check.invalid(
                format!("{at}.mountPath"),
                mount_path,
                "must not already exist as a path in volumeDevices",
            );
        }
        let sub_path = text(mount, "subPath");
        if !sub_path.is_empty() {
            descending(check, &format!("{path}.volumeMounts.subPath"), sub_path);
        }
        let expression = text(mount, "subPathExpr");
        if !expression.is_empty() {
            if !sub_path.is_empty() {
                check.invalid(
                    format!("{at}.subPathExpr"),
                    expression,
                    "subPathExpr and subPath are mutually exclusive",
                );
            }
            descending(
                check,
                &format!("{path}.volumeMounts.subPathExpr"),
                expression,
            );
        }
        let propagation = field(mount, "mountPropagation").and_then(Value::as_str);
        if let Some(propagation) = propagation {
            if !PROPAGATIONS.contains(&propagation) {
                check.unsupported(
                    format!("{path}.volumeMounts.mountPropagation"),
                    propagation,
                    PROPAGATIONS,
                );
            } else if propagation == "Bidirectional" && !privileged {
                check.forbidden(
                    format!("{path}.volumeMounts.mountPropagation"),
                    "Bidirectional mount propagation is available only to privileged containers",
                );
            }
        }
        if let Some(recursive) = field(mount, "recursiveReadOnly").and_then(Value::as_str) {
            let at = format!("{path}.volumeMounts.recursiveReadOnly");
            match recursive {
                "Disabled" => {}
                "Enabled" | "IfPossible" => {
                    if mount.get("readOnly").and_then(Value::as_bool) != Some(true) {
                        check.forbidden(&at, "may only be specified when readOnly is true");
                    }
                    if propagation.is_some_and(|p| p != "None") {
                        check.forbidden(
                            &at,
                            "may only be specified when mountPropagation is None or not specified",
                        );
                    }
                }
                other => check.unsupported(at, other, RECURSIVE_READ_ONLY),
            }
        }
    }
    let mut seen_names = HashSet::new();
    let mut seen_devices = HashSet::new();
    for (i, device) in devices.iter().enumerate() {
        let at = format!("{path}.volumeDevices[{i}]");
        let name = text(device, "name");
        let device_path = text(device, "devicePath");
        if name.is_empty() {
            check.required(format!("{at}.name"), "");
        }
        if seen_names.contains(name) {
            check.invalid(format!("{at}.name"), name, "must be unique");
        }
        match volumes.get(name) {
            Some(Usable::Other) => check.invalid(format!("{at}.name"), name, "can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode"),
            None => check.not_found(format!("{at}.name"), name),
            Some(Usable::Claim) => {}
        }
        if device_path.is_empty() {
            check.required(format!("{at}.devicePath"), "");
        }
        if seen_devices.contains(device_path) {
            check.invalid(format!("{at}.devicePath"), device_path, "must be unique");
        }
        if !device_path.is_empty() && names::has_backsteps(device_path) {
            check.invalid(
                format!("{at}.devicePath"),
                device_path,
                "can not contain backsteps ('..')",
            );
        } else {
            seen_devices.insert(device_path);
        }
        if mount_paths.contains_key(name) {
            check.invalid(
                format!("{at}.name"),
                name,
                "must not already exist in volumeMounts",
            );
        }
        if mount_paths.values().any(|p| *p == device_path) {
            check.invalid(
                format!("{at}.devicePath"),
                device_path,
                "must not already exist as a path in volumeMounts",
            );
        }
        if !name.is_empty() {
            seen_names.insert(name);
        }
    }
}

/// The files one projected source writes.
fn projected_paths(projection: &Value) -> Vec<&str> {
    let mut paths = Vec::new();
    for kind in ["secret", "configMap", "downwardAPI"] {
        if let Some(source) = field(projection, kind) {
            paths.extend(
                list(source, "items")
                    .iter()
                    .map(|i| text(i, "path"))
                    .filter(|p| !p.is_empty()),
            );
        }
    }
    for kind in ["serviceAccountToken", "clusterTrustBundle"] {
        if let Some(source) = field(projection, kind) {
            paths.extend(Some(text(source, "path")).filter(|p| !p.is_empty()));
        }
    }
    paths
}

/// The pod fields a downward API volume can write (upstream's field paths for volumes), a
/// label or annotation by key included.
fn downward_field(path: &str) -> bool {
    matches!(
        path,
        "metadata.name"
            | "metadata.namespace"
            | "metadata.labels"
            | "metadata.annotations"
            | "metadata.uid"
    ) || ["metadata.labels['", "metadata.annotations['"]
        .iter()
        .any(|p| path.starts_with(p) && path.ends_with("']"))
}
