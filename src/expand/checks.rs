//! What must hold before a claim's request changes, checked the way the API server and the
//! resizers would judge it, and said in plain words: the claim is bound, the size is larger (or,
//! to recover from a failed resize, still above what the claim has), its class allows
//! expansion, its driver can resize, and the namespace's storage quotas have room.

use serde_json::Value;

use crate::drivers::{self, Expansion};
use crate::evidence::Evidence;
use crate::model::{Claim, Quantity, StorageClass, Volume};

/// The API's refusal to grow a claim whose class does not allow it (the
/// PersistentVolumeClaimResize admission plugin).
const RESIZE_FORBIDDEN: &str = "only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// Worth knowing; does not stop the change.
    Note,
    /// Stops the change.
    Refuse,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub verdict: Verdict,
    pub text: String,
    /// What to do about a refusal or a note.
    pub help: Option<String>,
}

impl Check {
    fn pass(text: impl Into<String>) -> Check {
        Check {
            verdict: Verdict::Pass,
            text: text.into(),
            help: None,
        }
    }

    fn note(text: impl Into<String>, help: Option<String>) -> Check {
        Check {
            verdict: Verdict::Note,
            text: text.into(),
            help,
        }
    }

    fn refuse(text: impl Into<String>, help: impl Into<String>) -> Check {
        Check {
            verdict: Verdict::Refuse,
            text: text.into(),
            help: Some(help.into()),
        }
    }
}

/// What to do once the checks pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Set the request (from what it was).
    Patch { from: Quantity },
    /// The claim already asks for the size and does not have it yet: follow the resize asked
    /// before.
    Follow,
    /// The claim already has the size.
    Nothing,
}

#[derive(Debug)]
pub struct Preflight {
    pub checks: Vec<Check>,
    /// `None` when a check refuses.
    pub action: Option<Action>,
}

/// A namespace's ResourceQuota, as far as storage goes.
#[derive(Clone, Debug)]
pub struct Quota {
    pub name: String,
    /// `requests.storage` and `<class>.storageclass.storage.k8s.io/requests.storage` limits,
    /// with what is used of each.
    pub limits: Vec<(String, Quantity, Quantity)>,
}

impl Quota {
    /// The storage limits of a ResourceQuota object; a limit that does not parse is skipped.
    pub fn from_json(object: &Value) -> Quota {
        let name = object
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let quantity = |value: Option<&Value>| {
            value
                .and_then(Value::as_str)
                .and_then(|q| Quantity::parse(q).ok())
        };
        let limits = object
            .pointer("/spec/hard")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter(|(resource, _)| resource.ends_with("requests.storage"))
            .filter_map(|(resource, hard)| {
                let hard = quantity(Some(hard))?;
                let used = quantity(object.pointer("/status/used").and_then(|u| u.get(resource)))
                    .unwrap_or_else(Quantity::zero);
                Some((resource.clone(), hard, used))
            })
            .collect();
        Quota { name, limits }
    }
}

impl Quota {
    /// Counts a claim's growth, so that the next claim of the same change is judged with it.
    pub fn count(&mut self, class: &str, growth: &Quantity) {
        let by_class = format!("{class}.storageclass.storage.k8s.io/requests.storage");
        for (resource, _, used) in &mut self.limits {
            if resource == "requests.storage" || *resource == by_class {
                *used = Quantity::from_nanos(used.nanos() + growth.nanos());
            }
        }
    }
}

/// What the checks look at.
pub struct Facts<'a> {
    pub claim: &'a Claim,
    /// The volume the claim is bound to, when it could be read.
    pub volume: Option<&'a Volume>,
    /// The claim's StorageClass; `None` when it does not exist.
    pub class: Option<&'a StorageClass>,
    /// The CSI drivers the cluster shows.
    pub evidence: &'a Evidence,
    /// The namespace's quotas; `None` when they could not be read.
    pub quotas: Option<&'a [Quota]>,
    /// Running pods that use the claim.
    pub pods: &'a [String],
}

