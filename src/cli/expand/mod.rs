//! `kubectl storage expand pvc/NAME|sts/NAME --to SIZE`: grows claims in a cluster, checked
//! first and followed to the end; with `-f`, writes the new size into manifests instead.

mod follow;
mod live;
mod recreate;

use std::io::Write as _;
use std::time::Duration;

use clap::Args;

use crate::expand::{manifests, parse_size, Target};
use crate::fix::files;
use crate::live::options::parse_request_timeout;
use crate::live::ClusterArgs;
use crate::model::Quantity;
use crate::render::text::Paint;

use super::fix::{manifest_texts, write_files};
use super::{emit, exit, fail, ColorChoice};

#[derive(Debug, Args)]
pub struct ExpandArgs {
    /// What to grow: pvc/NAME, or sts/NAME for every claim of a StatefulSet's template.
    #[arg(value_name = "TYPE/NAME")]
    pub target: String,

    /// The name, when the type is given apart (`expand pvc data-db-0`).
    #[arg(value_name = "NAME")]
    pub name: Option<String>,

    /// The new size, as a quantity: 50Gi, 1Ti.
    #[arg(long, value_name = "SIZE")]
    pub to: String,

    /// For a StatefulSet with several volumeClaimTemplates: the one to grow.
    #[arg(long, value_name = "NAME")]
    pub template: Option<String>,

    /// Write the size into manifests instead of a cluster: files, or folders. Repeatable; `-`
    /// reads standard input.
    #[arg(short = 'f', long = "filename", value_name = "PATH", value_hint = clap::ValueHint::AnyPath)]
    pub filenames: Vec<String>,

    /// With -f: print the change as a unified diff; write nothing.
    #[arg(long, requires = "filenames", conflicts_with = "write")]
    pub diff: bool,

    /// With -f: write the changed files, each atomically.
    #[arg(long, requires = "filenames")]
    pub write: bool,

    /// Change the cluster without asking (otherwise a terminal is asked, and anything else
    /// only shows the changes). Also runs the printed plan that carries a StatefulSet's new
    /// size into its template.
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Follow the resize until the claims have the new size (the default).
    #[arg(long, overrides_with = "no_wait")]
    pub wait: bool,

    /// Ask for the new size and return; the resize goes on in the cluster.
    #[arg(long, overrides_with = "wait")]
    pub no_wait: bool,

    /// How long to follow the resize: a duration like 90s or 10m; 0 follows until it ends.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_request_timeout)]
    pub timeout: crate::live::options::RequestTimeout,

    /// When the file system waits for a pod to mount the volume again, restart the pods that
    /// use the claim, if a Deployment's ReplicaSet or a StatefulSet owns them (they are
    /// recreated).
    #[arg(long)]
    pub restart_pods: bool,

    /// How often to look at the claims while following (tests shorten it).
    #[arg(long, hide = true, value_name = "DURATION", default_value = "2s", value_parser = parse_request_timeout)]
    pub poll_interval: crate::live::options::RequestTimeout,

    #[command(flatten)]
    pub cluster: ClusterArgs,

    /// When to use colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

impl ExpandArgs {
    fn poll_interval(&self) -> Duration {
        self.poll_interval.0.unwrap_or(Duration::from_millis(100))
    }
}

pub fn run(args: &ExpandArgs) -> u8 {
    let target = match Target::parse(&args.target, args.name.as_deref()) {
        Ok(target) => target,
        Err(error) => return fail(error),
    };
    let to = match parse_size(&args.to) {
        Ok(to) => to,
        Err(error) => return fail(error),
    };
    if !args.filenames.is_empty() {
        if args.cluster.live() {
            return fail("expand changes manifests (-f) or a cluster, not both: leave out --cluster to change the manifests");
        }
        if let Some(flag) = args.cluster.live_only_flag() {
            return fail(format!(
                "{flag} applies to a live cluster: leave out -f to expand the claims there"
            ));
        }
        return offline(args, &target, &to);
    }
    if args.diff || args.write {
        return fail("--diff and --write are for manifests: add -f PATH");
    }
    if args.cluster.all_namespaces {
        return fail("expand acts in one namespace: give it with -n instead of -A");
    }
    live::run(args, &target, &to)
}

/// Writes the size into manifests, as `fix` writes its fixes.
fn offline(args: &ExpandArgs, target: &Target, to: &Quantity) -> u8 {
    let (texts, options) = match manifest_texts(&args.filenames, args.cluster.namespace.as_deref())
    {
        Ok(read) => read,
        Err(error) => return fail(error),
    };
    let loaded = files::load_texts(texts.iter().map(|t| (&*t.name, &*t.text)), &options);
    let edits = match manifests::edits(
        &loaded,
        target,
        args.cluster.namespace.as_deref(),
        args.template.as_deref(),
        to,
    ) {
        Ok(edits) => edits,
        Err(error) => return fail(error),
    };
    let field_edits: Vec<_> = edits.iter().map(|e| e.edit.clone()).collect();
    let changed = match files::edit(texts, &field_edits) {
        Ok(changed) => changed,
        Err(error) => return fail(format!("cannot change the manifests: {error}")),
    };
    let p = Paint(args.color.enabled());
    let verb = if args.write { "Set" } else { "Would set" };
    let mut summary = String::new();
    if edits.is_empty() {
        summary.push_str(&format!(
            "{} already asks for {}: nothing to change.\n",
            target.name(),
            to.as_str()
        ));
    }
    for edit in &edits {
        let at = edit
            .at
            .as_ref()
            .map(|l| format!("{l} "))
            .unwrap_or_default();
        summary.push_str(&format!(
            "{} {at}{}: {} {} → {}\n",
            p.bold(verb),
            edit.what,
            edit.edit.path,
            edit.from,
            to.as_str()
        ));
    }
    if args.diff {
        let diffs: String = changed.iter().map(|f| f.diff()).collect();
        if let Err(error) = emit(&diffs) {
            return fail(format!("cannot write the diff: {error}"));
        }
        let _ = std::io::stderr().write_all(summary.as_bytes());
        return exit::CLEAN;
    }
    if !args.write {
        if !edits.is_empty() {
            summary.push_str("Nothing was written: --diff shows the change, --write makes it.\n");
        }
        return match emit(&summary) {
            Ok(()) => exit::CLEAN,
            Err(error) => fail(format!("cannot write the output: {error}")),
        };
    }
    match write_files(&changed, &summary) {
        Ok(()) => exit::CLEAN,
        Err(error) => fail(error),
    }
}
