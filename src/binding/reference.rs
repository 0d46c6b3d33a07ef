//! The plain matcher: upstream's loops, volume by volume. It is the specification the indexed
//! finder is tested against, and fast enough for small inputs.

use std::collections::BTreeMap;

use crate::model::{Labels, Snapshot};

use super::filters::{
    access_mode_groups, judge, with_group_order_ties, ClaimQuery, Context, Found, Verdict,
    VolumeState, MAX_TIES,
};

/// Answers the matcher's two questions. Implementations must agree exactly: the property tests
/// hold them to it.
pub trait Finder: Sync {
    /// What the finder works out once per claim for the scheduler's path, which asks about the
    /// same claim on many nodes.
    type Prepared;

    /// `by_name`: the volume indexes in name order, the order upstream's loops are modelled on.
    fn build(snapshot: &Snapshot, states: &[VolumeState], by_name: &[usize]) -> Self;

    /// The controller's path, upstream `findByClaim`: access-mode groups fewest modes first;
    /// within a group a volume pre-bound to the claim wins, else the smallest that fits.
    fn find_for_claim(
        &self,
        snapshot: &Snapshot,
        states: &[VolumeState],
        q: &ClaimQuery<'_>,
        ctx: Context<'_>,
    ) -> Found;

    /// The volume `find_for_claim` chooses were the volumes taken in this plan free: a taken
    /// one is one a claim processed earlier won.
    fn find_if_untaken(
        &self,
        snapshot: &Snapshot,
        states: &[VolumeState],
        q: &ClaimQuery<'_>,
        ctx: Context<'_>,
    ) -> Option<usize> {
        let ctx = Context {
            ignore_taken: true,
            ..ctx
        };
        self.find_for_claim(snapshot, states, q, ctx).volume
    }

    /// The scheduler's path, upstream `FindMatchingVolume` with a node: among the volumes of
    /// the claim's class, a pre-bound one decides (if its affinity excludes the node, nothing
    /// fits), else the smallest that fits. `excluded` are volumes already chosen for other
    /// claims of the same pod. `prepared` is `prepare(q)`.
    fn find_on_node(
        &self,
        snapshot: &Snapshot,
        states: &[VolumeState],
        q: &ClaimQuery<'_>,
        prepared: &Self::Prepared,
        node: Option<(&str, &Labels)>,
        excluded: &[usize],
    ) -> Option<usize>;

    /// The scheduler's path begins: `find_on_node` is asked nothing before this.
    fn start_scheduling(&mut self, _snapshot: &Snapshot, _states: &[VolumeState]) {}

    /// Works out once what `find_on_node` needs of the claim on every node.
    fn prepare(&self, q: &ClaimQuery<'_>) -> Self::Prepared;

    /// A volume changed hands in the plan (taken by a claim) or became free (unbound).
    fn taken(&mut self, snapshot: &Snapshot, states: &[VolumeState], volume: usize);
    fn freed(&mut self, snapshot: &Snapshot, states: &[VolumeState], volume: usize);
}

pub struct ReferenceFinder {
    /// Volume indexes in name order, the order the loops walk.
    by_name: Vec<usize>,
}

impl Finder for ReferenceFinder {
    type Prepared = ();

    fn build(_snapshot: &Snapshot, _states: &[VolumeState], by_name: &[usize]) -> Self {
        ReferenceFinder {
            by_name: by_name.to_vec(),
        }
    }

    fn find_for_claim(
        &self,
        snapshot: &Snapshot,
        states: &[VolumeState],
        q: &ClaimQuery<'_>,
        ctx: Context<'_>,
    ) -> Found {
        let mut groups: BTreeMap<u8, Vec<usize>> = BTreeMap::new();
        for &v in &self.by_name {
            groups
                .entry(snapshot.volumes[v].access_modes.bits())
                .or_default()
                .push(v);
        }
        let sets = access_mode_groups(q.modes);
        let answer = |bits: u8| {
            groups
                .get(&bits)
                .and_then(|members| best_in_group(snapshot, states, q, ctx, members))
        };
        for (i, set) in sets.iter().enumerate() {
            let Some(found) = answer(set.bits()) else {
                continue;
            };
            let others = sets[i + 1..]
                .iter()
                .take_while(|g| g.len() == set.len())
                .filter_map(|g| answer(g.bits()));
            return with_group_order_ties(snapshot, found, others);
        }
        Found::default()
    }

    fn prepare(&self, _: &ClaimQuery<'_>) {}

    fn find_on_node(
        &self,
        snapshot: &Snapshot,
        states: &[VolumeState],
        q: &ClaimQuery<'_>,
        _: &(),
        node: Option<(&str, &Labels)>,
        excluded: &[usize],
    ) -> Option<usize> {
        let ctx = Context {
            delay_binding: true,
            scheduler: true,
            node,
            ignore_taken: false,
        };
        let mut best: Option<usize> = None;
        for &v in &self.by_name {
            let volume = &snapshot.volumes[v];
            // The scheduler only looks at volumes of the claim's class (its PV cache is indexed
            // by class).
            if volume.class() != q.class || excluded.contains(&v) {
                continue;
            }
            match judge(q, volume, &states[v], ctx) {
                Verdict::PreBound => return Some(v),
                Verdict::PreBoundElsewhere => return None,
                Verdict::Fits => {
                    if best.is_none_or(|b| {
                        snapshot.volumes[b].capacity_or_zero() > volume.capacity_or_zero()
                    }) {
                        best = Some(v);
                    }
                }
                Verdict::Fails(_) => {}
            }
        }
        best
    }

    fn taken(&mut self, _: &Snapshot, _: &[VolumeState], _: usize) {}
    fn freed(&mut self, _: &Snapshot, _: &[VolumeState], _: usize) {}
}

/// The controller's answer among the volumes of one set of access modes (`members`, by name):
/// a volume pre-bound to the claim, else the smallest that fits, with those as small.
fn best_in_group(
    snapshot: &Snapshot,
    states: &[VolumeState],
    q: &ClaimQuery<'_>,
    ctx: Context<'_>,
    members: &[usize],
) -> Option<Found> {
    // Upstream returns the first volume pre-bound to the claim it meets, in cache order.
    let prebound: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&v| judge(q, &snapshot.volumes[v], &states[v], ctx) == Verdict::PreBound)
        .collect();
    if let Some((&first, rest)) = prebound.split_first() {
        return Some(Found {
            volume: Some(first),
            prebound: true,
            ties: rest.iter().copied().take(MAX_TIES).collect(),
        });
    }
    let mut best: Option<usize> = None;
    let mut ties = Vec::new();
    for &v in members {
        let volume = &snapshot.volumes[v];
        match judge(q, volume, &states[v], ctx) {
            Verdict::Fits => match best {
                Some(b) if snapshot.volumes[b].capacity_or_zero() <= volume.capacity_or_zero() => {
                    if snapshot.volumes[b].capacity_or_zero() == volume.capacity_or_zero()
                        && ties.len() < MAX_TIES
                    {
                        ties.push(v);
                    }
                }
                _ => {
                    best = Some(v);
                    ties.clear();
                }
            },
            Verdict::PreBound | Verdict::PreBoundElsewhere | Verdict::Fails(_) => {}
        }
    }
    best.map(|b| Found {
        volume: Some(b),
        prebound: false,
        ties,
    })
}
