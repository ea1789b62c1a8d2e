//! The documents of one case as they are built: both sides of each
//! exchange and each callback, judged by the engine, with the cross-step
//! findings placed at the line and column of their pointer.
//!
//! The pieces that shape a document — [`request_bytes`], [`judges_body`],
//! [`place`], [`with_findings`] — are public: the proxy (`ppob-proxy`)
//! builds its documents of live traffic with them, so a request and an
//! answer read the same there as in `check`.

use std::time::Duration;

use super::StepDocument;
use super::callbacks;
use super::case::Case;
use super::classify::{Reading, Unusable};
use super::rules::FlowFinding;
use crate::callback::Received;
use ppob_core::contract::locate::{Position, locate, position};
use ppob_core::contract::{CALLBACK_SIDE, DocumentReport, Finding, Operation, Severity, StepInfo};
use ppob_core::rules::RuleFinding;
use ppob_report::wire::millis;
use ppob_transport::Exchange;
use ppob_validate::{Engine, Input};

/// The documents of one case as they are built.
pub(super) struct Log<'a> {
    /// Judges each document and gives each flow rule its severity.
    engine: &'a Engine,
    /// The case the documents belong to.
    case: &'a Case,
    /// The judged documents, in order.
    documents: Vec<StepDocument>,
    /// Steps recorded so far (exchanges and callbacks): the next step's index - 1.
    steps: u32,
}

impl<'a> Log<'a> {
    /// An empty log of `case`, judged by `engine`.
    pub(super) fn new(engine: &'a Engine, case: &'a Case) -> Self {
        Self {
            engine,
            case,
            documents: Vec::new(),
            steps: 0,
        }
    }

    /// The documents so far, in order.
    pub(super) fn documents(&self) -> &[StepDocument] {
        &self.documents
    }

    /// The documents, the log done.
    pub(super) fn into_documents(self) -> Vec<StepDocument> {
        self.documents
    }

    /// How many steps (exchanges and callbacks) have been recorded.
    pub(super) fn steps(&self) -> u32 {
        self.steps
    }

    /// Whether `rule` reports at all (it is not turned off).
    pub(super) fn is_on(&self, rule: &str) -> bool {
        self.engine.severities().severity(rule).is_some()
    }

    /// The position of the last answer of the conversation (not a callback
    /// after it), if any.
    pub(super) fn last_answer(&self) -> Option<usize> {
        self.documents.iter().rposition(|d| {
            d.report
                .step
                .as_ref()
                .is_none_or(|s| s.side != CALLBACK_SIDE)
        })
    }

    /// Judges both sides of an exchange and appends them; returns the
    /// position of the response document.
    pub(super) fn record(
        &mut self,
        exchange: &Exchange,
        reading: &Reading,
        request_findings: Vec<FlowFinding>,
        verdict: &str,
    ) -> usize {
        self.steps += 1;
        let op = exchange.request.operation;
        let elapsed_ms = millis(exchange.elapsed);
        let http_status = exchange.response.as_ref().ok().map(|r| r.status);
        let step = |side: &str| StepInfo {
            case: self.case.name.clone(),
            index: self.steps,
            operation: op.name().to_owned(),
            side: side.to_owned(),
            http_status,
            elapsed_ms,
            verdict: verdict.to_owned(),
        };

        let request_bytes = request_bytes(&exchange.request.body, &exchange.request.payload);
        let source = format!("{}#{} {}", self.case.name, self.steps, op.request().name());
        let mut report = self.engine.check(Input {
            source: &source,
            bytes: &request_bytes,
            kind: Some(op.request()),
            first_line: 1,
        });
        let extra = self.placed(&request_bytes, request_findings);
        report = with_findings(report, extra);
        report.step = Some(step("request"));
        self.documents.push(StepDocument {
            report,
            bytes: request_bytes,
        });

        let source = format!("{}#{} {}", self.case.name, self.steps, op.response().name());
        let bytes = match &exchange.response {
            Ok(r) => r.body.clone(),
            Err(_) => Vec::new(),
        };
        let mut report = if judges_body(reading) {
            self.engine.check(Input {
                source: &source,
                bytes: &bytes,
                kind: Some(op.response()),
                first_line: 1,
            })
        } else {
            DocumentReport::new(source, Some(op.response().name().to_owned()), Vec::new())
        };
        report.step = Some(step("response"));
        self.documents.push(StepDocument { report, bytes });
        self.documents.len() - 1
    }

