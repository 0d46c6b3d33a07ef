//! Rebinding a volume whose claim is gone to a claim of one's choice: the steps from where the
//! volume and the claim stand now, so that running it again after a failure goes on where it
//! stopped. Retain comes first (nothing may delete the data while it changes hands), then the
//! volume's claimRef points at the claim, then the claim names the volume (created when it does
//! not exist), then both are Bound, and with `--restore-reclaim-policy` the old policy is put
//! back. The claim is judged as the PV controller judges a claim that names its volume.

use serde_json::{json, Value};

use crate::binding::filters::{check_requested_volume, ClaimQuery};
use crate::load::{LoadOptions, Loader};
use crate::model::ClaimRef;

/// Where the policy a rebind replaced is kept, on the volume, until it is put back.
pub const POLICY_ANNOTATION: &str = "kubectl-storage.io/reclaim-policy-before-rebind";

/// One change of the rebind.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Set the reclaim policy to Retain, noting the old one.
    Retain { from: String },
    /// Point the volume's claimRef at the claim: its uid when it exists, none otherwise (the
    /// old claim's uid is what keeps a Released volume from binding again).
    PointClaimRef { uid: Option<String> },
    /// Create the claim, naming the volume.
    CreateClaim(Value),
    /// Name the volume in an unbound claim (`spec.volumeName` may go from empty to set).
    NameVolume,
    /// Wait until the PV controller has bound both.
    WaitBound,
    /// Put the reclaim policy back.
    RestorePolicy { to: String },
}

/// What the rebind starts from.
pub struct Situation<'a> {
    pub volume: &'a Value,
    /// The claim the volume's claimRef names, as it exists now (`None`: deleted).
    pub referenced: Option<&'a Value>,
    pub namespace: &'a str,
    pub name: &'a str,
    /// The claim to bind, as it exists now.
    pub target: Option<&'a Value>,
    pub restore_policy: bool,
}

/// The steps left, or why the rebind must not happen.
pub fn plan(s: &Situation) -> Result<Vec<Step>, String> {
    let volume_name = text(s.volume, "/metadata/name");
    let target_name = format!("{}/{}", s.namespace, s.name);
    if s.volume.pointer("/metadata/deletionTimestamp").is_some() {
        return Err(format!(
            "volume {volume_name} is being deleted: its data cannot be saved by rebinding"
        ));
    }
    let claim_ref = claim_ref(s.volume);
    let points_at_target = claim_ref
        .as_ref()
        .is_some_and(|r| r.namespace == s.namespace && r.name == s.name);
    let target_uid = s.target.map(|t| text(t, "/metadata/uid").to_owned());
    // Bound to a claim that still exists: another claim's data.
    if let (Some(r), Some(claim)) = (&claim_ref, s.referenced) {
        let uid = text(claim, "/metadata/uid");
        let same = r.uid.as_deref().is_none_or(|u| u == uid);
        if same && !points_at_target {
            let how = if r.uid.is_some() {
                "bound to"
            } else {
                "reserved for"
            };
            return Err(format!(
                "volume {volume_name} is {how} claim {}/{}, which exists: rebinding it would take the data from that claim (delete the claim first if that is what you want)",
                r.namespace, r.name
            ));
        }
    }
    let bound_to_target = s.target.is_some_and(|t| {
        text(t, "/spec/volumeName") == volume_name
            && t.pointer("/status/phase").and_then(Value::as_str) == Some("Bound")
    });
    let noted = s
        .volume
        .pointer(&format!(
            "/metadata/annotations/{}",
            POLICY_ANNOTATION.replace('/', "~1")
        ))
        .and_then(Value::as_str)
        .map(str::to_owned);
    if bound_to_target {
        // Done; only the policy may be left to put back.
        return Ok(match noted {
            Some(to) if s.restore_policy => vec![Step::RestorePolicy { to }],
            _ => Vec::new(),
        });
    }
    let mut steps = Vec::new();
    let policy = s
        .volume
        .pointer("/spec/persistentVolumeReclaimPolicy")
        .and_then(Value::as_str)
        .unwrap_or("Retain");
    if policy != "Retain" {
        steps.push(Step::Retain {
            from: policy.to_owned(),
        });
    }
    if let Some(target) = s.target {
        let asked = text(target, "/spec/volumeName");
        if !asked.is_empty() && asked != volume_name {
            let how = if target.pointer("/status/phase").and_then(Value::as_str) == Some("Bound") {
                "is bound to"
            } else {
                "asks for"
            };
            return Err(format!(
                "claim {target_name} {how} volume {asked}: pick a claim that is not bound, or a new name (the claim is then created). If a controller made the claim again (a StatefulSet does), stop what uses it (scale the StatefulSet down), delete the claim (volume {asked} then goes by its reclaim policy) and run this again: the claim is created naming volume {volume_name}"
            ));
        }
        satisfies(s.volume, target).map_err(|why| {
            format!("volume {volume_name} cannot serve claim {target_name}: its {why}")
        })?;
    }
    let ref_has_target_uid = claim_ref
        .as_ref()
        .is_some_and(|r| points_at_target && r.uid == target_uid);
    if !ref_has_target_uid {
        steps.push(Step::PointClaimRef {
            uid: target_uid.clone(),
        });
    }
    match s.target {
        None => steps.push(Step::CreateClaim(new_claim(s.volume, s.namespace, s.name))),
        Some(target) if text(target, "/spec/volumeName").is_empty() => steps.push(Step::NameVolume),
        Some(_) => {}
    }
    steps.push(Step::WaitBound);
    if s.restore_policy {
        let before = steps.iter().find_map(|step| match step {
            Step::Retain { from } => Some(from.clone()),
            _ => None,
        });
        if let Some(to) = before.or(noted) {
            steps.push(Step::RestorePolicy { to });
        }
    }
    Ok(steps)
}

