//! Findings from the binding plan: claims that stay Pending or are Lost, classes the plan
//! cannot see, claims that compete for a volume, and ties upstream breaks arbitrarily.

use crate::binding::{BindingPlan, ClaimPlan, Outcome};
use crate::findings::{Finding, Pointer};
use crate::model::annotations::BETA_STORAGE_CLASS;
use crate::model::{Claim, Snapshot};
use crate::rules::ids;

pub fn check(snapshot: &Snapshot, plan: &BindingPlan, findings: &mut Vec<Finding>) {
    default_classes(snapshot, plan, findings);
    reservations(snapshot, plan, findings);
    for (claim, claim_plan) in snapshot.claims.iter().zip(&plan.claims) {
        let name = claim.meta.qualified_name();
        let source = claim.meta.source.as_ref();
        match claim_plan.outcome {
            Outcome::Pending => {
                let mut help = String::from("give the claim a class that provisions, or create a volume that fits it");
                // A claim with no class relies on the cluster's default class, which the plan
                // only knows from the inputs.
                if !claim.has_class() && plan.default_class.is_none() {
                    help = format!(
                        "{help}; the claim sets no class and no default StorageClass is among the inputs: if the cluster has one, add it to the input (kubectl get storageclass -o yaml)"
                    );
                }
                if let Some(first) = claim_plan.candidates.first() {
                    let volume = &snapshot.volumes[first.volume].meta.name;
                    help = format!("{help}. Nearest miss: volume {volume}: {}", first.rejected);
                }
                findings.push(
                    Finding::new(ids::CLAIM_PENDING, claim.key(), format!("claim {name} will stay Pending: {}", claim_plan.reason))
                        .at(Pointer::field(source, pending_field(claim, claim_plan)), "stays Pending")
                        .help(help),
                );
            }
            Outcome::Lost => findings.push(
                Finding::new(ids::CLAIM_LOST, claim.key(), format!("claim {name} is Lost: {}", claim_plan.reason))
                    .at(Pointer::field(source, "spec.volumeName"), "this volume is gone")
                    .help("recreate the volume with a claimRef to this claim if the data exists, else delete and recreate the claim"),
            ),
            _ => {}
        }
        if let Some(class) = &claim_plan.class {
            if claim_plan.class_index.is_none() {
                let field = if claim.meta.has_annotation(BETA_STORAGE_CLASS) {
                    format!("metadata.annotations[\"{BETA_STORAGE_CLASS}\"]")
                } else {
                    "spec.storageClassName".to_owned()
                };
                findings.push(
                    Finding::new(
                        ids::CLASS_NOT_FOUND,
                        claim.key(),
                        format!("claim {name} uses StorageClass {class:?}, which is not among the inputs; the plan assumes the cluster has it and that it provisions"),
                    )
                    .at(Pointer::field(source, &field), "class not seen")
                    .help("check the name against `kubectl get storageclass`, or include the class in the plan's input"),
                );
            }
        }
        if claim_plan.assumes_cluster_default {
            findings.push(
                Finding::new(
                    ids::CLASS_NOT_FOUND,
                    claim.key(),
                    format!("claim {name} sets no class and relies on the cluster's default StorageClass, which is not among the inputs; the plan assumes there is one and that it provisions"),
                )
                .at(Pointer::field(source, "spec"), "no storageClassName")
                .help("check `kubectl get storageclass` for a (default) class, or name the class on the claim, or include the cluster's classes in the plan's input"),
            );
        }
        if claim_plan.outcome == Outcome::Provisions && claim.selector.is_some() {
            findings.push(
                Finding::new(
                    ids::SELECTOR_ON_PROVISIONED_CLAIM,
                    claim.key(),
                    format!(
                        "claim {name} has a label selector but no volume matches it, so it is provisioned: provisioners do not honour selectors (most refuse the claim, which then stays Pending)"
                    ),
                )
                .at(Pointer::field(source, "spec.selector"), "only chooses among existing volumes")
                .help("make a volume match the selector, or name it with spec.volumeName; to provision, remove the selector"),
            );
        }
        if let Some(competition) = &claim_plan.competition {
            let volume = &snapshot.volumes[competition.volume].meta.name;
            let winner = snapshot.claims[competition.winner].meta.qualified_name();
            findings.push(
                Finding::new(
                    ids::CLAIMS_COMPETE,
                    claim.key(),
                    format!(
                        "claims {winner} and {name} compete for volume {volume}: {winner} gets it because it is processed first; {name} {}",
                        match claim_plan.outcome {
                            Outcome::Binds | Outcome::Bound => format!("binds {} instead", claim_plan.volume.as_deref().unwrap_or("another volume")),
                            other => format!("is then {other}"),
                        }
                    ),
                )
                .at(Pointer::field(source, "metadata.name"), "competes for a volume")
                .help("pair claims and volumes explicitly with spec.volumeName, claimRef or a selector"),
            );
        }
        if !claim_plan.ties.is_empty() {
            let chosen = claim_plan.volume.as_deref().unwrap_or_default();
            let others: Vec<&str> = claim_plan
                .ties
                .iter()
                .map(|v| snapshot.volumes[*v].meta.name.as_str())
                .collect();
            findings.push(
                Finding::new(
                    ids::BINDING_TIE,
                    claim.key(),
                    format!(
                        "claim {name} fits {chosen} and {} equally well; Kubernetes may bind any of them (the plan shows {chosen})",
                        others.join(", ")
                    ),
                )
                .at(Pointer::field(source, "metadata.name"), "several volumes fit"),
            );
        }
    }
}

