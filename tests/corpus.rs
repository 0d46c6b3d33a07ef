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

fn corpus_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for repo in
        std::fs::read_dir(corpus_dir()).expect("../shared/corpus exists beside the repository")
    {
        let repo = repo.unwrap().path();
        if repo.is_dir() {
            for file in std::fs::read_dir(&repo).unwrap() {
                files.push(file.unwrap().path());
            }
        }
    }
    files.sort();
    files
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
    let files = corpus_files();
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
    let files: Vec<PathBuf> = corpus_files()
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
