//! Authentication as the API documents it: a `KEY` header (the partner's
//! API key), a `TOKEN` header (an HS256 JWT whose payload is the request
//! fields themselves, keyed with the partner's API secret) and
//! `VERSION: 2.0`.
//!
//! [`sign_request`] builds a [`WireRequest`] from the request fields;
//! [`verify_token`] checks one on the server side. Credentials never print:
//! their `Debug` is redacted and [`super::redact`] removes them from output.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::Sha256;

use super::WireRequest;
use ppob_core::contract::Operation;
use ppob_core::contract::numbers::vanishing_numbers;

/// The `VERSION` header every call carries.
pub const API_VERSION: &str = "2.0";
/// Environment variable holding the partner's API key.
pub const KEY_ENV: &str = "PPOB_API_KEY";
/// Environment variable holding the partner's API secret (the TOKEN signing key).
pub const SECRET_ENV: &str = "PPOB_API_SECRET";
/// Header carrying the API key.
pub const KEY_HEADER: &str = "KEY";
/// Header carrying the signed JWT.
pub const TOKEN_HEADER: &str = "TOKEN";
/// Header carrying the API version.
pub const VERSION_HEADER: &str = "VERSION";

/// A partner's API key and signing secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    key: String,
    secret: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("key", &"[redacted]")
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// Why credentials could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// Only one of the two environment variables is set.
    #[error("{present} is set but {missing} is not: set both, or neither to use the config file")]
    HalfSet {
        /// The variable that is set.
        present: &'static str,
        /// The variable that is missing.
        missing: &'static str,
    },
    /// A credential is empty.
    #[error("{0} is empty")]
    Empty(&'static str),
}

impl Credentials {
    /// Key and secret as given.
    pub fn new(key: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            secret: secret.into(),
        }
    }

    /// The credentials of the built-in simulator: partner `partner-id`, a
    /// public demo secret. Good for the simulator and `mock` only.
    pub fn simulator_demo() -> Self {
        Self::new("partner-id", "ppob-contract-demo-secret")
    }

    /// The simulator's demo credentials when `base_url` names a loopback host
    /// (`localhost`, `127.0.0.0/8`, `::1`): the likely target is a local
    /// `ppob-contract mock`. `None` for any other host, or a URL that does not parse.
    pub fn demo_for_loopback(base_url: &str) -> Option<Self> {
        let url = reqwest::Url::parse(base_url).ok()?;
        let host = url.host_str()?;
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let loopback = match bare.parse::<std::net::IpAddr>() {
            Ok(ip) => ip.is_loopback(),
            Err(_) => host.eq_ignore_ascii_case("localhost"),
        };
        loopback.then(Self::simulator_demo)
    }

    /// Reads `PPOB_API_KEY` and `PPOB_API_SECRET`; `None` when neither is set.
    pub fn from_env() -> Result<Option<Self>, CredentialsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`Credentials::from_env`], reading variables through `lookup` (testable).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, CredentialsError> {
        match (lookup(KEY_ENV), lookup(SECRET_ENV)) {
            (None, None) => Ok(None),
            (Some(_), None) => Err(CredentialsError::HalfSet {
                present: KEY_ENV,
                missing: SECRET_ENV,
            }),
            (None, Some(_)) => Err(CredentialsError::HalfSet {
                present: SECRET_ENV,
                missing: KEY_ENV,
            }),
            (Some(key), Some(secret)) => {
                if key.is_empty() {
                    return Err(CredentialsError::Empty(KEY_ENV));
                }
                if secret.is_empty() {
                    return Err(CredentialsError::Empty(SECRET_ENV));
                }
                Ok(Some(Self::new(key, secret)))
            }
        }
    }

    /// The API key (also the `partnerId`).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The signing secret. Handle with care: never print it.
    pub fn secret(&self) -> &str {
        &self.secret
    }
}

