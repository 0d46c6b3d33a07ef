//! Span-preserving YAML/JSON loader for Kubernetes manifests.
//!
//! Builds a small owned tree from `saphyr-parser` events, keeping the byte offset and the
//! line/column of every node so diagnostics can point into the source. JSON input goes through
//! the same parser (JSON is YAML 1.2).
//!
//! Scalar resolution follows the YAML 1.2 core schema, which is what Kubernetes manifests get
//! in practice, with go-yaml's merge keys (`<<`). Known deviations from go-yaml v2 (what
//! sigs.k8s.io/yaml uses) are deliberate and noted where they happen.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError, Span, StrInput, Tag};

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
/// Maps with more keys than this switch duplicate detection from a linear scan to a hash set.
const DUP_INDEX_THRESHOLD: usize = 16;
/// Char-index → byte-offset checkpoint spacing for non-ASCII input.
const CHECKPOINT_EVERY: usize = 64;
const YAML_TAG_PREFIX: &str = "tag:yaml.org,2002:";

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

// ---------------------------------------------------------------------------------------------
// Scalar resolution
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CoreTag {
    Str,
    Int,
    Float,
    Bool,
    Null,
    Merge,
    /// `!`: a string for scalars, no constraint on collections.
    NonSpecific,
    /// No tag, or one we don't interpret (`!!map`, `!!binary`, `!custom`): go-yaml leaves such
    /// values as resolved by style, and so do we.
    Other,
}

fn core_tag(tag: Option<&Tag>) -> CoreTag {
    let Some(tag) = tag else {
        return CoreTag::Other;
    };
    let suffix = if tag.handle == YAML_TAG_PREFIX {
        tag.suffix.as_str()
    } else if tag.handle.is_empty() && tag.suffix == "!" {
        return CoreTag::NonSpecific;
    } else if let Some(s) = tag.suffix.strip_prefix(YAML_TAG_PREFIX) {
        // Verbatim form: `!<tag:yaml.org,2002:int>`.
        s
    } else {
        return CoreTag::Other;
    };
    match suffix {
        "str" => CoreTag::Str,
        "int" => CoreTag::Int,
        "float" => CoreTag::Float,
        "bool" => CoreTag::Bool,
        "null" => CoreTag::Null,
        "merge" => CoreTag::Merge,
        _ => CoreTag::Other,
    }
}

fn tag_name(tag: CoreTag) -> &'static str {
    match tag {
        CoreTag::Str | CoreTag::NonSpecific => "!!str",
        CoreTag::Int => "!!int",
        CoreTag::Float => "!!float",
        CoreTag::Bool => "!!bool",
        CoreTag::Null => "!!null",
        CoreTag::Merge => "!!merge",
        CoreTag::Other => "tag",
    }
}

fn is_null(s: &str) -> bool {
    matches!(s, "" | "~" | "null" | "Null" | "NULL")
}

/// YAML 1.2 core booleans only. go-yaml v2 (and so Kubernetes) also reads yes/no/on/off/y/n
/// as booleans; we deliberately keep those as strings, per the YAML 1.2 core schema.
fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

enum Num {
    Int(i64),
    Float(f64),
}

/// YAML 1.2 core ints: `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`. Unlike go-yaml v2, a
/// leading zero is decimal (not octal), and `0b`/`_` forms are strings. Values outside i64
/// become floats, as a JSON number would.
fn parse_int(s: &str) -> Option<Num> {
    let b = s.as_bytes();
    if let Some(hex) = s.strip_prefix("0x") {
        return parse_radix(hex, 16);
    }
    if let Some(oct) = s.strip_prefix("0o") {
        return parse_radix(oct, 8);
    }
    let digits = match b.first() {
        Some(b'-' | b'+') => b.get(1..).unwrap_or_default(),
        _ => b,
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    match s.parse::<i64>() {
        Ok(i) => Some(Num::Int(i)),
        Err(_) => s.parse::<f64>().ok().map(Num::Float),
    }
}

fn parse_radix(digits: &str, radix: u32) -> Option<Num> {
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    match i64::from_str_radix(digits, radix) {
        Ok(i) => Some(Num::Int(i)),
        // Too large for i64: fold into a float like a JSON number would.
        Err(_) => Some(Num::Float(digits.chars().fold(0.0, |acc, c| {
            acc * f64::from(radix) + f64::from(c.to_digit(radix).unwrap_or(0))
        }))),
    }
}

/// YAML 1.2 core floats: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, `[-+]?.inf`
/// (three spellings), `.nan` (three spellings).
fn parse_float(s: &str) -> Option<f64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, s.get(1..).unwrap_or_default()),
        Some(b'+') => (false, s.get(1..).unwrap_or_default()),
        _ => (false, s),
    };
    match body {
        ".inf" | ".Inf" | ".INF" => {
            return Some(if neg {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            })
        }
        ".nan" | ".NaN" | ".NAN" if s == body => return Some(f64::NAN),
        _ => {}
    }
    let b = body.as_bytes();
    let mut i = 0;
    let int_digits = count_digits(b, i);
    i += int_digits;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = count_digits(b, i);
        i += frac_digits;
    }
    if int_digits == 0 && frac_digits == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let exp_digits = count_digits(b, i);
        if exp_digits == 0 {
            return None;
        }
        i += exp_digits;
    }
    if i != b.len() {
        return None;
    }
    s.parse::<f64>().ok()
}

fn count_digits(b: &[u8], from: usize) -> usize {
    b.get(from..).map_or(0, |rest| {
        rest.iter().take_while(|c| c.is_ascii_digit()).count()
    })
}

/// Resolves an untagged plain scalar.
fn resolve_plain(s: Cow<'_, str>) -> Value {
    // Cheap first-byte dispatch: most scalars in manifests are names that start with a letter
    // none of the special forms start with.
    match s.as_bytes().first() {
        None => Value::Null,
        Some(b'~' | b'n' | b'N') if is_null(&s) => Value::Null,
        Some(b't' | b'T' | b'f' | b'F') => match parse_bool(&s) {
            Some(v) => Value::Bool(v),
            None => Value::String(s.into_owned()),
        },
        Some(b'0'..=b'9' | b'-' | b'+' | b'.') => match parse_int(&s) {
            Some(Num::Int(i)) => Value::Int(i),
            Some(Num::Float(f)) => Value::Float(f),
            None => match parse_float(&s) {
                Some(f) => Value::Float(f),
                None => Value::String(s.into_owned()),
            },
        },
        _ => Value::String(s.into_owned()),
    }
}

/// Resolves a scalar given its style and tag. Quoted and block scalars are strings unless a
/// core tag forces a type; an impossible forced type is an error.
fn resolve_scalar(s: Cow<'_, str>, plain: bool, tag: CoreTag) -> Result<Value, String> {
    let fail = |s: &str| format!("cannot resolve {s:?} as {}", tag_name(tag));
    match tag {
        CoreTag::Other | CoreTag::Merge if plain => Ok(resolve_plain(s)),
        CoreTag::Other | CoreTag::Merge | CoreTag::Str | CoreTag::NonSpecific => {
            Ok(Value::String(s.into_owned()))
        }
        CoreTag::Null if is_null(&s) => Ok(Value::Null),
        CoreTag::Bool => parse_bool(&s).map(Value::Bool).ok_or_else(|| fail(&s)),
        CoreTag::Int => match parse_int(&s) {
            Some(Num::Int(i)) => Ok(Value::Int(i)),
            _ => Err(fail(&s)),
        },
        CoreTag::Float => match parse_int(&s) {
            Some(Num::Int(i)) => Ok(Value::Float(i as f64)),
            Some(Num::Float(f)) => Ok(Value::Float(f)),
            None => parse_float(&s).map(Value::Float).ok_or_else(|| fail(&s)),
        },
        CoreTag::Null => Err(fail(&s)),
    }
}

// ---------------------------------------------------------------------------------------------
// Positions
// ---------------------------------------------------------------------------------------------

/// Converts saphyr's char indexes to byte offsets in O(1) per lookup after one O(n) pass.
struct CharOffsets {
    /// Byte offset of every `CHECKPOINT_EVERY`-th char; `None` when the text is ASCII and
    /// char index == byte offset.
    checkpoints: Option<Vec<usize>>,
}

