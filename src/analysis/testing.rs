//! Test support for the analyses: plan a manifest text as the command line would.

use crate::load::{load_str, LoadOptions};
use crate::report::{self, FindingEntry};

/// The findings of planning `text`, input findings included.
pub fn findings(text: &str) -> Vec<FindingEntry> {
    report::plan(&load_str("t.yaml", text, &LoadOptions::default())).findings
}

/// The findings of planning `text`, which must load without input findings.
pub fn clean_findings(text: &str) -> Vec<FindingEntry> {
    let loaded = load_str("t.yaml", text, &LoadOptions::default());
    assert!(loaded.findings.is_empty(), "{:?}", loaded.findings);
    report::plan(&loaded).findings
}

/// The findings of planning `text` as the whole cluster (`--complete`): what it does not show
/// does not exist.
pub fn complete_findings(text: &str) -> Vec<FindingEntry> {
    let mut loaded = load_str("t.yaml", text, &LoadOptions::default());
    loaded.snapshot.set_scope(crate::model::Scope {
        complete: true,
        basis: crate::model::ScopeBasis::Flag,
    });
    report::plan(&loaded).findings
}
