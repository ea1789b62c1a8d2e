//! The key names of the config file's tables, read from the serde derives themselves, so that
//! a key added to a section is known to the error messages without a second list to keep up
//! to date ([`super::error`] quotes these names and the values of the plain ones).

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use super::{
    CallbacksSection, Config, CredentialsSection, FuzzSection, PollingSection, ReportSection,
};
use ppob_check::flow::Case;

/// The field names `T`'s derived `Deserialize` asks for (empty when `T` is not a struct).
pub fn field_names<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    let mut catcher = Catcher(&[]);
    // Deserialization always fails here: the catcher only records what was asked for.
    let _ = T::deserialize(&mut catcher);
    catcher.0
}

/// The keys of every table of the file, `[credentials]`'s included.
pub fn all_keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = [
        field_names::<Config>(),
        field_names::<PollingSection>(),
        field_names::<ReportSection>(),
        field_names::<FuzzSection>(),
        field_names::<CallbacksSection>(),
        field_names::<Case>(),
        field_names::<CredentialsSection>(),
    ]
    .concat();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The keys of `[credentials]`: their values are never quoted.
pub fn credential_keys() -> &'static [&'static str] {
    field_names::<CredentialsSection>()
}

/// A deserializer that records the field list a struct asks for, then refuses.
struct Catcher(&'static [&'static str]);

/// Why the catcher refused (always).
#[derive(Debug)]
struct Caught;

impl fmt::Display for Caught {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field names caught")
    }
}

impl std::error::Error for Caught {}

impl de::Error for Caught {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        Caught
    }
}

impl<'de> Deserializer<'de> for &mut Catcher {
    type Error = Caught;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Caught> {
        Err(Caught)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Caught> {
        self.0 = fields;
        Err(Caught)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_keys_come_from_the_derives() {
        let keys = all_keys();
        for key in [
            "target",
            "listen",
            "url",
            "wait",
            "seed",
            "cases",
            "rate",
            "jobs",
            "require_codes",
            "strict",
            "deny_warnings",
            "files",
            "case",
            "account",
            "expect",
            "key",
            "secret",
        ] {
            assert!(keys.contains(&key), "{key} missing from {keys:?}");
        }
        assert_eq!(credential_keys(), ["key", "secret"]);
        assert!(field_names::<String>().is_empty());
    }
}
