//! The project's own binding cases (testdata/binding/) applied to the real control plane: each
//! is a disagreement the differential tests once found, and the cluster must still do what the
//! case says the plan predicts.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;

use crate::differential::{delete_volumes, settle, volumes_synced, ClaimState};
use crate::support::control_plane::ControlPlane;

fn cases() -> Vec<(String, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/binding");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f).unwrap();
            let case: Value = serde_saphyr::from_str(&text).unwrap();
            (f.display().to_string(), case)
        })
        .collect()
}

fn names(objects: &[Value], kind: &str) -> Vec<String> {
    objects
        .iter()
        .filter(|o| o["kind"] == kind)
        .map(|o| o["metadata"]["name"].as_str().unwrap().to_owned())
        .collect()
}

/// Whether a real claim is what the case expects (`outcome` one value or a list).
fn claim_matches(expected: &Value, real: &ClaimState) -> bool {
    let outcomes: Vec<&str> = match &expected["outcome"] {
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        one => one.as_str().into_iter().collect(),
    };
    let outcome_ok = outcomes
        .iter()
        .any(|o| *o == real.outcome || (*o == "binds" && real.outcome == "bound"));
    let volume_ok = match expected.get("volume") {
        None => true,
        Some(v) => v.as_str() == real.volume.as_deref(),
    };
    outcome_ok && volume_ok
}

/// Applies one case, waits for the cluster to settle, and says where it differs.
fn run_case(plane: &ControlPlane, file: &str, case: &Value) -> Vec<String> {
    let objects: Vec<Value> = case["objects"].as_array().unwrap().clone();
    for node in objects.iter().filter(|o| o["kind"] == "Node") {
        let name = node["metadata"]["name"].as_str().unwrap();
        let zone = node["metadata"]["labels"]["topology.kubernetes.io/zone"]
            .as_str()
            .unwrap_or("zone-a");
        plane.node(name, zone);
    }
    let namespaces: BTreeSet<String> = names(&objects, "Namespace").into_iter().collect();
    for ns in &namespaces {
        plane.namespace(ns);
    }
    let first = |o: &&Value| o["kind"] == "StorageClass" || o["kind"] == "PersistentVolume";
    let rest = |o: &&Value| !first(o) && o["kind"] != "Node" && o["kind"] != "Namespace";
    plane.apply(&objects.iter().filter(first).cloned().collect::<Vec<_>>());
    let volumes: BTreeSet<String> = names(&objects, "PersistentVolume").into_iter().collect();
    volumes_synced(plane, &volumes);
    plane.apply(&objects.iter().filter(rest).cloned().collect::<Vec<_>>());
    let observed = settle(plane, &namespaces, &volumes);

    let mut differences = Vec::new();
    let empty = serde_json::Map::new();
    for (key, expected) in case["expect"]["claims"].as_object().unwrap_or(&empty) {
        match observed.claims.get(key) {
            Some((real, _)) if claim_matches(expected, real) => {}
            real => differences.push(format!(
                "{file}: claim {key}: expected {expected}, the cluster has {:?}",
                real.map(|(r, _)| r)
            )),
        }
    }
    for (name, expected) in case["expect"]["volumes"].as_object().unwrap_or(&empty) {
        let Some((real, _)) = observed.volumes.get(name) else {
            differences.push(format!("{file}: volume {name} is gone"));
            continue;
        };
        let phase_ok = expected
            .get("phase")
            .is_none_or(|p| p.as_str() == Some(real.phase.as_str()));
        // The plan names the claim of a volume bound (or to be bound) to it.
        let claim_ok = match expected.get("claim") {
            None => true,
            Some(Value::Null) => real.phase != "Bound",
            Some(c) => c.as_str() == real.claim.as_deref(),
        };
        if !phase_ok || !claim_ok {
            differences.push(format!(
                "{file}: volume {name}: expected {expected}, the cluster has {real:?}"
            ));
        }
    }

    observed.delete_pods_and_claims(plane);
    delete_volumes(plane, &volumes);
    for class in names(&objects, "StorageClass") {
        plane.delete("storage.k8s.io/v1", "StorageClass", None, &class);
    }
    for node in names(&objects, "Node") {
        plane.delete("v1", "Node", None, &node);
    }
    for ns in &namespaces {
        plane.delete("v1", "Namespace", None, ns);
    }
    differences
}

/// Runs the cases made to be applied: those with a Namespace of their own (the reclaim cases,
/// volumes whose claims are gone, are applied by `reclaim` instead, with their claims).
pub fn run_all(plane: &ControlPlane) -> Vec<String> {
    cases()
        .iter()
        .filter(|(_, case)| {
            case["objects"]
                .as_array()
                .is_some_and(|o| o.iter().any(|o| o["kind"] == "Namespace"))
        })
        .flat_map(|(file, case)| run_case(plane, file, case))
        .collect()
}
