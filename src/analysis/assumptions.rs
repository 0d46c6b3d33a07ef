//! What the plan assumed about objects the input does not show. In a part of a cluster (a
//! repository's manifests) a claim's class, the volume it names or the default class are made
//! elsewhere; the plan goes on as if they exist and names them once, instead of a finding per
//! object. Complete input has no assumptions: what is absent there does not exist, and the
//! rules say so.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use crate::binding::{data_source, BindingPlan};
use crate::model::{Snapshot, WorkloadKind};

/// One object the plan assumed the cluster has.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Assumption {
    /// StorageClass, PersistentVolume, PersistentVolumeClaim or VolumeSnapshot.
    pub kind: &'static str,
    /// `None` for the cluster's default StorageClass, whatever its name.
    pub name: Option<String>,
    /// What relies on it: "claim ns/name", "volume name", "Pod ns/name".
    pub needed_by: Vec<String>,
}

/// Every assumption, sorted by kind and name; empty for complete input.
pub fn collect(snapshot: &Snapshot, plan: &BindingPlan) -> Vec<Assumption> {
    let mut assumed: BTreeMap<(&'static str, Option<String>), BTreeSet<String>> = BTreeMap::new();
    let mut assume = |kind, name: Option<&str>, by: String| {
        assumed
            .entry((kind, name.map(str::to_owned)))
            .or_default()
            .insert(by);
    };
    // Kinds the run could not read are told apart in the degraded note, not assumed.
    let classes_assumed =
        !snapshot.classes_complete && snapshot.unreadable("StorageClass").is_none();
    let volumes_assumed =
        !snapshot.volumes_complete && snapshot.unreadable("PersistentVolume").is_none();
    let claims_assumed =
        !snapshot.claims_complete && snapshot.unreadable("PersistentVolumeClaim").is_none();
    let claims = snapshot.claims_by_name();
    let snapshots: HashSet<(&str, &str)> = snapshot
        .volume_snapshots
        .iter()
        .map(|s| {
            (
                s.meta.namespace.as_deref().unwrap_or_default(),
                s.meta.name.as_str(),
            )
        })
        .collect();
    for (c, (claim, claim_plan)) in snapshot.claims.iter().zip(&plan.claims).enumerate() {
        let by = || format!("claim {}", claim.meta.qualified());
        // A claim that names its volume never asks for its class.
        let names_volume = claim_plan.volume.is_some();
        if classes_assumed && claim_plan.class_index.is_none() && !names_volume {
            if let Some(class) = &claim_plan.class {
                assume("StorageClass", Some(class), by());
            }
        }
        if classes_assumed && claim_plan.assumes_cluster_default {
            assume("StorageClass", None, by());
        }
        if volumes_assumed && claim_plan.volume_index.is_none() {
            if let Some(volume) = &claim_plan.volume {
                assume("PersistentVolume", Some(volume), by());
            }
        }
        // The snapshot restored or the claim cloned, when the part does not show it.
        if let (_, Some(source)) = data_source::admitted(snapshot, c) {
            let ns = source
                .namespace
                .as_deref()
                .or(claim.meta.namespace.as_deref())
                .unwrap_or_default();
            let key = (ns, source.name.as_str());
            let name = || format!("{ns}/{}", source.name);
            if source.is_snapshot() && !snapshot.snapshots_known() && !snapshots.contains(&key) {
                assume("VolumeSnapshot", Some(&name()), by());
            } else if source.is_claim() && claims_assumed && !claims.contains_key(&key) {
                assume("PersistentVolumeClaim", Some(&name()), by());
            }
        }
    }
    if claims_assumed {
        let known = |qualified: &str| {
            qualified
                .split_once('/')
                .is_some_and(|key| claims.contains_key(&key))
        };
        for (volume, volume_plan) in snapshot.volumes.iter().zip(&plan.volumes) {
            if let Some(reserved) = volume_plan.reserved_for.as_ref().filter(|r| !known(r)) {
                assume(
                    "PersistentVolumeClaim",
                    Some(reserved),
                    format!("volume {}", volume.meta.name),
                );
            }
        }
        for workload in &snapshot.workloads {
            if workload.kind == WorkloadKind::Pod && (workload.finished || workload.meta.deleting) {
                continue;
            }
            let ns = workload.meta.namespace.as_deref().unwrap_or_default();
            for usage in &workload.template.claims {
                if !claims.contains_key(&(ns, usage.claim.as_str())) {
                    let claim = format!("{ns}/{}", usage.claim);
                    assume(
                        "PersistentVolumeClaim",
                        Some(&claim),
                        format!(
                            "{} {}",
                            workload.kind.as_str(),
                            workload.meta.qualified_name()
                        ),
                    );
                }
            }
        }
    }
    assumed
        .into_iter()
        .map(|((kind, name), by)| Assumption {
            kind,
            name,
            needed_by: by.into_iter().collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{load_str, LoadOptions};

    fn assumptions(text: &str) -> Vec<Assumption> {
        let loaded = load_str("t.yaml", text, &LoadOptions::default());
        collect(&loaded.snapshot, &crate::binding::plan(&loaded.snapshot))
    }

    const PARTS: &str = "
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: app}
spec:
  storageClassName: fast
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: static, namespace: app}
spec:
  storageClassName: manual
  volumeName: pv-static
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: plain, namespace: app}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: restored, namespace: app}
spec:
  storageClassName: fast
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
  dataSource: {apiGroup: snapshot.storage.k8s.io, kind: VolumeSnapshot, name: nightly}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: app}
spec:
  containers: [{name: c, image: i}]
  volumes: [{name: v, persistentVolumeClaim: {claimName: elsewhere}}]
";

    #[test]
    fn a_part_of_a_cluster_assumes_what_it_does_not_show() {
        let got = assumptions(PARTS);
        let short: Vec<(&str, Option<&str>, Vec<&str>)> = got
            .iter()
            .map(|a| {
                (
                    a.kind,
                    a.name.as_deref(),
                    a.needed_by.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            short,
            vec![
                (
                    "PersistentVolume",
                    Some("pv-static"),
                    vec!["claim app/static"]
                ),
                (
                    "PersistentVolumeClaim",
                    Some("app/elsewhere"),
                    vec!["Pod app/web"]
                ),
                ("StorageClass", None, vec!["claim app/plain"]),
                (
                    "StorageClass",
                    Some("fast"),
                    vec!["claim app/data", "claim app/restored"]
                ),
                (
                    "VolumeSnapshot",
                    Some("app/nightly"),
                    vec!["claim app/restored"]
                ),
            ]
        );
    }

    #[test]
    fn a_dump_assumes_nothing() {
        let dump = format!("apiVersion: v1\nkind: List\nitems:\n{}", {
            let items: Vec<String> = PARTS
                .split("---")
                .map(|doc| {
                    let mut lines = doc.trim().lines();
                    let first = lines.next().unwrap_or_default();
                    let rest: Vec<String> = lines.map(|l| format!("  {l}")).collect();
                    format!("- {first}\n{}", rest.join("\n"))
                })
                .collect();
            items.join("\n")
        });
        assert_eq!(assumptions(&dump), Vec::new());
    }
}
