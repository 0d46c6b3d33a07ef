//! Nodes asked to attach more CSI volumes than their CSINode allows. Mirrors the scheduler's
//! NodeVolumeLimits filter (nodevolumelimits/csi.go, `Filter` and `filterAttachableVolumes`):
//! per node and driver it counts distinct volumes (driver and volume handle) of the pods on the
//! node, plus attachments no pod there explains, against `allocatable.count`.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;

use crate::binding::{BindingPlan, Outcome};
use crate::evidence::Evidence;
use crate::findings::{Finding, Pointer};
use crate::model::{Snapshot, VolumePlugin, Workload, WorkloadKind};
use crate::rules::ids;

pub fn check(
    snapshot: &Snapshot,
    plan: &BindingPlan,
    evidence: &Evidence,
    findings: &mut Vec<Finding>,
) {
    // A claim or volume missing from partial input would be a volume not counted; only the
    // whole cluster says how full a node is.
    if evidence.volume_limits.is_empty() || !snapshot.claims_complete || !snapshot.volumes_complete
    {
        return;
    }
    let counter = Counter::new(snapshot, plan);
    // Only pods placed on a node (bound, or pinned by `spec.nodeName`): where the scheduler
    // would put the others is not predicted.
    let mut pods_by_node: HashMap<&str, Vec<&Workload>> = HashMap::default();
    for pod in &snapshot.workloads {
        if pod.kind != WorkloadKind::Pod || pod.finished {
            continue;
        }
        if let Some(node) = pod.template.node_name.as_deref() {
            if evidence.volume_limits.contains_key(node) {
                pods_by_node.entry(node).or_default().push(pod);
            }
        }
    }
    let mut attached_by_node: HashMap<&str, Vec<(String, String)>> = HashMap::default();
    for attachment in &evidence.attachments {
        if let Some(volume) = attachment.volume.as_deref().and_then(|v| counter.volume(v)) {
            attached_by_node
                .entry(attachment.node.as_str())
                .or_default()
                .push(volume);
        }
    }
    for (node, pods) in pods_by_node {
        let Some(limits) = evidence.volume_limits.get(node) else {
            continue;
        };
        let attached = attached_by_node.remove(node).unwrap_or_default();
        over_limit(node, limits, pods, &attached, &counter, findings);
    }
}

/// The pods of one node, running ones first (they hold their volumes already), then the others
/// in input order: each that would take a driver over its limit is reported and not counted.
fn over_limit(
    node: &str,
    limits: &BTreeMap<String, i64>,
    mut pods: Vec<&Workload>,
    attachments: &[(String, String)],
    counter: &Counter,
    findings: &mut Vec<Finding>,
) {
    pods.sort_by_key(|p| p.phase.as_deref() != Some("Running"));
    // Unique volume name → driver, of the pods counted so far, and how many per driver.
    let mut held: HashMap<String, String> = HashMap::default();
    let mut held_per_driver: HashMap<String, i64> = HashMap::default();
    // Attachments that no counted pod holds occupy the node too (upstream counts them apart
    // from the pods' volumes), so they are tallied per driver and dropped once a pod holds them.
    let mut attached: HashMap<&str, &str> = HashMap::default();
    let mut attached_per_driver: HashMap<&str, i64> = HashMap::default();
    for (name, driver) in attachments {
        if attached.insert(name, driver).is_none() {
            *attached_per_driver.entry(driver).or_default() += 1;
        }
    }
    for pod in pods {
        let running = pod.phase.as_deref() == Some("Running");
        let new: HashMap<String, String> = counter
            .pod_volumes(pod)
            .into_iter()
            .filter(|(name, _)| !held.contains_key(name))
            .collect();
        let mut refused = Vec::new();
        if !running {
            let mut new_per_driver: BTreeMap<&str, i64> = BTreeMap::new();
            // A volume already attached here takes no new slot: the pods counted are placed
            // on this node, so its attachment is theirs.
            for (_, driver) in new
                .iter()
                .filter(|(name, _)| !attached.contains_key(name.as_str()))
            {
                *new_per_driver.entry(driver.as_str()).or_default() += 1;
            }
            for (driver, adding) in new_per_driver {
                let Some(&limit) = limits.get(driver) else {
                    continue;
                };
                let present = held_per_driver.get(driver).copied().unwrap_or(0)
                    + attached_per_driver.get(driver).copied().unwrap_or(0);
                if present + adding > limit {
                    refused.push((driver.to_owned(), present, adding, limit));
                }
            }
        }
        if refused.is_empty() {
            for (name, driver) in new {
                if let Some(d) = attached.remove(name.as_str()) {
                    *attached_per_driver.entry(d).or_default() -= 1;
                }
                *held_per_driver.entry(driver.clone()).or_default() += 1;
                held.insert(name, driver);
            }
            continue;
        }
        let over: Vec<String> = refused
            .iter()
            .map(|(driver, present, adding, limit)| {
                format!("{adding} more {driver} volume(s) on top of the {present} there make {}, over the node's limit of {limit}", present + adding)
            })
            .collect();
        findings.push(
            Finding::new(
                ids::NODE_VOLUME_LIMIT_EXCEEDED,
                pod.key(),
                format!(
                    "pod {} cannot have its volumes on node {node}: {} (CSINode {node}, allocatable.count). The scheduler refuses the node (\"node(s) exceed max volume count\") and the pod stays Pending; a pod that names the node in spec.nodeName skips that check and stays ContainerCreating while the attach fails",
                    pod.meta.qualified_name(),
                    over.join("; "),
                ),
            )
            .at(Pointer::field(pod.meta.source.as_ref(), &format!("{}.nodeName", pod.template.path)), "this node has no attach slot left")
            .help("spread the pods over more nodes (drop spec.nodeName, or add a topology spread constraint), add nodes, give the pod fewer volumes, or use a node type whose driver reports a larger allocatable.count"),
        );
    }
}

