//! The indexed finder: the same answers as `reference`, in logarithmic time per claim.
//!
//! Free volumes are kept in ordered maps keyed by everything a match must equal (access-mode
//! set, class, volume mode, attributes class) and ordered by capacity, then name: the smallest
//! fitting volume is the first entry at or above the request that passes the remaining tests
//! (selector, and on the scheduler's path node affinity and access modes). Volumes pinned to
//! hosts (local volumes) are bucketed by hostname, so a node only looks at its own.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;

use crate::model::selector::{LabelOperator, HOSTNAME_LABEL};
use crate::model::{Labels, Snapshot, Volume, VolumeMode, VolumePhase};

use super::filters::{
    access_mode_groups, judge, with_group_order_ties, ClaimQuery, Context, Found, Verdict,
    VolumeState, MAX_TIES,
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
    /// The same with the volumes taken in this plan still on them: what a claim would have had
    /// but for the claims processed before it (competition). Taking a volume leaves these
    /// alone; only a volume freed in the plan is added.
    untaken: HashMap<(u8, Kind), Shelf>,
    /// `free` and `untaken` again, per label (`key=value`, interned): a claim whose selector
    /// requires a label looks only at volumes that carry it.
    free_labeled: HashMap<(u8, Kind, u32), Shelf>,
    untaken_labeled: HashMap<(u8, Kind, u32), Shelf>,
    label_ids: HashMap<String, u32>,
    /// Label keys some claim's selector requires: only these are worth shelving by.
    selector_keys: rustc_hash::FxHashSet<String>,
    /// Volumes with a claimRef, by the claim's namespace and name, in name order: the id of
    /// the claim's list in `reserved_lists`.
    reserved: HashMap<String, HashMap<String, u32>>,
    reserved_lists: Vec<Vec<usize>>,
    /// Scheduler's path: free volumes by kind; all of them, those not pinned to hosts, and
    /// those pinned, per hostname.
    by_kind: HashMap<Kind, Shelf>,
    unpinned: HashMap<Kind, Shelf>,
    pinned: HashMap<(Kind, u32), Shelf>,
    host_ids: HashMap<String, u32>,
    /// What each volume is filed under, worked out once.
    filings: Vec<Filing>,
    /// The scheduler's shelves are filled: the controller's pass, which never reads them,
    /// runs before, so they are built once from the volumes left free then.
    scheduling: bool,
}

/// What a claim's searches look up once: the volumes reserved for it, its kind, and the
/// labels its selector requires.
pub struct Prepared {
    reserved: Option<u32>,
    /// `None`: no volume has the claim's class or attributes class.
    kind: Option<Kind>,
    labels: Option<Vec<u32>>,
}

/// Where a volume goes on the shelves.
struct Filing {
    bits: u8,
    kind: Kind,
    slot: Slot,
    labels: Vec<u32>,
    hosts: Hosts,
}

/// The hosts a volume's node affinity pins it to.
enum Hosts {
    /// Not pinned: a candidate on any node, its affinity judged there.
    Anywhere,
    /// Only on nodes with one of these hostnames (interned).
    On(Vec<u32>),
    /// Its affinity cannot be read, so it matches no node.
    Nowhere,
}

