//! A fast reader for the YAML that `kubectl get -o yaml` and most generators write: block
//! mappings and sequences, one-line scalars (plain, or quoted without rare escapes), literal
//! block scalars and the empty flow collections `{}` and `[]`, in ASCII without tabs or
//! comments. It hands the tree builder the events saphyr's parser would, with the same spans,
//! so that everything after the parser is shared. On anything else it gives up, and the
//! document is read by saphyr from its start: the result is saphyr's either way (the tests
//! compare the two on every document this reader takes).

use std::borrow::Cow;
use std::collections::VecDeque;

use saphyr_parser::{Event, Marker, ScalarStyle, Span};

/// The reader met something it leaves to saphyr.
#[derive(Debug)]
pub(super) struct GiveUp;

/// An open block collection.
#[derive(Clone, Copy, Debug)]
enum Block {
    /// A mapping whose keys sit at this column.
    Map(usize),
    /// A sequence whose dashes sit at this column.
    Seq(usize),
}

impl Block {
    /// The event that closes it.
    fn end(self) -> Event<'static> {
        match self {
            Block::Map(_) => Event::MappingEnd,
            Block::Seq(_) => Event::SequenceEnd,
        }
    }
}

/// What the line just read left open.
#[derive(Clone, Copy, Debug)]
enum Open {
    /// Nothing: the next line starts an entry of an open collection (or ends some).
    Nothing,
    /// A key whose value starts on a later line: its colon, where an empty value sits.
    Value { colon: Marker, key_column: usize },
}

pub(super) struct FastEvents<'t> {
    text: &'t str,
    bytes: &'t [u8],
    /// Offset of the next line to read, and its number (1-based).
    at: usize,
    line: usize,
    events: VecDeque<(Event<'t>, Span)>,
    blocks: Vec<Block>,
    open: Open,
    /// After a scalar entry, lines indented past this column would continue the scalar.
    scalar_owner: Option<usize>,
    /// Inside a document (its start emitted).
    in_document: bool,
    /// The document's root has started.
    root_started: bool,
    ended: bool,
}

/// [`plain_char`] of every byte: keys are checked a byte at a time.
const PLAIN_CHARS: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = plain_char(b as u8);
        b += 1;
    }
    table
};

fn is_plain_char(b: u8) -> bool {
    PLAIN_CHARS[usize::from(b)]
}

const fn plain_char(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'_'
                | b'.'
                | b'/'
                | b'+'
                | b'='
                | b'~'
                | b'('
                | b')'
                | b';'
                | b'<'
                | b'$'
                | b'^'
                | b'\\'
        )
}

impl<'t> FastEvents<'t> {
    /// A reader from `at`, the start of line `line` of `text`, between documents. `text` must
    /// be ASCII (offsets are then saphyr's char indices).
    pub(super) fn new(text: &'t str, at: usize, line: usize, stream_start: bool) -> Self {
        let mut events = VecDeque::new();
        if stream_start {
            let m = Marker::new(0, 1, 0);
            events.push_back((Event::StreamStart, Span::empty(m)));
        }
        FastEvents {
            text,
            bytes: text.as_bytes(),
            at,
            line,
            events,
            blocks: Vec::new(),
            open: Open::Nothing,
            scalar_owner: None,
            in_document: false,
            root_started: false,
            ended: false,
        }
    }

    pub(super) fn next_event(&mut self) -> Result<Option<(Event<'t>, Span)>, GiveUp> {
        while self.events.is_empty() {
            if self.ended {
                return Ok(None);
            }
            self.read_line()?;
        }
        Ok(self.events.pop_front())
    }

    /// The marker of `offset`, on line `line`, which starts at `line_start`.
    fn marker(&self, offset: usize, line: usize, line_start: usize) -> Marker {
        Marker::new(offset, line, offset - line_start)
    }

    fn push(&mut self, event: Event<'t>, start: Marker, end: Marker) {
        self.events.push_back((event, Span::new(start, end)));
    }

    /// The marker saphyr gives the end of the text, `line` being the number the line after
    /// the last would have (saphyr counts an unterminated last line as ended).
    fn end_marker(&self, line: usize) -> Marker {
        Marker::new(self.bytes.len(), line, 0)
    }

