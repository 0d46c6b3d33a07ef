//! What a cluster says about itself beyond the objects the plan reads: events, which node each
//! volume is attached to, which CSI drivers are installed and how many volumes each node can
//! attach. Read live, or from manifests that include those objects (a `kubectl get events -o
//! yaml` dump); the diagnoses read it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use k8s_openapi::api::core::v1::Event as CoreEvent;
use k8s_openapi::api::events::v1::Event as EventsEvent;
use k8s_openapi::api::storage::v1::{CSIDriver, CSINode, VolumeAttachment};
use serde_json::Value;

use crate::drivers;
use crate::load::source::ObjectSource;
use crate::model::{Meta, ObjectKey, Snapshot, StorageClass, WorkloadKind};

/// The kinds that feed the evidence, as they appear in files and lists.
pub const EVIDENCE_KINDS: &[&str] = &["Event", "VolumeAttachment", "CSIDriver", "CSINode"];

/// A class's provisioner, as far as the cluster's objects tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provisioner {
    /// The class provisions nothing (`kubernetes.io/no-provisioner`).
    None,
    /// An in-tree plugin.
    InTree,
    /// An external provisioner that is no CSI driver: it registers no CSIDriver or CSINode
    /// entry, so whether it runs cannot be read from the API.
    NotCsi,
    /// A CSI driver: installed or not, `None` when neither CSIDrivers nor CSINodes were read.
    Csi { installed: Option<bool> },
}

/// An event about a claim, volume or pod.
#[derive(Clone, Debug)]
pub struct Event {
    /// The object it is about (`involvedObject`, or `regarding` in events.k8s.io/v1).
    pub object: ObjectKey,
    /// That object's uid, when the event names it: tells an object from an earlier one of the
    /// same name (a StatefulSet's claim deleted and made again).
    pub uid: Option<String>,
    pub reason: String,
    pub message: String,
    /// `Warning` or `Normal`.
    pub warning: bool,
    pub count: i32,
    /// When it was last seen, as written (RFC 3339); events sort by it.
    pub last_seen: Option<String>,
    /// Where the event is written, to point at its message.
    pub source: Option<ObjectSource>,
    /// Path of the message field (`message` or `note`).
    pub message_path: &'static str,
}

/// A VolumeAttachment: a volume attached (or being attached) to a node.
#[derive(Clone, Debug)]
pub struct Attachment {
    pub meta: Meta,
    pub attacher: String,
    /// `spec.source.persistentVolumeName`; inline volumes have none.
    pub volume: Option<String>,
    pub node: String,
    pub attached: bool,
    pub attach_error: Option<String>,
}

impl Attachment {
    pub fn key(&self) -> ObjectKey {
        self.meta.key("VolumeAttachment")
    }
}

/// Evidence read with the objects. A kind that could not be read is `None`/listed in
/// `unreadable`, so the diagnoses that need it say so rather than guess.
#[derive(Clone, Debug, Default)]
pub struct Evidence {
    pub events: Vec<Event>,
    pub attachments: Vec<Attachment>,
    /// The CSIDriver objects' names, when they were read (live: all of them; files: those given).
    pub csi_drivers: Option<BTreeSet<String>>,
    /// Per CSIDriver object, its `spec.fsGroupPolicy` (absent means ReadWriteOnceWithFSType):
    /// whether the kubelet changes a volume's ownership to the pod's fsGroup.
    pub fs_group_policies: BTreeMap<String, String>,
    /// Per node, the CSI drivers running on it (CSINode objects), when they were read.
    pub csi_nodes: Option<Vec<(String, BTreeSet<String>)>>,
    /// Per node, per CSI driver, how many of its volumes the node can attach
    /// (`spec.drivers[].allocatable.count` of its CSINode); drivers without a count are absent.
    pub volume_limits: HashMap<String, BTreeMap<String, i64>>,
    /// Kinds the run could not read (403), to say what was not checked.
    pub unreadable: Vec<&'static str>,
    /// Every node of the cluster is known (read live), so a node not among them is gone.
    pub nodes_complete: bool,
    /// Per object, its events' positions in `events`, oldest first: built by `sort`, so that
    /// a diagnosis per claim or pod does not scan every event.
    by_object: HashMap<ObjectKey, Vec<usize>>,
}

