//! From parsed documents to model objects: which kinds the plan reads, how they are typed
//! (k8s-openapi), and what becomes of a StatefulSet's volumeClaimTemplates.

use rustc_hash::FxHashSet as HashSet;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::api_validation;
use super::dumped::Dumped;
use crate::evidence::{Evidence, EVIDENCE_KINDS};
use crate::findings::{Finding, Pointer};
use crate::model::annotations;
use crate::model::storage::parse_storage;
use crate::model::workload::{
    ephemeral_claim_name, statefulset_claim_name, ClaimRetention, ClaimTemplate, RetentionAction,
};
use crate::model::{
    Claim, ClaimOrigin, Meta, Node, ObjectKey, OwnerRef, PodTemplate, ReferenceGrant,
    RetiredApiObject, Snapshot, StorageClass, Volume, VolumePopulator, VolumeSnapshot,
    VolumeSnapshotClass, VolumeSnapshotContent, Workload, WorkloadKind,
};
use crate::removals::{self, RemovedApi};
use crate::rules::ids;
use crate::validation::{self, updates};

use super::live_objects::{LiveObject, LiveObjects};
use super::seen::{Key as SeenKey, Seen};
use super::snapshot_kinds::{self, Kept};
use super::snapshot_validation;
use super::source::{FileId, ObjectSource};
use super::text::Text;
use super::typing::{self, TypeError, Typed, KINDS};
use super::yaml_tree::{self, Node as YamlNode, Value};

/// The kinds the plan reads.
pub fn planned_kinds() -> impl Iterator<Item = &'static str> {
    KINDS.iter().map(|(kind, _)| *kind)
}

/// A StatefulSet waiting for the end of loading, when all explicit claims are known.
struct PendingStatefulSet {
    statefulset: StatefulSet,
    meta: Meta,
    workload: usize,
}

pub struct SnapshotBuilder {
    namespace: String,
    /// Events, VolumeAttachments and CSI objects met in the input.
    pub evidence: Option<Evidence>,
    snapshot: Snapshot,
    statefulsets: Vec<PendingStatefulSet>,
    /// Where each object already sits in its list, to let a later definition replace it.
    seen: Seen,
    /// Objects the cluster has, for manifests applied over them: where each is written, or
    /// for one read from a cluster, its immutable fields. Read again only when a manifest comes.
    live_objects: LiveObjects,
    /// The text of every input file, by id, to read a live object again.
    texts: Vec<Arc<Text>>,
    /// A List document was read: the input is a dump.
    dumped: bool,
}

impl SnapshotBuilder {
    pub fn new(namespace: String) -> SnapshotBuilder {
        SnapshotBuilder {
            namespace,
            evidence: None,
            snapshot: Snapshot::default(),
            statefulsets: Vec::new(),
            seen: Seen::default(),
            live_objects: LiveObjects::default(),
            texts: Vec::new(),
            dumped: false,
        }
    }

    /// Records a kind the cluster would not let the run list, and why.
    pub fn set_unreadable(&mut self, kind: &'static str, why: String) {
        self.snapshot.unreadable.push((kind, why));
    }

    /// Reads one document (or one item of a List).
    /// `text` is the file's text, to quote a value a finding is about.
    /// `prepared` is what [`prepare`] made of the node, if it was run (on another thread).
    pub(super) fn add_node(
        &mut self,
        file: FileId,
        text: &str,
        node: &YamlNode,
        prepared: Prepared,
        findings: &mut Vec<Finding>,
    ) {
        let source = ObjectSource {
            file,
            start: node.start,
            end: node.end.offset,
            base_path: None,
        };
        let Value::Map(_) = &node.value else {
            if !matches!(node.value, Value::Null) {
                findings.push(not_an_object(&source, "the document is not a mapping"));
            }
            return;
        };
        let kind = node.get("kind").and_then(YamlNode::as_str);
        let api_version = node.get("apiVersion").and_then(YamlNode::as_str);
        let (Some(kind), Some(_)) = (kind, api_version) else {
            findings.push(not_an_object(&source, "it has no apiVersion and kind"));
            return;
        };
        if let Some(Value::Seq(items)) = node.get("items").map(|n| &n.value) {
            if kind == "List" || kind.ends_with("List") {
                // What `kubectl get -o yaml` writes: the input is a cluster's objects.
                self.dumped = true;
                for item in items {
                    self.add_node(file, text, item, Prepared::Nothing, findings);
                }
                return;
            }
        }
        if let Some(removed) = api_version.and_then(|v| removals::api(v, kind)) {
            self.retired_api_object(node, removed, kind, &source);
        }
        // An object `prepare` typed was dumped from a cluster; its JSON is not needed any more.
        let json = match prepared {
            Prepared::Typed {
                kind,
                object,
                unknown,
            } => Err((kind, object, unknown)),
            Prepared::Json(json) => Ok(json),
            Prepared::Nothing => Ok(node.to_json()),
        };
        if let Some(&(kind, namespaced)) = validation::KINDS.iter().find(|(k, _)| *k == kind) {
            let key = document_key(node, kind, namespaced.then_some(self.namespace.as_str()));
            let tracked = updates::KINDS.contains(&kind);
            match &json {
                Ok(json) if !api_validation::from_cluster(json) => {
                    // Applied over a live object, the manifest is validated as the API server
                    // sees it, and the update may be refused.
                    let live = self.live_retained(kind, &key, namespaced);
                    let applied = live
                        .as_ref()
                        .and_then(|live| updates::as_applied(kind, live, json));
                    let validated = applied.as_ref().unwrap_or(json);
                    findings.extend(api_validation::check(kind, validated, &key, &source));
                    if let Some(live) = live.filter(|_| tracked) {
                        if refuse_update(kind, &key, &live, json, &source, findings) {
                            // The cluster keeps the object as it is.
                            return;
                        }
                    }
                }
                // A dumped object passed validation; a manifest may come to update it.
                _ if tracked => self.remember_written(SeenKey::of(&key).hash(), &source),
                _ => {}
            }
        }
        let json = match json {
            Ok(json) => json,
            Err((kind, object, unknown)) => {
                self.add_typed_result(node, text, &source, kind, object, &unknown, findings);
                return;
            }
        };
        if EVIDENCE_KINDS.contains(&kind) {
            self.evidence
                .get_or_insert_with(Evidence::default)
                .add(kind, json, Some(source));
            return;
        }
        let snapshot_kind = api_version.and_then(|v| snapshot_kinds::kind_of(kind, v));
        let planned = KINDS.iter().find(|(k, _)| *k == kind).map(|(k, _)| *k);
        let Some(kind) = snapshot_kind.or(planned) else {
            // Kinds the plan does not read are skipped silently.
            return;
        };
        // Fields the typed model does not know: kubectl's strict validation rejects them.
        let mut unknown = Vec::new();
        let add = if snapshot_kind.is_some() {
            Self::add_snapshot_kind
        } else {
            Self::add_object
        };
        let added = add(
            self,
            kind,
            json,
            Some(source.clone()),
            &mut unknown,
            findings,
        );
        self.report_typing(node, text, &source, kind, added, &unknown, findings);
    }

