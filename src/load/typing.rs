//! From an object's JSON to its k8s-openapi type: the part of reading an object that needs
//! none of the objects before it, so that it can run on another core while the loader adds
//! earlier objects to the snapshot.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    Node as K8sNode, PersistentVolume, PersistentVolumeClaim, Pod, ReplicationController,
};
use k8s_openapi::api::storage::v1::StorageClass as K8sStorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::de::DeserializeOwned;

/// The kinds the plan reads, with the apiVersion k8s-openapi types them as.
pub(super) const KINDS: &[(&str, &str)] = &[
    ("PersistentVolume", "v1"),
    ("PersistentVolumeClaim", "v1"),
    ("StorageClass", "storage.k8s.io/v1"),
    ("Node", "v1"),
    ("Pod", "v1"),
    ("ReplicationController", "v1"),
    ("Deployment", "apps/v1"),
    ("StatefulSet", "apps/v1"),
    ("DaemonSet", "apps/v1"),
    ("ReplicaSet", "apps/v1"),
    ("Job", "batch/v1"),
    ("CronJob", "batch/v1"),
];

pub(super) type TypeError = serde_path_to_error::Error<serde_json::Error>;

/// An object of a kind the plan reads, typed. Boxed: the types are large and travel between
/// threads.
pub(super) enum Typed {
    PersistentVolume(Box<PersistentVolume>),
    PersistentVolumeClaim(Box<PersistentVolumeClaim>),
    StorageClass(Box<K8sStorageClass>),
    Node(Box<K8sNode>),
    Pod(Box<Pod>),
    Deployment(Box<Deployment>),
    ReplicaSet(Box<ReplicaSet>),
    ReplicationController(Box<ReplicationController>),
    DaemonSet(Box<DaemonSet>),
    Job(Box<Job>),
    CronJob(Box<CronJob>),
    StatefulSet(Box<StatefulSet>),
}

/// Types an object of one of [`KINDS`]; `None` for any other kind.
pub(super) fn decode(
    kind: &str,
    mut json: serde_json::Value,
    unknown: &mut Vec<String>,
) -> Result<Option<Typed>, TypeError> {
    let Some(&(kind, typed_version)) = KINDS.iter().find(|(k, _)| *k == kind) else {
        return Ok(None);
    };
    // k8s-openapi insists on its own apiVersion; older or beta versions of the same kind
    // (storage.k8s.io/v1beta1, extensions/v1beta1) carry the same fields we read.
    if let Some(object) = json.as_object_mut() {
        object.insert(
            "apiVersion".to_owned(),
            serde_json::Value::String(typed_version.to_owned()),
        );
    }
    by_kind(kind, FromJson { json, unknown })
}

/// Types an object of one of [`KINDS`] straight from its JSON text, when it fits its type
/// exactly: its apiVersion the one k8s-openapi types, every field known, every value of the
/// field's type. `None` otherwise, and for any other kind: [`decode`] then says what is wrong.
pub(super) fn decode_text(kind: &str, text: &str) -> Option<Typed> {
    by_kind(kind, FromText(text)).ok().flatten()
}

/// Types an object of one of [`KINDS`] straight from its tree, when it fits its type exactly
/// (as [`decode_text`] asks): as its JSON would be typed, without making the JSON.
pub(super) fn decode_node(kind: &str, node: &super::yaml_tree::Node) -> Option<Typed> {
    by_kind(kind, FromNode(node)).ok().flatten()
}

/// A way to type an object, whatever its type.
trait Decoder {
    type Error;
    fn decode<T: DeserializeOwned>(self) -> Result<T, Self::Error>;
}

struct FromJson<'u> {
    json: serde_json::Value,
    unknown: &'u mut Vec<String>,
}

impl Decoder for FromJson<'_> {
    type Error = TypeError;
    fn decode<T: DeserializeOwned>(self) -> Result<T, TypeError> {
        typed(self.json, self.unknown)
    }
}