impl IndexedFinder {
    /// The controller's answer among volumes with exactly the access modes `bits`.
    fn find_in_group(
        &self,
        snapshot: &Snapshot,
        states: &[VolumeState],
        q: &ClaimQuery<'_>,
        prepared: &Prepared,
        ctx: Context<'_>,
        bits: u8,
    ) -> Option<Found> {
        let reserved = self.reserved_list(prepared);
        let kind = prepared.kind;
        let labels = &prepared.labels;
        {
            // Upstream returns the first volume pre-bound to the claim it meets, in cache order.
            let mut prebound = reserved.iter().copied().filter(|&v| {
                let volume = &snapshot.volumes[v];
                volume.access_modes.bits() == bits
                    && judge(q, volume, &states[v], ctx) == Verdict::PreBound
            });
            if let Some(first) = prebound.next() {
                return Some(Found {
                    volume: Some(first),
                    prebound: true,
                    ties: prebound.take(MAX_TIES).collect(),
                });
            }
            if ctx.delay_binding {
                return None;
            }
            let kind = kind?;
            let free = Self::shelves(
                &self.free,
                &self.free_labeled,
                bits,
                kind,
                labels.as_deref(),
            );
            if let ([shelf], false) = (free.as_slice(), ctx.ignore_taken) {
                // One shelf: its first fit and the ties after it come from one walk.
                let fits = |v: usize| Self::fits_on_free_shelf(snapshot, states, q, ctx, v);
                let mut entries = shelf.range((q.request.nanos(), 0)..);
                let (slot, v) = entries.find(|(_, v)| fits(**v))?;
                let ties = entries
                    .take_while(|(s, _)| s.0 == slot.0)
                    .filter(|(_, t)| fits(**t))
                    .take(MAX_TIES)
                    .map(|(_, t)| *t)
                    .collect();
                return Some(Found {
                    volume: Some(*v),
                    prebound: false,
                    ties,
                });
            }
            let best = if ctx.ignore_taken {
                let untaken = Self::shelves(
                    &self.untaken,
                    &self.untaken_labeled,
                    bits,
                    kind,
                    labels.as_deref(),
                );
                Self::best_fit(&untaken, snapshot, states, q, ctx)
            } else {
                Self::best_fit(&free, snapshot, states, q, ctx)
            };
            let (slot, v) = best?;
            let ties = if ctx.ignore_taken {
                Vec::new()
            } else {
                let mut ties: Vec<(Slot, usize)> = free
                    .iter()
                    .flat_map(|shelf| {
                        shelf
                            // The same capacity, later in the order (a capacity of
                            // i128::MAX, saturated from a huge quantity, has no next one).
                            .range((
                                std::ops::Bound::Excluded(slot),
                                std::ops::Bound::Included((slot.0, u32::MAX)),
                            ))
                            .filter(|(_, t)| {
                                Self::fits_on_free_shelf(snapshot, states, q, ctx, **t)
                            })
                            .take(MAX_TIES)
                            .map(|(s, t)| (*s, *t))
                    })
                    .collect();
                ties.sort_unstable();
                ties.into_iter().take(MAX_TIES).map(|(_, t)| t).collect()
            };
            Some(Found {
                volume: Some(v),
                prebound: false,
                ties,
            })
        }
    }

    fn filing(&mut self, volume: &Volume, v: usize) -> Filing {
        let kind = Kind {
            class: intern(&mut self.names, volume.class()),
            mode: volume.volume_mode_or_default(),
            attributes: intern(
                &mut self.names,
                volume.attributes_class.as_deref().unwrap_or(""),
            ),
        };
        let mut label = String::new();
        let labels = volume
            .meta
            .labels
            .iter()
            .filter(|(k, _)| self.selector_keys.contains(k.as_str()))
            .map(|(k, v)| {
                label.clear();
                label.extend([k.as_str(), "=", v.as_str()]);
                intern(&mut self.label_ids, &label)
            })
            .collect();
        let hosts = match &volume.node_affinity {
            None => Hosts::Anywhere,
            Some(Ok(selector)) => match selector.pinned_hostnames() {
                None => Hosts::Anywhere,
                Some(hosts) => Hosts::On(
                    hosts
                        .iter()
                        .map(|h| intern(&mut self.host_ids, h))
                        .collect(),
                ),
            },
            Some(Err(_)) => Hosts::Nowhere,
        };
        Filing {
            bits: volume.access_modes.bits(),
            kind,
            slot: (volume.capacity_nanos(), self.rank[v]),
            labels,
            hosts,
        }
    }

    /// The labels a claim's selector requires one of (the first `matchLabels` entry, else the
    /// values of the first `In`), if it requires any: only volumes with one can match. Labels
    /// no volume has are left out; an empty list then means nothing can match.
    fn required_labels(&self, q: &ClaimQuery<'_>) -> Option<Vec<u32>> {
        let Some(Ok(selector)) = q.selector else {
            return None;
        };
        let wanted: Vec<String> = if let Some((k, v)) = selector.match_labels.iter().next() {
            vec![format!("{k}={v}")]
        } else {
            let requirement = selector
                .match_expressions
                .iter()
                .find(|r| r.operator == LabelOperator::In)?;
            requirement
                .values
                .iter()
                .map(|v| format!("{}={v}", requirement.key))
                .collect()
        };
        Some(
            wanted
                .iter()
                .filter_map(|w| self.label_ids.get(w).copied())
                .collect(),
        )
    }

