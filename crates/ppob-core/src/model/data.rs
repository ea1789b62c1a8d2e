//! The `data` objects of the responses: complete ones (success, processing,
//! inquiry ok) and the lenient one sent with failures.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};

use super::common::{BillLine, InquiryBillDetail, KeyValue, PaymentBillDetail, StatusBillDetail};
use super::ints::{self, MAX_SAFE_INTEGER};
use super::objects;

/// `data` of a successful inquiry (response code 300).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InquiryData {
    /// The vendor's id of this inquiry; the payment sends it back.
    #[serde(deserialize_with = "ints::uint")]
    #[schemars(range(max = MAX_SAFE_INTEGER))]
    pub inquiry_id: u64,
    /// The customer's account number.
    pub account_number: String,
    /// The customer's (masked) name; not every product sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_name: Option<String>,
    /// Display name of the product.
    pub product_name: String,
    /// The product code.
    pub product_code: String,
    /// Product category, e.g. "Pascabayar".
    pub category: String,
    /// Total to pay in rupiah, admin fee included.
    #[serde(deserialize_with = "ints::uint")]
    #[schemars(range(max = MAX_SAFE_INTEGER))]
    pub amount: u64,
    /// Admin fee in rupiah (the `billId` "0" line).
    #[serde(deserialize_with = "ints::uint")]
    #[schemars(range(max = MAX_SAFE_INTEGER))]
    pub total_admin: u64,
    /// Processing fee in rupiah.
    #[serde(deserialize_with = "ints::uint")]
    #[schemars(range(max = MAX_SAFE_INTEGER))]
    pub processing_fee: u64,
    /// Denomination, for fixed-denomination products; "" otherwise.
    pub denom: String,
    /// Validity period, where the product has one; "" or absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity: Option<String>,
    /// Lines describing the customer.
    #[serde(deserialize_with = "objects::objects")]
    pub customer_details: Vec<KeyValue>,
    /// The bill, one line per period plus the admin-fee line.
    #[serde(deserialize_with = "objects::objects")]
    pub bill_details: Vec<InquiryBillDetail>,
    /// Lines describing the product.
    #[serde(deserialize_with = "objects::objects")]
    pub product_details: Vec<KeyValue>,
    /// Further product-specific lines.
    #[serde(deserialize_with = "objects::objects")]
    pub extra_fields: Vec<KeyValue>,
}

/// Which transaction a [`TransactionData`] belongs to: payment or status.
///
/// The two differ only in their bill-line type; the marker's schema name
/// ("Payment", "Status") names the data type in the schemas ("PaymentData",
/// "StatusData"), so consumers' generators see a meaningful name rather than a
/// generic one.
pub trait TransactionKind: JsonSchema {
    /// The type of one bill line of this transaction's `billDetails`.
    type BillLine: BillLine + JsonSchema + Serialize + for<'de> Deserialize<'de>;
}

/// The payment transaction: [`PaymentData`] is `TransactionData<Payment>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payment {}

/// The status transaction (and the callback): [`StatusData`] is
/// `TransactionData<Status>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {}

impl TransactionKind for Payment {
    type BillLine = PaymentBillDetail;
}

impl TransactionKind for Status {
    type BillLine = StatusBillDetail;
}

/// Markers only lend their names to the schemas; they have no values.
macro_rules! marker_schema {
    ($($marker:ident),*) => {$(
        impl JsonSchema for $marker {
            fn schema_name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($marker))
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                Schema::from(false)
            }
        }
    )*};
}
marker_schema!(Payment, Status);

