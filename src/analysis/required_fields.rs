//! Fields the API server requires of the storage kinds (upstream pkg/apis/core/validation
//! `ValidatePersistentVolumeSpec`, `ValidatePersistentVolumeClaimSpec`, and
//! pkg/apis/storage/validation `ValidateStorageClass`): a claim's storage request, a volume's
//! storage capacity and its one volume source, a CSI volume's handle, a class's provisioner.
//! Objects read from a cluster passed validation and are not checked again.

use crate::findings::{Finding, Pointer};
use crate::model::Snapshot;
use crate::rules::ids;

use super::claim_specs::{self, Subject};

pub fn check(snapshot: &Snapshot, findings: &mut Vec<Finding>) {
    for claim in claim_specs::written_once(snapshot) {
        if claim.meta.exists || claim.request.is_some() {
            continue;
        }
        let subject = Subject::Claim(claim);
        findings.push(
            Finding::new(
                ids::MISSING_REQUIRED_FIELD,
                subject.object(),
                format!("{} requests no storage; the API server rejects it: \"spec.resources[storage]: Required value\"", subject.name()),
            )
            .at(Pointer::field(claim.meta.source.as_ref(), "spec.resources.requests.storage"), "storage request required")
            .help("add the size the volume must have, for example `resources: {requests: {storage: 10Gi}}`"),
        );
    }
    for volume in snapshot.volumes.iter().filter(|v| !v.meta.exists) {
        let name = &volume.meta.name;
        let source = volume.meta.source.as_ref();
        let mut report =
            |rule, path: &str, label: &'static str, message: String, help: &'static str| {
                findings.push(
                    Finding::new(rule, volume.key(), message)
                        .at(Pointer::field(source, path), label)
                        .help(help),
                );
            };
        if volume.capacity.is_none() {
            let upstream = if volume.capacity_written {
                "spec.capacity: Unsupported value: ...: supported values: \"storage\""
            } else {
                "spec.capacity: Required value"
            };
            report(
                ids::MISSING_REQUIRED_FIELD,
                "spec.capacity",
                "storage capacity required",
                format!("volume {name} has no storage capacity; the API server rejects it: \"{upstream}\""),
                "give the volume its size as `capacity: {storage: 10Gi}`, the only capacity entry volumes take",
            );
        }
        match volume.sources.as_slice() {
            [] => report(
                ids::MISSING_REQUIRED_FIELD,
                "spec",
                "no volume source",
                format!("volume {name} names no storage to use (no csi, nfs, hostPath, local or other volume source); the API server rejects it: \"spec: Required value: must specify a volume type\""),
                "add the source of the storage, usually `csi: {driver: <driver>, volumeHandle: <id>}`",
            ),
            [_, _, ..] => {
                // Upstream counts sources in its own order, and its flexVolume branch does not
                // look at the count: a flexVolume after another source passes.
                let written: Vec<&str> = crate::validation::VOLUME_SOURCES
                    .iter()
                    .copied()
                    .filter(|s| volume.sources.contains(s))
                    .collect();
                if let Some(refused) = written.iter().skip(1).find(|s| **s != "flexVolume") {
                    let all = written.join(", ");
                    report(
                        ids::SEVERAL_VOLUME_SOURCES,
                        &format!("spec.{refused}"),
                        "a second volume source",
                        format!("volume {name} has several volume sources ({all}); the API server rejects it: \"spec.{refused}: Forbidden: may not specify more than 1 volume type\""),
                        "keep the one source that points at the storage, and make another volume for the other",
                    );
                }
            }
            _ => {}
        }
        if volume.csi_volume_handle.as_deref() == Some("") {
            report(
                ids::MISSING_REQUIRED_FIELD,
                "spec.csi.volumeHandle",
                "volume handle required",
                format!("CSI volume {name} has an empty volumeHandle; the API server rejects it: \"spec.csi.volumeHandle: Required value\""),
                "set volumeHandle to the driver's id of the existing volume",
            );
        }
    }
    for class in snapshot.classes.iter().filter(|c| !c.meta.exists) {
        if !class.provisioner.is_empty() {
            continue;
        }
        findings.push(
            Finding::new(
                ids::MISSING_REQUIRED_FIELD,
                class.key(),
                format!("StorageClass {} names no provisioner; the API server rejects it: \"provisioner: Required value\"", class.meta.name),
            )
            .at(Pointer::field(class.meta.source.as_ref(), "provisioner"), "provisioner required")
            .help("name the driver that provisions the volumes, or `kubernetes.io/no-provisioner` for a class of volumes made by hand"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::findings;

    fn rules(text: &str) -> Vec<(&'static str, String)> {
        findings(text)
            .into_iter()
            .filter(|f| matches!(f.rule, "missing-required-field" | "several-volume-sources"))
            .map(|f| (f.rule, f.message))
            .collect()
    }

    #[test]
    fn a_volume_needs_capacity_and_exactly_one_source() {
        let none = rules("apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: pv}\nspec:\n  accessModes: [ReadWriteOnce]\n");
        assert_eq!(none.len(), 2, "{none:?}");
        assert!(
            none[0].1.contains("spec.capacity: Required value"),
            "{none:?}"
        );
        assert!(none[1].1.contains("must specify a volume type"), "{none:?}");
        let two = rules("apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: pv}\nspec:\n  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n  hostPath: {path: /x}\n  nfs: {server: s, path: /x}\n");
        assert_eq!(two.len(), 1, "{two:?}");
        assert_eq!(two[0].0, "several-volume-sources");
        assert!(two[0].1.contains("spec.nfs: Forbidden"), "{two:?}");
    }

    #[test]
    fn a_claim_needs_a_storage_request() {
        let found = rules("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c, namespace: d}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {limits: {storage: 1Gi}}\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0]
            .1
            .contains("spec.resources[storage]: Required value"));
    }
}
