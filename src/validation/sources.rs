//! Volume sources, as a PersistentVolume or a pod's volume names them: each source's required
//! fields and formats (upstream `validate<Source>VolumeSource` and its PersistentVolume twin).

use serde_json::Value;

use super::{entries, field, int, list, names, text, Check};

/// Where a source is written: in a PersistentVolume (secret references then need their
/// namespace too) or in a pod's volume.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Context<'a> {
    Volume { name: &'a str },
    Pod { volume: &'a str },
}

pub(super) const HOST_PATH_TYPES: &[&str] = &[
    "",
    "BlockDevice",
    "CharDevice",
    "Directory",
    "DirectoryOrCreate",
    "File",
    "FileOrCreate",
    "Socket",
];

/// Checks one source written as `key` at `path` (the source's own path).
pub(super) fn source(check: &mut Check, path: &str, key: &str, source: &Value, context: Context) {
    let child = |name: &str| format!("{path}.{name}");
    let persistent = matches!(context, Context::Volume { .. });
    let require = |check: &mut Check, names: &[&str]| {
        for name in names {
            if text(source, name).is_empty() {
                check.required(child(name), "");
            }
        }
    };
    match key {
        "hostPath" => {
            let at = text(source, "path");
            if at.is_empty() {
                check.required(child("path"), "");
                return;
            }
            backsteps(check, &child("path"), at);
            if let Some(kind) = field(source, "type").and_then(Value::as_str) {
                if !HOST_PATH_TYPES.contains(&kind) {
                    check.unsupported(child("type"), kind, HOST_PATH_TYPES);
                }
            }
        }
        "local" => {
            let at = text(source, "path");
            if at.is_empty() {
                check.required(child("path"), "");
            } else {
                backsteps(check, &child("path"), at);
            }
        }
        "nfs" => {
            require(check, &["server", "path"]);
            let at = text(source, "path");
            if !at.starts_with('/') {
                check.invalid(child("path"), at, "must be an absolute path");
            }
        }
        "csi" => {
            let driver = text(source, "driver");
            if !persistent {
                names::csi_driver(check, &child("driver"), driver);
            } else if driver.is_empty() {
                // A volume's driver name and volumeHandle are `invalid-name`'s and
                // `missing-required-field`'s.
                check.required(child("driver"), "");
            }
            if persistent {
                for secret in [
                    "controllerPublishSecretRef",
                    "controllerExpandSecretRef",
                    "nodePublishSecretRef",
                    "nodeExpandSecretRef",
                ] {
                    if let Some(reference) = field(source, secret) {
                        secret_reference(check, &child(secret), reference, true);
                    }
                }
            } else if let Some(reference) = field(source, "nodePublishSecretRef") {
                let name = text(reference, "name");
                if name.is_empty() {
                    check.required(child("nodePublishSecretRef.name"), "");
                } else {
                    check.name(&child("name"), name, names::subdomain(name));
                }
            }
        }
        "iscsi" => iscsi(check, path, source, context),
        "fc" => {
            let wwns = list(source, "targetWWNs");
            let wwids = list(source, "wwids");
            if wwns.is_empty() && wwids.is_empty() {
                check.required(
                    child("targetWWNs"),
                    "must specify either targetWWNs or wwids, but not both",
                );
            }
            if !wwns.is_empty() && !wwids.is_empty() {
                check.invalid(
                    child("targetWWNs"),
                    format!("{wwns:?}"),
                    "targetWWNs and wwids can not be specified simultaneously",
                );
            }
            if !wwns.is_empty() {
                match int(source, "lun") {
                    None => {
                        check.required(child("lun"), "lun is required if targetWWNs is specified")
                    }
                    Some(lun) if !(0..=255).contains(&lun) => {
                        check.invalid(child("lun"), lun, "must be between 0 and 255, inclusive");
                    }
                    Some(_) => {}
                }
            }
        }
        "gcePersistentDisk" | "awsElasticBlockStore" => {
            let id = if key == "gcePersistentDisk" {
                "pdName"
            } else {
                "volumeID"
            };
            require(check, &[id]);
            if let Some(partition) = int(source, "partition").filter(|p| !(0..=255).contains(p)) {
                check.invalid(
                    child("partition"),
                    partition,
                    "must be greater than or equal to 0 and less than or equal to 255",
                );
            }
        }
        "rbd" | "cephfs" => {
            if list(source, "monitors").is_empty() {
                check.required(child("monitors"), "");
            }
            if key == "rbd" {
                require(check, &["image"]);
            }
        }
        "cinder" => {
            require(check, &["volumeID"]);
            if let Some(reference) = field(source, "secretRef") {
                secret_reference(check, &child("secretRef"), reference, persistent);
            }
        }
        "glusterfs" => {
            require(check, &["endpoints", "path"]);
            if let Some(namespace) = field(source, "endpointsNamespace").and_then(Value::as_str) {
                if namespace.is_empty() {
                    check.invalid(
                        child("endpointsNamespace"),
                        namespace,
                        "if the endpointnamespace is set, it must be a valid namespace name",
                    );
                } else {
                    check.name(
                        &child("endpointsNamespace"),
                        namespace,
                        names::label(namespace),
                    );
                }
            }
        }
        "flocker" => {
            let name = text(source, "datasetName");
            let uuid = text(source, "datasetUUID");
            if name.is_empty() && uuid.is_empty() {
                check.required(path, "one of datasetName and datasetUUID is required");
            }
            if !name.is_empty() && !uuid.is_empty() {
                check.invalid(
                    path,
                    "resource",
                    "datasetName and datasetUUID can not be specified simultaneously",
                );
            }
            if name.contains('/') {
                check.invalid(child("datasetName"), name, "must not contain '/'");
            }
        }
        "flexVolume" => {
            require(check, &["driver"]);
            for (option, _) in entries(source, "options") {
                let Some((prefix, _)) = option.split_once('/') else {
                    continue;
                };
                let prefix = prefix.to_lowercase();
                if prefix.ends_with("kubernetes.io") || prefix.ends_with("k8s.io") {
                    check.invalid(
                        format!("{path}.options[{option}]"),
                        option,
                        "kubernetes.io and k8s.io namespaces are reserved",
                    );
                }
            }
        }
        "azureFile" => {
            require(check, &["secretName", "shareName"]);
            if persistent && field(source, "secretNamespace").and_then(Value::as_str) == Some("") {
                check.required(child("secretNamespace"), "");
            }
        }
        "azureDisk" => azure_disk(check, path, source),
        "vsphereVolume" => require(check, &["volumePath"]),
        "photonPersistentDisk" => require(check, &["pdID"]),
        "portworxVolume" => require(check, &["volumeID"]),
        "scaleIO" => require(check, &["gateway", "system", "volumeName"]),
        "storageos" => {
            let volume = text(source, "volumeName");
            if volume.is_empty() {
                check.required(child("volumeName"), "");
            } else {
                check.name(&child("volumeName"), volume, names::label(volume));
            }
            let namespace = text(source, "volumeNamespace");
            if !namespace.is_empty() {
                check.name(
                    &child("volumeNamespace"),
                    namespace,
                    names::label(namespace),
                );
            }
            if let Some(reference) = field(source, "secretRef") {
                secret_reference(check, &child("secretRef"), reference, persistent);
            }
        }
        "quobyte" => {
            let registry = text(source, "registry");
            if registry.is_empty() {
                check.required(
                    child("registry"),
                    "must be a host:port pair or multiple pairs separated by commas",
                );
            } else if text(source, "tenant").len() >= 65 {
                check.required(
                    child("tenant"),
                    "must be a UUID and may not exceed a length of 64 characters",
                );
            } else if registry.split(',').any(|pair| !is_host_port(pair)) {
                check.invalid(
                    child("registry"),
                    registry,
                    "must be a host:port pair or multiple pairs separated by commas",
                );
            }
            require(check, &["volume"]);
        }
        _ => {}
    }
}

fn backsteps(check: &mut Check, path: &str, value: &str) {
    if names::has_backsteps(value) {
        check.invalid(path, value, "must not contain '..'");
    }
}

/// A secret reference: its name, and in a PersistentVolume its namespace.
fn secret_reference(check: &mut Check, path: &str, reference: &Value, with_namespace: bool) {
    let name = text(reference, "name");
    if name.is_empty() {
        check.required(format!("{path}.name"), "");
    } else if with_namespace {
        check.name(&format!("{path}.name"), name, names::subdomain(name));
    }
    let namespace = text(reference, "namespace");
    if with_namespace && namespace.is_empty() {
        check.required(format!("{path}.namespace"), "");
    } else if with_namespace {
        check.name(
            &format!("{path}.namespace"),
            namespace,
            names::label(namespace),
        );
    }
}

/// `host:port` as Go's `net.SplitHostPort` accepts it.
fn is_host_port(pair: &str) -> bool {
    if let Some(rest) = pair.strip_prefix('[') {
        return rest
            .split_once(']')
            .is_some_and(|(_, port)| port.starts_with(':'));
    }
    pair.matches(':').count() == 1
}

fn iscsi(check: &mut Check, path: &str, source: &Value, context: Context) {
    let child = |name: &str| format!("{path}.{name}");
    let portal = text(source, "targetPortal");
    if portal.is_empty() {
        check.required(child("targetPortal"), "");
    }
    let initiator = field(source, "initiatorName").and_then(Value::as_str);
    const TOO_LONG: &str = "Total length of <volume name>:<iscsi.targetPortal> must be under 64 characters if iscsi.initiatorName is specified.";
    match (context, initiator) {
        (Context::Volume { name }, Some(_)) if name.len() + 1 + portal.len() > 64 => {
            check.invalid(child("targetportal"), portal, TOO_LONG);
        }
        (Context::Pod { volume }, Some(_)) if volume.len() + 1 + portal.len() > 64 => {
            let volume_path = path.strip_suffix(".iscsi").unwrap_or(path);
            check.invalid(format!("{volume_path}.name"), volume, TOO_LONG);
        }
        _ => {}
    }
    let iqn = text(source, "iqn");
    if iqn.is_empty() {
        check.required(child("iqn"), "");
    } else if let Some(problem) = initiator_problem(iqn) {
        check.invalid(child("iqn"), iqn, problem);
    }
    if let Some(lun) = int(source, "lun").filter(|l| !(0..=255).contains(l)) {
        check.invalid(child("lun"), lun, "must be between 0 and 255, inclusive");
    }
    let chap = |key| source.get(key).and_then(Value::as_bool) == Some(true);
    let secret = field(source, "secretRef");
    if (chap("chapAuthDiscovery") || chap("chapAuthSession")) && secret.is_none() {
        check.required(child("secretRef"), "");
    }
    if let (Context::Volume { .. }, Some(secret)) = (context, secret) {
        if text(secret, "name").is_empty() {
            check.required(child("secretRef.name"), "");
        }
    }
    if let Some(initiator) = initiator {
        if let Some(problem) = initiator_problem(initiator) {
            check.invalid(child("initiatorname"), initiator, problem);
        }
    }
}

/// Whether an iSCSI qualified name has one of the three formats (iqn, eui, naa).
fn initiator_problem(name: &str) -> Option<&'static str> {
    let alnum = |s: &str| s.bytes().all(|c| c.is_ascii_alphanumeric());
    let valid = if let Some(rest) = name.strip_prefix("iqn.") {
        // iqn.YYYY-MM.reversed.domain:identifier
        let b = rest.as_bytes();
        b.len() > 8
            && b[..4].iter().all(u8::is_ascii_digit)
            && b[4] == b'-'
            && b[5..7].iter().all(u8::is_ascii_digit)
            && b[7] == b'.'
            && rest[8..].split_once(':').is_some_and(|(domain, id)| {
                !domain.is_empty()
                    && domain
                        .bytes()
                        .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.')
                    && !id.is_empty()
                    && !id
                        .bytes()
                        .any(|c| b",;*&$|".contains(&c) || c.is_ascii_whitespace())
            })
    } else if name.starts_with("eui") {
        name.len() == 20 && alnum(&name[4..])
    } else if name.starts_with("naa") {
        name.len() == 36 && alnum(&name[4..])
    } else {
        return Some("must be valid format starting with iqn, eui, or naa");
    };
    (!valid).then_some("must be valid format")
}

