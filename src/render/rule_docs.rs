//! The rule catalogue as a Markdown page: the user documentation in docs/rules.md is this
//! output, so the docs are always the rule files.

use std::fmt::Write as _;

use crate::rules::RuleDoc;

/// Categories in the order a reader meets them; a test checks every rule has one of them.
pub const CATEGORIES: &[(&str, &str)] = &[
    ("binding", "Binding"),
    ("access-modes", "Access modes"),
    ("topology", "Topology"),
    ("attachment", "Attaching and mounting"),
    ("reclaim", "Reclaim"),
    ("expansion", "Expansion"),
    ("input", "Input"),
];

pub fn markdown(catalogue: &[RuleDoc]) -> String {
    let mut out = String::from(
        "# Rules\n\n<!-- Generated from rules/*.yaml by `kubectl-storage rules -o markdown`; edit the rule files, not this page. -->\n\n",
    );
    let _ = writeln!(
        out,
        "Every rule can be disabled (`--disable RULE`, `disable:` in `.kubectl-storage.yaml`), given another severity (`severity:` in the config file), or silenced on one object with the annotation `kubectl-storage.io/ignore: RULE[,RULE…]`. `kubectl storage explain RULE` prints a rule's page in the terminal.\n"
    );
    out.push_str("| Rule | Severity | Category | Fix | Summary |\n|---|---|---|---|---|\n");
    for (category, _) in CATEGORIES {
        for rule in catalogue.iter().filter(|r| r.category == *category) {
            let _ = writeln!(
                out,
                "| [`{id}`](#{id}) | {} | {} | {} | {} |",
                rule.severity,
                rule.category,
                rule.fix.applicability,
                rule.summary,
                id = rule.id
            );
        }
    }
    for (category, title) in CATEGORIES {
        let rules: Vec<&RuleDoc> = catalogue
            .iter()
            .filter(|r| r.category == *category)
            .collect();
        if rules.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n## {title}");
        for rule in rules {
            let _ = write!(
                out,
                "\n### {}\n\n{} · severity **{}** · fix: {}\n\n**Why it matters.** {}\n\n**What to do.** {}\n\n**Fix.** {}\n",
                rule.id,
                rule.summary,
                rule.severity,
                rule.fix.applicability,
                rule.rationale.trim_end(),
                rule.remediation.trim_end(),
                rule.fix.description.trim_end()
            );
            if rule.refused_by_api_server {
                out.push_str("\n**Refused by the API server.** `kubectl apply` fails on an object this rule reports as an error; the end-to-end tests hold the rule to what a real kube-apiserver refuses.\n");
            }
            for example in &rule.examples {
                let verdict = if example.triggers {
                    "reported"
                } else {
                    "not reported"
                };
                let _ = write!(
                    out,
                    "\n<details><summary>Example ({verdict}): {}</summary>\n\n```yaml\n{}```\n\n</details>\n",
                    example.name, example.manifest
                );
            }
        }
    }
    out
}
