//! The driver: walks the claims in processing order through the controller's and the
//! scheduler's paths, and settles every volume's final phase.

use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;

use crate::drivers;
use crate::model::object::processing_order;
use crate::model::{BindingMode, Snapshot, StorageClass, VolumePhase};
use crate::removals;

use super::data_source;
use super::defaults::{choose_class, default_classes, ClassChoice};
use super::filters::{
    check_requested_volume, explain, judge, ClaimQuery, Context, Reservation, Verdict, VolumeState,
};
use super::outcome::{
    BindingPlan, Candidate, ClaimPlan, Competition, OnClaimDelete, Outcome, Rejection, VolumePlan,
};
use super::reclaim::reclaim;
use super::reference::Finder;
use super::scheduler;
use super::volume_sync::{claim_lookup, settle, ClaimLookup, Settled};

/// At most this many rejected volumes are listed per claim; the rest are counted.
pub const MAX_CANDIDATES: usize = 25;
/// At most this many volumes are looked at to find them.
const MAX_EXAMINED: usize = 250;

thread_local! {
    /// Volumes looked at to list claims' candidates, for the test that holds listing them
    /// bounded per claim.
    static LOOKED_AT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// How many volumes this thread has looked at to list claims' candidates.
#[cfg(test)]
fn volumes_looked_at() -> usize {
    LOOKED_AT.with(std::cell::Cell::get)
}

/// Plans every claim and volume with the finder `F`.
pub fn plan_with<F: Finder>(snapshot: &Snapshot) -> BindingPlan {
    let mut engine = Engine::<F>::new(snapshot);
    engine.run();
    engine.finish()
}

/// A claim's progress through the passes. Every claim ends `Done`, so the steps are the plans:
/// unboxed, they cost one allocation for all claims instead of one each.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub(super) enum Step {
    Todo,
    /// WaitForFirstConsumer and nothing pre-bound: the scheduler's path decides.
    AwaitsScheduler,
    Done(ClaimPlan),
}

pub(super) struct Engine<'a, F> {
    pub snapshot: &'a Snapshot,
    pub states: Vec<VolumeState>,
    settled: Vec<Settled>,
    pub finder: F,
    pub steps: Vec<Step>,
    /// The class each claim ends up with (borrowed from the snapshot), and whether it was
    /// defaulted.
    pub classes: Vec<(&'a str, bool)>,
    choices: Vec<ClassChoice<'a>>,
    pub class_index: HashMap<&'a str, usize>,
    volume_index: HashMap<&'a str, usize>,
    /// Volume indexes per class, in name order, for listing candidates.
    volumes_by_class: HashMap<&'a str, Vec<usize>>,
    /// The same, only volumes that were free when planning began: what a claim that
    /// provisions or waits could have had instead.
    free_by_class: HashMap<&'a str, Vec<usize>>,
    volumes_by_name: Vec<usize>,
    pub order: Vec<usize>,
    /// Claim indexes by namespace and name.
    pub claims_by_name: ClaimLookup<'a>,
    default_classes: Vec<usize>,
    /// Per class: why its provisioner provisions no PersistentVolume, if it does not.
    unserved: Vec<Option<String>>,
}

