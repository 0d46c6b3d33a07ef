//! An in-process Kubernetes API server for tests: plain HTTP on 127.0.0.1, speaking the wire
//! format the tool relies on (discovery, paginated LIST, GET, field selectors, PATCH and PUT
//! with resourceVersion preconditions and dry runs, `Status` errors), with knobs for what a
//! real cluster does to clients: RBAC denials, slow answers, expired continue tokens, rejected
//! credentials. Every request is logged so tests can count them.
//!
//! Objects come from `kubectl get -o yaml` shaped fixtures (testdata/cluster/) or are added by
//! the test. The server runs on a thread of its own until the test process ends.
//!
//! A bench can include it alone: `#[path = "../tests/support/api_server/mod.rs"] mod
//! api_server;`.
// Each includer uses a part of it.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{json, Map, Value};

mod controllers;
pub use controllers::Resizer;

/// A resource the server serves.
#[derive(Debug)]
pub struct Resource {
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    /// Field selector labels beyond metadata.name and metadata.namespace.
    pub fields: &'static [&'static str],
}

impl Resource {
    fn group_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_owned()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `plural.group`, as RBAC and the tests name it.
    pub fn name(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_owned()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }
}

const fn resource(
    group: &'static str,
    version: &'static str,
    plural: &'static str,
    singular: &'static str,
    kind: &'static str,
    namespaced: bool,
    fields: &'static [&'static str],
) -> Resource {
    Resource {
        group,
        version,
        plural,
        singular,
        kind,
        namespaced,
        fields,
    }
}

const EVENT_FIELDS: &[&str] = &[
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
];

#[rustfmt::skip]
pub const RESOURCES: &[Resource] = &[
    resource("", "v1", "namespaces", "namespace", "Namespace", false, &["status.phase"]),
    resource("", "v1", "nodes", "node", "Node", false, &["spec.unschedulable"]),
    resource("", "v1", "persistentvolumes", "persistentvolume", "PersistentVolume", false, &[]),
    resource("", "v1", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true, &[]),
    resource("", "v1", "pods", "pod", "Pod", true, &["spec.nodeName", "status.phase", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "status.podIP"]),
    resource("", "v1", "resourcequotas", "resourcequota", "ResourceQuota", true, &[]),
    resource("", "v1", "replicationcontrollers", "replicationcontroller", "ReplicationController", true, &["status.replicas"]),
    resource("", "v1", "events", "event", "Event", true, EVENT_FIELDS),
    resource("apps", "v1", "deployments", "deployment", "Deployment", true, &[]),
    resource("apps", "v1", "statefulsets", "statefulset", "StatefulSet", true, &[]),
    resource("apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, &[]),
    resource("apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, &["status.replicas"]),
    resource("batch", "v1", "jobs", "job", "Job", true, &["status.successful"]),
    resource("batch", "v1", "cronjobs", "cronjob", "CronJob", true, &[]),
    resource("storage.k8s.io", "v1", "storageclasses", "storageclass", "StorageClass", false, &[]),
    resource("storage.k8s.io", "v1", "volumeattributesclasses", "volumeattributesclass", "VolumeAttributesClass", false, &[]),
    resource("storage.k8s.io", "v1", "csidrivers", "csidriver", "CSIDriver", false, &[]),
    resource("storage.k8s.io", "v1", "csinodes", "csinode", "CSINode", false, &[]),
    resource("storage.k8s.io", "v1", "csistoragecapacities", "csistoragecapacity", "CSIStorageCapacity", true, &[]),
    resource("storage.k8s.io", "v1", "volumeattachments", "volumeattachment", "VolumeAttachment", false, &[]),
];

/// One request as the server saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Logged {
    pub method: String,
    pub path: String,
    /// The decoded query parameters, in order.
    pub query: Vec<(String, String)>,
    /// The status code answered (0 until the answer is ready).
    pub status: u16,
    /// The size of the response body.
    pub bytes: usize,
    /// A dry run, asked in the query or in the body's DeleteOptions.
    pub dry_run: bool,
}

impl Logged {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// `GET /api/v1/pods?limit=500`, for assertions.
    pub fn line(&self) -> String {
        let query: Vec<String> = self.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if query.is_empty() {
            format!("{} {}", self.method, self.path)
        } else {
            format!("{} {}?{}", self.method, self.path, query.join("&"))
        }
    }
}

/// Objects are keyed by resource, namespace ("" when cluster-scoped) and name.
type Key = (usize, String, String);

#[derive(Default)]
struct State {
    objects: BTreeMap<Key, Value>,
    resource_version: u64,
    /// Continue tokens issued before this resourceVersion are expired (etcd compacted them).
    compacted: u64,
    /// The next continued list gets 410 Gone.
    expire_next_continue: bool,
    denied: HashSet<String>,
    unserved: HashSet<String>,
    delay: Duration,
    token: Option<String>,
    log: Vec<Logged>,
    uids: u64,
    /// Objects (resource, name) that someone else changes just before the next real write of
    /// them reaches the server: that write then meets a newer resourceVersion.
    changed_before_write: BTreeMap<(String, String), u32>,
    /// How the resize of a claim (namespace, name) goes.
    resizers: BTreeMap<(String, String), Resizer>,
    /// Resizes under way, by claim.
    resizing: BTreeMap<(String, String), controllers::Progress>,
    events: u64,
    /// Play the PV controller: bind volumes and claims at each GET of one.
    pv_controller: bool,
}

impl State {
    /// Stores an object as created: a new resourceVersion, and a uid, creationTimestamp and
    /// (when namespaced and missing) namespace of its own. Returns its key.
    fn insert(&mut self, index: usize, mut object: Value) -> Key {
        self.resource_version += 1;
        self.uids += 1;
        let rv = self.resource_version;
        let uid = format!("00000000-0000-4000-8000-{:012x}", self.uids);
        let meta = object
            .as_object_mut()
            .map(|o| o.entry("metadata").or_insert_with(|| json!({})))
            .and_then(Value::as_object_mut)
            .expect("an object");
        meta.insert("resourceVersion".into(), json!(rv.to_string()));
        meta.entry("uid").or_insert_with(|| json!(uid));
        meta.entry("creationTimestamp")
            .or_insert_with(|| json!("2026-01-05T09:00:00Z"));
        let resource = &RESOURCES[index];
        let namespace = if resource.namespaced {
            meta.entry("namespace")
                .or_insert_with(|| json!("default"))
                .as_str()
                .unwrap_or_default()
                .to_owned()
        } else {
            meta.remove("namespace");
            String::new()
        };
        let name = meta
            .get("name")
            .and_then(Value::as_str)
            .expect("object with a name")
            .to_owned();
        let key = (index, namespace, name);
        self.objects.insert(key.clone(), object);
        key
    }

    /// Stores a changed object under a new resourceVersion.
    fn update(&mut self, key: &Key, mut object: Value) {
        self.resource_version += 1;
        let rv = self.resource_version.to_string();
        if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("resourceVersion".into(), json!(rv));
        }
        self.objects.insert(key.clone(), object);
    }
}

