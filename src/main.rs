//! `kubectl-storage`: parse the command line, run it, exit with its code.

fn main() -> std::process::ExitCode {
    kubectl_storage::cli::main()
}
