//! Reading manifests: files, folders and standard input, as kubectl's `-f` does; multi-document
//! YAML, JSON, and `kind: List` dumps (`kubectl get -o yaml`).

mod api_validation;
mod by_hash;
mod dumped;
mod ignored;
pub mod json_tree;
pub mod kinds;
mod live_objects;
mod pipeline;
mod seen;
pub mod snapshot_kinds;
mod snapshot_validation;
pub mod source;
pub mod text;
mod typing;
pub mod yaml_tree;

use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::evidence::Evidence;
use crate::findings::{Finding, Pointer};
use crate::model::scope::ScopeSignals;
use crate::model::{ObjectKey, Snapshot};
use crate::rules::ids;

use self::kinds::SnapshotBuilder;
use self::pipeline::Ready;
use self::source::{FileId, Sources};
use self::text::{NotUtf8, Text};
use self::yaml_tree::ParseError;

/// One `-f` argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Path(PathBuf),
    Stdin,
}

impl Input {
    pub fn parse(arg: &str) -> Input {
        if arg == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(arg))
        }
    }
}

#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Namespace for namespaced objects written without one (`-n`, default `default`).
    pub namespace: String,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            namespace: "default".to_owned(),
        }
    }
}

/// Input that could not be read at all: the plan stops with exit code 2.
#[derive(Debug)]
pub enum LoadError {
    NotFound(PathBuf),
    Read(PathBuf, io::Error),
    Stdin(io::Error),
    NoManifests(PathBuf),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::NotFound(p) => write!(f, "{}: no such file or directory", p.display()),
            LoadError::Read(p, e) => write!(f, "{}: cannot read: {e}", p.display()),
            LoadError::Stdin(e) => write!(f, "standard input: cannot read: {e}"),
            LoadError::NoManifests(p) => write!(
                f,
                "{}: the folder holds no .yaml, .yml or .json files",
                p.display()
            ),
        }
    }
}

impl std::error::Error for LoadError {}

/// What loading produced: the objects, the texts they came from, and problems with the input
/// (syntax errors, wrong field types, documents that are not objects) as findings.
#[derive(Debug, Default)]
pub struct Loaded {
    pub snapshot: Snapshot,
    pub sources: Sources,
    pub findings: Vec<Finding>,
    /// Events, attachments and CSI drivers, read live or met in the input; `None` when there
    /// were none (a plan of manifests).
    pub evidence: Option<Evidence>,
}

/// Reads every input. Unreadable paths stop the load; anything readable is planned as far as
/// it makes sense, with its problems reported as findings.
pub fn load(inputs: &[Input], options: &LoadOptions) -> Result<Loaded, LoadError> {
    load_over(Loader::new(options), inputs)
}

/// Reads every input into a loader that may already hold objects (read from a cluster): a
/// manifest of an object already there is an update of it, as `kubectl apply` makes it.
pub fn load_over(mut loader: Loader, inputs: &[Input]) -> Result<Loaded, LoadError> {
    let t = crate::timings::phase("read files");
    let texts = read_inputs(inputs)?;
    drop(t);
    for input in texts {
        let _t = crate::timings::phase("load text");
        loader.add_text(input.name, Arc::new(input.text));
    }
    let _t = crate::timings::phase("load finish");
    Ok(loader.finish())
}

/// One input's text, and the file it was read from (`None` for standard input).
pub struct InputText {
    pub name: String,
    pub path: Option<PathBuf>,
    pub text: Text,
}

/// Reads the texts of the inputs: files, folders' manifests in name order, standard input once.
pub fn read_inputs(inputs: &[Input]) -> Result<Vec<InputText>, LoadError> {
    let mut files = Vec::new();
    for input in inputs {
        match input {
            Input::Stdin => files.push(FileInput::Stdin),
            Input::Path(path) => expand(path, &mut files)?,
        }
    }
    let mut stdin_read = false;
    let mut texts = Vec::with_capacity(files.len());
    for file in files {
        texts.push(match file {
            FileInput::Stdin => {
                // `-f -` given twice reads standard input once, as kubectl does.
                if stdin_read {
                    continue;
                }
                stdin_read = true;
                let mut text = String::new();
                io::stdin()
                    .read_to_string(&mut text)
                    .map_err(LoadError::Stdin)?;
                InputText {
                    name: "<stdin>".to_owned(),
                    path: None,
                    text: Text::from(text),
                }
            }
            FileInput::File(path) => {
                let text = Text::read(&path)
                    .map_err(|e| LoadError::Read(path.clone(), e))?
                    .map_err(|NotUtf8| {
                        LoadError::Read(
                            path.clone(),
                            io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"),
                        )
                    })?;
                InputText {
                    name: path.display().to_string(),
                    path: Some(path),
                    text,
                }
            }
        });
    }
    Ok(texts)
}

enum FileInput {
    Stdin,
    File(PathBuf),
}

fn is_manifest(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// A file as given, or a folder's manifests, recursively and in name order.
fn expand(path: &Path, out: &mut Vec<FileInput>) -> Result<(), LoadError> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => LoadError::NotFound(path.to_owned()),
        _ => LoadError::Read(path.to_owned(), e),
    })?;
    if !meta.is_dir() {
        out.push(FileInput::File(path.to_owned()));
        return Ok(());
    }
    let before = out.len();
    walk(path, out)?;
    if out.len() == before {
        return Err(LoadError::NoManifests(path.to_owned()));
    }
    Ok(())
}

