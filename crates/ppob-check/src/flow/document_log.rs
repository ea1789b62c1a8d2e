//! The documents of one case as they are built: both sides of each
//! exchange and each callback, judged by the engine, with the cross-step
//! findings placed at the line and column of their pointer.

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

        let request_bytes = if exchange.request.body.is_empty() {
            serde_json::to_vec_pretty(&exchange.request.payload).unwrap_or_default()
        } else {
            exchange.request.body.clone()
        };
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
        // Judge the body when it claims to be an envelope (JSON answered below
        // HTTP 500, not a refusal of the credentials); a 5xx page, a refusal or
        // a non-JSON body is a step finding, not a contract document.
        let judged = matches!(
            reading,
            Reading::Envelope { .. }
                | Reading::Unusable(Unusable::NoCode { .. } | Unusable::CodeOutOfRange { .. })
        );
        let mut report = if judged {
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
        let report = callbacks::judged(self.engine, step, &received.body);
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

/// Places a finding's pointer in `bytes` (line 1, column 1 when there are none).
fn place(rule: &str, severity: Severity, bytes: &[u8], finding: RuleFinding) -> Finding {
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

/// `report` with `extra` findings, all sorted by line and column.
fn with_findings(report: DocumentReport, extra: Vec<Finding>) -> DocumentReport {
    if extra.is_empty() {
        return report;
    }
    let step = report.step.clone();
    let mut findings = report.findings;
    findings.extend(extra);
    findings.sort_by_key(|f| (f.line, f.column));
    let mut out = DocumentReport::new(report.source, report.kind, findings);
    out.step = step;
    out
}