/// How request fields travel besides the TOKEN.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BodyMode {
    /// Fields only inside TOKEN, empty body (the documentation's samples).
    #[default]
    TokenOnly,
    /// Fields inside TOKEN and the same fields as a JSON body.
    TokenAndBody,
}

impl BodyMode {
    /// Every mode, in the order `--help` lists them.
    pub const ALL: [BodyMode; 2] = [Self::TokenOnly, Self::TokenAndBody];

    /// The kebab-case name used in flags and config.
    pub fn name(self) -> &'static str {
        match self {
            Self::TokenOnly => "token-only",
            Self::TokenAndBody => "token-and-body",
        }
    }
}

/// Why a TOKEN could not be made or was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// No TOKEN header.
    #[error("the request has no TOKEN header")]
    Missing,
    /// The TOKEN is not a well-formed JWT (three base64url parts, JSON inside).
    #[error("the TOKEN is not a well-formed JWT: {0}")]
    Malformed(String),
    /// The JWT header names another algorithm than HS256.
    #[error("the TOKEN is not signed with HS256")]
    WrongAlgorithm,
    /// The signature does not verify with the partner's secret.
    #[error("the TOKEN signature does not verify with the partner's API secret")]
    BadSignature,
    /// The payload is not a JSON object.
    #[error("the TOKEN payload is not a JSON object")]
    NotAnObject,
    /// Signing failed (should not happen with HS256).
    #[error("could not sign the TOKEN: {0}")]
    Signing(String),
}

/// The JOSE header of every TOKEN this tool signs.
const HS256_HEADER: &str = r#"{"typ":"JWT","alg":"HS256"}"#;

/// The JWS algorithm names (RFC 7518 §3.1 and RFC 8037): a header naming one
/// of them other than HS256 is signed with the wrong algorithm; any other
/// name is not a JWT header this verifier can read.
const JWS_ALGORITHMS: &[&str] = &[
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "PS256", "PS384",
    "PS512", "EdDSA",
];

/// HMAC-SHA256 keyed with `secret`.
fn hs256(secret: &str) -> Hmac<Sha256> {
    // invariant: HMAC takes a key of any length (RFC 2104 hashes a long one).
    Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length")
}

/// Signs `payload` (the request fields) into an HS256 JWT with `secret`
/// (RFC 7519: base64url header, payload and HMAC-SHA256 signature, no padding).
pub fn sign_token(payload: &Value, secret: &str) -> Result<String, TokenError> {
    let claims = serde_json::to_vec(payload).map_err(|e| TokenError::Signing(e.to_string()))?;
    let mut token = URL_SAFE_NO_PAD.encode(HS256_HEADER);
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(claims));
    let mut mac = hs256(secret);
    mac.update(token.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    token.push('.');
    token.push_str(&signature);
    Ok(token)
}

