//! Classes of pre-created local volumes (`kubernetes.io/no-provisioner`): they must wait for the
//! pod before binding, and they offer only the volumes that exist.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::binding::{BindingPlan, Outcome};
use crate::findings::{Finding, Pointer};
use crate::fix::Fix;
use crate::model::storage::{VolumeMode, NO_PROVISIONER};
use crate::model::workload::statefulset_claim_name;
use crate::model::{
    AccessModes, BindingMode, Snapshot, Volume, VolumePhase, Workload, WorkloadKind,
};
use crate::rules::ids;

pub fn check(snapshot: &Snapshot, plan: &BindingPlan, findings: &mut Vec<Finding>) {
    immediate_binding(snapshot, findings);
    let mut sets = snapshot
        .workloads
        .iter()
        .filter(|w| w.kind == WorkloadKind::StatefulSet && w.pods > 0 && !w.finished)
        .peekable();
    if sets.peek().is_none() {
        return;
    }
    let mut claims: HashMap<(&str, &str), usize> = HashMap::default();
    for (c, claim) in snapshot.claims.iter().enumerate() {
        let ns = claim.meta.namespace.as_deref().unwrap_or_default();
        claims.entry((ns, claim.meta.name.as_str())).or_insert(c);
    }
    let local: HashSet<&str> = snapshot
        .classes
        .iter()
        .filter(|c| c.provisioner == NO_PROVISIONER)
        .map(|c| c.meta.name.as_str())
        .collect();
    let mut free: HashMap<&str, FreeVolumes> = HashMap::default();
    let mut taken: HashMap<usize, Vec<usize>> = HashMap::default();
    for (v, volume) in snapshot.volumes.iter().enumerate() {
        if volume.meta.deleting || !local.contains(volume.class()) {
            continue;
        }
        let volume_plan = &plan.volumes[v];
        match volume_plan.claim_index {
            Some(c) => taken.entry(c).or_default().push(v),
            None if volume_plan.reserved_for.is_none()
                && volume_plan.phase == VolumePhase::Available =>
            {
                free.entry(volume.class())
                    .or_default()
                    .by_kind
                    .entry((volume.volume_mode_or_default(), volume.access_modes.bits()))
                    .or_default()
                    .push((volume.capacity_nanos(), v));
            }
            None => {}
        }
    }
    for volumes in free.values_mut() {
        for group in volumes.by_kind.values_mut() {
            group.sort_unstable();
        }
    }
    let index = Index {
        claims,
        free,
        taken,
    };
    for workload in sets {
        statefulset_supply(snapshot, plan, &index, workload, findings);
    }
}

/// Claims by namespace and name; the volumes of local classes a replica's claim could have.
struct Index<'s> {
    claims: HashMap<(&'s str, &'s str), usize>,
    /// Free volumes by class.
    free: HashMap<&'s str, FreeVolumes>,
    /// Volumes of local classes by the claim they go to.
    taken: HashMap<usize, Vec<usize>>,
}

/// A class's free volumes by volume mode and access modes, smallest first: a StatefulSet
/// counts those that fit its template with a look-up per kind, not a walk over the class.
#[derive(Default)]
struct FreeVolumes {
    by_kind: HashMap<(VolumeMode, u8), Vec<(i128, usize)>>,
}

impl FreeVolumes {
    /// The volumes of at least `request` with `mode` and every access mode of `modes`, as
    /// many as fit, in no order: the smallest fitting run of each kind.
    fn fitting(
        &self,
        request: i128,
        mode: VolumeMode,
        modes: AccessModes,
    ) -> impl Iterator<Item = &[(i128, usize)]> {
        self.by_kind
            .iter()
            .filter(move |((m, bits), _)| {
                *m == mode && AccessModes::from_bits(*bits).contains_all(modes)
            })
            .map(move |(_, group)| &group[group.partition_point(|(c, _)| *c < request)..])
    }
}