    /// Adds an object dumped from a cluster that [`super::dumped::type_skimmed`] typed and
    /// converted: what `add_node` does with such an object, which has nothing to report.
    pub(super) fn add_dumped(&mut self, file: FileId, dumped: Dumped, findings: &mut Vec<Finding>) {
        let source = ObjectSource {
            file,
            start: dumped.start,
            end: dumped.end,
            base_path: None,
        };
        if let Some(key) = dumped.written {
            self.remember_written(key, &source);
        }
        let mut converted = dumped.object;
        if let Some(meta) = converted.meta_mut() {
            meta.source = Some(source.clone());
        }
        self.add_converted(converted, Some(source), findings);
    }

    /// Adds an object [`prepare`] typed, and reports what typing it found.
    #[allow(clippy::too_many_arguments)]
    fn add_typed_result(
        &mut self,
        node: &YamlNode,
        text: &str,
        source: &ObjectSource,
        kind: &'static str,
        object: Result<Option<Typed>, TypeError>,
        unknown: &[String],
        findings: &mut Vec<Finding>,
    ) {
        let added = object.map(|object| {
            if let Some(object) = object {
                self.add_typed(object, Some(source.clone()), findings);
            }
        });
        self.report_typing(node, text, source, kind, added, unknown, findings);
    }

    /// A field that does not fit its type, or fields the type does not have.
    #[allow(clippy::too_many_arguments)]
    fn report_typing(
        &self,
        node: &YamlNode,
        text: &str,
        source: &ObjectSource,
        kind: &'static str,
        added: Result<(), TypeError>,
        unknown: &[String],
        findings: &mut Vec<Finding>,
    ) {
        match added {
            Err(error) => findings.push(invalid_field(
                node,
                text,
                source,
                kind,
                &self.namespace,
                error,
            )),
            Ok(()) => findings.extend(
                unknown
                    .iter()
                    .map(|path| unknown_field(node, source, kind, &self.namespace, path)),
            ),
        }
    }

    /// Remembers an object the cluster has, for a manifest that may be applied over it: where
    /// it is written, or, read from a cluster, its immutable fields.
    /// `key` is the hash of its kind, namespace and name (`seen::Key`).
    fn remember_written(&mut self, key: u64, source: &ObjectSource) {
        self.live_objects
            .add(key, LiveObject::Written(source.clone()));
    }

    /// The same for an object read from a cluster, which has no text to read again.
    fn remember_read(&mut self, kind: &str, key: ObjectKey, json: &serde_json::Value) {
        if let Some(kept) = updates::retained(kind, json) {
            let hash = SeenKey::of(&key).hash();
            let kept = kept.to_string().into_boxed_str();
            self.live_objects.add(hash, LiveObject::Read(key, kept));
        }
    }

    /// The namespace objects written without one go to.
    pub(super) fn namespace(&self) -> &str {
        &self.namespace
    }

    /// Keeps a file's text, so that objects written in it can be read again.
    pub fn add_text(&mut self, file: FileId, text: Arc<Text>) {
        self.reserve_for(&text);
        let index = file.0 as usize;
        if self.texts.len() <= index {
            self.texts.resize(index + 1, Arc::default());
        }
        self.texts[index] = text;
    }

    /// Makes room for the claims and volumes a text may hold, so that their lists are
    /// not moved as they grow: each move copies every object into fresh memory, which the
    /// kernel must clear first, and at 100,000 claims that was a tenth of the load. The count
    /// is of the kinds' names, so it may be up to twice too high (a bound volume's claimRef
    /// names its kind too); memory reserved and never written costs no resident memory.
    fn reserve_for(&mut self, text: &str) {
        let mut volumes = 0;
        let mut claims = 0;
        for at in memchr::memmem::find_iter(text.as_bytes(), b"PersistentVolume") {
            if text.as_bytes()[at + "PersistentVolume".len()..].starts_with(b"Claim") {
                claims += 1;
            } else {
                volumes += 1;
            }
        }
        let snapshot = &mut self.snapshot;
        snapshot.claims.reserve(claims);
        snapshot.volumes.reserve(volumes);
        self.seen.reserve(claims + volumes);
        self.live_objects.reserve(claims + volumes);
    }

    /// The immutable fields of the live object `key`, if the input has one. `namespaced`
    /// says whether the kind is, for an object written without a namespace.
    fn live_retained(
        &self,
        kind: &str,
        key: &ObjectKey,
        namespaced: bool,
    ) -> Option<serde_json::Value> {
        let default_namespace = namespaced.then_some(self.namespace.as_str());
        let hash = SeenKey::of(key).hash();
        self.live_objects.under(hash).find_map(|live| match live {
            LiveObject::Written(source) => {
                let text = self.texts.get(source.file.0 as usize)?;
                let node = super::source::reparse(text, source.start, source.end)?;
                if document_key(&node, kind, default_namespace) != *key {
                    return None;
                }
                updates::retained(kind, &node.to_json())
            }
            LiveObject::Read(read, kept) if read == key => serde_json::from_str(kept).ok(),
            LiveObject::Read(..) => None,
        })
    }

    /// Remembers an object written at an API version some release no longer serves. It is
    /// still read (a storage.k8s.io/v1beta1 StorageClass carries the fields of v1, and is
    /// planned as one); whether the release planned for refuses it is judged later.
    fn retired_api_object(
        &mut self,
        node: &YamlNode,
        removed: &'static RemovedApi,
        kind: &str,
        source: &ObjectSource,
    ) {
        let kind = removals::kind_name(removed, kind);
        let metadata = node.get("metadata");
        let field = |name: &str| {
            metadata
                .and_then(|m| m.get(name))
                .and_then(YamlNode::as_str)
        };
        let namespaced = snapshot_kinds::namespaced(kind).unwrap_or(kind == "CSIStorageCapacity");
        let namespace = field("namespace").or(namespaced.then_some(self.namespace.as_str()));
        self.snapshot.retired_api_objects.push(RetiredApiObject {
            key: ObjectKey::new(kind, namespace, field("name").unwrap_or_default()),
            api_version: removed.api_version.clone(),
            source: Some(source.clone()),
        });
    }

