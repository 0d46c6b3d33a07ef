//! Typing a tree as its JSON ([`Node::to_json`]) is typed, without making the JSON: a value
//! meets the visitor as serde_json's `Value` meets it (a whole number not below zero as `u64`,
//! a float that JSON cannot hold as null, map keys as their JSON keys). A value that does not fit
//! what is asked is an error and nothing more: the caller then goes the JSON way, which says
//! what is wrong, so this never has to.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::{key_text, Node, Value};

/// A tree to type.
pub(crate) struct NodeDeserializer<'n>(pub(crate) &'n Node);

/// The tree does not fit the type asked of it.
#[derive(Debug)]
pub(crate) struct Unfit;

impl fmt::Display for Unfit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the value does not fit its type")
    }
}

impl std::error::Error for Unfit {}

impl de::Error for Unfit {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        Unfit
    }
}

impl<'n> NodeDeserializer<'n> {
    /// A number as serde_json's `Number` visits it; `None` for anything else.
    fn number<'de, V: Visitor<'de>>(&self, visitor: V) -> Option<Result<V::Value, Unfit>> {
        match self.0.value {
            Value::Int(i) => Some(match u64::try_from(i) {
                Ok(u) => visitor.visit_u64(u),
                Err(_) => visitor.visit_i64(i),
            }),
            Value::Float(f) if f.is_finite() => Some(visitor.visit_f64(f)),
            _ => None,
        }
    }

    /// Null in JSON: a null, or a float JSON cannot hold.
    fn is_null(&self) -> bool {
        match self.0.value {
            Value::Null => true,
            Value::Float(f) => !f.is_finite(),
            _ => false,
        }
    }
}

macro_rules! numbers {
    ($($method:ident)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unfit> {
            self.number(visitor).unwrap_or(Err(Unfit))
        })*
    };
}

impl<'de> de::Deserializer<'de> for NodeDeserializer<'_> {
    type Error = Unfit;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unfit> {
        match &self.0.value {
            _ if self.is_null() => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::String(s) => visitor.visit_str(s),
            Value::Seq(_) => self.deserialize_seq(visitor),
            Value::Map(_) => self.deserialize_map(visitor),
            _ => self.number(visitor).unwrap_or(Err(Unfit)),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unfit> {
        match self.0.value {
            Value::Bool(b) => visitor.visit_bool(b),
            _ => Err(Unfit),
        }
    }

    numbers! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unfit> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unfit> {
        match &self.0.value {
            Value::String(s) => visitor.visit_str(s),
            _ => Err(Unfit),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unfit> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unfit> {
        match &self.0.value {
            Value::String(s) => visitor.visit_str(s),
            Value::Seq(_) => self.deserialize_seq(visitor),
            _ => Err(Unfit),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unfit> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unfit> {
        if self.is_null() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unfit> {
        if self.is_null() {
            visitor.visit_unit()
        } else {
            Err(Unfit)
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Unfit> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Unfit> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unfit> {
        let Value::Seq(items) = &self.0.value else {
            return Err(Unfit);
        };
        let mut items = Items(items.iter());
        let value = visitor.visit_seq(&mut items)?;
        // As serde_json's: every element taken.
        if items.0.len() == 0 {
            Ok(value)
        } else {
            Err(Unfit)
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Unfit> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Unfit> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unfit> {
        let Value::Map(entries) = &self.0.value else {
            return Err(Unfit);
        };
        let mut entries = Entries {
            entries: entries.iter(),
            value: None,
        };
        let value = visitor.visit_map(&mut entries)?;
        if entries.entries.len() == 0 {
            Ok(value)
        } else {
            Err(Unfit)
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Unfit> {
        match &self.0.value {
            Value::Seq(_) => self.deserialize_seq(visitor),
            Value::Map(_) => self.deserialize_map(visitor),
            _ => Err(Unfit),
        }
    }

    /// The types the plan reads have no enums; whatever asks is left to the JSON way.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Unfit> {
        Err(Unfit)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unfit> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unfit> {
        visitor.visit_unit()
    }
}

struct Items<'n>(std::slice::Iter<'n, Node>);

impl<'de> de::SeqAccess<'de> for Items<'_> {
    type Error = Unfit;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Unfit> {
        self.0
            .next()
            .map(|item| seed.deserialize(NodeDeserializer(item)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Entries<'n> {
    entries: std::slice::Iter<'n, (Node, Node)>,
    /// The value of the key just taken.
    value: Option<&'n Node>,
}

impl<'de> de::MapAccess<'de> for Entries<'_> {
    type Error = Unfit;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Unfit> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        // A key is its JSON key, a string, as serde_json's map keys are.
        let key: Cow<'_, str> = key_text(key);
        let key: de::value::CowStrDeserializer<'_, Unfit> = key.into_deserializer();
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Unfit> {
        let value = self.value.take().ok_or(Unfit)?;
        seed.deserialize(NodeDeserializer(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}