pub fn preflight(facts: &Facts, to: &Quantity) -> Preflight {
    let claim = facts.claim;
    let mut checks = Vec::new();
    let refused = |checks: Vec<Check>| Preflight {
        checks,
        action: None,
    };
    let Some(Ok(request)) = &claim.request else {
        checks.push(Check::refuse(
            "the claim has no valid spec.resources.requests.storage",
            "give the claim a storage request",
        ));
        return refused(checks);
    };
    let capacity = match &claim.status_capacity {
        Some(Ok(capacity)) => Some(capacity.clone()),
        _ => facts.volume.and_then(|v| v.capacity.clone()?.ok()),
    };
    let phase = claim.status.phase.as_deref().unwrap_or("Pending");
    if phase != "Bound" {
        checks.push(Check::refuse(
            format!("the claim is {phase}: only a bound claim's request can change"),
            "an unbound claim holds no data yet: delete it and create it again with the new size",
        ));
        return refused(checks);
    }
    let volume = claim.volume_name.as_deref().unwrap_or("?");
    let has = capacity
        .as_ref()
        .map_or_else(|| "an unknown size".to_owned(), Quantity::humanize);
    checks.push(Check::pass(format!(
        "bound to volume {volume}, which has {has}"
    )));
    let capacity = capacity.unwrap_or_else(Quantity::zero);
    if to == request {
        if capacity >= *to {
            checks.push(Check::pass(format!("it already has {}", to.humanize())));
            return Preflight {
                checks,
                action: Some(Action::Nothing),
            };
        }
        checks.push(Check::note(
            format!(
                "it already asks for {}: the resize asked before is not finished",
                to.humanize()
            ),
            None,
        ));
        return Preflight {
            checks,
            action: Some(Action::Follow),
        };
    }
    if to < request {
        if *to <= capacity {
            checks.push(Check::refuse(
                format!(
                    "{} is not more than the {} the claim has: Kubernetes never shrinks a volume, and the API rejects the request (\"field can not be less than status.capacity\")",
                    to.humanize(),
                    capacity.humanize()
                ),
                "to use less space, copy the data to a new, smaller claim",
            ));
            return refused(checks);
        }
        // RecoverVolumeExpansionFailure (on by default since Kubernetes 1.32, GA in 1.34).
        checks.push(Check::note(
            format!(
                "lowers the request from {} to {}, still above the {} it has: allowed to recover from a resize that failed (Kubernetes 1.32 and later)",
                request.humanize(),
                to.humanize(),
                capacity.humanize()
            ),
            None,
        ));
        return Preflight {
            checks,
            action: Some(Action::Patch {
                from: request.clone(),
            }),
        };
    }
    checks.push(Check::pass(format!(
        "grows the request from {} to {}",
        request.humanize(),
        to.humanize()
    )));
    let mut ok = class_check(facts, &mut checks);
    ok &= driver_check(facts, &mut checks);
    ok &= quota_check(facts, request, to, &mut checks);
    Preflight {
        checks,
        action: ok.then(|| Action::Patch {
            from: request.clone(),
        }),
    }
}

fn class_check(facts: &Facts, checks: &mut Vec<Check>) -> bool {
    // Admission reads the class written on the claim, not a default.
    let name = facts.claim.written_class();
    if name.is_empty() {
        checks.push(Check::refuse(
            format!("the claim names no StorageClass, and only provisioned claims can grow (\"{RESIZE_FORBIDDEN}\")"),
            "to get more space, copy the data to a new, larger claim",
        ));
        return false;
    }
    match facts.class {
        None => {
            checks.push(Check::refuse(
                format!("StorageClass {name:?} does not exist, so the API refuses the resize (\"{RESIZE_FORBIDDEN}\")"),
                format!("create StorageClass {name:?} with allowVolumeExpansion: true, or copy the data to a new, larger claim"),
            ));
            false
        }
        Some(class) if !class.allow_expansion => {
            checks.push(Check::refuse(
                format!("StorageClass {name:?} does not set allowVolumeExpansion: true, so the API refuses the resize (\"{RESIZE_FORBIDDEN}\")"),
                format!("if provisioner {} can resize volumes, set allowVolumeExpansion: true on the class (a cluster admin's change, allowed on an existing class): kubectl patch storageclass {name} -p '{{\"allowVolumeExpansion\": true}}'", class.provisioner),
            ));
            false
        }
        Some(_) => {
            checks.push(Check::pass(format!(
                "StorageClass {name:?} allows expansion"
            )));
            true
        }
    }
}

