//! Whether typing an object passed over a field its type lacks.
//!
//! k8s-openapi's types skip a field they do not know by deserializing its value as
//! `IgnoredAny`; an object dumped from a cluster with such a field must go the way that reports
//! it. `serde_ignored` tells the same with each field's path, for which it keeps an owned copy
//! of every map key it passes: on a large dump, millions of strings nobody reads. The fast path
//! only needs to know whether anything was skipped, so this wrapper forwards every call
//! unchanged and raises a flag on `deserialize_ignored_any`.

use std::cell::Cell;
use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};

/// A `T`, if it deserializes and no field was passed over: an object that fits its type.
pub fn fitting<'de, D, T>(deserializer: D) -> Option<T>
where
    D: Deserializer<'de>,
    T: de::Deserialize<'de>,
{
    let skipped = Cell::new(false);
    let object = deserialize(deserializer, &skipped).ok()?;
    (!skipped.get()).then_some(object)
}

/// Deserializes a `T`, setting `skipped` if any field was passed over.
fn deserialize<'de, D, T>(deserializer: D, skipped: &Cell<bool>) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: de::Deserialize<'de>,
{
    T::deserialize(Watched {
        inner: deserializer,
        skipped,
    })
}

/// A deserializer, visitor, seed or access wrapped so that whatever it hands on is wrapped too.
struct Watched<'f, T> {
    inner: T,
    skipped: &'f Cell<bool>,
}

impl<'f, T> Watched<'f, T> {
    fn wrap<U>(&self, inner: U) -> Watched<'f, U> {
        Watched {
            inner,
            skipped: self.skipped,
        }
    }
}