    /// The shelves a claim's search walks in one access-mode group: the whole group, or its
    /// labeled shelves when the selector requires labels.
    fn shelves<'s>(
        whole: &'s HashMap<(u8, Kind), Shelf>,
        labeled: &'s HashMap<(u8, Kind, u32), Shelf>,
        bits: u8,
        kind: Kind,
        labels: Option<&[u32]>,
    ) -> Vec<&'s Shelf> {
        match labels {
            None => whole.get(&(bits, kind)).into_iter().collect(),
            Some(ids) => ids
                .iter()
                .filter_map(|id| labeled.get(&(bits, kind, *id)))
                .collect(),
        }
    }

    /// The best fitting volume over several shelves.
    fn best_fit(
        shelves: &[&Shelf],
        snapshot: &Snapshot,
        states: &[VolumeState],
        q: &ClaimQuery<'_>,
        ctx: Context<'_>,
    ) -> Option<(Slot, usize)> {
        shelves
            .iter()
            .filter_map(|shelf| {
                shelf
                    .range((q.request.nanos(), 0)..)
                    .find(|(_, v)| Self::fits_on_free_shelf(snapshot, states, q, ctx, **v))
                    .map(|(slot, v)| (*slot, *v))
            })
            .min()
    }

    /// Whether volume `v`, on a controller's shelf of the claim's kind (free, or taken when
    /// taken volumes count as free) and at or above its request, fits the claim. Such a volume
    /// passes every test but the selector's (the shelf stands for the rest), so a claim without
    /// one need not read the volume: at scale that read is a cache miss per volume.
    fn fits_on_free_shelf(
        snapshot: &Snapshot,
        states: &[VolumeState],
        q: &ClaimQuery<'_>,
        ctx: Context<'_>,
        v: usize,
    ) -> bool {
        let fits = || judge(q, &snapshot.volumes[v], &states[v], ctx) == Verdict::Fits;
        if q.selector.is_none() && !ctx.scheduler && !ctx.delay_binding {
            debug_assert!(
                fits(),
                "volume {v} is on the claim's shelf but does not fit"
            );
            return true;
        }
        fits()
    }

    fn lookup(&self, name: &str) -> Option<u32> {
        self.names.get(name).copied()
    }

    fn claim_kind(&self, q: &ClaimQuery<'_>) -> Option<Kind> {
        Some(Kind {
            class: self.lookup(q.class)?,
            mode: q.volume_mode,
            attributes: self.lookup(q.attributes_class.unwrap_or(""))?,
        })
    }

    /// Free as the volume sync left it: no claimRef, Available, not being deleted.
    fn settled_free(volume: &Volume, state: &VolumeState) -> bool {
        state.reservation.is_none()
            && state.phase == VolumePhase::Available
            && !volume.meta.deleting
    }

    /// Free now: settled free and not taken in this plan.
    fn is_free(volume: &Volume, state: &VolumeState) -> bool {
        Self::settled_free(volume, state) && state.taken_by.is_none()
    }

    /// Puts a free volume on (or takes it off) the shelves it belongs to.
    fn shelve(&mut self, v: usize, add: bool) {
        let Filing {
            bits,
            kind,
            slot,
            labels,
            hosts,
        } = &self.filings[v];
        let (bits, kind, slot) = (*bits, *kind, *slot);
        let file = |shelf: &mut Shelf| {
            if add {
                shelf.insert(slot, v);
            } else {
                shelf.remove(&slot);
            }
        };
        file(self.free.entry((bits, kind)).or_default());
        for &label in labels {
            file(self.free_labeled.entry((bits, kind, label)).or_default());
        }
        // The untaken shelves keep a volume taken in the plan; one freed joins them.
        if add {
            file(self.untaken.entry((bits, kind)).or_default());
            for &label in labels {
                file(self.untaken_labeled.entry((bits, kind, label)).or_default());
            }
        }
        if !self.scheduling {
            return;
        }
        file(self.by_kind.entry(kind).or_default());
        match hosts {
            Hosts::Anywhere => file(self.unpinned.entry(kind).or_default()),
            Hosts::On(hosts) => {
                for &host in hosts {
                    file(self.pinned.entry((kind, host)).or_default());
                }
            }
            // Matches no node: only the node-less search may offer it.
            Hosts::Nowhere => {}
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

    /// Adds volume `v` to the list of those whose claimRef names `namespace`/`name`.
    fn reserve(&mut self, namespace: &str, name: &str, v: usize) {
        let by_name = match self.reserved.get_mut(namespace) {
            Some(by_name) => by_name,
            None => self.reserved.entry(namespace.to_owned()).or_default(),
        };
        let id = match by_name.get(name) {
            Some(&id) => id,
            None => {
                let id = self.reserved_lists.len() as u32;
                by_name.insert(name.to_owned(), id);
                self.reserved_lists.push(Vec::new());
                id
            }
        };
        self.reserved_lists[id as usize].push(v);
    }

    fn reserved_list(&self, prepared: &Prepared) -> &[usize] {
        prepared
            .reserved
            .map(|id| self.reserved_lists[id as usize].as_slice())
            .unwrap_or_default()
    }
}

impl Finder for IndexedFinder {
    type Prepared = Prepared;

    fn build(snapshot: &Snapshot, states: &[VolumeState], by_name: &[usize]) -> Self {
        let mut rank = vec![0u32; snapshot.volumes.len()];
        for (r, v) in by_name.iter().enumerate() {
            rank[*v] = r as u32;
        }
        let mut finder = IndexedFinder {
            rank,
            names: HashMap::default(),
            free: HashMap::default(),
            untaken: HashMap::default(),
            free_labeled: HashMap::default(),
            untaken_labeled: HashMap::default(),
            label_ids: HashMap::default(),
            reserved: HashMap::default(),
            reserved_lists: Vec::new(),
            by_kind: HashMap::default(),
            unpinned: HashMap::default(),
            pinned: HashMap::default(),
            host_ids: HashMap::default(),
            filings: Vec::new(),
            scheduling: false,
            selector_keys: snapshot
                .claims
                .iter()
                .filter_map(|c| match &c.selector {
                    Some(Ok(selector)) => Some(selector),
                    _ => None,
                })
                .flat_map(|s| {
                    s.match_labels
                        .keys()
                        .chain(
                            s.match_expressions
                                .iter()
                                .filter(|r| r.operator == LabelOperator::In)
                                .map(|r| &r.key),
                        )
                        .cloned()
                })
                .collect(),
        };
        finder.filings = (0..snapshot.volumes.len())
            .map(|v| finder.filing(&snapshot.volumes[v], v))
            .collect();
        let mut free = Vec::new();
        for &v in by_name {
            let state = &states[v];
            if let Some(r) = &state.reservation {
                finder.reserve(&r.namespace, &r.name, v);
            }
            if Self::is_free(&snapshot.volumes[v], state) {
                free.push(v);
            }
        }
        let filings = &finder.filings;
        finder.free = shelves(free.iter().map(|&v| {
            let f = &filings[v];
            ((f.bits, f.kind), f.slot, v)
        }));
        finder.free_labeled = shelves(free.iter().flat_map(|&v| {
            let f = &filings[v];
            f.labels
                .iter()
                .map(move |&label| ((f.bits, f.kind, label), f.slot, v))
        }));
        finder.untaken = finder.free.clone();
        finder.untaken_labeled = finder.free_labeled.clone();
        finder
    }

    fn start_scheduling(&mut self, snapshot: &Snapshot, states: &[VolumeState]) {
        if self.scheduling {
            return;
        }
        self.scheduling = true;
        let filings = &self.filings;
        let free: Vec<usize> = (0..filings.len())
            .filter(|&v| Self::is_free(&snapshot.volumes[v], &states[v]))
            .collect();
        self.by_kind = shelves(free.iter().map(|&v| (filings[v].kind, filings[v].slot, v)));
        self.unpinned = shelves(free.iter().filter_map(|&v| {
            let f = &filings[v];
            matches!(f.hosts, Hosts::Anywhere).then_some((f.kind, f.slot, v))
        }));
        self.pinned = shelves(free.iter().flat_map(|&v| {
            let f = &filings[v];
            let hosts = match &f.hosts {
                Hosts::On(hosts) => hosts.as_slice(),
                Hosts::Anywhere | Hosts::Nowhere => &[],
            };
            hosts.iter().map(move |&host| ((f.kind, host), f.slot, v))
        }));
    }

    fn find_for_claim(
        &self,
        snapshot: &Snapshot,
        states: &[VolumeState],
        q: &ClaimQuery<'_>,
        ctx: Context<'_>,
    ) -> Found {
        let prepared = self.prepare(q);
        let groups = access_mode_groups(q.modes);
        for (i, group) in groups.iter().enumerate() {
            let Some(found) = self.find_in_group(snapshot, states, q, &prepared, ctx, group.bits())
            else {
                continue;
            };
            let others = groups[i + 1..]
                .iter()
                .take_while(|g| g.len() == group.len())
                .filter_map(|g| self.find_in_group(snapshot, states, q, &prepared, ctx, g.bits()));
            return with_group_order_ties(snapshot, found, others);
        }
        Found::default()
    }

    /// As `find_for_claim` with taken volumes counted as free, without the ties: its first group
    /// with an answer gives the volume.
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
        let prepared = self.prepare(q);
        access_mode_groups(q.modes)
            .iter()
            .find_map(|g| self.find_in_group(snapshot, states, q, &prepared, ctx, g.bits()))?
            .volume
    }

    fn find_on_node(
        &self,
        snapshot: &Snapshot,
        states: &[VolumeState],
        q: &ClaimQuery<'_>,
        prepared: &Prepared,
        node: Option<(&str, &Labels)>,
        excluded: &[usize],
    ) -> Option<usize> {
        let ctx = Context {
            delay_binding: true,
            scheduler: true,
            node,
            ignore_taken: false,
        };
        for &v in self.reserved_list(prepared) {
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
        let kind = prepared.kind?;
        let best = match node {
            None => Self::first_fit(self.by_kind.get(&kind), snapshot, states, q, ctx, excluded),
            Some((_, labels)) => {
                let anywhere =
                    Self::first_fit(self.unpinned.get(&kind), snapshot, states, q, ctx, excluded);
                let here = labels.get(HOSTNAME_LABEL).and_then(|host| {
                    Self::first_fit(
                        self.host_ids
                            .get(host)
                            .and_then(|id| self.pinned.get(&(kind, *id))),
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

    fn prepare(&self, q: &ClaimQuery<'_>) -> Prepared {
        Prepared {
            reserved: self
                .reserved
                .get(q.namespace)
                .and_then(|by_name| by_name.get(q.name))
                .copied(),
            kind: self.claim_kind(q),
            labels: self.required_labels(q),
        }
    }

    fn taken(&mut self, snapshot: &Snapshot, states: &[VolumeState], v: usize) {
        // Only a volume that was free is on the shelves; it stays on the untaken ones.
        if Self::settled_free(&snapshot.volumes[v], &states[v]) {
            self.shelve(v, false);
        }
    }

    fn freed(&mut self, snapshot: &Snapshot, states: &[VolumeState], v: usize) {
        let volume = &snapshot.volumes[v];
        if Self::is_free(volume, &states[v]) {
            self.shelve(v, true);
        }
    }
}

/// Shelves made whole from their entries: sorting once and building each map from sorted
/// entries costs a fraction of inserting the entries one by one.
fn shelves<K: std::hash::Hash + Eq>(
    entries: impl Iterator<Item = (K, Slot, usize)>,
) -> HashMap<K, Shelf> {
    let mut grouped: HashMap<K, Vec<(Slot, usize)>> = HashMap::default();
    for (key, slot, v) in entries {
        grouped.entry(key).or_default().push((slot, v));
    }
    grouped
        .into_iter()
        .map(|(key, mut entries)| {
            entries.sort_unstable();
            (key, entries.into_iter().collect())
        })
        .collect()
}

/// The id of `name` in an interning table, adding it if new.
fn intern(table: &mut HashMap<String, u32>, name: &str) -> u32 {
    if let Some(id) = table.get(name) {
        return *id;
    }
    let id = table.len() as u32;
    table.insert(name.to_owned(), id);
    id
}
