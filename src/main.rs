//! `kubectl-storage`: parse the command line, run it, exit with its code.

// A large plan allocates and frees millions of small strings and vectors; mimalloc does that
// several times faster than the system allocator, and frees across threads cheaply.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (the same number in its v2 and v3).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> std::process::ExitCode {
    // Memory a phase frees goes back to the system at once, not after 10 ms: the threads of a
    // large load free a lot that the next phase would otherwise add to the peak.
    // SAFETY: sets one of mimalloc's options, which may be set at any time to any value.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
    kubectl_storage::cli::main()
}