/// Resolves a pod's claims to the CSI volumes the scheduler counts.
struct Counter<'a> {
    snapshot: &'a Snapshot,
    plan: &'a BindingPlan,
    claims: HashMap<(&'a str, &'a str), usize>,
    volumes: HashMap<&'a str, usize>,
}

impl<'a> Counter<'a> {
    fn new(snapshot: &'a Snapshot, plan: &'a BindingPlan) -> Counter<'a> {
        Counter {
            snapshot,
            plan,
            claims: snapshot.claims_by_name(),
            volumes: snapshot
                .volumes
                .iter()
                .enumerate()
                .map(|(i, v)| (v.meta.name.as_str(), i))
                .collect(),
        }
    }

    /// A PersistentVolume's unique name (driver and handle) and driver, when it is a CSI volume.
    fn volume(&self, name: &str) -> Option<(String, String)> {
        let volume = &self.snapshot.volumes[*self.volumes.get(name)?];
        let VolumePlugin::Csi(driver) = &volume.plugin else {
            return None;
        };
        let handle = volume
            .csi_volume_handle
            .as_deref()
            .filter(|h| !h.is_empty())?;
        Some((format!("{driver}/{handle}"), driver.clone()))
    }

    /// The pod's CSI volumes: a claim with a volume counts by its volume; a claim still to be
    /// provisioned counts once by its class's provisioner. In-tree and migrated volumes are not
    /// counted.
    fn pod_volumes(&self, pod: &Workload) -> Vec<(String, String)> {
        let ns = pod.meta.namespace.as_deref().unwrap_or_default();
        let mut volumes = Vec::new();
        for claim_name in pod.claims_of_pod(0) {
            let Some(&c) = self.claims.get(&(ns, claim_name.as_str())) else {
                continue;
            };
            let claim = &self.snapshot.claims[c];
            let claim_plan = &self.plan.claims[c];
            if let Some(volume) = claim.volume_name.as_deref().filter(|v| !v.is_empty()) {
                if self.volumes.contains_key(volume) {
                    volumes.extend(self.volume(volume));
                    continue;
                }
            }
            if !matches!(
                claim_plan.outcome,
                Outcome::Provisions | Outcome::WaitsForConsumer | Outcome::Pending
            ) {
                continue;
            }
            let Some(provisioner) = claim_plan
                .class_index
                .map(|i| self.snapshot.classes[i].provisioner.as_str())
                .filter(|p| !p.is_empty() && !p.starts_with("kubernetes.io/"))
            else {
                continue;
            };
            volumes.push((
                format!("{provisioner}/claim {ns}/{claim_name}"),
                provisioner.to_owned(),
            ));
        }
        volumes
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{complete_findings, findings};

    const NODE: &str = "apiVersion: storage.k8s.io/v1\nkind: CSINode\nmetadata: {name: n1}\nspec:\n  drivers:\n  - {name: d.csi.example.com, nodeID: x, allocatable: {count: 1}}\n---\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: s}\nprovisioner: d.csi.example.com\n";

    fn claim(name: &str) -> String {
        format!("---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: {name}, namespace: default}}\nspec:\n  storageClassName: s\n  accessModes: [ReadWriteOnce]\n  resources: {{requests: {{storage: 1Gi}}}}\n")
    }

    fn pod(name: &str, claim: &str, phase: &str) -> String {
        format!("---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: default}}\nspec:\n  nodeName: n1\n  containers: [{{name: c, image: x}}]\n  volumes: [{{name: v, persistentVolumeClaim: {{claimName: {claim}}}}}]\nstatus: {{phase: {phase}}}\n")
    }

    fn refused(found: Vec<crate::report::FindingEntry>) -> Vec<String> {
        found
            .into_iter()
            .filter(|f| f.rule == "node-volume-limit-exceeded")
            .map(|f| f.object.name)
            .collect()
    }

    /// Claims still to be provisioned count by their class's provisioner, one per claim.
    #[test]
    fn provisioned_claims_count_by_provisioner() {
        let text = format!(
            "{NODE}{}{}{}{}",
            claim("a"),
            claim("b"),
            pod("p", "a", "Running"),
            pod("q", "b", "Pending")
        );
        assert_eq!(refused(complete_findings(&text)), ["q"]);
        // A part of a cluster does not show the node's other pods.
        assert!(refused(findings(&text)).is_empty());
    }

    /// A VolumeAttachment of a volume no pod on the node uses still takes a slot.
    #[test]
    fn attachments_without_a_pod_take_a_slot() {
        let volume = "---\napiVersion: v1\nkind: PersistentVolume\nmetadata: {name: old}\nspec:\n  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n  csi: {driver: d.csi.example.com, volumeHandle: h-old}\n---\napiVersion: storage.k8s.io/v1\nkind: VolumeAttachment\nmetadata: {name: va}\nspec:\n  attacher: d.csi.example.com\n  nodeName: n1\n  source: {persistentVolumeName: old}\nstatus: {attached: true}\n";
        let text = format!("{NODE}{volume}{}{}", claim("a"), pod("p", "a", "Pending"));
        assert_eq!(refused(complete_findings(&text)), ["p"]);
    }

    /// A pod whose volume is already attached to the node (its own attachment) needs no slot.
    #[test]
    fn a_volume_attached_here_takes_no_new_slot() {
        let volume = "---\napiVersion: v1\nkind: PersistentVolume\nmetadata: {name: pv-a}\nspec:\n  storageClassName: s\n  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n  claimRef: {namespace: default, name: a}\n  csi: {driver: d.csi.example.com, volumeHandle: h-a}\n---\napiVersion: storage.k8s.io/v1\nkind: VolumeAttachment\nmetadata: {name: va}\nspec:\n  attacher: d.csi.example.com\n  nodeName: n1\n  source: {persistentVolumeName: pv-a}\nstatus: {attached: true}\n";
        let bound = claim("a").replace(
            "  storageClassName: s\n",
            "  storageClassName: s\n  volumeName: pv-a\n",
        );
        let text = format!("{NODE}{volume}{bound}{}", pod("p", "a", "Pending"));
        assert!(refused(complete_findings(&text)).is_empty());
    }

    /// Running pods already hold their volumes: a node over its count after the limit shrank
    /// reports no running pod.
    #[test]
    fn running_pods_are_not_reported() {
        let text = format!(
            "{NODE}{}{}{}{}",
            claim("a"),
            claim("b"),
            pod("p", "a", "Running"),
            pod("q", "b", "Running")
        );
        assert!(refused(complete_findings(&text)).is_empty());
    }
}
