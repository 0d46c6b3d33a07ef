//! The kinds a claim's data source may name, which k8s-openapi does not type: the
//! snapshot.storage.k8s.io and groupsnapshot.storage.k8s.io kinds of
//! kubernetes-csi/external-snapshotter's CRDs (`client/config/crd`), ReferenceGrant
//! (gateway.networking.k8s.io) and VolumePopulator (populator.storage.k8s.io). Their wire types
//! list the CRD schemas' fields, so a field the schema lacks is reported as unknown and a value of
//! the wrong type as invalid, as for the built-in kinds.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde::Deserialize;
use serde_json::Value as Json;

use crate::model::quantity::Quantity;
use crate::model::snapshots::{GrantFrom, GrantTo, SNAPSHOT_GROUP};
use crate::model::{
    Meta, ReferenceGrant, VolumePopulator, VolumeSnapshot, VolumeSnapshotClass,
    VolumeSnapshotContent,
};

const GROUP_SNAPSHOT_GROUP: &str = "groupsnapshot.storage.k8s.io";

/// Kind, API group, and whether it is namespaced.
pub const KINDS: &[(&str, &str, bool)] = &[
    ("VolumeSnapshot", SNAPSHOT_GROUP, true),
    ("VolumeSnapshotClass", SNAPSHOT_GROUP, false),
    ("VolumeSnapshotContent", SNAPSHOT_GROUP, false),
    ("VolumeGroupSnapshot", GROUP_SNAPSHOT_GROUP, true),
    ("VolumeGroupSnapshotClass", GROUP_SNAPSHOT_GROUP, false),
    ("VolumeGroupSnapshotContent", GROUP_SNAPSHOT_GROUP, false),
    ("ReferenceGrant", "gateway.networking.k8s.io", true),
    ("VolumePopulator", "populator.storage.k8s.io", false),
];

/// The kind, when `kind` in `api_version` is one of these (another group's kind of the same
/// name is not).
pub fn kind_of(kind: &str, api_version: &str) -> Option<&'static str> {
    let group = api_version.split_once('/').map_or("", |(group, _)| group);
    KINDS
        .iter()
        .find(|(k, g, _)| *k == kind && *g == group)
        .map(|(k, _, _)| *k)
}

/// The versions of the group the current CRDs serve: external-snapshotter serves VolumeSnapshots
/// only as v1 (v1beta1 is `served: false` since v8), and group snapshots as v1beta1 and later
/// (v1alpha1 was dropped when v1beta1 came). `None` for a group the plan does not judge.
pub fn served_versions(group: &str) -> Option<&'static [&'static str]> {
    match group {
        SNAPSHOT_GROUP => Some(&["v1"]),
        GROUP_SNAPSHOT_GROUP => Some(&["v1beta1", "v1beta2", "v1"]),
        _ => None,
    }
}

pub fn namespaced(kind: &str) -> Option<bool> {
    KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|(_, _, namespaced)| *namespaced)
}

