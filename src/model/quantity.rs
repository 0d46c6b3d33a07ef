//! Exact Kubernetes resource quantities (`resource.Quantity`), compared by value.
//!
//! The value is held as a count of nano-units in an `i128`, which keeps every
//! realistic storage or CPU amount exact (well past `999999E` and `999Ei`) and
//! saturates instead of overflowing for absurd inputs.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

const NANOS_PER_UNIT: u128 = 1_000_000_000;

/// `i128::MAX` has 39 decimal digits, so a longer magnitude cannot fit.
const MAX_DIGITS: usize = 39;

/// Same wording as Kubernetes' `ErrFormatWrong`, so users can search for it.
const FORMAT_MESSAGE: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const SUFFIX_MESSAGE: &str = "unable to parse quantity's suffix";

/// Characters that may start a suffix; the same set Kubernetes scans for.
const SUFFIX_CHARS: &[u8] = b"eEinumkKMGTP";

const BINARY_SUFFIXES: [(&str, u32); 6] = [
    ("Ei", 60),
    ("Pi", 50),
    ("Ti", 40),
    ("Gi", 30),
    ("Mi", 20),
    ("Ki", 10),
];

const DECIMAL_SUFFIXES: [(&str, u32); 6] = [
    ("E", 18),
    ("P", 15),
    ("T", 12),
    ("G", 9),
    ("M", 6),
    ("k", 3),
];

/// A Kubernetes resource quantity such as `10Gi`, `500m` or `1e3`.
///
/// Equality, ordering and hashing use the value only, so `1Gi == 1073741824`.
#[derive(Clone, Debug)]
pub struct Quantity {
    /// Value times 10^9, rounded away from zero below nano as Kubernetes does.
    nanos: i128,
    text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ErrorKind {
    Format,
    Suffix,
}

/// Why a string is not a valid quantity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuantityError {
    kind: ErrorKind,
}

impl QuantityError {
    fn format() -> Self {
        QuantityError {
            kind: ErrorKind::Format,
        }
    }

    fn suffix() -> Self {
        QuantityError {
            kind: ErrorKind::Suffix,
        }
    }
}

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ErrorKind::Format => f.write_str(FORMAT_MESSAGE),
            ErrorKind::Suffix => f.write_str(SUFFIX_MESSAGE),
        }
    }
}

impl std::error::Error for QuantityError {}

/// The lexical pieces of a quantity string.
struct Parts<'a> {
    negative: bool,
    int_digits: &'a [u8],
    frac_digits: &'a [u8],
    suffix: &'a str,
}

impl Quantity {
    /// Parses with the grammar of Kubernetes' `resource.ParseQuantity`.
    ///
    /// Surrounding whitespace is rejected, as upstream does. Unlike upstream's
    /// scanner, a number with no digits at all (`"."`, `"-"`, `"Gi"`) is
    /// rejected instead of silently read as zero.
    pub fn parse(s: &str) -> Result<Quantity, QuantityError> {
        let parts = split(s)?;
        let (pow10, pow2) = interpret_suffix(parts.suffix).ok_or_else(QuantityError::suffix)?;
        let magnitude = magnitude_in_nanos(parts.int_digits, parts.frac_digits, pow10, pow2);
        Ok(Quantity {
            nanos: apply_sign(parts.negative, magnitude),
            text: s.to_owned(),
        })
    }

    pub fn zero() -> Quantity {
        Quantity {
            nanos: 0,
            text: "0".to_owned(),
        }
    }

    pub fn from_bytes(bytes: u64) -> Quantity {
        Quantity {
            nanos: i128::from(bytes) * NANOS_PER_UNIT as i128,
            text: bytes.to_string(),
        }
    }

    /// A quantity of `nanos` / 10^9 units, written in its short form.
    pub fn from_nanos(nanos: i128) -> Quantity {
        let mut quantity = Quantity {
            nanos,
            text: String::new(),
        };
        quantity.text = quantity.humanize();
        quantity
    }

