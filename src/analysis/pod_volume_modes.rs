//! A container must use a claim the way its volume mode says: a Filesystem claim through
//! `volumeMounts`, a Block claim through `volumeDevices`. The kubelet checks this when it sets up
//! the pod's volumes (pkg/kubelet/volumemanager/populator, `createVolumeSpec`) and refuses the
//! pod otherwise: it never starts, and its FailedMount events say
//! `volume NAME has volumeMode Block, but is specified in volumeMounts`. The API accepts such a
//! pod, so nothing stops it before it reaches a node.

use std::collections::HashSet;

use crate::findings::{Finding, Pointer};
use crate::model::{Snapshot, VolumeMode};
use crate::rules::ids;

pub fn check(snapshot: &Snapshot, findings: &mut Vec<Finding>) {
    let claims = snapshot.claims_by_name();
    for workload in snapshot.workloads.iter().filter(|w| !w.finished) {
        let ns = workload.meta.namespace.as_deref().unwrap_or_default();
        // Each field is reported once, by the first pod whose claim contradicts it: the pods of a
        // template share its text.
        let mut reported: HashSet<&str> = HashSet::new();
        for pod in 0..workload.distinct_pods().max(1) {
            for (volume, claim_name) in workload.volume_claims_of_pod(pod) {
                let Some(&c) = claims.get(&(ns, claim_name.as_str())) else {
                    continue;
                };
                let claim = &snapshot.claims[c];
                let Ok(mode) = &claim.volume_mode else {
                    continue;
                };
                for usage in workload.template.uses.iter().filter(|u| u.volume == volume) {
                    let wrong = match mode {
                        VolumeMode::Block => !usage.device,
                        VolumeMode::Filesystem => usage.device,
                    };
                    if !wrong || !reported.insert(usage.path.as_str()) {
                        continue;
                    }
                    let (field, needed) = if usage.device {
                        ("volumeDevices", "volumeMounts (with a mountPath)")
                    } else {
                        ("volumeMounts", "volumeDevices (with a devicePath)")
                    };
                    let other_mode = match mode {
                        VolumeMode::Block => "Filesystem (the default)",
                        VolumeMode::Filesystem => "Block",
                    };
                    let claim_name = match claim.origin.describe_template() {
                        Some(template) => format!("{} ({template})", claim.meta.qualified_name()),
                        None => claim.meta.qualified_name(),
                    };
                    findings.push(
                        Finding::new(
                            ids::POD_VOLUME_MODE_MISMATCH,
                            workload.key(),
                            format!(
                                "container {:?} of {} uses volume {volume:?} (claim {claim_name}, volumeMode {}) through {field}: the kubelet refuses to set up the pod's volumes (volume {volume} has volumeMode {}, but is specified in {field}), and the pod never starts",
                                usage.container,
                                workload.key(),
                                mode.as_str(),
                                mode.as_str(),
                            ),
                        )
                        .at(
                            Pointer::field(workload.meta.source.as_ref(), &usage.path),
                            format!("a {} claim used through {field}", mode.as_str()),
                        )
                        .help(format!(
                            "use the volume through {needed}, or make the claim volumeMode {other_mode}"
                        )),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{load_str, LoadOptions};

    fn messages(text: &str) -> Vec<String> {
        let snapshot = load_str("t.yaml", text, &LoadOptions::default()).snapshot;
        let mut findings = Vec::new();
        check(&snapshot, &mut findings);
        findings.into_iter().map(|f| f.message).collect()
    }

    const STATEFULSET: &str = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db, namespace: shop}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec:\n      containers:\n        - name: db\n          image: postgres\n          volumeMounts: [{name: data, mountPath: /data}]\n  volumeClaimTemplates:\n    - metadata: {name: data}\n      spec: {volumeMode: Block, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n";

    #[test]
    fn a_statefulset_template_is_reported_once_for_all_its_pods() {
        let found = messages(STATEFULSET);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("volumeClaimTemplate data of StatefulSet shop/db"));
    }

    #[test]
    fn an_ephemeral_block_volume_must_be_a_device() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  containers:\n    - name: c\n      image: busybox\n      volumeDevices: [{name: scratch, devicePath: /dev/xvda}]\n  volumes:\n    - name: scratch\n      ephemeral: {volumeClaimTemplate: {spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}}}\n";
        let found = messages(pod);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("shop/p-scratch"), "{found:?}");
        assert!(messages(&pod.replace(
            "volumeDevices: [{name: scratch, devicePath: /dev/xvda}]",
            "volumeMounts: [{name: scratch, mountPath: /s}]"
        ))
        .is_empty());
    }
}
