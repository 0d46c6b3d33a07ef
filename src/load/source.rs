//! The text of every input, and where each object sits in it. Field positions are found when a
//! finding needs them, by parsing the object's own text again: loading stays lean on large
//! snapshots, and any field of any object can be pointed at.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use super::json_tree;
use super::text::Text;
use super::yaml_tree::{self, Pos};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

#[derive(Debug)]
pub struct SourceFile {
    /// As the user named it (`-` input is called `<stdin>`).
    pub name: String,
    pub text: Arc<Text>,
}

/// Where an object is written: its file and the span of its mapping node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectSource {
    pub file: FileId,
    pub start: Pos,
    pub end: usize,
    /// For objects made from part of another (a StatefulSet's volumeClaimTemplates), the path
    /// of that part: the claim's fields are looked up beneath it.
    pub base_path: Option<Arc<str>>,
}

/// A resolved position, as the JSON contract writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// Byte range in the file, for snippets.
    #[serde(skip)]
    pub offset: usize,
    #[serde(skip)]
    pub len: usize,
    #[serde(skip)]
    pub file_id: FileId,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[derive(Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, name: String, text: Arc<Text>) -> FileId {
        self.files.push(SourceFile { name, text });
        FileId(self.files.len() as u32 - 1)
    }

    pub fn file(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// Hands back the pages of every mapped text ([`Text::release`]).
    pub fn release(&self) {
        for file in &self.files {
            file.text.release();
        }
    }

    /// The location of a raw position (a syntax error, a document start).
    pub fn at(&self, file: FileId, start: Pos, end_offset: usize) -> Location {
        Location {
            file: self.file(file).map(|f| f.name.clone()).unwrap_or_default(),
            line: start.line,
            column: start.column,
            offset: start.offset,
            len: end_offset.saturating_sub(start.offset),
            file_id: file,
        }
    }

    /// The location of a field of an object: the field's key when it is written, else its
    /// nearest written parent, else the object itself. To locate many, see [`Locator`].
    pub fn locate(&self, source: &ObjectSource, path: &str) -> Location {
        Locator::new(self).locate(source, path)
    }
}

/// Locates fields of objects one after another, reading an object's text again once for a run
/// of fields of the same object (findings sorted by object share it).
pub struct Locator<'s> {
    sources: &'s Sources,
    /// The object read last: its file and span, and its tree if it could be read.
    last: Option<(FileId, (usize, usize), Option<yaml_tree::Node>)>,
}

impl<'s> Locator<'s> {
    pub fn new(sources: &'s Sources) -> Self {
        Locator {
            sources,
            last: None,
        }
    }

    pub fn sources(&self) -> &'s Sources {
        self.sources
    }

    /// [`Sources::locate`].
    pub fn locate(&mut self, source: &ObjectSource, path: &str) -> Location {
        let sources = self.sources;
        let object = || sources.at(source.file, source.start, source.start.offset);
        let full_path = match (&source.base_path, path.is_empty()) {
            (Some(base), true) => base.to_string(),
            (Some(base), false) => format!("{base}.{path}"),
            (None, _) => path.to_owned(),
        };
        if full_path.is_empty() {
            return object();
        }
        let segments = yaml_tree::parse_path(&full_path);
        let path = yaml_tree::borrow_path(&segments);
        // A JSON object is walked along the path, not read into a tree.
        let walked = sources
            .file(source.file)
            .filter(|file| file.text.as_bytes().get(source.start.offset) == Some(&b'{'))
            .and_then(|file| {
                json_tree::locate_at(&file.text, source.start, source.end, &path, true)
            });
        if let Some((start, end)) = walked {
            return sources.at(source.file, start, end.offset);
        }
        let Some(root) = self.root(source) else {
            return object();
        };
        let (start, end) = root.locate(&path, true);
        sources.at(source.file, start, end.offset)
    }

    fn root(&mut self, source: &ObjectSource) -> Option<&yaml_tree::Node> {
        let span = (source.start.offset, source.end);
        let same =
            |(file, at, _): &(FileId, (usize, usize), _)| *file == source.file && *at == span;
        if !self.last.as_ref().is_some_and(same) {
            let root = self
                .sources
                .file(source.file)
                .and_then(|file| reparse(&file.text, source.start, source.end));
            self.last = Some((source.file, span, root));
        }
        self.last.as_ref().and_then(|(_, _, root)| root.as_ref())
    }
}

/// Parses the text of one object again, with positions as in the whole file. A block object's
/// first line is kept from its start column on, with what precedes it (`- ` of a list item,
/// say) blanked, so that the object's indentation is what the parser sees.
pub(crate) fn reparse(text: &str, start: Pos, end: usize) -> Option<yaml_tree::Node> {
    let body = text.get(start.offset..end)?;
    if body.starts_with(['{', '[']) {
        return reparse_flow(text, start, end);
    }
    let line_start = text.get(..start.offset)?.rfind('\n').map_or(0, |i| i + 1);
    let prefix = text.get(line_start..start.offset)?;
    if !prefix.is_ascii() {
        return None;
    }
    REPARSED.with(|n| n.set(n.get() + prefix.len() + body.len()));
    let mut slice = String::with_capacity(prefix.len() + body.len());
    slice.extend(std::iter::repeat_n(' ', prefix.len()));
    slice.push_str(body);
    let (docs, _) = yaml_tree::parse_stream(&slice);
    let mut root = docs.into_iter().next()?.root?;
    shift(&mut root, line_start, start.line);
    Some(root)
}

