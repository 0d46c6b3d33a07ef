//! The plan as data: what `-o json` and `-o yaml` write (`contracts/plan.schema.json`)
//! and what the text renderer reads. Built once from the snapshot, the plans and the located
//! findings; its long sections are rows made from them when read ([`Rows`]). Renderers only
//! format it.

use std::borrow::Cow;
use std::sync::Arc;

use serde::Serialize;

use crate::binding::{self, BindingPlan};
use crate::deletion::{DeletionPlan, Effect};
use crate::findings::selection::Selection;
use crate::findings::{Finding, Pointer, Severity};
use crate::live::fetch::DegradedWhy;
use crate::live::Degraded;
use crate::load::source::{FileId, Location, Locator, Sources};
use crate::load::Loaded;
use crate::model::Snapshot;

mod rows;
pub use rows::{Basis, ClaimDeletions, ClaimPlans, RowKind, Rows, VolumePlans};

pub const API_VERSION: &str = "storage.kubectl.io/v1alpha1";

/// The plan as its outputs write it. `render::json::write_plan` lays out these fields itself,
/// to write the long arrays on every core: a field added here is added there too (its tests
/// compare the two).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanReport<'a> {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub claims: Rows<'a, ClaimPlans>,
    pub volumes: Rows<'a, VolumePlans>,
    pub findings: Vec<FindingEntry>,
    pub summary: Summary,
    /// What deleting each claim, StatefulSet and namespace does to data.
    pub deletion: DeletionEntry<'a>,
    /// `diagnose TARGET`: the object diagnosed and what it depends on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<crate::diagnose::TargetEntry>,
    /// Whether the input is the whole cluster or a part, and what the plan assumed about the
    /// objects a part does not show.
    pub input: InputEntry,
    /// Kinds a live run could not list, so what the plan says is missing them; absent for
    /// files.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub degraded: Vec<DegradedEntry>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InputEntry {
    /// `partial` (a part of a cluster: what is absent may exist elsewhere) or `complete` (the
    /// whole: what is absent does not exist).
    pub scope: &'static str,
    /// Why: `manifests`, `dump` (objects as the API server returns them), `cluster` (read live)
    /// or `flag` (`--complete`, `--partial`).
    pub basis: &'static str,
    /// Objects a partial input does not show that the plan assumed the cluster has.
    pub assumed: Vec<AssumedEntry>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AssumedEntry {
    pub kind: &'static str,
    /// `null` for the cluster's default StorageClass; "namespace/name" for a claim.
    pub name: Option<String>,
    /// What relies on it: "claim ns/name", "volume name", "Pod ns/name".
    pub needed_by: Vec<String>,
}

impl InputEntry {
    fn new(snapshot: &Snapshot, binding: &BindingPlan) -> InputEntry {
        InputEntry {
            scope: snapshot.scope.as_str(),
            basis: snapshot.scope.basis_str(),
            assumed: crate::analysis::assumptions::collect(snapshot, binding)
                .into_iter()
                .map(|a| AssumedEntry {
                    kind: a.kind,
                    name: a.name,
                    needed_by: a.needed_by,
                })
                .collect(),
        }
    }
}

/// A kind a live run could not list.
#[derive(Clone, Debug, Serialize)]
pub struct DegradedEntry {
    pub kind: &'static str,
    /// `plural.group`, as RBAC names it.
    pub resource: String,
    /// `forbidden` (403: the user may not list it) or `not-served` (the cluster does not serve
    /// this version of the kind).
    pub why: &'static str,
    /// What is weaker without it.
    pub weakens: &'static str,
    /// The sentence the text output prints on standard error.
    pub message: String,
}

