//! The scheduler's path for WaitForFirstConsumer claims: once a pod that uses them can be
//! placed on a node, the volume binding plugin picks, per node, a free volume for each claim
//! (smallest first) or provisioning where the class allows it on that node.

use std::collections::HashMap;

use crate::model::object::processing_order;
use crate::model::selector::HOSTNAME_LABEL;
use crate::model::{Labels, Node, PodTemplate, Workload, WorkloadKind};

use super::engine::{Engine, Step};
use super::outcome::Outcome;
use super::reference::Finder;
use super::volume_sync::claim_lookup;

/// At most this many nodes are named when explaining why a pod fits none.
const MAX_NODES_EXPLAINED: usize = 5;

/// Walks the consumer pods, oldest workload first, and places those whose claims wait for a
/// consumer. Returns, for claims whose only users run no pods, who those users are.
pub(super) fn place_consumers<F: Finder>(e: &mut Engine<'_, F>) -> HashMap<usize, Vec<String>> {
    let snapshot = e.snapshot;
    let lookup = claim_lookup(snapshot);
    let mut workloads: Vec<usize> = (0..snapshot.workloads.len()).collect();
    workloads.sort_by(|a, b| {
        processing_order(&snapshot.workloads[*a].meta, &snapshot.workloads[*b].meta)
    });
    let mut idle: HashMap<usize, Vec<String>> = HashMap::new();
    let hosts = HostIndex::new(&snapshot.nodes);
    for w in workloads {
        let workload = &snapshot.workloads[w];
        let ns = workload.meta.namespace.as_deref().unwrap_or("default");
        // Pods of one template share their claims; only StatefulSet pods differ.
        let distinct_pods = if workload.kind == WorkloadKind::StatefulSet {
            workload.pods.max(1)
        } else {
            1
        };
        for pod in 0..distinct_pods {
            let claims: Vec<usize> = workload
                .claims_of_pod(pod)
                .iter()
                .filter_map(|name| lookup.get(&(ns, name.as_str())).copied())
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
        let mut by_host: HashMap<&str, Vec<&Node>> = HashMap::new();
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
    if snapshot.nodes.is_empty() {
        // No Node objects: assume the pod can run somewhere, and judge volumes without node
        // affinity.
        match try_node(e, claims, &delayed, None) {
            Ok(choices) => commit(e, &pod_name, choices, None),
            Err(why) => {
                let reason = format!("its consumer {pod_name} cannot be placed: {why}");
                for &d in &delayed {
                    e.settle_unbound(d, Outcome::Pending, reason.clone());
                }
            }
        }
        return;
    }
    // Nodes in name order, tried lazily: on a large cluster the first node that fits the pod
    // and its volumes usually comes early.
    let mut failures = Vec::new();
    let mut first: Option<&Node> = None;
    for node in hosts
        .candidates(&workload.template)
        .filter(|n| workload.template.fits_node(n))
    {
        first.get_or_insert(node);
        match try_node(
            e,
            claims,
            &delayed,
            Some((&node.meta.name, &node.meta.labels)),
        ) {
            Ok(choices) => return commit(e, &pod_name, choices, Some(node.meta.name.clone())),
            Err(why) => failures.push(format!("{}: {why}", node.meta.name)),
        }
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

/// What the volume binding decides for each delayed claim on one node: a volume, or
/// provisioning.
type Choices = Vec<(usize, Option<usize>)>;

fn try_node<F: Finder>(
    e: &Engine<'_, F>,
    claims: &[usize],
    delayed: &[usize],
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
    for &d in delayed {
        let q = e.query(d);
        if let Some(v) = e
            .finder
            .find_on_node(snapshot, &e.states, &q, node_ref, &excluded)
        {
            excluded.push(v);
            choices.push((d, Some(v)));
            continue;
        }
        let class = e.class_index.get(q.class).map(|i| &snapshot.classes[*i]);
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

fn commit<F: Finder>(
    e: &mut Engine<'_, F>,
    pod_name: &str,
    choices: Choices,
    node: Option<String>,
) {
    let place = match &node {
        Some(n) => format!("the scheduler places its consumer {pod_name} on node {n}"),
        None => format!("its consumer {pod_name} can be scheduled (no Node objects given, so node affinity is not judged)"),
    };
    for (d, volume) in choices {
        match volume {
            Some(v) => {
                let name = e.snapshot.volumes[v].meta.name.clone();
                let plan = e.bind(
                    d,
                    v,
                    Outcome::Binds,
                    format!("{place}; volume {name} fits there"),
                );
                plan.node = node.clone();
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
                }
            }
        }
    }
}
