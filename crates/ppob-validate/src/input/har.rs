//! HAR files (HTTP archives, e.g. cassettes written by `check --record` or
//! exports from a browser's dev tools) as inputs of `validate`.
//!
//! A HAR expands into one document per request and per response of every
//! entry that calls a PPOB operation, named `PATH#N KIND` (`N` counts entries
//! from 1, as dev tools list them; e.g. `seed.har#2 payment.response`). The
//! kind comes from the entry's URL path, never from `--kind`. Findings'
//! line:column are relative to the embedded text (the body, or the signed
//! fields in `request.comment`), not to the HAR file.
//!
//! This module also holds the conventions the cassette writer and reader
//! (`ppob_transport::cassette`) share with it, so that both read a
//! cassette the same way: [`operation_of_url`], [`TRANSPORT_ERROR_PREFIX`],
//! [`BASE64_MARKER`] and [`META_KEY`].

use base64::Engine as _;
use serde_json::Value;

use ppob_core::contract::{DocKind, Operation};

/// The key of ppob-contract's object inside `log.comment`
/// (`{"ppobContract":{"case":"…","expect":"…"}}`).
pub const META_KEY: &str = "ppobContract";
/// How `response.comment` starts when an entry recorded no answer (status 0):
/// `transport error: <kind>: <message>`.
pub const TRANSPORT_ERROR_PREFIX: &str = "transport error: ";
/// `postData.comment` of a request body that is not UTF-8: its `text` is base64.
pub const BASE64_MARKER: &str = "base64";

/// The path part of a URL (`https://h/p?q` → `/p`); a bare path is returned as is.
pub fn url_path(url: &str) -> &str {
    let after_scheme = match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            match rest.find(['/', '?', '#']) {
                Some(j) => &rest[j..],
                None => "",
            }
        }
        None => url,
    };
    let end = after_scheme.find(['?', '#']).unwrap_or(after_scheme.len());
    &after_scheme[..end]
}

/// The documented paths, comma-separated, for messages.
pub fn operation_paths() -> String {
    Operation::ALL.map(Operation::path).join(", ")
}

/// The operation a URL calls: its path is, or ends with, a documented path
/// (a base URL may carry a prefix such as `/sandbox`).
pub fn operation_of_url(url: &str) -> Result<Operation, String> {
    let path = url_path(url);
    Operation::ALL
        .into_iter()
        .find(|op| path.ends_with(op.path()))
        .ok_or_else(|| {
            format!(
                "URL path {} is not one of {}",
                if path.is_empty() { "(empty)" } else { path },
                operation_paths()
            )
        })
}

/// One document found in a HAR file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HarDocument {
    /// How findings name it: `PATH#N KIND`, or `PATH#N` / `PATH` for a problem.
    pub source: String,
    /// Its kind, from the entry's URL path.
    pub kind: Option<DocKind>,
    /// The embedded text to check, or why there is none.
    pub text: Result<Vec<u8>, String>,
}

fn problem(source: String, message: String) -> HarDocument {
    HarDocument {
        source,
        kind: None,
        text: Err(message),
    }
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

/// The request document of an entry: its body, unless that is empty or
/// `{}` (token-only mode), then the signed fields in `request.comment`.
fn request_text(entry: &Value) -> Result<Vec<u8>, String> {
    let body = str_at(entry, "/request/postData/text").unwrap_or("");
    let base64_body = str_at(entry, "/request/postData/comment") == Some(BASE64_MARKER);
    let trimmed = body.trim();
    if !trimmed.is_empty() && trimmed != "{}" {
        if base64_body {
            return Err(
                "the request body is binary (base64 in the HAR), not JSON: nothing to check".into(),
            );
        }
        return Ok(body.as_bytes().to_vec());
    }
    match str_at(entry, "/request/comment") {
        Some(comment) if serde_json::from_str::<Value>(comment).is_ok_and(|v| v.is_object()) => {
            Ok(comment.as_bytes().to_vec())
        }
        _ => Err(
            "the request sends its fields only inside TOKEN (empty body) and the HAR holds \
                  no signed fields in request.comment: nothing to check"
                .into(),
        ),
    }
}

/// The response document of an entry: its content text (base64 decoded when
/// it decodes to UTF-8), or why there is none.
fn response_text(entry: &Value) -> Result<Vec<u8>, String> {
    let status = entry.pointer("/response/status").and_then(Value::as_i64);
    let comment = str_at(entry, "/response/comment").unwrap_or("");
    if status == Some(0) || status.is_none() {
        if let Some(error) = comment.strip_prefix(TRANSPORT_ERROR_PREFIX) {
            return Err(format!("no answer was recorded: {error}"));
        }
        if status.is_none() {
            return Err("the entry has no response.status".into());
        }
        return Err("no answer was recorded (status 0)".into());
    }
    let status = status.unwrap_or_default();
    let text = str_at(entry, "/response/content/text").unwrap_or("");
    let bytes = if str_at(entry, "/response/content/encoding") == Some("base64") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| format!("the response body is not valid base64: {e}"))?;
        if std::str::from_utf8(&decoded).is_err() {
            return Err(format!(
                "the response body (HTTP {status}) is binary ({} bytes, not UTF-8), not JSON",
                decoded.len()
            ));
        }
        decoded
    } else {
        text.as_bytes().to_vec()
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(format!(
            "the response body (HTTP {status}) is empty: nothing to check"
        ));
    }
    Ok(bytes)
}

