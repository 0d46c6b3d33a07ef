//! How the PV controller's volume sync (`syncVolume`) settles each volume, before any claim is
//! matched: unclaimed volumes become Available, volumes whose claim is gone are Released and
//! reclaimed, volumes left behind by a claim that bound elsewhere are unbound.

use rustc_hash::FxHashMap as HashMap;

use crate::model::{ReclaimPolicy, Snapshot, Volume, VolumePhase};

use super::filters::{Reservation, VolumeState};
use super::reclaim::reclaim;

/// Claims by (namespace, name), for claimRef lookups.
pub type ClaimLookup<'a> = HashMap<(&'a str, &'a str), usize>;

pub fn claim_lookup(snapshot: &Snapshot) -> ClaimLookup<'_> {
    let mut lookup = HashMap::with_capacity_and_hasher(snapshot.claims.len(), Default::default());
    for (i, claim) in snapshot.claims.iter().enumerate() {
        let ns = claim.meta.namespace.as_deref().unwrap_or_default();
        lookup.entry((ns, claim.meta.name.as_str())).or_insert(i);
    }
    lookup
}

/// How the volume sync left a volume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settled {
    /// No claimRef: Available to any claim.
    Free,
    /// A claimRef without uid: Available, but only to that claim.
    Reserved,
    /// Bound by uid to a claim that exists; whether it stays bound depends on that claim.
    Claimed { claim: usize },
    /// Its claim is gone: Released, then reclaimed.
    Released,
    /// Was bound by the controller to a claim that bound another volume: unbound, Available.
    Unbound,
    /// Was bound by the user to a claim that bound another volume: the uid is cleared and the
    /// volume stays reserved for that claim name.
    UidCleared,
}

/// Settles every volume. Returns the matcher's view of each volume and how it was settled.
pub fn settle(snapshot: &Snapshot, claims: &ClaimLookup<'_>) -> Vec<(VolumeState, Settled)> {
    snapshot
        .volumes
        .iter()
        .map(|volume| settle_one(snapshot, claims, volume))
        .collect()
}

fn settle_one(
    snapshot: &Snapshot,
    claims: &ClaimLookup<'_>,
    volume: &Volume,
) -> (VolumeState, Settled) {
    let state = |reservation: Option<Reservation>, phase| VolumeState {
        reservation,
        phase,
        taken_by: None,
    };
    let Some(claim_ref) = &volume.claim_ref else {
        return (state(None, VolumePhase::Available), Settled::Free);
    };
    let reservation = Reservation {
        namespace: claim_ref.namespace.clone(),
        name: claim_ref.name.clone(),
        uid: claim_ref.uid.clone(),
    };
    let Some(uid) = &claim_ref.uid else {
        return (
            state(Some(reservation), VolumePhase::Available),
            Settled::Reserved,
        );
    };
    // A claim of that name with another uid is another object: the bound claim is gone.
    let claim = claims
        .get(&(claim_ref.namespace.as_str(), claim_ref.name.as_str()))
        .copied()
        .filter(|c| snapshot.claims[*c].meta.uid.as_deref() == Some(uid.as_str()));
    let Some(c) = claim else {
        return match reclaim(volume).phase_after(volume.written_phase) {
            // Recycled: scrubbed and offered again, with the claimRef cleared.
            VolumePhase::Available => (state(None, VolumePhase::Available), Settled::Released),
            phase => (state(Some(reservation), phase), Settled::Released),
        };
    };
    let claim = &snapshot.claims[c];
    match claim.volume_name.as_deref() {
        // The claim has not recorded its volume yet: its own sync finishes (or abandons) the
        // binding; until then the volume keeps whatever phase it shows.
        None => {
            let phase = volume.written_phase.unwrap_or(VolumePhase::Bound);
            (
                state(Some(reservation), phase),
                Settled::Claimed { claim: c },
            )
        }
        Some(name) if name == volume.meta.name => (
            state(Some(reservation), VolumePhase::Bound),
            Settled::Claimed { claim: c },
        ),
        Some(_) => {
            // The claim is bound to another volume.
            if volume.provisioned_by().is_some()
                && volume.reclaim_policy_or_default() == ReclaimPolicy::Delete
            {
                // Provisioned for that claim and not needed: reclaimed like a released one.
                let phase = reclaim(volume).phase_after(volume.written_phase);
                (state(Some(reservation), phase), Settled::Released)
            } else if volume.bound_by_controller() {
                (state(None, VolumePhase::Available), Settled::Unbound)
            } else {
                let reservation = Reservation {
                    uid: None,
                    ..reservation
                };
                (
                    state(Some(reservation), VolumePhase::Available),
                    Settled::UidCleared,
                )
            }
        }
    }
}
