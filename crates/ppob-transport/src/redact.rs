//! Keeps the API key, the signing secret and every TOKEN out of output,
//! logs and cassettes.
//!
//! A [`Redactor`] knows the configured credentials and replaces them, and
//! anything shaped like a JWT, wherever they appear in a text. Header values
//! of `KEY` and `TOKEN` are replaced whole. [`redact_url`] hides what a URL
//! may carry beside its address — userinfo, query values, the fragment —
//! wherever a URL is printed or recorded, whether or not it parses.

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

    /// This redactor, also hiding `values` (e.g. credentials read from a
    /// file that failed to parse); values shorter than [`MIN_SEARCHED_LEN`] are ignored.
    pub fn also_hiding(mut self, values: impl IntoIterator<Item = String>) -> Self {
        self.needles.extend(
            values
                .into_iter()
                .filter(|v| v.len() >= MIN_SEARCHED_LEN)
                .map(|v| (v, REDACTED_SECRET)),
        );
        self.needles
            .sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
        self
    }

    /// `text` with every credential and JWT replaced.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match self.redact_bytes(text.as_bytes()) {
            Cow::Borrowed(_) => Cow::Borrowed(text),
            // Replacing whole UTF-8 needles and ASCII-only JWT runs by ASCII
            // masks keeps valid UTF-8 valid; the lossy branch is never taken.
            Cow::Owned(bytes) => Cow::Owned(
                String::from_utf8(bytes)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            ),
        }
    }

    /// `bytes` with every credential and JWT replaced, whether or not they
    /// are UTF-8: an answer body is redacted as bytes before it is shown or
    /// recorded, so a binary (or broken) body cannot carry a secret past it.
    pub fn redact_bytes<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        let mut out = Cow::Borrowed(bytes);
        for (needle, mask) in &self.needles {
            if let Some(replaced) = replace_all(&out, needle.as_bytes(), mask.as_bytes()) {
                out = Cow::Owned(replaced);
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

/// What replaces a URL's userinfo, each query value and its fragment.
pub const REDACTED_URL_PART: &str = "***";

/// `url` with its userinfo, every query value and its fragment replaced by
/// [`REDACTED_URL_PART`]; scheme, host, port, path and the query's names are
/// kept, so the URL is still recognisable. Works on text: a URL that does
/// not parse (an unsupported scheme, a malformed host) is redacted alike,
/// because that is exactly the URL an error message quotes back.
///
/// ```
/// use ppob_transport::redact::redact_url;
/// assert_eq!(
///     redact_url("ftp://key:secret@h:8/p?apiKey=K1&debug#s3cret"),
///     "ftp://***@h:8/p?apiKey=***&***#***"
/// );
/// assert_eq!(redact_url("https://h/api"), "https://h/api");
/// ```
pub fn redact_url(url: &str) -> Cow<'_, str> {
    let authority_start = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[authority_start..];
    let authority_end = authority_start + rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let userinfo_end = url[authority_start..authority_end]
        .rfind('@')
        .map(|i| authority_start + i);
    let query_start = url.find('?');
    let fragment_start = url.find('#');
    // A `?` after the `#` belongs to the fragment.
    let query_start = query_start.filter(|&q| fragment_start.is_none_or(|f| q < f));
    if userinfo_end.is_none() && query_start.is_none() && fragment_start.is_none() {
        return Cow::Borrowed(url);
    }
    let mut out = String::with_capacity(url.len());
    let address_start = match userinfo_end {
        Some(at) => {
            out.push_str(&url[..authority_start]);
            out.push_str(REDACTED_URL_PART);
            at
        }
        None => 0,
    };
    let address_end = query_start.or(fragment_start).unwrap_or(url.len());
    out.push_str(&url[address_start..address_end]);
    if let Some(q) = query_start {
        out.push('?');
        let query = &url[q + 1..fragment_start.unwrap_or(url.len())];
        for (i, pair) in query.split('&').enumerate() {
            if i > 0 {
                out.push('&');
            }
            match pair.split_once('=') {
                Some((name, _)) => {
                    out.push_str(name);
                    out.push('=');
                    out.push_str(REDACTED_URL_PART);
                }
                // A bare token may be the secret itself.
                None if pair.is_empty() => {}
                None => out.push_str(REDACTED_URL_PART),
            }
        }
    }
    if fragment_start.is_some() {
        out.push('#');
        out.push_str(REDACTED_URL_PART);
    }
    Cow::Owned(out)
}

fn is_base64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// `haystack` with every `needle` replaced by `mask`; `None` when there is none.
fn replace_all(haystack: &[u8], needle: &[u8], mask: &[u8]) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    for start in memchr::memmem::find_iter(haystack, needle) {
        if start < copied {
            continue; // overlaps the previous match
        }
        let buf = out.get_or_insert_with(|| Vec::with_capacity(haystack.len()));
        buf.extend_from_slice(&haystack[copied..start]);
        buf.extend_from_slice(mask);
        copied = start + needle.len();
    }
    out.map(|mut buf| {
        buf.extend_from_slice(&haystack[copied..]);
        buf
    })
}

