//! Claims made from a snapshot, a clone or a populator: what the API server and the provisioner
//! do with the data source (`binding::data_source` judges it; the plan already keeps a claim
//! whose source cannot be used Pending).

use crate::binding::data_source::{self, Problem};
use crate::binding::BindingPlan;
use crate::findings::{Finding, Pointer};
use crate::model::Snapshot;
use crate::rules::ids;

pub fn check(snapshot: &Snapshot, plan: &BindingPlan, findings: &mut Vec<Finding>) {
    for (c, (claim, claim_plan)) in snapshot.claims.iter().zip(&plan.claims).enumerate() {
        let Some(problem) =
            data_source::judge(snapshot, c, claim_plan, |other| plan.claims.get(other))
        else {
            continue;
        };
        let name = claim.meta.qualified_name();
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
