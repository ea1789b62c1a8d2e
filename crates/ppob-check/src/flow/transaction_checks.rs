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

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;
    use crate::flow::answer::judge;
    use crate::flow::case::Case;
    use ppob_core::contract::{Finding, Operation};
    use ppob_transport::{Exchange, WireRequest, WireResponse};
    use ppob_validate::{Engine, EngineOptions};
    use serde_json::json;

    fn answered(response: Result<WireResponse, TransportError>) -> Exchange {
        Exchange {
            request: WireRequest {
                operation: Operation::Payment,
                method: "POST".into(),
                path: "/".into(),
                headers: vec![],
                body: vec![],
                payload: json!({"refNumber": "R1"}),
            },
            response,
            started: SystemTime::UNIX_EPOCH,
            elapsed: Duration::ZERO,
        }
    }

    fn json_answer(body: &str) -> Exchange {
        answered(Ok(WireResponse::json(200, body.as_bytes().to_vec())))
    }

    /// An envelope about payment `reference` of account 0811111111.
    fn envelope(code: i64, success: &str, reference: &str, transaction_id: i64) -> String {
        format!(
            "{{\"responseCode\":{code},\"success\":{success},\"message\":{{\"ID\":\"x\",\"EN\":\"x\"}},\
\"data\":{{\"refNumber\":\"{reference}\",\"accountNumber\":\"0811111111\",\"transactionId\":{transaction_id}}}}}"
        )
    }

    /// The flow findings on the answer after judging `exchange` with a
    /// fresh [`Paid`], and the [`Paid`]'s transactionIds after it.
    fn judged(exchange: &Exchange, seen: Option<i64>) -> (Vec<Finding>, Option<i64>, Option<i64>) {
        let engine = Engine::new(EngineOptions::default());
        let case = Case::new("0811111111");
        let mut log = Log::new(&engine, &case);
        let inquiry = json!({"data": {"accountNumber": "0811111111"}});
        let request = json!({"refNumber": "R1", "accountNumber": "0811111111"});
        let mut paid = Paid {
            inquiry: &inquiry,
            request: &request,
            seen,
            ours: Ours {
                ref_number: Some("R1"),
                account: &case.account,
                transaction_id: None,
            },
        };
        let answer = judge(exchange, paid.ours);
        let at = log.record(exchange, &answer.reading, Vec::new(), "x");
        judge_transaction(&mut log, at, &answer, &mut paid);
        let findings = log.documents()[at]
            .report
            .findings
            .iter()
            .filter(|f| f.rule.starts_with("flow."))
            .cloned()
            .collect();
        (findings, paid.seen, paid.ours.transaction_id)
    }

    fn rules_of(findings: &[Finding]) -> Vec<&str> {
        findings.iter().map(|f| f.rule.as_str()).collect()
    }

    #[test]
    fn a_clean_answer_about_this_case_gives_the_case_its_transaction_id() {
        let (findings, seen, ours) = judged(&json_answer(&envelope(0, "true", "R1", 7)), None);
        assert!(findings.is_empty(), "{findings:?}");
        assert_eq!((seen, ours), (Some(7), Some(7)));
    }

    #[test]
    fn an_answer_about_another_ref_number_is_an_echo_finding_and_its_id_is_not_the_cases() {
        let (findings, seen, ours) = judged(&json_answer(&envelope(0, "true", "R2", 9)), None);
        assert_eq!(
            rules_of(&findings),
            [rules::REF_NUMBER_ECHO, rules::FOREIGN_TRANSACTION]
        );
        assert_eq!(
            (seen, ours),
            (Some(9), None),
            "seen for stability, never taken as the case's own"
        );
    }

    #[test]
    fn a_transaction_id_that_changes_is_reported() {
        let (findings, seen, _) = judged(&json_answer(&envelope(201, "false", "R1", 8)), Some(7));
        assert_eq!(rules_of(&findings), [rules::TRANSACTION_ID_STABLE]);
        assert_eq!(seen, Some(7), "the first transactionId is kept");
    }

    #[test]
    fn a_final_code_with_a_contradicting_success_flag_is_ambiguous_at_success() {
        let (findings, _, _) = judged(&json_answer(&envelope(0, "false", "R1", 7)), None);
        assert_eq!(rules_of(&findings), [rules::AMBIGUOUS_ANSWER]);
        assert_eq!(findings[0].pointer, "/success");
        assert!(
            findings[0]
                .message
                .ends_with("treated as processing (money rule), resolved by status"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn an_unusable_answer_is_reported_where_its_json_breaks_and_a_cassettes_end_is_not() {
        let (findings, _, _) = judged(&json_answer("{\"responseCode\": 0,\n  oops}"), None);
        assert_eq!(rules_of(&findings), [rules::UNUSABLE_ANSWER]);
        assert_eq!(findings[0].line, 2, "{findings:?}");
        assert!(
            findings[0].message.contains("is not JSON"),
            "{}",
            findings[0].message
        );
        let ended = answered(Err(TransportError::Replay("no more exchanges".into())));
        let (findings, _, _) = judged(&ended, None);
        assert!(findings.is_empty(), "{findings:?}");
    }

    #[test]
    fn a_duplicate_answer_to_a_fresh_ref_number_stops_the_case() {
        for code in [102, 108] {
            let engine = Engine::new(EngineOptions::default());
            let case = Case::new("0811111111");
            let mut log = Log::new(&engine, &case);
            let exchange = json_answer(&envelope(code, "false", "R1", 7));
            let reading = classify::read(&exchange);
            let at = log.record(&exchange, &reading, Vec::new(), "x");
            let ours = Ours {
                ref_number: Some("R1"),
                account: &case.account,
                transaction_id: None,
            };
            let Some(Outcome::Error { reason }) =
                duplicate_of_unknown_ref(&mut log, at, &reading, ours)
            else {
                panic!("{code} does not stop the case");
            };
            assert!(reason.contains("never used refNumber R1"), "{reason}");
            let found: Vec<&Finding> = log.documents()[at]
                .report
                .findings
                .iter()
                .filter(|f| f.rule == rules::DUPLICATE_UNKNOWN_REF)
                .collect();
            assert_eq!(found.len(), 1);
            assert_eq!(found[0].pointer, "/responseCode");
            assert_eq!(found[0].actual.as_deref(), Some(code.to_string().as_str()));
            assert_eq!((found[0].line, found[0].column), (1, 17), "at the code");
        }
    }

    #[test]
    fn other_answers_to_the_payment_are_no_duplicate() {
        let engine = Engine::new(EngineOptions::default());
        let case = Case::new("0811111111");
        let mut log = Log::new(&engine, &case);
        let ours = Ours {
            ref_number: Some("R1"),
            account: &case.account,
            transaction_id: None,
        };
        for exchange in [
            json_answer(&envelope(201, "false", "R1", 7)),
            json_answer("not json"),
        ] {
            let reading = classify::read(&exchange);
            let at = log.record(&exchange, &reading, Vec::new(), "x");
            assert!(duplicate_of_unknown_ref(&mut log, at, &reading, ours).is_none());
            assert!(
                log.documents()[at]
                    .report
                    .findings
                    .iter()
                    .all(|f| f.rule != rules::DUPLICATE_UNKNOWN_REF)
            );
        }
    }
}