/// Parses a flow object (JSON, or YAML written in braces) from its own text alone: what
/// precedes it on its line does not change how it reads, and on a one-line file reading it
/// again would cost the whole file for every finding.
fn reparse_flow(text: &str, start: Pos, end: usize) -> Option<yaml_tree::Node> {
    let body = text.get(start.offset..end)?;
    REPARSED.with(|n| n.set(n.get() + body.len()));
    // JSON (a `kubectl get -o json` item) with the fast reader, else YAML's flow style.
    if let Ok(node) = json_tree::read_at(text, start, end) {
        return Some(node);
    }
    let mut root = yaml_tree::parse_stream(body).0.into_iter().next()?.root?;
    json_tree::shift_from(&mut root, start);
    Some(root)
}

thread_local! {
    /// Bytes handed to the parser to locate findings, for the test that holds locating linear.
    static REPARSED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// How many bytes this thread has parsed again, or walked, to locate findings.
pub fn reparsed_bytes() -> usize {
    REPARSED.with(std::cell::Cell::get) + json_tree::located_bytes()
}

/// Moves positions from the re-parsed slice to the whole file.
fn shift(node: &mut yaml_tree::Node, offset: usize, first_line: u32) {
    let fix = |p: &mut Pos| {
        p.offset += offset;
        p.line += first_line - 1;
    };
    fix(&mut node.start);
    fix(&mut node.end);
    match &mut node.value {
        yaml_tree::Value::Seq(items) => items.iter_mut().for_each(|n| shift(n, offset, first_line)),
        yaml_tree::Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            shift(k, offset, first_line);
            shift(v, offset, first_line);
        }),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::load::{load_str, LoadOptions};
    use crate::report;

    /// A dump written on one line, as `jq -c` writes it, with a finding on every volume.
    fn compact_dump(volumes: usize) -> String {
        let items: Vec<String> = (0..volumes)
            .map(|i| format!(r#"{{"apiVersion":"v1","kind":"PersistentVolume","metadata":{{"name":"pv-{i}","uid":"u{i}","resourceVersion":"1"}},"spec":{{"capacity":{{"storage":"1Gi"}},"accessModes":["ReadWriteOnce"],"storageClassName":"","persistentVolumeReclaimPolicy":"Recycle","hostPath":{{"path":"/data/{i}"}}}},"status":{{"phase":"Available"}}}}"#))
            .collect();
        format!(
            r#"{{"apiVersion":"v1","kind":"List","items":[{}]}}"#,
            items.join(",")
        )
    }

    #[test]
    fn locating_findings_in_a_one_line_dump_reads_each_object_once() {
        let text = compact_dump(400);
        let before = super::reparsed_bytes();
        let loaded = load_str("dump.json", &text, &LoadOptions::default());
        let plan = report::plan(&loaded);
        let read = super::reparsed_bytes() - before;
        let located = plan
            .findings
            .iter()
            .filter(|f| f.location.is_some())
            .count();
        assert!(located >= 400, "{located} findings located");
        // Each finding reads its own object again, never the line it sits on.
        assert!(
            read <= 2 * text.len(),
            "{read} bytes read again for a {}-byte file",
            text.len()
        );
    }

    #[test]
    fn a_locator_reads_an_object_once_for_a_run_of_its_fields() {
        let text = "apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: a\nspec:\n  capacity:\n    storage: 1Gi\n---\napiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: b\n";
        let loaded = load_str("pvs.yaml", text, &LoadOptions::default());
        let sources: Vec<_> = loaded
            .snapshot
            .volumes
            .iter()
            .map(|v| v.meta.source.clone().unwrap())
            .collect();
        let mut locator = super::Locator::new(&loaded.sources);
        let before = super::reparsed_bytes();
        let lines: Vec<u32> = ["metadata.name", "spec.capacity.storage", "spec"]
            .iter()
            .map(|path| locator.locate(&sources[0], path).line)
            .collect();
        assert_eq!(lines, [4, 7, 5]);
        let first = sources[0].end - sources[0].start.offset;
        assert_eq!(super::reparsed_bytes() - before, first);
        assert_eq!(locator.locate(&sources[1], "metadata.name").line, 12);
        assert_eq!(locator.locate(&sources[0], "metadata").line, 3);
        assert!(super::reparsed_bytes() - before > 2 * first);
    }

    #[test]
    fn a_field_of_a_one_line_dump_is_located_where_it_is_written() {
        let text = compact_dump(3);
        let loaded = load_str("dump.json", &text, &LoadOptions::default());
        let plan = report::plan(&loaded);
        let finding = plan
            .findings
            .iter()
            .find(|f| f.rule == "recycle-reclaim-policy" && f.object.name == "pv-2")
            .unwrap();
        let location = finding.location.as_ref().unwrap();
        assert_eq!(location.line, 1);
        let column = location.column as usize;
        assert!(
            text[column - 1..].starts_with(r#""persistentVolumeReclaimPolicy":"Recycle""#),
            "{}",
            &text[column - 1..column + 40]
        );
    }

    /// Each finding's snippet used to be the whole line, and past column 65,535 miette's
    /// padding overflowed and panicked.
    #[test]
    fn the_text_of_a_one_line_dump_shows_a_part_of_the_line_per_finding() {
        let text = compact_dump(400);
        let loaded = load_str("dump.json", &text, &LoadOptions::default());
        let plan = report::plan(&loaded);
        let shown = crate::render::text::render(&plan, &loaded.sources, false).unwrap();
        let findings = plan.findings.len();
        assert!(findings >= 400, "{findings} findings");
        // Each snippet is a few hundred bytes of the line, not the line.
        assert!(
            shown.len() < 1500 * findings,
            "{} bytes of text for {findings} findings of a {}-byte line",
            shown.len(),
            text.len()
        );
        assert!(shown.contains(r#""persistentVolumeReclaimPolicy":"Recycle""#));
        assert!(shown.contains(" 1 │ …"), "the cut line is marked");
    }
}
