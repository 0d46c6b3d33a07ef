//! Access-mode lists the API server rejects: an empty list, and ReadWriteOncePod next to other
//! modes. Checked on claims, volumeClaimTemplates and volumes.

use crate::findings::{Finding, Pointer};
use crate::model::{AccessMode, AccessModes, Snapshot};
use crate::rules::ids;

use super::claim_specs::{self, Subject};

pub fn check(snapshot: &Snapshot, findings: &mut Vec<Finding>) {
    for claim in claim_specs::written_once(snapshot) {
        let declared = Declared {
            modes: claim.access_modes,
            unknown: claim.unknown_access_modes.len(),
            subject: Subject::Claim(claim),
            pointer: Pointer::field(claim.meta.source.as_ref(), "spec.accessModes"),
        };
        declared.check(findings);
    }
    for volume in &snapshot.volumes {
        let declared = Declared {
            modes: volume.access_modes,
            unknown: volume.unknown_access_modes.len(),
            subject: Subject::Volume(volume),
            pointer: Pointer::field(volume.meta.source.as_ref(), "spec.accessModes"),
        };
        declared.check(findings);
    }
}

struct Declared<'a> {
    modes: AccessModes,
    /// Values that are not access modes at all (reported as `unsupported-value`).
    unknown: usize,
    subject: Subject<'a>,
    pointer: Option<Pointer>,
}

impl Declared<'_> {
    fn check(self, findings: &mut Vec<Finding>) {
        if self.modes.is_empty() && self.unknown == 0 {
            findings.push(
                Finding::new(
                    ids::EMPTY_ACCESS_MODES,
                    self.subject.object(),
                    format!("{} sets no access modes; the API server rejects it: \"spec.accessModes: Required value\"", self.subject.name()),
                )
                .at(self.pointer, "at least one access mode is required")
                .help("add the access mode the pods need, usually `accessModes: [ReadWriteOnce]`"),
            );
        } else if self.modes.contains(AccessMode::ReadWriteOncePod) && self.modes.len() > 1 {
            let others: Vec<&str> = self
                .modes
                .iter()
                .filter(|m| *m != AccessMode::ReadWriteOncePod)
                .map(AccessMode::as_str)
                .collect();
            findings.push(
                Finding::new(
                    ids::RWOP_MIXED_WITH_OTHER_MODES,
                    self.subject.object(),
                    format!(
                        "{} lists ReadWriteOncePod together with {}; the API server rejects it: \"spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes\"",
                        self.subject.name(),
                        others.join(", ")
                    ),
                )
                .at(self.pointer, "ReadWriteOncePod must stand alone")
                .help("keep only ReadWriteOncePod for one pod at a time, or drop it and keep the other modes"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::findings;

    fn rules(text: &str) -> Vec<(&'static str, String)> {
        findings(text)
            .into_iter()
            .map(|f| (f.rule, f.object.name))
            .collect()
    }

    #[test]
    fn a_template_is_reported_once_not_per_replica() {
        let sts = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db, namespace: d}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec: {containers: [{name: c, image: x}]}\n  volumeClaimTemplates:\n    - metadata: {name: data}\n      spec:\n        storageClassName: gone\n        accessModes: [ReadWriteOncePod, ReadOnlyMany]\n        resources: {requests: {storage: 1Gi}}\n";
        let found: Vec<_> = rules(sts)
            .into_iter()
            .filter(|(r, _)| *r == "rwop-mixed-with-other-modes")
            .collect();
        assert_eq!(found, [("rwop-mixed-with-other-modes", "db".to_owned())]);
    }

    #[test]
    fn volumes_are_checked_and_unknown_values_are_not_empty_lists() {
        let pv = "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: pv}\nspec:\n  capacity: {storage: 1Gi}\n  hostPath: {path: /x}\n";
        assert!(rules(pv).contains(&("empty-access-modes", "pv".to_owned())));
        let typo = pv.replace("spec:\n", "spec:\n  accessModes: [ReadWriteOnly]\n");
        let found = rules(&typo);
        assert!(!found.iter().any(|(r, _)| *r == "empty-access-modes"));
        assert!(found.contains(&("unsupported-value", "pv".to_owned())));
    }
}
