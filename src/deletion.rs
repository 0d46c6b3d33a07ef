//! What deleting things does to data: for every claim, StatefulSet and namespace in the input,
//! which claims go with it and whether their volumes' data is deleted, kept (a Released volume
//! left behind) or unknown. Built from the binding plan, which already knows each volume's
//! reclaim fate; the report and the reclaim rules read it.
//!
//! Who deletes what, upstream: deleting a claim hands its volume to the PV controller's reclaim
//! (`reclaimVolume`: Delete, Retain, Recycle). A StatefulSet's template claims are deleted by
//! the garbage collector when `persistentVolumeClaimRetentionPolicy` makes the StatefulSet
//! (whenDeleted: Delete) or a removed pod (whenScaled: Delete) their owner; otherwise they
//! outlive it. Deleting a namespace deletes every claim in it.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;

use crate::binding::reclaim::reclaim;
use crate::binding::{BindingPlan, OnClaimDelete, Outcome};
use crate::model::annotations::HELM_RESOURCE_POLICY;
use crate::model::workload::{ClaimRetention, RetentionAction};
use crate::model::{Meta, ReclaimPolicy, Snapshot, StorageClass, Workload, WorkloadKind};

/// What becomes of a claim's data when the claim is deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DataFate {
    /// The volume and its data are deleted.
    Deleted,
    /// The data is scrubbed and the volume offered to other claims.
    Recycled,
    /// The volume stays (Released, or Failed) with its data.
    Kept,
    /// The claim has no volume, so there is no data.
    NoData,
    /// The plan cannot tell (the class is not among the inputs, or the volume is not chosen yet).
    Unknown,
}

impl DataFate {
    pub fn as_str(self) -> &'static str {
        match self {
            DataFate::Deleted => "deleted",
            DataFate::Recycled => "recycled",
            DataFate::Kept => "kept",
            DataFate::NoData => "none",
            DataFate::Unknown => "unknown",
        }
    }

    /// Deleted or scrubbed: either way the data is gone.
    pub fn loses_data(self) -> bool {
        matches!(self, DataFate::Deleted | DataFate::Recycled)
    }
}

#[derive(Clone, Debug)]
pub struct ClaimFate {
    pub data: DataFate,
    /// The existing volume, when the claim has or gets one.
    pub volume: Option<String>,
    /// The data will sit on a volume still to be provisioned, which gets the class's policy.
    pub provisioned: bool,
    reason: FateReason,
    /// `helm.sh/resource-policy: keep`: `helm uninstall` leaves the claim.
    pub helm_keep: bool,
    /// Workloads whose running pods use the claim: kubernetes.io/pvc-protection keeps a deleted
    /// claim Terminating until those pods are gone.
    pub used_by: Vec<usize>,
    /// The pod that owns the claim (a generic ephemeral volume's, as "Pod ns/name"): the garbage
    /// collector deletes the claim with it, and the volume then follows its reclaim policy.
    pub deleted_with: Option<String>,
}

/// Why a claim's data meets its fate. Kept in parts, shared where many claims have the same
/// (the reason of their volume, or of their class), and written out when reported
/// ([`ClaimFate::reason`]).
#[derive(Clone, Debug)]
enum FateReason {
    Text(Cow<'static, str>),
    Shared(Arc<str>),
    /// The volume's reason, after "volume NAME: " (the name is the fate's `volume`).
    OfVolume(Arc<str>),
}

impl ClaimFate {
    pub fn reason(&self) -> Cow<'_, str> {
        match &self.reason {
            FateReason::Text(text) => Cow::Borrowed(text),
            FateReason::Shared(text) => Cow::Borrowed(text),
            FateReason::OfVolume(why) => {
                let volume = self.volume.as_deref().unwrap_or_default();
                Cow::Owned(["volume ", volume, ": ", why].concat())
            }
        }
    }
}

impl From<String> for FateReason {
    fn from(text: String) -> FateReason {
        FateReason::Text(Cow::Owned(text))
    }
}

