//! The indexed finder must answer exactly as the reference finder (upstream's loops). Random but
//! plausible small snapshots are written as manifest text (a JSON `List` or multi-document
//! YAML), loaded as the tool loads them, and planned with both finders; every claim's outcome,
//! volume, class, node, competition and ties, and every volume's phase, claim and reservation
//! must agree.

use std::collections::BTreeSet;

use kubectl_storage::binding::{index::IndexedFinder, plan_with, reference::ReferenceFinder};
use kubectl_storage::load::{load_str, LoadOptions, Loaded};
use kubectl_storage::model::Snapshot;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{json, Map, Value};

// ---------------------------------------------------------------------------------------------
// Pools: small on purpose, so that ties, shared classes and name clashes are frequent.
// ---------------------------------------------------------------------------------------------

const CLASS_NAMES: &[&str] = &["gold", "silver", "local"];
/// Classes claims and volumes refer to: "" is "no class"; "bronze" is never among the inputs.
const CLASS_REFS: &[&str] = &["", "gold", "silver", "local", "bronze"];
const MODES: &[&str] = &[
    "ReadWriteOnce",
    "ReadOnlyMany",
    "ReadWriteMany",
    "ReadWriteOncePod",
];
/// 2Gi and 2048Mi are the same size written differently.
const SIZES: &[&str] = &["1Gi", "2Gi", "2048Mi", "5G", "10Gi"];
const PHASES: &[&str] = &["Pending", "Available", "Bound", "Released", "Failed"];
const RECLAIM: &[&str] = &["Retain", "Delete", "Recycle"];
const PV_NAMES: &[&str] = &[
    "pv-a", "pv-b", "pv-c", "pv-d", "pv-e", "pv-f", "pv-g", "pv-h", "pv-i", "pv-j", "pv-k", "pv-l",
];
/// `www-web-0` is also the claim a StatefulSet `web` with template `www` creates for pod 0.
const CLAIM_NAMES: &[&str] = &[
    "c0",
    "c1",
    "c2",
    "c3",
    "c4",
    "c5",
    "c6",
    "c7",
    "c8",
    "www-web-0",
];
const ATTRIBUTE_CLASSES: &[&str] = &["fast", "slow"];
/// Only `web` has claims (`www-web-N`) that may clash with the claims written out.
const STATEFULSET_NAMES: &[&str] = &["web", "db", "cache", "queue"];
const NODE_NAMES: &[&str] = &["node-a", "node-b"];
const ZONES: &[&str] = &["zone-1", "zone-2"];
const HOSTNAME: &str = "kubernetes.io/hostname";
const ZONE: &str = "topology.kubernetes.io/zone";
const BETA_CLASS: &str = "volume.beta.kubernetes.io/storage-class";
const PROVISIONER: &str = "ebs.csi.aws.com";

fn timestamp(t: u8) -> String {
    format!("2024-01-0{}T00:00:00Z", t + 1)
}

// ---------------------------------------------------------------------------------------------
// The generated model, kept small and shrinkable; rendered to manifests below.
// ---------------------------------------------------------------------------------------------

