//! Claims that wait for a volume to be provisioned: what the provisioner said, and whether its
//! driver is installed at all.

use crate::binding::{BindingPlan, Outcome};
use crate::evidence::{Evidence, Provisioner};
use crate::findings::{Finding, Pointer};
use crate::model::{BindingMode, Snapshot};
use crate::rules::ids;

use super::{at_event, quote};

pub fn check(
    snapshot: &Snapshot,
    plan: &BindingPlan,
    evidence: &Evidence,
    findings: &mut Vec<Finding>,
) {
    for (claim, claim_plan) in snapshot.claims.iter().zip(&plan.claims) {
        if !claim.meta.exists
            || claim.status.phase.as_deref() == Some("Bound")
            || matches!(claim_plan.outcome, Outcome::Bound | Outcome::Lost)
        {
            continue;
        }
        let key = claim.key();
        let failed = evidence.latest(&key, &["ProvisioningFailed", "ProvisioningSucceeded"]);
        if let Some(event) = failed.filter(|e| e.reason == "ProvisioningFailed") {
            let provisioner = claim_plan
                .provisioner
                .as_deref()
                .map(|p| format!(" by {p}"))
                .unwrap_or_default();
            findings.push(
                Finding::new(
                    ids::PROVISIONING_FAILED,
                    key.clone(),
                    format!(
                        "provisioning a volume{provisioner} for claim {} failed: {}; the claim stays Pending while the provisioner retries",
                        claim.meta.qualified_name(),
                        quote(event),
                    ),
                )
                .at(at_event(event).or_else(|| Pointer::field(claim.meta.source.as_ref(), "spec")), "the provisioner's error")
                .help("fix what the message names (the class's parameters, quotas, the provider's credentials, the requested size or zone); the provisioner retries on its own"),
            );
        }
        driver_missing(snapshot, claim_plan, claim, evidence, findings);
    }
}

/// A claim that asked a CSI provisioner for a volume, while no CSIDriver object and no node
/// says that driver is installed.
fn driver_missing(
    snapshot: &Snapshot,
    claim_plan: &crate::binding::ClaimPlan,
    claim: &crate::model::Claim,
    evidence: &Evidence,
    findings: &mut Vec<Finding>,
) {
    if !matches!(
        claim_plan.outcome,
        Outcome::Provisions | Outcome::WaitsForConsumer | Outcome::Pending
    ) {
        return;
    }
    let Some(class) = claim_plan.class_index.map(|i| &snapshot.classes[i]) else {
        return;
    };
    let provisioner = class.provisioner.as_str();
    // Only a CSI driver known to be missing: in-tree plugins need none, and an external
    // provisioner that is no CSI driver registers nothing to look for.
    if evidence.provisioner(class)
        != (Provisioner::Csi {
            installed: Some(false),
        })
    {
        return;
    }
    // A claim waiting for its first consumer asks nobody for a volume until a pod comes.
    if class.binding_mode_or_default() == BindingMode::WaitForFirstConsumer
        && claim.selected_node().is_none()
    {
        return;
    }
    let waiting = evidence
        .latest(&claim.key(), &["ExternalProvisioning"])
        .map(|e| format!("; the claim's events say {}", quote(e)))
        .unwrap_or_default();
    findings.push(
        Finding::new(
            ids::CSI_DRIVER_NOT_INSTALLED,
            claim.key(),
            format!(
                "claim {} waits for provisioner {provisioner} (class {}), but no CSIDriver object and no node's CSINode names that driver: it looks not installed, so nothing creates the volume and the claim stays Pending{waiting}",
                claim.meta.qualified_name(),
                class.meta.name,
            ),
        )
        .at(Pointer::field(class.meta.source.as_ref(), "provisioner"), "no such driver in the cluster")
        .at_if_none(Pointer::field(claim.meta.source.as_ref(), "spec.storageClassName"), "no such driver in the cluster")
        .help(format!("install the {provisioner} driver (its controller and node plugin), or give the claim a class whose provisioner runs in the cluster (`kubectl get csidrivers`); a provisioner that is not a CSI driver must be running as its own deployment")),
    );
}
