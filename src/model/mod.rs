//! The typed view of the objects the plan reads: storage objects, nodes and the workloads that
//! consume claims, each remembering where it was written.

pub mod access_modes;
pub mod annotations;
pub mod object;
pub mod quantity;
pub mod scope;
pub mod selector;
pub mod storage;
pub mod workload;

pub use access_modes::{AccessMode, AccessModes};
pub use object::{Labels, Meta, ObjectKey, OwnerRef};
pub use quantity::Quantity;
pub use scope::{Scope, ScopeBasis};
pub use storage::{
    BindingMode, Claim, ClaimCondition, ClaimOrigin, ClaimRef, ClaimStatus, ReclaimPolicy,
    StorageClass, Volume, VolumeMode, VolumePhase, VolumePlugin,
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
    /// Kinds a live read could not list, each with why ("not allowed to list persistentvolumes
    /// (403 Forbidden)"). Their objects may well exist: what the plan would look for among them
    /// is unknown, never absent.
    pub unreadable: Vec<(&'static str, String)>,
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
    }

    /// Why the objects of `kind` could not be read, when they could not.
    pub fn unreadable(&self, kind: &str) -> Option<&str> {
        self.unreadable
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, why)| why.as_str())
    }
}
