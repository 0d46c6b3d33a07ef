//! `kubectl storage plan`: load manifests, plan binding, report findings.

use clap::Args;

use crate::live::ClusterArgs;
use crate::report::{self, DegradedEntry};

use super::report_args::ReportArgs;
use super::{fail, input};

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

    /// Whether the input is the whole cluster or a part of it.
    #[command(flatten)]
    pub scope: input::ScopeArgs,

    /// The Kubernetes release to plan for.
    #[command(flatten)]
    pub release: input::ReleaseArgs,

    /// Output format, rule selection and colour.
    #[command(flatten)]
    pub report: ReportArgs,
}

pub fn run(args: &PlanArgs) -> u8 {
    let selection = match args.report.selection() {
        Ok(selection) => selection,
        Err(error) => return fail(error),
    };
    let files: Vec<String> = args.filenames.iter().chain(&args.paths).cloned().collect();
    let input = match input::load_input(
        &files,
        &args.cluster,
        &args.scope,
        &args.release,
        "plan against one",
    ) {
        Ok(input) => input,
        Err(error) => return fail(error),
    };
    let loaded = input.loaded;
    let t = crate::timings::phase("plan");
    let mut report = report::plan_selected(&loaded, &selection);
    report.degraded = input.degraded.iter().map(DegradedEntry::from).collect();
    drop(t);
    let t = crate::timings::phase("emit");
    let code = args.report.emit(&report, &loaded.sources, "");
    drop(t);
    eprint!("{}", crate::timings::report());
    // The process ends here: freeing a large plan piece by piece only delays the exit.
    std::mem::forget(report);
    std::mem::forget(loaded);
    code
}
