//! The plan of an update held to the real API server: a manifest given after a dump of the same
//! object is planned as what applying it would do to the live object, and where the API server
//! refuses that update (an immutable field changed, a claim shrunk, a resize admission forbids),
//! the plan must refuse it too, and nowhere else.
//!
//! Each case of testdata/validation/updates.yaml is an object created for real (its base, with
//! the objects it needs beside it) under the field manager `kubectl-create`, brought to the
//! state the case needs (a claim Bound), read back (the dump, as `kubectl get -o yaml` writes
//! it), and a manifest (the base with the case's merge patch) server-side applied over it with
//! `dryRun=All` as `kubectl apply --server-side --force-conflicts` sends it. Being another
//! manager's, fields the manifest leaves out stay as they are. The API refuses the update when
//! the apply fails as invalid (422), undecodable (400) or forbidden by admission (403): each
//! makes `kubectl apply` fail. The tool refuses it when the plan of the dump followed by the
//! manifest has an error, on the case's object, of a rule whose file says
//! `refused_by_api_server`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use kubectl_storage::findings::selection::Selection;
use kubectl_storage::findings::Severity;
use kubectl_storage::load::{LoadOptions, Loader};
use serde_json::{json, Value};

use crate::manifest::{documents, merge_patch};
use crate::support::control_plane::{dry_run_kind, ControlPlane, DryRun};
use crate::validation::{refusing_rules, tally, trimmed, Outcome};

/// The namespace of every namespaced object of the cases.
const NS: &str = "validation-updates";

/// The field manager that creates the live objects: not the applier's, as when an object was
/// made by `kubectl create`, an operator or a chart, and is now applied from a manifest.
const CREATOR: &str = "kubectl-create";

/// What a case's live object needs: the objects created before it and dumped with it (its
/// class, the volume a claim binds to), and the phase it must reach before it is dumped.
struct Base {
    with: Vec<Value>,
    wait: Option<String>,
}

/// One update: the live object, and the manifest applied over it.
struct Case {
    name: String,
    base: Base,
    /// The live object: the base, with the case's `live` patch.
    live: Value,
    /// A merge patch made to the live object once it is in its phase (an expansion asked for
    /// earlier, say), by yet another manager.
    then: Option<Value>,
    /// What the user applies: the base, with the case's `patch`.
    manifest: Value,
}

/// An error the tool reports on the case's object.
struct ToolError {
    rule: &'static str,
    message: String,
    /// Its rule says `refused_by_api_server`.
    counts: bool,
}

/// The comparison of one case.
struct Judged {
    case: String,
    kind: String,
    name: String,
    outcome: Outcome,
    /// Why it was skipped; a live object that could not be made fails the test.
    skip_reason: Option<String>,
    setup_failed: bool,
    api: Option<DryRun>,
    tool: Vec<ToolError>,
    /// What the tool was given, to plan it again without a cluster: the dumps, then the
    /// manifest.
    dumps: Vec<Value>,
    manifest: Value,
}

impl Judged {
    fn skipped(case: &Case, reason: String, setup_failed: bool) -> Judged {
        Judged {
            case: case.name.clone(),
            kind: text(&case.manifest["kind"]),
            name: text(&case.manifest["metadata"]["name"]),
            outcome: Outcome::Skipped,
            skip_reason: Some(reason),
            setup_failed,
            api: None,
            tool: Vec::new(),
            dumps: Vec::new(),
            manifest: case.manifest.clone(),
        }
    }

