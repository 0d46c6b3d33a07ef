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

/// The position of the first byte of `bytes` that `stops` marks in its word (a high bit per
/// byte, of which only the lowest is read), or `bytes.len()` when none is marked.
fn first_stop(bytes: &[u8], stops: impl Fn(u64) -> u64) -> usize {
    let found = |start: usize, word: u64| match stops(word) {
        0 => None,
        marked => Some(start + (marked.trailing_zeros() / 8) as usize),
    };
    let mut at = 0;
    while let Some(word) = word(bytes, at) {
        if let Some(stop) = found(at, word) {
            return stop;
        }
        at += 8;
    }
    if at == bytes.len() {
        return at;
    }
    // The tail, shorter than a word: the last eight bytes (none before `at` is marked), or,
    // in a text shorter than a word, the text padded with its first byte (which either is
    // marked and found first, or is not and marks nothing).
    let (start, tail) = match bytes.len().checked_sub(8) {
        Some(start) => (start, &bytes[start..]),
        None => (0, bytes),
    };
    let mut padded = [bytes[0]; 8];
    padded[..tail.len()].copy_from_slice(tail);
    found(start, u64::from_le_bytes(padded)).unwrap_or(bytes.len())
}

/// The position of the first quote, backslash or line break of `bytes` (the bytes that end a
/// run of a JSON string's characters), or of the first byte past ASCII too when
/// `stop_past_ascii`; `bytes.len()` when there is none.
pub fn string_stop(bytes: &[u8], stop_past_ascii: bool) -> usize {
    let past_ascii = if stop_past_ascii { HIGHS } else { 0 };
    first_stop(bytes, |word| {
        zero_bytes(word ^ repeated(b'"'))
            | zero_bytes(word ^ repeated(b'\\'))
            | zero_bytes(word ^ repeated(b'\n'))
            | (word & past_ascii)
    })
}

/// The position of the first byte of `bytes` a JSON string escapes (a quote, a backslash or a
/// control character), or `bytes.len()` when there is none.
pub fn json_escape_stop(bytes: &[u8]) -> usize {
    first_stop(bytes, |word| {
        bytes_below(word, 0x20)
            | zero_bytes(word ^ repeated(b'"'))
            | zero_bytes(word ^ repeated(b'\\'))
    })
}

/// Whether any of the three `targets` is among `bytes`.
pub fn contains_any(bytes: &[u8], targets: [u8; 3]) -> bool {
    let stop = first_stop(bytes, |word| {
        zero_bytes(word ^ repeated(targets[0]))
            | zero_bytes(word ^ repeated(targets[1]))
            | zero_bytes(word ^ repeated(targets[2]))
    });
    stop < bytes.len()
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