fn walk(dir: &Path, out: &mut Vec<FileInput>) -> Result<(), LoadError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| LoadError::Read(dir.to_owned(), e))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            walk(&entry, out)?;
        } else if is_manifest(&entry) {
            out.push(FileInput::File(entry));
        }
    }
    Ok(())
}

/// Loads texts one by one into a snapshot.
pub struct Loader {
    builder: SnapshotBuilder,
    sources: Sources,
    findings: Vec<Finding>,
    scope: ScopeSignals,
}

impl Loader {
    pub fn new(options: &LoadOptions) -> Loader {
        Loader {
            builder: SnapshotBuilder::new(options.namespace.clone()),
            sources: Sources::default(),
            findings: Vec::new(),
            scope: ScopeSignals::default(),
        }
    }

    pub fn add_text(&mut self, name: String, text: Arc<Text>) -> FileId {
        let file = self.sources.add(name.clone(), text.clone());
        self.builder.add_text(file, text.clone());
        let namespace = self.builder.namespace().to_owned();
        let error = pipeline::read(&text, &namespace, &mut |document| match document {
            Ready::Tree(node, prepared) => {
                self.builder
                    .add_node(file, &text, node, prepared, &mut self.findings)
            }
            Ready::Dumped(dumped) => self.builder.add_dumped(file, dumped, &mut self.findings),
        });
        // A mapped text is read again only to locate findings, a few objects at a time.
        text.release();
        if let Some(error) = error {
            let object = ObjectKey::new("File", None, &name);
            self.findings.push(
                Finding::new(ids::INVALID_YAML, object, format!("{name} is not valid YAML: {}", error.message))
                    .at(
                        Some(Pointer::At {
                            file,
                            start: error.pos,
                            end: error.pos.offset,
                        }),
                        error.message.clone(),
                    )
                    .help("fix the syntax here; documents before this point are still planned, nothing after it is read"),
            );
        }
        file
    }

    /// Adds an object read from a cluster (or a List of them); it has no source text.
    pub fn add_value(&mut self, value: serde_json::Value) {
        self.builder.add_value(value, &mut self.findings);
    }

    /// Records that the objects added were read from a cluster: the input is the whole of it
    /// (but for kinds it could not read).
    pub fn set_live(&mut self) {
        self.scope.live = true;
    }

    /// `--complete` (true) or `--partial` (false): what the input is, whatever it looks like.
    pub fn choose_scope(&mut self, complete: Option<bool>) {
        self.scope.chosen = complete.or(self.scope.chosen);
    }

    /// Records a kind the cluster would not let the run list: its objects are unknown, not
    /// absent.
    pub fn set_unreadable(&mut self, kind: &'static str, why: String) {
        self.builder.set_unreadable(kind, why);
    }

    /// Starts from the evidence read from a cluster; evidence in files is added to it.
    pub fn set_evidence(&mut self, evidence: Evidence) {
        self.builder.evidence = Some(evidence);
    }

    pub fn finish(mut self) -> Loaded {
        let mut evidence = self.builder.evidence.take();
        let signals = ScopeSignals {
            dumped: self.builder.dumped(),
            ..self.scope
        };
        let mut snapshot = self.builder.finish();
        snapshot.set_scope(signals.decide());
        if let Some(evidence) = &mut evidence {
            evidence.forget_predecessors(&snapshot);
            evidence.sort();
        }
        Loaded {
            evidence,
            snapshot,
            sources: self.sources,
            findings: self.findings,
        }
    }
}

/// Reads a text's objects, in order: JSON (what `kubectl get -o json` writes) through the fast
/// reader, anything else (and JSON-looking text the JSON reader refuses before reading an
/// object: flow-style YAML) through the YAML reader. A List's items come one by one, so a large
/// dump is never held as a whole tree. Returns the syntax error that stopped reading, if any.
fn read_nodes(text: &str, emit: &mut dyn FnMut(yaml_tree::Node)) -> Option<ParseError> {
    read_documents(text, false, &mut |item| {
        // Without skimming every document is a tree.
        if let json_tree::Item::Tree(node) = item {
            emit(node);
        }
    })
}

/// [`read_nodes`], with a JSON List's object items skimmed if `skim` ([`json_tree::read_items`]).
fn read_documents(
    text: &str,
    skim: bool,
    emit: &mut dyn FnMut(json_tree::Item),
) -> Option<ParseError> {
    let start = text.trim_start_matches('\u{feff}').trim_start();
    if start.starts_with('{') || start.starts_with('[') {
        let mut read = 0usize;
        let mut counted = |item| {
            read += 1;
            emit(item);
        };
        let result = if skim {
            json_tree::read_items(text, &mut counted)
        } else {
            json_tree::read(text, &mut |node| counted(json_tree::Item::Tree(node)))
        };
        match result {
            Ok(()) => return None,
            Err(error) if read > 0 => return Some(error),
            Err(_) => {}
        }
    }
    for document in yaml_tree::objects(text) {
        match document {
            Ok(document) => {
                if let Some(root) = document.root {
                    emit(json_tree::Item::Tree(root));
                }
            }
            Err(e) => return Some(e),
        }
    }
    None
}

/// Loads one text (tests, rule examples, conformance cases).
pub fn load_str(name: &str, text: &str, options: &LoadOptions) -> Loaded {
    let mut loader = Loader::new(options);
    loader.add_text(name.to_owned(), Arc::new(Text::from(text.to_owned())));
    loader.finish()
}