fn azure_disk(check: &mut Check, path: &str, source: &Value) {
    const CACHING: &[&str] = &["None", "ReadOnly", "ReadWrite"];
    const KINDS: &[&str] = &["Dedicated", "Managed", "Shared"];
    const MANAGED_URI: &[&str] = &["/subscriptions/{sub-id}/resourcegroups/{group-name}/providers/microsoft.compute/disks/{disk-id}"];
    const BLOB_URI: &[&str] =
        &["https://{account-name}.blob.core.windows.net/{container-name}/{disk-name}.vhd"];
    let child = |name: &str| format!("{path}.{name}");
    for name in ["diskName", "diskURI"] {
        if text(source, name).is_empty() {
            check.required(child(name), "");
        }
    }
    if let Some(mode) = field(source, "cachingMode").and_then(Value::as_str) {
        if !CACHING.contains(&mode) {
            check.unsupported(child("cachingMode"), mode, CACHING);
        }
    }
    // Defaulting makes an unset kind Shared.
    let kind = field(source, "kind")
        .and_then(Value::as_str)
        .unwrap_or("Shared");
    if !KINDS.contains(&kind) {
        check.unsupported(child("kind"), kind, KINDS);
    }
    let uri = text(source, "diskURI");
    if kind == "Managed" && !uri.starts_with("/subscriptions/") {
        check.unsupported(child("diskURI"), uri, MANAGED_URI);
    }
    if kind != "Managed" && !uri.starts_with("https://") {
        check.unsupported(child("diskURI"), uri, BLOB_URI);
    }
}
