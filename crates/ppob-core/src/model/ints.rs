//! Integers as the API sends them: JSON-safe (|n| ≤ 2^53 − 1), so that every
//! consumer of the schemas (JavaScript included) reads them exactly.
//!
//! The deserializers here accept exactly what the derived JSON Schema accepts
//! for an `integer` with the same bounds: integral numbers, including an
//! integral float such as `3607.0` (JSON Schema counts it as an integer), and
//! nothing else. Keeping the two in step is what lets validation take the
//! typed fast path.

use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// The largest integer that every JSON consumer reads exactly (2^53 − 1).
pub const MAX_SAFE_INTEGER: u64 = 9_007_199_254_740_991;

/// Largest `f64` that is still a safe integer, as a float.
const MAX_SAFE_F64: f64 = MAX_SAFE_INTEGER as f64;

struct SafeIntVisitor {
    allow_negative: bool,
}

impl SafeIntVisitor {
    fn expecting_text(&self) -> &'static str {
        if self.allow_negative {
            "an integer between -9007199254740991 and 9007199254740991"
        } else {
            "a non-negative integer no larger than 9007199254740991"
        }
    }
}

impl Visitor<'_> for SafeIntVisitor {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting_text())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        if v <= MAX_SAFE_INTEGER {
            Ok(v as i64)
        } else {
            Err(E::invalid_value(de::Unexpected::Unsigned(v), &self))
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        let in_range = v.unsigned_abs() <= MAX_SAFE_INTEGER;
        if in_range && (self.allow_negative || v >= 0) {
            Ok(v)
        } else {
            Err(E::invalid_value(de::Unexpected::Signed(v), &self))
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        let integral = v.is_finite() && v.fract() == 0.0;
        let in_range = v.abs() <= MAX_SAFE_F64;
        if integral && in_range && (self.allow_negative || v >= 0.0) {
            Ok(v as i64)
        } else {
            Err(E::invalid_value(de::Unexpected::Float(v), &self))
        }
    }
}

/// Deserializes a non-negative safe integer (money, ids, months).
pub fn uint<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    deserializer
        .deserialize_any(SafeIntVisitor {
            allow_negative: false,
        })
        .map(|v| v as u64)
}

/// Deserializes a signed safe integer (the response code).
pub fn int<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    deserializer.deserialize_any(SafeIntVisitor {
        allow_negative: true,
    })
}

/// Deserializes an optional non-negative safe integer; `null` reads as absent.
pub fn opt_uint<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    struct OptVisitor;
    impl<'de> Visitor<'de> for OptVisitor {
        type Value = Option<u64>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a non-negative integer no larger than 9007199254740991, or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            uint(d).map(Some)
        }
    }
    deserializer.deserialize_option(OptVisitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Money {
        #[serde(deserialize_with = "uint")]
        v: u64,
    }

    fn money(json: &str) -> Result<u64, String> {
        serde_json::from_str::<Money>(json)
            .map(|m| m.v)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn accepts_integral_numbers_up_to_the_safe_limit() {
        assert_eq!(money(r#"{"v":3607}"#), Ok(3607));
        assert_eq!(money(r#"{"v":3607.0}"#), Ok(3607));
        assert_eq!(money(r#"{"v":9007199254740991}"#), Ok(MAX_SAFE_INTEGER));
    }

    #[test]
    fn rejects_fractions_negatives_strings_and_huge_numbers() {
        for bad in [
            r#"{"v":3607.5}"#,
            r#"{"v":-1}"#,
            r#"{"v":"3607"}"#,
            r#"{"v":9007199254740992}"#,
            r#"{"v":18446744073709551616}"#,
        ] {
            assert!(money(bad).is_err(), "{bad} was accepted");
        }
    }
}
