//! Requests a well-known driver cannot serve, judged by the driver catalogue (rules/drivers/):
//! access modes and volume modes of claims it would provision and of volumes it serves, and
//! expansion allowed by classes whose driver never resizes. Drivers the catalogue does not
//! know are never judged.

use std::collections::HashSet;

use crate::binding::{BindingPlan, Outcome};
use crate::drivers::{self, Driver, Expansion, Support};
use crate::findings::{Finding, Pointer};
use crate::fix::Fix;
use crate::model::{AccessMode, Claim, ClaimOrigin, ObjectKey, Snapshot, VolumeMode};
use crate::rules::ids;

pub fn check(snapshot: &Snapshot, plan: &BindingPlan, findings: &mut Vec<Finding>) {
    check_claims(snapshot, plan, findings);
    check_volumes(snapshot, findings);
    check_classes(snapshot, findings);
}

/// Claims a driver of the catalogue would provision: the driver receives their access modes
/// and volume mode in CreateVolume (or the provisioner checks them itself) and refuses what it
/// cannot serve, so the claim stays Pending.
fn check_claims(snapshot: &Snapshot, plan: &BindingPlan, findings: &mut Vec<Finding>) {
    // A StatefulSet's template yields one claim per replica; one finding per template is enough.
    let mut templates_seen: HashSet<(ObjectKey, String)> = HashSet::new();
    for (c, claim) in snapshot.claims.iter().enumerate() {
        let claim_plan = &plan.claims[c];
        if claim_plan.volume_index.is_some()
            || !matches!(
                claim_plan.outcome,
                Outcome::Provisions | Outcome::WaitsForConsumer
            )
        {
            continue;
        }
        let Some(class) = claim_plan.class_index.map(|i| &snapshot.classes[i]) else {
            continue;
        };
        if !class.provisions() {
            continue;
        }
        let Some(driver) = drivers::lookup(&class.provisioner) else {
            continue;
        };
        let Ok(volume_mode) = claim.volume_mode.clone() else {
            continue;
        };
        if let Some((owner, template)) = claim.origin.template() {
            if !templates_seen.insert((owner.clone(), template.to_owned())) {
                continue;
            }
        }
        let by = || {
            format!(
                "the {} (provisioner {} of class {:?})",
                driver.name, class.provisioner, class.meta.name
            )
        };
        let source = claim.meta.source.as_ref();
        if driver.serves_volume_mode(volume_mode) == Support::Unsupported {
            findings.push(
                Finding::new(
                    ids::VOLUME_MODE_UNSUPPORTED_BY_DRIVER,
                    claim.key(),
                    format!(
                        "claim {} asks for a {} volume, which {by} cannot provide: provisioning fails and the claim stays Pending",
                        describe_claim(claim),
                        volume_mode.as_str(),
                        by = by(),
                    ),
                )
                .at(Pointer::field(source, "spec.volumeMode"), format!("{} only", other(volume_mode).as_str()))
                .help(format!(
                    "use volumeMode: {} with this class, or a class whose driver serves {} volumes",
                    other(volume_mode).as_str(),
                    volume_mode.as_str()
                )),
            );
            continue;
        }
        let refused = driver.refused(claim.access_modes, volume_mode);
        if refused.is_empty() {
            continue;
        }
        findings.push(
            Finding::new(
                ids::ACCESS_MODE_UNSUPPORTED_BY_DRIVER,
                claim.key(),
                format!(
                    "claim {} asks for {}, which {by} cannot provide for {} volumes: provisioning fails and the claim stays Pending",
                    describe_claim(claim),
                    list(&refused),
                    volume_mode.as_str(),
                    by = by(),
                ),
            )
            .at(Pointer::field(source, "spec.accessModes"), label(driver, &refused))
            .help(help(driver, &refused, volume_mode)),
        );
    }
}

