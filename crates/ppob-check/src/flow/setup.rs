//! Setup versus contract: answers that show the run cannot check the
//! contract at all, and what the user should check.
//!
//! A target that has never answered the API and whose first answer is an
//! HTML page, a 404/405 on the inquiry path, a body that is not JSON or JSON
//! without the envelope is not the API (`setup.not-the-api`): a wrong base
//! URL, a missing path prefix, a proxy or login page in the way. Once the
//! target has answered the API, the same answer is the partner's (a contract
//! finding under the money rule). [`TargetContact`] carries that knowledge
//! across the cases of a run; [`first_answer`] reads one answer.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::Value;

use ppob_core::contract::cost::within_explain_budget;

use super::classify::ENVELOPE_KEYS;
use ppob_transport::redact::Redactor;
use ppob_transport::{Exchange, TransportError, WireResponse};

/// How many characters of a body a setup line quotes.
pub const EXCERPT_CHARS: usize = 80;

/// What a run has learnt about its target, shared by every case of the run:
/// whether the target has answered the API at least once. Until it has, an
/// answer that is not the API is a setup error rather than a finding.
#[derive(Debug, Default)]
pub struct TargetContact {
    answered_api: AtomicBool,
}

impl TargetContact {
    /// A target that has not answered yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the target has answered the API at least once.
    pub fn has_answered_api(&self) -> bool {
        self.answered_api.load(Ordering::SeqCst)
    }

    /// Notes that the target answered the API.
    pub fn answered_api(&self) {
        self.answered_api.store(true, Ordering::SeqCst);
    }
}

/// What one answer says about the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstAnswer {
    /// The API answered (rightly or wrongly): an envelope, or JSON naming
    /// one of its keys, or an envelope with an inquiry code on a 404/405.
    Api,
    /// Not the API at all.
    NotTheApi(NotApiReason),
    /// Says nothing either way: no answer (transport error), a 5xx that is
    /// not a page (the server failing, the money rule's processing), a
    /// refusal of the credentials (401/403, `setup.auth`).
    Undecided,
}

/// Why an answer is not the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotApiReason {
    /// `Content-Type: text/html` (or XHTML).
    Html,
    /// A body starting with `<` (HTML or XML) under another content type.
    Markup,
    /// HTTP 404 or 405 without an envelope answering the inquiry.
    NoSuchEndpoint(u16),
    /// A body that is empty or not JSON (and names no envelope key).
    NotJson,
    /// JSON without any envelope key.
    NoEnvelope,
}

impl NotApiReason {
    /// What the target answered, in a few words.
    fn describe(self, empty: bool) -> String {
        match self {
            Self::Html => "an HTML page".into(),
            Self::Markup => "markup (a body starting with `<`)".into(),
            Self::NoSuchEndpoint(404) => "\"not found\" for the inquiry path".into(),
            Self::NoSuchEndpoint(405) => {
                "\"method not allowed\" for a POST to the inquiry path".into()
            }
            Self::NoSuchEndpoint(status) => format!("HTTP {status} for the inquiry path"),
            Self::NotJson if empty => "an empty body".into(),
            Self::NotJson => "a body that is not JSON".into(),
            Self::NoEnvelope => {
                format!(
                    "JSON without the API's envelope ({})",
                    ENVELOPE_KEYS.join(", ")
                )
            }
        }
    }
}

/// Reads an inquiry answer for what it says about the target. Order: no
/// answer says nothing; a page (HTML, markup) is never the API, whatever the
/// status (a gateway's 502 page, a login page on 401 included); then a 5xx
/// says nothing; 401/403 are `setup.auth`'s; 404/405 are not the API
/// unless the body is an envelope with an inquiry code (300–399); then a body
/// that is not JSON (unless it names `"responseCode"`: a broken envelope),
/// and JSON without any envelope key, are not the API.
pub fn first_answer(exchange: &Exchange) -> FirstAnswer {
    let Ok(response) = &exchange.response else {
        return FirstAnswer::Undecided;
    };
    let status = response.status;
    if is_html_type(response) {
        return FirstAnswer::NotTheApi(NotApiReason::Html);
    }
    if starts_with_markup(&response.body) {
        return FirstAnswer::NotTheApi(NotApiReason::Markup);
    }
    if status >= 500 || status == 401 || status == 403 {
        return FirstAnswer::Undecided;
    }
    // A body too costly to read into a DOM is read as a broken one: the
    // API when it names responseCode.
    let json = if within_explain_budget(&response.body) {
        serde_json::from_slice::<Value>(&response.body)
    } else {
        Err(<serde_json::Error as serde::de::Error>::custom(
            "too costly to read",
        ))
    };
    if status == 404 || status == 405 {
        let inquiry_code = json
            .as_ref()
            .ok()
            .and_then(|v| v.get("responseCode"))
            .and_then(super::classify::integer)
            .is_some_and(|code| (300..=399).contains(&code));
        return if inquiry_code {
            FirstAnswer::Api
        } else {
            FirstAnswer::NotTheApi(NotApiReason::NoSuchEndpoint(status))
        };
    }
    match json {
        Err(_) if names_response_code(&response.body) => FirstAnswer::Api,
        Err(_) => FirstAnswer::NotTheApi(NotApiReason::NotJson),
        Ok(Value::Object(map)) if ENVELOPE_KEYS.iter().any(|k| map.contains_key(*k)) => {
            FirstAnswer::Api
        }
        Ok(_) => FirstAnswer::NotTheApi(NotApiReason::NoEnvelope),
    }
}

