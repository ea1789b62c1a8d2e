//! `response.success-matches-code`: the `success` flag agrees with the class
//! of `responseCode`.
//!
//! api-facts: `success` is `true` for the success (0-99), processing (200-299)
//! and inquiry-ok (300) classes and `false` otherwise. A partner that trusts
//! the flag instead of the code (or the other way round) books a failed
//! payment as paid, or retries one that went through, so the two must never
//! disagree. Codes outside every documented range have no documented flag and
//! are left alone here (`response.unknown-code` reports them).
//!
//! Reads only the envelope, so it also runs when the schema rejected the rest
//! of the document.

use crate::model::CodeClass;

use super::{Rule, RuleConfig, RuleFinding, Subject};

/// `success` must be the flag the documentation gives the class of `responseCode`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SuccessMatchesCode;

impl Rule for SuccessMatchesCode {
    fn id(&self) -> &'static str {
        "response.success-matches-code"
    }

    fn check(&self, subject: &Subject<'_>, _config: &RuleConfig, out: &mut Vec<RuleFinding>) {
        let Some(envelope) = subject.envelope else {
            return;
        };
        let code = envelope.response_code;
        let class = CodeClass::of(code);
        let Some(expected) = class.expected_success_flag() else {
            return;
        };
        if envelope.success == expected {
            return;
        }
        out.push(RuleFinding {
            pointer: "/success".to_owned(),
            message: format!(
                "success is {actual} but responseCode {code} is in class {class}, which means success: {expected}",
                actual = envelope.success,
                class = class.describe(),
            ),
            expected: Some(expected.to_string()),
            actual: Some(envelope.success.to_string()),
        });
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::contract::{DocKind, Envelope};
    use crate::rules::test_support::{run, seed_inquiry_response, seed_status_response};

    /// Runs the rule on a subject that has only an envelope (the schema
    /// rejected the rest of the document).
    fn run_envelope(kind: DocKind, response_code: i64, success: bool) -> Vec<RuleFinding> {
        let subject = Subject {
            kind,
            envelope: Some(Envelope {
                response_code,
                success,
            }),
            document: None,
        };
        let mut out = Vec::new();
        SuccessMatchesCode.check(&subject, &RuleConfig::default(), &mut out);
        out
    }

    fn failure(code: i64, success: bool) -> serde_json::Value {
        json!({
            "responseCode": code,
            "success": success,
            "message": {"ID": "Gagal", "EN": "Failed"},
            "data": {}
        })
    }

    #[test]
    fn seeds_pass() {
        assert_eq!(
            run(
                &SuccessMatchesCode,
                DocKind::InquiryResponse,
                seed_inquiry_response()
            ),
            []
        );
        assert_eq!(
            run(
                &SuccessMatchesCode,
                DocKind::StatusResponse,
                seed_status_response()
            ),
            []
        );
        assert_eq!(
            run(
                &SuccessMatchesCode,
                DocKind::Callback,
                seed_status_response()
            ),
            []
        );
    }

    #[test]
    fn inquiry_ok_with_success_false_is_reported() {
        let mut doc = seed_inquiry_response();
        doc["success"] = json!(false);
        let found = run(&SuccessMatchesCode, DocKind::InquiryResponse, doc);
        assert_eq!(
            found,
            [RuleFinding {
                pointer: "/success".to_owned(),
                message: "success is false but responseCode 300 is in class inquiry success (300), which means success: true".to_owned(),
                expected: Some("true".to_owned()),
                actual: Some("false".to_owned()),
            }]
        );
    }

    #[test]
    fn transaction_success_with_success_false_is_reported() {
        let mut doc = seed_status_response();
        doc["success"] = json!(false);
        let found = run(&SuccessMatchesCode, DocKind::StatusResponse, doc);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].pointer, "/success");
        assert_eq!(
            found[0].message,
            "success is false but responseCode 0 is in class success (0-99), which means success: true"
        );
    }

    #[test]
    fn processing_with_success_false_is_reported() {
        let found = run_envelope(DocKind::PaymentResponse, 299, false);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "success is false but responseCode 299 is in class processing (200-299), which means success: true"
        );
        assert_eq!(found[0].expected.as_deref(), Some("true"));
        assert_eq!(found[0].actual.as_deref(), Some("false"));
    }

    #[test]
    fn failed_code_with_success_true_is_reported() {
        // `success: true` promises the complete object, so the document carries one.
        let mut doc = seed_status_response();
        doc["responseCode"] = json!(103);
        let found = run(&SuccessMatchesCode, DocKind::StatusResponse, doc);
        assert_eq!(
            found,
            [RuleFinding {
                pointer: "/success".to_owned(),
                message: "success is true but responseCode 103 is in class failed (100-199), which means success: false".to_owned(),
                expected: Some("false".to_owned()),
                actual: Some("true".to_owned()),
            }]
        );
    }

    #[test]
    fn inquiry_failed_with_success_true_is_reported() {
        let mut doc = seed_inquiry_response();
        doc["responseCode"] = json!(303);
        let found = run(&SuccessMatchesCode, DocKind::InquiryResponse, doc);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "success is true but responseCode 303 is in class inquiry failed (301-399), which means success: false"
        );
    }

    #[test]
    fn documented_failures_with_success_false_pass() {
        assert_eq!(
            run(
                &SuccessMatchesCode,
                DocKind::InquiryResponse,
                failure(303, false)
            ),
            []
        );
        assert_eq!(
            run(
                &SuccessMatchesCode,
                DocKind::PaymentResponse,
                failure(103, false)
            ),
            []
        );
    }

    #[test]
    fn class_boundaries_decide_the_flag() {
        for (code, flag) in [
            (0, true),
            (99, true),
            (100, false),
            (199, false),
            (200, true),
            (299, true),
            (300, true),
            (301, false),
            (399, false),
        ] {
            assert_eq!(
                run_envelope(DocKind::StatusResponse, code, flag),
                [],
                "code {code}"
            );
            assert_eq!(
                run_envelope(DocKind::StatusResponse, code, !flag).len(),
                1,
                "code {code}"
            );
        }
    }

    #[test]
    fn codes_outside_every_class_are_not_judged() {
        for code in [-1, 400, 500, 9999] {
            assert_eq!(
                run_envelope(DocKind::StatusResponse, code, true),
                [],
                "code {code}"
            );
            assert_eq!(
                run_envelope(DocKind::StatusResponse, code, false),
                [],
                "code {code}"
            );
        }
        let mut doc = seed_status_response();
        doc["responseCode"] = json!(500);
        assert_eq!(run(&SuccessMatchesCode, DocKind::StatusResponse, doc), []);
    }

    #[test]
    fn envelope_alone_is_enough() {
        let found = run_envelope(DocKind::Callback, 300, false);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].pointer, "/success");
    }

    #[test]
    fn documents_without_envelope_are_skipped() {
        let subject = Subject {
            kind: DocKind::InquiryRequest,
            envelope: None,
            document: None,
        };
        let mut out = Vec::new();
        SuccessMatchesCode.check(&subject, &RuleConfig::default(), &mut out);
        assert_eq!(out, []);
    }
}
