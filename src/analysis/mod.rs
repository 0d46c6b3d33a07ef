//! Analyses read the snapshot and the binding plan and report findings; they never print.

pub mod access_modes;
pub mod binding;
pub mod input;
pub mod topology;

use crate::binding::BindingPlan;
use crate::findings::Finding;
use crate::model::Snapshot;

/// Every analysis, in a stable order.
pub fn analyze(snapshot: &Snapshot, plan: &BindingPlan) -> Vec<Finding> {
    let mut findings = Vec::new();
    input::check(snapshot, &mut findings);
    binding::check(snapshot, plan, &mut findings);
    access_modes::check(snapshot, plan, &mut findings);
    topology::check(snapshot, plan, &mut findings);
    findings
}
