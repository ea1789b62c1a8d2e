//! `category.toml`: what one category folder says about its products, as
//! serde types. Every table denies unknown keys, so a misspelt key is refused
//! with its file, line and column; patterns and templates are checked while
//! they are read, so a bad one is refused at its line too.

use std::fmt;

use regex::Regex;
use serde::{Deserialize, Deserializer};

/// One category's manifest (`<folder>/category.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The human name, e.g. "PLN Prepaid".
    pub title: String,
    /// The `data.category` string answers carry (several categories may share one).
    pub category: String,
    /// One line on what the category sells.
    #[serde(default)]
    pub summary: String,
    /// Whether a case without `@PRODUCT` buys this category's first product
    /// (at most one category of a catalog says so; none: the first by name).
    #[serde(default)]
    pub default: bool,
    /// How date lines of the detail arrays are written.
    #[serde(default)]
    pub date_order: DateOrder,
    /// Whether a payment answers 299 and settles later, or answers its final code at once.
    #[serde(default)]
    pub finish: Finish,
    /// The products of the category (at least one).
    pub products: Vec<Product>,
    /// The optional request fields the category's inquiry sends.
    #[serde(default)]
    pub request: RequestExtras,
    /// The detail lines of a successful inquiry (`responseCode` 300).
    #[serde(default)]
    pub inquiry: Lines,
    /// The detail lines of a successful payment, status or callback (0–99).
    #[serde(default)]
    pub settled: Lines,
    /// The shape of `billDetails`.
    #[serde(default)]
    pub bills: Bills,
    /// What a successful `token` carries.
    #[serde(default)]
    pub token: Token,
    /// The simulator's test accounts of this category.
    #[serde(default)]
    pub accounts: Vec<Account>,
}

/// How a date line ("Tanggal & Waktu Pembayaran", …) is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DateOrder {
    /// `DD Mon YYYY | HH:MM` (every documented category but BPJSTK BPU).
    #[default]
    DayFirst,
    /// `HH:MM | DD Mon YYYY` (BPJSTK BPU).
    TimeFirst,
}

/// How a payment finishes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Finish {
    /// Answers 299 (processing); status and the callback tell the end.
    #[default]
    Async,
    /// Answers its final code at once (e.g. a data package's RC 4).
    Sync,
}

/// One product of a category.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    /// The `productCode` a request names (unique over every category).
    pub code: String,
    /// The `productName` answers carry.
    pub name: String,
    /// The fixed price of the product, when the price does not come from the account's bill.
    #[serde(default)]
    pub price: Option<u64>,
}

/// The optional request fields of a category's inquiry (api-facts: `amount`, `month`, `zoneId`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestExtras {
    /// Open-amount products: the inquiry sends `amount` within these bounds.
    #[serde(default)]
    pub amount: Option<Range>,
    /// The inquiry sends `month` (months paid) within these bounds.
    #[serde(default)]
    pub month: Option<Range>,
    /// The inquiry sends `zoneId`.
    #[serde(default)]
    pub zone_id: bool,
}

/// Inclusive bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    /// The least value allowed.
    pub min: u64,
    /// The greatest value allowed.
    pub max: u64,
}

impl Range {
    /// Whether `value` is within the bounds.
    pub fn contains(self, value: u64) -> bool {
        (self.min..=self.max).contains(&value)
    }
}

/// The detail lines of one phase: each `[key, value template]`. Every key is
/// required in a document of that phase; the simulator writes the lines from
/// the templates.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lines {
    /// `customerDetails`.
    #[serde(default)]
    pub customer: Vec<(String, Template)>,
    /// `productDetails`.
    #[serde(default)]
    pub product: Vec<(String, Template)>,
}

/// The shape of `billDetails`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bills {
    /// The key of the admin-fee line (`billId` "0"); none: the category has no admin line.
    #[serde(default)]
    pub admin_key: Option<String>,
    /// The key every bill-period line must have, when the category fixes one.
    #[serde(default)]
    pub period_key: Option<String>,
    /// The `billInfo` keys every bill-period line must have.
    #[serde(default)]
    pub info_keys: Vec<String>,
    /// How many bill-period lines (`billId` other than "0") a successful inquiry has.
    #[serde(default)]
    pub periods: Option<Range>,
}

