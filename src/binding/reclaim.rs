//! What reclaiming a volume whose claim is gone does, by policy and by volume source, as the
//! PV controller of kube-controller-manager v1.36 does it (upstream
//! pkg/controller/volume/persistentvolume/pv_controller.go: `reclaimVolume`,
//! `deleteVolumeOperation`, `findDeletablePlugin`) and as a CSI driver's external-provisioner
//! does it (sig-storage-lib-external-provisioner controller.go: `isProvisionerForVolume`,
//! `shouldDelete`).
//!
//! The only in-tree deleter left in kube-controller-manager is hostPath's
//! (cmd/kube-controller-manager/app/plugins.go registers hostPath, NFS, FC, iSCSI and CSI; NFS
//! can only recycle, FC and iSCSI can do neither). Everything else is deleted by an external
//! provisioner or not at all.

use std::borrow::Cow;

use crate::model::{ReclaimPolicy, Volume, VolumePhase};

use super::outcome::OnClaimDelete;

/// In-tree plugins whose volumes the PV controller hands to a CSI driver (upstream
/// pkg/volume/csimigration `IsMigrationEnabledForPlugin`, names from csi-translation-lib): it
/// writes `pv.kubernetes.io/migrated-to` and stands down.
const MIGRATED_PLUGINS: [(&str, &str); 7] = [
    ("kubernetes.io/aws-ebs", "ebs.csi.aws.com"),
    ("kubernetes.io/gce-pd", "pd.csi.storage.gke.io"),
    ("kubernetes.io/azure-file", "file.csi.azure.com"),
    ("kubernetes.io/azure-disk", "disk.csi.azure.com"),
    ("kubernetes.io/cinder", "cinder.csi.openstack.org"),
    ("kubernetes.io/vsphere-volume", "csi.vsphere.vmware.com"),
    ("kubernetes.io/portworx-volume", "pxd.portworx.com"),
];

const HOST_PATH: &str = "kubernetes.io/host-path";

/// Who deletes a volume with policy Delete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Deleter {
    /// kube-controller-manager's in-tree deleter, which then deletes the volume object.
    ControllerManager,
    /// An external provisioner (a CSI driver's csi-provisioner sidecar) the plan cannot see:
    /// until it acts the volume stays Released.
    External(String),
}

impl Deleter {
    pub fn as_str(&self) -> &'static str {
        match self {
            Deleter::ControllerManager => "kube-controller-manager",
            Deleter::External(_) => "external-provisioner",
        }
    }
}

/// The fate of a volume once its claim is gone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reclaim {
    pub fate: OnClaimDelete,
    /// The phase the PV controller leaves it in: Released, Failed (reclaiming failed, data
    /// kept), or Available (recycled). A volume deleted by kube-controller-manager is Released
    /// until its object is gone.
    pub phase: VolumePhase,
    pub deleter: Option<Deleter>,
    /// Most reasons are fixed text: borrowed, so a plan of many volumes does not copy them.
    pub reason: Cow<'static, str>,
}

impl Reclaim {
    fn new(
        fate: OnClaimDelete,
        phase: VolumePhase,
        reason: impl Into<Cow<'static, str>>,
    ) -> Reclaim {
        Reclaim {
            fate,
            phase,
            deleter: None,
            reason: reason.into(),
        }
    }

    fn failed(reason: String) -> Reclaim {
        Reclaim::new(OnClaimDelete::Retained, VolumePhase::Failed, reason)
    }

    fn deleted_by(deleter: Deleter, reason: String) -> Reclaim {
        Reclaim {
            deleter: Some(deleter),
            ..Reclaim::new(OnClaimDelete::Deleted, VolumePhase::Released, reason)
        }
    }

    /// The phase once reclaimed, given what the volume shows now: a Failed volume stays Failed
    /// unless kube-controller-manager's deleter, retried on every sync, removes it; an external
    /// provisioner only deletes Released volumes (`shouldDelete`).
    pub fn phase_after(&self, written: Option<VolumePhase>) -> VolumePhase {
        match written {
            Some(VolumePhase::Failed) if self.deleter != Some(Deleter::ControllerManager) => {
                VolumePhase::Failed
            }
            _ => self.phase,
        }
    }
}

/// What reclaiming `volume` does.
pub fn reclaim(volume: &Volume) -> Reclaim {
    if let Some(driver) = migrated_to(volume) {
        // `reclaimVolume` stands down for migrated volumes, whatever the policy.
        return match volume.reclaim_policy_or_default() {
            ReclaimPolicy::Delete => Reclaim::deleted_by(
                Deleter::External(driver.to_owned()),
                format!("reclaim policy Delete: the volume is migrated to CSI driver {driver} (pv.kubernetes.io/migrated-to), whose csi-provisioner deletes it and its data; until one runs, it stays Released"),
            ),
            policy => Reclaim::new(
                OnClaimDelete::Retained,
                VolumePhase::Released,
                format!("reclaim policy {}: the volume is migrated to CSI driver {driver}, which the PV controller leaves it to, and nothing recycles it: it stays Released with its data", policy.as_str()),
            ),
        };
    }
    match volume.reclaim_policy_or_default() {
        ReclaimPolicy::Retain => Reclaim::new(
            OnClaimDelete::Retained,
            VolumePhase::Released,
            "reclaim policy Retain: the volume and its data are kept, Released, until an admin reuses or deletes it",
        ),
        ReclaimPolicy::Delete => delete(volume),
        ReclaimPolicy::Recycle => {
            if volume.plugin.is_host_path() || volume.plugin.name() == "kubernetes.io/nfs" {
                Reclaim::new(
                    OnClaimDelete::Recycled,
                    VolumePhase::Available,
                    "reclaim policy Recycle (deprecated): the data is scrubbed (rm -rf) and the volume becomes Available again",
                )
            } else {
                Reclaim::failed(format!(
                    "reclaim policy Recycle, which only NFS and hostPath volumes support: this {} volume turns Failed and its data stays",
                    volume.plugin.name()
                ))
            }
        }
    }
}