/// The field most to blame for a Pending claim: the volume it names, else its class (written
/// or defaulted), else the claim itself.
fn pending_field(claim: &Claim, plan: &ClaimPlan) -> &'static str {
    if claim.volume_name.is_some() {
        "spec.volumeName"
    } else if claim.spec_class.is_some() || plan.class.is_some() {
        "spec.storageClassName"
    } else {
        "metadata.name"
    }
}

/// More than one class marked default: claims without a class get the newest, which changes
/// when classes change.
fn default_classes(snapshot: &Snapshot, plan: &BindingPlan, findings: &mut Vec<Finding>) {
    if plan.default_classes.len() < 2 {
        return;
    }
    let names: Vec<&str> = plan
        .default_classes
        .iter()
        .map(|i| snapshot.classes[*i].meta.name.as_str())
        .collect();
    for &i in &plan.default_classes {
        let class = &snapshot.classes[i];
        findings.push(
            Finding::new(
                ids::SEVERAL_DEFAULT_CLASSES,
                class.key(),
                format!(
                    "{} StorageClasses are marked default ({}); claims without a class get {} (the newest, then the first by name)",
                    names.len(),
                    names.join(", "),
                    names[0]
                ),
            )
            .at(
                Pointer::field(class.meta.source.as_ref(), "metadata.annotations[\"storageclass.kubernetes.io/is-default-class\"]"),
                "marked default",
            )
            .help("keep the default-class annotation on one class only"),
        );
    }
}

/// Volumes whose claimRef (without uid) names a claim that is not among the inputs.
fn reservations(snapshot: &Snapshot, plan: &BindingPlan, findings: &mut Vec<Finding>) {
    let claims: std::collections::HashSet<String> = snapshot
        .claims
        .iter()
        .map(|c| c.meta.qualified_name())
        .collect();
    for (volume, volume_plan) in snapshot.volumes.iter().zip(&plan.volumes) {
        let Some(reserved) = &volume_plan.reserved_for else {
            continue;
        };
        if claims.contains(reserved) {
            continue;
        }
        findings.push(
            Finding::new(
                ids::VOLUME_RESERVED_FOR_MISSING_CLAIM,
                volume.key(),
                format!("volume {} is reserved for claim {reserved}, which is not among the inputs: no other claim can bind it", volume.meta.name),
            )
            .at(Pointer::field(volume.meta.source.as_ref(), "spec.claimRef"), "reserved for a missing claim")
            .help("correct spec.claimRef to the claim meant, create that claim, or remove the claimRef"),
        );
    }
}