/// Expands a HAR file's bytes into documents. `display` names the file.
/// Entries that call no PPOB operation (other traffic in a browser export)
/// are skipped; a HAR with none at all is one problem.
pub fn har_documents(display: &str, bytes: &[u8]) -> Vec<HarDocument> {
    let root: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            return vec![problem(
                display.to_owned(),
                format!("not a HAR file: the JSON does not parse: {e}"),
            )];
        }
    };
    let Some(entries) = root.pointer("/log/entries").and_then(Value::as_array) else {
        return vec![problem(
            display.to_owned(),
            "not a HAR file: expected an object with log.entries (an array)".into(),
        )];
    };
    let mut docs = Vec::new();
    let mut skipped = 0usize;
    for (index, entry) in entries.iter().enumerate() {
        let number = index + 1;
        let Some(url) = str_at(entry, "/request/url") else {
            docs.push(problem(
                format!("{display}#{number}"),
                "the entry has no request.url".into(),
            ));
            continue;
        };
        let Ok(operation) = operation_of_url(url) else {
            skipped += 1;
            continue;
        };
        for kind in [operation.request(), operation.response()] {
            let text = if kind.is_response() {
                response_text(entry)
            } else {
                request_text(entry)
            };
            docs.push(HarDocument {
                source: format!("{display}#{number} {kind}"),
                kind: Some(kind),
                text,
            });
        }
    }
    if docs.is_empty() {
        docs.push(problem(
            display.to_owned(),
            format!(
                "the HAR holds no entry calling {} ({skipped} other entr{} skipped)",
                operation_paths(),
                if skipped == 1 { "y" } else { "ies" }
            ),
        ));
    }
    docs
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn url_paths_ignore_host_query_and_fragment() {
        assert_eq!(
            url_path("http://h:1/api/v2/bill/check?x=1#f"),
            "/api/v2/bill/check"
        );
        assert_eq!(url_path("https://h"), "");
        assert_eq!(url_path("/a/b"), "/a/b");
        assert_eq!(
            operation_of_url("https://h/sandbox/api/v2/bill/payment"),
            Ok(Operation::Payment)
        );
        let err = operation_of_url("http://h/foo").unwrap_err();
        assert!(
            err.contains("/foo is not one of /api/v2/bill/check"),
            "{err}"
        );
    }

    fn har(entries: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({"log": {"version": "1.2", "entries": entries}})).unwrap()
    }

    #[test]
    fn entries_become_request_and_response_documents() {
        let bytes = har(json!([
            {"request": {"url": "http://x/favicon.ico"}, "response": {"status": 200}},
            {"request": {"url": "http://x/api/v2/bill/status", "comment": "{\"refNumber\":\"R\"}"},
             "response": {"status": 200, "content": {"text": "{\"a\":1}"}}},
        ]));
        let docs = har_documents("c.har", &bytes);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].source, "c.har#2 status.request");
        assert_eq!(docs[0].text, Ok(b"{\"refNumber\":\"R\"}".to_vec()));
        assert_eq!(docs[1].kind, Some(DocKind::StatusResponse));
        assert_eq!(docs[1].text, Ok(b"{\"a\":1}".to_vec()));
    }

    #[test]
    fn bad_entries_are_problems_not_panics() {
        let bytes = har(json!([
            {"request": {"url": "http://x/api/v2/bill/check", "postData": {"text": "{}"}},
             "response": {"status": 0, "comment": "transport error: timeout: 300ms"}},
            {"request": {"url": "http://x/api/v2/bill/check", "postData": {"text": "{\"a\":1}"}},
             "response": {"status": 200, "content": {"text": "//8=", "encoding": "base64"}}},
            {"request": {"url": 7}},
            {"request": {"url": "http://x/api/v2/bill/check"}, "response": {"status": "x"}},
            {"request": {"url": "http://x/api/v2/bill/check"},
             "response": {"status": 200, "content": {"text": "", "encoding": "base64"}}},
        ]));
        let docs = har_documents("c.har", &bytes);
        let texts: Vec<_> = docs.iter().map(|d| d.text.clone()).collect();
        assert!(texts[0].as_ref().unwrap_err().contains("only inside TOKEN"));
        assert!(texts[1].as_ref().unwrap_err().contains("timeout: 300ms"));
        assert_eq!(texts[2], Ok(b"{\"a\":1}".to_vec()));
        assert!(texts[3].as_ref().unwrap_err().contains("binary"));
        assert_eq!(docs[4].source, "c.har#3");
        assert!(
            texts[6]
                .as_ref()
                .unwrap_err()
                .contains("no response.status")
        );
        assert!(texts[8].as_ref().unwrap_err().contains("empty"));
    }

    #[test]
    fn files_that_are_not_hars_are_one_problem() {
        for bytes in [&b"{\"log\":"[..], b"[]", b"{\"log\":{\"entries\":{}}}"] {
            let docs = har_documents("x.har", bytes);
            assert_eq!(docs.len(), 1);
            assert!(docs[0].text.as_ref().unwrap_err().contains("not a HAR"));
        }
        let docs = har_documents("x.har", &har(json!([{"request": {"url": "http://a/b"}}])));
        assert!(
            docs[0]
                .text
                .as_ref()
                .unwrap_err()
                .contains("1 other entry skipped")
        );
    }
}
