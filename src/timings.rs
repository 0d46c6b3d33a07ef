//! Phase timings on standard error when `KUBECTL_STORAGE_TIMINGS` is set: a developer's view of
//! where a large plan spends its time (the benches measure the same phases).

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("KUBECTL_STORAGE_TIMINGS").is_some())
}

/// Measures until dropped.
pub struct Phase {
    name: &'static str,
    start: Option<Instant>,
}

pub fn phase(name: &'static str) -> Phase {
    Phase {
        name,
        start: enabled().then(Instant::now),
    }
}

impl Drop for Phase {
    fn drop(&mut self) {
        if let Some(start) = self.start {
            eprintln!(
                "timing: {:<24} {:>8.3} s {:>6} MB resident",
                self.name,
                start.elapsed().as_secs_f64(),
                resident_mb()
            );
        }
    }
}

/// The process's resident memory now (Linux; 0 elsewhere).
fn resident_mb() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096 / 1_000_000
}
