//! The payment request a good inquiry answer leads to, or why nothing is
//! paid: the answer names another account than the case's, lacks a numeric
//! amount or inquiryId, or asks more than `--max-amount`.

use serde_json::{Map, Value, json};

use super::case::{Case, Outcome};
use super::classify;
use super::document_log::Log;
use super::refs::RefNumbers;
use super::rules::{self, FlowFinding};
use ppob_core::rules::RuleFinding;

/// Why a case stops before payment.
#[derive(Debug)]
pub(super) struct NoPayment {
    /// The finding on the inquiry answer, when the stop has one.
    pub(super) finding: Option<Box<FlowFinding>>,
    /// Why, for the case's outcome.
    pub(super) reason: String,
}

impl NoPayment {
    /// Puts the finding on the inquiry answer (the document at `inquiry_at`)
    /// and returns the case's outcome.
    pub(super) fn stop(self, log: &mut Log<'_>, inquiry_at: usize) -> Outcome {
        if let Some(finding) = self.finding {
            log.add(inquiry_at, vec![*finding]);
        }
        Outcome::Error {
            reason: self.reason,
        }
    }
}

/// What a payment request is made of besides the case and its inquiry answer.
pub(super) struct Payer<'a> {
    /// The partner's id (the credentials' key).
    pub(super) partner_id: &'a str,
    /// Makes the payment's refNumber, once the answer's account is the case's.
    pub(super) refs: &'a RefNumbers,
    /// The largest amount to pay, if any.
    pub(super) max_amount: Option<u64>,
    /// The URL of `--callback-listen`, named in `callbackUrls` after the case's own.
    pub(super) callback_url: Option<&'a str>,
}

/// The payment request's fields for `case` after its inquiry answered
/// `inquiry` (an envelope with code 300): the answer's amount, inquiryId and
/// productCode (the case's when blank), a fresh refNumber.
pub(super) fn payment_payload(
    case: &Case,
    inquiry: &Value,
    payer: &Payer<'_>,
) -> Result<Value, NoPayment> {
    let data = |field: &str| inquiry.pointer(&format!("/data/{field}")).cloned();
    if let Some(answered) = rules::text(inquiry, "/data/accountNumber")
        && answered != case.account
    {
        let reason = format!(
            "the inquiry answered account \"{answered}\" for the case's account \"{}\": check never pays \
another account than the case's, so it stopped before payment",
            case.account
        );
        let finding = RuleFinding {
            pointer: "/data/accountNumber".into(),
            message: reason.clone(),
            expected: Some(format!("\"{}\"", case.account)),
            actual: Some(format!("\"{answered}\"")),
        };
        return Err(NoPayment {
            finding: Some(Box::new((rules::INQUIRY_OTHER_ACCOUNT, finding))),
            reason,
        });
    }
    let mut payload = Map::new();
    payload.insert("partnerId".into(), payer.partner_id.into());
    payload.insert("refNumber".into(), payer.refs.next().into());
    let product = data("productCode")
        .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
        .unwrap_or_else(|| case.product.clone().into());
    payload.insert("accountNumber".into(), case.account.clone().into());
    payload.insert("productCode".into(), product);
    for field in ["amount", "inquiryId"] {
        let Some(value) = data(field).filter(Value::is_number) else {
            return Err(NoPayment {
                finding: None,
                reason: format!("the inquiry answered 300 without a numeric data.{field}"),
            });
        };
        payload.insert(field.into(), value);
    }
    if let Some(limit) = payer.max_amount {
        within_limit(&payload["amount"], limit)?;
    }
    let mut urls = case.callback_urls.clone();
    if let Some(url) = payer.callback_url {
        urls.push(url.to_owned());
    }
    if !urls.is_empty() {
        payload.insert("callbackUrls".into(), json!(urls));
    }
    Ok(Value::Object(payload))
}

/// Refuses to pay when `amount` is not a whole number of rupiah between 0
/// and `limit`.
fn within_limit(amount: &Value, limit: u64) -> Result<(), NoPayment> {
    let fits = classify::integer(amount)
        .and_then(|a| u64::try_from(a).ok())
        .is_some_and(|a| a <= limit);
    if fits {
        return Ok(());
    }
    let reason = format!(
        "the inquiry asks to pay {amount}, above --max-amount {limit} (or not a whole number of rupiah): \
check stopped before payment; raise --max-amount (or max_amount in the config file) to pay it"
    );
    let finding = RuleFinding {
        pointer: "/data/amount".into(),
        message: reason.clone(),
        expected: Some(format!("at most {limit}")),
        actual: Some(amount.to_string()),
    };
    Err(NoPayment {
        finding: Some(Box::new((rules::AMOUNT_ABOVE_LIMIT, finding))),
        reason,
    })
}
