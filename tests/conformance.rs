//! Every binding case must pass, with both the indexed finder the tool uses and the plain
//! reference finder: the shared conformance cases (../shared/conformance/binding/) and the
//! project's own (testdata/binding/, each a disagreement with the real control plane once).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kubectl_storage::binding::{
    self, index::IndexedFinder, reference::ReferenceFinder, BindingPlan,
};
use kubectl_storage::load::{load_str, LoadOptions};
use kubectl_storage::model::Snapshot;
use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    name: String,
    #[allow(dead_code)]
    source: String,
    objects: Vec<serde_json::Value>,
    expect: Expect,
}

#[derive(Deserialize, Default)]
struct Expect {
    #[serde(default)]
    claims: BTreeMap<String, ClaimExpect>,
    #[serde(default)]
    volumes: BTreeMap<String, VolumeExpect>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn allows(&self, value: &str) -> bool {
        match self {
            OneOrMany::One(v) => v == value,
            OneOrMany::Many(vs) => vs.iter().any(|v| v == value),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClaimExpect {
    outcome: Option<OneOrMany>,
    #[serde(default, deserialize_with = "present")]
    volume: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    storage_class: Option<Option<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VolumeExpect {
    phase: Option<String>,
    /// What deleting its claim does: "retained", "deleted", "recycled".
    on_claim_delete: Option<String>,
    /// Who deletes it: "kube-controller-manager" or "external-provisioner".
    deleter: Option<String>,
    #[serde(default, deserialize_with = "present")]
    claim: Option<Option<String>>,
}

/// Distinguishes "not named by the case" (None) from "named as null" (Some(None)).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

fn snapshot_of(case: &Case) -> Snapshot {
    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": case.objects});
    let loaded = load_str(&case.name, &list.to_string(), &LoadOptions::default());
    assert!(
        loaded.findings.is_empty(),
        "{}: input problems: {:?}",
        case.name,
        loaded
            .findings
            .iter()
            .map(|f| &f.message)
            .collect::<Vec<_>>()
    );
    loaded.snapshot
}

fn check(case: &Case, snapshot: &Snapshot, plan: &BindingPlan, finder: &str) -> Vec<String> {
    let mut failures = Vec::new();
    for (key, want) in &case.expect.claims {
        let Some(i) = snapshot
            .claims
            .iter()
            .position(|c| c.meta.qualified_name() == *key)
        else {
            failures.push(format!("{}: claim {key} not in the plan", case.name));
            continue;
        };
        let got = &plan.claims[i];
        let fail = |what: &str, want: String, got: String| {
            format!(
                "{} [{finder}]: claim {key}: {what}: want {want}, got {got} ({})",
                case.name,
                got_reason(plan, i)
            )
        };
        if let Some(outcome) = &want.outcome {
            if !outcome.allows(got.outcome.as_str()) {
                failures.push(fail(
                    "outcome",
                    format!("{:?}", outcome_text(outcome)),
                    got.outcome.to_string(),
                ));
            }
        }
        // Where the real scheduler may go either way, what the plan says happens on the other
        // nodes must be among the outcomes seen too.
        if let Some(outcome @ OneOrMany::Many(_)) = &want.outcome {
            for alternative in &got.alternatives {
                if !outcome.allows(alternative.outcome.as_str()) {
                    failures.push(fail(
                        "outcome on another node",
                        format!("{:?}", outcome_text(outcome)),
                        format!(
                            "{} on {}",
                            alternative.outcome,
                            alternative.nodes.join(", ")
                        ),
                    ));
                }
            }
        }
        if let Some(volume) = &want.volume {
            if *volume != got.volume {
                failures.push(fail(
                    "volume",
                    format!("{volume:?}"),
                    format!("{:?}", got.volume),
                ));
            }
        }
        if let Some(class) = &want.storage_class {
            if *class != got.class {
                failures.push(fail(
                    "storageClass",
                    format!("{class:?}"),
                    format!("{:?}", got.class),
                ));
            }
        }
    }
    for (name, want) in &case.expect.volumes {
        let Some(i) = snapshot.volumes.iter().position(|v| v.meta.name == *name) else {
            failures.push(format!("{}: volume {name} not in the plan", case.name));
            continue;
        };
        let got = &plan.volumes[i];
        if let Some(phase) = &want.phase {
            if phase != got.phase.as_str() {
                failures.push(format!(
                    "{} [{finder}]: volume {name}: phase: want {phase}, got {}",
                    case.name, got.phase
                ));
            }
        }
        if let Some(fate) = &want.on_claim_delete {
            if fate != got.on_claim_delete.as_str() {
                failures.push(format!(
                    "{} [{finder}]: volume {name}: onClaimDelete: want {fate}, got {} ({})",
                    case.name,
                    got.on_claim_delete.as_str(),
                    got.reason
                ));
            }
        }
        if let Some(deleter) = &want.deleter {
            let got_deleter = got.deleter.as_ref().map(|d| d.as_str());
            if Some(deleter.as_str()) != got_deleter {
                failures.push(format!(
                    "{} [{finder}]: volume {name}: deleter: want {deleter}, got {got_deleter:?}",
                    case.name
                ));
            }
        }
        if let Some(claim) = &want.claim {
            if *claim != got.claim {
                failures.push(format!(
                    "{} [{finder}]: volume {name}: claim: want {claim:?}, got {:?}",
                    case.name, got.claim
                ));
            }
        }
    }
    failures
}

fn got_reason(plan: &BindingPlan, i: usize) -> String {
    plan.claims[i].reason.clone()
}

fn outcome_text(o: &OneOrMany) -> String {
    match o {
        OneOrMany::One(v) => v.clone(),
        OneOrMany::Many(vs) => vs.join("|"),
    }
}

/// Runs every case in `dir` with both finders; the failures, and how many cases ran.
fn run_cases(dir: &Path) -> (usize, Vec<String>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    entries.sort();
    assert!(!entries.is_empty(), "no cases in {}", dir.display());
    let mut failures = Vec::new();
    for path in &entries {
        let text = std::fs::read_to_string(path).unwrap();
        let case: Case =
            serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let snapshot = snapshot_of(&case);
        failures.extend(check(
            &case,
            &snapshot,
            &binding::plan_with::<IndexedFinder>(&snapshot),
            "indexed",
        ));
        failures.extend(check(
            &case,
            &snapshot,
            &binding::plan_with::<ReferenceFinder>(&snapshot),
            "reference",
        ));
    }
    (entries.len(), failures)
}

fn assert_cases_pass(dir: &Path) {
    let (count, failures) = run_cases(dir);
    assert!(
        failures.is_empty(),
        "{} of {count} cases in {} failed:\n{}",
        failures.len(),
        dir.display(),
        failures.join("\n")
    );
    println!("{count} cases in {} passed", dir.display());
}

/// The shared conformance cases, transcribed from upstream's tests.
#[test]
fn conformance_cases_pass() {
    if let Some(dir) = kubectl_storage::shared_fixtures::shared_dir(
        "conformance/binding",
        "conformance_cases_pass",
    ) {
        assert_cases_pass(&dir);
    }
}

/// The project's own cases: what the real control plane did where the plan once disagreed.
#[test]
fn project_binding_cases_pass() {
    assert_cases_pass(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/binding"));
}