    /// One line for the disagreement list.
    fn line(&self) -> String {
        let api = match &self.api {
            Some(DryRun::Refused {
                code,
                reason,
                message,
                ..
            }) => format!("{code} {reason}: {}", trimmed(message, 300)),
            Some(DryRun::Accepted) => "accepted".to_owned(),
            Some(DryRun::NotServed) => "not served".to_owned(),
            None => format!("- ({})", self.skip_reason.as_deref().unwrap_or("")),
        };
        let list = |counts: bool| {
            self.tool
                .iter()
                .filter(|e| e.counts == counts)
                .map(|e| format!("{}: {}", e.rule, trimmed(&e.message, 200)))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let mut tool = match list(true) {
            refusals if refusals.is_empty() => "no refusal".to_owned(),
            refusals => refusals,
        };
        let others = list(false);
        if !others.is_empty() {
            tool.push_str(&format!(" (other errors: {others})"));
        }
        let outcome = if self.setup_failed {
            "setup failed"
        } else {
            self.outcome.name()
        };
        format!(
            "{outcome} \"{}\" {}/{} | API: {api} | tool: {tool}",
            self.case, self.kind, self.name
        )
    }

    fn to_json(&self) -> Value {
        let api = match &self.api {
            Some(DryRun::Accepted) => json!({"verdict": "accepted"}),
            Some(DryRun::NotServed) => json!({"verdict": "not served"}),
            Some(DryRun::Refused {
                code,
                reason,
                message,
                causes,
            }) => json!({
                "verdict": "refused",
                "code": code,
                "reason": reason,
                "message": message,
                "causes": causes.iter().map(|c| json!({"field": c.field, "message": c.message})).collect::<Vec<_>>(),
            }),
            None => Value::Null,
        };
        json!({
            "case": self.case,
            "kind": self.kind,
            "name": self.name,
            "outcome": self.outcome.name(),
            "skip_reason": self.skip_reason,
            "setup_failed": self.setup_failed,
            "api": api,
            "tool": self.tool.iter().map(|e| json!({"rule": e.rule, "message": e.message, "counts": e.counts})).collect::<Vec<_>>(),
            "dumps": self.dumps,
            "manifest": self.manifest,
        })
    }
}

/// Runs every case; prints a summary and every disagreement, keeps all results as JSON lines,
/// and hands back the disagreement lines (and the cases whose live object could not be made).
pub fn run(plane: &ControlPlane) -> Vec<String> {
    let started = std::time::Instant::now();
    plane.namespace(NS);
    let refusing_rules = refusing_rules();
    let judged: Vec<Judged> = cases()
        .iter()
        .map(|case| judge(plane, &refusing_rules, case))
        .collect();
    keep_results(&judged);
    let disagreements: Vec<String> = judged
        .iter()
        .filter(|j| j.setup_failed || matches!(j.outcome, Outcome::Missed | Outcome::FalseAlarm))
        .map(Judged::line)
        .collect();
    let mut err = std::io::stderr();
    for line in &disagreements {
        let _ = writeln!(err, "{line}");
    }
    let _ = writeln!(err, "{}", summary(&judged));
    let _ = writeln!(
        err,
        "updates: {} cases in {:.0?}",
        judged.len(),
        started.elapsed()
    );
    disagreements
}

fn summary(judged: &[Judged]) -> String {
    tally(
        "updates",
        judged.iter().map(|j| (j.outcome, j.skip_reason.as_deref())),
    )
}

/// Every result as one JSON line in `$CARGO_TARGET_TMPDIR/validation/updates.jsonl`, with the
/// dumps and manifest the tool planned: enough to replay the tool's side without a cluster.
fn keep_results(judged: &[Judged]) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("validation");
    std::fs::create_dir_all(&dir).unwrap();
    let lines: String = judged
        .iter()
        .map(|j| format!("{}\n", j.to_json()))
        .collect();
    let path = dir.join("updates.jsonl");
    std::fs::write(&path, lines).unwrap();
    let _ = writeln!(std::io::stderr(), "updates: results in {}", path.display());
}

// ---------------------------------------------------------------------------------------------
// Judging
// ---------------------------------------------------------------------------------------------

fn judge(plane: &ControlPlane, refusing_rules: &BTreeSet<String>, case: &Case) -> Judged {
    let judged = match make_live(plane, case) {
        Ok(dumps) => {
            let answer = plane.dry_run_apply(&case.manifest);
            let tool = tool_errors(refusing_rules, case, &dumps);
            let refuses = tool.iter().any(|e| e.counts);
            let kind = text(&case.manifest["kind"]);
            let (outcome, skip_reason) = match api_refuses(&kind, &answer) {
                Err(why) => (Outcome::Skipped, Some(why)),
                Ok(api) => (Outcome::of(api, refuses), None),
            };
            Judged {
                case: case.name.clone(),
                kind,
                name: text(&case.manifest["metadata"]["name"]),
                outcome,
                skip_reason,
                setup_failed: false,
                api: Some(answer),
                tool,
                dumps,
                manifest: case.manifest.clone(),
            }
        }
        Err(why) => Judged::skipped(case, format!("the live object: {why}"), true),
    };
    remove(plane, case);
    judged
}

