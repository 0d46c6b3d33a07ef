//! Loading and planning a large cluster snapshot.
//!
//! ```sh
//! cargo bench --bench plan                                # 100,000 PVs and 100,000 claims
//! cargo bench --bench plan -- --quick                     # 10,000 and 10,000
//! cargo bench --bench plan -- --pvs 50000 --claims 50000 [--seed N] [--reference 5000]
//! ```
//!
//! The snapshot comes from `examples/gen_snapshot` (same generator, same seed, same objects).
//! Every figure is the median of 3 runs. Peak memory is measured in a child process that does
//! what `kubectl storage plan -f snapshot.yaml` does (read the file, load, plan), so the texts and
//! snapshots this process holds for the other measurements do not count.

// The binary's allocator, so that each step costs here what it costs in `kubectl-storage`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[allow(dead_code)]
#[path = "../examples/gen_snapshot/generator.rs"]
mod generator;

use std::collections::BTreeMap;
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kubectl_storage::binding::reference::ReferenceFinder;
use kubectl_storage::binding::{self, BindingPlan};
use kubectl_storage::load::text::Text;
use kubectl_storage::load::{self, Input, LoadOptions, Loaded, Loader};
use kubectl_storage::report;

use generator::{Format, Options};

const RUNS: usize = 3;

struct Args {
    options: Options,
    reference: usize,
    rss_child: Option<String>,
    run_child: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        options: Options::default(),
        reference: 5_000,
        rss_child: None,
        run_child: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        if args.options.take_flag(&arg, &mut it)? {
            continue;
        }
        match arg.as_str() {
            "--reference" => args.reference = generator::count_after("--reference", &mut it)?,
            "--quick" => {
                args.options.pvs = 10_000;
                args.options.claims = 10_000;
            }
            "--rss-child" => args.rss_child = it.next(),
            "--run-child" => args.run_child = it.next(),
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
                "plan bench: {message}\nusage: cargo bench --bench plan -- [--pvs N] [--claims N] [--seed N] [--reference N] [--quick]"
            );
            return ExitCode::from(2);
        }
    };
    if let Some(path) = &args.rss_child {
        return rss_child(path);
    }
    if let Some(path) = &args.run_child {
        return run_child(path);
    }
    run(&args);
    ExitCode::SUCCESS
}

/// Loads one text as `kubectl storage plan` does.
fn load_text(name: &str, text: &Arc<Text>) -> Loaded {
    let mut loader = Loader::new(&LoadOptions::default());
    loader.add_text(name.to_owned(), text.clone());
    loader.finish()
}

/// Median time of `RUNS` runs, and the last run's result. Each run's result is dropped, outside
/// the timed region, before the next run starts: one at a time is alive, as in the CLI.
fn median<T>(mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        drop(last.take());
        let start = Instant::now();
        let result = f();
        times.push(start.elapsed());
        last = Some(result);
    }
    times.sort();
    (times[RUNS / 2], last.expect("RUNS > 0"))
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1e6
}

fn row(what: &str, time: Duration, note: &str) {
    println!("  {what:<44} {:>10}   {note}", secs(time));
}

