//! Reading the cluster: one paginated LIST per kind, all kinds at once, no per-object GETs.

use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta;
use kube::api::ListParams;
use kube::Client;
use serde::Deserialize;
use serde_json::Value;

use super::connect::{Connection, Scope};
use super::error::LiveError;
use super::kinds::{LiveKind, LIVE_KINDS, STORAGE_EVENT_REASONS};

/// Items per page, as kubectl asks for (`--chunk-size`).
pub const PAGE_SIZE: u32 = 500;

/// Everything read from the cluster, each item with its `kind` and `apiVersion` set (list
/// items come without them).
#[derive(Debug, Default)]
pub struct LiveObjects {
    /// Per kind of `LIVE_KINDS`, in its order.
    lists: Vec<(&'static LiveKind, Vec<Value>)>,
    /// Kinds that could not be read, and what that weakens.
    pub degraded: Vec<Degraded>,
}

impl LiveObjects {
    /// The objects of one kind (empty when it was not read).
    pub fn of(&self, kind: &str) -> &[Value] {
        self.lists
            .iter()
            .find(|(k, _)| k.kind == kind)
            .map_or(&[], |(_, items)| items.as_slice())
    }

    /// Takes out the objects of the kinds the plan reads, in the order to add them; the
    /// others stay.
    pub fn take_planned(&mut self) -> Vec<Value> {
        self.lists
            .iter_mut()
            .filter(|(kind, _)| kind.planned)
            .flat_map(|(_, items)| std::mem::take(items))
            .collect()
    }

    /// Events with a storage reason.
    pub fn events(&self) -> &[Value] {
        self.of("Event")
    }

    pub fn csi_drivers(&self) -> &[Value] {
        self.of("CSIDriver")
    }

    pub fn csi_nodes(&self) -> &[Value] {
        self.of("CSINode")
    }

    pub fn csi_storage_capacities(&self) -> &[Value] {
        self.of("CSIStorageCapacity")
    }

    pub fn volume_attachments(&self) -> &[Value] {
        self.of("VolumeAttachment")
    }

    pub fn volume_attributes_classes(&self) -> &[Value] {
        self.of("VolumeAttributesClass")
    }
}

/// A kind the run could not read; the run goes on without it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Degraded {
    pub kind: &'static str,
    /// `plural.group`, as RBAC names it.
    pub resource: String,
    pub why: DegradedWhy,
    /// What is weaker without it.
    pub weakens: &'static str,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DegradedWhy {
    /// 403: the user may not list it.
    Forbidden,
    /// 404: the cluster does not serve this version of the kind (an older cluster).
    NotServed,
}

impl Degraded {
    /// How loud to be: a denial is the user's to fix; an older cluster is just so.
    pub fn level(&self) -> &'static str {
        match self.why {
            DegradedWhy::Forbidden => "warning",
            DegradedWhy::NotServed => "note",
        }
    }

    /// Why the kind could not be read, without what that weakens.
    pub fn cause(&self) -> String {
        match self.why {
            DegradedWhy::Forbidden => {
                format!("not allowed to list {} (403 Forbidden)", self.resource)
            }
            DegradedWhy::NotServed => format!("the cluster does not serve {}", self.resource),
        }
    }
}

impl std::fmt::Display for Degraded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} are left out", self.cause(), self.weakens)
    }
}

/// Lists every kind concurrently. A kind the user may not list degrades the run, except the
/// claims, without which there is nothing to check; anything that says the cluster cannot be
/// used (unreachable, credentials, TLS, timeout) stops it.
pub async fn fetch(connection: &Connection) -> Result<LiveObjects, LiveError> {
    let tasks: Vec<_> = LIVE_KINDS
        .iter()
        .map(|kind| {
            let client = connection.client.clone();
            let scope = connection.scope.clone();
            let timeout = connection.timeout;
            tokio::spawn(async move { list_kind(client, kind, &scope, timeout).await })
        })
        .collect();
    let mut objects = LiveObjects::default();
    let mut first_error = None;
    let mut refused_claims = None;
    for (kind, task) in LIVE_KINDS.iter().zip(tasks) {
        let listed = match task.await {
            Ok(listed) => listed,
            Err(join) => Err(ListError::Transport(kube::Error::Service(Box::new(join)))),
        };
        match listed {
            Ok(items) => objects.lists.push((kind, items)),
            Err(ListError::Api(status)) if matches!(status.code, 403 | 404) => {
                // Every command is about claims: without them the run would be an empty plan
                // that looks clean, so a refusal to list them stops it.
                if status.code == 403 && kind.kind == "PersistentVolumeClaim" {
                    refused_claims = Some(status.message.clone());
                }
                objects.degraded.push(Degraded {
                    kind: kind.kind,
                    resource: kind.resource(),
                    why: if status.code == 403 {
                        DegradedWhy::Forbidden
                    } else {
                        DegradedWhy::NotServed
                    },
                    weakens: kind.needed_for,
                });
            }
            Err(error) => {
                if first_error.is_none() {
                    first_error = Some(error.into_live(&connection.server, kind));
                }
            }
        }
    }
    if let Some(error) = first_error {
        return Err(error);
    }
    match refused_claims {
        Some(message) => Err(LiveError::Forbidden {
            server: connection.server.clone(),
            namespace: connection.scope.namespace().map(str::to_owned),
            message,
            refused: refused(&objects.degraded),
        }),
        None => Ok(objects),
    }
}

