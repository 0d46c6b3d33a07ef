//! A real Kubernetes control plane for the end-to-end tests: etcd, kube-apiserver,
//! kube-controller-manager and kube-scheduler of a pinned upstream release, built from Go
//! modules (`binaries`), started once per test binary on free loopback ports in a temporary
//! folder, with certificates made on the fly, RBAC on and the default admission plugins.
//!
//! There is no kubelet: nodes are Node objects the tests create (Ready, with allocatable
//! resources, the not-ready taint removed), and the controller manager runs without the node
//! lifecycle controller, so pods are scheduled onto them but never run. Every process is
//! stopped by its PID when the test binary exits, and dies with it if it is killed.

pub mod binaries;
mod certs;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{json, Value};

pub struct ControlPlane {
    pub dir: PathBuf,
    pub url: String,
    authority: certs::Authority,
    runtime: tokio::runtime::Runtime,
    client: kube::Client,
    /// Tests that create cluster-scoped storage objects (classes, volumes, nodes) take this, so
    /// that one test's volumes are never candidates for another's claims.
    pub cluster_scope: Mutex<()>,
}

static PIDS: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// The control plane's folder, removed at exit unless `KUBECTL_STORAGE_KEEP_CONTROL_PLANE` is
/// set (to read its logs after a failure).
static FOLDER: Mutex<Option<PathBuf>> = Mutex::new(None);

/// The control plane of this test binary, started on first use; `None` when it cannot be had
/// here (no Go) outside CI, after a one-line notice. Under CI (`CI=true`) that is a failure.
pub fn control_plane(test: &str) -> Option<&'static ControlPlane> {
    static PLANE: OnceLock<Result<ControlPlane, String>> = OnceLock::new();
    match PLANE.get_or_init(start) {
        Ok(plane) => Some(plane),
        Err(why) => unavailable(test, why),
    }
}

/// One of the built programs (`binaries::PROGRAMS`), built first if need be; `None` as for
/// `control_plane`.
pub fn program(test: &str, name: &str) -> Option<PathBuf> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match BUILT.get_or_init(binaries::ensure) {
        Ok(dir) => Some(dir.join(name)),
        Err(why) => unavailable(test, why),
    }
}

fn unavailable<T>(test: &str, why: &str) -> Option<T> {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{test}: the real control plane is needed under CI: {why}")
    }
    // Straight to standard error: the test harness captures eprintln!.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "skipped {test}: no real control plane ({why})"
    );
    None
}

fn start() -> Result<ControlPlane, String> {
    let binaries = binaries::ensure()?;
    // Processes are started from a thread that lives as long as the test binary, because the
    // parent-death signal that stops them if the binary is killed follows the starting thread.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("control-plane".into())
        .spawn(move || {
            tx.send(launch(&binaries)).unwrap();
            loop {
                std::thread::park();
            }
        })
        .unwrap();
    let (dir, url, authority) = rx.recv().map_err(|e| e.to_string())??;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = runtime
        .block_on(client_for(&dir.join("admin.kubeconfig")))
        .map_err(|e| format!("admin client: {e}"))?;
    let plane = ControlPlane {
        dir,
        url,
        authority,
        runtime,
        client,
        cluster_scope: Mutex::new(()),
    };
    plane.wait_ready()?;
    Ok(plane)
}

