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

use std::cell::Cell;
use std::fmt;
use std::rc::Rc;

use base64::Engine as _;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
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
    let mut docs = Vec::new();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    read_entries(display, &mut de, None, &mut |doc| {
        docs.push(doc);
        true
    });
    docs
}

/// Reads a HAR file from `reader` one entry at a time, handing each
/// document to `found` as soon as its entry is read: memory is bounded by the
/// largest entry (at most `max_entry_bytes`), not by the file. `found`
/// returns `false` to stop reading. Problems (not JSON, not a HAR, an entry
/// too large) are handed over as documents with a problem, naming the line
/// and column where reading stopped.
pub fn stream_har_documents(
    display: &str,
    reader: impl std::io::Read,
    max_entry_bytes: u64,
    found: &mut dyn FnMut(HarDocument) -> bool,
) {
    let budget = Rc::new(EntryBudget {
        since_mark: Cell::new(0),
        limit: max_entry_bytes,
    });
    let reader = Metered {
        inner: std::io::BufReader::with_capacity(64 * 1024, reader),
        budget: Rc::clone(&budget),
    };
    let mut de = serde_json::Deserializer::from_reader(reader);
    read_entries(display, &mut de, Some(&budget), found);
}

/// Why reading stopped when `found` asked it to (never shown).
const STOPPED: &str = "stopped by the reader";

/// The bytes one entry may take, counted by [`Metered`] since the entry began.
struct EntryBudget {
    since_mark: Cell<u64>,
    limit: u64,
}

/// A reader that fails once the current entry has taken more than its budget.
struct Metered<R> {
    inner: R,
    budget: Rc<EntryBudget>,
}

impl<R: std::io::Read> std::io::Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let used = self.budget.since_mark.get();
        if used > self.budget.limit {
            let limit = self.budget.limit;
            let limit = if limit >= 1 << 20 && limit.is_multiple_of(1 << 20) {
                format!("{} MiB", limit >> 20)
            } else {
                format!("{limit} bytes")
            };
            return Err(std::io::Error::other(format!(
                "more than {limit} without the end of an entry (the most one entry may take)"
            )));
        }
        let read = self.inner.read(buf)?;
        self.budget.since_mark.set(used + read as u64);
        Ok(read)
    }
}

/// What reading the entries found so far.
struct Tally<'f> {
    display: &'f str,
    found: &'f mut dyn FnMut(HarDocument) -> bool,
    budget: Option<&'f EntryBudget>,
    entries_seen: bool,
    entries: usize,
    documents: usize,
    skipped: usize,
    stopped: bool,
}

impl Tally<'_> {
    fn hand(&mut self, doc: HarDocument) -> bool {
        self.documents += 1;
        if !(self.found)(doc) {
            self.stopped = true;
        }
        !self.stopped
    }
}

fn read_entries<'de, D>(
    display: &str,
    de: D,
    budget: Option<&EntryBudget>,
    found: &mut dyn FnMut(HarDocument) -> bool,
) where
    D: serde::Deserializer<'de>,
{
    let mut tally = Tally {
        display,
        found,
        budget,
        entries_seen: false,
        entries: 0,
        documents: 0,
        skipped: 0,
        stopped: false,
    };
    let result = de.deserialize_any(RootVisitor(&mut tally));
    if tally.stopped {
        return;
    }
    let problem_text = match result {
        Err(e) if !tally.entries_seen => Some(format!("not a HAR file: {e}")),
        Err(e) if tally.entries == 0 => Some(format!("its first entry cannot be read: {e}")),
        Err(e) => Some(format!(
            "it cannot be read past entry {}: {e}",
            tally.entries
        )),
        Ok(()) if !tally.entries_seen => {
            Some("not a HAR file: expected an object with log.entries (an array)".into())
        }
        Ok(()) => None,
    };
    if let Some(text) = problem_text {
        tally.hand(problem(display.to_owned(), text));
        return;
    }
    if tally.documents == 0 {
        let skipped = tally.skipped;
        tally.hand(problem(
            display.to_owned(),
            format!(
                "the HAR holds no entry calling {} ({skipped} other entr{} skipped)",
                operation_paths(),
                if skipped == 1 { "y" } else { "ies" }
            ),
        ));
    }
}

/// The file: an object whose `log` member is read, the rest skipped.
struct RootVisitor<'t, 'f>(&'t mut Tally<'f>);