/// How an object names its class.
#[derive(Clone, Debug)]
enum ClassRef {
    Unset,
    Spec(&'static str),
    Beta(&'static str),
    /// The beta annotation wins over the spec field.
    BetaAndSpec(&'static str, &'static str),
    /// `spec.storageClassName` set to the case's common class, so that classes match often.
    Common,
}

fn class_ref() -> impl Strategy<Value = ClassRef> {
    prop_oneof![
        2 => Just(ClassRef::Unset),
        6 => Just(ClassRef::Common),
        4 => select(CLASS_REFS).prop_map(ClassRef::Spec),
        1 => select(CLASS_REFS).prop_map(ClassRef::Beta),
        1 => (select(CLASS_REFS), select(CLASS_REFS)).prop_map(|(b, s)| ClassRef::BetaAndSpec(b, s)),
    ]
}

#[derive(Clone, Debug)]
struct ClassSpec {
    /// `None`: volumeBindingMode unset (Immediate).
    wait: Option<bool>,
    provisions: bool,
    default: bool,
    created: Option<u8>,
}

fn class_spec() -> impl Strategy<Value = ClassSpec> {
    (
        prop_oneof![1 => Just(None), 1 => Just(Some(false)), 2 => Just(Some(true))],
        any::<bool>(),
        proptest::bool::weighted(0.3),
        proptest::option::of(0u8..3),
    )
        .prop_map(|(wait, provisions, default, created)| ClassSpec {
            wait,
            provisions,
            default,
            created,
        })
}

/// Whom a volume's claimRef names.
#[derive(Clone, Debug)]
struct ClaimRefSpec {
    /// Index into the generated claims (modulo their number); `None` names a claim that is not
    /// among the inputs.
    target: Option<usize>,
    /// 0: no uid; 1: the target's uid (or the uid it would have); 2: a stale uid.
    uid: u8,
    other_namespace: bool,
}

#[derive(Clone, Debug)]
struct PvSpec {
    modes: u8,
    size: Option<&'static str>,
    class: ClassRef,
    block: Option<bool>,
    attributes: Option<&'static str>,
    labels: u8,
    phase: Option<&'static str>,
    deleting: bool,
    claim_ref: Option<ClaimRefSpec>,
    bound_by_controller: bool,
    provisioned_by: bool,
    reclaim: Option<&'static str>,
    /// 0: none; else one of the shapes in `node_affinity`.
    affinity: u8,
    source: u8,
}

fn modes() -> impl Strategy<Value = u8> {
    // Weighted towards the common sets, but every subset (the empty one too) occurs.
    prop_oneof![6 => Just(1u8), 1 => Just(2u8), 1 => Just(4u8), 1 => Just(3u8), 3 => 0u8..16]
}

fn size() -> impl Strategy<Value = Option<&'static str>> {
    prop_oneof![12 => select(SIZES).prop_map(Some), 1 => Just(None)]
}

fn pv_spec() -> impl Strategy<Value = PvSpec> {
    let claim_ref = (
        proptest::option::weighted(0.85, 0usize..10),
        prop_oneof![3 => Just(0u8), 5 => Just(1u8), 2 => Just(2u8)],
        proptest::bool::weighted(0.1),
    )
        .prop_map(|(target, uid, other_namespace)| ClaimRefSpec {
            target,
            uid,
            other_namespace,
        });
    (
        (
            modes(),
            size(),
            class_ref(),
            proptest::option::of(proptest::bool::weighted(0.15)),
            proptest::option::weighted(0.1, select(ATTRIBUTE_CLASSES)),
            0u8..4,
            proptest::option::weighted(0.6, select(PHASES)),
        ),
        (
            proptest::bool::weighted(0.05),
            proptest::option::weighted(0.35, claim_ref),
            proptest::bool::weighted(0.25),
            proptest::bool::weighted(0.2),
            proptest::option::of(select(RECLAIM)),
            prop_oneof![3 => Just(0u8), 2 => 1u8..8],
            0u8..5,
        ),
    )
        .prop_map(
            |(
                (modes, size, class, block, attributes, labels, phase),
                (
                    deleting,
                    claim_ref,
                    bound_by_controller,
                    provisioned_by,
                    reclaim,
                    affinity,
                    source,
                ),
            )| PvSpec {
                modes,
                size,
                class,
                block,
                attributes,
                labels,
                phase,
                deleting,
                claim_ref,
                bound_by_controller,
                provisioned_by,
                reclaim,
                affinity,
                source,
            },
        )
}

#[derive(Clone, Debug)]
struct ClaimSpec {
    other_namespace: bool,
    modes: u8,
    size: Option<&'static str>,
    class: ClassRef,
    block: Option<bool>,
    attributes: Option<&'static str>,
    /// 0: none; else one of the shapes in `label_selector`.
    selector: u8,
    /// Index into the volume names (modulo their number); `Some(None)` names a missing volume.
    volume_name: Option<Option<usize>>,
    uid: bool,
    created: Option<u8>,
    bind_completed: bool,
    selected_node: Option<&'static str>,
}

fn claim_spec() -> impl Strategy<Value = ClaimSpec> {
    (
        (
            proptest::bool::weighted(0.1),
            modes(),
            size(),
            class_ref(),
            proptest::option::of(proptest::bool::weighted(0.15)),
            proptest::option::weighted(0.1, select(ATTRIBUTE_CLASSES)),
        ),
        (
            prop_oneof![4 => Just(0u8), 1 => 1u8..7],
            proptest::option::weighted(0.15, proptest::option::weighted(0.85, 0usize..12)),
            proptest::bool::weighted(0.7),
            proptest::option::weighted(0.6, 0u8..3),
            proptest::bool::weighted(0.08),
            proptest::option::weighted(0.15, select(NODE_NAMES)),
        ),
    )
        .prop_map(
            |(
                (other_namespace, modes, size, class, block, attributes),
                (selector, volume_name, uid, created, bind_completed, selected_node),
            )| ClaimSpec {
                other_namespace,
                modes,
                size,
                class,
                block,
                attributes,
                selector,
                volume_name,
                uid,
                created,
                bind_completed,
                selected_node,
            },
        )
}

#[derive(Clone, Debug)]
struct NodeSpec {
    zone: &'static str,
    /// 0: no hostname label; 1: its own name; 2: the other node's name (hostnames and node
    /// names need not agree).
    hostname_label: u8,
    tainted: bool,
    unschedulable: bool,
}

fn node_spec() -> impl Strategy<Value = NodeSpec> {
    (
        select(ZONES),
        prop_oneof![1 => Just(0u8), 10 => Just(1u8), 1 => Just(2u8)],
        proptest::bool::weighted(0.2),
        proptest::bool::weighted(0.15),
    )
        .prop_map(|(zone, hostname_label, tainted, unschedulable)| NodeSpec {
            zone,
            hostname_label,
            tainted,
            unschedulable,
        })
}

#[derive(Clone, Debug)]
enum Consumer {
    Pod {
        /// Claims by index into the generated claims (modulo); `None` is a missing claim.
        claims: Vec<Option<usize>>,
        node_selector: Option<&'static str>,
        tolerates: bool,
        created: Option<u8>,
        finished: bool,
    },
    StatefulSet {
        replicas: u8,
        modes: u8,
        size: Option<&'static str>,
        class: ClassRef,
        node_selector: Option<&'static str>,
        created: Option<u8>,
    },
}

fn consumer() -> impl Strategy<Value = Consumer> {
    let pod = (
        proptest::collection::vec(proptest::option::weighted(0.9, 0usize..10), 1..=3),
        proptest::option::weighted(0.3, select(NODE_NAMES)),
        proptest::bool::weighted(0.3),
        proptest::option::of(0u8..3),
        proptest::bool::weighted(0.1),
    )
        .prop_map(
            |(claims, node_selector, tolerates, created, finished)| Consumer::Pod {
                claims,
                node_selector,
                tolerates,
                created,
                finished,
            },
        );
    let statefulset = (
        0u8..3,
        modes(),
        size(),
        class_ref(),
        proptest::option::weighted(0.3, select(NODE_NAMES)),
        proptest::option::of(0u8..3),
    )
        .prop_map(|(replicas, modes, size, class, node_selector, created)| {
            Consumer::StatefulSet {
                replicas,
                modes,
                size,
                class,
                node_selector,
                created,
            }
        });
    prop_oneof![4 => pod, 1 => statefulset]
}

#[derive(Clone, Debug)]
struct Case {
    /// The class `ClassRef::Common` names.
    common_class: &'static str,
    /// Class names, shuffled; "" (a class the API would refuse) only comes fourth.
    class_names: Vec<&'static str>,
    classes: Vec<ClassSpec>,
    /// Volume names, shuffled so that name order and document order differ.
    pv_names: Vec<&'static str>,
    volumes: Vec<PvSpec>,
    claim_names: Vec<&'static str>,
    claims: Vec<ClaimSpec>,
    nodes: Vec<NodeSpec>,
    consumers: Vec<Consumer>,
    yaml: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (
        (select(CLASS_REFS), 0usize..=12),
        Just(CLASS_NAMES.to_vec()).prop_shuffle(),
        proptest::collection::vec(class_spec(), 0..=4),
        Just(PV_NAMES.to_vec()).prop_shuffle(),
        proptest::collection::vec(pv_spec(), 0..=12),
        Just(CLAIM_NAMES.to_vec()).prop_shuffle(),
        proptest::collection::vec(claim_spec(), 0..=10),
        proptest::collection::vec(node_spec(), 0..=2),
        proptest::collection::vec(consumer(), 0..=4),
        any::<bool>(),
    )
        .prop_map(
            |(
                (common_class, copies),
                mut class_names,
                classes,
                pv_names,
                mut volumes,
                claim_names,
                claims,
                nodes,
                consumers,
                yaml,
            )| {
                class_names.push("");
                // Copies of the first volume (under other names): ties and competition.
                if let Some(first) = volumes.first().cloned() {
                    while volumes.len() < copies {
                        volumes.push(first.clone());
                    }
                }
                Case {
                    common_class,
                    class_names,
                    classes,
                    pv_names,
                    volumes,
                    claim_names,
                    claims,
                    nodes,
                    consumers,
                    yaml,
                }
            },
        )
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

fn mode_list(bits: u8) -> Value {
    Value::Array(
        MODES
            .iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, m)| json!(m))
            .collect(),
    )
}