struct FromText<'t>(&'t str);

/// A field the type lacks, or anything that does not fit it.
struct Unfit;

impl Decoder for FromText<'_> {
    type Error = Unfit;
    fn decode<T: DeserializeOwned>(self) -> Result<T, Unfit> {
        let mut reader = serde_json::Deserializer::from_str(self.0);
        let object = super::ignored::fitting(&mut reader).ok_or(Unfit)?;
        reader.end().map_err(|_| Unfit)?;
        Ok(object)
    }
}

struct FromNode<'n>(&'n super::yaml_tree::Node);

impl Decoder for FromNode<'_> {
    type Error = Unfit;
    fn decode<T: DeserializeOwned>(self) -> Result<T, Unfit> {
        super::ignored::fitting(super::yaml_tree::NodeDeserializer(self.0)).ok_or(Unfit)
    }
}

fn by_kind<D: Decoder>(kind: &str, decoder: D) -> Result<Option<Typed>, D::Error> {
    fn boxed<T: DeserializeOwned, D: Decoder>(decoder: D) -> Result<Box<T>, D::Error> {
        decoder.decode().map(Box::new)
    }
    Ok(Some(match kind {
        "PersistentVolume" => Typed::PersistentVolume(boxed(decoder)?),
        "PersistentVolumeClaim" => Typed::PersistentVolumeClaim(boxed(decoder)?),
        "StorageClass" => Typed::StorageClass(boxed(decoder)?),
        "Node" => Typed::Node(boxed(decoder)?),
        "Pod" => Typed::Pod(boxed(decoder)?),
        "Deployment" => Typed::Deployment(boxed(decoder)?),
        "ReplicaSet" => Typed::ReplicaSet(boxed(decoder)?),
        "ReplicationController" => Typed::ReplicationController(boxed(decoder)?),
        "DaemonSet" => Typed::DaemonSet(boxed(decoder)?),
        "Job" => Typed::Job(boxed(decoder)?),
        "CronJob" => Typed::CronJob(boxed(decoder)?),
        "StatefulSet" => Typed::StatefulSet(boxed(decoder)?),
        _ => return Ok(None),
    }))
}

impl Typed {
    pub(super) fn metadata(&self) -> &ObjectMeta {
        match self {
            Typed::PersistentVolume(o) => &o.metadata,
            Typed::PersistentVolumeClaim(o) => &o.metadata,
            Typed::StorageClass(o) => &o.metadata,
            Typed::Node(o) => &o.metadata,
            Typed::Pod(o) => &o.metadata,
            Typed::Deployment(o) => &o.metadata,
            Typed::ReplicaSet(o) => &o.metadata,
            Typed::ReplicationController(o) => &o.metadata,
            Typed::DaemonSet(o) => &o.metadata,
            Typed::Job(o) => &o.metadata,
            Typed::CronJob(o) => &o.metadata,
            Typed::StatefulSet(o) => &o.metadata,
        }
    }
}

/// Types a document, remembering the path of the field that did not fit, and collecting the
/// paths of fields the type does not have (k8s-openapi would drop them silently).
pub(super) fn typed<T: DeserializeOwned>(
    json: serde_json::Value,
    unknown: &mut Vec<String>,
) -> Result<T, TypeError> {
    // Most objects fit their type: they are typed with only a flag for a field the type lacks,
    // and only one that does not fit is typed again with the paths that say where (both
    // wrappers copy every key they pass to build them).
    if let Some(object) = super::ignored::fitting(&json) {
        return Ok(object);
    }
    let mut record = |path: serde_ignored::Path| unknown.push(field_path(&path));
    let ignoring = serde_ignored::Deserializer::new(json, &mut record);
    serde_path_to_error::deserialize(ignoring)
}

