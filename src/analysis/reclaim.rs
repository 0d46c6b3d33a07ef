//! Reclaim: what deleting claims does to data. StatefulSet data on volumes that are deleted
//! with their claim, retention policies that delete claims, the deprecated Recycle policy,
//! volumes made by hand for storage that existed before them but set to Delete, and Released
//! volumes that hold data no claim can bind.

use crate::binding::{BindingPlan, OnClaimDelete};
use crate::deletion::{DataFate, DeletionPlan, StatefulSetFate};
use crate::findings::{Finding, Pointer, Severity};
use crate::fix::{Change, FieldEdit, Fix};
use crate::model::workload::RetentionAction;
use crate::model::{ClaimOrigin, ReclaimPolicy, Snapshot, Volume, VolumePhase, VolumePlugin};
use crate::rules::ids;

pub fn check(
    snapshot: &Snapshot,
    plan: &BindingPlan,
    deletion: &DeletionPlan,
    findings: &mut Vec<Finding>,
) {
    for set in &deletion.statefulsets {
        statefulset_data(snapshot, plan, deletion, set, findings);
        retention(snapshot, plan, deletion, set, findings);
    }
    recycle(snapshot, findings);
    static_delete(snapshot, plan, findings);
    released(snapshot, plan, findings);
}

/// How a StatefulSet's claims get deleted, for messages.
fn ways_claims_go(set: &StatefulSetFate) -> String {
    let mut ways = vec!["by hand"];
    if set.retention.when_scaled == RetentionAction::Delete {
        ways.push("on scale-down (whenScaled: Delete)");
    }
    if set.retention.when_deleted == RetentionAction::Delete {
        ways.push("with the StatefulSet (whenDeleted: Delete)");
    }
    let last = "or with the namespace";
    format!("{}, {last}", ways.join(", "))
}

fn claim_list(snapshot: &Snapshot, claims: &[usize]) -> String {
    const SHOWN: usize = 3;
    let mut names: Vec<String> = claims
        .iter()
        .take(SHOWN)
        .map(|c| snapshot.claims[*c].meta.qualified_name())
        .collect();
    if claims.len() > SHOWN {
        names.push(format!("and {} more", claims.len() - SHOWN));
    }
    names.join(", ")
}

/// Why deleting claim `c` loses its data, in a few words: the volume's policy, or the class's
/// for a volume still to be provisioned.
fn deleting_policy(plan: &BindingPlan, deletion: &DeletionPlan, c: usize) -> String {
    let fate = &deletion.claims[c];
    let policy = if fate.data == DataFate::Recycled {
        "Recycle, which scrubs the data"
    } else {
        "Delete"
    };
    match &fate.volume {
        Some(volume) => format!("volume {volume} has reclaim policy {policy}"),
        None => {
            let class = plan.claims[c].class.as_deref().unwrap_or_default();
            let default = if plan.claims[c].class_defaulted {
                ", the default class,"
            } else {
                ""
            };
            format!(
                "class {class:?}{default} gives the volumes it provisions reclaimPolicy {policy}"
            )
        }
    }
}

