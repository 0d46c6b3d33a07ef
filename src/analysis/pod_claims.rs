//! Pods that name a claim that does not exist: the scheduler leaves them Pending
//! (`persistentvolumeclaim "X" not found`, from the VolumeBinding plugin's PreFilter) until the
//! claim is created.
//!
//! Only where the input is the whole cluster (a live read, a dump, `--complete`). A repository's
//! manifests are partial: the claim may well exist in the cluster they are applied to.

use crate::findings::{Finding, Pointer};
use crate::model::{Snapshot, WorkloadKind};
use crate::rules::ids;

pub fn check(snapshot: &Snapshot, findings: &mut Vec<Finding>) {
    // A part of a cluster: the claim may be made elsewhere (the input's scope names it).
    if !snapshot.claims_complete {
        return;
    }
    let claims = snapshot.claims_by_name();
    for pod in &snapshot.workloads {
        if pod.kind != WorkloadKind::Pod || pod.finished || pod.meta.deleting {
            continue;
        }
        let ns = pod.meta.namespace.as_deref().unwrap_or_default();
        for usage in &pod.template.claims {
            if claims.contains_key(&(ns, usage.claim.as_str())) {
                continue;
            }
            findings.push(
                Finding::new(
                    ids::POD_CLAIM_NOT_FOUND,
                    pod.key(),
                    format!(
                        "pod {} uses claim {:?} (volume {:?}), which does not exist in namespace {ns}: the pod stays Pending (persistentvolumeclaim {:?} not found) until the claim is created",
                        pod.meta.qualified_name(),
                        usage.claim,
                        usage.volume,
                        usage.claim
                    ),
                )
                .at(Pointer::field(pod.meta.source.as_ref(), &format!("{}.persistentVolumeClaim.claimName", usage.path)), "no such claim")
                .help(match elsewhere(snapshot, &usage.claim) {
                    Some(other) => format!(
                        "claim {:?} exists in namespace {other}, but a pod can only use claims of its own namespace: create the claim in namespace {ns}, or run the pod in {other}",
                        usage.claim
                    ),
                    None => format!(
                        "create claim {:?} in namespace {ns}, or correct the claimName (see `kubectl get pvc -n {ns}`)",
                        usage.claim
                    ),
                }),
            );
        }
    }
}

/// A namespace that has a claim of this name, for a pod that looked in its own.
fn elsewhere<'a>(snapshot: &'a Snapshot, name: &str) -> Option<&'a str> {
    snapshot
        .claims
        .iter()
        .find(|c| c.meta.name == name)
        .and_then(|c| c.meta.namespace.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{load_str, LoadOptions};

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec:\n  containers: [{name: web, image: nginx}]\n  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]\n";

    fn rules(snapshot: &Snapshot) -> Vec<&'static str> {
        let mut findings = Vec::new();
        check(snapshot, &mut findings);
        findings.iter().map(|f| f.rule).collect()
    }

    /// A manifest applied over a live cluster (`plan --cluster -f`): the cluster's claims are
    /// all of them, so a claim missing there is missing.
    #[test]
    fn a_manifest_over_a_live_cluster_is_judged_against_its_claims() {
        let mut snapshot = load_str("pod.yaml", POD, &LoadOptions::default()).snapshot;
        assert!(rules(&snapshot).is_empty());
        snapshot.claims_complete = true;
        assert_eq!(rules(&snapshot), [ids::POD_CLAIM_NOT_FOUND]);
    }
}
