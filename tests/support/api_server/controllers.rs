//! What the cluster's controllers and admission do around the writes the tool makes, played
//! just enough for its tests: the PersistentVolumeClaim update rules and quota, the resizer and
//! the kubelet growing a claim, controllers recreating the pods they own, and the garbage
//! collector and StatefulSet controller around a StatefulSet deleted and created again.

use serde_json::{json, Value};

use super::{status, Key, State, RESOURCES};

/// How a claim's resize goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resizer {
    /// The backend resizes, then the kubelet grows the file system while the volume is in use.
    Online,
    /// The backend resizes; the file system grows only when a pod mounts the volume again.
    Offline,
    /// Every attempt of the backend fails with this message; the resizer keeps retrying.
    Fails(&'static str),
    /// The backend cannot give this size: the resizer gives up.
    Infeasible(&'static str),
}

/// A resize under way.
#[derive(Clone, Debug)]
pub struct Progress {
    step: u32,
    target: String,
    /// A pod that mounts the claim was started again since the volume was resized.
    remounted: bool,
}

fn resource_index(plural: &str) -> usize {
    RESOURCES
        .iter()
        .position(|r| r.plural == plural)
        .expect("a served resource")
}

fn is(key: &Key, plural: &str) -> bool {
    RESOURCES[key.0].plural == plural
}

fn storage_request(claim: &Value) -> Option<&str> {
    claim
        .pointer("/spec/resources/requests/storage")
        .and_then(Value::as_str)
}

/// Bytes of a quantity, for the sizes tests use (`10Gi`, `500M`, `1.5Gi`, `1073741824`).
pub(super) fn bytes(quantity: &str) -> Option<f64> {
    let split = quantity
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(quantity.len());
    let number: f64 = quantity[..split].parse().ok()?;
    let factor = match &quantity[split..] {
        "" => 1.0,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        _ => return None,
    };
    Some(number * factor)
}

fn quantity(bytes: f64) -> String {
    let gi = 1024f64.powi(3);
    if bytes % gi == 0.0 {
        format!("{}Gi", bytes / gi)
    } else {
        format!("{bytes}")
    }
}

/// Validation and admission of a claim's update, as the API server's: a request may not go
/// below status.capacity; it may grow only when the claim is bound and its class allows
/// expansion, and within the namespace's storage quotas.
pub(super) fn admit_update(
    state: &State,
    key: &Key,
    current: &Value,
    updated: &Value,
) -> Option<(u16, Value)> {
    if !is(key, "persistentvolumeclaims") {
        return None;
    }
    let (Some(old), Some(new)) = (storage_request(current), storage_request(updated)) else {
        return None;
    };
    let (old, new_bytes) = (bytes(old)?, bytes(new)?);
    let name = &key.2;
    if new_bytes < old {
        let capacity = current
            .pointer("/status/capacity/storage")
            .and_then(Value::as_str)
            .and_then(bytes)
            .unwrap_or(0.0);
        if new_bytes <= capacity {
            let message = format!("PersistentVolumeClaim \"{name}\" is invalid: spec.resources.requests.storage: Forbidden: field can not be less than status.capacity");
            return Some(status(422, "Invalid", &message, None));
        }
        return None;
    }
    if new_bytes == old {
        return None;
    }
    let forbidden = |why: &str| {
        let message = format!("persistentvolumeclaims \"{name}\" is forbidden: {why}");
        Some(status(403, "Forbidden", &message, None))
    };
    // Validation, before the resize admission: only a bound claim's request may change.
    if current.pointer("/status/phase").and_then(Value::as_str) != Some("Bound") {
        let message = format!("PersistentVolumeClaim \"{name}\" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims");
        return Some(status(422, "Invalid", &message, None));
    }
    let class = current
        .pointer("/spec/storageClassName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let allows = !class.is_empty()
        && state
            .objects
            .get(&(
                resource_index("storageclasses"),
                String::new(),
                class.to_owned(),
            ))
            .and_then(|c| c.get("allowVolumeExpansion"))
            .and_then(Value::as_bool)
            == Some(true);
    if !allows {
        return forbidden("only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize");
    }
    let delta = new_bytes - old;
    let quotas = resource_index("resourcequotas");
    let by_class = format!("{class}.storageclass.storage.k8s.io/requests.storage");
    for ((index, namespace, quota_name), quota) in &state.objects {
        if *index != quotas || *namespace != key.1 {
            continue;
        }
        for resource in ["requests.storage", by_class.as_str()] {
            let hard = quota
                .pointer(&format!("/spec/hard/{}", resource.replace('/', "~1")))
                .and_then(Value::as_str)
                .and_then(bytes);
            let used = quota
                .pointer(&format!("/status/used/{}", resource.replace('/', "~1")))
                .and_then(Value::as_str)
                .and_then(bytes)
                .unwrap_or(0.0);
            if let Some(hard) = hard.filter(|hard| used + delta > *hard) {
                return forbidden(&format!(
                    "exceeded quota: {quota_name}, requested: {resource}={}, used: {resource}={}, limited: {resource}={}",
                    quantity(delta),
                    quantity(used),
                    quantity(hard)
                ));
            }
        }
    }
    None
}

/// After a real update: a claim asking for more than it has starts a resize, when a resizer is
/// set for it; the quotas count the growth.
pub(super) fn after_update(state: &mut State, key: &Key, before: &Value) {
    if !is(key, "persistentvolumeclaims") {
        return;
    }
    let claim = &state.objects[key];
    let (Some(old), Some(new)) = (storage_request(before), storage_request(claim)) else {
        return;
    };
    let (Some(old_bytes), Some(new_bytes)) = (bytes(old), bytes(new)) else {
        return;
    };
    if new_bytes <= old_bytes {
        return;
    }
    let target = new.to_owned();
    let class = claim
        .pointer("/spec/storageClassName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    count_quota(state, &key.1, &class, new_bytes - old_bytes);
    let claim_id = (key.1.clone(), key.2.clone());
    if state.resizers.contains_key(&claim_id) {
        state.resizing.insert(
            claim_id,
            Progress {
                step: 0,
                target,
                remounted: false,
            },
        );
    }
}

fn count_quota(state: &mut State, namespace: &str, class: &str, delta: f64) {
    let quotas = resource_index("resourcequotas");
    let by_class = format!("{class}.storageclass.storage.k8s.io/requests.storage");
    let keys: Vec<Key> = state
        .objects
        .keys()
        .filter(|(index, ns, _)| *index == quotas && ns == namespace)
        .cloned()
        .collect();
    for key in keys {
        let mut quota = state.objects[&key].clone();
        for resource in ["requests.storage", by_class.as_str()] {
            let Some(used) = quota
                .get_mut("status")
                .and_then(|s| s.get_mut("used"))
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            if let Some(value) = used.get(resource).and_then(Value::as_str).and_then(bytes) {
                used.insert(resource.to_owned(), json!(quantity(value + delta)));
            }
        }
        state.update(&key, quota);
    }
}

/// A GET of a claim being resized moves its resize one step on.
pub(super) fn before_get(state: &mut State, key: &Key) {
    if !is(key, "persistentvolumeclaims") {
        return;
    }
    let claim_id = (key.1.clone(), key.2.clone());
    let (Some(progress), Some(resizer)) = (
        state.resizing.get(&claim_id).cloned(),
        state.resizers.get(&claim_id).copied(),
    ) else {
        return;
    };
    let Some(mut claim) = state.objects.get(key).cloned() else {
        return;
    };
    let target = progress.target.clone();
    let status = claim
        .as_object_mut()
        .expect("an object")
        .entry("status")
        .or_insert_with(|| json!({}));
    let mut events: Vec<(&str, String, bool)> = Vec::new();
    let mut next = Some(Progress {
        step: progress.step + 1,
        ..progress.clone()
    });
    match (progress.step, resizer) {
        (0, _) => {
            status["allocatedResources"] = json!({"storage": target});
            status["allocatedResourceStatuses"] = json!({"storage": "ControllerResizeInProgress"});
            status["conditions"] = json!([{"type": "Resizing", "status": "True", "lastTransitionTime": "2026-01-05T10:00:00Z"}]);
            events.push((
                "ExternalExpanding",
                "waiting for an external controller to expand this PVC".to_owned(),
                false,
            ));
        }
        (_, Resizer::Fails(message) | Resizer::Infeasible(message)) => {
            let failed = format!(
                "resize volume \"{}\" by resizer \"csi.test.io\" failed: {message}",
                key.2
            );
            if matches!(resizer, Resizer::Fails(_)) {
                status["conditions"] =
                    json!([{"type": "ControllerResizeError", "status": "True", "message": failed}]);
            } else {
                status["allocatedResourceStatuses"] =
                    json!({"storage": "ControllerResizeInfeasible"});
                status["conditions"] = json!([]);
            }
            events.push(("VolumeResizeFailed", failed, true));
            next = Some(progress.clone());
        }
        (1, _) => {
            status["allocatedResourceStatuses"] = json!({"storage": "NodeResizePending"});
            status["conditions"] = json!([{"type": "FileSystemResizePending", "status": "True", "message": "Waiting for user to (re-)start a pod to finish file system resize of volume on node."}]);
            events.push((
                "FileSystemResizeRequired",
                "Require file system resize of volume on node".to_owned(),
                false,
            ));
            resize_volume(state, &claim, &target);
        }
        (_, Resizer::Offline) if !progress.remounted => next = Some(progress.clone()),
        _ => {
            let status = claim["status"].as_object_mut().expect("a status");
            status.insert("capacity".into(), json!({"storage": target}));
            status.remove("allocatedResourceStatuses");
            status.remove("conditions");
            events.push((
                "FileSystemResizeSuccessful",
                format!(
                    "MountVolume.NodeExpandVolume succeeded for volume \"{}\"",
                    key.2
                ),
                false,
            ));
            next = None;
        }
    }
    let uid = claim
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let changed = state.objects.get(key) != Some(&claim);
    if changed {
        state.update(key, claim);
    }
    for (reason, message, warning) in events {
        event(state, &key.1, &key.2, &uid, reason, &message, warning);
    }
    match next {
        Some(progress) => state.resizing.insert(claim_id, progress),
        None => state.resizing.remove(&claim_id),
    };
}

/// Sets the capacity of the volume bound to the claim.
fn resize_volume(state: &mut State, claim: &Value, target: &str) {
    let Some(volume) = claim.pointer("/spec/volumeName").and_then(Value::as_str) else {
        return;
    };
    let key = (
        resource_index("persistentvolumes"),
        String::new(),
        volume.to_owned(),
    );
    if let Some(mut pv) = state.objects.get(&key).cloned() {
        pv["spec"]["capacity"] = json!({"storage": target});
        state.update(&key, pv);
    }
}

/// Records an event about a claim, as the resizer and the kubelet do.
fn event(
    state: &mut State,
    namespace: &str,
    claim: &str,
    uid: &str,
    reason: &str,
    message: &str,
    warning: bool,
) {
    state.events += 1;
    let n = state.events;
    let object = json!({
        "kind": "Event",
        "apiVersion": "v1",
        "metadata": {"name": format!("{claim}.{n:016x}"), "namespace": namespace},
        "involvedObject": {"kind": "PersistentVolumeClaim", "namespace": namespace, "name": claim, "uid": uid, "apiVersion": "v1"},
        "reason": reason,
        "message": message,
        "type": if warning { "Warning" } else { "Normal" },
        "count": 1,
        "firstTimestamp": format!("2026-01-05T10:{:02}:{:02}Z", (n / 60) % 60, n % 60),
        "lastTimestamp": format!("2026-01-05T10:{:02}:{:02}Z", (n / 60) % 60, n % 60),
        "source": {"component": if reason.starts_with("FileSystem") { "kubelet" } else { "external-resizer csi.test.io" }},
    });
    state.insert(resource_index("events"), object);
}

/// The claims a pod mounts.
fn claims_of(pod: &Value) -> Vec<String> {
    pod.pointer("/spec/volumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.pointer("/persistentVolumeClaim/claimName"))
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

fn controller_of(object: &Value) -> Option<&Value> {
    object
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)?
        .iter()
        .find(|o| o.get("controller").and_then(Value::as_bool) == Some(true))
}

/// After a delete: a pod owned by a ReplicaSet or StatefulSet comes back (with the same name
/// for a StatefulSet, a new one for a ReplicaSet) and mounts its claims again; a StatefulSet's
/// dependents are orphaned or deleted with it.
pub(super) fn after_delete(state: &mut State, key: &Key, object: &Value, orphan: bool) {
    if is(key, "pods") {
        let Some(owner) = controller_of(object).cloned() else {
            return;
        };
        let kind = owner
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !matches!(kind, "ReplicaSet" | "StatefulSet") {
            return;
        }
        let mut pod = object.clone();
        let meta = pod["metadata"].as_object_mut().expect("metadata");
        for field in ["uid", "resourceVersion", "creationTimestamp"] {
            meta.remove(field);
        }
        if kind == "ReplicaSet" {
            state.uids += 1;
            let owner_name = owner.get("name").and_then(Value::as_str).unwrap_or("pod");
            meta.insert(
                "name".into(),
                json!(format!("{owner_name}-r{:04x}", state.uids)),
            );
        }
        pod["status"] = json!({"phase": "Running"});
        for claim in claims_of(&pod) {
            if let Some(progress) = state.resizing.get_mut(&(key.1.clone(), claim)) {
                progress.remounted = true;
            }
        }
        state.insert(key.0, pod);
        return;
    }
    if is(key, "statefulsets") {
        let uid = object.pointer("/metadata/uid").cloned();
        let dependents: Vec<Key> = state
            .objects
            .iter()
            .filter(|((index, ns, _), _)| {
                *ns == key.1
                    && (*index == resource_index("pods")
                        || *index == resource_index("persistentvolumeclaims"))
            })
            .filter(|(_, o)| {
                o.pointer("/metadata/ownerReferences")
                    .and_then(Value::as_array)
                    .is_some_and(|refs| refs.iter().any(|r| r.get("uid") == uid.as_ref()))
            })
            .map(|(k, _)| k.clone())
            .collect();
        for dependent in dependents {
            if orphan {
                let mut o = state.objects[&dependent].clone();
                if let Some(refs) = o
                    .pointer_mut("/metadata/ownerReferences")
                    .and_then(Value::as_array_mut)
                {
                    refs.retain(|r| r.get("uid") != uid.as_ref());
                }
                state.update(&dependent, o);
            } else {
                state.objects.remove(&dependent);
            }
        }
    }
}

/// After a create: a StatefulSet adopts the pods its selector matches that no controller owns.
pub(super) fn after_create(state: &mut State, key: &Key) {
    if !is(key, "statefulsets") {
        return;
    }
    let set = state.objects[key].clone();
    let Some(labels) = set
        .pointer("/spec/selector/matchLabels")
        .and_then(Value::as_object)
        .cloned()
    else {
        return;
    };
    let owner = json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "name": key.2,
        "uid": set.pointer("/metadata/uid"),
        "controller": true,
        "blockOwnerDeletion": true,
    });
    let pods: Vec<Key> = state
        .objects
        .iter()
        .filter(|((index, ns, _), pod)| {
            *index == resource_index("pods")
                && *ns == key.1
                && controller_of(pod).is_none()
                && labels
                    .iter()
                    .all(|(k, v)| pod.pointer(&format!("/metadata/labels/{k}")) == Some(v))
        })
        .map(|(k, _)| k.clone())
        .collect();
    for pod_key in pods {
        let mut pod = state.objects[&pod_key].clone();
        let meta = pod["metadata"].as_object_mut().expect("metadata");
        let refs = meta.entry("ownerReferences").or_insert_with(|| json!([]));
        if let Some(refs) = refs.as_array_mut() {
            refs.push(owner.clone());
        }
        state.update(&pod_key, pod);
    }
}

/// The PV controller's sync, once over every volume: a volume whose claimRef names a claim
/// that exists (with the uid, when one is set) and that names the volume or none binds both;
/// a volume whose bound claim is gone is Released; one reserved for nobody is Available.
pub(super) fn sync_volumes(state: &mut State) {
    let volumes = resource_index("persistentvolumes");
    let claims = resource_index("persistentvolumeclaims");
    let keys: Vec<Key> = state
        .objects
        .keys()
        .filter(|(index, _, _)| *index == volumes)
        .cloned()
        .collect();
    for key in keys {
        let mut pv = state.objects[&key].clone();
        let phase = pv
            .pointer("/status/phase")
            .and_then(Value::as_str)
            .unwrap_or("Available")
            .to_owned();
        let Some(claim_ref) = pv.pointer("/spec/claimRef").cloned() else {
            if phase != "Available" {
                pv["status"] = json!({"phase": "Available"});
                state.update(&key, pv);
            }
            continue;
        };
        let field = |f: &str| {
            claim_ref
                .get(f)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let claim_key = (claims, field("namespace"), field("name"));
        let ref_uid = field("uid");
        let claim = state.objects.get(&claim_key).cloned();
        let claim_uid = claim
            .as_ref()
            .and_then(|c| c.pointer("/metadata/uid"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let matches = claim.is_some() && (ref_uid.is_empty() || ref_uid == claim_uid);
        let new_phase = match claim {
            Some(mut claim) if matches => {
                let named = claim
                    .pointer("/spec/volumeName")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                if !named.is_empty() && named != key.2 {
                    continue;
                }
                if claim.pointer("/status/phase").and_then(Value::as_str) != Some("Bound") {
                    claim["spec"]["volumeName"] = json!(key.2);
                    claim["status"] = json!({
                        "phase": "Bound",
                        "accessModes": pv.pointer("/spec/accessModes"),
                        "capacity": pv.pointer("/spec/capacity"),
                    });
                    if let Some(meta) = claim["metadata"].as_object_mut() {
                        let annotations = meta.entry("annotations").or_insert_with(|| json!({}));
                        annotations["pv.kubernetes.io/bind-completed"] = json!("yes");
                    }
                    state.update(&claim_key, claim);
                }
                pv["spec"]["claimRef"]["uid"] = json!(claim_uid);
                "Bound"
            }
            _ if !ref_uid.is_empty() => "Released",
            _ => "Available",
        };
        if phase != new_phase || pv != state.objects[&key] {
            pv["status"] = json!({"phase": new_phase});
            state.update(&key, pv);
        }
    }
}
