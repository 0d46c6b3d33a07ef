//! Bound volumes against the pods that use them: a volume's node affinity that excludes every
//! node a pod may run on, and two volumes of one pod that no single node can reach.

use std::collections::HashSet;

use crate::binding::BindingPlan;
use crate::findings::{Finding, Pointer};
use crate::model::selector::NodeSelector;
use crate::model::{Node, PodTemplate, Snapshot, Volume, WorkloadKind};
use crate::rules::ids;

use super::constraints::{disjoint, Region};
use super::{certain_volume, name_some, running_pods, PodUse};

pub fn check(snapshot: &Snapshot, plan: &BindingPlan, findings: &mut Vec<Finding>) {
    // One finding per workload and field: a StatefulSet's pods share their claim templates.
    let mut reported: HashSet<(usize, String)> = HashSet::new();
    let mut disjoint_reported: HashSet<usize> = HashSet::new();
    let workload_index = |pod: &PodUse<'_>| {
        snapshot
            .workloads
            .iter()
            .position(|w| std::ptr::eq(w, pod.workload))
            .unwrap_or_default()
    };
    for pod in running_pods(snapshot) {
        let w = workload_index(&pod);
        let template = &pod.workload.template;
        let Some(pod_region) = Region::of_pod(template) else {
            continue;
        };
        let eligible: Vec<&Node> = snapshot
            .nodes
            .iter()
            .filter(|n| match &template.node_name {
                Some(name) => n.meta.name == *name,
                None => template.fits_node(n),
            })
            .collect();
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
            let Some(why) = excluded(snapshot, &pod_region, &eligible, template, affinity) else {
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
                        "{} claim {claim}, whose volume {} may only be used on nodes with {affinity}, which {why}: {} Pending with \"node(s) had volume node affinity conflict\"",
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
        if let Some(finding) = disjoint_pair(snapshot, &pod, &pinned) {
            disjoint_reported.insert(w);
            findings.push(finding);
        }
    }
}

/// Why a volume's node affinity admits none of the nodes the pod may run on; `None` when it
/// admits one, or when that cannot be told.
fn excluded(
    snapshot: &Snapshot,
    pod_region: &Region,
    eligible: &[&Node],
    template: &PodTemplate,
    affinity: &NodeSelector,
) -> Option<String> {
    if snapshot.nodes.is_empty() {
        disjoint(pod_region, &Region::of_selector(affinity))?;
        return Some(format!(
            "never match the pod's {}",
            describe_constraints(template)
        ));
    }
    // A pod that fits no node at all is stuck for another reason.
    if eligible.is_empty()
        || eligible
            .iter()
            .any(|n| affinity.matches(&n.meta.name, &n.meta.labels))
    {
        return None;
    }
    let names: Vec<&str> = eligible.iter().map(|n| n.meta.name.as_str()).collect();
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
            format!("pod {} uses", pod.workload.pod_name(pod.pod))
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
    snapshot: &Snapshot,
    pod: &PodUse<'_>,
    pinned: &[(usize, &str, &Volume, &NodeSelector)],
) -> Option<Finding> {
    for (i, (_, _, first, a)) in pinned.iter().enumerate() {
        for (_, path, second, b) in &pinned[i + 1..] {
            let why = if snapshot.nodes.is_empty() {
                let Some(keys) = disjoint(&Region::of_selector(a), &Region::of_selector(b)) else {
                    continue;
                };
                format!("they require different values of {}", keys.join(", "))
            } else {
                let in_a = |n: &&Node| a.matches(&n.meta.name, &n.meta.labels);
                let in_b = |n: &&Node| b.matches(&n.meta.name, &n.meta.labels);
                let each_somewhere = snapshot.nodes.iter().any(|n| in_a(&n))
                    && snapshot.nodes.iter().any(|n| in_b(&n));
                if !each_somewhere || snapshot.nodes.iter().any(|n| in_a(&n) && in_b(&n)) {
                    continue;
                }
                format!("none of the {} known nodes matches both", snapshot.nodes.len())
            };
            return Some(
                Finding::new(
                    ids::CLAIMS_IN_DISJOINT_ZONES,
                    pod.workload.key(),
                    format!(
                        "{} volumes {} ({a}) and {} ({b}), which no one node can reach: {why}; {} Pending with \"node(s) had volume node affinity conflict\"",
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
    use crate::load::{load_str, LoadOptions};
    use crate::report;

    fn findings(text: &str, rule: &str) -> Vec<String> {
        let loaded = load_str("t.yaml", text, &LoadOptions::default());
        report::plan(&loaded)
            .findings
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
        assert!(found[0].contains("nodeSelector topology.kubernetes.io/zone=us-east-1b"), "{}", found[0]);
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
        let text = format!("{two}{nodes}{}", pod("restartPolicy: Always", &["data", "logs"]));
        assert_eq!(findings(&text, rule).len(), 1);
        let separate = format!(
            "{two}{}{}",
            pod("restartPolicy: Always", &["data"]),
            pod("restartPolicy: Always", &["logs"]).replace("name: app", "name: other")
        );
        assert!(findings(&separate, rule).is_empty(), "different pods");
    }
}