/// Starts the four programs; the folder, the API server's URL and the CA.
fn launch(binaries: &Path) -> Result<(PathBuf, String, certs::Authority), String> {
    let dir = tempfile::Builder::new()
        .prefix("kubectl-storage-control-plane-")
        .tempdir()
        .map_err(|e| e.to_string())?
        .keep();
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    };
    let authority = certs::Authority::new();
    let ca = write("ca.crt", &authority.ca_pem);
    let server = authority.server();
    let server_cert = write("apiserver.crt", &server.cert);
    let server_key = write("apiserver.key", &server.key);
    let service_account = certs::service_account_key();
    let sa_key = write("service-account.key", &service_account.key);
    let sa_public = write("service-account.pub", &service_account.cert);
    let [etcd_client, etcd_peer, api_port] = free_ports();
    let url = format!("https://127.0.0.1:{api_port}");
    let admin = authority.client("admin", Some("system:masters"));
    write("admin.crt", &admin.cert);
    write("admin.key", &admin.key);
    write("admin.kubeconfig", &kubeconfig(&dir, &url, "admin", None));
    let admin_kubeconfig = dir.join("admin.kubeconfig").to_string_lossy().into_owned();

    *FOLDER.lock().unwrap() = Some(dir.clone());
    unsafe_register_cleanup();
    spawn(
        &dir,
        binaries.join("etcd"),
        &[
            "--name=e2e".into(),
            format!("--data-dir={}", dir.join("etcd").display()),
            format!("--listen-client-urls=http://127.0.0.1:{etcd_client}"),
            format!("--advertise-client-urls=http://127.0.0.1:{etcd_client}"),
            format!("--listen-peer-urls=http://127.0.0.1:{etcd_peer}"),
            format!("--initial-advertise-peer-urls=http://127.0.0.1:{etcd_peer}"),
            format!("--initial-cluster=e2e=http://127.0.0.1:{etcd_peer}"),
            "--unsafe-no-fsync".into(),
            "--log-level=warn".into(),
        ],
    )?;
    spawn(
        &dir,
        binaries.join("kube-apiserver"),
        &[
            format!("--etcd-servers=http://127.0.0.1:{etcd_client}"),
            "--bind-address=127.0.0.1".into(),
            "--advertise-address=127.0.0.1".into(),
            format!("--secure-port={api_port}"),
            format!("--tls-cert-file={server_cert}"),
            format!("--tls-private-key-file={server_key}"),
            format!("--client-ca-file={ca}"),
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local".into(),
            format!("--service-account-key-file={sa_public}"),
            format!("--service-account-signing-key-file={sa_key}"),
            "--service-cluster-ip-range=10.96.0.0/16".into(),
            "--authorization-mode=Node,RBAC".into(),
            "--allow-privileged=true".into(),
            "--enable-priority-and-fairness=false".into(),
            "--profiling=false".into(),
        ],
    )?;
    spawn(
        &dir,
        binaries.join("kube-controller-manager"),
        &[
            format!("--kubeconfig={admin_kubeconfig}"),
            "--leader-elect=false".into(),
            "--secure-port=0".into(),
            // No kubelet reports on the nodes: the node lifecycle controller would taint them
            // all unreachable and evict every pod.
            "--controllers=*,-node-lifecycle-controller".into(),
            format!("--service-account-private-key-file={sa_key}"),
            format!("--root-ca-file={ca}"),
            "--use-service-account-credentials=false".into(),
            // The PV controller is level-triggered: a shorter resync only settles sooner.
            "--pvclaimbinder-sync-period=1s".into(),
            "--profiling=false".into(),
        ],
    )?;
    spawn(
        &dir,
        binaries.join("kube-scheduler"),
        &[
            format!("--kubeconfig={admin_kubeconfig}"),
            "--leader-elect=false".into(),
            "--secure-port=0".into(),
            "--profiling=false".into(),
        ],
    )?;
    Ok((dir, url, authority))
}

/// Three ports free on the loopback interface now (held together, so that they differ).
fn free_ports() -> [u16; 3] {
    let listeners: Vec<_> = (0..3)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    [0, 1, 2].map(|i| listeners[i].local_addr().unwrap().port())
}

fn spawn(dir: &Path, program: PathBuf, args: &[String]) -> Result<Child, String> {
    use std::os::unix::process::CommandExt;
    let name = program.file_name().unwrap().to_string_lossy().into_owned();
    let log = std::fs::File::create(dir.join(format!("{name}.log"))).unwrap();
    let mut command = Command::new(&program);
    command
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    // SAFETY: prctl is async-signal-safe; it asks the kernel to kill the child when the
    // thread that started it (which lives as long as the test binary) is gone.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let child = command
        .spawn()
        .map_err(|e| format!("{}: {e}", program.display()))?;
    PIDS.lock().unwrap().push(child.id());
    Ok(child)
}