fn run(args: &Args) {
    let o = &args.options;
    println!(
        "kubectl-storage plan bench: {} PVs, {} claims, seed {} (median of {RUNS} runs)",
        o.pvs, o.claims, o.seed
    );

    let start = Instant::now();
    let (yaml, summary) = generator::generate(o, Format::Yaml);
    let yaml = Arc::new(Text::from(yaml));
    println!(
        "  generated in {:.1} s: {summary}",
        start.elapsed().as_secs_f64()
    );
    println!();

    // (a) YAML stream.
    let (t, loaded) = median(|| load_text("snapshot.yaml", &yaml));
    row(
        "load YAML (multi-document)",
        t,
        &format!(
            "{:.1} MB, {:.1} MB/s",
            mb(yaml.len()),
            mb(yaml.len()) / t.as_secs_f64()
        ),
    );
    let input_findings = loaded.findings.len();

    // (c) matcher, (d) full plan.
    let (t, plan) = median(|| binding::plan(&loaded.snapshot));
    row(
        "binding::plan (indexed matcher)",
        t,
        &format!(
            "{} claims, {} volumes",
            loaded.snapshot.claims.len(),
            loaded.snapshot.volumes.len()
        ),
    );
    let (t, full) = median(|| report::plan(&loaded));
    row(
        "report::plan (matcher + analyses + report)",
        t,
        &format!("{} findings", full.findings.len()),
    );
    drop(full);
    let deletion = kubectl_storage::deletion::plan(&loaded.snapshot, &plan);
    let (t, _) = median(|| kubectl_storage::deletion::plan(&loaded.snapshot, &plan));
    row("  of which deletion::plan", t, "");
    let inputs = kubectl_storage::analysis::Inputs {
        snapshot: &loaded.snapshot,
        binding: &plan,
        deletion: &deletion,
        evidence: None,
    };
    for (name, analysis) in kubectl_storage::analysis::ANALYSES {
        let (t, found) = median(|| {
            let mut found = Vec::new();
            analysis.run(&inputs, &mut found);
            found.len()
        });
        row(
            &format!("  of which analysis {name}"),
            t,
            &format!("{found} findings"),
        );
    }
    drop(deletion);
    let counts = outcome_counts(&plan);
    drop(plan);
    let (claims, volumes) = (loaded.snapshot.claims.len(), loaded.snapshot.volumes.len());
    drop(loaded);
    drop(yaml);

    // (b) JSON List.
    let (json, _) = generator::generate(o, Format::Json);
    let json = Arc::new(Text::from(json));
    let (t, loaded) = median(|| load_text("snapshot.json", &json));
    row(
        "load JSON (kind: List)",
        t,
        &format!(
            "{:.1} MB, {:.1} MB/s",
            mb(json.len()),
            mb(json.len()) / t.as_secs_f64()
        ),
    );
    let same = loaded.snapshot.claims.len() == claims && loaded.snapshot.volumes.len() == volumes;
    drop(loaded);
    drop(json);

    // (e) reference against indexed, on a smaller snapshot.
    let small = Options {
        pvs: args.reference,
        claims: args.reference,
        seed: o.seed,
    };
    let (text, _) = generator::generate(&small, Format::Yaml);
    let loaded = load_text("small.yaml", &Arc::new(Text::from(text)));
    let (t_ref, by_reference) = median(|| binding::plan_with::<ReferenceFinder>(&loaded.snapshot));
    let (t_idx, by_index) = median(|| binding::plan(&loaded.snapshot));
    let differences = by_reference
        .claims
        .iter()
        .zip(&by_index.claims)
        .filter(|(a, b)| a.outcome != b.outcome || a.volume_index != b.volume_index)
        .count();
    let label = format!("{}/{}", args.reference, args.reference);
    row(
        &format!("reference matcher, {label}"),
        t_ref,
        &format!(
            "{:.0}x the indexed one",
            t_ref.as_secs_f64() / t_idx.as_secs_f64().max(1e-9)
        ),
    );
    row(
        &format!("indexed matcher, {label}"),
        t_idx,
        &if differences == 0 {
            "same outcome and volume for every claim".to_owned()
        } else {
            format!("{differences} claims DIFFER from the reference")
        },
    );
    drop((loaded, by_reference, by_index));

    // (f) end to end, as a user runs it: `kubectl-storage plan -f FILE -o json`, every input
    // form, at this size and at 10,000/10,000 for the curve.
    println!();
    println!("  end to end, `plan -f FILE -o json` (wall time, peak RSS of the process):");
    let curve = Options {
        pvs: 10_000,
        claims: 10_000,
        seed: o.seed,
    };
    for options in [&curve, o] {
        for (format, name) in [
            (Format::Json, "JSON List, indented"),
            (Format::CompactJson, "JSON List, one line"),
            (Format::ListYaml, "YAML List"),
            (Format::Yaml, "YAML multi-document"),
        ] {
            let label = format!("{}/{} {name}", options.pvs, options.claims);
            match end_to_end(options, format) {
                Ok((time, hwm_kb, size)) => row(
                    &format!("  {label}"),
                    time,
                    &format!(
                        "{:.0} MB peak, {:.0} MB input",
                        hwm_kb as f64 / 1024.0,
                        mb(size)
                    ),
                ),
                Err(e) => println!("  {label}: could not measure: {e}"),
            }
        }
    }

    // (g) peak memory of a plan of the big snapshot, in a fresh process.
    println!();
    match child_rss(o) {
        Ok((hwm, size)) => println!(
            "  peak RSS, `plan -f` of the {:.0} MB YAML snapshot (read, load, plan): {:.0} MB",
            mb(size),
            hwm as f64 / 1024.0
        ),
        Err(e) => println!("  peak RSS: could not measure: {e}"),
    }
    if let Some(hwm) = vm_hwm_kb() {
        println!(
            "  peak RSS of this bench process (holds the texts and snapshots above): {:.0} MB",
            hwm as f64 / 1024.0
        );
    }

    println!();
    println!("outcomes ({claims} claims, {volumes} volumes):");
    println!("  claims:  {}", join(&counts.0));
    println!("  volumes: {}", join(&counts.1));
    println!("  paths:   {}", join(&counts.2));
    println!(
        "  input findings: {input_findings}; JSON loads the same objects: {}",
        if same { "yes" } else { "NO" }
    );
}

type Counts = BTreeMap<&'static str, usize>;

