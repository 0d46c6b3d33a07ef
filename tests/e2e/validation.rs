//! The tool's input validation held to the real API server: the plan should never pass an object
//! that `kubectl apply` gets refused, and never call refused an object the API server accepts.
//!
//! Each case is one object, created with `dryRun=All` and strict field validation (nothing is
//! stored) and planned alone through the library. The API refuses it when the create fails as
//! invalid (422) or undecodable (400); for a Pod or a workload only a refusal about volumes
//! counts (a cause whose field path names volumes, volumeMounts, volumeDevices or
//! volumeClaimTemplates), as the tool judges nothing else there. The tool refuses it when it
//! reports an error of a rule whose file says `refused_by_api_server` (on a Pod or workload,
//! one pointing at a volume field). Where the two differ is a disagreement. Answers that say
//! nothing either way (not served, refused by admission before validation) are skipped.
//!
//! Cases come from three origins: the example manifests of every rule file, the base objects
//! and merge patches of testdata/validation/cases.yaml, and the real-world corpus. YAML is
//! read as kubectl reads it, and objects are stripped to what a create sends, in one namespace.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kubectl_storage::findings::selection::Selection;
use kubectl_storage::findings::{Pointer, Severity};
use kubectl_storage::load::{LoadOptions, Loader};
use serde_json::{json, Value};

use crate::manifest::{documents, merge_patch};
use crate::support::control_plane::{dry_run_kind, ControlPlane, DryRun};

/// The namespace every namespaced case is created in.
const NS: &str = "validation";

/// The kinds whose every field the tool may judge; any refusal of them counts. The other
/// compared kinds (Pod and the workloads) count only refusals about volumes.
const STORAGE_KINDS: &[&str] = &[
    "PersistentVolume",
    "PersistentVolumeClaim",
    "StorageClass",
    "VolumeAttachment",
    "CSIDriver",
    "CSINode",
    "VolumeAttributesClass",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    Examples,
    Cases,
    Corpus,
}

impl Origin {
    const ALL: [Origin; 3] = [Origin::Examples, Origin::Cases, Origin::Corpus];

