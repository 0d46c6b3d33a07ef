//! Analyses read the snapshot and the binding plan and report findings; they never print.

pub mod access_modes;
pub mod binding;
mod claim_specs;
mod claim_users;
pub mod declared_access_modes;
pub mod driver_support;
pub mod expansion;
pub mod input;
pub mod live;
pub mod read_only_many;
pub mod read_write_once_pod;
pub mod reclaim;
#[cfg(test)]
mod testing;
pub mod topology;

use crate::binding::BindingPlan;
use crate::deletion::DeletionPlan;
use crate::evidence::Evidence;
use crate::findings::Finding;
use crate::model::Snapshot;

/// What the analyses read.
pub struct Inputs<'a> {
    pub snapshot: &'a Snapshot,
    pub binding: &'a BindingPlan,
    pub deletion: &'a DeletionPlan,
    /// Events, attachments and CSI drivers: read live, or given in the input; `None` for plain
    /// manifests, where the diagnoses that need them do not run.
    pub evidence: Option<&'a Evidence>,
}

pub type Analysis = fn(&Inputs, &mut Vec<Finding>);

/// Every analysis by name, in a stable order (the bench times each).
pub const ANALYSES: &[(&str, Analysis)] = &[
    ("input", |i, f| input::check(i.snapshot, f)),
    ("input values", |i, f| input::check_values(i.snapshot, f)),
    ("declared access modes", |i, f| {
        declared_access_modes::check(i.snapshot, f)
    }),
    ("binding", |i, f| binding::check(i.snapshot, i.binding, f)),
    ("access modes", |i, f| {
        access_modes::check(i.snapshot, i.binding, f)
    }),
    ("read-write-once-pod", |i, f| {
        read_write_once_pod::check(i.snapshot, i.binding, f)
    }),
    ("read-only-many", |i, f| {
        read_only_many::check(i.snapshot, i.binding, f)
    }),
    ("expansion", |i, f| {
        expansion::check(i.snapshot, i.binding, f)
    }),
    ("driver support", |i, f| {
        driver_support::check(i.snapshot, i.binding, f)
    }),
    ("reclaim", |i, f| {
        reclaim::check(i.snapshot, i.binding, i.deletion, f)
    }),
    ("topology", |i, f| topology::check(i.snapshot, i.binding, f)),
    ("provisioning evidence", |i, f| {
        if let Some(e) = i.evidence {
            live::provisioning::check(i.snapshot, i.binding, e, f);
        }
    }),
    ("attachment evidence", |i, f| {
        if let Some(e) = i.evidence {
            live::attachment::check(i.snapshot, i.binding, e, f);
        }
    }),
    ("mount evidence", |i, f| {
        if let Some(e) = i.evidence {
            live::mounting::check(i.snapshot, e, f);
        }
    }),
    // Claim status alone shows a stuck resize; events add the error.
    ("resize progress", |i, f| {
        live::resize::check(i.snapshot, i.binding, i.evidence, f)
    }),
];

/// Every analysis, in a stable order.
pub fn analyze(inputs: &Inputs) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (_, analysis) in ANALYSES {
        analysis(inputs, &mut findings);
    }
    findings
}
