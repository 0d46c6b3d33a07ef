//! `-o json`: the plan contract.

use std::io::{self, Write};

use crate::report::PlanReport;

/// Writes the plan as it is serialised, without holding the whole text.
/// Also writes other reports (`what-if`): any serialisable shape.
pub fn write<T: serde::Serialize>(report: &T, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

pub fn render(report: &PlanReport) -> Result<String, String> {
    let mut out = Vec::new();
    write(report, &mut out).map_err(|e| format!("cannot write JSON: {e}"))?;
    String::from_utf8(out).map_err(|e| e.to_string())
}
