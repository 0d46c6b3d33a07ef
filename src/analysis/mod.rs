//! Analyses read the snapshot and the binding plan and report findings; they never print.

pub mod access_modes;
pub mod binding;
mod claim_specs;
mod claim_users;
pub mod declared_access_modes;
pub mod driver_support;
pub mod expansion;
pub mod input;
pub mod read_only_many;
pub mod read_write_once_pod;
pub mod reclaim;
pub mod topology;

use crate::binding::BindingPlan;
use crate::deletion::DeletionPlan;
use crate::findings::Finding;
use crate::model::Snapshot;

/// Every analysis, in a stable order.
pub fn analyze(snapshot: &Snapshot, plan: &BindingPlan, deletion: &DeletionPlan) -> Vec<Finding> {
    let mut findings = Vec::new();
    input::check(snapshot, &mut findings);
    input::check_values(snapshot, &mut findings);
    declared_access_modes::check(snapshot, &mut findings);
    binding::check(snapshot, plan, &mut findings);
    access_modes::check(snapshot, plan, &mut findings);
    read_write_once_pod::check(snapshot, plan, &mut findings);
    read_only_many::check(snapshot, plan, &mut findings);
    expansion::check(snapshot, plan, &mut findings);
    driver_support::check(snapshot, plan, &mut findings);
    reclaim::check(snapshot, plan, deletion, &mut findings);
    topology::check(snapshot, plan, &mut findings);
    findings
}
