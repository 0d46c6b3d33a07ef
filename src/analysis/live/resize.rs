//! Claims being resized: a request above the size the claim has, and where the resize stands
//! (in the controller, waiting for the node, failed), from the claim's status and events.

use crate::binding::{BindingPlan, Outcome};
use crate::evidence::Evidence;
use crate::findings::{Finding, Pointer};
use crate::model::{Claim, Snapshot, WorkloadKind};
use crate::resize::{self, Stage};
use crate::rules::ids;

use super::{at_event, quote};

pub fn check(
    snapshot: &Snapshot,
    plan: &BindingPlan,
    evidence: Option<&Evidence>,
    findings: &mut Vec<Finding>,
) {
    let none = Evidence::default();
    let evidence = evidence.unwrap_or(&none);
    for (claim, claim_plan) in snapshot.claims.iter().zip(&plan.claims) {
        if claim_plan.outcome != Outcome::Bound || !claim.meta.exists {
            continue;
        }
        let Some(resize) = resize::of(claim, evidence) else {
            continue;
        };
        let name = claim.meta.qualified_name();
        let sizes = format!(
            "asks for {} but has {}",
            resize.request.as_str(),
            resize.capacity.as_str()
        );
        let key = claim.key();
        let at_status = |path: &str| Pointer::field(claim.meta.source.as_ref(), path);
        let condition_path =
            |index: usize, field: &str| format!("status.conditions[{index}].{field}");
        match resize.stage {
            Stage::Infeasible {
                status,
                last_failure,
            } => {
                let why = last_failure
                    .map(|e| format!("; the last attempt: {}", quote(e)))
                    .unwrap_or_default();
                findings.push(failed(&key, &name, &sizes, &format!("the resize is infeasible (status.allocatedResourceStatuses: {status}){why}"))
                    .at(at_status("status.allocatedResourceStatuses.storage"), "resize infeasible"));
            }
            Stage::Error(condition) => {
                let message = condition.message.as_deref().unwrap_or("no message");
                findings.push(
                    failed(
                        &key,
                        &name,
                        &sizes,
                        &format!("condition {} says {message:?}", condition.type_),
                    )
                    .at(
                        at_status(&condition_path(condition.index, "message")),
                        "resize error",
                    ),
                );
            }
            Stage::FailedEvent(event) => {
                findings.push(
                    failed(
                        &key,
                        &name,
                        &sizes,
                        &format!("the last attempt failed: {}", quote(event)),
                    )
                    .at(
                        at_event(event).or_else(|| at_status("spec.resources.requests.storage")),
                        "resize error",
                    ),
                );
            }
            Stage::WaitsForNode(fs_pending) => {
                let pods = pods_using(snapshot, claim);
                let (what, help) = if pods.is_empty() {
                    (
                        "no pod uses it now: the file system grows when a pod next mounts it".to_owned(),
                        "start a pod that uses the claim; the kubelet finishes the resize when it mounts the volume".to_owned(),
                    )
                } else {
                    (
                        format!("it is used by pod {}, which must be restarted for the kubelet to grow the file system", pods.join(", pod ")),
                        format!("restart pod {} (kubectl delete pod; its controller recreates it); drivers that grow file systems online finish on their own once the kubelet retries", pods.join(", ")),
                    )
                };
                let pointer = match fs_pending {
                    Some(c) => at_status(&condition_path(c.index, "type")),
                    None => at_status("status.allocatedResourceStatuses.storage"),
                };
                findings.push(
                    Finding::new(
                        ids::EXPANSION_WAITS_FOR_POD_RESTART,
                        key.clone(),
                        format!("claim {name} {sizes}: the volume was resized, but its file system waits for the node: {what}"),
                    )
                    .at(pointer, "file system resize pending")
                    .help(help),
                );
            }
            Stage::WaitsForExternalResizer(event) => {
                findings.push(
                    Finding::new(
                        ids::EXPANSION_IN_PROGRESS,
                        key.clone(),
                        format!("claim {name} {sizes}: kube-controller-manager handed the resize to an external resizer ({}) and nothing has taken it up since: it waits for the CSI driver's external-resizer sidecar, which may not be deployed", quote(event)),
                    )
                    .at(
                        at_event(event).or_else(|| at_status("spec.resources.requests.storage")),
                        "waits for an external resizer",
                    )
                    .help("check that the driver's controller runs the csi-resizer (external-resizer) sidecar and read its logs; until one acts, nothing resizes the volume"),
                );
            }
            Stage::InProgress { on_node } => {
                let stage = if on_node {
                    "the kubelet is growing the file system"
                } else {
                    "the volume is being resized by the storage backend"
                };
                findings.push(
                    Finding::new(
                        ids::EXPANSION_IN_PROGRESS,
                        key.clone(),
                        format!("claim {name} {sizes}: {stage}; the claim shows the new size once it is done"),
                    )
                    .at(at_status("spec.resources.requests.storage"), "being resized")
                    .help("wait; if it does not finish, `kubectl describe pvc` shows the resizer's events"),
                );
            }
            Stage::NotStarted => {}
        }
    }
}

