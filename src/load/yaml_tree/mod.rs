//! Span-preserving YAML/JSON loader for Kubernetes manifests.
//!
//! Builds a small owned tree from `saphyr-parser` events, keeping the byte offset and the
//! line/column of every node so diagnostics can point into the source. JSON input goes through
//! the same parser (JSON is YAML 1.2).
//!
//! Scalar resolution follows the YAML 1.2 core schema, with go-yaml's merge keys (`<<`) and
//! go-yaml v2's booleans (what sigs.k8s.io/yaml, and so kubectl, uses): an unquoted `y`, `yes`,
//! `on`, `n`, `no`, `off` is a boolean to kubectl, and the API then rejects it where a string
//! is required. Other deviations from go-yaml v2 are deliberate and noted where they happen.
//!
//! Syntax follows go-yaml where saphyr is stricter: quoted scalars whose continuation lines are
//! not indented past their key (as controller-gen writes CRD descriptions) are accepted by
//! re-parsing with those lines padded (`Documents::pad_quoted_scalar` explains how).

mod builder;
mod de;
mod documents;
mod fast;
mod position;
mod scalar;

use std::borrow::Cow;
use std::fmt;

use saphyr_parser::Parser;

use self::builder::Builder;
pub(crate) use self::de::NodeDeserializer;
pub use self::documents::Documents;
use self::documents::Source;
use self::fast::FastEvents;
use self::position::CharOffsets;

/// Cap on nodes produced by alias expansion in one stream (alias-bomb guard). Expanded nodes
/// stay in the output, so the cap is per stream rather than per document.
pub const MAX_ALIAS_NODES: usize = 1_000_000;
/// Cap on nodes copied into the anchor table in one document. Anchored nodes are cloned when
/// they complete; nested anchors could otherwise make that quadratic. The table is cleared at
/// each document end, so this cap is per document.
pub const MAX_ANCHORED_NODES: usize = 1_000_000;
/// Maximum collection nesting. Drop, Clone and `to_json` recurse over the tree, so unbounded
/// block nesting (`- - - - ...`) would overflow the stack; real manifests stay far below this.
/// (saphyr itself rejects flow nesting beyond 255 levels.)
pub const MAX_DEPTH: usize = 1000;

/// A position in the source text. Byte offset (for miette spans) and 1-based line/column
/// (column counted in characters, 1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pos {
    pub offset: usize,
    pub line: u32,
    pub column: u32,
}

/// A resolved YAML value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Seq(Vec<Node>),
    /// Entries in source order; keys are nodes so their positions are known. Keys are unique
    /// (duplicates are a parse error); merged (`<<`) entries sit where the `<<` key was.
    Map(Vec<(Node, Node)>),
}

/// A value with its source span. `end` is exclusive.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub start: Pos,
    pub end: Pos,
}

/// One step of a path into a tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathSeg<'a> {
    Key(&'a str),
    Index(usize),
}

/// Owned form of [`PathSeg`], as returned by [`parse_path`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathSegOwned {
    Key(String),
    Index(usize),
}

impl PathSegOwned {
    pub fn as_seg(&self) -> PathSeg<'_> {
        match self {
            PathSegOwned::Key(k) => PathSeg::Key(k),
            PathSegOwned::Index(i) => PathSeg::Index(*i),
        }
    }
}

/// Borrows an owned path so it can be passed to [`Node::at`] / [`Node::locate`].
pub fn borrow_path(path: &[PathSegOwned]) -> Vec<PathSeg<'_>> {
    path.iter().map(PathSegOwned::as_seg).collect()
}

/// One YAML document of a stream. `root` is `None` for an empty document (`---` followed by
/// nothing or only comments). A stream with no content at all yields no documents.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    pub root: Option<Node>,
    pub start: Pos,
    pub end: Pos,
}

/// A syntax or semantic (duplicate key, bad tag, limits) error.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub message: String,
    pub pos: Pos,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at line {} column {}",
            self.message, self.pos.line, self.pos.column
        )
    }
}

impl std::error::Error for ParseError {}

