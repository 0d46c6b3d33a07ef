//! Writes to a cluster: merge patches of objects, each guarded by the resourceVersion in its
//! body, sent as a server-side dry run first (`dryRun=All`: the server validates and admits the
//! change, then discards it) and for real only after.

use serde_json::Value;

use super::kinds::live_kind;
use super::session::{Session, Target};
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
    session: &Session,
    patches: &[PatchRequest],
    dry_run: bool,
) -> Result<Vec<Result<(), Refusal>>, LiveError> {
    patches
        .iter()
        .map(|patch| {
            let Some(kind) = live_kind(patch.kind) else {
                return Ok(Err(Refusal::Refused {
                    code: 0,
                    message: format!("{} objects are not written by this tool", patch.kind),
                }));
            };
            let target = Target {
                kind,
                namespace: patch.namespace.as_deref(),
                name: &patch.name,
            };
            Ok(session.patch(&target, &patch.body, dry_run)?.map(|_| ()))
        })
        .collect()
}