fn is_html_type(response: &WireResponse) -> bool {
    response.header("content-type").is_some_and(|t| {
        let media = t.split(';').next().unwrap_or("").trim();
        media.eq_ignore_ascii_case("text/html")
            || media.eq_ignore_ascii_case("application/xhtml+xml")
    })
}

/// Whether the body starts with `<` after a byte order mark and white space.
fn starts_with_markup(body: &[u8]) -> bool {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    body.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'<')
}

fn names_response_code(body: &[u8]) -> bool {
    memchr::memmem::find(body, b"\"responseCode\"").is_some()
}

/// A first answer that is not the API, with what the user needs to see:
/// where the request went, what came back, and what to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotTheApi {
    /// `POST` and the URL (or path and target) the inquiry went to.
    pub request: String,
    /// The HTTP status.
    pub http_status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body's first [`EXCERPT_CHARS`] characters on one line, redacted.
    pub excerpt: String,
    /// Why it is not the API.
    pub reason: NotApiReason,
    /// Whether the body was empty.
    pub empty: bool,
}

impl NotTheApi {
    /// Describes `exchange`'s answer, sent to `target` (a transport's
    /// description), for a setup line; the excerpt is cut from the body after
    /// `redactor` removed every credential and TOKEN from all of it (so no
    /// secret survives half cut). `None` when there was no answer.
    pub fn new(
        exchange: &Exchange,
        reason: NotApiReason,
        target: &str,
        redactor: &Redactor,
    ) -> Option<Self> {
        let response = exchange.response.as_ref().ok()?;
        let path = &exchange.request.path;
        let request = if target.starts_with("http://") || target.starts_with("https://") {
            // A URL has no white space: what follows is a note such as "(recording)".
            let base = target.split_whitespace().next().unwrap_or(target);
            format!("{} {base}{path}", exchange.request.method)
        } else {
            format!("{} {path} on {target}", exchange.request.method)
        };
        let content_type = response
            .header("content-type")
            .map(|t| redactor.redact(&one_line(t, EXCERPT_CHARS).0).into_owned());
        Some(Self {
            request,
            http_status: response.status,
            content_type,
            excerpt: excerpt(&response.body, redactor),
            reason,
            empty: response.body.is_empty(),
        })
    }
}

impl fmt::Display for NotTheApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let content_type = self.content_type.as_deref().unwrap_or("no content type");
        write!(
            f,
            "{} answered HTTP {} ({content_type}) with {}",
            self.request,
            self.http_status,
            self.reason.describe(self.empty)
        )?;
        if !self.empty {
            write!(f, ": \"{}\"", self.excerpt)?;
        }
        f.write_str(
            ": this is not the PPOB API; check the base URL (--target or PPOB_BASE_URL) and its path \
prefix, and whether a proxy or login page answers in its place",
        )?;
        if self.http_status >= 500 {
            f.write_str(" (or a gateway because the sandbox is down)")?;
        }
        Ok(())
    }
}

/// The first [`EXCERPT_CHARS`] characters of `body` after redaction, on one
/// line: control characters and runs of white space become one space, a cut
/// is marked with `…`.
pub fn excerpt(body: &[u8], redactor: &Redactor) -> String {
    let clean = redactor.redact_bytes(body);
    // Only the head is needed: 4 bytes per character at most, plus room for
    // white space that collapses.
    let head = &clean[..clean.len().min(EXCERPT_CHARS * 16)];
    let text = String::from_utf8_lossy(head);
    let (mut shown, cut) = one_line(&text, EXCERPT_CHARS);
    if cut || head.len() < clean.len() {
        shown.push('…');
    }
    shown
}