    /// Reads one object read from a cluster: it has no source text, so findings about it
    /// carry no location. Items of a List are read one by one; kinds the plan does not read are
    /// skipped.
    pub fn add_value(&mut self, value: serde_json::Value, findings: &mut Vec<Finding>) {
        let kind = value.get("kind").and_then(serde_json::Value::as_str);
        if let (Some(kind), Some(serde_json::Value::Array(_))) = (kind, value.get("items")) {
            if kind.ends_with("List") {
                let serde_json::Value::Object(mut list) = value else {
                    return;
                };
                if let Some(serde_json::Value::Array(items)) = list.remove("items") {
                    for item in items {
                        self.add_value(item, findings);
                    }
                }
                return;
            }
        }
        let api_version = value.get("apiVersion").and_then(serde_json::Value::as_str);
        if let Some(kind) = kind
            .zip(api_version)
            .and_then(|(k, v)| snapshot_kinds::kind_of(k, v))
        {
            let key = object_key(&value, kind);
            // A live object passed the API server's validation; a field the wire type lacks is
            // newer than the type.
            if let Err(error) = self.add_snapshot_kind(kind, value, None, &mut Vec::new(), findings)
            {
                findings.push(invalid_live_field(key, error));
            }
            return;
        }
        let Some(&(kind, _)) = KINDS.iter().find(|(k, _)| Some(*k) == kind) else {
            return;
        };
        let key = object_key(&value, kind);
        if updates::KINDS.contains(&kind) {
            self.remember_read(kind, key.clone(), &value);
        }
        // A field an API server serves and the typed model lacks is newer than the model, not a
        // mistake of the user's.
        if let Err(error) = self.add_object(kind, value, None, &mut Vec::new(), findings) {
            findings.push(invalid_live_field(key, error));
        }
    }

    /// Types one object of a kind the plan reads and adds it to the snapshot.
    fn add_object(
        &mut self,
        kind: &'static str,
        json: serde_json::Value,
        source: Option<ObjectSource>,
        unknown: &mut Vec<String>,
        findings: &mut Vec<Finding>,
    ) -> Result<(), serde_path_to_error::Error<serde_json::Error>> {
        if let Some(object) = typing::decode(kind, json, unknown)? {
            self.add_typed(object, source, findings);
        }
        Ok(())
    }

    /// Adds one typed object to the snapshot.
    fn add_typed(
        &mut self,
        object: Typed,
        source: Option<ObjectSource>,
        findings: &mut Vec<Finding>,
    ) {
        let converted = convert(object, &self.namespace, source.clone());
        self.add_converted(converted, source, findings);
    }

