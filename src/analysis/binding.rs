//! Findings from the binding plan: claims that stay Pending or are Lost, classes the plan
//! cannot see, claims that compete for a volume, and ties upstream breaks arbitrarily.

use rustc_hash::FxHashSet;

use crate::binding::{BindingPlan, ClaimPlan, Outcome, Rejection};
use crate::evidence::Evidence;
use crate::findings::{Finding, Pointer};
use crate::model::annotations::BETA_STORAGE_CLASS;
use crate::model::{Claim, Snapshot, Volume};
use crate::rules::ids;

use super::live;

/// The PV controller's events about a claim it cannot bind.
const CONTROLLER_EVENTS: &[&str] = &["FailedBinding", "ClaimLost", "ClaimMisbound"];

pub fn check(
    snapshot: &Snapshot,
    plan: &BindingPlan,
    evidence: Option<&Evidence>,
    findings: &mut Vec<Finding>,
) {
    default_classes(snapshot, plan, findings);
    reservations(snapshot, plan, findings);
    prebound_volumes(snapshot, plan, findings);
    let volumes: FxHashSet<&str> = snapshot
        .volumes
        .iter()
        .map(|v| v.meta.name.as_str())
        .collect();
    for (claim, claim_plan) in snapshot.claims.iter().zip(&plan.claims) {
        let name = claim.meta.qualified();
        let source = claim.meta.source.as_ref();
        let outcome_findings = findings.len();
        match claim_plan.outcome {
            // The volume it names may be among those the run could not read.
            Outcome::Pending
                if !claim.bind_completed() && names_unseen_volume(snapshot, &volumes, claim) => {}
            // The data source rules say why.
            Outcome::Pending if claim_plan.blocked_by_data_source => {}
            Outcome::Pending if claim.volume_name.is_some() && !claim.bind_completed() => {
                findings.push(prebound_claim(&volumes, claim, claim_plan));
            }
            // class-not-found, below, says why.
            Outcome::Pending if missing_class(snapshot, claim_plan) => {}
            Outcome::Pending if !claim.has_class() && lacks_default(snapshot, plan) => {
                findings.push(no_default_class(snapshot, claim));
            }
            // A claim still to be created may bind a volume the run could not read: whether it
            // stays Pending is unknown. (A claim that exists and is Pending is seen to be.)
            Outcome::Pending
                if !claim.meta.exists && snapshot.unreadable("PersistentVolume").is_some() => {}
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
        // What the PV controller last said about the claim backs the prediction.
        if let (Some(finding), Some(event)) = (
            findings[outcome_findings..].first_mut(),
            evidence.and_then(|e| e.latest(&claim.key(), CONTROLLER_EVENTS)),
        ) {
            finding.message = format!(
                "{}; the claim's events say {}",
                finding.message,
                live::quote(event)
            );
        }
        // In a part of a cluster an absent class is an assumption (the input's scope says so
        // once); classes the run could not read are unknown, and the degraded note says so.
        if let Some(class) = claim_plan.class.as_ref() {
            if missing_class(snapshot, claim_plan) {
                let field = if claim.meta.has_annotation(BETA_STORAGE_CLASS) {
                    format!("metadata.annotations[\"{BETA_STORAGE_CLASS}\"]")
                } else {
                    "spec.storageClassName".to_owned()
                };
                findings.push(
                    Finding::new(
                        ids::CLASS_NOT_FOUND,
                        claim.key(),
                        format!("claim {name} uses StorageClass {class:?}, which does not exist in the cluster; no volume is provisioned for it"),
                    )
                    .at(Pointer::field(source, &field), "no such class")
                    .help("fix the name (see `kubectl get storageclass`), or create the class"),
                );
            }
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
            let message = format!(
                "claim {name} fits {chosen} and {} equally well; Kubernetes may bind any of them (the plan shows {chosen})",
                others.join(", ")
            );
            findings.push(tie(claim, message, "several volumes fit"));
        }
        if !claim_plan.alternatives.is_empty() {
            let node = claim_plan.node.as_deref().unwrap_or_default();
            let here = match (&claim_plan.volume, claim_plan.outcome) {
                (Some(volume), _) => format!("on node {node} it binds {volume}"),
                (None, Outcome::Provisions) => format!("on node {node} a volume is provisioned"),
                (None, _) => format!("on node {node} it stays Pending"),
            };
            let elsewhere: Vec<String> = claim_plan
                .alternatives
                .iter()
                .map(|a| {
                    let what = match (a.outcome, a.volume) {
                        (Outcome::Pending, Some(v)) => format!(
                            "it stays Pending ({} is reserved for it, but the PV controller never completes the binding)",
                            snapshot.volumes[v].meta.name
                        ),
                        (_, Some(v)) => format!("it binds {}", snapshot.volumes[v].meta.name),
                        (_, None) => "a volume is provisioned".to_owned(),
                    };
                    format!("on {} {what}", a.nodes.join(", "))
                })
                .collect();
            let message = format!(
                "claim {name}'s consumer fits several nodes, and the scheduler picks among them by their load: {here}; {} (the plan shows node {node})",
                elsewhere.join("; ")
            );
            findings.push(tie(claim, message, "several nodes fit its pod"));
        }
    }
}

/// A claim that names a volume which is not in the snapshot because the run could not read
/// volumes.
fn names_unseen_volume(snapshot: &Snapshot, volumes: &FxHashSet<&str>, claim: &Claim) -> bool {
    snapshot.unreadable("PersistentVolume").is_some()
        && claim
            .volume_name
            .as_deref()
            .is_some_and(|name| !volumes.contains(name))
}

/// A binding-tie finding on a claim's name.
fn tie(claim: &Claim, message: String, label: &'static str) -> Finding {
    Finding::new(ids::BINDING_TIE, claim.key(), message).at(
        Pointer::field(claim.meta.source.as_ref(), "metadata.name"),
        label,
    )
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
    let chosen = &snapshot.classes[plan.default_classes[0]];
    findings.push(
        Finding::new(
            ids::SEVERAL_DEFAULT_CLASSES,
            chosen.key(),
            format!(
                "{} StorageClasses are marked default ({}); claims without a class get {} (the newest, then the first by name), and which one that is changes as classes come and go",
                names.len(),
                names.join(", "),
                names[0]
            ),
        )
        .at(
            Pointer::field(chosen.meta.source.as_ref(), "metadata.annotations[\"storageclass.kubernetes.io/is-default-class\"]"),
            "marked default",
        )
        .help(format!(
            "keep the default-class annotation on one class only: remove it from {}",
            names[1..].join(", ")
        )),
    );
}

/// The (namespace, name) key of [`Snapshot::claims_by_name`] of a name written as
/// `Meta::qualified_name` writes it.
fn qualified_key(qualified: &str) -> (&str, &str) {
    qualified.split_once('/').unwrap_or(("", qualified))
}

/// Volumes whose claimRef (without uid) names a claim that does not exist. In a part of a
/// cluster the claim may be made elsewhere: an assumption, not a finding.
fn reservations(snapshot: &Snapshot, plan: &BindingPlan, findings: &mut Vec<Finding>) {
    if !snapshot.claims_complete {
        return;
    }
    let claims = snapshot.claims_by_name();
    for (volume, volume_plan) in snapshot.volumes.iter().zip(&plan.volumes) {
        let Some(reserved) = &volume_plan.reserved_for else {
            continue;
        };
        if claims.contains_key(&qualified_key(reserved)) {
            continue;
        }
        findings.push(
            Finding::new(
                ids::VOLUME_RESERVED_FOR_MISSING_CLAIM,
                volume.key(),
                format!("volume {} is reserved for claim {reserved}, which does not exist: no other claim can bind it", volume.meta.name),
            )
            .at(Pointer::field(volume.meta.source.as_ref(), "spec.claimRef"), "reserved for a missing claim")
            .help("correct spec.claimRef to the claim meant, create that claim, or remove the claimRef"),
        );
    }
}

/// A claim that names its volume (`spec.volumeName`) and stays Pending: the controller waits for
/// that volume only, forever.
fn prebound_claim(volumes: &FxHashSet<&str>, claim: &Claim, plan: &ClaimPlan) -> Finding {
    let name = claim.meta.qualified();
    let volume = claim.volume_name.as_deref().unwrap_or_default();
    let exists = volumes.contains(volume);
    let help = match plan.candidates.first().map(|c| &c.rejected) {
        _ if !exists => format!(
            "create volume {volume} (or add it to the input if it exists), correct the name in spec.volumeName, or remove it to let the claim bind any fitting volume"
        ),
        Some(Rejection::ClaimedByOther { .. }) | Some(Rejection::TakenBy { .. }) | None => {
            format!("name a free volume in spec.volumeName, or free volume {volume}")
        }
        Some(_) => format!(
            "change volume {volume} or the claim so that they agree, or name another volume in spec.volumeName"
        ),
    };
    let event = plan
        .candidates
        .first()
        .and_then(|c| controller_event(volume, &c.rejected))
        .map(|e| format!(" (event: \"{e}\")"))
        .unwrap_or_default();
    Finding::new(
        ids::PREBOUND_CLAIM_CANNOT_BIND,
        claim.key(),
        format!(
            "claim {name} will stay Pending: {}{event}; a claim that names its volume waits for that volume only",
            plan.reason
        ),
    )
    .at(
        Pointer::field(claim.meta.source.as_ref(), "spec.volumeName"),
        if exists { "cannot bind this volume" } else { "no such volume" },
    )
    .help(help)
}

/// The event the PV controller records on a claim whose named volume it will not bind.
fn controller_event(volume: &str, rejection: &Rejection) -> Option<String> {
    let why = match rejection {
        Rejection::ClaimedByOther { .. } | Rejection::TakenBy { .. } => {
            return Some(format!(
                "volume {volume:?} already bound to a different claim."
            ))
        }
        Rejection::TooSmall { .. } => "requested PV is too small",
        Rejection::Class { .. } => "storageClassName does not match",
        Rejection::VolumeMode { .. } => "incompatible volumeMode",
        Rejection::AccessModes { .. } => "incompatible accessMode",
        _ => return None,
    };
    Some(format!("Cannot bind to requested volume {volume:?}: {why}"))
}

/// The claim asks for a class (it names no volume) that the whole cluster does not have.
fn missing_class(snapshot: &Snapshot, claim_plan: &ClaimPlan) -> bool {
    snapshot.classes_complete
        && claim_plan.class.is_some()
        && claim_plan.class_index.is_none()
        && claim_plan.volume.is_none()
}

/// No class is marked default, and the input shows every class (or those it shows are what
/// the claim was meant for: it binds no volume, which a part of a cluster would have assumed).
fn lacks_default(snapshot: &Snapshot, plan: &BindingPlan) -> bool {
    plan.default_classes.is_empty() && (snapshot.classes_complete || !snapshot.classes.is_empty())
}

/// A Pending claim without a class, among classes none of which is the default.
fn no_default_class(snapshot: &Snapshot, claim: &Claim) -> Finding {
    let mut classes: Vec<&str> = snapshot
        .classes
        .iter()
        .map(|c| c.meta.name.as_str())
        .filter(|n| !n.is_empty())
        .collect();
    classes.sort_unstable();
    classes.dedup();
    Finding::new(
        ids::NO_DEFAULT_CLASS,
        claim.key(),
        format!(
            "claim {} sets no storageClassName, and no StorageClass among the inputs ({}) is marked default: no volume is provisioned for it and no class-less volume fits, so it stays Pending until a class is marked default (which the PV controller then gives it)",
            claim.meta.qualified_name(),
            classes.join(", ")
        ),
    )
    .at(Pointer::field(claim.meta.source.as_ref(), "spec"), "no storageClassName")
    .help(format!(
        "set spec.storageClassName to one of {}, or mark one class default with the annotation storageclass.kubernetes.io/is-default-class: \"true\"",
        classes.join(", ")
    ))
}

/// Volumes whose claimRef names a claim among the inputs that they cannot serve: the claim never
/// binds them, and no other claim can.
fn prebound_volumes(snapshot: &Snapshot, plan: &BindingPlan, findings: &mut Vec<Finding>) {
    let claims = snapshot.claims_by_name();
    for (volume, volume_plan) in snapshot.volumes.iter().zip(&plan.volumes) {
        let Some(reserved) = &volume_plan.reserved_for else {
            continue;
        };
        let Some(&c) = claims.get(&qualified_key(reserved)) else {
            continue;
        };
        let claim = &snapshot.claims[c];
        let claim_plan = &plan.claims[c];
        let why = match &claim.volume_name {
            Some(other) if *other != volume.meta.name => {
                format!("the claim names volume {other} in spec.volumeName")
            }
            _ => match prebound_rejection(claim, volume) {
                Some(Rejection::VolumeMode { volume: mode, claim: wanted }) => format!(
                    "its volumeMode {} does not match the claim's {} (event: \"Cannot bind PersistentVolume to requested PersistentVolumeClaim {:?} due to incompatible volumeMode.\")",
                    mode.as_str(),
                    wanted.as_str(),
                    claim.meta.name
                ),
                Some(Rejection::Deleting) => "it is being deleted".to_owned(),
                Some(rejection) => format!("its {rejection}"),
                None => continue,
            },
        };
        let instead = match (claim_plan.outcome, &claim_plan.volume) {
            (Outcome::Bound | Outcome::Binds, Some(other)) => {
                format!("the claim binds {other} instead")
            }
            (Outcome::Provisions, _) => {
                "a new volume is provisioned for the claim instead".to_owned()
            }
            (Outcome::WaitsForConsumer, _) => "the claim waits for a pod to use it".to_owned(),
            (Outcome::Lost, _) => "the claim is Lost".to_owned(),
            _ => "the claim stays Pending".to_owned(),
        };
        findings.push(
            Finding::new(
                ids::PREBOUND_VOLUME_CANNOT_BIND,
                volume.key(),
                format!(
                    "volume {} is reserved for claim {reserved}, but cannot serve it: {why}; {instead}, and the volume stays Available, usable by no other claim",
                    volume.meta.name
                ),
            )
            .at(Pointer::field(volume.meta.source.as_ref(), "spec.claimRef"), "reserved for a claim it cannot serve")
            .help("make the volume fit the claim (size, access modes, volume mode), or correct or remove spec.claimRef"),
        );
    }
}

/// Why the controller skips a volume pre-bound to the claim: upstream `FindMatchingVolume` tests
/// a pre-bound volume's size, volume mode, attributes class and deletion, within the access-mode
/// groups that hold every requested mode. Its class and labels are not looked at.
fn prebound_rejection(claim: &Claim, volume: &Volume) -> Option<Rejection> {
    if !volume.access_modes.contains_all(claim.access_modes) {
        return Some(Rejection::AccessModes {
            volume: volume.access_modes,
            claim: claim.access_modes,
        });
    }
    let request = claim.request_or_zero();
    if volume.capacity_nanos() < request.nanos() {
        return Some(Rejection::TooSmall {
            capacity: Box::new(volume.capacity_or_zero()),
            request: Box::new(request),
        });
    }
    let (mode, wanted) = (
        volume.volume_mode_or_default(),
        claim.volume_mode_or_default(),
    );
    if mode != wanted {
        return Some(Rejection::VolumeMode {
            volume: mode,
            claim: wanted,
        });
    }
    if volume.attributes_class != claim.attributes_class {
        return Some(Rejection::AttributesClass {
            volume: volume.attributes_class.as_deref().map(Box::from),
            claim: claim.attributes_class.as_deref().map(Box::from),
        });
    }
    volume.meta.deleting.then_some(Rejection::Deleting)
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{complete_findings, findings};
    use crate::report::FindingEntry;

    fn names(findings: Vec<FindingEntry>) -> Vec<(&'static str, String)> {
        findings
            .iter()
            .map(|f| (f.rule, f.object.name.clone()))
            .collect()
    }

    fn rules(text: &str) -> Vec<(&'static str, String)> {
        names(findings(text))
    }

    /// As [`rules`], with the input taken as the whole cluster.
    fn complete_rules(text: &str) -> Vec<(&'static str, String)> {
        names(complete_findings(text))
    }

    const VOLUME: &str = "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: pv-1}\nspec:\n  capacity: {storage: 10Gi}\n  accessModes: [MODES]\n  nfs: {server: nfs.example, path: /d}\n  EXTRA\n---\n";
    const CLAIM: &str = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: default}\nspec:\n  storageClassName: \"\"\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 5Gi}}\n  EXTRA\n";

    fn input(modes: &str, volume_extra: &str, claim_extra: &str) -> String {
        VOLUME
            .replace("MODES", modes)
            .replace("EXTRA", volume_extra)
            + &CLAIM.replace("EXTRA", claim_extra)
    }

    #[test]
    fn a_claim_naming_a_volume_that_cannot_serve_it_gets_one_finding() {
        let found = rules(&input(
            "ReadOnlyMany",
            "volumeMode: Filesystem",
            "volumeName: pv-1",
        ));
        assert_eq!(
            found,
            vec![("prebound-claim-cannot-bind", "data".to_owned())]
        );
        // A volume the input does not show: in a part of a cluster it is made elsewhere; in
        // the whole cluster it does not exist.
        let missing = input(
            "ReadWriteOnce",
            "volumeMode: Filesystem",
            "volumeName: pv-2",
        );
        assert_eq!(rules(&missing), vec![]);
        assert_eq!(
            complete_rules(&missing),
            vec![("prebound-claim-cannot-bind", "data".to_owned())]
        );
        assert!(rules(&input(
            "ReadWriteOnce",
            "volumeMode: Filesystem",
            "volumeName: pv-1"
        ))
        .is_empty());
    }

    #[test]
    fn a_volume_reserved_for_a_claim_it_cannot_serve() {
        let reserved = "claimRef: {namespace: default, name: data}";
        let found = rules(&input("ReadOnlyMany", reserved, "volumeMode: Filesystem"));
        assert!(
            found.contains(&("prebound-volume-cannot-bind", "pv-1".to_owned())),
            "{found:?}"
        );
        let found = rules(&input(
            "ReadWriteOnce",
            &format!("volumeMode: Block\n  {reserved}"),
            "volumeMode: Filesystem",
        ));
        assert!(
            found.contains(&("prebound-volume-cannot-bind", "pv-1".to_owned())),
            "{found:?}"
        );
        // The class is not checked for a pre-bound volume: it binds.
        let found = rules(&input(
            "ReadWriteOnce",
            &format!("storageClassName: other\n  {reserved}"),
            "volumeMode: Filesystem",
        ));
        assert!(
            !found
                .iter()
                .any(|(r, _)| *r == "prebound-volume-cannot-bind"),
            "{found:?}"
        );
        assert!(rules(&input("ReadWriteOnce", reserved, "volumeMode: Filesystem")).is_empty());
    }

    const CLASSES: &str = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: fast, ANNOTATIONS}\nprovisioner: example.com/fast\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: default}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 5Gi}}\n";

    #[test]
    fn no_default_class_replaces_claim_pending() {
        let found = complete_rules(&CLASSES.replace("ANNOTATIONS", "labels: {}"));
        assert_eq!(found, vec![("no-default-class", "data".to_owned())]);
        // A part of a cluster: the cluster's default class, not shown, is assumed.
        assert_eq!(rules(&CLASSES.replace("ANNOTATIONS", "labels: {}")), vec![]);
        let default = "annotations: {storageclass.kubernetes.io/is-default-class: \"true\"}";
        assert!(rules(&CLASSES.replace("ANNOTATIONS", default)).is_empty());
        // Without classes in the input the cluster may well have a default: claim-pending says so.
        let found = rules(
            &input(
                "ReadOnlyMany",
                "volumeMode: Filesystem",
                "volumeMode: Filesystem",
            )
            .replace("  storageClassName: \"\"\n", ""),
        );
        assert_eq!(found, vec![("claim-pending", "data".to_owned())]);
    }

    /// Rook's bucket provisioner serves ObjectBucketClaims only: a PersistentVolumeClaim of its
    /// class is never provisioned, whatever namespace prefixes the provisioner's name and
    /// whether the class waits for a consumer; a volume of the class still binds it.
    #[test]
    fn a_claim_of_a_bucket_class_stays_pending() {
        let class = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: bucket}\nprovisioner: PROVISIONER\nMODE---\n";
        let claim = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: uploads, namespace: default}\nspec: {storageClassName: bucket, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n";
        let pod = "---\napiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: default}\nspec:\n  containers: [{name: c, image: nginx}]\n  volumes: [{name: d, persistentVolumeClaim: {claimName: uploads}}]\n";
        // The first claim's outcome and reason, and the rules reported.
        let plan = |text: String| {
            let loaded =
                crate::load::load_str("t.yaml", &text, &crate::load::LoadOptions::default());
            let report = crate::report::plan(&loaded);
            let claim = report.claims.get(0).unwrap();
            let rules: Vec<&str> = report.findings.iter().map(|f| f.rule).collect();
            (
                claim.outcome,
                claim.reason.unwrap_or_default().to_owned(),
                rules,
            )
        };
        for (provisioner, mode, consumer) in [
            ("rook-ceph.ceph.rook.io/bucket", "", ""),
            ("my-store.ceph.rook.io/bucket", "", ""),
            (
                "rook-ceph.ceph.rook.io/bucket",
                "volumeBindingMode: WaitForFirstConsumer\n",
                pod,
            ),
        ] {
            let text = class
                .replace("PROVISIONER", provisioner)
                .replace("MODE", mode)
                + claim
                + consumer;
            let (outcome, reason, rules) = plan(text);
            assert_eq!(outcome, "pending", "{provisioner} {mode}");
            assert!(
                reason.contains("provisions ObjectBucketClaims, not PersistentVolumeClaims"),
                "{reason}"
            );
            assert_eq!(rules, ["claim-pending"], "{provisioner} {mode}");
        }
        // A volume of the class binds the claim: only provisioning is out of the question.
        let volume = "---\napiVersion: v1\nkind: PersistentVolume\nmetadata: {name: pv-1}\nspec: {storageClassName: bucket, capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce], nfs: {server: nfs.example, path: /d}}\n";
        let text = class
            .replace("PROVISIONER", "rook-ceph.ceph.rook.io/bucket")
            .replace("MODE", "")
            + claim
            + volume;
        assert_eq!(plan(text).0, "binds");
        // Another provisioner of the same operator serves volumes.
        let text = class
            .replace("PROVISIONER", "rook-ceph.rbd.csi.ceph.com")
            .replace("MODE", "")
            + claim;
        assert_eq!(plan(text).0, "provisions");
    }

    /// What a live run could not read is unknown: no claim-lost for a bound claim's unseen
    /// volume, no class-not-found for an unseen class, no prebound or pending verdict for a
    /// claim still to be created.
    #[test]
    fn unreadable_volumes_and_classes_raise_no_absence_findings() {
        let text = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: bound, namespace: default, uid: u1, annotations: {pv.kubernetes.io/bind-completed: \"yes\"}}\nspec: {storageClassName: fast, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}, volumeName: pv-1}\nstatus: {phase: Bound}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: named, namespace: default}\nspec: {storageClassName: \"\", accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}, volumeName: pv-2}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: new, namespace: default}\nspec: {storageClassName: \"\", accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: fast, namespace: default}\nspec: {storageClassName: fast, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n";
        let mut loaded =
            crate::load::load_str("t.yaml", text, &crate::load::LoadOptions::default());
        let complete = crate::model::Scope {
            complete: true,
            basis: crate::model::ScopeBasis::Cluster,
        };
        loaded.snapshot.set_scope(complete);
        let seen = crate::report::plan(&loaded).findings;
        let rules_seen: Vec<&str> = seen.iter().map(|f| f.rule).collect();
        for rule in [
            "claim-lost",
            "class-not-found",
            "prebound-claim-cannot-bind",
            "claim-pending",
        ] {
            assert!(rules_seen.contains(&rule), "{rule}: {rules_seen:?}");
        }
        for kind in ["PersistentVolume", "StorageClass"] {
            loaded
                .snapshot
                .unreadable
                .push((kind, "not allowed to list them (403 Forbidden)".to_owned()));
        }
        loaded.snapshot.set_scope(complete);
        let unseen = crate::report::plan(&loaded).findings;
        assert!(
            unseen.is_empty(),
            "{:?}",
            unseen
                .iter()
                .map(|f| (f.rule, &f.message))
                .collect::<Vec<_>>()
        );
    }
}
