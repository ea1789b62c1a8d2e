//! `inquiry.amount-equals-bill-sum`: a successful inquiry's `amount` is the
//! sum of its bill lines.
//!
//! api-facts: inquiry `amount` = Σ `billDetails[].value`, the admin-fee line
//! (`billId` "0") included. `amount` is what the partner charges the customer
//! and later sends back in the payment, so a mismatch means the customer pays
//! a total that differs from the bill shown to them.
//!
//! Checked only on inquiry responses that carry the complete `data` object
//! (inquiry ok) and list at least one bill line: with no lines there is
//! nothing to add up. Payment and status amounts are not checked: the
//! documentation states the sum for the inquiry only. The sum is taken in
//! `u128`, so no number of lines can overflow it.

use crate::contract::Typed;

use super::{Rule, RuleConfig, RuleFinding, Subject};

/// A successful inquiry's `amount` must equal the sum of its `billDetails[].value`.
#[derive(Debug, Clone, Copy, Default)]
pub struct AmountEqualsBillSum;

impl Rule for AmountEqualsBillSum {
    fn id(&self) -> &'static str {
        "inquiry.amount-equals-bill-sum"
    }

    fn check(&self, subject: &Subject<'_>, _config: &RuleConfig, out: &mut Vec<RuleFinding>) {
        let Some(Typed::InquiryResponse(response)) = subject.document else {
            return;
        };
        let Some(data) = response.data.complete() else {
            return;
        };
        let lines = &data.bill_details;
        if lines.is_empty() {
            return;
        }
        let sum: u128 = lines.iter().map(|line| u128::from(line.value)).sum();
        if u128::from(data.amount) == sum {
            return;
        }
        let count = lines.len();
        let noun = if count == 1 { "line" } else { "lines" };
        out.push(RuleFinding {
            pointer: "/data/amount".to_owned(),
            message: format!(
                "amount is {amount} but the {count} billDetails {noun} (admin-fee line included) sum to {sum}",
                amount = data.amount,
            ),
            expected: Some(sum.to_string()),
            actual: Some(data.amount.to_string()),
        });
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::contract::DocKind;
    use crate::model::ints::MAX_SAFE_INTEGER;
    use crate::rules::test_support::{run, seed_inquiry_response, seed_status_response};

    fn check(doc: serde_json::Value) -> Vec<RuleFinding> {
        run(&AmountEqualsBillSum, DocKind::InquiryResponse, doc)
    }

    #[test]
    fn seed_passes() {
        assert_eq!(check(seed_inquiry_response()), []);
    }

    #[test]
    fn amount_differing_from_the_sum_is_reported() {
        let mut doc = seed_inquiry_response();
        doc["data"]["amount"] = json!(3608);
        assert_eq!(
            check(doc),
            [RuleFinding {
                pointer: "/data/amount".to_owned(),
                message: "amount is 3608 but the 2 billDetails lines (admin-fee line included) sum to 3607".to_owned(),
                expected: Some("3607".to_owned()),
                actual: Some("3608".to_owned()),
            }]
        );
    }

    #[test]
    fn admin_line_counts_towards_the_sum() {
        // Admin fee of 2500 that `amount` forgot.
        let mut doc = seed_inquiry_response();
        doc["data"]["billDetails"][1]["value"] = json!(2500);
        doc["data"]["totalAdmin"] = json!(2500);
        let found = check(doc.clone());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].pointer, "/data/amount");
        assert_eq!(found[0].expected.as_deref(), Some("6107"));
        assert_eq!(found[0].actual.as_deref(), Some("3607"));

        doc["data"]["amount"] = json!(6107);
        assert_eq!(check(doc), []);
    }

    #[test]
    fn single_line_is_named_in_the_singular() {
        let mut doc = seed_inquiry_response();
        doc["data"]["billDetails"] = json!([{
            "billId": "1",
            "billInfo": [],
            "isMandatory": true,
            "key": "Jumlah Tagihan",
            "value": 3600
        }]);
        let found = check(doc);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "amount is 3607 but the 1 billDetails line (admin-fee line included) sum to 3600"
        );
    }

    #[test]
    fn empty_bill_details_are_not_judged() {
        let mut doc = seed_inquiry_response();
        doc["data"]["billDetails"] = json!([]);
        assert_eq!(check(doc), []);
    }

    #[test]
    fn failed_inquiry_is_not_judged() {
        let doc = json!({
            "responseCode": 303,
            "success": false,
            "message": {"ID": "Tagihan tidak tersedia", "EN": "Bill is not available"},
            "data": {
                "amount": 5,
                "billDetails": [{"billId": "1", "billInfo": [], "key": "Jumlah Tagihan", "value": 3607}]
            }
        });
        assert_eq!(check(doc), []);
    }

    #[test]
    fn other_operations_are_not_judged() {
        let mut doc = seed_status_response();
        doc["data"]["amount"] = json!(1);
        assert_eq!(
            run(&AmountEqualsBillSum, DocKind::StatusResponse, doc.clone()),
            []
        );
        assert_eq!(run(&AmountEqualsBillSum, DocKind::PaymentResponse, doc), []);
    }

    #[test]
    fn large_sums_do_not_overflow() {
        let line = |id: &str| {
            json!({
                "billId": id,
                "billInfo": [],
                "isMandatory": true,
                "key": "Jumlah Tagihan",
                "value": MAX_SAFE_INTEGER
            })
        };
        let mut doc = seed_inquiry_response();
        doc["data"]["billDetails"] = json!([line("1"), line("2"), line("3")]);
        doc["data"]["amount"] = json!(MAX_SAFE_INTEGER);
        let found = check(doc);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].expected,
            Some((3 * u128::from(MAX_SAFE_INTEGER)).to_string())
        );
        assert_eq!(found[0].actual, Some(MAX_SAFE_INTEGER.to_string()));
    }
}