fn driver_check(facts: &Facts, checks: &mut Vec<Check>) -> bool {
    let provisioner = facts.class.map(|c| c.provisioner.as_str()).unwrap_or("");
    // The bound volume's own driver resizes it, whatever provisioner its class names (a
    // volume made by hand may be of another driver); the class says only when there is none.
    let driver = match facts.volume {
        Some(v) => drivers::for_plugin(&v.plugin),
        None => drivers::lookup(provisioner),
    };
    let name = facts
        .volume
        .map(|v| v.plugin.name().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| provisioner.to_owned());
    if let Some(false) = facts.evidence.driver_installed(&name) {
        if drivers::provisioner_is_csi(&name) {
            checks.push(Check::note(
                format!("CSI driver {name} is not registered in the cluster (no CSIDriver object, no node runs it): nothing resizes the volume until it is"),
                Some(format!("install driver {name}, with its resizer")),
            ));
        }
    }
    let Some(driver) = driver else {
        checks.push(Check::note(
            format!("whether {name} resizes volumes is not known (it is not in the driver catalogue): if it cannot, the request waits unmet"),
            None,
        ));
        return true;
    };
    match driver.expansion {
        Expansion::None => {
            checks.push(Check::refuse(
                format!(
                    "{} cannot resize volumes: the request would never be met",
                    driver.name
                ),
                "to get more space, copy the data to a new, larger claim",
            ));
            false
        }
        Expansion::Offline if !facts.pods.is_empty() => {
            checks.push(Check::note(
                format!(
                    "{} resizes volumes only while no pod uses them, and pod {} uses this one",
                    driver.name,
                    facts.pods.join(", pod ")
                ),
                Some("the volume grows once the pods stop using it: scale the workload down, or restart the pods when the resize waits for them (--restart-pods)".to_owned()),
            ));
            true
        }
        Expansion::Offline => {
            checks.push(Check::pass(format!(
                "{} resizes volumes while no pod uses them, and none uses this one",
                driver.name
            )));
            true
        }
        Expansion::Online => {
            checks.push(Check::pass(format!(
                "{} resizes volumes in use",
                driver.name
            )));
            true
        }
        Expansion::Unknown => {
            checks.push(Check::note(
                format!("whether {} resizes volumes depends on its version and settings: if it cannot, the request waits unmet", driver.name),
                None,
            ));
            true
        }
    }
}

