//! Diagnoses from what the cluster says about itself (events, attachments, installed CSI
//! drivers, claim status): why a claim that should provision does not, why a pod does not
//! start, which node has no attach slot left, where a resize is stuck. Those that need events,
//! attachments or drivers run only with evidence: read live, or objects of those kinds given
//! in the input.

pub mod attachment;
pub mod mounting;
pub mod provisioning;
pub mod resize;
pub mod volume_limits;

use crate::evidence::Event;
use crate::findings::Pointer;

/// An event quoted as evidence: `"message" (Reason, 12 times)`.
pub(crate) fn quote(event: &Event) -> String {
    let times = if event.count > 1 {
        format!(", {} times", event.count)
    } else {
        String::new()
    };
    format!("\"{}\" ({}{times})", event.message.trim(), event.reason)
}

/// Where an event is written: its message.
pub(crate) fn at_event(event: &Event) -> Option<Pointer> {
    Pointer::field(event.source.as_ref(), event.message_path)
}
