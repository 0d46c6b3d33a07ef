//! A JSON reader that builds the same span-preserving nodes as the YAML reader, several times
//! faster, and hands over a List's items one by one so that a large `kubectl get -o json` dump
//! is never held as one tree. Anything it does not accept is left to the YAML reader (JSON is
//! YAML), whose verdict is final.

use std::cell::Cell;

use super::yaml_tree::{Node, ParseError, Pos, Value};

/// Reads a JSON text. Calls `emit` for the top-level value, or, when the top level is an object
/// with an `items` array (a List), for each item and then for the object without its items.
pub fn read(text: &str, emit: &mut dyn FnMut(Node)) -> Result<(), ParseError> {
    let mut reader = Reader {
        bytes: text.as_bytes(),
        text,
        at: 0,
        line: 1,
        line_start: 0,
        line_has_non_ascii: false,
        column_mark: Cell::new((0, 0)),
        depth: 0,
    };
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
    emit(root);
    Ok(())
}

thread_local! {
    /// Bytes scanned to count columns, for the test that holds it linear.
    static COLUMN_SCANNED: Cell<usize> = const { Cell::new(0) };
}

/// Nesting beyond this is refused (the YAML reader then reports it), so recursion stays
/// shallow.
const MAX_DEPTH: usize = 1000;

struct Reader<'t> {
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

impl Reader<'_> {
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
        let begin = self.at;
        while let Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
        let text = &self.text[begin..self.at];
        let value = if let Ok(i) = text.parse::<i64>() {
            Value::Int(i)
        } else if let Ok(f) = text.parse::<f64>() {
            Value::Float(f)
        } else {
            return Err(self.error("invalid number"));
        };
        Ok(self.node(value, start))
    }

    fn string(&mut self) -> Result<String, ParseError> {
        // At the opening quote.
        self.at += 1;
        let begin = self.at;
        // Fast path: no escapes.
        while let Some(b) = self.peek() {
            match b {
                b'"' => {
                    let s = self.text[begin..self.at].to_owned();
                    self.at += 1;
                    return Ok(s);
                }
                b'\\' => break,
                b'\n' => return Err(self.error("unterminated string")),
                b if b >= 0x80 => {
                    self.line_has_non_ascii = true;
                    self.at += 1;
                }
                _ => self.at += 1,
            }
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
                        b'u' => {
                            let first = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&first) {
                                if !self.bytes[self.at..].starts_with(b"\\u") {
                                    return Err(self.error("unpaired surrogate in \\u escape"));
                                }
                                self.at += 2;
                                let second = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&second) {
                                    return Err(self.error("unpaired surrogate in \\u escape"));
                                }
                                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                            } else {
                                first
                            };
                            match char::from_u32(c) {
                                Some(c) => out.push(c),
                                None => return Err(self.error("invalid \\u escape")),
                            }
                        }
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

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let digits = self
            .text
            .get(self.at..self.at + 4)
            .ok_or_else(|| self.error("invalid \\u escape"))?;
        let value =
            u32::from_str_radix(digits, 16).map_err(|_| self.error("invalid \\u escape"))?;
        self.at += 4;
        Ok(value)
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
        self.elements(&mut |item| items.push(item))?;
        Ok(self.node(Value::Seq(items), start))
    }

    /// Reads an array's elements, handing each over as soon as it is read.
    fn elements(&mut self, each: &mut dyn FnMut(Node)) -> Result<(), ParseError> {
        self.enter()?;
        self.at += 1;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.at += 1;
        } else {
            loop {
                each(self.value()?);
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
    fn object(&mut self, mut emit: Option<&mut dyn FnMut(Node)>) -> Result<Node, ParseError> {
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
    fn streamed_items(&mut self, emit: &mut dyn FnMut(Node)) -> Result<Node, ParseError> {
        let start = self.pos();
        self.elements(emit)?;
        Ok(self.node(Value::Seq(Vec::new()), start))
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
