//! `kubectl storage what-if delete TARGET`: what deleting a namespace, claim, StatefulSet or pod
//! would do to the data of every volume it reaches.

use std::io::Write as _;

use clap::{Args, Subcommand, ValueEnum};

use crate::live::ClusterArgs;
use crate::render;
use crate::report::DegradedEntry;
use crate::what_if::{self, report, Target};

use super::{exit, fail, input, ColorChoice};

#[derive(Debug, Args)]
pub struct WhatIfArgs {
    #[command(subcommand)]
    pub action: WhatIfAction,
}

#[derive(Debug, Subcommand)]
pub enum WhatIfAction {
    /// Which volumes' data deleting a namespace, claim, StatefulSet or pod deletes, keeps on a
    /// Released volume, or leaves untouched, and why.
    Delete(DeleteArgs),
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// What to delete, as kubectl names it: namespace/NAME (ns/), pvc/NAME
    /// (persistentvolumeclaim/), statefulset/NAME (sts/) or pod/NAME (po/); or TYPE NAME.
    #[arg(value_name = "TARGET")]
    pub target: String,

    /// The name, when TARGET is a type alone (`namespace shop`).
    #[arg(value_name = "NAME")]
    pub name: Option<String>,

    /// Manifests or a cluster dump (`kubectl get pv,pvc,sc,pods,statefulsets -A -o yaml`):
    /// files, folders or `-` for standard input. Repeatable.
    #[arg(
        short = 'f',
        long = "filename",
        value_name = "PATH",
        value_hint = clap::ValueHint::AnyPath,
        required_unless_present = "cluster"
    )]
    pub filenames: Vec<String>,

    /// The live cluster to read (the files, if any, are applied over it), and the namespace of
    /// the claim, StatefulSet or pod.
    #[command(flatten)]
    pub cluster: ClusterArgs,

    /// Whether the input is the whole cluster or a part of it.
    #[command(flatten)]
    pub scope: input::ScopeArgs,

    /// The Kubernetes release to plan for.
    #[command(flatten)]
    pub release: input::ReleaseArgs,

    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = WhatIfFormat::Text)]
    pub output: WhatIfFormat,

    /// When to use colour in text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum WhatIfFormat {
    /// The claims grouped by what becomes of their data, with the reasons.
    Text,
    /// The WhatIf document (apiVersion storage.kubectl.io/v1alpha1).
    Json,
    /// The same data as json.
    Yaml,
}

pub fn run(args: &WhatIfArgs) -> u8 {
    match &args.action {
        WhatIfAction::Delete(args) => delete(args),
    }
}

fn delete(args: &DeleteArgs) -> u8 {
    let given_namespace = args.cluster.namespace.as_deref().unwrap_or("default");
    let target = match Target::parse(&args.target, args.name.as_deref(), given_namespace) {
        Ok(target) => target,
        Err(error) => return fail(error),
    };
    // Deleting a namespace reaches only what is in it: read that namespace, whatever -n says.
    let mut cluster = args.cluster.clone();
    if let Target::Namespace(name) = &target {
        if !cluster.all_namespaces {
            cluster.namespace = Some(name.clone());
        }
    }
    let input = match input::load_input(
        &args.filenames,
        &cluster,
        &args.scope,
        &args.release,
        "predict against one",
    ) {
        Ok(input) => input,
        Err(error) => return fail(error),
    };
    // Without -n, a live run's claim, StatefulSet or pod is in the context's namespace.
    let target = match Target::parse(&args.target, args.name.as_deref(), &input.namespace) {
        Ok(target) => target,
        Err(error) => return fail(error),
    };
    let loaded = input.loaded;
    if !loaded.findings.is_empty() {
        let _ = writeln!(
            std::io::stderr(),
            "warning: the input has {} problem(s) that `kubectl storage plan` shows; the prediction leaves out what could not be read",
            loaded.findings.len()
        );
    }
    let snapshot = &loaded.snapshot;
    let binding = crate::binding::plan(snapshot);
    let deletion = crate::deletion::plan(snapshot, &binding);
    let prediction = match what_if::what_if(snapshot, &binding, &deletion, &target) {
        Ok(prediction) => prediction,
        Err(error) => return fail(error),
    };
    let mut report = report::build(snapshot, &prediction);
    report.degraded = input.degraded.iter().map(DegradedEntry::from).collect();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = match args.output {
        WhatIfFormat::Text => {
            let text = render::what_if::render(&report, args.color.enabled());
            out.write_all(text.as_bytes())
        }
        WhatIfFormat::Json => render::json::write(&report, &mut out),
        WhatIfFormat::Yaml => render::yaml::write(&report, &mut out),
    }
    .and_then(|()| out.flush());
    match written {
        // A reader that went away (`… | head`) ends the output quietly, as for cat.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::CLEAN,
        Err(e) => fail(format!("cannot write the output: {e}")),
        // A prediction is not a finding: nothing here fails the run.
        Ok(()) => exit::CLEAN,
    }
}
