//! Bound volumes against the pods that use them: a volume's node affinity that excludes every
//! node a pod may run on, and two volumes of one pod that no single node can reach.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::binding::BindingPlan;
use crate::findings::{Finding, Pointer};
use crate::model::selector::{NodeSelector, HOSTNAME_LABEL};
use crate::model::{Node, PodTemplate, Snapshot, Volume, WorkloadKind};
use crate::rules::ids;

use super::constraints::{disjoint, Region};
use super::{certain_volume, name_some, running_pods, PodUse};

pub fn check(snapshot: &Snapshot, plan: &BindingPlan, findings: &mut Vec<Finding>) {
    // One finding per workload and field: a StatefulSet's pods share their claim templates.
    let mut reported: HashSet<(usize, String)> = HashSet::default();
    let mut disjoint_reported: HashSet<usize> = HashSet::default();
    let nodes = NodeIndex::new(&snapshot.nodes);
    for pod in running_pods(snapshot) {
        let w = pod.index;
        let template = &pod.workload.template;
        let Some(pod_region) = Region::of_pod(template) else {
            continue;
        };
        // The pod's bound volumes with a readable node affinity.
        let mut pinned: Vec<(usize, &str, &Volume, &NodeSelector)> = Vec::new();
        let mut conflicted = false;
        for (c, path) in &pod.claims {
            let Some(v) = certain_volume(snapshot, plan, *c) else {
                continue;
            };
            let volume = &snapshot.volumes[v];
            let Some(Ok(affinity)) = &volume.node_affinity else {
                continue;
            };
            pinned.push((*c, path, volume, affinity));
            let Some(why) = excluded(&nodes, &pod_region, template, affinity) else {
                continue;
            };
            conflicted = true;
            if !reported.insert((w, path.clone())) {
                continue;
            }
            let claim = snapshot.claims[*c].meta.qualified_name();
            findings.push(
                Finding::new(
                    ids::VOLUME_NODE_AFFINITY_CONFLICT,
                    pod.workload.key(),
                    format!(
                        "{} claim {claim}, whose volume {} may only be used on nodes with {affinity}, which {why}: {} Pending with \"node(s) didn't match PersistentVolume's node affinity\"",
                        who(&pod),
                        volume.meta.name,
                        stays(&pod),
                    ),
                )
                .at(Pointer::field(pod.workload.meta.source.as_ref(), path), "volume pinned elsewhere")
                .help("run the pod where the volume is (nodeSelector or node affinity matching the volume's), or give it a claim whose volume is reachable from its nodes"),
            );
        }
        if conflicted || disjoint_reported.contains(&w) {
            continue;
        }
        if let Some(finding) = disjoint_pair(&nodes, &pod, &pinned) {
            disjoint_reported.insert(w);
            findings.push(finding);
        }
    }
}

/// The known nodes, with those that carry each hostname: a volume pinned to hosts (the local
/// volume shape) is checked against those nodes only, not against every node of a large
/// cluster.
struct NodeIndex<'s> {
    all: &'s [Node],
    by_host: HashMap<&'s str, Vec<&'s Node>>,
}

impl<'s> NodeIndex<'s> {
    fn new(all: &'s [Node]) -> Self {
        let mut by_host: HashMap<&str, Vec<&Node>> = HashMap::default();
        for node in all {
            if let Some(host) = node.meta.labels.get(HOSTNAME_LABEL) {
                by_host.entry(host.as_str()).or_default().push(node);
            }
        }
        NodeIndex { all, by_host }
    }

    fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    /// The nodes a volume's node affinity admits.
    fn admitted<'a>(
        &'a self,
        affinity: &'a NodeSelector,
    ) -> Box<dyn Iterator<Item = &'s Node> + 'a> {
        let candidates: Box<dyn Iterator<Item = &'s Node> + 'a> = match affinity.pinned_hostnames()
        {
            Some(hosts) => Box::new(
                hosts
                    .into_iter()
                    .flat_map(|h| self.by_host.get(h.as_str()).into_iter().flatten().copied()),
            ),
            None => Box::new(self.all.iter()),
        };
        Box::new(candidates.filter(|n| affinity.matches(&n.meta.name, &n.meta.labels)))
    }
}

