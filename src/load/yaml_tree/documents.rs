//! The [`Documents`] iterator, which reads a stream one document at a time, and the padding that
//! lets it take quoted scalars with under-indented continuation lines, as go-yaml does.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use saphyr_parser::{BufferedInput, Event, Parser, ScalarStyle, ScanError, StrInput};

use super::builder::{Builder, ORIGIN};
use super::fast::{FastEvents, GiveUp};
use super::position::{column_of, is_break, is_explicit_end, to_u32, CharOffsets};
use super::{Document, Node, ParseError, Pos, Value};

/// Iterator returned by [`documents`](fn@super::documents).
pub struct Documents<'t> {
    text: &'t str,
    pub(super) source: Source<'t>,
    pub(super) builder: Builder,
    done: bool,
    /// Where a re-parse starts, in the coordinates of the text being parsed: the end of the
    /// last document (after its `...`, or at the `---` that implied its end).
    restart: Pos,
    /// Alias-expansion count at `restart`, carried into a re-parse (the cap is per stream).
    restart_alias_nodes: usize,
    /// The padded copy of the current document being parsed, if it needed padding; otherwise
    /// the original text is parsed and positions need no mapping.
    pub(super) padded: Option<Padded>,
    /// The original text's char-offset table while the builder holds a padded text's.
    original_offsets: Option<CharOffsets>,
    /// Bytes that may still be parsed a second time by re-parses.
    reparse_budget: usize,
    /// Padding of the current document, until it is confirmed.
    doc: DocPadding,
    /// Hand over a top-level List's items one by one (see [`objects`]).
    pub(super) stream_items: bool,
    /// Items of the current document handed over before it had to be re-read with padding:
    /// the re-read keeps its items, and these are dropped from them.
    streamed_before_padding: usize,
    /// Items of the current document handed over so far.
    handed_over: usize,
    /// Items the current document's re-read by saphyr hands over again, to be skipped.
    skip_items: usize,
    /// The text is read by the fast reader where it can be (see [`super::fast`]).
    pub(super) fast: bool,
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

pub(super) enum Source<'t> {
    Str(Parser<'t, StrInput<'t>>),
    /// A padded copy of one document. It is owned, so it goes through saphyr's char-iterator
    /// input.
    Padded(Parser<'static, BufferedInput<ArcChars>>),
    /// The original text, where the fast reader takes it.
    Fast(FastEvents<'t>),
}

/// Re-parses may parse again at most this many times the input length (plus the slack below):
/// one per padded quoted scalar, from the start of its document.
const REPARSE_FACTOR: usize = 32;
const REPARSE_SLACK: usize = 1 << 20;

/// Spaces inserted at the start of one line of the original text.
#[derive(Clone, Copy, Debug)]
pub(super) struct Pad {
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
pub(super) struct Padded {
    pub(super) text: Arc<str>,
    base: Pos,
    /// Original offset of the end of `text`.
    end: usize,
    shifts: Vec<Shift>,
}

impl Padded {
    pub(super) fn new(original: &str, base: Pos, end: usize, pads: &[Pad]) -> Self {
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
pub(super) struct ArcChars {
    pub(super) text: Arc<str>,
    pub(super) at: usize,
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
pub(super) const QUOTED_INDICATOR_ERROR: &str =
    "while scanning a quoted scalar, found unexpected document indicator";

impl<'t> Documents<'t> {
    pub(super) fn new(
        text: &'t str,
        source: Source<'t>,
        builder: Builder,
        padded: Option<Padded>,
    ) -> Self {
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
            handed_over: 0,
            skip_items: 0,
            fast: false,
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
        self.streamed_before_padding = self.handed_over;
        self.skip_items = 0;
        if self.padded.is_none() {
            self.original_offsets = Some(previous.offsets);
        }
        self.builder.alias_nodes = self.restart_alias_nodes;
        self.padded = Some(padded);
        self.restart = ORIGIN;
        self.doc.quoted.clear();
    }

    /// The fast reader gave up on the current document: saphyr reads it again from its start,
    /// and the items of it already handed over are skipped.
    fn read_slowly(&mut self) {
        #[cfg(test)]
        super::fast::GAVE_UP.with(|n| n.set(n.get() + 1));
        self.skip_items = self.handed_over;
        let offsets = std::mem::replace(&mut self.builder.offsets, CharOffsets::new(""));
        self.original_offsets = Some(offsets);
        self.resume(self.restart);
    }

    /// After a document saphyr read, the fast reader takes the stream up again at `at`, if
    /// a `---` line starts there in the original text (a document ended by anything else is
    /// followed by an error or by the end of the text).
    fn read_fast(&mut self, at: Pos) {
        let marked = self
            .text
            .get(at.offset..)
            .is_some_and(|rest| rest.starts_with("---"));
        if !self.fast || self.padded.is_some() || at.column != 1 || !marked {
            return;
        }
        let line = at.line as usize;
        self.source = Source::Fast(FastEvents::new(self.text, at.offset, line, false));
        self.builder.char_base = 0;
        self.builder.line_base = 0;
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
            let mut gave_up = false;
            let step = catch_unwind(AssertUnwindSafe(|| match source {
                Source::Str(parser) => parser.next_event(),
                Source::Padded(parser) => parser.next_event(),
                Source::Fast(reader) => reader.next_event().map_or_else(
                    |GiveUp| {
                        gave_up = true;
                        None
                    },
                    |event| event.map(Ok),
                ),
            }));
            if gave_up {
                self.read_slowly();
                continue;
            }
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
                        if matches!(self.source, Source::Str(_)) {
                            self.read_fast(restart);
                        }
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
                if self.skip_items > 0 {
                    self.skip_items -= 1;
                    continue;
                }
                self.handed_over += 1;
                let item = self.to_original_node(item);
                return Some(Ok(Document {
                    start: item.start,
                    end: item.end,
                    root: Some(item),
                }));
            }
            if let Some(mut doc) = self.builder.finished.take() {
                self.handed_over = 0;
                self.skip_items = 0;
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
