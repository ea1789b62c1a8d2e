//! Objects only: serde's derived structs also accept a JSON array of their
//! fields in order (`["k", "v"]` for `{key, value}`), which the schema
//! rejects. Every struct-typed field is read through [`ObjectOnly`], which
//! asks the format for a map, so serde and the schema agree.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, forward_to_deserialize_any};

/// A deserializer that reads structs from maps only.
pub struct ObjectOnly<D>(pub D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for ObjectOnly<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(visitor)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

/// A seed that reads one `T` through [`ObjectOnly`].
pub struct ObjectSeed<T>(PhantomData<T>);

impl<T> Default for ObjectSeed<T> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for ObjectSeed<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        T::deserialize(ObjectOnly(d))
    }
}

/// Reads a struct-typed field from a JSON object only.
pub fn object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    T::deserialize(ObjectOnly(d))
}

struct ObjectsVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectsVisitor<T> {
    type Value = Vec<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of objects")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element_seed(ObjectSeed::default())? {
            items.push(item);
        }
        Ok(items)
    }
}

/// Reads an array whose items are structs, each from a JSON object only.
pub fn objects<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    d.deserialize_seq(ObjectsVisitor(PhantomData))
}

/// Like [`objects`], for an array that may be missing or `null`.
pub fn opt_objects<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Vec<T>>, D::Error> {
    struct OptVisitor<T>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for OptVisitor<T> {
        type Value = Option<Vec<T>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an array of objects, or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            objects(d).map(Some)
        }
    }
    d.deserialize_option(OptVisitor(PhantomData))
}

#[cfg(test)]
mod tests {
    use crate::model::{KeyValue, Message};

    #[test]
    fn structs_read_from_objects_but_not_from_arrays() {
        let ok: Result<Message, _> = super::object(&mut serde_json::Deserializer::from_str(
            r#"{"ID":"a","EN":"b"}"#,
        ));
        assert!(ok.is_ok());
        let array: Result<Message, _> =
            super::object(&mut serde_json::Deserializer::from_str(r#"["a","b"]"#));
        assert!(array.is_err());
        let items: Result<Vec<KeyValue>, _> =
            super::objects(&mut serde_json::Deserializer::from_str(r#"[["k","v"]]"#));
        assert!(items.is_err());
    }
}
