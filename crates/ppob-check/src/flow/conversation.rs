//! Runs one case: inquiry → payment → status (polled), judging every
//! document on the way and the conversation across steps.

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::callbacks;
use super::case::{Case, Outcome};
use super::classify::{self, Doubt, InquiryVerdict, MoneyVerdict, Reading, Unusable};
use super::pacing::Pacing;
use super::refs::RefNumbers;
use super::rules::{self, Expected, FlowFinding, Ours};
use super::setup::{self, FirstAnswer, NotTheApi, TargetContact};
use super::{Observer, StepDocument};
use crate::callback::{CallbackSource, Received};
use ppob_core::contract::locate::{locate, position};
use ppob_core::contract::{DocumentReport, Finding, Operation, Severity, StepInfo, input_rules};
use ppob_core::rules::RuleFinding;
use ppob_report::CaseSummary;
use ppob_report::wire::millis;
use ppob_transport::auth::{BodyMode, Credentials, sign_request};
use ppob_transport::clock::Clock;
use ppob_transport::redact::Redactor;
use ppob_transport::{Exchange, Transport, TransportError};
use ppob_validate::{Engine, Input};

/// Status calls after which a case gives up even before its deadline (a
/// guard against a zero interval).
pub const MAX_STATUS_CALLS: u32 = 500;

/// Everything a conversation needs.
pub struct Flow<'a> {
    /// Where requests go.
    pub transport: &'a dyn Transport,
    /// Judges each document.
    pub engine: &'a Engine,
    /// Signs requests.
    pub credentials: &'a Credentials,
    /// Whether fields also travel as a JSON body.
    pub body_mode: BodyMode,
    /// When to poll status.
    pub pacing: Pacing,
    /// Time (shared with the in-process simulator).
    pub clock: &'a dyn Clock,
    /// Told about progress (waits), e.g. to draw a spinner.
    pub observer: &'a dyn Observer,
    /// Makes refNumbers.
    pub refs: &'a RefNumbers,
    /// The largest amount (rupiah) to pay; `None`: no limit (the in-process
    /// simulator, a replay). A larger amount stops the case before payment.
    pub max_amount: Option<u64>,
    /// What the run has learnt about the target, shared by every case of a
    /// run: until the target has answered the API once, an inquiry answer
    /// that is not the API stops the case as `setup.not-the-api`.
    pub contact: &'a TargetContact,
    /// Where payments ask to be called back and how their callbacks come
    /// (`--callback-listen`); `None`: callbacks are not asked for or judged.
    pub callbacks: Option<&'a dyn CallbackSource>,
}

/// The default of `--max-amount` against a real target: 10 000 000 rupiah.
pub const DEFAULT_MAX_AMOUNT: u64 = 10_000_000;

/// How one case went: its documents in order and its outcome.
#[derive(Debug, Clone)]
pub struct CaseRun {
    /// The case.
    pub case: Case,
    /// How it ended.
    pub outcome: Outcome,
    /// Request and response of every exchange, judged.
    pub documents: Vec<StepDocument>,
    /// How long it took (simulated time on the in-process simulator).
    pub elapsed: Duration,
}

impl CaseRun {
    /// Whether the outcome is what the case expected.
    pub fn met(&self) -> bool {
        self.case.expect.met_by(&self.outcome)
    }

    /// The first setup problem (`setup.*`: unreachable, credentials refused,
    /// not the API) that stopped the case, as `(rule, message)`: the run
    /// should stop there rather than repeat it for every case.
    pub fn setup_problem(&self) -> Option<(&str, &str)> {
        self.documents
            .iter()
            .flat_map(|doc| &doc.report.findings)
            .find(|f| f.rule.starts_with("setup."))
            .map(|f| (f.rule.as_str(), f.message.as_str()))
    }

    /// The case's line in the report.
    pub fn summary(&self) -> CaseSummary {
        CaseSummary {
            name: self.case.name.clone(),
            expected: self.case.expect.to_string(),
            outcome: self.outcome.name().to_owned(),
            code: self.outcome.code(),
            met: self.met(),
            elapsed_ms: millis(self.elapsed),
            detail: self.outcome.describe(),
        }
    }
}

