//! The inquiry, the conversation's first step: its request, the verdict
//! label of its answer, and what the answer leads to (the payment, a
//! failed case, or a stop with a finding).

use serde_json::{Value, json};

use super::case::{Case, Outcome};
use super::classify::{self, InquiryVerdict, Reading};
use super::conversation::Flow;
use super::document_log::Log;
use super::rules;
use super::setup_stop;
use ppob_core::contract::{Operation, Severity};

impl Flow<'_> {
    /// Sends the inquiry of `case` and records it; returns the answer's
    /// envelope and its position among the documents, or the outcome that
    /// ends the case there.
    pub(super) fn inquire(
        &self,
        case: &Case,
        log: &mut Log<'_>,
    ) -> Result<(Value, usize), Outcome> {
        let exchange = self.send(
            Operation::Inquiry,
            inquiry_payload(self.credentials.key(), case),
        );
        let reading = classify::read(&exchange);
        let verdict = classify::inquiry(&reading);
        let at = log.record(&exchange, &reading, Vec::new(), &label(&verdict));
        if let (InquiryVerdict::Ok, Reading::Envelope { json, .. }) = (&verdict, &reading) {
            let echoes = rules::inquiry_extras(&exchange.request.payload, json);
            if !echoes.is_empty() {
                log.add(at, echoes);
            }
        }
        if let Some(outcome) = setup_stop::not_the_api(
            self.transport,
            self.contact,
            self.credentials,
            &exchange,
            log,
            at,
        ) {
            return Err(outcome);
        }
        if let Some(outcome) = setup_stop::setup_problem(self.transport, &reading, log, at) {
            return Err(outcome);
        }
        answered(verdict, reading, log, at).map(|json| (json, at))
    }
}

/// The inquiry request's fields for `case`.
fn inquiry_payload(partner_id: &str, case: &Case) -> Value {
    let mut payload = json!({
        "partnerId": partner_id,
        "accountNumber": case.account,
        "productCode": case.product,
    });
    if let Some(amount) = case.amount {
        payload["amount"] = amount.into();
    }
    if let Some(month) = case.month {
        payload["month"] = month.into();
    }
    if let Some(zone_id) = &case.zone_id {
        payload["zoneId"] = zone_id.clone().into();
    }
    payload
}

/// The inquiry step's verdict label.
fn label(verdict: &InquiryVerdict) -> String {
    match verdict {
        InquiryVerdict::Ok => "inquiry ok (300)".to_owned(),
        InquiryVerdict::Failed(code) => format!("inquiry failed ({code})"),
        InquiryVerdict::Broken(why) => format!("unusable: {why}"),
    }
}

