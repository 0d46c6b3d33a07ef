//! The typed view of the objects the plan reads: storage objects, nodes and the workloads that
//! consume claims, each remembering where it was written.

pub mod access_modes;
pub mod annotations;
pub mod object;
pub mod quantity;
pub mod selector;
pub mod storage;
pub mod version;
pub mod workload;

pub use access_modes::{AccessMode, AccessModes};
pub use object::{Labels, Meta, ObjectKey, OwnerRef};
pub use quantity::Quantity;
pub use storage::{
    BindingMode, Claim, ClaimCondition, ClaimOrigin, ClaimRef, ClaimStatus, ReclaimPolicy,
    StorageClass, Volume, VolumeMode, VolumePhase, VolumePlugin,
};
pub use version::KubernetesVersion;
pub use workload::{Node, PodTemplate, Workload, WorkloadKind};

/// Everything the plan knows: the objects loaded from manifests or a cluster.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    pub classes: Vec<StorageClass>,
    pub claims: Vec<Claim>,
    pub volumes: Vec<Volume>,
    pub nodes: Vec<Node>,
    pub workloads: Vec<Workload>,
    /// The classes are every StorageClass of a cluster (read live), so a class not among them
    /// does not exist, rather than being merely left out of the input.
    pub classes_complete: bool,
    /// The claims are every claim of the namespaces read (read live), so a claim a pod names
    /// that is not among them does not exist.
    pub claims_complete: bool,
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
    /// Why the objects of `kind` could not be read, when they could not.
    pub fn unreadable(&self, kind: &str) -> Option<&str> {
        self.unreadable
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, why)| why.as_str())
    }
}
