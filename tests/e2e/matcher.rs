//! The plan's matcher held to upstream's own on many random claims: each is planned, and asked
//! of `matcher` (tests/controlplane/kube/matcher), a Go program that calls upstream's
//! FindMatchingVolume as the PV controller and the scheduler do. Upstream's pick among volumes
//! of the same size depends on cache order; the plan's pick must be one upstream can make, and
//! each upstream can make must be the plan's or one of its ties.
//!
//! `E2E_MATCHER_CASES` sets how many (default 100,000), `E2E_SEED` the first seed.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use kubectl_storage::binding;
use kubectl_storage::load::{load_str, LoadOptions};
use serde_json::{json, Value};

use crate::scenario::{access_modes as modes, Rng};

const SIZES: [&str; 4] = ["1Gi", "1500Mi", "2Gi", "5Gi"];

fn selector(rng: &mut Rng) -> Value {
    match rng.below(3) {
        0 => json!({"matchLabels": {"app": "a"}}),
        1 => json!({"matchExpressions": [{"key": "app", "operator": "In", "values": ["a", "b"]}]}),
        _ => json!({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["a"]}]}),
    }
}

/// The claim's path: the PV controller for an Immediate class ("fast", or none), for a
/// WaitForFirstConsumer one ("slow") without a consumer, or the scheduler's with a consumer
/// pinned to the one node.
pub struct Question {
    pub ask: Value,
    pub manifest: String,
}

pub fn question(seed: u64) -> Question {
    let mut rng = Rng::new(seed);
    let node_zone = if rng.chance(50) { "z1" } else { "z2" };
    let node = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1", "labels": {
        "kubernetes.io/hostname": "n1", "topology.kubernetes.io/zone": node_zone}}});
    let class = *rng.pick(&["fast", "slow", ""]);
    let scheduler = class == "slow" && rng.chance(60);
    let mut claim_spec = json!({
        "accessModes": modes(&mut rng),
        "resources": {"requests": {"storage": rng.pick(&SIZES[..3])}},
        "storageClassName": class,
    });
    if rng.chance(15) {
        claim_spec["volumeMode"] = json!("Block");
    }
    if rng.chance(20) {
        claim_spec["selector"] = selector(&mut rng);
    }
    let claim = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": "c", "namespace": "d", "uid": "uid-c"},
        "spec": claim_spec});
    let mut volumes = Vec::new();
    for i in 0..rng.below(7) {
        let mut spec = json!({
            "capacity": {"storage": rng.pick(&SIZES)},
            "accessModes": modes(&mut rng),
            "persistentVolumeReclaimPolicy": "Retain",
            "storageClassName": rng.pick(&["fast", "slow", ""]),
            "csi": {"driver": "csi.example.com", "volumeHandle": format!("v{i}")},
        });
        match rng.below(5) {
            0 => {}
            1 => spec["volumeMode"] = json!("Block"),
            _ => spec["volumeMode"] = json!("Filesystem"),
        }
        let affinity = |key: &str, value: &str| {
            json!({"required": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": key, "operator": "In", "values": [value]}]}]}})
        };
        match rng.below(6) {
            0 => spec["nodeAffinity"] = affinity("kubernetes.io/hostname", "n1"),
            1 => spec["nodeAffinity"] = affinity("kubernetes.io/hostname", "n2"),
            2 => spec["nodeAffinity"] = affinity("topology.kubernetes.io/zone", "z1"),
            _ => {}
        }
        // A state the PV controller keeps: what it reserved or bound, with a matching phase.
        let phase = match rng.below(10) {
            0 => {
                spec["claimRef"] = json!({"namespace": "d", "name": "c"});
                "Available"
            }
            1 => {
                spec["claimRef"] = json!({"namespace": "d", "name": "c", "uid": "uid-c"});
                "Bound"
            }
            2 => {
                spec["claimRef"] = json!({"namespace": "d", "name": "other"});
                "Available"
            }
            _ => "Available",
        };
        let mut metadata = json!({"name": format!("v{i}")});
        if rng.chance(40) {
            metadata["labels"] = json!({"app": if rng.chance(50) { "a" } else { "b" }});
        }
        volumes.push(json!({"apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": metadata, "spec": spec, "status": {"phase": phase}}));
    }
    let mut items = vec![
        json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "fast"},
            "provisioner": "kubernetes.io/no-provisioner", "volumeBindingMode": "Immediate"}),
        json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "slow"},
            "provisioner": "kubernetes.io/no-provisioner", "volumeBindingMode": "WaitForFirstConsumer"}),
        node.clone(),
        claim.clone(),
    ];
    items.extend(volumes.iter().cloned());
    if scheduler {
        items.push(
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "d"},
            "spec": {"nodeSelector": {"kubernetes.io/hostname": "n1"},
                "containers": [{"name": "c", "image": "none"}],
                "volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": "c"}}]}}),
        );
    }
    let ask = json!({
        "claim": claim,
        "volumes": volumes,
        "node": if scheduler { node } else { Value::Null },
        "delayBinding": class == "slow",
    });
    let manifest = json!({"apiVersion": "v1", "kind": "List", "items": items}).to_string();
    Question { ask, manifest }
}

/// What the plan says the claim gets ("" for no volume), and the volumes as good.
fn planned(manifest: &str) -> (String, Vec<String>) {
    let loaded = load_str("question.json", manifest, &LoadOptions::default());
    let plan = binding::plan(&loaded.snapshot);
    let claim = &plan.claims[0];
    let volume = match claim.outcome {
        binding::outcome::Outcome::Binds | binding::outcome::Outcome::Bound => {
            claim.volume.clone().unwrap_or_default()
        }
        _ => String::new(),
    };
    let ties = claim
        .ties
        .iter()
        .map(|v| loaded.snapshot.volumes[*v].meta.name.clone())
        .collect();
    (volume, ties)
}

/// Asks `matcher` every question; the disagreements.
pub fn compare(matcher: &std::path::Path, first_seed: u64, count: u64) -> Vec<String> {
    let mut child = Command::new(matcher)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let mut out = std::io::BufWriter::new(&mut stdin);
        for seed in first_seed..first_seed + count {
            writeln!(out, "{}", question(seed).ask).unwrap();
        }
    });
    let mut differences = Vec::new();
    let mut answered = 0;
    let answers = BufReader::new(child.stdout.take().unwrap()).lines();
    for (seed, line) in (first_seed..).zip(answers) {
        answered += 1;
        let answer: Value = serde_json::from_str(&line.unwrap()).unwrap();
        assert!(answer["error"].is_null(), "seed {seed}: {answer}");
        let upstream: Vec<String> = answer["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        let (volume, ties) = planned(&question(seed).manifest);
        let ours_ok = upstream.contains(&volume);
        let theirs_ok = upstream
            .iter()
            .all(|v| *v == volume || ties.contains(v) || v.is_empty());
        if !ours_ok || !theirs_ok {
            let mut line = format!(
                "seed {seed}: the plan picks {volume:?} (ties {ties:?}), upstream can pick {upstream:?}"
            );
            if count == 1 {
                line.push_str(&format!("\n{}", question(seed).manifest));
            }
            differences.push(line);
        }
    }
    let status = child.wait().unwrap();
    assert!(
        status.success() && answered == count,
        "{} answered {answered} of {count} questions ({status})",
        matcher.display()
    );
    writer.join().unwrap();
    differences
}
