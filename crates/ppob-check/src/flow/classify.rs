//! What an answer means for the conversation, including the money rule.
//!
//! api-facts: on a payment, a timeout, a connection error, a 5xx, an
//! unparseable body or a code outside 0–399 mean *processing*, never failed.
//! This module goes further: only a **clean** answer is final. A payment or
//! status answer decides the money only when it came with HTTP 200, names
//! each envelope key once and carries the `success` flag its code's class
//! documents; any [`Doubt`] turns a final code into processing, resolved by
//! status (the README's money-rule table lists every class of answer).

use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

use ppob_core::contract::cost::{EXPLAIN_BUDGET, within_explain_budget};
use ppob_core::contract::numbers::vanishing_numbers;
use ppob_core::model::CodeClass;
use ppob_transport::{Exchange, TransportError};

/// The parts of an answer the conversation needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    /// A JSON envelope with an integer `responseCode`.
    Envelope {
        /// The HTTP status.
        http_status: u16,
        /// `responseCode` (the last one, when the body names it twice).
        code: i64,
        /// The whole body, parsed (a key named twice keeps its last value).
        json: Value,
        /// Envelope keys the body names more than once.
        duplicates: Vec<DuplicateKey>,
    },
    /// HTTP 401 or 403: the credentials were refused.
    AuthRefused {
        /// The HTTP status.
        http_status: u16,
        /// The server's message, if its body carried one.
        message: Option<String>,
    },
    /// No usable answer (the money rule applies on a payment).
    Unusable(Unusable),
}

/// The keys of the response envelope.
pub const ENVELOPE_KEYS: [&str; 4] = ["responseCode", "success", "message", "data"];

/// An envelope key a body names more than once, and what each occurrence held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    /// The key, e.g. `responseCode`.
    pub key: String,
    /// Each occurrence's value in order, in short (objects and arrays abbreviated).
    pub values: Vec<String>,
}

impl fmt::Display for DuplicateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} appears {} times ({})",
            self.key,
            self.values.len(),
            self.values.join(", then ")
        )
    }
}

/// Why an envelope with a final code is not a clean final answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Doubt {
    /// An envelope key appears more than once: which one the server meant is unknown.
    DuplicateKeys(Vec<DuplicateKey>),
    /// An HTTP status other than 200 (e.g. 404, 408, 429) around the envelope.
    HttpStatus(u16),
    /// The `success` flag is missing or contradicts the class of the code.
    SuccessFlag {
        /// The code.
        code: i64,
        /// The flag as sent, as JSON text (`missing` when absent).
        found: String,
        /// The flag the code's class documents.
        expected: bool,
    },
}

impl Doubt {
    /// The sentence for findings and verdicts.
    pub fn explain(&self) -> String {
        match self {
            Self::DuplicateKeys(keys) => {
                let each: Vec<String> = keys.iter().map(ToString::to_string).collect();
                format!(
                    "the envelope names a key more than once: {}",
                    each.join("; ")
                )
            }
            Self::HttpStatus(status) => {
                format!("the answer came with HTTP {status}: only an HTTP 200 answer is final")
            }
            Self::SuccessFlag {
                code,
                found,
                expected,
            } => format!(
                "success is {found} but responseCode {code} is in class {}, which means success: {expected}",
                CodeClass::of(*code).describe()
            ),
        }
    }

    /// A few words for verdict labels.
    pub fn describe(&self) -> String {
        match self {
            Self::DuplicateKeys(keys) => {
                let names: Vec<&str> = keys.iter().map(|k| k.key.as_str()).collect();
                format!("duplicate {}", names.join(", "))
            }
            Self::HttpStatus(status) => format!("HTTP {status}"),
            Self::SuccessFlag { found, .. } => format!("success {found} contradicts the code"),
        }
    }
}

/// Why an answer cannot be read as an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    /// No HTTP answer at all.
    Transport(TransportError),
    /// HTTP 5xx.
    ServerError(u16),
    /// The body is not JSON (or not UTF-8).
    Unparseable {
        /// The HTTP status.
        http_status: u16,
        /// The parser's complaint.
        error: String,
    },
    /// JSON, but without an integer `responseCode`.
    NoCode {
        /// The HTTP status.
        http_status: u16,
    },
    /// A body too costly to read (its DOM would pass
    /// `ppob_core::contract::cost::EXPLAIN_BUDGET`): not read as an answer,
    /// so on a payment it is processing, resolved by status.
    TooCostly {
        /// The HTTP status.
        http_status: u16,
    },
    /// A `responseCode` outside the documented 0–399.
    CodeOutOfRange {
        /// The HTTP status.
        http_status: u16,
        /// The code.
        code: i64,
    },
}