/// A reference to a VolumeSnapshot or VolumeGroupSnapshot from its content (ObjectReference).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    pub api_version: Option<String>,
    pub field_path: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub resource_version: Option<String>,
    pub uid: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotSource {
    pub persistent_volume_claim_name: Option<String>,
    pub volume_snapshot_content_name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotSpec {
    pub source: Option<SnapshotSource>,
    pub volume_snapshot_class_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireSnapshot {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    #[serde(default)]
    pub metadata: ObjectMeta,
    pub spec: Option<SnapshotSpec>,
    /// Written by the snapshot controller; read by hand, since its fields grow by release.
    pub status: Option<Json>,
}

/// A VolumeSnapshotClass or a VolumeGroupSnapshotClass: the same fields.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireClass {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    #[serde(default)]
    pub metadata: ObjectMeta,
    pub driver: Option<String>,
    pub deletion_policy: Option<String>,
    pub parameters: Option<BTreeMap<String, String>>,
    /// Alpha (VolumeSnapshotTopology); its shape is not checked.
    pub allowed_topologies: Option<Json>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ContentSource {
    pub snapshot_handle: Option<String>,
    pub volume_handle: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ContentSpec {
    pub deletion_policy: Option<String>,
    pub driver: Option<String>,
    pub source: Option<ContentSource>,
    pub source_volume_mode: Option<String>,
    pub volume_snapshot_class_name: Option<String>,
    pub volume_snapshot_ref: Option<ObjectRef>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireContent {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    #[serde(default)]
    pub metadata: ObjectMeta,
    pub spec: Option<ContentSpec>,
    pub status: Option<Json>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct GroupSnapshotSource {
    pub selector: Option<LabelSelector>,
    pub volume_group_snapshot_content_name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct GroupSnapshotSpec {
    pub source: Option<GroupSnapshotSource>,
    pub volume_group_snapshot_class_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireGroupSnapshot {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    #[serde(default)]
    pub metadata: ObjectMeta,
    pub spec: Option<GroupSnapshotSpec>,
    pub status: Option<Json>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct GroupSnapshotHandles {
    pub volume_group_snapshot_handle: Option<String>,
    pub volume_snapshot_handles: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct GroupContentSource {
    pub group_snapshot_handles: Option<GroupSnapshotHandles>,
    pub volume_handles: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct GroupContentSpec {
    pub deletion_policy: Option<String>,
    pub driver: Option<String>,
    pub source: Option<GroupContentSource>,
    pub volume_group_snapshot_class_name: Option<String>,
    pub volume_group_snapshot_ref: Option<ObjectRef>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireGroupContent {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    #[serde(default)]
    pub metadata: ObjectMeta,
    pub spec: Option<GroupContentSpec>,
    pub status: Option<Json>,
}

/// The kinds the plan reads but does not validate (not snapshot kinds): read leniently, every
/// field as JSON.
#[derive(Deserialize)]
pub struct WireLenient {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: Json,
}

/// An object of one of these kinds, typed as it was written.
pub enum Wire {
    Snapshot(WireSnapshot),
    Class(WireClass),
    Content(WireContent),
    GroupSnapshot(WireGroupSnapshot),
    GroupClass(WireClass),
    GroupContent(WireGroupContent),
    Grant(WireLenient),
    Populator(Json),
}

impl Wire {
    /// Whether unknown fields are reported: only for the snapshot CRDs, which the plan
    /// validates; the others are read for what they allow.
    pub fn strict(kind: &str) -> bool {
        !matches!(kind, "ReferenceGrant" | "VolumePopulator")
    }
}

/// Types an object of one of these kinds, collecting the paths of fields its schema lacks.
pub fn type_wire(
    kind: &str,
    json: Json,
    unknown: &mut Vec<String>,
) -> Result<Wire, serde_path_to_error::Error<serde_json::Error>> {
    use super::typing::typed;
    let mut ignored = Vec::new();
    let unknown = if Wire::strict(kind) {
        unknown
    } else {
        &mut ignored
    };
    Ok(match kind {
        "VolumeSnapshot" => Wire::Snapshot(typed(json, unknown)?),
        "VolumeSnapshotClass" => Wire::Class(typed(json, unknown)?),
        "VolumeSnapshotContent" => Wire::Content(typed(json, unknown)?),
        "VolumeGroupSnapshot" => Wire::GroupSnapshot(typed(json, unknown)?),
        "VolumeGroupSnapshotClass" => Wire::GroupClass(typed(json, unknown)?),
        "VolumeGroupSnapshotContent" => Wire::GroupContent(typed(json, unknown)?),
        "ReferenceGrant" => Wire::Grant(typed(json, unknown)?),
        _ => Wire::Populator(json),
    })
}

/// What the plan keeps of an object.
pub enum Kept {
    Snapshot(VolumeSnapshot),
    Class(VolumeSnapshotClass),
    Content(VolumeSnapshotContent),
    Grant(ReferenceGrant),
    Populator(VolumePopulator),
    /// Group snapshots are only validated.
    Nothing,
}

fn string_at<'a>(json: Option<&'a Json>, path: &[&str]) -> Option<&'a str> {
    let mut at = json?;
    for key in path {
        at = at.get(key)?;
    }
    at.as_str()
}

/// What the plan keeps of a typed object. `meta` reads its metadata (namespace defaulting).
pub fn keep(wire: &Wire, meta: impl Fn(&ObjectMeta, bool) -> Meta) -> Kept {
    match wire {
        Wire::Snapshot(s) => {
            let spec = s.spec.as_ref();
            let source_spec = spec.and_then(|s| s.source.as_ref());
            let status = s.status.as_ref();
            Kept::Snapshot(VolumeSnapshot {
                meta: meta(&s.metadata, true),
                class: spec.and_then(|s| s.volume_snapshot_class_name.clone()),
                source_claim: source_spec.and_then(|s| s.persistent_volume_claim_name.clone()),
                source_content: source_spec.and_then(|s| s.volume_snapshot_content_name.clone()),
                ready: status
                    .and_then(|s| s.get("readyToUse"))
                    .and_then(Json::as_bool),
                restore_size: status.and_then(|s| s.get("restoreSize")).and_then(|q| {
                    let text = match q {
                        Json::String(s) => s.clone(),
                        Json::Number(n) => n.to_string(),
                        _ => return None,
                    };
                    Some(
                        Quantity::parse(&text)
                            .map_err(|e| format!("invalid quantity {text:?}: {e}")),
                    )
                }),
                bound_content: string_at(status, &["boundVolumeSnapshotContentName"])
                    .map(str::to_owned),
                error: string_at(status, &["error", "message"]).map(str::to_owned),
            })
        }
        Wire::Class(c) => Kept::Class(VolumeSnapshotClass {
            meta: meta(&c.metadata, false),
            driver: c.driver.clone().unwrap_or_default(),
        }),
        Wire::Content(c) => {
            let spec = c.spec.as_ref();
            let reference = spec.and_then(|s| s.volume_snapshot_ref.as_ref());
            Kept::Content(VolumeSnapshotContent {
                meta: meta(&c.metadata, false),
                driver: spec.and_then(|s| s.driver.clone()).unwrap_or_default(),
                snapshot_ref: reference.and_then(|r| Some((r.namespace.clone()?, r.name.clone()?))),
                restore_size: c
                    .status
                    .as_ref()
                    .and_then(|s| s.get("restoreSize"))
                    .and_then(Json::as_i64),
            })
        }
        Wire::Grant(g) => {
            let entries = |key: &str| -> Vec<&Json> {
                g.spec
                    .get(key)
                    .and_then(Json::as_array)
                    .map(|a| a.iter().collect())
                    .unwrap_or_default()
            };
            let field = |entry: &Json, key: &str| {
                entry
                    .get(key)
                    .and_then(Json::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            Kept::Grant(ReferenceGrant {
                meta: meta(&g.metadata, true),
                from: entries("from")
                    .into_iter()
                    .map(|e| GrantFrom {
                        group: field(e, "group"),
                        kind: field(e, "kind"),
                        namespace: field(e, "namespace"),
                    })
                    .collect(),
                to: entries("to")
                    .into_iter()
                    .map(|e| GrantTo {
                        group: field(e, "group"),
                        kind: field(e, "kind"),
                        name: e
                            .get("name")
                            .and_then(Json::as_str)
                            .filter(|n| !n.is_empty())
                            .map(str::to_owned),
                    })
                    .collect(),
            })
        }
        Wire::Populator(p) => {
            let metadata: ObjectMeta = p
                .get("metadata")
                .cloned()
                .and_then(|m| serde_json::from_value(m).ok())
                .unwrap_or_default();
            Kept::Populator(VolumePopulator {
                meta: meta(&metadata, false),
                group: string_at(Some(p), &["sourceKind", "group"])
                    .unwrap_or_default()
                    .to_owned(),
                kind: string_at(Some(p), &["sourceKind", "kind"])
                    .unwrap_or_default()
                    .to_owned(),
            })
        }
        Wire::GroupSnapshot(_) | Wire::GroupClass(_) | Wire::GroupContent(_) => Kept::Nothing,
    }
}
