//! The CSI kinds (upstream `ValidateCSIDriver`, `ValidateCSINode`, `ValidateVolumeAttachment`).
//! The fields their defaulting fills (`attachRequired`, `podInfoOnMount`, …) are never missing
//! by the time validation runs, so only values are checked.

use std::collections::HashSet;

use serde_json::Value;

use super::{field, int, list, names, strings, text, Check};

/// The fields of a CSIDriver's spec in v1.36; the kind is not read into the model, so its
/// unknown fields are found here.
const DRIVER_FIELDS: &[&str] = &[
    "attachRequired",
    "podInfoOnMount",
    "volumeLifecycleModes",
    "storageCapacity",
    "fsGroupPolicy",
    "tokenRequests",
    "requiresRepublish",
    "seLinuxMount",
    "nodeAllocatableUpdatePeriodSeconds",
    "serviceAccountTokenInSecrets",
    "preventPodSchedulingIfMissing",
];

const FS_GROUP_POLICIES: &[&str] = &["File", "None", "ReadWriteOnceWithFSType"];
const LIFECYCLE_MODES: &[&str] = &["Persistent", "Ephemeral"];
const NODE_ID_MAX: usize = 256;

pub(super) fn driver(check: &mut Check, object: &Value) {
    let Some(spec) = field(object, "spec") else {
        return;
    };
    for key in spec.as_object().into_iter().flat_map(|o| o.keys()) {
        if !DRIVER_FIELDS.contains(&key.as_str()) {
            check.unknown(format!("spec.{key}"));
        }
    }
    if let Some(policy) = field(spec, "fsGroupPolicy").and_then(Value::as_str) {
        if !FS_GROUP_POLICIES.contains(&policy) {
            check.unsupported("spec.fsGroupPolicy", policy, FS_GROUP_POLICIES);
        }
    }
    let requests = list(spec, "tokenRequests");
    let mut audiences = HashSet::new();
    for (i, request) in requests.iter().enumerate() {
        let at = format!("spec.tokenRequests[{i}]");
        let audience = text(request, "audience");
        if !audiences.insert(audience) {
            check.duplicate(format!("{at}.audience"), audience);
            continue;
        }
        if let Some(seconds) = int(request, "expirationSeconds") {
            check.token_expiration(format!("{at}.expirationSeconds"), seconds);
        }
    }
    for mode in strings(spec, "volumeLifecycleModes") {
        if !LIFECYCLE_MODES.contains(&mode) {
            check.unsupported("spec.volumeLifecycleModes", mode, LIFECYCLE_MODES);
        }
    }
    if let Some(period) = int(spec, "nodeAllocatableUpdatePeriodSeconds").filter(|p| *p < 10) {
        check.invalid(
            "spec.nodeAllocatableUpdatePeriodSeconds",
            period,
            "must be greater than or equal to 10 seconds",
        );
    }
    if let Some(in_secrets) = field(spec, "serviceAccountTokenInSecrets") {
        if requests.is_empty() {
            check.invalid(
                "spec.serviceAccountTokenInSecrets",
                in_secrets,
                "serviceAccountTokenInSecrets is set but no tokenRequests are specified",
            );
        }
    }
}

pub(super) fn node(check: &mut Check, object: &Value) {
    let Some(spec) = field(object, "spec") else {
        return;
    };
    let mut drivers = HashSet::new();
    for (i, driver) in list(spec, "drivers").iter().enumerate() {
        let at = format!("spec.drivers[{i}]");
        let name = text(driver, "name");
        names::csi_driver(check, &format!("{at}.name"), name);
        let node_id = text(driver, "nodeID");
        if node_id.is_empty() {
            check.required(format!("{at}.nodeID"), "");
        }
        if node_id.len() > NODE_ID_MAX {
            check.invalid(
                format!("{at}.nodeID"),
                node_id,
                format!("must be {NODE_ID_MAX} characters or less"),
            );
        }
        if let Some(count) = field(driver, "allocatable").and_then(|a| int(a, "count")) {
            if count < 0 {
                check.invalid(
                    format!("{at}.allocatable.count"),
                    count,
                    "must be greater than or equal to 0",
                );
            }
        }
        if !drivers.insert(name) {
            check.duplicate(format!("{at}.name"), name);
        }
        let mut keys = HashSet::new();
        for key in strings(driver, "topologyKeys") {
            if key.is_empty() {
                check.required(&at, "");
            }
            if !keys.insert(key) {
                check.duplicate(&at, key);
            }
            check.name(&at, key, names::qualified(key));
        }
    }
}

pub(super) fn attachment(check: &mut Check, object: &Value) {
    let spec = field(object, "spec").unwrap_or(&Value::Null);
    names::csi_driver(check, "spec.attacher", text(spec, "attacher"));
    let source = field(spec, "source").unwrap_or(&Value::Null);
    let inline = field(source, "inlineVolumeSpec");
    let volume = field(source, "persistentVolumeName").and_then(Value::as_str);
    match (inline, volume) {
        (None, None) => check.required(
            "spec.source",
            "must specify exactly one of inlineVolumeSpec and persistentVolumeName",
        ),
        (Some(_), Some(_)) => check.forbidden(
            "spec.source",
            "must specify exactly one of inlineVolumeSpec and persistentVolumeName",
        ),
        (None, Some("")) => check.required(
            "spec.source.persistentVolumeName",
            "must specify non empty persistentVolumeName",
        ),
        (None, Some(name)) => check.name(
            "spec.source.persistentVolumeName",
            name,
            names::subdomain(name),
        ),
        (Some(spec), None) => inline_volume(check, "spec.source.inlineVolumeSpec", spec),
    }
    let node = text(spec, "nodeName");
    check.name("spec.nodeName", node, names::subdomain(node));
}

/// A volume spec inlined in a VolumeAttachment (a pod's CSI-migrated in-tree volume): a CSI
/// source, access modes, and none of what only a PersistentVolume has.
fn inline_volume(check: &mut Check, path: &str, spec: &Value) {
    for key in ["claimRef", "capacity", "nodeAffinity"] {
        if field(spec, key).is_some() {
            check.forbidden(
                format!("{path}.{key}"),
                "may not be specified in the context of inline volumes",
            );
        }
    }
    if !text(spec, "storageClassName").is_empty() {
        check.forbidden(
            format!("{path}.storageClassName"),
            "may not be specified in the context of inline volumes",
        );
    }
    match field(spec, "csi") {
        None => check.required(
            format!("{path}.csi"),
            "has to be specified in the context of inline volumes",
        ),
        Some(csi) => {
            names::csi_driver(check, &format!("{path}.csi.driver"), text(csi, "driver"));
            if text(csi, "volumeHandle").is_empty() {
                check.required(format!("{path}.csi.volumeHandle"), "");
            }
        }
    }
    if list(spec, "accessModes").is_empty() {
        check.required(format!("{path}.accessModes"), "");
    }
    let policy = text(spec, "persistentVolumeReclaimPolicy");
    if !policy.is_empty() && policy != "Retain" {
        check.forbidden(
            format!("{path}.persistentVolumeReclaimPolicy"),
            "may only be Retain in the context of inline volumes",
        );
    }
    let mode = text(spec, "volumeMode");
    if !mode.is_empty() && mode != "Filesystem" {
        check.forbidden(
            format!("{path}.volumeMode"),
            "may not specify volumeMode other than Filesystem in the context of inline volumes",
        );
    }
}
