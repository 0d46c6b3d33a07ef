//! A serde serialiser that writes what `serde_json`'s pretty printer writes (two spaces a
//! level), starting some levels in, for the plan's rows. Strings, most of a plan's bytes, are
//! checked for characters to escape eight bytes at a time and written whole when there is none;
//! `serde_json` looks at every byte on its own. Numbers are written by `serde_json`.

use std::fmt::Display;
use std::io::{self, Write};

use serde::ser::{self, Serialize};

/// Writes `value` as `serde_json::to_writer_pretty` would, as if nested `depth` levels deep.
pub fn write<T: Serialize + ?Sized, W: Write + ?Sized>(
    out: &mut W,
    depth: usize,
    value: &T,
) -> io::Result<()> {
    value
        .serialize(Pretty { out, depth })
        .map_err(|Error(error)| error)
}

/// An error of the writer, or a value JSON cannot hold.
#[derive(Debug)]
pub struct Error(io::Error);

impl Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: Display>(msg: T) -> Self {
        Error(io::Error::other(msg.to_string()))
    }
}

impl From<io::Error> for Error {
    fn from(error: io::Error) -> Self {
        Error(error)
    }
}

impl From<serde_json::Error> for Error {
    fn from(error: serde_json::Error) -> Self {
        Error(io::Error::from(error))
    }
}

/// A line break and the indentation of 32 levels: a new line at any depth up to that is one
/// write (most of a plan's writes are these).
const LINE: [u8; 65] = {
    let mut line = [b' '; 65];
    line[0] = b'\n';
    line
};

/// Starts a line `depth` levels in (two spaces a level).
pub fn new_line<W: Write + ?Sized>(out: &mut W, depth: usize) -> io::Result<()> {
    match LINE.get(..1 + 2 * depth) {
        Some(line) => out.write_all(line),
        None => {
            out.write_all(b"\n")?;
            for _ in 0..depth {
                out.write_all(b"  ")?;
            }
            Ok(())
        }
    }
}

/// Starts an array element or object member `depth` levels in: after the opening bracket, or
/// after the one before.
pub fn item_start<W: Write + ?Sized>(out: &mut W, first: bool, depth: usize) -> io::Result<()> {
    if !first {
        out.write_all(b",")?;
    }
    new_line(out, depth)
}

/// Writes `text` as a JSON string, escaping as `serde_json` does.
pub fn string<W: Write + ?Sized>(out: &mut W, text: &str) -> io::Result<()> {
    out.write_all(b"\"")?;
    let bytes = text.as_bytes();
    let mut start = 0;
    loop {
        let at = start + crate::byte_scan::json_escape_stop(&bytes[start..]);
        out.write_all(&bytes[start..at])?;
        let Some(&b) = bytes.get(at) else {
            return out.write_all(b"\"");
        };
        let short: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            _ => b"",
        };
        if short.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.write_all(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ])?;
        } else {
            out.write_all(short)?;
        }
        start = at + 1;
    }
}

/// Serializer methods that hand their value to one of the serialiser's own.
macro_rules! forward {
    ($helper:ident: $($method:ident($type:ty)),* $(,)?) => {
        $(fn $method(self, v: $type) -> Result<(), Error> {
            self.$helper(v)
        })*
    };
}

/// The serialiser: one value, `depth` levels in.
struct Pretty<'w, W: ?Sized> {
    out: &'w mut W,
    depth: usize,
}

impl<'w, W: Write + ?Sized> Pretty<'w, W> {
    fn number<T: Serialize>(self, n: T) -> Result<(), Error> {
        serde_json::to_writer(self.out, &n).map_err(Error::from)
    }

    fn raw(self, bytes: &[u8]) -> Result<(), Error> {
        self.out.write_all(bytes).map_err(Error::from)
    }

    /// Opens an array or object; `len` zero writes it whole, as `serde_json` does.
    fn open(self, brackets: &'static [u8; 2], len: Option<usize>) -> Result<Members<'w, W>, Error> {
        if len == Some(0) {
            self.out.write_all(brackets)?;
        } else {
            self.out.write_all(&brackets[..1])?;
        }
        Ok(Members {
            out: self.out,
            depth: self.depth,
            close: if len == Some(0) {
                None
            } else {
                Some(brackets[1])
            },
            first: true,
            wrapped: false,
        })
    }

    /// `{"variant": ` before a variant's value, as `serde_json` writes an externally tagged
    /// enum; [`close_variant`] writes the rest.
    fn open_variant(out: &mut W, depth: usize, variant: &str) -> Result<(), Error> {
        out.write_all(b"{")?;
        new_line(out, depth + 1)?;
        string(out, variant)?;
        out.write_all(b": ").map_err(Error::from)
    }

    fn close_variant(out: &mut W, depth: usize) -> Result<(), Error> {
        new_line(out, depth)?;
        out.write_all(b"}").map_err(Error::from)
    }

    /// A tuple or struct variant's members, inside its `{"variant": …}`.
    fn variant_members(
        self,
        variant: &str,
        brackets: &'static [u8; 2],
        len: usize,
    ) -> Result<Members<'w, W>, Error> {
        Self::open_variant(self.out, self.depth, variant)?;
        let mut members = Pretty {
            out: self.out,
            depth: self.depth + 1,
        }
        .open(brackets, Some(len))?;
        members.wrapped = true;
        Ok(members)
    }
}

