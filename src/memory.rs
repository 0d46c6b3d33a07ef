//! Handing memory freed by one phase of a plan back to the system before the next grows.
//!
//! The binary's allocator (mimalloc) keeps freed memory for a while (a second for pages, ten
//! for whole arena blocks such as a large list's buffer) in case it is asked for again. The
//! phases of a large plan free what the next phase does not reuse (a loader's parsed objects,
//! the matcher's tables, the analyses' separate lists), so at 100k the process held 70–90 MB
//! more than its heap in use, from loading to the end. Handing it back at each boundary costs
//! one sweep; handing it back on every free instead (a purge delay of 0) cost a fifth of the
//! run at 100k, in pages the next allocations faulted in again.
//!
//! The library only says where a boundary is; the binary says how to hand memory back
//! ([`set_release`]). Without one (tests, benches planning in their own process) nothing
//! happens.

use std::sync::OnceLock;

static RELEASE: OnceLock<fn()> = OnceLock::new();

/// Sets how freed memory is handed back; the first call wins.
pub fn set_release(release: fn()) {
    let _ = RELEASE.set(release);
}

/// A phase has ended: what it freed and the next phase does not need goes back to the system.
pub fn release_freed() {
    if let Some(release) = RELEASE.get() {
        release();
    }
}