impl From<&'static str> for FateReason {
    fn from(text: &'static str) -> FateReason {
        FateReason::Text(Cow::Borrowed(text))
    }
}

/// What one deletion does: the claims it deletes, those it leaves, and their data.
#[derive(Clone, Debug, Default)]
pub struct Effect {
    pub claims_deleted: Vec<usize>,
    pub claims_kept: Vec<usize>,
    /// Of the deleted claims: data deleted or scrubbed, data kept, data unknown.
    pub data_deleted: Vec<usize>,
    pub data_kept: Vec<usize>,
    pub data_unknown: Vec<usize>,
    pub reason: String,
}

impl Effect {
    fn new(
        claims_deleted: Vec<usize>,
        claims_kept: Vec<usize>,
        fates: &[ClaimFate],
        reason: String,
    ) -> Effect {
        let mut effect = Effect {
            claims_deleted,
            claims_kept,
            reason,
            ..Effect::default()
        };
        for &c in &effect.claims_deleted {
            match fates[c].data {
                DataFate::Deleted | DataFate::Recycled => effect.data_deleted.push(c),
                DataFate::Kept => effect.data_kept.push(c),
                DataFate::Unknown => effect.data_unknown.push(c),
                DataFate::NoData => {}
            }
        }
        effect
    }

    /// Deletes some data or leaves some behind: worth showing.
    pub fn touches_data(&self) -> bool {
        !self.data_deleted.is_empty() || !self.data_kept.is_empty()
    }
}

#[derive(Clone, Debug)]
pub struct StatefulSetFate {
    pub workload: usize,
    pub retention: ClaimRetention,
    /// Claims made from its volumeClaimTemplates (any ordinal found).
    pub claims: Vec<usize>,
    /// The same claims with the index of their template: `(template, claim)`.
    pub template_claims: Vec<(usize, usize)>,
    /// `helm.sh/resource-policy: keep` on the StatefulSet: helm uninstall leaves it, and so
    /// does not trigger whenDeleted.
    pub helm_keep: bool,
    pub on_delete: Effect,
    /// On a scale-down, for the claims of the removed pods (all of them, scaled to zero).
    pub on_scale_down: Effect,
}

#[derive(Clone, Debug)]
pub struct NamespaceFate {
    pub name: String,
    pub on_delete: Effect,
}

#[derive(Clone, Debug, Default)]
pub struct DeletionPlan {
    /// Index-aligned with `Snapshot::claims`.
    pub claims: Vec<ClaimFate>,
    pub statefulsets: Vec<StatefulSetFate>,
    /// Sorted by name.
    pub namespaces: Vec<NamespaceFate>,
}

pub fn helm_keeps(meta: &Meta) -> bool {
    meta.annotation(HELM_RESOURCE_POLICY)
        .is_some_and(|p| p.split(',').any(|v| v.trim() == "keep"))
}

pub fn plan(snapshot: &Snapshot, binding: &BindingPlan) -> DeletionPlan {
    let users = claim_users(snapshot);
    let class_fates: Vec<ClassFate> = snapshot.classes.iter().map(class_fate).collect();
    // Each claim's fate reads only the plans: both cores share the claims.
    let claims: Vec<ClaimFate> = crate::parallel::map_parts(
        (0..snapshot.claims.len()).collect(),
        || (),
        |(), c| {
            let (data, volume, provisioned, reason) =
                claim_data(snapshot, binding, &class_fates, c);
            ClaimFate {
                data,
                volume,
                provisioned,
                reason,
                helm_keep: helm_keeps(&snapshot.claims[c].meta),
                used_by: users.get(&c).cloned().unwrap_or_default(),
                deleted_with: owning_pod(&snapshot.claims[c].meta),
            }
        },
    );
    let template_claims = TemplateClaims::new(snapshot);
    let statefulsets = snapshot
        .workloads
        .iter()
        .enumerate()
        .filter(|(_, w)| w.kind == WorkloadKind::StatefulSet && !w.claim_templates.is_empty())
        .map(|(w, set)| statefulset_fate(snapshot, w, template_claims.of(set), &claims))
        .collect();
    let mut by_namespace: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (c, claim) in snapshot.claims.iter().enumerate() {
        by_namespace
            .entry(claim.meta.namespace.as_deref().unwrap_or_default())
            .or_default()
            .push(c);
    }
    let namespaces = by_namespace
        .into_iter()
        .map(|(name, members)| {
            let mut reason = "deleting a namespace deletes every claim in it (each after the pods using it)".to_owned();
            if members.iter().any(|c| claims[*c].helm_keep) {
                reason.push_str("; helm.sh/resource-policy: keep does not protect a claim from that, it only stops helm from deleting it");
            }
            NamespaceFate {
                name: name.to_owned(),
                on_delete: Effect::new(members, Vec::new(), &claims, reason),
            }
        })
        .collect();
    DeletionPlan {
        claims,
        statefulsets,
        namespaces,
    }
}

