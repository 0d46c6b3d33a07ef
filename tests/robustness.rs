//! Bad input gets findings, never a panic: real manifests, mutated at random (lines dropped,
//! doubled or cut, values swapped for odd ones), go through loading, planning and every
//! renderer.

use std::path::PathBuf;

use kubectl_storage::load::{load_str, LoadOptions};
use kubectl_storage::{render, report};
use proptest::prelude::*;

fn samples() -> Vec<String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![
        root.join("testdata/examples/shop.yaml"),
        root.join("testdata/input/cluster-dump.yaml"),
        root.join("testdata/input/cluster-dump.json"),
        root.join("testdata/input/wrong-types.yaml"),
    ];
    // The first file of each corpus repository, where the corpus is there.
    let corpus = kubectl_storage::shared_fixtures::shared_dir("corpus", "robustness samples");
    let mut picked: Vec<PathBuf> = corpus
        .iter()
        .flat_map(|dir| std::fs::read_dir(dir).unwrap())
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .filter_map(|repo| {
            std::fs::read_dir(repo.path())
                .ok()?
                .filter_map(Result::ok)
                .map(|f| f.path())
                .min()
        })
        .collect();
    picked.sort();
    files.extend(picked);
    files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect()
}

/// Values that have broken parsers and matchers before, or could.
const ODD: &[&str] = &[
    "",
    "-1Gi",
    "1e400",
    "999999999999999999999999999E",
    "0.0000000001",
    "\"\"",
    "[]",
    "{}",
    "null",
    "~",
    "true",
    "[[[[",
    "}",
    "&a",
    "*a",
    "<<: *a",
    "!!int x",
    "ReadWriteOncePod",
    "Block",
    "\"\\ud800\"",
    "'unterminated",
    "- - -",
    "---",
    "...",
    "\t",
    "ü",
    "{\"items\": [1]}",
];

#[derive(Debug, Clone)]
enum Mutation {
    Drop(usize),
    Double(usize),
    Cut(usize, usize),
    Replace(usize, usize),
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for m in mutations {
        if lines.is_empty() {
            break;
        }
        let n = lines.len();
        match *m {
            Mutation::Drop(i) => {
                lines.remove(i % n);
            }
            Mutation::Double(i) => {
                let line = lines[i % n].clone();
                lines.insert(i % n, line);
            }
            Mutation::Cut(i, at) => {
                let line = &mut lines[i % n];
                let cut = line
                    .char_indices()
                    .map(|(b, _)| b)
                    .nth(at % (line.chars().count() + 1))
                    .unwrap_or(line.len());
                line.truncate(cut);
            }
            Mutation::Replace(i, odd) => {
                let line = &mut lines[i % n];
                let value = ODD[odd % ODD.len()];
                *line = match line.find(": ") {
                    Some(colon) => format!("{}: {value}", &line[..colon]),
                    None => format!("{line}{value}"),
                };
            }
        }
    }
    lines.join("\n")
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Drop),
        any::<usize>().prop_map(Mutation::Double),
        (any::<usize>(), any::<usize>()).prop_map(|(i, a)| Mutation::Cut(i, a)),
        (any::<usize>(), any::<usize>()).prop_map(|(i, o)| Mutation::Replace(i, o)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn mutated_manifests_plan_without_panicking(
        pick in any::<usize>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let samples = samples();
        let text = mutate(&samples[pick % samples.len()], &mutations);
        let loaded = load_str("mutated.yaml", &text, &LoadOptions::default());
        let plan = report::plan(&loaded);
        render::text::render(&plan, &loaded.sources, true).unwrap();
        render::json::render(&plan).unwrap();
        render::yaml::render(&plan).unwrap();
    }
}