    /// Where the line starting at `from` ends (its line break, or the end of the text).
    fn line_end(&self, from: usize) -> usize {
        memchr::memchr(b'\n', &self.bytes[from..]).map_or(self.bytes.len(), |i| from + i)
    }

    /// Reads one line (or the end of the text) into events.
    fn read_line(&mut self) -> Result<(), GiveUp> {
        let start = self.at;
        if start >= self.bytes.len() {
            let end = self.end_marker(self.line);
            self.end_document(end, end)?;
            self.push(Event::StreamEnd, end, end);
            self.ended = true;
            return Ok(());
        }
        let eol = self.line_end(start);
        let line = &self.bytes[start..eol];
        let number = self.line;
        self.at = eol + 1;
        self.line += 1;
        if crate::byte_scan::contains_any(line, [b'\t', b'\r', b'#']) {
            return Err(GiveUp);
        }
        let indent = indentation(line);
        if indent == line.len() {
            // A blank line: only empty ones, which no scalar here can hold.
            return if line.is_empty() { Ok(()) } else { Err(GiveUp) };
        }
        if line.starts_with(b"---") {
            if line.len() != 3 {
                return Err(GiveUp);
            }
            let from = self.marker(start, number, start);
            let to = self.marker(start + 3, number, start);
            if self.in_document {
                self.end_document(from, to)?;
            }
            self.push(Event::DocumentStart(true), from, to);
            self.in_document = true;
            return Ok(());
        }
        if line.starts_with(b"...") || line[0] == b'%' {
            return Err(GiveUp);
        }
        let content = start + indent;
        let here = self.marker(content, number, start);
        if !self.in_document {
            self.push(Event::DocumentStart(false), here, here);
            self.in_document = true;
        }
        if let Some(owner) = self.scalar_owner.take() {
            if indent > owner {
                return Err(GiveUp);
            }
        }
        let dash = line[indent] == b'-' && line.get(indent + 1).is_none_or(|&b| b == b' ');
        // A value left open on the previous line starts here, or is empty.
        if let Open::Value { colon, key_column } = self.open {
            self.open = Open::Nothing;
            if dash && indent >= key_column {
                let item = self.item_content(line, indent)?;
                let m = self.marker(start + item, number, start);
                self.push(Event::SequenceStart(0, None), m, m);
                self.blocks.push(Block::Seq(indent));
                return self.entry(line, start, number, Some(item));
            }
            if !dash && indent > key_column {
                self.push(Event::MappingStart(0, None), here, here);
                self.blocks.push(Block::Map(indent));
                return self.entry(line, start, number, None);
            }
            self.push(
                Event::Scalar(Cow::Borrowed(""), ScalarStyle::Plain, 0, None),
                colon,
                colon,
            );
        }
        // Close what this line is outside of.
        while let Some(&block) = self.blocks.last() {
            let close = match block {
                Block::Map(column) => indent < column,
                Block::Seq(column) => indent < column || (indent == column && !dash),
            };
            if !close {
                break;
            }
            self.blocks.pop();
            self.push(block.end(), here, here);
        }
        match self.blocks.last() {
            None => {
                // The document's root: a mapping, at any column (an object located in a List
                // is read again with its first line blanked up to its column).
                if dash || self.root_started {
                    return Err(GiveUp);
                }
                self.root_started = true;
                self.push(Event::MappingStart(0, None), here, here);
                self.blocks.push(Block::Map(indent));
                self.entry(line, start, number, None)
            }
            Some(&Block::Map(column)) if column == indent && !dash => {
                self.entry(line, start, number, None)
            }
            Some(&Block::Seq(column)) if column == indent && dash => {
                let item = self.item_content(line, indent)?;
                self.entry(line, start, number, Some(item))
            }
            _ => Err(GiveUp),
        }
    }

    /// Where the content of the sequence item on `line` starts (after `- ` and blanks).
    fn item_content(&self, line: &[u8], indent: usize) -> Result<usize, GiveUp> {
        let after = indent + 1;
        let blanks = indentation(&line[after..]);
        let item = after + blanks;
        if blanks == 0 || item >= line.len() || line[item] == b'-' {
            return Err(GiveUp);
        }
        Ok(item)
    }

