//! Both sides of a proxied exchange as judged documents: the request (its
//! body, or the TOKEN's fields pretty-printed when the body is empty) and
//! the answer, each checked by the validate engine as its document kind,
//! with the header and cross-step findings placed at their pointer's line
//! and column. The documents carry a [`StepInfo`] naming their conversation
//! and their side (`request` or `response`), so every finding says which
//! side it is about. Their bytes are redacted before anyone sees them.

use ppob_check::flow::callbacks;
use ppob_check::flow::classify::Reading;
use ppob_check::flow::document_log;
use ppob_check::flow::rules::FlowFinding;
use ppob_core::contract::{CALLBACK_SIDE, DocumentReport, Operation, Severity, StepInfo};
use ppob_report::Judged;
use ppob_report::wire::millis;
use ppob_transport::redact::Redactor;
use ppob_validate::{Engine, Input};
use serde_json::Value;

/// The request side's `StepInfo::side`.
pub const REQUEST_SIDE: &str = "request";
/// The answer side's `StepInfo::side`.
pub const RESPONSE_SIDE: &str = "response";

/// Where a document sits: its conversation and exchange.
#[derive(Debug, Clone)]
pub struct Place<'a> {
    /// The conversation's name.
    pub conversation: &'a str,
    /// The exchange's number in it.
    pub index: u32,
    /// The operation.
    pub operation: Operation,
}

/// The bytes judged as the request: its body, else the signed fields
/// (nothing when there are neither: no TOKEN could be read).
pub fn request_bytes(body: &[u8], payload: &Value) -> Vec<u8> {
    if body.is_empty() && payload.is_null() {
        Vec::new()
    } else {
        document_log::request_bytes(body, payload)
    }
}

/// `report` with `extra` findings (their rules' levels, or the fixed
/// severity given), in source order.
fn with(
    engine: &Engine,
    report: DocumentReport,
    bytes: &[u8],
    extra: Vec<(FlowFinding, Option<Severity>)>,
    step: StepInfo,
) -> DocumentReport {
    let placed = extra
        .into_iter()
        .filter_map(|((rule, f), fixed)| {
            let level = engine.severities().severity(rule)?;
            Some(document_log::place(rule, fixed.unwrap_or(level), bytes, f))
        })
        .collect();
    let mut out = document_log::with_findings(report, placed);
    out.step = Some(step);
    out
}

/// Judges a request: `bytes` (see [`request_bytes`]) as its kind, plus `extra`.
pub fn judge_request(
    engine: &Engine,
    place_at: &Place<'_>,
    bytes: &[u8],
    extra: Vec<(FlowFinding, Option<Severity>)>,
    redactor: &Redactor,
) -> Judged {
    let kind = place_at.operation.request();
    let source = format!(
        "{}#{} {}",
        place_at.conversation,
        place_at.index,
        kind.name()
    );
    let report = if bytes.is_empty() {
        DocumentReport::new(source, Some(kind.name().to_owned()), Vec::new())
    } else {
        engine.check(Input {
            source: &source,
            bytes,
            kind: Some(kind),
            first_line: 1,
        })
    };
    let step = step(place_at, REQUEST_SIDE, None, 0.0, "forwarded");
    Judged {
        report: with(engine, report, bytes, extra, step),
        bytes: redactor.redact_bytes(bytes).into_owned(),
        first_line: 1,
    }
}

/// What an answer turned out to be, for its document.
pub struct AnswerFacts<'a> {
    /// The HTTP status, when one came.
    pub http_status: Option<u16>,
    /// The body as received (empty without an answer).
    pub body: &'a [u8],
    /// How the conversation read it.
    pub reading: &'a Reading,
    /// From forwarding the request to the end of the answer.
    pub elapsed: std::time::Duration,
    /// What the step meant.
    pub verdict: &'a str,
}

/// Judges an answer: an envelope (or JSON claiming to be one) as its kind;
/// a refusal, a 5xx page or no answer only through `extra`.
pub fn judge_answer(
    engine: &Engine,
    place_at: &Place<'_>,
    facts: &AnswerFacts<'_>,
    extra: Vec<(FlowFinding, Option<Severity>)>,
    redactor: &Redactor,
) -> Judged {
    let kind = place_at.operation.response();
    let source = format!(
        "{}#{} {}",
        place_at.conversation,
        place_at.index,
        kind.name()
    );
    let report = if document_log::judges_body(facts.reading) {
        engine.check(Input {
            source: &source,
            bytes: facts.body,
            kind: Some(kind),
            first_line: 1,
        })
    } else {
        DocumentReport::new(source, Some(kind.name().to_owned()), Vec::new())
    };
    let step = step(
        place_at,
        RESPONSE_SIDE,
        facts.http_status,
        millis(facts.elapsed),
        facts.verdict,
    );
    Judged {
        report: with(engine, report, facts.body, extra, step),
        bytes: redactor.redact_bytes(facts.body).into_owned(),
        first_line: 1,
    }
}

