//! Claims made from a snapshot, a clone or a populator: what the API server and the provisioner
//! do with the data source (`binding::data_source` judges it; the plan already keeps a claim
//! whose source cannot be used Pending).

use crate::binding::data_source::{self, Problem};
use crate::binding::BindingPlan;
use crate::findings::{Finding, Pointer};
use crate::model::Snapshot;
use crate::rules::ids;

pub fn check(snapshot: &Snapshot, plan: &BindingPlan, findings: &mut Vec<Finding>) {
    let claims = snapshot.claims_by_name();
    for (c, (claim, claim_plan)) in snapshot.claims.iter().zip(&plan.claims).enumerate() {
        let Some(problem) = data_source::judge(snapshot, &claims, c, claim_plan, |other| {
            plan.claims.get(other)
        }) else {
            continue;
        };
        let name = claim.meta.qualified();
        let source = claim.meta.source.as_ref();
        let finding = match problem {
            Problem::Dropped { field, why } => Finding::new(
                ids::DATA_SOURCE_DROPPED,
                claim.key(),
                format!("claim {name}: {why}"),
            )
            .at(Pointer::field(source, field), "dropped by the API server")
            .help(if field == "spec.dataSourceRef" {
                "clone or restore within the claim's namespace (copy the snapshot or claim there), or enable CrossNamespaceVolumeDataSource on the API server, controller manager and external provisioner and add the ReferenceGrant"
            } else {
                "name a PersistentVolumeClaim (no apiGroup) or a VolumeSnapshot with apiGroup: snapshot.storage.k8s.io in dataSource, and a populator's kind in dataSourceRef"
            }),
            Problem::Rejected { field, why } => Finding::new(
                ids::DATA_SOURCE_REJECTED,
                claim.key(),
                format!("claim {name}: {why}; nothing of the claim is created"),
            )
            .at(Pointer::field(source, field), "refused by the API server")
            .help("set only dataSourceRef, or make dataSource name the same object; a kind other than PersistentVolumeClaim needs its apiGroup"),
            Problem::NotFound { field, what } => Finding::new(
                ids::DATA_SOURCE_NOT_FOUND,
                claim.key(),
                format!("claim {name}: its data source {what} does not exist, so no volume is provisioned and the claim stays Pending"),
            )
            .at(Pointer::field(source, &format!("{field}.name")), "no such object")
            .help("check the name and namespace of the data source, or create it first"),
            Problem::NotReady { field, snapshot: s } => {
                let vs = &snapshot.volume_snapshots[s];
                let error = vs
                    .error
                    .as_deref()
                    .map(|e| format!("; the snapshot controller reports: {e}"))
                    .unwrap_or_default();
                Finding::new(
                    ids::SNAPSHOT_NOT_READY,
                    claim.key(),
                    format!("claim {name}: VolumeSnapshot {} is not ready to use (status.readyToUse: false), so the provisioner does not restore from it yet and the claim stays Pending until it is{error}", vs.meta.qualified_name()),
                )
                .at(Pointer::field(source, &format!("{field}.name")), "not ready")
                .help(format!("wait for the snapshot to become ready (kubectl get volumesnapshot -n {} {}), or see its events if it does not", vs.meta.namespace.as_deref().unwrap_or_default(), vs.meta.name))
            }
            Problem::Refused { field, why } => Finding::new(
                ids::DATA_SOURCE_REFUSED,
                claim.key(),
                format!("claim {name}: {why}, so no volume is provisioned and the claim stays Pending"),
            )
            .at(Pointer::field(source, field), "the provisioner refuses this source")
            .help("make the claim match its source: the same CSI driver, the same volume mode, and a request at least as large as the source"),
            Problem::NoPopulator { field } => {
                let r = claim.data_source_ref.as_ref().or(claim.data_source.as_ref());
                let (group, kind) = r.map(|r| (r.group.as_str(), r.kind.as_str())).unwrap_or_default();
                Finding::new(
                    ids::VOLUME_POPULATOR_MISSING,
                    claim.key(),
                    format!("claim {name}: its dataSourceRef names a {kind} of {group}, and no VolumePopulator registers that kind: no populator fills the volume and the claim stays Pending"),
                )
                .at(Pointer::field(source, field), "no populator for this kind")
                .help(format!("install the populator for {kind}.{group} (and its VolumePopulator), or use a PersistentVolumeClaim or VolumeSnapshot as the source"))
            }
        };
        findings.push(finding);
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::findings;

    fn rules(text: &str) -> Vec<(&'static str, String)> {
        findings(text)
            .into_iter()
            .map(|f| (f.rule, f.object.name.clone()))
            .collect()
    }

    const CLASS: &str = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: csi}\nprovisioner: hostpath.csi.k8s.io\n";

    #[test]
    fn a_clone_of_a_claim_that_stays_pending_stays_pending_too() {
        let text = format!(
            "{CLASS}---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: a, namespace: ns}}\nspec:\n  storageClassName: csi\n  accessModes: [ReadWriteOnce]\n  resources: {{requests: {{storage: 1Mi}}}}\n  dataSource: {{apiGroup: snapshot.storage.k8s.io, kind: VolumeSnapshot, name: s}}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: b, namespace: ns}}\nspec:\n  storageClassName: csi\n  accessModes: [ReadWriteOnce]\n  resources: {{requests: {{storage: 2Gi}}}}\n  dataSource: {{kind: PersistentVolumeClaim, name: a}}\n---\napiVersion: snapshot.storage.k8s.io/v1\nkind: VolumeSnapshot\nmetadata: {{name: s, namespace: ns}}\nspec: {{source: {{persistentVolumeClaimName: x}}}}\nstatus: {{readyToUse: true, restoreSize: 1Gi}}\n"
        );
        let found = rules(&text);
        assert_eq!(
            found,
            [
                ("data-source-refused", "a".to_owned()),
                ("data-source-refused", "b".to_owned())
            ],
            "the claims' own rule says why, not claim-pending"
        );
    }

    #[test]
    fn a_cross_namespace_source_names_the_grant_and_a_dumped_claim_is_not_judged() {
        let claim = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: copy, namespace: dev}\nspec:\n  storageClassName: csi\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n  dataSourceRef: {kind: PersistentVolumeClaim, name: db, namespace: prod}\n";
        let grant = "apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: {name: clones, namespace: prod}\nspec:\n  from: [{group: '', kind: PersistentVolumeClaim, namespace: dev}]\n  to: [{group: '', kind: PersistentVolumeClaim}]\n";
        let found = findings(&format!("{CLASS}---\n{claim}---\n{grant}"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].rule, "data-source-dropped");
        assert!(
            found[0]
                .message
                .contains("ReferenceGrant prod/clones would allow it"),
            "{}",
            found[0].message
        );
        let dumped = claim.replace(
            "namespace: dev}",
            "namespace: dev, uid: 0d6f0e56-0000-4000-8000-000000000001}",
        );
        // The API server took the dumped claim as it is: nothing was dropped. (A dump is the
        // whole cluster, so its missing source is reported.)
        assert_eq!(
            rules(&format!("{CLASS}---\n{dumped}")),
            [("data-source-not-found", "copy".to_owned())]
        );
    }

    #[test]
    fn group_snapshot_rules_of_the_crd() {
        let text = "apiVersion: groupsnapshot.storage.k8s.io/v1beta1\nkind: VolumeGroupSnapshot\nmetadata: {name: g, namespace: ns}\nspec:\n  volumeGroupSnapshotClassName: ''\n  source:\n    selector: {matchLabels: {app: db}}\n    volumeGroupSnapshotContentName: c\n---\napiVersion: groupsnapshot.storage.k8s.io/v1beta1\nkind: VolumeGroupSnapshotContent\nmetadata: {name: c}\nspec:\n  deletionPolicy: Keep\n  driver: hostpath.csi.k8s.io\n  source: {volumeHandles: [v1]}\n  volumeGroupSnapshotRef: {name: g}\n";
        let messages: Vec<String> = findings(text)
            .into_iter()
            .map(|f| {
                format!(
                    "{}: {}",
                    f.rule,
                    f.message.split(';').next().unwrap_or_default()
                )
            })
            .collect();
        assert_eq!(
            messages,
            [
                "snapshot-object-invalid: VolumeGroupSnapshot ns/g: spec.volumeGroupSnapshotClassName: Invalid value: volumeGroupSnapshotClassName must not be the empty string when set",
                "snapshot-object-invalid: VolumeGroupSnapshot ns/g: spec.source: Invalid value: exactly one of selector and volumeGroupSnapshotContentName must be set",
                "unsupported-value: VolumeGroupSnapshotContent c: spec.deletionPolicy: unsupported value \"Keep\"",
                "snapshot-object-invalid: VolumeGroupSnapshotContent c: spec.volumeGroupSnapshotRef: Invalid value: both volumeGroupSnapshotRef.name and volumeGroupSnapshotRef.namespace must be set",
            ]
        );
    }

    #[test]
    fn a_wrong_type_in_a_snapshot_is_an_invalid_field_and_no_panic() {
        let text = "apiVersion: snapshot.storage.k8s.io/v1\nkind: VolumeSnapshot\nmetadata: {name: s}\nspec: {source: [a]}\n---\napiVersion: snapshot.storage.k8s.io/v1\nkind: VolumeSnapshot\nmetadata: {name: t}\nspec: {source: {persistentVolumeClaimName: a}}\nstatus: {restoreSize: {x: 1}, readyToUse: maybe}\n";
        let found = rules(text);
        assert_eq!(found, [("invalid-field", "s".to_owned())]);
    }
}