fn apply_class(
    common: &'static str,
    class: &ClassRef,
    annotations: &mut Map<String, Value>,
    spec: &mut Map<String, Value>,
) {
    match class {
        ClassRef::Unset => {}
        ClassRef::Common => {
            spec.insert("storageClassName".into(), json!(common));
        }
        ClassRef::Spec(c) => {
            spec.insert("storageClassName".into(), json!(c));
        }
        ClassRef::Beta(c) => {
            annotations.insert(BETA_CLASS.into(), json!(c));
        }
        ClassRef::BetaAndSpec(b, s) => {
            annotations.insert(BETA_CLASS.into(), json!(b));
            spec.insert("storageClassName".into(), json!(s));
        }
    }
}

fn claim_namespace(c: &ClaimSpec) -> &'static str {
    if c.other_namespace {
        "prod"
    } else {
        "default"
    }
}

fn claim_uid(i: usize) -> String {
    format!("uid-claim-{i}")
}

fn labels(n: u8) -> Value {
    match n {
        0 => json!({}),
        1 => json!({"tier": "fast"}),
        2 => json!({"tier": "slow"}),
        _ => json!({"tier": "fast", "app": "db"}),
    }
}

fn label_selector(n: u8) -> Value {
    match n {
        1 => json!({"matchLabels": {"tier": "fast"}}),
        2 => {
            json!({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["fast", "slow"]}]})
        }
        3 => json!({"matchExpressions": [{"key": "app", "operator": "Exists"}]}),
        4 => {
            json!({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["slow"]}]})
        }
        5 => json!({}),
        // Invalid: In without values. Upstream cannot build it and matches nothing.
        _ => json!({"matchExpressions": [{"key": "tier", "operator": "In", "values": []}]}),
    }
}