    /// Reads the entry of `line`: a sequence item's content at `item`, or a mapping entry at
    /// the line's indentation.
    fn entry(
        &mut self,
        line: &[u8],
        start: usize,
        number: usize,
        item: Option<usize>,
    ) -> Result<(), GiveUp> {
        let from = item.unwrap_or_else(|| indentation(line));
        let key_end = key_end(line, from);
        match (item, key_end) {
            (Some(item), Some(colon)) => {
                // A mapping written on the item's line.
                let m = self.marker(start + item, number, start);
                self.push(Event::MappingStart(0, None), m, m);
                self.blocks.push(Block::Map(item));
                self.key_value(line, start, number, item, colon)
            }
            (None, Some(colon)) => self.key_value(line, start, number, from, colon),
            // A literal block as a sequence item is left to saphyr.
            (Some(item), None) if line[item] == b'|' => Err(GiveUp),
            (Some(item), None) => self.value(line, start, number, item, indentation(line)),
            (None, None) => Err(GiveUp),
        }
    }

    /// A `key: value` or `key:` at `from`, its colon at `colon` ([`key_end`]).
    fn key_value(
        &mut self,
        line: &[u8],
        start: usize,
        number: usize,
        from: usize,
        colon: usize,
    ) -> Result<(), GiveUp> {
        let key = &self.text[start + from..start + colon];
        let (a, b) = (
            self.marker(start + from, number, start),
            self.marker(start + colon, number, start),
        );
        self.push(
            Event::Scalar(Cow::Borrowed(key), ScalarStyle::Plain, 0, None),
            a,
            b,
        );
        let value = colon + 1 + indentation(&line[colon + 1..]);
        if value >= line.len() {
            self.open = Open::Value {
                colon: b,
                key_column: from,
            };
            return Ok(());
        }
        if value == colon + 1 {
            return Err(GiveUp);
        }
        self.value(line, start, number, value, from)
    }

    /// A value at `from` of `line`, of an entry whose owner (key or dash) is at column `owner`.
    fn value(
        &mut self,
        line: &[u8],
        start: usize,
        number: usize,
        from: usize,
        owner: usize,
    ) -> Result<(), GiveUp> {
        let m = |at: usize| Marker::new(start + at, number, at);
        let rest = &line[from..];
        match rest[0] {
            quote @ (b'"' | b'\'') => {
                let (read, style): (Quoted, _) = if quote == b'"' {
                    (double_quoted, ScalarStyle::DoubleQuoted)
                } else {
                    (single_quoted, ScalarStyle::SingleQuoted)
                };
                let (value, close) = read(&self.text[start + from..start + line.len()])?;
                only_blanks(&rest[close..])?;
                self.push(
                    Event::Scalar(value, style, 0, None),
                    m(from),
                    m(from + close),
                );
            }
            b'{' | b'[' => {
                let (open, close, closer) = if rest[0] == b'{' {
                    (Event::MappingStart(0, None), Event::MappingEnd, b'}')
                } else {
                    (Event::SequenceStart(0, None), Event::SequenceEnd, b']')
                };
                if rest.get(1) != Some(&closer) {
                    return Err(GiveUp);
                }
                only_blanks(&rest[2..])?;
                self.push(open, m(from), m(from + 1));
                self.push(close, m(from + 1), m(from + 2));
            }
            b'|' => {
                let strip = match &rest[1..] {
                    [] => false,
                    [b'-'] => true,
                    _ => return Err(GiveUp),
                };
                self.literal(owner, strip)?;
                return Ok(());
            }
            first => {
                let safe_start = is_plain_char(first)
                    && !(first == b'-' && rest.get(1).is_some_and(|&b| b == b' ' || b == b'-'));
                if !safe_start {
                    return Err(GiveUp);
                }
                let end = rest.len() - rest.iter().rev().take_while(|&&b| b == b' ').count();
                let scalar = &rest[..end];
                if colon_then_blank(scalar)
                    || scalar.ends_with(b":")
                    || scalar.iter().any(|&b| {
                        matches!(
                            b,
                            b'{' | b'}'
                                | b'['
                                | b']'
                                | b','
                                | b'&'
                                | b'*'
                                | b'!'
                                | b'|'
                                | b'>'
                                | b'"'
                                | b'\''
                                | b'%'
                                | b'@'
                                | b'`'
                                | b'?'
                        )
                    })
                {
                    return Err(GiveUp);
                }
                let text = &self.text[start + from..start + from + end];
                self.push(
                    Event::Scalar(Cow::Borrowed(text), ScalarStyle::Plain, 0, None),
                    m(from),
                    m(from + end),
                );
            }
        }
        self.scalar_owner = Some(owner);
        Ok(())
    }

