//! [`SimTransport`]: the simulator as a [`Transport`], in process, no sockets.
//!
//! Time is the shared [`Clock`]: with a `ManualClock` an injected latency or
//! a timeout advances simulated time instead of waiting, so flows with long
//! waits run in microseconds and stay deterministic.

use std::sync::Arc;
use std::time::Duration;

use super::simulator::{Answer, Simulator};
use ppob_transport::clock::Clock;
use ppob_transport::{Exchange, Transport, TransportError, WireRequest};

/// Sends requests straight to a [`Simulator`].
#[derive(Debug, Clone)]
pub struct SimTransport {
    sim: Arc<Simulator>,
    clock: Arc<dyn Clock>,
    timeout: Duration,
}

impl SimTransport {
    /// A transport to `sim`, waiting on `clock`, giving up after `timeout`.
    pub fn new(sim: Arc<Simulator>, clock: Arc<dyn Clock>, timeout: Duration) -> Self {
        Self {
            sim,
            clock,
            timeout,
        }
    }

    /// The simulator behind it (e.g. to drain callbacks).
    pub fn simulator(&self) -> &Arc<Simulator> {
        &self.sim
    }
}

impl Transport for SimTransport {
    /// An answer later than the timeout, or none, is a
    /// [`TransportError::Timeout`] after `timeout` of (simulated) time;
    /// otherwise the answer arrives after its injected delay.
    fn send(&self, request: WireRequest) -> Exchange {
        self.send_within(request, self.timeout)
    }

    /// As [`SimTransport::send`], with the timeout cut to `limit` when that is shorter.
    fn send_within(&self, request: WireRequest, limit: Duration) -> Exchange {
        let timeout = self.timeout.min(limit);
        let started = self.clock.wall();
        let reply = self.sim.handle(&request);
        let (response, elapsed) = match reply.answer {
            Answer::Respond(response) if reply.delay < timeout => {
                self.clock.sleep(reply.delay);
                (Ok(response), reply.delay)
            }
            Answer::Respond(_) | Answer::Hang => {
                self.clock.sleep(timeout);
                (Err(TransportError::Timeout(timeout)), timeout)
            }
        };
        Exchange {
            request,
            response,
            started,
            elapsed,
        }
    }

    fn describe(&self) -> String {
        "simulator (in-process)".into()
    }
}
