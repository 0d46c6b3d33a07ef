//! One volume against one claim: the tests upstream applies, in upstream order. Both finders and
//! the per-candidate explanations use these, so "why not" always agrees with "which".

use crate::model::selector::LabelSelector;
use crate::model::{
    AccessModes, Claim, Labels, Quantity, Snapshot, Volume, VolumeMode, VolumePhase,
};

use super::outcome::Rejection;

/// The claim as the matcher sees it, after class defaulting.
#[derive(Clone, Debug)]
pub struct ClaimQuery<'a> {
    pub index: usize,
    pub namespace: &'a str,
    pub name: &'a str,
    pub uid: Option<&'a str>,
    /// Effective class; "" for none.
    pub class: &'a str,
    pub modes: AccessModes,
    pub volume_mode: VolumeMode,
    pub request: Quantity,
    /// `Some(Err)` for a selector upstream cannot build: then nothing matches.
    pub selector: Option<Result<&'a LabelSelector, &'a str>>,
    pub attributes_class: Option<&'a str>,
}

impl<'a> ClaimQuery<'a> {
    pub fn new(snapshot: &'a Snapshot, index: usize, class: &'a str) -> ClaimQuery<'a> {
        let claim = &snapshot.claims[index];
        ClaimQuery {
            index,
            namespace: claim.meta.namespace.as_deref().unwrap_or_default(),
            name: &claim.meta.name,
            uid: claim.meta.uid.as_deref(),
            class,
            modes: claim.access_modes,
            volume_mode: claim.volume_mode_or_default(),
            request: claim.request_or_zero(),
            selector: claim
                .selector
                .as_ref()
                .map(|s| s.as_ref().map_err(String::as_str)),
            attributes_class: claim.attributes_class.as_deref(),
        }
    }

    pub fn qualified_name(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    pub fn selector_matches(&self, labels: &Labels) -> bool {
        match self.selector {
            None => true,
            Some(Ok(selector)) => selector.matches(labels),
            Some(Err(_)) => false,
        }
    }
}

/// A volume's reservation after the volume sync: whom its claimRef points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reservation {
    pub namespace: String,
    pub name: String,
    pub uid: Option<String>,
}

impl Reservation {
    /// Upstream `IsVolumeBoundToClaim`: same name and namespace, and the same uid if the
    /// reference carries one.
    pub fn is_for(&self, q: &ClaimQuery<'_>) -> bool {
        self.name == q.name
            && self.namespace == q.namespace
            && match &self.uid {
                None => true,
                Some(uid) => Some(uid.as_str()) == q.uid,
            }
    }

    pub fn qualified_name(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

/// A volume as the matcher sees it once the volume sync has settled it.
#[derive(Clone, Debug)]
pub struct VolumeState {
    pub reservation: Option<Reservation>,
    /// The phase the volume sync leaves it in.
    pub phase: VolumePhase,
    /// The claim that takes it in this plan.
    pub taken_by: Option<usize>,
}

/// How a volume fares in upstream `FindMatchingVolume`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Pre-bound to this claim: chosen at once within its access-mode group.
    PreBound,
    /// Pre-bound to this claim, but its node affinity excludes the node: upstream then gives up
    /// on the node altogether.
    PreBoundElsewhere,
    /// A free volume that fits.
    Fits,
    /// The first test it fails; `explain` says why in words.
    Fails(Test),
}

/// The tests of `judge`, in order. Plain values, so that the finders' scans allocate nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Test {
    Selector,
    ClaimRef,
    Taken,
    Capacity,
    VolumeMode,
    AttributesClass,
    Deleting,
    DelayedBinding,
    Phase,
    Labels,
    Class,
    NodeAffinity,
    AccessModes,
}

/// Where the matcher is looking from.
#[derive(Clone, Copy, Debug, Default)]
pub struct Context<'a> {
    /// The claim's class is WaitForFirstConsumer.
    pub delay_binding: bool,
    /// The scheduler's path: free volumes are matched despite delayed binding, and access
    /// modes are checked per volume.
    pub scheduler: bool,
    /// On the scheduler's path, the node being tried (name and labels); `None` when no Node is
    /// known, and then node affinity is not judged.
    pub node: Option<(&'a str, &'a Labels)>,
    /// Treat volumes taken earlier in this plan as free (to find competing claims).
    pub ignore_taken: bool,
}

