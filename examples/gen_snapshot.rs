//! Writes a synthetic cluster snapshot (PVs, PVCs, StorageClasses, Nodes, Pods, StatefulSets,
//! Deployments) for benchmarks and load tests:
//!
//! ```sh
//! cargo run --release --example gen_snapshot -- --pvs 100000 --claims 100000 --format yaml > snapshot.yaml
//! kubectl-storage plan -f snapshot.yaml
//! ```

#[path = "gen_snapshot/generator.rs"]
mod generator;

use std::io::{self, Write};
use std::process::ExitCode;

use generator::{Format, Options};

const USAGE: &str = "\
usage: gen_snapshot [--pvs N] [--claims N] [--format yaml|json|compact-json|list-yaml] [--compact] [--seed N]

Writes a synthetic cluster snapshot to standard output: as `kubectl get
pv,pvc,sc,pods,nodes,statefulsets,deployments -A` would on a large cluster.

  --pvs N       PersistentVolumes to write (default 100000)
  --claims N    PersistentVolumeClaim objects to write (default 100000)
  --format F    yaml: a multi-document stream (default); json: one List as
                `kubectl get -o json` writes it; compact-json: that List on one
                line, as `jq -c` writes it; list-yaml: the same List as
                `kubectl get -o yaml` writes it
  --compact     the same as --format compact-json
  --seed N      the same seed writes the same snapshot (default 1)

Exactly N PersistentVolumes and N PersistentVolumeClaim objects are written,
plus 5 StorageClasses, about pvs/100 Nodes (at most 1000), and the Pods,
StatefulSets and Deployments that consume claims. The StatefulSets'
volumeClaimTemplates add about claims/200 more claims when the snapshot is
loaded (claims that do not exist yet), on top of N.
";

fn main() -> ExitCode {
    let mut options = Options::default();
    let mut format = Format::Yaml;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let result: Result<(), String> = match arg.as_str() {
            "--format" => args
                .next()
                .ok_or_else(|| "--format needs a value".to_owned())
                .and_then(|v| {
                    Format::parse(&v)
                        .map(|f| format = f)
                        .ok_or_else(|| format!("unknown format {v:?}"))
                }),
            "--compact" => {
                format = Format::CompactJson;
                Ok(())
            }
            "-h" | "--help" => {
                print!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => match options.take_flag(other, &mut args) {
                Ok(true) => Ok(()),
                Ok(false) => Err(format!("unknown argument {other:?}")),
                Err(message) => Err(message),
            },
        };
        if let Err(message) = result {
            eprintln!("gen_snapshot: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 20, stdout.lock());
    match generator::write(&options, format, &mut out).and_then(|s| out.flush().map(|_| s)) {
        Ok(summary) => {
            eprintln!(
                "gen_snapshot: {summary}; {:.1} MB",
                summary.bytes as f64 / 1e6
            );
            ExitCode::SUCCESS
        }
        // A closed pipe (`| head`) is not an error worth a message.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_snapshot: cannot write: {e}");
            ExitCode::FAILURE
        }
    }
}