/// What deleting claim `c` does to its data, by the reclaim policy of its volume or, for a
/// volume still to be provisioned, of its class.
fn claim_data(
    snapshot: &Snapshot,
    binding: &BindingPlan,
    class_fates: &[ClassFate],
    c: usize,
) -> (DataFate, Option<String>, bool, FateReason) {
    let claim_plan = &binding.claims[c];
    match claim_plan.outcome {
        Outcome::Bound | Outcome::Binds => {
            let Some(v) = claim_plan.volume_index else {
                // Bound to a volume the run could not read: its reclaim policy is unknown.
                if let (Some(name), Some(why)) =
                    (&claim_plan.volume, snapshot.unreadable("PersistentVolume"))
                {
                    return (
                        DataFate::Unknown,
                        Some(name.clone()),
                        false,
                        format!("volume {name} could not be read ({why}): its reclaim policy, and so the fate of the data, is unknown").into(),
                    );
                }
                return (DataFate::NoData, None, false, "it has no volume".into());
            };
            let volume = &snapshot.volumes[v];
            // The volume's plan has its reclaim worked out already while it names this claim.
            let volume_plan = &binding.volumes[v];
            let (fate, why) = if volume_plan.claim_index == Some(c) {
                (volume_plan.on_claim_delete, volume_plan.reason.clone())
            } else {
                let reclaimed = reclaim(volume);
                (reclaimed.fate, Arc::from(reclaimed.reason))
            };
            let data = match fate {
                OnClaimDelete::Deleted => DataFate::Deleted,
                OnClaimDelete::Recycled => DataFate::Recycled,
                OnClaimDelete::Retained => DataFate::Kept,
                OnClaimDelete::NotApplicable => DataFate::Unknown,
            };
            (
                data,
                Some(volume.meta.name.clone()),
                false,
                FateReason::OfVolume(why),
            )
        }
        Outcome::Provisions | Outcome::WaitsForConsumer => {
            let class_name = claim_plan.class.as_deref().unwrap_or_default();
            let Some(k) = claim_plan.class_index else {
                let which = if claim_plan.assumes_cluster_default {
                    "the cluster's default class, which is not among the inputs".to_owned()
                } else {
                    format!("class {class_name:?}, which is not among the inputs")
                };
                return (
                    DataFate::Unknown,
                    None,
                    true,
                    format!("its volume gets the reclaimPolicy of {which} (Delete unless the class sets Retain)").into(),
                );
            };
            let fate = &class_fates[k];
            (
                fate.data,
                None,
                fate.provisioned,
                FateReason::Shared(fate.reason.clone()),
            )
        }
        Outcome::Pending => (
            DataFate::NoData,
            None,
            false,
            "it stays Pending: no volume, no data".into(),
        ),
        Outcome::Lost => (DataFate::NoData, None, false, "its volume is gone".into()),
    }
}

/// What deleting a claim does to data on a volume class `class` provisions for it: the same for
/// every claim of the class, so worked out once per class.
struct ClassFate {
    data: DataFate,
    provisioned: bool,
    reason: Arc<str>,
}

