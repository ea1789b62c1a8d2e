//! Helpers shared by the flow's unit tests.

use std::time::{Duration, SystemTime};

use ppob_core::contract::Operation;
use ppob_transport::{Exchange, TransportError, WireRequest, WireResponse};
use serde_json::Value;

/// An exchange of `operation` whose request is bare (path `/`, no headers,
/// body or payload) and whose answer is `response`, sent at the epoch.
pub(crate) fn exchange(
    operation: Operation,
    response: Result<WireResponse, TransportError>,
) -> Exchange {
    Exchange {
        request: WireRequest {
            operation,
            method: "POST".into(),
            path: "/".into(),
            headers: vec![],
            body: vec![],
            payload: Value::Null,
        },
        response,
        started: SystemTime::UNIX_EPOCH,
        elapsed: Duration::ZERO,
    }
}
