//! The scheduler's path for WaitForFirstConsumer claims: once a pod that uses them can be
//! placed on a node, the volume binding plugin picks, per node, a free volume for each claim
//! (smallest first) or provisioning where the class allows it on that node.

use rustc_hash::FxHashMap as HashMap;

use crate::model::object::processing_order;
use crate::model::selector::HOSTNAME_LABEL;
use crate::model::{Labels, Node, PodTemplate, Workload, WorkloadKind};

use super::engine::{Engine, Step};
use super::filters::ClaimQuery;
use super::outcome::{NodeAlternative, Outcome};
use super::reference::Finder;

/// At most this many nodes are named when explaining why a pod fits none.
const MAX_NODES_EXPLAINED: usize = 5;

/// At most this many fitting nodes are compared for a pod; past it, the scheduler too samples
/// only some nodes (percentageOfNodesToScore), so which one it takes is as open as ever.
const MAX_NODES_COMPARED: usize = 32;

/// Walks the consumer pods, oldest workload first, and places those whose claims wait for a
/// consumer. Returns, for claims whose only users run no pods, who those users are.
pub(super) fn place_consumers<F: Finder>(e: &mut Engine<'_, F>) -> HashMap<usize, Vec<String>> {
    let snapshot = e.snapshot;
    e.finder.start_scheduling(snapshot, &e.states);
    let workloads = processing_order(snapshot.workloads.iter().map(|w| &w.meta));
    let mut idle: HashMap<usize, Vec<String>> = HashMap::default();
    let hosts = HostIndex::new(&snapshot.nodes);
    for w in workloads {
        let workload = &snapshot.workloads[w];
        let ns = workload.meta.namespace.as_deref().unwrap_or("default");
        // Pods of one template share their claims, except their own (StatefulSet, ephemeral).
        let distinct_pods = workload.distinct_pods().max(1);
        for pod in 0..distinct_pods {
            let claims: Vec<usize> = workload
                .claims_of_pod(pod)
                .iter()
                .filter_map(|name| e.claims_by_name.get(&(ns, name.as_str())).copied())
                .collect();
            if workload.pods == 0 || workload.finished {
                for &c in &claims {
                    idle.entry(c).or_default().push(idle_reason(workload));
                }
                continue;
            }
            let delayed: Vec<usize> = claims
                .iter()
                .copied()
                .filter(|c| matches!(e.steps[*c], Step::AwaitsScheduler))
                .collect();
            if !delayed.is_empty() {
                place_pod(e, &hosts, workload, pod, &claims, delayed);
            }
        }
    }
    idle
}

fn idle_reason(workload: &Workload) -> String {
    let what = if workload.finished {
        "has finished".to_owned()
    } else {
        match workload.kind {
            WorkloadKind::Job => "runs no pods (parallelism 0 or suspended)".to_owned(),
            WorkloadKind::CronJob => "is suspended".to_owned(),
            _ => "runs no pods (replicas: 0)".to_owned(),
        }
    };
    format!("{} {what}", workload.key())
}

/// Why a claim still waits once every consumer has been tried.
pub(super) fn why_waiting(idle: &HashMap<usize, Vec<String>>, class: &str, c: usize) -> String {
    match idle.get(&c) {
        Some(users) => format!(
            "class {class:?} waits for a first consumer, and its only users run no pods: {}",
            users.join(", ")
        ),
        None => {
            format!("class {class:?} waits for a first consumer, and no pod uses the claim yet")
        }
    }
}

/// Nodes by their `kubernetes.io/hostname` label: a pod pinned to a host (the usual shape with
/// local volumes) looks at that node only, not at every node of a large cluster.
struct HostIndex<'n> {
    /// Every node, in name order.
    all: Vec<&'n Node>,
    by_host: HashMap<&'n str, Vec<&'n Node>>,
}

impl<'n> HostIndex<'n> {
    fn new(nodes: &'n [Node]) -> Self {
        let mut all: Vec<&Node> = nodes.iter().collect();
        all.sort_by(|a, b| a.meta.name.cmp(&b.meta.name));
        let mut by_host: HashMap<&str, Vec<&Node>> = HashMap::default();
        for node in &all {
            if let Some(host) = node.meta.labels.get(HOSTNAME_LABEL) {
                by_host.entry(host.as_str()).or_default().push(node);
            }
        }
        HostIndex { all, by_host }
    }

