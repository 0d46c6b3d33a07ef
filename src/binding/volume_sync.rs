//! How the PV controller's volume sync (`syncVolume`) settles each volume, before any claim is
//! matched: unclaimed volumes become Available, volumes whose claim is gone are Released and
//! reclaimed, volumes left behind by a claim that bound elsewhere are unbound.

use std::collections::HashMap;

use crate::model::{ReclaimPolicy, Snapshot, Volume, VolumePhase, VolumePlugin};

use super::filters::{Reservation, VolumeState};
use super::outcome::OnClaimDelete;

/// Claims by (namespace, name), for claimRef lookups.
pub type ClaimLookup<'a> = HashMap<(&'a str, &'a str), usize>;

pub fn claim_lookup(snapshot: &Snapshot) -> ClaimLookup<'_> {
    let mut lookup = HashMap::with_capacity(snapshot.claims.len());
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

/// What reclaiming a volume does with it, by policy and by whether anything can delete or
/// recycle it (upstream `reclaimVolume`, `findDeletablePlugin`, `findRecyclablePlugin`).
pub fn reclaim(volume: &Volume) -> (OnClaimDelete, String) {
    match volume.reclaim_policy_or_default() {
        ReclaimPolicy::Retain => (
            OnClaimDelete::Retained,
            "reclaim policy Retain: the volume and its data are kept, Released, until an admin reuses or deletes it".to_owned(),
        ),
        ReclaimPolicy::Delete => match volume.provisioned_by() {
            Some(provisioner) => (
                OnClaimDelete::Deleted,
                format!("reclaim policy Delete: {provisioner} deletes the volume and its data"),
            ),
            // Nothing provisioned it, so no provisioner deletes it; the controller has no
            // deleter for a hand-made volume either and marks it Failed, data intact.
            None => (
                OnClaimDelete::Retained,
                "reclaim policy Delete, but the volume was not dynamically provisioned (no pv.kubernetes.io/provisioned-by annotation): nothing can delete it, so it turns Failed and its data stays".to_owned(),
            ),
        },
        ReclaimPolicy::Recycle => {
            if recyclable(&volume.plugin) {
                (
                    OnClaimDelete::Recycled,
                    "reclaim policy Recycle (deprecated): the data is scrubbed (rm -rf) and the volume becomes Available again".to_owned(),
                )
            } else {
                (
                    OnClaimDelete::Retained,
                    format!(
                        "reclaim policy Recycle, which only NFS and hostPath volumes support: this {} volume turns Failed and its data stays",
                        volume.plugin.name()
                    ),
                )
            }
        }
    }
}

fn recyclable(plugin: &VolumePlugin) -> bool {
    matches!(
        plugin,
        VolumePlugin::InTree("kubernetes.io/nfs") | VolumePlugin::InTree("kubernetes.io/host-path")
    )
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
        let phase = match volume.written_phase {
            Some(VolumePhase::Failed) => VolumePhase::Failed,
            _ => match (volume.reclaim_policy_or_default(), reclaim(volume).0) {
                // A hand-made volume with Delete, or Recycle without a recycler, ends Failed.
                (ReclaimPolicy::Delete, OnClaimDelete::Retained)
                | (ReclaimPolicy::Recycle, OnClaimDelete::Retained) => VolumePhase::Failed,
                // Recycled: scrubbed and offered again, with the claimRef cleared.
                (_, OnClaimDelete::Recycled) => {
                    return (state(None, VolumePhase::Available), Settled::Released)
                }
                _ => VolumePhase::Released,
            },
        };
        return (state(Some(reservation), phase), Settled::Released);
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
                (
                    state(Some(reservation), VolumePhase::Released),
                    Settled::Released,
                )
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
