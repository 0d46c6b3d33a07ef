//! Resizing: bound claims whose request asks for more (or less) than their volume has, and
//! StatefulSets whose claim templates ask for a size their existing claims do not have.

use crate::binding::{BindingPlan, ClaimPlan, Outcome};
use crate::findings::{Finding, Pointer};
use crate::fix::Fix;
use crate::model::workload::statefulset_claim_name;
use crate::model::{Claim, ClaimOrigin, ClaimsByName, Quantity, Snapshot, Workload, WorkloadKind};
use crate::rules::ids;

/// The API's refusal to grow a claim whose class does not allow it (the
/// PersistentVolumeClaimResize admission plugin).
const RESIZE_FORBIDDEN: &str = "only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize";

pub fn check(snapshot: &Snapshot, plan: &BindingPlan, findings: &mut Vec<Finding>) {
    for (claim, claim_plan) in snapshot.claims.iter().zip(&plan.claims) {
        if claim_plan.outcome != Outcome::Bound {
            continue;
        }
        let Some(Ok(request)) = &claim.request else {
            continue;
        };
        let Some(size) = bound_size(snapshot, claim, claim_plan) else {
            continue;
        };
        // The API compares the new request with the live one; without the live one (a dump
        // alone), a request above the volume's size is a growth asked for.
        let grows = match &claim.previous_request {
            Some(previous) => request > previous,
            None => request > &size,
        };
        if grows {
            growth(snapshot, claim, request, &size, findings);
        } else if let Some(previous) = &claim.previous_request {
            if request < previous && request <= &size {
                shrink(claim, request, previous, &size, findings);
            }
        }
    }
    // Only a StatefulSet still to be applied changes anything: one read from the cluster
    // describes claims already resized by hand, the usual way to grow them.
    let mut applied = snapshot
        .workloads
        .iter()
        .filter(|w| w.kind == WorkloadKind::StatefulSet && !w.meta.exists)
        .peekable();
    if applied.peek().is_none() {
        return;
    }
    let claims = snapshot.claims_by_name();
    for workload in applied {
        templates(snapshot, &claims, workload, findings);
    }
}

/// The size a bound claim has: its `status.capacity`, else its volume's capacity.
fn bound_size(snapshot: &Snapshot, claim: &Claim, plan: &ClaimPlan) -> Option<Quantity> {
    if let Some(Ok(capacity)) = &claim.status_capacity {
        return Some(capacity.clone());
    }
    let volume = &snapshot.volumes[plan.volume_index?];
    match &volume.capacity {
        Some(Ok(capacity)) => Some(capacity.clone()),
        _ => None,
    }
}

fn growth(
    snapshot: &Snapshot,
    claim: &Claim,
    request: &Quantity,
    size: &Quantity,
    findings: &mut Vec<Finding>,
) {
    let name = claim.meta.qualified();
    // Admission reads the class written on the claim, not a default.
    let class_name = claim.written_class();
    let why = if class_name.is_empty() {
        "the claim has no StorageClass (its volume was created by hand, not provisioned), and only provisioned claims can grow".to_owned()
    } else {
        match snapshot.classes.iter().find(|c| c.meta.name == class_name) {
            Some(class) if class.allow_expansion => return,
            Some(_) => {
                format!("its StorageClass {class_name:?} does not set allowVolumeExpansion: true")
            }
            // A class the input does not show is assumed to exist, as everywhere in the plan
            // (`class-not-found` says so); whether it allows expansion is unknown.
            None => return,
        }
    };
    let help = if class_name.is_empty() {
        "keep the request at the volume's size; to get more space, copy the data to a new, larger volume"
            .to_owned()
    } else {
        format!(
            "set allowVolumeExpansion: true on StorageClass {class_name:?} if its provisioner can resize volumes, or keep the request at {}",
            size.humanize()
        )
    };
    findings.push(
        Finding::new(
            ids::EXPANSION_NOT_ALLOWED,
            claim.key(),
            format!(
                "claim {name} asks for {} but its volume has {}, and {why}: the API rejects the update (\"{RESIZE_FORBIDDEN}\") and the volume keeps its size",
                request.humanize(),
                size.humanize()
            ),
        )
        .at(
            Pointer::field(claim.meta.source.as_ref(), "spec.resources.requests.storage"),
            "cannot grow",
        )
        .help(help),
    );
}

