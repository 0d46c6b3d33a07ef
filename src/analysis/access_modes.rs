//! Access modes against the pods that use a claim: a ReadWriteOnce volume attaches to one node
//! at a time, so pods on two nodes cannot share it.

use crate::binding::BindingPlan;
use crate::drivers;
use crate::findings::{Finding, Pointer};
use crate::model::selector::HOSTNAME_LABEL;
use crate::model::{AccessMode, Snapshot, Workload};
use crate::rules::ids;

use super::claim_users::{describe, in_use, pods_at_once, InUse};

pub fn check(snapshot: &Snapshot, plan: &BindingPlan, findings: &mut Vec<Finding>) {
    for InUse {
        index: c,
        claim,
        workloads,
        modes,
    } in in_use(snapshot, plan)
    {
        if !modes.contains(AccessMode::ReadWriteOnce) || modes.contains(AccessMode::ReadWriteMany) {
            continue;
        }
        if pinned_to_one_node(&workloads) || node_local(snapshot, plan, c) {
            continue;
        }
        let pods: u32 = workloads.iter().map(|w| pods_at_once(w)).sum();
        let who: Vec<String> = workloads.iter().map(|w| describe(w)).collect();
        let message = if pods > 1 {
            format!(
                "ReadWriteOnce claim {} is used by pods that can run on different nodes ({}); a second node's pod fails with a Multi-Attach error",
                claim.meta.qualified_name(),
                who.join(", ")
            )
        } else if let Some(w) = workloads.iter().find(|w| w.surges) {
            format!(
                "ReadWriteOnce claim {} is used by {}, which rolls out with RollingUpdate: the new pod starts before the old one stops and may land on another node, where it fails with a Multi-Attach error",
                claim.meta.qualified_name(),
                w.key()
            )
        } else {
            continue;
        };
        findings.push(
            Finding::new(ids::RWO_CLAIM_ON_SEVERAL_NODES, claim.key(), message)
                .at(Pointer::field(claim.meta.source.as_ref(), "spec.accessModes"), "one node at a time")
                .help("give each pod its own claim (StatefulSet volumeClaimTemplates), use ReadWriteMany storage, pin the pods to one node, or use strategy.type: Recreate for a single replica"),
        );
    }
}

/// The claim's volume is on one node: a bound volume whose node affinity names one host or
/// whose driver keeps volumes on one node, or one a node-local provisioner of the driver
/// catalogue creates (unknown provisioners are not node-local).
fn node_local(snapshot: &Snapshot, plan: &BindingPlan, c: usize) -> bool {
    let claim_plan = &plan.claims[c];
    if let Some(v) = claim_plan.volume_index {
        let volume = &snapshot.volumes[v];
        return volume.plugin.is_local()
            || drivers::for_plugin(&volume.plugin).is_some_and(|d| d.node_local)
            || matches!(&volume.node_affinity, Some(Ok(s)) if s.pinned_hostnames().is_some_and(|h| h.len() == 1));
    }
    claim_plan
        .provisioner
        .as_deref()
        .is_some_and(drivers::provisions_node_local)
}

/// Every pod is pinned to the same single node (nodeName, or a hostname nodeSelector).
fn pinned_to_one_node(workloads: &[&Workload]) -> bool {
    let node = |w: &Workload| {
        w.template
            .node_name
            .clone()
            .or_else(|| w.template.node_selector.get(HOSTNAME_LABEL).cloned())
    };
    let first = workloads.first().and_then(|w| node(w));
    first.is_some() && workloads.iter().all(|w| node(w) == first)
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::clean_findings;

    const CLAIM: &str = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: standard}\nprovisioner: example.com/standard\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec:\n  storageClassName: standard\n  accessModes: [MODES]\n  resources: {requests: {storage: 1Gi}}\n";

    fn workload(kind: &str, name: &str, extra: &str) -> String {
        let api = if kind == "Pod" { "v1" } else { "apps/v1" };
        let spec = "containers: [{name: c, image: busybox}]\n    volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]";
        if kind == "Pod" {
            return format!("---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n  {extra}\n  {}\n", spec.replace("\n    ", "\n  "));
        }
        format!("---\napiVersion: {api}\nkind: {kind}\nmetadata: {{name: {name}}}\nspec:\n  {extra}\n  selector: {{matchLabels: {{app: x}}}}\n  template:\n    metadata: {{labels: {{app: x}}}}\n    spec:\n      {}\n", spec.replace("\n    ", "\n      "))
    }

    fn flagged(modes: &str, workloads: &[String]) -> bool {
        let text = CLAIM.replace("MODES", modes) + &workloads.concat();
        clean_findings(&text)
            .iter()
            .any(|f| f.rule == "rwo-claim-on-several-nodes")
    }

    #[test]
    fn shapes_that_spread_over_nodes() {
        assert!(flagged(
            "ReadWriteOnce",
            &[workload("DaemonSet", "agent", "minReadySeconds: 0")]
        ));
        assert!(flagged(
            "ReadWriteOnce",
            &[
                workload("Pod", "a", "restartPolicy: Always"),
                workload("Pod", "b", "restartPolicy: Always")
            ]
        ));
        assert!(
            flagged(
                "ReadWriteOnce",
                &[workload("Deployment", "web", "replicas: 1")]
            ),
            "RollingUpdate surges"
        );
    }

    #[test]
    fn shapes_that_stay_on_one_node_or_share_safely() {
        assert!(!flagged(
            "ReadWriteOnce",
            &[workload("Pod", "a", "restartPolicy: Always")]
        ));
        assert!(!flagged(
            "ReadWriteMany",
            &[workload("Deployment", "web", "replicas: 3")]
        ));
        assert!(!flagged(
            "ReadWriteOnce",
            &[
                workload("Pod", "a", "nodeName: n1"),
                workload("Pod", "b", "nodeName: n1")
            ]
        ));
        assert!(!flagged(
            "ReadWriteOnce",
            &[workload(
                "Deployment",
                "web",
                "replicas: 1\n  strategy: {type: Recreate}"
            )]
        ));
    }
}
