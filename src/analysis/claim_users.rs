//! Which running workloads use each claim through their pod template, for the analyses that
//! weigh a claim's access modes against its pods. A StatefulSet's own per-pod claims are not
//! listed: each belongs to one pod.

use rustc_hash::FxHashMap as HashMap;

use crate::binding::BindingPlan;
use crate::model::workload::ClaimUse;
use crate::model::{AccessModes, Claim, Snapshot, Workload, WorkloadKind};

pub struct ClaimUsers<'a> {
    by_claim: HashMap<(&'a str, &'a str), Vec<(&'a Workload, &'a ClaimUse)>>,
}

impl<'a> ClaimUsers<'a> {
    pub fn new(snapshot: &'a Snapshot) -> ClaimUsers<'a> {
        let mut by_claim: HashMap<_, Vec<_>> = HashMap::default();
        for workload in snapshot
            .workloads
            .iter()
            .filter(|w| w.pods > 0 && !w.finished)
        {
            let ns = workload.meta.namespace.as_deref().unwrap_or_default();
            for usage in &workload.template.claims {
                by_claim
                    .entry((ns, usage.claim.as_str()))
                    .or_default()
                    .push((workload, usage));
            }
        }
        ClaimUsers { by_claim }
    }

    /// The workloads using `claim`, each with the pod volume that refers to it.
    pub fn of(&self, claim: &'a Claim) -> &[(&'a Workload, &'a ClaimUse)] {
        let ns = claim.meta.namespace.as_deref().unwrap_or_default();
        self.by_claim
            .get(&(ns, claim.meta.name.as_str()))
            .map_or(&[], Vec::as_slice)
    }

    /// The distinct workloads using `claim`: a pod that mounts a claim twice is still one pod.
    pub fn workloads_of(&self, claim: &'a Claim) -> Vec<&'a Workload> {
        let mut workloads: Vec<&Workload> = Vec::new();
        for (workload, _) in self.of(claim) {
            if !workloads.iter().any(|w| std::ptr::eq(*w, *workload)) {
                workloads.push(workload);
            }
        }
        workloads
    }
}

/// A claim that running pods use, with the access modes that govern it.
pub struct InUse<'a> {
    pub index: usize,
    pub claim: &'a Claim,
    pub workloads: Vec<&'a Workload>,
    /// The bound volume's modes decide what may attach where; before binding, the claim's.
    pub modes: AccessModes,
}

/// Every claim some running workload uses.
pub fn in_use<'a>(
    snapshot: &'a Snapshot,
    plan: &'a BindingPlan,
) -> impl Iterator<Item = InUse<'a>> {
    let users = ClaimUsers::new(snapshot);
    snapshot
        .claims
        .iter()
        .enumerate()
        .filter_map(move |(index, claim)| {
            let workloads = users.workloads_of(claim);
            if workloads.is_empty() {
                return None;
            }
            let modes = plan.claims[index]
                .volume_index
                .map_or(claim.access_modes, |v| snapshot.volumes[v].access_modes);
            Some(InUse {
                index,
                claim,
                workloads,
                modes,
            })
        })
}

/// How many pods of a workload can run at once; a DaemonSet runs one per node, which is more
/// than one as soon as the cluster has two nodes.
pub fn pods_at_once(workload: &Workload) -> u32 {
    match workload.kind {
        WorkloadKind::DaemonSet => 2,
        _ => workload.pods,
    }
}

/// The workload as a reader would name it, with how many pods it runs.
pub fn describe(workload: &Workload) -> String {
    match workload.kind {
        WorkloadKind::DaemonSet => format!("{}: a pod per node", workload.key()),
        WorkloadKind::Pod => workload.key().to_string(),
        _ => format!("{}: {} pods", workload.key(), workload.pods),
    }
}
