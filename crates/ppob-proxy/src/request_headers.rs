//! What the proxy can say about a request before it is forwarded: its
//! `KEY`, `TOKEN` and `VERSION` headers, the fields its TOKEN carries, and
//! whether a JSON body agrees with them.
//!
//! The proxy reads the TOKEN's payload whether or not it knows the
//! partner's secret: without it the payload is decoded unverified (so the
//! request is still judged as its document kind); with it the signature is
//! verified as the vendor would. Messages never quote a header value.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use ppob_core::rules::RuleFinding;
use ppob_transport::WireRequest;
use ppob_transport::auth::{
    API_VERSION, Credentials, KEY_HEADER, TOKEN_HEADER, VERSION_HEADER, verify_token,
};

/// The KEY or VERSION header is missing or wrong.
pub const HEADERS: &str = "proxy.headers";
/// The TOKEN is missing, unreadable, badly signed or disagrees with the body.
pub const TOKEN: &str = "proxy.token";

/// A request's header findings and the fields it carries.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestReading {
    /// The request fields: the TOKEN's payload, else the JSON body, else `Null`.
    pub payload: Value,
    /// `proxy.headers` and `proxy.token` findings, about the whole request.
    pub findings: Vec<(&'static str, RuleFinding)>,
}

fn whole(message: impl Into<String>) -> RuleFinding {
    RuleFinding {
        pointer: String::new(),
        message: message.into(),
        expected: None,
        actual: None,
    }
}

/// The payload of a JWT, decoded without checking its signature.
pub fn unverified_payload(token: &str) -> Result<Value, String> {
    let mut parts = token.trim().split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("it is not three base64url parts joined by dots".into());
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|e| format!("its payload is not base64url: {e}"))?;
    ppob_transport::auth::refuse_vanishing_numbers(&bytes).map_err(|e| match e {
        ppob_transport::auth::TokenError::Malformed(why) => why,
        other => other.to_string(),
    })?;
    let value: Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("its payload is not JSON: {e}"))?;
    if value.is_object() {
        Ok(value)
    } else {
        Err("its payload is not a JSON object".into())
    }
}

/// Reads a request's headers and fields; `credentials`, when known, are
/// the partner's (KEY compared, TOKEN verified).
pub fn read(request: &WireRequest, credentials: Option<&Credentials>) -> RequestReading {
    let mut findings = Vec::new();
    match request.header(VERSION_HEADER) {
        Some(v) if v.trim() == API_VERSION => {}
        Some(_) => findings.push((
            HEADERS,
            RuleFinding {
                expected: Some(API_VERSION.into()),
                ..whole(format!("the VERSION header is not {API_VERSION}"))
            },
        )),
        None => findings.push((
            HEADERS,
            whole(format!(
                "the VERSION header is missing (expected {API_VERSION})"
            )),
        )),
    }
    match (request.header(KEY_HEADER), credentials) {
        (None, _) => findings.push((HEADERS, whole("the KEY header is missing"))),
        (Some(key), Some(c)) if key.trim() != c.key() => findings.push((
            HEADERS,
            whole("the KEY header is not the configured partner's (PPOB_API_KEY)"),
        )),
        _ => {}
    }
    let body: Option<Value> = if request.body.is_empty() {
        None
    } else {
        serde_json::from_slice(&request.body).ok()
    };
    let token_payload = match request.header(TOKEN_HEADER) {
        None => {
            findings.push((TOKEN, whole("the TOKEN header is missing")));
            None
        }
        Some(token) => {
            let read = match credentials {
                Some(c) => verify_token(token, c.secret()).map_err(|e| e.to_string()),
                None => unverified_payload(token)
                    .map_err(|why| format!("the TOKEN is not a well-formed JWT: {why}")),
            };
            match read {
                Ok(payload) => Some(payload),
                Err(message) => {
                    findings.push((TOKEN, whole(message)));
                    // Still judge what it says when it can be read at all.
                    unverified_payload(token).ok()
                }
            }
        }
    };
    if let (Some(token), Some(body)) = (&token_payload, &body)
        && token != body
    {
        let differing = differing_fields(token, body);
        findings.push((
            TOKEN,
            whole(format!(
                "the JSON body says otherwise than the TOKEN ({}); the vendor reads the TOKEN",
                differing.join(", ")
            )),
        ));
    }
    RequestReading {
        payload: token_payload.or(body).unwrap_or(Value::Null),
        findings,
    }
}

/// The top-level field names whose values differ between two objects.
fn differing_fields(a: &Value, b: &Value) -> Vec<String> {
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return vec!["not both objects".into()];
    };
    let mut names: Vec<String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect();
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use ppob_core::contract::Operation;
    use ppob_transport::auth::{BodyMode, sign_request};
    use serde_json::json;

    fn signed(mode: BodyMode) -> WireRequest {
        let payload = json!({"partnerId": "partner-id", "accountNumber": "0811111111", "productCode": "product-code"});
        sign_request(
            Operation::Inquiry,
            payload,
            &Credentials::simulator_demo(),
            mode,
        )
        .unwrap()
    }

    fn rules_of(reading: &RequestReading) -> Vec<&str> {
        reading.findings.iter().map(|(r, _)| *r).collect()
    }

    #[test]
    fn a_well_signed_request_has_no_finding_with_or_without_the_secret() {
        for mode in BodyMode::ALL {
            let request = signed(mode);
            let demo = Credentials::simulator_demo();
            for credentials in [None, Some(&demo)] {
                let reading = read(&request, credentials);
                assert!(reading.findings.is_empty(), "{:?}", reading.findings);
                assert_eq!(reading.payload["accountNumber"], "0811111111");
            }
        }
    }

    #[test]
    fn another_secret_is_found_only_when_the_secret_is_known() {
        let request = signed(BodyMode::TokenOnly);
        let other = Credentials::new("partner-id", "another-secret");
        let reading = read(&request, Some(&other));
        assert_eq!(rules_of(&reading), [TOKEN]);
        assert!(reading.findings[0].1.message.contains("signature"));
        assert_eq!(
            reading.payload["accountNumber"], "0811111111",
            "still judged"
        );
        assert!(read(&request, None).findings.is_empty());
    }

    #[test]
    fn missing_headers_and_a_body_that_disagrees_are_named() {
        let mut request = signed(BodyMode::TokenAndBody);
        request
            .headers
            .retain(|(n, _)| n != KEY_HEADER && n != VERSION_HEADER);
        request.body =
            br#"{"partnerId":"partner-id","accountNumber":"0899","productCode":"product-code"}"#
                .to_vec();
        let reading = read(&request, None);
        assert_eq!(rules_of(&reading), [HEADERS, HEADERS, TOKEN]);
        assert!(reading.findings[2].1.message.contains("accountNumber"));
        let token = request.header(TOKEN_HEADER).unwrap().to_owned();
        for (_, f) in &reading.findings {
            assert!(!f.message.contains(&token));
        }
    }

    #[test]
    fn an_unreadable_token_is_a_finding_and_the_body_is_judged_instead() {
        let mut request = signed(BodyMode::TokenAndBody);
        for (name, value) in &mut request.headers {
            if name == TOKEN_HEADER {
                *value = "not-a-jwt".into();
            }
        }
        let reading = read(&request, None);
        assert_eq!(rules_of(&reading), [TOKEN]);
        assert_eq!(reading.payload["accountNumber"], "0811111111");
    }
}
