//! What the Kubernetes release planned for no longer serves (rules/removals/): objects written
//! at removed API versions, classes whose in-tree provisioner is gone, and volumes whose in-tree
//! source no kubelet mounts any more.

use crate::binding::{BindingPlan, Outcome};
use crate::findings::{Finding, Pointer};
use crate::model::{Snapshot, VolumePlugin};
use crate::removals;
use crate::rules::ids;

pub fn check(snapshot: &Snapshot, plan: &BindingPlan, findings: &mut Vec<Finding>) {
    check_api_versions(snapshot, findings);
    check_provisioners(snapshot, plan, findings);
    check_volume_sources(snapshot, findings);
}

fn check_api_versions(snapshot: &Snapshot, findings: &mut Vec<Finding>) {
    let target = snapshot.kubernetes_version;
    for object in &snapshot.retired_api_objects {
        let Some(removed) = removals::api(&object.api_version, object.key.kind) else {
            continue;
        };
        if removed.removed_in > target {
            continue;
        }
        let kind = object.key.kind;
        let gone = match &removed.served_by {
            Some(by) => format!("which is no longer served by {by}"),
            None => format!(
                "which Kubernetes {target} does not serve (removed in {})",
                removed.removed_in
            ),
        };
        // The loader reads the kinds it plans whatever their version, so say how.
        let planned = if kind == "StorageClass" {
            format!("; the plan reads it as {}", removed.replacement)
        } else {
            String::new()
        };
        findings.push(
            Finding::new(
                ids::REMOVED_API_VERSION,
                object.key.clone(),
                format!(
                    "{} is written as {}, {gone}: kubectl apply fails with no matches for kind \"{kind}\" in version \"{}\"{planned}",
                    object.key, object.api_version, object.api_version
                ),
            )
            .at(
                Pointer::field(object.source.as_ref(), "apiVersion"),
                format!("not served in {target}"),
            )
            .help(format!("write apiVersion: {}", removed.replacement)),
        );
    }
}

fn check_provisioners(snapshot: &Snapshot, plan: &BindingPlan, findings: &mut Vec<Finding>) {
    let target = snapshot.kubernetes_version;
    for (i, class) in snapshot.classes.iter().enumerate() {
        let Some(removed) = removals::provisioner(&class.provisioner, target) else {
            continue;
        };
        let pending = plan
            .claims
            .iter()
            .filter(|c| c.class_index == Some(i) && c.outcome == Outcome::Pending)
            .count();
        let claims = match pending {
            0 => "every claim of the class stays Pending".to_owned(),
            1 => "every claim of the class stays Pending (1 in the input)".to_owned(),
            n => format!("every claim of the class stays Pending ({n} in the input)"),
        };
        findings.push(
            Finding::new(
                ids::REMOVED_PROVISIONER,
                class.key(),
                format!(
                    "StorageClass {} names provisioner {}, whose in-tree plugin was removed in Kubernetes {} without CSI migration: in {target} nothing provisions its volumes (ProvisioningFailed: no volume plugin matched name: {}), and {claims}",
                    class.meta.name, class.provisioner, removed.removed_in, class.provisioner
                ),
            )
            .at(
                Pointer::field(class.meta.source.as_ref(), "provisioner"),
                format!("removed in {}", removed.removed_in),
            )
            .help(format!(
                "provision with {} instead, and move the claims to a class of it",
                removed.replacement
            )),
        );
    }
}

fn check_volume_sources(snapshot: &Snapshot, findings: &mut Vec<Finding>) {
    let target = snapshot.kubernetes_version;
    for volume in &snapshot.volumes {
        let VolumePlugin::InTree(name) = &volume.plugin else {
            continue;
        };
        let Some(removed) = removals::plugin(name, target) else {
            continue;
        };
        let field = format!("spec.{}", removed.volume_source);
        findings.push(
            Finding::new(
                ids::REMOVED_VOLUME_PLUGIN,
                volume.key(),
                format!(
                    "PersistentVolume {} uses the in-tree {} source, whose plugin was removed in Kubernetes {} without CSI migration: in {target} it can still bind, but every pod that uses it stays in ContainerCreating because no kubelet can mount it",
                    volume.meta.name, removed.volume_source, removed.removed_in
                ),
            )
            .at(
                Pointer::field(volume.meta.source.as_ref(), &field),
                format!("removed in {}", removed.removed_in),
            )
            .help(format!(
                "recreate the volume as a csi volume of {}",
                removed.replacement
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::load::{load_str, LoadOptions};
    use crate::model::KubernetesVersion;
    use crate::report;

    const GLUSTER: &str = "apiVersion: storage.k8s.io/v1beta1\nkind: StorageClass\nmetadata: {name: gluster}\nprovisioner: kubernetes.io/glusterfs\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec:\n  storageClassName: gluster\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n---\napiVersion: v1\nkind: PersistentVolume\nmetadata: {name: old}\nspec:\n  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteMany]\n  storageClassName: \"\"\n  glusterfs: {endpoints: gluster, path: vol}\n";

    /// The outcome of the claim and the rules reported, planned for `1.<minor>`.
    fn plan_for(minor: u32) -> (&'static str, Vec<&'static str>) {
        let mut loaded = load_str("t.yaml", GLUSTER, &LoadOptions::default());
        loaded.snapshot.kubernetes_version = KubernetesVersion { major: 1, minor };
        let report = report::plan(&loaded);
        let mut rules: Vec<&str> = report.findings.iter().map(|f| f.rule).collect();
        rules.sort_unstable();
        rules.dedup();
        let outcome = report.claims.get(0).unwrap().outcome;
        (outcome, rules)
    }

    #[test]
    fn what_a_release_removed_depends_on_the_release() {
        // 1.21 still serves storage.k8s.io/v1beta1 and has the GlusterFS plugin.
        let (outcome, rules) = plan_for(21);
        assert_eq!(outcome, "provisions");
        assert!(
            !rules.iter().any(|r| r.starts_with("removed-")),
            "{rules:?}"
        );
        // 1.25 no longer serves the class's version, but still provisions GlusterFS.
        let (outcome, rules) = plan_for(25);
        assert_eq!(outcome, "provisions");
        assert!(rules.contains(&"removed-api-version"), "{rules:?}");
        assert!(!rules.contains(&"removed-provisioner"), "{rules:?}");
        // From 1.26 nothing provisions the claim, and the volume does not mount.
        let (outcome, rules) = plan_for(26);
        assert_eq!(outcome, "pending");
        for rule in [
            "removed-api-version",
            "removed-provisioner",
            "removed-volume-plugin",
        ] {
            assert!(rules.contains(&rule), "{rule} in {rules:?}");
        }
    }
}
