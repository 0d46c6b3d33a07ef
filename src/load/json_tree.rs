//! A JSON reader that builds the same span-preserving nodes as the YAML reader, several times
//! faster, and hands over a List's items one by one so that a large `kubectl get -o json` dump
//! is never held as one tree. Anything it does not accept is left to the YAML reader (JSON is
//! YAML), whose verdict is final.
//!
//! [`read_items`] goes further: a List's objects are checked to be JSON and handed over as spans
//! of the text, with no tree built, so that they can be typed straight from their text.

use std::cell::Cell;
use std::ops::Range;

use super::yaml_tree::{Node, ParseError, PathSeg, Pos, Value};

/// Reads a JSON text. Calls `emit` for the top-level value, or, when the top level is an object
/// with an `items` array (a List), for each item and then for the object without its items.
pub fn read(text: &str, emit: &mut dyn FnMut(Node)) -> Result<(), ParseError> {
    read_with(text, false, &mut |item| {
        // Without skimming every item is a tree.
        if let Item::Tree(node) = item {
            emit(node);
        }
    })
}

/// [`read`], with each object item of a List handed over as [`Item::Skimmed`]: checked, not
/// built. Whatever is not valid JSON is read into a tree, so errors are the ones [`read`] gives.
pub fn read_items(text: &str, emit: &mut dyn FnMut(Item)) -> Result<(), ParseError> {
    read_with(text, true, emit)
}

/// A document or List item, as [`read_items`] hands it over.
pub enum Item {
    Tree(Node),
    Skimmed(Skimmed),
}

/// An object item of a List that is valid JSON, with no tree built.
pub struct Skimmed {
    pub start: Pos,
    pub end: Pos,
    /// Where its `kind` and `apiVersion` strings are written (inside the quotes), when they are
    /// plain strings, without escapes.
    pub kind: Option<Range<usize>>,
    pub api_version: Option<Range<usize>>,
}

impl Skimmed {
    /// The item's text.
    pub fn text<'t>(&self, text: &'t str) -> Option<&'t str> {
        text.get(self.start.offset..self.end.offset)
    }

    /// The item read into a tree, with its positions in the whole text.
    pub fn tree(&self, text: &str) -> Result<Node, ParseError> {
        read_at(text, self.start, self.end.offset)
    }
}

/// Reads the one JSON value written at `start..end` of `text`, with positions as in the whole
/// text. A List's items are kept in it.
pub fn read_at(text: &str, start: Pos, end: usize) -> Result<Node, ParseError> {
    let body = text.get(start.offset..end).unwrap_or_default();
    let mut reader = Reader::new(body, false);
    let mut node = reader.value()?;
    reader.skip_ws();
    if reader.at != body.len() {
        return Err(reader.error("unexpected content after the JSON value"));
    }
    shift_from(&mut node, start);
    Ok(node)
}

/// What [`Node::locate`] answers for the JSON value written at `start..end` of `text`, found
/// by walking the text along `path` and skipping what is off it, building no tree: locating a
/// finding costs a skim of its object. `None` when the value is not JSON the skimmer accepts
/// (the tree reader then has the last word), or a key on the path is written with escapes.
pub fn locate_at(
    text: &str,
    start: Pos,
    end: usize,
    path: &[PathSeg],
    prefer_key: bool,
) -> Option<(Pos, Pos)> {
    let body = text.get(start.offset..end)?;
    let mut reader = Reader::new(body, false);
    reader.skip_ws();
    let root = reader.pos();
    let (from, to) = match reader.walk(path, prefer_key).ok()? {
        Walked::Found(from, to) => (from, to),
        Walked::Ends(to) => (root, to),
    };
    LOCATED.with(|n| n.set(n.get() + reader.at));
    Some((shifted(from, start), shifted(to, start)))
}

thread_local! {
    /// Bytes [`locate_at`] walked over, for the tests that hold locating linear.
    static LOCATED: Cell<usize> = const { Cell::new(0) };
}

/// How many bytes this thread's [`locate_at`] calls walked over.
pub fn located_bytes() -> usize {
    LOCATED.with(Cell::get)
}

