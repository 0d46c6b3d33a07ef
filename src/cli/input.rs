//! What a command reads: manifests, the live cluster, or manifests overlaid on the live objects
//! as `kubectl apply` would. Every command that reads objects goes through here, so `plan
//! --cluster` and `what-if delete --cluster` see the same snapshot.

use std::io::Write as _;

use clap::Args;

use crate::live::{self, ClusterArgs, Degraded, LiveObjects, LiveRead};
use crate::load::{self, Input, LoadOptions, Loaded, Loader};
use crate::model::KubernetesVersion;

/// The Kubernetes release a command plans for, flattened into the commands that plan.
#[derive(Clone, Debug, Default, Args)]
pub struct ReleaseArgs {
    /// The Kubernetes release to plan for, like `1.30`: API versions and in-tree volume
    /// plugins it no longer serves are reported, and claims of a class whose provisioner it
    /// removed stay Pending. Defaults to the cluster's own release with --cluster, else the
    /// newest release the tool knows (1.36).
    #[arg(long, value_name = "VERSION")]
    pub kubernetes_version: Option<KubernetesVersion>,
}

/// Whether the input is the whole cluster or a part of it, when the user says so.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct ScopeArgs {
    /// Take the input as the whole cluster: what it does not show does not exist.
    ///
    /// A class, volume or claim the input does not show is then reported missing. The default
    /// for a dump (`kubectl get -o yaml`) and for --cluster.
    #[arg(long, conflicts_with = "partial")]
    pub complete: bool,

    /// Take the input as a part of a cluster: what it does not show is assumed to exist.
    ///
    /// The plan names what it assumed once, in the input line and the JSON `input` entry. The
    /// default for manifests.
    #[arg(long)]
    pub partial: bool,
}

impl ScopeArgs {
    pub fn chosen(&self) -> Option<bool> {
        match (self.complete, self.partial) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        }
    }
}

/// The loaded input, and what the live read could not see.
pub struct CommandInput {
    pub loaded: Loaded,
    /// Kinds the cluster would not list (empty offline).
    pub degraded: Vec<Degraded>,
    /// The live kinds the plan does not read (events, CSI objects…); `None` offline.
    pub live: Option<LiveObjects>,
    /// The namespace of namespaced objects written without one: `-n`, else the context's
    /// namespace for a live run, else `default`.
    pub namespace: String,
}

/// Reads the cluster when `--cluster` is given, then the files over it. `purpose` finishes the
/// message for a live-only flag given without `--cluster` ("plan against one").
pub fn load_input(
    files: &[String],
    cluster: &ClusterArgs,
    scope: &ScopeArgs,
    release: &ReleaseArgs,
    purpose: &str,
) -> Result<CommandInput, String> {
    let read = if cluster.live() {
        Some(live::read(cluster).map_err(|e| e.to_string())?)
    } else {
        if let Some(flag) = cluster.live_only_flag() {
            return Err(format!(
                "{flag} applies to a live cluster: add --cluster to {purpose}"
            ));
        }
        None
    };
    load_over_read(read, files, cluster, scope.chosen(), release)
}

/// The second half of [`load_input`]: turns what was read (if anything) into a loader and loads
/// the files over it. Kinds that could not be read are told on standard error here, whatever
/// the output format; machine formats also carry them.
pub fn load_over_read(
    read: Option<LiveRead>,
    files: &[String],
    cluster: &ClusterArgs,
    scope: Option<bool>,
    release: &ReleaseArgs,
) -> Result<CommandInput, String> {
    let inputs: Vec<Input> = files.iter().map(|f| Input::parse(f)).collect();
    // A release given on the command line wins over the cluster's: planning a live cluster
    // for the release it is about to be upgraded to is a question worth asking.
    let version = release
        .kubernetes_version
        .or(read.as_ref().and_then(|r| r.version))
        .unwrap_or_default();
    let (loader, live, namespace) = match read {
        Some(read) => {
            let namespace = read.default_namespace.clone();
            let (loader, rest) = read.into_loader();
            for missing in &rest.degraded {
                let _ = writeln!(std::io::stderr(), "{}: {missing}", missing.level());
            }
            (loader, Some(rest), namespace)
        }
        None => {
            let namespace = cluster
                .namespace
                .clone()
                .unwrap_or_else(|| "default".to_owned());
            let loader = Loader::new(&LoadOptions {
                namespace: namespace.clone(),
            });
            (loader, None, namespace)
        }
    };
    let mut loader = loader;
    loader.choose_scope(scope);
    let mut loaded = load::load_over(loader, &inputs).map_err(|e| e.to_string())?;
    loaded.snapshot.kubernetes_version = version;
    Ok(CommandInput {
        loaded,
        degraded: live
            .as_ref()
            .map(|l| l.degraded.clone())
            .unwrap_or_default(),
        live,
        namespace,
    })
}
