//! Scalar resolution: what a scalar's text, style and tag make of it, by the YAML 1.2 core
//! schema with go-yaml v2's booleans and leading-zero octals.

use std::borrow::Cow;

use saphyr_parser::Tag;

use super::Value;

const YAML_TAG_PREFIX: &str = "tag:yaml.org,2002:";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CoreTag {
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

pub(super) fn core_tag(tag: Option<&Tag>) -> CoreTag {
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

pub(super) fn tag_name(tag: CoreTag) -> &'static str {
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
pub(super) fn is_yaml11_bool(s: &str) -> bool {
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
pub(super) fn resolve_plain(s: Cow<'_, str>) -> Value {
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
pub(super) fn resolve_scalar(s: Cow<'_, str>, plain: bool, tag: CoreTag) -> Result<Value, String> {
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
