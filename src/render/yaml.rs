//! `-o yaml`: the same data as json.

use crate::report::PlanReport;

pub fn render(report: &PlanReport) -> Result<String, String> {
    serde_saphyr::to_string(report).map_err(|e| format!("cannot write YAML: {e}"))
}