impl Unusable {
    /// Short description for verdicts, e.g. `timeout`, `HTTP 503`.
    pub fn describe(&self) -> String {
        match self {
            Self::Transport(e) => e.kind_name().to_owned(),
            Self::ServerError(s) => format!("HTTP {s}"),
            Self::Unparseable { .. } => "unparseable body".into(),
            Self::NoCode { .. } => "no responseCode".into(),
            Self::CodeOutOfRange { code, .. } => format!("code {code} outside 0–399"),
            Self::TooCostly { .. } => "too costly to judge".into(),
        }
    }

    /// The full sentence for findings.
    pub fn explain(&self) -> String {
        match self {
            Self::Transport(e) => e.to_string(),
            Self::ServerError(s) => format!("the server answered HTTP {s}"),
            Self::Unparseable { http_status, error } => {
                format!("the body (HTTP {http_status}) is not JSON: {error}")
            }
            Self::NoCode { http_status } => {
                format!("the body (HTTP {http_status}) has no integer responseCode")
            }
            Self::CodeOutOfRange { code, .. } => {
                format!("responseCode {code} is outside the documented 0–399")
            }
            Self::TooCostly { http_status } => format!(
                "the body (HTTP {http_status}) is too costly to judge: read into a DOM it would take more than {} MiB, so it is not read as an answer",
                EXPLAIN_BUDGET >> 20
            ),
        }
    }

    /// The HTTP status, when an answer came.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Self::Transport(_) => None,
            Self::ServerError(s) => Some(*s),
            Self::Unparseable { http_status, .. }
            | Self::NoCode { http_status }
            | Self::TooCostly { http_status }
            | Self::CodeOutOfRange { http_status, .. } => Some(*http_status),
        }
    }
}

/// Reads an exchange's answer.
pub fn read(exchange: &Exchange) -> Reading {
    let response = match &exchange.response {
        Ok(r) => r,
        Err(e) => return Reading::Unusable(Unusable::Transport(e.clone())),
    };
    let http_status = response.status;
    if http_status == 401 || http_status == 403 {
        // Only message.EN is read; the rest of the body is skipped, unread.
        #[derive(Deserialize)]
        struct Refusal {
            message: Option<RefusalMessage>,
        }
        #[derive(Deserialize)]
        struct RefusalMessage {
            #[serde(rename = "EN")]
            en: Option<String>,
        }
        let message = serde_json::from_slice::<Refusal>(&response.body)
            .ok()
            .and_then(|r| r.message?.en);
        return Reading::AuthRefused {
            http_status,
            message,
        };
    }
    if http_status >= 500 {
        return Reading::Unusable(Unusable::ServerError(http_status));
    }
    // A body whose DOM would pass the budget is not read (twice: here and to
    // explain it): doubtful, like an unparseable one.
    if !within_explain_budget(&response.body) {
        return Reading::Unusable(Unusable::TooCostly { http_status });
    }
    let (json, duplicates) = match parse_noting_duplicates(&response.body) {
        Ok(parsed) => parsed,
        Err(e) => {
            let error = if response.body.is_empty() {
                "the body is empty".to_owned()
            } else {
                e.to_string()
            };
            return Reading::Unusable(Unusable::Unparseable { http_status, error });
        }
    };
    // `1e-400` reads as 0: a `responseCode` written so would pass for code 0.
    if let Some(number) = vanishing_numbers(&response.body).first() {
        return Reading::Unusable(Unusable::Unparseable {
            http_status,
            error: format!(
                "number out of range at {}: {} is too small for a 64-bit float and would be read as 0",
                if number.pointer.is_empty() {
                    "the top level"
                } else {
                    &number.pointer
                },
                number.literal
            ),
        });
    }
    let Some(code) = json.get("responseCode").and_then(integer) else {
        return Reading::Unusable(Unusable::NoCode { http_status });
    };
    if !(0..=399).contains(&code) {
        return Reading::Unusable(Unusable::CodeOutOfRange { http_status, code });
    }
    Reading::Envelope {
        http_status,
        code,
        json,
        duplicates,
    }
}