fn failed(key: &crate::model::ObjectKey, name: &str, sizes: &str, why: &str) -> Finding {
    Finding::new(
        ids::EXPANSION_FAILED,
        key.clone(),
        format!("claim {name} {sizes}: resizing failed: {why}; the volume keeps its old size"),
    )
    .help("fix what the error names (the backend's size limits or quotas, the driver's resizer); to give up, set the request back to a size at or above the current capacity (allowed when the cluster supports recovering from failed expansion)")
}

/// The pods using a claim, by name.
fn pods_using(snapshot: &Snapshot, claim: &Claim) -> Vec<String> {
    snapshot
        .workloads
        .iter()
        .filter(|w| {
            w.kind == WorkloadKind::Pod
                && !w.finished
                && w.meta.namespace == claim.meta.namespace
                && w.template.claims.iter().any(|u| u.claim == claim.meta.name)
        })
        .map(|w| w.meta.qualified_name())
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::clean_findings;

    const CLAIM: &str = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: shop, uid: u1, annotations: {pv.kubernetes.io/bind-completed: \"yes\"}}\nspec:\n  accessModes: [ReadWriteOnce]\n  storageClassName: sc\n  volumeName: pv1\n  resources: {requests: {storage: 50Gi}}\nstatus:\n  phase: Bound\n  capacity: {storage: 20Gi}\n---\napiVersion: v1\nkind: PersistentVolume\nmetadata: {name: pv1}\nspec:\n  accessModes: [ReadWriteOnce]\n  capacity: {storage: 20Gi}\n  storageClassName: sc\n  claimRef: {namespace: shop, name: data, uid: u1}\n  csi: {driver: ebs.csi.aws.com, volumeHandle: v}\nstatus: {phase: Bound}\n---\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: sc}\nprovisioner: ebs.csi.aws.com\nallowVolumeExpansion: true\n";

    fn event(reason: &str, message: &str, time: &str) -> String {
        format!("---\napiVersion: v1\nkind: Event\nmetadata: {{name: e-{reason}, namespace: shop}}\ninvolvedObject: {{apiVersion: v1, kind: PersistentVolumeClaim, name: data, namespace: shop}}\nreason: {reason}\nmessage: {message}\ncount: 1\nlastTimestamp: \"{time}\"\ntype: Normal\n")
    }

    fn in_progress(text: &str) -> String {
        clean_findings(text)
            .into_iter()
            .find(|f| f.rule == "expansion-in-progress")
            .map(|f| f.message)
            .unwrap_or_default()
    }

    #[test]
    fn handed_to_an_external_resizer_and_nothing_since() {
        let handed = event(
            "ExternalExpanding",
            "waiting for an external controller to expand this PVC",
            "2026-01-05T09:00:00Z",
        );
        let message = in_progress(&format!("{CLAIM}{handed}"));
        assert!(
            message.contains("external-resizer sidecar, which may not be deployed"),
            "{message}"
        );
        assert!(!message.contains("being resized"), "{message}");
        // Once the resizer says it works on it, the backend is resizing.
        let resizing = event(
            "Resizing",
            "External resizer is resizing volume pv1",
            "2026-01-05T09:00:01Z",
        );
        let message = in_progress(&format!("{CLAIM}{handed}{resizing}"));
        assert!(
            message.contains("being resized by the storage backend"),
            "{message}"
        );
    }
}
