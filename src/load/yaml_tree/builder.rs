//! The tree builder: turns saphyr's events into nodes with their spans, resolving anchors,
//! aliases and merge keys, rejecting duplicate keys, and holding the limits.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, Marker, ScalarStyle, ScanError, Span, Tag};

use super::position::{
    block_seq_start, find_block_header, is_explicit_end, skip_properties, to_u32, walk_back,
    CharOffsets,
};
use super::scalar::{core_tag, is_yaml11_bool, resolve_scalar, tag_name, CoreTag};
use super::{
    key_text, Document, Node, ParseError, Pos, Value, MAX_ALIAS_NODES, MAX_ANCHORED_NODES,
    MAX_DEPTH,
};

/// Maps with more keys than this switch duplicate detection from a linear scan to a hash set.
const DUP_INDEX_THRESHOLD: usize = 16;

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
pub(super) struct Builder {
    /// Char-index → byte-offset table of the text passed in.
    pub(super) offsets: CharOffsets,
    /// Where the parser's input starts in the text passed in (see [`Documents::resume`]):
    /// chars and lines before it.
    pub(super) char_base: usize,
    pub(super) line_base: u32,
    /// The document completed by the last event, if any.
    pub(super) finished: Option<Document>,
    doc_start: Pos,
    doc_start_end: Pos,
    root: Option<Node>,
    frames: Vec<Frame>,
    /// Children of all open collections, flattened: one growing buffer instead of a growing
    /// Vec per collection; each collection is moved out into an exact-size Vec when it ends.
    children: Vec<Node>,
    anchors: HashMap<usize, (Node, usize)>,
    anchored_nodes: usize,
    pub(super) alias_nodes: usize,
    pub(super) last_pos: Pos,
    /// Where the alias just completed ends: it carries its anchor's span, which ends earlier.
    alias_end: Option<Pos>,
    /// Hand over the items of a top-level List one by one (see [`objects`]).
    pub(super) stream_items: bool,
    /// An item completed and not yet handed over.
    pub(super) streamed: Option<Node>,
}

pub(super) const ORIGIN: Pos = Pos {
    offset: 0,
    line: 1,
    column: 1,
};

impl Builder {
    pub(super) fn new(offsets: CharOffsets) -> Self {
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

    pub(super) fn pos(&self, text: &str, m: &Marker) -> Pos {
        Pos {
            offset: self
                .offsets
                .byte_of(text, m.index().saturating_add(self.char_base)),
            line: to_u32(m.line()).saturating_add(self.line_base),
            column: to_u32(m.col().saturating_add(1)),
        }
    }

    pub(super) fn err(&self, message: impl Into<String>, pos: Pos) -> ParseError {
        ParseError {
            message: message.into(),
            pos,
        }
    }

    pub(super) fn scan_error(&self, text: &str, e: &ScanError) -> ParseError {
        self.err(e.info(), self.pos(text, e.marker()))
    }

    pub(super) fn event(
        &mut self,
        text: &str,
        ev: Event<'_>,
        span: Span,
    ) -> Result<(), ParseError> {
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