impl CharOffsets {
    fn new(text: &str) -> Self {
        if text.is_ascii() {
            return CharOffsets { checkpoints: None };
        }
        let mut cps = Vec::with_capacity(text.len() / CHECKPOINT_EVERY + 1);
        for (n, (byte, _)) in text.char_indices().enumerate() {
            if n % CHECKPOINT_EVERY == 0 {
                cps.push(byte);
            }
        }
        CharOffsets {
            checkpoints: Some(cps),
        }
    }

    fn byte_of(&self, text: &str, char_idx: usize) -> usize {
        let Some(cps) = &self.checkpoints else {
            return char_idx.min(text.len());
        };
        let Some(&base) = cps.get(char_idx / CHECKPOINT_EVERY) else {
            return text.len();
        };
        text.get(base..)
            .and_then(|rest| rest.char_indices().nth(char_idx % CHECKPOINT_EVERY))
            .map_or(text.len(), |(i, _)| base + i)
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn is_break(b: u8) -> bool {
    b == b'\n' || b == b'\r'
}

/// Position of `to` (≥ `from.offset`), walking forward from a known position.
fn walk_forward(text: &str, from: Pos, to: usize) -> Pos {
    let Some(seg) = text.get(from.offset..to) else {
        return from;
    };
    let bytes = text.as_bytes();
    let mut pos = from;
    for (i, c) in seg.char_indices() {
        match c {
            // A '\r' directly followed by '\n' is half of one "\r\n" break.
            '\r' if bytes.get(from.offset + i + 1) == Some(&b'\n') => {}
            '\n' | '\r' => {
                pos.line = pos.line.saturating_add(1);
                pos.column = 1;
            }
            _ => pos.column = pos.column.saturating_add(1),
        }
    }
    pos.offset = to;
    pos
}

/// Position of `to` (≤ `from.offset`), walking back from a known position.
fn walk_back(text: &str, from: Pos, to: usize) -> Pos {
    let bytes = text.as_bytes();
    let Some(seg) = text.get(to..from.offset) else {
        return from;
    };
    let mut breaks = 0u32;
    for (i, &b) in seg.as_bytes().iter().enumerate() {
        // A '\r' directly followed by '\n' is part of a single "\r\n" break.
        if b == b'\n' || (b == b'\r' && bytes.get(to + i + 1) != Some(&b'\n')) {
            breaks += 1;
        }
    }
    if breaks == 0 {
        let back = to_u32(seg.chars().count());
        return Pos {
            offset: to,
            line: from.line,
            column: from.column.saturating_sub(back).max(1),
        };
    }
    Pos {
        offset: to,
        line: from.line.saturating_sub(breaks).max(1),
        column: column_of(text, to),
    }
}

/// 1-based character column of a byte offset, found by scanning back to the line start.
fn column_of(text: &str, off: usize) -> u32 {
    let bytes = text.as_bytes();
    let mut start = bytes
        .get(..off)
        .and_then(|b| b.iter().rposition(|&c| is_break(c)))
        .map_or(0, |i| i + 1);
    // saphyr does not count a leading byte order mark as a column.
    if start == 0 && text.starts_with('\u{feff}') {
        start = '\u{feff}'.len_utf8();
    }
    to_u32(text.get(start..off).map_or(0, |s| s.chars().count())).saturating_add(1)
}

/// Skips node properties (`&anchor`, `!tag`) and the blanks/comments after them, so a node's
/// position is its content rather than its anchor. `inclusive` lets the content start exactly
/// at `limit` (block collections, whose start event ends at the first key). If nothing is left
/// (an empty scalar with only properties), the original start is kept.
fn skip_properties(text: &str, start: Pos, limit: usize, inclusive: bool) -> Pos {
    let bytes = text.as_bytes();
    let mut i = start.offset;
    while let Some(&first) = bytes.get(i).filter(|&&b| b == b'&' || b == b'!') {
        let verbatim = first == b'!' && bytes.get(i + 1) == Some(&b'<');
        while let Some(&b) = bytes.get(i) {
            if verbatim {
                i += 1;
                if b == b'>' {
                    break;
                }
                continue;
            }
            if matches!(
                b,
                b' ' | b'\t' | b'\n' | b'\r' | b',' | b'[' | b']' | b'{' | b'}'
            ) {
                break;
            }
            i += 1;
        }
        // Blanks, line breaks and comments between properties and content.
        while let Some(&b) = bytes.get(i) {
            match b {
                b' ' | b'\t' | b'\n' | b'\r' => i += 1,
                b'#' => {
                    while bytes.get(i).is_some_and(|&c| !is_break(c)) {
                        i += 1;
                    }
                }
                _ => break,
            }
        }
    }
    let ok = if inclusive { i <= limit } else { i < limit };
    if i == start.offset || !ok || !text.is_char_boundary(i) {
        return start;
    }
    walk_forward(text, start, i)
}

/// `-` followed by a blank: a block sequence entry indicator.
fn is_entry_indicator(bytes: &[u8], i: usize) -> bool {
    bytes.get(i) == Some(&b'-')
        && matches!(bytes.get(i + 1), None | Some(b' ' | b'\t' | b'\n' | b'\r'))
}

/// saphyr starts an indentless block sequence (`key:\n- a`) at its first entry's content;
/// move back to the `-` so the sequence starts at its first character.
fn block_seq_start(text: &str, start: Pos) -> Pos {
    let bytes = text.as_bytes();
    if is_entry_indicator(bytes, start.offset) {
        return start;
    }
    let mut p = start.offset;
    while p > 0 && matches!(bytes.get(p - 1), Some(b' ' | b'\t')) {
        p -= 1;
    }
    if p > 0 && is_entry_indicator(bytes, p - 1) {
        return walk_back(text, start, p - 1);
    }
    // `- # comment` puts the mark after the comment: the `-` opens that line.
    let line_start = bytes
        .get(..start.offset)
        .and_then(|b| b.iter().rposition(|&c| is_break(c)))
        .map_or(0, |i| i + 1);
    let mut q = line_start;
    while matches!(bytes.get(q), Some(b' ' | b'\t')) {
        q += 1;
    }
    if q < start.offset && is_entry_indicator(bytes, q) {
        return walk_back(text, start, q);
    }
    start
}

/// saphyr's span for a literal/folded scalar covers only its content; find the `|`/`>`
/// header on the nearest preceding non-blank line (or earlier on the same line).
fn find_block_header(text: &str, at: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut seg_end = at.min(bytes.len());
    loop {
        let seg_start = bytes
            .get(..seg_end)?
            .iter()
            .rposition(|&c| is_break(c))
            .map_or(0, |i| i + 1);
        let seg = bytes.get(seg_start..seg_end)?;
        if seg.iter().any(|&b| b != b' ' && b != b'\t') {
            return header_in(seg).map(|i| seg_start + i);
        }
        if seg_start == 0 {
            return None;
        }
        seg_end = seg_start - 1;
        if seg_end > 0
            && bytes.get(seg_end) == Some(&b'\n')
            && bytes.get(seg_end - 1) == Some(&b'\r')
        {
            seg_end -= 1;
        }
    }
}

/// Index of a block scalar header indicator in one line: `|` or `>` after a blank (or at line
/// start), then up to two indentation/chomping indicators, then nothing or a comment.
fn header_in(line: &[u8]) -> Option<usize> {
    (0..line.len()).find(|&i| {
        if !matches!(line.get(i), Some(b'|' | b'>')) {
            return false;
        }
        if i > 0 && !matches!(line.get(i - 1), Some(b' ' | b'\t')) {
            return false;
        }
        let mut j = i + 1;
        while j < i + 3 && matches!(line.get(j), Some(b'1'..=b'9' | b'+' | b'-')) {
            j += 1;
        }
        let rest = line.get(j..).unwrap_or_default();
        match rest.first() {
            None => true,
            Some(b' ' | b'\t') => {
                let trimmed: Vec<_> = rest
                    .iter()
                    .skip_while(|&&c| c == b' ' || c == b'\t')
                    .collect();
                trimmed.first().is_none_or(|&&c| c == b'#')
            }
            _ => false,
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Tree builder
// ---------------------------------------------------------------------------------------------

enum FrameKind {
    Seq,
    Map,
}

struct Frame {
    kind: FrameKind,
    start: Pos,
    flow: bool,
    anchor: usize,
    /// Where this collection's children begin on the shared `children` stack.
    base: usize,
    /// Nodes in this subtree (for the anchor-table budget).
    count: usize,
    /// The last key was a merge key (`<<`); the next value is a merge source.
    merge_pending: bool,
    /// Merge sources and the entry index they were written at.
    merges: Vec<(usize, Node)>,
    /// Key text → line of first occurrence, once the map is large.
    dup_index: Option<HashMap<String, u32>>,
}

struct Builder<'t> {
    text: &'t str,
    offsets: CharOffsets,
    /// The document completed by the last event, if any.
    finished: Option<Document>,
    doc_start: Pos,
    doc_start_end: Pos,
    root: Option<Node>,
    frames: Vec<Frame>,
    /// Children of all open collections, flattened: one growing buffer instead of a growing
    /// Vec per collection; each collection is moved out into an exact-size Vec when it ends.
    children: Vec<Node>,
    anchors: HashMap<usize, (Node, usize)>,
    anchored_nodes: usize,
    alias_nodes: usize,
    last_pos: Pos,
}

const ORIGIN: Pos = Pos {
    offset: 0,
    line: 1,
    column: 1,
};

impl<'t> Builder<'t> {
    fn new(text: &'t str) -> Self {
        Builder {
            text,
            offsets: CharOffsets::new(text),
            finished: None,
            doc_start: ORIGIN,
            doc_start_end: ORIGIN,
            root: None,
            frames: Vec::new(),
            children: Vec::new(),
            anchors: HashMap::new(),
            anchored_nodes: 0,
            alias_nodes: 0,
            last_pos: ORIGIN,
        }
    }

    fn pos(&self, m: &Marker) -> Pos {
        Pos {
            offset: self.offsets.byte_of(self.text, m.index()),
            line: to_u32(m.line()),
            column: to_u32(m.col().saturating_add(1)),
        }
    }

    fn err(&self, message: impl Into<String>, pos: Pos) -> ParseError {
        ParseError {
            message: message.into(),
            pos,
        }
    }

    fn scan_error(&self, e: &ScanError) -> ParseError {
        self.err(e.info(), self.pos(e.marker()))
    }

    fn event(&mut self, ev: Event<'_>, span: Span) -> Result<(), ParseError> {
        match ev {
            Event::Scalar(value, style, anchor, tag) => {
                self.scalar(value, style, anchor, tag, span)
            }
            Event::SequenceStart(anchor, tag) => self.start(FrameKind::Seq, anchor, tag, span),
            Event::MappingStart(anchor, tag) => self.start(FrameKind::Map, anchor, tag, span),
            Event::SequenceEnd | Event::MappingEnd => self.end(span),
            Event::Alias(id) => self.alias(id, span),
            Event::DocumentStart(_) => {
                self.doc_start = self.pos(&span.start);
                self.doc_start_end = self.pos(&span.end);
                self.root = None;
                Ok(())
            }
            Event::DocumentEnd => {
                self.end_document(span);
                Ok(())
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => Ok(()),
        }
    }

    fn end_document(&mut self, span: Span) {
        let root = self.root.take();
        let start = self.pos(&span.start);
        let explicit = self
            .text
            .get(start.offset..)
            .is_some_and(|s| s.starts_with("..."));
        let end = if explicit {
            self.pos(&span.end)
        } else {
            root.as_ref().map_or(self.doc_start_end, |r| r.end)
        };
        self.finished = Some(Document {
            root,
            start: self.doc_start,
            end,
        });
        self.anchors.clear();
        self.anchored_nodes = 0;
        // Frames/children are empty here for a well-formed event stream; clear defensively.
        self.frames.clear();
        self.children.clear();
    }

    fn scalar(
        &mut self,
        value: Cow<'_, str>,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<Cow<'_, Tag>>,
        span: Span,
    ) -> Result<(), ParseError> {
        let text = self.text;
        let mut start = self.pos(&span.start);
        let mut end = self.pos(&span.end);
        self.last_pos = end;
        let plain = matches!(style, ScalarStyle::Plain);
        let ctag = core_tag(tag.as_deref());
        if plain && value.is_empty() && anchor == 0 && tag.is_none() && self.frames.is_empty() {
            // A document with no content (`---` then nothing): root stays None.
            return Ok(());
        }
        if anchor != 0 || tag.is_some() {
            start = skip_properties(text, start, end.offset, false);
        }
        if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
            if !matches!(text.as_bytes().get(start.offset), Some(b'|' | b'>')) {
                if let Some(h) = find_block_header(text, start.offset) {
                    start = walk_back(text, start, h);
                }
            }
            // The scanner's span runs on over trailing line breaks and the next line's
            // indentation; end at the last content character (never before the indicator).
            let bytes = text.as_bytes();
            let mut e = end.offset;
            while e > start.offset + 1
                && matches!(bytes.get(e - 1), Some(b' ' | b'\t' | b'\n' | b'\r'))
            {
                e -= 1;
            }
            if e < end.offset {
                end = walk_back(text, end, e);
            }
        }
        if end.offset < start.offset {
            end = start;
        }
        let is_merge_key = match ctag {
            CoreTag::Merge => true,
            CoreTag::Other => plain && tag.is_none() && value == "<<",
            _ => false,
        };
        let resolved = resolve_scalar(value, plain, ctag).map_err(|m| self.err(m, start))?;
        let node = Node {
            value: resolved,
            start,
            end,
        };
        self.complete(node, 1, anchor, is_merge_key)
    }

    fn start(
        &mut self,
        kind: FrameKind,
        anchor: usize,
        tag: Option<Cow<'_, Tag>>,
        span: Span,
    ) -> Result<(), ParseError> {
        let text = self.text;
        let mut start = self.pos(&span.start);
        let limit = self.pos(&span.end).offset;
        if anchor != 0 || tag.is_some() {
            start = skip_properties(text, start, limit, true);
        }
        let what = match kind {
            FrameKind::Seq => "sequence",
            FrameKind::Map => "mapping",
        };
        let ctag = core_tag(tag.as_deref());
        if !matches!(ctag, CoreTag::Other | CoreTag::NonSpecific) {
            return Err(self.err(
                format!("{} cannot be applied to a {what}", tag_name(ctag)),
                start,
            ));
        }
        if self.frames.len() >= MAX_DEPTH {
            return Err(self.err(format!("nesting deeper than {MAX_DEPTH} levels"), start));
        }
        // Flow start events span their bracket; block ones are empty at the first entry, even
        // when that entry is itself a flow collection (`- [a]`, `[a]: b`).
        let first = text.as_bytes().get(start.offset).copied();
        let flow = start.offset < limit && matches!(first, Some(b'[' | b'{'));
        if matches!(kind, FrameKind::Seq) && !flow {
            start = block_seq_start(text, start);
        }
        self.last_pos = start;
        self.frames.push(Frame {
            kind,
            start,
            flow,
            anchor,
            base: self.children.len(),
            count: 1,
            merge_pending: false,
            merges: Vec::new(),
            dup_index: None,
        });
        Ok(())
    }

    fn end(&mut self, span: Span) -> Result<(), ParseError> {
        let Some(frame) = self.frames.pop() else {
            return Ok(());
        };
        let base = frame.base.min(self.children.len());
        let end = if frame.flow {
            self.pos(&span.end)
        } else {
            // Block collections end at their last child; the end event sits at the next token.
            match self.children.get(base..).and_then(<[Node]>::last) {
                Some(last) => last.end,
                None => frame.start,
            }
        };
        self.last_pos = end;
        let value = match frame.kind {
            FrameKind::Seq => Value::Seq(self.children.drain(base..).collect()),
            FrameKind::Map => {
                let mut entries = Vec::with_capacity(self.children.len().saturating_sub(base) / 2);
                let mut drain = self.children.drain(base..);
                while let (Some(k), Some(v)) = (drain.next(), drain.next()) {
                    entries.push((k, v));
                }
                drop(drain);
                if frame.merges.is_empty() {
                    Value::Map(entries)
                } else {
                    Value::Map(self.apply_merges(entries, frame.merges)?)
                }
            }
        };
        let node = Node {
            value,
            start: frame.start,
            end: end.max_by_offset(frame.start),
        };
        self.complete(node, frame.count, frame.anchor, false)
    }

    /// YAML merge keys: entries of the merged map(s) are inserted where `<<` was, unless the
    /// mapping has that key explicitly (anywhere) or an earlier merge source provided it.
    fn apply_merges(
        &self,
        entries: Vec<(Node, Node)>,
        merges: Vec<(usize, Node)>,
    ) -> Result<Vec<(Node, Node)>, ParseError> {
        let mut seen: HashSet<String> = entries
            .iter()
            .map(|(k, _)| key_text(k).into_owned())
            .collect();
        let mut out = Vec::with_capacity(entries.len());
        let mut explicit = entries.into_iter();
        let mut taken = 0;
        for (at, source) in merges {
            while taken < at {
                match explicit.next() {
                    Some(e) => out.push(e),
                    None => break,
                }
                taken += 1;
            }
            const BAD_MERGE: &str = "merge key value must be a mapping or a sequence of mappings";
            let maps = match source.value {
                Value::Map(es) => vec![es],
                Value::Seq(items) => {
                    let mut maps = Vec::with_capacity(items.len());
                    for item in items {
                        match item.value {
                            Value::Map(es) => maps.push(es),
                            _ => return Err(self.err(BAD_MERGE, item.start)),
                        }
                    }
                    maps
                }
                _ => return Err(self.err(BAD_MERGE, source.start)),
            };
            for es in maps {
                for (k, v) in es {
                    if seen.insert(key_text(&k).into_owned()) {
                        out.push((k, v));
                    }
                }
            }
        }
        out.extend(explicit);
        Ok(out)
    }

    fn alias(&mut self, id: usize, span: Span) -> Result<(), ParseError> {
        let pos = self.pos(&span.start);
        self.last_pos = pos;
        let Some((node, size)) = self.anchors.get(&id) else {
            // saphyr accepts `&a [*a]`; the anchored node is still open, so it would contain
            // itself.
            return Err(self.err("alias refers to a node that contains it", pos));
        };
        let size = *size;
        self.alias_nodes = self.alias_nodes.saturating_add(size);
        if self.alias_nodes > MAX_ALIAS_NODES {
            return Err(self.err(
                format!("alias expansion exceeds {MAX_ALIAS_NODES} nodes (alias bomb?)"),
                pos,
            ));
        }
        let node = node.clone();
        self.complete(node, size, 0, false)
    }

    /// Attaches a finished node to its parent (or as the document root).
    fn complete(
        &mut self,
        node: Node,
        size: usize,
        anchor: usize,
        is_merge_key: bool,
    ) -> Result<(), ParseError> {
        if anchor != 0 {
            self.anchored_nodes = self.anchored_nodes.saturating_add(size);
            if self.anchored_nodes > MAX_ANCHORED_NODES {
                return Err(self.err(
                    format!("anchored nodes exceed {MAX_ANCHORED_NODES} in one document"),
                    node.start,
                ));
            }
            self.anchors.insert(anchor, (node.clone(), size));
        }
        let Some(frame) = self.frames.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        frame.count = frame.count.saturating_add(size);
        if let FrameKind::Map = frame.kind {
            if frame.merge_pending {
                frame.merge_pending = false;
                let at = self.children.len().saturating_sub(frame.base) / 2;
                frame.merges.push((at, node));
                return Ok(());
            }
            let is_key = self
                .children
                .len()
                .saturating_sub(frame.base)
                .is_multiple_of(2);
            if is_key {
                if is_merge_key {
                    frame.merge_pending = true;
                    return Ok(());
                }
                check_duplicate(frame, &self.children, &node)?;
            }
        }
        self.children.push(node);
        Ok(())
    }
}

impl Pos {
    fn max_by_offset(self, other: Pos) -> Pos {
        if self.offset < other.offset {
            other
        } else {
            self
        }
    }
}

/// Rejects a key already present in the open map (Kubernetes rejects duplicates too).
fn check_duplicate(frame: &mut Frame, children: &[Node], key: &Node) -> Result<(), ParseError> {
    let text = key_text(key);
    let dup = |first_line: u32| ParseError {
        message: format!("duplicate key {:?} (first at line {first_line})", text),
        pos: key.start,
    };
    let keys = children
        .get(frame.base..)
        .unwrap_or_default()
        .iter()
        .step_by(2);
    if let Some(index) = &mut frame.dup_index {
        if let Some(&line) = index.get(text.as_ref()) {
            return Err(dup(line));
        }
        index.insert(text.clone().into_owned(), key.start.line);
        return Ok(());
    }
    let mut n = 0;
    for k in keys.clone() {
        if key_text(k) == text {
            return Err(dup(k.start.line));
        }
        n += 1;
    }
    if n >= DUP_INDEX_THRESHOLD {
        let mut index: HashMap<String, u32> = keys
            .map(|k| (key_text(k).into_owned(), k.start.line))
            .collect();
        index.insert(text.clone().into_owned(), key.start.line);
        frame.dup_index = Some(index);
    }
    Ok(())
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
    Documents {
        parser: Parser::new_from_str(text),
        builder: Builder::new(text),
        done: false,
    }
}

/// Iterator returned by [`documents`].
pub struct Documents<'t> {
    parser: Parser<'t, StrInput<'t>>,
    builder: Builder<'t>,
    done: bool,
}

impl Iterator for Documents<'_> {
    type Item = Result<Document, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            // saphyr has internal asserts/unwraps; contain any panic so a bad manifest can
            // never take the linter down. The parser is not used again after a panic.
            let parser = &mut self.parser;
            let result = match catch_unwind(AssertUnwindSafe(|| parser.next_event())) {
                Ok(Some(Ok((ev, span)))) => self.builder.event(ev, span),
                Ok(Some(Err(e))) => Err(self.builder.scan_error(&e)),
                Ok(None) => {
                    self.done = true;
                    return None;
                }
                Err(_) => Err(self
                    .builder
                    .err("internal YAML parser error", self.builder.last_pos)),
            };
            if let Err(e) = result {
                self.done = true;
                return Some(Err(e));
            }
            if let Some(doc) = self.builder.finished.take() {
                return Some(Ok(doc));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_one(text: &str) -> Node {
        let (docs, err) = parse_stream(text);
        assert_eq!(err, None, "unexpected error for {text:?}");
        assert_eq!(docs.len(), 1);
        docs.into_iter().next().and_then(|d| d.root).expect("root")
    }

    fn lc(p: Pos) -> (u32, u32) {
        (p.line, p.column)
    }

    fn path<'a>(p: &'a [PathSegOwned]) -> Vec<PathSeg<'a>> {
        borrow_path(p)
    }

    fn node_at<'a>(root: &'a Node, p: &str) -> &'a Node {
        let segs = parse_path(p);
        root.at(&path(&segs))
            .unwrap_or_else(|| panic!("no node at {p}"))
    }

