//! Claims as they are written, for checks of the spec itself: a PersistentVolumeClaim once, and
//! a StatefulSet's volumeClaimTemplate once rather than once per replica.

use std::collections::HashSet;

use crate::model::{Claim, ClaimOrigin, ObjectKey, Snapshot};

pub struct ClaimSpec<'a> {
    pub claim: &'a Claim,
    /// The object to report on: the claim, or the StatefulSet that holds the template.
    pub object: ObjectKey,
    /// How a message names it.
    pub name: String,
}

pub fn written_once(snapshot: &Snapshot) -> impl Iterator<Item = ClaimSpec<'_>> {
    let mut seen = HashSet::new();
    snapshot
        .claims
        .iter()
        .filter_map(move |claim| match &claim.origin {
            ClaimOrigin::Manifest => Some(ClaimSpec {
                claim,
                object: claim.key(),
                name: format!("claim {}", claim.meta.qualified_name()),
            }),
            ClaimOrigin::StatefulSetTemplate {
                statefulset,
                template,
                ..
            } => seen
                .insert((statefulset.clone(), template.clone()))
                .then(|| ClaimSpec {
                    claim,
                    object: statefulset.clone(),
                    name: format!("volumeClaimTemplate {template} of {statefulset}"),
                }),
        })
}
