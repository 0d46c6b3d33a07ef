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
