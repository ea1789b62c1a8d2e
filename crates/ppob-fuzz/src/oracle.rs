//! The oracles: what must hold for every case, each with a stable id.
//!
//! An oracle reads a case and its [`Trace`] and reports [`Violation`]s that
//! point at one step's answer (a JSON pointer into its body). Severities
//! follow `--severity` like every rule (`off` silences an oracle).

use std::time::Duration;

use serde_json::Value;

use super::acceptable::AcceptableTable;
use super::case::{FuzzCase, Scenario};
use super::exec::{Role, Step, Trace};
use ppob_check::flow::classify::{self, MoneyVerdict, Reading, Unusable};
use ppob_check::flow::rules::{self as flow_rules, Expected};
use ppob_core::contract::{Operation, Severity};
use ppob_core::model::CodeClass;
use ppob_core::rules::Severities;
use ppob_validate::{Engine, Input};

/// Every answer is a JSON envelope that holds the response schema, the
/// semantic rules and (for valid payments) the cross-step rules.
pub const CONFORMS: &str = "fuzz.conforms";
/// No HTTP 5xx and no transport error (timeout, connection closed), on any input.
pub const NO_SERVER_ERROR: &str = "fuzz.no-server-error";
/// A negative request is refused with an acceptable answer (`acceptable.toml`),
/// never with a success code.
pub const NEGATIVE_REFUSED: &str = "fuzz.negative-refused";
/// A valid payment made right after its inquiry, with the inquiry's own
/// values, is never refused as not matching it (104, 114, 312, 313) or as malformed (HTTP 400/422).
pub const VALID_ACCEPTED: &str = "fuzz.valid-accepted";
/// The money rule on the server's side: a refused payment is never charged
/// (its status is not success or processing) and a successful one stays successful.
pub const MONEY: &str = "fuzz.money";
/// A second payment with the same refNumber never makes a second
/// transaction: same transactionId in both answers and in status.
pub const NO_DOUBLE_CHARGE: &str = "fuzz.no-double-charge";
/// Every answer within `--latency-budget` (only when one is set).
pub const LATENCY: &str = "fuzz.latency";
/// A run-level warning: the run passed, but its pass means little (every
/// answer was an auth refusal, no inquiry found a bill, nothing was paid).
pub const VACUOUS_PASS: &str = ppob_core::rules::catalogue::ids::VACUOUS_PASS;

/// Every oracle, in the order they are asked (the first violation names a
/// failure); severities and descriptions are in the rule catalogue.
pub const ORACLES: &[&str] = &[
    NO_DOUBLE_CHARGE,
    NEGATIVE_REFUSED,
    MONEY,
    VALID_ACCEPTED,
    NO_SERVER_ERROR,
    CONFORMS,
    LATENCY,
    VACUOUS_PASS,
];

/// One thing an oracle found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The oracle's id.
    pub oracle: &'static str,
    /// Its severity after `--severity`.
    pub severity: Severity,
    /// The step (0-based) whose answer it is about.
    pub step: usize,
    /// JSON pointer into that answer's body ("" for the whole answer).
    pub pointer: String,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What was expected.
    pub expected: Option<String>,
    /// What came.
    pub actual: Option<String>,
    /// Which failures count as the same bug, with the oracle: e.g. the
    /// operation and variant of a wrongly accepted request, or the rule and
    /// pointer a broken answer breaks (array indexes as `*`).
    pub key: String,
}

/// Codes a valid payment of a fresh inquiry must never get.
const MISMATCH_CODES: [i64; 4] = [104, 114, 312, 313];

/// Asks every oracle about a case.
pub struct Judge<'a> {
    /// Judges answers against the contract.
    pub engine: &'a Engine,
    /// Which refusals a negative request may get.
    pub table: &'a AcceptableTable,
    /// `--latency-budget`.
    pub latency_budget: Option<Duration>,
}

/// Whether `code` says yes: success, processing or inquiry success.
fn is_success_class(code: i64) -> bool {
    matches!(
        CodeClass::of(code),
        CodeClass::Success | CodeClass::Processing | CodeClass::InquiryOk
    )
}

/// `299 (processing (200-299))` as `299, processing (200-299)`.
fn code_and_class(code: i64) -> String {
    format!("{code}, {}", CodeClass::of(code).describe())
}

/// Collects violations, applying severities.
struct Found<'j> {
    severities: &'j Severities,
    out: Vec<Violation>,
    key: String,
}

