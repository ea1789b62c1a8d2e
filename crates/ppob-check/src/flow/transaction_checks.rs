//! The checks on each payment and status answer: the cross-step rules
//! against the inquiry and the payment request, the money rule's warnings
//! (an ambiguous or unusable answer), and the duplicate answer to a fresh
//! refNumber that stops the case.

use serde_json::Value;

use super::answer::Answer;
use super::case::Outcome;
use super::classify::{self, Doubt, Reading, Unusable};
use super::document_log::{Log, plain};
use super::rules::{self, Expected, Ours};
use ppob_core::rules::RuleFinding;
use ppob_transport::TransportError;

/// What payment and status answers are compared with.
pub(super) struct Paid<'r> {
    /// The inquiry answer.
    pub(super) inquiry: &'r Value,
    /// The payment request's signed fields.
    pub(super) request: &'r Value,
    /// The first transactionId of the conversation (for `flow.transaction-id-stable`).
    pub(super) seen: Option<i64>,
    /// The case's identity; its transactionId is taken only from an answer about this case.
    pub(super) ours: Ours<'r>,
}

/// Cross-step rules on a payment or status answer (the document at `at`),
/// and the money rule's warnings; notes the first transactionId seen, and
/// the case's own once an answer about this case names it.
pub(super) fn judge_transaction(
    log: &mut Log<'_>,
    at: usize,
    answer: &Answer,
    paid: &mut Paid<'_>,
) {
    let Paid {
        inquiry,
        request,
        seen,
        ours,
    } = paid;
    match &answer.reading {
        Reading::Envelope { json, .. } => {
            let mut found = rules::transaction_response(
                json,
                Expected {
                    inquiry,
                    payment_request: request,
                    transaction_id: *seen,
                },
            );
            if let Some(doubt) = classify::final_in_doubt(&answer.reading) {
                let pointer = match &doubt {
                    Doubt::DuplicateKeys(keys) => keys
                        .first()
                        .map_or(String::new(), |k| format!("/{}", k.key)),
                    Doubt::HttpStatus(_) => String::new(),
                    Doubt::SuccessFlag { .. } => "/success".into(),
                };
                let finding = RuleFinding {
                    pointer,
                    message: format!(
                        "{}: treated as processing (money rule), resolved by status",
                        doubt.explain()
                    ),
                    expected: None,
                    actual: None,
                };
                found.push((rules::AMBIGUOUS_ANSWER, finding));
            }
            found.extend(answer.overruled.clone());
            log.add(at, found);
            let id = rules::transaction_id(json);
            if seen.is_none() {
                *seen = id;
            }
            if ours.transaction_id.is_none() && !answer.foreign {
                ours.transaction_id = id;
            }
        }
        Reading::Unusable(Unusable::Transport(TransportError::Replay(_))) => {}
        Reading::Unusable(u) => {
            let finding = plain(format!(
                "{}: treated as processing (money rule), resolved by status",
                u.explain()
            ));
            log.add(at, vec![(rules::UNUSABLE_ANSWER, finding)]);
            log.move_to_parse_error(at);
        }
        Reading::AuthRefused { .. } => {}
    }
}

/// A duplicate answer (102, 108) to the payment: its refNumber was fresh
/// (every payment gets a new one), so another transaction owns it and its
/// status would describe that transaction. The case stops with a finding on
/// the document at `at`.
pub(super) fn duplicate_of_unknown_ref(
    log: &mut Log<'_>,
    at: usize,
    reading: &Reading,
    ours: Ours<'_>,
) -> Option<Outcome> {
    let Reading::Envelope { code, .. } = reading else {
        return None;
    };
    if !matches!(code, 102 | 108) {
        return None;
    }
    let reference = ours.ref_number.unwrap_or("(none)");
    let reason = format!(
        "the payment was answered {code} (duplicate transaction), but this run had never used refNumber \
{reference}: another transaction owns it (a refNumber collision with another run, or a server that \
remembers wrongly), so its status would not be this case's; whether this payment was charged is unknown"
    );
    let finding = RuleFinding {
        pointer: "/responseCode".into(),
        message: reason.clone(),
        expected: Some("a code other than 102 and 108".into()),
        actual: Some(code.to_string()),
    };
    log.add(at, vec![(rules::DUPLICATE_UNKNOWN_REF, finding)]);
    Some(Outcome::Error { reason })
}