impl<'a, F: Finder> Engine<'a, F> {
    fn new(snapshot: &'a Snapshot) -> Self {
        let defaults = default_classes(&snapshot.classes);
        let default = defaults.first().map(|i| &snapshot.classes[*i]);
        let mut class_index = HashMap::default();
        // "" is "no class", never the name of one.
        for (i, class) in snapshot
            .classes
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.meta.name.is_empty())
        {
            class_index.entry(class.meta.name.as_str()).or_insert(i);
        }
        // The volumes' tables and the claims' are independent: one core makes each.
        let (
            (volume_index, volumes_by_name, volumes_by_class),
            (lookup, states, settled, order, choices),
        ) = crate::parallel::both(
            || volume_tables(snapshot),
            || {
                let lookup = claim_lookup(snapshot);
                let (states, settled): (Vec<_>, Vec<_>) =
                    settle(snapshot, &lookup).into_iter().unzip();
                let order = processing_order(snapshot.claims.iter().map(|c| &c.meta));
                let choices: Vec<ClassChoice> = snapshot
                    .claims
                    .iter()
                    .map(|c| choose_class(c, default))
                    .collect();
                (lookup, states, settled, order, choices)
            },
        );
        let mut free_by_class: HashMap<&str, Vec<usize>> = HashMap::default();
        for &v in &volumes_by_name {
            if states[v].reservation.is_none() && !snapshot.volumes[v].meta.deleting {
                free_by_class
                    .entry(snapshot.volumes[v].class())
                    .or_default()
                    .push(v);
            }
        }
        let finder = F::build(snapshot, &states, &volumes_by_name);
        let classes = choices
            .iter()
            .map(|c| (c.initial(), matches!(c, ClassChoice::Admission(_))))
            .collect();
        Engine {
            snapshot,
            states,
            settled,
            finder,
            steps: vec![Step::Todo; snapshot.claims.len()],
            classes,
            choices,
            class_index,
            volume_index,
            volumes_by_class,
            free_by_class,
            volumes_by_name,
            order,
            claims_by_name: lookup,
            default_classes: defaults,
            unserved: snapshot
                .classes
                .iter()
                .map(|class| unserved_provisioner(snapshot, class))
                .collect(),
        }
    }

    fn run(&mut self) {
        // Bindings already made come first: their volumes are theirs before anyone searches.
        for i in 0..self.order.len() {
            let c = self.order[i];
            if self.snapshot.claims[c].bind_completed() {
                self.bound_claim(c);
            }
        }
        // Then the claims in the order the controller sees them created. A claim's
        // spec.volumeName reserves nothing (only a volume's claimRef does): a claim created
        // before it may take the volume it names.
        for i in 0..self.order.len() {
            let c = self.order[i];
            if !matches!(self.steps[c], Step::Todo) {
                continue;
            }
            if self.snapshot.claims[c].volume_name.is_some() {
                self.requested_volume(c);
            } else {
                self.search(c);
            }
        }
        let idle = scheduler::place_consumers(self);
        for c in 0..self.steps.len() {
            if matches!(self.steps[c], Step::AwaitsScheduler) {
                let reason = scheduler::why_waiting(&idle, self.classes[c].0, c);
                self.settle_unbound(c, Outcome::WaitsForConsumer, reason);
            }
        }
        self.rebind_freed_volumes();
        self.data_sources();
    }

    /// A claim to be provisioned from a data source the provisioner cannot use stays Pending.
    /// A clone waits for its source, so this repeats until nothing changes (chains of clones).
    fn data_sources(&mut self) {
        let sourced: Vec<usize> = (0..self.steps.len())
            .filter(|&c| {
                let claim = &self.snapshot.claims[c];
                claim.data_source.is_some() || claim.data_source_ref.is_some()
            })
            .collect();
        if sourced.is_empty() {
            return;
        }
        let claims = self.snapshot.claims_by_name();
        for _ in 0..sourced.len() {
            let mut blocked = Vec::new();
            for &c in &sourced {
                let Step::Done(plan) = &self.steps[c] else {
                    continue;
                };
                if plan.outcome != Outcome::Provisions {
                    continue;
                }
                let problem = data_source::judge(self.snapshot, &claims, c, plan, |other| {
                    match &self.steps[other] {
                        Step::Done(p) => Some(p),
                        _ => None,
                    }
                });
                if let Some(problem) = problem.filter(data_source::Problem::blocks) {
                    blocked.push((c, problem));
                }
            }
            if blocked.is_empty() {
                return;
            }
            for (c, problem) in blocked {
                if let Step::Done(plan) = &mut self.steps[c] {
                    plan.outcome = Outcome::Pending;
                    plan.blocked_by_data_source = true;
                    plan.reason = format!(
                        "{}, but {}",
                        plan.reason,
                        data_source::why_blocked(&problem)
                    );
                }
            }
        }
    }

    pub fn query(&self, c: usize) -> ClaimQuery<'a> {
        // The class is borrowed from the snapshot, not from `self.classes`, so the query does
        // not hold the engine borrowed while the engine changes.
        let class = self.class_str(c);
        ClaimQuery::new(self.snapshot, c, class)
    }

    /// The claim's current class, "" for none.
    fn class_str(&self, c: usize) -> &'a str {
        self.classes[c].0
    }

    /// Why class `i`'s provisioner provisions no PersistentVolume, if it does not.
    pub fn unserved(&self, i: usize) -> Option<&str> {
        self.unserved[i].as_deref()
    }

    pub fn qualified(&self, c: usize) -> String {
        self.snapshot.claims[c].meta.qualified_name()
    }

    pub fn take(&mut self, volume: usize, c: usize) {
        self.states[volume].taken_by = Some(c);
        self.finder.taken(self.snapshot, &self.states, volume);
    }

    pub fn class_plan(&self, c: usize) -> (Option<String>, Option<usize>, bool) {
        let (class, defaulted) = self.classes[c];
        if class.is_empty() {
            (None, None, defaulted)
        } else {
            (
                Some(class.to_owned()),
                self.class_index.get(class).copied(),
                defaulted,
            )
        }
    }

    pub fn new_plan(&self, c: usize, outcome: Outcome, reason: String) -> ClaimPlan {
        let (class, class_index, class_defaulted) = self.class_plan(c);
        let reason = match (&self.choices[c], class_defaulted, &class) {
            (ClassChoice::Admission(name), true, _) => {
                format!("{reason} (class {name:?} is the default; admission sets it when the claim is created)")
            }
            (ClassChoice::Retroactive(_), true, Some(name)) => format!(
                "{reason} (the claim has no class and no class-less volume fits, so the PV controller gives it the default class {name:?})"
            ),
            _ => reason,
        };
        let provisioner = class_index.map(|i| self.snapshot.classes[i].provisioner.clone());
        ClaimPlan {
            outcome,
            volume: None,
            volume_index: None,
            class,
            class_index,
            class_defaulted,
            provisioner,
            reason,
            candidates: Vec::new(),
            candidates_omitted: 0,
            node: None,
            ties: Vec::new(),
            alternatives: Vec::new(),
            competition: None,
            assumes_cluster_default: false,
            assumes_no_default_class: false,
            blocked_by_data_source: false,
        }
    }

    pub fn bind(
        &mut self,
        c: usize,
        volume: usize,
        outcome: Outcome,
        reason: String,
    ) -> &mut ClaimPlan {
        self.take(volume, c);
        let mut plan = self.new_plan(c, outcome, reason);
        plan.volume = Some(self.snapshot.volumes[volume].meta.name.clone());
        plan.volume_index = Some(volume);
        if self.binds_only_without_default_class(c, volume) {
            plan.assumes_no_default_class = true;
            plan.reason.push_str(", as long as the cluster has no default StorageClass: admission would give the claim, which sets no class, that class, and the class-less volume would then not match it");
        }
        self.steps[c] = Step::Done(plan);
        match &mut self.steps[c] {
            Step::Done(plan) => plan,
            _ => unreachable!("just set"),
        }
    }

    fn fail(&mut self, c: usize, outcome: Outcome, volume: Option<String>, reason: String) {
        let mut plan = self.new_plan(c, outcome, reason);
        plan.volume_index = volume
            .as_deref()
            .and_then(|v| self.volume_index.get(v).copied());
        plan.volume = volume;
        self.steps[c] = Step::Done(plan);
    }

    /// A claim whose binding completed (`pv.kubernetes.io/bind-completed`): upstream
    /// `syncBoundClaim`.
    fn bound_claim(&mut self, c: usize) {
        let claim = &self.snapshot.claims[c];
        let Some(name) = claim.volume_name.clone() else {
            return self.fail(
                c,
                Outcome::Lost,
                None,
                "the claim was bound, but spec.volumeName is empty: it has lost its volume"
                    .to_owned(),
            );
        };
        let Some(&v) = self.volume_index.get(name.as_str()) else {
            // Volumes the run may not read are unknown, not gone: the claim says it is bound.
            if let Some(why) = self.snapshot.unreadable("PersistentVolume") {
                return self.fail(
                    c,
                    Outcome::Bound,
                    Some(name.clone()),
                    format!("bound to volume {name}, which the plan cannot see ({why})"),
                );
            }
            if !self.snapshot.volumes_complete {
                return self.fail(
                    c,
                    Outcome::Bound,
                    Some(name.clone()),
                    format!("bound to volume {name}, which is not among the inputs"),
                );
            }
            return self.fail(
                c,
                Outcome::Lost,
                Some(name.clone()),
                format!("the claim is bound to volume {name}, which does not exist"),
            );
        };
        let q = self.query(c);
        // Another bound claim already re-took this claimRef-less volume: the controller binds
        // it to that one, and then this claim finds it bound elsewhere.
        if let Some(winner) = self.states[v].taken_by {
            let winner = self.qualified(winner);
            let reason = format!(
                "the claim is bound to volume {name}, but the volume is bound to claim {winner}"
            );
            return self.fail(c, Outcome::Lost, Some(name.clone()), reason);
        }
        match &self.snapshot.volumes[v].claim_ref {
            None => {
                self.bind(
                    c,
                    v,
                    Outcome::Binds,
                    format!("bound claim whose volume {name} lost its claimRef: the controller binds the volume to it again"),
                );
            }
            Some(r) => {
                let reservation = Reservation {
                    namespace: r.namespace.clone(),
                    name: r.name.clone(),
                    uid: r.uid.clone(),
                };
                if reservation.is_for(&q) {
                    self.bind(c, v, Outcome::Bound, ["bound to volume ", &name].concat());
                } else {
                    self.fail(
                        c,
                        Outcome::Lost,
                        Some(name.clone()),
                        format!(
                            "the claim is bound to volume {name}, but the volume is bound to claim {} (uid {})",
                            reservation.qualified_name(),
                            reservation.uid.as_deref().unwrap_or("unset")
                        ),
                    );
                }
            }
        }
    }

    /// A claim that names its volume (`spec.volumeName`) and is not bound yet: upstream
    /// `syncUnboundClaim`, user pre-binding branch.
    fn requested_volume(&mut self, c: usize) {
        let Some(name) = self.snapshot.claims[c].volume_name.clone() else {
            return;
        };
        let Some(&v) = self.volume_index.get(name.as_str()) else {
            let reason = match self.snapshot.unreadable("PersistentVolume") {
                Some(why) => format!(
                    "spec.volumeName asks for volume {name}, which the plan cannot see ({why}): whether it binds is unknown"
                ),
                None if !self.snapshot.volumes_complete => {
                    // A part of a cluster: the volume is made elsewhere (another file, by hand).
                    let reason = format!(
                        "spec.volumeName names volume {name}, which is not among the inputs: the plan assumes the cluster has it and that it fits the claim"
                    );
                    return self.fail(c, Outcome::Binds, Some(name), reason);
                }
                None => format!("spec.volumeName asks for volume {name}, which does not exist"),
            };
            return self.fail(c, Outcome::Pending, None, reason);
        };
        let q = self.query(c);
        let state = &self.states[v];
        if let Some(taker) = state.taken_by {
            let winner = self.qualified(taker);
            let reason = format!(
                "spec.volumeName asks for volume {name}, but claim {winner}, created before it, takes that volume first (a claim's volumeName reserves nothing), so this claim stays Pending for good"
            );
            self.fail(c, Outcome::Pending, None, reason);
            if let Step::Done(plan) = &mut self.steps[c] {
                plan.competition = Some(Competition {
                    volume: v,
                    winner: taker,
                });
            }
            return;
        }
        match &state.reservation {
            None => match check_requested_volume(&q, &self.snapshot.volumes[v]) {
                Ok(()) => {
                    self.bind(
                        c,
                        v,
                        Outcome::Binds,
                        format!("spec.volumeName asks for volume {name}, which fits"),
                    );
                }
                Err(rejection) => {
                    let reason = format!("spec.volumeName asks for volume {name}, which cannot serve it: {rejection}");
                    self.fail(c, Outcome::Pending, None, reason);
                    self.set_candidates(
                        c,
                        vec![Candidate {
                            volume: v,
                            rejected: rejection,
                        }],
                        0,
                    );
                }
            },
            Some(r) if r.is_for(&q) => {
                // Upstream finishes a binding both sides agree on without checking the volume.
                self.bind(
                    c,
                    v,
                    Outcome::Binds,
                    format!(
                        "spec.volumeName and the volume's claimRef name each other: {name} binds"
                    ),
                );
            }
            Some(r) => {
                let rejection = Rejection::ClaimedByOther {
                    claim: r.qualified_name(),
                    by_uid: r.uid.is_some(),
                };
                let reason =
                    format!("spec.volumeName asks for volume {name}, which is {rejection}");
                self.fail(c, Outcome::Pending, None, reason);
                self.set_candidates(
                    c,
                    vec![Candidate {
                        volume: v,
                        rejected: rejection,
                    }],
                    0,
                );
            }
        }
    }

    fn delay_binding(&self, c: usize) -> bool {
        let class = self.classes[c].0;
        self.class_index.get(class).is_some_and(|i| {
            self.snapshot.classes[*i].binding_mode_or_default() == BindingMode::WaitForFirstConsumer
        })
    }

    /// The controller's search for a claim that names no volume: upstream `syncUnboundClaim`.
    fn search(&mut self, c: usize) {
        let delay = self.delay_binding(c);
        let q = self.query(c);
        let ctx = Context {
            delay_binding: delay,
            ..Context::default()
        };
        let found = self
            .finder
            .find_for_claim(self.snapshot, &self.states, &q, ctx);
        if let Some(v) = found.volume {
            let competition = self.competition(c, &q, ctx, Some(v));
            let volume = &self.snapshot.volumes[v];
            let reason = if found.prebound {
                format!("volume {} is pre-bound to it (claimRef)", volume.meta.name)
            } else {
                let capacity = volume
                    .capacity
                    .as_ref()
                    .and_then(|c| c.as_ref().ok())
                    .map_or("0", |q| q.as_str());
                let head = [
                    "smallest fitting volume: ",
                    &volume.meta.name,
                    " (",
                    capacity,
                    ", ",
                ];
                // Room for the modes too ("RWO,ROX,RWX,RWOP)"), so nothing is moved.
                let mut reason =
                    String::with_capacity(head.iter().map(|s| s.len()).sum::<usize>() + 17);
                reason.extend(head);
                // Writing to a String cannot fail.
                let _ = volume.access_modes.write_to(&mut reason);
                reason.push(')');
                reason
            };
            let plan = self.bind(c, v, Outcome::Binds, reason);
            plan.ties = found.ties;
            plan.competition = competition;
            return;
        }
        // Nothing fits: an existing claim with no class now gets the default class, and the
        // controller searches again with it.
        if let ClassChoice::Retroactive(Some(default)) = self.choices[c] {
            if self.classes[c].0.is_empty() && !default.is_empty() {
                self.classes[c] = (default, true);
                return self.search(c);
            }
        }
        let selected_node = self.snapshot.claims[c].selected_node().map(str::to_owned);
        if delay && selected_node.is_none() {
            self.steps[c] = Step::AwaitsScheduler;
            return;
        }
        let competition = self.competition(c, &q, ctx, None);
        let class = self.classes[c].0;
        if class.is_empty() && self.relies_on_cluster_default(c) {
            self.settle_unbound(
                c,
                Outcome::Provisions,
                "the claim sets no class, and the inputs show no default StorageClass: the cluster's default class provisions it, if the cluster has one".to_owned(),
            );
            if let Step::Done(plan) = &mut self.steps[c] {
                plan.assumes_cluster_default = true;
            }
        } else if class.is_empty() {
            self.settle_unbound(
                c,
                Outcome::Pending,
                "no volume fits and the claim has no class, so none will be provisioned".to_owned(),
            );
        } else if let Some(why) = self.class_index.get(class).and_then(|i| self.unserved(*i)) {
            self.settle_unbound(c, Outcome::Pending, format!("no volume fits, and {why}"));
        } else {
            match self
                .class_index
                .get(class)
                .map(|i| &self.snapshot.classes[*i])
            {
                Some(sc) if sc.provisions() => {
                    let reason = match &selected_node {
                        Some(node) => format!(
                            "{} provisions a volume on node {node} (selected-node annotation)",
                            sc.provisioner
                        ),
                        None => [
                            "no existing volume fits; ",
                            &sc.provisioner,
                            " provisions one",
                        ]
                        .concat(),
                    };
                    self.settle_unbound(c, Outcome::Provisions, reason);
                }
                Some(sc) => {
                    let reason =
                        format!(
                        "no volume fits, and class {class:?} cannot provision one (provisioner {})",
                        if sc.provisioner.is_empty() { "not set" } else { sc.provisioner.as_str() }
                    );
                    self.settle_unbound(c, Outcome::Pending, reason);
                }
                None if self.snapshot.classes_complete => {
                    let reason = format!(
                        "no volume fits, and class {class:?} does not exist in the cluster, so none is provisioned"
                    );
                    self.settle_unbound(c, Outcome::Pending, reason);
                }
                None => {
                    let reason = match self.snapshot.unreadable("StorageClass") {
                        Some(why) => format!(
                            "no volume fits; class {class:?} could not be read ({why}), so the plan assumes the cluster has it and it provisions"
                        ),
                        None => format!(
                            "no volume fits; class {class:?} is not among the inputs, so the plan assumes the cluster has it and it provisions"
                        ),
                    };
                    self.settle_unbound(c, Outcome::Provisions, reason);
                }
            }
        }
        if let Step::Done(plan) = &mut self.steps[c] {
            plan.competition = competition;
        }
    }

    /// Manifests that are a part of a cluster rely on its default class: a claim still to be
    /// created that sets no class gets whatever the cluster's default class is, which the plan
    /// cannot see (were one among the inputs, the claim would have it already). Complete input
    /// shows every class; volumes among the inputs are what such a claim is meant for.
    fn relies_on_cluster_default(&self, c: usize) -> bool {
        let claim = &self.snapshot.claims[c];
        !claim.has_class()
            && !claim.meta.exists
            && !self.snapshot.classes_complete
            && self.snapshot.volumes.is_empty()
    }

    /// A claim still to be created that sets no class but asks for a class-less volume (by
    /// spec.volumeName or a selector), in input that shows no default class: it binds only if
    /// the cluster has none, because the DefaultStorageClass admission plugin would give it the
    /// default, and the PV controller binds only equal classes (upstream
    /// `checkVolumeSatisfyClaim`) unless the volume's claimRef already names the claim.
    fn binds_only_without_default_class(&self, c: usize, v: usize) -> bool {
        let claim = &self.snapshot.claims[c];
        let volume = &self.snapshot.volumes[v];
        let prebound_to_it = volume.claim_ref.as_ref().is_some_and(|r| {
            r.name == claim.meta.name
                && Some(r.namespace.as_str()) == claim.meta.namespace.as_deref()
        });
        !claim.has_class()
            && !claim.meta.exists
            && (claim.volume_name.is_some() || claim.selector.is_some())
            && self.default_classes.is_empty()
            && !self.snapshot.classes_complete
            && volume.class().is_empty()
            && !prebound_to_it
    }

    /// Whether a claim processed earlier took the volume this claim would otherwise get.
    fn competition(
        &self,
        c: usize,
        q: &ClaimQuery<'_>,
        ctx: Context<'_>,
        got: Option<usize>,
    ) -> Option<Competition> {
        let wanted = self
            .finder
            .find_if_untaken(self.snapshot, &self.states, q, ctx)?;
        if Some(wanted) == got {
            return None;
        }
        let winner = self.states[wanted].taken_by?;
        (winner != c).then_some(Competition {
            volume: wanted,
            winner,
        })
    }

    /// Records a claim that binds to no existing volume, with the volumes it passed over.
    pub fn settle_unbound(&mut self, c: usize, outcome: Outcome, reason: String) {
        let plan = self.new_plan(c, outcome, reason);
        self.steps[c] = Step::Done(plan);
        let (candidates, omitted) = self.candidates(c, outcome == Outcome::Pending, None);
        self.set_candidates(c, candidates, omitted);
    }

    pub fn set_candidates(&mut self, c: usize, candidates: Vec<Candidate>, omitted: usize) {
        if let Step::Done(plan) = &mut self.steps[c] {
            plan.candidates = candidates;
            plan.candidates_omitted = omitted;
        }
    }

    /// Why each volume was passed over. For a claim that stays Pending: the volumes of its class
    /// first, then the others. For one that provisions or waits: the volumes of its class that
    /// were free, the ones it might have been meant to get.
    pub fn candidates(
        &self,
        c: usize,
        all_classes: bool,
        node: Option<(&str, &crate::model::Labels)>,
    ) -> (Vec<Candidate>, usize) {
        let q = self.query(c);
        let ctx = Context {
            delay_binding: self.delay_binding(c),
            scheduler: node.is_some(),
            node,
            ignore_taken: false,
        };
        let by_class = if all_classes {
            &self.volumes_by_class
        } else {
            &self.free_by_class
        };
        let same_class = by_class.get(q.class).map(Vec::as_slice).unwrap_or_default();
        // Only a Pending claim lists volumes of other classes; a claim that provisions must not
        // walk every volume to find none.
        let everyone: &[usize] = if all_classes {
            &self.volumes_by_name
        } else {
            &[]
        };
        let looked_at = std::cell::Cell::new(0);
        let others = everyone
            .iter()
            .copied()
            .inspect(|_| looked_at.set(looked_at.get() + 1))
            .filter(|v| self.snapshot.volumes[*v].class() != q.class);
        let total = if all_classes {
            self.snapshot.volumes.len()
        } else {
            same_class.len()
        };
        let mut listed = Vec::new();
        // Volumes that would fit are not listed (the reason the claim does not take them is in
        // the plan); bound how many are looked at, so that a claim beside thousands of fitting
        // volumes costs no more than one beside a few.
        for v in same_class.iter().copied().chain(others).take(MAX_EXAMINED) {
            if listed.len() == MAX_CANDIDATES {
                break;
            }
            let volume = &self.snapshot.volumes[v];
            let rejected = if !ctx.scheduler && !volume.access_modes.contains_all(q.modes) {
                Rejection::AccessModes {
                    volume: volume.access_modes,
                    claim: q.modes,
                }
            } else {
                match judge(&q, volume, &self.states[v], ctx) {
                    Verdict::Fails(test) => explain(
                        &q,
                        volume,
                        &self.states[v],
                        ctx,
                        test,
                        &self.snapshot.claims,
                    ),
                    Verdict::PreBoundElsewhere => Rejection::NodeAffinity {
                        nodes: node.map(|(n, _)| vec![n.to_owned()]).unwrap_or_default(),
                    },
                    // It would fit; the claim did not take it for a reason stated in the plan
                    // (e.g. delayed binding with no consumer).
                    Verdict::PreBound | Verdict::Fits => continue,
                }
            };
            listed.push(Candidate {
                volume: v,
                rejected,
            });
        }
        LOOKED_AT.with(|n| n.set(n.get() + looked_at.get() + same_class.len().min(MAX_EXAMINED)));
        let omitted = total.saturating_sub(listed.len());
        (listed, omitted)
    }

    /// Volumes unbound by the volume sync once their claim bound elsewhere become free for
    /// claims that would otherwise stay Pending.
    fn rebind_freed_volumes(&mut self) {
        loop {
            let mut freed = Vec::new();
            for v in 0..self.states.len() {
                if let (Settled::Claimed { claim }, None) =
                    (&self.settled[v], &self.states[v].taken_by)
                {
                    let claim = *claim;
                    let elsewhere = match &self.steps[claim] {
                        Step::Done(plan) => gets_another_volume(plan, v),
                        _ => false,
                    };
                    if elsewhere
                        && self.snapshot.volumes[v].bound_by_controller()
                        && self.snapshot.volumes[v].provisioned_by().is_none()
                    {
                        freed.push(v);
                    }
                }
            }
            if freed.is_empty() {
                return;
            }
            for &v in &freed {
                self.settled[v] = Settled::Unbound;
                self.states[v].reservation = None;
                self.states[v].phase = VolumePhase::Available;
                self.finder.freed(self.snapshot, &self.states, v);
            }
            let pending: Vec<usize> = self
                .order
                .iter()
                .copied()
                .filter(|c| {
                    let claim = &self.snapshot.claims[*c];
                    !claim.bind_completed()
                        && claim.volume_name.is_none()
                        && matches!(&self.steps[*c], Step::Done(p) if p.outcome == Outcome::Pending)
                })
                .collect();
            let mut bound_any = false;
            for c in pending {
                let q = self.query(c);
                let ctx = Context {
                    delay_binding: self.delay_binding(c),
                    ..Context::default()
                };
                if let Some(v) = self
                    .finder
                    .find_for_claim(self.snapshot, &self.states, &q, ctx)
                    .volume
                {
                    let name = self.snapshot.volumes[v].meta.name.clone();
                    self.bind(
                        c,
                        v,
                        Outcome::Binds,
                        format!(
                            "volume {name} is unbound from a claim that bound elsewhere, and fits"
                        ),
                    );
                    bound_any = true;
                }
            }
            if !bound_any {
                return;
            }
        }
    }

    fn finish(self) -> BindingPlan {
        let claims: Vec<ClaimPlan> = self
            .steps
            .into_iter()
            .map(|step| match step {
                Step::Done(plan) => plan,
                // Every claim reaches a decision in `run`; this keeps the plan total anyway.
                Step::Todo | Step::AwaitsScheduler => ClaimPlan {
                    outcome: Outcome::Pending,
                    volume: None,
                    volume_index: None,
                    class: None,
                    class_index: None,
                    class_defaulted: false,
                    provisioner: None,
                    reason: "undecided".to_owned(),
                    candidates: Vec::new(),
                    candidates_omitted: 0,
                    node: None,
                    ties: Vec::new(),
                    alternatives: Vec::new(),
                    competition: None,
                    assumes_cluster_default: false,
                    assumes_no_default_class: false,
                    blocked_by_data_source: false,
                },
            })
            .collect();
        // Each volume's plan reads only the finished claims' plans: both cores share them.
        let volumes = crate::parallel::map_parts(
            (0..self.snapshot.volumes.len()).collect(),
            TextPool::default,
            |reasons, v| {
                let volume = &self.snapshot.volumes[v];
                let state = &self.states[v];
                let reclaimed = reclaim(volume);
                let released_phase = reclaimed.phase_after(volume.written_phase);
                let mut plan = VolumePlan {
                    phase: state.phase,
                    claim: None,
                    claim_index: None,
                    reserved_for: None,
                    reclaim_policy: volume.reclaim_policy_or_default(),
                    on_claim_delete: reclaimed.fate,
                    deleter: reclaimed.deleter,
                    reason: reasons.share(&reclaimed.reason),
                    previous_claim: None,
                };
                if let Some(c) = state.taken_by {
                    plan.phase = VolumePhase::Bound;
                    plan.claim = Some(self.snapshot.claims[c].meta.qualified_name());
                    plan.claim_index = Some(c);
                    return plan;
                }
                match &self.settled[v] {
                    Settled::Free | Settled::Unbound => {
                        plan.on_claim_delete = OnClaimDelete::NotApplicable;
                        plan.deleter = None;
                    }
                    Settled::Reserved | Settled::UidCleared => {
                        plan.reserved_for =
                            state.reservation.as_ref().map(Reservation::qualified_name);
                    }
                    Settled::Released => {
                        let gone = volume
                            .claim_ref
                            .as_ref()
                            .map(|r| format!("{}/{}", r.namespace, r.name));
                        plan.reason = match (&gone, plan.phase) {
                            (Some(claim), VolumePhase::Available) => format!(
                                "its claim {claim} is gone and it was recycled: {}",
                                plan.reason
                            )
                            .into(),
                            (Some(claim), _) => {
                                format!("its claim {claim} is gone: {}", plan.reason).into()
                            }
                            (None, _) => plan.reason,
                        };
                        if plan.phase == VolumePhase::Available {
                            plan.on_claim_delete = OnClaimDelete::NotApplicable;
                            plan.deleter = None;
                        } else {
                            plan.previous_claim = gone;
                        }
                    }
                    Settled::Claimed { claim } => {
                        let claim_plan = &claims[*claim];
                        if !gets_another_volume(claim_plan, v) {
                            // The binding is not finished and will not be: the volume keeps
                            // its claimRef and phase.
                            plan.claim = Some(self.snapshot.claims[*claim].meta.qualified_name());
                            plan.claim_index = Some(*claim);
                        } else if volume.provisioned_by().is_some()
                            && volume.reclaim_policy_or_default()
                                == crate::model::ReclaimPolicy::Delete
                        {
                            plan.phase = released_phase;
                        } else if volume.bound_by_controller() {
                            plan.phase = VolumePhase::Available;
                            plan.on_claim_delete = OnClaimDelete::NotApplicable;
                            plan.deleter = None;
                        } else {
                            plan.phase = VolumePhase::Available;
                            plan.reserved_for =
                                Some(self.snapshot.claims[*claim].meta.qualified_name());
                        }
                    }
                }
                plan
            },
        );
        BindingPlan {
            claims,
            volumes,
            default_class: self.default_classes.first().copied(),
            default_classes: self.default_classes,
        }
    }
}