fn class_fate(class: &StorageClass) -> ClassFate {
    let name = class.meta.name.as_str();
    if !class.provisions() {
        return ClassFate {
            data: DataFate::Unknown,
            provisioned: false,
            reason: format!("class {name:?} does not provision: the claim binds a pre-created volume once a pod uses it, and that volume's reclaim policy decides").into(),
        };
    }
    let (data, what) = match &class.reclaim_policy {
        Ok(ReclaimPolicy::Delete) => (
            DataFate::Deleted,
            "Delete: deleting the claim deletes that volume and its data",
        ),
        Ok(ReclaimPolicy::Retain) => (
            DataFate::Kept,
            "Retain: deleting the claim leaves that volume, Released, with its data",
        ),
        Ok(ReclaimPolicy::Recycle) => (
            DataFate::Unknown,
            "Recycle, which the API rejects for a StorageClass",
        ),
        Err(_) => (DataFate::Unknown, "the plan cannot read"),
    };
    ClassFate {
        data,
        provisioned: true,
        reason: format!(
            "the volume {} provisions for it gets class {name:?}'s reclaimPolicy, {what}",
            class.provisioner
        )
        .into(),
    }
}

/// The pod a claim is owned by, as "Pod ns/name" (upstream the ephemeral volume controller
/// makes the pod the claim's controller owner).
fn owning_pod(meta: &Meta) -> Option<String> {
    let owner = meta.owners.iter().find(|o| o.kind == "Pod")?;
    let ns = meta.namespace.as_deref().unwrap_or_default();
    Some(format!("Pod {ns}/{}", owner.name))
}

/// The workloads whose running pods use each claim.
fn claim_users(snapshot: &Snapshot) -> HashMap<usize, Vec<usize>> {
    let mut claims: HashMap<(&str, &str), usize> = HashMap::default();
    for (c, claim) in snapshot.claims.iter().enumerate() {
        claims
            .entry((
                claim.meta.namespace.as_deref().unwrap_or_default(),
                claim.meta.name.as_str(),
            ))
            .or_insert(c);
    }
    let mut users: HashMap<usize, Vec<usize>> = HashMap::default();
    for (w, workload) in snapshot.workloads.iter().enumerate() {
        if workload.pods == 0 || workload.finished {
            continue;
        }
        let ns = workload.meta.namespace.as_deref().unwrap_or_default();
        let pods = workload.distinct_pods();
        for pod in 0..pods {
            for name in workload.claims_of_pod(pod) {
                if let Some(&c) = claims.get(&(ns, name.as_str())) {
                    let list = users.entry(c).or_default();
                    if !list.contains(&w) {
                        list.push(w);
                    }
                }
            }
        }
    }
    users
}

/// The claims made from StatefulSet templates, found by name: `<template>-<statefulset>-<ordinal>`
/// in the StatefulSet's namespace, for any ordinal (a scaled-down StatefulSet leaves higher
/// ordinals behind). Indexed once by the name without its ordinal, so that finding every
/// StatefulSet's claims costs one pass over the claims.
struct TemplateClaims<'a> {
    by_stem: HashMap<(&'a str, &'a str), Vec<usize>>,
}