/// `text` on one line, at most `limit` characters: control characters and
/// runs of white space become one space, the ends are trimmed. The flag
/// says whether anything but white space was left out.
fn one_line(text: &str, limit: usize) -> (String, bool) {
    let mut out = String::new();
    let mut count = 0;
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() {
            pending_space = !out.is_empty();
            continue;
        }
        let needed = if pending_space { 2 } else { 1 };
        if count + needed > limit {
            return (out, true);
        }
        if pending_space {
            out.push(' ');
            count += 1;
        }
        pending_space = false;
        out.push(c);
        count += 1;
    }
    (out, false)
}

/// What to check when the target could not be reached, by the kind of error.
pub fn unreachable_hint(error: &TransportError) -> &'static str {
    match error {
        TransportError::Refused(_) => {
            "check the address and port (--target or PPOB_BASE_URL), that the sandbox is up, and that \
no VPN, firewall or proxy is in the way"
        }
        TransportError::ConnectTimeout(_) => {
            "nothing answered the connection: check the address (--target or PPOB_BASE_URL), that the \
sandbox is up, a VPN the sandbox needs, and a firewall or proxy that drops the packets"
        }
        TransportError::Tls(_) => {
            "check http versus https in --target (or PPOB_BASE_URL), the server's certificate and the \
CA certificates of this machine, and that no proxy intercepts TLS"
        }
        _ => {
            "check the host name and port (--target or PPOB_BASE_URL), that the sandbox is up, and the \
network: DNS, a VPN the sandbox needs, a firewall or proxy in the way"
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;
    use ppob_core::contract::Operation;
    use ppob_transport::WireRequest;
    use ppob_transport::auth::Credentials;

    fn answer(status: u16, content_type: Option<&str>, body: &[u8]) -> Exchange {
        Exchange {
            request: WireRequest {
                operation: Operation::Inquiry,
                method: "POST".into(),
                path: Operation::Inquiry.path().into(),
                headers: Vec::new(),
                body: Vec::new(),
                payload: Value::Null,
            },
            response: Ok(WireResponse {
                status,
                headers: content_type
                    .map(|t| vec![("content-type".to_owned(), t.to_owned())])
                    .unwrap_or_default(),
                body: body.to_vec(),
            }),
            started: SystemTime::UNIX_EPOCH,
            elapsed: Duration::ZERO,
        }
    }

    const JSON: Option<&str> = Some("application/json");
    const ENVELOPE: &[u8] =
        br#"{"responseCode":303,"success":false,"message":{"ID":"x","EN":"x"},"data":{}}"#;

    #[test]
    fn every_kind_of_first_answer_is_read() {
        use FirstAnswer::{Api, NotTheApi as Not, Undecided};
        use NotApiReason::*;
        let cases: Vec<(&str, Exchange, FirstAnswer)> = vec![
            ("envelope", answer(200, JSON, ENVELOPE), Api),
            (
                "envelope, wrong field type",
                answer(200, JSON, br#"{"responseCode":"300"}"#),
                Api,
            ),
            (
                "only success",
                answer(200, JSON, br#"{"success":true}"#),
                Api,
            ),
            (
                "HTML page",
                answer(200, Some("text/html; charset=utf-8"), b"<p>hi</p>"),
                Not(Html),
            ),
            (
                "XHTML",
                answer(200, Some("Application/XHTML+XML"), b"x"),
                Not(Html),
            ),
            (
                "markup as JSON",
                answer(200, JSON, b"\xEF\xBB\xBF \n<!doctype html>"),
                Not(Markup),
            ),
            (
                "HTML login page on 401",
                answer(401, Some("text/html"), b"<form>"),
                Not(Html),
            ),
            (
                "401 JSON",
                answer(401, JSON, br#"{"error":"no"}"#),
                Undecided,
            ),
            ("403", answer(403, None, b""), Undecided),
            (
                "404 router",
                answer(404, JSON, br#"{"error":"Not Found"}"#),
                Not(NoSuchEndpoint(404)),
            ),
            (
                "404 general error envelope",
                answer(404, JSON, br#"{"responseCode":199}"#),
                Not(NoSuchEndpoint(404)),
            ),
            ("404 with an inquiry code", answer(404, JSON, ENVELOPE), Api),
            (
                "405 empty",
                answer(405, None, b""),
                Not(NoSuchEndpoint(405)),
            ),
            (
                "not JSON",
                answer(200, Some("text/plain"), b"OK"),
                Not(NotJson),
            ),
            ("empty 200", answer(200, None, b""), Not(NotJson)),
            (
                "truncated envelope",
                answer(200, JSON, br#"{"responseCode":300,"succ"#),
                Api,
            ),
            ("JSON array", answer(200, JSON, b"[1,2]"), Not(NoEnvelope)),
            (
                "JSON without envelope",
                answer(200, JSON, br#"{"status":"ok"}"#),
                Not(NoEnvelope),
            ),
            (
                "502 HTML",
                answer(502, Some("text/html"), b"<html>Bad Gateway</html>"),
                Not(Html),
            ),
            (
                "503 JSON",
                answer(503, JSON, br#"{"error":"down"}"#),
                Undecided,
            ),
            ("500 empty", answer(500, None, b""), Undecided),
        ];
        for (name, exchange, expected) in cases {
            assert_eq!(first_answer(&exchange), expected, "{name}");
        }
        let mut none = answer(200, None, b"");
        none.response = Err(TransportError::Refused("x".into()));
        assert_eq!(first_answer(&none), Undecided);
    }

    #[test]
    fn the_excerpt_is_one_redacted_line_of_at_most_80_characters() {
        let credentials = Credentials::new("partner-key-123", "very-secret-value");
        let redactor = Redactor::new(Some(&credentials));
        // The secret straddles the 80th character: it is redacted before the cut.
        let body = format!(
            "<html>\n\t<title>Login</title>\u{1b}[31m{}very-secret-value{}",
            "x".repeat(38),
            "y".repeat(500)
        );
        let shown = excerpt(body.as_bytes(), &redactor);
        assert!(!shown.contains("very-"), "{shown}");
        assert!(
            !shown.contains('\n') && !shown.contains('\t') && !shown.contains('\u{1b}'),
            "{shown}"
        );
        assert!(
            shown.starts_with("<html> <title>Login</title> [31m"),
            "{shown}"
        );
        assert!(shown.ends_with('…'), "{shown}");
        assert_eq!(shown.chars().count(), EXCERPT_CHARS + 1, "{shown}");
        assert_eq!(excerpt(b"  short  ", &redactor), "short");
        assert_eq!(excerpt(b"\xff\xfe<", &redactor), "\u{fffd}\u{fffd}<");
    }

    #[test]
    fn the_line_names_the_url_status_type_body_and_what_to_check() {
        let redactor = Redactor::new(None);
        let exchange = answer(
            200,
            Some("text/html"),
            b"<!DOCTYPE html><title>Sign in</title>",
        );
        let found = NotTheApi::new(
            &exchange,
            NotApiReason::Html,
            "http://127.0.0.1:9",
            &redactor,
        )
        .unwrap();
        let line = found.to_string();
        let recording = NotTheApi::new(
            &exchange,
            NotApiReason::Html,
            "http://127.0.0.1:9 (recording)",
            &redactor,
        )
        .unwrap();
        assert_eq!(recording.to_string(), line);
        assert_eq!(
            line,
            "POST http://127.0.0.1:9/api/v2/bill/check answered HTTP 200 (text/html) with an HTML page: \
\"<!DOCTYPE html><title>Sign in</title>\": this is not the PPOB API; check the base URL (--target or \
PPOB_BASE_URL) and its path prefix, and whether a proxy or login page answers in its place"
        );
        let empty = answer(405, None, b"");
        let found = NotTheApi::new(
            &empty,
            NotApiReason::NoSuchEndpoint(405),
            "the in-process simulator",
            &redactor,
        )
        .unwrap();
        assert!(found.to_string().starts_with(
            "POST /api/v2/bill/check on the in-process simulator answered HTTP 405 (no content type) with \"method not allowed\" for a POST to the inquiry path: this is not"
        ), "{found}");
    }

    #[test]
    fn each_unreachable_kind_has_a_hint_naming_what_to_check() {
        for (error, needle) in [
            (TransportError::Refused("x".into()), "sandbox is up"),
            (TransportError::Connect("x".into()), "VPN"),
            (TransportError::Tls("x".into()), "certificate"),
            (
                TransportError::ConnectTimeout(Duration::from_secs(5)),
                "VPN",
            ),
        ] {
            let hint = unreachable_hint(&error);
            assert!(hint.contains(needle) && hint.contains("--target"), "{hint}");
            assert!(!hint.contains('\n'), "{hint}");
        }
    }

    #[test]
    fn a_contact_remembers_that_the_api_answered() {
        let contact = TargetContact::new();
        assert!(!contact.has_answered_api());
        contact.answered_api();
        assert!(contact.has_answered_api());
    }
}