/// A no-provisioner class that binds at once: the controller picks a node-local volume before
/// the scheduler has chosen a node for the pod. A class whose volumes in the input are all
/// reachable from any node (static NFS volumes, say) is left alone.
fn immediate_binding(snapshot: &Snapshot, findings: &mut Vec<Finding>) {
    for class in &snapshot.classes {
        if class.provisioner != NO_PROVISIONER || class.binding_mode != Ok(BindingMode::Immediate) {
            continue;
        }
        let volumes: Vec<&Volume> = snapshot
            .volumes
            .iter()
            .filter(|v| v.class() == class.meta.name)
            .collect();
        if !volumes.is_empty()
            && volumes
                .iter()
                .all(|v| v.node_affinity.is_none() && !v.plugin.is_local())
        {
            continue;
        }
        // Without its volumes in the input, the class is taken for what the provisioner name
        // is for: local volumes.
        let which = if volumes.is_empty() {
            "if its volumes are node-local (local volumes, what this provisioner name is for), a claim gets one"
        } else {
            "a claim gets one of its volumes, which are pinned to nodes or zones (node affinity),"
        };
        findings.push(
            Finding::new(
                ids::NO_PROVISIONER_IMMEDIATE_BINDING,
                class.key(),
                format!(
                    "StorageClass {} has pre-created volumes only ({NO_PROVISIONER}) and binds claims at once (volumeBindingMode Immediate, the default): {which} before the scheduler knows where its pod will run, and a pod that cannot run on that volume's nodes stays Pending with \"node(s) didn't match PersistentVolume's node affinity\"",
                    class.meta.name
                ),
            )
            .at(Pointer::field(class.meta.source.as_ref(), "volumeBindingMode"), "binds before the pod is placed")
            .fix(Fix::set(class.key(), class.meta.source.as_ref(), "volumeBindingMode", "WaitForFirstConsumer"))
            .help("set volumeBindingMode: WaitForFirstConsumer. The field cannot be changed on an existing class: delete the class and create it again (claims and volumes already bound keep their binding)"),
        );
    }
}

/// A StatefulSet's claim templates of a local class against the local volumes that could serve
/// them: each replica needs its own.
fn statefulset_supply(
    snapshot: &Snapshot,
    plan: &BindingPlan,
    index: &Index<'_>,
    workload: &Workload,
    findings: &mut Vec<Finding>,
) {
    let ns = workload.meta.namespace.as_deref().unwrap_or("default");
    for template in &workload.claim_templates {
        // The replicas' claims, by ordinal.
        let claims: Vec<Option<usize>> = (0..workload.pods)
            .map(|pod| {
                let ordinal = workload.ordinal_start.saturating_add(pod as i32);
                let name = statefulset_claim_name(&template.name, &workload.meta.name, ordinal);
                index.claims.get(&(ns, name.as_str())).copied()
            })
            .collect();
        let Some(first) = claims.iter().flatten().copied().next() else {
            continue;
        };
        let Some(class_index) = plan.claims[first].class_index else {
            continue;
        };
        let class = &snapshot.classes[class_index];
        if class.provisioner != NO_PROVISIONER {
            continue;
        }
        let claim = &snapshot.claims[first];
        let request = claim.request_or_zero();
        // The volumes already going to the replicas, and the free ones that fit them.
        let mut supply: Vec<usize> = claims
            .iter()
            .flatten()
            .filter_map(|c| index.taken.get(c))
            .flatten()
            .copied()
            .filter(|v| snapshot.volumes[*v].class() == class.meta.name)
            .collect();
        let fitting: Vec<&[(i128, usize)]> = index
            .free
            .get(class.meta.name.as_str())
            .map(|free| {
                free.fitting(
                    request.nanos(),
                    claim.volume_mode_or_default(),
                    claim.access_modes,
                )
                .collect()
            })
            .unwrap_or_default();
        if supply.len() + fitting.iter().map(|g| g.len()).sum::<usize>() >= workload.pods as usize {
            continue;
        }
        // Fewer than the replicas: few enough to name, in the input's order. (A volume is
        // either going to a claim or free, never both.)
        supply.extend(fitting.iter().flat_map(|g| g.iter().map(|(_, v)| *v)));
        supply.sort_unstable();
        let supply: Vec<&str> = supply
            .iter()
            .map(|v| snapshot.volumes[*v].meta.name.as_str())
            .collect();
        let short = workload.pods as usize - supply.len();
        // The pods the plan leaves Pending; without them (another cause decided first), the
        // highest ordinals, which the controller creates last.
        let mut stuck: Vec<String> = claims
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_some_and(|c| plan.claims[c].outcome == Outcome::Pending))
            .map(|(pod, _)| workload.pod_name(pod as u32))
            .collect();
        if stuck.is_empty() {
            stuck = (supply.len()..workload.pods as usize)
                .map(|pod| workload.pod_name(pod as u32))
                .collect();
        }
        let offered = if supply.is_empty() {
            "none".to_owned()
        } else {
            format!("only {} ({})", supply.len(), super::name_some(&supply))
        };
        findings.push(
            Finding::new(
                ids::STATEFULSET_EXCEEDS_LOCAL_VOLUMES,
                workload.key(),
                format!(
                    "StatefulSet {} runs {} replicas, each with its own claim from template {:?} of local class {} ({}, {}), but {offered} of the class's volumes can serve them and the class provisions none: {} ({}) stay{} Pending",
                    workload.meta.qualified_name(),
                    workload.pods,
                    template.name,
                    class.meta.name,
                    request.humanize(),
                    claim.access_modes,
                    if stuck.len() == 1 { "1 pod".to_owned() } else { format!("{} pods", stuck.len()) },
                    super::name_some(&stuck.iter().map(String::as_str).collect::<Vec<_>>()),
                    if stuck.len() == 1 { "s" } else { "" },
                ),
            )
            .at(Pointer::field(workload.meta.source.as_ref(), "spec.replicas"), format!("{} local volumes for {} replicas", supply.len(), workload.pods))
            .help(format!(
                "create {short} more local volume{} of class {} (at least {} each), for example with the local static provisioner, or lower spec.replicas",
                if short == 1 { "" } else { "s" },
                class.meta.name,
                request.humanize()
            )),
        );
    }
}

