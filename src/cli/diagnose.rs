//! `kubectl storage diagnose [TARGET]`: why a claim is Pending, why a pod does not start, where
//! a resize is stuck, read from a live cluster with its events and attachments.

use clap::Args;

use super::input::{load_over_read, ReleaseArgs};
use crate::diagnose::{self, Target};
use crate::live::{self, ClusterArgs};
use crate::render::text::Paint;
use crate::report::{self, DegradedEntry};

use super::fail;
use super::report_args::ReportArgs;

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

    /// The Kubernetes release to judge for, instead of the cluster's own.
    #[command(flatten)]
    pub release: ReleaseArgs,

    /// Output format, rule selection and colour.
    #[command(flatten)]
    pub report: ReportArgs,
}

pub fn run(args: &DiagnoseArgs) -> u8 {
    let selection = match args.report.selection() {
        Ok(selection) => selection,
        Err(error) => return fail(error),
    };
    let mut cluster = args.cluster.clone();
    cluster.cluster.get_or_insert_with(String::new);
    let mut read = match live::read(&cluster) {
        Ok(read) => read,
        Err(error) => return fail(error),
    };
    // A volume is cluster-scoped: its claim lives where the claimRef says, not necessarily in
    // the namespace read. Read that namespace instead, so the volume and its claim are seen.
    let volume = args
        .target
        .as_deref()
        .and_then(|target| Target::parse(target, args.name.as_deref(), "").ok())
        .filter(|target| target.key.kind == "PersistentVolume" && !cluster.all_namespaces);
    let elsewhere = volume
        .and_then(|target| read.claim_namespace_of(&target.key.name))
        .filter(|ns| read.namespace.as_ref() != Some(ns));
    if let Some(ns) = elsewhere {
        cluster.namespace = Some(ns);
        read = match live::read(&cluster) {
            Ok(read) => read,
            Err(error) => return fail(error),
        };
    }
    let namespace = read.default_namespace.clone();
    let target = match &args.target {
        Some(target) => match Target::parse(target, args.name.as_deref(), &namespace) {
            Ok(target) => Some(target),
            Err(error) => return fail(error),
        },
        None => None,
    };
    let input = match load_over_read(Some(read), &[], &cluster, None, &args.release) {
        Ok(input) => input,
        Err(error) => return fail(error),
    };
    let loaded = input.loaded;
    let mut report = report::plan_selected(&loaded, &selection);
    report.degraded = input.degraded.iter().map(DegradedEntry::from).collect();
    match &target {
        Some(target) => {
            match diagnose::narrow(
                &mut report,
                &loaded.snapshot,
                loaded.evidence.as_ref(),
                target,
            ) {
                Ok(entry) => report.target = Some(entry),
                Err(error) => return fail(error),
            }
        }
        None => diagnose::problems_only(
            &mut report,
            &loaded.snapshot,
            loaded.evidence.as_ref(),
            (!cluster.all_namespaces).then_some(namespace.as_str()),
        ),
    }
    let preamble = header(&report, Paint(args.report.color.enabled()));
    args.report.emit(&report, &loaded.sources, &preamble)
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
