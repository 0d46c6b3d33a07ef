//! The report's long sections (a row per claim, per volume, per claim's deletion) are not held
//! as entries: a row is made from the snapshot and the plans when it is written or read, and
//! the report keeps only the order to write them in. At 100,000 claims the entries would be
//! hundreds of megabytes of copied names, made only to be written once.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use serde::{Serialize, Serializer};

use super::{AlternativeEntry, CandidateEntry, ClaimDeletionEntry, ClaimEntry, VolumeEntry};
use crate::binding::{self, BindingPlan};
use crate::deletion::DeletionPlan;
use crate::load::source::{Location, Sources};
use crate::model::{Meta, Snapshot};

/// What rows are made from: the snapshot, where its objects are written, and its plans.
pub struct Basis<'a> {
    pub(super) snapshot: &'a Snapshot,
    pub(super) sources: &'a Sources,
    pub(super) binding: BindingPlan,
    pub(super) deletion: DeletionPlan,
}

/// A sort of row: how the entry at an index of the snapshot is made.
pub trait RowKind {
    type Entry<'r>: Serialize + fmt::Debug;
    fn entry<'r>(basis: &'r Basis<'_>, index: usize) -> Self::Entry<'r>;
}

/// A section's rows, in the order they are written.
pub struct Rows<'a, K> {
    basis: Arc<Basis<'a>>,
    order: Vec<u32>,
    kind: PhantomData<K>,
}

impl<'a, K: RowKind> Rows<'a, K> {
    pub(super) fn new(basis: Arc<Basis<'a>>, order: Vec<u32>) -> Self {
        Rows {
            basis,
            order,
            kind: PhantomData,
        }
    }

    pub(super) fn basis(&self) -> &Basis<'a> {
        &self.basis
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = K::Entry<'_>> + '_ {
        self.order
            .iter()
            .map(|&index| K::entry(&self.basis, index as usize))
    }

    /// The row at a position of the written order.
    pub fn get(&self, position: usize) -> Option<K::Entry<'_>> {
        let index = *self.order.get(position)?;
        Some(K::entry(&self.basis, index as usize))
    }

    /// Keeps the rows whose entry `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&K::Entry<'_>) -> bool) {
        let basis = &self.basis;
        self.order
            .retain(|&index| keep(&K::entry(basis, index as usize)));
    }

    pub fn clear(&mut self) {
        self.order.clear();
    }
}

impl<'r, K: RowKind> IntoIterator for &'r Rows<'_, K> {
    type Item = K::Entry<'r>;
    type IntoIter = Box<dyn Iterator<Item = K::Entry<'r>> + 'r>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl<K: RowKind> Serialize for Rows<'_, K> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<K: RowKind> fmt::Debug for Rows<'_, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Claims, sorted by namespace, then name (their plans and their deletions alike).
pub fn claim_order(snapshot: &Snapshot) -> Vec<u32> {
    let mut order: Vec<u32> = (0..snapshot.claims.len() as u32).collect();
    let key = |i: &u32| {
        let meta = &snapshot.claims[*i as usize].meta;
        (
            meta.namespace.as_deref().unwrap_or_default(),
            meta.name.as_str(),
        )
    };
    order.sort_by(|a, b| key(a).cmp(&key(b)));
    order
}

/// Volumes, sorted by name.
pub fn volume_order(snapshot: &Snapshot) -> Vec<u32> {
    let mut order: Vec<u32> = (0..snapshot.volumes.len() as u32).collect();
    order.sort_by(|a, b| {
        let name = |i: &u32| snapshot.volumes[*i as usize].meta.name.as_str();
        name(a).cmp(name(b))
    });
    order
}

/// Where an object is written, for the report.
fn location(meta: &Meta, sources: &Sources) -> Option<Location> {
    meta.source.as_ref().map(|s| sources.locate(s, ""))
}

/// Each claim's binding plan.
pub struct ClaimPlans;