#[cfg(test)]
mod tests {

    fn findings(text: &str, rule: &str) -> Vec<String> {
        crate::analysis::testing::findings(text)
            .iter()
            .filter(|f| f.rule == rule)
            .map(|f| f.message.clone())
            .collect()
    }

    const CLASS: &str = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: local}\nprovisioner: kubernetes.io/no-provisioner\nMODE\n";

    fn volume(name: &str, size: &str, source: &str) -> String {
        format!("---\napiVersion: v1\nkind: PersistentVolume\nmetadata: {{name: {name}}}\nspec:\n  storageClassName: local\n  capacity: {{storage: {size}}}\n  accessModes: [ReadWriteOnce]\n  {source}\n")
    }

    const LOCAL: &str = "local: {path: /mnt/disk}\n  nodeAffinity: {required: {nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [n1]}]}]}}";

    #[test]
    fn immediate_local_class() {
        let rule = "no-provisioner-immediate-binding";
        assert_eq!(findings(&CLASS.replace("MODE", ""), rule).len(), 1, "unset");
        assert_eq!(
            findings(&CLASS.replace("MODE", "volumeBindingMode: Immediate"), rule).len(),
            1
        );
        assert!(findings(
            &CLASS.replace("MODE", "volumeBindingMode: WaitForFirstConsumer"),
            rule
        )
        .is_empty());
        let with_local = CLASS.replace("MODE", "") + &volume("pv1", "1Gi", LOCAL);
        assert_eq!(findings(&with_local, rule).len(), 1);
        let with_nfs = CLASS.replace("MODE", "")
            + &volume(
                "pv1",
                "1Gi",
                "nfs: {server: nfs.example.com, path: /export}",
            );
        assert!(
            findings(&with_nfs, rule).is_empty(),
            "network volumes bind anywhere"
        );
    }

    fn statefulset(replicas: u32) -> String {
        format!("---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: db, namespace: default}}\nspec:\n  replicas: {replicas}\n  serviceName: db\n  selector: {{matchLabels: {{app: db}}}}\n  template:\n    metadata: {{labels: {{app: db}}}}\n    spec: {{containers: [{{name: db, image: postgres}}]}}\n  volumeClaimTemplates:\n  - metadata: {{name: data}}\n    spec: {{storageClassName: local, accessModes: [ReadWriteOnce], resources: {{requests: {{storage: 10Gi}}}}}}\n")
    }

    #[test]
    fn replicas_against_local_volumes() {
        let rule = "statefulset-exceeds-local-volumes";
        let class = CLASS.replace("MODE", "volumeBindingMode: WaitForFirstConsumer");
        let two = volume("pv1", "10Gi", LOCAL) + &volume("pv2", "20Gi", LOCAL);
        let small = volume("pv3", "5Gi", LOCAL);
        let text = format!("{class}{two}{small}{}", statefulset(3));
        let found = findings(&text, rule);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("only 2 (pv1, pv2)"), "{}", found[0]);
        assert!(
            found[0].contains("1 pod (db-2) stays Pending"),
            "{}",
            found[0]
        );
        assert!(findings(&format!("{class}{two}{}", statefulset(2)), rule).is_empty());
        assert!(findings(&format!("{class}{two}{}", statefulset(0)), rule).is_empty());
        let provisioning = class.replace("kubernetes.io/no-provisioner", "example.com/local");
        assert!(findings(&format!("{provisioning}{two}{}", statefulset(3)), rule).is_empty());
    }
}