    /// Judges a received callback as a `callback` document and appends it;
    /// returns its position.
    pub(super) fn record_callback(
        &mut self,
        received: &Received,
        after: Duration,
        verdict: String,
    ) -> usize {
        self.steps += 1;
        let step = StepInfo {
            case: self.case.name.clone(),
            index: self.steps,
            operation: Operation::Payment.name().to_owned(),
            side: CALLBACK_SIDE.to_owned(),
            http_status: None,
            elapsed_ms: millis(after),
            verdict,
        };
        let report = callbacks::judged_matched(self.engine, step, &received.body);
        self.documents.push(StepDocument {
            report,
            bytes: received.body.clone(),
        });
        self.documents.len() - 1
    }

    /// The findings of rules that are not off, at their severity and placed in `bytes`.
    fn placed(&self, bytes: &[u8], found: Vec<FlowFinding>) -> Vec<Finding> {
        found
            .into_iter()
            .filter_map(|(rule, f)| {
                let severity = self.engine.severities().severity(rule)?;
                Some(place(rule, severity, bytes, f))
            })
            .collect()
    }

    /// Adds findings to the document at `at`.
    pub(super) fn add(&mut self, at: usize, found: Vec<FlowFinding>) {
        let placed = self.placed(&self.documents[at].bytes, found);
        self.add_placed(at, placed);
    }

    /// Adds placed findings to the document at `at`, keeping its step.
    fn add_placed(&mut self, at: usize, placed: Vec<Finding>) {
        if placed.is_empty() {
            return;
        }
        let doc = &mut self.documents[at];
        let step = doc.report.step.take();
        let mut report = with_findings(doc.report.clone(), placed);
        report.step = step;
        doc.report = report;
    }

    /// Moves the position of the document's last finding to where its bytes
    /// stop being JSON (serde's line and column), when they are not JSON.
    pub(super) fn move_to_parse_error(&mut self, at: usize) {
        let doc = &mut self.documents[at];
        let Err(error) = serde_json::from_slice::<serde::de::IgnoredAny>(&doc.bytes) else {
            return;
        };
        if doc.bytes.is_empty() {
            return;
        }
        if let Some(f) = doc.report.findings.last_mut() {
            f.line = error.line().max(1) as u64;
            f.column = error.column().max(1) as u64;
        }
    }

    /// A finding with a fixed severity (setup problems, unusable inquiries).
    pub(super) fn add_fixed(&mut self, at: usize, rule: &str, severity: Severity, message: String) {
        let finding = place(rule, severity, &self.documents[at].bytes, plain(message));
        self.add_placed(at, vec![finding]);
    }
}

/// The bytes a request is judged as: its body, or — a token-only request,
/// whose body is empty — its signed fields pretty-printed (so findings get
/// a line and column).
pub fn request_bytes(body: &[u8], payload: &serde_json::Value) -> Vec<u8> {
    if body.is_empty() {
        serde_json::to_vec_pretty(payload).unwrap_or_default()
    } else {
        body.to_vec()
    }
}

/// Whether an answer's body is judged as its document kind: when it claims
/// to be an envelope (JSON answered below HTTP 500, not a refusal of the
/// credentials). A 5xx page, a refusal or a non-JSON body is a step
/// finding, not a contract document.
pub fn judges_body(reading: &Reading) -> bool {
    matches!(
        reading,
        Reading::Envelope { .. }
            | Reading::Unusable(
                Unusable::NoCode { .. }
                    | Unusable::CodeOutOfRange { .. }
                    | Unusable::TooCostly { .. }
            )
    )
}

/// Places a finding's pointer in `bytes` (line 1, column 1 when there are none).
pub fn place(rule: &str, severity: Severity, bytes: &[u8], finding: RuleFinding) -> Finding {
    let at = if bytes.is_empty() {
        Position { line: 1, column: 1 }
    } else {
        position(bytes, locate(bytes, &finding.pointer).value)
    };
    Finding {
        rule: rule.to_owned(),
        severity,
        pointer: finding.pointer,
        line: at.line,
        column: at.column,
        message: finding.message,
        expected: finding.expected,
        actual: finding.actual,
    }
}

/// A finding about the whole document: no pointer, no expected or actual value.
pub(super) fn plain(message: String) -> RuleFinding {
    RuleFinding {
        pointer: String::new(),
        message,
        expected: None,
        actual: None,
    }
}

