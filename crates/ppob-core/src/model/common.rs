//! Pieces shared by several payloads: the message pair and the detail lines.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ints::{self, MAX_SAFE_INTEGER};
use super::objects;

/// The human-readable message of a response, in Indonesian and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Message {
    /// The message in Indonesian, e.g. "Inkuiri berhasil".
    #[serde(rename = "ID")]
    pub id: String,
    /// The message in English, e.g. "Inquiry is successful".
    #[serde(rename = "EN")]
    pub en: String,
}

/// One `{key, value}` line shown to the customer. Key names differ between
/// product categories; no key name is fixed by the contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyValue {
    /// Label of the line, e.g. "Nomor Pelanggan".
    pub key: String,
    /// Value of the line, always a string, e.g. "0811111111".
    pub value: String,
}

/// One line of an inquiry's bill: a bill period, or the admin fee (`billId` "0").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InquiryBillDetail {
    /// "0" for the admin-fee line; "1", "2", … for bill periods.
    pub bill_id: String,
    /// Breakdown of the line; numeric values, where all are numeric, sum to `value`.
    #[serde(deserialize_with = "objects::objects")]
    pub bill_info: Vec<KeyValue>,
    /// Whether the line must be paid together with the others.
    pub is_mandatory: bool,
    /// Label of the line, e.g. "Jumlah Tagihan".
    pub key: String,
    /// Amount of the line in rupiah (no decimals).
    #[serde(deserialize_with = "ints::uint")]
    #[schemars(range(max = MAX_SAFE_INTEGER))]
    pub value: u64,
}

/// One bill line of a payment response; `isMandatory` may be left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PaymentBillDetail {
    /// "0" for the admin-fee line; "1", "2", … for bill periods.
    pub bill_id: String,
    /// Breakdown of the line; numeric values, where all are numeric, sum to `value`.
    #[serde(deserialize_with = "objects::objects")]
    pub bill_info: Vec<KeyValue>,
    /// Whether the line had to be paid together with the others (not always sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_mandatory: Option<bool>,
    /// Label of the line, e.g. "Jumlah Tagihan".
    pub key: String,
    /// Amount of the line in rupiah (no decimals).
    #[serde(deserialize_with = "ints::uint")]
    #[schemars(range(max = MAX_SAFE_INTEGER))]
    pub value: u64,
}

/// One bill line of a status response or callback (no `isMandatory`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatusBillDetail {
    /// "0" for the admin-fee line; "1", "2", … for bill periods.
    pub bill_id: String,
    /// Breakdown of the line; numeric values, where all are numeric, sum to `value`.
    #[serde(deserialize_with = "objects::objects")]
    pub bill_info: Vec<KeyValue>,
    /// Label of the line, e.g. "Jumlah Tagihan".
    pub key: String,
    /// Amount of the line in rupiah (no decimals).
    #[serde(deserialize_with = "ints::uint")]
    #[schemars(range(max = MAX_SAFE_INTEGER))]
    pub value: u64,
}

/// What every bill line offers the semantic rules, whatever its operation.
pub trait BillLine {
    /// "0" for the admin-fee line; "1", "2", … for bill periods.
    fn bill_id(&self) -> &str;
    /// The breakdown lines.
    fn bill_info(&self) -> &[KeyValue];
    /// Amount of the line in rupiah.
    fn value(&self) -> u64;
    /// The line's name (e.g. the admin line's).
    fn key(&self) -> &str;
}

macro_rules! impl_bill_line {
    ($($t:ty),*) => {$(
        impl BillLine for $t {
            fn bill_id(&self) -> &str { &self.bill_id }
            fn bill_info(&self) -> &[KeyValue] { &self.bill_info }
            fn value(&self) -> u64 { self.value }
            fn key(&self) -> &str { &self.key }
        }
    )*};
}
impl_bill_line!(InquiryBillDetail, PaymentBillDetail, StatusBillDetail);
