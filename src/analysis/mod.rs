//! Analyses read the snapshot and the binding plan and report findings; they never print.

pub mod access_modes;
pub mod assumptions;
pub mod binding;
pub mod claim_namespaces;
mod claim_specs;
mod claim_users;
pub mod class_parameters;
pub mod data_sources;
pub mod declared_access_modes;
pub mod driver_support;
pub mod empty_dirs;
pub mod expansion;
pub mod fs_group;
pub mod input;
pub mod live;
pub mod mount_options;
pub mod pod_claims;
pub mod pod_volume_modes;
pub mod read_only_many;
pub mod read_write_once_pod;
pub mod reclaim;
pub mod removed;
mod required_fields;
mod static_claims;
mod storage_names;
#[cfg(test)]
mod testing;
pub mod topology;

use crate::binding::BindingPlan;
use crate::deletion::DeletionPlan;
use rustc_hash::FxHashMap as HashMap;

use crate::evidence::Evidence;
use crate::findings::{Finding, Pointer};
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
    ("required fields", |i, f| {
        required_fields::check(i.snapshot, f)
    }),
    ("storage names", |i, f| storage_names::check(i.snapshot, f)),
    ("declared access modes", |i, f| {
        declared_access_modes::check(i.snapshot, f)
    }),
    ("binding", |i, f| {
        binding::check(i.snapshot, i.binding, i.evidence, f)
    }),
    ("pod claims", |i, f| pod_claims::check(i.snapshot, f)),
    ("data sources", |i, f| {
        data_sources::check(i.snapshot, i.binding, f)
    }),
    ("claim namespaces", |i, f| {
        claim_namespaces::check(i.snapshot, f)
    }),
    ("pod volume modes", |i, f| {
        pod_volume_modes::check(i.snapshot, f)
    }),
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
    ("empty dirs", |i, f| empty_dirs::check(i.snapshot, f)),
    ("fs group", |i, f| {
        fs_group::check(i.snapshot, i.binding, i.evidence, f)
    }),
    ("reclaim", |i, f| {
        reclaim::check(i.snapshot, i.binding, i.deletion, f)
    }),
    ("topology", |i, f| topology::check(i.snapshot, i.binding, f)),
    ("claims for volumes made by hand", |i, f| {
        static_claims::check(i.snapshot, i.binding, f)
    }),
    ("removed", |i, f| removed::check(i.snapshot, i.binding, f)),
    ("class parameters", |i, f| {
        class_parameters::check(i.snapshot, f)
    }),
    ("mount options", |i, f| mount_options::check(i.snapshot, f)),
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
    ("volume limit evidence", |i, f| {
        if let Some(e) = i.evidence {
            live::volume_limits::check(i.snapshot, i.binding, e, f);
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
    let findings = crate::parallel::map(ANALYSES, |(_, analysis)| {
        let mut findings = Vec::new();
        analysis(inputs, &mut findings);
        findings
    });
    one_per_template(findings.into_iter().flatten().collect())
}

/// Claims made from one volumeClaimTemplate share its text, so a rule that fires on each of them
/// points at the same field for the same reason: one diagnostic, naming the other claims, reads
/// better than one per replica.
fn one_per_template(findings: Vec<Finding>) -> Vec<Finding> {
    let mut first: HashMap<String, usize> = HashMap::default();
    let mut others: Vec<Vec<String>> = Vec::new();
    let mut kept: Vec<Finding> = Vec::with_capacity(findings.len());
    for finding in findings {
        let template_field = match &finding.pointer {
            Some(Pointer::Field { source, path }) if source.base_path.is_some() => {
                Some(format!("{}|{source:?}|{path}", finding.rule))
            }
            _ => None,
        };
        if let Some(key) = template_field {
            if let Some(&i) = first.get(&key) {
                others[i].push(finding.object.name);
                continue;
            }
            first.insert(key, kept.len());
        }
        others.push(Vec::new());
        kept.push(finding);
    }
    for (finding, others) in kept.iter_mut().zip(others) {
        if !others.is_empty() {
            finding.message = format!(
                "{}; the same holds for {} of the same volumeClaimTemplate",
                finding.message,
                others.join(", ")
            );
        }
    }
    kept
}