impl From<&Degraded> for DegradedEntry {
    fn from(degraded: &Degraded) -> Self {
        DegradedEntry {
            kind: degraded.kind,
            resource: degraded.resource.clone(),
            why: match degraded.why {
                DegradedWhy::Forbidden => "forbidden",
                DegradedWhy::NotServed => "not-served",
            },
            weakens: degraded.weakens,
            message: degraded.to_string(),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletionEntry<'a> {
    /// Per claim: what deleting it does to its data. Sorted by namespace, then name.
    pub claims: Rows<'a, ClaimDeletions>,
    /// Per StatefulSet with volumeClaimTemplates: what deleting or scaling it down does.
    pub stateful_sets: Vec<StatefulSetDeletionEntry>,
    /// Per namespace with claims: what deleting it does.
    pub namespaces: Vec<NamespaceDeletionEntry>,
}

impl DeletionEntry<'_> {
    /// Leaves nothing to say about deletions.
    pub fn clear(&mut self) {
        self.claims.clear();
        self.stateful_sets.clear();
        self.namespaces.clear();
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimDeletionEntry<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
    /// deleted, recycled, kept, none or unknown.
    pub data: &'static str,
    pub volume: Option<&'a str>,
    /// The data will be on a volume still to be provisioned.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub provisioned: bool,
    pub reason: std::borrow::Cow<'a, str>,
    /// `helm.sh/resource-policy: keep`: helm uninstall leaves the claim (deleting its namespace
    /// does not).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub helm_keep: bool,
    /// Workloads whose pods use it: a deleted claim stays Terminating until they are gone.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub used_by: Vec<String>,
    /// The pod that owns it (a generic ephemeral volume's claim): deleting the pod deletes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_with: Option<&'a str>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatefulSetDeletionEntry {
    pub namespace: String,
    pub name: String,
    pub when_deleted: &'static str,
    pub when_scaled: &'static str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub helm_keep: bool,
    pub on_delete: EffectEntry,
    pub on_scale_down: EffectEntry,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceDeletionEntry {
    pub name: String,
    pub on_delete: EffectEntry,
}

/// One deletion's effect; claims as "namespace/name".
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EffectEntry {
    pub claims_deleted: Vec<String>,
    pub claims_kept: Vec<String>,
    /// Deleted claims whose data is deleted (or scrubbed).
    pub data_deleted: Vec<String>,
    /// Deleted claims whose volume stays, with the data.
    pub data_kept: Vec<String>,
    pub data_unknown: Vec<String>,
    pub reason: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimEntry<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
    pub outcome: &'static str,
    pub volume: Option<&'a str>,
    pub storage_class: Option<&'a str>,
    pub provisioner: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub candidates: Vec<CandidateEntry<'a>>,
    #[serde(skip_serializing_if = "is_zero")]
    pub candidates_omitted: usize,
    /// Requested size, as written.
    pub request: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ties: Vec<&'a str>,
    /// What happens to the claim if the scheduler puts its consumer on other nodes that fit it
    /// as well (it picks among them by load).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<AlternativeEntry<'a>>,
    /// For claims made from a template: "StatefulSet ns/name" for its volumeClaimTemplates, the
    /// pod or workload for a generic ephemeral volume.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_of: Option<String>,
    /// `status.phase` of a claim that exists (read live or from a dump): where it stands now,
    /// next to the plan's prediction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<&'a str>,
    pub source: Option<Location>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlternativeEntry<'a> {
    /// binds (to `volume`), provisions, or pending: the scheduler reserves `volume` for the
    /// claim, but the PV controller never completes the binding.
    pub outcome: &'static str,
    pub volume: Option<&'a str>,
    pub nodes: &'a [String],
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CandidateEntry<'a> {
    pub volume: &'a str,
    pub rejected: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeEntry<'a> {
    pub name: &'a str,
    pub phase: &'static str,
    pub claim: Option<&'a str>,
    pub reclaim_policy: &'static str,
    pub on_claim_delete: &'static str,
    /// Who deletes it when `on_claim_delete` is "deleted": "kube-controller-manager" (in-tree,
    /// the object is then gone) or "external-provisioner" (a CSI driver's provisioner the plan
    /// cannot see; until it acts the volume stays Released).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleter: Option<&'static str>,
    /// `status.phase` of a volume that exists (read live or from a dump): where it stands now,
    /// next to the plan's predicted `phase`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_phase: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reserved_for: Option<&'a str>,
    /// For a Released or Failed volume, the claim that is gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_claim: Option<&'a str>,
    pub capacity: Option<&'a str>,
    pub reason: &'a str,
    pub source: Option<Location>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FindingEntry {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub help: Option<Cow<'static, str>>,
    pub object: ObjectEntry,
    pub location: Option<Location>,
    pub fixable: bool,
    /// The label under the pointed-at field (text output).
    #[serde(skip)]
    pub label: Option<Cow<'static, str>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ObjectEntry {
    pub kind: &'static str,
    pub namespace: Option<String>,
    pub name: String,
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub claims: usize,
    pub volumes: usize,
    pub bound: usize,
    pub binds: usize,
    pub provisions: usize,
    pub waits_for_consumer: usize,
    pub pending: usize,
    pub lost: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Serialize for Severity {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Plans a loaded input: binding, analyses, findings located in the source.
pub fn plan(loaded: &Loaded) -> PlanReport<'_> {
    plan_selected(loaded, &Selection::all())
}

/// Plans a loaded input, keeping only the findings the user selected.
pub fn plan_selected<'a>(loaded: &'a Loaded, selection: &Selection) -> PlanReport<'a> {
    let (findings, binding, deletion) = findings(loaded, selection);
    let t = crate::timings::phase("locate");
    let locations = locate_all(&findings, &loaded.sources);
    crate::memory::release_freed();
    drop(t);
    let _t = crate::timings::phase("report build");
    let report = build(
        &loaded.snapshot,
        &loaded.sources,
        binding,
        deletion,
        findings,
        locations,
    );
    crate::memory::release_freed();
    report
}

/// The plans and the selected findings, before they are located and reported (`fix` reads
/// their fixes).
pub fn findings(
    loaded: &Loaded,
    selection: &Selection,
) -> (Vec<Finding>, BindingPlan, DeletionPlan) {
    let snapshot = &loaded.snapshot;
    let evidence = loaded.evidence.as_ref();
    // What loading freed (the objects it parsed on the way) goes before the plans grow.
    crate::memory::release_freed();
    // The matcher keeps one core; the analyses that need no plan take the other.
    let t = crate::timings::phase("binding and deletion plans, snapshot analyses");
    let ((binding, deletion), early) = crate::parallel::both(
        || {
            let binding = binding::plan(snapshot);
            let deletion = crate::deletion::plan(snapshot, &binding);
            (binding, deletion)
        },
        || crate::analysis::analyze_snapshot(snapshot, evidence),
    );
    crate::memory::release_freed();
    drop(t);
    let _t = crate::timings::phase("analyses");
    let mut findings = loaded.findings.clone();
    crate::analysis::analyze_into(
        &crate::analysis::Inputs {
            snapshot,
            binding: &binding,
            deletion: &deletion,
            evidence,
        },
        early,
        &mut findings,
    );
    let findings = selection.apply(findings, &loaded.snapshot);
    (findings, binding, deletion)
}

/// The StatefulSets' and namespaces' deletions as names; the claims' are rows.
fn deletion_groups(
    snapshot: &Snapshot,
    plan: &DeletionPlan,
) -> (Vec<StatefulSetDeletionEntry>, Vec<NamespaceDeletionEntry>) {
    let name = |c: &usize| snapshot.claims[*c].meta.qualified_name();
    let names = |list: &[usize]| {
        let mut names: Vec<String> = list.iter().map(name).collect();
        names.sort();
        names
    };
    let effect = |e: &Effect| EffectEntry {
        claims_deleted: names(&e.claims_deleted),
        claims_kept: names(&e.claims_kept),
        data_deleted: names(&e.data_deleted),
        data_kept: names(&e.data_kept),
        data_unknown: names(&e.data_unknown),
        reason: e.reason.clone(),
    };
    let mut stateful_sets: Vec<StatefulSetDeletionEntry> = plan
        .statefulsets
        .iter()
        .map(|s| {
            let set = &snapshot.workloads[s.workload];
            StatefulSetDeletionEntry {
                namespace: set.meta.namespace.clone().unwrap_or_default(),
                name: set.meta.name.clone(),
                when_deleted: s.retention.when_deleted.as_str(),
                when_scaled: s.retention.when_scaled.as_str(),
                helm_keep: s.helm_keep,
                on_delete: effect(&s.on_delete),
                on_scale_down: effect(&s.on_scale_down),
            }
        })
        .collect();
    stateful_sets.sort_by(|a, b| {
        a.namespace
            .cmp(&b.namespace)
            .then_with(|| a.name.cmp(&b.name))
    });
    let namespaces = plan
        .namespaces
        .iter()
        .map(|n| NamespaceDeletionEntry {
            name: n.name.clone(),
            on_delete: effect(&n.on_delete),
        })
        .collect();
    (stateful_sets, namespaces)
}

/// Where each finding points in its source text, in the findings' order. Each may re-read its
/// object's text, so a large plan spreads them over the machine's cores, and findings on one
/// object are located one after another, reading its text once. The pages of mapped texts read
/// for them are handed back as the cores pass them, so that locating does not bring a dump
/// back. The locations are kept beside the findings rather than joined to each: joining moved
/// every finding into a new list while the old one was still held, the plan's largest copy.
fn locate_all(findings: &[Finding], sources: &Sources) -> Vec<Option<Location>> {
    // Indexes are sorted and handed out, not findings: a finding is a few hundred bytes, and
    // moving each one through two sorts and two threads' lists cost more than locating it.
    let mut order: Vec<u32> = (0..findings.len() as u32).collect();
    order.sort_by_key(|&i| {
        findings[i as usize]
            .pointer
            .as_ref()
            .and_then(|p| p.object())
    });
    let found = crate::parallel::map_parts(
        order,
        || (Locator::new(sources), ReadBehind::default()),
        |(locator, behind), i| {
            let pointer = findings[i as usize].pointer.as_ref();
            if let Some(object) = pointer.and_then(Pointer::object) {
                behind.reaching(sources, object);
            }
            (i, pointer.map(|p| p.locate_with(locator)))
        },
    );
    sources.release();
    let mut locations: Vec<Option<Location>> = Vec::with_capacity(findings.len());
    locations.resize_with(findings.len(), || None);
    for (i, location) in found {
        locations[i as usize] = location;
    }
    locations
}

/// The text one core has located findings in, handed back as it goes: the findings are in
/// their objects' order, so each core reads its stretch of a file front to back, and the pages
/// behind it are not read again.
#[derive(Default)]
struct ReadBehind {
    /// The file being read and where the text not yet handed back starts.
    from: Option<(FileId, usize)>,
}

impl ReadBehind {
    /// The text before the current object goes back once it is this long. By bytes, not by
    /// findings: the system maps a few pages around each one read, so findings far apart held
    /// tens of kilobytes each.
    const RELEASE_AFTER: usize = 4 << 20;

    /// A finding in the object at `start` of `file` is to be located next.
    fn reaching(&mut self, sources: &Sources, (file, start, _): (FileId, usize, usize)) {
        match self.from {
            Some((f, from)) if f == file => {
                if start.saturating_sub(from) >= Self::RELEASE_AFTER {
                    if let Some(source) = sources.file(file) {
                        source.text.release_between(from, start);
                    }
                    self.from = Some((file, start));
                }
            }
            _ => self.from = Some((file, start)),
        }
    }
}

/// The report of planned and located findings. It takes the plans: its rows are made from them
/// when written.
pub fn build<'a>(
    snapshot: &'a Snapshot,
    sources: &'a Sources,
    binding: BindingPlan,
    deletion: DeletionPlan,
    findings: Vec<Finding>,
    locations: Vec<Option<Location>>,
) -> PlanReport<'a> {
    let mut summary = Summary {
        claims: snapshot.claims.len(),
        volumes: snapshot.volumes.len(),
        ..Summary::default()
    };
    for plan in &binding.claims {
        use binding::Outcome::*;
        match plan.outcome {
            Bound => summary.bound += 1,
            Binds => summary.binds += 1,
            Provisions => summary.provisions += 1,
            WaitsForConsumer => summary.waits_for_consumer += 1,
            Pending => summary.pending += 1,
            Lost => summary.lost += 1,
        }
    }
    for finding in &findings {
        match finding.severity {
            Severity::Error => summary.errors += 1,
            Severity::Warning => summary.warnings += 1,
            Severity::Info => summary.infos += 1,
        }
    }
    // The sorts are independent: two cores make them at once.
    let ((claim_order, volume_order), (findings, (stateful_sets, namespaces))) =
        crate::parallel::both(
            || (rows::claim_order(snapshot), rows::volume_order(snapshot)),
            || {
                (
                    finding_entries(findings, locations),
                    deletion_groups(snapshot, &deletion),
                )
            },
        );
    let input = InputEntry::new(snapshot, &binding);
    let basis = Arc::new(Basis {
        snapshot,
        sources,
        binding,
        deletion,
    });
    PlanReport {
        api_version: API_VERSION,
        kind: "StoragePlan",
        claims: Rows::new(basis.clone(), claim_order.clone()),
        volumes: Rows::new(basis.clone(), volume_order),
        findings,
        summary,
        deletion: DeletionEntry {
            claims: Rows::new(basis, claim_order),
            stateful_sets,
            namespaces,
        },
        target: None,
        input,
        degraded: Vec::new(),
    }
}

/// The findings, in the order of where they are written.
fn finding_entries(findings: Vec<Finding>, locations: Vec<Option<Location>>) -> Vec<FindingEntry> {
    let mut findings: Vec<FindingEntry> = findings
        .into_iter()
        .zip(locations)
        .map(|(finding, location)| FindingEntry {
            rule: finding.rule,
            severity: finding.severity,
            message: finding.message,
            help: finding.help,
            object: ObjectEntry {
                kind: finding.object.kind,
                namespace: finding.object.namespace,
                name: finding.object.name,
            },
            location,
            fixable: finding.fix.is_some(),
            label: finding.label,
        })
        .collect();
    // In the order of where they point, then by rule, the equal in the order found. The order
    // is worked out on indexes and applied in place: a stable sort of the entries themselves
    // took a buffer of half of them, the report's largest at a million findings.
    let key = |f: &FindingEntry| f.location.as_ref().map(|l| (l.file_id, l.line, l.column));
    let mut order: Vec<u32> = (0..findings.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| {
        let (x, y) = (&findings[a as usize], &findings[b as usize]);
        key(x)
            .cmp(&key(y))
            .then_with(|| x.rule.cmp(y.rule))
            .then(a.cmp(&b))
    });
    permute(&mut findings, order);
    findings
}

/// Puts `items` in `order`, in place: the item at `k` becomes the one that was at `order[k]`.
/// `order` must hold each index once.
fn permute<T>(items: &mut [T], mut order: Vec<u32>) {
    for start in 0..items.len() {
        // Each cycle of the permutation is walked once; its indexes are marked done as it goes.
        let mut hole = start;
        loop {
            let next = order[hole] as usize;
            order[hole] = hole as u32;
            if next == start || next == hole {
                break;
            }
            items.swap(hole, next);
            hole = next;
        }
    }
}

impl PlanReport<'_> {
    /// The binding plan the report was made from.
    pub fn binding(&self) -> &BindingPlan {
        &self.claims.basis().binding
    }

    /// The most severe finding, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

#[cfg(test)]
mod tests {
    use super::permute;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn permute_puts_items_in_the_order_given(
            order in (0..80u32).prop_flat_map(|n| Just((0..n).collect::<Vec<_>>()).prop_shuffle())
        ) {
            let items: Vec<u32> = (0..order.len() as u32).map(|i| i * 7 + 3).collect();
            let expected: Vec<u32> = order.iter().map(|&i| items[i as usize]).collect();
            let mut permuted = items;
            permute(&mut permuted, order);
            prop_assert_eq!(permuted, expected);
        }
    }
}
