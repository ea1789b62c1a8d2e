//! Cassettes: one case's conversation as a HAR 1.2 file (`har::v1_2`), in
//! the order it happened, so it can be replayed, validated, diffed and opened
//! in a browser's dev tools. `docs/cassettes.md` describes the format; in short:
//!
//! - `log.comment` holds the case as JSON:
//!   `{"ppobContract":{"case":"paid-single","expect":"success"}}` ([`CassetteMeta`]).
//! - Each entry's URL is [`PLACEHOLDER_BASE`] + the request path: the real
//!   host is never written (hosts are issued per partner and are not public).
//! - Request headers are redacted (`KEY` and `TOKEN` replaced whole), the
//!   body goes to `postData.text`, and the signed fields
//!   ([`WireRequest::payload`], which token-only mode sends only inside
//!   TOKEN) to `request.comment` as compact JSON. Both pass through
//!   [`Redactor::redact`].
//! - The response body is `content.text` as received, redacted as bytes
//!   (base64 with `encoding: "base64"` when it is not UTF-8: the key, the
//!   secret and JWTs are replaced before it is encoded). A transport error is status
//!   0 with `response.comment` = `transport error: <kind>: <message>`.
//! - `startedDateTime` is RFC 3339 UTC with milliseconds; `time` is the
//!   elapsed time in milliseconds (microsecond precision).

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use har::v1_2;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::auth::{BodyMode, Credentials, sign_request};
use super::redact::Redactor;
use super::{Exchange, TransportError, WireRequest, WireResponse};
use ppob_core::contract::Operation;
use ppob_validate::input::har::{
    BASE64_MARKER, META_KEY, TRANSPORT_ERROR_PREFIX, operation_of_url,
};

/// The origin written in every entry's URL in place of the real server.
pub const PLACEHOLDER_BASE: &str = "http://ppob.invalid";
/// `log.creator.name` of written cassettes.
pub const CREATOR: &str = "ppob-contract";
/// The seed cassette, relative to the repository root.
pub const SEED_CASSETTE: &str = "fixtures/mobile-postpaid/cassettes/seed/seed.har";

/// The last instant a HAR timestamp can hold (9999-12-31T23:59:59.999Z).
const LATEST_SECONDS: u64 = 253_402_300_799;

/// Which case a cassette belongs to, kept in `log.comment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CassetteMeta {
    /// The case name, e.g. `paid-single`.
    pub case: String,
    /// What the case expects, e.g. `success`, when it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<String>,
}

/// A cassette read back: its case (when `log.comment` names one) and its exchanges.
#[derive(Debug, Clone, PartialEq)]
pub struct Cassette {
    /// The case, from `log.comment`.
    pub meta: Option<CassetteMeta>,
    /// The exchanges, in recorded order.
    pub exchanges: Vec<Exchange>,
}

/// Why a cassette could not be written or read. Every message names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CassetteError {
    /// Reading or writing the file (or its directory) failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file as a whole is not a cassette (not JSON, not HAR 1.2, bad `log.comment`).
    #[error("{}: {message}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What was expected and found.
        message: String,
    },
    /// One entry of the file is not what a cassette holds.
    #[error("{}: entry {entry}: {message}", path.display())]
    Entry {
        /// The file.
        path: PathBuf,
        /// The entry, counted from 1.
        entry: usize,
        /// What was expected and found.
        message: String,
    },
    /// A directory holds no `*.har` file.
    #[error("{}: no cassette (*.har file) in this directory", dir.display())]
    NoCassettes {
        /// The directory.
        dir: PathBuf,
    },
}

/// `time` clamped into the range a HAR timestamp can hold.
fn clamp_time(time: SystemTime) -> SystemTime {
    let latest = UNIX_EPOCH + Duration::from_secs(LATEST_SECONDS);
    if time < UNIX_EPOCH {
        UNIX_EPOCH
    } else if time > latest {
        latest
    } else {
        time
    }
}

/// RFC 3339 UTC with milliseconds; times outside 1970–9999 are clamped.
fn format_time(time: SystemTime) -> String {
    humantime::format_rfc3339_millis(clamp_time(time)).to_string()
}

