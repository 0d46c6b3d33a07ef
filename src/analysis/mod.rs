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

/// An analysis, by what it reads.
#[derive(Clone, Copy)]
pub enum Analysis {
    /// The snapshot (and evidence) alone: it runs beside the matcher.
    Snapshot(fn(&Snapshot, Option<&Evidence>, &mut Vec<Finding>)),
    /// The binding and deletion plans too.
    Plans(fn(&Inputs, &mut Vec<Finding>)),
}

impl Analysis {
    pub fn run(self, inputs: &Inputs, findings: &mut Vec<Finding>) {
        match self {
            Analysis::Snapshot(analysis) => analysis(inputs.snapshot, inputs.evidence, findings),
            Analysis::Plans(analysis) => analysis(inputs, findings),
        }
    }
}

/// Every analysis by name, in a stable order (the bench times each).
pub const ANALYSES: &[(&str, Analysis)] = &[
    ("input", Analysis::Snapshot(|s, _, f| input::check(s, f))),
    (
        "input values",
        Analysis::Snapshot(|s, _, f| input::check_values(s, f)),
    ),
    (
        "required fields",
        Analysis::Snapshot(|s, _, f| required_fields::check(s, f)),
    ),
    (
        "storage names",
        Analysis::Snapshot(|s, _, f| storage_names::check(s, f)),
    ),
    (
        "declared access modes",
        Analysis::Snapshot(|s, _, f| declared_access_modes::check(s, f)),
    ),
    (
        "binding",
        Analysis::Plans(|i, f| binding::check(i.snapshot, i.binding, i.evidence, f)),
    ),
    (
        "pod claims",
        Analysis::Snapshot(|s, _, f| pod_claims::check(s, f)),
    ),
    (
        "data sources",
        Analysis::Plans(|i, f| data_sources::check(i.snapshot, i.binding, f)),
    ),
    (
        "claim namespaces",
        Analysis::Snapshot(|s, _, f| claim_namespaces::check(s, f)),
    ),
    (
        "pod volume modes",
        Analysis::Snapshot(|s, _, f| pod_volume_modes::check(s, f)),
    ),
    (
        "access modes",
        Analysis::Plans(|i, f| access_modes::check(i.snapshot, i.binding, f)),
    ),
    (
        "read-write-once-pod",
        Analysis::Plans(|i, f| read_write_once_pod::check(i.snapshot, i.binding, f)),
    ),
    (
        "read-only-many",
        Analysis::Plans(|i, f| read_only_many::check(i.snapshot, i.binding, f)),
    ),
    (
        "expansion",
        Analysis::Plans(|i, f| expansion::check(i.snapshot, i.binding, f)),
    ),
    (
        "driver support",
        Analysis::Plans(|i, f| driver_support::check(i.snapshot, i.binding, f)),
    ),
    (
        "empty dirs",
        Analysis::Snapshot(|s, _, f| empty_dirs::check(s, f)),
    ),
    (
        "fs group",
        Analysis::Plans(|i, f| fs_group::check(i.snapshot, i.binding, i.evidence, f)),
    ),
    (
        "reclaim",
        Analysis::Plans(|i, f| reclaim::check(i.snapshot, i.binding, i.deletion, f)),
    ),
    (
        "topology",
        Analysis::Plans(|i, f| topology::check(i.snapshot, i.binding, f)),
    ),
    (
        "claims for volumes made by hand",
        Analysis::Plans(|i, f| static_claims::check(i.snapshot, i.binding, f)),
    ),
    (
        "removed",
        Analysis::Plans(|i, f| removed::check(i.snapshot, i.binding, f)),
    ),
    (
        "class parameters",
        Analysis::Snapshot(|s, _, f| class_parameters::check(s, f)),
    ),
    (
        "mount options",
        Analysis::Snapshot(|s, _, f| mount_options::check(s, f)),
    ),
    (
        "provisioning evidence",
        Analysis::Plans(|i, f| {
            if let Some(e) = i.evidence {
                live::provisioning::check(i.snapshot, i.binding, e, f);
            }
        }),
    ),
    (
        "attachment evidence",
        Analysis::Plans(|i, f| {
            if let Some(e) = i.evidence {
                live::attachment::check(i.snapshot, i.binding, e, f);
            }
        }),
    ),
    (
        "volume limit evidence",
        Analysis::Plans(|i, f| {
            if let Some(e) = i.evidence {
                live::volume_limits::check(i.snapshot, i.binding, e, f);
            }
        }),
    ),
    (
        "mount evidence",
        Analysis::Snapshot(|s, e, f| {
            if let Some(e) = e {
                live::mounting::check(s, e, f);
            }
        }),
    ),
    // Claim status alone shows a stuck resize; events add the error.
    (
        "resize progress",
        Analysis::Plans(|i, f| live::resize::check(i.snapshot, i.binding, i.evidence, f)),
    ),
];