    /// A literal block scalar whose header ended the line just read; its owner (key) is at
    /// column `owner`.
    fn literal(&mut self, owner: usize, strip: bool) -> Result<(), GiveUp> {
        let mut value = String::new();
        // The content's column, and where and on which line it starts.
        let mut content: Option<(usize, usize, usize)> = None;
        while self.at < self.bytes.len() {
            let start = self.at;
            let eol = self.line_end(start);
            let line = &self.bytes[start..eol];
            let indent = indentation(line);
            if eol == self.bytes.len() && indent < line.len() {
                // A last line without its line break: chomping would tell.
                return Err(GiveUp);
            }
            if line.is_empty() {
                if content.is_none() {
                    return Err(GiveUp);
                }
                value.push('\n');
            } else {
                if indent == line.len() || line.iter().any(|&b| matches!(b, b'\t' | b'\r')) {
                    return Err(GiveUp);
                }
                let column = match content {
                    Some((column, _, _)) => column,
                    None if indent > owner => {
                        content = Some((indent, start + indent, self.line));
                        indent
                    }
                    None => return Err(GiveUp),
                };
                if indent < column {
                    if indent > owner {
                        return Err(GiveUp);
                    }
                    break;
                }
                value.push_str(&self.text[start + column..eol]);
                value.push('\n');
            }
            self.at = eol + 1;
            self.line += 1;
        }
        let Some((_, first, first_line)) = content else {
            return Err(GiveUp);
        };
        let kept = value.trim_end_matches('\n').len();
        value.truncate(kept);
        if !strip {
            value.push('\n');
        }
        let line_start = self.text[..first].rfind('\n').map_or(0, |i| i + 1);
        let from = Marker::new(first, first_line, first - line_start);
        // saphyr ends the scalar at the next token: the next line's content, or the text's end.
        let to = self.next_token_marker()?;
        self.push(
            Event::Scalar(Cow::Owned(value), ScalarStyle::Literal, 0, None),
            from,
            to,
        );
        self.scalar_owner = Some(owner);
        Ok(())
    }

    /// The marker of the next token after the line just read: the first content of the next
    /// line that has some, or the end of the text.
    fn next_token_marker(&self) -> Result<Marker, GiveUp> {
        let mut at = self.at;
        let mut line = self.line;
        while at < self.bytes.len() {
            let eol = self.line_end(at);
            let text = &self.bytes[at..eol];
            let indent = indentation(text);
            if indent < text.len() {
                return Ok(Marker::new(at + indent, line, indent));
            }
            if !text.is_empty() {
                return Err(GiveUp);
            }
            at = eol + 1;
            line += 1;
        }
        Ok(self.end_marker(line))
    }

    /// Closes the document at `from..to` (a `---` or the end of the text).
    fn end_document(&mut self, from: Marker, to: Marker) -> Result<(), GiveUp> {
        if !self.in_document {
            return Ok(());
        }
        if let Open::Value { .. } = self.open {
            // An empty value at the document's end: left to saphyr.
            return Err(GiveUp);
        }
        if self.blocks.is_empty() {
            // An empty document.
            return Err(GiveUp);
        }
        while let Some(block) = self.blocks.pop() {
            self.push(block.end(), from, from);
        }
        self.scalar_owner = None;
        self.push(Event::DocumentEnd, from, to);
        self.in_document = false;
        self.root_started = false;
        Ok(())
    }
}

/// The spaces a line starts with.
fn indentation(line: &[u8]) -> usize {
    line.iter().take_while(|&&b| b == b' ').count()
}

/// The end of the plain key starting at `from` (the offset of its colon), if the line is a
/// `key:` or `key: value` entry with a key this reader takes.
fn key_end(line: &[u8], from: usize) -> Option<usize> {
    let rest = &line[from..];
    // The first colon followed by a blank or the end of the line.
    let colon = memchr::memchr_iter(b':', rest)
        .find(|&colon| matches!(rest.get(colon + 1), None | Some(b' ')))?;
    let key = &rest[..colon];
    let first = *key.first()?;
    if !(first.is_ascii_alphanumeric() || first == b'_' || first == b'/' || first == b'.')
        || !key.iter().all(|&b| is_plain_char(b))
    {
        return None;
    }
    Some(from + colon)
}

