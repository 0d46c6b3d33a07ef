//! Objects of a large `kubectl get -o json` dump, typed straight from their text: no tree and
//! no JSON value is built for them. Only an object that needs nothing more qualifies: dumped
//! from a cluster (so neither validated nor applied over another), of a kind and apiVersion
//! k8s-openapi types as written, with every field known and fitting. Any other object is read
//! into a tree and goes the way every document goes, so what is reported does not change.

use super::json_tree::Skimmed;
use super::kinds::{self, Converted};
use super::seen;
use super::snapshot_kinds;
use super::typing;
use super::yaml_tree::Pos;
use crate::evidence::EVIDENCE_KINDS;
use crate::model::object::written_by_cluster;
use crate::removals;
use crate::validation::{self, updates};

/// An object typed from its text and converted, and where it is written.
pub(super) struct Dumped {
    pub(super) object: Converted,
    /// The hash of the key under which a manifest applied over it finds it (`seen::Key`),
    /// for the kinds whose updates are checked.
    pub(super) written: Option<u64>,
    pub(super) start: Pos,
    pub(super) end: usize,
}

/// Types a skimmed List item and converts it, if it qualifies (see the module's doc).
/// `namespace` is the one objects written without one go to.
pub(super) fn type_skimmed(text: &str, item: &Skimmed, namespace: &str) -> Option<Dumped> {
    let kind = text.get(item.kind.clone()?)?;
    let api_version = text.get(item.api_version.clone()?)?;
    let &(kind, _) = typing::KINDS
        .iter()
        .find(|(k, version)| *k == kind && *version == api_version)?;
    if EVIDENCE_KINDS.contains(&kind)
        || snapshot_kinds::kind_of(kind, api_version).is_some()
        || removals::api(api_version, kind).is_some()
    {
        return None;
    }
    let object = typing::decode_text(kind, item.text(text)?)?;
    let meta = object.metadata();
    // What `api_validation::from_cluster` asks of the JSON, asked of the typed metadata.
    if !written_by_cluster(meta) {
        return None;
    }
    let validated = validation::KINDS.iter().find(|(k, _)| *k == kind);
    let written =
        validated
            .filter(|(k, _)| updates::KINDS.contains(k))
            .map(|&(kind, namespaced)| {
                let namespace = meta
                    .namespace
                    .as_deref()
                    .or(namespaced.then_some(namespace));
                seen::Key::new(kind, namespace, meta.name.as_deref().unwrap_or_default()).hash()
            });
    Some(Dumped {
        object: kinds::convert(object, namespace, None),
        written,
        start: item.start,
        end: item.end.offset,
    })
}
