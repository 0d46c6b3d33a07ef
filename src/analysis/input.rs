//! Values the API server would reject, found in objects that were otherwise readable.

use crate::findings::{Finding, Pointer};
use crate::model::Snapshot;
use crate::rules::ids;

pub fn check(snapshot: &Snapshot, findings: &mut Vec<Finding>) {
    for claim in &snapshot.claims {
        if let Some(Err(error)) = &claim.request {
            findings.push(
                Finding::new(
                    ids::INVALID_QUANTITY,
                    claim.key(),
                    format!("claim {}: storage request: {error}; the plan treats it as zero", claim.meta.qualified_name()),
                )
                .at(Pointer::field(claim.meta.source.as_ref(), "spec.resources.requests.storage"), "not a valid quantity")
                .help("write the size as the API expects, for example 10Gi (powers of 1024) or 10G (powers of 1000)"),
            );
        }
    }
    for volume in &snapshot.volumes {
        if let Some(Err(error)) = &volume.capacity {
            findings.push(
                Finding::new(
                    ids::INVALID_QUANTITY,
                    volume.key(),
                    format!("volume {}: capacity: {error}; the plan treats it as zero", volume.meta.name),
                )
                .at(Pointer::field(volume.meta.source.as_ref(), "spec.capacity.storage"), "not a valid quantity")
                .help("write the size as the API expects, for example 10Gi (powers of 1024) or 10G (powers of 1000)"),
            );
        }
    }
}