/// A running server. Cheap to share: all state is behind one lock.
#[derive(Clone)]
pub struct ApiServer {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl ApiServer {
    /// Starts an empty server on an ephemeral port.
    pub fn start() -> ApiServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("non-blocking socket");
        let addr = listener.local_addr().expect("local address");
        let state = Arc::new(Mutex::new(State::default()));
        let server = ApiServer { addr, state };
        let serving = server.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("test server runtime");
            runtime.block_on(serving.serve(listener));
        });
        server
    }

    /// Starts a server holding the objects of every fixture file in a folder.
    pub fn with_fixtures(dir: impl AsRef<Path>) -> ApiServer {
        let server = ApiServer::start();
        server.load_dir(dir);
        server
    }

    async fn serve(self, listener: std::net::TcpListener) {
        let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let server = self.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let server = server.clone();
                    async move { Ok::<_, std::convert::Infallible>(server.handle(request).await) }
                });
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await;
            });
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding the lock leaves consistent state behind.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Loads every `.yaml` file of a folder: `kind: List` dumps or single objects.
    pub fn load_dir(&self, dir: impl AsRef<Path>) {
        let mut files: Vec<_> = std::fs::read_dir(dir.as_ref())
            .unwrap_or_else(|e| panic!("{}: {e}", dir.as_ref().display()))
            .map(|e| e.expect("directory entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("fixture text");
            let value: Value =
                serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            self.add(value);
        }
    }

    /// Adds an object (or a List's items), as if created: it gets a resourceVersion, and a
    /// uid and creationTimestamp if it has none.
    pub fn add(&self, object: Value) {
        if let Some(Value::Array(items)) = object.get("items") {
            for item in items.clone() {
                self.add(item);
            }
            return;
        }
        let kind = object
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let Some(index) = RESOURCES.iter().position(|r| r.kind == kind) else {
            panic!("the test API server does not serve kind {kind:?}");
        };
        self.state().insert(index, object);
    }

    /// Answers 403 Forbidden to every request on a resource (`pods`,
    /// `csidrivers.storage.k8s.io`).
    pub fn deny(&self, resource: &str) {
        assert!(
            RESOURCES.iter().any(|r| r.name() == resource),
            "unknown resource {resource}"
        );
        self.state().denied.insert(resource.to_owned());
    }

    /// Stops serving a resource (404 on its paths, left out of discovery), as a cluster too
    /// old for it does.
    pub fn unserve(&self, resource: &str) {
        assert!(
            RESOURCES.iter().any(|r| r.name() == resource),
            "unknown resource {resource}"
        );
        self.state().unserved.insert(resource.to_owned());
    }

    /// How the resize of a claim goes once a write asks for more than it has: the resizer and
    /// the kubelet are played step by step, one step at each GET of the claim.
    pub fn set_resizer(&self, namespace: &str, name: &str, resizer: Resizer) {
        self.state()
            .resizers
            .insert((namespace.to_owned(), name.to_owned()), resizer);
    }

    /// Plays the PV controller from now on: volumes and claims bind (and volumes whose claim
    /// is gone are Released) at each GET of a volume or a claim.
    pub fn run_pv_controller(&self) {
        self.state().pv_controller = true;
    }

    /// Waits this long before answering any request.
    pub fn set_delay(&self, delay: Duration) {
        self.state().delay = delay;
    }

    /// Requires `Authorization: Bearer <token>`; other requests get 401.
    pub fn require_token(&self, token: &str) {
        self.state().token = Some(token.to_owned());
    }

    /// Expires every continue token issued so far, as an etcd compaction does.
    /// Someone else changes the object (`resource` as in URLs) just before the tool's next
    /// real (not dry-run) write of it arrives.
    pub fn change_before_next_write(&self, resource: &str, name: &str) {
        self.change_before_write(resource, name, 1);
    }

    /// Someone else changes the object just before the tool's `nth` real write of it (1 is
    /// the next).
    pub fn change_before_write(&self, resource: &str, name: &str, nth: u32) {
        self.state()
            .changed_before_write
            .insert((resource.to_owned(), name.to_owned()), nth);
    }

    pub fn compact(&self) {
        let mut state = self.state();
        state.compacted = state.resource_version + 1;
    }

    /// Expires the next continue token the server receives, once.
    pub fn expire_next_continue(&self) {
        self.state().expire_next_continue = true;
    }

    /// The requests so far.
    pub fn requests(&self) -> Vec<Logged> {
        self.state().log.clone()
    }

    /// The writes so far, as `dry-run|real METHOD <last two path segments>`.
    pub fn writes(&self) -> Vec<String> {
        self.requests()
            .iter()
            .filter(|r| r.method != "GET")
            .map(|r| {
                let dry = if r.dry_run { "dry-run" } else { "real" };
                let path: Vec<&str> = r.path.rsplitn(3, '/').collect();
                format!("{dry} {} {}/{}", r.method, path[1], path[0])
            })
            .collect()
    }

    pub fn clear_requests(&self) {
        self.state().log.clear();
    }

    /// The current object, as a GET would return it.
    pub fn object(&self, resource: &str, namespace: Option<&str>, name: &str) -> Option<Value> {
        let index = RESOURCES.iter().position(|r| r.name() == resource)?;
        let key = (
            index,
            namespace.unwrap_or_default().to_owned(),
            name.to_owned(),
        );
        self.state().objects.get(&key).cloned()
    }

    /// A kubeconfig for this server: one cluster, one user with a bearer token, one context.
    pub fn kubeconfig(&self, context: &str, namespace: Option<&str>) -> String {
        let namespace = namespace
            .map(|ns| format!("\n    namespace: {ns}"))
            .unwrap_or_default();
        format!(
            "apiVersion: v1
kind: Config
clusters:
- name: {context}-cluster
  cluster:
    server: {url}
users:
- name: {context}-user
  user:
    token: test-token
contexts:
- name: {context}
  context:
    cluster: {context}-cluster
    user: {context}-user{namespace}
current-context: {context}
",
            url = self.url()
        )
    }

    async fn handle(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let query = parse_query(request.uri().query().unwrap_or_default());
        let authorization = request
            .headers()
            .get(hyper::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let content_type = request
            .headers()
            .get(hyper::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let (delay, token, logged) = {
            let mut state = self.state();
            state.log.push(Logged {
                method: method.to_string(),
                path: path.clone(),
                query: query.clone(),
                status: 0,
                bytes: 0,
                dry_run: false,
            });
            (state.delay, state.token.clone(), state.log.len() - 1)
        };
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let body = match request.into_body().collect().await {
            Ok(body) => body.to_bytes(),
            Err(_) => Bytes::new(),
        };
        let dry_run = query.iter().any(|(k, v)| k == "dryRun" && v == "All")
            || serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|b| b.get("dryRun").cloned())
                .is_some_and(|d| d == json!(["All"]));
        if let Some(entry) = self.state().log.get_mut(logged) {
            entry.dry_run = dry_run;
        }
        let (status, value) = if token.is_some_and(|t| authorization != Some(format!("Bearer {t}")))
        {
            status(401, "Unauthorized", "Unauthorized", None)
        } else {
            let call = Call {
                method,
                path,
                query,
                content_type,
                body,
            };
            self.route(&call)
        };
        let body = value.to_string();
        // A test may have cleared the log meanwhile; then the entry is gone.
        if let Some(entry) = self.state().log.get_mut(logged).filter(|e| e.status == 0) {
            entry.status = status;
            entry.bytes = body.len();
        }
        let mut response = Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
        response.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static("application/json"),
        );
        response
    }

    fn route(&self, call: &Call) -> (u16, Value) {
        let segments: Vec<&str> = call.path.split('/').filter(|s| !s.is_empty()).collect();
        match segments.as_slice() {
            ["version"] => (
                200,
                json!({"major": "1", "minor": "35", "gitVersion": "v1.35.0", "platform": "linux/amd64"}),
            ),
            ["api"] => (
                200,
                json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                    {"clientCIDR": "0.0.0.0/0", "serverAddress": self.addr.to_string()}
                ]}),
            ),
            ["apis"] => (200, group_list(&self.state().unserved)),
            ["api", "v1"] => (200, resource_list("", "v1", &self.state().unserved)),
            ["apis", group, version] => {
                if RESOURCES
                    .iter()
                    .any(|r| r.group == *group && r.version == *version)
                {
                    (200, resource_list(group, version, &self.state().unserved))
                } else {
                    not_found_path()
                }
            }
            ["api", "v1", rest @ ..] => self.resource_call(call, "", "v1", rest),
            ["apis", group, version, rest @ ..] => self.resource_call(call, group, version, rest),
            _ => not_found_path(),
        }
    }

    fn resource_call(
        &self,
        call: &Call,
        group: &str,
        version: &str,
        rest: &[&str],
    ) -> (u16, Value) {
        let (namespace, plural, name) = match rest {
            ["namespaces", ns, plural] => (Some(*ns), *plural, None),
            ["namespaces", ns, plural, name] => (Some(*ns), *plural, Some(*name)),
            [plural] => (None, *plural, None),
            [plural, name] => (None, *plural, Some(*name)),
            _ => return not_found_path(),
        };
        let Some(index) = RESOURCES
            .iter()
            .position(|r| r.group == group && r.version == version && r.plural == plural)
        else {
            return not_found_path();
        };
        let resource = &RESOURCES[index];
        if (namespace.is_some() && !resource.namespaced)
            || self.state().unserved.contains(&resource.name())
        {
            return not_found_path();
        }
        let verb = match (&call.method, name) {
            (&Method::GET, None) => "list",
            (&Method::GET, Some(_)) => "get",
            (&Method::PATCH, Some(_)) => "patch",
            (&Method::PUT, Some(_)) => "update",
            (&Method::POST, None) => "create",
            (&Method::DELETE, Some(_)) => "delete",
            _ => {
                return status(
                    405,
                    "MethodNotAllowed",
                    "the server does not allow this method on the requested resource",
                    None,
                )
            }
        };
        if self.state().denied.contains(&resource.name()) {
            let scope = match namespace {
                Some(ns) => format!("in the namespace \"{ns}\""),
                None => "at the cluster scope".to_owned(),
            };
            let message = format!(
                "{} is forbidden: User \"system:serviceaccount:ci:reader\" cannot {verb} resource \"{}\" in API group \"{}\" {scope}",
                resource.name(),
                resource.plural,
                resource.group
            );
            let details = json!({"group": resource.group, "kind": resource.plural});
            return status(403, "Forbidden", &message, Some(details));
        }
        match name {
            None if verb == "create" => self.create(call, index, namespace),
            None => self.list(call, index, namespace),
            Some(name) => {
                let key = (
                    index,
                    namespace.unwrap_or_default().to_owned(),
                    name.to_owned(),
                );
                match verb {
                    "get" => {
                        let mut state = self.state();
                        if state.pv_controller
                            && matches!(
                                resource.plural,
                                "persistentvolumes" | "persistentvolumeclaims"
                            )
                        {
                            controllers::sync_volumes(&mut state);
                        }
                        controllers::before_get(&mut state, &key);
                        match state.objects.get(&key) {
                            Some(object) => (200, object.clone()),
                            None => not_found(resource, name),
                        }
                    }
                    "delete" => self.delete(call, &key),
                    _ => self.write(call, &key, verb == "patch"),
                }
            }
        }
    }

    fn list(&self, call: &Call, index: usize, namespace: Option<&str>) -> (u16, Value) {
        let resource = &RESOURCES[index];
        let param = |name: &str| {
            call.query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .filter(|v| !v.is_empty())
        };
        let selector = match param("fieldSelector").map(|s| FieldSelector::parse(s, resource)) {
            Some(Ok(selector)) => Some(selector),
            Some(Err(message)) => return status(400, "BadRequest", &message, None),
            None => None,
        };
        let labels = param("labelSelector").map(LabelSelector::parse);
        let limit: usize = param("limit").and_then(|l| l.parse().ok()).unwrap_or(0);
        let mut state = self.state();
        let expire = param("continue").is_some() && std::mem::take(&mut state.expire_next_continue);
        let start = match param("continue") {
            None => None,
            Some(token) => match decode_token(token) {
                Some((rv, _)) if expire || rv < state.compacted => {
                    return status(
                        410,
                        "Expired",
                        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results.",
                        None,
                    )
                }
                Some((_, start)) => Some(start),
                None => {
                    return status(400, "BadRequest", "continue key is not valid: illegal base64 data", None)
                }
            },
        };
        let matching: Vec<(&Key, &Value)> = state
            .objects
            .iter()
            .filter(|((i, ns, _), _)| *i == index && namespace.is_none_or(|want| want == ns))
            .filter(|((_, ns, name), _)| {
                start.as_ref().is_none_or(|start| {
                    (ns.as_str(), name.as_str()) > (start.0.as_str(), start.1.as_str())
                })
            })
            .filter(|(_, object)| selector.as_ref().is_none_or(|s| s.matches(object)))
            .filter(|(_, object)| labels.as_ref().is_none_or(|s| s.matches(object)))
            .collect();
        let page = if limit > 0 && limit < matching.len() {
            &matching[..limit]
        } else {
            &matching[..]
        };
        let remaining = matching.len() - page.len();
        let items: Vec<Value> = page.iter().map(|(_, object)| list_item(object)).collect();
        let mut metadata = Map::new();
        let rv = start_rv(param("continue"), state.resource_version);
        metadata.insert("resourceVersion".into(), json!(rv.to_string()));
        if let (true, Some(((_, ns, name), _))) = (remaining > 0, page.last()) {
            let last = (ns.clone(), name.clone());
            metadata.insert("continue".into(), json!(encode_token(rv, &last)));
            metadata.insert("remainingItemCount".into(), json!(remaining));
        }
        (
            200,
            json!({
                "kind": format!("{}List", resource.kind),
                "apiVersion": resource.group_version(),
                "metadata": metadata,
                "items": items,
            }),
        )
    }

    /// PATCH (JSON merge patch; strategic merge patches are applied as merge patches) and PUT,
    /// with the resourceVersion precondition and `dryRun=All`.
    fn write(&self, call: &Call, key: &Key, patch: bool) -> (u16, Value) {
        let resource = &RESOURCES[key.0];
        let mut state = self.state();
        let dry_run = call.query.iter().any(|(k, v)| k == "dryRun" && v == "All");
        if !dry_run && countdown(&mut state.changed_before_write, resource.plural, &key.2) {
            state.resource_version += 1;
            let rv = state.resource_version.to_string();
            if let Some(meta) = state
                .objects
                .get_mut(key)
                .and_then(|o| o.get_mut("metadata"))
                .and_then(Value::as_object_mut)
            {
                meta.insert("resourceVersion".into(), json!(rv));
            }
        }
        let Some(current) = state.objects.get(key).cloned() else {
            return not_found(resource, &key.2);
        };
        let Ok(body) = serde_json::from_slice::<Value>(&call.body) else {
            return status(
                400,
                "BadRequest",
                "the request body is not valid JSON",
                None,
            );
        };
        let updated = if patch {
            if !(call
                .content_type
                .starts_with("application/merge-patch+json")
                || call
                    .content_type
                    .starts_with("application/strategic-merge-patch+json"))
            {
                return status(
                    415,
                    "UnsupportedMediaType",
                    &format!("the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json (got {:?})", call.content_type),
                    None,
                );
            }
            let mut merged = current.clone();
            merge_patch(&mut merged, &body);
            merged
        } else {
            body
        };
        let current_rv = current.pointer("/metadata/resourceVersion").cloned();
        let wanted_rv = if patch {
            body_rv(&call.body)
        } else {
            updated.pointer("/metadata/resourceVersion").cloned()
        };
        if wanted_rv.is_some_and(|rv| Some(rv) != current_rv) {
            let message = format!(
                "Operation cannot be fulfilled on {} \"{}\": the object has been modified; please apply your changes to the latest version and try again",
                resource.name(),
                key.2
            );
            let details = json!({"name": key.2, "group": resource.group, "kind": resource.plural});
            return status(409, "Conflict", &message, Some(details));
        }
        if let Some(field) = immutable_change(resource.plural, &current, &updated) {
            let kind = if resource.group.is_empty() {
                resource.kind.to_owned()
            } else {
                format!("{}.{}", resource.kind, resource.group)
            };
            let value = updated.pointer(field).cloned().unwrap_or(Value::Null);
            let message = format!(
                "{kind} \"{}\" is invalid: {}: Invalid value: {value}: field is immutable",
                key.2,
                field.trim_start_matches('/').replace('/', ".")
            );
            return status(422, "Invalid", &message, None);
        }
        if let Some(refusal) = controllers::admit_update(&state, key, &current, &updated) {
            return refusal;
        }
        let mut updated = updated;
        // Identity fields stay what they were.
        for field in ["name", "namespace", "uid", "creationTimestamp"] {
            if let (Some(meta), Some(value)) = (
                updated.get_mut("metadata").and_then(Value::as_object_mut),
                current.pointer(&format!("/metadata/{field}")),
            ) {
                meta.insert(field.to_owned(), value.clone());
            }
        }
        if !dry_run {
            state.update(key, updated);
            controllers::after_update(&mut state, key, &current);
            updated = state.objects[key].clone();
        }
        (200, updated)
    }

    /// POST: creates an object in a collection, or says it exists (409 AlreadyExists).
    fn create(&self, call: &Call, index: usize, namespace: Option<&str>) -> (u16, Value) {
        let resource = &RESOURCES[index];
        let Ok(mut object) = serde_json::from_slice::<Value>(&call.body) else {
            return status(
                400,
                "BadRequest",
                "the request body is not valid JSON",
                None,
            );
        };
        let Some(name) = object.pointer("/metadata/name").and_then(Value::as_str) else {
            return status(422, "Invalid", &format!("{} is invalid: metadata.name: Required value: name or generateName is required", resource.kind), None);
        };
        let name = name.to_owned();
        if let (Some(ns), Some(meta)) = (
            namespace,
            object.get_mut("metadata").and_then(Value::as_object_mut),
        ) {
            meta.insert("namespace".into(), json!(ns));
        }
        let key = (
            index,
            namespace.unwrap_or_default().to_owned(),
            name.clone(),
        );
        let dry_run = call.query.iter().any(|(k, v)| k == "dryRun" && v == "All");
        let mut state = self.state();
        if state.objects.contains_key(&key) {
            let message = format!("{} \"{name}\" already exists", resource.name());
            let details = json!({"name": name, "group": resource.group, "kind": resource.plural});
            return status(409, "AlreadyExists", &message, Some(details));
        }
        if dry_run {
            return (201, object);
        }
        if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            for field in ["uid", "resourceVersion", "creationTimestamp"] {
                meta.remove(field);
            }
        }
        let key = state.insert(index, object);
        controllers::after_create(&mut state, &key);
        (201, state.objects[&key].clone())
    }

    /// DELETE with DeleteOptions: uid and resourceVersion preconditions, a propagation policy,
    /// and `dryRun=All`. Returns the object as it was.
    fn delete(&self, call: &Call, key: &Key) -> (u16, Value) {
        let resource = &RESOURCES[key.0];
        let options: Value = if call.body.is_empty() {
            json!({})
        } else {
            match serde_json::from_slice(&call.body) {
                Ok(options) => options,
                Err(_) => {
                    return status(
                        400,
                        "BadRequest",
                        "the request body is not valid JSON",
                        None,
                    )
                }
            }
        };
        let dry_run = call.query.iter().any(|(k, v)| k == "dryRun" && v == "All")
            || options
                .get("dryRun")
                .and_then(Value::as_array)
                .is_some_and(|d| d.iter().any(|v| v == "All"));
        let mut state = self.state();
        let Some(current) = state.objects.get(key).cloned() else {
            return not_found(resource, &key.2);
        };
        for (field, label) in [("uid", "UID"), ("resourceVersion", "ResourceVersion")] {
            let Some(wanted) = options
                .pointer(&format!("/preconditions/{field}"))
                .and_then(Value::as_str)
            else {
                continue;
            };
            let have = current
                .pointer(&format!("/metadata/{field}"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            if wanted != have {
                let consequence = if field == "uid" {
                    "deleted and then recreated"
                } else {
                    "modified"
                };
                let message = format!(
                    "Operation cannot be fulfilled on {} \"{}\": the {label} in the precondition ({wanted}) does not match the {label} in record ({have}). The object might have been {consequence}",
                    resource.kind,
                    key.2
                );
                let details =
                    json!({"name": key.2, "group": resource.group, "kind": resource.plural});
                return status(409, "Conflict", &message, Some(details));
            }
        }
        if !dry_run {
            let orphan = options.get("propagationPolicy").and_then(Value::as_str) == Some("Orphan");
            state.objects.remove(key);
            state.resource_version += 1;
            controllers::after_delete(&mut state, key, &current, orphan);
        }
        (200, current)
    }
}

/// Counts a real write of an object down to the planted change; true when it is due.
fn countdown(planted: &mut BTreeMap<(String, String), u32>, plural: &str, name: &str) -> bool {
    let key = (plural.to_owned(), name.to_owned());
    match planted.get_mut(&key) {
        Some(1) => {
            planted.remove(&key);
            true
        }
        Some(n) => {
            *n -= 1;
            false
        }
        None => false,
    }
}

/// The first field an update may not change that it changes, as the API server validates: a
/// StorageClass's provisioning fields, and a pod's spec beyond what pods may update.
fn immutable_change(plural: &str, current: &Value, updated: &Value) -> Option<&'static str> {
    let fields: &[&'static str] = match plural {
        "storageclasses" => &[
            "/provisioner",
            "/parameters",
            "/reclaimPolicy",
            "/volumeBindingMode",
        ],
        "pods" => &["/spec/volumes", "/spec/containers", "/spec/nodeName"],
        "persistentvolumes" => &["/spec/csi", "/spec/nfs", "/spec/local", "/spec/hostPath"],
        "statefulsets" => &[
            "/spec/volumeClaimTemplates",
            "/spec/selector",
            "/spec/serviceName",
        ],
        _ => &[],
    };
    fields
        .iter()
        .find(|f| current.pointer(f) != updated.pointer(f))
        .copied()
}

