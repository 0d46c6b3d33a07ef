//! The real-world corpus (../shared/corpus: 392 manifests from 35 public repositories) loads
//! and plans without a panic, file by file and all together. A snapshot of what each file
//! plans to guards against silent changes in behaviour.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kubectl_storage::load::{LoadOptions, Loader};
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

fn plan_files(files: &[PathBuf]) -> PlanReport {
    let mut loader = Loader::new(&LoadOptions::default());
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        loader.add_text(relative(file), Arc::from(text));
    }
    report::plan(&loader.finish())
}

fn relative(file: &Path) -> String {
    file.strip_prefix(corpus_dir())
        .unwrap_or(file)
        .display()
        .to_string()
}

/// One line per file: what its claims do and which rules it trips.
fn summary_line(file: &Path, report: &PlanReport) -> String {
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
        relative(file),
        report.claims.len(),
        join(&outcomes),
        report.volumes.len(),
        join(&rules)
    )
}

#[test]
fn every_corpus_file_plans_alone() {
    let Some(files) = corpus_files("every_corpus_file_plans_alone") else {
        return;
    };
    assert_eq!(files.len(), 392, "the corpus holds 392 manifests");
    let mut lines = String::new();
    for file in files.iter().filter(|f| {
        f.extension()
            .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
    }) {
        let report = plan_files(std::slice::from_ref(file));
        writeln!(lines, "{}", summary_line(file, &report)).unwrap();
    }
    insta::assert_snapshot!("corpus_by_file", lines);
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
    let report = plan_files(&files);
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
    let sources = {
        let mut loader = Loader::new(&LoadOptions::default());
        for file in &files {
            loader.add_text(
                relative(file),
                Arc::from(std::fs::read_to_string(file).unwrap()),
            );
        }
        loader.finish().sources
    };
    kubectl_storage::render::text::render(&report, &sources, false).unwrap();
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
                text: changed.after.clone(),
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