/// Places a finding's pointer in `bytes` (line 1, column 1 when there are none).
fn place(rule: &str, severity: Severity, bytes: &[u8], finding: RuleFinding) -> Finding {
    let at = if bytes.is_empty() {
        ppob_core::contract::locate::Position { line: 1, column: 1 }
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

fn plain(message: String) -> RuleFinding {
    RuleFinding {
        pointer: String::new(),
        message,
        expected: None,
        actual: None,
    }
}

/// The documents of one case as they are built.
struct Log<'f, 'a> {
    flow: &'f Flow<'a>,
    case: &'f Case,
    documents: Vec<StepDocument>,
    index: u32,
}

impl Log<'_, '_> {
    /// Judges both sides of an exchange and appends them; returns the
    /// position of the response document.
    fn record(
        &mut self,
        exchange: &Exchange,
        reading: &Reading,
        request_findings: Vec<FlowFinding>,
        verdict: &str,
    ) -> usize {
        self.index += 1;
        let op = exchange.request.operation;
        let elapsed_ms = millis(exchange.elapsed);
        let http_status = exchange.response.as_ref().ok().map(|r| r.status);
        let step = |side: &str| StepInfo {
            case: self.case.name.clone(),
            index: self.index,
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
        let source = format!("{}#{} {}", self.case.name, self.index, op.request().name());
        let mut report = self.flow.engine.check(Input {
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

        let source = format!("{}#{} {}", self.case.name, self.index, op.response().name());
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
            self.flow.engine.check(Input {
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
    fn record_callback(&mut self, received: &Received, after: Duration, verdict: String) -> usize {
        self.index += 1;
        let step = StepInfo {
            case: self.case.name.clone(),
            index: self.index,
            operation: Operation::Payment.name().to_owned(),
            side: ppob_core::contract::CALLBACK_SIDE.to_owned(),
            http_status: None,
            elapsed_ms: millis(after),
            verdict,
        };
        let report = callbacks::judged(self.flow.engine, step, &received.body);
        self.documents.push(StepDocument {
            report,
            bytes: received.body.clone(),
        });
        self.documents.len() - 1
    }

    fn placed(&self, bytes: &[u8], found: Vec<FlowFinding>) -> Vec<Finding> {
        found
            .into_iter()
            .filter_map(|(rule, f)| {
                let severity = self.flow.engine.severities().severity(rule)?;
                Some(place(rule, severity, bytes, f))
            })
            .collect()
    }

    /// Adds findings to the document at `at`.
    fn add(&mut self, at: usize, found: Vec<FlowFinding>) {
        let placed = self.placed(&self.documents[at].bytes, found);
        self.add_placed(at, placed);
    }

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
    fn move_to_parse_error(&mut self, at: usize) {
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
    fn add_fixed(&mut self, at: usize, rule: &str, severity: Severity, message: String) {
        let finding = place(rule, severity, &self.documents[at].bytes, plain(message));
        self.add_placed(at, vec![finding]);
    }
}

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

impl Flow<'_> {
    fn send(&self, operation: Operation, payload: Value) -> Exchange {
        self.send_within(operation, payload, Duration::MAX)
    }

    /// Sends a request that gives up after `limit` at the latest.
    fn send_within(&self, operation: Operation, payload: Value, limit: Duration) -> Exchange {
        match sign_request(operation, payload.clone(), self.credentials, self.body_mode) {
            Ok(request) => self.transport.send_within(request, limit),
            Err(e) => Exchange {
                request: ppob_transport::WireRequest {
                    operation,
                    method: "POST".into(),
                    path: operation.path().into(),
                    headers: Vec::new(),
                    body: Vec::new(),
                    payload,
                },
                response: Err(TransportError::Other(e.to_string())),
                started: self.clock.wall(),
                elapsed: Duration::ZERO,
            },
        }
    }

    fn wait(&self, case: &Case, duration: Duration, why: &str) {
        if duration.is_zero() {
            return;
        }
        self.observer.waiting(&case.name, duration, why);
        self.clock.sleep(duration);
        self.observer.waited(&case.name);
    }

    /// Runs `case` to its outcome.
    pub fn run(&self, case: &Case) -> CaseRun {
        let started = self.clock.now();
        let mut log = Log {
            flow: self,
            case,
            documents: Vec::new(),
            index: 0,
        };
        let outcome = self.converse(case, &mut log);
        let outcome = outcome.unwrap_or_else(|e| e);
        // On the last answer of the conversation, not on a callback after it.
        let last_answer = log.documents.iter().rposition(|d| {
            d.report
                .step
                .as_ref()
                .is_none_or(|s| s.side != ppob_core::contract::CALLBACK_SIDE)
        });
        if !case.expect.met_by(&outcome)
            && let Some(last) = last_answer
        {
            let pointer = if log.documents[last].bytes.is_empty() {
                ""
            } else {
                "/responseCode"
            };
            let finding = RuleFinding {
                pointer: pointer.to_owned(),
                message: format!(
                    "the case expected {}, but {}",
                    case.expect,
                    outcome.describe()
                ),
                expected: Some(case.expect.to_string()),
                actual: Some(outcome.name().to_owned()),
            };
            log.add(last, vec![(rules::EXPECTATION, finding)]);
        }
        CaseRun {
            case: case.clone(),
            outcome,
            documents: log.documents,
            elapsed: self.clock.now().saturating_sub(started),
        }
    }

    /// The conversation; `Err` carries an outcome that ended it early.
    fn converse(&self, case: &Case, log: &mut Log<'_, '_>) -> Result<Outcome, Outcome> {
        let inquiry = self.inquire(case, log)?;
        let inquiry_at = log.documents.len() - 1;
        let data = |field: &str| inquiry.pointer(&format!("/data/{field}")).cloned();
        if let Some(answered) = rules::text(&inquiry, "/data/accountNumber")
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
            log.add(inquiry_at, vec![(rules::INQUIRY_OTHER_ACCOUNT, finding)]);
            return Err(Outcome::Error { reason });
        }
        let mut payload = Map::new();
        payload.insert("partnerId".into(), self.credentials.key().into());
        payload.insert("refNumber".into(), self.refs.next().into());
        let product = data("productCode")
            .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
            .unwrap_or_else(|| case.product.clone().into());
        payload.insert("accountNumber".into(), case.account.clone().into());
        payload.insert("productCode".into(), product);
        for field in ["amount", "inquiryId"] {
            let Some(value) = data(field).filter(Value::is_number) else {
                return Err(Outcome::Error {
                    reason: format!("the inquiry answered 300 without a numeric data.{field}"),
                });
            };
            payload.insert(field.into(), value);
        }
        if let Some(limit) = self.max_amount {
            self.within_limit(log, inquiry_at, &payload["amount"], limit)?;
        }
        let mut urls = case.callback_urls.clone();
        if let Some(source) = self.callbacks {
            urls.push(source.url().to_owned());
        }
        if !urls.is_empty() {
            payload.insert("callbackUrls".into(), json!(urls));
        }
        self.pay_and_poll(case, log, &inquiry, Value::Object(payload))
    }

    /// Stops the case before payment when `amount` is not a whole number of
    /// rupiah between 0 and `limit`.
    fn within_limit(
        &self,
        log: &mut Log<'_, '_>,
        inquiry_at: usize,
        amount: &Value,
        limit: u64,
    ) -> Result<(), Outcome> {
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
        log.add(inquiry_at, vec![(rules::AMOUNT_ABOVE_LIMIT, finding)]);
        Err(Outcome::Error { reason })
    }

    fn inquire(&self, case: &Case, log: &mut Log<'_, '_>) -> Result<Value, Outcome> {
        let mut payload = json!({
            "partnerId": self.credentials.key(),
            "accountNumber": case.account,
            "productCode": case.product,
        });
        if let Some(amount) = case.amount {
            payload["amount"] = amount.into();
        }
        let exchange = self.send(Operation::Inquiry, payload);
        let reading = classify::read(&exchange);
        let verdict = classify::inquiry(&reading);
        let label = match &verdict {
            InquiryVerdict::Ok => "inquiry ok (300)".to_owned(),
            InquiryVerdict::Failed(code) => format!("inquiry failed ({code})"),
            InquiryVerdict::Broken(why) => format!("unusable: {why}"),
        };
        let at = log.record(&exchange, &reading, Vec::new(), &label);
        if let Some(outcome) = self.not_the_api(&exchange, log, at) {
            return Err(outcome);
        }
        if let Some(outcome) = self.setup_problem(&reading, log, at) {
            return Err(outcome);
        }
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
                if let Reading::Unusable(_) = reading {
                    // An error on inquiry whatever its level, unless turned off.
                    let severities = log.flow.engine.severities();
                    if severities.severity(rules::UNUSABLE_ANSWER).is_some() {
                        log.add_fixed(at, rules::UNUSABLE_ANSWER, Severity::Error, reason.clone());
                    }
                }
                Err(Outcome::Error { reason })
            }
        }
    }

    /// A live target that has never answered the API and whose inquiry
    /// answer is not the API stops the case (`setup.not-the-api`, exit code
    /// 2); an answer of the API marks the run's contact. A replay is judged
    /// as recorded.
    fn not_the_api(
        &self,
        exchange: &Exchange,
        log: &mut Log<'_, '_>,
        at: usize,
    ) -> Option<Outcome> {
        if self.transport.is_replay() || self.contact.has_answered_api() {
            return None;
        }
        let reason = match setup::first_answer(exchange) {
            FirstAnswer::Api => {
                self.contact.answered_api();
                return None;
            }
            FirstAnswer::Undecided => return None,
            FirstAnswer::NotTheApi(reason) => reason,
        };
        let redactor = Redactor::new(Some(self.credentials));
        let found = NotTheApi::new(exchange, reason, &self.transport.describe(), &redactor)?;
        let reason = found.to_string();
        log.add_fixed(
            at,
            input_rules::NOT_THE_API,
            Severity::Error,
            reason.clone(),
        );
        Some(Outcome::Error { reason })
    }

    /// Auth refusals and unreachable servers stop the case (exit code 2).
    fn setup_problem(
        &self,
        reading: &Reading,
        log: &mut Log<'_, '_>,
        at: usize,
    ) -> Option<Outcome> {
        match reading {
            Reading::AuthRefused {
                http_status,
                message,
            } => {
                let said = message
                    .as_deref()
                    .map(|m| format!(" (server said: {m})"))
                    .unwrap_or_default();
                let reason = format!(
                    "the server refused the credentials with HTTP {http_status}{said}: check PPOB_API_KEY \
and PPOB_API_SECRET (or the config file's [credentials]) and the body mode"
                );
                log.add_fixed(at, input_rules::AUTH, Severity::Error, reason.clone());
                Some(Outcome::Error { reason })
            }
            Reading::Unusable(Unusable::Transport(e)) if e.is_unreachable() && log.index == 1 => {
                let reason = format!(
                    "{} is unreachable: {e}; {}",
                    self.transport.describe(),
                    setup::unreachable_hint(e)
                );
                log.add_fixed(
                    at,
                    input_rules::UNREACHABLE,
                    Severity::Error,
                    reason.clone(),
                );
                Some(Outcome::Error { reason })
            }
            _ => None,
        }
    }

    fn pay_and_poll(
        &self,
        case: &Case,
        log: &mut Log<'_, '_>,
        inquiry: &Value,
        payload: Value,
    ) -> Result<Outcome, Outcome> {
        if let Some(ref_number) = payload.get("refNumber").and_then(Value::as_str) {
            self.observer.paying(&case.name, ref_number);
        }
        let paid_at = self.clock.now();
        let paid_wall = self.clock.wall();
        let exchange = self.send(Operation::Payment, payload);
        // A replay hands back the recorded request: judge what was really sent.
        let request = exchange.request.payload.clone();
        let mut paid = Paid {
            inquiry,
            request: &request,
            seen: None,
            ours: Ours {
                ref_number: rules::text(&request, "/refNumber"),
                account: &case.account,
                transaction_id: None,
            },
        };
        let answer = judge(&exchange, paid.ours);
        let label = answer.label("processing");
        let request_findings = rules::payment_request(inquiry, &request);
        let at = log.record(&exchange, &answer.reading, request_findings, &label);
        if let Some(outcome) = self.setup_problem(&answer.reading, log, at) {
            return Err(outcome);
        }
        self.judge_transaction(log, at, &answer, &mut paid);
        if let Some(outcome) = duplicate_of_unknown_ref(log, at, &answer.reading, paid.ours) {
            return Err(outcome);
        }
        let mut wait = match answer.verdict {
            MoneyVerdict::Failed(code) => {
                return Ok(Outcome::Failed {
                    code,
                    operation: Operation::Payment,
                });
            }
            MoneyVerdict::Success(_) => Duration::ZERO,
            MoneyVerdict::Processing(_) => self.pacing.first_wait,
        };
        let mut interval = self.pacing.interval;
        let ref_number = request.get("refNumber").cloned().unwrap_or(Value::Null);
        for calls in 0..MAX_STATUS_CALLS {
            let spent = self.clock.now().saturating_sub(paid_at);
            self.wait(
                case,
                self.pacing.clip(wait, spent),
                "waiting before asking status",
            );
            let left = self.pacing.left(self.clock.now().saturating_sub(paid_at));
            if left.is_zero() {
                return Ok(self.deadline_reached(calls));
            }
            let status = json!({"partnerId": self.credentials.key(), "refNumber": ref_number});
            let exchange = self.send_within(Operation::Status, status, left);
            let answer = judge(&exchange, paid.ours);
            let label = answer.label("pending");
            let at = log.record(&exchange, &answer.reading, Vec::new(), &label);
            if let Some(outcome) = self.setup_problem(&answer.reading, log, at) {
                return Err(outcome);
            }
            self.judge_transaction(log, at, &answer, &mut paid);
            let outcome = match answer.verdict {
                MoneyVerdict::Success(code) => Some(Outcome::Success { code }),
                MoneyVerdict::Failed(code) => Some(Outcome::Failed {
                    code,
                    operation: Operation::Status,
                }),
                MoneyVerdict::Processing(_) => None,
            };
            if let Some(outcome) = outcome {
                if let (Some(source), Some(reference), Reading::Envelope { json, .. }) =
                    (self.callbacks, paid.ours.ref_number, &answer.reading)
                {
                    let settled = Settled {
                        ref_number: reference,
                        status_at: at,
                        status: json,
                        paid_wall,
                    };
                    self.judge_callbacks(case, log, source, &settled);
                }
                return Ok(outcome);
            }
            if let Reading::Unusable(Unusable::Transport(TransportError::Replay(why))) =
                &answer.reading
            {
                return Ok(Outcome::Pending {
                    why: format!("the cassette ends while the payment is processing ({why})"),
                });
            }
            wait = interval;
            interval = self.pacing.next_interval(interval);
        }
        Ok(Outcome::Pending {
            why: format!("gave up after {MAX_STATUS_CALLS} status calls"),
        })
    }

    /// Waits for the callbacks of a payment whose status is final, judges
    /// each as a `callback` document and compares it with the status answer
    /// (`callback.*` rules); no callback by the wait is `callback.missing`
    /// on the status answer. A stop during the wait judges what came.
    fn judge_callbacks(
        &self,
        case: &Case,
        log: &mut Log<'_, '_>,
        source: &dyn CallbackSource,
        settled: &Settled<'_>,
    ) {
        let wait = source.wait();
        if !wait.is_zero() {
            self.observer
                .waiting(&case.name, wait, "waiting for the callback");
        }
        let collected = source.collect(settled.ref_number);
        if !wait.is_zero() {
            self.observer.waited(&case.name);
        }
        if collected.received.is_empty() {
            if !collected.interrupted {
                let missing = callbacks::missing(settled.ref_number, source.url(), wait);
                log.add(settled.status_at, vec![missing]);
            }
            return;
        }
        for (n, received) in collected.received.iter().enumerate() {
            let after = received
                .at
                .duration_since(settled.paid_wall)
                .unwrap_or_default();
            let json = serde_json::from_slice::<Value>(&received.body).ok();
            let said = json
                .as_ref()
                .map_or_else(|| "not JSON".to_owned(), callbacks::describe_code);
            let verdict = match n {
                0 => format!("callback: {said}"),
                _ => format!("callback again (delivery {}): {said}", n + 1),
            };
            let at = log.record_callback(received, after, verdict);
            let mut found = json
                .as_ref()
                .map(|json| callbacks::matches_status(json, settled.status))
                .unwrap_or_default();
            if n > 0 {
                found.push(callbacks::duplicate(n + 1, settled.ref_number));
            }
            log.add(at, found);
        }
    }

    /// The outcome when the deadline ends polling after `calls` status calls.
    fn deadline_reached(&self, calls: u32) -> Outcome {
        let deadline = humantime::format_duration(self.pacing.deadline);
        let clipped = if calls == 0 && self.pacing.first_wait >= self.pacing.deadline {
            format!(
                " (the first wait of {} is not shorter than the deadline)",
                humantime::format_duration(self.pacing.first_wait)
            )
        } else {
            String::new()
        };
        Outcome::Pending {
            why: format!(
                "deadline of {deadline} reached after {calls} status call{}{clipped}",
                if calls == 1 { "" } else { "s" }
            ),
        }
    }

    /// Cross-step rules on a payment or status answer, and the money rule's warnings.
    fn judge_transaction(
        &self,
        log: &mut Log<'_, '_>,
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
}

/// A payment whose status answer is final: what its callbacks are judged against.
struct Settled<'r> {
    /// The payment's refNumber.
    ref_number: &'r str,
    /// The position of the final status answer among the case's documents.
    status_at: usize,
    /// The final status answer.
    status: &'r Value,
    /// When the payment was sent.
    paid_wall: std::time::SystemTime,
}

/// What payment and status answers are compared with.
struct Paid<'r> {
    /// The inquiry answer.
    inquiry: &'r Value,
    /// The payment request's signed fields.
    request: &'r Value,
    /// The first transactionId of the conversation (for `flow.transaction-id-stable`).
    seen: Option<i64>,
    /// The case's identity; its transactionId is taken only from an answer about this case.
    ours: Ours<'r>,
}

/// A payment or status answer as the conversation reads it.
struct Answer {
    reading: Reading,
    /// The money rule's verdict; processing when the answer is foreign.
    verdict: MoneyVerdict,
    /// Whether the answer names another refNumber, account or transactionId.
    foreign: bool,
    /// The finding when that kept a final code from settling the case.
    overruled: Option<FlowFinding>,
}

impl Answer {
    /// The step's verdict label; `waiting` names a not-yet-final verdict.
    fn label(&self, waiting: &str) -> String {
        match &self.verdict {
            MoneyVerdict::Success(c) => format!("success ({c})"),
            MoneyVerdict::Processing(why) => format!("{waiting} ({why})"),
            MoneyVerdict::Failed(c) => format!("failed ({c})"),
        }
    }
}

/// Reads a payment or status answer: the money rule, then whether it is
/// about this case at all. An answer about another transaction never settles
/// the case (the echo rules report each differing field; the finding here
/// says why a final code was not taken).
fn judge(exchange: &Exchange, ours: Ours<'_>) -> Answer {
    let reading = classify::read(exchange);
    let mut verdict = classify::money(&reading);
    let foreign = match &reading {
        Reading::Envelope { json, .. } => rules::foreign_transaction(json, ours),
        _ => None,
    };
    let mut overruled = None;
    if foreign.is_some() && !matches!(verdict, MoneyVerdict::Processing(_)) {
        verdict = MoneyVerdict::Processing("about another transaction".into());
        overruled = foreign.clone();
    }
    Answer {
        reading,
        verdict,
        foreign: foreign.is_some(),
        overruled,
    }
}

/// A duplicate answer (102, 108) to the payment: its refNumber was fresh
/// (every payment gets a new one), so another transaction owns it and its
/// status would describe that transaction. The case stops with a finding.
fn duplicate_of_unknown_ref(
    log: &mut Log<'_, '_>,
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
