//! ReadWriteOncePod claims used by more than one pod: the scheduler lets one pod at a time use
//! such a claim, anywhere in the cluster, so the others stay Pending.

use crate::binding::BindingPlan;
use crate::findings::{Finding, Pointer};
use crate::model::{AccessMode, Snapshot, WorkloadKind};
use crate::rules::ids;

use super::claim_users::{describe, in_use, pods_at_once, InUse};

pub fn check(snapshot: &Snapshot, plan: &BindingPlan, findings: &mut Vec<Finding>) {
    for InUse {
        claim,
        workloads,
        modes,
        ..
    } in in_use(snapshot, plan)
    {
        if !modes.contains(AccessMode::ReadWriteOncePod) {
            continue;
        }
        let pods: u32 = workloads.iter().map(|w| pods_at_once(w)).sum();
        let name = claim.meta.qualified();
        let message = if pods > 1 {
            let who: Vec<String> = workloads.iter().map(|w| describe(w)).collect();
            format!(
                "ReadWriteOncePod claim {name} is used by more than one pod ({}); only one runs, the others stay Pending: \"node(s) unavailable due to PersistentVolumeClaim with ReadWriteOncePod access mode already in-use by another pod\"",
                who.join(", ")
            )
        } else if let Some(w) = workloads
            .iter()
            .find(|w| w.surges && w.kind == WorkloadKind::Deployment)
        {
            format!(
                "ReadWriteOncePod claim {name} is used by {}, which rolls out with RollingUpdate: the new pod cannot start while the old one holds the claim, and the old one is not stopped before the new one is ready, so every rollout stalls",
                w.key()
            )
        } else {
            continue;
        };
        findings.push(
            Finding::new(ids::RWOP_CLAIM_USED_BY_SEVERAL_PODS, claim.key(), message)
                .at(Pointer::field(claim.meta.source.as_ref(), "spec.accessModes"), "one pod at a time")
                .help("give each pod its own claim (StatefulSet volumeClaimTemplates); for a single-replica Deployment set `strategy.type: Recreate`; use ReadWriteOnce or ReadWriteMany if pods must share the volume"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::findings;

    const CLAIM: &str = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec:\n  storageClassName: s\n  accessModes: [ReadWriteOncePod]\n  resources: {requests: {storage: 1Gi}}\n---\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: s}\nprovisioner: example.com/s\n";

    fn flagged(pods: &str) -> bool {
        findings(&format!("{CLAIM}{pods}"))
            .iter()
            .any(|f| f.rule == "rwop-claim-used-by-several-pods")
    }

    fn pod(name: &str, volumes: &str) -> String {
        format!("---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n  containers: [{{name: c, image: x}}]\n  volumes: [{volumes}]\n")
    }

    #[test]
    fn one_pod_mounting_the_claim_twice_is_one_pod() {
        let twice = "{name: a, persistentVolumeClaim: {claimName: data}}, {name: b, persistentVolumeClaim: {claimName: data}}";
        assert!(!flagged(&pod("p", twice)));
    }

    #[test]
    fn two_pods_exclude_each_other() {
        let once = "{name: a, persistentVolumeClaim: {claimName: data}}";
        assert!(flagged(&(pod("p", once) + &pod("q", once))));
    }
}