/// Policy Delete, in the order of upstream `findDeletablePlugin`: the plugin named by
/// `pv.kubernetes.io/provisioned-by`, then a CSI volume's external deleter, then a plugin
/// found by the volume's source.
fn delete(volume: &Volume) -> Reclaim {
    match volume.provisioned_by().filter(|p| !p.is_empty()) {
        Some(HOST_PATH) => host_path(volume, "provisioned by kubernetes.io/host-path"),
        // An in-tree name the controller manager no longer has a deleter for (removed plugins
        // such as glusterfs, or nfs, which cannot delete): the delete fails.
        Some(plugin) if plugin.starts_with("kubernetes.io/") => Reclaim::failed(format!(
            "reclaim policy Delete, but the volume names {plugin} as its provisioner and kube-controller-manager has no deleter of that name (only hostPath's is left): the delete fails, the volume turns Failed and its data stays"
        )),
        // Most volumes of a large cluster: joined, not formatted.
        Some(provisioner) => Reclaim::deleted_by(
            Deleter::External(provisioner.to_owned()),
            [
                "reclaim policy Delete: ",
                provisioner,
                "'s external provisioner (the driver's csi-provisioner) deletes the volume and its data; until one runs, it stays Released",
            ]
            .concat(),
        ),
        None => match &volume.plugin {
            crate::model::VolumePlugin::Csi(driver) => Reclaim::deleted_by(
                Deleter::External(driver.clone()),
                format!("reclaim policy Delete on a CSI volume made by hand (no pv.kubernetes.io/provisioned-by): the PV controller leaves it to {driver}'s csi-provisioner, whose recent releases delete it and its data too; older ones, or none running, leave it Released"),
            ),
            plugin if plugin.is_host_path() => host_path(volume, "a hostPath volume"),
            plugin => Reclaim::failed(format!(
                "reclaim policy Delete, but the volume was not dynamically provisioned (no pv.kubernetes.io/provisioned-by) and kube-controller-manager has no deleter for {} volumes: the delete fails, the volume turns Failed and its data stays",
                plugin.name()
            )),
        },
    }
}

/// hostPath's in-tree deleter (upstream pkg/volume/hostpath `hostPathDeleter.Delete`) accepts
/// any path the unanchored regexp `/tmp/.+` matches and removes it on the machine running
/// kube-controller-manager, not on the node.
fn host_path(volume: &Volume, what: &str) -> Reclaim {
    let Some(path) = volume.host_path.as_deref() else {
        return Reclaim::failed(format!(
            "reclaim policy Delete, {what}, but it has no spec.hostPath for the hostPath deleter: the delete fails, the volume turns Failed and its data stays"
        ));
    };
    if host_path_deletable(path) {
        Reclaim::deleted_by(
            Deleter::ControllerManager,
            format!("reclaim policy Delete, {what} under /tmp: kube-controller-manager's hostPath deleter removes {path} on its own machine (not on the node, whose files stay) and deletes the volume"),
        )
    } else {
        Reclaim::failed(format!(
            "reclaim policy Delete, {what}, but the hostPath deleter only deletes paths matching /tmp/.+ and this one is {path}: the volume turns Failed and its data stays"
        ))
    }
}

/// Whether the unanchored regexp `/tmp/.+` matches: "/tmp/" somewhere, then at least one
/// character that is not a newline (RE2's `.`).
fn host_path_deletable(path: &str) -> bool {
    path.match_indices("/tmp/")
        .any(|(at, _)| path[at + 5..].chars().next().is_some_and(|c| c != '\n'))
}

/// The CSI driver the volume is migrated to once the PV controller's volume sync has set its
/// annotations (upstream `updateVolumeMigrationAnnotationsAndFinalizers`): from
/// `provisioned-by` when present, otherwise the annotation as written.
fn migrated_to(volume: &Volume) -> Option<&str> {
    match volume.provisioned_by() {
        Some(provisioner) => MIGRATED_PLUGINS
            .iter()
            .find(|(plugin, _)| *plugin == provisioner)
            .map(|(_, driver)| *driver),
        None => volume.migrated_to(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_path_regexp_is_unanchored() {
        for path in ["/tmp/x", "/var/tmp/x", "/data/tmp/a/b", "/tmp//"] {
            assert!(host_path_deletable(path), "{path}");
        }
        for path in ["/tmp", "/tmp/", "/data", "/tmpx/y", "/tmp/\n"] {
            assert!(!host_path_deletable(path), "{path}");
        }
    }
}
