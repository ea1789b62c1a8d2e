//! `response.unknown-code`: `responseCode` is one the vendor documents by number.
//!
//! api-facts lists the codes the vendor sends (0-4 and 99 success, 100-199
//! failed, 299 processing, 300 inquiry ok, 301-399 inquiry failed). A code
//! missing from that table is either new (the partner's handling falls back to
//! the class, which may be the wrong branch) or a typo in the vendor's
//! mapping. It is a warning, not an error: the range still tells what
//! happened, and the vendor may add codes without notice. The finding names
//! the class so the reader knows which branch the partner will take.
//!
//! Reads only the envelope, so it also runs when the schema rejected the rest
//! of the document.

use crate::model::CodeClass;
use crate::model::response_code::is_documented;

use super::{Rule, RuleConfig, RuleFinding, Subject};

/// `responseCode` must be one of the codes the vendor documents.
#[derive(Debug, Clone, Copy, Default)]
pub struct UnknownCode;

impl Rule for UnknownCode {
    fn id(&self) -> &'static str {
        "response.unknown-code"
    }

    fn check(&self, subject: &Subject<'_>, _config: &RuleConfig, out: &mut Vec<RuleFinding>) {
        let Some(envelope) = subject.envelope else {
            return;
        };
        let code = envelope.response_code;
        if is_documented(code) {
            return;
        }
        let class = CodeClass::of(code);
        let message = match class {
            CodeClass::Unknown => format!(
                "responseCode {code} is not a documented code and lies outside every documented range (0-99, 100-199, 200-299, 300, 301-399)"
            ),
            _ => format!(
                "responseCode {code} is not a documented code; by its range it is in class {}",
                class.describe()
            ),
        };
        out.push(RuleFinding {
            pointer: "/responseCode".to_owned(),
            message,
            expected: None,
            actual: Some(code.to_string()),
        });
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::contract::{DocKind, Envelope};
    use crate::model::response_code::DOCUMENTED_CODES;
    use crate::rules::test_support::{run, seed_inquiry_response, seed_status_response};

    fn run_envelope(response_code: i64, success: bool) -> Vec<RuleFinding> {
        let subject = Subject {
            kind: DocKind::StatusResponse,
            envelope: Some(Envelope {
                response_code,
                success,
            }),
            document: None,
        };
        let mut out = Vec::new();
        UnknownCode.check(&subject, &RuleConfig::default(), &mut out);
        out
    }

    fn failure(code: i64) -> serde_json::Value {
        json!({
            "responseCode": code,
            "success": false,
            "message": {"ID": "Gagal", "EN": "Failed"},
            "data": {}
        })
    }

    #[test]
    fn seeds_pass() {
        assert_eq!(
            run(
                &UnknownCode,
                DocKind::InquiryResponse,
                seed_inquiry_response()
            ),
            []
        );
        assert_eq!(
            run(
                &UnknownCode,
                DocKind::StatusResponse,
                seed_status_response()
            ),
            []
        );
        assert_eq!(
            run(&UnknownCode, DocKind::Callback, seed_status_response()),
            []
        );
    }

    #[test]
    fn every_documented_code_passes() {
        for &code in DOCUMENTED_CODES {
            assert_eq!(run_envelope(code, false), [], "code {code}");
        }
    }

    #[test]
    fn undocumented_code_in_a_documented_range_names_its_class() {
        let found = run(&UnknownCode, DocKind::PaymentResponse, failure(112));
        assert_eq!(
            found,
            [RuleFinding {
                pointer: "/responseCode".to_owned(),
                message: "responseCode 112 is not a documented code; by its range it is in class failed (100-199)".to_owned(),
                expected: None,
                actual: Some("112".to_owned()),
            }]
        );
    }

    #[test]
    fn undocumented_success_and_processing_codes_are_reported() {
        let found = run_envelope(5, true);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "responseCode 5 is not a documented code; by its range it is in class success (0-99)"
        );
        let found = run_envelope(200, true);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "responseCode 200 is not a documented code; by its range it is in class processing (200-299)"
        );
        assert_eq!(found[0].actual.as_deref(), Some("200"));
    }

    #[test]
    fn code_outside_every_range_says_so() {
        let found = run(&UnknownCode, DocKind::StatusResponse, failure(500));
        assert_eq!(
            found,
            [RuleFinding {
                pointer: "/responseCode".to_owned(),
                message: "responseCode 500 is not a documented code and lies outside every documented range (0-99, 100-199, 200-299, 300, 301-399)".to_owned(),
                expected: None,
                actual: Some("500".to_owned()),
            }]
        );
        let found = run_envelope(-1, false);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].actual.as_deref(), Some("-1"));
    }

    #[test]
    fn documents_without_envelope_are_skipped() {
        let subject = Subject {
            kind: DocKind::StatusRequest,
            envelope: None,
            document: None,
        };
        let mut out = Vec::new();
        UnknownCode.check(&subject, &RuleConfig::default(), &mut out);
        assert_eq!(out, []);
    }
}