    /// Adds an object [`convert`] made; `source` is where a workload is written.
    fn add_converted(
        &mut self,
        converted: Converted,
        source: Option<ObjectSource>,
        findings: &mut Vec<Finding>,
    ) {
        let object = match converted {
            Converted::Volume(volume) => {
                self.upsert("PersistentVolume", *volume, |s| &mut s.volumes, findings);
                return;
            }
            Converted::Claim(claim) => {
                self.upsert("PersistentVolumeClaim", *claim, |s| &mut s.claims, findings);
                return;
            }
            Converted::Class(class) => {
                self.upsert("StorageClass", *class, |s| &mut s.classes, findings);
                return;
            }
            Converted::Node(node) => {
                self.upsert("Node", *node, |s| &mut s.nodes, findings);
                return;
            }
            Converted::Workload(object) => object,
        };
        match object {
            // Converted above.
            Typed::PersistentVolume(_)
            | Typed::PersistentVolumeClaim(_)
            | Typed::StorageClass(_)
            | Typed::Node(_) => {}
            Typed::Pod(pod) => {
                let mut pod = *pod;
                let finished = matches!(
                    pod.status.as_ref().and_then(|s| s.phase.as_deref()),
                    Some("Succeeded" | "Failed")
                );
                let meta = self.meta(std::mem::take(&mut pod.metadata), true, source.clone());
                let index = self.workload(
                    WorkloadKind::Pod,
                    meta,
                    1,
                    pod.spec.as_ref(),
                    "spec",
                    finished,
                    findings,
                );
                if let Some(w) = self.snapshot.workloads.get_mut(index) {
                    w.phase = pod.status.as_ref().and_then(|s| s.phase.clone());
                    w.unschedulable = pod
                        .status
                        .as_ref()
                        .and_then(|s| s.conditions.as_ref())
                        .into_iter()
                        .flatten()
                        .find(|c| {
                            c.type_ == "PodScheduled"
                                && c.status == "False"
                                && c.reason.as_deref() == Some("Unschedulable")
                        })
                        .map(|c| c.message.clone().unwrap_or_default());
                }
            }
            Typed::Deployment(d) => {
                let mut d = *d;
                let replicas = d.spec.replicas.unwrap_or(1);
                let meta = self.meta(std::mem::take(&mut d.metadata), true, source.clone());
                let surges =
                    d.spec.strategy.as_ref().and_then(|st| st.type_.as_deref()) != Some("Recreate");
                let index = self.workload(
                    WorkloadKind::Deployment,
                    meta,
                    replicas,
                    d.spec.template.spec.as_ref(),
                    "spec.template.spec",
                    false,
                    findings,
                );
                if let Some(w) = self.snapshot.workloads.get_mut(index) {
                    w.surges = surges;
                }
            }
            Typed::ReplicaSet(r) => {
                let mut r = *r;
                let replicas = r.spec.replicas.unwrap_or(1);
                let meta = self.meta(std::mem::take(&mut r.metadata), true, source.clone());
                let template = r.spec.template.as_ref().and_then(|t| t.spec.as_ref());
                self.workload(
                    WorkloadKind::ReplicaSet,
                    meta,
                    replicas,
                    template,
                    "spec.template.spec",
                    false,
                    findings,
                );
            }
            Typed::ReplicationController(r) => {
                let mut r = *r;
                let spec = r.spec.as_ref();
                let replicas = spec.and_then(|s| s.replicas).unwrap_or(1);
                let meta = self.meta(std::mem::take(&mut r.metadata), true, source.clone());
                let template = spec
                    .and_then(|s| s.template.as_ref())
                    .and_then(|t| t.spec.as_ref());
                self.workload(
                    WorkloadKind::ReplicationController,
                    meta,
                    replicas,
                    template,
                    "spec.template.spec",
                    false,
                    findings,
                );
            }
            Typed::DaemonSet(d) => {
                let mut d = *d;
                let meta = self.meta(std::mem::take(&mut d.metadata), true, source.clone());
                let template = d.spec.template.spec.as_ref();
                self.workload(
                    WorkloadKind::DaemonSet,
                    meta,
                    1,
                    template,
                    "spec.template.spec",
                    false,
                    findings,
                );
            }
            Typed::Job(j) => {
                let mut j = *j;
                let spec = j.spec.as_ref();
                let suspended = spec.and_then(|s| s.suspend).unwrap_or(false);
                let parallelism = if suspended {
                    0
                } else {
                    spec.and_then(|s| s.parallelism).unwrap_or(1)
                };
                let finished = j
                    .status
                    .as_ref()
                    .and_then(|s| s.completion_time.as_ref())
                    .is_some();
                let meta = self.meta(std::mem::take(&mut j.metadata), true, source.clone());
                self.workload(
                    WorkloadKind::Job,
                    meta,
                    parallelism,
                    spec.and_then(|s| s.template.spec.as_ref()),
                    "spec.template.spec",
                    finished,
                    findings,
                );
            }
            Typed::CronJob(c) => {
                let mut c = *c;
                let suspended = c.spec.suspend.unwrap_or(false);
                let template = c
                    .spec
                    .job_template
                    .spec
                    .as_ref()
                    .and_then(|j| j.template.spec.as_ref());
                let meta = self.meta(std::mem::take(&mut c.metadata), true, source.clone());
                self.workload(
                    WorkloadKind::CronJob,
                    meta,
                    if suspended { 0 } else { 1 },
                    template,
                    "spec.jobTemplate.spec.template.spec",
                    false,
                    findings,
                );
            }
            Typed::StatefulSet(s) => {
                let s = *s;
                let spec = &s.spec;
                let meta = self.meta(s.metadata.clone(), true, source.clone());
                let workload = self.workload(
                    WorkloadKind::StatefulSet,
                    meta.clone(),
                    spec.replicas.unwrap_or(1),
                    spec.template.spec.as_ref(),
                    "spec.template.spec",
                    false,
                    findings,
                );
                if let Some(w) = self.snapshot.workloads.get_mut(workload) {
                    let retention = spec.persistent_volume_claim_retention_policy.as_ref();
                    w.claim_retention = ClaimRetention {
                        when_deleted: RetentionAction::parse(
                            retention.and_then(|r| r.when_deleted.as_deref()),
                        ),
                        when_scaled: RetentionAction::parse(
                            retention.and_then(|r| r.when_scaled.as_deref()),
                        ),
                    };
                    w.ordinal_start = spec.ordinals.as_ref().and_then(|o| o.start).unwrap_or(0);
                    w.claim_templates = spec
                        .volume_claim_templates
                        .iter()
                        .flatten()
                        .enumerate()
                        .map(|(i, t)| ClaimTemplate {
                            name: t.metadata.name.clone().unwrap_or_default(),
                            path: format!("spec.volumeClaimTemplates[{i}]"),
                            request: parse_storage(
                                t.spec
                                    .as_ref()
                                    .and_then(|s| s.resources.as_ref())
                                    .and_then(|r| r.requests.as_ref()),
                            ),
                        })
                        .collect();
                }
                // A StatefulSet defined again replaces the earlier one's claim templates too.
                self.statefulsets.retain(|p| p.workload != workload);
                self.statefulsets.push(PendingStatefulSet {
                    statefulset: s,
                    meta,
                    workload,
                });
            }
        }
    }

    /// Types one object of a snapshot kind, reports what its CRD refuses (for an object still
    /// to be created), and keeps what the plan reads of it.
    fn add_snapshot_kind(
        &mut self,
        kind: &'static str,
        json: serde_json::Value,
        source: Option<ObjectSource>,
        unknown: &mut Vec<String>,
        findings: &mut Vec<Finding>,
    ) -> Result<(), serde_path_to_error::Error<serde_json::Error>> {
        let namespaced = snapshot_kinds::namespaced(kind).unwrap_or(true);
        let mut key = object_key(&json, kind);
        if namespaced && key.namespace.as_deref().is_none_or(str::is_empty) {
            key.namespace = Some(self.namespace.clone());
        }
        let exists = super::api_validation::from_cluster(&json);
        // An object that exists was accepted when it was created.
        if !exists {
            let api_version = json
                .get("apiVersion")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default();
            if let Some(finding) =
                snapshot_validation::unserved_version(api_version, &key, source.as_ref())
            {
                // A version that was served once and removed is removed-api-version's, which
                // knows in which release; this one names versions that never were.
                if removals::api(api_version, kind).is_none() {
                    findings.push(finding);
                }
                return Ok(());
            }
        }
        let wire = snapshot_kinds::type_wire(kind, json, unknown)?;
        if !exists {
            snapshot_validation::check(&wire, &key, source.as_ref(), findings);
        }
        let kept = snapshot_kinds::keep(&wire, |meta, namespaced| {
            self.meta(meta.clone(), namespaced, source.clone())
        });
        match kept {
            Kept::Snapshot(s) => {
                self.upsert("VolumeSnapshot", s, |s| &mut s.volume_snapshots, findings);
            }
            Kept::Class(c) => {
                self.upsert(
                    "VolumeSnapshotClass",
                    c,
                    |s| &mut s.snapshot_classes,
                    findings,
                );
            }
            Kept::Content(c) => {
                self.upsert(
                    "VolumeSnapshotContent",
                    c,
                    |s| &mut s.snapshot_contents,
                    findings,
                );
            }
            Kept::Grant(g) => {
                self.upsert("ReferenceGrant", g, |s| &mut s.reference_grants, findings);
            }
            Kept::Populator(p) => {
                self.upsert("VolumePopulator", p, |s| &mut s.volume_populators, findings);
            }
            Kept::Nothing => {}
        }
        Ok(())
    }

    fn meta(&self, meta: ObjectMeta, namespaced: bool, source: Option<ObjectSource>) -> Meta {
        let default = namespaced.then_some(self.namespace.as_str());
        Meta::from_k8s(meta, default, source)
    }

