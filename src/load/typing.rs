//! From an object's JSON to its k8s-openapi type: the part of reading an object that needs
//! none of the objects before it, so that it can run on another core while the loader adds
//! earlier objects to the snapshot.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    Node as K8sNode, PersistentVolume, PersistentVolumeClaim, Pod, ReplicationController,
};
use k8s_openapi::api::storage::v1::StorageClass as K8sStorageClass;
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
    fn boxed<T: DeserializeOwned>(
        json: serde_json::Value,
        unknown: &mut Vec<String>,
    ) -> Result<Box<T>, TypeError> {
        typed(json, unknown).map(Box::new)
    }
    Ok(Some(match kind {
        "PersistentVolume" => Typed::PersistentVolume(boxed(json, unknown)?),
        "PersistentVolumeClaim" => Typed::PersistentVolumeClaim(boxed(json, unknown)?),
        "StorageClass" => Typed::StorageClass(boxed(json, unknown)?),
        "Node" => Typed::Node(boxed(json, unknown)?),
        "Pod" => Typed::Pod(boxed(json, unknown)?),
        "Deployment" => Typed::Deployment(boxed(json, unknown)?),
        "ReplicaSet" => Typed::ReplicaSet(boxed(json, unknown)?),
        "ReplicationController" => Typed::ReplicationController(boxed(json, unknown)?),
        "DaemonSet" => Typed::DaemonSet(boxed(json, unknown)?),
        "Job" => Typed::Job(boxed(json, unknown)?),
        "CronJob" => Typed::CronJob(boxed(json, unknown)?),
        "StatefulSet" => Typed::StatefulSet(boxed(json, unknown)?),
        _ => return Ok(None),
    }))
}

/// Types a document, remembering the path of the field that did not fit, and collecting the
/// paths of fields the type does not have (k8s-openapi would drop them silently).
pub(super) fn typed<T: DeserializeOwned>(
    json: serde_json::Value,
    unknown: &mut Vec<String>,
) -> Result<T, TypeError> {
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
