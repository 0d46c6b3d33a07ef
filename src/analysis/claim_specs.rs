//! Claims as they are written, for checks of the spec itself: a PersistentVolumeClaim once, and
//! a StatefulSet's volumeClaimTemplate or an ephemeral volume's template once rather than once
//! per pod.

use std::collections::HashSet;

use crate::model::{Claim, ObjectKey, Snapshot};

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
        .filter_map(move |claim| match claim.origin.template() {
            None => Some(ClaimSpec {
                claim,
                object: claim.key(),
                name: format!("claim {}", claim.meta.qualified_name()),
            }),
            Some((owner, template)) => {
                seen.insert((owner.clone(), template.to_owned()))
                    .then(|| ClaimSpec {
                        claim,
                        object: owner.clone(),
                        name: claim.origin.describe_template().unwrap_or_default(),
                    })
            }
        })
}