impl<'a> TemplateClaims<'a> {
    fn new(snapshot: &'a Snapshot) -> TemplateClaims<'a> {
        let mut by_stem: HashMap<_, Vec<usize>> = HashMap::default();
        for (c, claim) in snapshot.claims.iter().enumerate() {
            let name = claim.meta.name.as_str();
            let Some((stem, ordinal)) = name.rsplit_once('-') else {
                continue;
            };
            if ordinal.parse::<u32>().is_ok() {
                let ns = claim.meta.namespace.as_deref().unwrap_or_default();
                by_stem.entry((ns, stem)).or_default().push(c);
            }
        }
        TemplateClaims { by_stem }
    }

    /// `(template index, claim index)` for every claim of StatefulSet `set`.
    fn of(&self, set: &Workload) -> Vec<(usize, usize)> {
        let ns = set.meta.namespace.as_deref().unwrap_or_default();
        let mut found = Vec::new();
        for (t, template) in set.claim_templates.iter().enumerate() {
            let stem = format!("{}-{}", template.name, set.meta.name);
            if let Some(claims) = self.by_stem.get(&(ns, stem.as_str())) {
                found.extend(claims.iter().map(|c| (t, *c)));
            }
        }
        found.sort_by_key(|(_, c)| *c);
        found
    }
}

fn statefulset_fate(
    snapshot: &Snapshot,
    w: usize,
    template_claims: Vec<(usize, usize)>,
    fates: &[ClaimFate],
) -> StatefulSetFate {
    let set = &snapshot.workloads[w];
    let claims: Vec<usize> = template_claims.iter().map(|(_, c)| *c).collect();
    let retention = set.claim_retention;
    let helm_keep = helm_keeps(&set.meta);
    let on_delete = match retention.when_deleted {
        RetentionAction::Delete => {
            let mut reason = "whenDeleted: Delete: the StatefulSet owns its claims, so the garbage collector deletes them with it".to_owned();
            if helm_keep {
                reason.push_str("; helm uninstall keeps the StatefulSet (helm.sh/resource-policy: keep), so only deleting it by other means does this");
            }
            Effect::new(claims.clone(), Vec::new(), fates, reason)
        }
        RetentionAction::Retain => Effect::new(
            Vec::new(),
            claims.clone(),
            fates,
            "whenDeleted: Retain: the claims outlive the StatefulSet, with their data".to_owned(),
        ),
    };
    let on_scale_down = match retention.when_scaled {
        RetentionAction::Delete => Effect::new(
            claims.clone(),
            Vec::new(),
            fates,
            "whenScaled: Delete: the claims of each removed pod are deleted with that pod".to_owned(),
        ),
        RetentionAction::Retain => Effect::new(
            Vec::new(),
            claims.clone(),
            fates,
            "whenScaled: Retain: the claims of removed pods stay, and a pod of the same ordinal reuses them when it scales up again".to_owned(),
        ),
    };
    StatefulSetFate {
        workload: w,
        retention,
        claims,
        template_claims,
        helm_keep,
        on_delete,
        on_scale_down,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{load_str, LoadOptions};

    fn deletion(text: &str) -> (Snapshot, DeletionPlan) {
        let loaded = load_str("t.yaml", text, &LoadOptions::default());
        assert!(loaded.findings.is_empty(), "{:?}", loaded.findings);
        let binding = crate::binding::plan(&loaded.snapshot);
        let plan = plan(&loaded.snapshot, &binding);
        (loaded.snapshot, plan)
    }

    fn fate_of<'a>(snapshot: &Snapshot, plan: &'a DeletionPlan, name: &str) -> &'a ClaimFate {
        let c = snapshot
            .claims
            .iter()
            .position(|c| c.meta.name == name)
            .unwrap();
        &plan.claims[c]
    }

