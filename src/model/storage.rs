//! PersistentVolumeClaims, PersistentVolumes and StorageClasses, reduced to what binding and the
//! analyses read. Conversion keeps every value as written; defaulting that needs other objects
//! (the default StorageClass) happens in `binding::defaults`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim, PersistentVolumeSpec};
use k8s_openapi::api::storage::v1::StorageClass as K8sStorageClass;

use super::access_modes::{AccessMode, AccessModes};
use super::annotations as ann;
use super::object::{Meta, ObjectKey};
use super::quantity::Quantity;
use super::selector::{
    LabelSelector, NodeOperator, NodeRequirement, NodeSelector, NodeSelectorTerm,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum VolumeMode {
    #[default]
    Filesystem,
    Block,
}

impl VolumeMode {
    /// An absent mode means Filesystem (API defaulting); a value the API would reject is kept as
    /// an error so the binding matcher can still compare the two sides.
    fn parse(s: Option<&str>) -> Result<VolumeMode, String> {
        match s {
            None | Some("Filesystem") => Ok(VolumeMode::Filesystem),
            Some("Block") => Ok(VolumeMode::Block),
            Some(other) => Err(other.to_owned()),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            VolumeMode::Filesystem => "Filesystem",
            VolumeMode::Block => "Block",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReclaimPolicy {
    Retain,
    Delete,
    Recycle,
}

impl ReclaimPolicy {
    fn parse(s: &str) -> Option<ReclaimPolicy> {
        match s {
            "Retain" => Some(ReclaimPolicy::Retain),
            "Delete" => Some(ReclaimPolicy::Delete),
            "Recycle" => Some(ReclaimPolicy::Recycle),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReclaimPolicy::Retain => "Retain",
            ReclaimPolicy::Delete => "Delete",
            ReclaimPolicy::Recycle => "Recycle",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VolumePhase {
    Pending,
    Available,
    Bound,
    Released,
    Failed,
}

impl VolumePhase {
    fn parse(s: &str) -> Option<VolumePhase> {
        match s {
            "Pending" => Some(VolumePhase::Pending),
            "Available" => Some(VolumePhase::Available),
            "Bound" => Some(VolumePhase::Bound),
            "Released" => Some(VolumePhase::Released),
            "Failed" => Some(VolumePhase::Failed),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            VolumePhase::Pending => "Pending",
            VolumePhase::Available => "Available",
            VolumePhase::Bound => "Bound",
            VolumePhase::Released => "Released",
            VolumePhase::Failed => "Failed",
        }
    }
}

impl fmt::Display for VolumePhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value as written, or what was wrong with it (for an enumeration, the unknown value itself).
/// Invalid values do not stop the plan: the object is still planned and the problem becomes a
/// finding.
pub type Parsed<T> = Result<T, String>;

fn parse_access_modes(raw: Option<&Vec<String>>) -> (AccessModes, Vec<String>) {
    let mut modes = AccessModes::EMPTY;
    let mut unknown = Vec::new();
    for value in raw.into_iter().flatten() {
        match AccessMode::parse(value) {
            Some(mode) => modes.insert(mode),
            None => unknown.push(value.clone()),
        }
    }
    (modes, unknown)
}

pub(crate) fn parse_storage(
    map: Option<&BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>,
) -> Option<Parsed<Quantity>> {
    let raw = map?.get("storage")?;
    Some(Quantity::parse(&raw.0).map_err(|e| format!("invalid quantity {:?}: {e}", raw.0)))
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClaimOrigin {
    /// Written as a PersistentVolumeClaim.
    Manifest,
    /// Expanded from a StatefulSet's volumeClaimTemplates: `<template>-<statefulset>-<ordinal>`.
    StatefulSetTemplate {
        statefulset: ObjectKey,
        template: String,
        ordinal: i32,
    },
    /// Made by the ephemeral volume controller for a pod's generic ephemeral volume,
    /// `<pod>-<volume>`: the pod owns it, so it is deleted with the pod.
    EphemeralVolume {
        /// The pod, or the workload whose pod template holds the volume.
        workload: ObjectKey,
        volume: String,
        pod: String,
    },
}

impl ClaimOrigin {
    /// The object whose template the claim is made from, with the template's name (a
    /// volumeClaimTemplate's, or the ephemeral volume's): claims of one template share its text.
    pub fn template(&self) -> Option<(&ObjectKey, &str)> {
        match self {
            ClaimOrigin::Manifest => None,
            ClaimOrigin::StatefulSetTemplate {
                statefulset,
                template,
                ..
            } => Some((statefulset, template)),
            ClaimOrigin::EphemeralVolume {
                workload, volume, ..
            } => Some((workload, volume)),
        }
    }

    /// How a message names the template, e.g. `volumeClaimTemplate data of StatefulSet db/pg`.
    pub fn describe_template(&self) -> Option<String> {
        match self {
            ClaimOrigin::Manifest => None,
            ClaimOrigin::StatefulSetTemplate {
                statefulset,
                template,
                ..
            } => Some(format!("volumeClaimTemplate {template} of {statefulset}")),
            ClaimOrigin::EphemeralVolume {
                workload, volume, ..
            } => Some(format!("ephemeral volume {volume} of {workload}")),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Claim {
    pub meta: Meta,
    /// `spec.storageClassName` as written: `None` when unset, `Some("")` for "no class".
    pub spec_class: Option<String>,
    pub access_modes: AccessModes,
    pub unknown_access_modes: Vec<String>,
    pub volume_mode: Parsed<VolumeMode>,
    /// `spec.resources.requests.storage`; `None` when missing (the API requires it).
    pub request: Option<Parsed<Quantity>>,
    pub selector: Option<Parsed<LabelSelector>>,
    pub volume_name: Option<String>,
    pub attributes_class: Option<String>,
    pub origin: ClaimOrigin,
    /// `status.capacity.storage`: the size of the bound volume as the claim records it.
    pub status_capacity: Option<Parsed<Quantity>>,
    /// The request of the claim as it exists in the cluster, when a later definition in the
    /// input updates an existing claim (a manifest applied over a dump).
    pub previous_request: Option<Box<Quantity>>,
    /// What the controllers wrote in `status`: phase, conditions and resize progress.
    pub status: ClaimStatus,
    /// `spec.dataSource`: a claim to clone or a VolumeSnapshot to restore, as written. Boxed,
    /// as the rare fields are: a claim is held once per claim of a cluster.
    pub data_source: Option<Box<DataSource>>,
    /// `spec.dataSourceRef`: the same, or a populator's object, possibly in another namespace.
    pub data_source_ref: Option<Box<DataSource>>,
}

/// What a claim's volume is made from (`spec.dataSource` or `spec.dataSourceRef`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataSource {
    /// `apiGroup`; "" for the core group (a PersistentVolumeClaim).
    pub group: String,
    pub kind: String,
    pub name: String,
    /// Only `dataSourceRef` has one: the source lives in another namespace.
    pub namespace: Option<String>,
}

impl DataSource {
    pub fn is_claim(&self) -> bool {
        self.group.is_empty() && self.kind == "PersistentVolumeClaim"
    }

    pub fn is_snapshot(&self) -> bool {
        self.group == super::snapshots::SNAPSHOT_GROUP && self.kind == "VolumeSnapshot"
    }

    /// `kind name`, with the group when it has one (`VolumeSnapshot db-snap`).
    pub fn describe(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }
}

/// A claim's `status` beyond its capacity: where binding and resizing stand.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClaimStatus {
    /// `status.phase`: Pending, Bound or Lost.
    pub phase: Option<String>,
    pub conditions: Vec<ClaimCondition>,
    /// `status.allocatedResourceStatuses`: per resource, the resize state
    /// (ControllerResizeInProgress, NodeResizePending, ControllerResizeInfeasible, …).
    pub allocated_resource_statuses: BTreeMap<String, String>,
}

/// One of `status.conditions` (Resizing, FileSystemResizePending, ControllerResizeError, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimCondition {
    pub type_: String,
    /// "True", "False" or "Unknown".
    pub status: String,
    pub reason: Option<String>,
    pub message: Option<String>,
    /// Its index in `status.conditions`, to point at it.
    pub index: usize,
}

impl ClaimStatus {
    fn from_k8s(status: Option<&k8s_openapi::api::core::v1::PersistentVolumeClaimStatus>) -> Self {
        let Some(status) = status else {
            return ClaimStatus::default();
        };
        ClaimStatus {
            phase: status.phase.clone(),
            conditions: status
                .conditions
                .iter()
                .flatten()
                .enumerate()
                .map(|(index, c)| ClaimCondition {
                    type_: c.type_.clone(),
                    status: c.status.clone(),
                    reason: c.reason.clone().filter(|r| !r.is_empty()),
                    message: c.message.clone().filter(|m| !m.is_empty()),
                    index,
                })
                .collect(),
            allocated_resource_statuses: status
                .allocated_resource_statuses
                .clone()
                .unwrap_or_default(),
        }
    }

    /// A condition of this type whose status is "True".
    pub fn condition(&self, type_: &str) -> Option<&ClaimCondition> {
        self.conditions
            .iter()
            .find(|c| c.type_ == type_ && c.status == "True")
    }

    /// The resize state of the storage request, if a resize was recorded.
    pub fn storage_resize(&self) -> Option<&str> {
        self.allocated_resource_statuses
            .get("storage")
            .map(String::as_str)
    }
}

impl Claim {
    /// Takes the claim apart rather than copying it: a large load has millions of its strings.
    pub fn from_k8s(pvc: PersistentVolumeClaim, meta: Meta, origin: ClaimOrigin) -> Claim {
        let spec = pvc.spec.unwrap_or_default();
        let (access_modes, unknown_access_modes) = parse_access_modes(spec.access_modes.as_ref());
        Claim {
            meta,
            spec_class: spec.storage_class_name,
            access_modes,
            unknown_access_modes,
            volume_mode: VolumeMode::parse(spec.volume_mode.as_deref()),
            request: parse_storage(spec.resources.as_ref().and_then(|r| r.requests.as_ref())),
            selector: spec
                .selector
                .as_ref()
                .map(|s| LabelSelector::from_k8s(s).map_err(|e| e.to_string())),
            volume_name: spec.volume_name.filter(|v| !v.is_empty()),
            attributes_class: spec.volume_attributes_class_name.filter(|v| !v.is_empty()),
            origin,
            status_capacity: parse_storage(pvc.status.as_ref().and_then(|s| s.capacity.as_ref())),
            previous_request: None,
            status: ClaimStatus::from_k8s(pvc.status.as_ref()),
            data_source: spec.data_source.map(|d| {
                Box::new(DataSource {
                    group: d.api_group.unwrap_or_default(),
                    kind: d.kind,
                    name: d.name,
                    namespace: None,
                })
            }),
            data_source_ref: spec.data_source_ref.map(|d| {
                Box::new(DataSource {
                    group: d.api_group.unwrap_or_default(),
                    kind: d.kind,
                    name: d.name,
                    namespace: d.namespace.filter(|n| !n.is_empty()),
                })
            }),
        }
    }

    pub fn key(&self) -> ObjectKey {
        self.meta.key("PersistentVolumeClaim")
    }

    /// The class the user asked for, before defaulting: the beta annotation wins over the spec
    /// field, as in upstream `GetPersistentVolumeClaimClass`.
    pub fn written_class(&self) -> &str {
        if let Some(class) = self.meta.annotation(ann::BETA_STORAGE_CLASS) {
            return class;
        }
        self.spec_class.as_deref().unwrap_or("")
    }

    /// Whether a class was asked for at all (an explicit "" counts), as in upstream
    /// `PersistentVolumeClaimHasClass`; claims without one get the default class.
    pub fn has_class(&self) -> bool {
        self.meta.has_annotation(ann::BETA_STORAGE_CLASS) || self.spec_class.is_some()
    }

    pub fn bind_completed(&self) -> bool {
        self.meta.has_annotation(ann::BIND_COMPLETED)
    }

    pub fn selected_node(&self) -> Option<&str> {
        self.meta
            .annotation(ann::SELECTED_NODE)
            .filter(|n| !n.is_empty())
    }

    /// The request in comparable form; a missing or invalid request compares as zero, as an
    /// absent map entry does upstream.
    pub fn request_or_zero(&self) -> Quantity {
        match &self.request {
            Some(Ok(q)) => q.clone(),
            _ => Quantity::zero(),
        }
    }

    pub fn volume_mode_or_default(&self) -> VolumeMode {
        self.volume_mode.as_ref().copied().unwrap_or_default()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimRef {
    pub namespace: String,
    pub name: String,
    pub uid: Option<String>,
}

/// The volume sources written in a PV spec, by field name, with the in-tree plugin of each
/// (`None` for csi). The API requires exactly one.
fn volume_sources(spec: &PersistentVolumeSpec) -> Vec<(&'static str, Option<&'static str>)> {
    let written: [(&'static str, Option<&'static str>, bool); 22] = [
        ("csi", None, spec.csi.is_some()),
        (
            "awsElasticBlockStore",
            Some("kubernetes.io/aws-ebs"),
            spec.aws_elastic_block_store.is_some(),
        ),
        (
            "azureDisk",
            Some("kubernetes.io/azure-disk"),
            spec.azure_disk.is_some(),
        ),
        (
            "azureFile",
            Some("kubernetes.io/azure-file"),
            spec.azure_file.is_some(),
        ),
        (
            "cephfs",
            Some("kubernetes.io/cephfs"),
            spec.cephfs.is_some(),
        ),
        (
            "cinder",
            Some("kubernetes.io/cinder"),
            spec.cinder.is_some(),
        ),
        ("fc", Some("kubernetes.io/fc"), spec.fc.is_some()),
        ("flexVolume", Some("flexVolume"), spec.flex_volume.is_some()),
        (
            "flocker",
            Some("kubernetes.io/flocker"),
            spec.flocker.is_some(),
        ),
        (
            "gcePersistentDisk",
            Some("kubernetes.io/gce-pd"),
            spec.gce_persistent_disk.is_some(),
        ),
        (
            "glusterfs",
            Some("kubernetes.io/glusterfs"),
            spec.glusterfs.is_some(),
        ),
        (
            "hostPath",
            Some("kubernetes.io/host-path"),
            spec.host_path.is_some(),
        ),
        ("iscsi", Some("kubernetes.io/iscsi"), spec.iscsi.is_some()),
        (
            "local",
            Some("kubernetes.io/local-volume"),
            spec.local.is_some(),
        ),
        ("nfs", Some("kubernetes.io/nfs"), spec.nfs.is_some()),
        (
            "photonPersistentDisk",
            Some("kubernetes.io/photon-pd"),
            spec.photon_persistent_disk.is_some(),
        ),
        (
            "portworxVolume",
            Some("kubernetes.io/portworx-volume"),
            spec.portworx_volume.is_some(),
        ),
        (
            "quobyte",
            Some("kubernetes.io/quobyte"),
            spec.quobyte.is_some(),
        ),
        ("rbd", Some("kubernetes.io/rbd"), spec.rbd.is_some()),
        (
            "scaleIO",
            Some("kubernetes.io/scaleio"),
            spec.scale_io.is_some(),
        ),
        (
            "storageos",
            Some("kubernetes.io/storageos"),
            spec.storageos.is_some(),
        ),
        (
            "vsphereVolume",
            Some("kubernetes.io/vsphere-volume"),
            spec.vsphere_volume.is_some(),
        ),
    ];
    written
        .into_iter()
        .filter(|(_, _, present)| *present)
        .map(|(field, plugin, _)| (field, plugin))
        .collect()
}

/// The volume plugin a PV uses: the CSI driver name, or the in-tree plugin.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum VolumePlugin {
    Csi(String),
    InTree(&'static str),
    Unknown,
}

impl VolumePlugin {
    fn from_spec(spec: &PersistentVolumeSpec) -> VolumePlugin {
        if let Some(csi) = &spec.csi {
            return VolumePlugin::Csi(csi.driver.clone());
        }
        volume_sources(spec)
            .into_iter()
            .find_map(|(_, plugin)| plugin)
            .map_or(VolumePlugin::Unknown, VolumePlugin::InTree)
    }

    pub fn name(&self) -> &str {
        match self {
            VolumePlugin::Csi(driver) => driver,
            VolumePlugin::InTree(name) => name,
            VolumePlugin::Unknown => "unknown",
        }
    }

    pub fn is_local(&self) -> bool {
        matches!(self, VolumePlugin::InTree("kubernetes.io/local-volume"))
    }

    pub fn is_host_path(&self) -> bool {
        matches!(self, VolumePlugin::InTree("kubernetes.io/host-path"))
    }
}

#[derive(Clone, Debug)]
pub struct Volume {
    pub meta: Meta,
    pub capacity: Option<Parsed<Quantity>>,
    pub access_modes: AccessModes,
    pub unknown_access_modes: Vec<String>,
    pub volume_mode: Parsed<VolumeMode>,
    pub spec_class: Option<String>,
    pub claim_ref: Option<ClaimRef>,
    /// As written; `None` means the API default (Retain for a PV created by hand).
    pub reclaim_policy: Option<Parsed<ReclaimPolicy>>,
    /// `status.phase` as written; the plan predicts the phase the controller converges to.
    pub written_phase: Option<VolumePhase>,
    /// Shared between the volumes that have the same one (a zone's, a node's local volumes).
    pub node_affinity: Option<Parsed<Arc<NodeSelector>>>,
    pub attributes_class: Option<String>,
    pub plugin: VolumePlugin,
    /// The volume source fields written (`csi`, `nfs`, …): the API requires exactly one.
    pub sources: Vec<&'static str>,
    /// `spec.capacity` is written (possibly without a storage entry).
    pub capacity_written: bool,
    /// `spec.csi.volumeHandle` of a CSI volume.
    pub csi_volume_handle: Option<String>,
    /// `spec.hostPath.path` of a hostPath volume: the in-tree deleter judges it.
    pub host_path: Option<String>,
    /// `spec.mountOptions`, which the kubelet hands the volume plugin.
    pub mount_options: Vec<String>,
}

impl Volume {
    /// Takes the strings it keeps out of the volume rather than copying them; the volume,
    /// several kilobytes of optional sources, is not moved either.
    pub fn from_k8s(pv: &mut PersistentVolume, meta: Meta) -> Volume {
        let mut none = None;
        let spec = match &mut pv.spec {
            Some(spec) => spec,
            None => none.insert(PersistentVolumeSpec::default()),
        };
        let (access_modes, unknown_access_modes) = parse_access_modes(spec.access_modes.as_ref());
        let claim_ref = spec.claim_ref.as_mut().map(|r| ClaimRef {
            namespace: r.namespace.take().unwrap_or_default(),
            name: r.name.take().unwrap_or_default(),
            uid: r.uid.take().filter(|u| !u.is_empty()),
        });
        let node_affinity = spec
            .node_affinity
            .as_ref()
            .and_then(|a| a.required.as_ref())
            .map(|required| {
                NodeSelector::from_k8s(required)
                    .map(shared_node_selector)
                    .map_err(|e| e.to_string())
            });
        // Read before the strings below are taken out.
        let plugin = VolumePlugin::from_spec(spec);
        let sources = volume_sources(spec).into_iter().map(|(f, _)| f).collect();
        Volume {
            capacity: parse_storage(spec.capacity.as_ref()),
            access_modes,
            unknown_access_modes,
            volume_mode: VolumeMode::parse(spec.volume_mode.as_deref()),
            spec_class: spec.storage_class_name.take(),
            claim_ref,
            reclaim_policy: spec
                .persistent_volume_reclaim_policy
                .as_deref()
                .map(|p| ReclaimPolicy::parse(p).ok_or_else(|| p.to_owned())),
            written_phase: pv
                .status
                .as_ref()
                .and_then(|s| s.phase.as_deref())
                .and_then(VolumePhase::parse),
            node_affinity,
            attributes_class: spec
                .volume_attributes_class_name
                .take()
                .filter(|v| !v.is_empty()),
            plugin,
            sources,
            capacity_written: spec.capacity.as_ref().is_some_and(|c| !c.is_empty()),
            csi_volume_handle: spec
                .csi
                .as_mut()
                .map(|c| std::mem::take(&mut c.volume_handle)),
            host_path: spec.host_path.as_mut().map(|h| std::mem::take(&mut h.path)),
            mount_options: spec.mount_options.take().unwrap_or_default(),
            meta,
        }
    }

    pub fn key(&self) -> ObjectKey {
        self.meta.key("PersistentVolume")
    }

    /// The volume's class: the beta annotation wins over the spec field, as in upstream
    /// `GetPersistentVolumeClass`.
    pub fn class(&self) -> &str {
        if let Some(class) = self.meta.annotation(ann::BETA_STORAGE_CLASS) {
            return class;
        }
        self.spec_class.as_deref().unwrap_or("")
    }

    pub fn capacity_or_zero(&self) -> Quantity {
        match &self.capacity {
            Some(Ok(q)) => q.clone(),
            _ => Quantity::zero(),
        }
    }

    pub fn volume_mode_or_default(&self) -> VolumeMode {
        self.volume_mode.as_ref().copied().unwrap_or_default()
    }

    /// The capacity in nano-units, without copying the quantity: the matcher's hot path.
    pub fn capacity_nanos(&self) -> i128 {
        match &self.capacity {
            Some(Ok(q)) => q.nanos(),
            _ => 0,
        }
    }

    pub fn reclaim_policy_or_default(&self) -> ReclaimPolicy {
        match &self.reclaim_policy {
            Some(Ok(p)) => *p,
            _ => ReclaimPolicy::Retain,
        }
    }

    pub fn bound_by_controller(&self) -> bool {
        self.meta.has_annotation(ann::BOUND_BY_CONTROLLER)
    }

    pub fn provisioned_by(&self) -> Option<&str> {
        self.meta.annotation(ann::PROVISIONED_BY)
    }

    pub fn migrated_to(&self) -> Option<&str> {
        self.meta
            .annotation(ann::MIGRATED_TO)
            .filter(|driver| !driver.is_empty())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum BindingMode {
    #[default]
    Immediate,
    WaitForFirstConsumer,
}

impl BindingMode {
    pub fn as_str(self) -> &'static str {
        match self {
            BindingMode::Immediate => "Immediate",
            BindingMode::WaitForFirstConsumer => "WaitForFirstConsumer",
        }
    }
}

/// The provisioner name that means "never provisions": classes for pre-created local volumes.
pub const NO_PROVISIONER: &str = "kubernetes.io/no-provisioner";

#[derive(Clone, Debug)]
pub struct StorageClass {
    pub meta: Meta,
    pub provisioner: String,
    pub binding_mode: Parsed<BindingMode>,
    /// Reclaim policy given to volumes it provisions (API default Delete).
    pub reclaim_policy: Parsed<ReclaimPolicy>,
    pub allow_expansion: bool,
    pub allowed_topologies: Option<NodeSelector>,
    pub parameters: BTreeMap<String, String>,
}

impl StorageClass {
    pub fn from_k8s(sc: &K8sStorageClass, meta: Meta) -> StorageClass {
        let binding_mode = match sc.volume_binding_mode.as_deref() {
            None | Some("Immediate") => Ok(BindingMode::Immediate),
            Some("WaitForFirstConsumer") => Ok(BindingMode::WaitForFirstConsumer),
            Some(other) => Err(other.to_owned()),
        };
        let reclaim_policy = match sc.reclaim_policy.as_deref() {
            None => Ok(ReclaimPolicy::Delete),
            Some(p) => ReclaimPolicy::parse(p).ok_or_else(|| p.to_owned()),
        };
        // allowedTopologies terms are ORed and their expressions ANDed, like node selector terms
        // with operator In, which is how the scheduler evaluates them.
        let allowed_topologies = sc
            .allowed_topologies
            .as_ref()
            .filter(|t| !t.is_empty())
            .map(|terms| NodeSelector {
                terms: terms
                    .iter()
                    .map(|term| {
                        NodeSelectorTerm::new(
                            term.match_label_expressions
                                .iter()
                                .flatten()
                                .map(|e| NodeRequirement {
                                    key: e.key.clone(),
                                    operator: NodeOperator::In,
                                    values: e.values.clone(),
                                })
                                .collect(),
                            Vec::new(),
                        )
                    })
                    .collect(),
            });
        StorageClass {
            provisioner: sc.provisioner.clone(),
            binding_mode,
            reclaim_policy,
            allow_expansion: sc.allow_volume_expansion.unwrap_or(false),
            allowed_topologies,
            parameters: sc.parameters.clone().unwrap_or_default(),
            meta,
        }
    }

    pub fn key(&self) -> ObjectKey {
        self.meta.key("StorageClass")
    }

    /// As upstream `IsDefaultAnnotation`: either annotation set to exactly "true".
    pub fn is_default(&self) -> bool {
        self.meta.annotation(ann::IS_DEFAULT_CLASS) == Some("true")
            || self.meta.annotation(ann::BETA_IS_DEFAULT_CLASS) == Some("true")
    }

    pub fn binding_mode_or_default(&self) -> BindingMode {
        self.binding_mode.clone().unwrap_or_default()
    }

    pub fn provisions(&self) -> bool {
        self.provisioner != NO_PROVISIONER && !self.provisioner.is_empty()
    }
}

/// The node selector equal to `selector` that an earlier volume read on this thread has, or
/// `selector`: a large cluster's volumes share a few hundred (one per zone, one per node for
/// local volumes), and a copy each cost 300 bytes a volume.
fn shared_node_selector(selector: NodeSelector) -> Arc<NodeSelector> {
    thread_local! {
        static SEEN: std::cell::RefCell<rustc_hash::FxHashSet<Arc<NodeSelector>>> =
            std::cell::RefCell::default();
    }
    SEEN.with(|seen| {
        let mut seen = seen.borrow_mut();
        if let Some(shared) = seen.get(&selector) {
            return Arc::clone(shared);
        }
        let shared = Arc::new(selector);
        seen.insert(Arc::clone(&shared));
        shared
    })
}
