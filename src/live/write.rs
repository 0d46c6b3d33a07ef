//! Writes to a cluster: merge patches and deletes of objects, each guarded by the
//! resourceVersion they were read at, sent as a server-side dry run first (`dryRun=All`: the server validates and admits the
//! change, then discards it) and for real only after.

use serde_json::Value;

use super::kinds::live_kind;
use super::session::{DeleteOptions, Session, Target};
use super::LiveError;

/// A change of one object.
#[derive(Clone, Debug)]
pub struct WriteRequest {
    pub kind: &'static str,
    pub namespace: Option<String>,
    pub name: String,
    pub operation: Operation,
}

#[derive(Clone, Debug)]
pub enum Operation {
    /// A JSON merge patch (carrying the resourceVersion it is guarded by).
    Patch(Value),
    /// A delete, guarded by the uid and resourceVersion.
    Delete(DeleteOptions),
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

/// Sends the writes one by one, as a dry run or for real; the outcome of each. Errors that
/// stop everything (unreachable cluster, credentials) end the run.
pub fn write_all(
    session: &Session,
    writes: &[WriteRequest],
    dry_run: bool,
) -> Result<Vec<Result<(), Refusal>>, LiveError> {
    writes
        .iter()
        .map(|write| {
            let Some(kind) = live_kind(write.kind) else {
                return Ok(Err(Refusal::Refused {
                    code: 0,
                    message: format!("{} objects are not written by this tool", write.kind),
                }));
            };
            let target = Target {
                kind,
                namespace: write.namespace.as_deref(),
                name: &write.name,
            };
            Ok(match &write.operation {
                Operation::Patch(body) => session.patch(&target, body, dry_run)?.map(|_| ()),
                Operation::Delete(options) => session.delete(&target, options, dry_run)?,
            })
        })
        .collect()
}
