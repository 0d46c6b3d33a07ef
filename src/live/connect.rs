//! From the flags and the kubeconfig to a client, as kubectl resolves them.

use std::path::PathBuf;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use super::error::LiveError;
use super::options::ClusterArgs;

/// Which namespaces a run reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    Namespace(String),
}

impl Scope {
    pub fn namespace(&self) -> Option<&str> {
        match self {
            Scope::All => None,
            Scope::Namespace(ns) => Some(ns),
        }
    }
}

/// A client for the chosen cluster, and what the flags resolved to.
pub struct Connection {
    pub client: Client,
    /// The server's address, to name it in messages.
    pub server: String,
    pub scope: Scope,
    /// The namespace for namespaced manifests written without one.
    pub default_namespace: String,
    pub timeout: Option<Duration>,
}

/// The kubeconfig kubectl would read: `--kubeconfig`, else `KUBECONFIG` with its files merged,
/// else `~/.kube/config`; `None` when there is none.
pub fn read_kubeconfig(args: &ClusterArgs) -> Result<Option<Kubeconfig>, LiveError> {
    let config_error = |e: kube::config::KubeconfigError| LiveError::Config(e.to_string());
    Ok(match &args.kubeconfig {
        Some(path) => Some(Kubeconfig::read_from(path).map_err(config_error)?),
        None => match Kubeconfig::from_env().map_err(config_error)? {
            Some(merged) => Some(merged),
            None => match default_kubeconfig().filter(|p| p.exists()) {
                Some(path) => Some(Kubeconfig::read_from(path).map_err(config_error)?),
                None => None,
            },
        },
    })
}

/// Reads the kubeconfig (`--kubeconfig`, else `KUBECONFIG` with its files merged, else
/// `~/.kube/config`), applies `--context`, `--cluster` and `--user`, and falls back to the
/// in-cluster service account when there is no kubeconfig at all. Must run inside a Tokio
/// runtime (the client spawns its connection tasks there).
pub async fn connect(args: &ClusterArgs) -> Result<Connection, LiveError> {
    let options = KubeConfigOptions {
        context: args.context.clone(),
        cluster: args.cluster_name().map(str::to_owned),
        user: args.user.clone(),
    };
    let config_error = |e: kube::config::KubeconfigError| LiveError::Config(e.to_string());
    let mut config = match read_kubeconfig(args)? {
        Some(kubeconfig) => {
            check_named(&kubeconfig, &options)?;
            Config::from_custom_kubeconfig(kubeconfig, &options)
                .await
                .map_err(config_error)?
        }
        None => {
            let overrides =
                options.context.is_some() || options.cluster.is_some() || options.user.is_some();
            match Config::incluster() {
                Ok(config) if !overrides => config,
                _ => {
                    return Err(LiveError::Config(
                        "no kubeconfig found (KUBECONFIG is unset and ~/.kube/config does not exist) and not running in a cluster".to_owned(),
                    ))
                }
            }
        }
    };
    let timeout = args.timeout();
    if let Some(timeout) = timeout {
        config.connect_timeout = Some(timeout);
        config.read_timeout = Some(timeout);
        config.write_timeout = Some(timeout);
        config.reset_reader_on_write = true;
    }
    let server = config.cluster_url.to_string();
    let server = server.trim_end_matches('/').to_owned();
    let default_namespace = args
        .namespace
        .clone()
        .unwrap_or_else(|| config.default_namespace.clone());
    let scope = if args.all_namespaces {
        Scope::All
    } else {
        Scope::Namespace(default_namespace.clone())
    };
    let client = Client::try_from(config).map_err(|e| LiveError::from_transport(&server, &e))?;
    Ok(Connection {
        client,
        server,
        scope,
        default_namespace,
        timeout,
    })
}

/// The context, cluster and user named on the command line must be in the kubeconfig, as
/// kubectl requires of a name given explicitly (client-go `DirectClientConfig.getAuthInfo`,
/// `getCluster`, `getContext`). The client would fall back to no credentials for a user it
/// does not find, and the run would read as anonymous: an empty plan that looks clean.
fn check_named(kubeconfig: &Kubeconfig, options: &KubeConfigOptions) -> Result<(), LiveError> {
    let missing = |flag: &'static str, name: &Option<String>, known: Vec<&str>| match name {
        Some(name) if !known.contains(&name.as_str()) => Some(LiveError::NotInKubeconfig {
            flag,
            name: name.clone(),
            known: known.iter().map(|k| (*k).to_owned()).collect(),
        }),
        _ => None,
    };
    let contexts = kubeconfig
        .contexts
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    let clusters = kubeconfig
        .clusters
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    let users = kubeconfig
        .auth_infos
        .iter()
        .map(|u| u.name.as_str())
        .collect();
    match missing("--context", &options.context, contexts)
        .or_else(|| missing("--cluster", &options.cluster, clusters))
        .or_else(|| missing("--user", &options.user, users))
    {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// `~/.kube/config` (`%USERPROFILE%\.kube\config` on Windows).
fn default_kubeconfig() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(|home| PathBuf::from(home).join(".kube").join("config"))
}
