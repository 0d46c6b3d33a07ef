//! Claims as they are written, for checks of the spec itself: a PersistentVolumeClaim once, and
//! a StatefulSet's volumeClaimTemplate or an ephemeral volume's template once rather than once
//! per pod; and what such checks report on.

use std::collections::HashSet;

use crate::model::{Claim, ObjectKey, Snapshot, StorageClass, Volume};

/// What a check of a spec reports on. Its object and its name in messages are made only when
/// there is something to report: the checks look at every claim and volume, and report few.
#[derive(Clone, Copy)]
pub enum Subject<'a> {
    /// A claim as written: the claim, or the template it is made from.
    Claim(&'a Claim),
    Volume(&'a Volume),
    Class(&'a StorageClass),
}

impl Subject<'_> {
    /// The object to report on: the claim, the StatefulSet or workload that holds the
    /// template, or the volume.
    pub fn object(&self) -> ObjectKey {
        match self {
            Subject::Claim(claim) => match claim.origin.template() {
                Some((owner, _)) => owner.clone(),
                None => claim.key(),
            },
            Subject::Volume(volume) => volume.key(),
            Subject::Class(class) => class.key(),
        }
    }

    /// How a message names it.
    pub fn name(&self) -> String {
        match self {
            Subject::Claim(claim) => claim
                .origin
                .describe_template()
                .unwrap_or_else(|| format!("claim {}", claim.meta.qualified())),
            Subject::Volume(volume) => format!("volume {}", volume.meta.name),
            Subject::Class(class) => format!("StorageClass {}", class.meta.name),
        }
    }
}

/// Every claim as written, once (a check reports on it as a [`Subject::Claim`]).
pub fn written_once(snapshot: &Snapshot) -> impl Iterator<Item = &Claim> {
    let mut seen = HashSet::new();
    snapshot
        .claims
        .iter()
        .filter(move |claim| match claim.origin.template() {
            None => true,
            Some((owner, template)) => seen.insert((owner, template)),
        })
}