/// The tests of upstream `FindMatchingVolume`, in its order. On the scheduler's path (a node is
/// given) node affinity and access modes are checked too; on the controller's path access modes
/// are the access-mode groups' business (`access_mode_groups`).
pub fn judge(
    q: &ClaimQuery<'_>,
    volume: &Volume,
    state: &VolumeState,
    ctx: Context<'_>,
) -> Verdict {
    use Verdict::Fails;
    if let Some(Err(_)) = q.selector {
        return Fails(Test::Selector);
    }
    let prebound = match &state.reservation {
        Some(r) if !r.is_for(q) => return Fails(Test::ClaimRef),
        Some(_) => true,
        None => false,
    };
    // Taken by another claim in this plan: tested after the claimRef, which explains an
    // existing binding better, and after what the volume itself cannot do, which explains a
    // miss better than a claim processed later taking the volume.
    let taken = state
        .taken_by
        .is_some_and(|winner| winner != q.index && !ctx.ignore_taken);
    if volume.capacity_nanos() < q.request.nanos() {
        return Fails(Test::Capacity);
    }
    if volume.volume_mode_or_default() != q.volume_mode {
        return Fails(Test::VolumeMode);
    }
    if volume.attributes_class.as_deref() != q.attributes_class {
        return Fails(Test::AttributesClass);
    }
    if volume.meta.deleting {
        return Fails(Test::Deleting);
    }
    let affinity_ok = match ctx.node {
        Some((name, labels)) => node_affinity_matches(volume, name, labels),
        None => true,
    };
    if taken {
        return Fails(Test::Taken);
    }
    if prebound {
        return if affinity_ok {
            Verdict::PreBound
        } else {
            Verdict::PreBoundElsewhere
        };
    }
    if !ctx.scheduler && ctx.delay_binding {
        return Fails(Test::DelayedBinding);
    }
    if state.phase != VolumePhase::Available {
        return Fails(Test::Phase);
    }
    if !q.selector_matches(&volume.meta.labels) {
        return Fails(Test::Labels);
    }
    if volume.class() != q.class {
        return Fails(Test::Class);
    }
    if !affinity_ok {
        return Fails(Test::NodeAffinity);
    }
    if ctx.scheduler && !volume.access_modes.contains_all(q.modes) {
        return Fails(Test::AccessModes);
    }
    Verdict::Fits
}

/// Says in words why `volume` failed `test` for this claim.
/// `claims` names the claim that took the volume.
pub fn explain(
    q: &ClaimQuery<'_>,
    volume: &Volume,
    state: &VolumeState,
    ctx: Context<'_>,
    test: Test,
    claims: &[Claim],
) -> Rejection {
    match test {
        Test::Selector => Rejection::InvalidSelector {
            error: match q.selector {
                Some(Err(e)) => e.to_owned(),
                _ => String::new(),
            },
        },
        Test::ClaimRef => match &state.reservation {
            Some(r) => Rejection::ClaimedByOther {
                claim: r.qualified_name(),
                by_uid: r.uid.is_some(),
            },
            None => Rejection::Deleting,
        },
        Test::Taken => Rejection::TakenBy {
            claim: state
                .taken_by
                .map(|c| claims[c].meta.qualified_name())
                .unwrap_or_default(),
        },
        Test::Capacity => Rejection::TooSmall {
            capacity: Box::new(volume.capacity_or_zero()),
            request: Box::new(q.request.clone()),
        },
        Test::VolumeMode => Rejection::VolumeMode {
            volume: volume.volume_mode_or_default(),
            claim: q.volume_mode,
        },
        Test::AttributesClass => Rejection::AttributesClass {
            volume: volume.attributes_class.as_deref().map(Box::from),
            claim: q.attributes_class.map(Box::from),
        },
        Test::Deleting => Rejection::Deleting,
        Test::DelayedBinding => Rejection::DelayedBinding,
        Test::Phase => Rejection::NotAvailable { phase: state.phase },
        Test::Labels => Rejection::Selector {
            selector: match q.selector {
                Some(Ok(s)) => s.to_string(),
                _ => String::new(),
            },
        },
        Test::Class => Rejection::Class {
            volume: volume.class().into(),
            claim: q.class.into(),
        },
        Test::NodeAffinity => Rejection::NodeAffinity {
            nodes: ctx
                .node
                .map(|(n, _)| vec![n.to_owned()])
                .unwrap_or_default(),
        },
        Test::AccessModes => Rejection::AccessModes {
            volume: volume.access_modes,
            claim: q.modes,
        },
    }
}

