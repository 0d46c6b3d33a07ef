//! Mount options on a PersistentVolume whose volume type cannot take them: the kubelet refuses
//! to mount (`checkMountOptionSupport` in the operation generator asks the plugin's
//! `SupportsMountOption`), and the API server refuses the old mount-options annotation on
//! types outside its list (`checkMountOption` in pkg/volume/validation/pv_validation.go).

use crate::findings::{Finding, Pointer};
use crate::model::{Snapshot, Volume, VolumePlugin};
use crate::rules::ids;

/// In-tree plugins whose `SupportsMountOption` is false in v1.36 among those a PV can use.
const REFUSE_MOUNT_OPTIONS: &[&str] = &["kubernetes.io/host-path", "flexVolume"];

pub fn check(snapshot: &Snapshot, findings: &mut Vec<Finding>) {
    for volume in &snapshot.volumes {
        // A volume with no source written is a fragment; what it mounts is unknown.
        if volume.plugin == VolumePlugin::Unknown {
            continue;
        }
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
