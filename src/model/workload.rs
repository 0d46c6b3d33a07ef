//! Nodes, pods and the workloads whose pod templates use claims. A workload becomes the pods it
//! would run ("consumers"), which is what the scheduler's volume binding sees.

use k8s_openapi::api::core::v1::{Node as K8sNode, PersistentVolumeClaimTemplate, PodSpec};

use super::object::{Labels, Meta, ObjectKey};
use super::quantity::Quantity;
use super::selector::{tolerates_all, NodeSelector, Taint, Toleration};
use super::storage::Parsed;

#[derive(Clone, Debug)]
pub struct Node {
    pub meta: Meta,
    pub taints: Vec<Taint>,
    pub unschedulable: bool,
}

impl Node {
    pub fn from_k8s(node: &K8sNode, meta: Meta) -> Node {
        let spec = node.spec.as_ref();
        Node {
            taints: spec
                .and_then(|s| s.taints.as_ref())
                .map(|t| t.iter().map(Taint::from_k8s).collect())
                .unwrap_or_default(),
            unschedulable: spec.and_then(|s| s.unschedulable).unwrap_or(false),
            meta,
        }
    }
}

/// A pod volume that uses a claim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimUse {
    /// The pod volume's name.
    pub volume: String,
    pub claim: String,
    /// Mounted read-only: the volume source says so, or every mount of it does.
    pub read_only: bool,
    /// Path of the volume entry inside the workload, for pointing at it.
    pub path: String,
}

/// How a container uses a pod volume: mounted as a filesystem (`volumeMounts`) or handed over as
/// a raw block device (`volumeDevices`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeUse {
    pub volume: String,
    pub container: String,
    pub device: bool,
    /// Path of the `volumeMounts` or `volumeDevices` entry inside the workload.
    pub path: String,
    /// Where the container sees it: `mountPath` or `devicePath`.
    pub target: String,
}

/// A generic ephemeral volume (`volumes[].ephemeral.volumeClaimTemplate`): the ephemeral volume
/// controller creates claim `<pod>-<volume>` from the template for each pod, owned by the pod.
#[derive(Clone, Debug)]
pub struct EphemeralVolume {
    pub volume: String,
    /// Path of the `volumeClaimTemplate` inside the workload.
    pub path: String,
    pub template: PersistentVolumeClaimTemplate,
}

/// An `emptyDir` volume: scratch space on the node's disk (or in memory), gone with the pod.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmptyDir {
    pub volume: String,
    /// Path of the volume entry inside the workload.
    pub path: String,
    pub size_limit: bool,
    /// `medium: Memory`: a tmpfs, counted against the pod's memory, not the node's disk.
    pub memory: bool,
}

/// The parts of a pod spec that decide where it can run and which claims it uses.
#[derive(Clone, Debug, Default)]
pub struct PodTemplate {
    /// Where the pod spec sits inside its object, e.g. `spec.template.spec`.
    pub path: String,
    pub node_name: Option<String>,
    pub node_selector: Labels,
    pub required_affinity: Option<Parsed<NodeSelector>>,
    pub tolerations: Vec<Toleration>,
    pub claims: Vec<ClaimUse>,
    /// Generic ephemeral volumes: each gets a claim `<pod>-<volume>` that the pod owns, deleted
    /// with the pod.
    pub ephemeral: Vec<EphemeralVolume>,
    /// Every `volumeMounts` and `volumeDevices` entry of every container.
    pub uses: Vec<VolumeUse>,
    /// `securityContext.fsGroup`: the kubelet makes every volume that supports ownership
    /// management group-owned by it.
    pub fs_group: Option<i64>,
    /// `securityContext.fsGroupChangePolicy`: `OnRootMismatch` skips the recursive change when
    /// the volume's root already has the right owner; absent means `Always`.
    pub fs_group_change_policy: Option<String>,
    pub empty_dirs: Vec<EmptyDir>,
    /// Some container sets `limits.ephemeral-storage`, so the pod has a limit on what it
    /// writes to the node's disk, emptyDir volumes included.
    pub ephemeral_storage_limited: bool,
}