/// What the router needs of a request.
struct Call {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    content_type: String,
    body: Bytes,
}

fn body_rv(body: &[u8]) -> Option<Value> {
    serde_json::from_slice::<Value>(body)
        .ok()?
        .pointer("/metadata/resourceVersion")
        .cloned()
}

/// A list item: the API server leaves kind and apiVersion out of the items of typed lists.
fn list_item(object: &Value) -> Value {
    let mut item = object.clone();
    if let Some(map) = item.as_object_mut() {
        map.remove("kind");
        map.remove("apiVersion");
    }
    item
}

/// The resourceVersion a continued list keeps (the first page's); a new list takes the
/// current one.
fn start_rv(token: Option<&str>, current: u64) -> u64 {
    token.and_then(decode_token).map_or(current, |(rv, _)| rv)
}

/// Continue tokens are opaque to clients: hex of `rv/namespace/name`.
fn encode_token(rv: u64, last: &(String, String)) -> String {
    format!("{rv}/{}/{}", last.0, last.1)
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn decode_token(token: &str) -> Option<(u64, (String, String))> {
    if !token.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(token.get(i..i + 2)?, 16).ok())
        .collect();
    let text = String::from_utf8(bytes?).ok()?;
    let mut parts = text.splitn(3, '/');
    let rv = parts.next()?.parse().ok()?;
    let namespace = parts.next()?.to_owned();
    let name = parts.next()?.to_owned();
    Some((rv, (namespace, name)))
}