impl Node {
    /// Map lookup by key. Non-string scalar keys match their JSON key text (`1`, `true`).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    fn entry(&self, key: &str) -> Option<&(Node, Node)> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| key_is(k, key)),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The node at `path`, if every segment exists.
    pub fn at(&self, path: &[PathSeg]) -> Option<&Node> {
        let mut node = self;
        for seg in path {
            node = match (seg, &node.value) {
                (PathSeg::Key(k), Value::Map(_)) => node.get(k)?,
                (PathSeg::Index(i), Value::Seq(items)) => items.get(*i)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The span to point at for `path`: the node if it exists, else the deepest existing
    /// ancestor (a missing field points at its parent). When the chosen node is a map value
    /// and `prefer_key` is set, the span of its key is returned instead.
    pub fn locate(&self, path: &[PathSeg], prefer_key: bool) -> (Pos, Pos) {
        let mut node = self;
        let mut key: Option<&Node> = None;
        for seg in path {
            match (seg, &node.value) {
                (PathSeg::Key(k), Value::Map(_)) => match node.entry(k) {
                    Some((kn, vn)) => {
                        key = Some(kn);
                        node = vn;
                    }
                    None => break,
                },
                (PathSeg::Index(i), Value::Seq(items)) => match items.get(*i) {
                    Some(item) => {
                        key = None;
                        node = item;
                    }
                    None => break,
                },
                _ => break,
            }
        }
        match key {
            Some(k) if prefer_key => (k.start, k.end),
            _ => (node.start, node.end),
        }
    }

    /// Plain JSON. Non-string keys are stringified like sigs.k8s.io/yaml does (ints in
    /// decimal, bools as `true`/`false`, floats like Go's `FormatFloat(f, 'g', -1, 32)`);
    /// null and collection keys, which Kubernetes rejects, become `null` / compact JSON.
    /// Non-finite floats become `null` (JSON has no representation for them).
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => {
                serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into)
            }
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Seq(items) => items.iter().map(Node::to_json).collect(),
            Value::Map(entries) => {
                let mut map = serde_json::Map::new();
                for (k, v) in entries {
                    map.insert(key_text(k).into_owned(), v.to_json());
                }
                serde_json::Value::Object(map)
            }
        }
    }
}

fn key_is(node: &Node, key: &str) -> bool {
    match &node.value {
        Value::String(s) => s == key,
        Value::Seq(_) | Value::Map(_) => false,
        _ => key_text(node) == key,
    }
}

