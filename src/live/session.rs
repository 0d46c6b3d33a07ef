//! A connection kept for a command that reads and writes a few objects in turn (`expand`,
//! `fix --cluster`): synchronous calls, each on the session's own runtime, so the command reads
//! as the steps it takes.

use std::time::Duration;

use kube::api::{DeleteParams, Patch, PatchParams, PostParams, Preconditions, PropagationPolicy};
use serde_json::Value;

use super::connect::{self, Connection};
use super::fetch::{list_all, with_type, ListError};
use super::kinds::LiveKind;
use super::options::ClusterArgs;
use super::write::Refusal;
use super::LiveError;

pub struct Session {
    runtime: tokio::runtime::Runtime,
    connection: Connection,
}

/// Which object a call is about.
#[derive(Clone, Debug)]
pub struct Target<'a> {
    pub kind: &'a LiveKind,
    pub namespace: Option<&'a str>,
    pub name: &'a str,
}

/// How a delete goes: guarded by the uid and resourceVersion it was read at, and what happens
/// to the object's dependents.
#[derive(Clone, Debug, Default)]
pub struct DeleteOptions {
    pub uid: Option<String>,
    pub resource_version: Option<String>,
    /// Leave the dependents (a StatefulSet's pods and claims) in place.
    pub orphan: bool,
}

impl Session {
    pub fn open(args: &ClusterArgs) -> Result<Session, LiveError> {
        let runtime = super::runtime()?;
        let connection = runtime.block_on(connect::connect(args))?;
        Ok(Session {
            runtime,
            connection,
        })
    }

    pub fn server(&self) -> &str {
        &self.connection.server
    }

    /// `-n`, else the context's namespace.
    pub fn namespace(&self) -> &str {
        &self.connection.default_namespace
    }

    /// The object, or `None` when there is none.
    pub fn get(&self, target: &Target) -> Result<Option<Value>, LiveError> {
        let request = kube::core::Request::new(target.kind.list_path(target.namespace));
        let http = request
            .get(target.name, &Default::default())
            .map_err(|e| LiveError::Config(format!("cannot build the request: {e}")))?;
        match self.call(http)? {
            Ok(object) => Ok(Some(with_type(object, target.kind))),
            Err(status) if status.code == 404 => Ok(None),
            Err(status) => Err(self.api_error(target.kind, &status)),
        }
    }

    /// Every object of a kind in a namespace (or the cluster), optionally narrowed by a field
    /// selector, page by page.
    pub fn list(
        &self,
        kind: &LiveKind,
        namespace: Option<&str>,
        field_selector: Option<&str>,
    ) -> Result<Vec<Value>, LiveError> {
        let path = kind.list_path(namespace);
        let listed = self.runtime.block_on(async {
            list_all(
                &self.connection.client,
                path,
                field_selector,
                self.connection.timeout,
            )
            .await
        });
        match listed {
            Ok(items) => Ok(items.into_iter().map(|i| with_type(i, kind)).collect()),
            Err(ListError::Api(status)) => Err(self.api_error(kind, &status)),
            Err(ListError::Transport(error)) => {
                Err(LiveError::from_transport(self.server(), &error))
            }
            Err(ListError::Timeout(timeout)) => Err(LiveError::Timeout {
                server: self.server().to_owned(),
                timeout,
            }),
        }
    }

    /// A JSON merge patch; the object as the server left it, or why it refused.
    pub fn patch(
        &self,
        target: &Target,
        body: &Value,
        dry_run: bool,
    ) -> Result<Result<Value, Refusal>, LiveError> {
        let params = PatchParams {
            dry_run,
            ..PatchParams::default()
        };
        let http = kube::core::Request::new(target.kind.list_path(target.namespace))
            .patch(target.name, &params, &Patch::Merge(body))
            .map_err(|e| LiveError::Config(format!("cannot build the request: {e}")))?;
        self.write(http)
    }

    pub fn delete(
        &self,
        target: &Target,
        options: &DeleteOptions,
        dry_run: bool,
    ) -> Result<Result<(), Refusal>, LiveError> {
        let preconditions =
            (options.uid.is_some() || options.resource_version.is_some()).then(|| Preconditions {
                uid: options.uid.clone(),
                resource_version: options.resource_version.clone(),
            });
        let params = DeleteParams {
            dry_run,
            preconditions,
            propagation_policy: options.orphan.then_some(PropagationPolicy::Orphan),
            ..DeleteParams::default()
        };
        let http = kube::core::Request::new(target.kind.list_path(target.namespace))
            .delete(target.name, &params)
            .map_err(|e| LiveError::Config(format!("cannot build the request: {e}")))?;
        Ok(self.write(http)?.map(|_| ()))
    }

    pub fn create(
        &self,
        kind: &LiveKind,
        namespace: Option<&str>,
        body: &Value,
        dry_run: bool,
    ) -> Result<Result<Value, Refusal>, LiveError> {
        let params = PostParams {
            dry_run,
            ..PostParams::default()
        };
        let bytes = serde_json::to_vec(body)
            .map_err(|e| LiveError::Config(format!("cannot write the object: {e}")))?;
        let http = kube::core::Request::new(kind.list_path(namespace))
            .create(&params, bytes)
            .map_err(|e| LiveError::Config(format!("cannot build the request: {e}")))?;
        self.write(http)
    }

    /// Waits, keeping the connection's background work going.
    pub fn sleep(&self, duration: Duration) {
        // The timer must be made inside the runtime.
        self.runtime
            .block_on(async { tokio::time::sleep(duration).await });
    }

    /// A write's outcome: refusals are the caller's to report; errors that stop everything
    /// (credentials, the network) end the command.
    fn write(&self, http: http::Request<Vec<u8>>) -> Result<Result<Value, Refusal>, LiveError> {
        match self.call(http)? {
            Ok(object) => Ok(Ok(object)),
            Err(status) if status.code == 401 => Err(LiveError::Unauthorized {
                server: self.server().to_owned(),
            }),
            Err(status) if status.code == 409 => Ok(Err(Refusal::Conflict(status.message))),
            Err(status) => Ok(Err(Refusal::Refused {
                code: status.code,
                message: status.message,
            })),
        }
    }

    /// Sends a request; an API error comes back as its status.
    fn call(
        &self,
        http: http::Request<Vec<u8>>,
    ) -> Result<Result<Value, Box<kube::core::Status>>, LiveError> {
        let server = self.server();
        self.runtime.block_on(async {
            let call = self.connection.client.request::<Value>(http);
            let result = match self.connection.timeout {
                Some(limit) => {
                    tokio::time::timeout(limit, call)
                        .await
                        .map_err(|_| LiveError::Timeout {
                            server: server.to_owned(),
                            timeout: limit,
                        })?
                }
                None => call.await,
            };
            match result {
                Ok(object) => Ok(Ok(object)),
                Err(kube::Error::Api(status)) => Ok(Err(status)),
                Err(error) => Err(LiveError::from_transport(server, &error)),
            }
        })
    }

    fn api_error(&self, kind: &LiveKind, status: &kube::core::Status) -> LiveError {
        if status.code == 401 {
            return LiveError::Unauthorized {
                server: self.server().to_owned(),
            };
        }
        LiveError::Api {
            server: self.server().to_owned(),
            resource: kind.resource(),
            code: status.code,
            message: status.message.clone(),
        }
    }
}
