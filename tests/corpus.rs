//! The real-world corpus (../shared/corpus: 392 manifests from 35 public repositories) loads
//! and plans without a panic, file by file and all together. A snapshot of what each file
//! plans to guards against silent changes in behaviour.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kubectl_storage::load::{LoadOptions, Loaded, Loader};
use kubectl_storage::report::{self, PlanReport};

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
}

/// The corpus's files, or `None` where the corpus is not beside the repository (outside CI).
fn corpus_files(test: &str) -> Option<Vec<PathBuf>> {
    let dir = kubectl_storage::shared_fixtures::shared_dir("corpus", test)?;
    let mut files = Vec::new();
    for repo in std::fs::read_dir(dir).unwrap() {
        let repo = repo.unwrap().path();
        if repo.is_dir() {
            for file in std::fs::read_dir(&repo).unwrap() {
                files.push(file.unwrap().path());
            }
        }
    }
    files.sort();
    Some(files)
}

fn load_files(files: &[PathBuf]) -> Loaded {
    let mut loader = Loader::new(&LoadOptions::default());
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        loader.add_text(relative(file), Arc::new(text.into()));
    }
    loader.finish()
}

fn relative(file: &Path) -> String {
    file.strip_prefix(corpus_dir())
        .unwrap_or(file)
        .display()
        .to_string()
}

