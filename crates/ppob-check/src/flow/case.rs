//! A case: one inquiry → payment → status conversation to run, and what it
//! should come to.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use ppob_core::contract::Operation;

/// One conversation to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// How reports name the case (defaults to the account number).
    #[serde(default)]
    pub name: String,
    /// The customer account to inquire and pay.
    pub account: String,
    /// The product code to use.
    #[serde(default = "owned_default_product")]
    pub product: String,
    /// Amount for open-amount products (sent with the inquiry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<u64>,
    /// Months paid, for products whose inquiry sends `month` (BPJSTK BPU).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<u64>,
    /// `zoneId`, for products whose inquiry sends it (game vouchers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_id: Option<String>,
    /// `callbackUrls` to send with the payment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub callback_urls: Vec<String>,
    /// What the conversation should come to.
    #[serde(default)]
    pub expect: Expectation,
    /// What the case is for, in one line (shown in reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
}

/// The product code a case buys when it names none: the first product of the
/// seed's category (`ppob_products::Catalog::default_product`), read from data.
pub fn default_product() -> &'static str {
    ppob_products::catalog()
        .default_product()
        .map_or("", |p| p.code.as_str())
}

fn owned_default_product() -> String {
    default_product().to_owned()
}

impl Case {
    /// A case for `account` with the default product, expecting success.
    pub fn new(account: impl Into<String>) -> Self {
        let account = account.into();
        Self {
            name: account.clone(),
            account,
            product: owned_default_product(),
            amount: None,
            month: None,
            zone_id: None,
            callback_urls: Vec::new(),
            expect: Expectation::Success,
            about: None,
        }
    }

    /// Fills in the name from the account when none was given.
    pub fn named(mut self) -> Self {
        if self.name.is_empty() {
            self.name = if self.product == default_product() {
                self.account.clone()
            } else {
                format!("{}@{}", self.account, self.product)
            };
        }
        self
    }
}

/// Why a `--case` value could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CaseSyntaxError {
    /// The account part is empty.
    #[error("`{0}`: the account number is empty (expected ACCOUNT[@PRODUCT][=EXPECT])")]
    NoAccount(String),
    /// The product part is empty.
    #[error("`{0}`: the product after `@` is empty (expected ACCOUNT[@PRODUCT][=EXPECT])")]
    NoProduct(String),
    /// The expectation did not parse.
    #[error("`{input}`: {error}")]
    Expectation {
        /// The whole value.
        input: String,
        /// What was wrong with the expectation.
        error: ExpectationError,
    },
}

impl FromStr for Case {
    type Err = CaseSyntaxError;

    /// `ACCOUNT[@PRODUCT][=EXPECT]`, e.g. `0811111113@product-code=failed:302`.
    /// The product follows the last `@`, so an e-mail account (Google Play)
    /// reads as `buyer@example.com@PRODUCT`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (target, expect) = match s.split_once('=') {
            Some((t, e)) => (
                t,
                e.parse().map_err(|error| CaseSyntaxError::Expectation {
                    input: s.to_owned(),
                    error,
                })?,
            ),
            None => (s, Expectation::Success),
        };
        let (account, product) = match target.rsplit_once('@') {
            Some((_, p)) if p.trim().is_empty() => {
                return Err(CaseSyntaxError::NoProduct(s.to_owned()));
            }
            Some((a, p)) => (a.trim(), p.trim().to_owned()),
            None => (target.trim(), owned_default_product()),
        };
        if account.is_empty() {
            return Err(CaseSyntaxError::NoAccount(s.to_owned()));
        }
        let mut case = Case::new(account);
        case.product = product;
        case.expect = expect;
        case.name = String::new();
        Ok(case.named())
    }
}

/// What a case should come to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Expectation {
    /// The payment succeeds (final success code 0–99).
    #[default]
    Success,
    /// A documented failure code ends it, at inquiry or payment; when codes
    /// are listed, one of them.
    Failed(Vec<i64>),
    /// The payment is still processing at the deadline.
    Pending,
}

/// Why an expectation did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExpectationError {
    /// Not one of the words.
    #[error("unknown expectation `{0}`: expected success, pending, failed, or failed:CODE[,CODE…]")]
    Unknown(String),
    /// A code is not an integer.
    #[error("`{0}` is not a response code (an integer, e.g. failed:302)")]
    BadCode(String),
}