/// Parses an RFC 3339 timestamp: `Z`, or a `±HH:MM` offset as browsers write.
fn parse_time(text: &str) -> Result<SystemTime, String> {
    let bad = || {
        format!(
            "startedDateTime {text:?} is not an RFC 3339 date-time (e.g. 2022-09-07T10:47:00.000Z)"
        )
    };
    if !text.is_ascii() || text.len() < 20 {
        return Err(bad());
    }
    let bytes = text.as_bytes();
    let split = text.len() - 6;
    let (base, offset_seconds) = if matches!(bytes[split], b'+' | b'-') && bytes[split + 3] == b':'
    {
        let hours: i64 = text[split + 1..split + 3].parse().map_err(|_| bad())?;
        let minutes: i64 = text[split + 4..].parse().map_err(|_| bad())?;
        let sign = if bytes[split] == b'-' { -1 } else { 1 };
        (
            format!("{}Z", &text[..split]),
            sign * (hours * 3600 + minutes * 60),
        )
    } else {
        (text.to_owned(), 0)
    };
    let local = match humantime::parse_rfc3339_weak(&base) {
        Ok(time) => time,
        // A well-formed date-time before 1970 reads as the earliest time a
        // cassette holds, as writing clamps it.
        Err(humantime::TimestampError::OutOfRange) if is_before_1970(&base) => {
            return Ok(UNIX_EPOCH);
        }
        Err(_) => return Err(bad()),
    };
    // Local time minus its offset is UTC.
    let shift = Duration::from_secs(offset_seconds.unsigned_abs());
    let utc = if offset_seconds >= 0 {
        local.checked_sub(shift)
    } else {
        local.checked_add(shift)
    };
    utc.ok_or_else(bad)
}

/// Whether `text` (RFC 3339, `Z`) is a valid date-time whose year is before 1970.
fn is_before_1970(text: &str) -> bool {
    let Some(year) = text.get(..4).and_then(|y| y.parse::<u16>().ok()) else {
        return false;
    };
    year < 1970 && humantime::parse_rfc3339_weak(&format!("1970{}", &text[4..])).is_ok()
}

fn har_headers(headers: &[(String, String)], redactor: &Redactor) -> Vec<v1_2::Headers> {
    headers
        .iter()
        .map(|(name, value)| v1_2::Headers {
            name: name.clone(),
            value: redactor.header_value(name, value).into_owned(),
            comment: None,
        })
        .collect()
}

fn header_of<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn size_of(bytes: &[u8]) -> i64 {
    i64::try_from(bytes.len()).unwrap_or(i64::MAX)
}

fn millis(duration: Duration) -> f64 {
    // Microsecond precision: a u64 of microseconds is exact in an f64 up to 285 years.
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX) as f64 / 1000.0
}

/// A body as a cassette stores it, redacted as bytes first: its text when
/// that is UTF-8, else its base64 (then `true`).
fn body_text(body: &[u8], redactor: &Redactor) -> (String, bool) {
    let clean = redactor.redact_bytes(body);
    match std::str::from_utf8(&clean) {
        Ok(text) => (text.to_owned(), false),
        Err(_) => (
            base64::engine::general_purpose::STANDARD.encode(&clean),
            true,
        ),
    }
}

fn har_request(request: &WireRequest, redactor: &Redactor) -> v1_2::Request {
    let post_data = (!request.body.is_empty()).then(|| {
        let (text, base64) = body_text(&request.body, redactor);
        let comment = base64.then(|| BASE64_MARKER.to_owned());
        v1_2::PostData {
            mime_type: header_of(&request.headers, "content-type")
                .unwrap_or("application/json")
                .to_owned(),
            text: Some(text),
            params: None,
            comment,
        }
    });
    let comment = (!request.payload.is_null())
        .then(|| redactor.redact(&request.payload.to_string()).into_owned());
    v1_2::Request {
        method: request.method.clone(),
        url: format!("{PLACEHOLDER_BASE}{}", request.path),
        http_version: "HTTP/1.1".into(),
        cookies: Vec::new(),
        headers: har_headers(&request.headers, redactor),
        query_string: Vec::new(),
        post_data,
        headers_size: -1,
        body_size: size_of(&request.body),
        comment,
    }
}

