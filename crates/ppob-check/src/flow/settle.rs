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
        // The deadline counts from the payment: the payment itself is cut there too.
        let exchange = self.send_within(Operation::Payment, payload, self.pacing.deadline);
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
            let why = if calls == 0 {
                "for the first status call".to_owned()
            } else {
                format!("for status call #{}", calls + 1)
            };
            self.wait(case, self.pacing.clip(wait, spent), &why);
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::SystemTime;

    use super::*;
    use crate::flow::{Quiet, RefNumbers, TargetContact};
    use ppob_transport::auth::{BodyMode, Credentials};
    use ppob_transport::clock::ManualClock;
    use ppob_transport::{Exchange, Transport, WireRequest, WireResponse};
    use ppob_validate::{Engine, EngineOptions};

    /// Answers the payment `processing` (code 201) and every status call
    /// with `status`, counting the status calls.
    struct Processing {
        status: fn() -> Result<WireResponse, TransportError>,
        calls: AtomicU32,
    }

    impl Transport for Processing {
        fn send(&self, request: WireRequest) -> Exchange {
            let response = match request.operation {
                Operation::Status => {
                    self.calls.fetch_add(1, Ordering::SeqCst);
                    (self.status)()
                }
                _ => pending(),
            };
            Exchange {
                request,
                response,
                started: SystemTime::UNIX_EPOCH,
                elapsed: Duration::ZERO,
            }
        }
        fn describe(&self) -> String {
            "scripted".into()
        }
    }

    fn pending() -> Result<WireResponse, TransportError> {
        Ok(WireResponse::json(
            200,
            br#"{"responseCode":201,"success":false,"message":{"ID":"x","EN":"x"},"data":{}}"#
                .to_vec(),
        ))
    }

    /// Pays on `transport` with `pacing`: the outcome and the number of documents.
    fn pay(transport: &Processing, pacing: Pacing) -> (Result<Outcome, Outcome>, usize) {
        let engine = Engine::new(EngineOptions::default());
        let credentials = Credentials::simulator_demo();
        let clock = ManualClock::new();
        let refs = RefNumbers::seeded("T", 1);
        let contact = TargetContact::new();
        let flow = Flow {
            transport,
            engine: &engine,
            credentials: &credentials,
            body_mode: BodyMode::TokenOnly,
            pacing,
            clock: &clock,
            observer: &Quiet,
            refs: &refs,
            max_amount: None,
            contact: &contact,
            callbacks: None,
        };
        let case = Case::new("0811111111");
        let mut log = Log::new(&engine, &case);
        let inquiry = json!({"data": {"accountNumber": "0811111111"}});
        let payload = json!({"partnerId": "partner-id", "refNumber": "R1"});
        let outcome = flow.pay_and_poll(&case, &mut log, &inquiry, payload);
        (outcome, log.documents().len())
    }

    #[test]
    fn polling_without_waits_gives_up_after_the_most_status_calls() {
        let transport = Processing {
            status: pending,
            calls: AtomicU32::new(0),
        };
        let (outcome, documents) = pay(&transport, Pacing::immediate());
        assert_eq!(
            outcome,
            Ok(Outcome::Pending {
                why: format!("gave up after {MAX_STATUS_CALLS} status calls")
            })
        );
        assert_eq!(transport.calls.load(Ordering::SeqCst), MAX_STATUS_CALLS);
        assert_eq!(documents as u32, 2 * (1 + MAX_STATUS_CALLS));
    }

    #[test]
    fn a_cassette_that_ends_while_processing_leaves_the_case_pending() {
        let transport = Processing {
            status: || Err(TransportError::Replay("no status left".into())),
            calls: AtomicU32::new(0),
        };
        let (outcome, documents) = pay(&transport, Pacing::immediate());
        let Ok(Outcome::Pending { why }) = outcome else {
            panic!("{outcome:?}");
        };
        assert!(
            why.starts_with("the cassette ends while the payment is processing ("),
            "{why}"
        );
        assert_eq!(transport.calls.load(Ordering::SeqCst), 1);
        assert_eq!(documents, 4, "the payment and one status call");
    }

    fn pacing(first_wait: u64, deadline: u64) -> Pacing {
        Pacing {
            first_wait: Duration::from_secs(first_wait),
            deadline: Duration::from_secs(deadline),
            ..Pacing::simulator()
        }
    }

    fn why(outcome: Outcome) -> String {
        match outcome {
            Outcome::Pending { why } => why,
            other => panic!("not pending: {other:?}"),
        }
    }

    #[test]
    fn the_deadline_counts_the_status_calls_made() {
        assert_eq!(
            why(deadline_reached(&pacing(2, 60), 1)),
            "deadline of 1m reached after 1 status call"
        );
        assert_eq!(
            why(deadline_reached(&pacing(2, 60), 4)),
            "deadline of 1m reached after 4 status calls"
        );
    }

    #[test]
    fn a_first_wait_as_long_as_the_deadline_is_named_when_no_call_was_made() {
        assert_eq!(
            why(deadline_reached(&pacing(60, 60), 0)),
            "deadline of 1m reached after 0 status calls (the first wait of 1m is not shorter than the deadline)"
        );
        assert_eq!(
            why(deadline_reached(&pacing(2, 60), 0)),
            "deadline of 1m reached after 0 status calls",
            "a shorter first wait is not the reason"
        );
        assert!(
            !why(deadline_reached(&pacing(90, 60), 1)).contains("first wait"),
            "after a call the first wait is not the reason"
        );
    }

    #[test]
    fn the_payments_verdict_decides_the_first_wait() {
        let p = pacing(150, 900);
        assert_eq!(
            first_wait(&MoneyVerdict::Processing("code 201".into()), &p),
            Ok(Duration::from_secs(150))
        );
        assert_eq!(
            first_wait(&MoneyVerdict::Success(0), &p),
            Ok(Duration::ZERO),
            "a success is confirmed by status at once"
        );
        assert_eq!(
            first_wait(&MoneyVerdict::Failed(105), &p),
            Err(Outcome::Failed {
                code: 105,
                operation: Operation::Payment
            })
        );
    }

    #[test]
    fn a_final_status_settles_the_case_and_processing_polls_on() {
        assert_eq!(
            status_outcome(&MoneyVerdict::Success(3)),
            Some(Outcome::Success { code: 3 })
        );
        assert_eq!(
            status_outcome(&MoneyVerdict::Failed(105)),
            Some(Outcome::Failed {
                code: 105,
                operation: Operation::Status
            })
        );
        assert_eq!(
            status_outcome(&MoneyVerdict::Processing("code 201".into())),
            None
        );
    }
}
