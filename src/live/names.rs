//! Names for shell completion, as kubectl completes them: the kubeconfig's contexts, clusters
//! and users, and the names of objects in the cluster (`-n <TAB>`, `diagnose pvc/<TAB>`).

use std::time::Duration;

use serde_json::Value;

use super::connect;
use super::fetch::list_all;
use super::kinds::live_kind;
use super::options::ClusterArgs;

/// A list of the kubeconfig.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KubeconfigList {
    Contexts,
    Clusters,
    Users,
}

/// The names in one of the kubeconfig's lists; none when there is no kubeconfig to read.
pub fn kubeconfig_names(args: &ClusterArgs, list: KubeconfigList) -> Vec<String> {
    let Ok(Some(kubeconfig)) = connect::read_kubeconfig(args) else {
        return Vec::new();
    };
    match list {
        KubeconfigList::Contexts => kubeconfig.contexts.into_iter().map(|c| c.name).collect(),
        KubeconfigList::Clusters => kubeconfig.clusters.into_iter().map(|c| c.name).collect(),
        KubeconfigList::Users => kubeconfig.auth_infos.into_iter().map(|u| u.name).collect(),
    }
}

/// A completion must answer fast or not at all.
const COMPLETION_TIMEOUT: Duration = Duration::from_secs(5);

/// The names of the objects of a kind (`Namespace`, or a kind the tool reads) in the
/// namespace the flags choose; none when the cluster cannot be read.
pub fn object_names(args: &ClusterArgs, kind: &str) -> Vec<String> {
    let Ok(runtime) = super::runtime() else {
        return Vec::new();
    };
    let mut args = args.clone();
    args.request_timeout
        .get_or_insert(super::options::RequestTimeout(Some(COMPLETION_TIMEOUT)));
    runtime.block_on(async {
        let Ok(connection) = connect::connect(&args).await else {
            return Vec::new();
        };
        let path = if kind == "Namespace" {
            "/api/v1/namespaces".to_owned()
        } else {
            let Some(live) = live_kind(kind) else {
                return Vec::new();
            };
            live.list_path(connection.scope.namespace())
        };
        let items = list_all(&connection.client, path, None, connection.timeout)
            .await
            .unwrap_or_default();
        let mut names: Vec<String> = items
            .iter()
            .filter_map(|item| item.pointer("/metadata/name").and_then(Value::as_str))
            .map(str::to_owned)
            .collect();
        names.sort();
        names
    })
}
