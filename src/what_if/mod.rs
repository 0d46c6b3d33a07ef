//! What deleting one object would do to data: `kubectl storage what-if delete TARGET`. For every
//! claim the deletion reaches, whether the claim goes, and whether its volume's data is deleted,
//! kept on a Released volume, scrubbed, left untouched or unknown, with the chain of reasons.
//!
//! Built on the deletion plan, which already knows what deleting each claim does to its data;
//! this module decides which claims a deletion reaches:
//! - a namespace: every claim in it (the namespace controller deletes them all; helm's `keep`
//!   only stops helm);
//! - a StatefulSet: the claims it owns, by `whenDeleted: Delete` or by an owner reference the
//!   controller set on the claim (the garbage collector deletes them); the others stay;
//! - a pod: no claim it uses, only the claims it owns (generic ephemeral volumes, claims of a
//!   removed StatefulSet pod under `whenScaled: Delete`);
//! - a claim: itself.
//!
//! A deleted claim still used by a pod that the deletion leaves running stays Terminating
//! (`kubernetes.io/pvc-protection`) until that pod is gone.
//!
//! The prediction reads only the snapshot, so it works the same whether the snapshot came from
//! manifests, a dump or a live cluster.

pub mod report;

use crate::model::object::{kind_named, split_type_and_name};
use std::fmt;

use crate::binding::BindingPlan;
use crate::deletion::{DataFate, DeletionPlan};
use crate::model::{Meta, ObjectKey, Quantity, Snapshot, WorkloadKind};

/// The object whose deletion is predicted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Namespace(String),
    Claim { namespace: String, name: String },
    StatefulSet { namespace: String, name: String },
    Pod { namespace: String, name: String },
}

/// The accepted target forms, for usage errors.
pub const TARGET_FORMS: &str = "namespace/NAME (or ns/NAME), pvc/NAME (persistentvolumeclaim/NAME), statefulset/NAME (sts/NAME) or pod/NAME (po/NAME)";

impl Target {
    /// Reads kubectl's `TYPE/NAME` or `TYPE NAME`; namespaced kinds take `namespace`.
    pub fn parse(target: &str, name: Option<&str>, namespace: &str) -> Result<Target, String> {
        let (kind, name) = split_type_and_name(target, name, TARGET_FORMS)?;
        let (namespace, name) = (namespace.to_owned(), name.to_owned());
        match kind_named(kind) {
            Some("Namespace") => Ok(Target::Namespace(name)),
            Some("PersistentVolumeClaim") => Ok(Target::Claim { namespace, name }),
            Some("StatefulSet") => Ok(Target::StatefulSet { namespace, name }),
            Some("Pod") => Ok(Target::Pod { namespace, name }),
            _ => Err(format!(
                "cannot predict deleting a {kind:?}: what-if delete takes {TARGET_FORMS}"
            )),
        }
    }

    pub fn key(&self) -> ObjectKey {
        match self {
            Target::Namespace(name) => ObjectKey::new("Namespace", None, name),
            Target::Claim { namespace, name } => {
                ObjectKey::new("PersistentVolumeClaim", Some(namespace), name)
            }
            Target::StatefulSet { namespace, name } => {
                ObjectKey::new("StatefulSet", Some(namespace), name)
            }
            Target::Pod { namespace, name } => ObjectKey::new("Pod", Some(namespace), name),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.key().fmt(f)
    }
}

/// What becomes of one claim's data. Ordered as the output lists them: losses first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fate {
    /// The claim goes and its volume is deleted with the data.
    Deleted,
    /// The claim goes and the volume is scrubbed (Recycle) and offered to other claims.
    Recycled,
    /// The claim goes; the volume stays, Released (or Failed), with the data.
    Kept,
    /// The claim goes; what becomes of the data cannot be told from the input.
    Unknown,
    /// The claim goes, but it has no data: no volume yet (still to be provisioned or bound), or
    /// none at all (Pending, Lost).
    NoData,
    /// The claim stays, with its volume and data.
    Untouched,
}

impl Fate {
    pub fn as_str(self) -> &'static str {
        match self {
            Fate::Deleted => "deleted",
            Fate::Recycled => "recycled",
            Fate::Kept => "kept",
            Fate::Unknown => "unknown",
            Fate::NoData => "none",
            Fate::Untouched => "untouched",
        }
    }

    fn of(data: DataFate) -> Fate {
        match data {
            DataFate::Deleted => Fate::Deleted,
            DataFate::Recycled => Fate::Recycled,
            DataFate::Kept => Fate::Kept,
            DataFate::NoData => Fate::NoData,
            DataFate::Unknown => Fate::Unknown,
        }
    }
}

