//! Volumes that live on one node but do not say which: a `local` volume without node affinity
//! (the API refuses it) and a `hostPath` volume without it (any node's directory will do, so
//! data written on one node is missing on the next).

use crate::findings::{Finding, Pointer};
use crate::model::Snapshot;
use crate::rules::ids;

pub fn check(snapshot: &Snapshot, findings: &mut Vec<Finding>) {
    for volume in snapshot
        .volumes
        .iter()
        .filter(|v| v.node_affinity.is_none())
    {
        let name = &volume.meta.name;
        let source = volume.meta.source.as_ref();
        if volume.plugin.is_local() {
            findings.push(
                Finding::new(
                    ids::LOCAL_VOLUME_WITHOUT_NODE_AFFINITY,
                    volume.key(),
                    format!("local volume {name} has no spec.nodeAffinity: the API server rejects it (spec.nodeAffinity: Required value: Local volume requires node affinity)"),
                )
                .at(Pointer::field(source, "spec.local"), "on which node?")
                .help("add spec.nodeAffinity.required with a kubernetes.io/hostname term naming the node that has the disk or directory"),
            );
        } else if volume.plugin.is_host_path() && snapshot.nodes.len() != 1 {
            findings.push(
                Finding::new(
                    ids::HOST_PATH_VOLUME_WITHOUT_NODE_AFFINITY,
                    volume.key(),
                    format!("hostPath volume {name} has no spec.nodeAffinity: a pod using it may run on any node and sees that node's directory, so data written on one node is missing when the pod moves to another"),
                )
                .at(Pointer::field(source, "spec.hostPath"), "a directory on whichever node")
                .help("pin the volume to its node with spec.nodeAffinity (kubernetes.io/hostname), or use a local volume or a networked storage class"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::findings;

    fn rules(text: &str) -> Vec<&'static str> {
        findings(text).iter().map(|f| f.rule).collect()
    }

    const PV: &str = "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: pv}\nspec:\n  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n  SOURCE\n";
    const AFFINITY: &str = "\n  nodeAffinity: {required: {nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [n1]}]}]}}";
    const NODE: &str = "---\napiVersion: v1\nkind: Node\nmetadata: {name: NAME, labels: {kubernetes.io/hostname: NAME}}\n";

    #[test]
    fn local_needs_affinity() {
        let bare = PV.replace("SOURCE", "local: {path: /mnt/disk}");
        assert!(rules(&bare).contains(&"local-volume-without-node-affinity"));
        let pinned = PV.replace("SOURCE", &format!("local: {{path: /mnt/disk}}{AFFINITY}"));
        assert!(!rules(&pinned).contains(&"local-volume-without-node-affinity"));
    }

    #[test]
    fn host_path_on_several_or_unknown_nodes() {
        let bare = PV.replace("SOURCE", "hostPath: {path: /data}");
        assert!(rules(&bare).contains(&"host-path-volume-without-node-affinity"));
        let one_node = format!("{bare}{}", NODE.replace("NAME", "n1"));
        assert!(
            !rules(&one_node).contains(&"host-path-volume-without-node-affinity"),
            "a single-node cluster has only one directory"
        );
        let two_nodes = format!("{one_node}{}", NODE.replace("NAME", "n2"));
        assert!(rules(&two_nodes).contains(&"host-path-volume-without-node-affinity"));
        let pinned = PV.replace("SOURCE", &format!("hostPath: {{path: /data}}{AFFINITY}"));
        assert!(!rules(&pinned).contains(&"host-path-volume-without-node-affinity"));
        let nfs = PV.replace("SOURCE", "nfs: {server: nfs.example.com, path: /export}");
        assert!(rules(&nfs).is_empty(), "{:?}", rules(&nfs));
    }
}
