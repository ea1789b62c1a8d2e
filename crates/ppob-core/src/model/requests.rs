//! The three request bodies (also the JWT payload carried in the TOKEN header).

use schemars::JsonSchema;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

use super::ints::{self, MAX_SAFE_INTEGER};

/// Reads a string that must not be empty (the schema's `minLength: 1`).
fn non_empty<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let s = String::deserialize(deserializer)?;
    if s.is_empty() {
        return Err(de::Error::invalid_length(0, &"a non-empty string"));
    }
    Ok(s)
}

/// `POST /api/v2/bill/check`: asks what a customer owes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InquiryRequest {
    /// The partner's id, equal to its API key.
    pub partner_id: String,
    /// The customer's account or phone number, e.g. "0811111111".
    pub account_number: String,
    /// The product code issued by the vendor.
    pub product_code: String,
    /// Amount in rupiah, for open-amount products only.
    #[serde(
        default,
        deserialize_with = "ints::opt_uint",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(range(max = MAX_SAFE_INTEGER))]
    pub amount: Option<u64>,
    /// Zone or server id, for game vouchers only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_id: Option<String>,
    /// Number of months to pay, for BPJS only.
    #[serde(
        default,
        deserialize_with = "ints::opt_uint",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(range(max = MAX_SAFE_INTEGER))]
    pub month: Option<u64>,
}

/// `POST /api/v2/bill/payment`: pays what an inquiry found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PaymentRequest {
    /// The partner's id, equal to its API key.
    pub partner_id: String,
    /// The partner's own unique reference for this payment (not empty);
    /// status looks it up.
    #[serde(deserialize_with = "non_empty")]
    #[schemars(length(min = 1))]
    pub ref_number: String,
    /// The customer's account number, as in the inquiry.
    pub account_number: String,
    /// The product code, as in the inquiry.
    pub product_code: String,
    /// Amount in rupiah, as the inquiry returned it.
    #[serde(deserialize_with = "ints::uint")]
    #[schemars(range(max = MAX_SAFE_INTEGER))]
    pub amount: u64,
    /// The `inquiryId` of the inquiry being paid.
    #[serde(deserialize_with = "ints::uint")]
    #[schemars(range(max = MAX_SAFE_INTEGER))]
    pub inquiry_id: u64,
    /// URLs the vendor POSTs the final result to (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_urls: Option<Vec<String>>,
}

/// `POST /api/v2/bill/status`: asks how a payment ended, by the partner's refNumber.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatusRequest {
    /// The partner's id, equal to its API key.
    pub partner_id: String,
    /// The `refNumber` the partner sent with the payment (not empty).
    #[serde(deserialize_with = "non_empty")]
    #[schemars(length(min = 1))]
    pub ref_number: String,
}