    const MANIFEST: &str = "\
apiVersion: v1
kind: PersistentVolume
metadata:
  name: pv-1
  labels:
    app: db
spec:
  capacity:
    storage: 10Gi
  accessModes:
  - ReadWriteOnce
  - ReadOnlyMany
  hostPath: {path: \"/data\", type: \"\"}
  note: |
    hello
    world
";

    #[test]
    fn manifest_positions() {
        let root = parse_one(MANIFEST);
        assert_eq!(lc(root.start), (1, 1));
        let (k, _) = root.locate(&[PathSeg::Key("apiVersion")], true);
        assert_eq!((lc(k), k.offset), ((1, 1), 0));
        let v = node_at(&root, "apiVersion");
        assert_eq!((lc(v.start), lc(v.end)), ((1, 13), (1, 15)));
        assert_eq!(&MANIFEST[v.start.offset..v.end.offset], "v1");
        // Block mapping starts at its first key.
        assert_eq!(lc(node_at(&root, "metadata").start), (4, 3));
        assert_eq!(lc(node_at(&root, "metadata.labels.app").start), (6, 10));
        let storage = node_at(&root, "spec.capacity.storage");
        assert_eq!(storage.as_str(), Some("10Gi"));
        assert_eq!(lc(storage.start), (9, 14));
        // Indentless sequence: starts at its '-', ends after its last item.
        let modes = node_at(&root, "spec.accessModes");
        assert_eq!((lc(modes.start), lc(modes.end)), ((11, 3), (12, 17)));
        assert_eq!(lc(node_at(&root, "spec.accessModes[1]").start), (12, 5));
        let host = node_at(&root, "spec.hostPath");
        assert_eq!((lc(host.start), lc(host.end)), ((13, 13), (13, 38)));
        let p = node_at(&root, "spec.hostPath.path");
        assert_eq!(&MANIFEST[p.start.offset..p.end.offset], "\"/data\"");
        assert_eq!(lc(p.start), (13, 20));
        // Block scalar: from its '|' header to the end of its last content line.
        let note = node_at(&root, "spec.note");
        assert_eq!(note.as_str(), Some("hello\nworld\n"));
        assert_eq!((lc(note.start), lc(note.end)), ((14, 9), (16, 10)));
        assert_eq!(
            &MANIFEST[note.start.offset..note.end.offset],
            "|\n    hello\n    world"
        );
        // Block mapping ends at its last value.
        assert_eq!(lc(node_at(&root, "spec").end), (16, 10));
        assert_eq!(root.end, note.end);
    }

    #[test]
    fn multi_document_stream() {
        let text = "a: 1\n---\nb: 2\n...\n---\n# only a comment\n---\n--- ~\n...\n# trailing\n";
        let (docs, err) = parse_stream(text);
        assert_eq!(err, None);
        assert_eq!(docs.len(), 5);
        let roots: Vec<_> = docs
            .iter()
            .map(|d| d.root.as_ref().map(Node::to_json))
            .collect();
        assert_eq!(
            roots,
            vec![
                Some(serde_json::json!({"a": 1})),
                Some(serde_json::json!({"b": 2})),
                None,
                None,
                Some(serde_json::Value::Null),
            ]
        );
        assert_eq!(lc(docs[0].start), (1, 1));
        assert_eq!(lc(docs[0].end), (1, 5));
        // Explicit start points at `---`, explicit end includes `...`.
        assert_eq!((lc(docs[1].start), lc(docs[1].end)), ((2, 1), (4, 4)));
        assert_eq!(lc(docs[2].start), (5, 1));
        assert_eq!(lc(docs[3].start), (7, 1));
        assert_eq!(lc(docs[4].start), (8, 1));
        assert_eq!(&text[docs[4].end.offset - 3..docs[4].end.offset], "...");
    }

    #[test]
    fn documents_iterator_streams_then_stops_at_error() {
        let mut it = documents("a: 1\n---\nb: [\n---\nc: 3\n");
        let first = it.next().and_then(Result::ok).and_then(|d| d.root);
        assert_eq!(
            first.map(|r| r.to_json()),
            Some(serde_json::json!({"a": 1}))
        );
        assert!(matches!(it.next(), Some(Err(_))));
        assert!(it.next().is_none());
    }

    #[test]
    fn empty_and_comment_only_streams() {
        for text in ["", "# nothing here\n", "\n\n   \n", "# a\n# b"] {
            let (docs, err) = parse_stream(text);
            assert_eq!((docs.len(), err), (0, None), "{text:?}");
        }
        let (docs, err) = parse_stream("---\n");
        assert_eq!(err, None);
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].root, None);
        assert_eq!((lc(docs[0].start), lc(docs[0].end)), ((1, 1), (1, 4)));
        let (docs, _) = parse_stream("--- # c\n...\n--- |\n  text\n");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].root, None);
        assert_eq!(docs[1].root.as_ref().and_then(Node::as_str), Some("text\n"));
    }

    #[test]
    fn flow_style() {
        let text = "{a: [1, 2, {b: c}], d: [], e: {}, 'f': \"g\"}";
        let root = parse_one(text);
        assert_eq!(
            root.to_json(),
            serde_json::json!({"a": [1, 2, {"b": "c"}], "d": [], "e": {}, "f": "g"})
        );
        assert_eq!((root.start.offset, root.end.offset), (0, text.len()));
        let a = node_at(&root, "a");
        assert_eq!(&text[a.start.offset..a.end.offset], "[1, 2, {b: c}]");
        let b = node_at(&root, "a[2]");
        assert_eq!(&text[b.start.offset..b.end.offset], "{b: c}");
        let d = node_at(&root, "d");
        assert_eq!(&text[d.start.offset..d.end.offset], "[]");
        let (k, _) = root.locate(&[PathSeg::Key("f")], true);
        assert_eq!(&text[k.offset..k.offset + 3], "'f'");
        // Block collections whose first entry is a flow collection.
        let text = "k:\n- [a]\n- b\nm:\n  [x, y]: z\n  w: v\n";
        let root = parse_one(text);
        let k = node_at(&root, "k");
        assert_eq!(&text[k.start.offset..k.end.offset], "- [a]\n- b");
        let m = node_at(&root, "m");
        assert_eq!(&text[m.start.offset..m.end.offset], "[x, y]: z\n  w: v");
        // Single-pair mappings inside a flow sequence.
        let root = parse_one("[a: b, c]");
        assert_eq!(root.to_json(), serde_json::json!([{"a": "b"}, "c"]));
    }

    #[test]
    fn json_documents() {
        let text = r#"{
  "apiVersion": "v1",
  "kind": "List",
  "items": [
    {
      "metadata": {"name": "caf\u00e9", "note": "line\nnext \"q\" \\ \t tab"},
      "n": -12,
      "f": 1.5e3,
      "ok": true,
      "none": null
    }
  ]
}"#;
        let root = parse_one(text);
        let expected: serde_json::Value = serde_json::from_str(text).expect("valid json");
        assert_eq!(root.to_json(), expected);
        let name = node_at(&root, "items[0].metadata.name");
        assert_eq!(name.as_str(), Some("café"));
        assert_eq!(lc(name.start), (6, 28));
        assert_eq!(&text[name.start.offset..name.end.offset], r#""caf\u00e9""#);
        let (k, _) = root.locate(&path(&parse_path("items[0].n")), true);
        assert_eq!((lc(k), &text[k.offset..k.offset + 3]), ((7, 7), "\"n\""));
        assert_eq!(lc(node_at(&root, "items[0]").start), (5, 5));
        assert_eq!(lc(node_at(&root, "items[0]").end), (11, 6));
        // Compact one-line JSON.
        let root = parse_one(r#"{"a": [1, 2]}"#);
        assert_eq!(root.to_json(), serde_json::json!({"a": [1, 2]}));
        assert_eq!(lc(node_at(&root, "a[1]").start), (1, 11));
    }

    #[test]
    fn non_ascii_offsets_are_bytes() {
        let long = "ü".repeat(200);
        let text = format!("# grüße 🎉 {long}\nkey: välue 😀\nother: {{ä: 1, b: \"€\"}}\n");
        let root = parse_one(&text);
        let (k, _) = root.locate(&[PathSeg::Key("key")], true);
        assert!(text[k.offset..].starts_with("key: välue"));
        assert_eq!(lc(k), (2, 1));
        let v = node_at(&root, "key");
        assert_eq!(&text[v.start.offset..v.end.offset], "välue 😀");
        assert_eq!((lc(v.start), lc(v.end)), ((2, 6), (2, 13)));
        let b = node_at(&root, "other.b");
        assert_eq!(&text[b.start.offset..b.end.offset], "\"€\"");
        // Columns count characters, not bytes.
        assert_eq!(lc(b.start), (3, 18));
        let (kb, _) = root.locate(&path(&parse_path("other.b")), true);
        assert!(text[kb.offset..].starts_with("b: \"€\""));
    }

    #[test]
    fn crlf_and_bom() {
        let text = "a: 1\r\nb:\r\n- x\r\n- y\r\n";
        let root = parse_one(text);
        let y = node_at(&root, "b[1]");
        assert_eq!(
            (lc(y.start), &text[y.start.offset..y.end.offset]),
            ((4, 3), "y")
        );
        assert_eq!(lc(node_at(&root, "b").start), (3, 1));
        let text = "\u{feff}a: 1\nb: 2\n";
        let root = parse_one(text);
        let (k, _) = root.locate(&[PathSeg::Key("a")], true);
        assert_eq!((k.offset, lc(k)), (3, (1, 1)));
        assert!(text[node_at(&root, "b").start.offset..].starts_with("2"));
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let text = "\
base: &base
  a: 1
  b: 2
other: &o {c: 3}
derived:
  <<: [*base, *o]
  b: 20
single:
  x: 0
  <<: *o
  c: 9
list: *base
scalar: &s !!str 5
again: *s
";
        let root = parse_one(text);
        assert_eq!(
            root.to_json(),
            serde_json::json!({
                "base": {"a": 1, "b": 2},
                "other": {"c": 3},
                "derived": {"a": 1, "b": 20, "c": 3},
                "single": {"x": 0, "c": 9},
                "list": {"a": 1, "b": 2},
                "scalar": "5",
                "again": "5",
            })
        );
        // Merged entries sit where `<<` was; explicit keys win wherever they are.
        let keys: Vec<_> = match &node_at(&root, "derived").value {
            Value::Map(es) => es.iter().filter_map(|(k, _)| k.as_str()).collect(),
            _ => vec![],
        };
        assert_eq!(keys, ["a", "c", "b"]);
        // An alias carries the anchored node's positions.
        assert_eq!(node_at(&root, "list").start, node_at(&root, "base").start);
        assert_eq!(lc(node_at(&root, "base").start), (2, 3));
        // Properties are skipped: the node starts at its content.
        let s = node_at(&root, "scalar");
        assert_eq!(&text[s.start.offset..s.end.offset], "5");
        assert_eq!(lc(node_at(&root, "other").start), (4, 11));
        let root = parse_one("k: &x\n- 1\n- 2\nj: *x\n");
        assert_eq!(lc(node_at(&root, "k").start), (2, 1));
        assert_eq!(
            root.to_json(),
            serde_json::json!({"k": [1, 2], "j": [1, 2]})
        );
    }

    #[test]
    fn bad_merges_and_aliases() {
        let (_, err) = parse_stream("a: &a 1\nb:\n  <<: *a\n");
        let err = err.expect("error");
        assert!(err.message.contains("merge"), "{err}");
        let (_, err) = parse_stream("a: &x [*x]\n");
        assert!(err.expect("error").message.contains("contains it"));
        // Anchors do not cross documents.
        let (docs, err) = parse_stream("a: &x 1\n---\nb: *x\n");
        assert_eq!(docs.len(), 1);
        assert!(err.is_some());
    }

    #[test]
    fn alias_bomb_is_capped() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let (docs, err) = parse_stream(&text);
        assert!(docs.is_empty());
        let err = err.expect("capped");
        assert!(err.message.contains("alias"), "{err}");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        // saphyr itself caps flow nesting at 255 levels.
        let (_, err) = parse_stream(&"[".repeat(100_000));
        assert!(err.is_some());
        // Block nesting is capped by us.
        let (_, err) = parse_stream(&format!("{}a", "- ".repeat(100_000)));
        assert!(err.expect("error").message.contains("nesting"));
        let ok = format!("{}a", "- ".repeat(MAX_DEPTH));
        let (docs, err) = parse_stream(&ok);
        assert_eq!((docs.len(), err), (1, None));
        let too_deep = format!("{}a", "- ".repeat(MAX_DEPTH + 1));
        let (_, err) = parse_stream(&too_deep);
        assert!(err.expect("error").message.contains("nesting"));
    }

    #[test]
    fn duplicate_keys() {
        let text = "a: 1\nfoo: 2\nb: 3\nfoo: 4\n";
        let (docs, err) = parse_stream(text);
        assert!(docs.is_empty());
        let err = err.expect("duplicate");
        assert_eq!(err.message, "duplicate key \"foo\" (first at line 2)");
        assert_eq!(lc(err.pos), (4, 1));
        // Flow style, and keys that would collide in JSON.
        let (_, err) = parse_stream("{x: 1, y: 2, x: 3}");
        assert_eq!(lc(err.expect("dup").pos), (1, 14));
        let (_, err) = parse_stream("1: a\n\"1\": b\n");
        assert_eq!(
            err.expect("dup").message,
            "duplicate key \"1\" (first at line 1)"
        );
        // Large maps use the hash index.
        let mut big: String = (0..100).map(|i| format!("k{i}: {i}\n")).collect();
        big.push_str("k42: again\n");
        let (_, err) = parse_stream(&big);
        let err = err.expect("dup");
        assert_eq!(err.message, "duplicate key \"k42\" (first at line 43)");
        assert_eq!(lc(err.pos), (101, 1));
        // Same key in different maps is fine.
        parse_one("a: {x: 1}\nb: {x: 2}\n");
    }

    #[test]
    fn syntax_error_keeps_earlier_documents() {
        let text = "a: 1\n---\nb: 2\n---\nc: [1, 2\nd: 3\n---\ne: 5\n";
        let (docs, err) = parse_stream(text);
        assert_eq!(docs.len(), 2);
        assert_eq!(
            docs[1].root.as_ref().map(Node::to_json),
            Some(serde_json::json!({"b": 2}))
        );
        let err = err.expect("syntax error");
        assert!(err.pos.line >= 5, "{err}");
        assert!(err.pos.offset <= text.len());
        let (docs, err) = parse_stream("key: \"unterminated\n");
        assert!(docs.is_empty());
        assert!(err.is_some());
    }

    #[test]
    fn scalar_resolution_table() {
        use serde_json::json;
        let cases: &[(&str, serde_json::Value)] = &[
            ("~", json!(null)),
            ("null", json!(null)),
            ("Null", json!(null)),
            ("NULL", json!(null)),
            ("", json!(null)),
            ("nULL", json!("nULL")),
            ("true", json!(true)),
            ("True", json!(true)),
            ("TRUE", json!(true)),
            ("false", json!(false)),
            ("FALSE", json!(false)),
            ("tRUE", json!("tRUE")),
            ("yes", json!("yes")),
            ("no", json!("no")),
            ("on", json!("on")),
            ("off", json!("off")),
            ("y", json!("y")),
            ("0", json!(0)),
            ("-17", json!(-17)),
            ("+17", json!(17)),
            ("012", json!(12)),
            ("0x1F", json!(31)),
            ("0o17", json!(15)),
            ("0b101", json!("0b101")),
            ("1_000", json!("1_000")),
            ("-0x1", json!("-0x1")),
            ("9223372036854775807", json!(i64::MAX)),
            ("-9223372036854775808", json!(i64::MIN)),
            ("9223372036854775808", json!(9_223_372_036_854_775_808.0)),
            ("0xFFFFFFFFFFFFFFFF", json!(18_446_744_073_709_551_615.0)),
            ("1.5", json!(1.5)),
            ("-1.5", json!(-1.5)),
            ("1e3", json!(1000.0)),
            ("1E-2", json!(0.01)),
            (".5", json!(0.5)),
            ("1.", json!(1.0)),
            ("1e", json!("1e")),
            (".", json!(".")),
            ("10Gi", json!("10Gi")),
            ("1.2.3", json!("1.2.3")),
            ("inf", json!("inf")),
            ("nan", json!("nan")),
            ("2001-12-14", json!("2001-12-14")),
            ("<<", json!("<<")),
        ];
        for (src, want) in cases {
            let root = parse_one(&format!("v: {src}\n"));
            assert_eq!(node_at(&root, "v").to_json(), *want, "plain {src:?}");
        }
        let floats = parse_one("[.inf, -.inf, +.Inf, .NaN, .NAN, -.nan]");
        let Value::Seq(items) = floats.value else {
            panic!("seq")
        };
        let got: Vec<_> = items.iter().map(|n| n.value.clone()).collect();
        assert_eq!(got[0], Value::Float(f64::INFINITY));
        assert_eq!(got[1], Value::Float(f64::NEG_INFINITY));
        assert_eq!(got[2], Value::Float(f64::INFINITY));
        assert!(matches!(got[3], Value::Float(f) if f.is_nan()));
        assert!(matches!(got[4], Value::Float(f) if f.is_nan()));
        assert_eq!(got[5], Value::String("-.nan".into()));
        // Quoted and block scalars are always strings.
        let root = parse_one("a: \"1\"\nb: 'true'\nc: |\n  null\nd: >-\n  12\ne: \"\"\n");
        assert_eq!(
            root.to_json(),
            serde_json::json!({"a": "1", "b": "true", "c": "null\n", "d": "12", "e": ""})
        );
    }

    #[test]
    fn tags_force_resolution() {
        let root = parse_one(
            "a: !!str 5\nb: !!int \"7\"\nc: !!float 1\nd: !!bool 'true'\ne: !!null ''\n\
             f: ! 12\ng: !custom 12\nh: !!str\ni: !<tag:yaml.org,2002:int> '3'\n",
        );
        assert_eq!(
            root.to_json(),
            serde_json::json!({"a": "5", "b": 7, "c": 1.0, "d": true, "e": null,
                               "f": "12", "g": 12, "h": "", "i": 3})
        );
        for bad in [
            "a: !!int abc\n",
            "a: !!bool yes\n",
            "a: !!null x\n",
            "a: !!float xyz\n",
        ] {
            let (_, err) = parse_stream(bad);
            let err = err.unwrap_or_else(|| panic!("{bad:?} should fail"));
            assert!(err.message.starts_with("cannot resolve"), "{err}");
            // Points at the value itself, past the tag.
            let value = bad.split(' ').nth(2).unwrap_or_default();
            assert!(bad[err.pos.offset..].starts_with(value), "{bad:?}");
        }
        assert_eq!(
            parse_one("! {a: ! [1]}").to_json(),
            serde_json::json!({"a": [1]})
        );
        let (_, err) = parse_stream("a: !!str {b: 1}\n");
        assert!(err.expect("error").message.contains("mapping"));
    }

    #[test]
    fn non_string_keys_in_json() {
        let root =
            parse_one("1: a\ntrue: b\n1.5: c\n~: d\n1e6: e\n0x10: f\n-0.0001: g\n[1, 2]: h\n");
        assert_eq!(
            root.to_json(),
            serde_json::json!({"1": "a", "true": "b", "1.5": "c", "null": "d", "1e+06": "e",
                               "16": "f", "-0.0001": "g", "[1,2]": "h"})
        );
        assert_eq!(node_at(&root, "true").as_str(), Some("b"));
        assert_eq!(go_float32_g(0.1), "0.1");
        assert_eq!(go_float32_g(123456.0), "123456");
        assert_eq!(go_float32_g(1234567.0), "1.234567e+06");
        assert_eq!(go_float32_g(0.00001), "1e-05");
        assert_eq!(go_float32_g(-2.5), "-2.5");
        assert_eq!(go_float32_g(f64::NAN), ".nan");
        assert_eq!(go_float32_g(f64::NEG_INFINITY), "-.inf");
    }

    #[test]
    fn locate_falls_back_to_parent() {
        let text = "spec:\n  resources:\n    requests:\n      cpu: 1\n  accessModes:\n  - RWO\n";
        let root = parse_one(text);
        let segs = parse_path("spec.resources.requests.storage");
        let (s, _) = root.locate(&path(&segs), false);
        assert_eq!(lc(s), (4, 7)); // the `requests` mapping (its first key)
        let (s, e) = root.locate(&path(&segs), true);
        assert_eq!(&text[s.offset..e.offset], "requests"); // the parent's key
        assert_eq!(lc(s), (3, 5));
        let segs = parse_path("spec.accessModes[3]");
        let (s, _) = root.locate(&path(&segs), true);
        assert_eq!(&text[s.offset..s.offset + 11], "accessModes");
        let (s, _) = root.locate(&path(&segs), false);
        assert_eq!(lc(s), (6, 3));
        let segs = parse_path("spec.accessModes[0]");
        let (s, e) = root.locate(&path(&segs), true);
        assert_eq!(&text[s.offset..e.offset], "RWO");
        let (s, _) = root.locate(&path(&parse_path("nothing.here")), true);
        assert_eq!(s, root.start);
        assert_eq!(root.locate(&[], true), (root.start, root.end));
        // A path through a scalar stops at the scalar.
        let (s, _) = root.locate(&path(&parse_path("spec.resources.requests.cpu.x")), false);
        assert_eq!(lc(s), (4, 12));
    }

    #[test]
    fn parse_path_forms() {
        use PathSegOwned::{Index, Key};
        let k = |s: &str| Key(s.to_string());
        assert_eq!(
            parse_path("spec.resources.requests.storage"),
            vec![k("spec"), k("resources"), k("requests"), k("storage")]
        );
        assert_eq!(
            parse_path("spec.accessModes[0]"),
            vec![k("spec"), k("accessModes"), Index(0)]
        );
        assert_eq!(
            parse_path("metadata.annotations[\"a.b/c\"]"),
            vec![k("metadata"), k("annotations"), k("a.b/c")]
        );
        assert_eq!(
            parse_path("a['x.y'][2].b[\"q\\\"r\"]"),
            vec![k("a"), k("x.y"), Index(2), k("b"), k("q\"r")]
        );
        assert_eq!(parse_path(""), vec![]);
        assert_eq!(parse_path("a..b."), vec![k("a"), k("b")]);
        assert_eq!(parse_path("a[x]"), vec![k("a"), k("x")]);
        assert_eq!(
            parse_path("a[\"unterminated"),
            vec![k("a"), k("unterminated")]
        );
        let root = parse_one("metadata:\n  annotations:\n    a.b/c: yes\n");
        assert_eq!(
            node_at(&root, "metadata.annotations[\"a.b/c\"]").as_str(),
            Some("yes")
        );
    }

    #[test]
    fn block_scalar_positions() {
        let text =
            "a: |-\n  one\n\n  two\n\nb: >+ # keep\n  x\n\nc: |\nd: &q |\n  z\ne:\n- |\n  in seq\n";
        let root = parse_one(text);
        let a = node_at(&root, "a");
        assert_eq!(&text[a.start.offset..a.end.offset], "|-\n  one\n\n  two");
        let b = node_at(&root, "b");
        assert_eq!(&text[b.start.offset..b.end.offset], ">+ # keep\n  x");
        let c = node_at(&root, "c");
        assert_eq!(
            (c.as_str(), &text[c.start.offset..c.end.offset]),
            (Some(""), "|")
        );
        let d = node_at(&root, "d");
        assert_eq!(&text[d.start.offset..d.end.offset], "|\n  z");
        let e = node_at(&root, "e[0]");
        assert_eq!(lc(e.start), (13, 3));
    }

    #[test]
    fn never_panics_on_odd_inputs() {
        for text in [
            "- # c\n  a\n",
            "? a\n: b\n",
            "&a",
            "*a",
            "!",
            "- !!int",
            "key: -\n",
            "a: [\n",
            "{\"a\":",
            "\u{feff}",
            "\r",
            "a: |\n\u{85}x",
            "%YAML 1.2\n---\na\n",
            "--- !!map\n? [a]\n: {b}\n",
            "- - - - a\n",
            "<<: *x",
            "<<: {a: 1}\n<<: [{b: 2}]\n",
        ] {
            let _ = parse_stream(text);
        }
        let root = parse_one("- # c\n  a\n");
        assert_eq!(lc(root.start), (1, 1));
    }

    /// Parse throughput on ~20,000 PV-like documents, compared with bare event iteration.
    #[test]
    #[ignore]
    fn perf_pv_snapshot() {
        let mut text = String::new();
        for i in 0..20_000 {
            text.push_str(&format!(
                "---\napiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: pv-{i:05}\n  \
                 labels:\n    app: db-{i}\n    tier: storage\n  annotations:\n    \
                 pv.kubernetes.io/provisioned-by: ebs.csi.aws.com\nspec:\n  capacity:\n    \
                 storage: {}Gi\n  accessModes:\n  - ReadWriteOnce\n  \
                 persistentVolumeReclaimPolicy: Delete\n  storageClassName: gp3\n  csi:\n    \
                 driver: ebs.csi.aws.com\n    volumeHandle: vol-{i:017x}\n    fsType: ext4\n",
                i % 500 + 1
            ));
        }
        let mb = text.len() as f64 / 1e6;
        let best = |f: &dyn Fn() -> usize| {
            (0..5)
                .map(|_| {
                    let t = std::time::Instant::now();
                    let n = f();
                    assert!(n > 0);
                    t.elapsed().as_secs_f64()
                })
                .fold(f64::INFINITY, f64::min)
        };
        let events = best(&|| Parser::new_from_str(&text).filter(Result::is_ok).count());
        let tree = best(&|| {
            let (docs, err) = parse_stream(&text);
            assert_eq!(err, None);
            docs.len()
        });
        // Same, but with the tree's deallocation kept out of the timing.
        let mut kept = Vec::new();
        let tree_no_drop = (0..5)
            .map(|_| {
                let t = std::time::Instant::now();
                let parsed = parse_stream(&text);
                let secs = t.elapsed().as_secs_f64();
                kept.push(parsed);
                secs
            })
            .fold(f64::INFINITY, f64::min);
        drop(kept);
        let json = best(&|| {
            let (docs, _) = parse_stream(&text);
            docs.iter()
                .filter_map(|d| d.root.as_ref())
                .map(Node::to_json)
                .count()
        });
        let streamed = best(&|| documents(&text).filter(Result::is_ok).count());
        let rate = |secs: f64| format!("{secs:.3}s = {:.1} MB/s", mb / secs);
        println!(
            "{mb:.1} MB, {} lines: events {}; tree {} (excl. drop {}); \
             documents() one at a time {}; tree+to_json {}",
            text.lines().count(),
            rate(events),
            rate(tree),
            rate(tree_no_drop),
            rate(streamed),
            rate(json)
        );
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value as J;

    /// Every position lies on a char boundary inside the text and spans are ordered.
    fn check_spans(text: &str, node: &Node) {
        assert!(node.start.offset <= node.end.offset, "{node:?}");
        assert!(text.is_char_boundary(node.start.offset));
        assert!(text.is_char_boundary(node.end.offset));
        match &node.value {
            Value::Seq(items) => items.iter().for_each(|n| check_spans(text, n)),
            Value::Map(entries) => entries.iter().for_each(|(k, v)| {
                check_spans(text, k);
                check_spans(text, v);
            }),
            _ => {}
        }
    }

    /// Scalar spans cover exactly their source text.
    fn check_scalar_text(text: &str, node: &Node) {
        match &node.value {
            Value::Seq(items) => items.iter().for_each(|n| check_scalar_text(text, n)),
            Value::Map(entries) => entries.iter().for_each(|(k, v)| {
                check_scalar_text(text, k);
                check_scalar_text(text, v);
            }),
            scalar => {
                let src = &text[node.start.offset..node.end.offset];
                match scalar {
                    Value::String(s) if !src.starts_with('"') => assert_eq!(src, s),
                    // serde_json's default float parsing is not exact; Rust's is.
                    Value::Float(f) => assert_eq!(src.parse::<f64>().ok(), Some(*f)),
                    _ => assert_eq!(serde_json::from_str::<J>(src).ok(), Some(node.to_json())),
                }
            }
        }
    }

    fn plain_safe(s: &str) -> bool {
        matches!(resolve_plain(Cow::Borrowed(s)), Value::String(_))
    }

    fn leaf() -> impl Strategy<Value = J> {
        prop_oneof![
            any::<i64>().prop_map(J::from),
            any::<bool>().prop_map(J::from),
            Just(J::Null),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(J::from),
            "\\PC{0,12}".prop_map(J::from),
            "[ -~\t\n\"\\\\]{0,12}".prop_map(J::from),
            "[a-zA-Z][a-zA-Z0-9_./-]{0,10}"
                .prop_filter("plain string", |s| plain_safe(s))
                .prop_map(J::from),
        ]
    }

    fn key() -> impl Strategy<Value = String> {
        prop_oneof!["[a-z][a-z0-9_]{0,6}", "\\PC{0,6}"]
    }

    fn tree() -> impl Strategy<Value = J> {
        leaf().prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(J::Array),
                prop::collection::btree_map(key(), inner, 0..5)
                    .prop_map(|m| J::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Strings the emitter may write unquoted: a letter, then name-like characters, and not
    /// a word that would resolve to another type.
    fn emit_plain(s: &str) -> bool {
        s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_./-".contains(c))
            && plain_safe(s)
    }

    fn scalar_yaml(v: &J) -> String {
        match v {
            J::String(s) if emit_plain(s) => s.clone(),
            J::Number(n) => match n.as_f64() {
                Some(f) if n.is_f64() => format!("{f:?}"),
                _ => n.to_string(),
            },
            J::Object(_) => "{}".to_string(),
            J::Array(_) => "[]".to_string(),
            other => serde_json::to_string(other).unwrap_or_default(),
        }
    }

    fn is_nonempty_collection(v: &J) -> bool {
        matches!(v, J::Object(m) if !m.is_empty()) || matches!(v, J::Array(a) if !a.is_empty())
    }

    /// Block-style YAML emitter; `indentless` writes `key:\n- item` sequences.
    fn emit(v: &J, indent: usize, indentless: bool, out: &mut String) {
        let pad = " ".repeat(indent);
        match v {
            J::Object(m) => {
                for (k, val) in m {
                    out.push_str(&pad);
                    out.push_str(&scalar_yaml(&J::String(k.clone())));
                    out.push(':');
                    if is_nonempty_collection(val) {
                        out.push('\n');
                        let child = if indentless && val.is_array() {
                            indent
                        } else {
                            indent + 2
                        };
                        emit(val, child, indentless, out);
                    } else {
                        out.push(' ');
                        out.push_str(&scalar_yaml(val));
                        out.push('\n');
                    }
                }
            }
            J::Array(items) => {
                for item in items {
                    out.push_str(&pad);
                    out.push('-');
                    if is_nonempty_collection(item) {
                        out.push('\n');
                        emit(item, indent + 2, indentless, out);
                    } else {
                        out.push(' ');
                        out.push_str(&scalar_yaml(item));
                        out.push('\n');
                    }
                }
            }
            scalar => {
                out.push_str(&scalar_yaml(scalar));
                out.push('\n');
            }
        }
    }

    /// Random edits of realistic documents: near-valid input exercises the position fix-ups
    /// (properties, block scalars, indentless sequences) far more than random text does.
    #[test]
    fn mutated_manifests_never_panic() {
        let seeds = [
            "apiVersion: v1\nmetadata:\n  labels: &l\n    app: db\nspec:\n  accessModes:\n  \
             - RWO\n  - # c\n    ROX\n  hostPath: {path: \"/data\", type: \"\"}\n  note: |\n    \
             hi\n  x: !!str &a 5\n  y: *l\n  z:\n    <<: *l\n    k: >-\n      f\n---\n- [a, {b: c}]\n...\n",
            "{\n  \"a\": [1, 2.5, \"x\\u00fc\"],\n  \"b\": {\"c\": null}\n}\n",
        ];
        let alphabet: Vec<char> = "-:{}[],&*!|>'\"#?% \n\t\rab0.~<üé😀\u{feff}"
            .chars()
            .collect();
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut rnd = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % 1_000_003).unwrap_or(0)
        };
        for round in 0..4000 {
            let mut chars: Vec<char> = seeds[round % seeds.len()].chars().collect();
            for _ in 0..=rnd() % 4 {
                let at = rnd() % (chars.len() + 1);
                let c = alphabet[rnd() % alphabet.len()];
                match rnd() % 3 {
                    0 => chars.insert(at, c),
                    1 if at < chars.len() => {
                        chars.remove(at);
                    }
                    _ if at < chars.len() => chars[at] = c,
                    _ => {}
                }
            }
            let text: String = chars.into_iter().collect();
            let (docs, err) = parse_stream(&text);
            for root in docs.iter().filter_map(|d| d.root.as_ref()) {
                check_spans(&text, root);
                let _ = root.to_json();
            }
            if let Some(e) = err {
                assert!(text.is_char_boundary(e.pos.offset), "{text:?}");
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn arbitrary_strings_never_panic(text in any::<String>()) {
            let (docs, err) = parse_stream(&text);
            for root in docs.iter().filter_map(|d| d.root.as_ref()) {
                check_spans(&text, root);
            }
            if let Some(e) = err {
                prop_assert!(text.is_char_boundary(e.pos.offset));
            }
        }

        #[test]
        fn yamlish_soup_never_panics(text in "[-:{}\\[\\],&*!|>'\"#?%@` \n\t\ra-c0-9.~<üé😀]{0,80}") {
            let (docs, err) = parse_stream(&text);
            for root in docs.iter().filter_map(|d| d.root.as_ref()) {
                check_spans(&text, root);
                let _ = root.to_json();
            }
            if let Some(e) = err {
                prop_assert!(text.is_char_boundary(e.pos.offset));
            }
        }

        #[test]
        fn generated_maps_round_trip(
            map in prop::collection::btree_map(key(), tree(), 1..6),
            indentless in any::<bool>(),
        ) {
            let expected = J::Object(map.into_iter().collect());
            let mut yaml = String::new();
            emit(&expected, 0, indentless, &mut yaml);
            let pretty = serde_json::to_string_pretty(&expected).unwrap_or_default();
            for text in [yaml, pretty] {
                let (docs, err) = parse_stream(&text);
                prop_assert_eq!(err, None, "{}", text);
                prop_assert_eq!(docs.len(), 1);
                let root = docs.into_iter().next().and_then(|d| d.root);
                prop_assert!(root.is_some());
                let root = root.unwrap_or(Node { value: Value::Null, start: ORIGIN, end: ORIGIN });
                prop_assert_eq!(root.to_json(), expected.clone(), "{}", text);
                check_spans(&text, &root);
                check_scalar_text(&text, &root);
            }
        }
    }
}
