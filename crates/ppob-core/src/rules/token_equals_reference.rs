//! `status.token-equals-reference`: a successful status echoes the reference
//! number as its `token`.
//!
//! api-facts: a successful status `token` equals the reference line in
//! `productDetails`. For postpaid products the token *is* the biller's
//! reference number; partners print one or the other on the receipt and use
//! it to settle disputes with the biller, so the two must be the same string.
//!
//! Checked on status responses and callbacks (a callback has the same body)
//! whose `responseCode` is in the success class (0-99) and whose `data` is the
//! complete object. The reference line is the first `productDetails` line
//! whose key matches one of [`RuleConfig::reference_keys`], ignoring ASCII case
//! and surrounding whitespace; key names are not fixed by the contract, so
//! they are configuration. A status without such a line has nothing to
//! compare and is left alone. Processing and failed statuses are not checked:
//! their `token` is empty or meaningless.

use crate::contract::{DocKind, Typed};
use crate::model::{CodeClass, KeyValue};

use super::{Rule, RuleConfig, RuleFinding, Subject};

/// A successful status or callback `token` must equal the reference line of `productDetails`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokenEqualsReference;

impl Rule for TokenEqualsReference {
    fn id(&self) -> &'static str {
        "status.token-equals-reference"
    }

    fn check(&self, subject: &Subject<'_>, config: &RuleConfig, out: &mut Vec<RuleFinding>) {
        if !matches!(subject.kind, DocKind::StatusResponse | DocKind::Callback) {
            return;
        }
        let Some(Typed::StatusResponse(response)) = subject.document else {
            return;
        };
        if CodeClass::of(response.response_code) != CodeClass::Success {
            return;
        }
        let Some(data) = response.data.complete() else {
            return;
        };
        let Some((index, line)) = reference_line(&data.product_details, &config.reference_keys)
        else {
            return;
        };
        if data.token == line.value {
            return;
        }
        out.push(RuleFinding {
            pointer: "/data/token".to_owned(),
            message: format!(
                "token {token:?} differs from the reference number {reference:?} in productDetails[{index}] (key {key:?}); a successful status must return the reference number as its token",
                token = data.token,
                reference = line.value,
                key = line.key,
            ),
            expected: Some(line.value.clone()),
            actual: Some(data.token.clone()),
        });
    }
}

