//! What the API server checks when a snapshot object is created, beyond field types: the
//! required fields and enumerations of external-snapshotter's CRD schemas, and their CEL rules
//! (`x-kubernetes-validations`), whose messages the findings quote as the API server does.

use crate::findings::{Finding, Pointer};
use crate::load::source::ObjectSource;
use crate::model::ObjectKey;
use crate::rules::ids;

use super::snapshot_kinds::{ObjectRef, Wire, WireClass};

const DELETION_POLICIES: &str = "\"Delete\", \"Retain\"";

/// Collects the violations of one object.
struct Check<'a> {
    key: &'a ObjectKey,
    source: Option<&'a ObjectSource>,
    findings: &'a mut Vec<Finding>,
}

impl Check<'_> {
    fn required(&mut self, path: &str, present: bool) {
        if present {
            return;
        }
        let key = self.key;
        // Point at the parent, which exists.
        let parent = path.rsplit_once('.').map_or("", |(parent, _)| parent);
        self.findings.push(
            Finding::new(
                ids::SNAPSHOT_OBJECT_INVALID,
                key.clone(),
                format!("{key}: {path}: Required value; the API server refuses the object, and nothing of it is created"),
            )
            .at(Pointer::field(self.source, parent), format!("{path} is missing"))
            .help(format!("set {path}, as the {} CRD requires", key.kind)),
        );
    }

    /// A CEL rule of the CRD that fails, with the CRD's message.
    fn rule(&mut self, path: &str, broken: bool, message: &str, help: &str) {
        if !broken {
            return;
        }
        let key = self.key;
        self.findings.push(
            Finding::new(
                ids::SNAPSHOT_OBJECT_INVALID,
                key.clone(),
                format!("{key}: {path}: Invalid value: {message}; the API server refuses the object (a validation rule of the {} CRD), and nothing of it is created", key.kind),
            )
            .at(Pointer::field(self.source, path), message.to_owned())
            .help(help.to_owned()),
        );
    }

    fn enumeration(&mut self, path: &str, value: Option<&str>, supported: &str) {
        let Some(value) = value else {
            return;
        };
        let allowed: Vec<&str> = supported.split(", ").map(|v| v.trim_matches('"')).collect();
        if allowed.contains(&value) {
            return;
        }
        let key = self.key;
        self.findings.push(
            Finding::new(
                ids::UNSUPPORTED_VALUE,
                key.clone(),
                format!("{key}: {path}: unsupported value {value:?}; the API server rejects it (supported values: {supported})"),
            )
            .at(Pointer::field(self.source, path), format!("{value:?} is not one of them"))
            .help(format!("use one of {supported}; the names are case-sensitive")),
        );
    }

    fn class(&mut self, class: &WireClass) {
        self.required("driver", class.driver.is_some());
        self.required("deletionPolicy", class.deletion_policy.is_some());
        self.enumeration(
            "deletionPolicy",
            class.deletion_policy.as_deref(),
            DELETION_POLICIES,
        );
    }

    fn snapshot_ref(&mut self, path: &str, reference: Option<&ObjectRef>) {
        self.required(path, reference.is_some());
        if let Some(r) = reference {
            let message = format!("both {path}.name and {path}.namespace must be set")
                .replace("spec.volumeGroupSnapshotRef", "volumeGroupSnapshotRef");
            self.rule(
                path,
                r.name.is_none() || r.namespace.is_none(),
                &message,
                "name the snapshot this content belongs to, with its namespace: the snapshot controller binds the two by it",
            );
        }
    }
}

/// An apiVersion the CRDs no longer serve: kubectl finds no such kind, and the object's fields
/// are not judged against another version's schema.
pub fn unserved_version(
    api_version: &str,
    key: &ObjectKey,
    source: Option<&ObjectSource>,
) -> Option<Finding> {
    let (group, version) = api_version.split_once('/')?;
    let served = super::snapshot_kinds::served_versions(group)?;
    if served.contains(&version) {
        return None;
    }
    let kind = key.kind;
    Some(
        Finding::new(
            ids::SNAPSHOT_OBJECT_INVALID,
            key.clone(),
            format!("{key}: apiVersion {api_version} is not served by the current external-snapshotter CRDs (served: {}): kubectl apply fails with no matches for kind \"{kind}\" in version \"{api_version}\", and nothing of it is created", served.join(", ")),
        )
        .at(Pointer::field(source, "apiVersion"), "no longer served")
        .help(format!("rewrite the object for {group}/{}: the fields changed between versions (see the CRD in kubernetes-csi/external-snapshotter client/config/crd)", served[0])),
    )
}