/// What a successful `token` carries.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Token {
    /// `productDetails` keys whose value a successful payment, status or
    /// callback token equals (rule `product.token-line`: the first of them
    /// present is compared), e.g. Pulsa's serial-number line.
    #[serde(default)]
    pub lines: Vec<String>,
    /// `productDetails` keys of a reference-number line (compared ignoring
    /// ASCII case): the generic rule `status.token-equals-reference` compares
    /// a successful status token with the first present. Every known
    /// category's together are that rule's keys (`--reference-key` replaces them).
    #[serde(default)]
    pub reference: Vec<String>,
    /// A regular expression the whole token matches.
    #[serde(default)]
    pub pattern: Option<Pattern>,
    /// A token built from parts: `PREFIX…` pieces joined by `separator`, in order.
    #[serde(default)]
    pub parts: Option<Parts>,
    /// How the simulator makes a token (template; `{txn:N}` is the
    /// transaction id zero-padded to N digits).
    #[serde(default)]
    pub make: Option<Template>,
}

/// A token made of prefixed parts, e.g. `JHT…#JKK…#JKM…#JPN…`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parts {
    /// What joins the parts.
    pub separator: String,
    /// The prefix of each part, in order.
    pub prefixes: Vec<String>,
}

/// A compiled token pattern, anchored to the whole token.
#[derive(Clone)]
pub struct Pattern {
    /// The pattern as written.
    pub source: String,
    /// The compiled, anchored pattern.
    pub regex: Regex,
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pattern({:?})", self.source)
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let source = String::deserialize(deserializer)?;
        let regex = Regex::new(&format!("^(?:{source})$")).map_err(|e| {
            serde::de::Error::custom(format!("not a regular expression ({source:?}): {e}"))
        })?;
        Ok(Self { source, regex })
    }
}

/// A value template: text with placeholders `{account}`, `{name}`, `{time}`,
/// `{token}`, `{product}`, `{periods}` and `{txn:N}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template(pub String);

/// The placeholders a template may use.
pub const PLACEHOLDERS: &[&str] = &["account", "name", "time", "token", "product", "periods"];

impl<'de> Deserialize<'de> for Template {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        crate::template::check(&text).map_err(serde::de::Error::custom)?;
        Ok(Self(text))
    }
}

/// One simulator test account.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// The `accountNumber` to send (unique over every category).
    pub number: String,
    /// The customer name answers carry.
    pub name: String,
    /// The product code a case of this account buys (one of the category's;
    /// the first product when omitted).
    #[serde(default)]
    pub product: Option<String>,
    /// The request extras a case of this account sends with its inquiry.
    #[serde(default)]
    pub request: AccountRequest,
    /// How this account's payment finishes, when not as its category's.
    #[serde(default)]
    pub finish: Option<Finish>,
    /// The bill periods an inquiry answers (none for products priced by
    /// `price` or by the inquiry's open `amount`). With a `month` request
    /// extra, one set of these lines per month asked.
    #[serde(default)]
    pub bill: Vec<Period>,
    /// The admin fee (the `billId` "0" line).
    #[serde(default)]
    pub admin: u64,
    /// An inquiry failure code (301–399) instead of a bill.
    #[serde(default)]
    pub inquiry_fails: Option<i64>,
    /// What a payment does.
    #[serde(default)]
    pub payment: PaymentOutcome,
    /// Faults this account always has, in `--fault` syntax (`timeout`, `latency=300ms@all`).
    #[serde(default)]
    pub faults: Vec<String>,
    /// What the account is for, in one line.
    pub behaviour: String,
    /// The outcome a correct client reports.
    pub expected: String,
}

/// The request extras a case of an account sends with its inquiry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountRequest {
    /// `amount`, for an open-amount product.
    #[serde(default)]
    pub amount: Option<u64>,
    /// `month`, the months paid.
    #[serde(default)]
    pub month: Option<u64>,
    /// `zoneId`.
    #[serde(default)]
    pub zone_id: Option<String>,
}

/// One bill period of an account (a `billId` "1", "2", … line).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// The line's key (the category's `period_key` when omitted).
    #[serde(default)]
    pub key: Option<String>,
    /// The line's amount in rupiah.
    pub value: u64,
    /// The line's `billInfo` as `[key, value]` pairs.
    #[serde(default)]
    pub info: Vec<(String, String)>,
}

/// What a payment of an account does once it passed the inquiry checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum PaymentOutcome {
    /// Settles with this code (0–99 success, 1xx failure).
    Settles(i64),
    /// Refused at once with this final failure code.
    Rejected(i64),
}

impl Default for PaymentOutcome {
    fn default() -> Self {
        Self::Settles(0)
    }
}