/// Whether `bytes` hold a colon followed by a blank (`: `).
fn colon_then_blank(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b':', bytes).any(|colon| bytes.get(colon + 1) == Some(&b' '))
}

/// Only blanks to the end of the line.
fn only_blanks(rest: &[u8]) -> Result<(), GiveUp> {
    if rest.iter().all(|&b| b == b' ') {
        Ok(())
    } else {
        Err(GiveUp)
    }
}

/// A quoted scalar's value: what was `copied` of it (escapes undone) and the rest of its text
/// from `from` up to `close`, its closing quote; borrowed when nothing had to be undone.
fn quoted_value(text: &str, copied: Option<String>, from: usize, close: usize) -> Cow<'_, str> {
    match copied {
        None => Cow::Borrowed(&text[1..close]),
        Some(mut value) => {
            value.push_str(&text[from..close]);
            Cow::Owned(value)
        }
    }
}

/// What was `copied` of a quoted scalar, with its text from `from` to `to` added.
fn copy_up_to<'v>(
    copied: &'v mut Option<String>,
    text: &str,
    from: usize,
    to: usize,
) -> &'v mut String {
    let value = copied.get_or_insert_with(String::new);
    value.push_str(&text[from..to]);
    value
}

/// Reads a quoted scalar at the start of `text`: its value and the offset past the closing quote.
type Quoted = for<'t> fn(&'t str) -> Result<(Cow<'t, str>, usize), GiveUp>;

/// A double-quoted scalar at the start of `text` (one line): its value and the offset after
/// its closing quote.
fn double_quoted(text: &str) -> Result<(Cow<'_, str>, usize), GiveUp> {
    let bytes = text.as_bytes();
    let mut value: Option<String> = None;
    let mut i = 1;
    let mut copied = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => return Ok((quoted_value(text, value, copied, i), i + 1)),
            b'\\' => {
                let v = copy_up_to(&mut value, text, copied, i);
                let escaped = match bytes.get(i + 1).ok_or(GiveUp)? {
                    b'"' => '"',
                    b'\\' => '\\',
                    b'n' => '\n',
                    b't' => '\t',
                    b'r' => '\r',
                    b'u' => {
                        let hex = text.get(i + 2..i + 6).ok_or(GiveUp)?;
                        let code = u32::from_str_radix(hex, 16).map_err(|_| GiveUp)?;
                        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                            return Err(GiveUp);
                        }
                        let c = char::from_u32(code).ok_or(GiveUp)?;
                        v.push(c);
                        i += 6;
                        copied = i;
                        continue;
                    }
                    _ => return Err(GiveUp),
                };
                v.push(escaped);
                i += 2;
                copied = i;
            }
            _ => i += 1,
        }
    }
    Err(GiveUp)
}

/// A single-quoted scalar at the start of `text` (one line): its value and the offset after
/// its closing quote.
fn single_quoted(text: &str) -> Result<(Cow<'_, str>, usize), GiveUp> {
    let bytes = text.as_bytes();
    let mut value: Option<String> = None;
    let mut i = 1;
    let mut copied = 1;
    while i < bytes.len() {
        if bytes[i] == b'\'' {
            if bytes.get(i + 1) == Some(&b'\'') {
                copy_up_to(&mut value, text, copied, i + 1);
                i += 2;
                copied = i;
                continue;
            }
            return Ok((quoted_value(text, value, copied, i), i + 1));
        }
        i += 1;
    }
    Err(GiveUp)
}