    #[allow(clippy::too_many_arguments)]
    fn workload(
        &mut self,
        kind: WorkloadKind,
        meta: Meta,
        pods: i32,
        spec: Option<&PodSpec>,
        path: &str,
        finished: bool,
        findings: &mut Vec<Finding>,
    ) -> usize {
        let workload = Workload {
            kind,
            meta,
            pods: pods.max(0) as u32,
            ordinal_start: 0,
            template: spec
                .map(|s| PodTemplate::from_k8s(s, path))
                .unwrap_or_default(),
            claim_templates: Vec::new(),
            claim_retention: ClaimRetention::default(),
            finished,
            surges: false,
            phase: None,
            unschedulable: None,
        };
        self.upsert(kind.as_str(), workload, |s| &mut s.workloads, findings)
    }

    /// Adds an object, or replaces an earlier definition of the same kind, namespace and name:
    /// the last one wins, as when both are applied. Returns the object's index.
    fn upsert<T: HasMeta>(
        &mut self,
        kind: &'static str,
        item: T,
        list: impl Fn(&mut Snapshot) -> &mut Vec<T>,
        findings: &mut Vec<Finding>,
    ) -> usize {
        let list = list(&mut self.snapshot);
        let meta = item.meta();
        let (namespace, name) = (meta.namespace.as_deref(), meta.name.as_str());
        let key = SeenKey::new(kind, namespace, name);
        let found = self.seen.find(key, |i| {
            let other = list[i].meta();
            other.namespace.as_deref() == namespace && other.name == name
        });
        if let Some(i) = found {
            // A manifest given after a dump of the same object is an update of the live object
            // (a plan of "what if I apply this"), not a copy-paste mistake.
            if list[i].meta().exists && !item.meta().exists {
                let mut item = item;
                item.update(&list[i]);
                list[i] = item;
                return i;
            }
            let source = item.meta().source.clone();
            let object = item.meta().key(kind);
            findings.push(
                Finding::new(
                    ids::DUPLICATE_OBJECT,
                    object.clone(),
                    format!("{object} is defined more than once; the last definition replaces the earlier one, as when both are applied"),
                )
                .at(Pointer::field(source.as_ref(), "metadata.name"), "defined again here")
                .help("rename one of the two, or delete the copy"),
            );
            list[i] = item;
            return i;
        }
        self.seen.add(key, list.len());
        list.push(item);
        list.len() - 1
    }

    /// Whether the input looks like a cluster's objects: a List as `kubectl get` writes it, or
    /// objects carrying what the API server adds.
    pub fn dumped(&self) -> bool {
        let s = &self.snapshot;
        self.dumped
            || s.classes.iter().any(|o| o.meta.exists)
            || s.claims.iter().any(|o| o.meta.exists)
            || s.volumes.iter().any(|o| o.meta.exists)
            || s.nodes.iter().any(|o| o.meta.exists)
            || s.workloads.iter().any(|o| o.meta.exists)
    }

    /// Expands StatefulSet claim templates into the claims the StatefulSet controller creates,
    /// `<template>-<statefulset>-<ordinal>` per replica, and generic ephemeral volumes into the
    /// claims the ephemeral volume controller creates, `<pod>-<volume>` per pod, unless such a
    /// claim was given.
    pub fn finish(mut self) -> Snapshot {
        let given: HashSet<(String, String)> = self
            .snapshot
            .claims
            .iter()
            .map(|c| {
                (
                    c.meta.namespace.clone().unwrap_or_default(),
                    c.meta.name.clone(),
                )
            })
            .collect();
        for pending in std::mem::take(&mut self.statefulsets) {
            let Some(workload) = self.snapshot.workloads.get(pending.workload).cloned() else {
                continue;
            };
            let namespace = pending.meta.namespace.clone().unwrap_or_default();
            let templates = pending
                .statefulset
                .spec
                .volume_claim_templates
                .clone()
                .unwrap_or_default();
            for (i, template) in templates.iter().enumerate() {
                let template_name = template.metadata.name.clone().unwrap_or_default();
                for pod in 0..workload.pods {
                    let ordinal = workload.ordinal_start.saturating_add(pod as i32);
                    let name = statefulset_claim_name(&template_name, &pending.meta.name, ordinal);
                    if given.contains(&(namespace.clone(), name.clone())) {
                        continue;
                    }
                    let source = pending.meta.source.clone().map(|s| ObjectSource {
                        base_path: Some(Arc::from(format!("spec.volumeClaimTemplates[{i}]"))),
                        ..s
                    });
                    let mut meta =
                        Meta::from_k8s(template.metadata.clone(), Some(&namespace), source);
                    meta.name = name;
                    meta.namespace = Some(namespace.clone());
                    // The claim does not exist until the controller creates it.
                    meta.uid = None;
                    meta.created = None;
                    meta.exists = false;
                    let origin = ClaimOrigin::StatefulSetTemplate {
                        statefulset: pending.meta.key("StatefulSet"),
                        template: template_name.clone(),
                        ordinal,
                    };
                    self.snapshot
                        .claims
                        .push(Claim::from_k8s(template.clone(), meta, origin));
                }
            }
        }
        self.expand_ephemeral_volumes(&given);
        self.snapshot
    }