    /// The nodes worth testing for a pod, in name order: those with its hostname, if its
    /// nodeSelector names one; else all.
    fn candidates<'a>(
        &'a self,
        template: &'a PodTemplate,
    ) -> Box<dyn Iterator<Item = &'n Node> + 'a> {
        match template.node_selector.get(HOSTNAME_LABEL) {
            Some(host) => Box::new(
                self.by_host
                    .get(host.as_str())
                    .into_iter()
                    .flatten()
                    .copied(),
            ),
            None => Box::new(self.all.iter().copied()),
        }
    }
}

fn place_pod<F: Finder>(
    e: &mut Engine<'_, F>,
    hosts: &HostIndex<'_>,
    workload: &Workload,
    pod: u32,
    claims: &[usize],
    mut delayed: Vec<usize>,
) {
    let snapshot = e.snapshot;
    let pod_name = format!("{} pod {}", workload.kind.as_str(), workload.pod_name(pod));
    // The scheduler does not place a pod whose immediate claims are unbound; if they stay
    // Pending, so does the pod.
    for &c in claims {
        if let Step::Done(plan) = &e.steps[c] {
            if matches!(plan.outcome, Outcome::Pending | Outcome::Lost) {
                let reason = format!(
                    "its consumer {pod_name} cannot start: it also uses claim {}, which is {}",
                    e.qualified(c),
                    plan.outcome
                );
                for &d in &delayed {
                    e.settle_unbound(d, Outcome::Pending, reason.clone());
                }
                return;
            }
        }
    }
    if let Some(node_name) = &workload.template.node_name {
        let reason = format!(
            "its consumer {pod_name} sets spec.nodeName {node_name:?}, which bypasses the scheduler, so nothing binds a WaitForFirstConsumer claim for it"
        );
        for &d in &delayed {
            e.settle_unbound(d, Outcome::Pending, reason.clone());
        }
        return;
    }
    // The volume binding plugin handles a pod's claims smallest request first.
    delayed.sort_by(|a, b| {
        snapshot.claims[*a]
            .request_or_zero()
            .cmp(&snapshot.claims[*b].request_or_zero())
            .then_with(|| {
                snapshot.claims[*a]
                    .meta
                    .name
                    .cmp(&snapshot.claims[*b].meta.name)
            })
    });
    let asked: Vec<Asked<'_, F>> = delayed
        .iter()
        .map(|&d| {
            let q = e.query(d);
            let prepared = e.finder.prepare(&q);
            (d, q, prepared)
        })
        .collect();
    if snapshot.nodes.is_empty() {
        // No Node objects: assume the pod can run somewhere, and judge volumes without node
        // affinity.
        match try_node(e, claims, &asked, None) {
            Ok(choices) => commit(e, &pod_name, choices, None, Vec::new()),
            Err(why) => {
                let reason = format!("its consumer {pod_name} cannot be placed: {why}");
                for &d in &delayed {
                    e.settle_unbound(d, Outcome::Pending, reason.clone());
                }
            }
        }
        return;
    }
    // The scheduler filters every node and picks among those that fit by their load, which the
    // plan does not know: when nodes that fit give the claims different volumes, each of them
    // may happen. The first in name order is the plan's; the others are alternatives.
    let mut failures = Vec::new();
    let mut first: Option<&Node> = None;
    let mut outcomes: Vec<(Choices, Vec<String>)> = Vec::new();
    let mut fitting = 0;
    for node in hosts
        .candidates(&workload.template)
        .filter(|n| workload.template.fits_node(n))
    {
        first.get_or_insert(node);
        match try_node(
            e,
            claims,
            &asked,
            Some((&node.meta.name, &node.meta.labels)),
        ) {
            Ok(choices) => {
                match outcomes.iter_mut().find(|(c, _)| same_choices(c, &choices)) {
                    Some((_, nodes)) => nodes.push(node.meta.name.clone()),
                    None => outcomes.push((choices, vec![node.meta.name.clone()])),
                }
                fitting += 1;
                if fitting == MAX_NODES_COMPARED {
                    break;
                }
            }
            Err(why) => failures.push(format!("{}: {why}", node.meta.name)),
        }
    }
    if !outcomes.is_empty() {
        let (choices, nodes) = outcomes.remove(0);
        return commit(e, &pod_name, choices, nodes.into_iter().next(), outcomes);
    }
    if first.is_none() {
        let reason = format!(
            "its consumer {pod_name} fits none of the {} known nodes (nodeSelector, node affinity, taints or cordons)",
            snapshot.nodes.len()
        );
        for &d in &delayed {
            e.settle_unbound(d, Outcome::Pending, reason.clone());
        }
        return;
    }
    let shown = failures.len().min(MAX_NODES_EXPLAINED);
    let mut reason = format!(
        "its consumer {pod_name} fits no node for its volumes: {}",
        failures[..shown].join("; ")
    );
    if failures.len() > shown {
        reason.push_str(&format!("; and {} more nodes", failures.len() - shown));
    }
    let first = first.map(|n| (n.meta.name.as_str(), &n.meta.labels));
    for &d in &delayed {
        e.settle_unbound(d, Outcome::Pending, reason.clone());
        let (candidates, omitted) = e.candidates(d, true, first);
        e.set_candidates(d, candidates, omitted);
    }
}