    const CLASSES: &str = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: gone}\nprovisioner: example.com/disk\n---\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: kept}\nprovisioner: example.com/disk\nreclaimPolicy: Retain\n---\n";

    fn claim(name: &str, class: &str, extra: &str) -> String {
        format!("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: {name}, namespace: app{extra}}}\nspec: {{storageClassName: {class}, accessModes: [ReadWriteOnce], resources: {{requests: {{storage: 1Gi}}}}}}\n---\n")
    }

    #[test]
    fn claims_take_the_policy_of_their_volume_or_class() {
        let text = format!(
            "{CLASSES}{}{}{}{}",
            claim("a", "gone", ""),
            claim("b", "kept", ""),
            claim("c", "unseen", ""),
            claim("d", "\"\"", "")
        );
        let (snapshot, plan) = deletion(&text);
        assert_eq!(fate_of(&snapshot, &plan, "a").data, DataFate::Deleted);
        assert!(fate_of(&snapshot, &plan, "a").provisioned);
        assert_eq!(fate_of(&snapshot, &plan, "b").data, DataFate::Kept);
        assert_eq!(fate_of(&snapshot, &plan, "c").data, DataFate::Unknown);
        assert_eq!(
            fate_of(&snapshot, &plan, "d").data,
            DataFate::NoData,
            "stays Pending"
        );
        let ns = &plan.namespaces[0];
        assert_eq!(ns.name, "app");
        assert_eq!(ns.on_delete.claims_deleted.len(), 4);
        assert_eq!(ns.on_delete.data_deleted.len(), 1);
        assert_eq!(ns.on_delete.data_kept.len(), 1);
        assert_eq!(ns.on_delete.data_unknown.len(), 1);
    }

    #[test]
    fn helm_keep_survives_uninstall_but_not_the_namespace() {
        let text = format!(
            "{CLASSES}{}",
            claim(
                "a",
                "gone",
                ", annotations: {helm.sh/resource-policy: keep}"
            )
        );
        let (snapshot, plan) = deletion(&text);
        assert!(fate_of(&snapshot, &plan, "a").helm_keep);
        assert_eq!(plan.namespaces[0].on_delete.claims_deleted.len(), 1);
        assert!(plan.namespaces[0]
            .on_delete
            .reason
            .contains("does not protect"));
    }

    fn statefulset(name: &str, retention: &str) -> String {
        format!("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: {name}, namespace: app}}\nspec:\n  replicas: 2\n  {retention}\n  selector: {{matchLabels: {{app: db}}}}\n  template:\n    metadata: {{labels: {{app: db}}}}\n    spec: {{containers: [{{name: c, image: postgres}}]}}\n  volumeClaimTemplates:\n    - metadata: {{name: data}}\n      spec: {{storageClassName: gone, accessModes: [ReadWriteOnce], resources: {{requests: {{storage: 1Gi}}}}}}\n---\n")
    }

    #[test]
    fn statefulset_retention_decides_which_claims_go() {
        let text = format!(
            "{CLASSES}{}{}{}",
            statefulset(
                "db",
                "persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete}"
            ),
            statefulset("db-x", "minReadySeconds: 0"),
            // Left behind by an earlier scale-down: still the StatefulSet's claim.
            claim("data-db-7", "gone", "")
        );
        let (snapshot, plan) = deletion(&text);
        let db = plan
            .statefulsets
            .iter()
            .find(|s| snapshot.workloads[s.workload].meta.name == "db")
            .unwrap();
        let names = |list: &[usize]| {
            let mut n: Vec<&str> = list
                .iter()
                .map(|c| snapshot.claims[*c].meta.name.as_str())
                .collect();
            n.sort();
            n
        };
        assert_eq!(
            names(&db.on_delete.claims_deleted),
            ["data-db-0", "data-db-1", "data-db-7"],
            "not data-db-x-0"
        );
        assert_eq!(names(&db.on_delete.data_deleted).len(), 3);
        assert!(db.on_scale_down.claims_deleted.is_empty());
        assert_eq!(db.on_scale_down.claims_kept.len(), 3);
        let other = plan
            .statefulsets
            .iter()
            .find(|s| snapshot.workloads[s.workload].meta.name == "db-x")
            .unwrap();
        assert!(other.on_delete.claims_deleted.is_empty());
        assert_eq!(
            names(&other.on_delete.claims_kept),
            ["data-db-x-0", "data-db-x-1"]
        );
    }

    #[test]
    fn pods_using_a_claim_are_named() {
        let text = format!(
            "{CLASSES}{}apiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: app}}\nspec:\n  containers: [{{name: c, image: busybox}}]\n  volumes: [{{name: d, persistentVolumeClaim: {{claimName: a}}}}]\n",
            claim("a", "gone", "")
        );
        let (snapshot, plan) = deletion(&text);
        assert_eq!(fate_of(&snapshot, &plan, "a").used_by.len(), 1);
    }
}