impl PodTemplate {
    /// `path` is where the pod spec sits inside its object, e.g. `spec.template.spec`.
    pub fn from_k8s(spec: &PodSpec, path: &str) -> PodTemplate {
        let mut claims = Vec::new();
        let mut ephemeral = Vec::new();
        let mut empty_dirs = Vec::new();
        for (i, volume) in spec.volumes.iter().flatten().enumerate() {
            if let Some(empty_dir) = &volume.empty_dir {
                empty_dirs.push(EmptyDir {
                    volume: volume.name.clone(),
                    path: format!("{path}.volumes[{i}]"),
                    size_limit: empty_dir.size_limit.is_some(),
                    memory: empty_dir.medium.as_deref() == Some("Memory"),
                });
            }
            if let Some(template) = volume
                .ephemeral
                .as_ref()
                .and_then(|e| e.volume_claim_template.as_ref())
            {
                ephemeral.push(EphemeralVolume {
                    volume: volume.name.clone(),
                    path: format!("{path}.volumes[{i}].ephemeral.volumeClaimTemplate"),
                    template: template.clone(),
                });
            }
            let Some(source) = &volume.persistent_volume_claim else {
                continue;
            };
            let mounts: Vec<bool> = spec
                .containers
                .iter()
                .chain(spec.init_containers.iter().flatten())
                .flat_map(|c| c.volume_mounts.iter().flatten())
                .filter(|m| m.name == volume.name)
                .map(|m| m.read_only.unwrap_or(false))
                .collect();
            let read_only = source.read_only.unwrap_or(false)
                || (!mounts.is_empty() && mounts.iter().all(|ro| *ro));
            claims.push(ClaimUse {
                volume: volume.name.clone(),
                claim: source.claim_name.clone(),
                read_only,
                path: format!("{path}.volumes[{i}]"),
            });
        }
        let mut uses = Vec::new();
        let containers = spec
            .containers
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("{path}.containers[{i}]"), c))
            .chain(
                spec.init_containers
                    .iter()
                    .flatten()
                    .enumerate()
                    .map(|(i, c)| (format!("{path}.initContainers[{i}]"), c)),
            );
        for (container, c) in containers {
            for (i, m) in c.volume_mounts.iter().flatten().enumerate() {
                uses.push(VolumeUse {
                    volume: m.name.clone(),
                    container: c.name.clone(),
                    device: false,
                    path: format!("{container}.volumeMounts[{i}]"),
                    target: m.mount_path.clone(),
                });
            }
            for (i, d) in c.volume_devices.iter().flatten().enumerate() {
                uses.push(VolumeUse {
                    volume: d.name.clone(),
                    container: c.name.clone(),
                    device: true,
                    path: format!("{container}.volumeDevices[{i}]"),
                    target: d.device_path.clone(),
                });
            }
        }
        let required_affinity = spec
            .affinity
            .as_ref()
            .and_then(|a| a.node_affinity.as_ref())
            .and_then(|a| {
                a.required_during_scheduling_ignored_during_execution
                    .as_ref()
            })
            .map(|s| NodeSelector::from_k8s(s).map_err(|e| e.to_string()));
        let security = spec.security_context.as_ref();
        PodTemplate {
            path: path.to_owned(),
            node_name: spec.node_name.clone().filter(|n| !n.is_empty()),
            node_selector: spec
                .node_selector
                .clone()
                .map(Labels::from)
                .unwrap_or_default(),
            required_affinity,
            tolerations: spec
                .tolerations
                .iter()
                .flatten()
                .map(Toleration::from_k8s)
                .collect(),
            claims,
            ephemeral,
            uses,
            fs_group: security.and_then(|s| s.fs_group),
            fs_group_change_policy: security.and_then(|s| s.fs_group_change_policy.clone()),
            empty_dirs,
            ephemeral_storage_limited: spec.containers.iter().any(|c| {
                c.resources
                    .as_ref()
                    .and_then(|r| r.limits.as_ref())
                    .is_some_and(|l| l.contains_key("ephemeral-storage"))
            }),
        }
    }

    /// Whether the scheduler may place the pod on `node`: not cordoned, taints tolerated,
    /// nodeSelector and required node affinity satisfied (an affinity that cannot be parsed
    /// fits no node). `nodeName` is not judged: it bypasses the scheduler.
    pub fn fits_node(&self, node: &Node) -> bool {
        if node.unschedulable || !tolerates_all(&self.tolerations, &node.taints) {
            return false;
        }
        if !self
            .node_selector
            .iter()
            .all(|(k, v)| node.meta.labels.get(k) == Some(v))
        {
            return false;
        }
        match &self.required_affinity {
            None => true,
            Some(Ok(selector)) => selector.matches(&node.meta.name, &node.meta.labels),
            Some(Err(_)) => false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WorkloadKind {
    Pod,
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    ReplicationController,
    Job,
    CronJob,
}

impl WorkloadKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Pod => "Pod",
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::ReplicaSet => "ReplicaSet",
            WorkloadKind::ReplicationController => "ReplicationController",
            WorkloadKind::Job => "Job",
            WorkloadKind::CronJob => "CronJob",
        }
    }
}

/// What the StatefulSet controller does with a claim made from a volumeClaimTemplate
/// (`spec.persistentVolumeClaimRetentionPolicy`; absent fields mean Retain).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RetentionAction {
    #[default]
    Retain,
    Delete,
}

impl RetentionAction {
    /// Anything but "Delete" leaves the claims alone (the API rejects other values).
    pub fn parse(s: Option<&str>) -> RetentionAction {
        match s {
            Some("Delete") => RetentionAction::Delete,
            _ => RetentionAction::Retain,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RetentionAction::Retain => "Retain",
            RetentionAction::Delete => "Delete",
        }
    }
}