/// `data` of a payment (processing or final) or of a status response.
/// `K` says which; the bill-line type is the one thing in which they differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[serde(bound(serialize = "", deserialize = ""))]
#[schemars(rename = "{K}Data", bound = "K: TransactionKind")]
pub struct TransactionData<K: TransactionKind> {
    /// The partner's refNumber of the payment, echoed.
    pub ref_number: String,
    /// The vendor's id of the transaction; stable between payment and status.
    #[serde(deserialize_with = "ints::uint")]
    #[schemars(range(max = MAX_SAFE_INTEGER))]
    pub transaction_id: u64,
    /// The customer's account number.
    pub account_number: String,
    /// Amount in rupiah.
    #[serde(deserialize_with = "ints::uint")]
    #[schemars(range(max = MAX_SAFE_INTEGER))]
    pub amount: u64,
    /// Admin fee in rupiah.
    #[serde(deserialize_with = "ints::uint")]
    #[schemars(range(max = MAX_SAFE_INTEGER))]
    pub total_admin: u64,
    /// Processing fee in rupiah.
    #[serde(deserialize_with = "ints::uint")]
    #[schemars(range(max = MAX_SAFE_INTEGER))]
    pub processing_fee: u64,
    /// Denomination, for fixed-denomination products; "" otherwise.
    pub denom: String,
    /// The product code.
    pub product_code: String,
    /// Display name of the product.
    pub product_name: String,
    /// Product category, e.g. "Pascabayar".
    pub category: String,
    /// The product's result (serial, PLN token or reference number); "" while processing.
    pub token: String,
    /// The customer's (masked) name; not every response sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_name: Option<String>,
    /// Validity period, where the product has one; not every response sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity: Option<String>,
    /// Lines describing the customer.
    #[serde(deserialize_with = "objects::objects")]
    pub customer_details: Vec<KeyValue>,
    /// The bill lines paid.
    #[serde(deserialize_with = "objects::objects")]
    pub bill_details: Vec<K::BillLine>,
    /// Lines describing the product, e.g. the reference number.
    #[serde(deserialize_with = "objects::objects")]
    pub product_details: Vec<KeyValue>,
    /// Further product-specific lines.
    #[serde(deserialize_with = "objects::objects")]
    pub extra_fields: Vec<KeyValue>,
}

/// `data` of a payment response.
pub type PaymentData = TransactionData<Payment>;
/// `data` of a status response or callback.
pub type StatusData = TransactionData<Status>;

/// `data` of a response whose code is not success, processing or inquiry ok:
/// `{}`, the "blank" object (strings `""`, numbers `0`, arrays `null`), or any
/// part of the complete object. Every documented field may be missing or null.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FailureData {
    /// The inquiry id, when sent.
    #[serde(
        default,
        deserialize_with = "ints::opt_uint",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(range(max = MAX_SAFE_INTEGER))]
    pub inquiry_id: Option<u64>,
    /// The partner's refNumber, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ref_number: Option<String>,
    /// The transaction id, when sent.
    #[serde(
        default,
        deserialize_with = "ints::opt_uint",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(range(max = MAX_SAFE_INTEGER))]
    pub transaction_id: Option<u64>,
    /// The customer's account number, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_number: Option<String>,
    /// The customer's name, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_name: Option<String>,
    /// Display name of the product, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_name: Option<String>,
    /// The product code, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_code: Option<String>,
    /// Product category, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Amount in rupiah, when sent.
    #[serde(
        default,
        deserialize_with = "ints::opt_uint",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(range(max = MAX_SAFE_INTEGER))]
    pub amount: Option<u64>,
    /// Admin fee in rupiah, when sent.
    #[serde(
        default,
        deserialize_with = "ints::opt_uint",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(range(max = MAX_SAFE_INTEGER))]
    pub total_admin: Option<u64>,
    /// Processing fee in rupiah, when sent.
    #[serde(
        default,
        deserialize_with = "ints::opt_uint",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(range(max = MAX_SAFE_INTEGER))]
    pub processing_fee: Option<u64>,
    /// Denomination, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denom: Option<String>,
    /// Validity period, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity: Option<String>,
    /// The product's result, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Lines describing the customer; may be null.
    #[serde(
        default,
        deserialize_with = "objects::opt_objects",
        skip_serializing_if = "Option::is_none"
    )]
    pub customer_details: Option<Vec<KeyValue>>,
    /// Bill lines; may be null.
    #[serde(
        default,
        deserialize_with = "objects::opt_objects",
        skip_serializing_if = "Option::is_none"
    )]
    pub bill_details: Option<Vec<PaymentBillDetail>>,
    /// Lines describing the product; may be null.
    #[serde(
        default,
        deserialize_with = "objects::opt_objects",
        skip_serializing_if = "Option::is_none"
    )]
    pub product_details: Option<Vec<KeyValue>>,
    /// Further product-specific lines; may be null.
    #[serde(
        default,
        deserialize_with = "objects::opt_objects",
        skip_serializing_if = "Option::is_none"
    )]
    pub extra_fields: Option<Vec<KeyValue>>,
}