impl Evidence {
    /// Adds one object of an evidence kind; anything that does not fit its type is skipped
    /// (evidence is a hint, not input to validate).
    pub fn add(&mut self, kind: &str, value: Value, source: Option<ObjectSource>) {
        match kind {
            "Event" => {
                if let Some(event) = event(value, source) {
                    self.events.push(event);
                }
            }
            "VolumeAttachment" => {
                if let Ok(va) = serde_json::from_value::<VolumeAttachment>(typed(value, "v1")) {
                    let status = va.status.as_ref();
                    self.attachments.push(Attachment {
                        meta: Meta::from_k8s(va.metadata.clone(), None, source),
                        attacher: va.spec.attacher.clone(),
                        volume: va.spec.source.persistent_volume_name.clone(),
                        node: va.spec.node_name.clone(),
                        attached: status.is_some_and(|s| s.attached),
                        attach_error: status
                            .and_then(|s| s.attach_error.as_ref())
                            .and_then(|e| e.message.clone()),
                    });
                }
            }
            "CSIDriver" => {
                let drivers = self.csi_drivers.get_or_insert_with(BTreeSet::new);
                if let Ok(driver) = serde_json::from_value::<CSIDriver>(typed(value, "v1")) {
                    if let Some(name) = driver.metadata.name {
                        let policy = driver
                            .spec
                            .fs_group_policy
                            .unwrap_or_else(|| "ReadWriteOnceWithFSType".to_owned());
                        self.fs_group_policies.insert(name.clone(), policy);
                        drivers.insert(name);
                    }
                }
            }
            "CSINode" => {
                let nodes = self.csi_nodes.get_or_insert_with(Vec::new);
                if let Ok(node) = serde_json::from_value::<CSINode>(typed(value, "v1")) {
                    let name = node.metadata.name.unwrap_or_default();
                    let limits: BTreeMap<String, i64> = node
                        .spec
                        .drivers
                        .iter()
                        .filter_map(|d| {
                            let count = d.allocatable.as_ref()?.count?;
                            Some((d.name.clone(), i64::from(count)))
                        })
                        .collect();
                    if !limits.is_empty() {
                        self.volume_limits.insert(name.clone(), limits);
                    }
                    let drivers = node.spec.drivers.iter().map(|d| d.name.clone()).collect();
                    nodes.push((name, drivers));
                }
            }
            _ => {}
        }
    }