/// A StatefulSet's `persistentVolumeClaimRetentionPolicy`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClaimRetention {
    /// When the StatefulSet is deleted.
    pub when_deleted: RetentionAction,
    /// When it scales down: the claims of the removed pods.
    pub when_scaled: RetentionAction,
}

/// A StatefulSet's volumeClaimTemplate, by name, and where it is written.
#[derive(Clone, Debug)]
pub struct ClaimTemplate {
    pub name: String,
    pub path: String,
    /// The template's own `spec.resources.requests.storage`; the claims expanded from it may be
    /// replaced by claims given in the input.
    pub request: Option<Parsed<Quantity>>,
}

#[derive(Clone, Debug)]
pub struct Workload {
    pub kind: WorkloadKind,
    pub meta: Meta,
    /// How many pods it runs at once (replicas, parallelism); 0 for a suspended or scaled-down
    /// workload. A DaemonSet counts 1: one pod per node, each its own scheduling decision.
    pub pods: u32,
    /// First StatefulSet ordinal (`spec.ordinals.start`).
    pub ordinal_start: i32,
    pub template: PodTemplate,
    pub claim_templates: Vec<ClaimTemplate>,
    /// For a StatefulSet: what becomes of its template claims.
    pub claim_retention: ClaimRetention,
    /// A finished pod (Succeeded/Failed) no longer consumes its claims.
    pub finished: bool,
    /// A Deployment rolling out starts new pods before the old ones are gone (RollingUpdate,
    /// the default strategy), so for a while both run, on any nodes.
    pub surges: bool,
    /// For a pod read from a cluster: `status.phase` (Pending, Running, …).
    pub phase: Option<String>,
    /// For a pod the scheduler could not place: the message of its `PodScheduled` condition
    /// (status False, reason Unschedulable), the scheduler's current word on it; events about
    /// earlier attempts may be superseded.
    pub unschedulable: Option<String>,
}

impl Workload {
    pub fn key(&self) -> ObjectKey {
        self.meta.key(self.kind.as_str())
    }

    /// The claims pod number `index` uses: shared claims from the pod template, for a
    /// StatefulSet its own `<template>-<statefulset>-<ordinal>` claims, and the `<pod>-<volume>`
    /// claims of its generic ephemeral volumes.
    pub fn claims_of_pod(&self, index: u32) -> Vec<String> {
        self.volume_claims_of_pod(index)
            .into_iter()
            .map(|(_, claim)| claim)
            .collect()
    }

    /// Each claim pod number `index` uses, with the name of the pod volume it is: the volume a
    /// container's `volumeMounts` or `volumeDevices` name.
    pub fn volume_claims_of_pod(&self, index: u32) -> Vec<(String, String)> {
        let mut claims: Vec<(String, String)> = self
            .template
            .claims
            .iter()
            .map(|c| (c.volume.clone(), c.claim.clone()))
            .collect();
        if self.kind == WorkloadKind::StatefulSet {
            let ordinal = self.ordinal_start.saturating_add(index as i32);
            for t in &self.claim_templates {
                let name = statefulset_claim_name(&t.name, &self.meta.name, ordinal);
                // The controller gives the pod a volume named after the template, replacing a
                // pod volume of the same name.
                claims.retain(|(volume, claim)| *claim != name && *volume != t.name);
                claims.push((t.name.clone(), name));
            }
        }
        if !self.template.ephemeral.is_empty() {
            let pod = self.pod_name(index);
            for e in &self.template.ephemeral {
                claims.push((e.volume.clone(), ephemeral_claim_name(&pod, &e.volume)));
            }
        }
        claims
    }

    /// How many of its pods use claims of their own: every pod of a StatefulSet, or of a
    /// workload with generic ephemeral volumes; one otherwise, as all pods of one template
    /// share their claims.
    pub fn distinct_pods(&self) -> u32 {
        if self.kind == WorkloadKind::StatefulSet || !self.template.ephemeral.is_empty() {
            self.pods
        } else {
            1
        }
    }

    /// The name of StatefulSet pod number `index`.
    pub fn pod_name(&self, index: u32) -> String {
        match self.kind {
            WorkloadKind::Pod => self.meta.name.clone(),
            WorkloadKind::StatefulSet => {
                format!(
                    "{}-{}",
                    self.meta.name,
                    self.ordinal_start.saturating_add(index as i32)
                )
            }
            _ => format!("{}-<pod {}>", self.meta.name, index + 1),
        }
    }
}

/// `<template>-<statefulset>-<ordinal>`, as the StatefulSet controller names its claims.
pub fn statefulset_claim_name(template: &str, statefulset: &str, ordinal: i32) -> String {
    format!("{template}-{statefulset}-{ordinal}")
}

/// `<pod>-<volume>`, as the ephemeral volume controller names a generic ephemeral volume's claim
/// (upstream `ephemeral.VolumeClaimName`). For a workload whose pod names are random, the pod
/// name is `<workload>-<pod N>`, as [`Workload::pod_name`] writes it.
pub fn ephemeral_claim_name(pod: &str, volume: &str) -> String {
    format!("{pod}-{volume}")
}