/// A callback's place and what became of it, for its document.
pub struct CallbackFacts<'a> {
    /// Its payment's conversation.
    pub conversation: &'a str,
    /// Its step number there.
    pub index: u32,
    /// How the partner answered it, when it did.
    pub http_status: Option<u16>,
    /// From forwarding it to the partner's answer.
    pub elapsed: std::time::Duration,
    /// What it meant, e.g. `callback success (0) → partner HTTP 200`.
    pub verdict: String,
}

/// Judges a callback (`--callbacks`) as a `callback` document, plus `extra`.
pub fn judge_callback(
    engine: &Engine,
    facts: &CallbackFacts<'_>,
    bytes: &[u8],
    extra: Vec<(FlowFinding, Option<Severity>)>,
    redactor: &Redactor,
) -> Judged {
    let step = StepInfo {
        case: facts.conversation.to_owned(),
        index: facts.index,
        operation: Operation::Payment.name().to_owned(),
        side: CALLBACK_SIDE.to_owned(),
        http_status: facts.http_status,
        elapsed_ms: millis(facts.elapsed),
        verdict: facts.verdict.clone(),
    };
    let report = callbacks::judged(engine, step.clone(), bytes);
    Judged {
        report: with(engine, report, bytes, extra, step),
        bytes: redactor.redact_bytes(bytes).into_owned(),
        first_line: 1,
    }
}

fn step(
    place_at: &Place<'_>,
    side: &str,
    http_status: Option<u16>,
    elapsed_ms: f64,
    verdict: &str,
) -> StepInfo {
    StepInfo {
        case: place_at.conversation.to_owned(),
        index: place_at.index,
        operation: place_at.operation.name().to_owned(),
        side: side.to_owned(),
        http_status,
        elapsed_ms,
        verdict: verdict.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ppob_check::flow::classify::Unusable;
    use ppob_check::flow::rules;
    use ppob_core::rules::RuleFinding;
    use ppob_validate::EngineOptions;
    use serde_json::json;

    const AT: Place<'static> = Place {
        conversation: "c1 0811111111",
        index: 2,
        operation: Operation::Payment,
    };

    #[test]
    fn a_token_only_request_is_judged_as_its_pretty_printed_fields() {
        let payload = json!({"partnerId": "partner-id", "accountNumber": "0811111111"});
        let bytes = request_bytes(b"", &payload);
        assert!(bytes.starts_with(b"{\n"));
        let engine = Engine::new(EngineOptions::default());
        let extra = vec![(
            (
                rules::PAYMENT_MATCHES_INQUIRY,
                RuleFinding {
                    pointer: "/accountNumber".into(),
                    message: "other".into(),
                    expected: None,
                    actual: None,
                },
            ),
            None,
        )];
        let judged = judge_request(&engine, &AT, &bytes, extra, &Redactor::new(None));
        let report = &judged.report;
        assert_eq!(report.source, "c1 0811111111#2 payment.request");
        assert_eq!(report.step.as_ref().unwrap().side, REQUEST_SIDE);
        assert!(
            report.findings.iter().any(|f| f.rule == "schema"),
            "refNumber etc. missing"
        );
        let placed = report
            .findings
            .iter()
            .find(|f| f.rule == rules::PAYMENT_MATCHES_INQUIRY)
            .unwrap();
        assert_eq!((placed.line, placed.column), (2, 20));
        assert!(!report.valid);
    }

    #[test]
    fn no_answer_is_a_response_document_with_only_the_step_findings() {
        let engine = Engine::new(EngineOptions::default());
        let reading = Reading::Unusable(Unusable::ServerError(503));
        let facts = AnswerFacts {
            http_status: Some(503),
            body: b"<html>down</html>",
            reading: &reading,
            elapsed: std::time::Duration::from_millis(3),
            verdict: "processing",
        };
        let extra = vec![(
            (
                rules::UNUSABLE_ANSWER,
                RuleFinding {
                    pointer: String::new(),
                    message: "5xx".into(),
                    expected: None,
                    actual: None,
                },
            ),
            Some(Severity::Error),
        )];
        let judged = judge_answer(&engine, &AT, &facts, extra, &Redactor::new(None));
        let rules: Vec<&str> = judged
            .report
            .findings
            .iter()
            .map(|f| f.rule.as_str())
            .collect();
        assert_eq!(rules, [rules::UNUSABLE_ANSWER]);
        assert_eq!(judged.report.findings[0].severity, Severity::Error);
        assert_eq!(judged.report.step.as_ref().unwrap().side, RESPONSE_SIDE);
    }
}