/// Volumes served by a driver of the catalogue. The attacher and the kubelet hand the driver
/// one of the volume's modes, and which one differs between them; only a volume none of whose
/// modes the driver serves is sure to fail, so only that is reported.
fn check_volumes(snapshot: &Snapshot, findings: &mut Vec<Finding>) {
    for volume in &snapshot.volumes {
        let Some(driver) = drivers::for_plugin(&volume.plugin) else {
            continue;
        };
        let Ok(volume_mode) = volume.volume_mode.clone() else {
            continue;
        };
        let source = volume.meta.source.as_ref();
        let name = &volume.meta.name;
        let by = || format!("the {} ({})", driver.name, volume.plugin.name());
        if driver.serves_volume_mode(volume_mode) == Support::Unsupported {
            findings.push(
                Finding::new(
                    ids::VOLUME_MODE_UNSUPPORTED_BY_DRIVER,
                    volume.key(),
                    format!(
                        "volume {name} is a {} volume, which {by} cannot serve: pods using it fail to start",
                        volume_mode.as_str(),
                        by = by(),
                    ),
                )
                .at(Pointer::field(source, "spec.volumeMode"), format!("{} only", other(volume_mode).as_str()))
                .help(format!(
                    "set volumeMode: {} (and the same on its claim)",
                    other(volume_mode).as_str()
                )),
            );
            continue;
        }
        let special = volume.csi_volume_handle.as_deref().is_some_and(|h| {
            driver
                .special_volume_handles
                .iter()
                .any(|prefix| h.starts_with(prefix.as_str()))
        });
        let refused = driver.refused(volume.access_modes, volume_mode);
        if special
            || volume.access_modes.is_empty()
            || refused.len() != volume.access_modes.len() as usize
        {
            continue;
        }
        findings.push(
            Finding::new(
                ids::ACCESS_MODE_UNSUPPORTED_BY_DRIVER,
                volume.key(),
                format!(
                    "volume {name} declares {}, which {by} cannot serve for {} volumes: attaching or mounting it fails when a pod uses it",
                    list(&refused),
                    volume_mode.as_str(),
                    by = by(),
                ),
            )
            .at(Pointer::field(source, "spec.accessModes"), label(driver, &refused))
            .help(help(driver, &refused, volume_mode)),
        );
    }
}

/// Classes that allow expansion although their driver never resizes: the API accepts a larger
/// request, and the claim then waits for a resize that never comes.
fn check_classes(snapshot: &Snapshot, findings: &mut Vec<Finding>) {
    for class in &snapshot.classes {
        if !class.allow_expansion || !class.provisions() {
            continue;
        }
        let Some(driver) = drivers::lookup(&class.provisioner) else {
            continue;
        };
        if driver.expansion != Expansion::None {
            continue;
        }
        findings.push(
            Finding::new(
                ids::EXPANSION_UNSUPPORTED_BY_DRIVER,
                class.key(),
                format!(
                    "class {} allows volume expansion, but the {} (provisioner {}) cannot resize volumes: a larger request is accepted and never carried out",
                    class.meta.name, driver.name, class.provisioner
                ),
            )
            .at(Pointer::field(class.meta.source.as_ref(), "allowVolumeExpansion"), "never resized")
            .fix(Fix::set(class.key(), class.meta.source.as_ref(), "allowVolumeExpansion", false))
            .help("remove allowVolumeExpansion (or set it to false), so that resizing is refused up front"),
        );
    }
}

fn describe_claim(claim: &Claim) -> String {
    match &claim.origin {
        ClaimOrigin::StatefulSetTemplate {
            statefulset,
            template,
            ..
        } => format!(
            "{} (and every claim of {statefulset}'s template {template:?})",
            claim.meta.qualified_name()
        ),
        ClaimOrigin::EphemeralVolume {
            workload, volume, ..
        } => format!(
            "{} (and every claim of {workload}'s ephemeral volume {volume:?})",
            claim.meta.qualified_name()
        ),
        ClaimOrigin::Manifest => claim.meta.qualified_name(),
    }
}

fn other(mode: VolumeMode) -> VolumeMode {
    match mode {
        VolumeMode::Filesystem => VolumeMode::Block,
        VolumeMode::Block => VolumeMode::Filesystem,
    }
}

fn list(modes: &[AccessMode]) -> String {
    modes
        .iter()
        .map(|m| m.as_str())
        .collect::<Vec<_>>()
        .join(" and ")
}

fn label(driver: &Driver, refused: &[AccessMode]) -> String {
    let short: Vec<&str> = refused.iter().map(|m| m.short()).collect();
    format!("{} not served by {}", short.join(", "), driver.id)
}