fn node_affinity(n: u8) -> Value {
    let expr = |key: &str, op: &str, values: &[&str]| json!({"key": key, "operator": op, "values": values});
    let terms = match n {
        1 => json!([{"matchExpressions": [expr(HOSTNAME, "In", &["node-a"])]}]),
        2 => json!([{"matchExpressions": [expr(HOSTNAME, "In", &["node-b"])]}]),
        3 => json!([{"matchExpressions": [expr(ZONE, "In", &["zone-1"])]}]),
        4 => json!([{"matchExpressions": [expr(HOSTNAME, "In", &["node-a", "node-b"])]}]),
        5 => json!([
            {"matchExpressions": [expr(HOSTNAME, "In", &["node-a"])]},
            {"matchExpressions": [expr(ZONE, "In", &["zone-2"])]}
        ]),
        6 => {
            json!([{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["node-b"]}]}])
        }
        // Invalid: Gt wants one integer. Matches no node.
        _ => json!([{"matchExpressions": [expr(ZONE, "Gt", &["zone-1"])]}]),
    };
    json!({"required": {"nodeSelectorTerms": terms}})
}

fn volume_source(n: u8, name: &str) -> (&'static str, Value) {
    match n {
        0 => ("csi", json!({"driver": PROVISIONER, "volumeHandle": name})),
        1 => ("hostPath", json!({"path": format!("/data/{name}")})),
        2 => (
            "nfs",
            json!({"server": "nfs.example", "path": format!("/{name}")}),
        ),
        3 => ("local", json!({"path": format!("/mnt/{name}")})),
        _ => (
            "csi",
            json!({"driver": "other.csi.example", "volumeHandle": name}),
        ),
    }
}

fn object(
    kind: &str,
    api_version: &str,
    metadata: Map<String, Value>,
    rest: Map<String, Value>,
) -> Value {
    let mut o = Map::new();
    o.insert("apiVersion".into(), json!(api_version));
    o.insert("kind".into(), json!(kind));
    o.insert("metadata".into(), Value::Object(metadata));
    o.extend(rest);
    Value::Object(o)
}

fn pod_volumes(claims: &[String]) -> (Value, Value) {
    let volumes: Vec<Value> = claims
        .iter()
        .enumerate()
        .map(|(i, c)| json!({"name": format!("v{i}"), "persistentVolumeClaim": {"claimName": c}}))
        .collect();
    let mounts: Vec<Value> = (0..claims.len())
        .map(|i| json!({"name": format!("v{i}"), "mountPath": format!("/v{i}")}))
        .collect();
    (Value::Array(volumes), Value::Array(mounts))
}

fn pod_spec(claims: &[String], node_selector: Option<&str>, tolerates: bool) -> Value {
    let (volumes, mounts) = pod_volumes(claims);
    let mut spec = json!({
        "containers": [{"name": "app", "image": "busybox", "volumeMounts": mounts}],
        "volumes": volumes,
    });
    if let Some(node) = node_selector {
        spec["nodeSelector"] = json!({HOSTNAME: node});
    }
    if tolerates {
        spec["tolerations"] =
            json!([{"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"}]);
    }
    spec
}

