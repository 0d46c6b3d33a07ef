//! An `emptyDir` on the node's disk with no `sizeLimit`, in a pod with no ephemeral-storage
//! limit, can grow until the node's disk fills: the kubelet then evicts pods under DiskPressure,
//! often others than the writer (kubernetes/kubernetes#106606). A `sizeLimit`, or a container's
//! `limits.ephemeral-storage`, lets the kubelet evict the writer alone once it passes the limit
//! (upstream pkg/kubelet/eviction, `localStorageEviction`).
//!
//! Reported once per workload, as info: almost every pod has one, and most are scratch space
//! that stays small. Volumes that only carry a socket or configuration (CSI sidecars' socket
//! directories, config files) and those an init container fills (binaries, configuration) are
//! left out: they do not grow with the pod's work.

use crate::findings::{Finding, Pointer};
use crate::model::Snapshot;
use crate::rules::ids;

pub fn check(snapshot: &Snapshot, findings: &mut Vec<Finding>) {
    for workload in snapshot
        .workloads
        .iter()
        .filter(|w| w.pods > 0 && !w.finished)
    {
        let template = &workload.template;
        if template.ephemeral_storage_limited {
            continue;
        }
        let unbounded: Vec<_> = template
            .empty_dirs
            .iter()
            .filter(|e| !e.size_limit && !e.memory)
            .filter(|e| {
                let mounts: Vec<_> = template
                    .uses
                    .iter()
                    .filter(|u| u.volume == e.volume && !u.device)
                    .collect();
                // A volume no container mounts holds nothing; one an init container fills holds
                // what the pod is set up with (binaries, configuration), not what it produces.
                !mounts.is_empty()
                    && !mounts.iter().any(|u| u.path.contains(".initContainers["))
                    && !mounts.iter().all(|u| never_grows(&u.target))
            })
            .collect();
        let Some(first) = unbounded.first() else {
            continue;
        };
        let names: Vec<String> = unbounded
            .iter()
            .map(|e| format!("{:?}", e.volume))
            .collect();
        findings.push(
            Finding::new(
                ids::EMPTY_DIR_WITHOUT_SIZE_LIMIT,
                workload.key(),
                format!(
                    "{} writes emptyDir {} on the node's disk with no sizeLimit and no container limits.ephemeral-storage: nothing bounds it, and once the node's disk fills the kubelet evicts pods under DiskPressure, not necessarily this one",
                    workload.key(),
                    names.join(", ")
                ),
            )
            .at(
                Pointer::field(
                    workload.meta.source.as_ref(),
                    &format!("{}.emptyDir", first.path),
                ),
                "no sizeLimit",
            )
            .help("set emptyDir.sizeLimit to what the pod may use (the kubelet evicts it alone past that), or a container's resources.limits.ephemeral-storage; data that must grow large belongs on a claim"),
        );
    }
}

/// Directories that hold a socket or configuration, by the conventions of their mount path.
fn never_grows(path: &str) -> bool {
    let path = path.to_ascii_lowercase();
    [
        "sock", "csi", "conf", "/etc", "/run", "/var/run", "plugin", "probe",
    ]
    .iter()
    .any(|hint| path.contains(hint))
}
