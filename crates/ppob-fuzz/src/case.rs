//! What one fuzz case is: a short conversation (its [`Scenario`]), the
//! values of its valid requests, and at most one [`Mutation`] of the
//! scenario's *target* request.
//!
//! A case holds no TOKEN, no secret and no refNumber that only one server
//! knows: it is re-signed and gets fresh refNumbers every time it runs, so a
//! saved case replays against any target.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The conversation a case has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// One inquiry (the target).
    Inquiry,
    /// A valid inquiry, its payment (the target), then one status call.
    Payment,
    /// A valid inquiry, its payment, a second payment with the same
    /// refNumber (the target), then one status call.
    PayTwice,
    /// One status call (the target) for a refNumber never used.
    StatusUnknown,
    /// A valid inquiry, then its payment (the target) after the inquiry
    /// expired. Needs simulated time: generated on the in-process simulator only.
    PayAfterExpiry,
}

impl Scenario {
    /// Every scenario, in the order strategies prefer when shrinking.
    pub const ALL: [Scenario; 5] = [
        Self::Inquiry,
        Self::StatusUnknown,
        Self::Payment,
        Self::PayTwice,
        Self::PayAfterExpiry,
    ];

    /// The stable kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Inquiry => "inquiry",
            Self::Payment => "payment",
            Self::PayTwice => "pay-twice",
            Self::StatusUnknown => "status-unknown",
            Self::PayAfterExpiry => "pay-after-expiry",
        }
    }

    /// Whether the scenario's target is invalid by construction (an unknown
    /// refNumber, an expired inquiry), so it must be refused even unmutated.
    pub fn is_negative(self) -> bool {
        matches!(self, Self::StatusUnknown | Self::PayAfterExpiry)
    }
}

/// A change that makes the target request invalid, or signs it wrongly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "variant", rename_all = "kebab-case")]
pub enum Mutation {
    /// A required field left out.
    MissingField {
        /// The field.
        field: String,
    },
    /// A field of the wrong JSON type.
    WrongType {
        /// The field.
        field: String,
        /// The value sent instead.
        value: Value,
    },
    /// A string field sent empty.
    EmptyString {
        /// The field.
        field: String,
    },
    /// A string field far longer than any real value.
    LongString {
        /// The field.
        field: String,
        /// How many characters it has.
        length: usize,
    },
    /// A field the request does not have.
    ExtraField {
        /// Its name.
        field: String,
        /// Its value.
        value: Value,
    },
    /// `amount` below zero.
    NegativeAmount {
        /// The amount sent.
        amount: i64,
    },
    /// `amount` zero.
    ZeroAmount,
    /// `amount` beyond what JSON carries safely (> 2^53 − 1, or a fraction).
    HugeAmount {
        /// The amount sent.
        amount: Value,
    },
    /// A payment `amount` differing from its inquiry's.
    AmountOffBy {
        /// What is added to the inquiry's amount (never 0).
        delta: i64,
    },
    /// A payment naming the `inquiryId` of another account's inquiry.
    OtherInquiryId {
        /// The account inquired first, whose inquiryId is sent.
        account: String,
    },
    /// A payment naming an `inquiryId` never issued.
    UnknownInquiryId {
        /// The id sent.
        inquiry_id: u64,
    },
    /// A payment naming another account than its inquiry.
    OtherAccount {
        /// The account sent.
        account: String,
    },
    /// A `productCode` the target does not sell.
    UnknownProduct {
        /// The code sent.
        product: String,
    },
    /// TOKEN signed with a secret that is not the partner's.
    WrongSecret,
    /// TOKEN with `alg: none` and no signature.
    UnsignedToken,
    /// A `KEY` header of another partner (the TOKEN is right).
    WrongKey,
    /// The body carries the valid fields, the TOKEN a changed one.
    TokenOverOtherPayload {
        /// The field changed in the TOKEN.
        field: String,
        /// Its value there.
        value: Value,
    },
    /// The TOKEN carries the valid fields, the body a changed one.
    BodyDisagrees {
        /// The field changed in the body.
        field: String,
        /// Its value there.
        value: Value,
    },
}