/// One copy of each distinct text: volumes' reasons repeat a few texts over a whole cluster.
#[derive(Default)]
struct TextPool(rustc_hash::FxHashSet<Arc<str>>);

impl TextPool {
    fn share(&mut self, text: &str) -> Arc<str> {
        if let Some(shared) = self.0.get(text) {
            return shared.clone();
        }
        let shared: Arc<str> = Arc::from(text);
        self.0.insert(shared.clone());
        shared
    }
}

/// Volume indexes by name; in name order; per class, in name order.
#[allow(clippy::type_complexity)]
fn volume_tables(
    snapshot: &Snapshot,
) -> (HashMap<&str, usize>, Vec<usize>, HashMap<&str, Vec<usize>>) {
    let mut volume_index = HashMap::default();
    for (i, volume) in snapshot.volumes.iter().enumerate() {
        volume_index.entry(volume.meta.name.as_str()).or_insert(i);
    }
    // Sorted beside their names: comparing through the volumes misses the cache twice.
    let mut named: Vec<(&str, usize)> = snapshot
        .volumes
        .iter()
        .enumerate()
        .map(|(i, v)| (v.meta.name.as_str(), i))
        .collect();
    named.sort_unstable();
    let volumes_by_name: Vec<usize> = named.into_iter().map(|(_, i)| i).collect();
    let mut volumes_by_class: HashMap<&str, Vec<usize>> = HashMap::default();
    for &v in &volumes_by_name {
        volumes_by_class
            .entry(snapshot.volumes[v].class())
            .or_default()
            .push(v);
    }
    (volume_index, volumes_by_name, volumes_by_class)
}