/// Deserializer methods that hand a visitor on, after their other arguments: the visitor is
/// wrapped.
macro_rules! forward_deserialize {
    ($($method:ident($($arg:ident: $ty:ty),*)),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
            let visitor = self.wrap(visitor);
            self.inner.$method($($arg,)* visitor)
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Watched<'_, D> {
    type Error = D::Error;

    forward_deserialize!(
        deserialize_any(),
        deserialize_bool(),
        deserialize_i8(),
        deserialize_i16(),
        deserialize_i32(),
        deserialize_i64(),
        deserialize_i128(),
        deserialize_u8(),
        deserialize_u16(),
        deserialize_u32(),
        deserialize_u64(),
        deserialize_u128(),
        deserialize_f32(),
        deserialize_f64(),
        deserialize_char(),
        deserialize_str(),
        deserialize_string(),
        deserialize_bytes(),
        deserialize_byte_buf(),
        deserialize_option(),
        deserialize_unit(),
        deserialize_seq(),
        deserialize_map(),
        deserialize_identifier(),
        deserialize_unit_struct(name: &'static str),
        deserialize_newtype_struct(name: &'static str),
        deserialize_tuple(len: usize),
        deserialize_tuple_struct(name: &'static str, len: usize),
        deserialize_struct(name: &'static str, fields: &'static [&'static str]),
        deserialize_enum(name: &'static str, variants: &'static [&'static str]),
    );

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.skipped.set(true);
        self.inner.deserialize_ignored_any(visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

macro_rules! forward_visit {
    ($($method:ident($ty:ty)),* $(,)?) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
            self.inner.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Watched<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    forward_visit!(
        visit_bool(bool),
        visit_i8(i8),
        visit_i16(i16),
        visit_i32(i32),
        visit_i64(i64),
        visit_i128(i128),
        visit_u8(u8),
        visit_u16(u16),
        visit_u32(u32),
        visit_u64(u64),
        visit_u128(u128),
        visit_f32(f32),
        visit_f64(f64),
        visit_char(char),
        visit_str(&str),
        visit_borrowed_str(&'de str),
        visit_string(String),
        visit_bytes(&[u8]),
        visit_borrowed_bytes(&'de [u8]),
        visit_byte_buf(Vec<u8>),
    );

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        let deserializer = self.wrap(deserializer);
        self.inner.visit_some(deserializer)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<V::Value, D::Error> {
        let deserializer = self.wrap(deserializer);
        self.inner.visit_newtype_struct(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        let seq = self.wrap(seq);
        self.inner.visit_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        let map = self.wrap(map);
        self.inner.visit_map(map)
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        let data = self.wrap(data);
        self.inner.visit_enum(data)
    }
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Watched<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        let deserializer = self.wrap(deserializer);
        self.inner.deserialize(deserializer)
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Watched<'_, A> {
    type Error = A::Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, A::Error> {
        let seed = self.wrap(seed);
        self.inner.next_element_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Watched<'_, A> {
    type Error = A::Error;

    /// A key is an identifier or a string: nothing in it can be passed over.
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.inner.next_key_seed(seed)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        let seed = self.wrap(seed);
        self.inner.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

impl<'de, 'f, A: EnumAccess<'de>> EnumAccess<'de> for Watched<'f, A> {
    type Error = A::Error;
    type Variant = Watched<'f, A::Variant>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self::Variant), A::Error> {
        let skipped = self.skipped;
        let (value, variant) = self.inner.variant_seed(seed)?;
        Ok((
            value,
            Watched {
                inner: variant,
                skipped,
            },
        ))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Watched<'_, A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.inner.unit_variant()
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, A::Error> {
        let seed = self.wrap(seed);
        self.inner.newtype_variant_seed(seed)
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        let visitor = self.wrap(visitor);
        self.inner.tuple_variant(len, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        let visitor = self.wrap(visitor);
        self.inner.struct_variant(fields, visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::PersistentVolume;

    fn skipped(json: &str) -> Option<bool> {
        let flag = Cell::new(false);
        let mut reader = serde_json::Deserializer::from_str(json);
        let _: PersistentVolume = deserialize(&mut reader, &flag).ok()?;
        Some(flag.get())
    }

    #[test]
    fn a_field_the_type_lacks_is_noticed_at_any_depth() {
        let known = r#"{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"a",
            "labels":{"x":"y"}},"spec":{"accessModes":["ReadWriteOnce"],"csi":{"driver":"d",
            "volumeHandle":"h"},"nodeAffinity":{"required":{"nodeSelectorTerms":[{
            "matchExpressions":[{"key":"k","operator":"In","values":["v"]}]}]}}}}"#;
        assert_eq!(skipped(known), Some(false));
        for unknown in [
            r#"{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"a"},"extra":1}"#,
            r#"{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"a","nam":"b"}}"#,
            r#"{"apiVersion":"v1","kind":"PersistentVolume","spec":{"csi":{"driver":"d",
                "volumeHandle":"h","handle":"x"}}}"#,
            r#"{"apiVersion":"v1","kind":"PersistentVolume","spec":{"nodeAffinity":{"required":
                {"nodeSelectorTerms":[{"matchExpressions":[{"key":"k","operator":"In",
                "value":["v"]}]}]}}}}"#,
        ] {
            assert_eq!(skipped(unknown), Some(true), "{unknown}");
        }
    }

    #[test]
    fn it_agrees_with_serde_ignored() {
        let text = r#"{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"a",
            "annotations":{"a":"b"},"ownerReferences":[{"apiVersion":"v1","kind":"Pod",
            "name":"p","uid":"u","blockOwnerDeletion":true,"bogus":[1,{"a":null}]}]},
            "status":{"phase":"Bound","message":"m","reason":"r","lastPhaseTransitionTime":
            "2024-01-01T00:00:00Z","other":{}}}"#;
        let mut paths = Vec::new();
        let mut reader = serde_json::Deserializer::from_str(text);
        let _: PersistentVolume =
            serde_ignored::deserialize(&mut reader, |p| paths.push(p.to_string())).unwrap();
        assert_eq!(paths.len(), 2);
        assert_eq!(skipped(text), Some(true));
    }
}
