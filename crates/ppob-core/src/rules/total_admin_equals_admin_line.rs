//! `bill.total-admin-equals-admin-line`: `totalAdmin` is the value of the
//! admin-fee bill line.
//!
//! api-facts: `totalAdmin` = the `value` of the `billId` "0" line of
//! `billDetails`. The two are the same fee shown twice (once as a total, once
//! as a line on the customer's receipt); when they differ, the partner's
//! books and the customer's receipt disagree about the fee.
//!
//! Checked on every response that carries the complete `data` object
//! (inquiry, payment and status, callbacks included). A response without a
//! `billId` "0" line has nothing to compare and is left alone. If several
//! lines claim `billId` "0", the first one is compared.

use super::{BillLines, Rule, RuleConfig, RuleFinding, Subject, complete_bills};

/// `totalAdmin` must equal the `value` of the `billId` "0" line, when there is one.
#[derive(Debug, Clone, Copy, Default)]
pub struct TotalAdminEqualsAdminLine;

impl Rule for TotalAdminEqualsAdminLine {
    fn id(&self) -> &'static str {
        "bill.total-admin-equals-admin-line"
    }

    fn check(&self, subject: &Subject<'_>, _config: &RuleConfig, out: &mut Vec<RuleFinding>) {
        if let Some(bills) = complete_bills(subject.document) {
            check_lines(bills.total_admin, bills.lines, out);
        }
    }
}

/// Compares `total_admin` with the first `billId` "0" line of `lines`.
fn check_lines(total_admin: u64, lines: BillLines<'_>, out: &mut Vec<RuleFinding>) {
    let Some((index, line)) = lines.iter().enumerate().find(|(_, l)| l.bill_id() == "0") else {
        return;
    };
    if line.value() == total_admin {
        return;
    }
    out.push(RuleFinding {
        pointer: "/data/totalAdmin".to_owned(),
        message: format!(
            "totalAdmin is {total_admin} but the admin-fee line billDetails[{index}] (billId \"0\") has value {value}",
            value = line.value(),
        ),
        expected: Some(line.value().to_string()),
        actual: Some(total_admin.to_string()),
    });
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::contract::DocKind;
    use crate::rules::test_support::{run, seed_inquiry_response, seed_status_response};

    #[test]
    fn seeds_pass() {
        let rule = &TotalAdminEqualsAdminLine;
        assert_eq!(
            run(rule, DocKind::InquiryResponse, seed_inquiry_response()),
            []
        );
        assert_eq!(
            run(rule, DocKind::StatusResponse, seed_status_response()),
            []
        );
        assert_eq!(run(rule, DocKind::Callback, seed_status_response()), []);
        // The seed's status body is also a valid payment body.
        assert_eq!(
            run(rule, DocKind::PaymentResponse, seed_status_response()),
            []
        );
    }

    #[test]
    fn inquiry_total_admin_differing_from_the_admin_line_is_reported() {
        let mut doc = seed_inquiry_response();
        doc["data"]["totalAdmin"] = json!(2500);
        assert_eq!(
            run(&TotalAdminEqualsAdminLine, DocKind::InquiryResponse, doc),
            [RuleFinding {
                pointer: "/data/totalAdmin".to_owned(),
                message: "totalAdmin is 2500 but the admin-fee line billDetails[1] (billId \"0\") has value 0".to_owned(),
                expected: Some("0".to_owned()),
                actual: Some("2500".to_owned()),
            }]
        );
    }

    #[test]
    fn status_admin_line_differing_from_total_admin_is_reported() {
        let mut doc = seed_status_response();
        doc["data"]["billDetails"][1]["value"] = json!(1500);
        let expected = [RuleFinding {
            pointer: "/data/totalAdmin".to_owned(),
            message: "totalAdmin is 0 but the admin-fee line billDetails[1] (billId \"0\") has value 1500".to_owned(),
            expected: Some("1500".to_owned()),
            actual: Some("0".to_owned()),
        }];
        assert_eq!(
            run(
                &TotalAdminEqualsAdminLine,
                DocKind::StatusResponse,
                doc.clone()
            ),
            expected
        );
        assert_eq!(
            run(&TotalAdminEqualsAdminLine, DocKind::Callback, doc),
            expected
        );
    }

    #[test]
    fn payment_is_checked() {
        let mut doc = seed_status_response();
        doc["data"]["totalAdmin"] = json!(2500);
        let found = run(&TotalAdminEqualsAdminLine, DocKind::PaymentResponse, doc);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].pointer, "/data/totalAdmin");
        assert_eq!(found[0].expected.as_deref(), Some("0"));
        assert_eq!(found[0].actual.as_deref(), Some("2500"));
    }

    #[test]
    fn admin_line_anywhere_in_the_list_is_found() {
        let mut doc = seed_inquiry_response();
        doc["data"]["billDetails"] = json!([
            {"billId": "0", "billInfo": [], "isMandatory": true, "key": "Biaya Administrasi", "value": 2500},
            {"billId": "1", "billInfo": [], "isMandatory": true, "key": "Jumlah Tagihan", "value": 1107}
        ]);
        doc["data"]["totalAdmin"] = json!(2500);
        assert_eq!(
            run(
                &TotalAdminEqualsAdminLine,
                DocKind::InquiryResponse,
                doc.clone()
            ),
            []
        );

        doc["data"]["totalAdmin"] = json!(0);
        let found = run(&TotalAdminEqualsAdminLine, DocKind::InquiryResponse, doc);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "totalAdmin is 0 but the admin-fee line billDetails[0] (billId \"0\") has value 2500"
        );
    }

    #[test]
    fn no_admin_line_means_nothing_to_compare() {
        let mut doc = seed_inquiry_response();
        doc["data"]["billDetails"] = json!([
            {"billId": "1", "billInfo": [], "isMandatory": true, "key": "Jumlah Tagihan", "value": 3607}
        ]);
        doc["data"]["totalAdmin"] = json!(2500);
        assert_eq!(
            run(&TotalAdminEqualsAdminLine, DocKind::InquiryResponse, doc),
            []
        );
    }

    #[test]
    fn empty_bill_details_mean_nothing_to_compare() {
        // The seed's processing payment: totalAdmin 2500, no lines yet.
        let doc = serde_json::from_str(include_str!(
            "../../../../fixtures/mobile-postpaid/payment.response.json"
        ))
        .unwrap();
        assert_eq!(
            run(&TotalAdminEqualsAdminLine, DocKind::PaymentResponse, doc),
            []
        );
    }

    #[test]
    fn failure_data_is_not_judged() {
        let doc = json!({
            "responseCode": 103,
            "success": false,
            "message": {"ID": "Nomor salah", "EN": "Wrong number"},
            "data": {
                "totalAdmin": 2500,
                "billDetails": [{"billId": "0", "billInfo": [], "key": "Biaya Administrasi", "value": 0}]
            }
        });
        assert_eq!(
            run(&TotalAdminEqualsAdminLine, DocKind::PaymentResponse, doc),
            []
        );
    }

    #[test]
    fn requests_are_not_judged() {
        let doc = serde_json::from_str(include_str!(
            "../../../../fixtures/mobile-postpaid/inquiry.request.json"
        ))
        .unwrap();
        assert_eq!(
            run(&TotalAdminEqualsAdminLine, DocKind::InquiryRequest, doc),
            []
        );
    }
}
