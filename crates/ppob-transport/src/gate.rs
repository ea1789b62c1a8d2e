//! A transport in front of another that a run can hold back: at most
//! `--rate` requests a second across every worker, and none at all once the
//! run was asked to stop (the request is not sent; the exchange says
//! [`TransportError::Interrupted`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use super::rate::RateLimiter;
use super::{Exchange, Transport, TransportError, WireRequest};
use crate::stop::Stop;

/// Holds requests back for a rate cap and a stop request.
#[derive(Debug)]
pub struct Gate<T> {
    inner: T,
    rate: Option<Arc<RateLimiter>>,
    stop: Arc<Stop>,
    held: AtomicBool,
    sent: AtomicUsize,
}

impl<T: Transport> Gate<T> {
    /// `inner` behind an optional shared rate cap and a stop request.
    pub fn new(inner: T, rate: Option<Arc<RateLimiter>>, stop: Arc<Stop>) -> Self {
        Self {
            inner,
            rate,
            stop,
            held: AtomicBool::new(false),
            sent: AtomicUsize::new(0),
        }
    }

    /// How many requests went through (were not held back).
    pub fn sent(&self) -> usize {
        self.sent.load(Ordering::SeqCst)
    }

    /// Whether a request was held back because of the stop request.
    pub fn held_back(&self) -> bool {
        self.held.load(Ordering::SeqCst)
    }

    /// The exchange of a request that was not sent.
    fn refused(&self, request: WireRequest) -> Exchange {
        self.held.store(true, Ordering::SeqCst);
        Exchange {
            request,
            response: Err(TransportError::Interrupted),
            started: std::time::SystemTime::now(),
            elapsed: Duration::ZERO,
        }
    }

    /// Whether the request may go now (after waiting for the rate cap).
    fn open(&self) -> bool {
        if self.stop.is_requested() {
            return false;
        }
        if let Some(rate) = &self.rate {
            rate.acquire();
        }
        !self.stop.is_requested()
    }
}

impl<T: Transport> Transport for Gate<T> {
    fn send(&self, request: WireRequest) -> Exchange {
        if self.open() {
            self.sent.fetch_add(1, Ordering::SeqCst);
            self.inner.send(request)
        } else {
            self.refused(request)
        }
    }

    fn send_within(&self, request: WireRequest, limit: Duration) -> Exchange {
        if self.open() {
            self.sent.fetch_add(1, Ordering::SeqCst);
            self.inner.send_within(request, limit)
        } else {
            self.refused(request)
        }
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn is_replay(&self) -> bool {
        self.inner.is_replay()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::WireResponse;
    use ppob_core::contract::Operation;

    #[derive(Debug, Default)]
    struct Counting(AtomicUsize);

    impl Transport for Counting {
        fn send(&self, request: WireRequest) -> Exchange {
            self.0.fetch_add(1, Ordering::SeqCst);
            Exchange {
                request,
                response: Ok(WireResponse {
                    status: 200,
                    headers: Vec::new(),
                    body: b"{}".to_vec(),
                }),
                started: std::time::SystemTime::now(),
                elapsed: Duration::ZERO,
            }
        }
        fn describe(&self) -> String {
            "counting".into()
        }
    }

    fn request() -> WireRequest {
        WireRequest {
            operation: Operation::Status,
            method: "POST".into(),
            path: "/".into(),
            headers: Vec::new(),
            body: Vec::new(),
            payload: serde_json::json!({}),
        }
    }

    #[test]
    fn nothing_is_sent_once_a_stop_was_asked() {
        let stop = Arc::new(Stop::new());
        let gate = Gate::new(Counting::default(), None, stop.clone());
        assert!(gate.send(request()).response.is_ok());
        assert!(!gate.held_back());
        stop.request();
        let refused = gate.send_within(request(), Duration::from_secs(1));
        assert!(matches!(refused.response, Err(TransportError::Interrupted)));
        assert_eq!(gate.inner.0.load(Ordering::SeqCst), 1, "one request sent");
        assert_eq!(gate.sent(), 1);
        assert!(gate.held_back());
    }
}