/// Whether the API refuses the update: invalid (422), undecodable (400) or forbidden by an
/// admission plugin (403), each fails `kubectl apply`; an answer that says neither, as an
/// error.
fn api_refuses(kind: &str, answer: &DryRun) -> Result<bool, String> {
    match answer {
        DryRun::Accepted => Ok(false),
        // A workload's refusal counts when it is about storage: a volume field, or the spec a
        // StatefulSet keeps fixed (its claim templates among it).
        DryRun::Refused {
            code: 422, causes, ..
        } if kind == "StatefulSet" => Ok(causes.iter().any(|c| {
            c.field.to_lowercase().contains("volume")
                || c.message.contains("updates to statefulset spec")
        })),
        DryRun::Refused {
            code: 400 | 403 | 422,
            ..
        } => Ok(true),
        DryRun::Refused { code, reason, .. } => {
            Err(format!("an answer about no update ({code} {reason})"))
        }
        DryRun::NotServed => Err("not served".to_owned()),
    }
}

/// Creates the case's objects, waits for the phase it needs and makes its later change; the
/// dumps of its objects, those beside it first, as a cluster gives them.
fn make_live(plane: &ControlPlane, case: &Case) -> Result<Vec<Value>, String> {
    for object in case.base.with.iter().chain([&case.live]) {
        plane
            .create_as(object, CREATOR)
            .map_err(|e| format!("create {}: {e}", described(object)))?;
    }
    if let Some(phase) = &case.base.wait {
        plane.wait_for(
            Duration::from_secs(30),
            &format!("{} to be {phase}", described(&case.live)),
            || (dump(plane, &case.live)?["status"]["phase"] == phase.as_str()).then_some(()),
        )?;
    }
    if let Some(patch) = &case.then {
        plane
            .merge_patch_as(&case.live, patch, "kubectl-edit")
            .map_err(|e| format!("patch {}: {e}", described(&case.live)))?;
    }
    case.base
        .with
        .iter()
        .chain([&case.live])
        .map(|object| dump(plane, object).ok_or_else(|| format!("{} is gone", described(object))))
        .collect()
}

/// An object as `kubectl get -o yaml` writes it: with its uid, resourceVersion, managed fields
/// and status.
fn dump(plane: &ControlPlane, object: &Value) -> Option<Value> {
    let api_version = object["apiVersion"].as_str().unwrap();
    let kind = object["kind"].as_str().unwrap();
    let mut dumped = plane.get(
        api_version,
        kind,
        object["metadata"]["namespace"].as_str(),
        object["metadata"]["name"].as_str().unwrap(),
    )?;
    dumped["apiVersion"] = json!(api_version);
    dumped["kind"] = json!(kind);
    Some(dumped)
}

/// Deletes the case's objects, the updated one first, protection finalizers and all.
fn remove(plane: &ControlPlane, case: &Case) {
    for object in [&case.live].into_iter().chain(case.base.with.iter().rev()) {
        let api_version = object["apiVersion"].as_str().unwrap();
        let kind = object["kind"].as_str().unwrap();
        let namespace = object["metadata"]["namespace"].as_str();
        let name = object["metadata"]["name"].as_str().unwrap();
        plane.delete(api_version, kind, namespace, name);
        plane.drop_finalizers(api_version, kind, namespace, name);
    }
}

