//! Values the API server would reject, found in objects that were otherwise readable.

use crate::findings::{Finding, Pointer};
use crate::model::Snapshot;

use super::claim_specs::{self, Subject};
use crate::rules::ids;

pub fn check(snapshot: &Snapshot, findings: &mut Vec<Finding>) {
    for claim in &snapshot.claims {
        if let Some(Ok(request)) = &claim.request {
            if request.nanos() <= 0 && !claim.meta.exists {
                findings.push(not_positive(
                    claim.key(),
                    format!("claim {}: storage request", claim.meta.qualified_name()),
                    Pointer::field(
                        claim.meta.source.as_ref(),
                        "spec.resources.requests.storage",
                    ),
                    "spec.resources[storage]",
                    request,
                ));
            }
        }
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
        if let Some(Ok(capacity)) = &volume.capacity {
            if capacity.nanos() <= 0 && !volume.meta.exists {
                findings.push(not_positive(
                    volume.key(),
                    format!("volume {}: capacity", volume.meta.name),
                    Pointer::field(volume.meta.source.as_ref(), "spec.capacity.storage"),
                    "spec.capacity[storage]",
                    capacity,
                ));
            }
        }
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

/// A size of zero or less, which the API server refuses for a claim's request and a volume's
/// capacity (upstream `ValidatePositiveQuantityValue`).
fn not_positive(
    object: crate::model::ObjectKey,
    what: String,
    pointer: Option<Pointer>,
    upstream_path: &str,
    value: &crate::model::Quantity,
) -> Finding {
    let value = value.as_str();
    Finding::new(
        ids::INVALID_QUANTITY,
        object,
        format!("{what} is {value}; the API server rejects it: \"{upstream_path}: Invalid value: {value:?}: must be greater than zero\""),
    )
    .at(pointer, "must be greater than zero")
    .help("give the size the volume must have, for example 10Gi")
}

/// Values outside an enumeration the API server knows ("Unsupported value").
pub fn check_values(snapshot: &Snapshot, findings: &mut Vec<Finding>) {
    const ACCESS_MODES: &str =
        "\"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\"";
    const VOLUME_MODES: &str = "\"Block\", \"Filesystem\"";
    const RECLAIM_POLICIES: &str = "\"Delete\", \"Recycle\", \"Retain\"";
    let mut report = |subject: Subject, pointer, value: &str, supported: &str| {
        findings.push(
            Finding::new(
                ids::UNSUPPORTED_VALUE,
                subject.object(),
                format!("{}: unsupported value {value:?}; the API server rejects it (supported values: {supported})", subject.name()),
            )
            .at(pointer, format!("{value:?} is not one of them"))
            .help(format!("use one of {supported}; the names are case-sensitive")),
        );
    };
    for claim in claim_specs::written_once(snapshot) {
        let source = claim.meta.source.as_ref();
        for value in &claim.unknown_access_modes {
            report(
                Subject::Claim(claim),
                Pointer::field(source, "spec.accessModes"),
                value,
                ACCESS_MODES,
            );
        }
        if let Err(value) = &claim.volume_mode {
            report(
                Subject::Claim(claim),
                Pointer::field(source, "spec.volumeMode"),
                value,
                VOLUME_MODES,
            );
        }
    }
    for volume in &snapshot.volumes {
        let source = volume.meta.source.as_ref();
        for value in &volume.unknown_access_modes {
            report(
                Subject::Volume(volume),
                Pointer::field(source, "spec.accessModes"),
                value,
                ACCESS_MODES,
            );
        }
        if let Err(value) = &volume.volume_mode {
            report(
                Subject::Volume(volume),
                Pointer::field(source, "spec.volumeMode"),
                value,
                VOLUME_MODES,
            );
        }
        // An empty reclaim policy passes: a volume's is defaulted to Retain.
        if let Some(Err(value)) = volume
            .reclaim_policy
            .as_ref()
            .filter(|p| p.as_ref().is_err_and(|v| !v.is_empty()))
        {
            report(
                Subject::Volume(volume),
                Pointer::field(source, "spec.persistentVolumeReclaimPolicy"),
                value,
                RECLAIM_POLICIES,
            );
        }
    }
    for class in &snapshot.classes {
        let source = class.meta.source.as_ref();
        if let Err(value) = &class.binding_mode {
            report(
                Subject::Class(class),
                Pointer::field(source, "volumeBindingMode"),
                value,
                "\"Immediate\", \"WaitForFirstConsumer\"",
            );
        }
        // An empty reclaimPolicy passes: upstream checks only a value that is there.
        if let Err(value) = class.reclaim_policy.as_ref().map_err(String::as_str) {
            if value.is_empty() {
                continue;
            }
            report(
                Subject::Class(class),
                Pointer::field(source, "reclaimPolicy"),
                value,
                "\"Delete\", \"Retain\"",
            );
        }
    }
}
