//! Phase timings, kept when `KUBECTL_STORAGE_TIMINGS` is set: a developer's view of where a
//! large plan spends its time (the benches measure the same phases). The library only records
//! them; the command prints them on standard error at its end.

use std::sync::{Mutex, OnceLock};
use std::time::Instant;

fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("KUBECTL_STORAGE_TIMINGS").is_some())
}

/// Each phase ended so far: its name, seconds, and the resident memory at its end in MB.
static PHASES: Mutex<Vec<(&'static str, f64, u64)>> = Mutex::new(Vec::new());

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
            let took = start.elapsed().as_secs_f64();
            if let Ok(mut phases) = PHASES.lock() {
                phases.push((self.name, took, resident_mb()));
            }
        }
    }
}

/// The phases recorded, one line each, in the order they ended; empty when not enabled.
pub fn report() -> String {
    let phases = PHASES.lock().map(|p| p.clone()).unwrap_or_default();
    phases
        .iter()
        .map(|(name, took, mb)| format!("timing: {name:<24} {took:>8.3} s {mb:>6} MB resident\n"))
        .collect()
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