/// Verifies an HS256 JWT with `secret` and returns its payload object.
/// The vendor's tokens carry no `exp`, so none is required, and no claim is
/// judged: the payload is the request itself.
///
/// In order: three base64url parts, a JOSE header that is a JSON object
/// naming a known `alg` (else [`TokenError::Malformed`]) without `crit`, the
/// algorithm HS256 ([`TokenError::WrongAlgorithm`]), the signature
/// ([`TokenError::BadSignature`], compared in constant time), a JSON payload
/// ([`TokenError::Malformed`]) that is an object ([`TokenError::NotAnObject`]).
///
/// A JOSE header with `crit` is refused: RFC 7515 §4.1.11 requires a
/// verifier to reject critical extensions it does not understand, and this
/// one understands none.
pub fn verify_token(token: &str, secret: &str) -> Result<Value, TokenError> {
    let token = token.trim();
    if has_critical_extensions(token) {
        return Err(TokenError::Malformed(
            "its JOSE header lists critical extensions (`crit`) that this verifier does not understand (RFC 7515 §4.1.11)".into(),
        ));
    }
    let malformed = |why: &str| TokenError::Malformed(why.to_owned());
    let (signed, signature) = token
        .rsplit_once('.')
        .ok_or_else(|| malformed("it is not three base64url parts joined by dots"))?;
    let (header, payload) = signed
        .split_once('.')
        .filter(|(_, payload)| !payload.contains('.'))
        .ok_or_else(|| malformed("it is not three base64url parts joined by dots"))?;
    let decode = |part: &str, what: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|e| TokenError::Malformed(format!("its {what} is not base64url: {e}")))
    };
    let header: Value = serde_json::from_slice(&decode(header, "header")?)
        .map_err(|e| TokenError::Malformed(format!("its header is not JSON: {e}")))?;
    let algorithm = header
        .get("alg")
        .and_then(Value::as_str)
        .filter(|alg| JWS_ALGORITHMS.contains(alg))
        .ok_or_else(|| malformed("its header names no known `alg`"))?;
    if algorithm != "HS256" {
        return Err(TokenError::WrongAlgorithm);
    }
    let mut mac = hs256(secret);
    mac.update(signed.as_bytes());
    mac.verify_slice(&decode(signature, "signature")?)
        .map_err(|_| TokenError::BadSignature)?;
    let payload = decode(payload, "payload")?;
    refuse_vanishing_numbers(&payload)?;
    let claims: Value = serde_json::from_slice(&payload)
        .map_err(|e| TokenError::Malformed(format!("its payload is not JSON: {e}")))?;
    if !claims.is_object() {
        return Err(TokenError::NotAnObject);
    }
    Ok(claims)
}

/// Refuses a TOKEN payload holding a number a 64-bit float reads as 0
/// though it is not (`1e-400`): serde_json would hand the typed request an
/// amount of 0 the partner never signed.
pub fn refuse_vanishing_numbers(payload: &[u8]) -> Result<(), TokenError> {
    match vanishing_numbers(payload).first() {
        Some(number) => Err(TokenError::Malformed(format!(
            "its payload's {} is {}, too small for a 64-bit float: it would be read as 0",
            if number.pointer.is_empty() {
                "value"
            } else {
                &number.pointer
            },
            number.literal
        ))),
        None => Ok(()),
    }
}

/// Whether the token's JOSE header (its first part) has a `crit` member.
/// A header that spells neither `crit` nor any escape (`\u0063rit`) cannot
/// have one, so the usual `{"alg":"HS256","typ":"JWT"}` is not parsed.
fn has_critical_extensions(token: &str) -> bool {
    let header = token.split('.').next().unwrap_or("");
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(header.trim_end_matches('=')) else {
        return false;
    };
    if !bytes.contains(&b'\\') && memchr::memmem::find(&bytes, b"crit").is_none() {
        return false;
    }
    serde_json::from_slice::<Value>(&bytes).is_ok_and(|h| h.get("crit").is_some())
}