    /// The evidence read from a cluster: lists of the evidence kinds, and the kinds that could
    /// not be read.
    pub fn from_lists<'a>(
        lists: impl IntoIterator<Item = (&'static str, &'a [Value])>,
        unreadable: Vec<&'static str>,
    ) -> Evidence {
        let mut evidence = Evidence {
            nodes_complete: !unreadable.contains(&"Node"),
            ..Evidence::default()
        };
        for (kind, items) in lists {
            if unreadable.contains(&kind) {
                continue;
            }
            match kind {
                "CSIDriver" => {
                    evidence.csi_drivers.get_or_insert_with(BTreeSet::new);
                }
                "CSINode" => {
                    evidence.csi_nodes.get_or_insert_with(Vec::new);
                }
                _ => {}
            }
            for item in items {
                evidence.add(kind, item.clone(), None);
            }
        }
        evidence.unreadable = unreadable;
        evidence.sort();
        evidence
    }

    /// Forgets the events about earlier objects of the same name: an event whose uid is not the
    /// uid of the object of its kind and name now (a claim deleted and created again under its
    /// name, as every StatefulSet claim is). Names decide only when either side has no uid
    /// (objects in files, events that do not say). Call it before `sort`.
    pub fn forget_predecessors(&mut self, snapshot: &Snapshot) {
        let uids: HashMap<ObjectKey, &str> = snapshot
            .claims
            .iter()
            .map(|c| (c.key(), c.meta.uid.as_deref()))
            .chain(
                snapshot
                    .volumes
                    .iter()
                    .map(|v| (v.key(), v.meta.uid.as_deref())),
            )
            .chain(
                snapshot
                    .workloads
                    .iter()
                    .filter(|w| w.kind == WorkloadKind::Pod)
                    .map(|w| (w.key(), w.meta.uid.as_deref())),
            )
            .filter_map(|(key, uid)| Some((key, uid?)))
            .collect();
        self.events.retain(
            |event| match (event.uid.as_deref(), uids.get(&event.object)) {
                (Some(about), Some(now)) => about == *now,
                _ => true,
            },
        );
    }

    /// Puts events in the order they happened (last seen), so the latest is last, and indexes
    /// them by object. Call it once every event is added.
    pub fn sort(&mut self) {
        self.events
            .sort_by(|a, b| a.last_seen.cmp(&b.last_seen).then(a.count.cmp(&b.count)));
        self.by_object.clear();
        for (i, event) in self.events.iter().enumerate() {
            self.by_object
                .entry(event.object.clone())
                .or_default()
                .push(i);
        }
    }

    /// The events about an object, oldest first.
    pub fn events_of<'e>(&'e self, object: &ObjectKey) -> impl Iterator<Item = &'e Event> {
        self.by_object
            .get(object)
            .into_iter()
            .flatten()
            .map(|&i| &self.events[i])
    }

    /// The latest event about an object with one of the reasons.
    pub fn latest(&self, object: &ObjectKey, reasons: &[&str]) -> Option<&Event> {
        self.events_of(object)
            .filter(|e| reasons.contains(&e.reason.as_str()))
            .last()
    }

    /// Whether a driver is known to be installed: a CSIDriver object or a node running it.
    /// `None` when neither list was read.
    pub fn driver_installed(&self, driver: &str) -> Option<bool> {
        let registered = self.csi_drivers.as_ref().map(|d| d.contains(driver));
        let on_nodes = self
            .csi_nodes
            .as_ref()
            .map(|nodes| nodes.iter().any(|(_, drivers)| drivers.contains(driver)));
        match (registered, on_nodes) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(false) || b.unwrap_or(false)),
        }
    }

    /// What the cluster shows of a class's provisioner: whether a driver that should register
    /// itself did.
    pub fn provisioner(&self, class: &StorageClass) -> Provisioner {
        let name = class.provisioner.as_str();
        if !class.provisions() {
            Provisioner::None
        } else if name.starts_with("kubernetes.io/") {
            // In-tree plugins need no CSI driver (or are migrated to one the cluster names).
            Provisioner::InTree
        } else if !drivers::provisioner_is_csi(name) {
            Provisioner::NotCsi
        } else {
            Provisioner::Csi {
                installed: self.driver_installed(name),
            }
        }
    }

    pub fn readable(&self, kind: &str) -> bool {
        !self.unreadable.contains(&kind)
    }
}

/// k8s-openapi insists on its own apiVersion; older versions carry the fields read here.
fn typed(mut value: Value, version: &str) -> Value {
    let full = match value.get("kind").and_then(Value::as_str) {
        Some("Event") => version.to_owned(),
        _ => format!("storage.k8s.io/{version}"),
    };
    if let Some(object) = value.as_object_mut() {
        object.insert("apiVersion".to_owned(), Value::String(full));
    }
    value
}

/// The kinds events are kept about, as the model names them.
fn involved_kind(kind: &str) -> Option<&'static str> {
    ["PersistentVolumeClaim", "PersistentVolume", "Pod"]
        .into_iter()
        .find(|k| *k == kind)
}