/// The errors the tool reports on the case's object when it plans the dump and then the
/// manifest, as `kubectl storage plan dump.yaml manifest.yaml` does.
fn tool_errors(refusing_rules: &BTreeSet<String>, case: &Case, dumps: &[Value]) -> Vec<ToolError> {
    let mut loader = Loader::new(&LoadOptions {
        namespace: NS.to_owned(),
    });
    // Several objects come as a List, one alone, as `kubectl get -o yaml` writes them.
    let dump = match dumps {
        [one] => one.clone(),
        many => json!({"apiVersion": "v1", "kind": "List", "metadata": {}, "items": many}),
    };
    for (label, object) in [("dump.json", &dump), ("manifest.json", &case.manifest)] {
        let text = serde_json::to_string_pretty(object).unwrap();
        loader.add_text(label.to_owned(), Arc::new(text.into()));
    }
    let loaded = loader.finish();
    let (findings, _, _) = kubectl_storage::report::findings(&loaded, &Selection::all());
    let kind = text(&case.manifest["kind"]);
    let name = text(&case.manifest["metadata"]["name"]);
    let namespace = case.manifest["metadata"]["namespace"].as_str();
    findings
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .filter(|f| {
            f.object.kind == kind
                && f.object.name == name
                && f.object.namespace.as_deref() == namespace
        })
        .map(|f| ToolError {
            counts: refusing_rules.contains(f.rule),
            rule: f.rule,
            message: f.message,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The cases
// ---------------------------------------------------------------------------------------------

/// testdata/validation/updates.yaml: named bases, and cases that patch one.
fn cases() -> Vec<Case> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/validation/updates.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let file = match documents(&text) {
        Ok(mut docs) if docs.len() == 1 => docs.remove(0),
        other => panic!("{}: one document expected, got {other:?}", path.display()),
    };
    let bases = file["bases"]
        .as_object()
        .unwrap_or_else(|| panic!("{}: no bases", path.display()));
    let mut names = BTreeSet::new();
    let mut cases = Vec::new();
    for (index, entry) in file["cases"].as_array().unwrap().iter().enumerate() {
        let name = entry["name"].as_str().unwrap();
        let fail = |why: &str| -> ! { panic!("{}: case {name:?}: {why}", path.display()) };
        if !names.insert(name) {
            fail("named twice");
        }
        let base_name = entry["base"].as_str().unwrap_or_else(|| fail("no base"));
        let base = bases
            .get(base_name)
            .unwrap_or_else(|| fail(&format!("no base {base_name}")));
        if entry.get("patch").is_none() {
            fail("no patch");
        }
        cases.push(case(index + 1, name, base, entry));
    }
    cases
}

/// One case, its objects renamed `upd-<n>-<name>` so that no two cases share a name (a
/// cluster-scoped one above all) and put in the test namespace when namespaced. Every string of
/// the case that is one of its objects' names follows the rename (a claim's class, a volume's
/// claimRef), so the names in the file say what refers to what.
fn case(n: usize, name: &str, base: &Value, entry: &Value) -> Case {
    let mut with: Vec<Value> = base["with"].as_array().cloned().unwrap_or_default();
    let mut object = base["object"].clone();
    let renames: BTreeMap<String, String> = with
        .iter()
        .chain([&object])
        .map(|o| {
            let old = text(&o["metadata"]["name"]);
            let new = format!("upd-{n}-{old}");
            (old, new)
        })
        .collect();
    let mut patches = [
        entry.get("live").cloned().unwrap_or(json!({})),
        entry.get("then").cloned().unwrap_or(Value::Null),
        entry["patch"].clone(),
    ];
    for value in with.iter_mut().chain([&mut object]).chain(&mut patches) {
        rename(value, &renames);
    }
    for value in with.iter_mut().chain([&mut object]) {
        let namespaced = value["kind"].as_str().and_then(dry_run_kind);
        assert!(
            namespaced.is_some(),
            "case {name:?}: {} is no kind the tests create",
            described(value)
        );
        if namespaced == Some(true) {
            value["metadata"]["namespace"] = json!(NS);
        }
    }
    let [live_patch, then, patch] = patches;
    let mut live = object.clone();
    merge_patch(&mut live, &live_patch);
    let mut manifest = object.clone();
    merge_patch(&mut manifest, &patch);
    Case {
        name: name.to_owned(),
        base: Base {
            with,
            wait: base["wait"].as_str().map(str::to_owned),
        },
        live,
        then: (!then.is_null()).then_some(then),
        manifest,
    }
}

fn rename(value: &mut Value, renames: &BTreeMap<String, String>) {
    match value {
        Value::String(s) => {
            if let Some(new) = renames.get(s.as_str()) {
                *s = new.clone();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rename(v, renames)),
        Value::Object(map) => map.values_mut().for_each(|v| rename(v, renames)),
        _ => {}
    }
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or("-").to_owned()
}

fn described(object: &Value) -> String {
    format!(
        "{}/{}",
        text(&object["kind"]),
        text(&object["metadata"]["name"])
    )
}

#[test]
fn every_update_case_reads() {
    let cases = cases();
    assert!(cases.len() >= 60, "{} cases", cases.len());
    for case in &cases {
        assert_ne!(case.manifest, Value::Null, "{}", case.name);
    }
}