/// One claim the deletion reaches, and its volume.
#[derive(Clone, Debug)]
pub struct ClaimOutcome {
    pub claim: usize,
    pub claim_deleted: bool,
    pub fate: Fate,
    pub volume: Option<String>,
    /// The volume's capacity, or the claim's request when it has no volume yet.
    pub capacity: Option<Quantity>,
    /// For a claim whose volume is still to be provisioned (no data yet): what deleting it would
    /// do once the volume exists.
    pub once_provisioned: Option<Fate>,
    /// Workloads left running whose pods use the deleted claim: pvc-protection keeps the claim
    /// Terminating, and its volume untouched, until those pods are gone.
    pub waits_for: Vec<ObjectKey>,
    /// Why, in order: why the claim goes or stays, then what happens to its volume.
    pub reasons: Vec<String>,
    /// For kept data: how to get at it again.
    pub reuse: Option<String>,
}

#[derive(Clone, Debug)]
pub struct WhatIf {
    pub target: Target,
    /// Sorted by fate (losses first), then namespace and name.
    pub claims: Vec<ClaimOutcome>,
    /// What the deletion does besides, or cannot tell, for the target as a whole.
    pub notes: Vec<String>,
}

/// The target is not in the input; the message names what the input holds nearby.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownTarget(pub String);

impl fmt::Display for UnknownTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UnknownTarget {}

/// Predicts what deleting `target` does to the data of every claim it reaches.
pub fn what_if(
    snapshot: &Snapshot,
    binding: &BindingPlan,
    deletion: &DeletionPlan,
    target: &Target,
) -> Result<WhatIf, UnknownTarget> {
    let predict = Predict {
        snapshot,
        binding,
        deletion,
    };
    let (mut claims, mut notes) = match target {
        Target::Namespace(ns) => predict.namespace(ns)?,
        Target::Claim { namespace, name } => predict.claim(namespace, name)?,
        Target::StatefulSet { namespace, name } => predict.statefulset(namespace, name)?,
        Target::Pod { namespace, name } => predict.pod(namespace, name)?,
    };
    claims.sort_by(|a, b| {
        let name = |o: &ClaimOutcome| {
            let meta = &snapshot.claims[o.claim].meta;
            (meta.namespace.clone(), meta.name.clone())
        };
        a.fate.cmp(&b.fate).then_with(|| name(a).cmp(&name(b)))
    });
    // Without pods, no claim is seen in use: pvc-protection may keep a deleted claim, and its
    // volume, until its pods are gone, which the prediction cannot tell.
    if let Some(why) = snapshot.unreadable("Pod") {
        if claims.iter().any(|c| c.claim_deleted) {
            notes.push(format!(
                "pods could not be read ({why}): a deleted claim that a running pod uses stays Terminating, its volume untouched, until that pod is gone"
            ));
        }
    }
    Ok(WhatIf {
        target: target.clone(),
        claims,
        notes,
    })
}

struct Predict<'a> {
    snapshot: &'a Snapshot,
    binding: &'a BindingPlan,
    deletion: &'a DeletionPlan,
}

type Prediction = (Vec<ClaimOutcome>, Vec<String>);