impl Found<'_> {
    /// Sets the key of the violations added next.
    fn keyed(&mut self, key: impl Into<String>) -> &mut Self {
        self.key = key.into();
        self
    }

    fn add(
        &mut self,
        oracle: &'static str,
        step: usize,
        pointer: &str,
        message: String,
        expected: Option<String>,
        actual: Option<String>,
    ) {
        let Some(severity) = self.severities.severity(oracle) else {
            return;
        };
        self.out.push(Violation {
            oracle,
            severity,
            step,
            pointer: pointer.to_owned(),
            message,
            expected,
            actual,
            key: self.key.clone(),
        });
    }
}

impl Judge<'_> {
    /// Every violation in `trace`, most specific oracle first.
    pub fn judge(&self, case: &FuzzCase, trace: &Trace) -> Vec<Violation> {
        let mut found = Found {
            severities: self.engine.severities(),
            out: Vec::new(),
            key: String::new(),
        };
        self.no_double_charge(case, trace, &mut found);
        self.negative_refused(case, trace, &mut found);
        self.money(case, trace, &mut found);
        self.valid_accepted(case, trace, &mut found);
        self.no_server_error(trace, &mut found);
        self.conforms(case, trace, &mut found);
        self.latency(trace, &mut found);
        found.out
    }

    fn negative_refused(&self, case: &FuzzCase, trace: &Trace, found: &mut Found<'_>) {
        if !case.is_negative() || case.scenario == Scenario::PayTwice {
            return;
        }
        let Some((at, step)) = trace.target() else {
            return;
        };
        let field = case.mutation.as_ref().and_then(|m| m.field());
        let entry = self.table.lookup(step.operation(), case.variant(), field);
        if entry.tolerated {
            return;
        }
        let http = step.http_status().unwrap_or(0);
        let what = || match &case.mutation {
            Some(m) => format!("{} {}", step.operation().name(), m.describe()),
            None => format!(
                "{} ({})",
                step.operation().name(),
                case.variant().replace('-', " ")
            ),
        };
        let expected = || Some(entry.codes_text());
        found.keyed(format!("{}.{}", step.operation().name(), case.variant()));
        match &step.reading {
            Reading::AuthRefused { http_status, .. } if !entry.http.contains(http_status) => {
                found.add(
                    NEGATIVE_REFUSED,
                    at,
                    "",
                    format!(
                        "{} was refused with HTTP {http_status}, not an acceptable answer ([{}] in acceptable.toml)",
                        what(),
                        entry.key
                    ),
                    expected(),
                    Some(format!("HTTP {http_status}")),
                );
            }
            Reading::Envelope { code, .. } => {
                if http != 200 && entry.http.contains(&http) {
                    return;
                }
                if is_success_class(*code) {
                    found.add(
                        NEGATIVE_REFUSED,
                        at,
                        "/responseCode",
                        format!(
                            "{} was answered {}: a negative request must be refused",
                            what(),
                            code_and_class(*code)
                        ),
                        expected(),
                        Some(code.to_string()),
                    );
                } else if !entry.accepts_code(*code) {
                    found.add(
                        NEGATIVE_REFUSED,
                        at,
                        "/responseCode",
                        format!(
                            "{} was refused with {code}, not one of the acceptable codes ([{}] in acceptable.toml)",
                            what(),
                            entry.key
                        ),
                        expected(),
                        Some(code.to_string()),
                    );
                }
            }
            _ => {}
        }
    }

    fn money(&self, case: &FuzzCase, trace: &Trace, found: &mut Found<'_>) {
        if !matches!(case.scenario, Scenario::Payment | Scenario::PayAfterExpiry) {
            return;
        }
        let Some((_, payment)) = trace.target() else {
            return;
        };
        let Some((at, status)) = trace
            .steps
            .iter()
            .enumerate()
            .find(|(_, s)| s.role == Role::Followup)
        else {
            return;
        };
        let Some(status_code) = status.code() else {
            return;
        };
        let refused = match (&payment.reading, classify::money(&payment.reading)) {
            (Reading::AuthRefused { http_status, .. }, _) => Some(format!("HTTP {http_status}")),
            (_, MoneyVerdict::Failed(code)) => Some(format!("code {code}")),
            (
                Reading::Envelope {
                    http_status, code, ..
                },
                _,
            ) if *http_status >= 400 => Some(format!("HTTP {http_status} (code {code})")),
            _ => None,
        };
        let charged = matches!(
            CodeClass::of(status_code),
            CodeClass::Success | CodeClass::Processing
        );
        if let Some(refusal) = refused {
            if charged {
                found.keyed("refused-but-charged").add(
                    MONEY,
                    at,
                    "/responseCode",
                    format!(
                        "the payment was refused with {refusal}, but its status answers {}: a refused payment was charged",
                        code_and_class(status_code)
                    ),
                    Some("188 or a failure code".into()),
                    Some(status_code.to_string()),
                );
            }
            return;
        }
        if let MoneyVerdict::Success(paid) = classify::money(&payment.reading)
            && CodeClass::of(status_code) != CodeClass::Success
        {
            found.keyed("success-not-kept").add(
                MONEY,
                at,
                "/responseCode",
                format!(
                    "the payment answered success ({paid}), but its status answers {}",
                    code_and_class(status_code)
                ),
                Some("a success code (0-99)".into()),
                Some(status_code.to_string()),
            );
        }
    }

    fn no_double_charge(&self, case: &FuzzCase, trace: &Trace, found: &mut Found<'_>) {
        if case.scenario != Scenario::PayTwice {
            return;
        }
        let payments: Vec<(usize, &Step)> = trace
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.operation() == Operation::Payment)
            .collect();
        let Some(first) = payments
            .first()
            .and_then(|(_, s)| s.json())
            .and_then(flow_rules::transaction_id)
        else {
            return;
        };
        let later = trace
            .steps
            .iter()
            .enumerate()
            .skip(payments.first().map_or(0, |(i, _)| i + 1));
        for (at, step) in later {
            let Some(id) = step.json().and_then(flow_rules::transaction_id) else {
                continue;
            };
            if id != first {
                let what = if step.operation() == Operation::Payment {
                    "the second payment with the same refNumber"
                } else {
                    "status after paying twice with one refNumber"
                };
                found.keyed("charged-twice").add(
                    NO_DOUBLE_CHARGE,
                    at,
                    "/data/transactionId",
                    format!(
                        "{what} shows transactionId {id}, the first payment {first}: the refNumber was charged twice"
                    ),
                    Some(first.to_string()),
                    Some(id.to_string()),
                );
                return;
            }
        }
    }

    fn valid_accepted(&self, case: &FuzzCase, trace: &Trace, found: &mut Found<'_>) {
        if case.is_negative() || case.scenario == Scenario::PayTwice {
            return;
        }
        let Some((at, step)) = trace.target() else {
            return;
        };
        let http = step.http_status().unwrap_or(0);
        if matches!(http, 400 | 422) {
            found
                .keyed(format!("{} HTTP {http}", step.operation().name()))
                .add(
                    VALID_ACCEPTED,
                    at,
                    "",
                    format!(
                        "a valid {} request was refused as malformed (HTTP {http})",
                        step.operation().name()
                    ),
                    Some("HTTP 200".into()),
                    Some(format!("HTTP {http}")),
                );
            return;
        }
        if step.operation() == Operation::Payment
            && let Some(code) = step.code()
            && MISMATCH_CODES.contains(&code)
        {
            found.keyed(format!("payment {code}")).add(
                VALID_ACCEPTED,
                at,
                "/responseCode",
                format!(
                    "a valid payment with its fresh inquiry's own values was refused with {code}, a code for a payment that does not match its inquiry"
                ),
                Some("0-99, 299 or the account's own failure".into()),
                Some(code.to_string()),
            );
        }
    }

    fn no_server_error(&self, trace: &Trace, found: &mut Found<'_>) {
        for (at, step) in trace.steps.iter().enumerate() {
            let (why, kind) = match &step.reading {
                Reading::Unusable(u @ Unusable::ServerError(s)) => {
                    (format!("HTTP {s}"), u.describe())
                }
                Reading::Unusable(u @ Unusable::Transport(e)) => (e.to_string(), u.describe()),
                _ => continue,
            };
            found
                .keyed(format!("{} {kind}", step.operation().name()))
                .add(
                    NO_SERVER_ERROR,
                    at,
                    "",
                    format!("the {} request got {why}", step.operation().name()),
                    Some("an answer below HTTP 500".into()),
                    Some(why),
                );
        }
    }

    fn conforms(&self, case: &FuzzCase, trace: &Trace, found: &mut Found<'_>) {
        let cross_step = !case.is_negative() || case.scenario == Scenario::PayTwice;
        let inquiry = trace
            .steps
            .iter()
            .rev()
            .find(|s| s.operation() == Operation::Inquiry && s.code() == Some(300))
            .and_then(Step::json);
        let mut transaction_id = None;
        for (at, step) in trace.steps.iter().enumerate() {
            let Ok(response) = &step.exchange.response else {
                continue;
            };
            let judged = match &step.reading {
                Reading::Envelope { .. } => true,
                Reading::Unusable(
                    Unusable::NoCode { .. }
                    | Unusable::CodeOutOfRange { .. }
                    | Unusable::TooCostly { .. },
                ) => true,
                Reading::Unusable(Unusable::Unparseable { http_status, error }) => {
                    if *http_status == 200 {
                        found.keyed("not-json").add(
                            CONFORMS,
                            at,
                            "",
                            format!(
                                "the {} answer (HTTP 200) is not JSON: {error}",
                                step.operation().name()
                            ),
                            Some("a JSON envelope".into()),
                            Some(preview(&response.body)),
                        );
                    }
                    false
                }
                _ => false,
            };
            if !judged {
                continue;
            }
            let source = format!("step {} {}", at + 1, step.operation().response().name());
            let report = self.engine.check(Input {
                source: &source,
                bytes: &response.body,
                kind: Some(step.operation().response()),
                first_line: 1,
            });
            let errors: Vec<_> = report
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .collect();
            if let Some(first) = errors.first() {
                let more = match errors.len() {
                    1 => String::new(),
                    n => format!(" (+{} more)", n - 1),
                };
                let key = format!(
                    "{} {} {}",
                    step.operation().response().name(),
                    first.rule,
                    generic_pointer(&first.pointer)
                );
                found.keyed(key).add(
                    CONFORMS,
                    at,
                    &first.pointer,
                    format!(
                        "the {} answer breaks the contract: [{}] {}{more}",
                        step.operation().name(),
                        first.rule,
                        first.message
                    ),
                    first.expected.clone(),
                    first.actual.clone(),
                );
                continue;
            }
            if !cross_step || step.operation() == Operation::Inquiry {
                continue;
            }
            let (Some(json), Some(inquiry)) = (step.json(), inquiry) else {
                continue;
            };
            let request = &step.exchange.request.payload;
            let payment_request = if step.operation() == Operation::Payment {
                request.clone()
            } else {
                trace
                    .steps
                    .iter()
                    .find(|s| s.operation() == Operation::Payment)
                    .map_or(Value::Null, |s| s.exchange.request.payload.clone())
            };
            let findings = flow_rules::transaction_response(
                json,
                Expected {
                    inquiry,
                    payment_request: &payment_request,
                    transaction_id,
                },
            );
            if transaction_id.is_none() {
                transaction_id = flow_rules::transaction_id(json);
            }
            if let Some((rule, f)) = findings.into_iter().next() {
                found
                    .keyed(format!("{rule} {}", generic_pointer(&f.pointer)))
                    .add(
                        CONFORMS,
                        at,
                        &f.pointer,
                        format!(
                            "the {} answer breaks a cross-step rule: [{rule}] {}",
                            step.operation().name(),
                            f.message
                        ),
                        f.expected,
                        f.actual,
                    );
            }
        }
    }

    fn latency(&self, trace: &Trace, found: &mut Found<'_>) {
        let Some(budget) = self.latency_budget else {
            return;
        };
        for (at, step) in trace.steps.iter().enumerate() {
            if step.exchange.elapsed > budget {
                let took = humantime::format_duration(step.exchange.elapsed).to_string();
                found.keyed(step.operation().name()).add(
                    LATENCY,
                    at,
                    "",
                    format!(
                        "the {} answer took {took}, over the budget of {}",
                        step.operation().name(),
                        humantime::format_duration(budget)
                    ),
                    Some(format!("≤ {}", humantime::format_duration(budget))),
                    Some(took),
                );
            }
        }
    }
}

/// A pointer with its array indexes as `*`: `/data/billDetails/*/value`.
fn generic_pointer(pointer: &str) -> String {
    pointer
        .split('/')
        .map(|t| {
            if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
                "*"
            } else {
                t
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The start of a body, for a finding's `actual`.
fn preview(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut short: String = text.chars().take(60).collect();
    if text.chars().count() > 60 {
        short.push('…');
    }
    short
}
