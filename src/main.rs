//! `kubectl-storage`: parse the command line, run it, exit with its code.

// A large plan allocates and frees millions of small strings and vectors; mimalloc does that
// several times faster than the system allocator, and frees across threads cheaply.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    kubectl_storage::memory::set_release(release_freed);
    kubectl_storage::cli::main()
}

/// Purges the pages mimalloc holds free, in every thread's heap and its arenas, once the
/// process has grown large enough for that to matter: a small run has little to hand back, and
/// purging cost it a millisecond or two in pages it faulted in again.
fn release_freed() {
    // Part of mimalloc's C API; the Rust bindings declare them only with a feature that needs
    // another crate.
    extern "C" {
        fn mi_collect(force: bool);
        fn mi_process_info(
            elapsed_msecs: *mut usize,
            user_msecs: *mut usize,
            system_msecs: *mut usize,
            current_rss: *mut usize,
            peak_rss: *mut usize,
            current_commit: *mut usize,
            peak_commit: *mut usize,
            page_faults: *mut usize,
        );
    }
    const WORTH_PURGING: usize = 128 << 20;
    let mut peak_rss = 0usize;
    let none = std::ptr::null_mut();
    // SAFETY: `mi_process_info` writes only through the pointers that are not null, here one
    // to a local; `mi_collect` takes no pointers. Both may be called at any time from any
    // thread.
    unsafe {
        mi_process_info(none, none, none, none, &mut peak_rss, none, none, none);
        if peak_rss >= WORTH_PURGING {
            mi_collect(true);
        }
    }
}