fn event(value: Value, source: Option<ObjectSource>) -> Option<Event> {
    let events_api = value
        .get("apiVersion")
        .and_then(Value::as_str)
        .is_some_and(|v| v.starts_with("events.k8s.io/"));
    if events_api {
        let mut value = value;
        if let Some(object) = value.as_object_mut() {
            object.insert("apiVersion".to_owned(), "events.k8s.io/v1".into());
        }
        let e: EventsEvent = serde_json::from_value(value).ok()?;
        let regarding = e.regarding?;
        let kind = involved_kind(regarding.kind.as_deref()?)?;
        return Some(Event {
            object: ObjectKey::new(
                kind,
                regarding
                    .namespace
                    .as_deref()
                    .filter(|_| kind != "PersistentVolume"),
                regarding.name.as_deref()?,
            ),
            uid: regarding.uid.clone().filter(|u| !u.is_empty()),
            reason: e.reason.unwrap_or_default(),
            message: e.note.unwrap_or_default(),
            warning: e.type_.as_deref() == Some("Warning"),
            count: e.series.as_ref().map_or(1, |s| s.count),
            last_seen: e
                .series
                .as_ref()
                .map(|s| s.last_observed_time.0.to_string())
                .or_else(|| e.event_time.map(|t| t.0.to_string())),
            source,
            message_path: "note",
        });
    }
    let e: CoreEvent = serde_json::from_value(typed(value, "v1")).ok()?;
    let involved = &e.involved_object;
    let kind = involved_kind(involved.kind.as_deref()?)?;
    Some(Event {
        object: ObjectKey::new(
            kind,
            involved
                .namespace
                .as_deref()
                .filter(|_| kind != "PersistentVolume"),
            involved.name.as_deref()?,
        ),
        uid: involved.uid.clone().filter(|u| !u.is_empty()),
        reason: e.reason.unwrap_or_default(),
        message: e.message.unwrap_or_default(),
        warning: e.type_.as_deref() == Some("Warning"),
        count: e.count.unwrap_or(1),
        last_seen: e
            .last_timestamp
            .map(|t| t.0.to_string())
            .or_else(|| e.event_time.map(|t| t.0.to_string()))
            .or_else(|| e.metadata.creation_timestamp.map(|t| t.0.to_string())),
        source,
        message_path: "message",
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn events_of_both_apis() {
        let mut evidence = Evidence::default();
        evidence.add(
            "Event",
            json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "a", "namespace": "shop"},
                "involvedObject": {"kind": "PersistentVolumeClaim", "namespace": "shop", "name": "data"},
                "reason": "ProvisioningFailed", "message": "boom", "type": "Warning", "count": 3,
                "lastTimestamp": "2026-01-05T08:58:10Z"}),
            None,
        );
        evidence.add(
            "Event",
            json!({"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "b", "namespace": "shop"},
                "regarding": {"kind": "Pod", "namespace": "shop", "name": "web"},
                "reason": "FailedMount", "note": "timed out", "type": "Warning",
                "eventTime": "2026-01-05T08:59:10.000000Z", "reportingController": "kubelet", "reportingInstance": "n", "action": "Mount"}),
            None,
        );
        // Events about other kinds are not kept.
        evidence.add(
            "Event",
            json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "c"},
                "involvedObject": {"kind": "Node", "name": "n"}, "reason": "NodeReady"}),
            None,
        );
        evidence.sort();
        assert_eq!(evidence.events.len(), 2);
        let claim = ObjectKey::new("PersistentVolumeClaim", Some("shop"), "data");
        let latest = evidence.latest(&claim, &["ProvisioningFailed"]).unwrap();
        assert_eq!((latest.message.as_str(), latest.count), ("boom", 3));
        assert!(latest.warning);
        assert_eq!(evidence.events[1].message_path, "note");
    }

    #[test]
    fn drivers_are_installed_by_object_or_by_node() {
        let mut evidence = Evidence::default();
        assert_eq!(evidence.driver_installed("a"), None);
        evidence.add(
            "CSINode",
            json!({"kind": "CSINode", "metadata": {"name": "n1"}, "spec": {"drivers": [{"name": "b", "nodeID": "x"}]}}),
            None,
        );
        assert_eq!(evidence.driver_installed("a"), Some(false));
        assert_eq!(evidence.driver_installed("b"), Some(true));
        evidence.add(
            "CSIDriver",
            json!({"kind": "CSIDriver", "metadata": {"name": "a"}, "spec": {}}),
            None,
        );
        assert_eq!(evidence.driver_installed("a"), Some(true));
    }

    /// A claim deleted and made again under its name does not inherit the old one's events;
    /// an event or object without a uid still matches by name.
    #[test]
    fn events_of_an_earlier_object_of_the_same_name_are_forgotten() {
        let text = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: shop, uid: new}\nspec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n";
        let loaded = crate::load::load_str("t.yaml", text, &crate::load::LoadOptions::default());
        let mut evidence = Evidence::default();
        for (name, uid) in [("old", Some("old")), ("new", Some("new")), ("unsaid", None)] {
            let mut involved =
                json!({"kind": "PersistentVolumeClaim", "namespace": "shop", "name": "data"});
            if let Some(uid) = uid {
                involved["uid"] = json!(uid);
            }
            evidence.add(
                "Event",
                json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": name, "namespace": "shop"},
                    "involvedObject": involved, "reason": "ProvisioningFailed", "message": name}),
                None,
            );
        }
        evidence.forget_predecessors(&loaded.snapshot);
        evidence.sort();
        let claim = ObjectKey::new("PersistentVolumeClaim", Some("shop"), "data");
        let kept: Vec<&str> = evidence
            .events_of(&claim)
            .map(|e| e.message.as_str())
            .collect();
        assert_eq!(kept.len(), 2, "{kept:?}");
        assert!(!kept.contains(&"old"), "{kept:?}");
    }
}
