//! The command line: clap definitions, one file per subcommand. Commands return an exit code;
//! `main` only hands it to the process.

pub mod complete;
pub mod diagnose;
pub mod expand;
pub mod explain;
pub mod fix;
pub mod input;
pub mod plan;
pub mod rebind;
pub mod report_args;
pub mod rules;
pub mod what_if;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Predict how Kubernetes binds, provisions and reclaims storage, and lint manifests for the
/// mistakes that leave claims Pending or lose data.
#[derive(Debug, Parser)]
#[command(
    name = "kubectl-storage",
    bin_name = "kubectl storage",
    version,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Predict, claim by claim, which volume each PersistentVolumeClaim binds to, whether one is
    /// provisioned, or why it stays Pending; and what happens to each volume.
    Plan(Box<plan::PlanArgs>),
    /// List the rules the plan checks.
    Rules(rules::RulesArgs),
    /// Show a rule's documentation: why it matters and how to fix it.
    Explain(explain::ExplainArgs),
    /// Predict what deleting a namespace, claim, StatefulSet or pod does to the data of every
    /// volume it reaches.
    #[command(name = "what-if")]
    WhatIf(Box<what_if::WhatIfArgs>),
    /// Explain, from a live cluster, why a claim is Pending, why a pod does not start for
    /// storage reasons, or where a resize is stuck: one object and what it depends on, or every
    /// problem in the namespace.
    Diagnose(Box<diagnose::DiagnoseArgs>),
    /// Apply the fixes rules declare to manifests: safe ones, and unsafe ones when asked; show
    /// them as a diff or write them.
    Fix(Box<fix::FixArgs>),
    /// Grow a claim, or every claim of a StatefulSet, in a cluster: checked first, then followed
    /// until the volume and its file system have the new size; or write the size into manifests.
    Expand(Box<expand::ExpandArgs>),
    /// Give a volume whose claim is gone to a claim (created when missing), keeping its data:
    /// Retain first, every step shown, dry-run, and made with --yes.
    Rebind(Box<rebind::RebindArgs>),
}

/// When to colour text output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When writing to a terminal and NO_COLOR is not set.
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour: for `auto`, a terminal and NO_COLOR unset.
    pub fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                use std::io::IsTerminal;
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && io::stdout().is_terminal()
            }
        }
    }
}

/// Exit codes: 0 clean, 1 findings at or above `--fail-on`, 2 usage or input error.
pub mod exit {
    pub const CLEAN: u8 = 0;
    pub const FINDINGS: u8 = 1;
    pub const USAGE: u8 = 2;
}

/// Parses the command line and runs the command.
pub fn main() -> ExitCode {
    // `__complete` is kubectl's plugin completion protocol, not a command for people. It is kept
    // out of the clap definition because the generated shell completions would list it.
    let mut args = std::env::args_os().skip(1);
    if args.next().is_some_and(|first| first == complete::COMMAND) {
        let words: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
        return ExitCode::from(complete::run(&words));
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() {
                exit::USAGE
            } else {
                exit::CLEAN
            };
            // Printing help into a closed pipe is not an error worth reporting.
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        Command::Plan(args) => plan::run(&args),
        Command::Rules(args) => rules::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::WhatIf(args) => what_if::run(&args),
        Command::Diagnose(args) => diagnose::run(&args),
        Command::Fix(args) => fix::run(&args),
        Command::Expand(args) => expand::run(&args),
        Command::Rebind(args) => rebind::run(&args),
    };
    ExitCode::from(code)
}

/// Writes the whole output at once. A reader that went away (`… | head`) ends the program
/// quietly, as it would for cat.
pub fn emit(text: &str) -> Result<(), io::Error> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Asks a yes-or-no question on the terminal; anything but yes is no, and without a terminal
/// nobody can say yes.
pub(crate) fn confirmed(question: &str) -> bool {
    use std::io::{BufRead as _, IsTerminal as _};
    if !io::stdin().is_terminal() {
        return false;
    }
    let mut stderr = io::stderr();
    let _ = write!(stderr, "{question} [y/N] ");
    let _ = stderr.flush();
    let mut answer = String::new();
    if io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// Reports an error the user must act on, and returns the usage/input exit code.
pub fn fail(message: impl std::fmt::Display) -> u8 {
    let _ = writeln!(io::stderr(), "error: {message}");
    exit::USAGE
}