    /// The claims of generic ephemeral volumes, one per pod and volume, owned by the pod (upstream
    /// pkg/controller/volume/ephemeral: the claim gets the template's metadata and spec, and a
    /// controller owner reference to the pod).
    fn expand_ephemeral_volumes(&mut self, given: &HashSet<(String, String)>) {
        let mut claims = Vec::new();
        for workload in &self.snapshot.workloads {
            // Pods of an existing Deployment, DaemonSet or Job have claims named after pods the
            // plan cannot name: a cluster's copy of them is in the input, or unknown.
            let names_known =
                matches!(workload.kind, WorkloadKind::Pod | WorkloadKind::StatefulSet);
            if workload.template.ephemeral.is_empty() || (workload.meta.exists && !names_known) {
                continue;
            }
            let namespace = workload.meta.namespace.clone().unwrap_or_default();
            for pod in 0..workload.distinct_pods() {
                let pod_name = workload.pod_name(pod);
                for volume in &workload.template.ephemeral {
                    let name = ephemeral_claim_name(&pod_name, &volume.volume);
                    if given.contains(&(namespace.clone(), name.clone())) {
                        continue;
                    }
                    let source = workload.meta.source.clone().map(|s| ObjectSource {
                        base_path: Some(Arc::from(volume.path.as_str())),
                        ..s
                    });
                    let template_meta = volume.template.metadata.clone().unwrap_or_default();
                    let mut meta = Meta::from_k8s(template_meta.clone(), Some(&namespace), source);
                    meta.name = name;
                    meta.namespace = Some(namespace.clone());
                    meta.namespace_defaulted = workload.meta.namespace_defaulted;
                    meta.uid = None;
                    meta.created = None;
                    meta.exists = false;
                    meta.owners = vec![OwnerRef {
                        kind: "Pod".to_owned(),
                        name: pod_name.clone(),
                        uid: match workload.kind {
                            WorkloadKind::Pod => workload.meta.uid.clone(),
                            _ => None,
                        },
                    }];
                    let pvc = PersistentVolumeClaim {
                        metadata: template_meta,
                        spec: Some(volume.template.spec.clone()),
                        status: None,
                    };
                    let origin = ClaimOrigin::EphemeralVolume {
                        workload: workload.key(),
                        volume: volume.volume.clone(),
                        pod: pod_name.clone(),
                    };
                    claims.push(Claim::from_k8s(pvc, meta, origin));
                }
            }
        }
        self.snapshot.claims.extend(claims);
    }
}

/// Objects that carry metadata, for replacing duplicates.
trait HasMeta {
    fn meta(&self) -> &Meta;

    fn meta_mut(&mut self) -> &mut Meta;

    /// Turns this definition, still to be applied, into the update of `live`: the object keeps
    /// its identity (uid, creation time) and what controllers wrote on it.
    fn update(&mut self, live: &Self) {
        keep_identity(self.meta_mut(), live.meta());
    }
}

/// Reports the immutable fields a manifest changes in the live object it is applied over
/// (`immutable-field-changed`); whether the update is refused.
fn refuse_update(
    kind: &str,
    key: &ObjectKey,
    live: &serde_json::Value,
    manifest: &serde_json::Value,
    source: &ObjectSource,
    findings: &mut Vec<Finding>,
) -> bool {
    let changes = updates::changes(kind, live, manifest);
    let refused = !changes.is_empty();
    findings.extend(
        changes
            .into_iter()
            .map(|change| api_validation::immutable(key, change, source)),
    );
    refused
}

fn keep_identity(meta: &mut Meta, live: &Meta) {
    meta.uid.clone_from(&live.uid);
    meta.created = live.created;
    meta.exists = live.exists;
    meta.deleting = live.deleting;
    // Owner references are set by controllers; applying a manifest without them keeps them.
    if meta.owners.is_empty() {
        meta.owners.clone_from(&live.owners);
    }
}

macro_rules! has_meta {
    ($($t:ty),*) => { $(impl HasMeta for $t {
        fn meta(&self) -> &Meta { &self.meta }
        fn meta_mut(&mut self) -> &mut Meta { &mut self.meta }
    })* };
}
has_meta!(
    Volume,
    StorageClass,
    Node,
    Workload,
    VolumeSnapshotClass,
    VolumeSnapshotContent,
    ReferenceGrant,
    VolumePopulator
);

impl HasMeta for VolumeSnapshot {
    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }

    /// A manifest applied over a dumped snapshot keeps what the snapshot controller wrote.
    fn update(&mut self, live: &VolumeSnapshot) {
        keep_identity(&mut self.meta, &live.meta);
        self.ready = live.ready;
        self.restore_size.clone_from(&live.restore_size);
        self.bound_content.clone_from(&live.bound_content);
        self.error.clone_from(&live.error);
    }
}

/// Annotations controllers and admission write on a claim, which applying a manifest keeps.
const CONTROLLER_CLAIM_ANNOTATIONS: &[&str] = &[
    annotations::BIND_COMPLETED,
    annotations::BOUND_BY_CONTROLLER,
    annotations::SELECTED_NODE,
    annotations::STORAGE_PROVISIONER,
    annotations::BETA_STORAGE_PROVISIONER,
];

impl HasMeta for Claim {
    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }

    /// As `kubectl apply` leaves it: fields the manifest does not set keep what the controller
    /// or admission set (the bound volume, the defaulted class), and the status stays.
    fn update(&mut self, live: &Claim) {
        keep_identity(&mut self.meta, &live.meta);
        for key in CONTROLLER_CLAIM_ANNOTATIONS {
            if let Some(value) = live.meta.annotations.get(key) {
                if !self.meta.annotations.contains_key(key) {
                    self.meta.annotations.insert(key, value.to_owned());
                }
            }
        }
        if self.volume_name.is_none() {
            self.volume_name.clone_from(&live.volume_name);
        }
        if !self.has_class() {
            self.spec_class.clone_from(&live.spec_class);
        }
        self.status_capacity.clone_from(&live.status_capacity);
        self.status.clone_from(&live.status);
        self.previous_request = match &live.request {
            Some(Ok(q)) => Some(Box::new(q.clone())),
            _ => None,
        };
    }
}

/// A typed object as the snapshot keeps it, for the kinds that need no other object for that.
pub(super) enum Converted {
    Volume(Box<Volume>),
    Claim(Box<Claim>),
    Class(Box<StorageClass>),
    Node(Box<Node>),
    /// Workloads are added with what the snapshot already holds.
    Workload(Typed),
}

impl Converted {
    #[cfg(test)]
    pub(super) fn name(&self) -> &str {
        match self {
            Converted::Volume(volume) => &volume.meta.name,
            Converted::Claim(claim) => &claim.meta.name,
            Converted::Class(class) => &class.meta.name,
            Converted::Node(node) => &node.meta.name,
            Converted::Workload(object) => object.metadata().name.as_deref().unwrap_or_default(),
        }
    }

    fn meta_mut(&mut self) -> Option<&mut Meta> {
        match self {
            Converted::Volume(volume) => Some(&mut volume.meta),
            Converted::Claim(claim) => Some(&mut claim.meta),
            Converted::Class(class) => Some(&mut class.meta),
            Converted::Node(node) => Some(&mut node.meta),
            Converted::Workload(_) => None,
        }
    }
}