impl RowKind for ClaimPlans {
    type Entry<'r> = ClaimEntry<'r>;

    fn entry<'r>(basis: &'r Basis<'_>, index: usize) -> ClaimEntry<'r> {
        use binding::Outcome::*;
        let snapshot = basis.snapshot;
        let claim = &snapshot.claims[index];
        let plan = &basis.binding.claims[index];
        let volume_name = |v: usize| snapshot.volumes[v].meta.name.as_str();
        ClaimEntry {
            namespace: claim.meta.namespace.as_deref().unwrap_or_default(),
            name: &claim.meta.name,
            outcome: plan.outcome.as_str(),
            volume: plan.volume.as_deref(),
            storage_class: plan.class.as_deref(),
            provisioner: match plan.outcome {
                Provisions | WaitsForConsumer | Pending => plan.provisioner.as_deref(),
                _ => None,
            },
            reason: Some(&plan.reason),
            candidates: plan
                .candidates
                .iter()
                .map(|c| CandidateEntry {
                    volume: volume_name(c.volume),
                    rejected: c.rejected.to_string(),
                })
                .collect(),
            candidates_omitted: plan.candidates_omitted,
            request: claim.request.as_ref().map(|r| match r {
                Ok(q) => q.as_str(),
                Err(_) => "invalid",
            }),
            node: plan.node.as_deref(),
            ties: plan.ties.iter().map(|v| volume_name(*v)).collect(),
            alternatives: plan
                .alternatives
                .iter()
                .map(|a| AlternativeEntry {
                    outcome: a.outcome.as_str(),
                    volume: a.volume.map(volume_name),
                    nodes: &a.nodes,
                })
                .collect(),
            template_of: claim.origin.template().map(|(owner, _)| owner.to_string()),
            phase: claim.status.phase.as_deref(),
            source: location(&claim.meta, basis.sources),
        }
    }
}

/// Each volume's plan.
pub struct VolumePlans;

impl RowKind for VolumePlans {
    type Entry<'r> = VolumeEntry<'r>;

    fn entry<'r>(basis: &'r Basis<'_>, index: usize) -> VolumeEntry<'r> {
        let volume = &basis.snapshot.volumes[index];
        let plan = &basis.binding.volumes[index];
        VolumeEntry {
            name: &volume.meta.name,
            phase: plan.phase.as_str(),
            claim: plan.claim.as_deref(),
            reclaim_policy: plan.reclaim_policy.as_str(),
            on_claim_delete: plan.on_claim_delete.as_str(),
            deleter: plan.deleter.as_ref().map(|d| d.as_str()),
            current_phase: volume.written_phase.map(|p| p.as_str()),
            reserved_for: plan.reserved_for.as_deref(),
            previous_claim: plan.previous_claim.as_deref(),
            capacity: volume
                .capacity
                .as_ref()
                .and_then(|c| c.as_ref().ok())
                .map(|q| q.as_str()),
            reason: &plan.reason,
            source: location(&volume.meta, basis.sources),
        }
    }
}

/// What deleting each claim does to its data.
pub struct ClaimDeletions;

impl RowKind for ClaimDeletions {
    type Entry<'r> = ClaimDeletionEntry<'r>;

    fn entry<'r>(basis: &'r Basis<'_>, index: usize) -> ClaimDeletionEntry<'r> {
        let snapshot = basis.snapshot;
        let claim = &snapshot.claims[index];
        let fate = &basis.deletion.claims[index];
        ClaimDeletionEntry {
            namespace: claim.meta.namespace.as_deref().unwrap_or_default(),
            name: &claim.meta.name,
            data: fate.data.as_str(),
            volume: fate.volume.as_deref(),
            provisioned: fate.provisioned,
            reason: fate.reason(),
            helm_keep: fate.helm_keep,
            used_by: fate
                .used_by
                .iter()
                .map(|w| snapshot.workloads[*w].key().to_string())
                .collect(),
            deleted_with: fate.deleted_with.as_deref(),
        }
    }
}
