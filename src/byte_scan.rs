//! Looking through text eight bytes at a time, in plain integer arithmetic ("SWAR"): the
//! strings of a dump and of a plan are mostly short (names, keys, reasons), too short for a
//! vector search's set-up to pay, and too many for a loop over every byte.

const ONES: u64 = u64::from_le_bytes([0x01; 8]);
const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);

/// `byte` in every byte of a word.
const fn repeated(byte: u8) -> u64 {
    ONES * byte as u64
}

/// A high bit for bytes of `word` that are zero. Bits above the lowest may be set wrongly
/// (a borrow runs on), so only the lowest, or whether there is one, may be read.
const fn zero_bytes(word: u64) -> u64 {
    word.wrapping_sub(ONES) & !word & HIGHS
}

/// Like [`zero_bytes`], for bytes below `n` (at most 0x80).
const fn bytes_below(word: u64, n: u8) -> u64 {
    word.wrapping_sub(repeated(n)) & !word & HIGHS
}

fn word(bytes: &[u8], at: usize) -> Option<u64> {
    let eight = bytes.get(at..at + 8)?;
    Some(u64::from_le_bytes(eight.try_into().ok()?))
}

/// The bytes of `word` that end a run of a JSON string's characters, and those with a bit of
/// `past_ascii` (see [`zero_bytes`] for what may be read).
const fn string_stops(word: u64, past_ascii: u64) -> u64 {
    zero_bytes(word ^ repeated(b'"'))
        | zero_bytes(word ^ repeated(b'\\'))
        | zero_bytes(word ^ repeated(b'\n'))
        | (word & past_ascii)
}

/// The last eight bytes, when fewer than eight are left from `at` but the text has eight: the
/// tail is looked at a word at a time too, with bytes before it again.
fn last_word(bytes: &[u8], at: usize) -> Option<(usize, u64)> {
    if at >= bytes.len() {
        return None;
    }
    let start = bytes.len().checked_sub(8)?;
    Some((start, word(bytes, start)?))
}

/// The position of the first quote, backslash or line break of `bytes` (the bytes that end a
/// run of a JSON string's characters), or of the first byte past ASCII too when
/// `stop_past_ascii`; `bytes.len()` when there is none.
pub fn string_stop(bytes: &[u8], stop_past_ascii: bool) -> usize {
    let past_ascii = if stop_past_ascii { HIGHS } else { 0 };
    let mut at = 0;
    while let Some(word) = word(bytes, at) {
        let stops = string_stops(word, past_ascii);
        if stops != 0 {
            return at + (stops.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    match last_word(bytes, at) {
        // The bytes of the last word before `at` were looked at already: none stops.
        Some((start, word)) => {
            let stops = string_stops(word, past_ascii);
            if stops == 0 {
                bytes.len()
            } else {
                start + (stops.trailing_zeros() / 8) as usize
            }
        }
        None => bytes[at..]
            .iter()
            .position(|&b| matches!(b, b'"' | b'\\' | b'\n') || (stop_past_ascii && b >= 0x80))
            .map_or(bytes.len(), |p| at + p),
    }
}

/// The bytes of `word` a JSON string escapes (see [`zero_bytes`] for what may be read).
const fn escapes(word: u64) -> u64 {
    bytes_below(word, 0x20) | zero_bytes(word ^ repeated(b'"')) | zero_bytes(word ^ repeated(b'\\'))
}

/// The position of the first byte of `bytes` a JSON string escapes (a quote, a backslash or a
/// control character), or `bytes.len()` when there is none.
pub fn json_escape_stop(bytes: &[u8]) -> usize {
    let mut at = 0;
    while let Some(word) = word(bytes, at) {
        let stops = escapes(word);
        if stops != 0 {
            return at + (stops.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    match last_word(bytes, at) {
        // As in `string_stop`: the bytes before `at` need no escape.
        Some((start, word)) => match escapes(word) {
            0 => bytes.len(),
            stops => start + (stops.trailing_zeros() / 8) as usize,
        },
        None => bytes[at..]
            .iter()
            .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
            .map_or(bytes.len(), |p| at + p),
    }
}

/// Whether any of the three `targets` is among `bytes`.
pub fn contains_any(bytes: &[u8], targets: [u8; 3]) -> bool {
    let hits = |word: u64| {
        zero_bytes(word ^ repeated(targets[0]))
            | zero_bytes(word ^ repeated(targets[1]))
            | zero_bytes(word ^ repeated(targets[2]))
    };
    let mut at = 0;
    while let Some(word) = word(bytes, at) {
        if hits(word) != 0 {
            return true;
        }
        at += 8;
    }
    match last_word(bytes, at) {
        Some((_, word)) => hits(word) != 0,
        None => bytes[at..].iter().any(|b| targets.contains(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain_stop(bytes: &[u8], stop_past_ascii: bool) -> usize {
        bytes
            .iter()
            .position(|&b| matches!(b, b'"' | b'\\' | b'\n') || (stop_past_ascii && b >= 0x80))
            .unwrap_or(bytes.len())
    }

    /// Every byte value, at every position of words and tails, after every kind of byte.
    #[test]
    fn finds_what_a_byte_loop_finds() {
        for len in 0..20 {
            for at in 0..len {
                for before in [b'a', 0x01, 0x00, 0x7f, 0x80, 0xff, b'!', b'#'] {
                    for byte in 0..=255u8 {
                        let mut bytes = vec![before; len];
                        bytes[at] = byte;
                        for stop_past_ascii in [false, true] {
                            assert_eq!(
                                string_stop(&bytes, stop_past_ascii),
                                plain_stop(&bytes, stop_past_ascii),
                                "{bytes:?} {stop_past_ascii}"
                            );
                        }
                        assert_eq!(
                            contains_any(&bytes, [b'\t', b'\r', b'#']),
                            bytes.iter().any(|b| [b'\t', b'\r', b'#'].contains(b)),
                            "{bytes:?}"
                        );
                        assert_eq!(
                            json_escape_stop(&bytes),
                            bytes
                                .iter()
                                .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
                                .unwrap_or(bytes.len()),
                            "{bytes:?}"
                        );
                    }
                }
            }
        }
    }
}
