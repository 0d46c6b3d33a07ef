//! Attaching volumes to nodes: a ReadWriteOnce volume still attached to another node
//! (Multi-Attach), attach errors, and attachments left for nodes that are gone.

use std::collections::HashSet;

use crate::binding::BindingPlan;
use crate::evidence::{Attachment, Evidence};
use crate::findings::{Finding, Pointer};
use crate::fix::Fix;
use crate::model::{AccessMode, Snapshot, Workload, WorkloadKind};
use crate::rules::ids;

use super::{at_event, quote};

/// A pod that has not started: scheduled, neither running nor finished.
pub(crate) fn waiting_pod(workload: &Workload) -> bool {
    workload.kind == WorkloadKind::Pod
        && !workload.finished
        && workload.template.node_name.is_some()
        && workload.phase.as_deref() != Some("Running")
}

pub fn check(
    snapshot: &Snapshot,
    plan: &BindingPlan,
    evidence: &Evidence,
    findings: &mut Vec<Finding>,
) {
    missing_nodes(snapshot, evidence, findings);
    if !evidence.readable("VolumeAttachment") && !evidence.readable("Event") {
        return;
    }
    let claims = snapshot.claims_by_name();
    for pod in snapshot.workloads.iter().filter(|w| waiting_pod(w)) {
        let ns = pod.meta.namespace.as_deref().unwrap_or_default();
        let node = pod.template.node_name.as_deref().unwrap_or_default();
        let mut explained = false;
        for usage in &pod.template.claims {
            let Some(&c) = claims.get(&(ns, usage.claim.as_str())) else {
                continue;
            };
            let Some(volume) = plan.claims[c].volume_index.map(|v| &snapshot.volumes[v]) else {
                continue;
            };
            let modes = volume.access_modes;
            if modes.contains(AccessMode::ReadWriteMany) || modes.contains(AccessMode::ReadOnlyMany)
            {
                continue;
            }
            let elsewhere: Vec<&Attachment> = evidence
                .attachments
                .iter()
                .filter(|a| {
                    a.volume.as_deref() == Some(volume.meta.name.as_str()) && a.node != node
                })
                .collect();
            let Some(holder) = elsewhere.first() else {
                continue;
            };
            explained = true;
            let users: Vec<String> = snapshot
                .workloads
                .iter()
                .filter(|w| {
                    w.kind == WorkloadKind::Pod
                        && !w.finished
                        && w.meta.namespace == pod.meta.namespace
                        && w.template.node_name.as_deref() == Some(holder.node.as_str())
                        && w.template.claims.iter().any(|u| u.claim == usage.claim)
                })
                .map(|w| w.meta.qualified_name())
                .collect();
            let there = if users.is_empty() {
                "no pod there uses it any more, so it waits to be detached".to_owned()
            } else {
                format!("where pod {} uses it", users.join(", pod "))
            };
            let event = evidence
                .latest(&pod.key(), &["FailedAttachVolume"])
                .map(|e| format!("; the pod's events say {}", quote(e)))
                .unwrap_or_default();
            findings.push(
                Finding::new(
                    ids::MULTI_ATTACH_CONFLICT,
                    pod.key(),
                    format!(
                        "pod {} on node {node} cannot start: its claim {}/{} is bound to {} volume {}, which VolumeAttachment {} holds on node {} ({there}); a ReadWriteOnce volume attaches to one node at a time, so the pod stays ContainerCreating{event}",
                        pod.meta.qualified_name(),
                        ns,
                        usage.claim,
                        modes,
                        volume.meta.name,
                        holder.meta.name,
                        holder.node,
                    ),
                )
                .at(Pointer::field(pod.meta.source.as_ref(), &usage.path), "volume attached to another node")
                .help(if users.is_empty() {
                    "wait for the detach to finish; if the other node is gone or stuck, delete the VolumeAttachment once you are sure nothing there writes to the volume".to_owned()
                } else {
                    format!("stop pod {} first (or run both pods on one node); for pods on several nodes, use storage that supports ReadWriteMany", users.join(", "))
                }),
            );
        }
        if explained {
            continue;
        }
        if let Some(event) = evidence.latest(&pod.key(), &["FailedAttachVolume"]) {
            findings.push(
                Finding::new(
                    ids::VOLUME_ATTACH_FAILED,
                    pod.key(),
                    format!(
                        "pod {} on node {node} cannot start: attaching its volume failed: {}; it stays ContainerCreating while the attach is retried",
                        pod.meta.qualified_name(),
                        quote(event),
                    ),
                )
                .at(at_event(event).or_else(|| Pointer::field(pod.meta.source.as_ref(), "spec.volumes")), "the attach error")
                .help("fix what the message names (the driver's controller, the cloud's limits or permissions, the node's attach limit); the attach is retried on its own"),
            );
        }
    }
}

/// Attachments to nodes that no longer exist: the volume stays attached there until the
/// attachment is removed, and no other node can attach a ReadWriteOnce volume meanwhile.
fn missing_nodes(snapshot: &Snapshot, evidence: &Evidence, findings: &mut Vec<Finding>) {
    // Without the whole node list, a node not shown is not known to be gone.
    if !evidence.nodes_complete && snapshot.nodes.is_empty() {
        return;
    }
    let nodes: HashSet<&str> = snapshot
        .nodes
        .iter()
        .map(|n| n.meta.name.as_str())
        .collect();
    for attachment in &evidence.attachments {
        if nodes.contains(attachment.node.as_str()) {
            continue;
        }
        let volume = attachment
            .volume
            .as_deref()
            .map(|v| format!("volume {v}"))
            .unwrap_or_else(|| "an inline volume".to_owned());
        findings.push(
            Finding::new(
                ids::VOLUME_ATTACHMENT_ON_MISSING_NODE,
                attachment.key(),
                format!(
                    "VolumeAttachment {} holds {volume} on node {}, which no longer exists; until the attachment is gone, a ReadWriteOnce volume cannot attach to another node (\"Multi-Attach error\")",
                    attachment.meta.name, attachment.node,
                ),
            )
            .at(Pointer::field(attachment.meta.source.as_ref(), "spec.nodeName"), "node is gone")
            .fix(Fix::delete_object(attachment.key(), attachment.meta.source.as_ref()))
            .help(format!(
                "the attach/detach controller force-detaches after the node is deleted; if it stays, check that {} is running, then delete the VolumeAttachment (kubectl delete volumeattachment {}); if a finalizer keeps it, the node's disk must be detached in the storage backend first",
                attachment.attacher, attachment.meta.name
            )),
        );
    }
}
