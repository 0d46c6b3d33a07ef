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

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use saphyr_parser::{
    BufferedInput, Event, Marker, Parser, ScalarStyle, ScanError, Span, StrInput, Tag,
};

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

/// Booleans as go-yaml v2 resolves them (its resolve.go table, YAML 1.1), which is how kubectl
/// reads a manifest (sigs.k8s.io/yaml `YAMLToJSON`): not only true/false but y/yes/on and
/// n/no/off, in their lower, capitalized and upper case forms.
fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "True" | "TRUE" | "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => {
            Some(true)
        }
        "false" | "False" | "FALSE" | "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
            Some(false)
        }
        _ => None,
    }
}

/// The booleans of go-yaml v2 that YAML 1.2 reads as strings.
fn is_yaml11_bool(s: &str) -> bool {
    parse_bool(s).is_some() && !matches!(s, "true" | "True" | "TRUE" | "false" | "False" | "FALSE")
}

enum Num {
    Int(i64),
    Float(f64),
}

/// YAML 1.2 core ints: `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`, and as in go-yaml v2 (what
/// kubectl reads with) a leading zero makes octal digits octal; `0b`/`_` forms stay strings.
/// Values outside i64 become floats, as a JSON number would.
fn parse_int(s: &str) -> Option<Num> {
    let b = s.as_bytes();
    if let Some(hex) = s.strip_prefix("0x") {
        return parse_radix(hex, 16);
    }
    if let Some(oct) = s.strip_prefix("0o") {
        return parse_radix(oct, 8);
    }
    let (negative, digits) = match b.first() {
        Some(b'-') => (true, b.get(1..).unwrap_or_default()),
        Some(b'+') => (false, b.get(1..).unwrap_or_default()),
        _ => (false, b),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // kubectl reads YAML as go-yaml v2 does (YAML 1.1): a leading zero makes an integer octal,
    // so `defaultMode: 0644` is 420.
    if digits.len() > 1 && digits[0] == b'0' && digits.iter().all(|d| (b'0'..=b'7').contains(d)) {
        let octal = std::str::from_utf8(&digits[1..]).ok()?;
        return match parse_radix(octal, 8)? {
            Num::Int(i) if negative => Some(Num::Int(-i)),
            Num::Float(f) if negative => Some(Num::Float(-f)),
            n => Some(n),
        };
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
        Some(b't' | b'T' | b'f' | b'F' | b'y' | b'Y' | b'n' | b'N' | b'o' | b'O') => {
            match parse_bool(&s) {
                Some(v) => Value::Bool(v),
                None => Value::String(s.into_owned()),
            }
        }
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

    /// The char index of byte offset `byte` (a char boundary).
    fn char_of(&self, text: &str, byte: usize) -> usize {
        let Some(cps) = &self.checkpoints else {
            return byte;
        };
        let k = cps.partition_point(|&b| b <= byte).saturating_sub(1);
        let base = cps.get(k).copied().unwrap_or(0);
        let tail = text.get(base..byte).map_or(0, |s| s.chars().count());
        k * CHECKPOINT_EVERY + tail
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

/// Whether a document end event starting at `start` is an explicit `...` (rather than implied
/// by the next `---` or the end of the stream, whose token the event then spans).
fn is_explicit_end(text: &str, start: Pos) -> bool {
    text.get(start.offset..)
        .is_some_and(|s| s.starts_with("..."))
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

/// Builds documents from events. The source text is passed to each call rather than held, so
/// that [`Documents`] can switch to a padded copy of the text it owns (see [`Padded`]).
struct Builder {
    /// Char-index → byte-offset table of the text passed in.
    offsets: CharOffsets,
    /// Where the parser's input starts in the text passed in (see [`Documents::resume`]):
    /// chars and lines before it.
    char_base: usize,
    line_base: u32,
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
    /// Where the alias just completed ends: it carries its anchor's span, which ends earlier.
    alias_end: Option<Pos>,
    /// Hand over the items of a top-level List one by one (see [`objects`]).
    stream_items: bool,
    /// An item completed and not yet handed over.
    streamed: Option<Node>,
    /// Items handed over in the current document.
    streamed_in_doc: usize,
}

const ORIGIN: Pos = Pos {
    offset: 0,
    line: 1,
    column: 1,
};

impl Builder {
    fn new(offsets: CharOffsets) -> Self {
        Builder {
            offsets,
            char_base: 0,
            line_base: 0,
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
            alias_end: None,
            stream_items: false,
            streamed: None,
            streamed_in_doc: 0,
        }
    }

    /// Whether a node completing now is an item of the document's top-level `items` sequence
    /// (a List), to be handed over instead of kept.
    fn completes_list_item(&self) -> bool {
        let [map, seq] = self.frames.as_slice() else {
            return false;
        };
        matches!((&map.kind, &seq.kind), (FrameKind::Map, FrameKind::Seq))
            && !map.merge_pending
            && seq
                .base
                .checked_sub(1)
                .and_then(|k| self.children.get(k))
                .is_some_and(|key| matches!(&key.value, Value::String(k) if k == "items"))
    }

    fn pos(&self, text: &str, m: &Marker) -> Pos {
        Pos {
            offset: self
                .offsets
                .byte_of(text, m.index().saturating_add(self.char_base)),
            line: to_u32(m.line()).saturating_add(self.line_base),
            column: to_u32(m.col().saturating_add(1)),
        }
    }

    fn err(&self, message: impl Into<String>, pos: Pos) -> ParseError {
        ParseError {
            message: message.into(),
            pos,
        }
    }

    fn scan_error(&self, text: &str, e: &ScanError) -> ParseError {
        self.err(e.info(), self.pos(text, e.marker()))
    }

    fn event(&mut self, text: &str, ev: Event<'_>, span: Span) -> Result<(), ParseError> {
        match ev {
            Event::Scalar(value, style, anchor, tag) => {
                self.scalar(text, value, style, anchor, tag, span)
            }
            Event::SequenceStart(anchor, tag) => {
                self.start(text, FrameKind::Seq, anchor, tag, span)
            }
            Event::MappingStart(anchor, tag) => self.start(text, FrameKind::Map, anchor, tag, span),
            Event::SequenceEnd | Event::MappingEnd => self.end(text, span),
            Event::Alias(id) => self.alias(text, id, span),
            Event::DocumentStart(_) => {
                self.doc_start = self.pos(text, &span.start);
                self.doc_start_end = self.pos(text, &span.end);
                self.root = None;
                self.streamed_in_doc = 0;
                Ok(())
            }
            Event::DocumentEnd => {
                self.end_document(text, span);
                Ok(())
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => Ok(()),
        }
    }

    fn end_document(&mut self, text: &str, span: Span) {
        let root = self.root.take();
        let start = self.pos(text, &span.start);
        let end = if is_explicit_end(text, start) {
            self.pos(text, &span.end)
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
        text: &str,
        value: Cow<'_, str>,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<Cow<'_, Tag>>,
        span: Span,
    ) -> Result<(), ParseError> {
        let mut start = self.pos(text, &span.start);
        let mut end = self.pos(text, &span.end);
        self.last_pos = end;
        self.alias_end = None;
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
        // Deviation: go-yaml v2 reads a key `y:` or `on:` as a boolean too (sigs.k8s.io/yaml
        // then writes it "true"); keys stay as written here, so that paths name them.
        let is_key = self.frames.last().is_some_and(|f| {
            matches!(f.kind, FrameKind::Map) && (self.children.len() - f.base).is_multiple_of(2)
        });
        let resolved = if is_key && plain && tag.is_none() && is_yaml11_bool(&value) {
            Value::String(value.into_owned())
        } else {
            resolve_scalar(value, plain, ctag).map_err(|m| self.err(m, start))?
        };
        let node = Node {
            value: resolved,
            start,
            end,
        };
        self.complete(node, 1, anchor, is_merge_key)
    }

    fn start(
        &mut self,
        text: &str,
        kind: FrameKind,
        anchor: usize,
        tag: Option<Cow<'_, Tag>>,
        span: Span,
    ) -> Result<(), ParseError> {
        let mut start = self.pos(text, &span.start);
        let limit = self.pos(text, &span.end).offset;
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
        self.alias_end = None;
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

    fn end(&mut self, text: &str, span: Span) -> Result<(), ParseError> {
        let Some(frame) = self.frames.pop() else {
            return Ok(());
        };
        let base = frame.base.min(self.children.len());
        let alias_end = self.alias_end.take();
        let end = if frame.flow {
            self.pos(text, &span.end)
        } else {
            // Block collections end at their last child; the end event sits at the next token.
            // A last child that is an alias has the anchored node's span: the collection then
            // ends at the alias itself.
            match self.children.get(base..).and_then(<[Node]>::last) {
                Some(last) => match alias_end {
                    Some(alias) if alias.offset > last.end.offset => alias,
                    _ => last.end,
                },
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

    fn alias(&mut self, text: &str, id: usize, span: Span) -> Result<(), ParseError> {
        let pos = self.pos(text, &span.start);
        self.last_pos = pos;
        let alias_end = self.pos(text, &span.end);
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
        self.complete(node, size, 0, false)?;
        self.alias_end = Some(alias_end);
        Ok(())
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
        if self.stream_items && self.completes_list_item() {
            self.streamed_in_doc += 1;
            self.streamed = Some(node);
            return Ok(());
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
    let source = Source::Str(Parser::new_from_str(text));
    Documents::new(text, source, Builder::new(CharOffsets::new(text)), None)
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

/// Iterator returned by [`documents`].
pub struct Documents<'t> {
    text: &'t str,
    source: Source<'t>,
    builder: Builder,
    done: bool,
    /// Where a re-parse starts, in the coordinates of the text being parsed: the end of the
    /// last document (after its `...`, or at the `---` that implied its end).
    restart: Pos,
    /// Alias-expansion count at `restart`, carried into a re-parse (the cap is per stream).
    restart_alias_nodes: usize,
    /// The padded copy of the current document being parsed, if it needed padding; otherwise
    /// the original text is parsed and positions need no mapping.
    padded: Option<Padded>,
    /// The original text's char-offset table while the builder holds a padded text's.
    original_offsets: Option<CharOffsets>,
    /// Bytes that may still be parsed a second time by re-parses.
    reparse_budget: usize,
    /// Padding of the current document, until it is confirmed.
    doc: DocPadding,
    /// Hand over a top-level List's items one by one (see [`objects`]).
    stream_items: bool,
    /// Items of the current document handed over before it had to be re-read with padding:
    /// the re-read keeps its items, and these are dropped from them.
    streamed_before_padding: usize,
}

/// Padding added for the document being parsed. It is confirmed when the document ends: each
/// pad must lie inside a quoted scalar as saphyr parsed it, where it cannot change a value.
#[derive(Default)]
struct DocPadding {
    /// The pads, in original coordinates, sorted by offset.
    pads: Vec<Pad>,
    /// Original offset where the padded copy of the document ends (see [`document_cut`]).
    end: usize,
    /// Some pads were guessed by [`speculative_pads`] rather than located from an error.
    speculative: bool,
    /// Guessing failed for this document: pad only what errors locate.
    precise: bool,
    /// The error that started the padding, returned if the padding cannot be confirmed.
    first_error: Option<ParseError>,
    /// Spans of the quoted scalars parsed so far, in padded-text offsets.
    quoted: Vec<(usize, usize)>,
}

enum Source<'t> {
    Str(Parser<'t, StrInput<'t>>),
    /// A padded copy of one document. It is owned, so it goes through saphyr's char-iterator
    /// input.
    Padded(Parser<'static, BufferedInput<ArcChars>>),
}

/// Re-parses may parse again at most this many times the input length (plus the slack below):
/// one per padded quoted scalar, from the start of its document.
const REPARSE_FACTOR: usize = 32;
const REPARSE_SLACK: usize = 1 << 20;

/// Spaces inserted at the start of one line of the original text.
#[derive(Clone, Copy, Debug)]
struct Pad {
    /// Byte offset of the line start in the original text.
    at: usize,
    len: usize,
}

/// One pad as it sits in the padded text.
#[derive(Clone, Copy, Debug)]
struct Shift {
    /// Offset of the pad in the padded text.
    at: usize,
    len: usize,
    /// Pad bytes before this pad.
    before: usize,
    /// Line of the pad, counted from the start of the padded text (1-based).
    line: u32,
}

/// The original text from `base` to `end`, with the pads in that range inserted.
struct Padded {
    text: Arc<str>,
    base: Pos,
    /// Original offset of the end of `text`.
    end: usize,
    shifts: Vec<Shift>,
}

impl Padded {
    fn new(original: &str, base: Pos, end: usize, pads: &[Pad]) -> Self {
        let end = end.min(original.len()).max(base.offset);
        let mut text =
            String::with_capacity((end - base.offset) + pads.iter().map(|p| p.len).sum::<usize>());
        let mut shifts = Vec::new();
        let mut from = base.offset;
        let mut line = 1u32;
        let mut before = 0;
        for pad in pads.iter().filter(|p| base.offset <= p.at && p.at < end) {
            let seg = original.get(from..pad.at).unwrap_or_default();
            line = line.saturating_add(count_breaks(original, from, seg));
            text.push_str(seg);
            shifts.push(Shift {
                at: text.len(),
                len: pad.len,
                before,
                line,
            });
            text.extend(std::iter::repeat_n(' ', pad.len));
            before += pad.len;
            from = pad.at;
        }
        text.push_str(original.get(from..end).unwrap_or_default());
        Padded {
            text: Arc::from(text),
            base,
            end,
            shifts,
        }
    }

    /// The original position of a position in the padded text.
    fn map(&self, p: Pos) -> Pos {
        let k = self.shifts.partition_point(|s| s.at <= p.offset);
        let (offset, mut column) = match k.checked_sub(1).and_then(|i| self.shifts.get(i)) {
            None => (p.offset, p.column),
            Some(s) => {
                let inside = p.offset < s.at + s.len;
                let offset = if inside {
                    s.at - s.before
                } else {
                    p.offset - s.before - s.len
                };
                let column = match (s.line == p.line, inside) {
                    (false, _) => p.column,
                    (true, true) => 1,
                    (true, false) => p.column.saturating_sub(to_u32(s.len)).max(1),
                };
                (offset, column)
            }
        };
        if p.line == 1 {
            column = column.saturating_add(self.base.column.saturating_sub(1));
        }
        Pos {
            offset: self.base.offset + offset,
            line: self.base.line.saturating_add(p.line.saturating_sub(1)),
            column,
        }
    }

    fn map_node(&self, node: &mut Node) {
        node.start = self.map(node.start);
        node.end = self.map(node.end);
        match &mut node.value {
            Value::Seq(items) => items.iter_mut().for_each(|n| self.map_node(n)),
            Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
                self.map_node(k);
                self.map_node(v);
            }),
            _ => {}
        }
    }
}

/// Line breaks in `seg`, which starts at byte `from` of `text` ("\r\n" counts once).
fn count_breaks(text: &str, from: usize, seg: &str) -> u32 {
    let bytes = text.as_bytes();
    let n = seg
        .bytes()
        .enumerate()
        .filter(|&(i, b)| b == b'\n' || (b == b'\r' && bytes.get(from + i + 1) != Some(&b'\n')))
        .count();
    to_u32(n)
}

/// Owning char iterator over a shared text, for saphyr's iterator input.
struct ArcChars {
    text: Arc<str>,
    at: usize,
}

impl Iterator for ArcChars {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let c = self.text.get(self.at..)?.chars().next()?;
        self.at += c.len_utf8();
        Some(c)
    }
}

/// Scans the quoted scalar opening at `open`: the offset of its closing quote and the start of
/// each of its continuation lines.
fn scan_quoted(text: &str, open: usize) -> Option<(usize, Vec<usize>)> {
    let bytes = text.as_bytes();
    let quote = *bytes.get(open)?;
    let mut starts = Vec::new();
    let mut i = open + 1;
    loop {
        match *bytes.get(i)? {
            b'\'' if quote == b'\'' => {
                if bytes.get(i + 1) != Some(&b'\'') {
                    return Some((i, starts));
                }
                i += 2;
            }
            b'"' if quote == b'"' => return Some((i, starts)),
            // An escape; an escaped line break is handled as a line break next round.
            b'\\' if quote == b'"' && !bytes.get(i + 1).is_some_and(|&c| is_break(c)) => i += 2,
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => i += 1,
            b'\n' | b'\r' => {
                i += 1;
                starts.push(i);
            }
            _ => i += 1,
        }
    }
}

/// A document indicator (`---`, `...`) at the start of a line.
fn is_document_indicator(line: &[u8]) -> bool {
    (line.starts_with(b"---") || line.starts_with(b"..."))
        && matches!(line.get(3), None | Some(b' ' | b'\t' | b'\n' | b'\r'))
}

/// Under-indented continuation lines of the quoted scalars from line start `from` to the end of
/// its document, found by a light line scanner: `(line start, spaces to insert)`. A guess: it
/// knows block scalars, comments, plain scalars and indicators, but not the full grammar, so
/// each pad is confirmed against the parse (see [`DocPadding`]).
fn speculative_pads(text: &str, from: usize) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut pads = Vec::new();
    let mut line_start = from;
    // Indentation of the line holding a block scalar header: more indented lines (and blank
    // ones) that follow are its content.
    let mut block: Option<usize> = None;
    while line_start < bytes.len() {
        let line = bytes.get(line_start..).unwrap_or_default();
        let indent = line.iter().take_while(|&&b| b == b' ').count();
        if is_document_indicator(line) {
            break;
        }
        let blank = line
            .iter()
            .skip(indent)
            .take_while(|&&b| !is_break(b))
            .all(|&b| b == b' ' || b == b'\t');
        if let Some(h) = block {
            if blank || indent > h {
                line_start = next_line(bytes, line_start);
                continue;
            }
            block = None;
        }
        let mut j = line_start + indent;
        // Whether a quote at `j` opens a quoted scalar (rather than sitting in a plain one).
        let mut token_start = true;
        while let Some(&c) = bytes.get(j) {
            let next_blank = is_blank_or_end(bytes.get(j + 1));
            match c {
                b'\n' | b'\r' => break,
                b'#' if j == line_start || matches!(bytes.get(j - 1), Some(b' ' | b'\t')) => break,
                b'\'' | b'"' if token_start => {
                    let Some((close, starts)) = scan_quoted(text, j) else {
                        return pads;
                    };
                    // Counted only for multi-line scalars, at most one of which opens on a line,
                    // so this stays linear.
                    let target = if starts.is_empty() {
                        0
                    } else {
                        text.get(line_start..j).map_or(0, |s| s.chars().count())
                    };
                    for start in starts {
                        let line = bytes.get(start..).unwrap_or_default();
                        if is_document_indicator(line) {
                            return pads;
                        }
                        let indent = line.iter().take_while(|&&b| b == b' ').count();
                        if indent < target
                            && !matches!(line.get(indent), None | Some(b'\n' | b'\r' | b'\t'))
                        {
                            pads.push((start, target - indent));
                        }
                        line_start = start;
                    }
                    j = close + 1;
                    token_start = false;
                }
                b' ' | b'\t' => j += 1,
                b'-' | b'?' | b':' if next_blank => {
                    j += 1;
                    token_start = true;
                }
                b'[' | b'{' | b',' => {
                    j += 1;
                    token_start = true;
                }
                b'|' | b'>' if token_start => {
                    block = Some(indent);
                    break;
                }
                b'&' | b'!' if token_start => {
                    while bytes
                        .get(j)
                        .is_some_and(|&b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
                    {
                        j += 1;
                    }
                }
                _ => {
                    j += 1;
                    token_start = false;
                }
            }
        }
        line_start = next_line(bytes, j);
    }
    pads
}

fn is_blank_or_end(b: Option<&u8>) -> bool {
    matches!(b, None | Some(b' ' | b'\t' | b'\n' | b'\r'))
}

/// Start of the line after the one holding `i`.
fn next_line(bytes: &[u8], i: usize) -> usize {
    let mut k = i;
    while bytes.get(k).is_some_and(|&b| !is_break(b)) {
        k += 1;
    }
    if bytes.get(k) == Some(&b'\r') && bytes.get(k + 1) == Some(&b'\n') {
        k += 1;
    }
    k + 1
}

/// Where a padded copy of the document holding byte `from` can end: just before the next
/// `---` line, or just after the next `...` line (so the document ends as it does in the
/// original), or at the end of the text. Either marker on a line of its own ends any node, and
/// the document, in YAML 1.2 as in go-yaml.
fn document_cut(text: &str, from: usize) -> usize {
    let bytes = text.as_bytes();
    let mut line = next_line(bytes, from);
    while line < bytes.len() {
        let rest = bytes.get(line..).unwrap_or_default();
        if is_document_indicator(rest) {
            return if rest.starts_with(b"...") {
                next_line(bytes, line).min(bytes.len())
            } else {
                line
            };
        }
        line = next_line(bytes, line);
    }
    bytes.len()
}

/// saphyr's error for a quoted-scalar continuation line indented less than its block.
const QUOTED_INDENT_ERROR: &str = "invalid indentation in quoted scalar";
/// saphyr's errors for a quoted scalar that runs into the end of the text / a document marker.
const QUOTED_EOF_ERROR: &str = "while scanning a quoted scalar, found unexpected end of stream";
const QUOTED_INDICATOR_ERROR: &str =
    "while scanning a quoted scalar, found unexpected document indicator";

impl<'t> Documents<'t> {
    fn new(text: &'t str, source: Source<'t>, builder: Builder, padded: Option<Padded>) -> Self {
        Documents {
            text,
            source,
            builder,
            done: false,
            restart: ORIGIN,
            restart_alias_nodes: 0,
            padded,
            original_offsets: None,
            reparse_budget: text
                .len()
                .saturating_mul(REPARSE_FACTOR)
                .saturating_add(REPARSE_SLACK),
            doc: DocPadding::default(),
            stream_items: false,
            streamed_before_padding: 0,
        }
    }

    /// go-yaml takes quoted-scalar continuation lines at any indentation (controller-gen writes
    /// CRD descriptions with continuation lines at the key's own indentation); saphyr, like
    /// YAML 1.2, wants them indented past the enclosing block, and has no option to relax
    /// that. So on that error, pad under-indented continuation lines with spaces (a quoted
    /// scalar drops a continuation line's leading blanks, so its value is unchanged) and parse
    /// again from the start of the failing document, up to its end only; positions are mapped
    /// back to the original text. The first time in a document, every quoted scalar of the rest of the document is
    /// padded at once (one re-parse per document, not per scalar); if that guess cannot be
    /// confirmed, the document is re-parsed padding only the scalars that errors point at.
    /// Returns false (keep the error) if the error is not one this fixes.
    fn pad_quoted_scalar(&mut self, e: &ScanError) -> bool {
        if e.info() != QUOTED_INDENT_ERROR {
            return false;
        }
        let padded_text = self.padded.as_ref().map(|p| Arc::clone(&p.text));
        let text: &str = padded_text.as_deref().unwrap_or(self.text);
        let bytes = text.as_bytes();
        // saphyr reports this error at the scalar's opening quote.
        let open = self.builder.pos(text, e.marker()).offset;
        if !matches!(bytes.get(open), Some(b'\'' | b'"')) {
            return false;
        }
        let Some((close, starts)) = scan_quoted(text, open) else {
            return false;
        };
        // Indent continuation lines to the opening quote's column, which lies past the key or
        // entry indicator, so past the enclosing block's indentation.
        let target = usize::try_from(column_of(text, open).saturating_sub(1)).unwrap_or(0);
        // Line start → spaces to insert; located and guessed pads of a line agree.
        let mut new_pads = std::collections::BTreeMap::new();
        for start in starts {
            let line = bytes.get(start..).unwrap_or_default();
            let indent = line.iter().take_while(|&&b| b == b' ').count();
            match line.get(indent) {
                // Blank lines, and tabs, which stay the scanner's business.
                None | Some(b'\n' | b'\r' | b'\t') => continue,
                // A document indicator ends the scalar with an error for go-yaml too.
                _ if indent == 0 && is_document_indicator(line) => continue,
                _ if indent >= target => continue,
                _ => {
                    new_pads.insert(start, target - indent);
                }
            }
        }
        if new_pads.is_empty() {
            return false;
        }
        if !self.doc.precise {
            let line_start = bytes
                .get(..open)
                .and_then(|b| b.iter().rposition(|&c| is_break(c)))
                .map_or(0, |i| i + 1);
            let located = new_pads.len();
            new_pads.extend(speculative_pads(text, line_start));
            self.doc.speculative |= new_pads.len() > located;
        }
        let cost = close.saturating_sub(self.restart.offset);
        if cost > self.reparse_budget {
            return false;
        }
        self.reparse_budget -= cost;
        let to_original = |offset| self.to_original(Pos { offset, ..ORIGIN }).offset;
        let cut = document_cut(self.text, to_original(close));
        let new_pads: Vec<Pad> = new_pads
            .into_iter()
            .map(|(start, len)| Pad {
                at: to_original(start),
                len,
            })
            .collect();
        self.doc.end = self.doc.end.max(cut);
        let pads = &mut self.doc.pads;
        for pad in new_pads {
            let i = pads.partition_point(|p| p.at < pad.at);
            match pads.get_mut(i) {
                // Measured on the padded text, so the new spaces add to the old.
                Some(p) if p.at == pad.at => p.len += pad.len,
                _ => pads.insert(i, pad),
            }
        }
        if self.doc.first_error.is_none() {
            let err = self.builder.scan_error(text, e);
            self.doc.first_error = Some(self.to_original_error(err));
        }
        self.reparse();
        true
    }

    /// Parses again from the start of the current document, with the current padding.
    fn reparse(&mut self) {
        let base = self.to_original(self.restart);
        let padded = Padded::new(self.text, base, self.doc.end, &self.doc.pads);
        let chars = ArcChars {
            text: Arc::clone(&padded.text),
            at: 0,
        };
        self.source = Source::Padded(Parser::new_from_iter(chars));
        let builder = Builder::new(CharOffsets::new(&padded.text));
        let previous = std::mem::replace(&mut self.builder, builder);
        // A padded re-read keeps its items (a guessed padding may still be retracted); those
        // already handed over are dropped from them when the document ends.
        self.streamed_before_padding += previous.streamed_in_doc;
        if self.padded.is_none() {
            self.original_offsets = Some(previous.offsets);
        }
        self.builder.alias_nodes = self.restart_alias_nodes;
        self.padded = Some(padded);
        self.restart = ORIGIN;
        self.doc.quoted.clear();
    }

    /// Goes back to parsing the original text after a padded document, from `at` (the end of
    /// the padded copy, a line start) on: the rest of the stream is parsed at full speed and
    /// never copied.
    fn resume(&mut self, at: Pos) {
        let offsets = self
            .original_offsets
            .take()
            .unwrap_or_else(|| CharOffsets::new(self.text));
        let rest = self.text.get(at.offset..).unwrap_or_default();
        self.source = Source::Str(Parser::new_from_str(rest));
        let mut builder = Builder::new(offsets);
        builder.char_base = builder.offsets.char_of(self.text, at.offset);
        builder.line_base = at.line.saturating_sub(1);
        builder.alias_nodes = self.builder.alias_nodes;
        builder.last_pos = at;
        builder.stream_items = self.stream_items;
        self.builder = builder;
        self.padded = None;
        self.restart = at;
        self.restart_alias_nodes = self.builder.alias_nodes;
        self.doc = DocPadding::default();
    }

    /// Whether every pad of the current document before original offset `limit` lies inside
    /// a quoted scalar parsed so far.
    fn padding_confirmed(&self, limit: usize) -> bool {
        if self.doc.pads.is_empty() {
            return true;
        }
        let quoted: Vec<(usize, usize)> = self
            .doc
            .quoted
            .iter()
            .map(|&(o, c)| {
                let map = |offset| self.to_original(Pos { offset, ..ORIGIN }).offset;
                (map(o), map(c))
            })
            .collect();
        self.doc
            .pads
            .iter()
            .map(|p| p.at)
            .filter(|&p| p < limit)
            .all(|p| {
                let k = quoted.partition_point(|&(o, _)| o < p);
                k.checked_sub(1)
                    .and_then(|i| quoted.get(i))
                    .is_some_and(|&(_, c)| p < c)
            })
    }

    /// After a failed guess: drop the document's padding and parse it again, padding only what
    /// errors locate. False if the document had no guessed padding.
    fn retry_precisely(&mut self) -> bool {
        if !self.doc.speculative {
            return false;
        }
        self.doc.pads.clear();
        self.doc.speculative = false;
        self.doc.precise = true;
        self.reparse();
        true
    }

    /// The original position of a position in the text being parsed.
    fn to_original(&self, p: Pos) -> Pos {
        match &self.padded {
            Some(padded) => padded.map(p),
            None => p,
        }
    }

    fn to_original_error(&self, mut e: ParseError) -> ParseError {
        e.pos = self.to_original(e.pos);
        e
    }

    fn to_original_node(&self, mut node: Node) -> Node {
        if let Some(padded) = &self.padded {
            padded.map_node(&mut node);
        }
        node
    }

    fn to_original_doc(&self, mut doc: Document) -> Document {
        if let Some(padded) = &self.padded {
            doc.start = padded.map(doc.start);
            doc.end = padded.map(doc.end);
            if let Some(root) = &mut doc.root {
                padded.map_node(root);
            }
        }
        doc
    }
}

impl Iterator for Documents<'_> {
    type Item = Result<Document, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let text: &str = match &self.padded {
                Some(p) => &p.text,
                None => self.text,
            };
            // saphyr has internal asserts/unwraps; contain any panic so a bad manifest can
            // never take the linter down. The parser is not used again after a panic.
            let source = &mut self.source;
            let step = catch_unwind(AssertUnwindSafe(|| match source {
                Source::Str(parser) => parser.next_event(),
                Source::Padded(parser) => parser.next_event(),
            }));
            let result = match step {
                Ok(Some(Ok((ev, span)))) => {
                    // A padded copy ends with its document: go on with the original text.
                    if let (Event::StreamEnd, Some(p)) = (&ev, &self.padded) {
                        if p.end < self.text.len() {
                            let mut at = p.map(self.builder.pos(text, &span.start));
                            at.offset = p.end;
                            self.resume(at);
                            continue;
                        }
                    }
                    let document_end = matches!(ev, Event::DocumentEnd);
                    if !self.doc.pads.is_empty()
                        && matches!(
                            ev,
                            Event::Scalar(
                                _,
                                ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted,
                                ..
                            )
                        )
                    {
                        let start = self.builder.pos(text, &span.start).offset;
                        let end = self.builder.pos(text, &span.end).offset;
                        self.doc.quoted.push((start, end));
                    }
                    let result = self.builder.event(text, ev, span);
                    if document_end && result.is_ok() {
                        let start = self.builder.pos(text, &span.start);
                        let end = self.builder.pos(text, &span.end);
                        // An implicit end spans the token that implied it (the next `---`):
                        // a re-parse starts there, so with the next document's `---`.
                        let restart = if is_explicit_end(text, start) {
                            end
                        } else {
                            start
                        };
                        if !self.padding_confirmed(usize::MAX) {
                            if self.retry_precisely() {
                                continue;
                            }
                            // Padding located from errors did not hold up: report the error
                            // that called for it.
                            self.done = true;
                            let fallback = self.builder.err("invalid quoted scalar", end);
                            let first = self.doc.first_error.take();
                            return Some(Err(
                                first.unwrap_or_else(|| self.to_original_error(fallback))
                            ));
                        }
                        self.doc = DocPadding::default();
                        self.restart = restart;
                        self.restart_alias_nodes = self.builder.alias_nodes;
                    }
                    result
                }
                Ok(Some(Err(e))) => {
                    let mut err = self.builder.scan_error(text, &e);
                    if self.pad_quoted_scalar(&e) {
                        continue;
                    }
                    // A padded copy that stops short of the text's end stops at a `---` line,
                    // which is what a quoted scalar running to its end ran into.
                    if self
                        .padded
                        .as_ref()
                        .is_some_and(|p| p.end < self.text.len())
                        && err.message == QUOTED_EOF_ERROR
                    {
                        err.message = QUOTED_INDICATOR_ERROR.to_string();
                    }
                    Err(err)
                }
                Ok(None) => {
                    self.done = true;
                    return None;
                }
                Err(_) => Err(self
                    .builder
                    .err("internal YAML parser error", self.builder.last_pos)),
            };
            if let Err(e) = result {
                let e = self.to_original_error(e);
                // An error after guessed padding is genuine if the padding before it holds up
                // (then the text up to the error parses as the original does); if not, the
                // guess may have caused it.
                if !self.padding_confirmed(e.pos.offset) && self.retry_precisely() {
                    continue;
                }
                self.done = true;
                return Some(Err(e));
            }
            if let Some(item) = self.builder.streamed.take() {
                let item = self.to_original_node(item);
                return Some(Ok(Document {
                    start: item.start,
                    end: item.end,
                    root: Some(item),
                }));
            }
            if let Some(mut doc) = self.builder.finished.take() {
                let handed_over = std::mem::take(&mut self.streamed_before_padding);
                if handed_over > 0 {
                    drop_first_items(&mut doc, handed_over);
                }
                return Some(Ok(self.to_original_doc(doc)));
            }
        }
        None
    }
}

/// Removes the first `n` items of a List document's top-level `items`.
fn drop_first_items(doc: &mut Document, n: usize) {
    let Some(Node {
        value: Value::Map(entries),
        ..
    }) = &mut doc.root
    else {
        return;
    };
    for (key, value) in entries.iter_mut() {
        if matches!(&key.value, Value::String(k) if k == "items") {
            if let Value::Seq(items) = &mut value.value {
                items.drain(..n.min(items.len()));
            }
        }
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
            // go-yaml v2's booleans, as kubectl reads them.
            ("yes", json!(true)),
            ("Yes", json!(true)),
            ("YES", json!(true)),
            ("no", json!(false)),
            ("on", json!(true)),
            ("ON", json!(true)),
            ("off", json!(false)),
            ("Off", json!(false)),
            ("y", json!(true)),
            ("Y", json!(true)),
            ("n", json!(false)),
            ("N", json!(false)),
            ("yES", json!("yES")),
            ("oN", json!("oN")),
            ("nope", json!("nope")),
            ("onion", json!("onion")),
            ("0", json!(0)),
            ("-17", json!(-17)),
            ("+17", json!(17)),
            ("012", json!(10)),
            ("0644", json!(420)),
            ("-017", json!(-15)),
            ("089", json!(89)),
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
            "a: !!bool maybe\n",
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
        let root = parse_one("metadata:\n  annotations:\n    a.b/c: \"yes\"\n");
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

    /// controller-gen (through go-yaml's emitter) writes quoted CRD descriptions with their
    /// continuation lines at the key's own indentation. go-yaml, so Kubernetes, accepts that;
    /// saphyr, like YAML 1.2, does not, so such scalars are re-parsed padded.
    #[test]
    fn crd_description_continuation_at_key_indentation() {
        for q in ['\'', '"'] {
            let text = format!(
                "properties:\n  resourceVersion:\n    description: {q}Specific resourceVersion \
                 to which this reference\n    is made, if any.{q}\n    type: string\n"
            );
            let root = parse_one(&text);
            let d = node_at(&root, "properties.resourceVersion.description");
            assert_eq!(
                d.as_str(),
                Some("Specific resourceVersion to which this reference is made, if any.")
            );
            assert_eq!((lc(d.start), lc(d.end)), ((3, 18), (4, 22)), "{q}");
            let src = &text[d.start.offset..d.end.offset];
            assert!(src.starts_with(q) && src.ends_with(q), "{src:?}");
            assert!(
                src.ends_with(&format!("\n    is made, if any.{q}")),
                "{src:?}"
            );
            let t = node_at(&root, "properties.resourceVersion.type");
            assert_eq!((lc(t.start), lc(t.end)), ((5, 11), (5, 17)));
            assert_eq!(&text[t.start.offset..t.end.offset], "string");
            let (k, _) = root.locate(&path(&parse_path("properties.resourceVersion.type")), true);
            assert_eq!((lc(k), &text[k.offset..k.offset + 4]), ((5, 5), "type"));
            assert_eq!(
                lc(node_at(&root, "properties.resourceVersion").end),
                (5, 17)
            );
        }
    }

    /// Padding in several documents and scalars (sequence entries, escapes, blank and
    /// over-indented lines, CRLF, non-ASCII): values and every position map back exactly.
    #[test]
    fn padded_quoted_scalars_keep_positions() {
        let text = "a: 1\n---\nx:\n  y: 'one ü\n  two ''q''\n\n      three'\n  z: [1]\n\
                    ...\n%YAML 1.2\n---\n- \"é \\\"k\\\"\n- x\\\n  y\"\n- k: \"m\r\n  n\"\r\n  j: 2\n";
        let (docs, err) = parse_stream(text);
        assert_eq!(err, None);
        assert_eq!(docs.len(), 3);
        let y = docs[1].root.as_ref().map(|r| node_at(r, "x.y").clone());
        let y = y.expect("x.y");
        assert_eq!(y.as_str(), Some("one ü two 'q'\nthree"));
        assert_eq!((lc(y.start), lc(y.end)), ((4, 6), (7, 13)));
        assert!(text[y.start.offset..y.end.offset].starts_with("'one ü\n  two"));
        let z = docs[1].root.as_ref().map(|r| node_at(r, "x.z").clone());
        let z = z.expect("x.z");
        assert_eq!(
            (lc(z.start), &text[z.start.offset..z.end.offset]),
            ((8, 6), "[1]")
        );
        assert_eq!(lc(docs[1].end), (9, 4));
        let root = docs[2].root.as_ref().expect("third");
        assert_eq!(
            root.to_json(),
            serde_json::json!(["é \"k\" - xy", {"k": "m n", "j": 2}])
        );
        let first = node_at(root, "[0]");
        assert_eq!((lc(first.start), lc(first.end)), ((12, 3), (14, 5)));
        let k = node_at(root, "[1].k");
        assert_eq!((lc(k.start), lc(k.end)), ((15, 6), (16, 5)));
        assert_eq!(&text[k.start.offset..k.end.offset], "\"m\r\n  n\"");
        let j = node_at(root, "[1].j");
        assert_eq!(
            (lc(j.start), &text[j.start.offset..j.end.offset]),
            ((17, 6), "2")
        );
        assert_eq!(lc(docs[2].start), (11, 1));
        // Errors after padding point into the original text.
        let text = "a:\n  b: 'x\n  y'\n  c: [\n";
        let (docs, err) = parse_stream(text);
        assert!(docs.is_empty());
        let err = err.expect("error");
        assert!(err.pos.line >= 4, "{err}");
        let text = "a:\n  b: 'x\n  y'\n  b: 2\n";
        let (_, err) = parse_stream(text);
        let err = err.expect("duplicate");
        assert_eq!(
            (err.message.as_str(), lc(err.pos)),
            ("duplicate key \"b\" (first at line 2)", (4, 3))
        );
        // What go-yaml rejects stays an error: a document indicator inside a quoted scalar.
        let (_, err) = parse_stream("a:\n  b: 'x\n---\n  y'\n");
        assert!(err.is_some());
        let (_, err) = parse_stream("a:\n  b: 'x\n  y\n");
        assert!(err.is_some());
    }

    /// Only the document that needs padding is copied and re-parsed; the original text is
    /// parsed again after it, with byte offsets, lines and columns carrying on exactly.
    #[test]
    fn padding_stays_in_its_document() {
        let text = "é: 1\n---\na:\n  b: 'ü\n  x'\r\n---\nc: [\"ö\", 2]\nd: 'p\n  q'\n\
                    ...\n%YAML 1.2\n---\ne: &k ö\nf: *k\n";
        let mut it = documents(text);
        let first = it.next().and_then(Result::ok).expect("first");
        assert!(it.padded.is_none());
        let second = it.next().and_then(Result::ok).expect("second");
        // The copy runs from the `---` that starts the document to the next one, plus 3 pads.
        let segment = "---\na:\n  b: 'ü\n  x'\r\n";
        assert_eq!(
            it.padded.as_ref().map(|p| p.text.len()),
            Some(segment.len() + 3)
        );
        let rest: Vec<_> = it.by_ref().collect();
        assert!(it.padded.is_none() && matches!(it.source, Source::Str(_)));
        let docs: Vec<Document> = [Ok(first), Ok(second)]
            .into_iter()
            .chain(rest)
            .collect::<Result<_, _>>()
            .expect("no error");
        assert_eq!(docs.len(), 4);
        let json: Vec<_> = docs
            .iter()
            .filter_map(|d| d.root.as_ref())
            .map(Node::to_json)
            .collect();
        assert_eq!(
            json,
            [
                serde_json::json!({"é": 1}),
                serde_json::json!({"a": {"b": "ü x"}}),
                serde_json::json!({"c": ["ö", 2], "d": "p q"}),
                serde_json::json!({"e": "ö", "f": "ö"}),
            ]
        );
        let at = |d: usize, p: &str| {
            let n = docs[d]
                .root
                .as_ref()
                .map(|r| node_at(r, p).clone())
                .expect(p);
            (lc(n.start), lc(n.end), &text[n.start.offset..n.end.offset])
        };
        assert_eq!(at(1, "a.b"), ((4, 6), (5, 5), "'ü\n  x'"));
        assert_eq!(lc(docs[1].end), (5, 5));
        assert_eq!(lc(docs[2].start), (6, 1));
        assert_eq!(at(2, "c"), ((7, 4), (7, 12), "[\"ö\", 2]"));
        assert_eq!(at(2, "c[0]"), ((7, 5), (7, 8), "\"ö\""));
        assert_eq!(at(2, "c[1]"), ((7, 10), (7, 11), "2"));
        assert_eq!(at(2, "d"), ((8, 4), (9, 5), "'p\n  q'"));
        assert_eq!(lc(docs[2].end), (10, 4));
        assert_eq!(lc(docs[3].start), (12, 1));
        assert_eq!(at(3, "e"), ((13, 7), (13, 8), "ö"));
        // An alias is a copy of its anchored node, spans included.
        assert_eq!(at(3, "f"), ((13, 7), (13, 8), "ö"));
        let (f, _) = docs[3]
            .root
            .as_ref()
            .map(|r| r.locate(&path(&parse_path("f")), true))
            .expect("f");
        assert_eq!((lc(f), &text[f.offset..f.offset + 1]), ((14, 1), "f"));
        // An error in a later, unpadded document points into the original text too.
        let (docs, err) = parse_stream("a:\n  b: 'ü\n  x'\n---\nö: [1,\n---\n");
        assert_eq!(docs.len(), 1);
        assert_eq!(err.map(|e| e.pos.line), Some(6));
        // Errors at the end of the copy read as they do for the original text.
        for (tail, message) in [
            ("c: 'p\n---\nq'\n", QUOTED_INDICATOR_ERROR),
            ("c: \"p\n...\nq\"\n", QUOTED_INDICATOR_ERROR),
            (
                "c: [1,\n---\n",
                "while parsing a node, did not find expected node content",
            ),
        ] {
            let text = format!("a:\n  b: 'x\n  y'\n  {tail}");
            let err = parse_stream(&text).1.expect("error");
            assert_eq!(err.message, message, "{text:?}");
            let fixed = text.replace("\n  y'", "\n     y'");
            assert_eq!(parse_stream(&fixed).1.map(|e| e.message), Some(err.message));
        }
    }

    /// The first padded scalar of a document makes the rest of it padded by guess; a wrong
    /// guess is caught (pads must fall inside quoted scalars) and the document re-parsed
    /// padding only what errors point at. Block scalar content is never padded.
    #[test]
    fn guessed_padding_is_checked() {
        // `'bar` continues a plain scalar, so the guess pads `z: 1'` as if it were quoted.
        let text = "a:\n  b: 'x\n  y'\n  c: foo\n    'bar\n  z: 1'\n  w: 'u\n  v'\n";
        let root = parse_one(text);
        assert_eq!(
            root.to_json(),
            serde_json::json!({"a": {"b": "x y", "c": "foo 'bar", "z": "1'", "w": "u v"}})
        );
        let z = node_at(&root, "a.z");
        assert_eq!(
            (lc(z.start), &text[z.start.offset..z.end.offset]),
            ((6, 6), "1'")
        );
        let w = node_at(&root, "a.w");
        assert_eq!((lc(w.start), lc(w.end)), ((7, 6), (8, 5)));
        // Quote-like lines inside a literal block stay as they are.
        let text = "a:\n  b: 'x\n  y'\n  c: |\n    k: 'p\n    q'\n  d: 'm\n  n'\n";
        let root = parse_one(text);
        assert_eq!(
            root.to_json(),
            serde_json::json!({"a": {"b": "x y", "c": "k: 'p\nq'\n", "d": "m n"}})
        );
        // A genuine error after guessed padding is reported as itself.
        let text = "a:\n  b: 'x\n  y'\n  c: 'z\n  w'\n  b: 2\n";
        let (_, err) = parse_stream(text);
        let err = err.expect("duplicate");
        assert_eq!(err.message, "duplicate key \"b\" (first at line 2)");
        assert_eq!(lc(err.pos), (6, 3));
        // Padding of one document does not leak into the next.
        let text = "a:\n  b: 'x\n  y'\n---\nc: |\n  'p\n   q'\n";
        let (docs, err) = parse_stream(text);
        assert_eq!(err, None);
        assert_eq!(
            docs[1].root.as_ref().map(Node::to_json),
            Some(serde_json::json!({"c": "'p\n q'\n"}))
        );
    }

    fn corpus_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                corpus_files(&path, out);
            } else if !matches!(
                path.file_name().and_then(|n| n.to_str()),
                Some("README.md" | "SOURCES.tsv")
            ) {
                out.push(path);
            }
        }
    }

    /// Every real-world manifest loads, except those with a genuine YAML error that go-yaml
    /// (so kubectl) rejects as well.
    #[test]
    fn corpus_loads() {
        // (file, expected error message prefix, why go-yaml rejects it too)
        const EXPECTED_FAILURES: &[(&str, &str, &str)] = &[(
            "rancher__local-path-provisioner/examples__quota__local-path-storage.yaml",
            "duplicate key \"kind\"",
            "one mapping has two `kind` keys: go-yaml's strict decoding (sigs.k8s.io/yaml \
             YAMLToJSONStrict / UnmarshalStrict) fails with 'key \"kind\" already set in map'; \
             the lenient YAMLToJSON would silently keep the last one",
        )];
        let Some(root) = crate::shared_fixtures::shared_dir("corpus", "corpus_loads") else {
            return;
        };
        let root = root.as_path();
        let mut files = Vec::new();
        corpus_files(root, &mut files);
        files.sort();
        assert!(files.len() >= 392, "corpus has {} files", files.len());
        let mut unexpected = Vec::new();
        let mut failed = Vec::new();
        let mut documents_seen = 0;
        for file in &files {
            let name = file.strip_prefix(root).unwrap_or(file).to_string_lossy();
            let text = std::fs::read_to_string(file).expect("utf-8 manifest");
            let (docs, err) = parse_stream(&text);
            documents_seen += docs.len();
            let expected = EXPECTED_FAILURES.iter().find(|(f, _, _)| *f == name);
            match (err, expected) {
                (None, None) => {}
                (Some(e), Some((_, prefix, _))) if e.message.starts_with(prefix) => {
                    failed.push(name.to_string())
                }
                (err, _) => unexpected.push(format!("{name}: {err:?}")),
            }
        }
        assert!(unexpected.is_empty(), "{unexpected:#?}");
        assert_eq!(failed.len(), EXPECTED_FAILURES.len());
        assert!(documents_seen > 392);
    }

    /// `Documents` keeps the auto traits it had with saphyr.
    #[test]
    fn documents_auto_traits() {
        fn check<T: Send + Sync + std::panic::UnwindSafe>(_: &T) {}
        check(&documents(""));
    }

    /// Every span of a parse result, in document order, for compact comparisons.
    fn flatten(items: Vec<Result<Document, ParseError>>) -> Vec<String> {
        fn walk(n: &Node, out: &mut Vec<String>) {
            out.push(format!("{:?}..{:?}", n.start, n.end));
            match &n.value {
                Value::Seq(items) => items.iter().for_each(|n| walk(n, out)),
                Value::Map(entries) => entries.iter().for_each(|(k, v)| {
                    walk(k, out);
                    walk(v, out);
                }),
                v => out.push(format!("{v:?}")),
            }
        }
        let mut out = Vec::new();
        for item in items {
            match item {
                Ok(doc) => {
                    out.push(format!("doc {:?}..{:?}", doc.start, doc.end));
                    doc.root.iter().for_each(|r| walk(r, &mut out));
                }
                Err(e) => out.push(format!("{e:?}")),
            }
        }
        out
    }

    /// Padded text is parsed through saphyr's char-iterator input rather than its `&str`
    /// input; both must give the same trees and errors.
    #[test]
    fn iterator_input_builds_the_same_trees() {
        let mut files = Vec::new();
        let Some(root) =
            crate::shared_fixtures::shared_dir("corpus", "iterator_input_builds_the_same_trees")
        else {
            return;
        };
        corpus_files(&root, &mut files);
        files.sort();
        let mut texts: Vec<String> = files
            .iter()
            .map(|f| std::fs::read_to_string(f).expect("utf-8"))
            .collect();
        texts.push(MANIFEST.to_string());
        texts.push("# grüße 🎉\nkey: välue 😀\nother: {ä: 1, b: \"€\"}\n\u{feff}".to_string());
        texts.push("\u{feff}a: 'x\n  ü'\r\nb: [1, \"\\u00e9\"]\n--- |\n  ö\n...\n".to_string());
        texts.push("a: b: c\n".to_string());
        texts.push("ü: [1, 2\n".to_string());
        for text in &texts {
            let chars = ArcChars {
                text: Arc::from(text.as_str()),
                at: 0,
            };
            let source = Source::Padded(Parser::new_from_iter(chars));
            let builder = Builder::new(CharOffsets::new(text));
            let padded = Some(Padded::new(text, ORIGIN, text.len(), &[]));
            let it = Documents::new(text, source, builder, padded);
            let via_iter = flatten(it.collect());
            let via_str = flatten(documents(text).collect());
            let diff = via_iter.iter().zip(&via_str).position(|(a, b)| a != b);
            assert_eq!(
                (via_iter.len(), via_iter.last()),
                (via_str.len(), via_str.last()),
                "{:?}",
                &text.get(..80)
            );
            assert_eq!(diff.map(|i| (&via_iter[i], &via_str[i])), None);
        }
    }

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
        // controller-gen CRDs: quoted descriptions continued at the key's indentation are
        // re-parsed padded (per scalar, from the start of its document); compare with the same
        // text indented so that saphyr takes it directly.
        let crd = |cont: &str| {
            let mut t = String::new();
            for d in 0..20 {
                t.push_str(&format!(
                    "---\nkind: CustomResourceDefinition\nmetadata:\n  name: c{d}\n\
                     spec:\n  properties:\n"
                ));
                for p in 0..100 {
                    t.push_str(&format!(
                        "    f{p}:\n      description: 'Specific resourceVersion to which this\n\
                         {cont}reference is made, if any. More info: https://git.k8s.io/x\n\
                         {cont}#concurrency-control-and-consistency'\n      type: string\n"
                    ));
                }
            }
            t
        };
        let (under, indented) = (crd("      "), crd("        "));
        let crd_mb = under.len() as f64 / 1e6;
        let padded = best(&|| {
            let (docs, err) = parse_stream(&under);
            assert_eq!(err, None);
            docs.len()
        });
        let direct = best(&|| {
            let (docs, err) = parse_stream(&indented);
            assert_eq!(err, None);
            docs.len()
        });
        println!(
            "CRD stream {crd_mb:.2} MB, 2,000 under-indented descriptions: padded {:.3}s = {:.1} MB/s; \
             indented (no padding) {:.3}s = {:.1} MB/s",
            padded,
            crd_mb / padded,
            direct,
            crd_mb / direct
        );
        // Worst case: every document of a long stream needs padding. Each is copied and
        // re-parsed on its own, so this stays linear.
        let mut every = String::new();
        for i in 0..20_000 {
            every.push_str(&format!(
                "---\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n  a: 'one two\n  three'\n"
            ));
        }
        let every_mb = every.len() as f64 / 1e6;
        let each = best(&|| {
            let (docs, err) = parse_stream(&every);
            assert_eq!(err, None);
            docs.len()
        });
        println!(
            "{every_mb:.2} MB, 20,000 documents each padded: {:.3}s = {:.1} MB/s",
            each,
            every_mb / each
        );
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
            "a:\n  b: 'x ü\n  y ''z'''\n  c: \"p\\\"\n  q\\\n  r\"\n  e:\n  - &k 'm\n  n'\n---\nd: 'e\nf'\n",
        ];
        for seed in seeds {
            assert_eq!(parse_stream(seed).1, None, "{seed:?}");
        }
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

    /// A block map whose string values are quoted and wrapped the way go-yaml's emitter
    /// (controller-gen) does it, continuation lines at a random indentation no deeper than
    /// the key's (so always under-indented for YAML 1.2).
    fn emit_wrapped(
        m: &std::collections::BTreeMap<String, WrappedVal>,
        indent: usize,
        out: &mut String,
    ) {
        for (k, v) in m {
            out.push_str(&" ".repeat(indent));
            out.push_str(k);
            out.push(':');
            match v {
                WrappedVal::Map(inner) if !inner.is_empty() => {
                    out.push('\n');
                    emit_wrapped(inner, indent + 2, out);
                }
                WrappedVal::Map(_) => out.push_str(" {}\n"),
                WrappedVal::Text(words, quote, wrap_at, cont) => {
                    out.push(' ');
                    out.push(*quote);
                    for (i, w) in words.iter().enumerate() {
                        if i > 0 && wrap_at.contains(&i) {
                            out.push('\n');
                            out.push_str(&" ".repeat(cont % (indent + 1)));
                        } else if i > 0 {
                            out.push(' ');
                        }
                        out.push_str(w);
                    }
                    out.push(*quote);
                    out.push('\n');
                }
            }
        }
    }

    #[derive(Clone, Debug)]
    enum WrappedVal {
        Map(std::collections::BTreeMap<String, WrappedVal>),
        /// Words, quote character, word indexes to break before, continuation indentation.
        Text(Vec<String>, char, Vec<usize>, usize),
    }

    fn wrapped_val() -> impl Strategy<Value = WrappedVal> {
        let text = (
            prop::collection::vec("[a-zé]{1,6}", 1..8),
            prop_oneof![Just('\''), Just('"')],
            prop::collection::vec(1usize..8, 0..4),
            0usize..12,
        )
            .prop_map(|(w, q, b, c)| WrappedVal::Text(w, q, b, c));
        text.prop_recursive(3, 24, 4, |inner| {
            prop::collection::btree_map("[a-z]{1,5}", inner, 0..4).prop_map(WrappedVal::Map)
        })
    }

    fn wrapped_json(v: &WrappedVal) -> J {
        match v {
            WrappedVal::Map(m) => J::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), wrapped_json(v)))
                    .collect(),
            ),
            WrappedVal::Text(words, ..) => J::String(words.join(" ")),
        }
    }

    /// Moves every position of a tree by `bytes` and `lines` (whole lines, so columns stay).
    fn shift(node: &mut Node, bytes: usize, lines: u32) {
        for p in [&mut node.start, &mut node.end] {
            p.offset += bytes;
            p.line += lines;
        }
        match &mut node.value {
            Value::Seq(items) => items.iter_mut().for_each(|n| shift(n, bytes, lines)),
            Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
                shift(k, bytes, lines);
                shift(v, bytes, lines);
            }),
            _ => {}
        }
    }

    /// Each quoted scalar's span runs from its opening to its closing quote.
    fn check_quoted_spans(text: &str, node: &Node) {
        match &node.value {
            Value::Map(entries) => entries
                .iter()
                .for_each(|(_, v)| check_quoted_spans(text, v)),
            Value::String(s) => {
                let src = &text[node.start.offset..node.end.offset];
                let q = src.chars().next().unwrap_or(' ');
                assert!(
                    matches!(q, '\'' | '"') && src.ends_with(q) && src.len() >= 2,
                    "{src:?}"
                );
                let words: Vec<_> = src[1..src.len() - 1].split_whitespace().collect();
                assert_eq!(words.join(" "), *s);
                assert_eq!(node.start.column, column_of(text, node.start.offset));
                assert_eq!(node.end.column, column_of(text, node.end.offset));
            }
            _ => {}
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
        fn go_yaml_wrapped_quoted_scalars(
            map in prop::collection::btree_map("[a-z]{1,5}", wrapped_val(), 1..5),
            docs in 1usize..4,
        ) {
            let mut one = String::new();
            emit_wrapped(&map, 0, &mut one);
            let text = vec![one.clone(); docs].join("---\n");
            let expected = wrapped_json(&WrappedVal::Map(map));
            let (parsed, err) = parse_stream(&text);
            prop_assert_eq!(err, None, "{}", text);
            prop_assert_eq!(parsed.len(), docs);
            for root in parsed.iter().filter_map(|d| d.root.as_ref()) {
                prop_assert_eq!(root.to_json(), expected.clone(), "{}", text);
                check_spans(&text, root);
                check_quoted_spans(&text, root);
            }
            // The copies are identical, so every node of a later one sits exactly one copy
            // (and one `---` line) further on, whichever copies needed padding.
            let first = parsed.first().and_then(|d| d.root.clone());
            for (k, doc) in parsed.iter().enumerate() {
                let mut want = first.clone();
                if let Some(root) = &mut want {
                    let lines = u32::try_from(k * (one.lines().count() + 1)).unwrap_or(0);
                    shift(root, k * (one.len() + 4), lines);
                }
                prop_assert_eq!(&doc.root, &want, "{}", text);
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

#[cfg(test)]
mod list_stream_tests {
    use super::*;

    fn lc(p: Pos) -> (u32, u32) {
        (p.line, p.column)
    }

    fn parse_one(text: &str) -> Node {
        let (docs, err) = parse_stream(text);
        assert_eq!(err, None);
        docs.into_iter().next().and_then(|d| d.root).expect("root")
    }

    /// Items and their positions, as `documents` keeps them in one tree.
    fn list_items(text: &str) -> Vec<Node> {
        let docs: Vec<Document> = documents(text).collect::<Result<_, _>>().expect("parses");
        let mut items = Vec::new();
        for doc in docs {
            match doc
                .root
                .as_ref()
                .and_then(|r| r.get("items"))
                .map(|n| &n.value)
            {
                Some(Value::Seq(seq)) => items.extend(seq.iter().cloned()),
                _ => items.extend(doc.root),
            }
        }
        items
    }

    /// Items as `objects` hands them over: one by one, or inside the List shell for those
    /// read again with padding.
    fn streamed(text: &str) -> Vec<Node> {
        let mut items = Vec::new();
        for doc in objects(text) {
            let root = doc.expect("parses").root.expect("root");
            match root.get("items").map(|n| &n.value) {
                Some(Value::Seq(seq)) => items.extend(seq.iter().cloned()),
                _ => items.push(root),
            }
        }
        items
    }

    #[test]
    fn objects_hands_over_list_items_one_by_one() {
        let text = "apiVersion: v1\nitems:\n- kind: A\n  metadata: {name: a}\n- kind: B\n  spec:\n    x: [1, 2]\nkind: List\n---\nkind: C\n";
        let docs: Vec<Node> = objects(text).map(|d| d.unwrap().root.unwrap()).collect();
        assert_eq!(
            docs.len(),
            4,
            "two items, the List shell, one more document"
        );
        assert_eq!(docs[0].get("kind").and_then(Node::as_str), Some("A"));
        assert_eq!(lc(docs[1].start), (5, 3));
        assert_eq!(
            docs[2].get("items").map(|n| &n.value),
            Some(&Value::Seq(Vec::new()))
        );
        assert_eq!(docs[2].get("kind").and_then(Node::as_str), Some("List"));
        assert_eq!(docs[3].get("kind").and_then(Node::as_str), Some("C"));
        assert_eq!(streamed(text), list_items(text));
    }

    #[test]
    fn objects_keeps_nested_and_merged_items_in_place() {
        // Only the top-level `items` of a document streams; a nested one stays in its tree.
        let text = "kind: X\nspec:\n  items: [1, 2]\n";
        let docs: Vec<Node> = objects(text).map(|d| d.unwrap().root.unwrap()).collect();
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].to_json(), parse_one(text).to_json());
    }

    #[test]
    fn objects_hands_each_item_over_once_when_a_later_item_needs_padding() {
        let text = "apiVersion: v1\nitems:\n- kind: A\n  metadata: {name: a}\n- kind: CustomResourceDefinition\n  spec:\n    description: 'Specific resourceVersion to which this reference\n    is made, if any.'\n- kind: C\n  metadata: {name: c}\nkind: List\n";
        let items = streamed(text);
        assert_eq!(items.len(), 3);
        assert_eq!(items, list_items(text));
        let kinds: Vec<&str> = items
            .iter()
            .filter_map(|n| n.get("kind").and_then(Node::as_str))
            .collect();
        assert_eq!(kinds, ["A", "CustomResourceDefinition", "C"]);
    }
}
