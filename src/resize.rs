//! Where a claim's resize stands, read from its status and events: one reading for the
//! expansion rules of a plan and for `expand` following a resize it asked for.

use crate::evidence::{Event, Evidence};
use crate::model::{Claim, ClaimCondition, Quantity};

/// `status.allocatedResourceStatuses` values after which the resizer gives up.
const INFEASIBLE: &[&str] = &["ControllerResizeInfeasible", "NodeResizeInfeasible"];
const FAILED_EVENTS: &[&str] = &["VolumeResizeFailed", "FileSystemResizeFailed"];
const DONE_EVENTS: &[&str] = &["VolumeResizeSuccessful", "FileSystemResizeSuccessful"];

/// A claim asking for more than it has, and how far it got.
#[derive(Debug)]
pub struct Resize<'a> {
    pub request: &'a Quantity,
    pub capacity: &'a Quantity,
    pub stage: Stage<'a>,
}

#[derive(Debug)]
pub enum Stage<'a> {
    /// The resizer gave up (`…Infeasible`): it will not retry this size.
    Infeasible {
        status: &'a str,
        last_failure: Option<&'a Event>,
    },
    /// The last attempt failed (`ControllerResizeError`, `NodeResizeError`); it is retried.
    Error(&'a ClaimCondition),
    /// The newest resize event is a failure.
    FailedEvent(&'a Event),
    /// The volume was resized; its file system waits for the kubelet, which grows it when a
    /// pod mounts the volume (again).
    WaitsForNode(Option<&'a ClaimCondition>),
    /// kube-controller-manager handed the resize to an external resizer (event
    /// `ExternalExpanding`) and nothing shows one took it up: the CSI driver's external-resizer
    /// sidecar may not be deployed.
    WaitsForExternalResizer(&'a Event),
    /// The backend (`on_node: false`) or the kubelet is resizing.
    InProgress { on_node: bool },
    /// Nothing shows that a resizer took the request up.
    NotStarted,
}

impl Stage<'_> {
    /// A failure, final or retried.
    pub fn failed(&self) -> bool {
        matches!(
            self,
            Stage::Infeasible { .. } | Stage::Error(_) | Stage::FailedEvent(_)
        )
    }
}

/// The resize of a claim that asks for more than its `status.capacity`; `None` when it asks
/// for no more (or either size is unknown).
pub fn of<'a>(claim: &'a Claim, evidence: &'a Evidence) -> Option<Resize<'a>> {
    let (Some(Ok(request)), Some(Ok(capacity))) = (&claim.request, &claim.status_capacity) else {
        return None;
    };
    if request <= capacity {
        return None;
    }
    Some(Resize {
        request,
        capacity,
        stage: stage(claim, evidence),
    })
}

fn stage<'a>(claim: &'a Claim, evidence: &'a Evidence) -> Stage<'a> {
    let status = claim.status.storage_resize();
    let key = claim.key();
    let last_failure = evidence
        .latest(&key, &[FAILED_EVENTS, DONE_EVENTS].concat())
        .filter(|e| FAILED_EVENTS.contains(&e.reason.as_str()));
    if let Some(status) = status.filter(|s| INFEASIBLE.contains(s)) {
        return Stage::Infeasible {
            status,
            last_failure,
        };
    }
    let error = claim
        .status
        .condition("ControllerResizeError")
        .or_else(|| claim.status.condition("NodeResizeError"));
    if let Some(condition) = error {
        return Stage::Error(condition);
    }
    if let Some(event) = last_failure {
        return Stage::FailedEvent(event);
    }
    let fs_pending = claim.status.condition("FileSystemResizePending");
    if fs_pending.is_some() || status == Some("NodeResizePending") {
        return Stage::WaitsForNode(fs_pending);
    }
    // kube-controller-manager's expand controller (upstream pkg/controller/volume/expand
    // `syncHandler`) only says it waits for an external controller; the
    // external-resizer then marks the claim (condition Resizing, allocatedResourceStatuses)
    // and emits its own events. The first alone is no sign that anything resizes.
    let taken_up = claim.status.condition("Resizing").is_some()
        || status.is_some()
        || evidence
            .latest(&key, &[&["Resizing"], FAILED_EVENTS, DONE_EVENTS].concat())
            .is_some();
    if !taken_up {
        if let Some(handed) = evidence.latest(&key, &["ExternalExpanding"]) {
            return Stage::WaitsForExternalResizer(handed);
        }
    }
    let in_progress = claim.status.condition("Resizing").is_some()
        || matches!(
            status,
            Some("ControllerResizeInProgress" | "NodeResizeInProgress")
        )
        || evidence
            .latest(&key, &["ExternalExpanding", "Resizing"])
            .is_some();
    if in_progress {
        Stage::InProgress {
            on_node: status == Some("NodeResizeInProgress"),
        }
    } else {
        Stage::NotStarted
    }
}
