//! The rule catalogue: each rule's documentation lives in `rules/<id>.yaml`, embedded at build
//! time; the code that reports it names it by the constants in `ids`.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::findings::Severity;

include!(concat!(env!("OUT_DIR"), "/rule_files.rs"));

/// Rule ids, one constant per rule file. A test checks the two lists agree.
pub mod ids {
    pub const CLAIM_PENDING: &str = "claim-pending";
    pub const CLAIM_LOST: &str = "claim-lost";
    pub const CLASS_NOT_FOUND: &str = "class-not-found";
    pub const CLAIMS_COMPETE: &str = "claims-compete";
    pub const BINDING_TIE: &str = "binding-tie";
    pub const NOT_A_KUBERNETES_OBJECT: &str = "not-a-kubernetes-object";
    pub const INVALID_YAML: &str = "invalid-yaml";
    pub const INVALID_FIELD: &str = "invalid-field";
    pub const INVALID_QUANTITY: &str = "invalid-quantity";
    pub const DUPLICATE_OBJECT: &str = "duplicate-object";
    pub const RWO_CLAIM_ON_SEVERAL_NODES: &str = "rwo-claim-on-several-nodes";
    pub const SEVERAL_DEFAULT_CLASSES: &str = "several-default-classes";
    pub const SELECTOR_ON_PROVISIONED_CLAIM: &str = "selector-on-provisioned-claim";
    pub const VOLUME_RESERVED_FOR_MISSING_CLAIM: &str = "volume-reserved-for-missing-claim";
    pub const EMPTY_ACCESS_MODES: &str = "empty-access-modes";
    pub const RWOP_MIXED_WITH_OTHER_MODES: &str = "rwop-mixed-with-other-modes";
    pub const RWOP_CLAIM_USED_BY_SEVERAL_PODS: &str = "rwop-claim-used-by-several-pods";
    pub const ROX_CLAIM_MOUNTED_READ_WRITE: &str = "rox-claim-mounted-read-write";
    pub const UNSUPPORTED_VALUE: &str = "unsupported-value";
    pub const UNKNOWN_FIELD: &str = "unknown-field";
    pub const EXPANSION_NOT_ALLOWED: &str = "expansion-not-allowed";
    pub const CLAIM_SHRINK: &str = "claim-shrink";
    pub const STATEFULSET_TEMPLATE_RESIZED: &str = "statefulset-template-resized";
    pub const PREBOUND_CLAIM_CANNOT_BIND: &str = "prebound-claim-cannot-bind";
    pub const PREBOUND_VOLUME_CANNOT_BIND: &str = "prebound-volume-cannot-bind";
    pub const NO_DEFAULT_CLASS: &str = "no-default-class";
    pub const ACCESS_MODE_UNSUPPORTED_BY_DRIVER: &str = "access-mode-unsupported-by-driver";
    pub const VOLUME_MODE_UNSUPPORTED_BY_DRIVER: &str = "volume-mode-unsupported-by-driver";
    pub const EXPANSION_UNSUPPORTED_BY_DRIVER: &str = "expansion-unsupported-by-driver";
    pub const DELETE_RECLAIM_ON_STATEFULSET_DATA: &str = "delete-reclaim-on-statefulset-data";
    pub const STATEFULSET_RETENTION_DELETES_CLAIMS: &str = "statefulset-retention-deletes-claims";
    pub const RECYCLE_RECLAIM_POLICY: &str = "recycle-reclaim-policy";
    pub const RELEASED_VOLUME_UNCLAIMABLE: &str = "released-volume-unclaimable";
    pub const LOCAL_VOLUME_WITHOUT_NODE_AFFINITY: &str = "local-volume-without-node-affinity";
    pub const HOST_PATH_VOLUME_WITHOUT_NODE_AFFINITY: &str =
        "host-path-volume-without-node-affinity";
    pub const NO_PROVISIONER_IMMEDIATE_BINDING: &str = "no-provisioner-immediate-binding";
    pub const VOLUME_NODE_AFFINITY_CONFLICT: &str = "volume-node-affinity-conflict";
    pub const CLAIMS_IN_DISJOINT_ZONES: &str = "claims-in-disjoint-zones";
    pub const ALLOWED_TOPOLOGIES_MATCH_NO_NODE: &str = "allowed-topologies-match-no-node";
    pub const STATEFULSET_EXCEEDS_LOCAL_VOLUMES: &str = "statefulset-exceeds-local-volumes";
    pub const PROVISIONING_FAILED: &str = "provisioning-failed";
    pub const CSI_DRIVER_NOT_INSTALLED: &str = "csi-driver-not-installed";
    pub const NODE_VOLUME_LIMIT_EXCEEDED: &str = "node-volume-limit-exceeded";
    pub const MULTI_ATTACH_CONFLICT: &str = "multi-attach-conflict";
    pub const VOLUME_ATTACH_FAILED: &str = "volume-attach-failed";
    pub const VOLUME_ATTACHMENT_ON_MISSING_NODE: &str = "volume-attachment-on-missing-node";
    pub const VOLUME_MOUNT_FAILED: &str = "volume-mount-failed";
    pub const EXPANSION_IN_PROGRESS: &str = "expansion-in-progress";
    pub const EXPANSION_WAITS_FOR_POD_RESTART: &str = "expansion-waits-for-pod-restart";
    pub const EXPANSION_FAILED: &str = "expansion-failed";
    pub const POD_CLAIM_NOT_FOUND: &str = "pod-claim-not-found";
    pub const DELETE_RECLAIM_ON_STATIC_VOLUME: &str = "delete-reclaim-on-static-volume";
    pub const STATIC_CLAIM_GETS_DEFAULT_CLASS: &str = "static-claim-gets-default-class";
    pub const MISSING_REQUIRED_FIELD: &str = "missing-required-field";
    pub const SEVERAL_VOLUME_SOURCES: &str = "several-volume-sources";
    pub const INVALID_NAME: &str = "invalid-name";
    pub const SNAPSHOT_OBJECT_INVALID: &str = "snapshot-object-invalid";
    pub const DATA_SOURCE_DROPPED: &str = "data-source-dropped";
    pub const DATA_SOURCE_REJECTED: &str = "data-source-rejected";
    pub const DATA_SOURCE_NOT_FOUND: &str = "data-source-not-found";
    pub const SNAPSHOT_NOT_READY: &str = "snapshot-not-ready";
    pub const DATA_SOURCE_REFUSED: &str = "data-source-refused";
    pub const VOLUME_POPULATOR_MISSING: &str = "volume-populator-missing";
    pub const POD_VOLUME_MODE_MISMATCH: &str = "pod-volume-mode-mismatch";
    pub const CLAIM_IN_OTHER_NAMESPACE: &str = "claim-in-other-namespace";
    pub const FS_GROUP_RECURSIVE_CHANGE: &str = "fs-group-recursive-change";
    pub const EMPTY_DIR_WITHOUT_SIZE_LIMIT: &str = "empty-dir-without-size-limit";
    pub const REMOVED_API_VERSION: &str = "removed-api-version";
    pub const REMOVED_PROVISIONER: &str = "removed-provisioner";
    pub const REMOVED_VOLUME_PLUGIN: &str = "removed-volume-plugin";
    pub const UNKNOWN_CLASS_PARAMETER: &str = "unknown-class-parameter";
    pub const MOUNT_OPTIONS_UNSUPPORTED: &str = "mount-options-unsupported";
    pub const INVALID_VALUE: &str = "invalid-value";
    pub const IMMUTABLE_FIELD_CHANGED: &str = "immutable-field-changed";