    fn name(self) -> &'static str {
        match self {
            Origin::Examples => "examples",
            Origin::Cases => "cases",
            Origin::Corpus => "corpus",
        }
    }

    /// The origins to run: all, or the one `E2E_VALIDATION_ORIGIN` names.
    pub fn selected() -> Vec<Origin> {
        match std::env::var("E2E_VALIDATION_ORIGIN") {
            Ok(name) if !name.is_empty() => {
                let origin = Origin::ALL
                    .into_iter()
                    .find(|o| o.name() == name)
                    .unwrap_or_else(|| {
                        panic!("E2E_VALIDATION_ORIGIN={name}: one of examples, cases, corpus")
                    });
                vec![origin]
            }
            _ => Origin::ALL.to_vec(),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An object, and where it came from.
type Labelled = (String, Value);

/// One object to judge, and where it came from.
struct Case {
    origin: Origin,
    /// The rule file and example, the case name, or the corpus file and document index.
    label: String,
    object: Value,
}

/// What became of one case (of this test and of `updates`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Both refuse.
    Caught,
    /// Both accept.
    Passed,
    /// The API refuses, the tool does not.
    Missed,
    /// The tool refuses, the API accepts.
    FalseAlarm,
    /// Not compared (the reason is kept with the result).
    Skipped,
}

impl Outcome {
    /// The outcome of a case both sides judged.
    pub fn of(api_refuses: bool, tool_refuses: bool) -> Outcome {
        match (api_refuses, tool_refuses) {
            (true, true) => Outcome::Caught,
            (true, false) => Outcome::Missed,
            (false, true) => Outcome::FalseAlarm,
            (false, false) => Outcome::Passed,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Outcome::Caught => "caught",
            Outcome::Passed => "passed",
            Outcome::Missed => "missed",
            Outcome::FalseAlarm => "false alarm",
            Outcome::Skipped => "skipped",
        }
    }
}

/// The API server's verdict, as far as the tool is held to it.
enum ApiVerdict {
    Refused,
    Accepted,
    /// The answer says nothing about what the tool judges: not served (removed-api-version
    /// covers that), refused before validation by admission, or undecodable for a reason that
    /// is not about volumes (a workload the server never validated).
    Undecided(String),
}

/// An error the tool reports on an object.
struct ToolError {
    rule: &'static str,
    message: String,
    /// The field it points at, from the object as written.
    path: String,
    /// Whether it counts as a refusal: its rule says `refused_by_api_server`, and on a Pod or
    /// workload it is about volumes. Other errors are kept to tell a rule that finds the
    /// problem but is not marked from one that does not find it.
    counts: bool,
}

/// The comparison of one case.
struct Judged {
    origin: Origin,
    label: String,
    kind: String,
    name: String,
    outcome: Outcome,
    skip_reason: Option<String>,
    api: Option<DryRun>,
    /// Every error the tool reports, counted or not.
    tool: Vec<ToolError>,
}

impl Judged {
    fn skipped(origin: Origin, label: String, object: &Value, reason: String) -> Judged {
        Judged {
            origin,
            label,
            kind: text(&object["kind"]),
            name: object_name(object),
            outcome: Outcome::Skipped,
            skip_reason: Some(reason),
            api: None,
            tool: Vec::new(),
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
            None => "-".to_owned(),
        };
        let list = |counts: bool| {
            self.tool
                .iter()
                .filter(|r| r.counts == counts)
                .map(|r| format!("{}: {}", r.rule, trimmed(&r.message, 200)))
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
        format!(
            "{} [{}] {} {}/{} | API: {} | tool: {}",
            self.outcome.name(),
            self.origin,
            self.label,
            self.kind,
            self.name,
            api,
            tool
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
            "origin": self.origin.name(),
            "label": self.label,
            "kind": self.kind,
            "name": self.name,
            "outcome": self.outcome.name(),
            "skip_reason": self.skip_reason,
            "api": api,
            "tool": self.tool.iter().map(|r| json!({"rule": r.rule, "message": r.message, "path": r.path, "counts": r.counts})).collect::<Vec<_>>(),
        })
    }
}

/// Runs every case of the selected origins; prints a summary per origin and every
/// disagreement, keeps all results as JSON lines, and hands back the disagreement lines.
pub fn run(plane: &ControlPlane, origins: &[Origin]) -> Vec<String> {
    let started = std::time::Instant::now();
    plane.namespace(NS);
    let refusing_rules = refusing_rules();
    let mut judged = Vec::new();
    for &origin in origins {
        let (cases, mut skipped) = match origin {
            Origin::Examples => admit_all(origin, example_objects()),
            Origin::Cases => admit_all(origin, patched_cases()),
            Origin::Corpus => match corpus_objects() {
                Some((objects, unreadable)) => {
                    let (cases, mut skipped) = admit_all(origin, objects);
                    skipped.extend(unreadable);
                    (cases, skipped)
                }
                None => continue,
            },
        };
        create_service_accounts(plane, &cases);
        judged.extend(
            cases
                .into_iter()
                .map(|case| judge(plane, &refusing_rules, case)),
        );
        judged.append(&mut skipped);
    }
    keep_results(&judged);
    let disagreements: Vec<String> = judged
        .iter()
        .filter(|j| matches!(j.outcome, Outcome::Missed | Outcome::FalseAlarm))
        .map(Judged::line)
        .collect();
    let mut err = std::io::stderr();
    for line in &disagreements {
        let _ = writeln!(err, "{line}");
    }
    let _ = writeln!(err, "{}", summary(&judged, origins));
    let _ = writeln!(
        err,
        "validation: {} objects in {:.0?}",
        judged.len(),
        started.elapsed()
    );
    disagreements
}

/// Per origin: how many were compared, refused by the API, caught, missed, false alarms,
/// skipped (and why, grouped).
fn summary(judged: &[Judged], origins: &[Origin]) -> String {
    let lines: Vec<String> = origins
        .iter()
        .map(|&origin| {
            let of = judged.iter().filter(|j| j.origin == origin);
            tally(
                &origin.to_string(),
                of.map(|j| (j.outcome, j.skip_reason.as_deref())),
            )
        })
        .collect();
    lines.join("\n")
}

/// One line of counts (compared, refused by the API, caught, missed, false alarms, skipped),
/// then the reasons for skipping, grouped.
pub fn tally<'a>(label: &str, judged: impl Iterator<Item = (Outcome, Option<&'a str>)>) -> String {
    let mut counts = BTreeMap::<&str, usize>::new();
    let mut reasons = BTreeMap::<&str, usize>::new();
    for (outcome, reason) in judged {
        *counts.entry(outcome.name()).or_default() += 1;
        if let Some(reason) = reason {
            *reasons.entry(reason).or_default() += 1;
        }
    }
    let count = |o: Outcome| counts.get(o.name()).copied().unwrap_or(0);
    let skipped = count(Outcome::Skipped);
    let compared = counts.values().sum::<usize>() - skipped;
    let mut out = format!(
        "{label}: {compared} compared, {} refused by the API, {} caught, {} missed, {} false alarms, {skipped} skipped",
        count(Outcome::Caught) + count(Outcome::Missed),
        count(Outcome::Caught),
        count(Outcome::Missed),
        count(Outcome::FalseAlarm),
    );
    for (reason, n) in reasons {
        out.push_str(&format!("\n  skipped {n}: {reason}"));
    }
    out
}