/// Reports what the API server would refuse in `wire`.
pub fn check(
    wire: &Wire,
    key: &ObjectKey,
    source: Option<&ObjectSource>,
    findings: &mut Vec<Finding>,
) {
    let mut check = Check {
        key,
        source,
        findings,
    };
    match wire {
        Wire::Snapshot(s) => {
            check.required("spec", s.spec.is_some());
            let Some(spec) = &s.spec else { return };
            check.required("spec.source", spec.source.is_some());
            if let Some(source) = &spec.source {
                check.rule(
                    "spec.source",
                    source.persistent_volume_claim_name.is_some()
                        == source.volume_snapshot_content_name.is_some(),
                    "exactly one of volumeSnapshotContentName and persistentVolumeClaimName must be set",
                    "set persistentVolumeClaimName to take a new snapshot of a claim, or volumeSnapshotContentName to use an existing one, not both",
                );
            }
            check.rule(
                "spec.volumeSnapshotClassName",
                spec.volume_snapshot_class_name.as_deref() == Some(""),
                "volumeSnapshotClassName must not be the empty string when set",
                "name a VolumeSnapshotClass, or leave the field out to get the default class of the claim's driver",
            );
        }
        Wire::Class(c) | Wire::GroupClass(c) => check.class(c),
        Wire::Content(c) => {
            check.required("spec", c.spec.is_some());
            let Some(spec) = &c.spec else { return };
            check.required("spec.deletionPolicy", spec.deletion_policy.is_some());
            check.enumeration(
                "spec.deletionPolicy",
                spec.deletion_policy.as_deref(),
                DELETION_POLICIES,
            );
            check.required("spec.driver", spec.driver.is_some());
            check.required("spec.source", spec.source.is_some());
            if let Some(source) = &spec.source {
                check.rule(
                    "spec.source",
                    source.volume_handle.is_some() == source.snapshot_handle.is_some(),
                    "exactly one of volumeHandle and snapshotHandle must be set",
                    "set snapshotHandle for a snapshot that exists on the storage, or volumeHandle to have one taken of that volume, not both",
                );
            }
            check.enumeration(
                "spec.sourceVolumeMode",
                spec.source_volume_mode.as_deref(),
                "\"Block\", \"Filesystem\"",
            );
            check.snapshot_ref("spec.volumeSnapshotRef", spec.volume_snapshot_ref.as_ref());
        }
        Wire::GroupSnapshot(s) => {
            check.required("spec", s.spec.is_some());
            let Some(spec) = &s.spec else { return };
            check.required("spec.source", spec.source.is_some());
            if let Some(source) = &spec.source {
                check.rule(
                    "spec.source",
                    source.selector.is_some()
                        == source.volume_group_snapshot_content_name.is_some(),
                    "exactly one of selector and volumeGroupSnapshotContentName must be set",
                    "set selector to snapshot the claims it matches, or volumeGroupSnapshotContentName to use an existing group snapshot, not both",
                );
            }
            check.rule(
                "spec.volumeGroupSnapshotClassName",
                spec.volume_group_snapshot_class_name.as_deref() == Some(""),
                "volumeGroupSnapshotClassName must not be the empty string when set",
                "name a VolumeGroupSnapshotClass, or leave the field out to get the default class",
            );
        }
        Wire::GroupContent(c) => {
            check.required("spec", c.spec.is_some());
            let Some(spec) = &c.spec else { return };
            check.required("spec.deletionPolicy", spec.deletion_policy.is_some());
            check.enumeration(
                "spec.deletionPolicy",
                spec.deletion_policy.as_deref(),
                DELETION_POLICIES,
            );
            check.required("spec.driver", spec.driver.is_some());
            check.required("spec.source", spec.source.is_some());
            if let Some(source) = &spec.source {
                check.rule(
                    "spec.source",
                    source.volume_handles.is_some() == source.group_snapshot_handles.is_some(),
                    "exactly one of volumeHandles and groupSnapshotHandles must be set",
                    "set groupSnapshotHandles for a group snapshot that exists on the storage, or volumeHandles to have one taken, not both",
                );
            }
            check.snapshot_ref(
                "spec.volumeGroupSnapshotRef",
                spec.volume_group_snapshot_ref.as_ref(),
            );
        }
        Wire::Grant(_) | Wire::Populator(_) => {}
    }
}
