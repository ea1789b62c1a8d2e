//! One-command reproductions of a failing step: a `curl` line that signs the
//! request itself with `openssl`, the key and secret left in
//! `PPOB_API_KEY` / `PPOB_API_SECRET` (never written out).

use serde_json::Value;

use super::exec::{Step, WRONG_KEY_SUFFIX, WRONG_SECRET};
use ppob_transport::auth::{KEY_HEADER, TOKEN_HEADER, VERSION_HEADER, verify_token};

/// Quotes `text` for a POSIX shell, putting `"$PPOB_API_KEY"` wherever `key` was.
fn quote_with_key(text: &str, key: &str) -> String {
    let quote = |part: &str| format!("'{}'", part.replace('\'', r"'\''"));
    if key.is_empty() {
        return quote(text);
    }
    text.split(key)
        .map(quote)
        .collect::<Vec<_>>()
        .join("\"$PPOB_API_KEY\"")
}

/// How the step's TOKEN was signed, read back from the request.
enum Signed {
    /// With the partner's secret.
    Partner,
    /// With the fuzzer's wrong secret.
    Wrong,
    /// `alg: none`.
    Unsigned,
}

fn signing_of(step: &Step, secret: &str) -> Signed {
    let token = step
        .exchange
        .request
        .header(TOKEN_HEADER)
        .unwrap_or_default();
    if token.ends_with('.') {
        Signed::Unsigned
    } else if verify_token(token, secret).is_ok() {
        Signed::Partner
    } else {
        Signed::Wrong
    }
}

/// The curl line sending `step`'s request to `base_url` (key and secret
/// from the environment).
pub fn curl_line(step: &Step, base_url: &str, key: &str, secret: &str) -> String {
    let request = &step.exchange.request;
    let payload = serde_json::to_string(&request.payload).unwrap_or_default();
    let (alg, signature) = match signing_of(step, secret) {
        Signed::Partner => (
            "HS256",
            "$(printf %s \"$H.$P\" | openssl dgst -sha256 -hmac \"$PPOB_API_SECRET\" -binary | b64)",
        ),
        Signed::Wrong => (
            "HS256",
            "$(printf %s \"$H.$P\" | openssl dgst -sha256 -hmac 'WRONG' -binary | b64)",
        ),
        Signed::Unsigned => ("none", ""),
    };
    let signature = signature.replace("WRONG", WRONG_SECRET);
    let key_header = match request.header(KEY_HEADER) {
        Some(k) if k != key && k.ends_with(WRONG_KEY_SUFFIX) => {
            format!("\"{KEY_HEADER}: $PPOB_API_KEY{WRONG_KEY_SUFFIX}\"")
        }
        _ => format!("\"{KEY_HEADER}: $PPOB_API_KEY\""),
    };
    let url = format!("{}{}", base_url.trim_end_matches('/'), request.path);
    let mut line = format!(
        "b64() {{ openssl base64 -A | tr '+/' '-_' | tr -d '='; }}; \
H=$(printf %s '{{\"alg\":\"{alg}\",\"typ\":\"JWT\"}}' | b64); \
P=$(printf %s {} | b64); S={signature}; \
curl -sS -X {} {} -H {key_header} -H \"{TOKEN_HEADER}: $H.$P.$S\" -H '{VERSION_HEADER}: 2.0' \
-H 'Content-Type: application/json' -H 'accept: application/json'",
        quote_with_key(&payload, key),
        request.method,
        quote_with_key(&url, ""),
    );
    if !request.body.is_empty() {
        let body = String::from_utf8_lossy(&request.body);
        let body = serde_json::from_str::<Value>(&body)
            .map_or_else(|_| body.clone().into_owned(), |v| v.to_string());
        line.push_str(" --data-binary ");
        line.push_str(&quote_with_key(&body, key));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_spliced_from_the_environment_and_quotes_survive() {
        assert_eq!(
            quote_with_key(r#"{"partnerId":"pk-1","x":"it's"}"#, "pk-1"),
            r#"'{"partnerId":"'"$PPOB_API_KEY"'","x":"it'\''s"}'"#
        );
        assert_eq!(quote_with_key("plain", ""), "'plain'");
    }
}
