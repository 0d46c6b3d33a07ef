//! `-o json`: the plan contract.

use crate::report::PlanReport;

pub fn render(report: &PlanReport) -> Result<String, String> {
    serde_json::to_string_pretty(report)
        .map(|s| s + "\n")
        .map_err(|e| format!("cannot write JSON: {e}"))
}