    /// The exact value times 10^9: a cheap, totally ordered key for indexes.
    pub fn nanos(&self) -> i128 {
        self.nanos
    }

    /// Value in whole units (bytes for storage) rounded toward positive infinity.
    pub fn ceil_units(&self) -> i128 {
        let per_unit = NANOS_PER_UNIT as i128;
        let whole = self.nanos / per_unit;
        if self.nanos % per_unit > 0 {
            whole + 1
        } else {
            whole
        }
    }

    pub fn is_negative(&self) -> bool {
        self.nanos < 0
    }

    /// The text the quantity was parsed from.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Short form for messages: the largest binary suffix that divides the
    /// value exactly, else the largest exact decimal suffix, else a plain
    /// number. When both suffixes are exact the shorter text wins (ties go to
    /// binary), so `1T` does not come out as `976562500Ki`.
    pub fn humanize(&self) -> String {
        let sign = if self.nanos < 0 { "-" } else { "" };
        let magnitude = self.nanos.unsigned_abs();
        if !magnitude.is_multiple_of(NANOS_PER_UNIT) {
            let fraction = format!("{:09}", magnitude % NANOS_PER_UNIT);
            return format!(
                "{sign}{}.{}",
                magnitude / NANOS_PER_UNIT,
                fraction.trim_end_matches('0')
            );
        }
        let units = magnitude / NANOS_PER_UNIT;
        if units == 0 {
            return "0".to_owned();
        }
        let binary = BINARY_SUFFIXES
            .iter()
            .map(|&(suffix, shift)| (suffix, 1u128 << shift))
            .find(|&(_, base)| units.is_multiple_of(base));
        let decimal = DECIMAL_SUFFIXES
            .iter()
            .map(|&(suffix, power)| (suffix, 10u128.pow(power)))
            .find(|&(_, base)| units.is_multiple_of(base));
        let render = |(suffix, base): (&str, u128)| format!("{sign}{}{suffix}", units / base);
        match (binary.map(render), decimal.map(render)) {
            (Some(b), Some(d)) if d.len() < b.len() => d,
            (Some(b), _) => b,
            (None, Some(d)) => d,
            (None, None) => format!("{sign}{units}"),
        }
    }
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.nanos == other.nanos
    }
}

impl Eq for Quantity {}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        self.nanos.cmp(&other.nanos)
    }
}

impl Hash for Quantity {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.nanos.hash(state);
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Quantity {
    type Err = QuantityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Quantity::parse(s)
    }
}

impl TryFrom<&k8s_openapi::apimachinery::pkg::api::resource::Quantity> for Quantity {
    type Error = QuantityError;

    fn try_from(
        q: &k8s_openapi::apimachinery::pkg::api::resource::Quantity,
    ) -> Result<Self, Self::Error> {
        Quantity::parse(&q.0)
    }
}

/// Index of the first byte at or after `from` that fails `pred`.
fn skip_while(bytes: &[u8], from: usize, pred: impl Fn(u8) -> bool) -> usize {
    let mut i = from;
    while bytes.get(i).is_some_and(|&b| pred(b)) {
        i += 1;
    }
    i
}

/// Splits into sign, mantissa digits and suffix: `[+-]? digits [. digits] suffix`,
/// where the suffix is `[eEinumkKMGTP]* [+-]? [0-9]*` and must end the string.
fn split(s: &str) -> Result<Parts<'_>, QuantityError> {
    let bytes = s.as_bytes();
    let (negative, int_start) = match bytes.first() {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    };
    let int_end = skip_while(bytes, int_start, |b| b.is_ascii_digit());
    let (frac_start, frac_end) = if bytes.get(int_end) == Some(&b'.') {
        let start = int_end + 1;
        (start, skip_while(bytes, start, |b| b.is_ascii_digit()))
    } else {
        (int_end, int_end)
    };
    let int_digits = bytes.get(int_start..int_end).unwrap_or_default();
    let frac_digits = bytes.get(frac_start..frac_end).unwrap_or_default();
    if int_digits.is_empty() && frac_digits.is_empty() {
        return Err(QuantityError::format());
    }

    let suffix_start = frac_end;
    let mut end = skip_while(bytes, suffix_start, |b| SUFFIX_CHARS.contains(&b));
    if matches!(bytes.get(end), Some(b'+' | b'-')) {
        end += 1;
    }
    end = skip_while(bytes, end, |b| b.is_ascii_digit());
    if end != bytes.len() {
        return Err(QuantityError::format());
    }
    // Everything before the suffix is ASCII, so this is a char boundary.
    let suffix = s.get(suffix_start..).ok_or_else(QuantityError::format)?;
    Ok(Parts {
        negative,
        int_digits,
        frac_digits,
        suffix,
    })
}

