//! Every example in rules/*.yaml is planned: a triggering example must report its rule, a
//! clean one must not.

use kubectl_storage::load::{load_str, LoadOptions};
use kubectl_storage::report;
use kubectl_storage::rules;

#[test]
fn rule_examples_behave_as_documented() {
    let mut failures = Vec::new();
    for rule in rules::catalogue().unwrap() {
        for example in &rule.examples {
            let loaded = load_str(
                &format!("{}.yaml", rule.id),
                &example.manifest,
                &LoadOptions::default(),
            );
            let plan = report::plan(&loaded);
            let reported = plan.findings.iter().any(|f| f.rule == rule.id);
            if reported != example.triggers {
                let found: Vec<&str> = plan.findings.iter().map(|f| f.rule).collect();
                failures.push(format!(
                    "{}: example {:?} should {}report it; findings: {found:?}",
                    rule.id,
                    example.name,
                    if example.triggers { "" } else { "not " }
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