fn objects(case: &Case) -> Vec<Value> {
    let mut out = Vec::new();
    let n_claims = case.claims.len();
    let n_volumes = case.volumes.len();
    let claim_name = |i: usize| case.claim_names[i];

    for (i, sc) in case.classes.iter().enumerate() {
        let mut meta = Map::new();
        meta.insert("name".into(), json!(case.class_names[i]));
        // A default class named "" is generated too: it must never be chosen (see
        // `empty_default_class_terminates`).
        if sc.default {
            meta.insert(
                "annotations".into(),
                json!({"storageclass.kubernetes.io/is-default-class": "true"}),
            );
        }
        if let Some(t) = sc.created {
            meta.insert("creationTimestamp".into(), json!(timestamp(t)));
        }
        let mut rest = Map::new();
        let provisioner = if sc.provisions {
            PROVISIONER
        } else {
            "kubernetes.io/no-provisioner"
        };
        rest.insert("provisioner".into(), json!(provisioner));
        if let Some(wait) = sc.wait {
            let mode = if wait {
                "WaitForFirstConsumer"
            } else {
                "Immediate"
            };
            rest.insert("volumeBindingMode".into(), json!(mode));
        }
        out.push(object("StorageClass", "storage.k8s.io/v1", meta, rest));
    }

    for (i, pv) in case.volumes.iter().enumerate() {
        let name = case.pv_names[i];
        let mut meta = Map::new();
        let mut annotations = Map::new();
        let mut spec = Map::new();
        meta.insert("name".into(), json!(name));
        meta.insert("labels".into(), labels(pv.labels));
        if pv.deleting {
            meta.insert("deletionTimestamp".into(), json!("2024-06-01T00:00:00Z"));
            meta.insert("finalizers".into(), json!(["kubernetes.io/pv-protection"]));
        }
        if pv.bound_by_controller {
            annotations.insert("pv.kubernetes.io/bound-by-controller".into(), json!("yes"));
        }
        if pv.provisioned_by {
            annotations.insert("pv.kubernetes.io/provisioned-by".into(), json!(PROVISIONER));
        }
        apply_class(case.common_class, &pv.class, &mut annotations, &mut spec);
        if pv.modes != 0 || pv.labels % 2 == 0 {
            spec.insert("accessModes".into(), mode_list(pv.modes));
        }
        if let Some(size) = pv.size {
            spec.insert("capacity".into(), json!({"storage": size}));
        }
        if let Some(block) = pv.block {
            spec.insert(
                "volumeMode".into(),
                json!(if block { "Block" } else { "Filesystem" }),
            );
        }
        if let Some(vac) = pv.attributes {
            spec.insert("volumeAttributesClassName".into(), json!(vac));
        }
        if let Some(r) = &pv.claim_ref {
            let target = r.target.filter(|_| n_claims > 0).map(|t| t % n_claims);
            let (namespace, cname) = match target {
                Some(t) => (claim_namespace(&case.claims[t]), claim_name(t)),
                None => ("default", "ghost"),
            };
            let namespace = if r.other_namespace {
                "staging"
            } else {
                namespace
            };
            let mut reference =
                json!({"kind": "PersistentVolumeClaim", "namespace": namespace, "name": cname});
            match (r.uid, target) {
                (1, Some(t)) => reference["uid"] = json!(claim_uid(t)),
                (1, None) | (2, _) => reference["uid"] = json!("uid-stale"),
                _ => {}
            }
            spec.insert("claimRef".into(), reference);
        }
        if let Some(policy) = pv.reclaim {
            spec.insert("persistentVolumeReclaimPolicy".into(), json!(policy));
        }
        if pv.affinity != 0 {
            spec.insert("nodeAffinity".into(), node_affinity(pv.affinity));
        }
        let (key, source) = volume_source(pv.source, name);
        spec.insert(key.into(), source);
        if !annotations.is_empty() {
            meta.insert("annotations".into(), Value::Object(annotations));
        }
        let mut rest = Map::new();
        rest.insert("spec".into(), Value::Object(spec));
        if let Some(phase) = pv.phase {
            rest.insert("status".into(), json!({"phase": phase}));
        }
        out.push(object("PersistentVolume", "v1", meta, rest));
    }

    for (i, c) in case.claims.iter().enumerate() {
        let mut meta = Map::new();
        let mut annotations = Map::new();
        let mut spec = Map::new();
        meta.insert("name".into(), json!(claim_name(i)));
        if c.other_namespace {
            meta.insert("namespace".into(), json!("prod"));
        }
        if c.uid {
            meta.insert("uid".into(), json!(claim_uid(i)));
        }
        if let Some(t) = c.created {
            meta.insert("creationTimestamp".into(), json!(timestamp(t)));
        }
        if c.bind_completed {
            annotations.insert("pv.kubernetes.io/bind-completed".into(), json!("yes"));
        }
        if let Some(node) = c.selected_node {
            annotations.insert("volume.kubernetes.io/selected-node".into(), json!(node));
        }
        apply_class(case.common_class, &c.class, &mut annotations, &mut spec);
        spec.insert("accessModes".into(), mode_list(c.modes));
        if let Some(size) = c.size {
            spec.insert("resources".into(), json!({"requests": {"storage": size}}));
        }
        if let Some(block) = c.block {
            spec.insert(
                "volumeMode".into(),
                json!(if block { "Block" } else { "Filesystem" }),
            );
        }
        if let Some(vac) = c.attributes {
            spec.insert("volumeAttributesClassName".into(), json!(vac));
        }
        if c.selector != 0 {
            spec.insert("selector".into(), label_selector(c.selector));
        }
        match c.volume_name {
            Some(Some(v)) if n_volumes > 0 => {
                spec.insert("volumeName".into(), json!(case.pv_names[v % n_volumes]));
            }
            Some(_) => {
                spec.insert("volumeName".into(), json!("pv-missing"));
            }
            None => {}
        }
        if !annotations.is_empty() {
            meta.insert("annotations".into(), Value::Object(annotations));
        }
        let mut rest = Map::new();
        rest.insert("spec".into(), Value::Object(spec));
        out.push(object("PersistentVolumeClaim", "v1", meta, rest));
    }

    for (i, n) in case.nodes.iter().enumerate() {
        let name = NODE_NAMES[i];
        let mut labels = Map::new();
        match n.hostname_label {
            0 => {}
            1 => {
                labels.insert(HOSTNAME.into(), json!(name));
            }
            _ => {
                labels.insert(HOSTNAME.into(), json!(NODE_NAMES[1 - i]));
            }
        }
        labels.insert(ZONE.into(), json!(n.zone));
        let mut meta = Map::new();
        meta.insert("name".into(), json!(name));
        meta.insert("labels".into(), Value::Object(labels));
        let mut spec = Map::new();
        if n.tainted {
            spec.insert(
                "taints".into(),
                json!([{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]),
            );
        }
        if n.unschedulable {
            spec.insert("unschedulable".into(), json!(true));
        }
        let mut rest = Map::new();
        rest.insert("spec".into(), Value::Object(spec));
        out.push(object("Node", "v1", meta, rest));
    }

    for (i, consumer) in case.consumers.iter().enumerate() {
        match consumer {
            Consumer::Pod {
                claims,
                node_selector,
                tolerates,
                created,
                finished,
            } => {
                let mut names: Vec<String> = claims
                    .iter()
                    .map(|c| match c.filter(|_| n_claims > 0) {
                        Some(c) => claim_name(c % n_claims).to_owned(),
                        None => "ghost".to_owned(),
                    })
                    .collect();
                names.dedup();
                let mut meta = Map::new();
                meta.insert("name".into(), json!(format!("pod-{i}")));
                if let Some(t) = created {
                    meta.insert("creationTimestamp".into(), json!(timestamp(*t)));
                }
                let mut rest = Map::new();
                rest.insert("spec".into(), pod_spec(&names, *node_selector, *tolerates));
                if *finished {
                    rest.insert("status".into(), json!({"phase": "Succeeded"}));
                }
                out.push(object("Pod", "v1", meta, rest));
            }
            Consumer::StatefulSet {
                replicas,
                modes,
                size,
                class,
                node_selector,
                created,
            } => {
                let mut meta = Map::new();
                meta.insert("name".into(), json!(STATEFULSET_NAMES[i]));
                if let Some(t) = created {
                    meta.insert("creationTimestamp".into(), json!(timestamp(*t)));
                }
                let mut t_annotations = Map::new();
                let mut t_spec = Map::new();
                apply_class(case.common_class, class, &mut t_annotations, &mut t_spec);
                t_spec.insert("accessModes".into(), mode_list(*modes));
                if let Some(size) = size {
                    t_spec.insert("resources".into(), json!({"requests": {"storage": size}}));
                }
                let mut t_meta = Map::new();
                t_meta.insert("name".into(), json!("www"));
                if !t_annotations.is_empty() {
                    t_meta.insert("annotations".into(), Value::Object(t_annotations));
                }
                let mut template_spec = pod_spec(&[], *node_selector, false);
                template_spec["containers"][0]["volumeMounts"] =
                    json!([{"name": "www", "mountPath": "/www"}]);
                let mut rest = Map::new();
                rest.insert(
                    "spec".into(),
                    json!({
                        "replicas": replicas,
                        "serviceName": "web",
                        "selector": {"matchLabels": {"app": "web"}},
                        "template": {"metadata": {"labels": {"app": "web"}}, "spec": template_spec},
                        "volumeClaimTemplates": [{"metadata": Value::Object(t_meta), "spec": Value::Object(t_spec)}],
                    }),
                );
                out.push(object("StatefulSet", "apps/v1", meta, rest));
            }
        }
    }
    out
}

fn manifest(case: &Case) -> String {
    let items = objects(case);
    if case.yaml {
        serde_saphyr::to_string_multiple(&items).expect("YAML serialisation")
    } else {
        serde_json::to_string_pretty(&json!({"apiVersion": "v1", "kind": "List", "items": items}))
            .expect("JSON serialisation")
    }
}

// ---------------------------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------------------------

fn load(text: &str) -> Snapshot {
    let Loaded {
        snapshot, findings, ..
    } = load_str("generated", text, &LoadOptions::default());
    // Generated objects may be ones the API server would refuse (a class named "", a
    // volumeAttributesClassName without a CSI source); the matchers are compared on them all
    // the same. Only what keeps an object out of the plan counts.
    let problems: Vec<&str> = findings
        .iter()
        .filter(|f| {
            !matches!(
                f.rule,
                "missing-required-field" | "invalid-value" | "unsupported-value"
            )
        })
        .map(|f| f.message.as_str())
        .collect();
    assert!(problems.is_empty(), "input problems: {problems:?}\n{text}");
    snapshot
}

/// Every difference between the two finders' plans, as readable lines.
fn differences(snapshot: &Snapshot) -> Vec<String> {
    let indexed = plan_with::<IndexedFinder>(snapshot);
    let reference = plan_with::<ReferenceFinder>(snapshot);
    let mut diffs = Vec::new();
    let mut diff = |what: String, i: &dyn std::fmt::Debug, r: &dyn std::fmt::Debug| {
        let (i, r) = (format!("{i:?}"), format!("{r:?}"));
        if i != r {
            diffs.push(format!("{what}: indexed {i}, reference {r}"));
        }
    };
    for (c, (i, r)) in indexed.claims.iter().zip(&reference.claims).enumerate() {
        let name = snapshot.claims[c].meta.qualified_name();
        diff(format!("claim {name} outcome"), &i.outcome, &r.outcome);
        diff(format!("claim {name} volume"), &i.volume, &r.volume);
        diff(format!("claim {name} class"), &i.class, &r.class);
        diff(format!("claim {name} node"), &i.node, &r.node);
        diff(
            format!("claim {name} competition"),
            &i.competition,
            &r.competition,
        );
        let ties = |t: &[usize]| -> BTreeSet<String> {
            t.iter()
                .map(|v| snapshot.volumes[*v].meta.name.clone())
                .collect()
        };
        diff(format!("claim {name} ties"), &ties(&i.ties), &ties(&r.ties));
    }
    for (v, (i, r)) in indexed.volumes.iter().zip(&reference.volumes).enumerate() {
        let name = &snapshot.volumes[v].meta.name;
        diff(format!("volume {name} phase"), &i.phase, &r.phase);
        diff(format!("volume {name} claim"), &i.claim, &r.claim);
        diff(
            format!("volume {name} reservedFor"),
            &i.reserved_for,
            &r.reserved_for,
        );
    }
    diffs
}

fn assert_same(text: &str) {
    let snapshot = load(text);
    let diffs = differences(&snapshot);
    assert!(
        diffs.is_empty(),
        "finders disagree:\n{}\n---\n{text}",
        diffs.join("\n")
    );
}

proptest! {
    #![proptest_config(ProptestConfig {
        // Shrinking a failure should stay quick too.
        max_shrink_iters: 4096,
        failure_persistence: None,
        ..ProptestConfig::with_cases(2000)
    })]

    #[test]
    fn indexed_finder_matches_reference(case in case()) {
        let text = manifest(&case);
        let snapshot = load(&text);
        let diffs = differences(&snapshot);
        prop_assert!(diffs.is_empty(), "finders disagree:\n{}\n---\n{}", diffs.join("\n"), text);
    }
}

