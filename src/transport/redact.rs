//! Keeps the API key, the signing secret and every TOKEN out of output,
//! logs and cassettes.
//!
//! A [`Redactor`] knows the configured credentials and replaces them, and
//! anything shaped like a JWT, wherever they appear in a text. Header values
//! of `KEY` and `TOKEN` are replaced whole.

use std::borrow::Cow;

use super::auth::{Credentials, KEY_HEADER, TOKEN_HEADER};

/// What replaces the API key.
pub const REDACTED_KEY: &str = "[redacted:key]";
/// What replaces the signing secret.
pub const REDACTED_SECRET: &str = "[redacted:secret]";
/// What replaces a TOKEN (any JWT).
pub const REDACTED_TOKEN: &str = "[redacted:token]";

/// Credentials shorter than this are not searched for in free text (a
/// one-letter key would blank out every word); header values are still
/// replaced whole.
pub const MIN_SEARCHED_LEN: usize = 4;

/// Replaces secrets in text. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    needles: Vec<(String, &'static str)>,
}

impl Redactor {
    /// A redactor for these credentials (plus JWTs of any origin).
    pub fn new(credentials: Option<&Credentials>) -> Self {
        let mut needles = Vec::new();
        if let Some(c) = credentials {
            // The secret first: a key could be a substring of it.
            for (value, mask) in [(c.secret(), REDACTED_SECRET), (c.key(), REDACTED_KEY)] {
                if value.len() >= MIN_SEARCHED_LEN {
                    needles.push((value.to_owned(), mask));
                }
            }
        }
        needles.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
        Self { needles }
    }

    /// `text` with every credential and JWT replaced.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for (needle, mask) in &self.needles {
            if out.contains(needle.as_str()) {
                out = Cow::Owned(out.replace(needle.as_str(), mask));
            }
        }
        match redact_jwts(&out) {
            Some(replaced) => Cow::Owned(replaced),
            None => out,
        }
    }

    /// The value to show for a header: `KEY` and `TOKEN` are replaced whole.
    pub fn header_value<'a>(&self, name: &str, value: &'a str) -> Cow<'a, str> {
        if name.eq_ignore_ascii_case(TOKEN_HEADER) {
            Cow::Borrowed(REDACTED_TOKEN)
        } else if name.eq_ignore_ascii_case(KEY_HEADER) {
            Cow::Borrowed(REDACTED_KEY)
        } else {
            self.redact(value)
        }
    }
}

fn is_base64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// Replaces every `eyJ….….…` run (a JWT: base64url JSON header, payload,
/// signature); `None` when there is none.
fn redact_jwts(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while let Some(found) = text[i..].find("eyJ") {
        let start = i + found;
        let preceded_by_token_char = start > 0 && is_base64url(bytes[start - 1]);
        let mut end = start;
        let mut dots = 0;
        while end < bytes.len() && (is_base64url(bytes[end]) || bytes[end] == b'.') {
            if bytes[end] == b'.' {
                dots += 1;
            }
            end += 1;
        }
        if dots >= 2 && !preceded_by_token_char {
            let buf = out.get_or_insert_with(String::new);
            buf.push_str(&text[copied..start]);
            buf.push_str(REDACTED_TOKEN);
            copied = end;
        }
        i = end.max(start + 3);
    }
    out.map(|mut buf| {
        buf.push_str(&text[copied..]);
        buf
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::auth::sign_token;
    use serde_json::json;

    #[test]
    fn credentials_and_tokens_vanish_from_text() {
        let creds = Credentials::new("KEY-CANARY-1234", "SECRET-CANARY-5678");
        let token = sign_token(&json!({"partnerId": "x"}), creds.secret()).unwrap();
        let text = format!(
            "key={} secret={} token={token} tail",
            creds.key(),
            creds.secret()
        );
        let redacted = Redactor::new(Some(&creds)).redact(&text).into_owned();
        assert!(!redacted.contains("CANARY"), "{redacted}");
        assert!(!redacted.contains(&token), "{redacted}");
        assert_eq!(
            redacted,
            format!("key={REDACTED_KEY} secret={REDACTED_SECRET} token={REDACTED_TOKEN} tail")
        );
    }

    #[test]
    fn text_without_secrets_is_not_copied() {
        let r = Redactor::new(Some(&Credentials::new("abcd1234", "zzzz9999")));
        assert!(matches!(
            r.redact("nothing here: eyJ only"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn key_and_token_headers_are_replaced_whole() {
        let r = Redactor::new(None);
        assert_eq!(r.header_value("token", "anything"), REDACTED_TOKEN);
        assert_eq!(r.header_value("KEY", "k"), REDACTED_KEY);
        assert_eq!(r.header_value("VERSION", "2.0"), "2.0");
    }

    #[test]
    fn short_credentials_are_not_searched_in_text() {
        let r = Redactor::new(Some(&Credentials::new("a", "b")));
        assert_eq!(r.redact("a banana"), "a banana");
    }
}