impl FromStr for Expectation {
    type Err = ExpectationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        match s {
            "success" => return Ok(Self::Success),
            "pending" => return Ok(Self::Pending),
            "failed" => return Ok(Self::Failed(Vec::new())),
            _ => {}
        }
        let Some(codes) = s.strip_prefix("failed:") else {
            return Err(ExpectationError::Unknown(s.to_owned()));
        };
        codes
            .split(',')
            .map(|c| {
                c.trim()
                    .parse::<i64>()
                    .map_err(|_| ExpectationError::BadCode(c.trim().to_owned()))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self::Failed)
    }
}

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Success => f.write_str("success"),
            Self::Pending => f.write_str("pending"),
            Self::Failed(codes) if codes.is_empty() => f.write_str("failed"),
            Self::Failed(codes) => {
                let list: Vec<String> = codes.iter().map(i64::to_string).collect();
                write!(f, "failed:{}", list.join(","))
            }
        }
    }
}

impl Serialize for Expectation {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Expectation {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// How a case ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A final success code.
    Success {
        /// The code (0–99).
        code: i64,
    },
    /// A documented failure code ended the conversation.
    Failed {
        /// The code.
        code: i64,
        /// The operation that answered it.
        operation: Operation,
    },
    /// The payment was still processing when polling stopped.
    Pending {
        /// Why polling stopped (deadline, end of cassette).
        why: String,
    },
    /// The conversation could not be completed (no usable inquiry, auth, unreachable).
    Error {
        /// What stopped it.
        reason: String,
    },
}

impl Outcome {
    /// `success`, `failed`, `pending` or `error`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Success { .. } => "success",
            Self::Failed { .. } => "failed",
            Self::Pending { .. } => "pending",
            Self::Error { .. } => "error",
        }
    }

    /// The final response code, if one decided the outcome.
    pub fn code(&self) -> Option<i64> {
        match self {
            Self::Success { code } | Self::Failed { code, .. } => Some(*code),
            Self::Pending { .. } | Self::Error { .. } => None,
        }
    }

    /// One sentence on how it ended.
    pub fn describe(&self) -> String {
        match self {
            Self::Success { code } => format!("the payment succeeded (code {code})"),
            Self::Failed { code, operation } => {
                format!("the {} answered failure code {code}", operation.name())
            }
            Self::Pending { why } => format!("still processing: {why}"),
            Self::Error { reason } => format!("could not complete: {reason}"),
        }
    }
}

impl Expectation {
    /// Whether `outcome` is what this expectation asks for.
    pub fn met_by(&self, outcome: &Outcome) -> bool {
        match (self, outcome) {
            (Self::Success, Outcome::Success { .. }) => true,
            (Self::Pending, Outcome::Pending { .. }) => true,
            (Self::Failed(codes), Outcome::Failed { code, .. }) => {
                codes.is_empty() || codes.contains(code)
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_flags_parse_account_product_and_expectation() {
        let case: Case = "0811111113@pulsa=failed:302,309".parse().unwrap();
        assert_eq!(case.account, "0811111113");
        assert_eq!(case.product, "pulsa");
        assert_eq!(case.expect, Expectation::Failed(vec![302, 309]));
        assert_eq!(case.name, "0811111113@pulsa");

        let email: Case = "buyer@play.example@GIFT-20".parse().unwrap();
        assert_eq!(email.account, "buyer@play.example");
        assert_eq!(email.product, "GIFT-20");

        let plain: Case = "0811111111".parse().unwrap();
        assert_eq!(plain.product, default_product());
        assert_eq!(plain.expect, Expectation::Success);
        assert_eq!(plain.name, "0811111111");
    }

    #[test]
    fn bad_case_flags_say_what_was_expected() {
        for bad in ["", "=success", "0811@", "0811=maybe", "0811=failed:x"] {
            let err = bad.parse::<Case>().unwrap_err().to_string();
            assert!(
                err.contains("expected") || err.contains("not a response code"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn expectations_round_trip_through_text() {
        for text in [
            "success",
            "pending",
            "failed",
            "failed:302",
            "failed:302,309",
        ] {
            let e: Expectation = text.parse().unwrap();
            assert_eq!(e.to_string(), text);
        }
    }

    #[test]
    fn expectations_match_outcomes() {
        let failed = Outcome::Failed {
            code: 302,
            operation: Operation::Inquiry,
        };
        assert!(Expectation::Failed(vec![]).met_by(&failed));
        assert!(Expectation::Failed(vec![302]).met_by(&failed));
        assert!(!Expectation::Failed(vec![304]).met_by(&failed));
        assert!(!Expectation::Success.met_by(&failed));
        let pending = Outcome::Pending {
            why: "deadline".into(),
        };
        assert!(Expectation::Pending.met_by(&pending));
        assert!(!Expectation::Failed(vec![]).met_by(&pending));
        let error = Outcome::Error { reason: "x".into() };
        for e in [
            Expectation::Success,
            Expectation::Pending,
            Expectation::Failed(vec![]),
        ] {
            assert!(!e.met_by(&error));
        }
    }
}
