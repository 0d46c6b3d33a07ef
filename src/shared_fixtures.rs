//! Where the tests find `../shared` (the corpus, the conformance cases), which only the
//! project's own machines have beside the repository. A fresh clone's tests skip what needs it,
//! with one line saying so; under CI (`CI=true`) its absence fails the test instead, so that CI
//! always runs them.

use std::path::PathBuf;

/// `../shared/<relative>` beside the repository, or `None` (with a notice on stderr) when it is
/// missing outside CI.
///
/// # Panics
/// When it is missing and `CI` is `true`.
#[doc(hidden)]
pub fn shared_dir(relative: &str, test: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(relative);
    if dir.exists() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "{test}: {} is missing; CI must run every test that needs ../shared",
            dir.display()
        );
    }
    // Straight to standard error: the test harness captures eprintln!.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "skipped {test}: ../shared/{relative} is not beside the repository"
    );
    None
}

/// The YAML and JSON texts of `testdata/` and, when it is beside the repository, of the corpus
/// (see [`shared_dir`]), each with its path: the manifests readers are held to.
#[doc(hidden)]
pub fn test_data_and_corpus(test: &str) -> Vec<(String, String)> {
    let mut dirs = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata")];
    dirs.extend(shared_dir("corpus", test));
    let mut texts = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
            {
                if let Ok(text) = std::fs::read_to_string(&path) {
                    texts.push((path.display().to_string(), text));
                }
            }
        }
    }
    texts
}