/// The first line whose key is one of `keys`, ignoring ASCII case and
/// surrounding whitespace, with its index.
fn reference_line<'a>(lines: &'a [KeyValue], keys: &[String]) -> Option<(usize, &'a KeyValue)> {
    lines.iter().enumerate().find(|(_, line)| {
        let key = line.key.trim();
        keys.iter().any(|k| k.trim().eq_ignore_ascii_case(key))
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::rules::test_support::{run, seed_inquiry_response, seed_status_response};

    const REFERENCE: &str = "000166254764858266";

    fn check_status(doc: Value) -> Vec<RuleFinding> {
        run(&TokenEqualsReference, DocKind::StatusResponse, doc)
    }

    fn with_token(token: &str) -> Value {
        let mut doc = seed_status_response();
        doc["data"]["token"] = json!(token);
        doc
    }

    #[test]
    fn seeds_pass() {
        assert_eq!(check_status(seed_status_response()), []);
        assert_eq!(
            run(
                &TokenEqualsReference,
                DocKind::Callback,
                seed_status_response()
            ),
            []
        );
        assert_eq!(
            run(
                &TokenEqualsReference,
                DocKind::InquiryResponse,
                seed_inquiry_response()
            ),
            []
        );
    }

    #[test]
    fn token_differing_from_the_reference_is_reported() {
        let expected = [RuleFinding {
            pointer: "/data/token".to_owned(),
            message: format!(
                "token \"000166254764858267\" differs from the reference number \"{REFERENCE}\" in productDetails[0] (key \"Nomor Referensi\"); a successful status must return the reference number as its token"
            ),
            expected: Some(REFERENCE.to_owned()),
            actual: Some("000166254764858267".to_owned()),
        }];
        assert_eq!(check_status(with_token("000166254764858267")), expected);
        assert_eq!(
            run(
                &TokenEqualsReference,
                DocKind::Callback,
                with_token("000166254764858267")
            ),
            expected
        );
    }

    #[test]
    fn empty_token_on_success_is_reported() {
        let found = check_status(with_token(""));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].expected.as_deref(), Some(REFERENCE));
        assert_eq!(found[0].actual.as_deref(), Some(""));
    }

    #[test]
    fn comparison_is_exact() {
        // Only the key is compared loosely; the values must be the same string.
        assert_eq!(check_status(with_token(&format!(" {REFERENCE}"))).len(), 1);
        assert_eq!(check_status(with_token(&REFERENCE[2..])).len(), 1);
    }

    #[test]
    fn reference_key_matches_ignoring_case_and_whitespace() {
        let mut doc = with_token("X");
        doc["data"]["productDetails"] = json!([
            {"key": "Periode", "value": "202209"},
            {"key": "  nomor REFERENSI\t", "value": "REF-1"}
        ]);
        let found = check_status(doc);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].expected.as_deref(), Some("REF-1"));
        assert_eq!(
            found[0].message,
            "token \"X\" differs from the reference number \"REF-1\" in productDetails[1] (key \"  nomor REFERENSI\\t\"); a successful status must return the reference number as its token"
        );
    }

    #[test]
    fn first_reference_line_wins() {
        let mut doc = with_token("A");
        doc["data"]["productDetails"] = json!([
            {"key": "Ref Number", "value": "A"},
            {"key": "Nomor Referensi", "value": "B"}
        ]);
        assert_eq!(check_status(doc), []);
    }

    #[test]
    fn no_reference_line_means_nothing_to_compare() {
        let mut doc = with_token("anything");
        doc["data"]["productDetails"] =
            json!([{"key": "Nomor Referensi Pelanggan", "value": "123"}]);
        assert_eq!(check_status(doc.clone()), []);
        doc["data"]["productDetails"] = json!([]);
        assert_eq!(check_status(doc), []);
    }

    #[test]
    fn reference_keys_come_from_the_config() {
        let mut doc = with_token("SN-1");
        doc["data"]["productDetails"] = json!([
            {"key": "Nomor Referensi", "value": REFERENCE},
            {"key": "Serial Number", "value": "SN-2"}
        ]);
        let typed = Typed::from_value(DocKind::StatusResponse, doc).unwrap();
        let subject = Subject {
            kind: DocKind::StatusResponse,
            envelope: typed.envelope(),
            document: Some(&typed),
        };
        let config = RuleConfig {
            reference_keys: vec!["serial number".to_owned()],
        };
        let mut out = Vec::new();
        TokenEqualsReference.check(&subject, &config, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].pointer, "/data/token");
        assert_eq!(out[0].expected.as_deref(), Some("SN-2"));
        assert_eq!(out[0].actual.as_deref(), Some("SN-1"));

        let mut out = Vec::new();
        let config = RuleConfig {
            reference_keys: Vec::new(),
        };
        TokenEqualsReference.check(&subject, &config, &mut out);
        assert_eq!(out, []);
    }

    #[test]
    fn processing_and_failed_statuses_are_not_judged() {
        let mut doc = with_token("");
        doc["responseCode"] = json!(299);
        assert_eq!(check_status(doc), []);

        let failed = serde_json::from_str(include_str!(
            "../../../../fixtures/mobile-postpaid/rc-188-not-found.status.response.json"
        ))
        .unwrap();
        assert_eq!(check_status(failed), []);

        let mut doc = with_token("other");
        doc["responseCode"] = json!(199);
        doc["success"] = json!(false);
        assert_eq!(check_status(doc), []);
    }

    #[test]
    fn payment_responses_are_not_judged() {
        // Same body, but a payment's token is documented by the status only.
        assert_eq!(
            run(
                &TokenEqualsReference,
                DocKind::PaymentResponse,
                with_token("other")
            ),
            []
        );
    }

    #[test]
    fn other_kinds_are_not_judged_even_with_a_status_body() {
        let typed = Typed::from_value(DocKind::StatusResponse, with_token("other")).unwrap();
        for kind in [
            DocKind::PaymentResponse,
            DocKind::InquiryResponse,
            DocKind::StatusRequest,
        ] {
            let subject = Subject {
                kind,
                envelope: typed.envelope(),
                document: Some(&typed),
            };
            let mut out = Vec::new();
            TokenEqualsReference.check(
                &subject,
                &crate::rules::test_support::seed_config(),
                &mut out,
            );
            assert_eq!(out, [], "kind {kind}");
        }
    }
}
