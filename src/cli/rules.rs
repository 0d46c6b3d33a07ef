//! `kubectl storage rules`: the rule catalogue.

use clap::{Args, ValueEnum};

use crate::rules;

use super::{emit, exit, fail};

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = RulesFormat::Text)]
    pub output: RulesFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Text,
    Json,
    /// The documentation page of every rule (docs/rules.md).
    Markdown,
}

pub fn run(args: &RulesArgs) -> u8 {
    let catalogue = match rules::catalogue() {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let text = match args.output {
        RulesFormat::Json => {
            let entries: Vec<serde_json::Value> = catalogue
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id, "severity": r.severity, "category": r.category,
                        "summary": r.summary, "fix": r.fix.applicability,
                        "refusedByApiServer": r.refused_by_api_server,
                    })
                })
                .collect();
            match serde_json::to_string_pretty(&entries) {
                Ok(s) => s + "\n",
                Err(e) => return fail(e),
            }
        }
        RulesFormat::Markdown => crate::render::rule_docs::markdown(&catalogue),
        RulesFormat::Text => {
            let width = catalogue.iter().map(|r| r.id.len()).max().unwrap_or(0);
            let mut out = String::new();
            for r in &catalogue {
                // The fix column: blank for rules without one.
                let fix = match r.fix.applicability.as_str() {
                    "none" => "",
                    other => other,
                };
                out.push_str(&format!(
                    "{:width$}  {:7}  {:12}  {:6}  {}\n",
                    r.id, r.severity, r.category, fix, r.summary
                ));
            }
            out
        }
    };
    match emit(&text) {
        Ok(()) => exit::CLEAN,
        Err(e) => fail(e),
    }
}