    /// Every rule the code can report.
    pub const ALL: &[&str] = &[
        CLAIM_PENDING,
        CLAIM_LOST,
        CLASS_NOT_FOUND,
        CLAIMS_COMPETE,
        BINDING_TIE,
        NOT_A_KUBERNETES_OBJECT,
        INVALID_YAML,
        INVALID_FIELD,
        INVALID_QUANTITY,
        DUPLICATE_OBJECT,
        RWO_CLAIM_ON_SEVERAL_NODES,
        SEVERAL_DEFAULT_CLASSES,
        SELECTOR_ON_PROVISIONED_CLAIM,
        VOLUME_RESERVED_FOR_MISSING_CLAIM,
        EMPTY_ACCESS_MODES,
        RWOP_MIXED_WITH_OTHER_MODES,
        RWOP_CLAIM_USED_BY_SEVERAL_PODS,
        ROX_CLAIM_MOUNTED_READ_WRITE,
        UNSUPPORTED_VALUE,
        UNKNOWN_FIELD,
        EXPANSION_NOT_ALLOWED,
        CLAIM_SHRINK,
        STATEFULSET_TEMPLATE_RESIZED,
        PREBOUND_CLAIM_CANNOT_BIND,
        PREBOUND_VOLUME_CANNOT_BIND,
        NO_DEFAULT_CLASS,
        ACCESS_MODE_UNSUPPORTED_BY_DRIVER,
        VOLUME_MODE_UNSUPPORTED_BY_DRIVER,
        EXPANSION_UNSUPPORTED_BY_DRIVER,
        DELETE_RECLAIM_ON_STATEFULSET_DATA,
        STATEFULSET_RETENTION_DELETES_CLAIMS,
        RECYCLE_RECLAIM_POLICY,
        RELEASED_VOLUME_UNCLAIMABLE,
        LOCAL_VOLUME_WITHOUT_NODE_AFFINITY,
        HOST_PATH_VOLUME_WITHOUT_NODE_AFFINITY,
        NO_PROVISIONER_IMMEDIATE_BINDING,
        VOLUME_NODE_AFFINITY_CONFLICT,
        CLAIMS_IN_DISJOINT_ZONES,
        ALLOWED_TOPOLOGIES_MATCH_NO_NODE,
        STATEFULSET_EXCEEDS_LOCAL_VOLUMES,
        PROVISIONING_FAILED,
        CSI_DRIVER_NOT_INSTALLED,
        NODE_VOLUME_LIMIT_EXCEEDED,
        MULTI_ATTACH_CONFLICT,
        VOLUME_ATTACH_FAILED,
        VOLUME_ATTACHMENT_ON_MISSING_NODE,
        VOLUME_MOUNT_FAILED,
        EXPANSION_IN_PROGRESS,
        EXPANSION_WAITS_FOR_POD_RESTART,
        EXPANSION_FAILED,
        POD_CLAIM_NOT_FOUND,
        DELETE_RECLAIM_ON_STATIC_VOLUME,
        STATIC_CLAIM_GETS_DEFAULT_CLASS,
        MISSING_REQUIRED_FIELD,
        SEVERAL_VOLUME_SOURCES,
        INVALID_NAME,
        SNAPSHOT_OBJECT_INVALID,
        DATA_SOURCE_DROPPED,
        DATA_SOURCE_REJECTED,
        DATA_SOURCE_NOT_FOUND,
        SNAPSHOT_NOT_READY,
        DATA_SOURCE_REFUSED,
        VOLUME_POPULATOR_MISSING,
        POD_VOLUME_MODE_MISMATCH,
        CLAIM_IN_OTHER_NAMESPACE,
        FS_GROUP_RECURSIVE_CHANGE,
        EMPTY_DIR_WITHOUT_SIZE_LIMIT,
        REMOVED_API_VERSION,
        REMOVED_PROVISIONER,
        REMOVED_VOLUME_PLUGIN,
        UNKNOWN_CLASS_PARAMETER,
        MOUNT_OPTIONS_UNSUPPORTED,
        INVALID_VALUE,
        IMMUTABLE_FIELD_CHANGED,
    ];
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDoc {
    pub id: String,
    pub severity: String,
    pub category: String,
    pub summary: String,
    pub rationale: String,
    pub remediation: String,
    pub fix: FixDoc,
    /// Whether the API server refuses the objects this rule reports as errors, so that
    /// `kubectl apply` fails on them (the e2e test `validation` holds the rule to it).
    #[serde(default)]
    pub refused_by_api_server: bool,
    pub examples: Vec<Example>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixDoc {
    /// none, safe or unsafe.
    pub applicability: String,
    pub description: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub name: String,
    /// Whether planning `manifest` reports this rule.
    pub triggers: bool,
    pub manifest: String,
}

impl RuleDoc {
    pub fn severity(&self) -> Severity {
        self.severity.parse().unwrap_or(Severity::Error)
    }
}

/// Parses every embedded rule file. A malformed file is a build defect; the tests catch it, and
/// here it is reported rather than hidden.
pub fn catalogue() -> Result<Vec<RuleDoc>, String> {
    RULE_FILES
        .iter()
        .map(|(stem, text)| {
            serde_saphyr::from_str::<RuleDoc>(text).map_err(|e| format!("rules/{stem}.yaml: {e}"))
        })
        .collect()
}

/// The documentation of one rule.
pub fn doc(id: &str) -> Option<RuleDoc> {
    let (_, text) = RULE_FILES.iter().find(|(stem, _)| *stem == id)?;
    serde_saphyr::from_str(text).ok()
}

/// A rule's default severity, from its file (parsed once).
pub fn default_severity(id: &str) -> Severity {
    static SEVERITIES: OnceLock<HashMap<String, Severity>> = OnceLock::new();
    let severities = SEVERITIES.get_or_init(|| {
        catalogue()
            .unwrap_or_default()
            .into_iter()
            .map(|d| (d.id.clone(), d.severity()))
            .collect()
    });
    severities.get(id).copied().unwrap_or(Severity::Error)
}

/// Whether a rule's fix may be applied without asking: `safe` fixes keep the meaning the author
/// intended, `unsafe` ones change behaviour and run only with `--unsafe-fixes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applicability {
    Safe,
    Unsafe,
}

/// A rule's fix applicability, from its file (parsed once); `None` for rules without fixes.
pub fn applicability(id: &str) -> Option<Applicability> {
    static APPLICABILITY: OnceLock<HashMap<String, Applicability>> = OnceLock::new();
    let table = APPLICABILITY.get_or_init(|| {
        catalogue()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|d| {
                let applicability = match d.fix.applicability.as_str() {
                    "safe" => Applicability::Safe,
                    "unsafe" => Applicability::Unsafe,
                    _ => return None,
                };
                Some((d.id, applicability))
            })
            .collect()
    });
    table.get(id).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_file_parses_and_matches_its_name() {
        let rules = catalogue().unwrap();
        for rule in &rules {
            assert!(
                RULE_FILES.iter().any(|(stem, _)| *stem == rule.id),
                "{} is not in a file of its name",
                rule.id
            );
            assert!(
                ["error", "warning", "info"].contains(&rule.severity.as_str()),
                "{}: severity",
                rule.id
            );
            assert!(
                crate::render::rule_docs::CATEGORIES
                    .iter()
                    .any(|(c, _)| *c == rule.category),
                "{}: category {:?}",
                rule.id,
                rule.category
            );
            assert!(
                ["none", "safe", "unsafe"].contains(&rule.fix.applicability.as_str()),
                "{}: fix",
                rule.id
            );
            assert!(
                rule.examples.iter().any(|e| e.triggers),
                "{}: needs a triggering example",
                rule.id
            );
            assert!(
                rule.examples.iter().any(|e| !e.triggers),
                "{}: needs a clean example",
                rule.id
            );
        }
    }

    #[test]
    fn every_rule_file_has_code_and_every_rule_has_a_file() {
        let files: Vec<&str> = RULE_FILES.iter().map(|(stem, _)| *stem).collect();
        for id in ids::ALL {
            assert!(files.contains(id), "rule {id} has no rules/{id}.yaml");
        }
        for file in &files {
            assert!(
                ids::ALL.contains(file),
                "rules/{file}.yaml has no implementation"
            );
        }
    }
}
