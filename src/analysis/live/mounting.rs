//! Pods whose volumes the kubelet cannot mount, from its events.

use crate::evidence::Evidence;
use crate::findings::{Finding, Pointer};
use crate::model::Snapshot;
use crate::rules::ids;

use super::attachment::waiting_pod;
use super::{at_event, quote};

pub fn check(snapshot: &Snapshot, evidence: &Evidence, findings: &mut Vec<Finding>) {
    for pod in snapshot.workloads.iter().filter(|w| waiting_pod(w)) {
        let Some(event) = evidence.latest(&pod.key(), &["FailedMount", "FailedMapVolume"]) else {
            continue;
        };
        // A mount that waits for an attach is the attach's problem, reported as such.
        if evidence
            .latest(&pod.key(), &["FailedAttachVolume"])
            .is_some()
            && event
                .message
                .contains("timed out waiting for the condition")
        {
            continue;
        }
        findings.push(
            Finding::new(
                ids::VOLUME_MOUNT_FAILED,
                pod.key(),
                format!(
                    "pod {} on node {} cannot start: the kubelet could not mount its volumes: {}; it stays ContainerCreating while the mount is retried",
                    pod.meta.qualified_name(),
                    pod.template.node_name.as_deref().unwrap_or_default(),
                    quote(event),
                ),
            )
            .at(
                at_event(event).or_else(|| Pointer::field(pod.meta.source.as_ref(), "spec.volumes")),
                "the mount error",
            )
            .help("fix what the message names: a missing secret or config map, the file system or fsType, the NFS server or the driver's node plugin on that node (`kubectl describe pod` shows every attempt)"),
        );
    }
}
