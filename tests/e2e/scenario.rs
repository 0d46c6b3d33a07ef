//! Random storage scenarios for the differential tests: classes, volumes, claims and pods drawn
//! from small pools, so that ties, near misses and pre-bindings happen often.
//!
//! A scenario lives in its own namespace and names its volumes and classes after it. Several run
//! in the cluster at once; only an "open" scenario may use class-less volumes and claims and a
//! default class, which every scenario of the cluster would see, so at most one open scenario
//! runs at a time.

use serde_json::{json, Value};

/// SplitMix64: small, seedable, and the same on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

pub const NODES: [(&str, &str); 3] = [
    ("e2e-node-a", "zone-a"),
    ("e2e-node-b", "zone-a"),
    ("e2e-node-c", "zone-b"),
];
/// A CSI driver nothing serves: claims of its classes wait for a provisioner forever.
pub const DRIVER: &str = "csi.e2e.example.com";
const SIZES: [&str; 3] = ["1Gi", "2Gi", "5Gi"];
const MODES: [&str; 3] = ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany"];

pub struct Scenario {
    pub seed: u64,
    pub namespace: String,
    /// In the order `kubectl apply -f` of one file would create them.
    pub objects: Vec<Value>,
}

impl Scenario {
    pub fn volume_names(&self) -> Vec<String> {
        self.names("PersistentVolume")
    }

    pub fn class_names(&self) -> Vec<String> {
        self.names("StorageClass")
    }

    pub fn names(&self, kind: &str) -> Vec<String> {
        self.objects
            .iter()
            .filter(|o| o["kind"] == kind)
            .map(|o| o["metadata"]["name"].as_str().unwrap().to_owned())
            .collect()
    }

    /// The scenario as one YAML-compatible (JSON) manifest list, with the nodes it runs on.
    pub fn manifest(&self) -> String {
        let mut items = nodes();
        items.extend(self.objects.iter().cloned());
        serde_json::to_string_pretty(&json!({"apiVersion": "v1", "kind": "List", "items": items}))
            .unwrap()
    }
}

/// The nodes every scenario runs on, as a kubelet would have registered them.
pub fn nodes() -> Vec<Value> {
    NODES
        .iter()
        .map(|(name, zone)| {
            json!({
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {"name": name, "labels": {
                    "kubernetes.io/hostname": name,
                    "kubernetes.io/os": "linux",
                    "topology.kubernetes.io/zone": zone,
                }},
                "status": {
                    "allocatable": {"cpu": "8", "memory": "32Gi", "pods": "110"},
                    "conditions": [{"type": "Ready", "status": "True"}],
                },
            })
        })
        .collect()
}

/// A valid set of access modes: ReadWriteOncePod alone, or some of the others.
pub fn access_modes(rng: &mut Rng) -> Vec<&'static str> {
    // ReadWriteOncePod may not be combined with another mode.
    if rng.chance(10) {
        return vec!["ReadWriteOncePod"];
    }
    let mut modes: Vec<&str> = MODES.iter().copied().filter(|_| rng.chance(45)).collect();
    if modes.is_empty() {
        modes.push(*rng.pick(&MODES));
    }
    modes
}

struct Class {
    name: String,
    waits: bool,
}

