//! `plan --cluster -A` against the real control plane, beside the kubectl read of the same
//! objects: the live target of issue 13 is at most 1.2× the time of
//! `kubectl get pv,pvc,sc,pods,nodes,statefulsets,deployments -A -o json > /dev/null`.
//!
//! ```sh
//! cargo bench --bench live_cluster                  # 20,000 claims and 20,000 volumes
//! cargo bench --bench live_cluster -- --quick       # 2,000 and 2,000
//! cargo bench --bench live_cluster -- --pvs N --claims N [--seed N] [--runs N]
//! ```
//!
//! The control plane is the one the end-to-end tests build and start (`tests/support/
//! control_plane`: etcd, kube-apiserver, kube-controller-manager, kube-scheduler); it needs Go
//! and `kubectl` on PATH. The objects are `examples/gen_snapshot`'s, created as manifests (no
//! uid, resourceVersion or status), so the controllers bind and provision what they can while
//! they are created. Both commands then run in turns, `--runs` times each, output to /dev/null;
//! the fastest run of each is compared.

#[allow(dead_code)]
#[path = "../examples/gen_snapshot/generator.rs"]
mod generator;

#[allow(dead_code)]
#[path = "../tests/support/control_plane/mod.rs"]
mod control_plane;

use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use generator::{Format, Options};

struct Args {
    options: Options,
    runs: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        options: Options {
            pvs: 20_000,
            claims: 20_000,
            ..Options::default()
        },
        runs: 3,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        if args.options.take_flag(&arg, &mut it)? {
            continue;
        }
        match arg.as_str() {
            "--runs" => args.runs = generator::count_after("--runs", &mut it)?.max(1),
            "--quick" => {
                args.options.pvs = 2_000;
                args.options.claims = 2_000;
            }
            // cargo bench passes --bench to harness-less benches.
            "--bench" => {}
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!(
                "live_cluster bench: {message}\nusage: cargo bench --bench live_cluster -- [--pvs N] [--claims N] [--seed N] [--runs N] [--quick]"
            );
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("live_cluster bench: {message}");
            ExitCode::FAILURE
        }
    }
}

/// A dumped object as a manifest: what the API server would refuse or ignore on create goes.
fn manifest(mut object: Value) -> Value {
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        for field in [
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "managedFields",
            "generation",
        ] {
            meta.remove(field);
        }
    }
    if let Some(object) = object.as_object_mut() {
        object.remove("status");
    }
    // A claimRef's uid names a claim of the dump, which the new claim is not.
    // (`get_mut`, as indexing a Value would write the missing keys.)
    let claim_ref = object
        .get_mut("spec")
        .and_then(|spec| spec.get_mut("claimRef"))
        .and_then(Value::as_object_mut);
    if let Some(claim_ref) = claim_ref {
        claim_ref.remove("uid");
        claim_ref.remove("resourceVersion");
    }
    object
}

/// Kinds in the order their dependants need them.
fn rank(object: &Value) -> u8 {
    match object["kind"].as_str().unwrap_or_default() {
        "StorageClass" | "Node" => 0,
        "PersistentVolume" => 1,
        "PersistentVolumeClaim" => 2,
        _ => 3,
    }
}

fn timed(command: &mut Command) -> Result<Duration, String> {
    let started = Instant::now();
    let status = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    let took = started.elapsed();
    // plan exits 1 when it has findings; anything above is a failure.
    match status.code() {
        Some(0 | 1) => Ok(took),
        _ => Err(format!("{command:?} failed: {status}")),
    }
}

fn run(args: &Args) -> Result<(), String> {
    let Some(plane) = control_plane::control_plane("live_cluster bench") else {
        return Err("no control plane (see the notice above)".into());
    };
    let started = Instant::now();
    let (text, summary) = generator::generate(&args.options, Format::Json);
    let mut dump: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    drop(text);
    let Value::Array(items) = dump["items"].take() else {
        return Err("the generator wrote no items".into());
    };
    let mut objects: Vec<Value> = items.into_iter().map(manifest).collect();
    objects.sort_by_key(rank);
    let namespaces: std::collections::BTreeSet<String> = objects
        .iter()
        .filter_map(|o| o["metadata"]["namespace"].as_str().map(str::to_owned))
        .collect();
    for namespace in &namespaces {
        plane.namespace(namespace);
    }
    // Each rank on every core, in turn.
    let threads = 8;
    let mut rest = objects.as_slice();
    while let Some(first) = rest.first() {
        let end = rest
            .iter()
            .position(|o| rank(o) != rank(first))
            .unwrap_or(rest.len());
        let (group, tail) = rest.split_at(end);
        std::thread::scope(|scope| {
            for part in group.chunks(group.len().div_ceil(threads)) {
                scope.spawn(|| plane.apply(part));
            }
        });
        rest = tail;
    }
    println!(
        "cluster: {summary}; {} objects created in {:.1} s",
        objects.len(),
        started.elapsed().as_secs_f64()
    );

    let kubeconfig = plane.admin_kubeconfig();
    let tool = env!("CARGO_BIN_EXE_kubectl-storage");
    let mut kubectl = Vec::new();
    let mut plan_text = Vec::new();
    let mut plan_json = Vec::new();
    for _ in 0..args.runs {
        kubectl.push(timed(
            Command::new("kubectl")
                .args([
                    "get",
                    "pv,pvc,sc,pods,nodes,statefulsets,deployments",
                    "-A",
                    "-o",
                    "json",
                ])
                .env("KUBECONFIG", &kubeconfig),
        )?);
        plan_text.push(timed(
            Command::new(tool)
                .args(["plan", "--cluster", "-A"])
                .env("KUBECONFIG", &kubeconfig),
        )?);
        plan_json.push(timed(
            Command::new(tool)
                .args(["plan", "--cluster", "-A", "-o", "json"])
                .env("KUBECONFIG", &kubeconfig),
        )?);
    }
    let best = |runs: &[Duration]| runs.iter().min().copied().unwrap_or_default();
    let base = best(&kubectl).as_secs_f64();
    println!();
    println!("| command | fastest of {} | × kubectl |", args.runs);
    println!("|---|---:|---:|");
    for (name, runs) in [
        (
            "kubectl get pv,pvc,sc,pods,nodes,statefulsets,deployments -A -o json",
            &kubectl,
        ),
        ("kubectl storage plan --cluster -A", &plan_text),
        ("kubectl storage plan --cluster -A -o json", &plan_json),
    ] {
        let took = best(runs).as_secs_f64();
        println!("| `{name}` | {took:.2} s | {:.2} |", took / base);
    }
    println!();
    println!("target: plan --cluster -A at most 1.2 × kubectl");
    Ok(())
}
