//! Names the API server refuses in the storage kinds: object names and class names must be
//! lowercase RFC 1123 subdomains (upstream `ValidatePersistentVolumeName` and
//! `ValidateClassName`), a CSI driver name too, of at most 63 characters
//! (`ValidateCSIDriverName`), and a provisioner a qualified name (storage validation
//! `validateProvisioner`). Objects read from a cluster passed validation and are not checked.

use crate::findings::{Finding, Pointer};
use crate::model::selector::{is_dns_subdomain, qualified_name_problem};
use crate::model::{ClaimOrigin, Snapshot};
use crate::rules::ids;
use crate::validation::names::{self, substituted, SUBDOMAIN};

use super::claim_specs::{self, Subject};

struct Named<'a> {
    subject: Subject<'a>,
    source: Option<&'a crate::load::source::ObjectSource>,
}

impl Named<'_> {
    fn report(&self, findings: &mut Vec<Finding>, path: &str, value: &str, problem: &str) {
        findings.push(
            Finding::new(
                ids::INVALID_NAME,
                self.subject.object(),
                format!("{}: {path} {value:?} is not a valid name; the API server rejects it: \"{path}: Invalid value: {value:?}: {problem}\"", self.subject.name()),
            )
            .at(Pointer::field(self.source, path), "not a valid name")
            .help("use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit (a template placeholder must be replaced before applying)"),
        );
    }

    /// A subdomain check; empty values are left to the fields' own rules.
    fn subdomain(&self, findings: &mut Vec<Finding>, path: &str, value: &str) {
        if !value.is_empty() && !substituted(value) {
            for problem in names::subdomain(value) {
                self.report(findings, path, value, &problem);
            }
        }
    }
}

pub fn check(snapshot: &Snapshot, findings: &mut Vec<Finding>) {
    for claim in claim_specs::written_once(snapshot) {
        if claim.meta.exists {
            continue;
        }
        let named = Named {
            subject: Subject::Claim(claim),
            source: claim.meta.source.as_ref(),
        };
        // A template's claims are named by the StatefulSet controller.
        if claim.origin == ClaimOrigin::Manifest {
            named.subdomain(findings, "metadata.name", &claim.meta.name);
        }
        if let Some(class) = &claim.spec_class {
            named.subdomain(findings, "spec.storageClassName", class);
        }
    }
    for volume in snapshot.volumes.iter().filter(|v| !v.meta.exists) {
        let named = Named {
            subject: Subject::Volume(volume),
            source: volume.meta.source.as_ref(),
        };
        named.subdomain(findings, "metadata.name", &volume.meta.name);
        if let Some(class) = &volume.spec_class {
            named.subdomain(findings, "spec.storageClassName", class);
        }
        if let crate::model::VolumePlugin::Csi(driver) = &volume.plugin {
            // Driver names compare case-insensitively, so upstream checks them lowercased.
            if driver.len() > 63 {
                named.report(
                    findings,
                    "spec.csi.driver",
                    driver,
                    "must have at most 63 characters",
                );
            } else if !driver.is_empty() && !is_dns_subdomain(&driver.to_lowercase()) {
                named.report(findings, "spec.csi.driver", driver, SUBDOMAIN);
            }
        }
    }
    for class in snapshot.classes.iter().filter(|c| !c.meta.exists) {
        let named = Named {
            subject: Subject::Class(class),
            source: class.meta.source.as_ref(),
        };
        named.subdomain(findings, "metadata.name", &class.meta.name);
        if class.provisioner.is_empty() {
            continue;
        }
        if substituted(&class.provisioner) {
            continue;
        }
        if let Some(problem) = qualified_name_problem(&class.provisioner.to_lowercase()) {
            named.report(findings, "provisioner", &class.provisioner, &problem);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::findings;

    fn names(text: &str) -> Vec<String> {
        findings(text)
            .into_iter()
            .filter(|f| f.rule == "invalid-name")
            .map(|f| f.message)
            .collect()
    }

    #[test]
    fn placeholders_and_capitals_are_refused() {
        let found = names("apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: PV_NAME}\nspec:\n  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n  storageClassName: Fast\n  csi: {driver: Example.com/disk, volumeHandle: h}\n");
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].contains("metadata.name \"PV_NAME\""), "{found:?}");
        assert!(found[2].contains("spec.csi.driver"), "{found:?}");
    }

    #[test]
    fn valid_names_pass() {
        assert!(names("apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: fast.ssd}\nprovisioner: ebs.csi.aws.com\n").is_empty());
        assert!(names("apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: local}\nprovisioner: kubernetes.io/no-provisioner\n").is_empty());
    }
}