/// Whether the pod may be placed on `node`: the node it names, else one it fits and tolerates.
fn eligible(template: &PodTemplate, node: &Node) -> bool {
    match &template.node_name {
        Some(name) => node.meta.name == *name,
        None => template.fits_node(node),
    }
}

/// Why a volume's node affinity admits none of the nodes the pod may run on; `None` when it
/// admits one, or when that cannot be told.
fn excluded(
    nodes: &NodeIndex<'_>,
    pod_region: &Region,
    template: &PodTemplate,
    affinity: &NodeSelector,
) -> Option<String> {
    if nodes.is_empty() {
        disjoint(pod_region, &Region::of_selector(affinity))?;
        return Some(format!(
            "never match the pod's {}",
            describe_constraints(template)
        ));
    }
    if nodes.admitted(affinity).any(|n| eligible(template, n)) {
        return None;
    }
    let names: Vec<&str> = nodes
        .all
        .iter()
        .filter(|n| eligible(template, n))
        .map(|n| n.meta.name.as_str())
        .collect();
    // A pod that fits no node at all is stuck for another reason.
    if names.is_empty() {
        return None;
    }
    Some(format!(
        "match none of the {} nodes the pod may run on ({})",
        names.len(),
        name_some(&names)
    ))
}

/// "pod x uses", or "the pods of Deployment y use" for a workload whose pods are alike.
fn who(pod: &PodUse<'_>) -> String {
    match pod.workload.kind {
        WorkloadKind::Pod | WorkloadKind::StatefulSet => {
            let name = pod.workload.pod_name(pod.pod);
            match &pod.workload.meta.namespace {
                Some(namespace) => format!("pod {namespace}/{name} uses"),
                None => format!("pod {name} uses"),
            }
        }
        _ => format!("the pods of {} use", pod.workload.key()),
    }
}