/// Where a walk along a path ended.
enum Walked {
    /// The span to point at, found below the value walked.
    Found(Pos, Pos),
    /// The path's first step does not exist in the value, which ends here.
    Ends(Pos),
}

/// A position in a slice read alone, moved to where the slice starts in its file: the first
/// line also moves right by the slice's column.
fn shifted(mut p: Pos, start: Pos) -> Pos {
    if p.line == 1 {
        p.column += start.column - 1;
    }
    p.offset += start.offset;
    p.line += start.line - 1;
    p
}

/// Moves positions of a slice parsed alone to where the slice starts in its file.
pub(super) fn shift_from(node: &mut Node, start: Pos) {
    let fix = |p: &mut Pos| *p = shifted(*p, start);
    fix(&mut node.start);
    fix(&mut node.end);
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| shift_from(n, start)),
        Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            shift_from(k, start);
            shift_from(v, start);
        }),
        _ => {}
    }
}

fn read_with(text: &str, skim: bool, emit: &mut dyn FnMut(Item)) -> Result<(), ParseError> {
    let mut reader = Reader::new(text, skim);
    if reader.bytes.starts_with("\u{feff}".as_bytes()) {
        reader.at = 3;
    }
    reader.skip_ws();
    let root = if reader.peek() == Some(b'{') {
        reader.object(Some(emit))?
    } else {
        reader.value()?
    };
    reader.skip_ws();
    if reader.at != reader.bytes.len() {
        return Err(reader.error("unexpected content after the JSON value"));
    }
    emit(Item::Tree(root));
    Ok(())
}

/// Skimming found something it does not accept: the tree reader reads it again and reports it.
struct Malformed;

/// Where `kind` and `apiVersion` are written, found while skimming an object.
#[derive(Default)]
struct TopFields {
    kind: Option<Range<usize>>,
    api_version: Option<Range<usize>>,
}

thread_local! {
    /// Bytes scanned to count columns, for the test that holds it linear.
    static COLUMN_SCANNED: Cell<usize> = const { Cell::new(0) };
}

/// Nesting beyond this is refused (the YAML reader then reports it), so recursion stays
/// shallow.
const MAX_DEPTH: usize = 1000;

struct Reader<'t> {
    /// Whether a List's object items are skimmed instead of read into trees.
    skim: bool,
    bytes: &'t [u8],
    text: &'t str,
    at: usize,
    line: u32,
    line_start: usize,
    /// Whether the current line so far holds non-ASCII text: columns then count characters.
    line_has_non_ascii: bool,
    /// The last offset on such a line whose column was counted, and that column less one:
    /// counting goes on from there, so a long line (a one-line dump) is counted once, not once
    /// per node.
    column_mark: Cell<(usize, usize)>,
    depth: usize,
}

/// What skimming an item changes, to read it again from its start.
#[derive(Clone, Copy)]
struct Mark {
    at: usize,
    line: u32,
    line_start: usize,
    line_has_non_ascii: bool,
    column_mark: (usize, usize),
    depth: usize,
}

