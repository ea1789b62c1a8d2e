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
    if let Some(finding) = rules::inquiry_other_account(&case.account, inquiry) {
        let reason = finding.1.message.clone();
        return Err(NoPayment {
            finding: Some(Box::new(finding)),
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

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;
    use crate::flow::classify::read;
    use ppob_core::contract::Operation;
    use ppob_transport::{Exchange, WireRequest, WireResponse};
    use ppob_validate::{Engine, EngineOptions};

    fn inquiry(account: &str, product: &str, amount: Value) -> Value {
        json!({
            "responseCode": 300,
            "data": {
                "accountNumber": account,
                "productCode": product,
                "amount": amount,
                "inquiryId": 42,
            }
        })
    }

    fn payer<'a>(refs: &'a RefNumbers, max_amount: Option<u64>) -> Payer<'a> {
        Payer {
            partner_id: "partner-id",
            refs,
            max_amount,
            callback_url: None,
        }
    }

    fn refusal(result: Result<Value, NoPayment>) -> NoPayment {
        match result {
            Ok(payload) => panic!("paid: {payload}"),
            Err(refused) => refused,
        }
    }

    #[test]
    fn the_payment_pays_what_the_inquiry_answered_with_a_fresh_ref_number() {
        let refs = RefNumbers::seeded("T", 1);
        let expected_ref = RefNumbers::seeded("T", 1).next();
        let case = Case::new("0811111111");
        let payload = payment_payload(
            &case,
            &inquiry("0811111111", "PLN", json!(150000)),
            &payer(&refs, None),
        )
        .unwrap();
        assert_eq!(
            payload,
            json!({
                "partnerId": "partner-id",
                "refNumber": expected_ref,
                "accountNumber": "0811111111",
                "productCode": "PLN",
                "amount": 150000,
                "inquiryId": 42,
            })
        );
    }

    #[test]
    fn a_blank_product_is_the_cases_and_callback_urls_end_with_the_listeners() {
        let refs = RefNumbers::seeded("T", 1);
        let mut case = Case::new("0811111111");
        case.product = "case-product".into();
        case.callback_urls = vec!["https://partner.example/cb".into()];
        let payer = Payer {
            callback_url: Some("http://127.0.0.1:9/cb"),
            ..payer(&refs, None)
        };
        let payload = payment_payload(&case, &inquiry("0811111111", "", json!(1)), &payer).unwrap();
        assert_eq!(payload["productCode"], "case-product");
        assert_eq!(
            payload["callbackUrls"],
            json!(["https://partner.example/cb", "http://127.0.0.1:9/cb"])
        );
    }

    #[test]
    fn another_account_is_never_paid_and_uses_no_ref_number() {
        let refs = RefNumbers::seeded("T", 1);
        let case = Case::new("0811111111");
        let refused = refusal(payment_payload(
            &case,
            &inquiry("0899999999", "PLN", json!(1)),
            &payer(&refs, None),
        ));
        let (rule, finding) = *refused.finding.unwrap();
        assert_eq!(rule, rules::INQUIRY_OTHER_ACCOUNT);
        assert_eq!(finding.pointer, "/data/accountNumber");
        assert_eq!(finding.actual.as_deref(), Some("\"0899999999\""));
        assert!(refused.reason.contains("stopped before payment"));
        assert_eq!(
            refs.next(),
            RefNumbers::seeded("T", 1).next(),
            "the refused payment took no refNumber"
        );
    }

    #[test]
    fn an_inquiry_without_a_numeric_amount_or_inquiry_id_is_not_paid() {
        let refs = RefNumbers::seeded("T", 1);
        let case = Case::new("0811111111");
        let refused = refusal(payment_payload(
            &case,
            &inquiry("0811111111", "PLN", json!("150000")),
            &payer(&refs, None),
        ));
        assert!(refused.finding.is_none());
        assert_eq!(
            refused.reason,
            "the inquiry answered 300 without a numeric data.amount"
        );
        let mut no_id = inquiry("0811111111", "PLN", json!(1));
        no_id["data"].as_object_mut().unwrap().remove("inquiryId");
        let refused = refusal(payment_payload(&case, &no_id, &payer(&refs, None)));
        assert_eq!(
            refused.reason,
            "the inquiry answered 300 without a numeric data.inquiryId"
        );
    }

    #[test]
    fn the_amount_limit_pays_up_to_the_limit_and_no_fraction() {
        let refs = RefNumbers::seeded("T", 1);
        let case = Case::new("0811111111");
        let pay = |amount: Value| {
            payment_payload(
                &case,
                &inquiry("0811111111", "PLN", amount),
                &payer(&refs, Some(100)),
            )
        };
        assert!(pay(json!(100)).is_ok());
        for amount in [json!(101), json!(99.5), json!(-1)] {
            let refused = refusal(pay(amount.clone()));
            let (rule, finding) = *refused.finding.unwrap();
            assert_eq!(rule, rules::AMOUNT_ABOVE_LIMIT, "{amount}");
            assert_eq!(finding.pointer, "/data/amount");
            assert_eq!(finding.expected.as_deref(), Some("at most 100"));
            assert_eq!(finding.actual, Some(amount.to_string()));
        }
    }

    #[test]
    fn a_refusal_puts_its_finding_on_the_inquiry_answer() {
        let engine = Engine::new(EngineOptions::default());
        let case = Case::new("0811111111");
        let mut log = Log::new(&engine, &case);
        let body = serde_json::to_vec_pretty(&inquiry("0811111111", "PLN", json!(500))).unwrap();
        let exchange = Exchange {
            request: WireRequest {
                operation: Operation::Inquiry,
                method: "POST".into(),
                path: "/".into(),
                headers: vec![],
                body: vec![],
                payload: Value::Null,
            },
            response: Ok(WireResponse::json(200, body)),
            started: SystemTime::UNIX_EPOCH,
            elapsed: Duration::ZERO,
        };
        let at = log.record(&exchange, &read(&exchange), Vec::new(), "inquiry ok (300)");
        let refs = RefNumbers::seeded("T", 1);
        let refused = refusal(payment_payload(
            &case,
            &inquiry("0811111111", "PLN", json!(500)),
            &payer(&refs, Some(100)),
        ));
        let reason = refused.reason.clone();
        assert_eq!(refused.stop(&mut log, at), Outcome::Error { reason });
        let placed: Vec<_> = log.documents()[at]
            .report
            .findings
            .iter()
            .filter(|f| f.rule == rules::AMOUNT_ABOVE_LIMIT)
            .collect();
        assert_eq!(placed.len(), 1);
        assert_eq!(placed[0].pointer, "/data/amount");
        assert!(placed[0].line > 1, "placed at the amount, not the top");
    }
}