/// The entries of an open array or object.
struct Members<'w, W: ?Sized> {
    out: &'w mut W,
    /// The depth of the array or object itself.
    depth: usize,
    /// The closing bracket, unless it is written already (an empty one).
    close: Option<u8>,
    first: bool,
    /// Inside a variant's `{"variant": …}`, closed after it.
    wrapped: bool,
}

impl<W: Write + ?Sized> Members<'_, W> {
    fn next(&mut self) -> Result<(), Error> {
        item_start(self.out, self.first, self.depth + 1)?;
        self.first = false;
        Ok(())
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.next()?;
        value.serialize(Pretty {
            out: &mut *self.out,
            depth: self.depth + 1,
        })
    }

    fn key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.next()?;
        key.serialize(Key {
            out: &mut *self.out,
        })
    }

    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.out.write_all(b": ")?;
        value.serialize(Pretty {
            out: &mut *self.out,
            depth: self.depth + 1,
        })
    }

    fn field<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<(), Error> {
        self.next()?;
        string(self.out, name)?;
        self.value(value)
    }

    fn end(self) -> Result<(), Error> {
        if let Some(close) = self.close {
            if !self.first {
                new_line(self.out, self.depth)?;
            }
            self.out.write_all(&[close])?;
        }
        if self.wrapped {
            Pretty::<W>::close_variant(self.out, self.depth - 1)?;
        }
        Ok(())
    }
}

impl<'w, W: Write + ?Sized> ser::Serializer for Pretty<'w, W> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Members<'w, W>;
    type SerializeTuple = Members<'w, W>;
    type SerializeTupleStruct = Members<'w, W>;
    type SerializeTupleVariant = Members<'w, W>;
    type SerializeMap = Members<'w, W>;
    type SerializeStruct = Members<'w, W>;
    type SerializeStructVariant = Members<'w, W>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.raw(if v { b"true" } else { b"false" })
    }
    forward!(number:
        serialize_i8(i8), serialize_i16(i16), serialize_i32(i32), serialize_i64(i64),
        serialize_i128(i128), serialize_u8(u8), serialize_u16(u16), serialize_u32(u32),
        serialize_u64(u64), serialize_u128(u128), serialize_f32(f32), serialize_f64(f64));
    fn serialize_char(self, v: char) -> Result<(), Error> {
        string(self.out, v.encode_utf8(&mut [0; 4])).map_err(Error::from)
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        string(self.out, v).map_err(Error::from)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        let mut seq = self.open(b"[]", Some(v.len()))?;
        for byte in v {
            seq.element(byte)?;
        }
        seq.end()
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.raw(b"null")
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.raw(b"null")
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.raw(b"null")
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        Self::open_variant(self.out, self.depth, variant)?;
        value.serialize(Pretty {
            out: &mut *self.out,
            depth: self.depth + 1,
        })?;
        Self::close_variant(self.out, self.depth)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Members<'w, W>, Error> {
        self.open(b"[]", len)
    }
    fn serialize_tuple(self, len: usize) -> Result<Members<'w, W>, Error> {
        self.open(b"[]", Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Members<'w, W>, Error> {
        self.open(b"[]", Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Members<'w, W>, Error> {
        self.variant_members(variant, b"[]", len)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Members<'w, W>, Error> {
        self.open(b"{}", len)
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Members<'w, W>, Error> {
        self.open(b"{}", Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Members<'w, W>, Error> {
        self.variant_members(variant, b"{}", len)
    }
}

/// The four ways serde hands over an array's elements, all written alike.
macro_rules! elements {
    ($($trait:ident :: $method:ident),*) => {
        $(impl<W: Write + ?Sized> ser::$trait for Members<'_, W> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.element(value)
            }
            fn end(self) -> Result<(), Error> {
                Members::end(self)
            }
        })*
    };
}

elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl<W: Write + ?Sized> ser::SerializeMap for Members<'_, W> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key(key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.value(value)
    }
    fn end(self) -> Result<(), Error> {
        Members::end(self)
    }
}

/// A struct's fields and a struct variant's, written alike.
macro_rules! fields {
    ($($trait:ident),*) => {
        $(impl<W: Write + ?Sized> ser::$trait for Members<'_, W> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.field(key, value)
            }
            fn end(self) -> Result<(), Error> {
                Members::end(self)
            }
        })*
    };
}

fields!(SerializeStruct, SerializeStructVariant);

/// A map's key: JSON keys are strings, so numbers and booleans are written quoted, as
/// `serde_json` does; anything else is refused.
struct Key<'w, W: ?Sized> {
    out: &'w mut W,
}

impl<W: Write + ?Sized> Key<'_, W> {
    fn quoted(self, text: impl Display) -> Result<(), Error> {
        write!(self.out, "\"{text}\"").map_err(Error::from)
    }
}