impl<'t> Reader<'t> {
    fn new(text: &'t str, skim: bool) -> Reader<'t> {
        Reader {
            skim,
            bytes: text.as_bytes(),
            text,
            at: 0,
            line: 1,
            line_start: 0,
            line_has_non_ascii: false,
            column_mark: Cell::new((0, 0)),
            depth: 0,
        }
    }

    fn mark(&self) -> Mark {
        Mark {
            at: self.at,
            line: self.line,
            line_start: self.line_start,
            line_has_non_ascii: self.line_has_non_ascii,
            column_mark: self.column_mark.get(),
            depth: self.depth,
        }
    }

    fn rewind(&mut self, mark: Mark) {
        self.at = mark.at;
        self.line = mark.line;
        self.line_start = mark.line_start;
        self.line_has_non_ascii = mark.line_has_non_ascii;
        self.column_mark.set(mark.column_mark);
        self.depth = mark.depth;
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn pos(&self) -> Pos {
        let column = if self.line_has_non_ascii {
            let (mark, counted) = match self.column_mark.get() {
                (mark, counted) if (self.line_start..=self.at).contains(&mark) => (mark, counted),
                _ => (self.line_start, 0),
            };
            COLUMN_SCANNED.with(|n| n.set(n.get() + (self.at - mark)));
            let column = counted
                + self
                    .text
                    .get(mark..self.at)
                    .map_or(0, |s| s.chars().count());
            self.column_mark.set((self.at, column));
            column
        } else {
            self.at - self.line_start
        };
        Pos {
            offset: self.at,
            line: self.line,
            column: column as u32 + 1,
        }
    }

    fn error(&self, message: &str) -> ParseError {
        ParseError {
            message: message.to_owned(),
            pos: self.pos(),
        }
    }

    fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'\t' | b'\r' => self.at += 1,
                b'\n' => {
                    self.at += 1;
                    self.line += 1;
                    self.line_start = self.at;
                    self.line_has_non_ascii = false;
                }
                _ => break,
            }
        }
    }

    fn expect(&mut self, b: u8, what: &str) -> Result<(), ParseError> {
        self.skip_ws();
        if self.peek() == Some(b) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.error(what))
        }
    }

    fn value(&mut self) -> Result<Node, ParseError> {
        self.skip_ws();
        match self.peek() {
            Some(b'{') => self.object(None),
            Some(b'[') => self.array(),
            Some(b'"') => {
                let start = self.pos();
                let s = self.string()?;
                Ok(self.node(Value::String(s), start))
            }
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.error("expected a JSON value")),
        }
    }

    fn node(&self, value: Value, start: Pos) -> Node {
        Node {
            value,
            start,
            end: self.pos(),
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Node, ParseError> {
        let start = self.pos();
        if self.bytes[self.at..].starts_with(word.as_bytes()) {
            self.at += word.len();
            Ok(self.node(value, start))
        } else {
            Err(self.error("expected a JSON value"))
        }
    }

    fn number(&mut self) -> Result<Node, ParseError> {
        let start = self.pos();
        let value = self
            .number_value()
            .ok_or_else(|| self.error("invalid number"))?;
        Ok(self.node(value, start))
    }

    /// Reads on over what may be part of a number; its value, if it is one.
    fn number_value(&mut self) -> Option<Value> {
        let begin = self.at;
        while let Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
        let text = &self.text[begin..self.at];
        if let Ok(i) = text.parse::<i64>() {
            Some(Value::Int(i))
        } else {
            text.parse::<f64>().ok().map(Value::Float)
        }
    }

    fn string(&mut self) -> Result<String, ParseError> {
        // At the opening quote.
        self.at += 1;
        let begin = self.at;
        // Fast path: no escapes.
        match self.string_run() {
            Some(b'"') => {
                let s = self.text[begin..self.at].to_owned();
                self.at += 1;
                return Ok(s);
            }
            Some(b'\n') => return Err(self.error("unterminated string")),
            _ => {}
        }
        let mut out = self.text[begin..self.at].to_owned();
        loop {
            match self.peek() {
                None | Some(b'\n') => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.at += 1;
                    let Some(esc) = self.peek() else {
                        return Err(self.error("unterminated string"));
                    };
                    self.at += 1;
                    match esc {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => match self.unicode_escape() {
                            Ok(c) => out.push(c),
                            Err(why) => return Err(self.error(why)),
                        },
                        _ => return Err(self.error("invalid escape in string")),
                    }
                }
                Some(_) => {
                    // Copy one whole character.
                    let rest = &self.text[self.at..];
                    let Some(c) = rest.chars().next() else {
                        return Err(self.error("unterminated string"));
                    };
                    if !c.is_ascii() {
                        self.line_has_non_ascii = true;
                    }
                    out.push(c);
                    self.at += c.len_utf8();
                }
            }
        }
    }

    /// After `\\u`: the character its four hex digits name, with a surrogate pair's second
    /// half; else what is wrong, with the reader where it is wrong.
    fn unicode_escape(&mut self) -> Result<char, &'static str> {
        const INVALID: &str = "invalid \\u escape";
        const UNPAIRED: &str = "unpaired surrogate in \\u escape";
        let first = self.hex4().ok_or(INVALID)?;
        let code = if (0xD800..0xDC00).contains(&first) {
            if !self.bytes[self.at..].starts_with(b"\\u") {
                return Err(UNPAIRED);
            }
            self.at += 2;
            let second = self.hex4().ok_or(INVALID)?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(UNPAIRED);
            }
            0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        } else {
            first
        };
        char::from_u32(code).ok_or(INVALID)
    }

    /// Four hex digits, read on only when they are.
    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.get(self.at..self.at + 4)?;
        let value = u32::from_str_radix(digits, 16).ok()?;
        self.at += 4;
        Some(value)
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("nesting too deep"));
        }
        Ok(())
    }

    fn array(&mut self) -> Result<Node, ParseError> {
        let start = self.pos();
        let mut items = Vec::new();
        self.elements(&mut |reader| {
            items.push(reader.value()?);
            Ok(())
        })?;
        Ok(self.node(Value::Seq(items), start))
    }

    /// Reads an array's elements with `each`, which reads one and hands it over.
    fn elements(
        &mut self,
        each: &mut dyn FnMut(&mut Self) -> Result<(), ParseError>,
    ) -> Result<(), ParseError> {
        self.enter()?;
        self.at += 1;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.at += 1;
        } else {
            loop {
                each(self)?;
                self.skip_ws();
                match self.peek() {
                    Some(b',') => self.at += 1,
                    Some(b']') => {
                        self.at += 1;
                        break;
                    }
                    _ => return Err(self.error("expected , or ] in array")),
                }
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// An object. At the top level (`emit` given), the elements of an `items` array are handed
    /// to `emit` as they are read instead of being kept.
    fn object(&mut self, mut emit: Option<&mut dyn FnMut(Item)>) -> Result<Node, ParseError> {
        let start = self.pos();
        self.enter()?;
        self.at += 1;
        let mut entries: Vec<(Node, Node)> = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.at += 1;
        } else {
            loop {
                self.skip_ws();
                if self.peek() != Some(b'"') {
                    return Err(self.error("expected a string key in object"));
                }
                let key_start = self.pos();
                let key = self.string()?;
                let key_node = self.node(Value::String(key), key_start);
                self.expect(b':', "expected : after object key")?;
                self.skip_ws();
                let value = match (&mut emit, &key_node.value, self.peek()) {
                    (Some(emit), Value::String(k), Some(b'[')) if k == "items" => {
                        self.streamed_items(&mut **emit)?
                    }
                    _ => self.value()?,
                };
                entries.push((key_node, value));
                self.skip_ws();
                match self.peek() {
                    Some(b',') => self.at += 1,
                    Some(b'}') => {
                        self.at += 1;
                        break;
                    }
                    _ => return Err(self.error("expected , or } in object")),
                }
            }
        }
        self.depth -= 1;
        Ok(self.node(Value::Map(entries), start))
    }

    /// A List's items, each handed over as soon as it is read; an empty array stands in.
    fn streamed_items(&mut self, emit: &mut dyn FnMut(Item)) -> Result<Node, ParseError> {
        let start = self.pos();
        self.elements(&mut |reader| {
            emit(reader.item()?);
            Ok(())
        })?;
        Ok(self.node(Value::Seq(Vec::new()), start))
    }

    /// One item of a List: skimmed when it is an object and skimming is on, else a tree.
    fn item(&mut self) -> Result<Item, ParseError> {
        self.skip_ws();
        if self.skim && self.peek() == Some(b'{') {
            let mark = self.mark();
            let start = self.pos();
            let mut fields = TopFields::default();
            if self.skip_object(Some(&mut fields)).is_ok() {
                return Ok(Item::Skimmed(Skimmed {
                    start,
                    end: self.pos(),
                    kind: fields.kind,
                    api_version: fields.api_version,
                }));
            }
            // The tree reader finds what is wrong, and says it as it always does.
            self.rewind(mark);
        }
        self.value().map(Item::Tree)
    }

    // Skimming: the grammar of the tree reader above, step for step, building nothing. What it
    // accepts, the tree reader accepts.

    fn skip_value(&mut self) -> Result<(), Malformed> {
        self.skip_ws();
        match self.peek() {
            Some(b'{') => self.skip_object(None),
            Some(b'[') => self.skip_array(),
            Some(b'"') => self.skip_string().map(drop),
            Some(b't') => self.skip_literal("true"),
            Some(b'f') => self.skip_literal("false"),
            Some(b'n') => self.skip_literal("null"),
            Some(b'-' | b'0'..=b'9') => self.number_value().map(drop).ok_or(Malformed),
            _ => Err(Malformed),
        }
    }

    fn skip_literal(&mut self, word: &str) -> Result<(), Malformed> {
        if self.bytes[self.at..].starts_with(word.as_bytes()) {
            self.at += word.len();
            Ok(())
        } else {
            Err(Malformed)
        }
    }

    /// Skips a string; returns where its text is when it has no escapes.
    fn skip_string(&mut self) -> Result<Option<Range<usize>>, Malformed> {
        self.at += 1;
        let begin = self.at;
        let mut plain = true;
        loop {
            match self.string_run() {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(plain.then_some(begin..self.at - 1));
                }
                Some(b'\\') => {
                    plain = false;
                    self.at += 1;
                    let Some(escape) = self.peek() else {
                        return Err(Malformed);
                    };
                    self.at += 1;
                    match escape {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                        b'u' => {
                            self.unicode_escape().map_err(|_| Malformed)?;
                        }
                        _ => return Err(Malformed),
                    }
                }
                _ => return Err(Malformed),
            }
        }
    }

    /// Moves past a string's characters up to its next quote, backslash or line break (a run
    /// at a time: strings are most of a dump's bytes), and returns that byte, or `None` at the
    /// end of the text.
    fn string_run(&mut self) -> Option<u8> {
        loop {
            let rest = &self.bytes[self.at..];
            self.at += crate::byte_scan::string_stop(rest, !self.line_has_non_ascii);
            match self.peek() {
                Some(b) if b >= 0x80 => {
                    self.line_has_non_ascii = true;
                    self.at += 1;
                }
                stop => return stop,
            }
        }
    }

    fn skip_array(&mut self) -> Result<(), Malformed> {
        self.enter().map_err(|_| Malformed)?;
        self.at += 1;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.at += 1;
        } else {
            loop {
                self.skip_value()?;
                if self.skip_separator(b']')? {
                    break;
                }
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// Skips an object; at an item's top (`fields` given), notes where `kind` and `apiVersion`
    /// are written. A key written twice counts as JSON reads it: the last one.
    fn skip_object(&mut self, mut fields: Option<&mut TopFields>) -> Result<(), Malformed> {
        self.enter().map_err(|_| Malformed)?;
        self.at += 1;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.at += 1;
        } else {
            loop {
                self.skip_ws();
                if self.peek() != Some(b'"') {
                    return Err(Malformed);
                }
                let key = self.skip_string()?;
                self.skip_ws();
                if self.peek() != Some(b':') {
                    return Err(Malformed);
                }
                self.at += 1;
                self.skip_ws();
                let noted = match (&mut fields, key.and_then(|k| self.text.get(k))) {
                    (Some(fields), Some("kind")) => Some(&mut fields.kind),
                    (Some(fields), Some("apiVersion")) => Some(&mut fields.api_version),
                    _ => None,
                };
                match noted {
                    Some(noted) if self.peek() == Some(b'"') => *noted = self.skip_string()?,
                    Some(noted) => {
                        *noted = None;
                        self.skip_value()?;
                    }
                    None => self.skip_value()?,
                }
                if self.skip_separator(b'}')? {
                    break;
                }
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// Walks the value ahead along `path`, as [`Node::locate`] does on its tree: the first
    /// entry of a key counts, a missing step points at the deepest value found (at its key,
    /// with `prefer_key`).
    fn walk(&mut self, path: &[PathSeg], prefer_key: bool) -> Result<Walked, Malformed> {
        self.skip_ws();
        match (path.first(), self.peek()) {
            (Some(PathSeg::Key(key)), Some(b'{')) => self.walk_object(key, &path[1..], prefer_key),
            (Some(PathSeg::Index(index)), Some(b'[')) => {
                self.walk_array(*index, &path[1..], prefer_key)
            }
            _ => {
                self.skip_value()?;
                Ok(Walked::Ends(self.pos()))
            }
        }
    }

    fn walk_object(
        &mut self,
        wanted: &str,
        rest: &[PathSeg],
        prefer_key: bool,
    ) -> Result<Walked, Malformed> {
        self.walk_members(b'}', |reader, _| {
            reader.skip_ws();
            if reader.peek() != Some(b'"') {
                return Err(Malformed);
            }
            let key_start = reader.pos();
            // A key with escapes is compared by the tree reader.
            let key = reader.skip_string()?.ok_or(Malformed)?;
            let key_end = reader.pos();
            reader.skip_ws();
            if reader.peek() != Some(b':') {
                return Err(Malformed);
            }
            reader.at += 1;
            if reader.text.get(key) != Some(wanted) {
                return Ok(None);
            }
            let key = prefer_key.then_some((key_start, key_end));
            reader.walk_below(key, rest, prefer_key).map(Some)
        })
    }

    fn walk_array(
        &mut self,
        wanted: usize,
        rest: &[PathSeg],
        prefer_key: bool,
    ) -> Result<Walked, Malformed> {
        self.walk_members(b']', |reader, index| {
            // An element has no key: it is pointed at itself.
            (index == wanted)
                .then(|| reader.walk_below(None, rest, prefer_key))
                .transpose()
        })
    }

    /// Walks the members of the object or array ahead (closed by `close`): `found` is asked
    /// at each member's start, with its position, whether the walk ends there; a member it
    /// passes over is skipped (an object's after `found` has read its key).
    fn walk_members(
        &mut self,
        close: u8,
        mut found: impl FnMut(&mut Self, usize) -> Result<Option<Walked>, Malformed>,
    ) -> Result<Walked, Malformed> {
        self.enter().map_err(|_| Malformed)?;
        self.at += 1;
        self.skip_ws();
        if self.peek() == Some(close) {
            self.at += 1;
        } else {
            for index in 0.. {
                if let Some(walked) = found(self, index)? {
                    return Ok(walked);
                }
                self.skip_value()?;
                if self.skip_separator(close)? {
                    break;
                }
            }
        }
        self.depth -= 1;
        Ok(Walked::Ends(self.pos()))
    }

    /// The value ahead was found on the path, after `key` when it is to be pointed at: the
    /// rest of the path is looked for in it.
    fn walk_below(
        &mut self,
        key: Option<(Pos, Pos)>,
        rest: &[PathSeg],
        prefer_key: bool,
    ) -> Result<Walked, Malformed> {
        if let (Some((start, end)), true) = (key, rest.is_empty()) {
            return Ok(Walked::Found(start, end));
        }
        self.skip_ws();
        let start = self.pos();
        Ok(match (self.walk(rest, prefer_key)?, key) {
            (found @ Walked::Found(..), _) => found,
            (Walked::Ends(_), Some((key_start, key_end))) => Walked::Found(key_start, key_end),
            (Walked::Ends(end), None) => Walked::Found(start, end),
        })
    }

    /// After an element: a comma goes on (false), `close` ends the array or object (true).
    fn skip_separator(&mut self, close: u8) -> Result<bool, Malformed> {
        self.skip_ws();
        match self.peek() {
            Some(b',') => {
                self.at += 1;
                Ok(false)
            }
            Some(b) if b == close => {
                self.at += 1;
                Ok(true)
            }
            _ => Err(Malformed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::yaml_tree;

    #[test]
    fn columns_on_a_long_line_with_non_ascii_text_are_counted_once() {
        let item =
            r#"{"kind":"PersistentVolume","metadata":{"name":"v","annotations":{"note":"café"}}}"#;
        let text = format!(
            r#"{{"kind":"List","items":[{}]}}"#,
            vec![item; 2000].join(",")
        );
        let before = COLUMN_SCANNED.with(Cell::get);
        let nodes = read_all(&text).unwrap();
        let scanned = COLUMN_SCANNED.with(Cell::get) - before;
        assert!(
            scanned <= text.len(),
            "{scanned} bytes scanned for a {}-byte line",
            text.len()
        );
        // The last item's columns are still counted in characters.
        let last = &nodes[1999];
        let chars_before = text[..last.start.offset].chars().count();
        assert_eq!(last.start.column as usize, chars_before + 1);
        let end_chars = text[..last.end.offset].chars().count();
        assert_eq!(last.end.column as usize, end_chars + 1);
        // Nodes inside an item, after non-ASCII text on the line, as the YAML reader places them.
        let three = format!("[{}]", [item; 3].join(","));
        let json = read_all(&three).unwrap().pop().unwrap();
        let yaml = yaml_tree::parse_stream(&three).0.remove(0).root.unwrap();
        let (Value::Seq(json), Value::Seq(yaml)) = (json.value, yaml.value) else {
            panic!("arrays expected");
        };
        for (j, y) in json.iter().zip(&yaml) {
            assert_eq!((j.start, j.end), (y.start, y.end));
        }
    }

    /// Every path to a node of `node`, each with a missing key and index below it.
    fn paths(
        node: &Node,
        prefix: &mut Vec<yaml_tree::PathSegOwned>,
        out: &mut Vec<Vec<yaml_tree::PathSegOwned>>,
    ) {
        use yaml_tree::PathSegOwned as Seg;
        out.push(prefix.clone());
        for missing in [Seg::Key("absent".into()), Seg::Index(99)] {
            prefix.push(missing);
            out.push(prefix.clone());
            prefix.pop();
        }
        match &node.value {
            Value::Map(entries) => {
                for (k, v) in entries {
                    prefix.push(Seg::Key(k.as_str().unwrap_or_default().to_owned()));
                    paths(v, prefix, out);
                    prefix.pop();
                }
            }
            Value::Seq(items) => {
                for (i, v) in items.iter().enumerate() {
                    prefix.push(Seg::Index(i));
                    paths(v, prefix, out);
                    prefix.pop();
                }
            }
            _ => {}
        }
    }

    #[test]
    fn walking_to_a_field_finds_what_the_tree_finds() {
        let object = r#"{"kind":"PersistentVolume","metadata":{"name":"v","labels":{},"annotations":{"note":"café","k":"v"}},
  "spec": {"accessModes": ["ReadWriteOnce", "ReadOnlyMany"], "capacity": {"storage": "1Gi"},
    "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a", "b"]}]}, {}]}},
    "empty": [], "n": -1.5e3, "t": true, "nil": null, "dup": 1, "dup": [2]}}"#;
        // Alone, after other text on its line, and on a later line.
        for prefix in ["", r#"{"kind":"List","items":["#, "[\n  1,\n  "] {
            let text = format!("{prefix}{object}");
            let start_offset = prefix.len();
            let line_start = text[..start_offset].rfind('\n').map_or(0, |i| i + 1);
            let start = Pos {
                offset: start_offset,
                line: 1 + text[..start_offset].matches('\n').count() as u32,
                column: text[line_start..start_offset].chars().count() as u32 + 1,
            };
            let end = text.len();
            let tree = read_at(&text, start, end).unwrap();
            let mut all = Vec::new();
            paths(&tree, &mut Vec::new(), &mut all);
            assert!(all.len() > 60, "{}", all.len());
            for path in &all {
                let path = yaml_tree::borrow_path(path);
                for prefer_key in [true, false] {
                    assert_eq!(
                        locate_at(&text, start, end, &path, prefer_key),
                        Some(tree.locate(&path, prefer_key)),
                        "{path:?} prefer_key {prefer_key} after {prefix:?}"
                    );
                }
            }
        }
        // What the walker does not take, the tree reader reads.
        let escaped = r#"{"a\u0062": 1}"#;
        let start = Pos {
            offset: 0,
            line: 1,
            column: 1,
        };
        let path = [yaml_tree::PathSeg::Key("ab")];
        assert_eq!(locate_at(escaped, start, escaped.len(), &path, true), None);
        assert_eq!(locate_at("{\"a\": tru}", start, 11, &path, true), None);
    }

    fn read_all(text: &str) -> Result<Vec<Node>, ParseError> {
        let mut nodes = Vec::new();
        read(text, &mut |n| nodes.push(n))?;
        Ok(nodes)
    }

    /// The JSON reader builds the same values and positions as the YAML reader.
    fn same_as_yaml(text: &str) {
        let json = read_all(text).unwrap();
        let (docs, err) = yaml_tree::parse_stream(text);
        assert!(err.is_none(), "{err:?}");
        let yaml = docs.into_iter().next().unwrap().root.unwrap();
        let last = json.last().unwrap();
        assert_eq!(last.to_json(), yaml.to_json());
        assert_eq!(last.start, yaml.start);
    }

    #[test]
    fn values_and_positions_match_the_yaml_reader() {
        same_as_yaml(r#"{"a": 1, "b": [true, null, -2.5e3], "c": {"d": "e\"f\u00fc"}}"#);
        same_as_yaml("{\n  \"kind\": \"PersistentVolume\",\n  \"spec\": {\"capacity\": {\"storage\": \"1Gi\"}}\n}\n");
        same_as_yaml("[1, 2, {\"x\": []}]");
    }

    #[test]
    fn list_items_are_handed_over_one_by_one() {
        let text = "{\n  \"apiVersion\": \"v1\",\n  \"items\": [\n    {\"kind\": \"A\"},\n    {\"kind\": \"B\", \"ü\": 1}\n  ],\n  \"kind\": \"List\"\n}";
        let nodes = read_all(text).unwrap();
        assert_eq!(nodes.len(), 3);
        assert_eq!(nodes[0].get("kind").and_then(Node::as_str), Some("A"));
        assert_eq!((nodes[0].start.line, nodes[0].start.column), (4, 5));
        assert_eq!((nodes[1].start.line, nodes[1].start.column), (5, 5));
        let key = nodes[1].locate(&[yaml_tree::PathSeg::Key("ü")], true).0;
        assert_eq!((key.line, key.column), (5, 19));
        assert_eq!(&text[key.offset..key.offset + 4], "\"ü\"");
        // The List itself comes last, without its items.
        assert_eq!(nodes[2].get("kind").and_then(Node::as_str), Some("List"));
    }

    #[test]
    fn surrogate_pairs_decode() {
        let nodes = read_all(r#"{"e": "\ud83d\ude00"}"#).unwrap();
        assert_eq!(nodes[0].get("e").and_then(Node::as_str), Some("😀"));
    }

    #[test]
    fn escapes_and_numbers_are_refused_where_they_go_wrong() {
        for (text, message, column) in [
            (r#"["\u12"]"#, "invalid \\u escape", 5),
            (r#""\ud800""#, "unpaired surrogate in \\u escape", 8),
            (r#""\ud800\u0041""#, "unpaired surrogate in \\u escape", 14),
            (r#""\udc00""#, "invalid \\u escape", 8),
            ("1.2.3", "invalid number", 6),
        ] {
            let error = read_all(text).err().unwrap();
            assert_eq!(
                (error.message.as_str(), error.pos.column),
                (message, column),
                "{text}"
            );
            // Skimming a List's item refuses it the same way, at the same place.
            let list = format!(r#"{{"items":[{{"a":{text}}}]}}"#);
            let skimmed = read_items(&list, &mut |_| {}).err().unwrap();
            let read = read(&list, &mut |_| {}).err().unwrap();
            assert_eq!(skimmed.message, read.message, "{text}");
            assert_eq!(skimmed.pos, read.pos, "{text}");
            assert_eq!(skimmed.message, message, "{text}");
        }
    }

    #[test]
    fn invalid_json_is_refused_without_panicking() {
        for text in [
            "{",
            "{\"a\" 1}",
            "[1,]",
            "{\"a\": tru}",
            "\"\\ud800\"",
            "{} x",
            "{\"a\": \"\\q\"}",
            "",
            "-",
            "[\"\\u12\"]",
        ] {
            assert!(read_all(text).is_err(), "{text:?}");
        }
        let deep = "[".repeat(5000);
        assert!(read_all(&deep).is_err());
    }
}