/// The JSON object key a YAML key becomes; also the identity used for duplicate detection,
/// because keys that collide here would silently overwrite each other after conversion.
fn key_text(node: &Node) -> Cow<'_, str> {
    match &node.value {
        Value::String(s) => Cow::Borrowed(s),
        Value::Null => Cow::Borrowed("null"),
        Value::Bool(true) => Cow::Borrowed("true"),
        Value::Bool(false) => Cow::Borrowed("false"),
        Value::Int(i) => Cow::Owned(i.to_string()),
        Value::Float(f) => Cow::Owned(go_float32_g(*f)),
        Value::Seq(_) | Value::Map(_) => {
            Cow::Owned(serde_json::to_string(&node.to_json()).unwrap_or_default())
        }
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)` with YAML spellings for non-finite values,
/// matching how sigs.k8s.io/yaml turns float keys into JSON keys.
fn go_float32_g(f: f64) -> String {
    // Narrowing to f32 is the point: Go formats with bitSize 32.
    let x = f as f32;
    if x.is_nan() {
        return ".nan".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { ".inf" } else { "-.inf" }.to_string();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    // Rust's `{:e}` gives the shortest round-trip digits for f32, as Go does.
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut out = String::new();
    if x < 0.0 {
        out.push('-');
    }
    // Go's %g with shortest precision uses exponent form when exp < -4 || exp >= 6.
    if !(-4..6).contains(&exp) {
        let mut chars = digits.chars();
        out.extend(chars.next());
        let rest: String = chars.collect();
        if !rest.is_empty() {
            out.push('.');
            out.push_str(&rest);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.unsigned_abs()));
    } else {
        let nd = digits.len() as i32;
        let dp = exp + 1;
        if dp <= 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-dp) as usize));
            out.push_str(&digits);
        } else if dp >= nd {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', (dp - nd) as usize));
        } else {
            let (int_part, frac) = digits.split_at(dp as usize);
            out.push_str(int_part);
            out.push('.');
            out.push_str(frac);
        }
    }
    out
}

/// Parses `spec.resources.requests.storage`, `spec.accessModes[0]` and
/// `metadata.annotations["a.b/c"]` (or `['a.b/c']`) into segments. Lenient: never fails;
/// an unterminated bracket takes the rest of the input as a key.
pub fn parse_path(path: &str) -> Vec<PathSegOwned> {
    let mut segs = Vec::new();
    let mut cur = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => flush_key(&mut segs, &mut cur),
            '[' => {
                flush_key(&mut segs, &mut cur);
                match chars.peek().copied() {
                    Some(q @ ('"' | '\'')) => {
                        chars.next();
                        let mut key = String::new();
                        while let Some(c) = chars.next() {
                            match c {
                                '\\' => key.extend(chars.next()),
                                c if c == q => break,
                                c => key.push(c),
                            }
                        }
                        // Skip to the closing bracket (normally immediately next).
                        for c in chars.by_ref() {
                            if c == ']' {
                                break;
                            }
                        }
                        segs.push(PathSegOwned::Key(key));
                    }
                    _ => {
                        let mut inner = String::new();
                        for c in chars.by_ref() {
                            if c == ']' {
                                break;
                            }
                            inner.push(c);
                        }
                        let trimmed = inner.trim();
                        match trimmed.parse::<usize>() {
                            Ok(i) => segs.push(PathSegOwned::Index(i)),
                            Err(_) => segs.push(PathSegOwned::Key(trimmed.to_string())),
                        }
                    }
                }
            }
            c => cur.push(c),
        }
    }
    flush_key(&mut segs, &mut cur);
    segs
}

fn flush_key(segs: &mut Vec<PathSegOwned>, cur: &mut String) {
    if !cur.is_empty() {
        segs.push(PathSegOwned::Key(std::mem::take(cur)));
    }
}

/// Parses a whole multi-document stream. On a syntax (or semantic) error, returns the
/// documents completed before the error together with the error; the parser cannot resume
/// after a syntax error, so later documents are lost.
pub fn parse_stream(text: &str) -> (Vec<Document>, Option<ParseError>) {
    let mut docs = Vec::new();
    for doc in documents(text) {
        match doc {
            Ok(doc) => docs.push(doc),
            Err(e) => return (docs, Some(e)),
        }
    }
    (docs, None)
}

/// Parses a stream one document at a time, so a large snapshot never has to be held as a
/// whole tree. Yields each document as it completes; an error is the last item.
pub fn documents(text: &str) -> Documents<'_> {
    let offsets = CharOffsets::new(text);
    // The fast reader's offsets are bytes, which are saphyr's char indices in ASCII only.
    let fast = offsets.is_ascii();
    let source = if fast {
        Source::Fast(FastEvents::new(text, 0, 1, true))
    } else {
        Source::Str(Parser::new_from_str(text))
    };
    let mut documents = Documents::new(text, source, Builder::new(offsets), None);
    documents.fast = fast;
    documents
}

/// Like [`documents`], but a document that is a List (a top-level mapping with an `items`
/// sequence, as `kubectl get -o yaml` writes) is handed over item by item, each as a document
/// of its own, followed by the List without those items: a large dump is never one tree.
pub fn objects(text: &str) -> Documents<'_> {
    let mut documents = documents(text);
    documents.stream_items = true;
    documents.builder.stream_items = true;
    documents
}

/// [`documents`] or [`objects`] read by saphyr alone, for the tests that hold the fast reader
/// to it.
#[cfg(test)]
fn read_by_saphyr(text: &str, items: bool) -> Documents<'_> {
    let source = Source::Str(Parser::new_from_str(text));
    let mut documents = Documents::new(text, source, Builder::new(CharOffsets::new(text)), None);
    documents.stream_items = items;
    documents.builder.stream_items = items;
    documents
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod proptests;

#[cfg(test)]
mod list_stream_tests;