// ---------------------------------------------------------------------------------------------
// Shapes found while writing the property, kept as plain tests.
// ---------------------------------------------------------------------------------------------

fn pv(name: &str, body: &str) -> String {
    format!("apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: {name}\nspec:\n  hostPath: {{path: /data/{name}}}\n{body}---\n")
}

fn plan_of(text: &str) -> (Snapshot, kubectl_storage::binding::BindingPlan) {
    assert_same(text);
    let snapshot = load(text);
    let plan = plan_with::<ReferenceFinder>(&snapshot);
    (snapshot, plan)
}

/// Divergence found by the property: the indexed finder reported at most 8 ties, the
/// reference all of them, so the binding-tie finding undercounted. Fixed in `index.rs`.
#[test]
fn every_tie_is_reported() {
    let mut text = String::new();
    for n in 0..10 {
        text.push_str(&pv(
            &format!("pv-{n}"),
            "  accessModes: [ReadWriteOnce]\n  capacity: {storage: 1Gi}\n",
        ));
    }
    text.push_str(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n",
    );
    let (_, plan) = plan_of(&text);
    assert_eq!(plan.claims[0].volume.as_deref(), Some("pv-0"));
    // Ten identical volumes: one chosen, the next eight by name reported as ties.
    assert_eq!(
        plan.claims[0].ties.len(),
        kubectl_storage::binding::filters::MAX_TIES
    );
}

