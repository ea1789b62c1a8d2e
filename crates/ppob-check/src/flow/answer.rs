//! One payment or status answer as the conversation reads it: the money
//! rule's verdict, then whether the answer is about this case at all.

use super::classify::{self, MoneyVerdict, Reading};
use super::rules::{self, FlowFinding, Ours};
use ppob_transport::Exchange;

/// A payment or status answer as the conversation reads it.
pub(super) struct Answer {
    /// What the answer is (an envelope, a refusal, unusable).
    pub(super) reading: Reading,
    /// The money rule's verdict; processing when the answer is foreign.
    pub(super) verdict: MoneyVerdict,
    /// Whether the answer names another refNumber, account or transactionId.
    pub(super) foreign: bool,
    /// The finding when that kept a final code from settling the case.
    pub(super) overruled: Option<FlowFinding>,
}

impl Answer {
    /// The step's verdict label; `waiting` names a not-yet-final verdict.
    pub(super) fn label(&self, waiting: &str) -> String {
        match &self.verdict {
            MoneyVerdict::Success(c) => format!("success ({c})"),
            MoneyVerdict::Processing(why) => format!("{waiting} ({why})"),
            MoneyVerdict::Failed(c) => format!("failed ({c})"),
        }
    }
}

/// Reads a payment or status answer: the money rule, then whether it is
/// about this case at all. An answer about another transaction never settles
/// the case (the echo rules report each differing field; the finding here
/// says why a final code was not taken).
pub(super) fn judge(exchange: &Exchange, ours: Ours<'_>) -> Answer {
    let reading = classify::read(exchange);
    let mut verdict = classify::money(&reading);
    let foreign = match &reading {
        Reading::Envelope { json, .. } => rules::foreign_transaction(json, ours),
        _ => None,
    };
    let mut overruled = None;
    if foreign.is_some() && !matches!(verdict, MoneyVerdict::Processing(_)) {
        verdict = MoneyVerdict::Processing("about another transaction".into());
        overruled = foreign.clone();
    }
    Answer {
        reading,
        verdict,
        foreign: foreign.is_some(),
        overruled,
    }
}
