//! A pod with `securityContext.fsGroup` and no `fsGroupChangePolicy: OnRootMismatch` has the
//! kubelet walk every file of each volume it mounts and change its group, on every start of
//! every pod, before any container runs (upstream pkg/volume/volume_linux.go,
//! `SetVolumeOwnership`, which logs a pointer to kubernetes/kubernetes#69699 while it works).
//! On a volume with many files that takes minutes to hours.
//!
//! Which volumes it touches (upstream pkg/volume/csi/csi_mounter.go, `supportsFSGroup`): none
//! mounted read-only, no raw block device, none of a CSI driver whose CSIDriver says
//! `fsGroupPolicy: None`, and under the default `ReadWriteOnceWithFSType` only ReadWriteOnce
//! volumes. A `File` driver changes every volume.

use crate::binding::BindingPlan;
use crate::evidence::Evidence;
use crate::findings::{Finding, Pointer, Severity};
use crate::fix::Fix;
use crate::model::{AccessMode, Quantity, Snapshot, VolumeMode};
use crate::rules::ids;

/// From this size on, a volume is big enough to hold a million files (at 100 KiB a file), the
/// count at which the recursive change is reported to make pods time out; minio/charts#88 saw a
/// 120 GB volume take over 30 minutes.
const BIG_VOLUME_GIB: u64 = 100;

pub fn check(
    snapshot: &Snapshot,
    plan: &BindingPlan,
    evidence: Option<&Evidence>,
    findings: &mut Vec<Finding>,
) {
    let claims = snapshot.claims_by_name();
    let big = Quantity::from_bytes(BIG_VOLUME_GIB << 30);
    for workload in snapshot
        .workloads
        .iter()
        .filter(|w| w.pods > 0 && !w.finished)
    {
        let template = &workload.template;
        let Some(group) = template.fs_group else {
            continue;
        };
        if template.fs_group_change_policy.as_deref() == Some("OnRootMismatch") {
            continue;
        }
        let ns = workload.meta.namespace.as_deref().unwrap_or_default();
        // The pods of one template mount the same volumes: the first pod speaks for all.
        let mut changed: Vec<(String, usize)> = Vec::new();
        for (volume, claim_name) in workload.volume_claims_of_pod(0) {
            let Some(&c) = claims.get(&(ns, claim_name.as_str())) else {
                continue;
            };
            let mounted = template
                .uses
                .iter()
                .any(|u| u.volume == volume && !u.device);
            let read_only = template
                .claims
                .iter()
                .any(|u| u.volume == volume && u.read_only);
            if mounted && !read_only && ownership_changed(snapshot, plan, evidence, c) {
                changed.push((volume, c));
            }
        }
        if changed.is_empty() {
            continue;
        }
        let size = |c: usize| match &snapshot.claims[c].request {
            Some(Ok(q)) => Some(q.clone()),
            _ => None,
        };
        let any_big = changed
            .iter()
            .any(|(_, c)| size(*c).is_some_and(|q| q >= big));
        let volumes: Vec<String> = changed
            .iter()
            .map(|(volume, c)| {
                let claim = &snapshot.claims[*c];
                match size(*c) {
                    Some(q) => format!("{volume:?} (claim {}, {q})", claim.meta.name),
                    None => format!("{volume:?} (claim {})", claim.meta.name),
                }
            })
            .collect();
        let mut finding = Finding::new(
            ids::FS_GROUP_RECURSIVE_CHANGE,
            workload.key(),
            format!(
                "{} sets securityContext.fsGroup {group} without fsGroupChangePolicy: OnRootMismatch: every time one of its pods starts, the kubelet changes the group of every file on volume {} before the containers run, which takes minutes to hours once a volume holds many files",
                workload.key(),
                volumes.join(", ")
            ),
        )
        .at(
            Pointer::field(
                workload.meta.source.as_ref(),
                &format!("{}.securityContext.fsGroup", template.path),
            ),
            "every file changed on every pod start",
        )
        .fix(Fix::set(
            workload.key(),
            workload.meta.source.as_ref(),
            &format!("{}.securityContext.fsGroupChangePolicy", template.path),
            "OnRootMismatch",
        ))
        .help("set securityContext.fsGroupChangePolicy: OnRootMismatch: the kubelet then changes ownership only when the volume's root does not already have it");
        if any_big {
            finding.severity = Severity::Warning;
        }
        findings.push(finding);
    }
}

/// Whether the kubelet changes the ownership of claim `c`'s volume to the pod's fsGroup.
fn ownership_changed(
    snapshot: &Snapshot,
    plan: &BindingPlan,
    evidence: Option<&Evidence>,
    c: usize,
) -> bool {
    let claim = &snapshot.claims[c];
    let claim_plan = &plan.claims[c];
    let volume = claim_plan.volume_index.map(|v| &snapshot.volumes[v]);
    let mode = volume.map_or(&claim.volume_mode, |v| &v.volume_mode);
    if !matches!(mode, Ok(VolumeMode::Filesystem)) {
        return false;
    }
    let modes = volume.map_or(claim.access_modes, |v| v.access_modes);
    let driver = match volume.map(|v| &v.plugin) {
        Some(crate::model::VolumePlugin::Csi(driver)) => Some(driver.as_str()),
        _ => claim_plan.provisioner.as_deref(),
    };
    let policy = driver.and_then(|d| evidence?.fs_group_policies.get(d).map(String::as_str));
    match policy {
        Some("None") => false,
        Some("File") => true,
        // The default, and what an unknown driver most likely has: ReadWriteOnce volumes only.
        _ => {
            modes.contains(AccessMode::ReadWriteOnce)
                || modes.contains(AccessMode::ReadWriteOncePod)
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::findings;

    const POD: &str = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: shop}\nspec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: SIZE}}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: db, namespace: shop}\nspec:\n  securityContext: {fsGroup: 999EXTRA}\n  containers: [{name: c, image: postgres, volumeMounts: [{name: d, mountPath: /data}]}]\n  volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]\n";

    fn severities(size: &str, extra: &str) -> Vec<String> {
        findings(&POD.replace("SIZE", size).replace("EXTRA", extra))
            .into_iter()
            .filter(|f| f.rule == "fs-group-recursive-change")
            .map(|f| f.severity.to_string())
            .collect()
    }

    #[test]
    fn big_volumes_warn_and_on_root_mismatch_is_quiet() {
        assert_eq!(severities("10Gi", ""), ["info"]);
        assert_eq!(severities("500Gi", ""), ["warning"]);
        assert!(severities("500Gi", ", fsGroupChangePolicy: OnRootMismatch").is_empty());
    }
}