/// Upstream `findByClaim` searches access-mode sets fewest modes first and stops at the first
/// set with a match: a free volume with exactly the requested modes wins over a volume
/// pre-bound to the claim whose set has more modes.
#[test]
fn smaller_access_mode_set_beats_a_prebound_volume() {
    let text = pv(
        "pv-a",
        "  accessModes: [ReadWriteOnce, ReadOnlyMany]\n  capacity: {storage: 1Gi}\n  claimRef: {namespace: default, name: c}\n",
    ) + &pv(
        "pv-b",
        "  accessModes: [ReadWriteOnce]\n  capacity: {storage: 5G}\n",
    ) + "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n";
    let (_, plan) = plan_of(&text);
    assert_eq!(plan.claims[0].volume.as_deref(), Some("pv-b"));
    assert_eq!(plan.volumes[0].reserved_for.as_deref(), Some("default/c"));
}

/// The scheduler's path: a volume pre-bound to the claim but pinned to another node makes
/// upstream give up on the node (even though a free volume fits there); the pre-bound volume's
/// access modes are not checked, so the scheduler takes it on its node (found through a
/// hostname label that differs from the node's name). The PV controller, though, looks for the
/// claim's volume only among volumes whose modes include the claim's: the binding is never
/// completed (seen on the real control plane, testdata/binding/scheduler-reserves-…).
#[test]
fn prebound_volume_pinned_elsewhere_blocks_the_node() {
    let text = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: local}\nprovisioner: kubernetes.io/no-provisioner\nvolumeBindingMode: WaitForFirstConsumer\n---\n".to_owned()
        + &pv(
            "pv-z",
            "  storageClassName: local\n  accessModes: [ReadOnlyMany]\n  capacity: {storage: 1Gi}\n  claimRef: {namespace: default, name: c}\n  nodeAffinity:\n    required:\n      nodeSelectorTerms:\n      - matchExpressions:\n        - {key: kubernetes.io/hostname, operator: In, values: [host-b]}\n",
        )
        + &pv(
            "pv-a",
            "  storageClassName: local\n  accessModes: [ReadWriteOnce]\n  capacity: {storage: 1Gi}\n",
        )
        + "apiVersion: v1\nkind: Node\nmetadata: {name: node-a, labels: {kubernetes.io/hostname: host-a}}\n---\n"
        + "apiVersion: v1\nkind: Node\nmetadata: {name: node-b, labels: {kubernetes.io/hostname: host-b}}\n---\n"
        + "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\nspec:\n  storageClassName: local\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n---\n"
        + "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: app, image: busybox}]\n  volumes: [{name: v, persistentVolumeClaim: {claimName: c}}]\n";
    let (_, plan) = plan_of(&text);
    assert_eq!(plan.claims[0].volume, None);
    assert!(
        plan.claims[0]
            .reason
            .contains("on node node-b, which reserves volume pv-z"),
        "{}",
        plan.claims[0].reason
    );
    assert_eq!(plan.volumes[0].reserved_for.as_deref(), Some("default/c"));
}

