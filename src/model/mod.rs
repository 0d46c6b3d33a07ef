//! The typed view of the objects the plan reads: storage objects, nodes and the workloads that
//! consume claims, each remembering where it was written.

pub mod access_modes;
pub mod annotations;
pub mod object;
pub mod quantity;
pub mod selector;
pub mod snapshots;
pub mod storage;
pub mod workload;

pub use access_modes::{AccessMode, AccessModes};
pub use object::{Labels, Meta, ObjectKey, OwnerRef};
pub use quantity::Quantity;
pub use snapshots::{
    ReferenceGrant, VolumePopulator, VolumeSnapshot, VolumeSnapshotClass, VolumeSnapshotContent,
};
pub use storage::{
    BindingMode, Claim, ClaimCondition, ClaimOrigin, ClaimRef, ClaimStatus, DataSource,
    ReclaimPolicy, StorageClass, Volume, VolumeMode, VolumePhase, VolumePlugin,
};
pub use workload::{Node, PodTemplate, Workload, WorkloadKind};

/// Everything the plan knows: the objects loaded from manifests or a cluster.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    pub classes: Vec<StorageClass>,
    pub claims: Vec<Claim>,
    pub volumes: Vec<Volume>,
    pub nodes: Vec<Node>,
    pub workloads: Vec<Workload>,
    pub volume_snapshots: Vec<VolumeSnapshot>,
    pub snapshot_classes: Vec<VolumeSnapshotClass>,
    pub snapshot_contents: Vec<VolumeSnapshotContent>,
    pub reference_grants: Vec<ReferenceGrant>,
    pub volume_populators: Vec<VolumePopulator>,
    /// The classes are every StorageClass of a cluster (read live), so a class not among them
    /// does not exist, rather than being merely left out of the input.
    pub classes_complete: bool,
    /// The claims are every claim of the namespaces read (read live), so a claim a pod names
    /// that is not among them does not exist.
    pub claims_complete: bool,
    /// The VolumeSnapshots are every snapshot of the namespaces read, so a snapshot a claim
    /// restores from that is not among them does not exist. Also taken as so when the claims
    /// are complete and the input holds VolumeSnapshots (a dump that lists them).
    pub snapshots_complete: bool,
    /// Kinds a live read could not list, each with why ("not allowed to list persistentvolumes
    /// (403 Forbidden)"). Their objects may well exist: what the plan would look for among them
    /// is unknown, never absent.
    pub unreadable: Vec<(&'static str, String)>,
}

impl Snapshot {
    /// Whether the VolumePopulators among the inputs are all the cluster registers: the
    /// cluster-scoped objects are complete and the input lists VolumePopulators, or the input
    /// holds a dump of them (a cluster-scoped list is dumped whole).
    pub fn populators_known(&self) -> bool {
        (self.classes_complete && !self.volume_populators.is_empty())
            || self.volume_populators.iter().any(|p| p.meta.exists)
    }

    /// Whether a VolumeSnapshot not among the inputs is known not to exist.
    pub fn snapshots_known(&self) -> bool {
        self.snapshots_complete || (self.claims_complete && !self.volume_snapshots.is_empty())
    }

    /// Why the objects of `kind` could not be read, when they could not.
    pub fn unreadable(&self, kind: &str) -> Option<&str> {
        self.unreadable
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, why)| why.as_str())
    }
}