/// `report` with `extra` findings, all sorted by line and column (its step kept).
pub fn with_findings(report: DocumentReport, extra: Vec<Finding>) -> DocumentReport {
    if extra.is_empty() {
        return report;
    }
    let step = report.step.clone();
    let mut findings = report.findings;
    findings.extend(extra);
    findings.sort_by_key(|f| (f.line, f.column));
    let mut out = DocumentReport::new(report.source, report.kind, findings);
    out.step = step;
    out.category = report.category;
    out
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::flow::classify;
    use crate::flow::rules;
    use ppob_core::rules::{Level, Severities};
    use ppob_transport::{TransportError, WireRequest, WireResponse};
    use ppob_validate::EngineOptions;
    use serde_json::json;

    fn exchange(operation: Operation, response: Result<WireResponse, TransportError>) -> Exchange {
        Exchange {
            request: WireRequest {
                operation,
                method: "POST".into(),
                path: operation.path().into(),
                headers: vec![],
                body: vec![],
                payload: json!({"partnerId": "partner-id", "refNumber": "R1"}),
            },
            response,
            started: SystemTime::UNIX_EPOCH,
            elapsed: Duration::from_millis(250),
        }
    }

    /// A payment answer whose `data.refNumber` value starts at line 4, column 18.
    const PRETTY: &str =
        "{\n  \"responseCode\": 0,\n  \"data\": {\n    \"refNumber\": \"OTHER\"\n  }\n}";

    fn finding(pointer: &str, message: &str) -> RuleFinding {
        RuleFinding {
            pointer: pointer.into(),
            message: message.into(),
            expected: None,
            actual: None,
        }
    }

    fn of_rule<'d>(doc: &'d StepDocument, rule: &str) -> Vec<&'d Finding> {
        doc.report
            .findings
            .iter()
            .filter(|f| f.rule == rule)
            .collect()
    }

    #[test]
    fn a_finding_is_placed_at_the_line_and_column_of_its_pointer() {
        let engine = Engine::new(EngineOptions::default());
        let case = Case::new("0811111111");
        let mut log = Log::new(&engine, &case);
        let answer = exchange(
            Operation::Payment,
            Ok(WireResponse::json(200, PRETTY.as_bytes().to_vec())),
        );
        let at = log.record(&answer, &classify::read(&answer), Vec::new(), "processing");
        assert_eq!(at, 1, "the request comes first, then the response");
        log.add(
            at,
            vec![(rules::REF_NUMBER_ECHO, finding("/data/refNumber", "echo"))],
        );
        let placed = of_rule(&log.documents()[at], rules::REF_NUMBER_ECHO);
        assert_eq!(placed.len(), 1);
        assert_eq!((placed[0].line, placed[0].column), (4, 18));
        assert_eq!(placed[0].severity, Severity::Error);
        let step = log.documents()[at].report.step.as_ref().unwrap();
        assert_eq!(
            (step.side.as_str(), step.verdict.as_str()),
            ("response", "processing"),
            "adding a finding keeps the step"
        );
    }

    #[test]
    fn a_finding_on_an_answer_without_bytes_is_at_line_1_column_1() {
        let engine = Engine::new(EngineOptions::default());
        let case = Case::new("0811111111");
        let mut log = Log::new(&engine, &case);
        let lost = exchange(
            Operation::Inquiry,
            Err(TransportError::Refused("nobody listens".into())),
        );
        let at = log.record(&lost, &classify::read(&lost), Vec::new(), "unusable");
        assert!(log.documents()[at].bytes.is_empty());
        log.add_fixed(at, rules::UNUSABLE_ANSWER, Severity::Warning, "gone".into());
        let placed = of_rule(&log.documents()[at], rules::UNUSABLE_ANSWER);
        assert_eq!((placed[0].line, placed[0].column), (1, 1));
        assert_eq!(placed[0].severity, Severity::Warning, "a fixed severity");
        assert_eq!(
            log.documents()[at]
                .report
                .step
                .as_ref()
                .unwrap()
                .http_status,
            None
        );
    }

    #[test]
    fn findings_of_a_rule_turned_off_are_dropped_and_the_rest_sorted_by_line() {
        let severities = Severities::from_overrides([(rules::ACCOUNT_ECHO, Level::Off)]).unwrap();
        let engine = Engine::new(EngineOptions {
            severities,
            ..EngineOptions::default()
        });
        let case = Case::new("0811111111");
        let mut log = Log::new(&engine, &case);
        let answer = exchange(
            Operation::Payment,
            Ok(WireResponse::json(200, PRETTY.as_bytes().to_vec())),
        );
        let at = log.record(&answer, &classify::read(&answer), Vec::new(), "x");
        assert!(!log.is_on(rules::ACCOUNT_ECHO));
        assert!(log.is_on(rules::REF_NUMBER_ECHO));
        log.add(
            at,
            vec![
                (rules::REF_NUMBER_ECHO, finding("/data/refNumber", "later")),
                (rules::ACCOUNT_ECHO, finding("/data", "off")),
                (
                    rules::TRANSACTION_ID_STABLE,
                    finding("/responseCode", "earlier"),
                ),
            ],
        );
        let flow: Vec<(&str, u64)> = log.documents()[at]
            .report
            .findings
            .iter()
            .filter(|f| f.rule.starts_with("flow."))
            .map(|f| (f.message.as_str(), f.line))
            .collect();
        assert_eq!(flow, [("earlier", 2), ("later", 4)]);
    }

    #[test]
    fn each_exchange_is_a_numbered_step_and_a_gateway_page_is_not_judged_as_a_document() {
        let engine = Engine::new(EngineOptions::default());
        let mut case = Case::new("0811111111");
        case.name = "gateway".into();
        let mut log = Log::new(&engine, &case);
        let page = exchange(
            Operation::Payment,
            Ok(WireResponse {
                status: 502,
                headers: vec![("content-type".into(), "text/html".into())],
                body: b"<html>bad gateway</html>".to_vec(),
            }),
        );
        log.record(&page, &classify::read(&page), Vec::new(), "processing");
        let at = log.record(&page, &classify::read(&page), Vec::new(), "pending");
        assert_eq!((log.steps(), at, log.documents().len()), (2, 3, 4));
        let response = &log.documents()[at];
        assert!(
            response.report.findings.is_empty(),
            "{:?}",
            response.report.findings
        );
        assert_eq!(response.report.source, "gateway#2 payment.response");
        let step = response.report.step.as_ref().unwrap();
        assert_eq!(
            (step.index, step.http_status, step.elapsed_ms),
            (2, Some(502), 250.0)
        );
        let request = &log.documents()[at - 1];
        assert_eq!(request.report.step.as_ref().unwrap().side, "request");
        let sent: serde_json::Value = serde_json::from_slice(&request.bytes).unwrap();
        assert_eq!(
            sent["refNumber"], "R1",
            "a token-only request is shown as its signed fields"
        );
    }

    #[test]
    fn a_finding_on_a_body_that_is_not_json_moves_to_where_the_json_breaks() {
        let engine = Engine::new(EngineOptions::default());
        let case = Case::new("0811111111");
        let mut log = Log::new(&engine, &case);
        let body = b"{\"responseCode\": 0,\n  oops}".to_vec();
        let broken = exchange(Operation::Status, Ok(WireResponse::json(200, body.clone())));
        let at = log.record(&broken, &classify::read(&broken), Vec::new(), "pending");
        log.add(at, vec![(rules::UNUSABLE_ANSWER, plain("not JSON".into()))]);
        log.move_to_parse_error(at);
        let error = serde_json::from_slice::<serde::de::IgnoredAny>(&body).unwrap_err();
        let moved = of_rule(&log.documents()[at], rules::UNUSABLE_ANSWER);
        assert_eq!(
            (moved[0].line, moved[0].column),
            (error.line() as u64, error.column() as u64)
        );
        assert_eq!(moved[0].line, 2);
    }

    #[test]
    fn the_last_answer_is_before_the_callbacks_after_it() {
        let engine = Engine::new(EngineOptions::default());
        let case = Case::new("0811111111");
        let mut log = Log::new(&engine, &case);
        assert_eq!(log.last_answer(), None);
        let answer = exchange(
            Operation::Status,
            Ok(WireResponse::json(200, PRETTY.as_bytes().to_vec())),
        );
        let at = log.record(&answer, &classify::read(&answer), Vec::new(), "success (0)");
        let received = Received {
            path: "/".into(),
            body: PRETTY.as_bytes().to_vec(),
            at: SystemTime::UNIX_EPOCH,
        };
        let callback = log.record_callback(&received, Duration::from_secs(3), "callback".into());
        assert_eq!(callback, at + 1);
        assert_eq!(log.last_answer(), Some(at));
        let step = log.documents()[callback].report.step.as_ref().unwrap();
        assert_eq!(
            (step.side.as_str(), step.index, step.elapsed_ms),
            (CALLBACK_SIDE, 2, 3000.0)
        );
    }
}
