//! `-o json`: the plan contract.

use std::io::{self, Write};

use crate::report::PlanReport;

/// Writes the plan as it is serialised, without holding the whole text.
/// Also writes other reports (`what-if`): any serialisable shape.
/// Generic over the writer so that a buffered writer's fast path is inlined into the serialiser:
/// a plan of 100,000 claims is hundreds of millions of small writes.
pub fn write<T: serde::Serialize, W: Write + ?Sized>(report: &T, out: &mut W) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

pub fn render(report: &PlanReport) -> Result<String, String> {
    let mut out = Vec::new();
    write(report, &mut out).map_err(|e| format!("cannot write JSON: {e}"))?;
    String::from_utf8(out).map_err(|e| e.to_string())
}