/// A StatefulSet template whose claims' volumes are deleted with the claim.
fn statefulset_data(
    snapshot: &Snapshot,
    plan: &BindingPlan,
    deletion: &DeletionPlan,
    set: &StatefulSetFate,
    findings: &mut Vec<Finding>,
) {
    let workload = &snapshot.workloads[set.workload];
    for (t, template) in workload.claim_templates.iter().enumerate() {
        let losing: Vec<usize> = set
            .template_claims
            .iter()
            .filter(|(tt, c)| *tt == t && deletion.claims[*c].data.loses_data())
            .map(|(_, c)| *c)
            .collect();
        let Some(&first) = losing.first() else {
            continue;
        };
        let why = deleting_policy(plan, deletion, first);
        let claim = &snapshot.claims[first];
        let field = if claim.spec_class.is_some() {
            format!("{}.spec.storageClassName", template.path)
        } else {
            format!("{}.metadata.name", template.path)
        };
        // The volumes already bound keep their data once they are set to Retain.
        let edits: Vec<FieldEdit> = losing
            .iter()
            .filter_map(|c| plan.claims[*c].volume_index)
            .map(|v| &snapshot.volumes[v])
            .map(|volume| FieldEdit {
                object: volume.key(),
                source: volume.meta.source.clone(),
                path: "spec.persistentVolumeReclaimPolicy".to_owned(),
                change: Change::Set("Retain".into()),
            })
            .collect();
        let fix = (!edits.is_empty()).then(|| Fix {
            title: format!(
                "set spec.persistentVolumeReclaimPolicy to Retain on {}",
                edits
                    .iter()
                    .map(|e| format!("volume {}", e.object.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            edits,
        });
        let mut finding = Finding::new(
                ids::DELETE_RECLAIM_ON_STATEFULSET_DATA,
                workload.key(),
                format!(
                    "deleting a claim of StatefulSet {}'s template {:?} ({}) deletes its data: {why}. Its claims can be deleted {}",
                    workload.meta.qualified_name(),
                    template.name,
                    claim_list(snapshot, &losing),
                    ways_claims_go(set)
                ),
            )
            .at(Pointer::field(workload.meta.source.as_ref(), &field), "volumes deleted with their claims")
            .help("to keep the data when a claim is deleted, give the template a class with reclaimPolicy: Retain, or set spec.persistentVolumeReclaimPolicy: Retain on the bound volumes (kubectl patch pv <name> -p '{\"spec\":{\"persistentVolumeReclaimPolicy\":\"Retain\"}}')");
        finding.fix = fix;
        findings.push(finding);
    }
}

/// `persistentVolumeClaimRetentionPolicy` fields set to Delete.
fn retention(
    snapshot: &Snapshot,
    plan: &BindingPlan,
    deletion: &DeletionPlan,
    set: &StatefulSetFate,
    findings: &mut Vec<Finding>,
) {
    if set.claims.is_empty() {
        return;
    }
    let workload = &snapshot.workloads[set.workload];
    let name = workload.meta.qualified_name();
    for (field, action, effect, what) in [
        (
            "whenDeleted",
            set.retention.when_deleted,
            &set.on_delete,
            format!("deleting StatefulSet {name} deletes its claims"),
        ),
        (
            "whenScaled",
            set.retention.when_scaled,
            &set.on_scale_down,
            format!("scaling StatefulSet {name} down deletes the claims of the removed pods"),
        ),
    ] {
        if action != RetentionAction::Delete {
            continue;
        }
        let data = if let Some(&c) = effect.data_deleted.first() {
            format!(
                ", and with them the data: {}",
                deleting_policy(plan, deletion, c)
            )
        } else if !effect.data_kept.is_empty() {
            "; their volumes stay, Released, with the data (reclaim policy Retain)".to_owned()
        } else {
            "; whether the data goes with them depends on a reclaim policy the plan cannot see"
                .to_owned()
        };
        let mut message = format!("{what} ({}){data}", claim_list(snapshot, &set.claims));
        if field == "whenDeleted" && set.helm_keep {
            message.push_str("; helm uninstall keeps this StatefulSet (helm.sh/resource-policy: keep), so only deleting it otherwise, or its namespace, does this");
        }
        let mut finding = Finding::new(ids::STATEFULSET_RETENTION_DELETES_CLAIMS, workload.key(), message)
            .at(
                Pointer::field(workload.meta.source.as_ref(), &format!("spec.persistentVolumeClaimRetentionPolicy.{field}")),
                "claims deleted",
            )
            .fix(Fix::set(workload.key(), workload.meta.source.as_ref(), &format!("spec.persistentVolumeClaimRetentionPolicy.{field}"), "Retain"))
            .help(format!("set {field}: Retain (the default) to keep the claims, or give the claims a class with reclaimPolicy: Retain so their volumes outlive them"));
        if effect.data_deleted.is_empty() {
            finding.severity = Severity::Info;
        }
        findings.push(finding);
    }
}

/// Recycle on a volume (deprecated) or a class (rejected by the API).
fn recycle(snapshot: &Snapshot, findings: &mut Vec<Finding>) {
    for volume in &snapshot.volumes {
        if volume.reclaim_policy != Some(Ok(ReclaimPolicy::Recycle)) {
            continue;
        }
        let fate = crate::binding::reclaim::reclaim(volume).fate;
        let consequence = if fate == OnClaimDelete::Recycled {
            "when its claim is deleted, its data is scrubbed (rm -rf) and the volume offered to any claim".to_owned()
        } else {
            format!(
                "only NFS and hostPath volumes can be recycled, so when its claim is deleted this {} volume turns Failed",
                volume.plugin.name()
            )
        };
        findings.push(
            Finding::new(
                ids::RECYCLE_RECLAIM_POLICY,
                volume.key(),
                format!("volume {} has reclaim policy Recycle, which is deprecated: {consequence}", volume.meta.name),
            )
            .at(Pointer::field(volume.meta.source.as_ref(), "spec.persistentVolumeReclaimPolicy"), "deprecated")
            .fix(Fix::set(volume.key(), volume.meta.source.as_ref(), "spec.persistentVolumeReclaimPolicy", "Retain"))
            .help("use Retain to keep the data for an admin, or Delete with dynamic provisioning to have the volume removed"),
        );
    }
    for class in &snapshot.classes {
        if class.reclaim_policy != Ok(ReclaimPolicy::Recycle) {
            continue;
        }
        let mut finding = Finding::new(
            ids::RECYCLE_RECLAIM_POLICY,
            class.key(),
            format!(
                "StorageClass {} has reclaimPolicy Recycle, which the API rejects for a StorageClass: reclaimPolicy: Unsupported value: \"Recycle\": supported values: \"Delete\", \"Retain\"",
                class.meta.name
            ),
        )
        .at(Pointer::field(class.meta.source.as_ref(), "reclaimPolicy"), "not allowed on a StorageClass")
        .fix(Fix::set(class.key(), class.meta.source.as_ref(), "reclaimPolicy", "Retain"))
        .help("use reclaimPolicy: Retain to keep provisioned volumes after their claims, or Delete (the default)");
        finding.severity = Severity::Error;
        findings.push(finding);
    }
}

/// Whether a volume was written by hand rather than made by a provisioner: it names no
/// provisioner, or it does but is still to be created from a manifest (a provisioner creates
/// its volumes through the API, never from a file; a dump of a live one carries its status).
/// Provisioners name volumes `pvc-<claim uid>`, so such a name is taken as theirs even when a
/// trimmed dump dropped the annotation.
fn written_by_hand(volume: &Volume) -> bool {
    if volume.meta.name.starts_with("pvc-") {
        return false;
    }
    volume.provisioned_by().is_none_or(str::is_empty)
        || (!volume.meta.exists && volume.written_phase.is_none())
}

/// What storage a volume made by hand points at, for messages.
fn imported_storage(volume: &Volume) -> String {
    match (&volume.plugin, &volume.csi_volume_handle, &volume.host_path) {
        (VolumePlugin::Csi(driver), Some(handle), _) => {
            format!("{driver} volume {handle:?} (spec.csi.volumeHandle)")
        }
        (_, _, Some(path)) => format!("host path {path}"),
        (plugin, _, _) => format!("an existing {} volume", plugin.name()),
    }
}

/// A volume written by hand for storage that existed before it, with an explicit reclaim
/// policy Delete: deleting its claim hands that storage to a deleter (upstream
/// `reclaimVolume`), which either destroys data the cluster never created or fails and leaves
/// the volume Failed. `binding::reclaim` says which.
fn static_delete(snapshot: &Snapshot, plan: &BindingPlan, findings: &mut Vec<Finding>) {
    for (volume, volume_plan) in snapshot.volumes.iter().zip(&plan.volumes) {
        if volume.reclaim_policy != Some(Ok(ReclaimPolicy::Delete)) || !written_by_hand(volume) {
            continue;
        }
        let reclaim = crate::binding::reclaim::reclaim(volume);
        // A StatefulSet's data deleted with its claim is delete-reclaim-on-statefulset-data's.
        let statefulset_claim = volume_plan.claim_index.is_some_and(|c| {
            matches!(
                snapshot.claims[c].origin,
                ClaimOrigin::StatefulSetTemplate { .. }
            )
        });
        if statefulset_claim && reclaim.fate == OnClaimDelete::Deleted {
            continue;
        }
        let name = &volume.meta.name;
        let posing = if volume.provisioned_by().is_some_and(|p| !p.is_empty()) {
            " (its pv.kubernetes.io/provisioned-by annotation, written by hand, makes the provisioner treat it as one of its own)"
        } else {
            ""
        };
        let mut finding = Finding::new(
            ids::DELETE_RECLAIM_ON_STATIC_VOLUME,
            volume.key(),
            format!(
                "volume {name} is written by hand for {}, which existed before it, and sets persistentVolumeReclaimPolicy: Delete{posing}; when its claim is deleted: {}",
                imported_storage(volume),
                reclaim.reason
            ),
        )
        .at(
            Pointer::field(volume.meta.source.as_ref(), "spec.persistentVolumeReclaimPolicy"),
            if reclaim.fate == OnClaimDelete::Deleted { "deletes storage the cluster did not create" } else { "the delete fails" },
        )
        .fix(Fix::set(volume.key(), volume.meta.source.as_ref(), "spec.persistentVolumeReclaimPolicy", "Retain"))
        .help("set persistentVolumeReclaimPolicy: Retain (the default for a volume made by hand), so that deleting the claim leaves the volume Released and the storage untouched for an admin to reuse or remove");
        if reclaim.fate != OnClaimDelete::Deleted {
            // The data stays; what is left is a Failed volume to clean up by hand.
            finding.severity = Severity::Info;
        }
        findings.push(finding);
    }
}

/// Released (or Failed) volumes that keep the data of a claim that is gone.
fn released(snapshot: &Snapshot, plan: &BindingPlan, findings: &mut Vec<Finding>) {
    // Made when first asked: most volumes are not Released.
    let claims = std::cell::OnceCell::new();
    for (volume, volume_plan) in snapshot.volumes.iter().zip(&plan.volumes) {
        let Some(gone) = &volume_plan.previous_claim else {
            continue;
        };
        if !matches!(
            volume_plan.phase,
            VolumePhase::Released | VolumePhase::Failed
        ) || volume_plan.on_claim_delete != OnClaimDelete::Retained
        {
            continue;
        }
        let name = &volume.meta.name;
        let mut message = format!(
            "volume {name} is {}: its claim {gone} is gone and it keeps the data, but no claim can bind it while spec.claimRef holds the old claim's uid",
            volume_plan.phase
        );
        let mut severity = None;
        if let Some(claim_ref) = &volume.claim_ref {
            let claims = claims.get_or_init(|| crate::binding::volume_sync::claim_lookup(snapshot));
            if claims.contains_key(&(claim_ref.namespace.as_str(), claim_ref.name.as_str())) {
                message.push_str(&format!(
                    "; claim {gone} in the inputs is a new claim of the same name: it does not get this volume (it gets another one, or stays Pending)"
                ));
                severity = Some(Severity::Warning);
            }
        }
        let mut finding = Finding::new(ids::RELEASED_VOLUME_UNCLAIMABLE, volume.key(), message)
            .at(Pointer::field(volume.meta.source.as_ref(), "spec.claimRef.uid"), "the old claim's uid")
            .fix(Fix::remove(volume.key(), volume.meta.source.as_ref(), "spec.claimRef.uid"))
            .help(format!(
                "to give the data to a claim, remove the uid so the volume is reserved for the claim name (kubectl patch pv {name} --type json -p '[{{\"op\":\"remove\",\"path\":\"/spec/claimRef/uid\"}}]'), or point spec.claimRef at another claim; if the data is not needed, delete the volume and its storage"
            ));
        if let Some(severity) = severity {
            finding.severity = severity;
        }
        findings.push(finding);
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::clean_findings;
    use crate::findings::Severity;
    use crate::report::FindingEntry;

    fn findings(text: &str, rule: &str) -> Vec<FindingEntry> {
        clean_findings(text)
            .into_iter()
            .filter(|f| f.rule == rule)
            .collect()
    }

    fn class(name: &str, extra: &str) -> String {
        format!("apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {{name: {name}}}\nprovisioner: example.com/disk\n{extra}\n---\n")
    }

    fn statefulset(extra: &str, class: &str) -> String {
        format!("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: db, namespace: shop}}\nspec:\n  replicas: 2\n  {extra}\n  selector: {{matchLabels: {{app: db}}}}\n  template:\n    metadata: {{labels: {{app: db}}}}\n    spec: {{containers: [{{name: c, image: postgres}}]}}\n  volumeClaimTemplates:\n    - metadata: {{name: data}}\n      spec: {{storageClassName: {class}, accessModes: [ReadWriteOnce], resources: {{requests: {{storage: 1Gi}}}}}}\n")
    }

    #[test]
    fn statefulset_data_follows_the_reclaim_policy_the_plan_can_see() {
        let rule = "delete-reclaim-on-statefulset-data";
        let deleting = findings(
            &(class("disk", "") + &statefulset("minReadySeconds: 0", "disk")),
            rule,
        );
        assert_eq!(deleting.len(), 1, "one finding per template, not per claim");
        assert!(
            deleting[0]
                .message
                .contains("shop/data-db-0, shop/data-db-1"),
            "{}",
            deleting[0].message
        );
        assert!(
            deleting[0]
                .message
                .contains("by hand, or with the namespace"),
            "{}",
            deleting[0].message
        );
        assert!(findings(
            &(class("disk", "reclaimPolicy: Retain") + &statefulset("minReadySeconds: 0", "disk")),
            rule
        )
        .is_empty());
        assert!(
            findings(&statefulset("minReadySeconds: 0", "unseen"), rule).is_empty(),
            "an unseen class is not guessed"
        );
        let scaled = findings(
            &(class("disk", "")
                + &statefulset(
                    "persistentVolumeClaimRetentionPolicy: {whenScaled: Delete}",
                    "disk",
                )),
            rule,
        );
        assert!(
            scaled[0]
                .message
                .contains("on scale-down (whenScaled: Delete)"),
            "{}",
            scaled[0].message
        );
    }

    #[test]
    fn statefulset_data_on_a_bound_volume_names_the_volume() {
        let text = statefulset("minReadySeconds: 0", "disk").replace("replicas: 2", "replicas: 1")
            + "---\napiVersion: v1\nkind: PersistentVolume\nmetadata: {name: pv-1, annotations: {pv.kubernetes.io/provisioned-by: example.com/disk}}\nspec:\n  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n  persistentVolumeReclaimPolicy: Delete\n  storageClassName: disk\n  claimRef: {namespace: shop, name: data-db-0, uid: u1}\n  csi: {driver: example.com/disk, volumeHandle: h}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data-db-0, namespace: shop, uid: u1}\nspec: {storageClassName: disk, volumeName: pv-1, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n";
        let found = findings(&text, "delete-reclaim-on-statefulset-data");
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .message
                .contains("volume pv-1 has reclaim policy Delete"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn retention_severity_says_whether_the_data_goes() {
        let rule = "statefulset-retention-deletes-claims";
        let both = findings(
            &(class("disk", "") + &statefulset("persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete, whenScaled: Delete}", "disk")),
            rule,
        );
        assert_eq!(both.len(), 2, "one per field");
        assert!(both.iter().all(|f| f.severity == Severity::Warning));
        let kept = findings(
            &(class("disk", "reclaimPolicy: Retain")
                + &statefulset(
                    "persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete}",
                    "disk",
                )),
            rule,
        );
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].severity, Severity::Info);
        assert!(
            kept[0].message.contains("Released, with the data"),
            "{}",
            kept[0].message
        );
        assert!(findings(
            &(class("disk", "")
                + &statefulset(
                    "persistentVolumeClaimRetentionPolicy: {whenDeleted: Retain}",
                    "disk"
                )),
            rule
        )
        .is_empty());
    }

    #[test]
    fn helm_keep_on_the_statefulset_is_named() {
        let text = class("disk", "")
            + &statefulset("persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete}", "disk")
                .replace("metadata: {name: db, namespace: shop}", "metadata: {name: db, namespace: shop, annotations: {helm.sh/resource-policy: keep}}");
        let found = findings(&text, "statefulset-retention-deletes-claims");
        assert!(
            found[0]
                .message
                .contains("helm uninstall keeps this StatefulSet"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn recycle_on_volumes_and_classes() {
        let rule = "recycle-reclaim-policy";
        let csi = findings("apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: v}\nspec:\n  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n  persistentVolumeReclaimPolicy: Recycle\n  csi: {driver: example.com/disk, volumeHandle: h}\n", rule);
        assert!(
            csi[0].message.contains("turns Failed"),
            "{}",
            csi[0].message
        );
        assert_eq!(csi[0].severity, Severity::Warning);
        let class = findings(&class("scratch", "reclaimPolicy: Recycle"), rule);
        assert_eq!(class[0].severity, Severity::Error);
        assert!(findings(&class_retain(), rule).is_empty());
    }

    fn class_retain() -> String {
        class("kept", "reclaimPolicy: Retain")
    }

    const RELEASED: &str = "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: old, annotations: {pv.kubernetes.io/provisioned-by: example.com/disk}}\nspec:\n  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n  persistentVolumeReclaimPolicy: POLICY\n  storageClassName: disk\n  claimRef: {namespace: shop, name: data, uid: gone}\n  csi: {driver: example.com/disk, volumeHandle: h}\nstatus: {phase: Released}\n";

    #[test]
    fn released_volumes_that_keep_data() {
        let rule = "released-volume-unclaimable";
        let kept = findings(&RELEASED.replace("POLICY", "Retain"), rule);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].severity, Severity::Info);
        assert!(
            findings(&RELEASED.replace("POLICY", "Delete"), rule).is_empty(),
            "the provisioner deletes it"
        );
        let recreated = RELEASED.replace("POLICY", "Retain")
            + "---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: shop, uid: new}\nspec: {storageClassName: disk, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n";
        let found = findings(&recreated, rule);
        assert_eq!(found[0].severity, Severity::Warning);
        assert!(
            found[0].message.contains("new claim of the same name"),
            "{}",
            found[0].message
        );
    }
}