/// The body as `serde_json::from_slice` reads it (a key named twice keeps
/// its last value; the same errors), with the envelope keys a top-level
/// object names more than once, noted in the same pass.
fn parse_noting_duplicates(body: &[u8]) -> serde_json::Result<(Value, Vec<DuplicateKey>)> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let starts_an_object = body
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        == Some(&b'{');
    let parsed = if starts_an_object {
        deserializer.deserialize_map(EnvelopeKeys)?
    } else {
        (Value::deserialize(&mut deserializer)?, Vec::new())
    };
    deserializer.end()?;
    Ok(parsed)
}

/// The envelope keys a JSON object names more than once (serde_json keeps
/// only the last value of each).
pub fn duplicate_envelope_keys(body: &[u8]) -> Vec<DuplicateKey> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    deserializer
        .deserialize_map(EnvelopeKeys)
        .map(|(_, duplicates)| duplicates)
        .unwrap_or_default()
}

/// Reads a top-level object into a `Value` as serde_json does (each key
/// inserted in turn, the last value winning) and notes, for each envelope
/// key named more than once, every value it held in short, in order.
struct EnvelopeKeys;

impl<'de> Visitor<'de> for EnvelopeKeys {
    type Value = (Value, Vec<DuplicateKey>);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut object = Map::new();
        // Envelope keys in the order they first appear, each with the
        // values of its repeats (empty while it appeared once).
        let mut seen: Vec<(usize, Vec<String>)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let value: Value = map.next_value()?;
            if let Some(envelope) = ENVELOPE_KEYS.iter().position(|k| *k == key) {
                match seen.iter_mut().find(|(k, _)| *k == envelope) {
                    None => seen.push((envelope, Vec::new())),
                    Some((_, repeats)) => {
                        if repeats.is_empty()
                            && let Some(first) = object.get(&key)
                        {
                            repeats.push(short(first));
                        }
                        repeats.push(short(&value));
                    }
                }
            }
            object.insert(key, value);
        }
        let duplicates = seen
            .into_iter()
            .filter(|(_, values)| values.len() > 1)
            .map(|(envelope, values)| DuplicateKey {
                key: ENVELOPE_KEYS[envelope].to_owned(),
                values,
            })
            .collect();
        Ok((Value::Object(object), duplicates))
    }
}

/// A value in a few characters: scalars as JSON, containers abbreviated.
fn short(value: &Value) -> String {
    match value {
        Value::Object(_) => "{…}".to_owned(),
        Value::Array(_) => "[…]".to_owned(),
        Value::String(s) if s.chars().count() > 40 => {
            let head: String = s.chars().take(40).collect();
            format!("\"{head}…\"")
        }
        other => other.to_string(),
    }
}

/// An integer, also when written as an integral float (`0.0`).
pub fn integer(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
            .map(|f| f as i64)
    })
}

/// What an inquiry answer means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InquiryVerdict {
    /// 300: go on and pay.
    Ok,
    /// A documented failure (100–199, 301–399).
    Failed(i64),
    /// Anything else: the conversation cannot go on.
    Broken(String),
}

/// Judges an inquiry answer.
pub fn inquiry(reading: &Reading) -> InquiryVerdict {
    match reading {
        Reading::Envelope { code: 300, .. } => InquiryVerdict::Ok,
        Reading::Envelope { code, .. } if matches!(code, 100..=199 | 301..=399) => {
            InquiryVerdict::Failed(*code)
        }
        Reading::Envelope { code, .. } => InquiryVerdict::Broken(format!(
            "the inquiry answered code {code} ({}), expected 300 or a failure code",
            CodeClass::of(*code).describe()
        )),
        Reading::AuthRefused { http_status, .. } => {
            InquiryVerdict::Broken(format!("credentials refused (HTTP {http_status})"))
        }
        Reading::Unusable(u) => InquiryVerdict::Broken(u.explain()),
    }
}

/// What a payment or status answer means for the money.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyVerdict {
    /// Final success (0–99).
    Success(i64),
    /// Not final yet: ask status (again).
    Processing(String),
    /// A documented failure code: final.
    Failed(i64),
}

/// Codes that say "not known / not final yet" although they sit in the failure range.
const KEEP_PENDING: [i64; 3] = [102, 108, 188];

