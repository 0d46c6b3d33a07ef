//! `kubectl-storage`: parse the command line, run it, exit with its code.

// A large plan allocates and frees millions of small strings and vectors; mimalloc does that
// several times faster than the system allocator, and frees across threads cheaply.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    kubectl_storage::memory::set_release(release_freed);
    kubectl_storage::cli::main()
}

/// Purges the pages mimalloc holds free, in every thread's heap and its arenas.
fn release_freed() {
    // Part of mimalloc's C API; the Rust bindings declare it only with a feature that needs
    // another crate.
    extern "C" {
        fn mi_collect(force: bool);
    }
    // SAFETY: `mi_collect` takes no pointers and may be called at any time from any thread.
    unsafe { mi_collect(true) }
}
