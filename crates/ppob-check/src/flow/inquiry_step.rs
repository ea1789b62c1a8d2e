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