/// Every result as one JSON line in `$CARGO_TARGET_TMPDIR/validation/results.jsonl`.
fn keep_results(judged: &[Judged]) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("validation");
    std::fs::create_dir_all(&dir).unwrap();
    let mut lines = String::new();
    for j in judged {
        lines.push_str(&j.to_json().to_string());
        lines.push('\n');
    }
    let path = dir.join("results.jsonl");
    std::fs::write(&path, lines).unwrap();
    let _ = writeln!(
        std::io::stderr(),
        "validation: results in {}",
        path.display()
    );
}

// ---------------------------------------------------------------------------------------------
// Judging
// ---------------------------------------------------------------------------------------------

fn judge(plane: &ControlPlane, refusing_rules: &BTreeSet<String>, case: Case) -> Judged {
    let kind = text(&case.object["kind"]);
    let storage = STORAGE_KINDS.contains(&kind.as_str());
    let answer = plane.dry_run_create(&case.object);
    let mut tool = tool_errors(&case.label, &case.object);
    for error in &mut tool {
        let about_volumes =
            about_volumes(&error.path) || (error.path.is_empty() && about_volumes(&error.message));
        error.counts = refusing_rules.contains(error.rule) && (storage || about_volumes);
    }
    let refuses = tool.iter().any(|r| r.counts);
    let (outcome, skip_reason) = match api_verdict(plane, storage, &case.object, &answer) {
        ApiVerdict::Undecided(why) => (Outcome::Skipped, Some(why)),
        ApiVerdict::Refused => (Outcome::of(true, refuses), None),
        ApiVerdict::Accepted => (Outcome::of(false, refuses), None),
    };
    Judged {
        origin: case.origin,
        label: case.label,
        name: object_name(&case.object),
        kind,
        outcome,
        skip_reason,
        api: Some(answer),
        tool,
    }
}

/// Whether a field path (or, lacking one, a message) is about volumes: volumes,
/// volumeMounts, volumeDevices, volumeClaimTemplates.
fn about_volumes(text: &str) -> bool {
    text.to_ascii_lowercase().contains("volume")
}