fn quota_check(facts: &Facts, request: &Quantity, to: &Quantity, checks: &mut Vec<Check>) -> bool {
    let Some(quotas) = facts.quotas else {
        checks.push(Check::note(
            "the namespace's ResourceQuotas could not be read; the server's dry run checks them",
            None,
        ));
        return true;
    };
    let growth = Quantity::from_nanos(to.nanos() - request.nanos());
    let by_class = format!(
        "{}.storageclass.storage.k8s.io/requests.storage",
        facts.claim.written_class()
    );
    let mut ok = true;
    for quota in quotas {
        for (resource, hard, used) in &quota.limits {
            if resource != "requests.storage" && *resource != by_class {
                continue;
            }
            let after = Quantity::from_nanos(used.nanos() + growth.nanos());
            if after > *hard {
                ok = false;
                checks.push(Check::refuse(
                    format!(
                        "ResourceQuota {}: {resource} would be {} of the {} allowed ({} used now, {} more asked)",
                        quota.name,
                        after.humanize(),
                        hard.humanize(),
                        used.humanize(),
                        growth.humanize()
                    ),
                    format!("free space in the namespace, or ask for the quota {} to be raised", quota.name),
                ));
            } else {
                checks.push(Check::pass(format!(
                    "ResourceQuota {}: {resource} will be {} of the {} allowed",
                    quota.name,
                    after.humanize(),
                    hard.humanize()
                )));
            }
        }
    }
    ok
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::load::{LoadOptions, Loader};

    fn loaded(objects: Vec<Value>) -> crate::load::Loaded {
        let mut loader = Loader::new(&LoadOptions::default());
        for object in objects {
            loader.add_value(object);
        }
        loader.finish()
    }

    fn claim(request: &str, capacity: &str, phase: &str, class: &str) -> Value {
        json!({
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data", "namespace": "shop"},
            "spec": {"storageClassName": class, "volumeName": "pv-1", "accessModes": ["ReadWriteOnce"],
                     "resources": {"requests": {"storage": request}}},
            "status": {"phase": phase, "capacity": {"storage": capacity}},
        })
    }

    fn class(name: &str, provisioner: &str, expand: bool) -> Value {
        json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": name},
               "provisioner": provisioner, "allowVolumeExpansion": expand})
    }

    fn run(objects: Vec<Value>, quotas: Option<&[Quota]>, pods: &[String], to: &str) -> Preflight {
        let loaded = loaded(objects);
        let snapshot = &loaded.snapshot;
        let claim = &snapshot.claims[0];
        let evidence = Evidence::default();
        let facts = Facts {
            claim,
            volume: snapshot.volumes.first(),
            class: snapshot
                .classes
                .iter()
                .find(|c| c.meta.name == claim.written_class()),
            evidence: &evidence,
            quotas,
            pods,
        };
        preflight(&facts, &Quantity::parse(to).unwrap())
    }

    fn refusals(preflight: &Preflight) -> Vec<&str> {
        preflight
            .checks
            .iter()
            .filter(|c| c.verdict == Verdict::Refuse)
            .map(|c| c.text.as_str())
            .collect()
    }

    #[test]
    fn growth_of_a_bound_claim_in_an_expandable_class() {
        let p = run(
            vec![
                claim("10Gi", "10Gi", "Bound", "fast"),
                class("fast", "ebs.csi.aws.com", true),
            ],
            Some(&[]),
            &[],
            "50Gi",
        );
        assert_eq!(
            p.action,
            Some(Action::Patch {
                from: Quantity::parse("10Gi").unwrap()
            })
        );
        assert!(refusals(&p).is_empty(), "{:?}", p.checks);
    }

    #[test]
    fn refusals_in_plain_words() {
        let pending = run(
            vec![
                claim("10Gi", "10Gi", "Pending", "fast"),
                class("fast", "ebs.csi.aws.com", true),
            ],
            Some(&[]),
            &[],
            "50Gi",
        );
        assert!(refusals(&pending)[0].contains("the claim is Pending"));
        let fixed = run(
            vec![
                claim("10Gi", "10Gi", "Bound", "slow"),
                class("slow", "ebs.csi.aws.com", false),
            ],
            Some(&[]),
            &[],
            "50Gi",
        );
        assert!(refusals(&fixed)[0].contains("does not set allowVolumeExpansion: true"));
        let missing = run(
            vec![claim("10Gi", "10Gi", "Bound", "gone")],
            Some(&[]),
            &[],
            "50Gi",
        );
        assert!(refusals(&missing)[0].contains("does not exist"));
        let shrink = run(
            vec![
                claim("10Gi", "10Gi", "Bound", "fast"),
                class("fast", "ebs.csi.aws.com", true),
            ],
            Some(&[]),
            &[],
            "5Gi",
        );
        assert!(refusals(&shrink)[0].contains("Kubernetes never shrinks a volume"));
        let efs = run(
            vec![
                claim("10Gi", "10Gi", "Bound", "efs"),
                class("efs", "efs.csi.aws.com", true),
            ],
            Some(&[]),
            &[],
            "50Gi",
        );
        assert!(
            refusals(&efs)[0].contains("cannot resize volumes"),
            "{:?}",
            efs.checks
        );
    }

    #[test]
    fn recovering_from_a_failed_resize_lowers_the_request_above_capacity() {
        let p = run(
            vec![
                claim("100Gi", "10Gi", "Bound", "fast"),
                class("fast", "ebs.csi.aws.com", true),
            ],
            Some(&[]),
            &[],
            "20Gi",
        );
        assert!(matches!(p.action, Some(Action::Patch { .. })));
        assert_eq!(p.checks.last().unwrap().verdict, Verdict::Note);
    }

    #[test]
    fn the_same_size_again_follows_or_does_nothing() {
        let objects = |capacity| {
            vec![
                claim("50Gi", capacity, "Bound", "fast"),
                class("fast", "ebs.csi.aws.com", true),
            ]
        };
        assert_eq!(
            run(objects("10Gi"), Some(&[]), &[], "50Gi").action,
            Some(Action::Follow)
        );
        assert_eq!(
            run(objects("50Gi"), Some(&[]), &[], "50Gi").action,
            Some(Action::Nothing)
        );
    }

    #[test]
    fn quotas_count_the_growth() {
        let quota = Quota::from_json(&json!({
            "metadata": {"name": "storage"},
            "spec": {"hard": {"requests.storage": "100Gi", "fast.storageclass.storage.k8s.io/requests.storage": "40Gi", "pods": "10"}},
            "status": {"used": {"requests.storage": "30Gi", "fast.storageclass.storage.k8s.io/requests.storage": "10Gi"}},
        }));
        assert_eq!(quota.limits.len(), 2);
        let objects = || {
            vec![
                claim("10Gi", "10Gi", "Bound", "fast"),
                class("fast", "ebs.csi.aws.com", true),
            ]
        };
        let fits = run(objects(), Some(std::slice::from_ref(&quota)), &[], "40Gi");
        assert!(refusals(&fits).is_empty(), "{:?}", fits.checks);
        let over = run(objects(), Some(std::slice::from_ref(&quota)), &[], "50Gi");
        assert_eq!(
            refusals(&over),
            ["ResourceQuota storage: fast.storageclass.storage.k8s.io/requests.storage would be 50Gi of the 40Gi allowed (10Gi used now, 40Gi more asked)"]
        );
    }
}