fn help(driver: &Driver, refused: &[AccessMode], volume_mode: VolumeMode) -> String {
    let served: Vec<&str> = AccessMode::ALL
        .into_iter()
        .filter(|m| driver.serves(*m, volume_mode) == Support::Supported)
        .map(|m| m.as_str())
        .collect();
    let shared = refused
        .iter()
        .any(|m| matches!(m, AccessMode::ReadWriteMany | AccessMode::ReadOnlyMany));
    let mut text = if served.is_empty() {
        String::from("use a class whose driver serves these access modes")
    } else {
        format!("ask for {} instead", served.join(" or "))
    };
    if shared {
        text.push_str(
            ", or use shared storage for pods on several nodes (an NFS, CephFS, EFS, Filestore or Azure Files class)",
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::clean_findings;

    fn rules(text: &str) -> Vec<&'static str> {
        clean_findings(text)
            .iter()
            .map(|f| f.rule)
            .filter(|r| r.ends_with("-by-driver"))
            .collect()
    }

    fn claim(provisioner: &str, modes: &str, volume_mode: &str) -> String {
        format!(
            "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {{name: sc}}\nprovisioner: {provisioner}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: data, namespace: default}}\nspec:\n  storageClassName: sc\n  accessModes: [{modes}]\n  volumeMode: {volume_mode}\n  resources: {{requests: {{storage: 1Gi}}}}\n"
        )
    }

    #[test]
    fn claims_to_provision() {
        assert_eq!(
            rules(&claim("ebs.csi.aws.com", "ReadWriteMany", "Filesystem")),
            ["access-mode-unsupported-by-driver"]
        );
        // In-tree names that CSI migration hands to the driver count too.
        assert_eq!(
            rules(&claim(
                "kubernetes.io/aws-ebs",
                "ReadOnlyMany",
                "Filesystem"
            )),
            ["access-mode-unsupported-by-driver"]
        );
        assert!(rules(&claim("ebs.csi.aws.com", "ReadWriteOnce", "Filesystem")).is_empty());
        assert!(rules(&claim("ebs.csi.aws.com", "ReadWriteOncePod", "Block")).is_empty());
        // Multi-attach depends on the EBS volume type: not judged.
        assert!(rules(&claim("ebs.csi.aws.com", "ReadWriteMany", "Block")).is_empty());
        assert_eq!(
            rules(&claim("efs.csi.aws.com", "ReadWriteMany", "Block")),
            ["volume-mode-unsupported-by-driver"]
        );
        assert!(rules(&claim("example.com/unknown", "ReadWriteMany", "Block")).is_empty());
    }

    #[test]
    fn a_claim_bound_to_a_volume_is_judged_by_the_volume() {
        let text = claim("ebs.csi.aws.com", "ReadWriteMany", "Filesystem").replace(
            "  storageClassName: sc\n",
            "  storageClassName: sc\n  volumeName: pv1\n",
        ) + "---\napiVersion: v1\nkind: PersistentVolume\nmetadata: {name: pv1}\nspec:\n  storageClassName: sc\n  accessModes: [ReadWriteMany]\n  capacity: {storage: 1Gi}\n  nfs: {server: nfs.example.com, path: /x}\n";
        assert!(rules(&text).is_empty());
    }

    fn volume(modes: &str, source: &str) -> String {
        format!("apiVersion: v1\nkind: PersistentVolume\nmetadata: {{name: pv1}}\nspec:\n  accessModes: [{modes}]\n  capacity: {{storage: 1Gi}}\n  {source}\n")
    }

    #[test]
    fn volumes_fail_only_when_no_mode_is_served() {
        let ebs = "csi: {driver: ebs.csi.aws.com, volumeHandle: vol-1}";
        assert_eq!(
            rules(&volume("ReadWriteMany", ebs)),
            ["access-mode-unsupported-by-driver"]
        );
        assert!(rules(&volume("ReadWriteOnce, ReadWriteMany", ebs)).is_empty());
        // EBS node-local volumes (an instance store device) are shared on their node.
        let local_ebs = "csi: {driver: ebs.csi.aws.com, volumeHandle: \"local-ebs://dev/xvdbz\"}";
        assert!(rules(&volume("ReadWriteMany", local_ebs)).is_empty());
        let in_tree = "awsElasticBlockStore: {volumeID: vol-1}";
        assert_eq!(
            rules(&volume("ReadOnlyMany", in_tree)),
            ["access-mode-unsupported-by-driver"]
        );
        // hostPath and local volumes: the kubelet does not check access modes.
        assert!(rules(&volume("ReadWriteMany", "hostPath: {path: /data}")).is_empty());
        let nfs_block = volume(
            "ReadWriteMany",
            "csi: {driver: nfs.csi.k8s.io, volumeHandle: x}",
        )
        .replace("spec:\n", "spec:\n  volumeMode: Block\n");
        assert_eq!(rules(&nfs_block), ["volume-mode-unsupported-by-driver"]);
    }

    #[test]
    fn expansion_on_a_class_whose_driver_never_resizes() {
        let class = |provisioner: &str, allow: bool| {
            format!("apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {{name: sc}}\nprovisioner: {provisioner}\nallowVolumeExpansion: {allow}\n")
        };
        assert_eq!(
            rules(&class("openebs.io/local", true)),
            ["expansion-unsupported-by-driver"]
        );
        assert!(rules(&class("openebs.io/local", false)).is_empty());
        // Whether local-path resizes depends on its release.
        assert!(rules(&class("rancher.io/local-path", true)).is_empty());
        assert!(rules(&class("ebs.csi.aws.com", true)).is_empty());
        assert!(rules(&class("kubernetes.io/no-provisioner", true)).is_empty());
        assert!(rules(&class("example.com/unknown", true)).is_empty());
    }
}