/// What the volume binding decides for each delayed claim on one node: a volume (and the
/// others exactly as good, which it picks among arbitrarily), or provisioning.
type Choices = Vec<(usize, Option<(usize, Vec<usize>)>)>;

/// Two nodes give a pod's claims the same volumes (ties included) or provisioning.
fn same_choices(a: &Choices, b: &Choices) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|((c, x), (d, y))| {
            c == d
                && match (x, y) {
                    (None, None) => true,
                    (Some((v, ties)), Some((w, _))) => v == w || ties.contains(w),
                    _ => false,
                }
        })
}

/// A delayed claim's query, and what the finder works out once for it.
type Asked<'a, F> = (usize, ClaimQuery<'a>, <F as Finder>::Prepared);

fn try_node<F: Finder>(
    e: &Engine<'_, F>,
    claims: &[usize],
    delayed: &[Asked<'_, F>],
    node_ref: Option<(&str, &Labels)>,
) -> Result<Choices, String> {
    let snapshot = e.snapshot;
    // Volumes already bound to the pod's other claims must be reachable from the node.
    if let Some((name, labels)) = node_ref {
        for &c in claims {
            if let Step::Done(plan) = &e.steps[c] {
                if let Some(v) = plan.volume_index {
                    if !super::filters::node_affinity_matches(&snapshot.volumes[v], name, labels) {
                        return Err(format!(
                            "volume {} of claim {} has a node affinity conflict",
                            snapshot.volumes[v].meta.name,
                            e.qualified(c)
                        ));
                    }
                }
            }
        }
    }
    let mut choices = Vec::with_capacity(delayed.len());
    let mut excluded = Vec::new();
    for (d, q, prepared) in delayed {
        let d = *d;
        if let Some(v) = e
            .finder
            .find_on_node(snapshot, &e.states, q, prepared, node_ref, &excluded)
        {
            let ties = scheduler_ties(e, q, prepared, node_ref, &excluded, v);
            excluded.push(v);
            choices.push((d, Some((v, ties))));
            continue;
        }
        let class_index = e.class_index.get(q.class).copied();
        let class = class_index.map(|i| &snapshot.classes[i]);
        // The real scheduler lets such a claim through and the PV controller then fails to
        // provision it; either way it stays Pending, which is what the plan says.
        if let Some(why) = class_index.and_then(|i| e.unserved(i)) {
            return Err(format!(
                "no free volume fits claim {}, and {why}",
                e.qualified(d)
            ));
        }
        match class {
            Some(sc) if !sc.provisions() => {
                return Err(format!(
                    "no free volume fits claim {} and class {:?} does not provision",
                    e.qualified(d),
                    q.class
                ))
            }
            Some(sc) => {
                let allowed = match (&sc.allowed_topologies, node_ref) {
                    (Some(topology), Some((name, labels))) => topology.matches(name, labels),
                    _ => true,
                };
                if !allowed {
                    return Err(format!(
                        "class {:?} may not provision here (allowedTopologies)",
                        q.class
                    ));
                }
                choices.push((d, None));
            }
            None => choices.push((d, None)),
        }
    }
    Ok(choices)
}

/// The volumes exactly as good as `chosen` on a node: the volume binding takes the smallest
/// fitting volume from a cache in no set order, so among equal sizes its pick is arbitrary.
fn scheduler_ties<F: Finder>(
    e: &Engine<'_, F>,
    q: &ClaimQuery<'_>,
    prepared: &F::Prepared,
    node_ref: Option<(&str, &Labels)>,
    excluded: &[usize],
    chosen: usize,
) -> Vec<usize> {
    let snapshot = e.snapshot;
    // A volume pre-bound to the claim is the only choice.
    if e.states[chosen].reservation.is_some() {
        return Vec::new();
    }
    let size = snapshot.volumes[chosen].capacity_or_zero();
    let mut ties = Vec::new();
    let mut skip = excluded.to_vec();
    skip.push(chosen);
    while ties.len() < super::filters::MAX_TIES {
        match e
            .finder
            .find_on_node(snapshot, &e.states, q, prepared, node_ref, &skip)
        {
            Some(v) if snapshot.volumes[v].capacity_or_zero() == size => {
                ties.push(v);
                skip.push(v);
            }
            _ => break,
        }
    }
    ties
}

/// Whether the PV controller completes the binding the scheduler starts between claim `d` and
/// volume `v`. The scheduler takes a volume pre-bound to the claim whatever its access modes,
/// but the PV controller looks for the claim's volume only among volumes whose modes include
/// the claim's: it never finds it, and the claim stays Pending.
fn binding_completes<F: Finder>(e: &Engine<'_, F>, d: usize, v: usize) -> bool {
    e.states[v].reservation.is_none()
        || e.snapshot.volumes[v]
            .access_modes
            .contains_all(e.query(d).modes)
}

fn commit<F: Finder>(
    e: &mut Engine<'_, F>,
    pod_name: &str,
    choices: Choices,
    node: Option<String>,
    others: Vec<(Choices, Vec<String>)>,
) {
    let place = match (&node, others.is_empty()) {
        (Some(n), true) => format!("the scheduler places its consumer {pod_name} on node {n}"),
        (Some(n), false) => format!(
            "the scheduler places its consumer {pod_name} on node {n} or on another node that fits it as well (it picks by load)"
        ),
        (None, _) => format!("its consumer {pod_name} can be scheduled (no Node objects given, so node affinity is not judged)"),
    };
    for (d, volume) in choices {
        let alternatives: Vec<NodeAlternative> = others
            .iter()
            .filter_map(|(other, nodes)| {
                let (_, there) = other.iter().find(|(c, _)| *c == d)?;
                let there = there.as_ref().map(|(v, _)| *v);
                let here = volume.as_ref().map(|(v, ties)| (*v, ties));
                let same = match (here, there) {
                    (None, None) => true,
                    (Some((v, ties)), Some(w)) => v == w || ties.contains(&w),
                    _ => false,
                };
                (!same).then(|| NodeAlternative {
                    outcome: match there {
                        Some(v) if !binding_completes(e, d, v) => Outcome::Pending,
                        Some(_) => Outcome::Binds,
                        None => Outcome::Provisions,
                    },
                    volume: there,
                    nodes: nodes.clone(),
                })
            })
            .collect();
        match volume {
            Some((v, ties)) => {
                let name = e.snapshot.volumes[v].meta.name.clone();
                if !binding_completes(e, d, v) {
                    e.settle_unbound(
                        d,
                        Outcome::Pending,
                        format!(
                            "{place}, which reserves volume {name} (pre-bound to the claim by its claimRef) for it; but the PV controller looks for the claim's volume only among volumes whose access modes include the claim's, and {name}'s do not, so the binding is never completed and the pod is not started"
                        ),
                    );
                    if let Step::Done(plan) = &mut e.steps[d] {
                        plan.node = node.clone();
                        plan.alternatives = alternatives;
                    }
                    continue;
                }
                let plan = e.bind(
                    d,
                    v,
                    Outcome::Binds,
                    format!("{place}; volume {name} fits there"),
                );
                plan.node = node.clone();
                plan.ties = ties;
                plan.alternatives = alternatives;
            }
            None => {
                let provisioner = e
                    .class_index
                    .get(e.query(d).class)
                    .map(|i| e.snapshot.classes[*i].provisioner.clone())
                    .unwrap_or_else(|| "its provisioner".to_owned());
                e.settle_unbound(
                    d,
                    Outcome::Provisions,
                    format!("{place}; {provisioner} provisions a volume there"),
                );
                if let Step::Done(plan) = &mut e.steps[d] {
                    plan.node = node.clone();
                    plan.alternatives = alternatives;
                }
            }
        }
    }
}