/// One line per file: what its claims do and which rules it trips.
fn summary_line(file: &str, report: &PlanReport) -> String {
    let mut outcomes = std::collections::BTreeMap::<&str, usize>::new();
    for claim in &report.claims {
        *outcomes.entry(claim.outcome).or_default() += 1;
    }
    let mut rules = std::collections::BTreeMap::<&str, usize>::new();
    for finding in &report.findings {
        *rules.entry(finding.rule).or_default() += 1;
    }
    let join = |m: &std::collections::BTreeMap<&str, usize>| {
        m.iter()
            .map(|(k, n)| format!("{k}×{n}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!(
        "{}: {} claims [{}] {} volumes; findings [{}]",
        file,
        report.claims.len(),
        join(&outcomes),
        report.volumes.len(),
        join(&rules)
    )
}

/// The corpus's manifests, each planned alone as a pre-commit hook plans the files it is given.
fn load_each(files: &[PathBuf]) -> Vec<(String, Loaded)> {
    files
        .iter()
        .filter(|f| {
            f.extension()
                .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
        })
        .map(|file| (relative(file), load_files(std::slice::from_ref(file))))
        .collect()
}

fn plan_each(loaded: &[(String, Loaded)]) -> Vec<(&str, PlanReport<'_>)> {
    loaded
        .iter()
        .map(|(file, loaded)| (file.as_str(), report::plan(loaded)))
        .collect()
}

#[test]
fn every_corpus_file_plans_alone() {
    let Some(files) = corpus_files("every_corpus_file_plans_alone") else {
        return;
    };
    assert_eq!(files.len(), 392, "the corpus holds 392 manifests");
    let loaded = load_each(&files);
    let planned = plan_each(&loaded);
    let mut lines = String::new();
    for (file, report) in &planned {
        writeln!(lines, "{}", summary_line(file, report)).unwrap();
    }
    insta::assert_snapshot!("corpus_by_file", lines);
    insta::assert_snapshot!("corpus_rule_counts", rule_counts(&planned));
}

/// Per rule, how many findings the corpus gets one file at a time and on how many files; then
/// how many files a pre-commit hook would fail (an error finding: exit 1 at `--fail-on error`).
fn rule_counts(planned: &[(&str, PlanReport)]) -> String {
    let mut per_rule = std::collections::BTreeMap::<(&str, &str), (usize, usize)>::new();
    let mut failing = 0;
    for (_, report) in planned {
        let mut seen = std::collections::BTreeSet::new();
        for finding in &report.findings {
            let key = (finding.rule, finding.severity.as_str());
            let entry = per_rule.entry(key).or_default();
            entry.0 += 1;
            if seen.insert(key) {
                entry.1 += 1;
            }
        }
        if report
            .findings
            .iter()
            .any(|f| f.severity == kubectl_storage::findings::Severity::Error)
        {
            failing += 1;
        }
    }
    let mut out = String::new();
    for ((rule, severity), (findings, files)) in &per_rule {
        writeln!(
            out,
            "{rule} ({severity}): {findings} findings in {files} files"
        )
        .unwrap();
    }
    let total: usize = per_rule.values().map(|(n, _)| n).sum();
    writeln!(
        out,
        "total: {total} findings; {failing} of {} files exit 1",
        planned.len()
    )
    .unwrap();
    out
}

/// One reviewed judgement: planned alone, `file` must (or must not) get a finding of `rule`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Expectation {
    file: String,
    rule: String,
    fires: bool,
    why: String,
}

/// `testdata/corpus-expectations.yaml`: what a storage engineer reading each listed corpus file
/// found there (or judged not a problem). Every rule it names must exist, and every judgement
/// must hold.
#[test]
fn the_reviewed_corpus_expectations_hold() {
    let Some(files) = corpus_files("the_reviewed_corpus_expectations_hold") else {
        return;
    };
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/corpus-expectations.yaml"),
    )
    .unwrap();
    let expectations: Vec<Expectation> = serde_saphyr::from_str(&text)
        .unwrap_or_else(|e| panic!("testdata/corpus-expectations.yaml: {e}"));
    let loaded = load_each(&files);
    let planned: std::collections::HashMap<&str, PlanReport> =
        plan_each(&loaded).into_iter().collect();
    let mut wrong = Vec::new();
    for e in &expectations {
        assert!(
            kubectl_storage::rules::ids::ALL.contains(&e.rule.as_str()),
            "{}: no rule {}",
            e.file,
            e.rule
        );
        assert!(!e.why.trim().is_empty(), "{}: say why", e.file);
        let Some(report) = planned.get(e.file.as_str()) else {
            panic!("{}: not a corpus manifest", e.file);
        };
        let fired: Vec<&str> = report
            .findings
            .iter()
            .filter(|f| f.rule == e.rule)
            .map(|f| f.message.as_str())
            .collect();
        if fired.is_empty() == e.fires {
            wrong.push(format!(
                "{}: {} {} ({}){}",
                e.file,
                e.rule,
                if e.fires { "does not fire" } else { "fires" },
                e.why.trim(),
                fired
                    .iter()
                    .map(|m| format!("\n    {m}"))
                    .collect::<String>()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_whole_corpus_plans_together() {
    let Some(files) = corpus_files("the_whole_corpus_plans_together") else {
        return;
    };
    let files: Vec<PathBuf> = files
        .into_iter()
        .filter(|f| f.extension().is_some_and(|x| x == "yaml"))
        .collect();
    let loaded = load_files(&files);
    let report = report::plan(&loaded);
    let s = &report.summary;
    assert_eq!(
        s.claims,
        s.bound + s.binds + s.provisions + s.waits_for_consumer + s.pending + s.lost
    );
    assert!(
        s.claims > 150,
        "the corpus has many claims, got {}",
        s.claims
    );
    // Rendering every output format works on real input too.
    kubectl_storage::render::text::render(&report, &loaded.sources, false).unwrap();
    kubectl_storage::render::json::render(&report).unwrap();
    kubectl_storage::render::yaml::render(&report).unwrap();
}

/// Fixing every corpus file (unsafe fixes too) keeps it readable, changes nothing else about
/// what it holds, and leaves nothing to fix the second time.
#[test]
fn every_corpus_file_fixes_cleanly() {
    use kubectl_storage::findings::selection::Selection;
    use kubectl_storage::fix::files;
    use kubectl_storage::load;

    let options = LoadOptions {
        namespace: "default".to_owned(),
    };
    let Some(files) = corpus_files("every_corpus_file_fixes_cleanly") else {
        return;
    };
    let mut fixed = Vec::new();
    for file in files {
        let inputs = load::read_inputs(&[load::Input::Path(file.clone())]).unwrap();
        let outcome = files::fix(inputs, &options, &Selection::all(), true);
        let name = relative(&file);
        let changed = &outcome.files[0];
        if !changed.changed() {
            continue;
        }
        fixed.push(format!(
            "{name}: {}",
            outcome
                .applied
                .iter()
                .map(|n| n.rule)
                .collect::<Vec<_>>()
                .join(", ")
        ));
        let objects = |text: &str| {
            let loaded = load::load_str(&name, text, &options);
            let errors = loaded
                .findings
                .iter()
                .filter(|f| f.rule == "invalid-yaml")
                .count();
            let s = &loaded.snapshot;
            (
                errors,
                s.classes.len(),
                s.claims.len(),
                s.volumes.len(),
                s.workloads.len(),
            )
        };
        assert_eq!(objects(&changed.before), objects(&changed.after), "{name}");
        let again = files::fix(
            vec![load::InputText {
                name: name.clone(),
                path: None,
                text: changed.after.clone().into(),
            }],
            &options,
            &Selection::all(),
            true,
        );
        assert!(
            !again.files[0].changed(),
            "{name}: a second fix changes more:\n{}",
            again.files[0].diff()
        );
    }
    insta::assert_snapshot!(fixed.join("\n"));
}