/// Turns a typed object into the snapshot's model where that needs nothing but the object:
/// the part of adding it that can run on another thread. `namespace` is the one objects
/// written without one go to.
pub(super) fn convert(object: Typed, namespace: &str, source: Option<ObjectSource>) -> Converted {
    let meta = |meta: &mut ObjectMeta, namespaced: bool| {
        let default = namespaced.then_some(namespace);
        Meta::from_k8s(std::mem::take(meta), default, source.clone())
    };
    match object {
        Typed::PersistentVolume(mut pv) => {
            let meta = meta(&mut pv.metadata, false);
            Converted::Volume(Box::new(Volume::from_k8s(&mut pv, meta)))
        }
        Typed::PersistentVolumeClaim(mut pvc) => {
            let meta = meta(&mut pvc.metadata, true);
            Converted::Claim(Box::new(Claim::from_k8s(*pvc, meta, ClaimOrigin::Manifest)))
        }
        Typed::StorageClass(mut sc) => {
            let meta = meta(&mut sc.metadata, false);
            Converted::Class(Box::new(StorageClass::from_k8s(&sc, meta)))
        }
        Typed::Node(mut node) => {
            let meta = meta(&mut node.metadata, false);
            Converted::Node(Box::new(Node::from_k8s(&node, meta)))
        }
        other => Converted::Workload(other),
    }
}

/// What [`SnapshotBuilder::add_node`] can be handed ready-made for a document.
pub(super) enum Prepared {
    /// Nothing: the builder does it all.
    Nothing,
    /// The document as JSON.
    Json(serde_json::Value),
    /// An object dumped from a cluster, of a kind the plan types: typed, with the fields its
    /// type lacks. Nothing about it depends on the objects before it.
    Typed {
        kind: &'static str,
        object: Result<Option<Typed>, TypeError>,
        unknown: Vec<String>,
    },
}

/// Does for a document what needs none of the documents before it: turning it into JSON and,
/// for an object dumped from a cluster (which is neither validated nor applied over another),
/// typing it. Runs on another thread than the builder; `add_node` does the same when handed
/// [`Prepared::Nothing`].
pub(super) fn prepare(node: &YamlNode) -> Prepared {
    if !matches!(node.value, Value::Map(_)) {
        return Prepared::Nothing;
    }
    let kind = node.get("kind").and_then(YamlNode::as_str);
    let api_version = node.get("apiVersion").and_then(YamlNode::as_str);
    let (Some(kind), Some(api_version)) = (kind, api_version) else {
        return Prepared::Nothing;
    };
    if node.get("items").is_some() && kind.ends_with("List") {
        return Prepared::Nothing;
    }
    // Typed here: an object dumped from a cluster, of a kind the plan types that the evidence
    // and snapshot readers do not take.
    let typed_kind = KINDS
        .iter()
        .map(|(k, _)| *k)
        .find(|k| *k == kind)
        .filter(|_| {
            !EVIDENCE_KINDS.contains(&kind)
                && snapshot_kinds::kind_of(kind, api_version).is_none()
                && api_validation::node_from_cluster(node)
        });
    let Some(kind) = typed_kind else {
        return Prepared::Json(node.to_json());
    };
    // In the apiVersion its type has, it is typed from the tree first; only one that does not
    // fit its type makes the JSON that says why.
    if KINDS.contains(&(kind, api_version)) {
        if let Some(object) = typing::decode_node(kind, node) {
            return Prepared::Typed {
                kind,
                object: Ok(Some(object)),
                unknown: Vec::new(),
            };
        }
    }
    let mut unknown = Vec::new();
    let object = typing::decode(kind, node.to_json(), &mut unknown);
    Prepared::Typed {
        kind,
        object,
        unknown,
    }
}

fn not_an_object(source: &ObjectSource, why: &str) -> Finding {
    let key = ObjectKey::new("Document", None, "");
    Finding::new(
        ids::NOT_A_KUBERNETES_OBJECT,
        key,
        format!("this document is not a Kubernetes object ({why}); it is skipped"),
    )
    .at(Pointer::field(Some(source), ""), "not a Kubernetes object")
}

/// What to ask `kubectl explain` about the object holding the field at `path`: the parent's
/// path without list indices (`deployment.spec.template.spec.containers`).
fn explain_path(kind: &str, path: &str) -> String {
    let parent = path.rsplit_once('.').map_or("", |(parent, _)| parent);
    let mut out = kind.to_lowercase();
    for segment in parent.split('.').filter(|s| !s.is_empty()) {
        out.push('.');
        out.push_str(segment.split('[').next().unwrap_or(segment));
    }
    out
}

fn namespaced(kind: &str) -> bool {
    snapshot_kinds::namespaced(kind).unwrap_or(!matches!(
        kind,
        "PersistentVolume" | "StorageClass" | "Node"
    ))
}

/// The object a document describes, for findings about the document's fields.
fn document_key(node: &YamlNode, kind: &str, default_namespace: Option<&str>) -> ObjectKey {
    let metadata = node.get("metadata");
    let name = metadata
        .and_then(|m| m.get("name"))
        .and_then(YamlNode::as_str)
        .unwrap_or_default();
    let namespace = metadata
        .and_then(|m| m.get("namespace"))
        .and_then(YamlNode::as_str)
        .or(default_namespace);
    let kind: &'static str = KINDS
        .iter()
        .map(|(k, _)| *k)
        .chain(snapshot_kinds::KINDS.iter().map(|(k, _, _)| *k))
        .chain(validation::KINDS.iter().map(|(k, _)| *k))
        .find(|k| *k == kind)
        .unwrap_or("Object");
    ObjectKey::new(kind, namespace, name)
}

fn unknown_field(
    node: &YamlNode,
    source: &ObjectSource,
    kind: &str,
    default_namespace: &str,
    path: &str,
) -> Finding {
    let key = document_key(node, kind, namespaced(kind).then_some(default_namespace));
    let segments = yaml_tree::parse_path(path);
    let (start, end) = node.locate(&yaml_tree::borrow_path(&segments), true);
    let field = path.rsplit('.').next().unwrap_or(path);
    Finding::new(
        ids::UNKNOWN_FIELD,
        key.clone(),
        format!("{key}: unknown field \"{path}\"; kubectl apply rejects it (strict decoding error: unknown field \"{path}\"), and with validation off the field is silently dropped"),
    )
    .at(
        Some(Pointer::At {
            file: source.file,
            start,
            end: end.offset,
        }),
        format!("{field:?} is not a field here"),
    )
    .help(format!(
        "check the spelling and the indentation against `kubectl explain {}`",
        explain_path(kind, path)
    ))
}

/// What did not fit the type, without the position serde_json appends (a position in an
/// intermediate value, meaningless to the user).
fn type_error(error: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let message = error.inner().to_string();
    match message.split_once(" at line ") {
        Some((head, _)) => head.to_owned(),
        None => message,
    }
}

