//! The indexed finder: the same answers as `reference`, in logarithmic time per claim.
//!
//! Free volumes are kept in ordered maps keyed by everything a match must equal (access-mode
//! set, class, volume mode, attributes class) and ordered by capacity, then name: the smallest
//! fitting volume is the first entry at or above the request that passes the remaining tests
//! (selector, and on the scheduler's path node affinity and access modes). Volumes pinned to
//! hosts (local volumes) are bucketed by hostname, so a node only looks at its own.

use std::collections::{BTreeMap, HashMap};

use crate::model::selector::HOSTNAME_LABEL;
use crate::model::{Labels, Snapshot, Volume, VolumeMode, VolumePhase};

use super::filters::{
    access_mode_groups, judge, ClaimQuery, Context, Found, Verdict, VolumeState, MAX_TIES,
};
use super::reference::Finder;

/// Capacity (nano-units) and name rank: the order upstream's "smallest wins, first seen wins
/// ties" produces when volumes are seen in name order.
type Slot = (i128, u32);
type Shelf = BTreeMap<Slot, usize>;

/// Interned class, volume mode and attributes class: what a free volume must share with a
/// claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Kind {
    class: u32,
    mode: VolumeMode,
    attributes: u32,
}

pub struct IndexedFinder {
    rank: Vec<u32>,
    names: HashMap<String, u32>,
    /// Controller's path: free volumes by (access-mode set, kind).
    free: HashMap<(u8, Kind), Shelf>,
    /// The same for volumes taken in this plan, to find competing claims.
    taken: HashMap<(u8, Kind), Shelf>,
    /// Volumes with a claimRef, by the claim's namespace and name, in name order.
    reserved: HashMap<String, HashMap<String, Vec<usize>>>,
    /// Scheduler's path: free volumes by kind; all of them, those not pinned to hosts, and
    /// those pinned, per hostname.
    by_kind: HashMap<Kind, Shelf>,
    unpinned: HashMap<Kind, Shelf>,
    pinned: HashMap<(Kind, String), Shelf>,
}

