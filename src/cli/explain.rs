//! `kubectl storage explain RULE`: one rule's documentation.

use clap::Args;

use crate::rules;

use super::{emit, exit, fail};

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule id, as `kubectl storage rules` lists it.
    pub rule: String,
}

pub fn run(args: &ExplainArgs) -> u8 {
    let Some(doc) = rules::doc(&args.rule) else {
        return fail(format!(
            "no rule {:?}; `kubectl storage rules` lists them",
            args.rule
        ));
    };
    let mut out = format!(
        "{} ({}, {})\n\n{}\n\nWhy it matters\n{}\nWhat to do\n{}\nFix: {} — {}\n",
        doc.id,
        doc.severity,
        doc.category,
        doc.summary,
        indent(&doc.rationale),
        indent(&doc.remediation),
        doc.fix.applicability,
        doc.fix.description
    );
    for example in &doc.examples {
        let verdict = if example.triggers {
            "reported"
        } else {
            "not reported"
        };
        out.push_str(&format!(
            "\nExample ({verdict}): {}\n{}",
            example.name,
            indent(&example.manifest)
        ));
    }
    match emit(&out) {
        Ok(()) => exit::CLEAN,
        Err(e) => fail(e),
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                "\n".to_owned()
            } else {
                format!("  {l}\n")
            }
        })
        .collect()
}
