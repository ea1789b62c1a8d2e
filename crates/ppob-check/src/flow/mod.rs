//! The inquiry → payment → status conversation, with checks across steps.
//!
//! [`Flow::run`] runs one [`Case`] over any [`ppob_transport::Transport`]:
//! it signs each request, judges each answer with the same engine as
//! `validate` (schema + rules), applies the cross-step [`rules`] and the
//! money rule ([`classify`]), polls status on the [`Pacing`] schedule, and
//! returns a [`CaseRun`]: the judged documents in order and the [`Outcome`].

mod answer;
mod callback_step;
pub mod callbacks;
pub mod case;
pub mod classify;
pub mod conversation;
pub mod document_log;
mod inquiry_step;
pub mod pacing;
mod payment_request;
pub mod refs;
pub mod rules;
mod settle;
pub mod setup;
mod setup_stop;
#[cfg(test)]
mod test_support;
mod transaction_checks;

use std::time::Duration;

pub use case::{Case, Expectation, Outcome};
pub use conversation::{CaseRun, Flow};
pub use pacing::Pacing;
pub use refs::RefNumbers;
pub use setup::TargetContact;

use ppob_core::contract::DocumentReport;

/// One judged document of a conversation and its bytes (for carets).
#[derive(Debug, Clone)]
pub struct StepDocument {
    /// The verdict, with its step information.
    pub report: DocumentReport,
    /// The document as checked (the body; the signed fields, pretty-printed,
    /// for a token-only request).
    pub bytes: Vec<u8>,
}

/// Told what a conversation is doing, e.g. to draw progress. Every method
/// has a do-nothing default.
pub trait Observer: Sync {
    /// A worker took the case `case` and starts its conversation.
    fn case_started(&self, _case: &str) {}
    /// The case's conversation ended (it is reported once the cases before
    /// it were).
    fn case_ended(&self, _case: &str) {}
    /// A wait begins: `why` says for what in a few words ("for the first
    /// status call", "for status call #3", "for the callback").
    fn waiting(&self, _case: &str, _duration: Duration, _why: &str) {}
    /// The wait ended.
    fn waited(&self, _case: &str) {}
    /// The payment with this refNumber is about to be sent: until the case
    /// ends, its outcome is unknown (an interrupted run names it).
    fn paying(&self, _case: &str, _ref_number: &str) {}
    /// Callbacks are received at `addr`; payments name `url` in `callbackUrls`.
    fn listening(&self, _addr: std::net::SocketAddr, _url: &str) {}
}

/// An observer that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet;

impl Observer for Quiet {}

#[cfg(test)]
mod tests;