impl Step {
    /// The merge patch of the volume this step makes, guarded by its resourceVersion.
    pub fn volume_patch(&self, volume: &Value, namespace: &str, name: &str) -> Option<Value> {
        let rv = text(volume, "/metadata/resourceVersion");
        match self {
            Step::Retain { from } => Some(json!({
                "metadata": {"resourceVersion": rv, "annotations": {POLICY_ANNOTATION: from}},
                "spec": {"persistentVolumeReclaimPolicy": "Retain"},
            })),
            Step::PointClaimRef { uid } => Some(json!({
                "metadata": {"resourceVersion": rv},
                "spec": {"claimRef": {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "namespace": namespace,
                    "name": name,
                    "uid": uid,
                    "resourceVersion": null,
                }},
            })),
            Step::RestorePolicy { to } => Some(json!({
                "metadata": {"resourceVersion": rv, "annotations": {POLICY_ANNOTATION: null}},
                "spec": {"persistentVolumeReclaimPolicy": to},
            })),
            Step::CreateClaim(_) | Step::NameVolume | Step::WaitBound => None,
        }
    }

    /// The merge patch of the claim this step makes.
    pub fn claim_patch(&self, claim: &Value, volume: &str) -> Option<Value> {
        match self {
            Step::NameVolume => Some(json!({
                "metadata": {"resourceVersion": text(claim, "/metadata/resourceVersion")},
                "spec": {"volumeName": volume},
            })),
            _ => None,
        }
    }
}

/// Whether the volume and the claim are bound to each other.
pub fn bound(volume: &Value, claim: &Value) -> bool {
    text(volume, "/status/phase") == "Bound"
        && text(volume, "/spec/claimRef/uid") == text(claim, "/metadata/uid")
        && text(claim, "/status/phase") == "Bound"
        && text(claim, "/spec/volumeName") == text(volume, "/metadata/name")
}

/// The claim the volume's claimRef names.
pub fn claim_ref(volume: &Value) -> Option<ClaimRef> {
    let r = volume.pointer("/spec/claimRef")?;
    Some(ClaimRef {
        namespace: text(r, "/namespace").to_owned(),
        name: text(r, "/name").to_owned(),
        uid: Some(text(r, "/uid").to_owned()).filter(|u| !u.is_empty()),
    })
}

/// Whether the volume serves the claim, as the PV controller checks a claim that names its
/// volume.
fn satisfies(volume: &Value, claim: &Value) -> Result<(), String> {
    let mut loader = Loader::new(&LoadOptions::default());
    loader.add_value(volume.clone());
    loader.add_value(claim.clone());
    let loaded = loader.finish();
    let snapshot = &loaded.snapshot;
    let (Some(model), Some(volume)) = (snapshot.claims.first(), snapshot.volumes.first()) else {
        return Err("objects could not be read".to_owned());
    };
    let query = ClaimQuery::new(snapshot, 0, model.written_class());
    check_requested_volume(&query, volume).map_err(|rejection| rejection.to_string())
}

/// A claim for the volume: its access modes, size, class (none written as "", so that no
/// default class is filled in), volume mode and attributes class, naming it.
fn new_claim(volume: &Value, namespace: &str, name: &str) -> Value {
    let spec = |field: &str| volume.pointer(&format!("/spec/{field}")).cloned();
    let mut claim_spec = json!({
        "accessModes": spec("accessModes").unwrap_or_else(|| json!(["ReadWriteOnce"])),
        "resources": {"requests": {"storage": spec("capacity/storage").unwrap_or_else(|| json!("1Gi"))}},
        "storageClassName": spec("storageClassName").unwrap_or_else(|| json!("")),
        "volumeMode": spec("volumeMode").unwrap_or_else(|| json!("Filesystem")),
        "volumeName": text(volume, "/metadata/name"),
    });
    if let Some(class) = spec("volumeAttributesClassName") {
        claim_spec["volumeAttributesClassName"] = class;
    }
    json!({
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": namespace},
        "spec": claim_spec,
    })
}

