//! `kubectl storage plan`: load manifests, plan binding, report findings.

use clap::{Args, ValueEnum};

use crate::config::Config;
use crate::findings::selection::Selection;
use crate::findings::Severity;
use crate::live::ClusterArgs;
use crate::render;
use crate::report::{self, DegradedEntry};
use crate::rules;

use std::io::Write as _;

use super::{exit, fail, input, ColorChoice};

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Manifests to plan: files, folders (searched recursively for .yaml, .yml and .json) or `-`
    /// for standard input. Repeatable. A `kubectl get pv,pvc,sc,pods,nodes -A -o yaml` dump
    /// plans the cluster it was taken from.
    #[arg(
        short = 'f',
        long = "filename",
        value_name = "PATH",
        value_hint = clap::ValueHint::AnyPath,
        required_unless_present_any = ["paths", "cluster"]
    )]
    pub filenames: Vec<String>,

    /// More manifests, as with -f (for tools that pass file names last, like pre-commit).
    #[arg(value_name = "PATH", value_hint = clap::ValueHint::AnyPath)]
    pub paths: Vec<String>,

    /// The live cluster to plan against, and the namespace.
    #[command(flatten)]
    pub cluster: ClusterArgs,

    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    /// Exit with code 1 when a finding has this severity or a worse one.
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "SEVERITY")]
    pub fail_on: FailOn,

    /// Settings file to use instead of the nearest `.kubectl-storage.yaml` from the working
    /// directory upward.
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub config: Option<std::path::PathBuf>,

    /// Switch a rule off (repeatable); `kubectl storage rules` lists them.
    #[arg(long, value_name = "RULE")]
    pub disable: Vec<String>,

    /// Switch a rule on again, even if --disable names it (repeatable).
    #[arg(long, value_name = "RULE")]
    pub enable: Vec<String>,

    /// When to use colour in text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Claims, volumes and findings for people, with source snippets.
    Text,
    /// The plan contract (plan.schema.json).
    Json,
    /// The same data as json.
    Yaml,
    /// GitHub Actions workflow commands: findings as annotations on the changed files.
    Github,
    /// JUnit XML: a failed test case per finding at --fail-on or above.
    Junit,
    /// SARIF 2.1.0, for GitHub code scanning and other code review tools.
    Sarif,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    /// Never fail because of findings.
    None,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::None => None,
        }
    }
}

pub fn run(args: &PlanArgs) -> u8 {
    let cwd = std::env::current_dir().unwrap_or_default();
    let selection = match Config::discover(args.config.as_deref(), &cwd)
        .and_then(|config| Selection::with_config(&config, &args.disable, &args.enable))
    {
        Ok(selection) => selection,
        Err(error) => return fail(error),
    };
    let files: Vec<String> = args.filenames.iter().chain(&args.paths).cloned().collect();
    let input = match input::load_input(&files, &args.cluster, "plan against one") {
        Ok(input) => input,
        Err(error) => return fail(error),
    };
    let loaded = input.loaded;
    let mut report = report::plan_selected(&loaded, &selection);
    report.degraded = input.degraded.iter().map(DegradedEntry::from).collect();
    let color = args.color.enabled();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = match args.output {
        OutputFormat::Text => render::text::write(&report, &loaded.sources, color, &mut out),
        OutputFormat::Json => render::json::write(&report, &mut out),
        OutputFormat::Yaml => render::yaml::write(&report, &mut out),
        OutputFormat::Github => render::github::write(&report, &mut out),
        OutputFormat::Junit => render::junit::write(&report, args.fail_on.threshold(), &mut out),
        OutputFormat::Sarif => match rules::catalogue() {
            Ok(catalogue) => render::sarif::write(&report, &catalogue, &loaded.sources, &mut out),
            Err(error) => return fail(error),
        },
    }
    .and_then(|()| out.flush());
    match written {
        // A reader that went away (`… | head`) ends the output quietly, as for cat.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => return fail(format!("cannot write the output: {e}")),
        Ok(()) => {}
    }
    let code = match (args.fail_on.threshold(), report.worst()) {
        (Some(threshold), Some(worst)) if worst >= threshold => exit::FINDINGS,
        _ => exit::CLEAN,
    };
    // The process ends here: freeing a large plan piece by piece only delays the exit.
    std::mem::forget(report);
    std::mem::forget(loaded);
    code
}
