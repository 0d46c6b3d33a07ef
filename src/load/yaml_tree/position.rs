//! Positions in the source text: saphyr's char indexes as byte offsets, lines and columns, and
//! where a node really starts (past its anchor and tag, at a `-` or a `|`/`>` header).

use super::Pos;

/// Char-index → byte-offset checkpoint spacing for non-ASCII input.
const CHECKPOINT_EVERY: usize = 64;
/// Converts saphyr's char indexes to byte offsets in O(1) per lookup after one O(n) pass.
pub(super) struct CharOffsets {
    /// Byte offset of every `CHECKPOINT_EVERY`-th char; `None` when the text is ASCII and
    /// char index == byte offset.
    checkpoints: Option<Vec<usize>>,
}

impl CharOffsets {
    pub(super) fn new(text: &str) -> Self {
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

    /// Whether the text is ASCII (char indices are byte offsets).
    pub(super) fn is_ascii(&self) -> bool {
        self.checkpoints.is_none()
    }

    pub(super) fn byte_of(&self, text: &str, char_idx: usize) -> usize {
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
    pub(super) fn char_of(&self, text: &str, byte: usize) -> usize {
        let Some(cps) = &self.checkpoints else {
            return byte;
        };
        let k = cps.partition_point(|&b| b <= byte).saturating_sub(1);
        let base = cps.get(k).copied().unwrap_or(0);
        let tail = text.get(base..byte).map_or(0, |s| s.chars().count());
        k * CHECKPOINT_EVERY + tail
    }
}

pub(super) fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub(super) fn is_break(b: u8) -> bool {
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
pub(super) fn walk_back(text: &str, from: Pos, to: usize) -> Pos {
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
pub(super) fn column_of(text: &str, off: usize) -> u32 {
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
pub(super) fn skip_properties(text: &str, start: Pos, limit: usize, inclusive: bool) -> Pos {
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
pub(super) fn is_explicit_end(text: &str, start: Pos) -> bool {
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
pub(super) fn block_seq_start(text: &str, start: Pos) -> Pos {
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
pub(super) fn find_block_header(text: &str, at: usize) -> Option<usize> {
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
