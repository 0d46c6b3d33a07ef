//! End to end against a real control plane (tests/support/control_plane): what the tool says
//! about a cluster must be what the real controllers and API server do.

#[path = "../support/mod.rs"]
mod support;

use std::time::Duration;

use serde_json::{json, Value};
use support::control_plane::{control_plane, ControlPlane};

fn tool(plane: &ControlPlane, kubeconfig: &std::path::Path) -> assert_cmd::Command {
    let home = support::scratch("e2e-home");
    let mut cmd = support::tool(&home);
    cmd.env("KUBECONFIG", kubeconfig);
    let _ = plane;
    cmd
}

#[test]
fn a_static_volume_binds_as_planned() {
    let Some(plane) = control_plane("a_static_volume_binds_as_planned") else {
        return;
    };
    let _scope = plane.lock_cluster_scope();
    plane.namespace("smoke");
    plane.apply_yaml(
        "apiVersion: v1
kind: PersistentVolume
metadata: {name: smoke-pv}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: smoke
  persistentVolumeReclaimPolicy: Retain
  hostPath: {path: /tmp/smoke}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: smoke}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: smoke
  resources: {requests: {storage: 1Gi}}
",
    );
    let bound = plane
        .wait_for(Duration::from_secs(30), "the claim to bind", || {
            let claim = plane.get("v1", "PersistentVolumeClaim", Some("smoke"), "data")?;
            (claim["status"]["phase"] == "Bound").then_some(claim)
        })
        .unwrap();
    assert_eq!(bound["spec"]["volumeName"], "smoke-pv");
    let out = support::run(tool(plane, &plane.admin_kubeconfig()).args([
        "plan",
        "--cluster",
        "-n",
        "smoke",
        "-o",
        "json",
    ]));
    let plan: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    let claim = &plan["claims"][0];
    assert_eq!(claim["outcome"], "bound", "{plan:#}");
    assert_eq!(claim["volume"], "smoke-pv");
    let _ = json!(null);
}

mod access;
mod acting;
mod cases;
mod differential;
mod manifest;
mod matcher;
mod reclaim;
mod scenario;
mod twins;
mod updates;
mod validation;

/// Random scenarios planned from their manifests and applied to the real control plane must
/// come out as planned (see `differential`).
#[test]
fn plans_agree_with_the_real_controllers() {
    let Some(plane) = control_plane("plans_agree_with_the_real_controllers") else {
        return;
    };
    let _scope = plane.lock_cluster_scope();
    for (name, zone) in scenario::NODES {
        plane.node(name, zone);
    }
    let count = std::env::var("E2E_SCENARIOS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let seed = std::env::var("E2E_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs()
                % 1_000_000
                * 1000
        });
    let keep = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("differential");
    std::fs::create_dir_all(&keep).unwrap();
    let started = std::time::Instant::now();
    let differences = differential::run(plane, seed, count, &keep);
    {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "differential: {count} scenarios from seed {seed} in {:.0?}, {} differences",
            started.elapsed(),
            differences.len()
        );
    }
    assert!(
        differences.is_empty(),
        "the plan and the real control plane disagree (rerun one with E2E_SEED=<seed> E2E_SCENARIOS=1):\n{}",
        differences.join("\n")
    );
}

/// Every case in testdata/binding/ does on the real control plane what it says.
#[test]
fn the_project_binding_cases_hold_on_the_real_control_plane() {
    let Some(plane) = control_plane("the_project_binding_cases_hold_on_the_real_control_plane")
    else {
        return;
    };
    let _scope = plane.lock_cluster_scope();
    let differences = cases::run_all(plane);
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

/// The plan's matcher against upstream's FindMatchingVolume on many random claims (see
/// `matcher`).
#[test]
fn the_matcher_picks_what_upstream_can_pick() {
    let Some(program) =
        support::control_plane::program("the_matcher_picks_what_upstream_can_pick", "matcher")
    else {
        return;
    };
    let count = std::env::var("E2E_MATCHER_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let seed = std::env::var("E2E_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let started = std::time::Instant::now();
    let differences = matcher::compare(&program, seed, count);
    {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "matcher: {count} claims from seed {seed} in {:.0?}, {} differences",
            started.elapsed(),
            differences.len()
        );
    }
    let shown = differences.len().min(20);
    assert!(
        differences.is_empty(),
        "{} of {count} claims differ (rerun one with E2E_SEED=<seed> E2E_MATCHER_CASES=1):\n{}",
        differences.len(),
        differences[..shown].join("\n")
    );
}

/// The in-process test server answers as the real API server does (see `twins`).
#[test]
fn the_test_server_answers_as_the_real_one() {
    let Some(plane) = control_plane("the_test_server_answers_as_the_real_one") else {
        return;
    };
    let _scope = plane.lock_cluster_scope();
    let differences = twins::compare(plane);
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

/// `rebind` against the real PV controller (see `acting`).
#[test]
fn rebind_gives_a_released_volume_to_a_new_claim() {
    let Some(plane) = control_plane("rebind_gives_a_released_volume_to_a_new_claim") else {
        return;
    };
    let _scope = plane.lock_cluster_scope();
    acting::rebind_a_released_volume(plane);
}

/// `expand` against the real API server's validation and resize admission (see `acting`).
#[test]
fn expand_grows_what_the_api_lets_grow() {
    let Some(plane) = control_plane("expand_grows_what_the_api_lets_grow") else {
        return;
    };
    let _scope = plane.lock_cluster_scope();
    acting::expand_as_the_api_allows(plane);
}

/// What the plan refuses, the real API server refuses, and the other way round, object by
/// object (see `validation`); `E2E_VALIDATION_ORIGIN=examples|cases|corpus` runs one origin.
#[test]
fn the_api_server_refuses_what_the_plan_refuses() {
    let Some(plane) = control_plane("the_api_server_refuses_what_the_plan_refuses") else {
        return;
    };
    let _scope = plane.lock_cluster_scope();
    let disagreements = validation::run(plane, &validation::Origin::selected());
    assert!(
        disagreements.is_empty(),
        "{} objects where the plan and the API server disagree (missed: the API refuses, the \
         plan does not; false alarm: the other way round):\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

/// What the plan of a manifest applied over a live object refuses, the real API server refuses,
/// and the other way round, update by update (see `updates`).
#[test]
fn the_api_server_refuses_the_updates_the_plan_refuses() {
    let Some(plane) = control_plane("the_api_server_refuses_the_updates_the_plan_refuses") else {
        return;
    };
    let _scope = plane.lock_cluster_scope();
    let disagreements = updates::run(plane);
    assert!(
        disagreements.is_empty(),
        "{} updates where the plan and the API server disagree (missed: the API refuses, the \
         plan does not; false alarm: the other way round; setup failed: the live object could \
         not be made):\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}
