//! The callbacks of a payment whose status is final: waited for, each
//! judged as a `callback` document and compared with the final status
//! answer (the `callback.*` rules of [`super::callbacks`]).

use std::time::SystemTime;

use serde_json::Value;

use super::Observer;
use super::callbacks;
use super::document_log::Log;
use crate::callback::CallbackSource;

/// A payment whose status answer is final: what its callbacks are judged against.
pub(super) struct Settled<'r> {
    /// The payment's refNumber.
    pub(super) ref_number: &'r str,
    /// The position of the final status answer among the case's documents.
    pub(super) status_at: usize,
    /// The final status answer.
    pub(super) status: &'r Value,
    /// When the payment was sent.
    pub(super) paid_wall: SystemTime,
}

/// Waits for the callbacks of a payment whose status is final, judges
/// each as a `callback` document and compares it with the status answer
/// (`callback.*` rules); no callback by the wait is `callback.missing`
/// on the status answer. A stop during the wait judges what came. The
/// observer hears of the wait under the name `case`.
pub(super) fn judge_callbacks(
    observer: &dyn Observer,
    case: &str,
    log: &mut Log<'_>,
    source: &dyn CallbackSource,
    settled: &Settled<'_>,
) {
    let wait = source.wait();
    if !wait.is_zero() {
        observer.waiting(case, wait, "for the callback");
    }
    let collected = source.collect(settled.ref_number);
    if !wait.is_zero() {
        observer.waited(case);
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

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Duration;

    use super::*;
    use crate::callback::{Collected, Received};
    use crate::flow::StepDocument;
    use crate::flow::case::Case;
    use ppob_validate::{Engine, EngineOptions};
    use serde_json::json;

    /// Hands out fixed callbacks, each `after` the payment.
    struct Fixed {
        bodies: Vec<Vec<u8>>,
        wait: Duration,
        interrupted: bool,
        asked: Mutex<Vec<String>>,
    }

    impl Fixed {
        fn new(bodies: Vec<Value>) -> Self {
            Self {
                bodies: bodies.iter().map(|b| b.to_string().into_bytes()).collect(),
                wait: Duration::from_secs(5),
                interrupted: false,
                asked: Mutex::new(Vec::new()),
            }
        }
    }

    impl CallbackSource for Fixed {
        fn url(&self) -> &str {
            "http://127.0.0.1:9/cb"
        }
        fn wait(&self) -> Duration {
            self.wait
        }
        fn collect(&self, ref_number: &str) -> Collected {
            self.asked.lock().unwrap().push(ref_number.to_owned());
            let received = self
                .bodies
                .iter()
                .enumerate()
                .map(|(n, body)| Received {
                    path: "/cb".into(),
                    body: body.clone(),
                    at: SystemTime::UNIX_EPOCH + Duration::from_secs(10 + n as u64),
                })
                .collect();
            Collected {
                received,
                interrupted: self.interrupted,
            }
        }
    }

    /// Remembers what it was told.
    #[derive(Default)]
    struct Heard(Mutex<Vec<String>>);

    impl Observer for Heard {
        fn waiting(&self, case: &str, duration: Duration, why: &str) {
            self.0
                .lock()
                .unwrap()
                .push(format!("{case}: {why} ({duration:?})"));
        }
        fn waited(&self, case: &str) {
            self.0.lock().unwrap().push(format!("{case}: waited"));
        }
    }

    fn status(code: i64) -> Value {
        json!({"responseCode": code, "data": {"refNumber": "R1", "transactionId": 7}})
    }

    /// Judges `source`'s callbacks after a final status answer `code`: the
    /// documents (status answer first) and what the observer heard.
    fn judge(source: &Fixed, code: i64) -> (Vec<StepDocument>, Vec<String>) {
        let engine = Engine::new(EngineOptions::default());
        let case = Case::new("0811111111");
        let mut log = Log::new(&engine, &case);
        let status = status(code);
        let exchange = ppob_transport::Exchange {
            request: ppob_transport::WireRequest {
                operation: ppob_core::contract::Operation::Status,
                method: "POST".into(),
                path: "/".into(),
                headers: vec![],
                body: vec![],
                payload: Value::Null,
            },
            response: Ok(ppob_transport::WireResponse::json(
                200,
                status.to_string().into_bytes(),
            )),
            started: SystemTime::UNIX_EPOCH,
            elapsed: Duration::ZERO,
        };
        let reading = crate::flow::classify::read(&exchange);
        let status_at = log.record(&exchange, &reading, Vec::new(), "success (0)");
        let settled = Settled {
            ref_number: "R1",
            status_at,
            status: &status,
            paid_wall: SystemTime::UNIX_EPOCH,
        };
        let heard = Heard::default();
        judge_callbacks(&heard, "case-1", &mut log, source, &settled);
        let heard = heard.0.into_inner().unwrap();
        (log.into_documents()[status_at..].to_vec(), heard)
    }

    fn rules_on(doc: &StepDocument) -> Vec<&str> {
        doc.report
            .findings
            .iter()
            .map(|f| f.rule.as_str())
            .filter(|r| r.starts_with("callback."))
            .collect()
    }

    #[test]
    fn each_delivery_is_a_callback_document_and_a_repeat_is_a_duplicate() {
        let source = Fixed::new(vec![status(0), status(0)]);
        let (documents, heard) = judge(&source, 0);
        assert_eq!(*source.asked.lock().unwrap(), ["R1"]);
        assert_eq!(documents.len(), 3, "the status answer and two callbacks");
        let verdicts: Vec<&str> = documents[1..]
            .iter()
            .map(|d| d.report.step.as_ref().unwrap().verdict.as_str())
            .collect();
        assert_eq!(
            verdicts,
            [
                "callback: success (0)",
                "callback again (delivery 2): success (0)"
            ]
        );
        assert_eq!(
            documents[2].report.step.as_ref().unwrap().elapsed_ms,
            11_000.0
        );
        assert!(rules_on(&documents[0]).is_empty());
        assert!(rules_on(&documents[1]).is_empty());
        assert_eq!(rules_on(&documents[2]), [callbacks::DUPLICATE]);
        assert_eq!(heard, ["case-1: for the callback (5s)", "case-1: waited"]);
    }

    #[test]
    fn a_callback_that_contradicts_the_status_answer_is_reported_on_the_callback() {
        let (documents, _) = judge(&Fixed::new(vec![status(105)]), 0);
        assert_eq!(rules_on(&documents[1]), [callbacks::MATCHES_STATUS]);
        assert!(rules_on(&documents[0]).is_empty());
    }

    #[test]
    fn a_callback_that_is_not_an_envelope_is_labelled_so_and_not_compared() {
        let mut source = Fixed::new(vec![json!("just text")]);
        source.bodies.push(b"<xml/>".to_vec());
        let (documents, _) = judge(&source, 0);
        let verdicts: Vec<&str> = documents[1..]
            .iter()
            .map(|d| d.report.step.as_ref().unwrap().verdict.as_str())
            .collect();
        assert_eq!(
            verdicts,
            [
                "callback: no responseCode",
                "callback again (delivery 2): not JSON"
            ]
        );
        assert!(rules_on(&documents[1]).is_empty());
        assert_eq!(rules_on(&documents[2]), [callbacks::DUPLICATE]);
    }

    #[test]
    fn no_callback_is_missing_on_the_status_answer_unless_the_wait_was_stopped() {
        let mut source = Fixed::new(Vec::new());
        let (documents, _) = judge(&source, 0);
        assert_eq!(documents.len(), 1);
        assert_eq!(rules_on(&documents[0]), [callbacks::MISSING]);
        source.interrupted = true;
        let (documents, _) = judge(&source, 0);
        assert!(rules_on(&documents[0]).is_empty());
        source.interrupted = false;
        source.wait = Duration::ZERO;
        let (documents, heard) = judge(&source, 0);
        assert!(heard.is_empty(), "no wait, nothing to tell: {heard:?}");
        assert_eq!(rules_on(&documents[0]), [callbacks::MISSING]);
    }
}
