//! The API server's validation (`crate::validation`) of an object as written, as findings that
//! point at the refused field.

use serde_json::Value;

use crate::findings::{Finding, Pointer};
use crate::model::ObjectKey;
use crate::rules::ids;
use crate::validation::updates::Change;
use crate::validation::{self, Problem};

use super::source::ObjectSource;
use super::yaml_tree::Node;

/// Whether the cluster wrote the object (a dump): it passed validation when it was created.
pub(crate) fn from_cluster(object: &Value) -> bool {
    cluster_wrote(|field| object.get("metadata")?.get(field)?.as_str())
}

/// [`from_cluster`], asked of an object's tree.
pub(crate) fn node_from_cluster(object: &Node) -> bool {
    cluster_wrote(|field| object.get("metadata")?.get(field)?.as_str())
}

/// Whether any of the metadata only the API server writes is set, `metadata` reading a field.
fn cluster_wrote<'o>(metadata: impl Fn(&str) -> Option<&'o str>) -> bool {
    ["uid", "creationTimestamp", "resourceVersion"]
        .iter()
        .any(|field| metadata(field).is_some_and(|v| !v.is_empty()))
}

/// The findings for what the API server would refuse in `object`, a manifest of `kind` (not an
/// object the cluster wrote, which passed validation).
pub(crate) fn check(
    kind: &str,
    object: &Value,
    key: &ObjectKey,
    source: &ObjectSource,
) -> Vec<Finding> {
    validation::validate(kind, object)
        .into_iter()
        .filter(|v| !v.is_placeholder())
        .map(|violation| {
            let (rule, label, help) = match violation.problem {
                Problem::Required(_) => (
                    ids::MISSING_REQUIRED_FIELD,
                    "required",
                    "set the field; `kubectl explain` describes it",
                ),
                Problem::Unknown => (
                    ids::UNKNOWN_FIELD,
                    "unknown field",
                    "remove the field or fix its spelling; `kubectl explain` lists the fields",
                ),
                Problem::NotSupported { .. } => (
                    ids::UNSUPPORTED_VALUE,
                    "not a supported value",
                    "use one of the values the message lists, spelled exactly",
                ),
                _ => (
                    ids::INVALID_VALUE,
                    "refused by the API server",
                    "change the value as the message says; `kubectl explain` describes the field",
                ),
            };
            Finding::new(
                rule,
                key.clone(),
                format!("{key}: {violation}; the API server refuses the object, and nothing of it is created"),
            )
            .at(Pointer::field(Some(source), &violation.path), label)
            .help(help)
        })
        .collect()
}

/// A manifest that changes an immutable field of the object it is applied over.
pub(crate) fn immutable(key: &ObjectKey, change: Change, source: &ObjectSource) -> Finding {
    let show = |value: &Value| {
        let text = value.to_string();
        if text.chars().count() > 80 {
            format!("{}…", text.chars().take(79).collect::<String>())
        } else {
            text
        }
    };
    Finding::new(
        ids::IMMUTABLE_FIELD_CHANGED,
        key.clone(),
        format!(
            "{key}: the manifest sets {} to {} where the cluster has {}; the API server refuses the update: \"{}\"",
            change.path,
            show(&change.written),
            show(&change.live),
            change.refusal
        ),
    )
    .at(Pointer::field(Some(source), &change.path), "cannot change on an existing object")
    .help("keep the cluster's value, or replace the object: delete it and create it anew (for a claim or volume, after moving its data)")
}
