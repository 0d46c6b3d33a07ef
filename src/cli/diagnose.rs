//! `kubectl storage diagnose [TARGET]`: why a claim is Pending, why a pod does not start, where
//! a resize is stuck, read from a live cluster with its events and attachments.

use std::io::Write as _;

use clap::Args;

use super::input::load_over_read;
use crate::config::Config;
use crate::diagnose::{self, Target};
use crate::findings::selection::Selection;
use crate::live::{self, ClusterArgs};
use crate::render;
use crate::render::text::Paint;
use crate::report::{self, DegradedEntry};
use crate::rules;

use super::plan::{FailOn, OutputFormat};
use super::{exit, fail, ColorChoice};

#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    /// What to diagnose, as kubectl names it: pvc/NAME (persistentvolumeclaim/), pv/NAME
    /// (persistentvolume/), pod/NAME (po/) or sts/NAME (statefulset/); or TYPE NAME. Without
    /// it, every problem in the namespace (or every namespace with -A).
    #[arg(value_name = "OBJECT")]
    pub target: Option<String>,

    /// The name, when OBJECT is a type alone (`pvc data`).
    #[arg(value_name = "NAME")]
    pub name: Option<String>,

    /// The cluster to read, and the namespace.
    #[command(flatten)]
    pub cluster: ClusterArgs,

    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    /// Exit with code 1 when a finding has this severity or a worse one.
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "SEVERITY")]
    pub fail_on: FailOn,

    /// Settings file to use instead of the nearest `.kubectl-storage.yaml`.
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub config: Option<std::path::PathBuf>,

    /// Switch a rule off (repeatable).
    #[arg(long, value_name = "RULE")]
    pub disable: Vec<String>,

    /// Switch a rule on again, even if --disable names it (repeatable).
    #[arg(long, value_name = "RULE")]
    pub enable: Vec<String>,

    /// When to use colour in text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

pub fn run(args: &DiagnoseArgs) -> u8 {
    let cwd = std::env::current_dir().unwrap_or_default();
    let selection = match Config::discover(args.config.as_deref(), &cwd)
        .and_then(|config| Selection::with_config(&config, &args.disable, &args.enable))
    {
        Ok(selection) => selection,
        Err(error) => return fail(error),
    };
    let mut cluster = args.cluster.clone();
    cluster.cluster.get_or_insert_with(String::new);
    let read = match live::read(&cluster) {
        Ok(read) => read,
        Err(error) => return fail(error),
    };
    let namespace = read.default_namespace.clone();
    let target = match &args.target {
        Some(target) => match Target::parse(target, args.name.as_deref(), &namespace) {
            Ok(target) => Some(target),
            Err(error) => return fail(error),
        },
        None => None,
    };
    let input = match load_over_read(Some(read), &[], &cluster) {
        Ok(input) => input,
        Err(error) => return fail(error),
    };
    let loaded = input.loaded;
    let mut report = report::plan_selected(&loaded, &selection);
    report.degraded = input.degraded.iter().map(DegradedEntry::from).collect();
    match &target {
        Some(target) => {
            let binding = crate::binding::plan(&loaded.snapshot);
            match diagnose::narrow(
                &mut report,
                &loaded.snapshot,
                &binding,
                loaded.evidence.as_ref(),
                target,
            ) {
                Ok(entry) => report.target = Some(entry),
                Err(error) => return fail(error),
            }
        }
        None => diagnose::problems_only(&mut report),
    }
    let color = args.color.enabled();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = match args.output {
        OutputFormat::Text => {
            let header = header(&report, Paint(color));
            out.write_all(header.as_bytes())
                .and_then(|()| render::text::write(&report, &loaded.sources, color, &mut out))
        }
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
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => return fail(format!("cannot write the output: {e}")),
        Ok(()) => {}
    }
    match (args.fail_on.threshold(), report.worst()) {
        (Some(threshold), Some(worst)) if worst >= threshold => exit::FINDINGS,
        _ => exit::CLEAN,
    }
}

/// The plain-words account of the target before the findings, and what could not be checked.
fn header(report: &report::PlanReport, p: Paint) -> String {
    let mut out = String::new();
    if let Some(target) = &report.target {
        out.push_str(&p.bold("Diagnosis"));
        out.push('\n');
        for line in &target.chain {
            out.push_str("  ");
            out.push_str(line);
            out.push('\n');
        }
        if !target.events.is_empty() {
            out.push_str("  events:\n");
            for e in &target.events {
                let times = if e.count > 1 {
                    format!(" ×{}", e.count)
                } else {
                    String::new()
                };
                out.push_str(&format!(
                    "    {} {}{times} on {}: {}\n",
                    e.type_, e.reason, e.object, e.message
                ));
            }
        }
        out.push('\n');
    }
    if !report.degraded.is_empty() {
        out.push_str(&p.bold("Not checked"));
        out.push('\n');
        for d in &report.degraded {
            out.push_str(&format!("  {}\n", d.message));
        }
        out.push('\n');
    }
    if report.target.is_none() && report.findings.is_empty() {
        out.push_str("No storage problems found.\n");
    }
    out
}
