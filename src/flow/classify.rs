//! What an answer means for the conversation, including the money rule.
//!
//! api-facts: on a payment, a timeout, a connection error, a 5xx, an
//! unparseable body or a code outside 0–399 mean *processing*, never failed.
//! A documented failure code is the only thing that fails a payment.

use serde_json::Value;

use crate::model::CodeClass;
use crate::transport::{Exchange, TransportError};

/// The parts of an answer the conversation needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    /// A JSON envelope with an integer `responseCode`.
    Envelope {
        /// The HTTP status.
        http_status: u16,
        /// `responseCode`.
        code: i64,
        /// The whole body, parsed.
        json: Value,
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
        }
    }

    /// The HTTP status, when an answer came.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Self::Transport(_) => None,
            Self::ServerError(s) => Some(*s),
            Self::Unparseable { http_status, .. }
            | Self::NoCode { http_status }
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
        let message = serde_json::from_slice::<Value>(&response.body)
            .ok()
            .and_then(|v| {
                let en = v.pointer("/message/EN").and_then(Value::as_str);
                en.map(str::to_owned)
            });
        return Reading::AuthRefused {
            http_status,
            message,
        };
    }
    if http_status >= 500 {
        return Reading::Unusable(Unusable::ServerError(http_status));
    }
    let json: Value = match serde_json::from_slice(&response.body) {
        Ok(v) => v,
        Err(e) => {
            let error = if response.body.is_empty() {
                "the body is empty".to_owned()
            } else {
                e.to_string()
            };
            return Reading::Unusable(Unusable::Unparseable { http_status, error });
        }
    };
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

/// Judges a payment or status answer; the money rule turns every unusable
/// answer into processing.
pub fn money(reading: &Reading) -> MoneyVerdict {
    match reading {
        Reading::Envelope { code, .. } => match code {
            0..=99 => MoneyVerdict::Success(*code),
            200..=299 => MoneyVerdict::Processing(format!("code {code}")),
            c if KEEP_PENDING.contains(c) => {
                MoneyVerdict::Processing(format!("code {c}: resolve by status"))
            }
            c => MoneyVerdict::Failed(*c),
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
    use crate::contract::Operation;
    use crate::transport::{WireRequest, WireResponse};
    use std::time::{Duration, SystemTime};

    fn exchange(response: Result<WireResponse, TransportError>) -> Exchange {
        Exchange {
            request: WireRequest {
                operation: Operation::Payment,
                method: "POST".into(),
                path: "/".into(),
                headers: vec![],
                body: vec![],
                payload: Value::Null,
            },
            response,
            started: SystemTime::UNIX_EPOCH,
            elapsed: Duration::ZERO,
        }
    }

    fn answer(status: u16, body: &str) -> Reading {
        read(&exchange(Ok(WireResponse::json(
            status,
            body.as_bytes().to_vec(),
        ))))
    }

    #[test]
    fn the_money_rule_never_fails_an_unusable_payment_answer() {
        let unusable = [
            read(&exchange(Err(TransportError::Timeout(
                Duration::from_secs(30),
            )))),
            read(&exchange(Err(TransportError::Refused("x".into())))),
            answer(500, "{\"responseCode\":100}"),
            answer(503, "oops"),
            answer(200, "<html>"),
            answer(200, ""),
            answer(200, "{\"success\":false}"),
            answer(200, "{\"responseCode\":500}"),
            answer(200, "{\"responseCode\":-1}"),
            answer(200, "{\"responseCode\":\"100\"}"),
        ];
        for reading in unusable {
            assert!(
                matches!(money(&reading), MoneyVerdict::Processing(_)),
                "{reading:?}"
            );
        }
    }

    #[test]
    fn documented_codes_decide_payments() {
        assert_eq!(
            money(&answer(200, "{\"responseCode\":0}")),
            MoneyVerdict::Success(0)
        );
        assert_eq!(
            money(&answer(200, "{\"responseCode\":4.0}")),
            MoneyVerdict::Success(4)
        );
        assert_eq!(
            money(&answer(200, "{\"responseCode\":105}")),
            MoneyVerdict::Failed(105)
        );
        assert_eq!(
            money(&answer(400, "{\"responseCode\":313}")),
            MoneyVerdict::Failed(313)
        );
        for pending in [299, 102, 108, 188] {
            let body = format!("{{\"responseCode\":{pending}}}");
            assert!(matches!(
                money(&answer(200, &body)),
                MoneyVerdict::Processing(_)
            ));
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
