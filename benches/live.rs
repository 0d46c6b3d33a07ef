//! Reading and planning a large live cluster, against the in-process test API server.
//!
//! ```sh
//! cargo bench --bench live                       # 50,000 claims and 50,000 volumes
//! cargo bench --bench live -- --quick            # 5,000 and 5,000
//! cargo bench --bench live -- --pvs N --claims N [--seed N]
//! ```
//!
//! The server holds the objects `examples/gen_snapshot` makes (the same generator as
//! `benches/plan.rs`: claims, volumes, classes, nodes, pods, StatefulSets, Deployments, shaped
//! as `kubectl get -o yaml` shows them, with uids, resourceVersions and status). The run does
//! what `kubectl storage plan --cluster -A` does, through the same functions: the live read
//! (`live::read`), the conversion into the snapshot (`cli::input::load_over_read`) and the plan
//! (`report::plan`). It then counts the requests the server saw: one paginated LIST per kind
//! and page of 500, no GET of a single object. The server runs in this process, on its own
//! thread, so its time to answer counts in the read.

#[allow(dead_code)]
#[path = "../examples/gen_snapshot/generator.rs"]
mod generator;

#[path = "../tests/support/api_server/mod.rs"]
mod api_server;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use kubectl_storage::cli::input;
use kubectl_storage::live::fetch::PAGE_SIZE;
use kubectl_storage::live::kinds::LIVE_KINDS;
use kubectl_storage::live::{self, ClusterArgs};
use kubectl_storage::report;
use serde_json::Value;

use api_server::ApiServer;
use generator::{Format, Options};

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        pvs: 50_000,
        claims: 50_000,
        seed: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        if options.take_flag(&arg, &mut it)? {
            continue;
        }
        match arg.as_str() {
            "--quick" => {
                options.pvs = 5_000;
                options.claims = 5_000;
            }
            // cargo bench passes --bench to harness-less benches.
            "--bench" => {}
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(options)
}

fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(options) => options,
        Err(message) => {
            eprintln!(
                "live bench: {message}\nusage: cargo bench --bench live -- [--pvs N] [--claims N] [--seed N] [--quick]"
            );
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("live bench: {message}");
            ExitCode::FAILURE
        }
    }
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn run(options: &Options) -> Result<(), String> {
    let started = Instant::now();
    let (text, summary) = generator::generate(options, Format::Json);
    let mut dump: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    drop(text);
    let server = ApiServer::start();
    if let Value::Array(items) = dump["items"].take() {
        for item in items {
            server.add(item);
        }
    }
    println!("cluster: {summary}; served in {}", secs(started.elapsed()));

    let dir =
        std::env::temp_dir().join(format!("kubectl-storage-live-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let kubeconfig = dir.join("config");
    std::fs::write(&kubeconfig, server.kubeconfig("bench", None)).map_err(|e| e.to_string())?;
    let args = ClusterArgs {
        cluster: Some(String::new()),
        kubeconfig: Some(kubeconfig),
        all_namespaces: true,
        ..ClusterArgs::default()
    };

    // What `plan --cluster -A` does, step by step.
    let total = Instant::now();
    let t = Instant::now();
    let read = live::read(&args).map_err(|e| e.to_string())?;
    let read_time = t.elapsed();
    let listed: Vec<(&str, usize)> = LIVE_KINDS
        .iter()
        .map(|kind| (kind.kind, read.objects.of(kind.kind).len()))
        .collect();
    let t = Instant::now();
    let loaded =
        input::load_over_read(Some(read), &[], &args, None, &input::ReleaseArgs::default())?;
    let convert_time = t.elapsed();
    let t = Instant::now();
    let plan = report::plan(&loaded.loaded);
    let plan_time = t.elapsed();
    let total_time = total.elapsed();
    let _ = std::fs::remove_dir_all(&dir);

    let requests = server.requests();
    println!();
    println!("| kind | objects | LIST requests (pages) | bytes |");
    println!("|---|---:|---:|---:|");
    let (mut all_requests, mut all_bytes, mut all_objects) = (0, 0, 0);
    for (kind, (name, objects)) in LIVE_KINDS.iter().zip(&listed) {
        let path = kind.list_path(None);
        let pages: Vec<_> = requests.iter().filter(|r| r.path == path).collect();
        let bytes: usize = pages.iter().map(|r| r.bytes).sum();
        let expected = objects.div_ceil(PAGE_SIZE as usize).max(1);
        if pages.len() != expected {
            return Err(format!(
                "{name}: {} requests for {objects} objects, expected {expected} (one LIST per page of {PAGE_SIZE})",
                pages.len()
            ));
        }
        println!("| {name} | {objects} | {} | {bytes} |", pages.len());
        all_requests += pages.len();
        all_bytes += bytes;
        all_objects += objects;
    }
    println!(
        "| **all {} kinds** | {all_objects} | **{all_requests}** | {all_bytes} ({:.1} MB) |",
        LIVE_KINDS.len(),
        all_bytes as f64 / 1e6
    );
    // Every request is a paginated LIST of a whole kind: no discovery, no GET of one object.
    let stray: Vec<String> = requests
        .iter()
        .filter(|r| {
            r.method != "GET"
                || r.status != 200
                || r.param("limit") != Some("500")
                || !LIVE_KINDS.iter().any(|k| k.list_path(None) == r.path)
        })
        .map(|r| r.line())
        .collect();
    if !stray.is_empty() {
        return Err(format!("requests other than paginated LISTs: {stray:?}"));
    }
    if requests.len() != all_requests {
        return Err(format!(
            "{} requests, {all_requests} counted per kind",
            requests.len()
        ));
    }
    println!("GETs of single objects: 0");
    println!();
    println!("| step | time |");
    println!("|---|---|");
    println!(
        "| read: {all_requests} LISTs, kinds at once ({:.1} MB) | {} |",
        all_bytes as f64 / 1e6,
        secs(read_time)
    );
    println!("| conversion into the snapshot | {} |", secs(convert_time));
    println!(
        "| plan: binding, analyses, report ({} claims, {} volumes, {} findings) | {} |",
        plan.claims.len(),
        plan.volumes.len(),
        plan.findings.len(),
        secs(plan_time)
    );
    println!("| **total** | **{}** |", secs(total_time));
    // The process ends here: freeing a large plan piece by piece only delays the exit.
    std::mem::forget(plan);
    std::mem::forget(loaded);
    Ok(())
}