impl Mutation {
    /// The stable variant id, e.g. `negative-amount`.
    pub fn id(&self) -> &'static str {
        match self {
            Self::MissingField { .. } => "missing-field",
            Self::WrongType { .. } => "wrong-type",
            Self::EmptyString { .. } => "empty-string",
            Self::LongString { .. } => "long-string",
            Self::ExtraField { .. } => "extra-field",
            Self::NegativeAmount { .. } => "negative-amount",
            Self::ZeroAmount => "zero-amount",
            Self::HugeAmount { .. } => "huge-amount",
            Self::AmountOffBy { .. } => "amount-off-by",
            Self::OtherInquiryId { .. } => "other-inquiry-id",
            Self::UnknownInquiryId { .. } => "unknown-inquiry-id",
            Self::OtherAccount { .. } => "other-account",
            Self::UnknownProduct { .. } => "unknown-product",
            Self::WrongSecret => "wrong-secret",
            Self::UnsignedToken => "unsigned-token",
            Self::WrongKey => "wrong-key",
            Self::TokenOverOtherPayload { .. } => "token-over-other-payload",
            Self::BodyDisagrees { .. } => "body-disagrees",
        }
    }

    /// The field it is about, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::MissingField { field }
            | Self::WrongType { field, .. }
            | Self::EmptyString { field }
            | Self::LongString { field, .. }
            | Self::ExtraField { field, .. }
            | Self::TokenOverOtherPayload { field, .. }
            | Self::BodyDisagrees { field, .. } => Some(field),
            Self::NegativeAmount { .. }
            | Self::ZeroAmount
            | Self::HugeAmount { .. }
            | Self::AmountOffBy { .. } => Some("amount"),
            Self::OtherInquiryId { .. } | Self::UnknownInquiryId { .. } => Some("inquiryId"),
            Self::OtherAccount { .. } => Some("accountNumber"),
            Self::UnknownProduct { .. } => Some("productCode"),
            Self::WrongSecret | Self::UnsignedToken | Self::WrongKey => None,
        }
    }

    /// Changes the request fields (mutations of the signing change nothing here).
    pub fn apply(&self, fields: &mut Map<String, Value>) {
        match self {
            Self::MissingField { field } => {
                fields.remove(field);
            }
            Self::WrongType { field, value } | Self::ExtraField { field, value } => {
                fields.insert(field.clone(), value.clone());
            }
            Self::EmptyString { field } => {
                fields.insert(field.clone(), Value::String(String::new()));
            }
            Self::LongString { field, length } => {
                let text = long_text(fields.get(field), *length);
                fields.insert(field.clone(), Value::String(text));
            }
            Self::NegativeAmount { amount } => {
                fields.insert("amount".into(), (*amount).into());
            }
            Self::ZeroAmount => {
                fields.insert("amount".into(), 0.into());
            }
            Self::HugeAmount { amount } => {
                fields.insert("amount".into(), amount.clone());
            }
            Self::AmountOffBy { delta } => {
                let amount = fields.get("amount").and_then(Value::as_i64).unwrap_or(0);
                fields.insert("amount".into(), amount.saturating_add(*delta).into());
            }
            Self::UnknownInquiryId { inquiry_id } => {
                fields.insert("inquiryId".into(), (*inquiry_id).into());
            }
            Self::OtherAccount { account } => {
                fields.insert("accountNumber".into(), account.clone().into());
            }
            Self::UnknownProduct { product } => {
                fields.insert("productCode".into(), product.clone().into());
            }
            // Applied by the runner: the other inquiry's id, or to one side
            // of the request only, or to the headers.
            Self::OtherInquiryId { .. }
            | Self::TokenOverOtherPayload { .. }
            | Self::BodyDisagrees { .. }
            | Self::WrongSecret
            | Self::UnsignedToken
            | Self::WrongKey => {}
        }
    }

    /// One line on what it does, for reports.
    pub fn describe(&self) -> String {
        let short = |v: &Value| ppob_core::contract::shorten(v);
        match self {
            Self::MissingField { field } => format!("`{field}` left out"),
            Self::WrongType { field, value } => format!("`{field}` = {}", short(value)),
            Self::EmptyString { field } => format!("`{field}` empty"),
            Self::LongString { field, length } => format!("`{field}` of {length} characters"),
            Self::ExtraField { field, value } => {
                format!("undocumented field `{field}` = {}", short(value))
            }
            Self::NegativeAmount { amount } => format!("negative amount {amount}"),
            Self::ZeroAmount => "amount 0".into(),
            Self::HugeAmount { amount } => format!("amount {}", short(amount)),
            Self::AmountOffBy { delta } => format!("amount off the inquiry's by {delta:+}"),
            Self::OtherInquiryId { account } => {
                format!("the inquiryId of account {account}'s inquiry")
            }
            Self::UnknownInquiryId { inquiry_id } => {
                format!("inquiryId {inquiry_id}, never issued")
            }
            Self::OtherAccount { account } => {
                format!("accountNumber {account}, not the inquiry's")
            }
            Self::UnknownProduct { product } => format!("unknown productCode {product:?}"),
            Self::WrongSecret => "TOKEN signed with a wrong secret".into(),
            Self::UnsignedToken => "TOKEN with alg none and no signature".into(),
            Self::WrongKey => "KEY of another partner".into(),
            Self::TokenOverOtherPayload { field, value } => format!(
                "TOKEN signed over `{field}` = {} while the body has the valid fields",
                short(value)
            ),
            Self::BodyDisagrees { field, value } => {
                format!("body `{field}` = {} disagrees with the TOKEN", short(value))
            }
        }
    }
}

/// `length` characters starting with the current text (or digits).
fn long_text(current: Option<&Value>, length: usize) -> String {
    let seed = current
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or("0123456789");
    seed.chars().cycle().take(length).collect()
}