/// Upstream `CheckNodeAffinity`: no affinity fits every node; an affinity that cannot be parsed
/// fits none.
pub fn node_affinity_matches(volume: &Volume, node_name: &str, labels: &Labels) -> bool {
    match &volume.node_affinity {
        None => true,
        Some(Ok(selector)) => selector.matches(node_name, labels),
        Some(Err(_)) => false,
    }
}

/// Upstream `checkVolumeSatisfyClaim`, for a claim that names its volume (`spec.volumeName`)
/// and a volume nobody has claimed. Sizes compare as whole units here, as upstream compares
/// `Quantity.Value()`.
pub fn check_requested_volume(q: &ClaimQuery<'_>, volume: &Volume) -> Result<(), Rejection> {
    if volume.meta.deleting {
        return Err(Rejection::Deleting);
    }
    let capacity = volume.capacity_or_zero();
    if capacity.ceil_units() < q.request.ceil_units() {
        return Err(Rejection::TooSmall {
            capacity: Box::new(capacity),
            request: Box::new(q.request.clone()),
        });
    }
    if volume.class() != q.class {
        return Err(Rejection::Class {
            volume: volume.class().into(),
            claim: q.class.into(),
        });
    }
    if volume.attributes_class.as_deref() != q.attributes_class {
        return Err(Rejection::AttributesClass {
            volume: volume.attributes_class.as_deref().map(Box::from),
            claim: q.attributes_class.map(Box::from),
        });
    }
    let volume_mode = volume.volume_mode_or_default();
    if volume_mode != q.volume_mode {
        return Err(Rejection::VolumeMode {
            volume: volume_mode,
            claim: q.volume_mode,
        });
    }
    if !volume.access_modes.contains_all(q.modes) {
        return Err(Rejection::AccessModes {
            volume: volume.access_modes,
            claim: q.modes,
        });
    }
    Ok(())
}

/// The access-mode groups the controller searches for a claim, in its order: every set of modes
/// that contains all requested modes, fewest modes first (upstream
/// `allPossibleMatchingAccessModes`). Upstream leaves the order of equally large sets open; we
/// fix it by the sets' bits so that the plan is deterministic.
pub fn access_mode_groups(requested: AccessModes) -> &'static [AccessModes] {
    // Sixteen requests, sixteen orders: worked out once.
    static TABLE: std::sync::OnceLock<Vec<Vec<AccessModes>>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        AccessModes::all_sets()
            .map(|requested| {
                let mut groups: Vec<AccessModes> = AccessModes::all_sets()
                    .filter(|set| set.contains_all(requested))
                    .collect();
                groups.sort_by_key(|set| (set.len(), set.bits()));
                groups
            })
            .collect()
    });
    table
        .get(usize::from(requested.bits()))
        .map_or(&[], Vec::as_slice)
}

/// At most this many ties are reported per claim (the first by name), by both finders alike:
/// listing thousands of identical volumes per claim would make large plans quadratic.
pub const MAX_TIES: usize = 8;

/// What the finders answer for the controller's path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Found {
    pub volume: Option<usize>,
    pub prebound: bool,
    /// Other volumes exactly as good (same group, same capacity, all tests passed), the first
    /// `MAX_TIES` by name.
    pub ties: Vec<usize>,
}

/// Upstream searches sets of access modes fewest modes first, but sets with as many modes in
/// no fixed order (its index lists them from a map): what the other sets of the same size would
/// give the claim is as likely as `found`. Their answers join `found`'s ties, by name.
pub fn with_group_order_ties(
    snapshot: &Snapshot,
    mut found: Found,
    others: impl Iterator<Item = Found>,
) -> Found {
    for other in others {
        found.ties.extend(other.volume);
        found.ties.extend(other.ties);
    }
    if let Some(chosen) = found.volume {
        found.ties.retain(|v| *v != chosen);
    }
    found.ties.sort_by(|a, b| {
        snapshot.volumes[*a]
            .meta
            .name
            .cmp(&snapshot.volumes[*b].meta.name)
    });
    found.ties.dedup();
    found.ties.truncate(MAX_TIES);
    found
}