fn har_response(
    response: &Result<WireResponse, TransportError>,
    redactor: &Redactor,
) -> v1_2::Response {
    match response {
        Ok(answer) => {
            let (text, base64) = body_text(&answer.body, redactor);
            let encoding = base64.then(|| "base64".to_owned());
            let status_text = reqwest::StatusCode::from_u16(answer.status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("");
            v1_2::Response {
                status: i64::from(answer.status),
                status_text: status_text.into(),
                http_version: "HTTP/1.1".into(),
                cookies: Vec::new(),
                headers: har_headers(&answer.headers, redactor),
                content: v1_2::Content {
                    size: size_of(&answer.body),
                    compression: None,
                    mime_type: Some(
                        header_of(&answer.headers, "content-type")
                            .unwrap_or("application/octet-stream")
                            .to_owned(),
                    ),
                    text: Some(text),
                    encoding,
                    comment: None,
                },
                redirect_url: Some(String::new()),
                headers_size: -1,
                body_size: size_of(&answer.body),
                comment: None,
            }
        }
        Err(error) => v1_2::Response {
            status: 0,
            status_text: String::new(),
            http_version: String::new(),
            cookies: Vec::new(),
            headers: Vec::new(),
            content: v1_2::Content {
                size: 0,
                compression: None,
                mime_type: Some("x-unknown".into()),
                text: None,
                encoding: None,
                comment: None,
            },
            redirect_url: Some(String::new()),
            headers_size: -1,
            body_size: -1,
            comment: Some(redactor.redact(&error_comment(error)).into_owned()),
        },
    }
}

/// `transport error: <kind>: <message>`; the message is the variant's own
/// text (a timeout's duration in humantime form), so that it parses back.
fn error_comment(error: &TransportError) -> String {
    let message = match error {
        TransportError::Timeout(d) | TransportError::ConnectTimeout(d) => {
            humantime::format_duration(*d).to_string()
        }
        TransportError::BodyTooLarge { limit } => limit.to_string(),
        TransportError::Interrupted => String::new(),
        TransportError::Refused(m)
        | TransportError::Connect(m)
        | TransportError::Tls(m)
        | TransportError::Closed(m)
        | TransportError::Redirect(m)
        | TransportError::Replay(m)
        | TransportError::Other(m) => m.clone(),
    };
    format!("{TRANSPORT_ERROR_PREFIX}{}: {message}", error.kind_name())
}

/// The transport error a `response.comment` describes.
fn parse_error_comment(comment: &str) -> Result<TransportError, String> {
    let rest = comment.strip_prefix(TRANSPORT_ERROR_PREFIX).ok_or_else(|| {
        format!("status 0 (no answer) needs response.comment \"{TRANSPORT_ERROR_PREFIX}<kind>: <message>\", found {comment:?}")
    })?;
    let (kind, message) = rest.split_once(": ").unwrap_or((rest, ""));
    let message = message.to_owned();
    Ok(match kind {
        "timeout" | "connect-timeout" => {
            let limit = humantime::parse_duration(&message).map_err(|e| {
                format!("response.comment: the timeout {message:?} is not a duration: {e}")
            })?;
            if kind == "timeout" {
                TransportError::Timeout(limit)
            } else {
                TransportError::ConnectTimeout(limit)
            }
        }
        "body-too-large" => TransportError::BodyTooLarge {
            limit: message.parse().map_err(|_| {
                format!("response.comment: the body cap {message:?} is not a number of bytes")
            })?,
        },
        "refused" => TransportError::Refused(message),
        "interrupted" => TransportError::Interrupted,
        "connect" => TransportError::Connect(message),
        "tls" => TransportError::Tls(message),
        "closed" => TransportError::Closed(message),
        "redirect" => TransportError::Redirect(message),
        "replay" => TransportError::Replay(message),
        "other" => TransportError::Other(message),
        other => {
            return Err(format!(
                "response.comment: unknown transport error kind {other:?} (expected timeout, body-too-large, refused, connect, tls, closed, redirect, replay or other)"
            ));
        }
    })
}

fn har_entry(exchange: &Exchange, redactor: &Redactor) -> v1_2::Entries {
    let time = millis(exchange.elapsed);
    v1_2::Entries {
        pageref: None,
        started_date_time: format_time(exchange.started),
        time,
        request: har_request(&exchange.request, redactor),
        response: har_response(&exchange.response, redactor),
        cache: v1_2::Cache::default(),
        timings: v1_2::Timings {
            blocked: Some(-1.0),
            dns: Some(-1.0),
            connect: Some(-1.0),
            send: 0.0,
            wait: time,
            receive: 0.0,
            ssl: Some(-1.0),
            comment: None,
        },
        server_ip_address: None,
        connection: None,
        comment: None,
    }
}

/// The HAR document of a cassette.
pub fn to_har(meta: &CassetteMeta, exchanges: &[Exchange], redactor: &Redactor) -> har::Har {
    let comment = serde_json::json!({ META_KEY: meta }).to_string();
    har::Har {
        log: har::Spec::V1_2(v1_2::Log {
            creator: v1_2::Creator {
                name: CREATOR.into(),
                version: env!("CARGO_PKG_VERSION").into(),
                comment: None,
            },
            browser: None,
            pages: None,
            entries: exchanges.iter().map(|e| har_entry(e, redactor)).collect(),
            comment: Some(redactor.redact(&comment).into_owned()),
        }),
    }
}

/// The text of a cassette file: pretty JSON with a trailing newline.
/// Deterministic: the same exchanges always give the same text.
pub fn render(
    meta: &CassetteMeta,
    exchanges: &[Exchange],
    redactor: &Redactor,
) -> Result<String, CassetteError> {
    let mut text =
        har::to_json(&to_har(meta, exchanges, redactor)).map_err(|e| CassetteError::Format {
            path: PathBuf::from("(cassette)"),
            message: format!("cannot encode the HAR: {e}"),
        })?;
    text.push('\n');
    Ok(text)
}

/// Writes one case's exchanges to `path` (replacing it), redacted. The file
/// is written beside `path` first and renamed, so a reader never sees half of it.
pub fn write(
    path: &Path,
    meta: &CassetteMeta,
    exchanges: &[Exchange],
    redactor: &Redactor,
) -> Result<(), CassetteError> {
    let text = render(meta, exchanges, redactor).map_err(|e| match e {
        CassetteError::Format { message, .. } => CassetteError::Format {
            path: path.to_path_buf(),
            message,
        },
        other => other,
    })?;
    let io = |source| CassetteError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    std::fs::write(&partial, text).map_err(io)?;
    std::fs::rename(&partial, path).map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        io(e)
    })
}

