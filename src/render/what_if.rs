//! Text for `what-if`: the one-line summary, then the claims grouped by what becomes of their
//! data, each with its reasons.

use std::fmt::Write as _;

use crate::what_if::report::{OutcomeEntry, WhatIfReport};

use super::text::Paint;

/// The groups, in the order the prediction lists them, with their headings.
const GROUPS: &[(&str, &str)] = &[
    ("deleted", "Data deleted"),
    ("recycled", "Data scrubbed (Recycle)"),
    ("kept", "Kept: volume Released with its data"),
    ("unknown", "Cannot tell"),
    ("none", "Claims deleted without data"),
    ("untouched", "Untouched"),
];

pub fn render(report: &WhatIfReport, color: bool) -> String {
    let p = Paint(color);
    let mut out = String::new();
    let target = &report.target;
    let name = match &target.namespace {
        Some(ns) => format!("{ns}/{}", target.name),
        None => target.name.clone(),
    };
    let _ = writeln!(
        out,
        "{} {} {name}: {}",
        p.bold("Deleting"),
        target.kind,
        report.summary.text
    );
    for (fate, heading) in GROUPS {
        let group: Vec<&OutcomeEntry> = report.claims.iter().filter(|c| c.fate == *fate).collect();
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{}", p.bold(heading));
        for claim in group {
            line(&mut out, claim, p);
        }
    }
    if !report.notes.is_empty() {
        let _ = writeln!(out, "\n{}", p.bold("Notes"));
        for note in &report.notes {
            let _ = writeln!(out, "  · {note}");
        }
    }
    out
}

fn line(out: &mut String, claim: &OutcomeEntry, p: Paint) {
    let mark = match claim.fate {
        "deleted" | "recycled" => p.red("✘"),
        "kept" => p.yellow("●"),
        "untouched" => p.green("✔"),
        _ => p.dim("…"),
    };
    let mut head = format!("  {mark} {}/{}", claim.namespace, claim.name);
    if let Some(volume) = &claim.volume {
        let _ = write!(head, " → {}", p.cyan(volume));
    }
    if let Some(capacity) = &claim.capacity {
        let _ = write!(head, " ({capacity})");
    }
    if !claim.waits_for.is_empty() {
        let _ = write!(
            head,
            " {}",
            p.yellow(&format!(
                "(deleted once the pods of {} stop)",
                claim.waits_for.join(", ")
            ))
        );
    }
    let _ = writeln!(out, "{head}");
    for reason in &claim.reasons {
        let _ = writeln!(out, "      {}", p.dim(reason));
    }
    if let Some(reuse) = &claim.reuse {
        let _ = writeln!(out, "      {reuse}");
    }
}