fn api_verdict(plane: &ControlPlane, storage: bool, object: &Value, answer: &DryRun) -> ApiVerdict {
    match answer {
        DryRun::Accepted => ApiVerdict::Accepted,
        DryRun::NotServed => {
            ApiVerdict::Undecided("the apiVersion/kind is not served (removed-api-version)".into())
        }
        DryRun::Refused {
            code: 422 | 400, ..
        } if storage => ApiVerdict::Refused,
        // A workload's validation reports every problem it finds, so a refusal naming no
        // volume field accepts its volumes.
        DryRun::Refused {
            code: 422,
            message,
            causes,
            ..
        } => {
            let volumes = if causes.is_empty() {
                invalid_fields(message).iter().any(|f| about_volumes(f))
            } else {
                causes.iter().any(|c| about_volumes(&c.field))
            };
            if volumes {
                ApiVerdict::Refused
            } else {
                ApiVerdict::Accepted
            }
        }
        // Decoding stops the request before validation: only a decoding error about volumes
        // (an unknown or mistyped field under one) says anything about them. Some errors name
        // no field (a malformed quantity); the object without its volumes tells whether the
        // error was there.
        DryRun::Refused {
            code: 400, message, ..
        } => {
            let after_kind = message
                .split_once(": ")
                .map_or(message.as_str(), |(_, m)| m);
            if about_volumes(after_kind) {
                return ApiVerdict::Refused;
            }
            match plane.dry_run_create(&without_volumes(object)) {
                DryRun::Refused { code: 400, .. } => {
                    ApiVerdict::Undecided("undecodable for a reason not about volumes (400)".into())
                }
                _ => ApiVerdict::Refused,
            }
        }
        // Admission (a missing service account or priority class, say) answers before
        // validation does.
        DryRun::Refused { code, reason, .. } => {
            ApiVerdict::Undecided(format!("refused before validation ({code} {reason})"))
        }
    }
}

