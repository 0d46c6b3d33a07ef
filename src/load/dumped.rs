//! Objects of a large `kubectl get -o json` dump, typed straight from their text: no tree and
//! no JSON value is built for them. Only an object that needs nothing more qualifies: dumped
//! from a cluster (so neither validated nor applied over another), of a kind and apiVersion
//! k8s-openapi types as written, with every field known and fitting. Any other object is read
//! into a tree and goes the way every document goes, so what is reported does not change.

use super::json_tree::Skimmed;
use super::snapshot_kinds;
use super::typing::{self, Typed};
use super::yaml_tree::Pos;
use crate::evidence::EVIDENCE_KINDS;
use crate::removals;

/// An object typed from its text, and where it is written.
pub(super) struct Dumped {
    pub(super) kind: &'static str,
    pub(super) object: Typed,
    pub(super) start: Pos,
    pub(super) end: usize,
}

/// Types a skimmed List item, if it qualifies (see the module's doc).
pub(super) fn type_skimmed(text: &str, item: &Skimmed) -> Option<Dumped> {
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
    let written = |field: &Option<String>| field.as_deref().is_some_and(|v| !v.is_empty());
    // What `api_validation::from_cluster` asks of the JSON, asked of the typed metadata.
    let from_cluster =
        written(&meta.uid) || written(&meta.resource_version) || meta.creation_timestamp.is_some();
    from_cluster.then_some(Dumped {
        kind,
        object,
        start: item.start,
        end: item.end.offset,
    })
}
