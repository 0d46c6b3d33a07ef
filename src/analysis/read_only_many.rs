//! ReadOnlyMany claims mounted read-write: the volume is published read-only to the node, so
//! the pod's writes fail, or, where a driver does not enforce it, several nodes write to a
//! volume that promised one writer.

use crate::binding::BindingPlan;
use crate::findings::{Finding, Pointer};
use crate::fix::Fix;
use crate::model::{AccessMode, AccessModes, Snapshot};
use crate::rules::ids;

use super::claim_users::ClaimUsers;

pub fn check(snapshot: &Snapshot, plan: &BindingPlan, findings: &mut Vec<Finding>) {
    let mut read_only = AccessModes::EMPTY;
    read_only.insert(AccessMode::ReadOnlyMany);
    let users = ClaimUsers::new(snapshot);
    for (c, claim) in snapshot.claims.iter().enumerate() {
        // What the claim asked for is what the pods get; a volume bound to it may offer more,
        // but the claim's own list is all the user promised to use.
        let bound = plan.claims[c]
            .volume_index
            .map(|v| snapshot.volumes[v].access_modes);
        if claim.access_modes != read_only && bound != Some(read_only) {
            continue;
        }
        for (workload, usage) in users.of(claim) {
            if usage.read_only {
                continue;
            }
            findings.push(
                Finding::new(
                    ids::ROX_CLAIM_MOUNTED_READ_WRITE,
                    workload.key(),
                    format!(
                        "{} mounts ReadOnlyMany claim {} read-write (volume {:?}); writes fail with \"Read-only file system\" where the driver honours the mode",
                        workload.key(),
                        claim.meta.qualified_name(),
                        usage.volume
                    ),
                )
                .at(Pointer::field(workload.meta.source.as_ref(), &usage.path), "mounted read-write")
                .fix(Fix::set(
                    workload.key(),
                    workload.meta.source.as_ref(),
                    &format!("{}.persistentVolumeClaim.readOnly", usage.path),
                    true,
                ))
                .help("set `readOnly: true` on the volume's persistentVolumeClaim (and on its volumeMounts), or ask for ReadWriteMany if the pods must write"),
            );
        }
    }
}