impl Predict<'_> {
    fn namespace(&self, ns: &str) -> Result<Prediction, UnknownTarget> {
        let in_ns = |m: &Meta| m.namespace.as_deref() == Some(ns);
        if !self.snapshot.claims.iter().any(|c| in_ns(&c.meta))
            && !self.snapshot.workloads.iter().any(|w| in_ns(&w.meta))
        {
            let mut namespaces: Vec<&str> = self
                .snapshot
                .claims
                .iter()
                .map(|c| &c.meta)
                .chain(self.snapshot.workloads.iter().map(|w| &w.meta))
                .filter_map(|m| m.namespace.as_deref())
                .collect();
            namespaces.sort_unstable();
            namespaces.dedup();
            return Err(UnknownTarget(format!(
                "the input has no claims or workloads in namespace {ns:?}{}",
                listing("namespaces in the input", &namespaces)
            )));
        }
        let claims = (0..self.snapshot.claims.len())
            .filter(|&c| in_ns(&self.snapshot.claims[c].meta))
            .map(|c| {
                let mut why = format!("namespace {ns} is deleted, and every claim in it with it");
                if self.deletion.claims[c].helm_keep {
                    why.push_str(" (helm.sh/resource-policy: keep does not protect it: it only stops helm from deleting it)");
                }
                let mut outcome = self.deleted(c, why, &[]);
                // Its pods go with the namespace; pvc-protection only makes the claim wait.
                let users = self.users(c, |_| false);
                if !users.is_empty() {
                    outcome.reasons.insert(
                        1,
                        format!(
                            "pvc-protection holds it until the pods of {}, deleted with the namespace, are gone",
                            join(&users)
                        ),
                    );
                }
                outcome
            })
            .collect();
        Ok((claims, Vec::new()))
    }

    fn claim(&self, ns: &str, name: &str) -> Result<Prediction, UnknownTarget> {
        let Some(c) = self.find_claim(ns, name) else {
            let candidates: Vec<&Meta> = self.snapshot.claims.iter().map(|c| &c.meta).collect();
            return Err(not_found(
                "PersistentVolumeClaim",
                "claims",
                ns,
                name,
                &candidates,
            ));
        };
        let mut notes = Vec::new();
        let waits = self.users(c, |_| false);
        let outcome = self.deleted(c, "the claim itself is deleted".to_owned(), &waits);
        // A StatefulSet's pod gets its claim back, empty, when the pod is created again.
        for set in &self.deletion.statefulsets {
            let workload = &self.snapshot.workloads[set.workload];
            if set.claims.contains(&c) && workload.pods > 0 {
                notes.push(format!(
                    "{} creates claim {name} again, with a new empty volume, the next time it creates the pod that uses it",
                    workload.key()
                ));
            }
        }
        Ok((vec![outcome], notes))
    }

    fn statefulset(&self, ns: &str, name: &str) -> Result<Prediction, UnknownTarget> {
        let Some(w) = self.snapshot.workloads.iter().position(|w| {
            w.kind == WorkloadKind::StatefulSet
                && w.meta.name == name
                && w.meta.namespace.as_deref() == Some(ns)
        }) else {
            let candidates: Vec<&Meta> = self
                .snapshot
                .workloads
                .iter()
                .filter(|w| w.kind == WorkloadKind::StatefulSet)
                .map(|w| &w.meta)
                .collect();
            return Err(not_found(
                "StatefulSet",
                "StatefulSets",
                ns,
                name,
                &candidates,
            ));
        };
        let set = &self.snapshot.workloads[w];
        let key = set.key();
        let retention = set.claim_retention.when_deleted;
        let template_claims: Vec<usize> = self
            .deletion
            .statefulsets
            .iter()
            .find(|s| s.workload == w)
            .map(|s| s.claims.clone())
            .unwrap_or_default();
        // Its own pods go with it; other workloads' pods keep using shared claims.
        let goes = |u: usize| {
            let other = &self.snapshot.workloads[u];
            u == w
                || (other.kind == WorkloadKind::Pod
                    && other.meta.namespace.as_deref() == Some(ns)
                    && (other
                        .meta
                        .owned_by("StatefulSet", name, set.meta.uid.as_deref())
                        || is_ordinal_of(&other.meta.name, name)))
        };
        let mut claims = Vec::new();
        let mut reached = Vec::new();
        for (c, claim) in self.snapshot.claims.iter().enumerate() {
            if claim.meta.namespace.as_deref() != Some(ns) {
                continue;
            }
            let owned = claim
                .meta
                .owned_by("StatefulSet", name, set.meta.uid.as_deref());
            let templated = template_claims.contains(&c);
            if !owned && !templated {
                continue;
            }
            reached.push(c);
            if owned {
                let why = format!("it carries an owner reference to {key}, so the garbage collector deletes it with the StatefulSet");
                claims.push(self.deleted(c, why, &self.users(c, goes)));
            } else if retention == crate::model::workload::RetentionAction::Delete {
                let mut why = format!("{key} has persistentVolumeClaimRetentionPolicy whenDeleted: Delete, so the garbage collector deletes its claims with it");
                if claim.meta.exists {
                    why.push_str(" (the claim does not carry the owner reference yet; the StatefulSet controller adds it while the StatefulSet exists)");
                }
                claims.push(self.deleted(c, why, &self.users(c, goes)));
            } else {
                let why = format!("{key} keeps its claims (persistentVolumeClaimRetentionPolicy whenDeleted: Retain, the default): the claim stays, and a StatefulSet of the same name created again uses it");
                claims.push(self.untouched(c, why));
            }
        }
        // Claims its pod template names directly are used, not owned.
        for use_ in &set.template.claims {
            let Some(c) = self.find_claim(ns, &use_.claim) else {
                continue;
            };
            if reached.contains(&c) {
                continue;
            }
            reached.push(c);
            let why = format!("{key}'s pods use it, but it is not made from a volumeClaimTemplate, so deleting the StatefulSet leaves it");
            claims.push(self.untouched(c, why));
        }
        let mut notes = Vec::new();
        if set.claim_templates.is_empty() {
            notes.push(format!("{key} has no volumeClaimTemplates"));
        }
        Ok((claims, notes))
    }

    fn pod(&self, ns: &str, name: &str) -> Result<Prediction, UnknownTarget> {
        let in_ns = |m: &Meta| m.namespace.as_deref() == Some(ns);
        let pod = self
            .snapshot
            .workloads
            .iter()
            .position(|w| w.kind == WorkloadKind::Pod && w.meta.name == name && in_ns(&w.meta));
        // A StatefulSet's pod need not be in the input: its name says which one it is.
        let statefulset_pod = || {
            self.snapshot
                .workloads
                .iter()
                .enumerate()
                .find_map(|(w, set)| {
                    if set.kind != WorkloadKind::StatefulSet || !in_ns(&set.meta) {
                        return None;
                    }
                    (0..set.pods)
                        .find(|&i| set.pod_name(i) == name)
                        .map(|i| (w, i))
                })
        };
        let mut notes = Vec::new();
        let (used, ephemeral, uid): (Vec<String>, Vec<String>, Option<&str>) = match pod {
            Some(p) => {
                let pod = &self.snapshot.workloads[p];
                if let Some(owner) = pod.meta.owners.first() {
                    notes.push(format!(
                        "its owner, {} {ns}/{}, creates a replacement pod, which uses the same claims",
                        owner.kind, owner.name
                    ));
                }
                (
                    pod.template
                        .claims
                        .iter()
                        .map(|u| u.claim.clone())
                        .collect(),
                    pod.template
                        .ephemeral
                        .iter()
                        .map(|e| e.volume.clone())
                        .collect(),
                    pod.meta.uid.as_deref(),
                )
            }
            None => match statefulset_pod() {
                Some((w, index)) => {
                    let set = &self.snapshot.workloads[w];
                    notes.push(format!(
                        "it is a pod of {}, which creates it again with the same claims",
                        set.key()
                    ));
                    (
                        set.claims_of_pod(index),
                        set.template
                            .ephemeral
                            .iter()
                            .map(|e| e.volume.clone())
                            .collect(),
                        None,
                    )
                }
                None => {
                    let mut pods: Vec<Meta> = Vec::new();
                    for w in &self.snapshot.workloads {
                        match w.kind {
                            WorkloadKind::Pod => pods.push(w.meta.clone()),
                            WorkloadKind::StatefulSet => pods.extend((0..w.pods).map(|i| Meta {
                                name: w.pod_name(i),
                                namespace: w.meta.namespace.clone(),
                                ..Meta::default()
                            })),
                            _ => {}
                        }
                    }
                    let pods: Vec<&Meta> = pods.iter().collect();
                    return Err(not_found("Pod", "pods", ns, name, &pods));
                }
            },
        };
        let mut claims = Vec::new();
        let mut reached = Vec::new();
        for volume in &ephemeral {
            let claim_name = crate::model::workload::ephemeral_claim_name(name, volume);
            match self.find_claim(ns, &claim_name) {
                Some(c) => {
                    reached.push(c);
                    let why = format!("it is the claim of the pod's generic ephemeral volume {volume:?}: the pod owns it, so the garbage collector deletes it with the pod");
                    claims.push(self.deleted(c, why, &[]));
                }
                None => notes.push(format!(
                    "ephemeral volume {volume:?}: its claim {ns}/{claim_name} (not in the input) is deleted with the pod, and its volume follows its class's reclaimPolicy"
                )),
            }
        }
        for (c, claim) in self.snapshot.claims.iter().enumerate() {
            if in_ns(&claim.meta) && !reached.contains(&c) && claim.meta.owned_by("Pod", name, uid)
            {
                reached.push(c);
                let why = format!("it carries an owner reference to pod {ns}/{name} (as the StatefulSet controller sets on the claims of a removed pod under whenScaled: Delete), so the garbage collector deletes it with the pod");
                claims.push(self.deleted(c, why, &[]));
            }
        }
        for claim_name in used {
            let Some(c) = self.find_claim(ns, &claim_name) else {
                notes.push(format!(
                    "it uses claim {ns}/{claim_name}, which is not in the input; deleting the pod leaves it"
                ));
                continue;
            };
            if reached.contains(&c) {
                continue;
            }
            reached.push(c);
            let why = "deleting a pod never deletes the claims it uses: the claim stays, with its volume and data".to_owned();
            claims.push(self.untouched(c, why));
        }
        Ok((claims, notes))
    }

    fn find_claim(&self, ns: &str, name: &str) -> Option<usize> {
        self.snapshot
            .claims
            .iter()
            .position(|c| c.meta.name == name && c.meta.namespace.as_deref() == Some(ns))
    }

    /// The workloads whose running pods use claim `c`, except those the deletion removes.
    fn users(&self, c: usize, goes: impl Fn(usize) -> bool) -> Vec<ObjectKey> {
        self.deletion.claims[c]
            .used_by
            .iter()
            .filter(|&&w| !goes(w))
            .map(|&w| self.snapshot.workloads[w].key())
            .collect()
    }

    fn capacity(&self, c: usize) -> Option<Quantity> {
        let volume = self.binding.claims[c]
            .volume_index
            .and_then(|v| self.snapshot.volumes[v].capacity.as_ref());
        match volume.or(self.snapshot.claims[c].request.as_ref()) {
            Some(Ok(q)) => Some(q.clone()),
            _ => None,
        }
    }

    fn deleted(&self, c: usize, why: String, waits_for: &[ObjectKey]) -> ClaimOutcome {
        let fate = &self.deletion.claims[c];
        let mut reasons = vec![why];
        if !waits_for.is_empty() {
            reasons.push(format!(
                "pvc-protection keeps it Terminating, its volume untouched, until the pods of {} stop",
                join(waits_for)
            ));
        }
        let (outcome, once_provisioned) = if fate.provisioned {
            reasons.push(format!("no data yet: {}", fate.reason()));
            (Fate::NoData, Some(Fate::of(fate.data)))
        } else {
            reasons.push(fate.reason().into_owned());
            (Fate::of(fate.data), None)
        };
        let reuse = match (outcome, &fate.volume) {
            (Fate::Kept, Some(volume)) => Some(format!(
                "to use the data again, remove the volume's claimRef (kubectl patch pv {volume} --type json -p '[{{\"op\":\"remove\",\"path\":\"/spec/claimRef\"}}]') and create a claim with spec.volumeName: {volume}"
            )),
            _ => None,
        };
        ClaimOutcome {
            claim: c,
            claim_deleted: true,
            fate: outcome,
            volume: fate.volume.clone(),
            capacity: self.capacity(c),
            once_provisioned,
            waits_for: waits_for.to_vec(),
            reasons,
            reuse,
        }
    }

    fn untouched(&self, c: usize, why: String) -> ClaimOutcome {
        let fate = &self.deletion.claims[c];
        ClaimOutcome {
            claim: c,
            claim_deleted: false,
            fate: Fate::Untouched,
            volume: fate.volume.clone(),
            capacity: self.capacity(c),
            once_provisioned: None,
            waits_for: Vec::new(),
            reasons: vec![why],
            reuse: None,
        }
    }
}