fn shrink(
    claim: &Claim,
    request: &Quantity,
    previous: &Quantity,
    size: &Quantity,
    findings: &mut Vec<Finding>,
) {
    findings.push(
        Finding::new(
            ids::CLAIM_SHRINK,
            claim.key(),
            format!(
                "claim {} would ask for {}, down from {} (its volume has {}): volumes never shrink, and the API rejects the update (\"spec.resources.requests.storage: Forbidden: field can not be less than status.capacity\"; before Kubernetes 1.32, \"field can not be less than previous value\")",
                claim.meta.qualified_name(),
                request.humanize(),
                previous.humanize(),
                size.humanize()
            ),
        )
        .at(
            Pointer::field(claim.meta.source.as_ref(), "spec.resources.requests.storage"),
            "smaller than the volume",
        )
        .fix(Fix::set(
            claim.key(),
            claim.meta.source.as_ref(),
            "spec.resources.requests.storage",
            previous.as_str(),
        ))
        .help(format!(
            "keep the request at {} or more; to use less space, copy the data to a new, smaller claim",
            previous.humanize()
        )),
    );
}

/// Claim templates that ask for more than the claims the StatefulSet already has.
fn templates(
    snapshot: &Snapshot,
    claims: &ClaimsByName,
    workload: &Workload,
    findings: &mut Vec<Finding>,
) {
    let namespace = workload.meta.namespace.as_deref().unwrap_or_default();
    for template in &workload.claim_templates {
        let Some(Ok(wanted)) = &template.request else {
            continue;
        };
        let mut smaller: Vec<(String, Quantity)> = Vec::new();
        for pod in 0..workload.pods {
            let ordinal = workload.ordinal_start.saturating_add(pod as i32);
            let claim_name = statefulset_claim_name(&template.name, &workload.meta.name, ordinal);
            // What the template's claim already is, if it exists.
            let Some(claim) = claims
                .get(&(namespace, claim_name.as_str()))
                .map(|&c| &snapshot.claims[c])
                .filter(|c| c.origin == ClaimOrigin::Manifest && c.meta.exists)
            else {
                continue;
            };
            // The live request, when a manifest in the input updates the claim.
            let has = match (&claim.previous_request, &claim.request) {
                (Some(previous), _) => Quantity::clone(previous),
                (None, Some(Ok(request))) => request.clone(),
                (None, _) => continue,
            };
            if &has < wanted {
                smaller.push((claim_name, has));
            }
        }
        if smaller.is_empty() {
            continue;
        }
        let listed: Vec<String> = smaller
            .iter()
            .map(|(name, has)| format!("{name} ({})", has.humanize()))
            .collect();
        findings.push(
            Finding::new(
                ids::STATEFULSET_TEMPLATE_RESIZED,
                workload.key(),
                format!(
                    "StatefulSet {} asks for {} in volumeClaimTemplate {:?}, but its existing claims are smaller: {}. The API forbids changing volumeClaimTemplates of an existing StatefulSet (\"spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden\"), and the StatefulSet controller never resizes claims it has created",
                    workload.meta.qualified_name(),
                    wanted.humanize(),
                    template.name,
                    listed.join(", ")
                ),
            )
            .at(
                Pointer::field(
                    workload.meta.source.as_ref(),
                    &format!("{}.spec.resources.requests.storage", template.path),
                ),
                "existing claims do not grow",
            )
            .help(format!(
                "grow each claim instead (kubectl patch pvc, if its class allows expansion), then recreate the StatefulSet with the new size: kubectl delete statefulset {} --cascade=orphan, and apply",
                workload.meta.name
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::load::{load_str, LoadOptions};
    use crate::report;

    const CLASS: &str = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: standard}\nprovisioner: ebs.csi.aws.com\nEXPANSION\n";
    const VOLUME: &str = "---\napiVersion: v1\nkind: PersistentVolume\nmetadata: {name: pv-1}\nspec:\n  storageClassName: CLASS\n  capacity: {storage: 10Gi}\n  accessModes: [ReadWriteOnce]\n  csi: {driver: ebs.csi.aws.com, volumeHandle: v}\n  claimRef: {namespace: default, name: data, uid: u-1}\n";
    const LIVE: &str = "---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n  namespace: default\n  uid: u-1\n  annotations: {pv.kubernetes.io/bind-completed: \"yes\"}\nspec:\n  storageClassName: CLASS\n  volumeName: pv-1\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: REQUEST}}\nstatus:\n  phase: Bound\n  capacity: {storage: STATUS}\n";
    const MANIFEST: &str = "---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: default}\nspec:\n  storageClassName: CLASS\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: REQUEST}}\n";

    fn rules(text: &str) -> Vec<&'static str> {
        let loaded = load_str("t.yaml", text, &LoadOptions::default());
        let mut rules: Vec<&str> = loaded.findings.iter().map(|f| f.rule).collect();
        rules.extend(report::plan(&loaded).findings.iter().map(|f| f.rule));
        rules
    }

    /// A dump of a bound claim (request `live`, status `status`) in class `class`, optionally
    /// updated by a manifest asking for `new`.
    fn input(class: &str, expansion: bool, live: &str, status: &str, new: Option<&str>) -> String {
        let mut text = CLASS.replace(
            "EXPANSION",
            if expansion {
                "allowVolumeExpansion: true"
            } else {
                ""
            },
        );
        text += &VOLUME.replace("CLASS", &format!("{class:?}"));
        text += &LIVE
            .replace("CLASS", &format!("{class:?}"))
            .replace("REQUEST", live)
            .replace("STATUS", status);
        if let Some(new) = new {
            text += &MANIFEST
                .replace("CLASS", &format!("{class:?}"))
                .replace("REQUEST", new);
        }
        text
    }

    #[test]
    fn growth_needs_a_class_that_allows_it() {
        assert!(rules(&input("standard", false, "20Gi", "10Gi", None))
            .contains(&"expansion-not-allowed"));
        assert!(!rules(&input("standard", true, "20Gi", "10Gi", None))
            .contains(&"expansion-not-allowed"));
        assert!(
            !rules(&input("missing", true, "20Gi", "10Gi", None))
                .contains(&"expansion-not-allowed"),
            "a class the input does not show may allow it"
        );
        assert!(
            rules(&input("", true, "20Gi", "10Gi", None)).contains(&"expansion-not-allowed"),
            "a volume created by hand never grows"
        );
        assert!(!rules(&input("standard", false, "10Gi", "10Gi", None))
            .contains(&"expansion-not-allowed"));
    }

    #[test]
    fn growth_is_judged_against_the_live_request_when_known() {
        // The live request was already raised (and accepted); the manifest keeps it.
        let same = input("standard", false, "20Gi", "10Gi", Some("20Gi"));
        assert!(!rules(&same).contains(&"expansion-not-allowed"));
        let more = input("standard", false, "10Gi", "10Gi", Some("20Gi"));
        let found = rules(&more);
        assert!(found.contains(&"expansion-not-allowed"), "{found:?}");
        assert!(
            !found.contains(&"duplicate-object"),
            "a manifest over a dump is an update"
        );
    }

    #[test]
    fn shrinking_is_only_known_against_the_live_request() {
        // Provisioners round up: a dump alone with a request below its capacity is normal.
        assert!(!rules(&input("standard", true, "5Gi", "10Gi", None)).contains(&"claim-shrink"));
        assert!(
            rules(&input("standard", true, "10Gi", "10Gi", Some("5Gi"))).contains(&"claim-shrink")
        );
        assert!(
            rules(&input("standard", true, "20Gi", "10Gi", Some("10Gi"))).contains(&"claim-shrink")
        );
        // Recovering from a failed expansion: down to above status.capacity is allowed.
        assert!(
            !rules(&input("standard", true, "20Gi", "10Gi", Some("15Gi")))
                .contains(&"claim-shrink")
        );
    }

    const STS: &str = "---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: web, namespace: default, UID}\nspec:\n  serviceName: web\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx}]}\n  volumeClaimTemplates:\n    - metadata: {name: data}\n      spec:\n        storageClassName: standard\n        accessModes: [ReadWriteOnce]\n        resources: {requests: {storage: SIZE}}\n";
    const STS_CLAIM: &str = "---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: NAME, namespace: default, uid: u-NAME}\nspec:\n  storageClassName: standard\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 10Gi}}\n";

    fn statefulset(size: &str, exists: bool) -> Vec<&'static str> {
        let mut text = CLASS.replace("EXPANSION", "allowVolumeExpansion: true");
        text += &STS_CLAIM.replace("NAME", "data-web-0");
        text += &STS
            .replace("SIZE", size)
            .replace("UID", if exists { "uid: s-1" } else { "labels: {}" });
        rules(&text)
    }

    #[test]
    fn statefulset_templates_against_existing_claims() {
        assert!(statefulset("20Gi", false).contains(&"statefulset-template-resized"));
        assert!(!statefulset("10Gi", false).contains(&"statefulset-template-resized"));
        assert!(
            !statefulset("5Gi", false).contains(&"statefulset-template-resized"),
            "claims grown by hand before the template"
        );
        assert!(
            !statefulset("20Gi", true).contains(&"statefulset-template-resized"),
            "the live StatefulSet describes claims resized by hand"
        );
    }
}