/// RFC 7386 JSON merge patch.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(target) = target else {
        return;
    };
    for (key, value) in patch {
        if value.is_null() {
            target.remove(key);
        } else {
            merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

/// `a=b,c!=d` over dotted field paths, with the labels each kind supports.
struct FieldSelector {
    terms: Vec<(String, bool, String)>,
}

impl FieldSelector {
    fn parse(text: &str, resource: &Resource) -> Result<FieldSelector, String> {
        let mut terms = Vec::new();
        for term in text.split(',').filter(|t| !t.is_empty()) {
            let (field, equal, value) = if let Some((f, v)) = term.split_once("!=") {
                (f, false, v)
            } else if let Some((f, v)) = term.split_once("==") {
                (f, true, v)
            } else if let Some((f, v)) = term.split_once('=') {
                (f, true, v)
            } else {
                return Err(format!(
                    "invalid selector: '{text}'; can't understand '{term}'"
                ));
            };
            let supported = matches!(field, "metadata.name" | "metadata.namespace")
                || resource.fields.contains(&field);
            if !supported {
                return Err(format!("field label not supported: {field}"));
            }
            terms.push((field.to_owned(), equal, value.to_owned()));
        }
        Ok(FieldSelector { terms })
    }

    fn matches(&self, object: &Value) -> bool {
        self.terms.iter().all(|(field, equal, want)| {
            let pointer = format!("/{}", field.replace('.', "/"));
            let have = match object.pointer(&pointer) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                // `source` on Events is an object; its selector value is the component.
                Some(Value::Object(o)) => o
                    .get("component")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                Some(other) => other.to_string(),
            };
            (have == *want) == *equal
        })
    }
}

/// Equality-based label selectors (`app=db,tier!=cache`, `app`).
struct LabelSelector {
    terms: Vec<(String, Option<(bool, String)>)>,
}

impl LabelSelector {
    fn parse(text: &str) -> LabelSelector {
        let terms = text
            .split(',')
            .filter(|t| !t.is_empty())
            .map(|term| {
                if let Some((k, v)) = term.split_once("!=") {
                    (k.to_owned(), Some((false, v.to_owned())))
                } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('='))
                {
                    (k.to_owned(), Some((true, v.to_owned())))
                } else {
                    (term.to_owned(), None)
                }
            })
            .collect();
        LabelSelector { terms }
    }

    fn matches(&self, object: &Value) -> bool {
        let labels = object.pointer("/metadata/labels");
        self.terms.iter().all(|(key, test)| {
            let value = labels.and_then(|l| l.get(key)).and_then(Value::as_str);
            match test {
                None => value.is_some(),
                Some((true, want)) => value == Some(want.as_str()),
                Some((false, want)) => value != Some(want.as_str()),
            }
        })
    }
}

