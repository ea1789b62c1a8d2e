//! Bug switches: deliberately broken behaviours, off by default, that exist
//! to prove the fuzzer's oracles can fail. Each switch names one breakage;
//! the helpers here are the breakages themselves, applied by the simulator.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::render::to_json;

/// One deliberate simulator bug (`--bug NAME`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bug {
    /// A payment with a negative amount (e.g. -1) is accepted (299) instead of refused with 180.
    AcceptNegativeAmount,
    /// A payment reusing a refNumber is registered as a new transaction instead of following
    /// --duplicate.
    DoubleCharge,
    /// A request whose accountNumber or refNumber is not ASCII is answered HTTP 200 with a
    /// non-JSON body (still processed).
    #[serde(rename = "malformed-200")]
    Malformed200,
    /// A successful inquiry (300) answer lacks data.inquiryId (the inquiry is still stored).
    DropInquiryId,
    /// A settled payment's callback contradicts its status: success is called back as failed
    /// (198) and a failure as success (0).
    CallbackContradictsStatus,
    /// Every callback is delivered twice.
    CallbackTwice,
    /// Settled payments are not called back at all.
    NoCallback,
}

impl Bug {
    /// Every bug switch.
    pub const ALL: [Bug; 7] = [
        Bug::AcceptNegativeAmount,
        Bug::DoubleCharge,
        Bug::Malformed200,
        Bug::DropInquiryId,
        Bug::CallbackContradictsStatus,
        Bug::CallbackTwice,
        Bug::NoCallback,
    ];

    /// The flag value, e.g. `double-charge`.
    pub fn name(self) -> &'static str {
        match self {
            Self::AcceptNegativeAmount => "accept-negative-amount",
            Self::DoubleCharge => "double-charge",
            Self::Malformed200 => "malformed-200",
            Self::DropInquiryId => "drop-inquiry-id",
            Self::CallbackContradictsStatus => "callback-contradicts-status",
            Self::CallbackTwice => "callback-twice",
            Self::NoCallback => "no-callback",
        }
    }

    /// Whether the bug is in the callbacks, which only `check
    /// --callback-listen` receives (the fuzzer does not).
    pub fn is_callback(self) -> bool {
        matches!(
            self,
            Self::CallbackContradictsStatus | Self::CallbackTwice | Self::NoCallback
        )
    }
}

/// [`Bug::CallbackContradictsStatus`]: a final code of the other class: 198
/// (manually failed) for a success, 0 for anything else.
pub(crate) fn contradicting(code: i64) -> i64 {
    if (0..=99).contains(&code) { 198 } else { 0 }
}

/// [`Bug::AcceptNegativeAmount`]: if the payload's `amount` is a negative
/// integer, replaces it with 0 (so that it reads as a payment request) and
/// returns true; the caller then skips the amount checks.
pub(crate) fn take_negative_amount(payload: &mut Value) -> bool {
    match payload.get_mut("amount") {
        Some(amount) if amount.as_i64().is_some_and(|a| a < 0) => {
            *amount = Value::from(0u64);
            true
        }
        _ => false,
    }
}

/// [`Bug::Malformed200`]: whether the payload's `accountNumber` or
/// `refNumber` is a string with a non-ASCII character.
pub(crate) fn has_non_ascii_key(payload: &Value) -> bool {
    ["accountNumber", "refNumber"]
        .iter()
        .filter_map(|field| payload.get(field).and_then(Value::as_str))
        .any(|s| !s.is_ascii())
}

/// [`Bug::Malformed200`]: the first half of the body, which is not JSON
/// (like the `garbage` fault).
pub(crate) fn malformed(mut body: Vec<u8>) -> Vec<u8> {
    body.truncate(body.len() / 2);
    body
}

/// [`Bug::DropInquiryId`]: the answer without `data.inquiryId`.
pub(crate) fn without_inquiry_id<T: Serialize>(answer: &T) -> Vec<u8> {
    let mut value = serde_json::to_value(answer).unwrap_or_default();
    if let Some(data) = value.get_mut("data").and_then(Value::as_object_mut) {
        data.remove("inquiryId");
    }
    to_json(&value)
}

impl std::str::FromStr for Bug {
    type Err = super::unknown_name::UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|b| b.name() == s)
            .ok_or_else(|| super::unknown_name::UnknownName::new(s, Self::ALL.map(Self::name)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_match_the_flag_values_and_serde() {
        for bug in Bug::ALL {
            assert_eq!(bug.name().parse::<Bug>(), Ok(bug));
            assert_eq!(serde_json::to_value(bug).unwrap(), json!(bug.name()));
            assert_eq!(
                serde_json::from_value::<Bug>(json!(bug.name())).unwrap(),
                bug
            );
        }
    }

    #[test]
    fn only_a_negative_integer_amount_is_taken() {
        let mut v = json!({"amount": -1});
        assert!(take_negative_amount(&mut v));
        assert_eq!(v["amount"], 0);
        for amount in [json!(0), json!(3607), json!(-1.5), json!("-1"), json!(null)] {
            let mut v = json!({ "amount": amount.clone() });
            assert!(!take_negative_amount(&mut v), "{amount}");
            assert_eq!(v["amount"], amount);
        }
        for mut v in [json!([-1]), json!(-1), json!({})] {
            assert!(!take_negative_amount(&mut v));
        }
    }

    #[test]
    fn non_ascii_is_seen_in_either_key_field() {
        assert!(has_non_ascii_key(&json!({"accountNumber": "08é"})));
        assert!(has_non_ascii_key(
            &json!({"accountNumber": "0811", "refNumber": "R€"})
        ));
        assert!(!has_non_ascii_key(
            &json!({"accountNumber": "0811", "refNumber": "R"})
        ));
        assert!(!has_non_ascii_key(&json!({"accountNumber": 5})));
        assert!(!has_non_ascii_key(&json!(["é"])));
        assert!(!has_non_ascii_key(&json!({"productCode": "é"})));
    }

    #[test]
    fn a_contradicting_code_is_of_the_other_class() {
        assert_eq!(contradicting(0), 198);
        assert_eq!(contradicting(99), 198);
        assert_eq!(contradicting(105), 0);
        assert_eq!(Bug::ALL.iter().filter(|b| b.is_callback()).count(), 3);
    }

    #[test]
    fn malformed_bodies_are_not_json() {
        for body in [json!({}), json!({"a": "é"}), json!({"responseCode": 300})] {
            let bytes = malformed(serde_json::to_vec(&body).unwrap());
            assert!(serde_json::from_slice::<Value>(&bytes).is_err(), "{body}");
        }
    }
}