/// Why a class's provisioner provisions no PersistentVolume: it serves another kind of claim
/// (the driver catalogue's `claim_kind`: Rook's bucket provisioner answers ObjectBucketClaims
/// and never looks at a PersistentVolumeClaim), or its in-tree plugin was removed without CSI
/// migration in the release planned for, and upstream `findProvisionablePlugin` answers any
/// `kubernetes.io/` name it has no plugin for with an error. Either way the claim stays Pending.
fn unserved_provisioner(snapshot: &Snapshot, class: &StorageClass) -> Option<String> {
    if let Some((driver, kind)) = drivers::serves_other_claims(&class.provisioner) {
        return Some(format!(
            "class {:?} names provisioner {}, the {}, which provisions {kind}s, not PersistentVolumeClaims: nothing provisions a volume for this claim (its events say it waits for the external provisioner, which never looks at it)",
            class.meta.name, class.provisioner, driver.name
        ));
    }
    let removed = removals::provisioner(&class.provisioner, snapshot.kubernetes_version)?;
    Some(format!(
        "class {:?} names provisioner {}, whose in-tree plugin Kubernetes {} removed without CSI migration: nothing provisions it in {} (ProvisioningFailed: no volume plugin matched name: {})",
        class.meta.name,
        class.provisioner,
        removed.removed_in,
        snapshot.kubernetes_version,
        class.provisioner
    ))
}

