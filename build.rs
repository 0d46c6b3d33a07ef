//! Embeds every `rules/*.yaml` file, every driver catalogue file `rules/drivers/*.yaml` and the
//! removals `rules/removals/*.yaml` in the binary, so that `rules` and `explain` need no files
//! at run time and a new file is picked up without touching the code.

use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

fn main() {
    let rules = Path::new(&env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .join("rules");
    embed(
        &rules,
        "RULE_FILES",
        "Every rule file under rules/, by file stem.",
        "rule_files.rs",
    );
    embed(
        &rules.join("drivers"),
        "DRIVER_FILES",
        "Every driver catalogue file under rules/drivers/, by file stem.",
        "driver_files.rs",
    );
    embed(
        &rules.join("removals"),
        "REMOVAL_FILES",
        "Every file of what Kubernetes no longer serves, under rules/removals/, by file stem.",
        "removal_files.rs",
    );
}

/// Writes `const <name>: &[(stem, text)]` for the `*.yaml` files directly in `dir` (not in
/// its subfolders, so rules/drivers/ is not mistaken for rules).
fn embed(dir: &Path, name: &str, doc: &str, out_file: &str) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = fs::read_dir(dir)
        .expect("the folder exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    let mut out = format!("/// {doc}\npub const {name}: &[(&str, &str)] = &[\n");
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("file names are UTF-8");
        writeln!(
            out,
            "    ({stem:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .expect("writing to a String");
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join(out_file);
    fs::write(dest, out).expect("OUT_DIR is writable");
}