#[cfg(test)]
thread_local! {
    /// Documents the fast reader gave up on, on this thread.
    pub(super) static GAVE_UP: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

#[cfg(test)]
mod tests {
    use super::super::{documents, objects, read_by_saphyr, Document, ParseError};
    use super::GAVE_UP;

    type Read = Vec<Result<Document, ParseError>>;

    /// What the fast reader and saphyr make of `text`, as documents and as objects, and how
    /// many documents the fast reader gave up on.
    fn both(text: &str) -> ((Read, Read), (Read, Read), usize) {
        let before = GAVE_UP.with(std::cell::Cell::get);
        let fast_documents = documents(text).collect();
        let gave_up = GAVE_UP.with(std::cell::Cell::get) - before;
        let fast = (fast_documents, objects(text).collect());
        let slow = (
            read_by_saphyr(text, false).collect(),
            read_by_saphyr(text, true).collect(),
        );
        (fast, slow, gave_up)
    }

    fn same(name: &str, text: &str) -> usize {
        let (fast, slow, gave_up) = both(text);
        assert_eq!(fast.0, slow.0, "{name}: documents differ");
        assert_eq!(fast.1, slow.1, "{name}: objects differ");
        gave_up
    }

    /// A `kubectl get -o yaml` dump: every document is the fast reader's.
    const DUMP: &str = "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: PersistentVolume\n  metadata:\n    annotations:\n      kubectl.kubernetes.io/last-applied-configuration: |\n        {\"apiVersion\":\"v1\",\"kind\":\"PersistentVolume\"}\n      pv.kubernetes.io/bound-by-controller: \"yes\"\n    creationTimestamp: \"2023-04-05T09:12:22Z\"\n    finalizers:\n    - kubernetes.io/pv-protection\n    labels:\n      tier: gold\n    name: pv-1\n    resourceVersion: \"3756101\"\n  spec:\n    accessModes:\n    - ReadWriteMany\n    capacity:\n      storage: 200Gi\n    claimRef:\n      name: data-0\n      namespace: prod\n    mountOptions:\n    - nfsvers=4.1\n    nfs:\n      path: /exports/vol1\n      server: nfs-5.storage.internal\n    persistentVolumeReclaimPolicy: Retain\n    storageClassName: \"\"\n  status:\n    phase: Bound\n- apiVersion: v1\n  kind: PersistentVolumeClaim\n  metadata:\n    name: data-0\n    namespace: prod\n  spec:\n    accessModes: [ReadWriteOnce]\n    resources:\n      requests:\n        storage: 1Gi\n    selector: {}\n    note: 'it''s \\ plain'\n    script: |-\n      line one\n\n        indented\n    empty: []\n  status: {}\nkind: List\nmetadata:\n  resourceVersion: \"\"\n";

    #[test]
    fn a_dump_is_read_fast_and_as_saphyr_reads_it() {
        for (name, text) in [("list", DUMP.to_owned()), ("stream", as_stream(DUMP))] {
            assert_eq!(
                same(name, &text),
                1,
                "{name}: the fast reader gives up once"
            );
        }
        let simple = "a: 1\nb:\n  c: [x]\n---\nd:\n- e: f\n  g: h\n- i\n";
        let gave_up = same("simple", simple);
        assert!(gave_up <= 1, "{gave_up}");
        let plain = "kind: A\nmetadata:\n  name: a\n  labels:\n    x: \"1\"\n---\nkind: B\nspec:\n  list:\n  - 1\n  - two\n  - 'three'\n  - \"4\\u00e9\"\n";
        assert_eq!(same("plain", plain), 0);
        // An object of a List read again to locate a field: its first line blanked to its
        // column.
        let item = "    kind: A\n    spec:\n      x: 1\n";
        assert_eq!(same("item", item), 0);
    }

    /// Small changes to a dump, each of which the fast reader must read as saphyr does or
    /// leave to it: the two always agree.
    #[test]
    fn edits_of_a_dump_are_read_as_saphyr_reads_them() {
        let edits: &[(&str, &str)] = &[
            ("storage: 200Gi", "storage: 200Gi # size"),
            ("tier: gold", "tier: gold\n        more"),
            ("tier: gold", "tier:  gold  "),
            ("tier: gold", "tier:gold"),
            ("tier: gold", "tier: \"gold"),
            ("tier: gold", "tier: 'gold''"),
            ("tier: gold", "tier: gold: silver"),
            ("tier: gold", "tier: &a gold"),
            ("tier: gold", "tier: !!str gold"),
            ("tier: gold", "tier: - gold"),
            ("tier: gold", "tier: -gold"),
            ("tier: gold", "tier: ~"),
            ("tier: gold", "tier: 0x1F"),
            ("tier: gold", "tier: 0644"),
            ("tier: gold", "tier: yes"),
            ("tier: gold", "tier:"),
            ("tier: gold", "? tier\n      : gold"),
            ("tier: gold", "\"tier\": gold"),
            ("tier: gold", "tier: gold\n      tier: again"),
            ("tier: gold", "tier: {a: b}"),
            ("tier: gold", "tier: [a, b]"),
            ("tier: gold", "tier: >\n        folded"),
            ("tier: gold", "tier: |2\n         x"),
            ("tier: gold", "tier: |\n\n        late"),
            ("tier: gold", "tier: |\n        x\n       y"),
            ("tier: gold", "tier: \"a\\x41\""),
            ("tier: gold", "tier: \"a\\ud83d\""),
            ("tier: gold", "tier:\tgold"),
            ("tier: gold", "tier: gold\r"),
            ("tier: gold", "tier: g\u{e9}ld"),
            ("    - ReadWriteMany", "    -ReadWriteMany"),
            ("    - ReadWriteMany", "    - - ReadWriteMany"),
            ("    - ReadWriteMany", "    -"),
            ("    - ReadWriteMany", "    - ReadWriteMany\n     - odd"),
            ("    - ReadWriteMany", "    - ReadWriteMany\n      - deeper"),
            ("    accessModes:\n", "    accessModes:\n\n"),
            ("    accessModes:\n", "    accessModes:\n   \n"),
            ("  spec:\n", "  spec:\n    \n"),
            ("kind: List\n", "kind: List\n...\n"),
            ("kind: List\n", "kind: List\n---\n"),
            ("kind: List\n", "kind: List\n--- \n"),
            ("kind: List\n", "kind: List\n---\n---\n"),
            (
                "apiVersion: v1\nitems",
                "%YAML 1.2\n---\napiVersion: v1\nitems",
            ),
            ("apiVersion: v1\nitems", "---\napiVersion: v1\nitems"),
            ("apiVersion: v1\nitems", "\n\napiVersion: v1\nitems"),
            (
                "apiVersion: v1\nitems",
                "apiVersion: v1\napiVersion: v2\nitems",
            ),
            ("  status: {}\n", "  status: {}\n- a\n- - b\n"),
            ("  status: {}\n", "  status: {}\n-\n"),
            ("  resourceVersion: \"\"\n", "  resourceVersion: \"\""),
            ("  resourceVersion: \"\"\n", "  resourceVersion:\n"),
            ("  resourceVersion: \"\"\n", "  resourceVersion: |\n    x"),
            (
                "  resourceVersion: \"\"\n",
                "  resourceVersion: |\n    x\n\n",
            ),
            (
                "metadata:\n  resourceVersion",
                "metadata:\n resourceVersion",
            ),
            ("apiVersion: v1\nitems", "  apiVersion: v1\nitems"),
            ("apiVersion: v1\nitems", "  apiVersion: v1\n  items"),
            ("apiVersion: v1\nitems", "  apiVersion: v1\n    items"),
            (
                "metadata:\n  resourceVersion",
                "metadata:\n   resourceVersion",
            ),
            ("    name: pv-1\n", "    name: pv-1\n   name: odd\n"),
        ];
        for (from, to) in edits {
            assert!(DUMP.contains(from), "{from:?}");
            let text = DUMP.replacen(from, to, 1);
            same(&format!("{from:?} -> {to:?}"), &text);
            let stream = as_stream(&text);
            same(&format!("{from:?} -> {to:?} (stream)"), &stream);
        }
    }

    /// Every YAML file of the test data and of the corpus reads as saphyr reads it.
    #[test]
    fn the_test_data_and_the_corpus_read_as_saphyr_reads_them() {
        let texts = crate::shared_fixtures::test_data_and_corpus(
            "the_test_data_and_the_corpus_read_as_saphyr_reads_them",
        );
        let files = texts.len();
        let (mut gave_up, mut documents) = (0, 0);
        for (name, text) in &texts {
            gave_up += same(name, text);
            documents += documents_in(text);
        }
        assert!(files > 100, "{files} files");
        // Hand-written manifests have comments: many are saphyr's, but not all.
        assert!(gave_up < documents, "{gave_up} of {documents}");
    }

    /// The items of a List written as a stream of documents.
    fn as_stream(list: &str) -> String {
        let mut stream = String::new();
        for line in list.lines() {
            if let Some(item) = line.strip_prefix("- ") {
                stream.push_str("---\n");
                stream.push_str(item);
            } else if let Some(rest) = line.strip_prefix("  ") {
                stream.push_str(rest);
            } else {
                continue;
            }
            stream.push('\n');
        }
        stream
    }

    fn documents_in(text: &str) -> usize {
        documents(text).count()
    }
}