pub fn generate(seed: u64, open: bool) -> Scenario {
    let mut rng = Rng::new(seed);
    let ns = format!("d{seed}");
    let mut objects = Vec::new();

    let mut classes = Vec::new();
    let default_class = open && rng.chance(40);
    for i in 0..1 + rng.below(2) {
        let name = format!("{ns}-c{i}");
        let waits = rng.chance(50);
        let provisioner = if rng.chance(50) {
            "kubernetes.io/no-provisioner"
        } else {
            DRIVER
        };
        let mut class = json!({
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {"name": name},
            "provisioner": provisioner,
            "volumeBindingMode": if waits { "WaitForFirstConsumer" } else { "Immediate" },
        });
        if rng.chance(50) {
            class["reclaimPolicy"] = json!(if rng.chance(50) { "Retain" } else { "Delete" });
        }
        if default_class && i == 0 {
            class["metadata"]["annotations"] =
                json!({"storageclass.kubernetes.io/is-default-class": "true"});
        }
        objects.push(class);
        classes.push(Class { name, waits });
    }

    let claim_count = 1 + rng.below(4);
    let claim_name = |i: usize| format!("claim{i}");
    let volume_count = rng.below(6);
    for i in 0..volume_count {
        let name = format!("{ns}-pv{i}");
        let mut spec = json!({
            "capacity": {"storage": rng.pick(&SIZES)},
            "accessModes": access_modes(&mut rng),
            "persistentVolumeReclaimPolicy": if rng.chance(50) { "Retain" } else { "Delete" },
        });
        match class_choice(&mut rng, open, &classes) {
            ClassChoice::Named(c) => spec["storageClassName"] = json!(classes[c].name),
            ClassChoice::Empty => spec["storageClassName"] = json!(""),
            ClassChoice::Absent => {}
        }
        let block = rng.chance(15);
        match rng.below(4) {
            0 if !block => spec["hostPath"] = json!({"path": format!("/tmp/e2e/{name}")}),
            1 if !block => {
                spec["nfs"] = json!({"server": "127.0.0.1", "path": format!("/exports/{name}")})
            }
            2 => {
                let (node, _) = rng.pick(&NODES);
                spec["local"] = json!({"path": format!("/mnt/e2e/{name}")});
                spec["nodeAffinity"] = hostname_affinity(node);
            }
            _ => {
                spec["csi"] = json!({"driver": DRIVER, "volumeHandle": name});
                if rng.chance(30) {
                    let zone = if rng.chance(50) { "zone-a" } else { "zone-b" };
                    spec["nodeAffinity"] = json!({"required": {"nodeSelectorTerms": [
                        {"matchExpressions": [{"key": "topology.kubernetes.io/zone",
                            "operator": "In", "values": [zone]}]}
                    ]}});
                }
            }
        }
        if block {
            spec["volumeMode"] = json!("Block");
        } else if rng.chance(30) {
            spec["volumeMode"] = json!("Filesystem");
        }
        let mut metadata = json!({"name": name});
        if rng.chance(40) {
            metadata["labels"] = json!({"app": if rng.chance(50) { "a" } else { "b" }});
        }
        if rng.chance(15) {
            spec["claimRef"] =
                json!({"namespace": ns, "name": claim_name(rng.below(claim_count + 1))});
        }
        objects.push(json!({"apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": metadata, "spec": spec}));
    }

    let mut claims = Vec::new();
    for i in 0..claim_count {
        let mut spec = json!({
            "accessModes": access_modes(&mut rng),
            "resources": {"requests": {"storage": rng.pick(&SIZES)}},
        });
        let choice = class_choice(&mut rng, open, &classes);
        match choice {
            ClassChoice::Named(c) => spec["storageClassName"] = json!(classes[c].name),
            ClassChoice::Empty => spec["storageClassName"] = json!(""),
            ClassChoice::Absent => {}
        }
        if rng.chance(15) {
            spec["volumeMode"] = json!("Block");
        }
        if rng.chance(15) {
            spec["selector"] =
                json!({"matchLabels": {"app": if rng.chance(50) { "a" } else { "b" }}});
        }
        if volume_count > 0 && rng.chance(15) {
            spec["volumeName"] = json!(format!("{ns}-pv{}", rng.below(volume_count)));
        }
        let waits = match choice {
            ClassChoice::Named(c) => classes[c].waits,
            _ => default_class && classes[0].waits,
        };
        claims.push((claim_name(i), waits));
        objects.push(json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": claim_name(i), "namespace": ns}, "spec": spec}));
    }

    // Pods for some claims, most of all for those that wait for a consumer.
    let mut pod = 0;
    for (claim, waits) in &claims {
        if !rng.chance(if *waits { 70 } else { 20 }) {
            continue;
        }
        let mut spec = json!({
            "containers": [{"name": "c", "image": "e2e.invalid/none",
                "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}],
        });
        if rng.chance(40) {
            let (node, _) = rng.pick(&NODES);
            spec["nodeSelector"] = json!({"kubernetes.io/hostname": node});
        } else if rng.chance(30) {
            let zone = if rng.chance(50) { "zone-a" } else { "zone-b" };
            spec["affinity"] = json!({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [{"key": "topology.kubernetes.io/zone",
                    "operator": "In", "values": [zone]}]}]}}});
        }
        objects.push(json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("pod{pod}"), "namespace": ns}, "spec": spec}));
        pod += 1;
    }

    Scenario {
        seed,
        namespace: ns,
        objects,
    }
}

enum ClassChoice {
    Named(usize),
    Empty,
    Absent,
}

/// Only an open scenario uses class-less objects: every other scenario would see them too.
fn class_choice(rng: &mut Rng, open: bool, classes: &[Class]) -> ClassChoice {
    if open && rng.chance(50) {
        if rng.chance(50) {
            ClassChoice::Empty
        } else {
            ClassChoice::Absent
        }
    } else {
        ClassChoice::Named(rng.below(classes.len()))
    }
}

fn hostname_affinity(node: &str) -> Value {
    json!({"required": {"nodeSelectorTerms": [{"matchExpressions": [
        {"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}
    ]}]}})
}
