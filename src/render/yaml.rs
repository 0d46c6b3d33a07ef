//! `-o yaml`: the same data as json.

use std::io::{self, Write};

use crate::report::PlanReport;

/// Also writes other reports (`what-if`): any serialisable shape.
pub fn write<T: serde::Serialize>(report: &T, out: &mut dyn Write) -> io::Result<()> {
    serde_saphyr::to_io_writer(&mut &mut *out, report).map_err(|e| io::Error::other(e.to_string()))
}

pub fn render(report: &PlanReport) -> Result<String, String> {
    serde_saphyr::to_string(report).map_err(|e| format!("cannot write YAML: {e}"))
}