impl IndexedFinder {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(id) = self.names.get(name) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.names.insert(name.to_owned(), id);
        id
    }

    fn lookup(&self, name: &str) -> Option<u32> {
        self.names.get(name).copied()
    }

    fn volume_kind(&mut self, volume: &Volume) -> Kind {
        Kind {
            class: self.intern(volume.class()),
            mode: volume.volume_mode_or_default(),
            attributes: self.intern(volume.attributes_class.as_deref().unwrap_or("")),
        }
    }

    fn claim_kind(&self, q: &ClaimQuery<'_>) -> Option<Kind> {
        Some(Kind {
            class: self.lookup(q.class)?,
            mode: q.volume_mode,
            attributes: self.lookup(q.attributes_class.unwrap_or(""))?,
        })
    }

    fn slot(&self, volume: &Volume, v: usize) -> Slot {
        (volume.capacity_or_zero().nanos(), self.rank[v])
    }

    fn is_free(volume: &Volume, state: &VolumeState) -> bool {
        state.reservation.is_none()
            && state.taken_by.is_none()
            && state.phase == VolumePhase::Available
            && !volume.meta.deleting
    }

    /// Puts a free volume on (or takes it off) the shelves it belongs to.
    fn shelve(&mut self, volume: &Volume, v: usize, add: bool) {
        let kind = self.volume_kind(volume);
        let slot = self.slot(volume, v);
        let file = |shelf: &mut Shelf| {
            if add {
                shelf.insert(slot, v);
            } else {
                shelf.remove(&slot);
            }
        };
        file(
            self.free
                .entry((volume.access_modes.bits(), kind))
                .or_default(),
        );
        file(self.by_kind.entry(kind).or_default());
        match &volume.node_affinity {
            None => file(self.unpinned.entry(kind).or_default()),
            Some(Ok(selector)) => match selector.pinned_hostnames() {
                None => file(self.unpinned.entry(kind).or_default()),
                Some(hosts) => {
                    for host in hosts {
                        file(self.pinned.entry((kind, host)).or_default());
                    }
                }
            },
            // Matches no node: only the node-less search may offer it.
            Some(Err(_)) => {}
        }
    }

    /// The first volume on `shelf`, at or above the request, that passes every test.
    fn first_fit(
        shelf: Option<&Shelf>,
        snapshot: &Snapshot,
        states: &[VolumeState],
        q: &ClaimQuery<'_>,
        ctx: Context<'_>,
        excluded: &[usize],
    ) -> Option<(Slot, usize)> {
        shelf?
            .range((q.request.nanos(), 0)..)
            .filter(|(_, v)| !excluded.contains(v))
            .find(|(_, v)| judge(q, &snapshot.volumes[**v], &states[**v], ctx) == Verdict::Fits)
            .map(|(slot, v)| (*slot, *v))
    }

    fn reserved_for<'s>(&'s self, q: &ClaimQuery<'_>) -> &'s [usize] {
        self.reserved
            .get(q.namespace)
            .and_then(|by_name| by_name.get(q.name))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

impl Finder for IndexedFinder {
    fn build(snapshot: &Snapshot, states: &[VolumeState]) -> Self {
        let mut by_name: Vec<usize> = (0..snapshot.volumes.len()).collect();
        by_name.sort_by(|a, b| {
            snapshot.volumes[*a]
                .meta
                .name
                .cmp(&snapshot.volumes[*b].meta.name)
        });
        let mut rank = vec![0u32; snapshot.volumes.len()];
        for (r, v) in by_name.iter().enumerate() {
            rank[*v] = r as u32;
        }
        let mut finder = IndexedFinder {
            rank,
            names: HashMap::new(),
            free: HashMap::new(),
            taken: HashMap::new(),
            reserved: HashMap::new(),
            by_kind: HashMap::new(),
            unpinned: HashMap::new(),
            pinned: HashMap::new(),
        };
        for &v in &by_name {
            let volume = &snapshot.volumes[v];
            let state = &states[v];
            if let Some(r) = &state.reservation {
                finder
                    .reserved
                    .entry(r.namespace.clone())
                    .or_default()
                    .entry(r.name.clone())
                    .or_default()
                    .push(v);
            }
            if Self::is_free(volume, state) {
                finder.shelve(volume, v, true);
            }
        }
        finder
    }

    fn find_for_claim(
        &self,
        snapshot: &Snapshot,
        states: &[VolumeState],
        q: &ClaimQuery<'_>,
        ctx: Context<'_>,
    ) -> Found {
        let reserved = self.reserved_for(q);
        let kind = self.claim_kind(q);
        for group in access_mode_groups(q.modes) {
            let bits = group.bits();
            for &v in reserved {
                let volume = &snapshot.volumes[v];
                if volume.access_modes.bits() == bits
                    && judge(q, volume, &states[v], ctx) == Verdict::PreBound
                {
                    return Found {
                        volume: Some(v),
                        prebound: true,
                        ties: Vec::new(),
                    };
                }
            }
            if ctx.delay_binding {
                continue;
            }
            let Some(kind) = kind else { continue };
            let mut best =
                Self::first_fit(self.free.get(&(bits, kind)), snapshot, states, q, ctx, &[]);
            if ctx.ignore_taken {
                let taken =
                    Self::first_fit(self.taken.get(&(bits, kind)), snapshot, states, q, ctx, &[]);
                best = match (best, taken) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            let Some((slot, v)) = best else { continue };
            let ties = if ctx.ignore_taken {
                Vec::new()
            } else {
                self.free
                    .get(&(bits, kind))
                    .into_iter()
                    .flat_map(|shelf| shelf.range((slot.0, slot.1 + 1)..(slot.0 + 1, 0)))
                    .filter(|(_, t)| {
                        judge(q, &snapshot.volumes[**t], &states[**t], ctx) == Verdict::Fits
                    })
                    .map(|(_, t)| *t)
                    .take(MAX_TIES)
                    .collect()
            };
            return Found {
                volume: Some(v),
                prebound: false,
                ties,
            };
        }
        Found::default()
    }

    fn find_on_node(
        &self,
        snapshot: &Snapshot,
        states: &[VolumeState],
        q: &ClaimQuery<'_>,
        node: Option<(&str, &Labels)>,
        excluded: &[usize],
    ) -> Option<usize> {
        let ctx = Context {
            delay_binding: true,
            scheduler: true,
            node,
            ignore_taken: false,
        };
        for &v in self.reserved_for(q) {
            let volume = &snapshot.volumes[v];
            if volume.class() != q.class || excluded.contains(&v) {
                continue;
            }
            match judge(q, volume, &states[v], ctx) {
                Verdict::PreBound => return Some(v),
                Verdict::PreBoundElsewhere => return None,
                Verdict::Fits | Verdict::Fails(_) => {}
            }
        }
        let kind = self.claim_kind(q)?;
        let best = match node {
            None => Self::first_fit(self.by_kind.get(&kind), snapshot, states, q, ctx, excluded),
            Some((_, labels)) => {
                let anywhere =
                    Self::first_fit(self.unpinned.get(&kind), snapshot, states, q, ctx, excluded);
                let here = labels.get(HOSTNAME_LABEL).and_then(|host| {
                    Self::first_fit(
                        self.pinned.get(&(kind, host.clone())),
                        snapshot,
                        states,
                        q,
                        ctx,
                        excluded,
                    )
                });
                match (anywhere, here) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                }
            }
        };
        best.map(|(_, v)| v)
    }

    fn taken(&mut self, snapshot: &Snapshot, states: &[VolumeState], v: usize) {
        let volume = &snapshot.volumes[v];
        let state = &states[v];
        // Only a volume that was free can be competed for; one with a claimRef was never on
        // the shelves, and filing it under `taken` would only slow the competition search.
        let was_free = state.reservation.is_none()
            && state.phase == VolumePhase::Available
            && !volume.meta.deleting;
        if !was_free {
            return;
        }
        self.shelve(volume, v, false);
        let kind = self.volume_kind(volume);
        let slot = self.slot(volume, v);
        self.taken
            .entry((volume.access_modes.bits(), kind))
            .or_default()
            .insert(slot, v);
    }

    fn freed(&mut self, snapshot: &Snapshot, states: &[VolumeState], v: usize) {
        let volume = &snapshot.volumes[v];
        if Self::is_free(volume, &states[v]) {
            self.shelve(volume, v, true);
        }
    }
}
