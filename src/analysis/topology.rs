//! Topology: where volumes can be used (node affinity, allowedTopologies) against where the pods
//! that use them can run.
//!
//! The matcher already decides WaitForFirstConsumer claims node by node: a claim it leaves
//! Pending gets the generic `claim-pending`. The rules here name the specific cause at the field
//! that is wrong, and stay silent about claims the matcher has already failed for the same
//! reason (see each rule file).

mod allowed_topologies;
mod constraints;
mod local_classes;
mod placement;
mod unpinned;

use rustc_hash::FxHashMap as HashMap;

use crate::binding::{BindingPlan, Outcome};
use crate::model::{BindingMode, Snapshot, Workload, WorkloadKind};

pub fn check(
    snapshot: &Snapshot,
    plan: &BindingPlan,
    findings: &mut Vec<crate::findings::Finding>,
) {
    unpinned::check(snapshot, findings);
    local_classes::check(snapshot, plan, findings);
    placement::check(snapshot, plan, findings);
    allowed_topologies::check(snapshot, findings);
}

/// One pod that runs, and the claims it uses with the field that names each.
struct PodUse<'a> {
    /// Index of the workload in the snapshot.
    index: usize,
    workload: &'a Workload,
    /// Pod number within the workload (StatefulSet pods differ in their claims).
    pod: u32,
    /// Claim index and the path of the pod volume or claim template that names it.
    claims: Vec<(usize, String)>,
}

/// Every pod that runs: one per workload, except where each pod has claims of its own.
fn running_pods(snapshot: &Snapshot) -> Vec<PodUse<'_>> {
    let mut lookup: HashMap<(&str, &str), usize> = HashMap::default();
    for (c, claim) in snapshot.claims.iter().enumerate() {
        let ns = claim.meta.namespace.as_deref().unwrap_or_default();
        lookup.entry((ns, claim.meta.name.as_str())).or_insert(c);
    }
    let mut pods = Vec::new();
    for (index, workload) in snapshot
        .workloads
        .iter()
        .enumerate()
        .filter(|(_, w)| w.pods > 0 && !w.finished)
    {
        let ns = workload.meta.namespace.as_deref().unwrap_or("default");
        let distinct = workload.distinct_pods();
        for pod in 0..distinct {
            let claims = workload
                .claims_of_pod(pod)
                .into_iter()
                .filter_map(|name| {
                    let c = *lookup.get(&(ns, name.as_str()))?;
                    Some((c, claim_path(workload, pod, &name)))
                })
                .collect();
            pods.push(PodUse {
                index,
                workload,
                pod,
                claims,
            });
        }
    }
    pods
}

/// The field of `workload` that makes pod `pod` use claim `name`: its claim template, else its
/// pod volume.
fn claim_path(workload: &Workload, pod: u32, name: &str) -> String {
    let ordinal = workload.ordinal_start.saturating_add(pod as i32);
    if workload.kind == WorkloadKind::StatefulSet {
        for t in &workload.claim_templates {
            if crate::model::workload::statefulset_claim_name(&t.name, &workload.meta.name, ordinal)
                == name
            {
                return t.path.clone();
            }
        }
    }
    let pod_name = workload.pod_name(pod);
    if let Some(e) = workload
        .template
        .ephemeral
        .iter()
        .find(|e| crate::model::workload::ephemeral_claim_name(&pod_name, &e.volume) == name)
    {
        return e.path.clone();
    }
    workload
        .template
        .claims
        .iter()
        .find(|u| u.claim == name)
        .map(|u| u.path.clone())
        .unwrap_or_default()
}

/// The volume a claim is, or will certainly be, bound to. A WaitForFirstConsumer claim the plan
/// binds without a node (no Node objects given) is left out: the plan could not judge node
/// affinity for it, and the scheduler would look for a volume that fits.
fn certain_volume(snapshot: &Snapshot, plan: &BindingPlan, c: usize) -> Option<usize> {
    let claim_plan = &plan.claims[c];
    match claim_plan.outcome {
        Outcome::Bound => claim_plan.volume_index,
        Outcome::Binds => {
            let delayed = claim_plan.class_index.is_some_and(|i| {
                snapshot.classes[i].binding_mode_or_default() == BindingMode::WaitForFirstConsumer
            });
            let guessed =
                delayed && claim_plan.node.is_none() && snapshot.claims[c].volume_name.is_none();
            if guessed {
                None
            } else {
                claim_plan.volume_index
            }
        }
        _ => None,
    }
}

/// At most this many objects are named in a message; the rest are counted.
const MAX_NAMED: usize = 5;

fn name_some(names: &[&str]) -> String {
    let shown = names.len().min(MAX_NAMED);
    let mut text = names[..shown].join(", ");
    if names.len() > shown {
        text.push_str(&format!(" and {} more", names.len() - shown));
    }
    text
}