/// A path as the API server writes it in errors: `spec.containers[0].image`.
fn field_path(path: &serde_ignored::Path) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", field_path(parent)),
        Path::Map { parent, key } => {
            let parent = field_path(parent);
            if parent.is_empty() {
                key.clone()
            } else {
                format!("{parent}.{key}")
            }
        }
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => field_path(parent),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::yaml_tree::{self, Node};

    fn as_json(typed: &Typed) -> serde_json::Value {
        let json = match typed {
            Typed::PersistentVolume(o) => serde_json::to_value(o),
            Typed::PersistentVolumeClaim(o) => serde_json::to_value(o),
            Typed::StorageClass(o) => serde_json::to_value(o),
            Typed::Node(o) => serde_json::to_value(o),
            Typed::Pod(o) => serde_json::to_value(o),
            Typed::Deployment(o) => serde_json::to_value(o),
            Typed::ReplicaSet(o) => serde_json::to_value(o),
            Typed::ReplicationController(o) => serde_json::to_value(o),
            Typed::DaemonSet(o) => serde_json::to_value(o),
            Typed::Job(o) => serde_json::to_value(o),
            Typed::CronJob(o) => serde_json::to_value(o),
            Typed::StatefulSet(o) => serde_json::to_value(o),
        };
        json.unwrap()
    }

    /// Typing from the tree and typing from its JSON agree on an object, its variants with
    /// values of other types, and a field its type lacks; returns whether it was typed.
    fn agree(name: &str, node: &Node) -> usize {
        let kind = node.get("kind").and_then(Node::as_str).unwrap_or_default();
        let version = node.get("apiVersion").and_then(Node::as_str);
        if !KINDS.iter().any(|(k, v)| *k == kind && Some(*v) == version) {
            return 0;
        }
        let fast = decode_node(kind, node);
        let mut unknown = Vec::new();
        let slow = decode(kind, node.to_json(), &mut unknown);
        let slow = match slow {
            Ok(Some(typed)) if unknown.is_empty() => Some(typed),
            _ => None,
        };
        match (&fast, &slow) {
            (Some(fast), Some(slow)) => assert_eq!(as_json(fast), as_json(slow), "{name}"),
            (None, None) => {}
            _ => panic!(
                "{name}: typed from the tree: {}, from its JSON: {}",
                fast.is_some(),
                slow.is_some()
            ),
        }
        usize::from(fast.is_some())
    }

    #[test]
    fn typing_from_the_tree_is_typing_from_its_json() {
        // Values of other types where the objects have them, at every depth.
        let edits = [
            ("", ""),
            ("replicas: 3", "replicas: -3"),
            ("replicas: 3", "replicas: 3.5"),
            ("replicas: 3", "replicas: \"3\""),
            ("replicas: 3", "replicas: .nan"),
            ("storage: 1Gi", "storage: 1"),
            ("storage: 1Gi", "storage: 1.5"),
            ("storage: 1Gi", "storage: null"),
            ("storage: 1Gi", "storage: [1Gi]"),
            ("ReadWriteOnce", "{a: b}"),
            ("ReadWriteOnce", "7"),
            ("name: ", "unknownField: 1\n  name: "),
            ("spec:", "spec: null\nx:"),
            ("readOnly: true", "readOnly: yes"),
            ("readOnly: true", "readOnly: \"true\""),
            ("fsGroup: 1000", "fsGroup: 18446744073709551615"),
            ("labels:", "labels: {1: a, true: b, null: c, 2.5: d}\n  x:"),
        ];
        let mut typed = 0;
        let texts = crate::shared_fixtures::test_data_and_corpus(
            "typing_from_the_tree_is_typing_from_its_json",
        );
        for (name, text) in texts {
            for (from, to) in edits {
                if !text.contains(from) {
                    continue;
                }
                let edited = text.replacen(from, to, 1);
                for document in yaml_tree::objects(&edited).flatten() {
                    if let Some(root) = document.root {
                        typed += agree(&format!("{name} ({from:?} -> {to:?})"), &root);
                    }
                }
            }
        }
        assert!(typed > 100, "{typed}");
    }
}