/// A default StorageClass named "" (which the API would refuse) is never the default: it once
/// sent the retroactive assignment into endless recursion.
#[test]
fn empty_default_class_terminates() {
    let text = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: \"\"\n  annotations: {storageclass.kubernetes.io/is-default-class: \"true\"}\nprovisioner: ebs.csi.aws.com\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c, uid: u}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n";
    let (_, plan) = plan_of(text);
    assert_eq!(plan.claims[0].outcome.as_str(), "pending");
}

/// A WaitForFirstConsumer class named "" does not delay a claim with `storageClassName: ""`:
/// upstream `IsDelayBindingMode` answers false for "" before looking classes up.
#[test]
fn no_class_never_waits_for_a_consumer() {
    let text = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: \"\"}\nprovisioner: kubernetes.io/no-provisioner\nvolumeBindingMode: WaitForFirstConsumer\n---\n".to_owned()
        + &pv("pv-a", "  accessModes: [ReadWriteOnce]\n  capacity: {storage: 1Gi}\n")
        + "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\nspec:\n  storageClassName: \"\"\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n";
    let (_, plan) = plan_of(&text);
    assert_eq!(plan.claims[0].outcome.as_str(), "binds");
    assert_eq!(plan.claims[0].volume.as_deref(), Some("pv-a"));
}

/// Two claims that both completed binding to one volume with no claimRef: the first (oldest)
/// gets it back, the second is Lost, as upstream's `syncBoundClaim` leaves them.
#[test]
fn two_bound_claims_for_one_unclaimed_volume() {
    let claim = |name: &str, uid: &str, created: &str| {
        format!("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: {name}\n  uid: {uid}\n  creationTimestamp: \"{created}\"\n  annotations: {{pv.kubernetes.io/bind-completed: \"yes\"}}\nspec:\n  volumeName: pv-a\n  accessModes: [ReadWriteOnce]\n  resources: {{requests: {{storage: 1Gi}}}}\n---\n")
    };
    let text = pv(
        "pv-a",
        "  accessModes: [ReadWriteOnce]\n  capacity: {storage: 1Gi}\n",
    ) + &claim("first", "u1", "2024-01-01T00:00:00Z")
        + &claim("second", "u2", "2024-02-01T00:00:00Z");
    let (snapshot, plan) = plan_of(&text);
    let outcome = |name: &str| {
        let i = snapshot
            .claims
            .iter()
            .position(|c| c.meta.name == name)
            .unwrap();
        plan.claims[i].outcome.as_str()
    };
    assert_eq!(outcome("first"), "binds");
    assert_eq!(outcome("second"), "lost");
}