fn text<'a>(object: &'a Value, pointer: &str) -> &'a str {
    object
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn volume(policy: &str, claim_ref: Option<Value>) -> Value {
        let mut v = json!({
            "apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": "pv-1", "uid": "pv-uid"},
            "spec": {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "50Gi"},
                     "storageClassName": "gp3", "persistentVolumeReclaimPolicy": policy,
                     "csi": {"driver": "ebs.csi.aws.com", "volumeHandle": "vol-1"}},
            "status": {"phase": "Released"},
        });
        if let Some(r) = claim_ref {
            v["spec"]["claimRef"] = r;
        }
        v
    }

    fn claim(
        name: &str,
        uid: &str,
        request: &str,
        volume_name: Option<&str>,
        phase: &str,
    ) -> Value {
        let mut c = json!({
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": "shop", "uid": uid},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "gp3",
                     "resources": {"requests": {"storage": request}}},
            "status": {"phase": phase},
        });
        if let Some(v) = volume_name {
            c["spec"]["volumeName"] = json!(v);
        }
        c
    }

    fn old_ref() -> Option<Value> {
        Some(json!({"namespace": "shop", "name": "data", "uid": "old-uid"}))
    }

    fn situation<'a>(
        volume: &'a Value,
        referenced: Option<&'a Value>,
        target: Option<&'a Value>,
        restore: bool,
    ) -> Situation<'a> {
        Situation {
            volume,
            referenced,
            namespace: "shop",
            name: "data",
            target,
            restore_policy: restore,
        }
    }

    #[test]
    fn a_released_volume_to_a_new_claim() {
        let v = volume("Delete", old_ref());
        let steps = plan(&situation(&v, None, None, true)).unwrap();
        assert_eq!(
            steps[0],
            Step::Retain {
                from: "Delete".into()
            }
        );
        assert_eq!(steps[1], Step::PointClaimRef { uid: None });
        let Step::CreateClaim(created) = &steps[2] else {
            panic!("{steps:?}")
        };
        assert_eq!(created["spec"]["volumeName"], "pv-1");
        assert_eq!(created["spec"]["resources"]["requests"]["storage"], "50Gi");
        assert_eq!(created["spec"]["storageClassName"], "gp3");
        assert_eq!(steps[3], Step::WaitBound);
        assert_eq!(
            steps[4],
            Step::RestorePolicy {
                to: "Delete".into()
            }
        );
    }

    #[test]
    fn an_existing_unbound_claim_is_named_with_its_uid() {
        let v = volume("Retain", old_ref());
        let target = claim("data", "new-uid", "20Gi", None, "Pending");
        let steps = plan(&situation(&v, Some(&target), Some(&target), false)).unwrap();
        assert_eq!(
            steps,
            [
                Step::PointClaimRef {
                    uid: Some("new-uid".into())
                },
                Step::NameVolume,
                Step::WaitBound
            ]
        );
    }

    #[test]
    fn refusals() {
        // The claim the volume is bound to still exists.
        let v = volume(
            "Retain",
            Some(json!({"namespace": "shop", "name": "live", "uid": "live-uid"})),
        );
        let live = claim("live", "live-uid", "10Gi", Some("pv-1"), "Bound");
        let err = plan(&situation(&v, Some(&live), None, false)).unwrap_err();
        assert!(
            err.contains("is bound to claim shop/live, which exists"),
            "{err}"
        );
        // A claim of the same name made again (another uid) does not hold the volume.
        let again = claim("live", "other-uid", "10Gi", None, "Pending");
        assert!(plan(&situation(&v, Some(&again), None, false)).is_ok());
        // The target is bound elsewhere, or too big.
        let v = volume("Retain", old_ref());
        let elsewhere = claim("data", "u", "10Gi", Some("pv-9"), "Bound");
        let err = plan(&situation(&v, None, Some(&elsewhere), false)).unwrap_err();
        assert!(
            err.contains("claim shop/data is bound to volume pv-9"),
            "{err}"
        );
        let big = claim("data", "u", "100Gi", None, "Pending");
        let err = plan(&situation(&v, None, Some(&big), false)).unwrap_err();
        assert_eq!(err, "volume pv-1 cannot serve claim shop/data: its capacity 50Gi is less than the requested 100Gi");
    }

    #[test]
    fn done_steps_are_not_repeated() {
        let mut v = volume(
            "Retain",
            Some(json!({"namespace": "shop", "name": "data", "uid": "new-uid"})),
        );
        v["metadata"]["annotations"] = json!({POLICY_ANNOTATION: "Delete"});
        let bound = claim("data", "new-uid", "50Gi", Some("pv-1"), "Bound");
        assert_eq!(
            plan(&situation(&v, Some(&bound), Some(&bound), false)).unwrap(),
            []
        );
        assert_eq!(
            plan(&situation(&v, Some(&bound), Some(&bound), true)).unwrap(),
            [Step::RestorePolicy {
                to: "Delete".into()
            }]
        );
    }
}