/// What the code alone says about the money, ignoring any [`Doubt`].
pub fn money_by_code(code: i64) -> MoneyVerdict {
    match code {
        0..=99 => MoneyVerdict::Success(code),
        200..=299 => MoneyVerdict::Processing(format!("code {code}")),
        c if KEEP_PENDING.contains(&c) => {
            MoneyVerdict::Processing(format!("code {c}: resolve by status"))
        }
        // 300 says "inquiry successful": no payment or status answer means that.
        300 => MoneyVerdict::Processing("code 300 is an inquiry answer".into()),
        c => MoneyVerdict::Failed(c),
    }
}

/// The first reason an envelope is not a clean answer: duplicate envelope
/// keys, an HTTP status other than 200, a `success` flag that is missing or
/// contradicts the code's class. `None` for a clean envelope and for
/// anything that is not an envelope.
pub fn doubt(reading: &Reading) -> Option<Doubt> {
    let Reading::Envelope {
        http_status,
        code,
        json,
        duplicates,
    } = reading
    else {
        return None;
    };
    if !duplicates.is_empty() {
        return Some(Doubt::DuplicateKeys(duplicates.clone()));
    }
    if *http_status != 200 {
        return Some(Doubt::HttpStatus(*http_status));
    }
    let expected = CodeClass::of(*code).expected_success_flag()?;
    let flag = json.get("success");
    if flag.and_then(Value::as_bool) == Some(expected) {
        return None;
    }
    Some(Doubt::SuccessFlag {
        code: *code,
        found: flag.map_or_else(|| "missing".to_owned(), short),
        expected,
    })
}

/// The doubt that kept a final code from deciding the money: `Some` only
/// when the code alone would have been final (success or failed).
pub fn final_in_doubt(reading: &Reading) -> Option<Doubt> {
    let Reading::Envelope { code, .. } = reading else {
        return None;
    };
    match money_by_code(*code) {
        MoneyVerdict::Processing(_) => None,
        MoneyVerdict::Success(_) | MoneyVerdict::Failed(_) => doubt(reading),
    }
}

