//! Writes to a cluster: merge patches of objects, each guarded by the resourceVersion in its
//! body, sent as a server-side dry run first (`dryRun=All`: the server validates and admits the
//! change, then discards it) and for real only after.

use kube::api::{Patch, PatchParams};
use serde_json::Value;

use super::connect;
use super::kinds::live_kind;
use super::options::ClusterArgs;
use super::LiveError;

/// A merge patch of one object.
#[derive(Clone, Debug)]
pub struct PatchRequest {
    pub kind: &'static str,
    pub namespace: Option<String>,
    pub name: String,
    pub body: Value,
}

/// Why the server did not take a patch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The object changed since it was read (409).
    Conflict(String),
    /// Anything else the server said (403, 422 for an immutable field, …).
    Refused { code: u16, message: String },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Conflict(message) => write!(
                f,
                "it changed since it was read ({message}); nothing was written: run the command again"
            ),
            Refusal::Refused { code, message } => write!(f, "the server refused it ({code}): {message}"),
        }
    }
}

/// Sends the patches one by one, as a dry run or for real; the outcome of each. Errors that
/// stop everything (unreachable cluster, credentials) end the run.
pub fn patch_all(
    args: &ClusterArgs,
    patches: &[PatchRequest],
    dry_run: bool,
) -> Result<Vec<Result<(), Refusal>>, LiveError> {
    super::runtime()?.block_on(async {
        let connection = connect::connect(args).await?;
        let mut outcomes = Vec::with_capacity(patches.len());
        for patch in patches {
            let Some(kind) = live_kind(patch.kind) else {
                outcomes.push(Err(Refusal::Refused {
                    code: 0,
                    message: format!("{} objects are not written by this tool", patch.kind),
                }));
                continue;
            };
            let params = PatchParams {
                dry_run,
                ..PatchParams::default()
            };
            let request = kube::core::Request::new(kind.list_path(patch.namespace.as_deref()))
                .patch(&patch.name, &params, &Patch::Merge(&patch.body))
                .map_err(|e| LiveError::Config(format!("cannot build the request: {e}")))?;
            let call = connection.client.request::<Value>(request);
            let result = match connection.timeout {
                Some(limit) => match tokio::time::timeout(limit, call).await {
                    Ok(result) => result,
                    Err(_) => {
                        return Err(LiveError::Timeout {
                            server: connection.server.clone(),
                            timeout: limit,
                        })
                    }
                },
                None => call.await,
            };
            outcomes.push(match result {
                Ok(_) => Ok(()),
                Err(kube::Error::Api(status)) if status.code == 409 => {
                    Err(Refusal::Conflict(status.message))
                }
                Err(kube::Error::Api(status)) if status.code == 401 => {
                    return Err(LiveError::Unauthorized {
                        server: connection.server.clone(),
                    })
                }
                Err(kube::Error::Api(status)) => Err(Refusal::Refused {
                    code: status.code,
                    message: status.message,
                }),
                Err(error) => return Err(LiveError::from_transport(&connection.server, &error)),
            });
        }
        Ok(outcomes)
    })
}