/// The kind, namespace and name of an object read from a cluster.
/// The key of an object given as JSON: its kind, and its metadata's namespace and name.
pub(crate) fn object_key(value: &serde_json::Value, kind: &'static str) -> ObjectKey {
    let metadata = value.get("metadata");
    let field = |name: &str| {
        metadata
            .and_then(|m| m.get(name))
            .and_then(serde_json::Value::as_str)
    };
    ObjectKey::new(kind, field("namespace"), field("name").unwrap_or_default())
}

/// A live object whose fields do not fit the type the plan reads (a newer or broken API
/// server): left out, as a file's would be, but with no place to point at.
fn invalid_live_field(
    key: ObjectKey,
    error: serde_path_to_error::Error<serde_json::Error>,
) -> Finding {
    let path = error.path().to_string();
    let message = type_error(&error);
    let kind = key.kind;
    Finding::new(
        ids::INVALID_FIELD,
        key.clone(),
        format!("{key}: field {path}: {message}; the object is left out of the plan"),
    )
    .help(format!(
        "see `kubectl explain {}.{path}` for the type the API expects",
        kind.to_lowercase()
    ))
}

fn invalid_field(
    node: &YamlNode,
    text: &str,
    source: &ObjectSource,
    kind: &str,
    default_namespace: &str,
    error: serde_path_to_error::Error<serde_json::Error>,
) -> Finding {
    let key = document_key(node, kind, namespaced(kind).then_some(default_namespace));
    let path = error.path().to_string();
    let segments = yaml_tree::parse_path(&path);
    let (start, end) = node.locate(&yaml_tree::borrow_path(&segments), false);
    let message = type_error(&error);
    // An unquoted y, yes, on, n, no, off… is a boolean to kubectl (go-yaml v2), which the API
    // refuses where it wants a string: say so, with the value as written.
    let written = text.get(start.offset..end.offset).unwrap_or_default();
    if message.starts_with("invalid type: boolean") && !written.starts_with(['"', '\'']) {
        return Finding::new(
            ids::INVALID_FIELD,
            key.clone(),
            format!("{key}: field {path}: the unquoted value {written} is read by kubectl as a boolean (YAML 1.1, as go-yaml reads y, yes, on, n, no, off, true, false) and the API rejects a boolean where a string is required; the object is left out of the plan"),
        )
        .at(
            Some(Pointer::At {
                file: source.file,
                start,
                end: end.offset,
            }),
            "read as a boolean",
        )
        .help(format!("quote it: \"{written}\""));
    }
    Finding::new(
        ids::INVALID_FIELD,
        key.clone(),
        format!("{key}: field {path}: {message}; the object is left out of the plan"),
    )
    .at(
        Some(Pointer::At {
            file: source.file,
            start,
            end: end.offset,
        }),
        message,
    )
    .help(format!(
        "see `kubectl explain {}.{path}` for the type the API expects",
        key.kind.to_lowercase()
    ))
}

#[cfg(test)]
mod unknown_field_tests {
    use crate::load::{load_str, LoadOptions};

    #[test]
    fn unknown_fields_are_found_at_any_depth_and_pointed_at() {
        let text = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  selector: {}\n  template:\n    spec:\n      containers:\n      - name: c\n        imagee: x\n  volumeClaimTemplates:\n  - metadata: {name: data}\n    spec:\n      resources:\n        storageClassName: fast\n";
        let loaded = load_str("t.yaml", text, &LoadOptions::default());
        let found: Vec<String> = loaded
            .findings
            .iter()
            .filter(|f| f.rule == "unknown-field")
            .map(|f| f.message.split(';').next().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(
            found,
            [
                "StatefulSet default/db: unknown field \"spec.template.spec.containers[0].imagee\"",
                "StatefulSet default/db: unknown field \"spec.volumeClaimTemplates[0].spec.resources.storageClassName\"",
            ]
        );
        assert_eq!(
            super::explain_path("StatefulSet", "spec.template.spec.containers[0].imagee"),
            "statefulset.spec.template.spec.containers"
        );
    }
}

#[cfg(test)]
mod ephemeral_tests {
    use crate::load::{load_str, LoadOptions};
    use crate::model::ClaimOrigin;

    const VOLUMES: &str = "      volumes:\n        - name: scratch\n          ephemeral: {volumeClaimTemplate: {spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}}}\n";

    const POD_VOLUMES: &str = "  volumes:\n    - name: scratch\n      ephemeral: {volumeClaimTemplate: {spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}}}\n";

    fn claims(text: &str) -> Vec<(String, Vec<String>)> {
        load_str("t.yaml", text, &LoadOptions::default())
            .snapshot
            .claims
            .iter()
            .filter(|c| matches!(c.origin, ClaimOrigin::EphemeralVolume { .. }))
            .map(|c| {
                let owners = c
                    .meta
                    .owners
                    .iter()
                    .map(|o| format!("{}/{}", o.kind, o.name));
                (c.meta.name.clone(), owners.collect())
            })
            .collect()
    }

    fn deployment(metadata: &str) -> String {
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata: {metadata}\nspec:\n  replicas: 2\n  selector: {{}}\n  template:\n    spec:\n      containers: [{{name: c, image: busybox}}]\n{VOLUMES}")
    }

    #[test]
    fn each_pod_gets_a_claim_it_owns() {
        let pod = format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers: [{{name: c, image: busybox}}]\n{}", POD_VOLUMES);
        assert_eq!(
            claims(&pod),
            [("p-scratch".to_owned(), vec!["Pod/p".to_owned()])]
        );
        let names: Vec<String> = claims(&deployment("{name: web}"))
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, ["web-<pod 1>-scratch", "web-<pod 2>-scratch"]);
        // A running Deployment's pods have claims named after pods the plan cannot name.
        assert!(claims(&deployment("{name: web, uid: u1}")).is_empty());
    }

    #[test]
    fn a_claim_given_in_the_input_is_not_made_again() {
        let pod = format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers: [{{name: c, image: busybox}}]\n{}---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: p-scratch}}\nspec: {{accessModes: [ReadWriteOnce], resources: {{requests: {{storage: 1Gi}}}}}}\n", POD_VOLUMES);
        let loaded = load_str("t.yaml", &pod, &LoadOptions::default());
        assert_eq!(loaded.snapshot.claims.len(), 1);
    }
}
