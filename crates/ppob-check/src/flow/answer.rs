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

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;
    use ppob_core::contract::Operation;
    use ppob_transport::{WireRequest, WireResponse};
    use serde_json::Value;

    const OURS: Ours<'static> = Ours {
        ref_number: Some("R1"),
        account: "0811111111",
        transaction_id: None,
    };

    fn answered(status: u16, body: &str) -> Exchange {
        Exchange {
            request: WireRequest {
                operation: Operation::Status,
                method: "POST".into(),
                path: "/".into(),
                headers: vec![],
                body: vec![],
                payload: Value::Null,
            },
            response: Ok(WireResponse::json(status, body.as_bytes().to_vec())),
            started: SystemTime::UNIX_EPOCH,
            elapsed: Duration::ZERO,
        }
    }

    /// A clean envelope with `code` about `account`'s payment R1.
    fn envelope(code: i64, success: bool, account: &str) -> String {
        format!(
            "{{\"responseCode\":{code},\"success\":{success},\"message\":{{\"ID\":\"x\",\"EN\":\"x\"}},\
\"data\":{{\"refNumber\":\"R1\",\"accountNumber\":\"{account}\",\"transactionId\":7}}}}"
        )
    }

    #[test]
    fn a_clean_final_answer_about_this_case_settles_it() {
        let answer = judge(&answered(200, &envelope(0, true, "0811111111")), OURS);
        assert_eq!(answer.verdict, MoneyVerdict::Success(0));
        assert!(!answer.foreign);
        assert!(answer.overruled.is_none());
        assert_eq!(answer.label("pending"), "success (0)");
        let failed = judge(&answered(200, &envelope(105, false, "0811111111")), OURS);
        assert_eq!(failed.label("pending"), "failed (105)");
    }

    #[test]
    fn an_answer_that_is_not_json_is_processing_and_never_foreign() {
        let answer = judge(&answered(200, "<html>maintenance</html>"), OURS);
        assert!(matches!(answer.reading, Reading::Unusable(_)));
        assert!(matches!(answer.verdict, MoneyVerdict::Processing(_)));
        assert!(!answer.foreign && answer.overruled.is_none());
        assert_eq!(
            answer.label("processing"),
            "processing (money rule: unparseable body)"
        );
    }

    #[test]
    fn a_final_code_about_another_account_is_overruled_to_processing() {
        let answer = judge(&answered(200, &envelope(0, true, "0899999999")), OURS);
        assert_eq!(
            answer.verdict,
            MoneyVerdict::Processing("about another transaction".into())
        );
        assert!(answer.foreign);
        let (rule, finding) = answer.overruled.as_ref().unwrap();
        assert_eq!(*rule, rules::FOREIGN_TRANSACTION);
        assert_eq!(finding.pointer, "/data/accountNumber");
        assert_eq!(
            answer.label("pending"),
            "pending (about another transaction)"
        );
    }

    #[test]
    fn a_processing_answer_about_another_transaction_is_foreign_but_not_overruled() {
        let ours = Ours {
            transaction_id: Some(8),
            ..OURS
        };
        let answer = judge(&answered(200, &envelope(201, false, "0811111111")), ours);
        assert!(answer.foreign, "transactionId 7 is not the case's 8");
        assert!(
            answer.overruled.is_none(),
            "no final code was kept from settling"
        );
        assert_eq!(answer.label("pending"), "pending (code 201)");
    }
}
