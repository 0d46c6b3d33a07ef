//! Volume snapshots and what a claim's data source may name: the snapshot.storage.k8s.io kinds
//! (kubernetes-csi/external-snapshotter's CRDs), the ReferenceGrants that allow a data source in
//! another namespace, and the VolumePopulators registered for other kinds. k8s-openapi has no
//! types for them; `load::snapshot_kinds` reads them.

use super::object::{Meta, ObjectKey};
use super::quantity::Quantity;
use super::storage::Parsed;

/// The API group of VolumeSnapshots, as a claim's dataSource must name it.
pub const SNAPSHOT_GROUP: &str = "snapshot.storage.k8s.io";

/// A VolumeSnapshot: a snapshot taken of a claim, or a handle on an existing one.
#[derive(Clone, Debug)]
pub struct VolumeSnapshot {
    pub meta: Meta,
    /// `spec.volumeSnapshotClassName`; `None` means the default class of the source's driver.
    pub class: Option<String>,
    /// `spec.source.persistentVolumeClaimName`: the claim to snapshot.
    pub source_claim: Option<String>,
    /// `spec.source.volumeSnapshotContentName`: a pre-existing snapshot.
    pub source_content: Option<String>,
    /// `status.readyToUse`; `None` when unknown (a manifest, or a status not written yet).
    pub ready: Option<bool>,
    /// `status.restoreSize`: the smallest volume it can be restored to.
    pub restore_size: Option<Parsed<Quantity>>,
    /// `status.boundVolumeSnapshotContentName`.
    pub bound_content: Option<String>,
    /// `status.error.message`: why the snapshot controller could not take it.
    pub error: Option<String>,
}

impl VolumeSnapshot {
    pub fn key(&self) -> ObjectKey {
        self.meta.key("VolumeSnapshot")
    }
}

/// A VolumeSnapshotClass: which CSI driver takes snapshots of that class.
#[derive(Clone, Debug)]
pub struct VolumeSnapshotClass {
    pub meta: Meta,
    pub driver: String,
}

impl VolumeSnapshotClass {
    pub fn key(&self) -> ObjectKey {
        self.meta.key("VolumeSnapshotClass")
    }

    /// `snapshot.storage.kubernetes.io/is-default-class: "true"`: the class a snapshot of this
    /// driver gets when it names none.
    pub fn is_default(&self) -> bool {
        self.meta
            .annotation(super::annotations::SNAPSHOT_IS_DEFAULT_CLASS)
            == Some("true")
    }
}

/// A VolumeSnapshotContent: the snapshot on the storage side.
#[derive(Clone, Debug)]
pub struct VolumeSnapshotContent {
    pub meta: Meta,
    pub driver: String,
    /// `spec.volumeSnapshotRef`: the namespace and name of the VolumeSnapshot it belongs to.
    pub snapshot_ref: Option<(String, String)>,
    /// `status.restoreSize`, in bytes.
    pub restore_size: Option<i64>,
}

impl VolumeSnapshotContent {
    pub fn key(&self) -> ObjectKey {
        self.meta.key("VolumeSnapshotContent")
    }
}

/// One `spec.from` entry of a ReferenceGrant: objects of this kind in this namespace may refer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantFrom {
    pub group: String,
    pub kind: String,
    pub namespace: String,
}

/// One `spec.to` entry: objects of this kind (with this name, when given) may be referred to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantTo {
    pub group: String,
    pub kind: String,
    pub name: Option<String>,
}

/// A ReferenceGrant (gateway.networking.k8s.io): lets objects of another namespace refer to
/// objects of its own, as a claim's cross-namespace dataSourceRef needs.
#[derive(Clone, Debug)]
pub struct ReferenceGrant {
    pub meta: Meta,
    pub from: Vec<GrantFrom>,
    pub to: Vec<GrantTo>,
}

impl ReferenceGrant {
    /// Whether it lets a claim in `claim_namespace` use the object `group`/`kind` `name` of
    /// the grant's own namespace as its data source.
    pub fn allows_claim_source(
        &self,
        claim_namespace: &str,
        group: &str,
        kind: &str,
        name: &str,
    ) -> bool {
        let from = self.from.iter().any(|f| {
            f.group.is_empty()
                && f.kind == "PersistentVolumeClaim"
                && f.namespace == claim_namespace
        });
        let to = self.to.iter().any(|t| {
            t.group == group && t.kind == kind && t.name.as_deref().is_none_or(|n| n == name)
        });
        from && to
    }
}

/// A VolumePopulator (populator.storage.k8s.io): registers a kind as a data source that a
/// populator controller fills volumes from.
#[derive(Clone, Debug)]
pub struct VolumePopulator {
    pub meta: Meta,
    pub group: String,
    pub kind: String,
}
