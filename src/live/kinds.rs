//! The kinds a live run lists, where the API serves them, and what each one feeds.

/// One kind read from the cluster.
#[derive(Debug, PartialEq, Eq)]
pub struct LiveKind {
    pub kind: &'static str,
    /// The group/version to list it at (the version every supported cluster serves).
    pub api_version: &'static str,
    /// The resource name in URLs.
    pub plural: &'static str,
    pub namespaced: bool,
    /// The plan reads it (the others are kept as JSON for diagnoses).
    pub planned: bool,
    /// What is weaker without it, for the message when it cannot be read.
    pub needed_for: &'static str,
}

impl LiveKind {
    /// `plural.group`, as RBAC and kubectl name it (`persistentvolumeclaims`,
    /// `storageclasses.storage.k8s.io`).
    pub fn resource(&self) -> String {
        match self.api_version.split_once('/') {
            Some((group, _)) => format!("{}.{group}", self.plural),
            None => self.plural.to_owned(),
        }
    }

    /// The URL path of the list: in one namespace when given and the kind is namespaced.
    pub fn list_path(&self, namespace: Option<&str>) -> String {
        let prefix = if self.api_version.contains('/') {
            format!("/apis/{}", self.api_version)
        } else {
            format!("/api/{}", self.api_version)
        };
        match namespace {
            Some(ns) if self.namespaced => format!("{prefix}/namespaces/{ns}/{}", self.plural),
            _ => format!("{prefix}/{}", self.plural),
        }
    }
}

const fn kind(
    kind: &'static str,
    api_version: &'static str,
    plural: &'static str,
    namespaced: bool,
    planned: bool,
    needed_for: &'static str,
) -> LiveKind {
    LiveKind {
        kind,
        api_version,
        plural,
        namespaced,
        planned,
        needed_for,
    }
}

/// Every kind a live run lists, in the order they are added to the plan.
#[rustfmt::skip]
pub const LIVE_KINDS: &[LiveKind] = &[
    kind("PersistentVolume", "v1", "persistentvolumes", false, true,
        "binding to existing volumes and what happens to released volumes"),
    kind("PersistentVolumeClaim", "v1", "persistentvolumeclaims", true, true,
        "every claim check: no claims are planned"),
    kind("StorageClass", "storage.k8s.io/v1", "storageclasses", false, true,
        "provisioning, default class and expansion checks"),
    kind("Node", "v1", "nodes", false, true,
        "topology checks (node labels against volume node affinity)"),
    kind("Pod", "v1", "pods", true, true,
        "which claims are in use: access-mode, attachment and protection checks"),
    kind("Deployment", "apps/v1", "deployments", true, true,
        "checks of claims used by Deployments"),
    kind("StatefulSet", "apps/v1", "statefulsets", true, true,
        "StatefulSet claim templates and retention"),
    kind("DaemonSet", "apps/v1", "daemonsets", true, true,
        "checks of claims used by DaemonSets"),
    kind("ReplicaSet", "apps/v1", "replicasets", true, true,
        "checks of claims used by ReplicaSets"),
    kind("ReplicationController", "v1", "replicationcontrollers", true, true,
        "checks of claims used by ReplicationControllers"),
    kind("Job", "batch/v1", "jobs", true, true, "checks of claims used by Jobs"),
    kind("CronJob", "batch/v1", "cronjobs", true, true, "checks of claims used by CronJobs"),
    kind("VolumeAttributesClass", "storage.k8s.io/v1", "volumeattributesclasses", false, false,
        "volume attributes class checks"),
    kind("CSIDriver", "storage.k8s.io/v1", "csidrivers", false, false,
        "whether a class's CSI driver is installed"),
    kind("CSINode", "storage.k8s.io/v1", "csinodes", false, false,
        "which nodes run a CSI driver, and their volume limits"),
    kind("CSIStorageCapacity", "storage.k8s.io/v1", "csistoragecapacities", true, false,
        "capacity-aware provisioning"),
    kind("VolumeAttachment", "storage.k8s.io/v1", "volumeattachments", false, false,
        "Multi-Attach diagnoses (which node holds a volume)"),
    kind("Event", "v1", "events", true, false,
        "provisioning, attach and mount errors from events"),
];

/// Kinds some commands read or write one by one, which a plan does not list.
#[rustfmt::skip]
pub const OTHER_KINDS: &[LiveKind] = &[
    kind("ResourceQuota", "v1", "resourcequotas", true, false,
        "quota checks before a claim grows"),
];

/// Event reasons about storage: the events kept from a listing of all events.
pub const STORAGE_EVENT_REASONS: &[&str] = &[
    "FailedBinding",
    "ProvisioningFailed",
    "ProvisioningSucceeded",
    "ExternalProvisioning",
    "WaitForFirstConsumer",
    "WaitForPodScheduled",
    "VolumeMismatch",
    "ClaimLost",
    "ClaimMisbound",
    "VolumeFailedRecycle",
    "VolumeFailedDelete",
    "FailedAttachVolume",
    "FailedDetachVolume",
    "FailedMount",
    "FailedMapVolume",
    "FailedUnMount",
    "VolumeResizeFailed",
    "VolumeResizeSuccessful",
    "FileSystemResizeRequired",
    "FileSystemResizeFailed",
    "FileSystemResizeSuccessful",
    "ExternalExpanding",
    "Resizing",
    "VolumeModifyFailed",
    "FailedScheduling",
];

pub fn live_kind(kind: &str) -> Option<&'static LiveKind> {
    LIVE_KINDS
        .iter()
        .chain(OTHER_KINDS)
        .find(|k| k.kind == kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_resources() {
        let pvc = live_kind("PersistentVolumeClaim").unwrap();
        assert_eq!(pvc.resource(), "persistentvolumeclaims");
        assert_eq!(pvc.list_path(None), "/api/v1/persistentvolumeclaims");
        assert_eq!(
            pvc.list_path(Some("shop")),
            "/api/v1/namespaces/shop/persistentvolumeclaims"
        );
        let class = live_kind("StorageClass").unwrap();
        assert_eq!(class.resource(), "storageclasses.storage.k8s.io");
        assert_eq!(
            class.list_path(Some("shop")),
            "/apis/storage.k8s.io/v1/storageclasses"
        );
    }

    #[test]
    fn every_kind_the_plan_reads_is_listed() {
        for kind in crate::load::kinds::planned_kinds() {
            assert!(live_kind(kind).is_some_and(|k| k.planned), "{kind}");
        }
    }
}