/// Builds the signed request of `operation` carrying `payload`.
pub fn sign_request(
    operation: Operation,
    payload: Value,
    credentials: &Credentials,
    mode: BodyMode,
) -> Result<WireRequest, TokenError> {
    let token = sign_token(&payload, credentials.secret())?;
    let body = match mode {
        BodyMode::TokenOnly => Vec::new(),
        BodyMode::TokenAndBody => {
            serde_json::to_vec(&payload).map_err(|e| TokenError::Signing(e.to_string()))?
        }
    };
    Ok(WireRequest {
        operation,
        method: "POST".into(),
        path: operation.path().into(),
        headers: vec![
            (KEY_HEADER.into(), credentials.key().into()),
            (TOKEN_HEADER.into(), token),
            (VERSION_HEADER.into(), API_VERSION.into()),
            ("Content-Type".into(), "application/json".into()),
            ("accept".into(), "application/json".into()),
        ],
        body,
        payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_signed_token_verifies_with_the_same_secret_and_carries_the_fields() {
        let payload = json!({"partnerId": "p", "accountNumber": "0811111111", "productCode": "x"});
        let token = sign_token(&payload, "s3cret").unwrap();
        assert_eq!(token.split('.').count(), 3);
        assert_eq!(verify_token(&token, "s3cret").unwrap(), payload);
    }

    #[test]
    fn a_wrong_secret_is_a_bad_signature() {
        let token = sign_token(&json!({"a": 1}), "right").unwrap();
        assert_eq!(verify_token(&token, "wrong"), Err(TokenError::BadSignature));
    }

    /// A token signed with `secret` over a hand-written `header`.
    fn token_with_header(header: &str, payload: &str, secret: &str) -> String {
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let mut mac = hs256(secret);
        mac.update(signed.as_bytes());
        format!(
            "{signed}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        )
    }

    #[test]
    fn a_number_that_would_read_as_zero_is_refused_not_zeroed() {
        let payload = r#"{"refNumber":"R","amount":1e-400}"#;
        let token = token_with_header(HS256_HEADER, payload, "s");
        let error = verify_token(&token, "s").unwrap_err().to_string();
        assert!(
            error.contains("its payload's /amount is 1e-400, too small for a 64-bit float"),
            "{error}"
        );
        let fine = token_with_header(HS256_HEADER, r#"{"amount":0e-400}"#, "s");
        assert_eq!(verify_token(&fine, "s").unwrap()["amount"], 0.0);
    }

    #[test]
    fn a_token_matches_the_rfc_7515_hs256_example() {
        // RFC 7515 appendix A.1: the header, payload and key of the example
        // give its signature (the key is the base64url-decoded JWK "k").
        let key = URL_SAFE_NO_PAD
            .decode("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow")
            .unwrap();
        let signed = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(signed.as_bytes());
        assert_eq!(
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()),
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
    }

    #[test]
    fn the_header_decides_malformed_or_wrong_algorithm_before_the_signature() {
        let payload = r#"{"partnerId":"p"}"#;
        for (header, expected) in [
            (r#"{"alg":"HS512","typ":"JWT"}"#, TokenError::WrongAlgorithm),
            (r#"{"alg":"RS256"}"#, TokenError::WrongAlgorithm),
        ] {
            assert_eq!(
                verify_token(&token_with_header(header, payload, "s"), "s"),
                Err(expected),
                "{header}"
            );
        }
        for header in [
            r#"{"alg":"none"}"#,
            r#"{"typ":"JWT"}"#,
            r#"{"alg":256}"#,
            "[]",
            "not json",
        ] {
            assert!(
                matches!(
                    verify_token(&token_with_header(header, payload, "s"), "s"),
                    Err(TokenError::Malformed(_))
                ),
                "{header}"
            );
        }
        let padded = format!("{}=", token_with_header(r#"{"alg":"HS256"}"#, payload, "s"));
        assert!(matches!(
            verify_token(&padded, "s"),
            Err(TokenError::Malformed(_))
        ));
        let four_parts = format!(
            "{}.x",
            token_with_header(r#"{"alg":"HS256"}"#, payload, "s")
        );
        assert!(matches!(
            verify_token(&four_parts, "s"),
            Err(TokenError::Malformed(_))
        ));
    }

    #[test]
    fn a_changed_payload_no_longer_verifies() {
        let token = sign_token(&json!({"amount": 3607}), "s").unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(r#"{"amount":1}"#),
            parts[2]
        );
        assert_eq!(verify_token(&forged, "s"), Err(TokenError::BadSignature));
    }

    #[test]
    fn a_token_with_critical_header_extensions_is_refused() {
        let token = token_with_header(
            r#"{"alg":"HS256","crit":["exp-ext"]}"#,
            r#"{"partnerId":"p"}"#,
            "s",
        );
        match verify_token(&token, "s") {
            Err(TokenError::Malformed(why)) => assert!(why.contains("crit"), "{why}"),
            other => panic!("a crit header was accepted: {other:?}"),
        }
    }

    #[test]
    fn a_crit_member_is_found_however_it_is_spelled() {
        let encode = |header: &str| {
            let part = URL_SAFE_NO_PAD.encode(header);
            format!("{part}.e30.sig")
        };
        for header in [
            r#"{"alg":"HS256","crit":["x"]}"#,
            r#"{"alg":"HS256","\u0063rit":["x"]}"#,
            r#"{"alg":"HS256","cr\u0069t":null}"#,
        ] {
            assert!(has_critical_extensions(&encode(header)), "{header}");
        }
        for header in [
            r#"{"alg":"HS256","typ":"JWT"}"#,
            r#"{"alg":"HS256","kid":"crit"}"#,
            r#"{"alg":"HS256","kid":"\u0063rit"}"#,
            r#"{"alg":"HS256","critical":1}"#,
            "not json crit",
        ] {
            assert!(!has_critical_extensions(&encode(header)), "{header}");
        }
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        for token in ["", "abc", "a.b.c", "eyJ.eyJ.", "....", "\u{0}"] {
            assert!(
                matches!(verify_token(token, "s"), Err(TokenError::Malformed(_))),
                "{token:?}"
            );
        }
    }

    #[test]
    fn a_payload_that_is_not_an_object_is_refused() {
        for payload in [json!([1, 2]), json!("text"), json!(7)] {
            let token = sign_token(&payload, "s").unwrap();
            assert!(
                matches!(
                    verify_token(&token, "s"),
                    Err(TokenError::NotAnObject | TokenError::Malformed(_))
                ),
                "{payload}"
            );
        }
    }

    #[test]
    fn token_only_requests_have_an_empty_body_and_the_documented_headers() {
        let creds = Credentials::new("key-1", "secret-1");
        let payload = json!({"partnerId": "key-1", "refNumber": "R1"});
        let req = sign_request(
            Operation::Status,
            payload.clone(),
            &creds,
            BodyMode::TokenOnly,
        )
        .unwrap();
        assert!(req.body.is_empty());
        assert_eq!(req.path, "/api/v2/bill/status");
        assert_eq!(req.header("key"), Some("key-1"));
        assert_eq!(req.header("version"), Some("2.0"));
        let token = req.header("token").unwrap();
        assert_eq!(verify_token(token, "secret-1").unwrap(), payload);

        let with_body = sign_request(
            Operation::Status,
            payload.clone(),
            &creds,
            BodyMode::TokenAndBody,
        )
        .unwrap();
        let body: Value = serde_json::from_slice(&with_body.body).unwrap();
        assert_eq!(body, payload);
    }

    #[test]
    fn credentials_never_debug_print() {
        let creds = Credentials::new("the-key-canary", "the-secret-canary");
        let shown = format!("{creds:?}");
        assert!(!shown.contains("canary"), "{shown}");
    }

    #[test]
    fn env_credentials_must_come_in_pairs() {
        let only_key = |n: &str| (n == KEY_ENV).then(|| "k".to_string());
        assert!(matches!(
            Credentials::from_lookup(only_key),
            Err(CredentialsError::HalfSet { .. })
        ));
        assert_eq!(Credentials::from_lookup(|_| None), Ok(None));
        let both = |_: &str| Some("v".to_string());
        assert_eq!(Credentials::from_lookup(both).unwrap().unwrap().key(), "v");
    }
}

#[cfg(test)]
mod loopback_tests {
    use super::Credentials;

    #[test]
    fn demo_credentials_only_for_loopback_targets() {
        for url in [
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
            "http://127.1.2.3",
        ] {
            assert!(Credentials::demo_for_loopback(url).is_some(), "{url}");
        }
        for url in [
            "https://sandbox.invalid",
            "http://10.0.0.1",
            "http://localhost.example",
            "not a url",
        ] {
            assert!(Credentials::demo_for_loopback(url).is_none(), "{url}");
        }
    }
}
