//! The what-if prediction as data: what `-o json` and `-o yaml` write and the text renderer
//! reads.
//!
//! Shape (`apiVersion: storage.kubectl.io/v1alpha1`, `kind: WhatIf`):
//! - `action`: `delete`.
//! - `target`: `{kind, namespace, name}`; kind is Namespace, PersistentVolumeClaim, StatefulSet
//!   or Pod; namespace is null for a Namespace.
//! - `summary`: counts per fate, the capacity whose data is deleted and kept, how many deleted
//!   claims wait for pods to stop, and `text`, the one-line summary.
//! - `claims`: every claim the deletion reaches, losses first: `namespace`, `name`, `claim`
//!   (`deleted` or `stays`), `fate` (`deleted`, `recycled`, `kept`, `unknown`, `none` for a claim
//!   without data, `untouched`), `volume`, `capacity`, `onceProvisioned` (for a claim whose volume
//!   is still to be provisioned: the fate once it is), `waitsFor` (workloads whose pods keep the
//!   deleted claim Terminating), `reasons` (in order: why the claim goes or stays, then what
//!   happens to the volume), `reuse` (for kept data: how to use it again).
//! - `notes`: what else the deletion does or cannot tell.
//! - `degraded` (live runs only, when not empty): the kinds the cluster would not list, as in the
//!   plan: `kind`, `resource`, `why` (`forbidden` or `not-served`), `weakens`.

use serde::Serialize;

use crate::model::{Quantity, Snapshot};
use crate::report::{DegradedEntry, API_VERSION};

use super::{ClaimOutcome, Fate, WhatIf};

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WhatIfReport {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub action: &'static str,
    pub target: TargetEntry,
    pub summary: WhatIfSummary,
    pub claims: Vec<OutcomeEntry>,
    pub notes: Vec<String>,
    /// Kinds a live run could not list, so the prediction is missing them; absent for files.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub degraded: Vec<DegradedEntry>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TargetEntry {
    pub kind: &'static str,
    pub namespace: Option<String>,
    pub name: String,
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WhatIfSummary {
    /// "deletes the data of 2 volumes (30Gi), keeps 1 Released volume (10Gi), …"
    pub text: String,
    pub data_deleted: usize,
    /// Total capacity of the volumes whose data is deleted (or scrubbed).
    pub data_deleted_capacity: Option<String>,
    pub data_recycled: usize,
    pub data_kept: usize,
    pub data_kept_capacity: Option<String>,
    pub data_unknown: usize,
    /// Deleted claims that hold no data (no volume yet, or none at all).
    pub no_data: usize,
    pub untouched: usize,
    /// Deleted claims that pvc-protection keeps Terminating until pods stop.
    pub waiting_for_pods: usize,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutcomeEntry {
    pub namespace: String,
    pub name: String,
    /// `deleted` or `stays`.
    pub claim: &'static str,
    pub fate: &'static str,
    pub volume: Option<String>,
    pub capacity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub once_provisioned: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waits_for: Vec<String>,
    pub reasons: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reuse: Option<String>,
}

pub fn build(snapshot: &Snapshot, what_if: &WhatIf) -> WhatIfReport {
    let key = what_if.target.key();
    WhatIfReport {
        api_version: API_VERSION,
        kind: "WhatIf",
        action: "delete",
        target: TargetEntry {
            kind: key.kind,
            namespace: key.namespace,
            name: key.name,
        },
        summary: summary(&what_if.claims),
        claims: what_if.claims.iter().map(|o| entry(snapshot, o)).collect(),
        notes: what_if.notes.clone(),
        degraded: Vec::new(),
    }
}

fn entry(snapshot: &Snapshot, outcome: &ClaimOutcome) -> OutcomeEntry {
    let meta = &snapshot.claims[outcome.claim].meta;
    OutcomeEntry {
        namespace: meta.namespace.clone().unwrap_or_default(),
        name: meta.name.clone(),
        claim: if outcome.claim_deleted {
            "deleted"
        } else {
            "stays"
        },
        fate: outcome.fate.as_str(),
        volume: outcome.volume.clone(),
        capacity: outcome.capacity.as_ref().map(Quantity::humanize),
        once_provisioned: outcome.once_provisioned.map(Fate::as_str),
        waits_for: outcome.waits_for.iter().map(ToString::to_string).collect(),
        reasons: outcome.reasons.clone(),
        reuse: outcome.reuse.clone(),
    }
}

fn summary(outcomes: &[ClaimOutcome]) -> WhatIfSummary {
    let count = |fate: Fate| outcomes.iter().filter(|o| o.fate == fate).count();
    let capacity = |fates: &[Fate]| {
        let bytes: i128 = outcomes
            .iter()
            .filter(|o| fates.contains(&o.fate))
            .filter_map(|o| o.capacity.as_ref())
            .map(Quantity::ceil_units)
            .sum();
        (bytes > 0)
            .then(|| Quantity::from_bytes(u64::try_from(bytes).unwrap_or(u64::MAX)).humanize())
    };
    let mut summary = WhatIfSummary {
        data_deleted: count(Fate::Deleted),
        data_deleted_capacity: capacity(&[Fate::Deleted, Fate::Recycled]),
        data_recycled: count(Fate::Recycled),
        data_kept: count(Fate::Kept),
        data_kept_capacity: capacity(&[Fate::Kept]),
        data_unknown: count(Fate::Unknown),
        no_data: count(Fate::NoData),
        untouched: count(Fate::Untouched),
        waiting_for_pods: outcomes.iter().filter(|o| !o.waits_for.is_empty()).count(),
        text: String::new(),
    };
    summary.text = summary_text(&summary);
    summary
}

fn summary_text(s: &WhatIfSummary) -> String {
    let sized = |text: String, capacity: &Option<String>| match capacity {
        Some(c) => format!("{text} ({c})"),
        None => text,
    };
    let mut parts = Vec::new();
    let lost = s.data_deleted + s.data_recycled;
    if lost > 0 {
        let mut text = format!("deletes the data of {}", plural(lost, "volume"));
        if s.data_recycled > 0 {
            text.push_str(&format!(
                ", {} of them scrubbed by Recycle",
                s.data_recycled
            ));
        }
        parts.push(sized(text, &s.data_deleted_capacity));
    }
    if s.data_kept > 0 {
        parts.push(sized(
            format!("keeps {}", plural(s.data_kept, "Released volume")),
            &s.data_kept_capacity,
        ));
    }
    if s.data_unknown > 0 {
        parts.push(format!(
            "cannot tell for {}",
            plural(s.data_unknown, "volume")
        ));
    }
    if s.no_data > 0 {
        parts.push(format!(
            "deletes {} without data",
            plural(s.no_data, "claim")
        ));
    }
    if s.untouched > 0 {
        parts.push(format!("leaves {} untouched", plural(s.untouched, "claim")));
    }
    if parts.is_empty() {
        return "reaches no claims".to_owned();
    }
    let mut text = parts.join(", ");
    if s.waiting_for_pods > 0 {
        text.push_str(&format!(
            "; {} for pods to stop",
            if s.waiting_for_pods == 1 {
                "1 claim waits".to_owned()
            } else {
                format!("{} claims wait", s.waiting_for_pods)
            }
        ));
    }
    text
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}