/// Whether `pod` is named as a pod of StatefulSet `set`: `<set>-<ordinal>`.
fn is_ordinal_of(pod: &str, set: &str) -> bool {
    pod.strip_prefix(set)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn join(keys: &[ObjectKey]) -> String {
    keys.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// "; LABEL: a, b, c" (at most ten), or nothing for an empty list.
fn listing(label: &str, names: &[&str]) -> String {
    const SHOWN: usize = 10;
    if names.is_empty() {
        return String::new();
    }
    let mut text = format!("; {label}: {}", names[..names.len().min(SHOWN)].join(", "));
    if names.len() > SHOWN {
        text.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    text
}

/// The target is not in the input: name the same kind's objects in that namespace, or the
/// namespaces that hold one of that name.
fn not_found(
    kind: &str,
    plural: &str,
    ns: &str,
    name: &str,
    candidates: &[&Meta],
) -> UnknownTarget {
    let mut here: Vec<&str> = candidates
        .iter()
        .filter(|m| m.namespace.as_deref() == Some(ns))
        .map(|m| m.name.as_str())
        .collect();
    here.sort_unstable();
    here.dedup();
    let mut elsewhere: Vec<&str> = candidates
        .iter()
        .filter(|m| m.name == name)
        .filter_map(|m| m.namespace.as_deref())
        .collect();
    elsewhere.sort_unstable();
    elsewhere.dedup();
    let mut message = format!("the input has no {kind} {ns}/{name}");
    if !elsewhere.is_empty() {
        message.push_str(&format!(
            "; one of that name is in namespace {} (choose it with -n)",
            elsewhere.join(", ")
        ));
    }
    if here.is_empty() {
        message.push_str(&format!("; it has no {plural} in namespace {ns}"));
    } else {
        message.push_str(&listing(&format!("{plural} in namespace {ns}"), &here));
    }
    UnknownTarget(message)
}

#[cfg(test)]
mod tests;