/// The claim a volume is bound to by uid gets another volume (binds one, or has one
/// provisioned): the volume sync then lets go of this one.
fn gets_another_volume(plan: &ClaimPlan, volume: usize) -> bool {
    plan.volume_index.is_some_and(|x| x != volume) || plan.outcome == Outcome::Provisions
}

#[cfg(test)]
mod tests {
    use crate::load::{load_str, LoadOptions};

    /// Listing why volumes were passed over looks at a bounded number of them per claim, however
    /// many volumes of other classes there are.
    #[test]
    fn listing_candidates_looks_at_a_bounded_number_of_volumes_per_claim() {
        let mut text = String::from(
            "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: fast}\nprovisioner: ebs.csi.aws.com\n",
        );
        for i in 0..2000 {
            text += &format!("---\napiVersion: v1\nkind: PersistentVolume\nmetadata: {{name: pv-{i:04}}}\nspec: {{storageClassName: manual, capacity: {{storage: 1Gi}}, accessModes: [ReadWriteOnce], hostPath: {{path: /d/{i}}}}}\n");
        }
        let claims = 200;
        for i in 0..claims {
            text += &format!("---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: c-{i}, namespace: a}}\nspec: {{storageClassName: fast, accessModes: [ReadWriteOnce], resources: {{requests: {{storage: 1Gi}}}}}}\n");
        }
        let loaded = load_str("t.yaml", &text, &LoadOptions::default());
        let before = super::volumes_looked_at();
        let plan = crate::binding::plan(&loaded.snapshot);
        let looked_at = super::volumes_looked_at() - before;
        assert!(plan
            .claims
            .iter()
            .all(|c| c.outcome == crate::binding::Outcome::Provisions));
        assert!(
            looked_at <= claims * super::MAX_EXAMINED,
            "{looked_at} volumes looked at for {claims} claims"
        );
    }

    /// Capacities past the largest number the plan holds saturate to it; two such volumes tie
    /// for a claim without the tie's search stepping past it.
    #[test]
    fn volumes_too_large_to_count_tie_without_overflow() {
        let mut text = String::new();
        for name in ["pv-a", "pv-b"] {
            text += &format!("---\napiVersion: v1\nkind: PersistentVolume\nmetadata: {{name: {name}}}\nspec: {{storageClassName: manual, capacity: {{storage: 99999999999999999999999999999999999999Ei}}, accessModes: [ReadWriteOnce], hostPath: {{path: /d}}}}\n");
        }
        text += "---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c, namespace: a}\nspec: {storageClassName: manual, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n";
        let loaded = load_str("t.yaml", &text, &LoadOptions::default());
        let plan = crate::binding::plan(&loaded.snapshot);
        assert_eq!(plan.claims[0].outcome, crate::binding::Outcome::Binds);
        assert_eq!(plan.claims[0].ties.len(), 1);
    }
}