/// Reads a cassette file.
pub fn read(path: &Path) -> Result<Cassette, CassetteError> {
    let bytes = std::fs::read(path).map_err(|source| CassetteError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&bytes, path)
}

fn meta_of(comment: Option<&str>) -> Result<Option<CassetteMeta>, String> {
    let Some(comment) = comment else {
        return Ok(None);
    };
    // A foreign comment (a browser export's) is not ours: no meta.
    let Ok(Value::Object(mut object)) = serde_json::from_str::<Value>(comment) else {
        return Ok(None);
    };
    let Some(meta) = object.remove(META_KEY) else {
        return Ok(None);
    };
    serde_json::from_value(meta).map(Some).map_err(|e| {
        format!("log.comment: {META_KEY} must be {{\"case\": string, \"expect\"?: string}}: {e}")
    })
}

/// Parses a cassette's bytes; `path` names it in errors.
pub fn parse(bytes: &[u8], path: &Path) -> Result<Cassette, CassetteError> {
    let format = |message: String| CassetteError::Format {
        path: path.to_path_buf(),
        message,
    };
    let root: Value = serde_json::from_slice(bytes)
        .map_err(|e| format(format!("not a HAR file: the JSON does not parse: {e}")))?;
    let Some(Value::Object(mut log)) = root.get("log").cloned() else {
        return Err(format(
            "not a HAR file: expected an object with a `log` object".into(),
        ));
    };
    match log.remove("version") {
        Some(Value::String(v)) if v == "1.2" => {}
        Some(other) => {
            return Err(format(format!(
                "log.version must be \"1.2\" (HAR 1.2), found {other}"
            )));
        }
        None => return Err(format("log.version is missing (expected \"1.2\")".into())),
    }
    let entries = match log.remove("entries") {
        Some(Value::Array(entries)) => entries,
        _ => return Err(format("log.entries must be an array".into())),
    };
    let meta = meta_of(log.get("comment").and_then(Value::as_str)).map_err(format)?;
    let exchanges = entries
        .into_iter()
        .enumerate()
        .map(|(index, entry)| {
            exchange_of(entry).map_err(|message| CassetteError::Entry {
                path: path.to_path_buf(),
                entry: index + 1,
                message,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Cassette { meta, exchanges })
}

fn pairs(headers: Vec<v1_2::Headers>) -> Vec<(String, String)> {
    headers.into_iter().map(|h| (h.name, h.value)).collect()
}

fn exchange_of(entry: Value) -> Result<Exchange, String> {
    let entry: v1_2::Entries =
        serde_json::from_value(entry).map_err(|e| format!("not a HAR 1.2 entry: {e}"))?;
    let operation: Operation = operation_of_url(&entry.request.url)?;
    let request = entry.request;
    let body = match &request.post_data {
        None => Vec::new(),
        Some(post) => {
            let text = post.text.as_deref().unwrap_or("");
            if post.comment.as_deref() == Some(BASE64_MARKER) {
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|e| format!("request.postData.text is not valid base64: {e}"))?
            } else {
                text.as_bytes().to_vec()
            }
        }
    };
    let payload = request
        .comment
        .as_deref()
        .and_then(|c| serde_json::from_str::<Value>(c).ok())
        .or_else(|| serde_json::from_slice::<Value>(&body).ok())
        .unwrap_or(Value::Null);
    let response = entry.response;
    let answer = if response.status == 0 {
        Err(parse_error_comment(
            response.comment.as_deref().unwrap_or(""),
        )?)
    } else {
        let status = u16::try_from(response.status)
            .ok()
            .filter(|s| (100..=999).contains(s))
            .ok_or_else(|| {
                format!(
                    "response.status {} is not an HTTP status (100–999, or 0 for no answer)",
                    response.status
                )
            })?;
        let text = response.content.text.unwrap_or_default();
        let body = match response.content.encoding.as_deref() {
            Some("base64") => base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|e| format!("response.content.text is not valid base64: {e}"))?,
            None | Some("") => text.into_bytes(),
            Some(other) => {
                return Err(format!(
                    "response.content.encoding {other:?} is not supported (expected \"base64\" or none)"
                ));
            }
        };
        Ok(WireResponse {
            status,
            headers: pairs(response.headers),
            body,
        })
    };
    let started = parse_time(&entry.started_date_time)?;
    let elapsed = Duration::try_from_secs_f64(entry.time / 1000.0)
        .map_err(|_| format!("time {} is not a duration in milliseconds", entry.time))?;
    // Back to whole microseconds, the precision `time` is written with.
    let elapsed = round_to_micros(elapsed);
    Ok(Exchange {
        request: WireRequest {
            operation,
            method: request.method,
            path: ppob_validate::input::har::url_path(&request.url).to_owned(),
            headers: pairs(request.headers),
            body,
            payload,
        },
        response: answer,
        started,
        elapsed,
    })
}

fn round_to_micros(d: Duration) -> Duration {
    let nanos = d.as_nanos();
    let micros = (nanos + 500) / 1000;
    Duration::from_micros(u64::try_from(micros).unwrap_or(u64::MAX))
}

/// The safe file name of a case's cassette: `<case>.har`, where characters
/// other than ASCII letters, digits, `.`, `_` and `-` become `-`.
pub fn file_name(case: &str) -> String {
    let mut name: String = case
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .take(120)
        .collect();
    name = name.trim_start_matches(['.', '-']).to_owned();
    if name.is_empty() {
        name = "case".into();
    }
    name.push_str(".har");
    name
}

/// The seed's documents, each as the fixture file's exact text.
struct SeedFile {
    operation: Operation,
    request: String,
    response: String,
}

fn seed_files(fixtures: &Path) -> Result<Vec<SeedFile>, CassetteError> {
    let read = |name: String| {
        let path = fixtures.join(name);
        std::fs::read_to_string(&path).map_err(|source| CassetteError::Io { path, source })
    };
    Operation::ALL
        .into_iter()
        .map(|operation| {
            Ok(SeedFile {
                operation,
                request: read(format!("{}.json", operation.request()))?,
                response: read(format!("{}.json", operation.response()))?,
            })
        })
        .collect()
}

/// The seed cassette's exchanges, derived from the seed fixture files in
/// `fixtures` (`{inquiry,payment,status}.{request,response}.json`): inquiry
/// → payment (299) → status (0), token-only, request fields and response
/// bodies verbatim (their drift included), at fixed times 2022-09-07
/// 10:47:00Z, +1 s and +151 s (the documented 150 s wait after the payment
/// before the first status call), elapsed 0.
pub fn seed_exchanges(fixtures: &Path) -> Result<Vec<Exchange>, CassetteError> {
    // The TOKEN is replaced whole when written: no real secret is involved.
    let credentials = Credentials::new("partner-id", "seed-cassette-not-a-secret");
    let start = UNIX_EPOCH + Duration::from_secs(1_662_547_620); // 2022-09-07T10:47:00Z
    let offsets = [0, 1, 151];
    seed_files(fixtures)?
        .into_iter()
        .zip(offsets)
        .map(|(file, offset)| {
            let name = format!("{}.json", file.operation.request());
            let payload: Value =
                serde_json::from_str(&file.request).map_err(|e| CassetteError::Format {
                    path: fixtures.join(&name),
                    message: format!("the seed request is not JSON: {e}"),
                })?;
            let request = sign_request(file.operation, payload, &credentials, BodyMode::TokenOnly)
                .map_err(|e| CassetteError::Format {
                    path: fixtures.join(&name),
                    message: e.to_string(),
                })?;
            Ok(Exchange {
                request,
                response: Ok(WireResponse::json(200, file.response.into_bytes())),
                started: start + Duration::from_secs(offset),
                elapsed: Duration::ZERO,
            })
        })
        .collect()
}

/// The case of the seed cassette.
pub fn seed_meta() -> CassetteMeta {
    CassetteMeta {
        case: "seed".into(),
        expect: Some("success".into()),
    }
}

/// The exact text of the seed cassette (see [`seed_exchanges`]), what
/// `cargo xtask seed-cassette` writes to [`SEED_CASSETTE`].
pub fn seed_cassette(fixtures: &Path) -> Result<String, CassetteError> {
    render(
        &seed_meta(),
        &seed_exchanges(fixtures)?,
        &Redactor::new(None),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn exchange(operation: Operation, response: Result<WireResponse, TransportError>) -> Exchange {
        Exchange {
            request: WireRequest {
                operation,
                method: "POST".into(),
                path: operation.path().into(),
                headers: vec![("VERSION".into(), "2.0".into())],
                body: b"{\"a\":1}".to_vec(),
                payload: json!({"a": 1}),
            },
            response,
            started: UNIX_EPOCH + Duration::from_millis(1_662_547_620_123),
            elapsed: Duration::from_micros(12_345),
        }
    }

    fn meta() -> CassetteMeta {
        CassetteMeta {
            case: "c".into(),
            expect: None,
        }
    }

    fn round_trip(exchanges: &[Exchange]) -> Cassette {
        let text = render(&meta(), exchanges, &Redactor::new(None)).unwrap();
        parse(text.as_bytes(), Path::new("t.har")).unwrap()
    }

    #[test]
    fn every_transport_error_kind_round_trips() {
        let errors = [
            TransportError::Timeout(Duration::from_millis(300)),
            TransportError::ConnectTimeout(Duration::from_secs(5)),
            TransportError::Refused("r".into()),
            TransportError::Connect("c: d".into()),
            TransportError::Tls("t".into()),
            TransportError::Closed("".into()),
            TransportError::Redirect("http://x/".into()),
            TransportError::BodyTooLarge { limit: 8_388_608 },
            TransportError::Replay("none".into()),
            TransportError::Other("o".into()),
        ];
        let exchanges: Vec<_> = errors
            .into_iter()
            .map(|e| exchange(Operation::Status, Err(e)))
            .collect();
        let back = round_trip(&exchanges);
        assert_eq!(back.exchanges, exchanges);
        assert_eq!(back.meta, Some(meta()));
    }

    #[test]
    fn timestamps_parse_with_offsets_and_clamp_when_written() {
        let utc = parse_time("2022-09-07T10:47:00.000Z").unwrap();
        assert_eq!(parse_time("2022-09-07T17:47:00.000+07:00"), Ok(utc));
        assert_eq!(parse_time("2022-09-07T03:47:00-07:00"), Ok(utc));
        for bad in [
            "",
            "yesterday",
            "2022-09-07T10:47:00.000Zé",
            "2022-13-07T10:47:00Z",
            "1969-13-07T10:47:00Z",
        ] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
        // Before 1970: read as the epoch (writing clamps the same way), not "not RFC 3339".
        assert_eq!(parse_time("1969-07-20T20:17:40.000Z"), Ok(UNIX_EPOCH));
        assert_eq!(parse_time("1900-01-01T00:00:00+07:00"), Ok(UNIX_EPOCH));
        assert_eq!(
            format_time(UNIX_EPOCH - Duration::from_secs(5)),
            "1970-01-01T00:00:00.000Z"
        );
        let far = UNIX_EPOCH + Duration::from_secs(LATEST_SECONDS * 2);
        assert_eq!(format_time(far), "9999-12-31T23:59:59.000Z");
    }

    #[test]
    fn case_names_become_safe_file_names() {
        assert_eq!(file_name("paid-single"), "paid-single.har");
        assert_eq!(file_name("../../etc/passwd"), "etc-passwd.har");
        assert_eq!(file_name("a b/c"), "a-b-c.har");
        assert_eq!(file_name(""), "case.har");
        assert_eq!(file_name("..."), "case.har");
    }
}