/// Replaces every JWT-shaped run: `eyJ` (the base64url of `{"`, how every
/// JOSE header starts), then base64url text holding at least two dots
/// (header, payload, signature). The run is cut from `eyJ` on, whatever
/// precedes it (`x<JWT>` and `KEY:<JWT>` alike). `None` when there is none.
fn redact_jwts(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut i = 0;
    while let Some(found) = memchr::memmem::find(&bytes[i..], b"eyJ") {
        let start = i + found;
        let mut end = start;
        let mut dots = 0;
        while end < bytes.len() && (is_base64url(bytes[end]) || bytes[end] == b'.') {
            if bytes[end] == b'.' {
                dots += 1;
            }
            end += 1;
        }
        if dots >= 2 {
            let buf = out.get_or_insert_with(|| Vec::with_capacity(bytes.len()));
            buf.extend_from_slice(&bytes[copied..start]);
            buf.extend_from_slice(REDACTED_TOKEN.as_bytes());
            copied = end;
        }
        i = end.max(start + 3);
    }
    out.map(|mut buf| {
        buf.extend_from_slice(&bytes[copied..]);
        buf
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::sign_token;
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
    fn a_jwt_glued_to_other_text_is_still_caught() {
        let token = sign_token(&json!({"partnerId": "x"}), "s").unwrap();
        for text in [
            format!("x{token}"),
            format!("\"abc{token}\""),
            format!("KEY:{token}.tail"),
            format!("eyJeyJ{token}"),
        ] {
            let redacted = Redactor::new(None).redact(&text).into_owned();
            assert!(redacted.contains(REDACTED_TOKEN), "{redacted}");
            let signature = token.rsplit('.').next().unwrap();
            assert!(!redacted.contains(signature), "{redacted}");
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_are_redacted_too() {
        let creds = Credentials::new("KEY-CANARY-1234", "SECRET-CANARY-5678");
        let token = sign_token(&json!({"partnerId": "x"}), creds.secret()).unwrap();
        let mut body = b"\xff\xfeKEY: ".to_vec();
        body.extend_from_slice(creds.key().as_bytes());
        body.extend_from_slice(b"\r\nTOKEN: \xc3");
        body.extend_from_slice(token.as_bytes());
        body.extend_from_slice(b"\x80 s=");
        body.extend_from_slice(creds.secret().as_bytes());
        let redacted = Redactor::new(Some(&creds)).redact_bytes(&body).into_owned();
        let mut expected = b"\xff\xfeKEY: ".to_vec();
        expected.extend_from_slice(REDACTED_KEY.as_bytes());
        expected.extend_from_slice(b"\r\nTOKEN: \xc3");
        expected.extend_from_slice(REDACTED_TOKEN.as_bytes());
        expected.extend_from_slice(b"\x80 s=");
        expected.extend_from_slice(REDACTED_SECRET.as_bytes());
        assert_eq!(redacted, expected);
        assert!(matches!(
            Redactor::new(Some(&creds)).redact_bytes(b"\xff clean"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn urls_keep_their_address_and_names_but_no_value() {
        for (url, shown) in [
            ("https://h.example/p", "https://h.example/p"),
            ("http://u:pw@h/p", "http://***@h/p"),
            ("http://u@h", "http://***@h"),
            ("http://h/p?k=v&x=&flag", "http://h/p?k=***&x=***&***"),
            ("http://h/#frag?k=v", "http://h/#***"),
            ("http://h/p?k=v#f", "http://h/p?k=***#***"),
            ("http://h/p/a@b", "http://h/p/a@b"),
            ("ftp://a:b@ho st/?key=1", "ftp://***@ho st/?key=***"),
            ("h?k=1", "h?k=***"),
            ("u:p@h", "***@h"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }

    #[test]
    fn short_credentials_are_not_searched_in_text() {
        let r = Redactor::new(Some(&Credentials::new("a", "b")));
        assert_eq!(r.redact("a banana"), "a banana");
    }
}
