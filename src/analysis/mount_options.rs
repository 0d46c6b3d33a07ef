//! Mount options on a PersistentVolume whose volume type cannot take them: the kubelet refuses
//! to mount (`checkMountOptionSupport` in the operation generator asks the plugin's
//! `SupportsMountOption`), and the API server refuses the old mount-options annotation on
//! types outside its list (`checkMountOption` in pkg/volume/validation/pv_validation.go).

use crate::findings::{Finding, Pointer};
use crate::model::{Snapshot, Volume, VolumePlugin};
use crate::rules::ids;

/// The annotation that carried mount options before `spec.mountOptions`.
const MOUNT_OPTIONS_ANNOTATION: &str = "volume.beta.kubernetes.io/mount-options";

/// In-tree plugins whose `SupportsMountOption` is false in v1.36 among those a PV can use.
const REFUSE_MOUNT_OPTIONS: &[&str] = &["kubernetes.io/host-path", "flexVolume"];

/// The sources the API server accepts the annotation on (`checkMountOption`).
const ANNOTATION_ALLOWED: &[&str] = &[
    "kubernetes.io/gce-pd",
    "kubernetes.io/aws-ebs",
    "kubernetes.io/glusterfs",
    "kubernetes.io/nfs",
    "kubernetes.io/rbd",
    "kubernetes.io/quobyte",
    "kubernetes.io/iscsi",
    "kubernetes.io/cinder",
    "kubernetes.io/cephfs",
    "kubernetes.io/azure-file",
    "kubernetes.io/vsphere-volume",
    "kubernetes.io/azure-disk",
    "kubernetes.io/photon-pd",
];

pub fn check(snapshot: &Snapshot, findings: &mut Vec<Finding>) {
    for volume in &snapshot.volumes {
        // A volume with no source written is a fragment; what it mounts is unknown.
        if volume.plugin == VolumePlugin::Unknown {
            continue;
        }
        check_annotation(volume, findings);
        check_spec(volume, findings);
    }
}

fn check_spec(volume: &Volume, findings: &mut Vec<Finding>) {
    let VolumePlugin::InTree(plugin) = &volume.plugin else {
        return;
    };
    if volume.mount_options.is_empty() || !REFUSE_MOUNT_OPTIONS.contains(plugin) {
        return;
    }
    findings.push(
        Finding::new(
            ids::MOUNT_OPTIONS_UNSUPPORTED,
            volume.key(),
            format!(
                "PersistentVolume {} sets mountOptions on a {plugin} volume, which takes none: the kubelet refuses to mount it (\"mount options are not supported for this volume type\") and every pod that uses it stays in ContainerCreating",
                volume.meta.name
            ),
        )
        .at(
            Pointer::field(volume.meta.source.as_ref(), "spec.mountOptions"),
            "not supported by this volume type",
        )
        .help("remove spec.mountOptions; set up the directory on the node as it should be mounted"),
    );
}

fn check_annotation(volume: &Volume, findings: &mut Vec<Finding>) {
    if volume.meta.annotation(MOUNT_OPTIONS_ANNOTATION).is_none()
        || matches!(&volume.plugin, VolumePlugin::InTree(p) if ANNOTATION_ALLOWED.contains(p))
    {
        return;
    }
    findings.push(
        Finding::new(
            ids::MOUNT_OPTIONS_UNSUPPORTED,
            volume.key(),
            format!(
                "PersistentVolume {} carries the {MOUNT_OPTIONS_ANNOTATION} annotation on a {} volume: the API server refuses it (metadata.annotations[{MOUNT_OPTIONS_ANNOTATION}]: Forbidden: may not specify mount options for this volume type)",
                volume.meta.name,
                volume.plugin.name()
            ),
        )
        .at(
            Pointer::field(
                volume.meta.source.as_ref(),
                &format!("metadata.annotations[{MOUNT_OPTIONS_ANNOTATION:?}]"),
            ),
            "refused for this volume type",
        )
        .help("move the options to spec.mountOptions (for a CSI volume the driver receives them) and drop the annotation"),
    );
}