/// An object with every volume field dropped, wherever it sits: volumes, volumeMounts,
/// volumeDevices, volumeClaimTemplates.
fn without_volumes(object: &Value) -> Value {
    match object {
        Value::Object(map) => map
            .iter()
            .filter(|(k, _)| {
                !matches!(
                    k.as_str(),
                    "volumes" | "volumeMounts" | "volumeDevices" | "volumeClaimTemplates"
                )
            })
            .map(|(k, v)| (k.clone(), without_volumes(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
        Value::Array(items) => items.iter().map(without_volumes).collect(),
        other => other.clone(),
    }
}

/// The field paths of a 422 message, `Kind "name" is invalid: [path: msg, path: msg]` or one
/// cause without brackets; a fallback for answers without structured causes.
fn invalid_fields(message: &str) -> Vec<String> {
    let Some((_, causes)) = message.split_once(" is invalid: ") else {
        return Vec::new();
    };
    let causes = causes
        .strip_prefix('[')
        .and_then(|c| c.strip_suffix(']'))
        .unwrap_or(causes);
    causes
        .split(", ")
        .filter_map(|cause| cause.split_once(": ").map(|(path, _)| path.to_owned()))
        .collect()
}

/// The rules whose error findings the API server also refuses.
pub fn refusing_rules() -> BTreeSet<String> {
    kubectl_storage::rules::catalogue()
        .unwrap()
        .into_iter()
        .filter(|r| r.refused_by_api_server)
        .map(|r| r.id)
        .collect()
}

/// The errors the tool reports on one object planned alone, as a pre-commit hook plans one
/// file (not yet judged whether they count).
fn tool_errors(label: &str, object: &Value) -> Vec<ToolError> {
    let mut loader = Loader::new(&LoadOptions {
        namespace: NS.to_owned(),
    });
    let text = serde_json::to_string_pretty(object).unwrap();
    loader.add_text(label.to_owned(), Arc::new(text.into()));
    let loaded = loader.finish();
    let (findings, _, _) = kubectl_storage::report::findings(&loaded, &Selection::all());
    findings
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| ToolError {
            rule: f.rule,
            path: match &f.pointer {
                Some(Pointer::Field { source, path }) => match (&source.base_path, path.as_str()) {
                    (Some(base), "") => base.to_string(),
                    (Some(base), path) => format!("{base}.{path}"),
                    (None, path) => path.to_owned(),
                },
                _ => String::new(),
            },
            message: f.message,
            counts: false,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Admitting objects as cases
// ---------------------------------------------------------------------------------------------

/// Turns labelled objects into cases: skips what is not compared, and strips the rest to what
/// a create sends, in the test namespace.
fn admit_all(origin: Origin, objects: Vec<Labelled>) -> (Vec<Case>, Vec<Judged>) {
    let mut cases = Vec::new();
    let mut skipped = Vec::new();
    for (label, object) in objects {
        match admit(object) {
            Ok(object) => cases.push(Case {
                origin,
                label,
                object,
            }),
            Err((object, reason)) => skipped.push(Judged::skipped(origin, label, &object, reason)),
        }
    }
    (cases, skipped)
}

fn admit(mut object: Value) -> Result<Value, (Value, String)> {
    if !object.is_object() {
        return Err((object, "not an object".into()));
    }
    let Some(namespaced) = object["kind"].as_str().and_then(dry_run_kind) else {
        return Err((object, "a kind not compared".into()));
    };
    if has_placeholder(&object) {
        return Err((object, "a template placeholder ($( or ${)".into()));
    }
    if let Some(root) = object.as_object_mut() {
        root.remove("status");
    }
    if namespaced && object.get("metadata").is_none() {
        object["metadata"] = json!({});
    }
    if let Some(meta) = object["metadata"].as_object_mut() {
        // What a dump holds that the server sets itself: sent as a create, it is refused or
        // ignored, and says nothing about the object as written.
        for field in [
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "managedFields",
            "generation",
            "selfLink",
            "ownerReferences",
        ] {
            meta.remove(field);
        }
        if namespaced {
            meta.insert("namespace".into(), json!(NS));
        }
    }
    Ok(object)
}

/// Whether any key or string holds `$(` or `${`: a template the tool deliberately does not
/// judge (an env-var reference in a command is one too, but cheap to lose).
fn has_placeholder(value: &Value) -> bool {
    let placeholder = |s: &str| s.contains("$(") || s.contains("${");
    match value {
        Value::String(s) => placeholder(s),
        Value::Array(items) => items.iter().any(has_placeholder),
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| placeholder(k) || has_placeholder(v)),
        _ => false,
    }
}

/// Pods are refused by admission (403) when their service account is missing; it is made
/// beforehand, so that validation gets to see them.
fn create_service_accounts(plane: &ControlPlane, cases: &[Case]) {
    let names: BTreeSet<&str> = cases
        .iter()
        .filter(|c| c.object["kind"] == "Pod")
        .flat_map(|c| {
            let spec = &c.object["spec"];
            [&spec["serviceAccountName"], &spec["serviceAccount"]]
        })
        .filter_map(Value::as_str)
        .filter(|n| !n.is_empty() && *n != "default")
        .collect();
    for name in names {
        // A name the API refuses stays missing; those pods are skipped as refused by
        // admission.
        let _ = plane.post_raw(
            &format!("/api/v1/namespaces/{NS}/serviceaccounts"),
            &json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name}}),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The three origins
// ---------------------------------------------------------------------------------------------

/// Every document of every example manifest of every rule file.
fn example_objects() -> Vec<Labelled> {
    let mut objects = Vec::new();
    for rule in kubectl_storage::rules::catalogue().unwrap() {
        for example in &rule.examples {
            let label = format!("rules/{}.yaml \"{}\"", rule.id, example.name);
            // An example of unreadable YAML (invalid-yaml) sends nothing.
            if let Ok(docs) = documents(&example.manifest) {
                objects.extend(
                    docs.into_iter()
                        .enumerate()
                        .map(|(i, object)| (format!("{label} #{i}"), object)),
                );
            }
        }
    }
    objects
}

/// `testdata/validation/cases.yaml`: base objects, and cases that are a base with a JSON merge
/// patch; each base is a case of its own too. Then the cases too large for a data file.
fn patched_cases() -> Vec<Labelled> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/validation/cases.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let file = match documents(&text) {
        Ok(mut docs) if docs.len() == 1 => docs.remove(0),
        other => panic!("{}: one document expected, got {other:?}", path.display()),
    };
    let bases = file["bases"]
        .as_object()
        .unwrap_or_else(|| panic!("{}: no bases", path.display()));
    let mut objects: Vec<Labelled> = bases
        .iter()
        .map(|(name, base)| (format!("base {name}"), base.clone()))
        .collect();
    let mut names = BTreeSet::new();
    for case in file["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        assert!(
            names.insert(name),
            "{}: case {name:?} twice",
            path.display()
        );
        let base = case["base"].as_str().unwrap();
        let mut object = bases
            .get(base)
            .unwrap_or_else(|| panic!("{}: case {name:?}: no base {base}", path.display()))
            .clone();
        merge_patch(&mut object, &case["patch"]);
        objects.push((name.to_owned(), object));
    }
    objects.extend(sized_cases(bases));
    objects
}

/// The limits on sizes, whose objects are too large to write out: a class's parameters
/// (at most 512, 256 KiB in all) and an object's annotations (256 KiB in all).
fn sized_cases(bases: &serde_json::Map<String, Value>) -> Vec<Labelled> {
    let with = |base: &str, patch: Value| {
        let mut object = bases[base].clone();
        merge_patch(&mut object, &patch);
        object
    };
    let parameters = |n: usize| -> Value {
        (0..n)
            .map(|i| (format!("key{i}"), json!("v")))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let big = |bytes: usize| "x".repeat(bytes);
    vec![
        (
            "class with 512 parameters".into(),
            with("class", json!({"parameters": parameters(512)})),
        ),
        (
            "class with 513 parameters".into(),
            with("class", json!({"parameters": parameters(513)})),
        ),
        (
            "class parameters of 256 KiB in all".into(),
            with(
                "class",
                json!({"parameters": {"blob": big(256 * 1024 - 4)}}),
            ),
        ),
        (
            "class parameters over 256 KiB in all".into(),
            with("class", json!({"parameters": {"blob": big(256 * 1024)}})),
        ),
        (
            "volume attributes class with 513 parameters".into(),
            with("vac", json!({"parameters": parameters(513)})),
        ),
        (
            "claim annotations of 256 KiB in all".into(),
            with(
                "pvc",
                json!({"metadata": {"annotations": {"note": big(256 * 1024 - 4)}}}),
            ),
        ),
        (
            "claim annotations over 256 KiB in all".into(),
            with(
                "pvc",
                json!({"metadata": {"annotations": {"note": big(256 * 1024)}}}),
            ),
        ),
    ]
}

/// The corpus's objects, document by document (a List's items each), and the files left out
/// as unreadable (Helm templates); `None` without the corpus.
fn corpus_objects() -> Option<(Vec<Labelled>, Vec<Judged>)> {
    let dir = kubectl_storage::shared_fixtures::shared_dir(
        "corpus",
        "the_api_server_refuses_what_the_plan_refuses",
    )?;
    let mut files = Vec::new();
    for repo in std::fs::read_dir(&dir).unwrap() {
        let repo = repo.unwrap().path();
        if repo.is_dir() {
            for file in std::fs::read_dir(&repo).unwrap() {
                let file = file.unwrap().path();
                if file.extension().is_some_and(|x| x == "yaml") {
                    files.push(file);
                }
            }
        }
    }
    files.sort();
    let mut objects = Vec::new();
    let mut unreadable = Vec::new();
    for file in files {
        let name = file.strip_prefix(&dir).unwrap().display().to_string();
        let text = std::fs::read_to_string(&file).unwrap();
        match documents(&text) {
            Ok(docs) => objects.extend(
                docs.into_iter()
                    .enumerate()
                    .map(|(i, object)| (format!("{name} #{i}"), object)),
            ),
            Err(why) => unreadable.push(Judged::skipped(
                Origin::Corpus,
                name,
                &Value::Null,
                format!("unreadable file ({})", trimmed(&why, 60)),
            )),
        }
    }
    Some((objects, unreadable))
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or("-").to_owned()
}

fn object_name(object: &Value) -> String {
    let meta = &object["metadata"];
    match (meta["name"].as_str(), meta["generateName"].as_str()) {
        (Some(name), _) => name.to_owned(),
        (None, Some(prefix)) => format!("{prefix}*"),
        (None, None) => "-".to_owned(),
    }
}

/// At most `max` characters, on one line.
pub fn trimmed(text: &str, max: usize) -> String {
    let one_line = text.replace('\n', " ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let cut: String = one_line.chars().take(max).collect();
    format!("{cut}…")
}

#[test]
fn invalid_fields_are_read_from_a_message() {
    let message = r#"Pod "p" is invalid: [spec.volumes[0].name: Required value, spec.containers[0].image: Required value]"#;
    assert_eq!(
        invalid_fields(message),
        ["spec.volumes[0].name", "spec.containers[0].image"]
    );
    let one = r#"Pod "p" is invalid: spec.volumes[1].name: Duplicate value: "a""#;
    assert_eq!(invalid_fields(one), ["spec.volumes[1].name"]);
}