fn not_a_key() -> Error {
    Error(io::Error::other("key must be a string"))
}

impl<W: Write + ?Sized> ser::Serializer for Key<'_, W> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    forward!(quoted:
        serialize_bool(bool), serialize_i8(i8), serialize_i16(i16), serialize_i32(i32),
        serialize_i64(i64), serialize_i128(i128), serialize_u8(u8), serialize_u16(u16),
        serialize_u32(u32), serialize_u64(u64), serialize_u128(u128));
    fn serialize_f32(self, _v: f32) -> Result<(), Error> {
        Err(not_a_key())
    }
    fn serialize_f64(self, _v: f64) -> Result<(), Error> {
        Err(not_a_key())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        string(self.out, v.encode_utf8(&mut [0; 4])).map_err(Error::from)
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        string(self.out, v).map_err(Error::from)
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<(), Error> {
        Err(not_a_key())
    }
    fn serialize_none(self) -> Result<(), Error> {
        Err(not_a_key())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<(), Error> {
        Err(not_a_key())
    }
    fn serialize_unit(self) -> Result<(), Error> {
        Err(not_a_key())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        Err(not_a_key())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), Error> {
        Err(not_a_key())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(not_a_key())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        Err(not_a_key())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(not_a_key())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(not_a_key())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(not_a_key())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        Err(not_a_key())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(not_a_key())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;

    use super::*;

    #[derive(Serialize)]
    enum Shape {
        Unit,
        Newtype(u32),
        Tuple(i8, String),
        Struct { a: Option<bool>, b: Vec<u8> },
        EmptyStruct {},
        EmptyTuple(),
    }

    #[derive(Serialize)]
    struct Everything {
        text: &'static str,
        escapes: String,
        long: String,
        character: char,
        numbers: (i64, u64, f64, f32, i128),
        not_finite: f64,
        none: Option<u8>,
        unit: (),
        shapes: Vec<Shape>,
        empty_list: Vec<u8>,
        empty_map: BTreeMap<String, u8>,
        by_number: BTreeMap<u32, Vec<BTreeMap<String, ()>>>,
        by_flag: BTreeMap<bool, u8>,
        nested: Vec<Vec<Vec<u8>>>,
        bytes: serde_bytes_like::Bytes,
    }

    mod serde_bytes_like {
        pub struct Bytes(pub Vec<u8>);
        impl serde::Serialize for Bytes {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(&self.0)
            }
        }
    }

    fn by_serde<T: Serialize>(value: &T, depth: usize) -> String {
        let text = serde_json::to_string_pretty(value).unwrap();
        // serde_json starts at the margin; nested `depth` levels in, every line after the first
        // is indented that much more.
        text.replace('\n', &format!("\n{}", "  ".repeat(depth)))
    }

    fn by_us<T: Serialize>(value: &T, depth: usize) -> String {
        let mut out = Vec::new();
        write(&mut out, depth, value).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn writes_what_serde_json_writes() {
        let every_control: String = (0u8..0x20).map(char::from).collect();
        let value = Everything {
            text: "plain",
            escapes: format!("q\"b\\s/{every_control}\u{7f}é✓"),
            long: format!("{}\"{}", "x".repeat(40), "y".repeat(17)),
            character: '"',
            numbers: (-42, u64::MAX, 1.5, 0.1, i128::MIN),
            not_finite: f64::NAN,
            none: None,
            unit: (),
            shapes: vec![
                Shape::Unit,
                Shape::Newtype(7),
                Shape::Tuple(-1, "t".into()),
                Shape::Struct {
                    a: Some(true),
                    b: vec![1, 2],
                },
                Shape::EmptyStruct {},
                Shape::EmptyTuple(),
            ],
            empty_list: vec![],
            empty_map: BTreeMap::new(),
            by_number: BTreeMap::from([(3, vec![BTreeMap::new()]), (10, vec![])]),
            by_flag: BTreeMap::from([(false, 0), (true, 1)]),
            nested: vec![vec![], vec![vec![], vec![9]]],
            bytes: serde_bytes_like::Bytes(vec![0, 255]),
        };
        for depth in [0, 1, 3, 31, 40] {
            assert_eq!(
                by_us(&value, depth),
                by_serde(&value, depth),
                "depth {depth}"
            );
        }
    }

    #[test]
    fn a_string_escapes_at_any_position_of_a_block() {
        for len in 0..40 {
            for at in 0..len {
                for special in ['"', '\\', '\n', '\u{1}', '\u{1f}'] {
                    let mut text: String = "a".repeat(len);
                    text.replace_range(at..at + 1, &special.to_string());
                    assert_eq!(by_us(&text, 0), by_serde(&text, 0), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn a_key_that_is_not_a_string_is_refused() {
        let map = BTreeMap::from([(vec![1u8], 1u8)]);
        let mut out = Vec::new();
        assert!(write(&mut out, 0, &map).is_err());
        assert!(serde_json::to_string_pretty(&map).is_err());
    }
}