/// The findings of the analyses that read the snapshot alone, each in its analysis's slot.
pub struct SnapshotFindings(Vec<Option<Vec<Finding>>>);

/// Runs the analyses that read the snapshot alone, on the caller's thread: they are made to
/// run beside the matcher, which keeps one core busy.
pub fn analyze_snapshot(snapshot: &Snapshot, evidence: Option<&Evidence>) -> SnapshotFindings {
    SnapshotFindings(
        ANALYSES
            .iter()
            .map(|(_, analysis)| match analysis {
                Analysis::Snapshot(analysis) => {
                    let mut findings = Vec::new();
                    analysis(snapshot, evidence, &mut findings);
                    Some(findings)
                }
                Analysis::Plans(_) => None,
            })
            .collect(),
    )
}

/// Every analysis's findings, in a stable order: those of `early` as they found, the others
/// run now. They are added after those already in `findings` (the input's). The first analysis
/// still to run (the binding analysis: at scale, most of the findings) writes straight into
/// `findings`, the others run beside it on the other core into lists of their own. A finding is
/// a few hundred bytes: at 100,000 of them, copying that analysis's list into `findings` held
/// both at the plan's peak.
pub fn analyze_into(inputs: &Inputs, early: SnapshotFindings, findings: &mut Vec<Finding>) {
    let mut slots = early.0;
    let from = findings.len();
    let first = slots
        .iter()
        .position(Option::is_none)
        .unwrap_or(slots.len());
    let rest: Vec<(usize, Analysis)> = ANALYSES
        .iter()
        .enumerate()
        .skip(first + 1)
        .filter(|(i, _)| slots[*i].is_none())
        .map(|(i, (_, analysis))| (i, *analysis))
        .collect();
    // Room for about one finding per claim and volume besides the early ones: memory reserved
    // and not written is not resident, while growing a long list copies it.
    let snapshot = inputs.snapshot;
    findings.reserve(
        slots.iter().flatten().map(Vec::len).sum::<usize>()
            + snapshot.claims.len()
            + snapshot.volumes.len(),
    );
    for found in slots[..first].iter_mut().filter_map(Option::take) {
        findings.extend(found);
    }
    let found = match ANALYSES.get(first) {
        Some((_, analysis)) => {
            crate::parallel::both(
                || run_each(inputs, &rest),
                || analysis.run(inputs, findings),
            )
            .0
        }
        None => Vec::new(),
    };
    for ((i, _), found) in rest.iter().zip(found) {
        slots[*i] = Some(found);
    }
    for found in slots.into_iter().skip(first + 1).flatten() {
        findings.extend(found);
    }
    crate::memory::release_freed();
    one_per_template(findings, from);
}

/// Runs analyses in turn, each into a list of its own.
fn run_each(inputs: &Inputs, analyses: &[(usize, Analysis)]) -> Vec<Vec<Finding>> {
    analyses
        .iter()
        .map(|(_, analysis)| {
            let mut findings = Vec::new();
            analysis.run(inputs, &mut findings);
            findings
        })
        .collect()
}

/// Claims made from one volumeClaimTemplate share its text, so a rule that fires on each of them
/// points at the same field for the same reason: one diagnostic, naming the other claims, reads
/// better than one per replica. Only the findings from `from` on are merged.
fn one_per_template(findings: &mut Vec<Finding>, from: usize) {
    let mut first: HashMap<String, usize> = HashMap::default();
    // By the index of the finding kept, the claims merged into it.
    let mut others: HashMap<usize, Vec<String>> = HashMap::default();
    // Where the finding looked at ends up if kept: the findings kept before it.
    let mut kept = 0;
    findings.retain_mut(|finding| {
        let template_field = match &finding.pointer {
            Some(Pointer::Field { source, path }) if kept >= from && source.base_path.is_some() => {
                Some(format!("{}|{source:?}|{path}", finding.rule))
            }
            _ => None,
        };
        if let Some(key) = template_field {
            if let Some(&i) = first.get(&key) {
                others
                    .entry(i)
                    .or_default()
                    .push(std::mem::take(&mut finding.object.name));
                return false;
            }
            first.insert(key, kept);
        }
        kept += 1;
        true
    });
    for (i, others) in others {
        let finding = &mut findings[i];
        finding.message = format!(
            "{}; the same holds for {} of the same volumeClaimTemplate",
            finding.message,
            others.join(", ")
        );
    }
}
