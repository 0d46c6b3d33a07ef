//! The text of every input, and where each object sits in it. Field positions are found when a
//! finding needs them, by parsing the object's own text again: loading stays lean on large
//! snapshots, and any field of any object can be pointed at.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use super::json_tree;
use super::yaml_tree::{self, Pos};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

#[derive(Debug)]
pub struct SourceFile {
    /// As the user named it (`-` input is called `<stdin>`).
    pub name: String,
    pub text: Arc<str>,
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
    pub fn add(&mut self, name: String, text: Arc<str>) -> FileId {
        self.files.push(SourceFile { name, text });
        FileId(self.files.len() as u32 - 1)
    }

    pub fn file(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn files(&self) -> &[SourceFile] {
        &self.files
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
    /// nearest written parent, else the object itself.
    pub fn locate(&self, source: &ObjectSource, path: &str) -> Location {
        let fallback = self.at(source.file, source.start, source.start.offset);
        let Some(file) = self.file(source.file) else {
            return fallback;
        };
        let full_path = match (&source.base_path, path.is_empty()) {
            (Some(base), true) => base.to_string(),
            (Some(base), false) => format!("{base}.{path}"),
            (None, _) => path.to_owned(),
        };
        if full_path.is_empty() {
            return fallback;
        }
        let Some(root) = reparse(&file.text, source.start, source.end) else {
            return fallback;
        };
        let segments = yaml_tree::parse_path(&full_path);
        let (start, end) = root.locate(&yaml_tree::borrow_path(&segments), true);
        self.at(source.file, start, end.offset)
    }
}

/// Parses the text of one object again, with positions as in the whole file. The object's first
/// line is kept from its start column on, with what precedes it (`- ` of a list item, say)
/// blanked, so that the object's indentation is what the parser sees.
pub(crate) fn reparse(text: &str, start: Pos, end: usize) -> Option<yaml_tree::Node> {
    let line_start = text.get(..start.offset)?.rfind('\n').map_or(0, |i| i + 1);
    let prefix = text.get(line_start..start.offset)?;
    let body = text.get(start.offset..end)?;
    if !prefix.is_ascii() {
        return None;
    }
    let mut slice = String::with_capacity(prefix.len() + body.len());
    slice.extend(std::iter::repeat_n(' ', prefix.len()));
    slice.push_str(body);
    let mut root = if body.starts_with('{') {
        // JSON (a `kubectl get -o json` item): the fast reader, which yields the object last.
        let mut last = None;
        json_tree::read(&slice, &mut |node| last = Some(node)).ok()?;
        last?
    } else {
        let (docs, _) = yaml_tree::parse_stream(&slice);
        docs.into_iter().next()?.root?
    };
    shift(&mut root, line_start, start.line);
    Some(root)
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
