//! The typed view of the objects the plan reads: storage objects, nodes and the workloads that
//! consume claims, each remembering where it was written.

pub mod access_modes;
pub mod annotations;
pub mod labels;
pub mod object;
pub mod quantity;
pub mod scope;
pub mod selector;
pub mod snapshots;
mod sorted_pairs;
pub mod storage;
pub mod version;
pub mod workload;

pub use access_modes::{AccessMode, AccessModes};
pub use object::{Labels, Meta, ObjectKey, OwnerRef};
pub use quantity::Quantity;
pub use scope::{Scope, ScopeBasis};
pub use snapshots::{
    ReferenceGrant, VolumePopulator, VolumeSnapshot, VolumeSnapshotClass, VolumeSnapshotContent,
};
pub use storage::{
    BindingMode, Claim, ClaimCondition, ClaimOrigin, ClaimRef, ClaimStatus, DataSource,
    ReclaimPolicy, StorageClass, Volume, VolumeMode, VolumePhase, VolumePlugin,
};
pub use version::KubernetesVersion;
pub use workload::{Node, PodTemplate, Workload, WorkloadKind};

/// Claims' indexes by (namespace, name): built once by whatever looks many of them up, so that a
/// look-up costs a hash, not a walk over every claim.
pub type ClaimsByName<'a> = rustc_hash::FxHashMap<(&'a str, &'a str), usize>;

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
    /// Whether the input is the whole cluster (read live, a dump, `--complete`) or a part.
    pub scope: Scope,
    /// The classes are every StorageClass of the cluster (complete input, and the kind could be
    /// read), so a class not among them does not exist, rather than being left out.
    pub classes_complete: bool,
    /// The claims are every claim of the namespaces read, so a claim a pod or a volume names
    /// that is not among them does not exist.
    pub claims_complete: bool,
    /// The volumes are every PersistentVolume of the cluster.
    pub volumes_complete: bool,
    /// The VolumeSnapshots are every snapshot of the cluster (a dump, `--complete`; a live read
    /// does not list them), so a snapshot a claim restores from that is not among them does not
    /// exist.
    pub snapshots_complete: bool,
    /// Kinds a live read could not list, each with why ("not allowed to list persistentvolumes
    /// (403 Forbidden)"). Their objects may well exist: what the plan would look for among them
    /// is unknown, never absent.
    pub unreadable: Vec<(&'static str, String)>,
    /// The Kubernetes release planned for: `--kubernetes-version`, the live cluster's, or the
    /// newest the tool knows.
    pub kubernetes_version: KubernetesVersion,
    /// Objects written at an API version some release no longer serves (whether the target
    /// release serves it is the analysis's to judge).
    pub retired_api_objects: Vec<RetiredApiObject>,
}

/// An object written at an API version that the removals catalogue (rules/removals/) lists.
#[derive(Clone, Debug)]
pub struct RetiredApiObject {
    pub key: ObjectKey,
    pub api_version: String,
    pub source: Option<crate::load::source::ObjectSource>,
}

impl Snapshot {
    /// Settles what the input is, and so which kinds are known in full: all of them in complete
    /// input, except kinds the run could not read.
    pub fn set_scope(&mut self, scope: Scope) {
        self.scope = scope;
        let known = |s: &Snapshot, kind| scope.complete && s.unreadable(kind).is_none();
        self.classes_complete = known(self, "StorageClass");
        self.claims_complete = known(self, "PersistentVolumeClaim");
        self.volumes_complete = known(self, "PersistentVolume");
        // A live read does not list VolumeSnapshots; a dump or --complete shows them all.
        self.snapshots_complete = scope.complete
            && scope.basis != ScopeBasis::Cluster
            && self.unreadable("VolumeSnapshot").is_none();
    }

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

    /// Each claim's index by (namespace, name), for analyses that follow a pod's claimName.
    pub fn claims_by_name(&self) -> ClaimsByName<'_> {
        self.claims
            .iter()
            .enumerate()
            .map(|(c, claim)| {
                let ns = claim.meta.namespace.as_deref().unwrap_or_default();
                ((ns, claim.meta.name.as_str()), c)
            })
            .collect()
    }

    /// Why the objects of `kind` could not be read, when they could not.
    pub fn unreadable(&self, kind: &str) -> Option<&str> {
        self.unreadable
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, why)| why.as_str())
    }
}
