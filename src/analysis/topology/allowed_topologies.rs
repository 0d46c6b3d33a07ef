//! A class whose allowedTopologies no known node satisfies: it can provision nowhere a pod can
//! run. Judged only when Node objects are given.

use crate::findings::{Finding, Pointer};
use crate::model::Snapshot;
use crate::rules::ids;

pub fn check(snapshot: &Snapshot, findings: &mut Vec<Finding>) {
    if snapshot.nodes.is_empty() {
        return;
    }
    for class in &snapshot.classes {
        let Some(topology) = &class.allowed_topologies else {
            continue;
        };
        if snapshot
            .nodes
            .iter()
            .any(|n| topology.matches(&n.meta.name, &n.meta.labels))
        {
            continue;
        }
        findings.push(
            Finding::new(
                ids::ALLOWED_TOPOLOGIES_MATCH_NO_NODE,
                class.key(),
                format!(
                    "StorageClass {} allows only topologies ({topology}) that none of the {} known nodes has: its claims cannot get a volume any pod can use (with WaitForFirstConsumer they stay Pending, \"didn't find available persistent volumes to bind\"; with Immediate the volume is created where no node can attach it)",
                    class.meta.name,
                    snapshot.nodes.len()
                ),
            )
            .at(Pointer::field(class.meta.source.as_ref(), "allowedTopologies"), "matches no node")
            .help("list zones (or other topology values) that the cluster's nodes carry: compare with `kubectl get nodes -L topology.kubernetes.io/zone`"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::findings;

    fn flagged(text: &str) -> bool {
        findings(text)
            .iter()
            .any(|f| f.rule == "allowed-topologies-match-no-node")
    }

    const CLASS: &str = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: zonal}\nprovisioner: ebs.csi.aws.com\nvolumeBindingMode: WaitForFirstConsumer\nallowedTopologies:\n- matchLabelExpressions:\n  - {key: topology.ebs.csi.aws.com/zone, values: [ZONES]}\n";

    fn node(name: &str, zone: &str) -> String {
        format!("---\napiVersion: v1\nkind: Node\nmetadata: {{name: {name}, labels: {{topology.ebs.csi.aws.com/zone: {zone}}}}}\n")
    }

    #[test]
    fn only_with_nodes() {
        let class = CLASS.replace("ZONES", "us-east-1c");
        assert!(!flagged(&class), "no nodes: nothing to compare with");
        assert!(flagged(&format!(
            "{class}{}{}",
            node("n1", "us-east-1a"),
            node("n2", "us-east-1b")
        )));
        assert!(!flagged(&format!(
            "{class}{}{}",
            node("n1", "us-east-1a"),
            node("n2", "us-east-1c")
        )));
        let two = CLASS.replace("ZONES", "us-east-1c, us-east-1a");
        assert!(!flagged(&format!("{two}{}", node("n1", "us-east-1a"))));
    }
}