fn outcome_counts(plan: &BindingPlan) -> (Counts, Counts, Counts) {
    let mut claims = Counts::new();
    let mut volumes = Counts::new();
    let mut paths = Counts::new();
    for c in &plan.claims {
        *claims.entry(c.outcome.as_str()).or_default() += 1;
        if c.node.is_some() {
            *paths.entry("placed-on-node").or_default() += 1;
        }
        if c.competition.is_some() {
            *paths.entry("lost-competition").or_default() += 1;
        }
        if !c.ties.is_empty() {
            *paths.entry("ties").or_default() += 1;
        }
        if c.class_defaulted {
            *paths.entry("class-defaulted").or_default() += 1;
        }
    }
    for v in &plan.volumes {
        *volumes.entry(v.phase.as_str()).or_default() += 1;
        if v.reserved_for.is_some() {
            *paths.entry("reserved-volumes").or_default() += 1;
        }
    }
    (claims, volumes, paths)
}

fn join(counts: &Counts) -> String {
    counts
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Peak resident set size of this process so far, in KiB.
fn vm_hwm_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Writes the snapshot to a file and plans it in a child process; its peak RSS in KiB, and the
/// file's size.
fn child_rss(o: &Options) -> Result<(u64, usize), String> {
    let path =
        std::env::temp_dir().join(format!("kubectl-storage-bench-{}.yaml", std::process::id()));
    let size = {
        let file = std::fs::File::create(&path).map_err(|e| e.to_string())?;
        let mut out = std::io::BufWriter::new(file);
        generator::write(o, Format::Yaml, &mut out)
            .map_err(|e| e.to_string())?
            .bytes
    };
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let output = Command::new(exe).arg("--rss-child").arg(&path).output();
    let _ = std::fs::remove_file(&path);
    let output = output.map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let hwm = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .map_err(|_| "the child printed no VmHWM".to_owned())?;
    Ok((hwm, size))
}

/// Writes the snapshot in `format` and runs the real binary on it, as a user would; the median
/// wall time of its runs, its largest peak RSS in KiB, and the file's size.
fn end_to_end(o: &Options, format: Format) -> Result<(Duration, u64, usize), String> {
    let path =
        std::env::temp_dir().join(format!("kubectl-storage-e2e-{}.input", std::process::id()));
    let size = {
        let file = std::fs::File::create(&path).map_err(|e| e.to_string())?;
        let mut out = std::io::BufWriter::new(file);
        generator::write(o, format, &mut out)
            .map_err(|e| e.to_string())?
            .bytes
    };
    let mut peak = 0;
    let mut times = Vec::new();
    for _ in 0..RUNS {
        // Through a small child of our own: a process's peak RSS counts what its parent held
        // when it was forked, and this one holds the snapshots above.
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let output = Command::new(exe)
            .arg("--run-child")
            .arg(&path)
            .output()
            .map_err(|e| e.to_string())?;
        let report = String::from_utf8_lossy(&output.stdout);
        let mut fields = report.split_whitespace().map(str::parse::<u64>);
        let (Some(Ok(micros)), Some(Ok(hwm)), Some(Ok(code))) =
            (fields.next(), fields.next(), fields.next())
        else {
            let _ = std::fs::remove_file(&path);
            return Err(format!("the child said {report:?}"));
        };
        times.push(Duration::from_micros(micros));
        peak = peak.max(hwm);
        // 0 clean, 1 findings: both are a finished plan.
        if code > 1 {
            let _ = std::fs::remove_file(&path);
            return Err(format!("exit code {code}"));
        }
    }
    let _ = std::fs::remove_file(&path);
    times.sort();
    Ok((times[times.len() / 2], peak, size))
}

/// The child of `end_to_end`: runs the binary on PATH and prints its wall time in
/// microseconds, its peak RSS in KiB and its exit code.
fn run_child(path: &str) -> ExitCode {
    let start = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_kubectl-storage"))
        .args(["plan", "-o", "json", "-f", path])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    let waited = child
        .map_err(|e| e.to_string())
        .and_then(|child| wait_with_rusage(child.id()));
    match waited {
        Ok((code, hwm)) => {
            println!("{} {hwm} {}", start.elapsed().as_micros(), code.max(0));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// Waits for a child and reads its own peak RSS (KiB) from the kernel.
fn wait_with_rusage(pid: u32) -> Result<(i32, u64), String> {
    let mut status = 0;
    // SAFETY: `rusage` is plain data the kernel fills; the pid is our own child, not waited for
    // elsewhere.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
    if waited < 0 {
        return Err(std::io::Error::last_os_error().to_string());
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    Ok((code, usage.ru_maxrss as u64))
}

/// The child: what `kubectl storage plan -f PATH` does up to rendering; prints VmHWM in KiB.
fn rss_child(path: &str) -> ExitCode {
    let loaded = match load::load(&[Input::parse(path)], &LoadOptions::default()) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let report = report::plan(&loaded);
    std::hint::black_box(&report);
    match vm_hwm_kb() {
        Some(hwm) => {
            println!("{hwm}");
            ExitCode::SUCCESS
        }
        None => ExitCode::FAILURE,
    }
}