fn group_list(unserved: &HashSet<String>) -> Value {
    let mut groups: Vec<(&str, &str)> = RESOURCES
        .iter()
        .filter(|r| !r.group.is_empty() && !unserved.contains(&r.name()))
        .map(|r| (r.group, r.version))
        .collect();
    groups.dedup();
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(group, version)| {
            let gv = json!({"groupVersion": format!("{group}/{version}"), "version": version});
            json!({"name": group, "versions": [gv.clone()], "preferredVersion": gv})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

fn resource_list(group: &str, version: &str, unserved: &HashSet<String>) -> Value {
    let resources: Vec<Value> = RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version && !unserved.contains(&r.name()))
        .map(|r| {
            json!({
                "name": r.plural,
                "singularName": r.singular,
                "namespaced": r.namespaced,
                "kind": r.kind,
                "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
            })
        })
        .collect();
    let group_version = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources})
}

/// A `Status` error body, as the API server writes it.
fn status(code: u16, reason: &str, message: &str, details: Option<Value>) -> (u16, Value) {
    let mut body = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    });
    if let Some(details) = details {
        body["details"] = details;
    }
    (code, body)
}

fn not_found(resource: &Resource, name: &str) -> (u16, Value) {
    status(
        404,
        "NotFound",
        &format!("{} \"{name}\" not found", resource.name()),
        Some(json!({"name": name, "group": resource.group, "kind": resource.plural})),
    )
}

fn not_found_path() -> (u16, Value) {
    status(
        404,
        "NotFound",
        "the server could not find the requested resource",
        Some(json!({})),
    )
}

fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                match text
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
