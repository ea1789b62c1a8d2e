//! Runs one case: inquiry → payment → status (polled), judging every
//! document on the way and the conversation across steps.

use std::time::Duration;

use serde_json::Value;

use super::case::{Case, Outcome};
use super::document_log::Log;
use super::pacing::Pacing;
use super::payment_request::{Payer, payment_payload};
use super::refs::RefNumbers;
use super::rules;
use super::setup::TargetContact;
use super::{Observer, StepDocument};
use crate::callback::CallbackSource;
use ppob_core::contract::Operation;
use ppob_core::rules::RuleFinding;
use ppob_report::CaseSummary;
use ppob_report::wire::millis;
use ppob_transport::auth::{BodyMode, Credentials, sign_request};
use ppob_transport::clock::Clock;
use ppob_transport::{Exchange, Transport, TransportError};
use ppob_validate::Engine;

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
    /// How long it took, in real time.
    pub elapsed: Duration,
    /// On a simulated clock (the in-process simulator, a replay): how long it took in
    /// simulated time, the waits included that took no real time.
    pub simulated: Option<Duration>,
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
            simulated_ms: self.simulated.map(millis),
            detail: self.outcome.describe(),
            category: ppob_products::catalog()
                .by_product(&self.case.product)
                .map(|c| c.name.clone()),
        }
    }
}

impl Flow<'_> {
    /// Sends a request.
    pub(super) fn send(&self, operation: Operation, payload: Value) -> Exchange {
        self.send_within(operation, payload, Duration::MAX)
    }

    /// Sends a request that gives up after `limit` at the latest.
    pub(super) fn send_within(
        &self,
        operation: Operation,
        payload: Value,
        limit: Duration,
    ) -> Exchange {
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

    /// Waits `duration` (nothing when zero), telling the observer.
    pub(super) fn wait(&self, case: &Case, duration: Duration, why: &str) {
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
        let started_real = std::time::Instant::now();
        let mut log = Log::new(self.engine, case);
        let outcome = self.converse(case, &mut log);
        let outcome = outcome.unwrap_or_else(|e| e);
        // On the last answer of the conversation, not on a callback after it.
        if !case.expect.met_by(&outcome)
            && let Some(last) = log.last_answer()
        {
            let pointer = if log.documents()[last].bytes.is_empty() {
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
            documents: log.into_documents(),
            elapsed: started_real.elapsed(),
            simulated: self
                .clock
                .is_simulated()
                .then(|| self.clock.now().saturating_sub(started)),
        }
    }

    /// The conversation; `Err` carries an outcome that ended it early.
    fn converse(&self, case: &Case, log: &mut Log<'_>) -> Result<Outcome, Outcome> {
        let (inquiry, inquiry_at) = self.inquire(case, log)?;
        let payer = Payer {
            partner_id: self.credentials.key(),
            refs: self.refs,
            max_amount: self.max_amount,
            callback_url: self.callbacks.map(|source| source.url()),
        };
        let payload = payment_payload(case, &inquiry, &payer)
            .map_err(|refused| refused.stop(log, inquiry_at))?;
        self.pay_and_poll(case, log, &inquiry, payload)
    }
}
