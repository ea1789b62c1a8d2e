//! Callbacks: after a payment settles, the vendor POSTs a body shaped like a
//! status answer to each of the payment's `callbackUrls` and retries until
//! it is answered HTTP 200. `check --callback-listen` receives them and
//! judges each one (see `flow::callbacks`).
//!
//! - [`Inbox`]: received callbacks, keyed by `data.refNumber`, bounded.
//! - [`Receiver`]: the HTTP server that fills an inbox (loopback by default).
//! - [`CallbackSource`]: what a case asks for its payment's callbacks:
//!   [`Listening`] waits on a receiver's inbox in real time; [`InProcess`]
//!   takes them straight from an in-process [`Simulator`], whose simulated
//!   clock has already settled the payment when its final status came.

mod inbox;
mod receiver;

use std::sync::Arc;
use std::time::Duration;

pub use inbox::{Collected, Inbox, Leftover, MAX_HELD, Received, ref_number_of};
pub use receiver::{MAX_CALLBACK_BODY, Receiver};

use ppob_sim::Simulator;
use ppob_transport::clock::Clock;
use ppob_transport::stop::Stop;

/// How long a case waits for its callback after the final status, by
/// default (`--callback-wait`).
pub const DEFAULT_WAIT: Duration = Duration::from_secs(30);

/// How long a case keeps listening after the first callback for repeated
/// deliveries of it.
pub const LINGER: Duration = Duration::from_millis(300);

/// The path of the callback URL `check` names when `--callback-url` does not.
pub const DEFAULT_PATH: &str = "/ppob-callback";

/// The URL the in-process simulator is told to call back (nothing listens
/// there: its callbacks are handed over in process).
pub const IN_PROCESS_URL: &str = "http://127.0.0.1/ppob-callback";

/// Where a case's payment asks to be called back, and how the case gets its
/// callbacks.
pub trait CallbackSource: Send + Sync {
    /// The URL the payment names in `callbackUrls`.
    fn url(&self) -> &str;
    /// How long a case waits for its first callback.
    fn wait(&self) -> Duration;
    /// Every callback received for `ref_number`, waiting up to
    /// [`CallbackSource::wait`] for the first one.
    fn collect(&self, ref_number: &str) -> Collected;
}

/// Callbacks a [`Receiver`] puts in an inbox, waited for in real time.
#[derive(Debug, Clone)]
pub struct Listening {
    /// Where the receiver puts them.
    pub inbox: Arc<Inbox>,
    /// The URL sent in `callbackUrls`.
    pub url: String,
    /// How long to wait for a case's first callback.
    pub wait: Duration,
    /// Ends a wait early.
    pub stop: Arc<Stop>,
}

impl CallbackSource for Listening {
    fn url(&self) -> &str {
        &self.url
    }

    fn wait(&self) -> Duration {
        self.wait
    }

    fn collect(&self, ref_number: &str) -> Collected {
        self.inbox
            .collect(ref_number, self.wait, LINGER, &self.stop)
    }
}

/// Callbacks of an in-process [`Simulator`]: those it queued for
/// [`InProcess::url`], stamped with its simulated clock.
#[derive(Debug)]
pub struct InProcess {
    sim: Arc<Simulator>,
    clock: Arc<dyn Clock>,
    url: String,
    inbox: Inbox,
}

impl InProcess {
    /// Callbacks `sim` sends to `url`.
    pub fn new(sim: Arc<Simulator>, clock: Arc<dyn Clock>, url: impl Into<String>) -> Self {
        Self {
            sim,
            clock,
            url: url.into(),
            inbox: Inbox::new(),
        }
    }
}

impl CallbackSource for InProcess {
    fn url(&self) -> &str {
        &self.url
    }

    fn wait(&self) -> Duration {
        Duration::ZERO
    }

    fn collect(&self, ref_number: &str) -> Collected {
        let at = self.clock.wall();
        for callback in self.sim.drain_callbacks() {
            if callback.url != self.url {
                continue;
            }
            let path = reqwest::Url::parse(&callback.url)
                .map_or_else(|_| "/".to_owned(), |u| u.path().to_owned());
            self.inbox.deliver(Received {
                path,
                body: callback.body,
                at,
            });
        }
        Collected {
            received: self.inbox.take(ref_number),
            interrupted: false,
        }
    }
}
