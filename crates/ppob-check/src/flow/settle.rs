//! The payment and the status polling that settles it: the payment's
//! answer decides whether to poll, status is asked on the [`Pacing`]
//! schedule until a final answer, the deadline, the end of a cassette or
//! [`MAX_STATUS_CALLS`]; a final status brings the callbacks' judging.

use std::time::Duration;

use serde_json::{Value, json};

use super::answer::judge;
use super::callback_step::{self, Settled};
use super::case::{Case, Outcome};
use super::classify::{MoneyVerdict, Reading, Unusable};
use super::conversation::{Flow, MAX_STATUS_CALLS};
use super::document_log::Log;
use super::pacing::Pacing;
use super::rules::{self, Ours};
use super::setup_stop;
use super::transaction_checks::{self, Paid};
use ppob_core::contract::Operation;
use ppob_transport::TransportError;

impl Flow<'_> {
    /// Sends the payment `payload` (built from the `inquiry` answer) and
    /// polls status until the case has its outcome; `Err` carries an outcome
    /// that ended the case early (a setup problem, a duplicate answer).
    pub(super) fn pay_and_poll(
        &self,
        case: &Case,
        log: &mut Log<'_>,
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
        if let Some(outcome) = setup_stop::setup_problem(self.transport, &answer.reading, log, at) {
            return Err(outcome);
        }
        transaction_checks::judge_transaction(log, at, &answer, &mut paid);
        if let Some(outcome) =
            transaction_checks::duplicate_of_unknown_ref(log, at, &answer.reading, paid.ours)
        {
            return Err(outcome);
        }
        let mut wait = match first_wait(&answer.verdict, &self.pacing) {
            Ok(wait) => wait,
            Err(failed) => return Ok(failed),
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
                return Ok(deadline_reached(&self.pacing, calls));
            }
            let status = json!({"partnerId": self.credentials.key(), "refNumber": ref_number});
            let exchange = self.send_within(Operation::Status, status, left);
            let answer = judge(&exchange, paid.ours);
            let label = answer.label("pending");
            let at = log.record(&exchange, &answer.reading, Vec::new(), &label);
            if let Some(outcome) =
                setup_stop::setup_problem(self.transport, &answer.reading, log, at)
            {
                return Err(outcome);
            }
            transaction_checks::judge_transaction(log, at, &answer, &mut paid);
            if let Some(outcome) = status_outcome(&answer.verdict) {
                if let (Some(source), Some(reference), Reading::Envelope { json, .. }) =
                    (self.callbacks, paid.ours.ref_number, &answer.reading)
                {
                    let settled = Settled {
                        ref_number: reference,
                        status_at: at,
                        status: json,
                        paid_wall,
                    };
                    callback_step::judge_callbacks(
                        self.observer,
                        &case.name,
                        log,
                        source,
                        &settled,
                    );
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
}

/// The wait before the first status call after the payment's `verdict`:
/// none after a success (status confirms it), the first wait after
/// processing; `Err` is the outcome of a failed payment, which ends the case.
fn first_wait(verdict: &MoneyVerdict, pacing: &Pacing) -> Result<Duration, Outcome> {
    match verdict {
        MoneyVerdict::Failed(code) => Err(Outcome::Failed {
            code: *code,
            operation: Operation::Payment,
        }),
        MoneyVerdict::Success(_) => Ok(Duration::ZERO),
        MoneyVerdict::Processing(_) => Ok(pacing.first_wait),
    }
}

/// The outcome a status answer's `verdict` settles, `None` while processing.
fn status_outcome(verdict: &MoneyVerdict) -> Option<Outcome> {
    match verdict {
        MoneyVerdict::Success(code) => Some(Outcome::Success { code: *code }),
        MoneyVerdict::Failed(code) => Some(Outcome::Failed {
            code: *code,
            operation: Operation::Status,
        }),
        MoneyVerdict::Processing(_) => None,
    }
}

/// The outcome when the deadline ends polling after `calls` status calls.
fn deadline_reached(pacing: &Pacing, calls: u32) -> Outcome {
    let deadline = humantime::format_duration(pacing.deadline);
    let clipped = if calls == 0 && pacing.first_wait >= pacing.deadline {
        format!(
            " (the first wait of {} is not shorter than the deadline)",
            humantime::format_duration(pacing.first_wait)
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
