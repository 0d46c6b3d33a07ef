//! StorageClass parameters the class's driver does not read, judged by the driver catalogue's
//! `parameters` (rules/drivers/): a key that belongs to another driver (`type: pd-ssd` on a
//! local-path class), or, where the catalogue's list is complete, a key no release of the
//! driver knows. Drivers without a parameter list, and unknown provisioners, are never judged.

use crate::drivers::{self, UnknownKeys};
use crate::findings::{Finding, Pointer, Severity};
use crate::model::Snapshot;
use crate::rules::ids;

/// Keys the external-provisioner reads and removes before CreateVolume (secrets, the file
/// system type), common to every CSI driver.
const EXTERNAL_PROVISIONER_PREFIX: &str = "csi.storage.k8s.io/";

pub fn check(snapshot: &Snapshot, findings: &mut Vec<Finding>) {
    for class in &snapshot.classes {
        // In-tree names reach the CSI driver through csi-translation-lib, which renames and
        // drops keys on the way: their parameters are not the driver's own.
        if class.provisioner.starts_with("kubernetes.io/") {
            continue;
        }
        let Some(driver) = drivers::lookup(&class.provisioner) else {
            continue;
        };
        let Some(params) = &driver.parameters else {
            continue;
        };
        for key in class.parameters.keys() {
            if key.starts_with(EXTERNAL_PROVISIONER_PREFIX) || params.reads(key) {
                continue;
            }
            // The file system type is spelled by many drivers alike; naming one owner misleads.
            let owners: Vec<&str> = if key.eq_ignore_ascii_case("fstype") {
                Vec::new()
            } else {
                drivers::parameter_readers(key)
                    .filter(|d| d.id != driver.id)
                    .map(|d| d.name.as_str())
                    .collect()
            };
            if owners.is_empty() && !params.complete {
                continue;
            }
            let whose = if owners.is_empty() {
                format!("is not a parameter of the {}", driver.name)
            } else {
                format!(
                    "is a parameter of the {}, not of the {}",
                    owners.join(" and the "),
                    driver.name
                )
            };
            let (effect, severity) = match params.unknown_keys {
                UnknownKeys::Rejected => (
                    "the driver refuses keys it does not know, so provisioning fails and every claim of the class stays Pending",
                    Severity::Error,
                ),
                UnknownKeys::Ignored => (
                    "the provisioner ignores it, so it has no effect",
                    Severity::Warning,
                ),
            };
            let mut finding = Finding::new(
                ids::UNKNOWN_CLASS_PARAMETER,
                class.key(),
                format!(
                    "StorageClass {}: parameter {key:?} {whose} ({}): {effect}",
                    class.meta.name, class.provisioner
                ),
            )
            .at(
                Pointer::field(class.meta.source.as_ref(), &format!("parameters[{key:?}]")),
                "not read by this driver",
            )
            .help(match &params.settings_elsewhere {
                Some(elsewhere) => format!(
                    "remove it: the driver reads its settings from {elsewhere}, not from parameters (see {})",
                    params.source
                ),
                None => format!(
                    "remove it, or use the driver's own parameter (see {})",
                    params.source
                ),
            });
            finding.severity = severity;
            findings.push(finding);
        }
    }
}
