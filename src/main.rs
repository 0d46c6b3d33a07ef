//! `kubectl-storage`: parse the command line, run it, exit with its code.

// A large plan allocates and frees millions of small strings and vectors; mimalloc does that
// several times faster than the system allocator, and frees across threads cheaply.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    kubectl_storage::cli::main()
}