/// The refNumber stem of plain cases.
pub const DEFAULT_REF_STEM: &str = "FZ";

/// One generated case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FuzzCase {
    /// The conversation.
    pub scenario: Scenario,
    /// The `accountNumber` of the valid requests.
    pub account: String,
    /// The `productCode` of the valid requests.
    pub product: String,
    /// Optional inquiry fields sent (`amount`, `zoneId`, `month`).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub inquiry_extras: Map<String, Value>,
    /// The start of every refNumber of the case; a unique suffix is
    /// appended each time the case runs.
    pub ref_stem: String,
    /// The payment's `callbackUrls`, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_urls: Option<Vec<String>>,
    /// The change to the target request, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutation: Option<Mutation>,
}

impl FuzzCase {
    /// The variant id that decides which answers are acceptable:
    /// the mutation's, or the scenario's for negative scenarios, or `valid`.
    pub fn variant(&self) -> &'static str {
        match (&self.mutation, self.scenario) {
            (Some(m), _) => m.id(),
            (None, Scenario::StatusUnknown) => "unknown-ref",
            (None, Scenario::PayAfterExpiry) => "expired-inquiry",
            (None, Scenario::PayTwice) => "duplicate-ref",
            (None, _) => "valid",
        }
    }

    /// Whether the target request must be refused.
    pub fn is_negative(&self) -> bool {
        self.mutation.is_some() || self.scenario.is_negative()
    }

    /// One line: scenario, account, what is unusual, variant.
    pub fn describe(&self) -> String {
        let what = match &self.mutation {
            Some(m) => m.describe(),
            None if self.scenario.is_negative() => self.variant().replace('-', " "),
            None => "valid requests".into(),
        };
        let mut unusual = Vec::new();
        let uses_refs = !matches!(self.scenario, Scenario::Inquiry);
        if uses_refs && self.ref_stem != DEFAULT_REF_STEM {
            unusual.push(format!("refNumber {:?}", format!("{}-…", self.ref_stem)));
        }
        if !self.inquiry_extras.is_empty() {
            unusual.push(format!(
                "inquiry {}",
                Value::Object(self.inquiry_extras.clone())
            ));
        }
        if let Some(urls) = &self.callback_urls {
            unusual.push(format!("callbackUrls {urls:?}"));
        }
        let unusual = if unusual.is_empty() {
            String::new()
        } else {
            format!(" ({})", unusual.join(", "))
        };
        let whom = match self.scenario {
            Scenario::StatusUnknown => String::new(),
            _ => format!(" of {:?}", self.account),
        };
        format!("{}{whom}{unusual}: {what}", self.scenario.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn field_mutations_change_the_fields_and_signing_ones_do_not() {
        let base = json!({"amount": 3607, "refNumber": "R", "inquiryId": 5});
        let mut fields = base.as_object().unwrap().clone();
        Mutation::AmountOffBy { delta: -1 }.apply(&mut fields);
        assert_eq!(fields["amount"], 3606);
        Mutation::MissingField {
            field: "refNumber".into(),
        }
        .apply(&mut fields);
        assert!(!fields.contains_key("refNumber"));
        Mutation::LongString {
            field: "refNumber".into(),
            length: 10_000,
        }
        .apply(&mut fields);
        assert_eq!(
            fields["refNumber"].as_str().unwrap().chars().count(),
            10_000
        );
        let before = fields.clone();
        Mutation::WrongSecret.apply(&mut fields);
        Mutation::BodyDisagrees {
            field: "amount".into(),
            value: json!(1),
        }
        .apply(&mut fields);
        assert_eq!(fields, before);
    }

    #[test]
    fn a_case_round_trips_through_json_with_stable_names() {
        let case = FuzzCase {
            scenario: Scenario::PayTwice,
            account: "0811111111".into(),
            product: "product-code".into(),
            inquiry_extras: Map::new(),
            ref_stem: "FZ".into(),
            callback_urls: None,
            mutation: Some(Mutation::NegativeAmount { amount: -1 }),
        };
        let text = serde_json::to_string(&case).unwrap();
        assert!(text.contains("\"scenario\":\"pay-twice\""), "{text}");
        assert!(text.contains("\"variant\":\"negative-amount\""), "{text}");
        let back: FuzzCase = serde_json::from_str(&text).unwrap();
        assert_eq!(back, case);
        assert_eq!(back.variant(), "negative-amount");
    }

    #[test]
    fn negative_scenarios_have_their_own_variant_ids() {
        let mut case: FuzzCase = serde_json::from_value(json!({
            "scenario": "status-unknown", "account": "1", "product": "p", "refStem": "x"
        }))
        .unwrap();
        assert!(case.is_negative());
        assert_eq!(case.variant(), "unknown-ref");
        case.scenario = Scenario::Payment;
        assert!(!case.is_negative());
        assert_eq!(case.variant(), "valid");
    }
}
