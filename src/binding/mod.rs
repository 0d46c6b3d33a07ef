//! The binding matcher: predicts the state the PV controller and the scheduler's volume binding
//! converge to, for every claim and volume.
//!
//! The flow mirrors upstream: volumes are first settled as the controller's volume sync leaves
//! them (`volume_sync`), claims are then processed oldest first on the controller's path
//! (`controller`), and WaitForFirstConsumer claims with a consumer pod go through the
//! scheduler's path (`scheduler`). Two interchangeable finders answer "which volume would be
//! chosen": a plain one that follows upstream loop by loop (`reference`) and an indexed one that
//! stays fast on large clusters (`index`); property tests prove them equal.

pub mod data_source;
pub mod defaults;
mod engine;
pub mod filters;
pub mod index;
pub mod outcome;
pub mod reclaim;
pub mod reference;
mod scheduler;
pub mod volume_sync;

pub use engine::plan_with;
pub use outcome::{
    BindingPlan, Candidate, ClaimPlan, Competition, OnClaimDelete, Outcome, Rejection, VolumePlan,
};

use crate::model::Snapshot;

/// Plans every claim and volume with the indexed finder.
pub fn plan(snapshot: &Snapshot) -> BindingPlan {
    plan_with::<index::IndexedFinder>(snapshot)
}