/// What the inquiry answer (the document at `at`) leads to: its envelope
/// to pay from, or the outcome that ends the case. An unusable answer is a
/// `flow.unusable-answer` error whatever its level, unless turned off.
fn answered(
    verdict: InquiryVerdict,
    reading: Reading,
    log: &mut Log<'_>,
    at: usize,
) -> Result<Value, Outcome> {
    match verdict {
        InquiryVerdict::Ok => match reading {
            Reading::Envelope { json, .. } => Ok(json),
            // classify::inquiry answers Ok only for an envelope.
            _ => Err(Outcome::Error {
                reason: "the inquiry answer has no envelope".into(),
            }),
        },
        InquiryVerdict::Failed(code) => Err(Outcome::Failed {
            code,
            operation: Operation::Inquiry,
        }),
        InquiryVerdict::Broken(reason) => {
            if let Reading::Unusable(_) = reading
                && log.is_on(rules::UNUSABLE_ANSWER)
            {
                log.add_fixed(at, rules::UNUSABLE_ANSWER, Severity::Error, reason.clone());
            }
            Err(Outcome::Error { reason })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ppob_core::rules::{Level, Severities};
    use ppob_transport::{Exchange, TransportError, WireResponse};
    use ppob_validate::{Engine, EngineOptions};

    fn exchange(response: Result<WireResponse, TransportError>) -> Exchange {
        crate::flow::test_support::exchange(Operation::Inquiry, response)
    }

    fn envelope(code: i64) -> Exchange {
        let body = format!(
            "{{\"responseCode\":{code},\"success\":false,\"message\":{{\"ID\":\"x\",\"EN\":\"x\"}},\"data\":{{\"amount\":5}}}}"
        );
        exchange(Ok(WireResponse::json(200, body.into_bytes())))
    }

    /// What the inquiry answer `exchange` leads to with `engine`, and the
    /// `flow.unusable-answer` findings' severities on it.
    fn leads_to(engine: &Engine, exchange: &Exchange) -> (Result<Value, Outcome>, Vec<Severity>) {
        let case = Case::new("0811111111");
        let mut log = Log::new(engine, &case);
        let reading = classify::read(exchange);
        let verdict = classify::inquiry(&reading);
        let at = log.record(exchange, &reading, Vec::new(), &label(&verdict));
        let result = answered(verdict, reading, &mut log, at);
        let severities = log.documents()[at]
            .report
            .findings
            .iter()
            .filter(|f| f.rule == rules::UNUSABLE_ANSWER)
            .map(|f| f.severity)
            .collect();
        (result, severities)
    }

    #[test]
    fn the_inquiry_sends_the_cases_account_and_product_and_its_amount_if_any() {
        let mut case = Case::new("0811111111");
        case.product = "PLN".into();
        let payload = inquiry_payload("partner-id", &case);
        assert_eq!(
            payload,
            json!({"partnerId": "partner-id", "accountNumber": "0811111111", "productCode": "PLN"})
        );
        case.amount = Some(20_000);
        case.month = Some(2);
        case.zone_id = Some("2001".into());
        let payload = inquiry_payload("partner-id", &case);
        assert_eq!(payload["amount"], 20_000);
        assert_eq!(payload["month"], 2);
        assert_eq!(payload["zoneId"], "2001");
    }

    #[test]
    fn each_inquiry_verdict_has_its_label() {
        assert_eq!(label(&InquiryVerdict::Ok), "inquiry ok (300)");
        assert_eq!(label(&InquiryVerdict::Failed(105)), "inquiry failed (105)");
        assert_eq!(
            label(&InquiryVerdict::Broken("HTTP 503".into())),
            "unusable: HTTP 503"
        );
    }

    #[test]
    fn a_300_is_paid_from_and_a_failure_code_fails_the_case() {
        let engine = Engine::new(EngineOptions::default());
        let (ok, found) = leads_to(&engine, &envelope(300));
        assert_eq!(ok.unwrap()["data"]["amount"], 5);
        assert!(found.is_empty());
        let (failed, found) = leads_to(&engine, &envelope(105));
        assert_eq!(
            failed,
            Err(Outcome::Failed {
                code: 105,
                operation: Operation::Inquiry
            })
        );
        assert!(found.is_empty());
    }

    #[test]
    fn an_unusable_inquiry_answer_is_an_error_unless_the_rule_is_off() {
        let lowered = Severities::from_overrides([(
            rules::UNUSABLE_ANSWER,
            Level::Report(Severity::Warning),
        )])
        .unwrap();
        let engine = Engine::new(EngineOptions {
            severities: lowered,
            ..EngineOptions::default()
        });
        let broken = exchange(Ok(WireResponse::json(200, b"not json".to_vec())));
        let (outcome, found) = leads_to(&engine, &broken);
        let Err(Outcome::Error { reason }) = outcome else {
            panic!("{outcome:?}");
        };
        assert!(reason.contains("is not JSON"), "{reason}");
        assert_eq!(found, [Severity::Error], "an error whatever its level");

        let off = Severities::from_overrides([(rules::UNUSABLE_ANSWER, Level::Off)]).unwrap();
        let engine = Engine::new(EngineOptions {
            severities: off,
            ..EngineOptions::default()
        });
        let (outcome, found) = leads_to(&engine, &broken);
        assert!(matches!(outcome, Err(Outcome::Error { .. })));
        assert!(found.is_empty());
    }

    #[test]
    fn an_envelope_with_an_unexpected_code_stops_without_an_unusable_finding() {
        let engine = Engine::new(EngineOptions::default());
        let (outcome, found) = leads_to(&engine, &envelope(0));
        let Err(Outcome::Error { reason }) = outcome else {
            panic!("{outcome:?}");
        };
        assert!(
            reason.starts_with("the inquiry answered code 0 ("),
            "{reason}"
        );
        assert!(found.is_empty(), "the envelope is judged as a document");
    }
}