impl<'de> Visitor<'de> for RootVisitor<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with log.entries (an array)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "log" {
                map.next_value_seed(LogSeed(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// `log`: an object whose `entries` member is read, the rest skipped.
struct LogSeed<'t, 'f>(&'t mut Tally<'f>);

impl<'de> DeserializeSeed<'de> for LogSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LogSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("log to be an object with entries (an array)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "entries" {
                map.next_value_seed(EntriesSeed(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// `log.entries`: each entry read alone, its documents handed on at once.
struct EntriesSeed<'t, 'f>(&'t mut Tally<'f>);

impl<'de> DeserializeSeed<'de> for EntriesSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for EntriesSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("log.entries to be an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let tally = self.0;
        tally.entries_seen = true;
        loop {
            if let Some(budget) = tally.budget {
                budget.since_mark.set(0);
            }
            let Some(entry) = seq.next_element::<Value>()? else {
                return Ok(());
            };
            tally.entries += 1;
            if !entry_documents(tally, &entry) {
                return Err(serde::de::Error::custom(STOPPED));
            }
        }
    }
}

/// Hands on the documents of the `tally.entries`-th entry; `false` when told to stop.
fn entry_documents(tally: &mut Tally<'_>, entry: &Value) -> bool {
    let number = tally.entries;
    let display = tally.display;
    let Some(url) = str_at(entry, "/request/url") else {
        return tally.hand(problem(
            format!("{display}#{number}"),
            "the entry has no request.url".into(),
        ));
    };
    let Ok(operation) = operation_of_url(url) else {
        tally.skipped += 1;
        return true;
    };
    for kind in [operation.request(), operation.response()] {
        let text = if kind.is_response() {
            response_text(entry)
        } else {
            request_text(entry)
        };
        let handed = tally.hand(HarDocument {
            source: format!("{display}#{number} {kind}"),
            kind: Some(kind),
            text,
        });
        if !handed {
            return false;
        }
    }
    true
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

    /// An endless HAR: the head, then the same entry again and again.
    struct EndlessHar {
        head: Vec<u8>,
        entry: Vec<u8>,
        at: usize,
        in_head: bool,
    }

    impl std::io::Read for EndlessHar {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let source = if self.in_head {
                &self.head
            } else {
                &self.entry
            };
            let n = buf.len().min(source.len() - self.at);
            buf[..n].copy_from_slice(&source[self.at..self.at + n]);
            self.at += n;
            if self.at == source.len() {
                self.at = 0;
                self.in_head = false;
            }
            Ok(n)
        }
    }

    #[test]
    fn a_har_is_read_entry_by_entry_and_stops_when_told() {
        let entry = json!({"request": {"url": "http://x/api/v2/bill/status",
            "comment": "{\"refNumber\":\"R\"}"},
            "response": {"status": 200, "content": {"text": "{\"a\":1}"}}});
        let endless = EndlessHar {
            head: br#"{"log":{"version":"1.2","entries":["#.to_vec(),
            entry: format!("{entry},").into_bytes(),
            at: 0,
            in_head: true,
        };
        let mut seen = Vec::new();
        stream_har_documents("e.har", endless, 1 << 20, &mut |doc| {
            seen.push(doc.source);
            seen.len() < 1000
        });
        assert_eq!(
            seen.len(),
            1000,
            "an endless HAR ends when the reader says so"
        );
        assert_eq!(seen[999], "e.har#500 status.response");
    }

    #[test]
    fn an_entry_past_the_cap_or_a_broken_har_names_where_reading_stopped() {
        let small = json!({"request": {"url": "http://x/api/v2/bill/check",
            "postData": {"text": "{\"a\":1}"}}, "response": {"status": 200,
            "content": {"text": "{\"b\":2}"}}});
        let big = json!({"request": {"url": "http://x/api/v2/bill/check",
            "postData": {"text": "x".repeat(4096)}}});
        let bytes = har(json!([small, big]));
        let mut docs = Vec::new();
        stream_har_documents("b.har", &bytes[..], 1024, &mut |doc| {
            docs.push(doc);
            true
        });
        assert_eq!(docs.len(), 3, "{docs:?}");
        let problem = docs[2].text.as_ref().unwrap_err();
        assert_eq!(docs[2].source, "b.har");
        assert!(
            problem.starts_with(
                "it cannot be read past entry 1: more than 1024 bytes without the end"
            ),
            "{problem}"
        );
        let mut broken = har(json!([small]));
        broken.truncate(broken.len() - 3);
        broken.extend_from_slice(b",{\"request\":}");
        let mut docs = Vec::new();
        stream_har_documents("t.har", &broken[..], 1 << 20, &mut |doc| {
            docs.push(doc);
            true
        });
        let problem = docs.last().unwrap().text.as_ref().unwrap_err();
        assert!(
            problem.starts_with("it cannot be read past entry 1: expected")
                && problem.contains(" at line 1 column "),
            "{problem}"
        );
    }
}