/// The suffix as a multiplier `10^pow10 * 2^pow2`.
fn interpret_suffix(suffix: &str) -> Option<(i64, u32)> {
    let scale = match suffix {
        "" => (0, 0),
        "n" => (-9, 0),
        "u" => (-6, 0),
        "m" => (-3, 0),
        "k" => (3, 0),
        "M" => (6, 0),
        "G" => (9, 0),
        "T" => (12, 0),
        "P" => (15, 0),
        "E" => (18, 0),
        "Ki" => (0, 10),
        "Mi" => (0, 20),
        "Gi" => (0, 30),
        "Ti" => (0, 40),
        "Pi" => (0, 50),
        "Ei" => (0, 60),
        _ => {
            // A decimal exponent; Rust's i64 grammar matches Go's ParseInt base 10.
            let exponent = suffix
                .strip_prefix('e')
                .or_else(|| suffix.strip_prefix('E'))?;
            (exponent.parse::<i64>().ok()?, 0)
        }
    };
    Some(scale)
}

/// |value| in nano-units, rounded up below nano. Anything above `i128::MAX`
/// comes back as some larger number, which `apply_sign` saturates.
fn magnitude_in_nanos(int_digits: &[u8], frac_digits: &[u8], pow10: i64, pow2: u32) -> u128 {
    // Most quantities are a few digits and a suffix ("8Gi", "500M"): exact in plain arithmetic.
    if frac_digits.is_empty() && int_digits.len() <= 19 && (0..=29).contains(&pow10) {
        let int = int_digits
            .iter()
            .fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'));
        let exact = 10u128
            .checked_pow(pow10 as u32 + 9)
            .and_then(|scale| scale.checked_mul(1u128 << pow2))
            .and_then(|scale| scale.checked_mul(u128::from(int)));
        if let Some(nanos) = exact {
            return nanos;
        }
    }
    // Little-endian decimal digits of the mantissa without its decimal point;
    // digit strings can be arbitrarily long, so no fixed-width integer is safe.
    let mut digits: Vec<u8> = int_digits
        .iter()
        .chain(frac_digits)
        .rev()
        .map(|b| b.saturating_sub(b'0'))
        .collect();
    while digits.last() == Some(&0) {
        digits.pop();
    }
    if digits.is_empty() {
        return 0;
    }
    if pow2 > 0 {
        multiply_digits(&mut digits, 1u64 << pow2);
    }

    let shift = i128::from(pow10) - frac_digits.len() as i128 + 9;
    if shift >= 0 {
        if digits.len() as i128 + shift > MAX_DIGITS as i128 {
            return u128::MAX;
        }
        // shift <= 39 here, so the exponent fits easily.
        let factor = 10u128.checked_pow(shift as u32).unwrap_or(u128::MAX);
        digits_to_u128(&digits).saturating_mul(factor)
    } else {
        let dropped = usize::try_from(-shift).unwrap_or(usize::MAX);
        if dropped >= digits.len() {
            // Non-zero but finer than a nano: Kubernetes rounds it up to 1n.
            return 1;
        }
        let (below_nano, kept) = digits.split_at(dropped);
        let value = digits_to_u128(kept);
        if below_nano.iter().any(|&d| d != 0) {
            value.saturating_add(1)
        } else {
            value
        }
    }
}

