//! A pod names its claim by `claimName` alone, looked up in the pod's own namespace
//! (upstream the scheduler's VolumeBinding and the kubelet both get `pod.Namespace/claimName`):
//! a claim in another namespace is never used. Manifests often put a namespace on one object
//! and not the other; `kubectl apply -f` then puts the one without into the namespace it is
//! applied to (`-n`, else the context's), so the two meet only when applied to the other's
//! namespace.
//!
//! Only where the input does not show every claim: with every claim known, a claim missing from
//! the pod's namespace is missing, and pod-claim-not-found says so.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::findings::{Finding, Pointer};
use crate::model::{Claim, Snapshot};
use crate::rules::ids;

pub fn check(snapshot: &Snapshot, findings: &mut Vec<Finding>) {
    if snapshot.claims_complete {
        return;
    }
    let mut by_name: HashMap<&str, Vec<&Claim>> = HashMap::default();
    let mut present: HashSet<(&str, &str)> = HashSet::default();
    for claim in &snapshot.claims {
        let ns = claim.meta.namespace.as_deref().unwrap_or_default();
        by_name
            .entry(claim.meta.name.as_str())
            .or_default()
            .push(claim);
        present.insert((ns, claim.meta.name.as_str()));
    }
    for workload in snapshot.workloads.iter().filter(|w| !w.finished) {
        let ns = workload.meta.namespace.as_deref().unwrap_or_default();
        for usage in &workload.template.claims {
            if present.contains(&(ns, usage.claim.as_str())) {
                continue;
            }
            let Some(elsewhere) = by_name.get(usage.claim.as_str()) else {
                continue;
            };
            let mut namespaces: Vec<&str> = elsewhere
                .iter()
                .filter_map(|c| c.meta.namespace.as_deref())
                .collect();
            namespaces.sort_unstable();
            namespaces.dedup();
            let claim = elsewhere[0];
            let claim_ns = namespaces.join(", ");
            let meet = if workload.meta.namespace_defaulted {
                format!(
                    "the {} has no namespace of its own, so the two meet only when the file is applied with -n {} (or from a context whose namespace is {}); applied anywhere else, its pods stay Pending (persistentvolumeclaim {:?} not found)",
                    workload.key().kind,
                    namespaces[0],
                    namespaces[0],
                    usage.claim
                )
            } else if claim.meta.namespace_defaulted {
                format!(
                    "the claim has no namespace of its own, so the two meet only when the file is applied with -n {ns}; applied anywhere else, the pods stay Pending (persistentvolumeclaim {:?} not found)",
                    usage.claim
                )
            } else {
                format!(
                    "both namespaces are written, so the pods use this claim never: they stay Pending (persistentvolumeclaim {:?} not found) unless namespace {ns} has a claim of that name too",
                    usage.claim
                )
            };
            let help = if workload.meta.namespace_defaulted {
                format!(
                    "set metadata.namespace: {} on {}, next to its claim",
                    namespaces[0],
                    workload.key().kind
                )
            } else {
                format!(
                    "put the claim in namespace {ns} (a claim cannot be shared across namespaces; pods in several namespaces need a claim each, e.g. on volumes of a ReadWriteMany share)"
                )
            };
            findings.push(
                Finding::new(
                    ids::CLAIM_IN_OTHER_NAMESPACE,
                    workload.key(),
                    format!(
                        "{} uses claim {:?} (volume {:?}), which the input has only in namespace {claim_ns}: a pod's claimName is looked up in the pod's own namespace, {ns}; {meet}",
                        workload.key(),
                        usage.claim,
                        usage.volume
                    ),
                )
                .at(
                    Pointer::field(
                        workload.meta.source.as_ref(),
                        &format!("{}.persistentVolumeClaim.claimName", usage.path),
                    ),
                    format!("looked up in namespace {ns}"),
                )
                .help(help),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{load_str, LoadOptions};

    fn messages(text: &str) -> Vec<String> {
        let snapshot = load_str("t.yaml", text, &LoadOptions::default()).snapshot;
        let mut findings = Vec::new();
        check(&snapshot, &mut findings);
        findings.into_iter().map(|f| f.message).collect()
    }

    fn input(pod_ns: &str, claim_ns: &str) -> String {
        format!("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: data{claim_ns}}}\nspec: {{accessModes: [ReadWriteOnce], resources: {{requests: {{storage: 1Gi}}}}}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {{name: web{pod_ns}}}\nspec:\n  containers: [{{name: c, image: nginx}}]\n  volumes: [{{name: d, persistentVolumeClaim: {{claimName: data}}}}]\n")
    }

    #[test]
    fn which_side_lacks_a_namespace_is_said() {
        assert!(messages(&input("", "")).is_empty());
        assert!(messages(&input(", namespace: default", "")).is_empty());
        let found = messages(&input("", ", namespace: shop"));
        assert!(found[0].contains("applied with -n shop"), "{found:?}");
        let found = messages(&input(", namespace: shop", ""));
        assert!(
            found[0].contains("the claim has no namespace of its own"),
            "{found:?}"
        );
        let found = messages(&input(", namespace: shop", ", namespace: db"));
        assert!(
            found[0].contains("both namespaces are written"),
            "{found:?}"
        );
    }
}