/// The resources the run was refused, namespaced ones first, then cluster-scoped ones.
fn refused(degraded: &[Degraded]) -> (Vec<String>, Vec<String>) {
    let (namespaced, cluster_scoped): (Vec<&LiveKind>, Vec<&LiveKind>) = LIVE_KINDS
        .iter()
        .filter(|kind| {
            degraded
                .iter()
                .any(|d| d.kind == kind.kind && d.why == DegradedWhy::Forbidden)
        })
        .partition(|kind| kind.namespaced);
    let names = |kinds: Vec<&LiveKind>| kinds.iter().map(|k| k.resource()).collect();
    (names(namespaced), names(cluster_scoped))
}

pub(super) enum ListError {
    Api(Box<kube::core::Status>),
    Transport(kube::Error),
    Timeout(Duration),
}

impl ListError {
    fn into_live(self, server: &str, kind: &LiveKind) -> LiveError {
        match self {
            ListError::Api(status) if status.code == 401 => LiveError::Unauthorized {
                server: server.to_owned(),
            },
            ListError::Api(status) => LiveError::Api {
                server: server.to_owned(),
                resource: kind.resource(),
                code: status.code,
                message: status.message,
            },
            ListError::Transport(error) => LiveError::from_transport(server, &error),
            ListError::Timeout(timeout) => LiveError::Timeout {
                server: server.to_owned(),
                timeout,
            },
        }
    }
}

/// A LIST response, items kept as JSON.
#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    metadata: ListMeta,
    #[serde(default)]
    items: Vec<Value>,
}

/// Lists one kind, keeping only storage events of the events.
async fn list_kind(
    client: Client,
    kind: &'static LiveKind,
    scope: &Scope,
    timeout: Option<Duration>,
) -> Result<Vec<Value>, ListError> {
    let items = list_all(&client, kind.list_path(scope.namespace()), None, timeout).await?;
    Ok(items
        .into_iter()
        .filter(|item| kind.kind != "Event" || is_storage_event(item))
        .map(|item| with_type(item, kind))
        .collect())
}

/// Lists a collection page by page. A continue token that expired mid-way (410 Gone, the list
/// took longer than the server keeps its snapshot) starts the list again, once.
pub(super) async fn list_all(
    client: &Client,
    path: String,
    field_selector: Option<&str>,
    timeout: Option<Duration>,
) -> Result<Vec<Value>, ListError> {
    let request = kube::core::Request::new(path);
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    let mut restarted = false;
    loop {
        let mut params = ListParams::default().limit(PAGE_SIZE);
        if let Some(selector) = field_selector {
            params = params.fields(selector);
        }
        if let Some(token) = &token {
            params = params.continue_token(token);
        }
        let http = request
            .list(&params)
            .map_err(|e| ListError::Transport(kube::Error::BuildRequest(e)))?;
        let call = client.request::<Page>(http);
        let result = match timeout {
            Some(limit) => tokio::time::timeout(limit, call)
                .await
                .map_err(|_| ListError::Timeout(limit))?,
            None => call.await,
        };
        let page = match result {
            Ok(page) => page,
            Err(kube::Error::Api(status))
                if status.code == 410 && token.is_some() && !restarted =>
            {
                restarted = true;
                token = None;
                items.clear();
                continue;
            }
            Err(kube::Error::Api(status)) => return Err(ListError::Api(status)),
            Err(error) => return Err(ListError::Transport(error)),
        };
        items.extend(page.items);
        token = page.metadata.continue_.filter(|t| !t.is_empty());
        if token.is_none() {
            return Ok(items);
        }
    }
}

fn is_storage_event(event: &Value) -> bool {
    event
        .get("reason")
        .and_then(Value::as_str)
        .is_some_and(|reason| STORAGE_EVENT_REASONS.contains(&reason))
}

/// Sets `kind` and `apiVersion`, which the API server leaves out of list items.
pub(super) fn with_type(mut item: Value, kind: &LiveKind) -> Value {
    if let Some(object) = item.as_object_mut() {
        object.insert("kind".to_owned(), Value::String(kind.kind.to_owned()));
        object
            .entry("apiVersion")
            .or_insert_with(|| Value::String(kind.api_version.to_owned()));
    }
    item
}