fn stays(pod: &PodUse<'_>) -> &'static str {
    match pod.workload.kind {
        WorkloadKind::Pod | WorkloadKind::StatefulSet => "it stays",
        _ => "they stay",
    }
}

/// The pod's own placement constraints, in words.
fn describe_constraints(template: &PodTemplate) -> String {
    let mut parts = Vec::new();
    if let Some(name) = &template.node_name {
        parts.push(format!("nodeName {name}"));
    }
    if !template.node_selector.is_empty() {
        let pairs: Vec<String> = template
            .node_selector
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        parts.push(format!("nodeSelector {}", pairs.join(",")));
    }
    if let Some(Ok(affinity)) = &template.required_affinity {
        parts.push(format!("required node affinity ({affinity})"));
    }
    parts.join(" and ")
}

/// Two volumes of one pod that no node can reach both of.
fn disjoint_pair(
    nodes: &NodeIndex<'_>,
    pod: &PodUse<'_>,
    pinned: &[(usize, &str, &Volume, &NodeSelector)],
) -> Option<Finding> {
    for (i, (_, _, first, a)) in pinned.iter().enumerate() {
        for (_, path, second, b) in &pinned[i + 1..] {
            let why = if nodes.is_empty() {
                let Some(keys) = disjoint(&Region::of_selector(a), &Region::of_selector(b)) else {
                    continue;
                };
                format!("they require different values of {}", keys.join(", "))
            } else {
                // Each must be usable somewhere, else the volume alone is the problem.
                let mut in_a = nodes.admitted(a).peekable();
                if in_a.peek().is_none()
                    || nodes.admitted(b).next().is_none()
                    || in_a.any(|n| b.matches(&n.meta.name, &n.meta.labels))
                {
                    continue;
                }
                format!("none of the {} known nodes matches both", nodes.all.len())
            };
            return Some(
                Finding::new(
                    ids::CLAIMS_IN_DISJOINT_ZONES,
                    pod.workload.key(),
                    format!(
                        "{} volumes {} ({a}) and {} ({b}), which no one node can reach: {why}; {} Pending with \"node(s) didn't match PersistentVolume's node affinity\"",
                        who(pod),
                        first.meta.name,
                        second.meta.name,
                        stays(pod),
                    ),
                )
                .at(Pointer::field(pod.workload.meta.source.as_ref(), path), "pinned apart from the pod's other volume")
                .help("keep a pod's volumes in one zone (or on one node): recreate one of them there, or use a WaitForFirstConsumer class so both are provisioned where the pod runs"),
            );
        }
    }
    None
}

#[cfg(test)]
mod tests {

    fn findings(text: &str, rule: &str) -> Vec<String> {
        crate::analysis::testing::findings(text)
            .iter()
            .filter(|f| f.rule == rule)
            .map(|f| f.message.clone())
            .collect()
    }

    const ZONE: &str = "topology.kubernetes.io/zone";

    /// A volume in `zone`, bound to claim `name` (already bound, as in a cluster dump).
    fn bound_pair(name: &str, zone: &str) -> String {
        format!("---\napiVersion: v1\nkind: PersistentVolume\nmetadata: {{name: pv-{name}}}\nspec:\n  storageClassName: disk\n  capacity: {{storage: 1Gi}}\n  accessModes: [ReadWriteOnce]\n  csi: {{driver: ebs.csi.aws.com, volumeHandle: vol-{name}}}\n  claimRef: {{namespace: default, name: {name}, uid: u-{name}}}\n  nodeAffinity: {{required: {{nodeSelectorTerms: [{{matchExpressions: [{{key: {ZONE}, operator: In, values: [{zone}]}}]}}]}}}}\nstatus: {{phase: Bound}}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: {name}, namespace: default, uid: u-{name}, annotations: {{pv.kubernetes.io/bind-completed: \"yes\"}}}}\nspec: {{storageClassName: disk, volumeName: pv-{name}, accessModes: [ReadWriteOnce], resources: {{requests: {{storage: 1Gi}}}}}}\nstatus: {{phase: Bound}}\n")
    }

    fn pod(extra: &str, claims: &[&str]) -> String {
        let volumes: Vec<String> = claims
            .iter()
            .map(|c| format!("{{name: {c}, persistentVolumeClaim: {{claimName: {c}}}}}"))
            .collect();
        format!("---\napiVersion: v1\nkind: Pod\nmetadata: {{name: app, namespace: default}}\nspec:\n  {extra}\n  containers: [{{name: c, image: busybox}}]\n  volumes: [{}]\n", volumes.join(", "))
    }

    fn node(name: &str, zone: &str) -> String {
        format!("---\napiVersion: v1\nkind: Node\nmetadata: {{name: {name}, labels: {{kubernetes.io/hostname: {name}, {ZONE}: {zone}}}}}\n")
    }

    #[test]
    fn pod_constraints_against_volume_affinity_without_nodes() {
        let rule = "volume-node-affinity-conflict";
        let data = bound_pair("data", "us-east-1a");
        let conflict = format!(
            "{data}{}",
            pod(&format!("nodeSelector: {{{ZONE}: us-east-1b}}"), &["data"])
        );
        let found = findings(&conflict, rule);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].contains("nodeSelector topology.kubernetes.io/zone=us-east-1b"),
            "{}",
            found[0]
        );
        let fits = format!(
            "{data}{}",
            pod(&format!("nodeSelector: {{{ZONE}: us-east-1a}}"), &["data"])
        );
        assert!(findings(&fits, rule).is_empty());
        let anywhere = format!("{data}{}", pod("restartPolicy: Always", &["data"]));
        assert!(findings(&anywhere, rule).is_empty());
    }

    #[test]
    fn pod_constraints_against_volume_affinity_with_nodes() {
        let rule = "volume-node-affinity-conflict";
        let data = bound_pair("data", "us-east-1a");
        let nodes = node("n1", "us-east-1a") + &node("n2", "us-east-1b");
        let pinned_b = pod("nodeSelector: {kubernetes.io/hostname: n2}", &["data"]);
        assert_eq!(findings(&format!("{data}{nodes}{pinned_b}"), rule).len(), 1);
        let pinned_a = pod("nodeSelector: {kubernetes.io/hostname: n1}", &["data"]);
        assert!(findings(&format!("{data}{nodes}{pinned_a}"), rule).is_empty());
        let nowhere = pod("nodeSelector: {kubernetes.io/hostname: n9}", &["data"]);
        assert!(
            findings(&format!("{data}{nodes}{nowhere}"), rule).is_empty(),
            "a pod that fits no node is stuck for another reason"
        );
        let by_name = pod("nodeName: n2", &["data"]);
        assert_eq!(findings(&format!("{data}{nodes}{by_name}"), rule).len(), 1);
    }

    /// A local class, a volume on n1, a claim of the class and a pod pinned to n2.
    fn local_on_other_node(mode: &str) -> String {
        format!("apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {{name: local}}\nprovisioner: kubernetes.io/no-provisioner\nvolumeBindingMode: {mode}\n---\napiVersion: v1\nkind: PersistentVolume\nmetadata: {{name: pv1}}\nspec:\n  storageClassName: local\n  capacity: {{storage: 1Gi}}\n  accessModes: [ReadWriteOnce]\n  local: {{path: /mnt/disk}}\n  nodeAffinity: {{required: {{nodeSelectorTerms: [{{matchExpressions: [{{key: kubernetes.io/hostname, operator: In, values: [n1]}}]}}]}}}}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: data, namespace: default}}\nspec: {{storageClassName: local, accessModes: [ReadWriteOnce], resources: {{requests: {{storage: 1Gi}}}}}}\n{}{}{}", node("n1", "a"), node("n2", "a"), pod("nodeSelector: {kubernetes.io/hostname: n2}", &["data"]))
    }

    #[test]
    fn waiting_claims_are_left_to_the_matcher() {
        let text = local_on_other_node("WaitForFirstConsumer");
        assert!(findings(&text, "volume-node-affinity-conflict").is_empty());
        assert_eq!(findings(&text, "claim-pending").len(), 1);
        let text = local_on_other_node("Immediate");
        assert_eq!(
            findings(&text, "volume-node-affinity-conflict").len(),
            1,
            "Immediate binds without looking at the pod"
        );
        assert!(findings(&text, "claim-pending").is_empty());
    }

    #[test]
    fn statefulset_pods_reported_once_per_template() {
        let mut text = String::new();
        for ordinal in 0..3 {
            text.push_str(&bound_pair(&format!("data-db-{ordinal}"), "us-east-1a"));
        }
        text.push_str(&format!("---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: db, namespace: default}}\nspec:\n  replicas: 3\n  serviceName: db\n  selector: {{matchLabels: {{app: db}}}}\n  template:\n    metadata: {{labels: {{app: db}}}}\n    spec:\n      nodeSelector: {{{ZONE}: us-east-1b}}\n      containers: [{{name: db, image: postgres}}]\n  volumeClaimTemplates:\n  - metadata: {{name: data}}\n    spec: {{storageClassName: disk, accessModes: [ReadWriteOnce], resources: {{requests: {{storage: 1Gi}}}}}}\n"));
        let found = findings(&text, "volume-node-affinity-conflict");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("pod default/db-0 uses claim default/data-db-0"),
            "{}",
            found[0]
        );
    }

    #[test]
    fn volumes_in_different_zones() {
        let rule = "claims-in-disjoint-zones";
        let two = bound_pair("data", "us-east-1a") + &bound_pair("logs", "us-east-1b");
        let text = format!("{two}{}", pod("restartPolicy: Always", &["data", "logs"]));
        let found = findings(&text, rule);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("pv-data") && found[0].contains("pv-logs"));
        let same = bound_pair("data", "us-east-1a") + &bound_pair("logs", "us-east-1a");
        let text = format!("{same}{}", pod("restartPolicy: Always", &["data", "logs"]));
        assert!(findings(&text, rule).is_empty());
        let nodes = node("n1", "us-east-1a") + &node("n2", "us-east-1b");
        let text = format!(
            "{two}{nodes}{}",
            pod("restartPolicy: Always", &["data", "logs"])
        );
        assert_eq!(findings(&text, rule).len(), 1);
        let separate = format!(
            "{two}{}{}",
            pod("restartPolicy: Always", &["data"]),
            pod("restartPolicy: Always", &["logs"]).replace("name: app", "name: other")
        );
        assert!(findings(&separate, rule).is_empty(), "different pods");
    }
}