/// Stops every process started here when the test binary exits, last started first.
fn unsafe_register_cleanup() {
    static REGISTERED: OnceLock<()> = OnceLock::new();
    REGISTERED.get_or_init(|| {
        extern "C" fn stop_all() {
            let pids = PIDS.lock().map(|p| p.clone()).unwrap_or_default();
            for pid in pids.iter().rev() {
                // SAFETY: plain syscalls on PIDs of our own children.
                unsafe {
                    libc::kill(*pid as i32, libc::SIGTERM);
                }
            }
            let deadline = Instant::now() + Duration::from_secs(5);
            for pid in pids.iter().rev() {
                loop {
                    let mut status = 0;
                    // SAFETY: as above.
                    let done = unsafe { libc::waitpid(*pid as i32, &mut status, libc::WNOHANG) };
                    if done != 0 {
                        break;
                    }
                    if Instant::now() > deadline {
                        unsafe {
                            libc::kill(*pid as i32, libc::SIGKILL);
                        }
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
            if std::env::var_os("KUBECTL_STORAGE_KEEP_CONTROL_PLANE").is_none() {
                if let Some(dir) = FOLDER.lock().ok().and_then(|mut d| d.take()) {
                    let _ = std::fs::remove_dir_all(dir);
                }
            }
        }
        // SAFETY: registers a plain function to run at exit.
        unsafe {
            libc::atexit(stop_all);
        }
    });
}

/// A kubeconfig naming the CA and a user's certificate and key by their files in `dir`.
fn kubeconfig(dir: &Path, url: &str, user: &str, namespace: Option<&str>) -> String {
    let context_namespace = namespace
        .map(|ns| format!("\n    namespace: {ns}"))
        .unwrap_or_default();
    let dir = dir.display();
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: {url}
    certificate-authority: {dir}/ca.crt
users:
- name: {user}
  user:
    client-certificate: {dir}/{user}.crt
    client-key: {dir}/{user}.key
contexts:
- name: e2e
  context:
    cluster: e2e
    user: {user}{context_namespace}
current-context: e2e
"
    )
}

async fn client_for(kubeconfig: &Path) -> Result<kube::Client, kube::Error> {
    let kubeconfig = kube::config::Kubeconfig::read_from(kubeconfig).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    kube::Client::try_from(config)
}

/// The kinds the tests create: resource name, and whether namespaced.
fn resource(api_version: &str, kind: &str) -> (ApiResource, bool) {
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let lower = kind.to_ascii_lowercase();
    let plural = if lower.ends_with('s') {
        format!("{lower}es")
    } else {
        format!("{lower}s")
    };
    let cluster_scoped = matches!(
        kind,
        "StorageClass"
            | "PersistentVolume"
            | "Node"
            | "Namespace"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "CSIDriver"
            | "CSINode"
            | "VolumeAttachment"
            | "VolumeAttributesClass"
    );
    let gvk = GroupVersionKind::gvk(group, version, kind);
    (
        ApiResource::from_gvk_with_plural(&gvk, &plural),
        !cluster_scoped,
    )
}

/// The API server's verdict on a dry-run create or apply (`ControlPlane::dry_run_create`,
/// `ControlPlane::dry_run_apply`).
#[derive(Clone, Debug)]
pub enum DryRun {
    Accepted,
    Refused {
        code: u16,
        reason: String,
        message: String,
        /// The fields the refusal names (422 Invalid lists one per problem; 400 none).
        causes: Vec<Cause>,
    },
    /// The apiVersion/kind is not served (404), or not a kind `collection_path` knows.
    NotServed,
}

#[derive(Clone, Debug)]
pub struct Cause {
    pub field: String,
    pub message: String,
}

/// The kinds `dry_run_create` sends: resource name, and whether namespaced.
const DRY_RUN_KINDS: &[(&str, &str, bool)] = &[
    ("PersistentVolume", "persistentvolumes", false),
    ("PersistentVolumeClaim", "persistentvolumeclaims", true),
    ("Pod", "pods", true),
    ("StorageClass", "storageclasses", false),
    ("VolumeAttachment", "volumeattachments", false),
    ("CSIDriver", "csidrivers", false),
    ("CSINode", "csinodes", false),
    ("VolumeAttributesClass", "volumeattributesclasses", false),
    ("StatefulSet", "statefulsets", true),
    ("Deployment", "deployments", true),
    ("DaemonSet", "daemonsets", true),
    ("ReplicaSet", "replicasets", true),
    ("Job", "jobs", true),
    ("CronJob", "cronjobs", true),
];

/// Whether `dry_run_create` knows a kind, and if so whether it is namespaced.
pub fn dry_run_kind(kind: &str) -> Option<bool> {
    DRY_RUN_KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|(_, _, namespaced)| *namespaced)
}

/// Where an object of its apiVersion and kind is created: `/api/v1/...` for the core group,
/// `/apis/<group>/<version>/...` otherwise, under `namespaces/<ns>/` when namespaced.
fn collection_path(object: &Value) -> Option<String> {
    let api_version = object["apiVersion"].as_str()?;
    let kind = object["kind"].as_str()?;
    let (_, plural, namespaced) = DRY_RUN_KINDS.iter().find(|(k, _, _)| *k == kind)?;
    let root = if api_version.contains('/') {
        format!("/apis/{api_version}")
    } else {
        format!("/api/{api_version}")
    };
    Some(if *namespaced {
        let namespace = object["metadata"]["namespace"]
            .as_str()
            .unwrap_or("default");
        format!("{root}/namespaces/{namespace}/{plural}")
    } else {
        format!("{root}/{plural}")
    })
}

/// Where one object lives: its collection's path and its name.
fn object_path(object: &Value) -> Option<String> {
    let name = object["metadata"]["name"].as_str()?;
    Some(format!("{}/{name}", collection_path(object)?))
}

/// What the API server answered to a dry run, as a verdict.
fn verdict(answer: Result<String, kube::Error>, what: &str) -> DryRun {
    match answer {
        Ok(_) => DryRun::Accepted,
        // The name is taken, so validation passed.
        Err(kube::Error::Api(status)) if status.code == 409 && status.reason == "AlreadyExists" => {
            DryRun::Accepted
        }
        Err(kube::Error::Api(status)) if status.code == 404 && status.reason == "NotFound" => {
            DryRun::NotServed
        }
        Err(kube::Error::Api(status)) => DryRun::Refused {
            code: status.code,
            reason: status.reason.clone(),
            message: status.message.clone(),
            causes: status
                .details
                .iter()
                .flat_map(|d| &d.causes)
                .map(|c| Cause {
                    field: c.field.clone(),
                    message: c.message.clone(),
                })
                .collect(),
        },
        Err(e) => panic!("{what}: {e}"),
    }
}

impl ControlPlane {
    fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    fn api(&self, api_version: &str, kind: &str, namespace: Option<&str>) -> Api<DynamicObject> {
        let (resource, namespaced) = resource(api_version, kind);
        match (namespaced, namespace) {
            (true, Some(ns)) => Api::namespaced_with(self.client.clone(), ns, &resource),
            // Every namespace: what a list of a namespaced kind without one means.
            (true, None) | (false, _) => Api::all_with(self.client.clone(), &resource),
        }
    }

    fn wait_ready(&self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut last;
        loop {
            let ready = self.block_on(async {
                let request = http::Request::get("/readyz").body(Vec::new()).unwrap();
                self.client.request_text(request).await
            });
            match ready {
                Ok(_) => break,
                Err(e) => last = e.to_string(),
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "the API server did not become ready in 120 s ({last}); logs in {} (kept with KUBECTL_STORAGE_KEEP_CONTROL_PLANE=1)",
                    self.dir.display()
                ));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        // The controller manager is up once its service-account controller has made one.
        self.wait_for(Duration::from_secs(120), "the controller manager", || {
            self.get("v1", "ServiceAccount", Some("default"), "default")
                .map(|_| ())
        })
    }

    /// Takes `cluster_scope`, also after another test failed holding it.
    pub fn lock_cluster_scope(&self) -> std::sync::MutexGuard<'_, ()> {
        self.cluster_scope
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Polls `check` until it gives `Some`, or panics after `timeout` naming `what`.
    pub fn wait_for<T>(
        &self,
        timeout: Duration,
        what: &str,
        mut check: impl FnMut() -> Option<T>,
    ) -> Result<T, String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(value) = check() {
                return Ok(value);
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "waited {timeout:?} for {what}; control plane logs in {} (kept with KUBECTL_STORAGE_KEEP_CONTROL_PLANE=1)",
                    self.dir.display()
                ));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// A kubeconfig for a user with a client certificate (and one group), whose context's
    /// namespace is `namespace`.
    pub fn kubeconfig(&self, user: &str, group: Option<&str>, namespace: Option<&str>) -> PathBuf {
        let pair = self.authority.client(user, group);
        std::fs::write(self.dir.join(format!("{user}.crt")), pair.cert).unwrap();
        std::fs::write(self.dir.join(format!("{user}.key")), pair.key).unwrap();
        let path = self
            .dir
            .join(format!("{user}-{}.kubeconfig", namespace.unwrap_or("all")));
        std::fs::write(&path, kubeconfig(&self.dir, &self.url, user, namespace)).unwrap();
        path
    }

    /// The administrator's kubeconfig (group system:masters).
    pub fn admin_kubeconfig(&self) -> PathBuf {
        self.dir.join("admin.kubeconfig")
    }

    /// Creates or updates every object, as `kubectl apply --server-side --force-conflicts`.
    pub fn apply(&self, objects: &[Value]) {
        for object in objects {
            let api_version = object["apiVersion"].as_str().unwrap();
            let kind = object["kind"].as_str().unwrap();
            let name = object["metadata"]["name"].as_str().unwrap();
            let namespace = object["metadata"]["namespace"].as_str();
            let api = self.api(api_version, kind, namespace);
            let params = PatchParams::apply("kubectl-storage-e2e").force();
            self.block_on(api.patch(name, &params, &Patch::Apply(object)))
                .unwrap_or_else(|e| panic!("apply {kind}/{name}: {e}"));
        }
    }

    /// POSTs a JSON body to an API path as is (no typed object in between, so that a field of
    /// the wrong type reaches the server), with the API server's refusal as the error.
    pub fn post_raw(&self, path: &str, body: &Value) -> Result<(), String> {
        let request = http::Request::post(path)
            .header("Content-Type", "application/json")
            .body(serde_json::to_vec(body).unwrap())
            .unwrap();
        self.block_on(self.client.request_text(request))
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Creates an object with `dryRun=All` and strict field validation, as `kubectl apply`
    /// creates one (nothing is stored): the API server's verdict on it. The collection path
    /// comes from the object's own apiVersion and kind (`collection_path`), its namespace
    /// from `metadata.namespace`.
    pub fn dry_run_create(&self, object: &Value) -> DryRun {
        let Some(path) = collection_path(object) else {
            return DryRun::NotServed;
        };
        let request = http::Request::post(format!("{path}?dryRun=All&fieldValidation=Strict"))
            .header("Content-Type", "application/json")
            .body(serde_json::to_vec(object).unwrap())
            .unwrap();
        verdict(
            self.block_on(self.client.request_text(request)),
            &format!("dry-run create at {path}"),
        )
    }

    /// Server-side applies a manifest with `dryRun=All`, as `kubectl apply --server-side
    /// --force-conflicts` does (field manager `kubectl`, strict field validation; nothing is
    /// stored): the API server's verdict on the update it makes of the live object. Fields the
    /// manifest leaves out stay as they are when another manager owns them.
    pub fn dry_run_apply(&self, manifest: &Value) -> DryRun {
        let Some(path) = object_path(manifest) else {
            return DryRun::NotServed;
        };
        let request = http::Request::patch(format!(
            "{path}?dryRun=All&fieldManager=kubectl&force=true&fieldValidation=Strict"
        ))
        .header("Content-Type", "application/apply-patch+yaml")
        // JSON is YAML.
        .body(serde_json::to_vec(manifest).unwrap())
        .unwrap();
        verdict(
            self.block_on(self.client.request_text(request)),
            &format!("dry-run apply at {path}"),
        )
    }

    /// Creates an object for real under the field manager `manager`: the fields it sets are
    /// that manager's, as after a `kubectl create` (manager `kubectl-create`). The stored
    /// object, or the API server's refusal.
    pub fn create_as(&self, object: &Value, manager: &str) -> Result<Value, String> {
        let path = collection_path(object).ok_or("not a kind the tests create")?;
        let request = http::Request::post(format!("{path}?fieldManager={manager}"))
            .header("Content-Type", "application/json")
            .body(serde_json::to_vec(object).unwrap())
            .unwrap();
        let created = self
            .block_on(self.client.request_text(request))
            .map_err(|e| e.to_string())?;
        serde_json::from_str(&created).map_err(|e| e.to_string())
    }

    /// Merge-patches (RFC 7386) a stored object for real under the field manager `manager`.
    pub fn merge_patch_as(
        &self,
        object: &Value,
        patch: &Value,
        manager: &str,
    ) -> Result<(), String> {
        let path = object_path(object).ok_or("not a kind the tests create")?;
        let request = http::Request::patch(format!("{path}?fieldManager={manager}"))
            .header("Content-Type", "application/merge-patch+json")
            .body(serde_json::to_vec(patch).unwrap())
            .unwrap();
        self.block_on(self.client.request_text(request))
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Applies a YAML text of one or more documents.
    pub fn apply_yaml(&self, text: &str) {
        let objects: Vec<Value> = serde_saphyr::from_multiple(text).unwrap();
        self.apply(&objects);
    }

    pub fn get(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<Value> {
        let api = self.api(api_version, kind, namespace);
        self.block_on(api.get_opt(name))
            .unwrap_or_else(|e| panic!("get {kind}/{name}: {e}"))
            .map(|o| serde_json::to_value(o).unwrap())
    }

    pub fn list(&self, api_version: &str, kind: &str, namespace: Option<&str>) -> Vec<Value> {
        let api = self.api(api_version, kind, namespace);
        self.block_on(api.list(&ListParams::default()))
            .unwrap_or_else(|e| panic!("list {kind}: {e}"))
            .items
            .into_iter()
            .map(|o| {
                // List items come without apiVersion and kind; a dump of them needs both.
                let mut item = serde_json::to_value(o).unwrap();
                item["apiVersion"] = json!(api_version);
                item["kind"] = json!(kind);
                item
            })
            .collect()
    }

    /// Deletes an object at once (grace period 0, as for pods no kubelet runs); gone or not.
    pub fn delete(&self, api_version: &str, kind: &str, namespace: Option<&str>, name: &str) {
        let api = self.api(api_version, kind, namespace);
        let params = DeleteParams {
            grace_period_seconds: Some(0),
            ..DeleteParams::background()
        };
        match self.block_on(api.delete(name, &params)) {
            Ok(_) => {}
            Err(kube::Error::Api(status)) if status.code == 404 => {}
            Err(e) => panic!("delete {kind}/{name}: {e}"),
        }
    }

    /// Removes finalizers an object still has, so that a deletion completes.
    pub fn drop_finalizers(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) {
        let api = self.api(api_version, kind, namespace);
        let patch = json!({"metadata": {"finalizers": null}});
        match self.block_on(api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))) {
            Ok(_) => {}
            Err(kube::Error::Api(status)) if status.code == 404 => {}
            Err(e) => panic!("finalizers of {kind}/{name}: {e}"),
        }
    }

    /// A namespace whose default service account exists, so that pods can be created in it.
    pub fn namespace(&self, name: &str) {
        self.apply(&[json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})]);
        self.wait_for(
            Duration::from_secs(60),
            "the default service account",
            || self.get("v1", "ServiceAccount", Some(name), "default"),
        )
        .unwrap();
    }

    /// A node as a kubelet would register it: Ready, with room for pods, labelled with its
    /// hostname and zone, and without the not-ready taint admission put on it.
    pub fn node(&self, name: &str, zone: &str) {
        self.apply(&[json!({
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": name,
                "labels": {
                    "kubernetes.io/hostname": name,
                    "kubernetes.io/os": "linux",
                    "topology.kubernetes.io/zone": zone,
                },
            },
        })]);
        let api = self.api("v1", "Node", None);
        let status = json!({"status": {
            "capacity": {"cpu": "8", "memory": "32Gi", "pods": "110"},
            "allocatable": {"cpu": "8", "memory": "32Gi", "pods": "110"},
            "conditions": [{
                "type": "Ready",
                "status": "True",
                "reason": "KubeletReady",
                "message": "kubelet is posting ready status",
                "lastHeartbeatTime": "2026-01-01T00:00:00Z",
                "lastTransitionTime": "2026-01-01T00:00:00Z",
            }],
        }});
        self.block_on(api.patch_status(name, &PatchParams::default(), &Patch::Merge(&status)))
            .unwrap_or_else(|e| panic!("status of node {name}: {e}"));
        let untaint = json!({"spec": {"taints": null}});
        self.block_on(api.patch(name, &PatchParams::default(), &Patch::Merge(&untaint)))
            .unwrap_or_else(|e| panic!("taints of node {name}: {e}"));
    }
}