/// Judges a payment or status answer. The money rule: only a clean envelope
/// (HTTP 200, no duplicate envelope keys, the documented `success` flag)
/// with a final code is final; every unusable or doubtful answer is
/// processing, to be resolved by status.
pub fn money(reading: &Reading) -> MoneyVerdict {
    match reading {
        Reading::Envelope { code, .. } => match final_in_doubt(reading) {
            Some(d) => MoneyVerdict::Processing(format!("money rule: {}", d.describe())),
            None => money_by_code(*code),
        },
        Reading::AuthRefused { http_status, .. } => {
            MoneyVerdict::Processing(format!("HTTP {http_status}: credentials refused"))
        }
        Reading::Unusable(u) => MoneyVerdict::Processing(format!("money rule: {}", u.describe())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ppob_core::contract::Operation;
    use ppob_transport::WireResponse;
    use std::time::Duration;

    fn exchange(response: Result<WireResponse, TransportError>) -> Exchange {
        crate::flow::test_support::exchange(Operation::Payment, response)
    }

    fn answer(status: u16, body: &str) -> Reading {
        read(&exchange(Ok(WireResponse::json(
            status,
            body.as_bytes().to_vec(),
        ))))
    }

    fn envelope(code: &str, success: &str) -> String {
        format!(
            "{{\"responseCode\":{code},\"success\":{success},\"message\":{{\"ID\":\"x\",\"EN\":\"x\"}},\"data\":{{}}}}"
        )
    }

    /// What a verdict is, without its reason.
    fn kind(verdict: &MoneyVerdict) -> String {
        match verdict {
            MoneyVerdict::Success(c) => format!("success {c}"),
            MoneyVerdict::Failed(c) => format!("failed {c}"),
            MoneyVerdict::Processing(_) => "processing".to_owned(),
        }
    }

    /// One row per class of payment answer in the README's money-rule table.
    #[test]
    fn every_class_of_payment_answer_has_its_verdict() {
        let transport = |e: TransportError| read(&exchange(Err(e)));
        let table: Vec<(&str, Reading, &str)> = vec![
            (
                "timeout",
                transport(TransportError::Timeout(Duration::from_secs(30))),
                "processing",
            ),
            (
                "connection refused",
                transport(TransportError::Refused("x".into())),
                "processing",
            ),
            (
                "connection closed mid-answer",
                transport(TransportError::Closed("x".into())),
                "processing",
            ),
            (
                "an over-long body",
                transport(TransportError::BodyTooLarge { limit: 8 }),
                "processing",
            ),
            (
                "any other transport error",
                transport(TransportError::Other("x".into())),
                "processing",
            ),
            ("HTTP 500 page", answer(500, "oops"), "processing"),
            (
                "HTTP 503 with a failure code",
                answer(503, &envelope("100", "false")),
                "processing",
            ),
            (
                "HTTP 401 (credentials refused)",
                answer(401, &envelope("199", "false")),
                "processing",
            ),
            (
                "HTTP 404 with a failure code",
                answer(404, &envelope("100", "false")),
                "processing",
            ),
            (
                "HTTP 408 with a failure code",
                answer(408, &envelope("105", "false")),
                "processing",
            ),
            (
                "HTTP 429 with a failure code",
                answer(429, &envelope("199", "false")),
                "processing",
            ),
            (
                "HTTP 400 with a failure code",
                answer(400, &envelope("313", "false")),
                "processing",
            ),
            (
                "HTTP 201 with a success code",
                answer(201, &envelope("0", "true")),
                "processing",
            ),
            ("body not JSON", answer(200, "<html>"), "processing"),
            ("empty body", answer(200, ""), "processing"),
            (
                "a number too small for a float (responseCode 1e-400 reads as 0)",
                answer(200, &envelope("1e-400", "true")),
                "processing",
            ),
            ("JSON but not an object", answer(200, "[100]"), "processing"),
            (
                "no responseCode",
                answer(200, "{\"success\":false}"),
                "processing",
            ),
            (
                "responseCode not an integer",
                answer(200, &envelope("\"100\"", "false")),
                "processing",
            ),
            (
                "code above 399",
                answer(200, &envelope("500", "false")),
                "processing",
            ),
            (
                "negative code",
                answer(200, &envelope("-1", "false")),
                "processing",
            ),
            (
                "success true with a failure code",
                answer(200, &envelope("100", "true")),
                "processing",
            ),
            (
                "success false with a success code",
                answer(200, &envelope("0", "false")),
                "processing",
            ),
            (
                "success missing",
                answer(200, "{\"responseCode\":105,\"data\":{}}"),
                "processing",
            ),
            (
                "success not a boolean",
                answer(200, &envelope("105", "\"false\"")),
                "processing",
            ),
            (
                "responseCode twice (299, then 100)",
                answer(
                    200,
                    "{\"responseCode\":299,\"success\":false,\"responseCode\":100}",
                ),
                "processing",
            ),
            (
                "success twice",
                answer(
                    200,
                    "{\"responseCode\":0,\"success\":false,\"success\":true}",
                ),
                "processing",
            ),
            (
                "102 duplicate",
                answer(200, &envelope("102", "false")),
                "processing",
            ),
            (
                "108 duplicate",
                answer(200, &envelope("108", "false")),
                "processing",
            ),
            (
                "188 not found",
                answer(200, &envelope("188", "false")),
                "processing",
            ),
            (
                "299 processing",
                answer(200, &envelope("299", "true")),
                "processing",
            ),
            (
                "299 with success false",
                answer(200, &envelope("299", "false")),
                "processing",
            ),
            (
                "300 on a payment",
                answer(200, &envelope("300", "true")),
                "processing",
            ),
            (
                "success 0",
                answer(200, &envelope("0", "true")),
                "success 0",
            ),
            (
                "success 4.0",
                answer(200, &envelope("4.0", "true")),
                "success 4",
            ),
            (
                "success 99",
                answer(200, &envelope("99", "true")),
                "success 99",
            ),
            (
                "failure 100",
                answer(200, &envelope("100", "false")),
                "failed 100",
            ),
            (
                "failure 105",
                answer(200, &envelope("105", "false")),
                "failed 105",
            ),
            (
                "failure 199",
                answer(200, &envelope("199", "false")),
                "failed 199",
            ),
            (
                "failure 312",
                answer(200, &envelope("312", "false")),
                "failed 312",
            ),
            (
                "failure 313",
                answer(200, &envelope("313", "false")),
                "failed 313",
            ),
        ];
        for (row, reading, expected) in &table {
            assert_eq!(kind(&money(reading)), *expected, "{row}: {reading:?}");
        }
    }

    #[test]
    fn a_doubt_is_reported_only_when_it_kept_a_final_code_from_deciding() {
        let flag = answer(200, &envelope("100", "true"));
        assert_eq!(
            final_in_doubt(&flag),
            Some(Doubt::SuccessFlag {
                code: 100,
                found: "true".into(),
                expected: false
            })
        );
        let status = answer(408, &envelope("100", "false"));
        assert_eq!(final_in_doubt(&status), Some(Doubt::HttpStatus(408)));
        // 299 is processing anyway: the flag is the document rule's business.
        assert_eq!(
            final_in_doubt(&answer(200, &envelope("299", "false"))),
            None
        );
        assert_eq!(final_in_doubt(&answer(200, &envelope("0", "true"))), None);
        assert!(matches!(
            money(&status),
            MoneyVerdict::Processing(why) if why.contains("HTTP 408")
        ));
    }

    #[test]
    fn duplicate_envelope_keys_keep_every_value_in_order() {
        let twice = answer(
            200,
            "{\"responseCode\":299,\"success\":true,\"data\":{\"a\":1},\"responseCode\":100,\"x\":1,\"x\":2}",
        );
        let Some(Doubt::DuplicateKeys(keys)) = final_in_doubt(&twice) else {
            panic!("{twice:?}");
        };
        assert_eq!(
            keys,
            [DuplicateKey {
                key: "responseCode".into(),
                values: vec!["299".into(), "100".into()]
            }]
        );
        assert_eq!(
            Doubt::DuplicateKeys(keys).explain(),
            "the envelope names a key more than once: responseCode appears 2 times (299, then 100)"
        );
        assert!(duplicate_envelope_keys(b"{\"data\":{\"data\":1,\"data\":2}}").is_empty());
        assert!(duplicate_envelope_keys(b"[1,1]").is_empty());
    }

    #[test]
    fn duplicates_come_in_order_of_first_appearance_with_every_value() {
        let body = br#" {"data":1,"success":true,"x":[],"success":false,"data":"two","data":{"a":[1]},"message":null}"#;
        assert_eq!(
            duplicate_envelope_keys(body),
            [
                DuplicateKey {
                    key: "data".into(),
                    values: vec!["1".into(), "\"two\"".into(), "{…}".into()]
                },
                DuplicateKey {
                    key: "success".into(),
                    values: vec!["true".into(), "false".into()]
                },
            ]
        );
    }

    #[test]
    fn the_single_pass_reads_bodies_as_serde_json_does() {
        let bodies: [&[u8]; 10] = [
            br#"{"responseCode":0,"data":{"k":1,"k":2},"responseCode":299}"#,
            b" \r\n\t{\"a\":1} ",
            b"[1,2]",
            b"\"text\"",
            b"{\"a\":1} x",
            b"{\"a\":",
            b"{\"a\" 1}",
            b"",
            b"{}",
            b"{\"a\":1,}",
        ];
        for body in bodies {
            let ours = parse_noting_duplicates(body).map(|(value, _)| value);
            let reference = serde_json::from_slice::<Value>(body);
            match (ours, reference) {
                (Ok(ours), Ok(reference)) => assert_eq!(ours, reference, "{body:?}"),
                (Err(ours), Err(reference)) => {
                    assert_eq!(ours.to_string(), reference.to_string(), "{body:?}");
                }
                (ours, reference) => panic!("{body:?}: {ours:?} but serde_json {reference:?}"),
            }
        }
    }

    #[test]
    fn inquiries_go_on_only_on_300() {
        assert_eq!(
            inquiry(&answer(200, "{\"responseCode\":300}")),
            InquiryVerdict::Ok
        );
        assert_eq!(
            inquiry(&answer(200, "{\"responseCode\":302}")),
            InquiryVerdict::Failed(302)
        );
        assert!(matches!(
            inquiry(&answer(200, "{\"responseCode\":0}")),
            InquiryVerdict::Broken(_)
        ));
        assert!(matches!(
            inquiry(&answer(502, "")),
            InquiryVerdict::Broken(_)
        ));
    }

    #[test]
    fn auth_refusals_are_told_apart_and_keep_the_server_message() {
        let r = answer(
            401,
            "{\"responseCode\":199,\"message\":{\"ID\":\"x\",\"EN\":\"invalid token\"}}",
        );
        assert_eq!(
            r,
            Reading::AuthRefused {
                http_status: 401,
                message: Some("invalid token".into())
            }
        );
    }
}
