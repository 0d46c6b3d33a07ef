//! Why a cluster could not be read, in one line that says what to check.

use std::fmt;
use std::time::Duration;

/// A failure that stops a live run (exit code 2). A kind the user may not read is not one of
/// these: it degrades the run instead (see `fetch::Degraded`).
#[derive(Debug)]
pub enum LiveError {
    /// No kubeconfig, or one that cannot be used.
    Config(String),
    /// `--context`, `--cluster` or `--user` names an entry the kubeconfig does not have.
    NotInKubeconfig {
        flag: &'static str,
        name: String,
        /// The names the kubeconfig has for that kind of entry.
        known: Vec<String>,
    },
    /// The claims (which every command needs) may not be listed: nothing can be checked.
    Forbidden {
        server: String,
        /// Where the claims were listed: a namespace, or every namespace.
        namespace: Option<String>,
        /// The API server's message, which names the user it took the request for.
        message: String,
        /// Every resource the run was refused, to ask for all at once: the namespaced ones,
        /// then the cluster-scoped ones.
        refused: (Vec<String>, Vec<String>),
    },
    /// Nothing answered at the server's address.
    Unreachable { server: String, detail: String },
    /// The server refused the credentials (401).
    Unauthorized { server: String },
    /// The TLS handshake failed.
    Tls { server: String, detail: String },
    /// The credential plugin or token source failed.
    Credentials(String),
    /// A request took longer than --request-timeout.
    Timeout { server: String, timeout: Duration },
    /// The server answered a request with an error the run cannot go on without.
    Api {
        server: String,
        resource: String,
        code: u16,
        message: String,
    },
}

impl fmt::Display for LiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LiveError::Config(detail) => write!(
                f,
                "cannot read the kubeconfig: {detail}; check KUBECONFIG, --kubeconfig and --context"
            ),
            LiveError::NotInKubeconfig { flag, name, known } => {
                let entry = match *flag {
                    "--context" => "context",
                    "--cluster" => "cluster",
                    _ => "user",
                };
                let known = if known.is_empty() {
                    format!("it has no {entry}")
                } else {
                    format!("it has {}", known.join(", "))
                };
                write!(
                    f,
                    "{flag} {name:?}: the kubeconfig has no {entry} of that name ({known}); name one it has, or check KUBECONFIG and --kubeconfig"
                )
            }
            LiveError::Forbidden {
                server,
                namespace,
                message,
                refused: (namespaced, cluster_scoped),
            } => {
                let place = match namespace {
                    Some(ns) => format!("in namespace {ns}"),
                    None => "in every namespace (-A)".to_owned(),
                };
                let mut ask = format!(
                    "get and list on {} {place} (a {})",
                    namespaced.join(", "),
                    if namespace.is_some() { "Role and RoleBinding" } else { "ClusterRole and ClusterRoleBinding" }
                );
                if !cluster_scoped.is_empty() {
                    ask.push_str(&format!(
                        ", and on {} (a ClusterRole and ClusterRoleBinding)",
                        cluster_scoped.join(", ")
                    ));
                }
                // No credentials at all reach the server as this user.
                let anonymous = if message.contains("system:anonymous") {
                    " the request went without credentials: the kubeconfig's user has none (check --user and the context's user);"
                } else {
                    ""
                };
                write!(
                    f,
                    "cannot list persistentvolumeclaims {place} at {server}: forbidden ({message});{anonymous} nothing can be checked without them: ask for {ask}, or use the credentials of a user who has them"
                )
            }
            LiveError::Unreachable { server, detail } => write!(
                f,
                "cannot reach the cluster at {server}: {detail}; check that the cluster is running, the address in the kubeconfig, and the network or VPN"
            ),
            LiveError::Unauthorized { server } => write!(
                f,
                "the cluster at {server} rejected the credentials (401 Unauthorized); they may have expired: log in again or refresh the kubeconfig"
            ),
            LiveError::Tls { server, detail } => write!(
                f,
                "TLS connection to {server} failed: {detail}; check the certificate-authority data in the kubeconfig and the server address"
            ),
            LiveError::Credentials(detail) => write!(
                f,
                "cannot get credentials for the cluster: {detail}; check the user's exec plugin or token in the kubeconfig"
            ),
            LiveError::Timeout { server, timeout } => write!(
                f,
                "the cluster at {server} did not answer within {}; it may be overloaded or unreachable, or raise --request-timeout",
                format_duration(*timeout)
            ),
            LiveError::Api {
                server,
                resource,
                code,
                message,
            } => write!(
                f,
                "the cluster at {server} failed to list {resource} ({code}): {message}"
            ),
        }
    }
}

impl std::error::Error for LiveError {}

fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds >= 1.0 && seconds.fract() == 0.0 {
        format!("{}s", duration.as_secs())
    } else {
        format!("{}ms", duration.as_millis())
    }
}

impl LiveError {
    /// Classifies a client error that is not an API status: connection, TLS or credentials.
    pub(crate) fn from_transport(server: &str, error: &kube::Error) -> LiveError {
        if let kube::Error::Auth(auth) = error {
            return LiveError::Credentials(innermost(auth));
        }
        let detail = innermost(error);
        let chain = chain(error).to_lowercase();
        // rustls errors are not reachable as types through the client's boxed errors; their
        // messages are distinctive.
        const TLS_WORDS: &[&str] = &[
            "certificate",
            "tls",
            "handshake",
            "corrupt message",
            "fatal alert",
            "peer is incompatible",
            "peer misbehaved",
        ];
        if TLS_WORDS.iter().any(|word| chain.contains(word)) {
            return LiveError::Tls {
                server: server.to_owned(),
                detail,
            };
        }
        LiveError::Unreachable {
            server: server.to_owned(),
            detail,
        }
    }
}

/// Every message in an error's source chain.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

/// The deepest cause, which says what actually went wrong ("Connection refused").
fn innermost(error: &dyn std::error::Error) -> String {
    let mut last = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !text.is_empty() {
            last = text;
        }
        source = inner.source();
    }
    // The OS error number means nothing to the user.
    match last.find(" (os error") {
        Some(i) => last[..i].to_owned(),
        None => last,
    }
}
