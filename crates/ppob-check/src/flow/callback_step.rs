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
        observer.waiting(case, wait, "waiting for the callback");
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
