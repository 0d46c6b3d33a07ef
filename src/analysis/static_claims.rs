//! Claims meant for volumes made by hand (named by spec.volumeName, or picked by a selector)
//! that set no storageClassName. The DefaultStorageClass admission plugin gives such a claim
//! the cluster's default class when it is created, and the PV controller binds a claim only to
//! a volume of the same class (upstream `checkVolumeSatisfyClaim`): the class-less volume it
//! was written for no longer matches. `storageClassName: ""` asks for no class and is left
//! alone.
//!
//! The input rarely shows the cluster's classes. When it shows a default class the plan
//! already applies it (and the claim-pending rules report what follows); when it is the whole
//! cluster and has none, nothing happens. Otherwise the binding engine marks the plan of a
//! claim that binds only if the cluster has no default class
//! (`ClaimPlan::assumes_no_default_class`), and this rule reports it.

use rustc_hash::FxHashSet as HashSet;

use crate::binding::BindingPlan;
use crate::findings::{Finding, Pointer};
use crate::fix::Fix;
use crate::model::{Claim, ClaimOrigin, Snapshot};
use crate::rules::ids;

const HELP: &str = "set storageClassName: \"\" on the claim: an explicit empty class means no class, which admission leaves alone and which matches volumes without a class (or name the volume's class, if it has one)";

pub fn check(snapshot: &Snapshot, plan: &BindingPlan, findings: &mut Vec<Finding>) {
    let volumes: HashSet<&str> = snapshot
        .volumes
        .iter()
        .map(|v| v.meta.name.as_str())
        .collect();
    for (claim, claim_plan) in snapshot.claims.iter().zip(&plan.claims) {
        let name = claim.meta.qualified();
        let source = claim.meta.source.as_ref();
        let finding = if claim_plan.assumes_no_default_class {
            let volume = claim_plan.volume.as_deref().unwrap_or_default();
            let (how, field) = if claim.volume_name.is_some() {
                ("names volume", "spec.volumeName")
            } else {
                ("selects, by label, volume", "spec.selector")
            };
            let consequence = if claim.volume_name.is_some() {
                format!("the PV controller then refuses to bind it to {volume}, which has no class (\"Cannot bind to requested volume {volume:?}: storageClassName does not match\"), and the claim stays Pending")
            } else {
                format!("{volume}, which has no class, then no longer qualifies, and the claim is provisioned in the default class instead, where most provisioners refuse a claim with a selector")
            };
            let mut finding = Finding::new(
                ids::STATIC_CLAIM_GETS_DEFAULT_CLASS,
                claim.key(),
                format!(
                    "claim {name} {how} {volume}, made without a class, but sets no storageClassName: in a cluster with a default StorageClass (most have one), admission gives the claim that class when it is created, and {consequence}"
                ),
            )
            .at(Pointer::field(source, field), "no storageClassName beside it")
            .help(HELP);
            // Templates share one text: the fix would need the template's path.
            if claim.origin == ClaimOrigin::Manifest {
                finding = finding.fix(Fix::set(claim.key(), source, "spec.storageClassName", ""));
            }
            finding
        } else if let Some(volume) = unseen_volume(snapshot, plan, claim, &volumes) {
            Finding::new(
                ids::STATIC_CLAIM_GETS_DEFAULT_CLASS,
                claim.key(),
                format!(
                    "claim {name} names volume {volume} but sets no storageClassName: in a cluster with a default StorageClass (most have one), admission gives the claim that class when it is created, and the PV controller binds it to {volume} only if the volume has that same class; a volume made by hand usually has none, and then the claim stays Pending (\"Cannot bind to requested volume {volume:?}: storageClassName does not match\")"
                ),
            )
            .at(Pointer::field(source, "spec.volumeName"), "no storageClassName beside it")
            .help(HELP)
        } else {
            continue;
        };
        findings.push(finding);
    }
}

/// A claim still to be created, without a class, that names a volume the input does not
/// show, in input that shows neither a default class nor the cluster's whole list of classes.
fn unseen_volume<'a>(
    snapshot: &Snapshot,
    plan: &BindingPlan,
    claim: &'a Claim,
    volumes: &HashSet<&str>,
) -> Option<&'a str> {
    let volume = claim.volume_name.as_deref()?;
    let applies = !claim.has_class()
        && !claim.meta.exists
        && plan.default_class.is_none()
        && !snapshot.classes_complete
        && !volumes.contains(volume)
        && snapshot.unreadable("PersistentVolume").is_none();
    applies.then_some(volume)
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::findings;

    const RULE: &str = "static-claim-gets-default-class";

    const PV: &str = "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: models}\nspec:\n  capacity: {storage: 1Gi}\n  accessModes: [ReadOnlyMany]\n  hostPath: {path: /mnt/models}\nCLASS---\n";
    const PVC: &str = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: models, namespace: ai}\nspec:\n  accessModes: [ReadOnlyMany]\n  resources: {requests: {storage: 1Gi}}\n  volumeName: models\n";

    fn messages(text: &str) -> Vec<String> {
        findings(text)
            .into_iter()
            .filter(|f| f.rule == RULE)
            .map(|f| f.message)
            .collect()
    }

    #[test]
    fn a_class_less_claim_for_a_class_less_volume() {
        let found = messages(&(PV.replace("CLASS", "") + PVC));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("storageClassName does not match"),
            "{}",
            found[0]
        );
        let loaded = crate::load::load_str(
            "t.yaml",
            &(PV.replace("CLASS", "") + PVC),
            &crate::load::LoadOptions::default(),
        );
        let plan = crate::report::plan(&loaded);
        let reason = plan.claims.get(0).unwrap().reason.unwrap_or_default();
        assert!(
            reason.contains("as long as the cluster has no default StorageClass"),
            "{reason}"
        );
    }

    #[test]
    fn quiet_when_the_class_is_written_or_the_volume_has_one() {
        let explicit = PVC.replace("volumeName", "storageClassName: \"\"\n  volumeName");
        assert!(messages(&(PV.replace("CLASS", "") + &explicit)).is_empty());
        assert!(
            messages(&(PV.replace("CLASS", "  storageClassName: manual\n") + PVC)).is_empty(),
            "a class mismatch is the prebound rules' to report"
        );
    }

    #[test]
    fn quiet_when_the_volume_is_prebound_to_the_claim() {
        let prebound = PV.replace("CLASS", "  claimRef: {namespace: ai, name: models}\n");
        assert!(messages(&(prebound + PVC)).is_empty());
    }

    #[test]
    fn a_volume_outside_the_input_is_reported_without_a_fix() {
        let found = findings(PVC);
        let rule: Vec<_> = found.iter().filter(|f| f.rule == RULE).collect();
        assert_eq!(rule.len(), 1);
        assert!(!rule[0].fixable);
    }

    #[test]
    fn a_default_class_in_the_input_is_the_plans_to_apply() {
        let class = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: standard, annotations: {storageclass.kubernetes.io/is-default-class: \"true\"}}\nprovisioner: example.com/disk\n---\n";
        assert!(messages(&(class.to_owned() + &PV.replace("CLASS", "") + PVC)).is_empty());
    }
}