fn multiply_digits(digits: &mut Vec<u8>, factor: u64) {
    let mut carry: u128 = 0;
    for d in digits.iter_mut() {
        let cur = u128::from(*d) * u128::from(factor) + carry;
        *d = (cur % 10) as u8;
        carry = cur / 10;
    }
    while carry > 0 {
        digits.push((carry % 10) as u8);
        carry /= 10;
    }
}

/// Little-endian digits (no high zeros) to a number, `u128::MAX` on overflow.
fn digits_to_u128(digits: &[u8]) -> u128 {
    if digits.len() > MAX_DIGITS {
        return u128::MAX;
    }
    digits
        .iter()
        .rev()
        .try_fold(0u128, |acc, &d| {
            acc.checked_mul(10)?.checked_add(u128::from(d))
        })
        .unwrap_or(u128::MAX)
}

fn apply_sign(negative: bool, magnitude: u128) -> i128 {
    match (i128::try_from(magnitude), negative) {
        (Ok(v), false) => v,
        (Ok(v), true) => -v,
        (Err(_), false) => i128::MAX,
        (Err(_), true) => i128::MIN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    const NANO: i128 = 1_000_000_000;
    const KI: i128 = 1 << 10;
    const MI: i128 = 1 << 20;
    const GI: i128 = 1 << 30;
    const EI: i128 = 1 << 60;
    const EXA: i128 = 1_000_000_000_000_000_000;

    enum Want {
        /// Whole units.
        Units(i128),
        /// Exact nano-units.
        Nanos(i128),
        Format,
        Suffix,
    }

    fn q(s: &str) -> Quantity {
        match Quantity::parse(s) {
            Ok(q) => q,
            Err(e) => panic!("{s:?} should parse: {e}"),
        }
    }

    #[test]
    fn parse_table() {
        use Want::*;
        let table: Vec<(&str, Want)> = vec![
            ("0", Units(0)),
            ("1", Units(1)),
            ("+1", Units(1)),
            ("-1", Units(-1)),
            ("-0", Units(0)),
            ("007", Units(7)),
            ("1Ki", Units(KI)),
            ("1k", Units(1000)),
            ("1Mi", Units(MI)),
            ("1M", Units(1_000_000)),
            ("1Gi", Units(GI)),
            ("1G", Units(1_000_000_000)),
            ("1Ti", Units(1 << 40)),
            ("1T", Units(1_000_000_000_000)),
            ("1Pi", Units(1 << 50)),
            ("1P", Units(1_000_000_000_000_000)),
            ("1Ei", Units(EI)),
            ("1E", Units(EXA)),
            ("1E3", Units(1000)),
            ("1e3", Units(1000)),
            ("2e+6", Units(2_000_000)),
            ("1e03", Units(1000)),
            ("1E-2", Nanos(10_000_000)),
            ("1.5Gi", Units(3 * GI / 2)),
            ("0.5Gi", Units(512 * MI)),
            ("512Mi", Units(512 * MI)),
            ("0.1Mi", Nanos(104_857_600_000_000)),
            ("100m", Nanos(100_000_000)),
            ("1n", Nanos(1)),
            ("1u", Nanos(1_000)),
            ("-1Gi", Units(-GI)),
            (".5", Nanos(500_000_000)),
            ("5.", Units(5)),
            ("1.G", Units(1_000_000_000)),
            ("0.0000000001", Nanos(1)),
            ("-0.0000000001", Nanos(-1)),
            ("1.0000000001", Nanos(NANO + 1)),
            ("0.0000000001Ki", Nanos(103)),
            ("999999E", Units(999_999 * EXA)),
            ("999Ei", Units(999 * EI)),
            ("123456789012345678901234567890E", Nanos(i128::MAX)),
            ("-123456789012345678901234567890E", Nanos(i128::MIN)),
            ("1e1000000", Nanos(i128::MAX)),
            ("1e-1000000", Nanos(1)),
            ("0e99999", Units(0)),
            ("", Format),
            (".", Format),
            ("-", Format),
            ("+", Format),
            ("Gi", Format),
            ("-Ki", Format),
            ("10Gib", Format),
            ("1.2.3", Format),
            ("1e3.5", Format),
            (" 1Gi", Format),
            ("1Gi ", Format),
            ("1 Gi", Format),
            ("abc", Format),
            ("1,5", Format),
            ("++1", Format),
            ("\u{0661}", Format),
            ("1\u{0661}", Format),
            ("1e", Suffix),
            ("1E+", Suffix),
            ("1K", Suffix),
            ("1i", Suffix),
            (".5i", Suffix),
            ("0.1mi", Suffix),
            ("1ee3", Suffix),
            ("1Ki3", Suffix),
            ("1e99999999999999999999", Suffix),
        ];
        assert!(table.len() >= 40);
        for (input, want) in table {
            let got = Quantity::parse(input);
            match (want, got) {
                (Units(u), Ok(q)) => assert_eq!(q.nanos, u * NANO, "{input:?}"),
                (Nanos(n), Ok(q)) => assert_eq!(q.nanos, n, "{input:?}"),
                (Format, Err(e)) => assert_eq!(e.kind, ErrorKind::Format, "{input:?}"),
                (Suffix, Err(e)) => assert_eq!(e.kind, ErrorKind::Suffix, "{input:?}"),
                (_, Ok(q)) => panic!("{input:?} should fail, got {q:?}"),
                (_, Err(e)) => panic!("{input:?} should parse, got {e}"),
            }
        }
    }

    #[test]
    fn compares_by_value_not_text() {
        assert_eq!(q("1Gi"), q("1073741824"));
        assert!(q("1G") < q("1Gi"));
        assert!(q("800E") < q("950E"));
        assert_eq!(q("0.5Gi"), q("512Mi"));
        assert_eq!(q("1e3"), q("1k"));
        assert_eq!(q("1E"), q("1000000000000000000"));
        assert_eq!(q("1E3"), q("1000"));
        assert_eq!(q("1Ki"), Quantity::from_bytes(1024));
        assert!(q("-1Gi") < Quantity::zero());
        assert!(q("100m") < q("1"));
        let set: HashSet<Quantity> = ["1Gi", "1073741824", "1024Mi", "1G"]
            .into_iter()
            .map(q)
            .collect();
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn keeps_text_and_reports_errors() {
        let one = q("1.5Gi");
        assert_eq!(one.as_str(), "1.5Gi");
        assert_eq!(one.to_string(), "1.5Gi");
        assert_eq!(Quantity::zero().as_str(), "0");
        assert_eq!(Quantity::from_bytes(42).as_str(), "42");
        assert_eq!("2Ki".parse::<Quantity>(), Ok(q("2048")));
        let k8s = k8s_openapi::apimachinery::pkg::api::resource::Quantity("3Mi".to_owned());
        assert_eq!(Quantity::try_from(&k8s), Ok(q("3145728")));

        let err = Quantity::parse("10Gib").err();
        assert_eq!(
            err.map(|e| e.to_string()).as_deref(),
            Some(
                "quantities must match the regular expression \
                 '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
            )
        );
        let err = Quantity::parse("1e").err();
        assert_eq!(
            err.map(|e| e.to_string()).as_deref(),
            Some("unable to parse quantity's suffix")
        );
    }

    #[test]
    fn ceil_units_rounds_up() {
        assert_eq!(q("1.5Gi").ceil_units(), 1_610_612_736);
        assert_eq!(q("100m").ceil_units(), 1);
        assert_eq!(q("1001m").ceil_units(), 2);
        assert_eq!(q("-1500m").ceil_units(), -1);
        assert_eq!(q("0.1Mi").ceil_units(), 104_858);
        assert_eq!(Quantity::zero().ceil_units(), 0);
        assert_eq!(q("1e100").ceil_units(), i128::MAX / NANO + 1);
        assert!(q("-1").is_negative());
        assert!(!q("-0").is_negative());
    }

    #[test]
    fn humanize_prefers_exact_binary_then_decimal() {
        let cases = [
            ("0", "0"),
            ("1024", "1Ki"),
            ("1536", "1536"),
            ("1000", "1k"),
            ("1500000", "1500k"),
            ("3072000", "3072k"),
            ("1048576000", "1000Mi"),
            ("1.5Gi", "1536Mi"),
            ("-1Gi", "-1Gi"),
            ("3Ei", "3Ei"),
            ("5E", "5E"),
            ("1T", "1T"),
            ("10Gi", "10Gi"),
            ("2048k", "2048k"),
            ("1000E", "1000E"),
            ("1.5", "1.5"),
            ("100m", "0.1"),
            ("1n", "0.000000001"),
            ("7", "7"),
        ];
        for (input, want) in cases {
            assert_eq!(q(input).humanize(), want, "{input:?}");
        }
    }

    const SUFFIXES: [(&str, i128); 13] = [
        ("", 1),
        ("k", 1_000),
        ("Ki", KI),
        ("M", 1_000_000),
        ("Mi", MI),
        ("G", 1_000_000_000),
        ("Gi", GI),
        ("T", 1_000_000_000_000),
        ("Ti", 1 << 40),
        ("P", 1_000_000_000_000_000),
        ("Pi", 1 << 50),
        ("E", EXA),
        ("Ei", EI),
    ];

    /// A whole-byte quantity text and its exact byte count; the bound on the
    /// mantissa keeps every combination inside the exact range.
    fn whole_bytes() -> impl Strategy<Value = (String, i128)> {
        let any_suffix = (0u64..=100_000_000_000, 0..SUFFIXES.len());
        let small_suffix = (any::<u64>(), 0..7usize);
        prop_oneof![any_suffix, small_suffix].prop_map(|(n, i)| {
            let (suffix, mult) = SUFFIXES[i];
            (format!("{n}{suffix}"), i128::from(n) * mult)
        })
    }

    proptest! {
        #[test]
        fn ordering_matches_byte_counts((a, a_bytes) in whole_bytes(), (b, b_bytes) in whole_bytes()) {
            let qa = Quantity::parse(&a);
            let qb = Quantity::parse(&b);
            prop_assert!(qa.is_ok() && qb.is_ok());
            if let (Ok(qa), Ok(qb)) = (qa, qb) {
                prop_assert_eq!(qa.ceil_units(), a_bytes);
                prop_assert_eq!(qb.ceil_units(), b_bytes);
                prop_assert_eq!(qa.cmp(&qb), a_bytes.cmp(&b_bytes));
                prop_assert_eq!(qa == qb, a_bytes == b_bytes);
            }
        }

        #[test]
        fn humanize_round_trips(bytes in any::<u64>()) {
            let original = Quantity::from_bytes(bytes);
            let parsed = Quantity::parse(&original.humanize());
            prop_assert_eq!(parsed.as_ref().ok(), Some(&original));
            prop_assert_eq!(original.ceil_units(), i128::from(bytes));
        }

        #[test]
        fn humanize_round_trips_fractions(units in any::<i64>(), nanos in 0u32..1_000_000_000) {
            let text = format!("{units}.{nanos:09}");
            let original = Quantity::parse(&text);
            prop_assert!(original.is_ok());
            if let Ok(original) = original {
                let again = Quantity::parse(&original.humanize());
                prop_assert_eq!(again.as_ref().ok(), Some(&original));
            }
        }

        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = Quantity::parse(&s);
        }

        #[test]
        fn parse_never_panics_on_near_misses(
            s in "[-+]?[0-9.]{0,45}[eEinumkKMGTP]{0,3}[-+]?[0-9]{0,25}"
        ) {
            if let Ok(q) = Quantity::parse(&s) {
                let _ = (q.humanize(), q.ceil_units());
            }
        }
    }
}
