//! A document parsed into its model: the fast path's result and what the
//! semantic rules read.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::kind::DocKind;
use crate::model::objects::ObjectOnly;
use crate::model::{
    InquiryRequest, InquiryResponse, PaymentRequest, PaymentResponse, StatusRequest, StatusResponse,
};

/// A document of a known kind, deserialized into its model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Typed {
    /// An inquiry request.
    InquiryRequest(InquiryRequest),
    /// An inquiry response.
    InquiryResponse(InquiryResponse),
    /// A payment request.
    PaymentRequest(PaymentRequest),
    /// A payment response.
    PaymentResponse(PaymentResponse),
    /// A status request.
    StatusRequest(StatusRequest),
    /// A status response or a callback (same body).
    StatusResponse(StatusResponse),
}

/// Reads one `T` (its structs from objects only) from a whole document.
/// Text that is UTF-8 as a whole (nearly all) is checked once and read as
/// `str`, so serde_json does not check each string again; other bytes are
/// read as bytes, where serde_json says where the encoding breaks. Both
/// readers accept and refuse the same documents. The check is simdutf8's
/// (SIMD); it only says yes or no, which is all this needs.
fn read_document<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => read_all(serde_json::Deserializer::from_str(text)),
        Err(_) => read_all(serde_json::Deserializer::from_slice(bytes)),
    }
}

fn read_all<'de, R: serde_json::de::Read<'de>, T: DeserializeOwned>(
    mut de: serde_json::Deserializer<R>,
) -> Result<T, serde_json::Error> {
    let parsed = T::deserialize(ObjectOnly(&mut de))?;
    de.end()?;
    Ok(parsed)
}

fn parse_as<T: DeserializeOwned>(
    bytes: &[u8],
    wrap: fn(T) -> Typed,
) -> Result<Typed, serde_json::Error> {
    read_document(bytes).map(wrap)
}

/// Parses bytes into a DOM, checking their UTF-8 once as [`Typed::parse`]
/// does; the same documents are accepted and refused as by `from_slice`.
pub fn parse_value(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    read_document(bytes)
}

fn convert_as<T: DeserializeOwned>(
    value: Value,
    wrap: fn(T) -> Typed,
) -> Result<Typed, serde_json::Error> {
    T::deserialize(ObjectOnly(value)).map(wrap)
}

/// Whether a reader's error is about the text's syntax (or its end), not
/// about what the text says: then every serde_json reader of the same bytes,
/// typed or DOM, stops at the same byte with the same error, because the
/// models read every value they meet (no member is skipped unread).
pub fn refuses_syntax(error: &serde_json::Error) -> bool {
    matches!(
        error.classify(),
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof
    )
}

impl Typed {
    /// Deserializes raw bytes straight into the model of `kind` (the fast path).
    pub fn parse(kind: DocKind, bytes: &[u8]) -> Result<Self, serde_json::Error> {
        match kind {
            DocKind::InquiryRequest => parse_as(bytes, Self::InquiryRequest),
            DocKind::InquiryResponse => parse_as(bytes, Self::InquiryResponse),
            DocKind::PaymentRequest => parse_as(bytes, Self::PaymentRequest),
            DocKind::PaymentResponse => parse_as(bytes, Self::PaymentResponse),
            DocKind::StatusRequest => parse_as(bytes, Self::StatusRequest),
            DocKind::StatusResponse | DocKind::Callback => parse_as(bytes, Self::StatusResponse),
        }
    }

    /// Converts an already parsed DOM into the model of `kind`.
    pub fn from_value(kind: DocKind, value: Value) -> Result<Self, serde_json::Error> {
        match kind {
            DocKind::InquiryRequest => convert_as(value, Self::InquiryRequest),
            DocKind::InquiryResponse => convert_as(value, Self::InquiryResponse),
            DocKind::PaymentRequest => convert_as(value, Self::PaymentRequest),
            DocKind::PaymentResponse => convert_as(value, Self::PaymentResponse),
            DocKind::StatusRequest => convert_as(value, Self::StatusRequest),
            DocKind::StatusResponse | DocKind::Callback => convert_as(value, Self::StatusResponse),
        }
    }

    /// Serializes the model back to JSON.
    pub fn to_value(&self) -> Value {
        let result = match self {
            Self::InquiryRequest(d) => serde_json::to_value(d),
            Self::InquiryResponse(d) => serde_json::to_value(d),
            Self::PaymentRequest(d) => serde_json::to_value(d),
            Self::PaymentResponse(d) => serde_json::to_value(d),
            Self::StatusRequest(d) => serde_json::to_value(d),
            Self::StatusResponse(d) => serde_json::to_value(d),
        };
        // invariant: the models hold only strings, integers, booleans, sequences and
        // string-keyed structs, which serde_json always serializes.
        result.expect("models serialize to JSON")
    }

    /// `responseCode` and `success`, for response documents.
    pub fn envelope(&self) -> Option<Envelope> {
        let (response_code, success) = match self {
            Self::InquiryResponse(r) => (r.response_code, r.success),
            Self::PaymentResponse(r) => (r.response_code, r.success),
            Self::StatusResponse(r) => (r.response_code, r.success),
            _ => return None,
        };
        Some(Envelope {
            response_code,
            success,
        })
    }
}

/// The two envelope fields that rules about the response code read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope {
    /// `responseCode`.
    pub response_code: i64,
    /// `success`.
    pub success: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::examples::SEED_FIXTURES;

    /// Documents where reading as `str` and as bytes could part ways.
    const TRICKY: [&[u8]; 9] = [
        br#"{"partnerId": "p", "refNumber": "r"}"#,
        br#"{"partnerId": "caf\u00e9 \ud83d\ude00", "refNumber": "r"}"#,
        "{\"partnerId\": \"café\", \"refNumber\": \"r\"}".as_bytes(),
        b"{\"partnerId\": \"\xC3\x28\", \"refNumber\": \"r\"}",
        br#"{"partnerId": "\ud800", "refNumber": "r"}"#,
        b"{\"partnerId\": \"tab\there\", \"refNumber\": \"r\"}",
        br#"{"partnerId": "p", "refNumber": "r""#,
        br#"{"partnerId": "p", "partnerId": "q", "refNumber": "r"}"#,
        br#"{"partnerId": "p", "refNumber": "r"} x"#,
    ];

    fn from_slice_typed(bytes: &[u8]) -> Result<Typed, serde_json::Error> {
        read_all(serde_json::Deserializer::from_slice(bytes)).map(Typed::StatusRequest)
    }

    #[test]
    fn reading_as_str_accepts_and_refuses_as_reading_bytes_does() {
        for bytes in TRICKY {
            let shown = String::from_utf8_lossy(bytes);
            let ours = Typed::parse(DocKind::StatusRequest, bytes).map_err(|e| e.to_string());
            let theirs = from_slice_typed(bytes).map_err(|e| e.to_string());
            assert_eq!(ours, theirs, "typed: {shown}");
            let ours = parse_value(bytes).map_err(|e| e.to_string());
            let theirs = serde_json::from_slice::<Value>(bytes).map_err(|e| e.to_string());
            assert_eq!(ours, theirs, "value: {shown}");
        }
        assert!(Typed::parse(DocKind::StatusRequest, TRICKY[0]).is_ok());
        assert!(Typed::parse(DocKind::StatusRequest, TRICKY[3]).is_err());
    }

    /// What the engine relies on to skip the DOM read of a document whose
    /// syntax the typed reader refused: the DOM reader refuses it with the
    /// same error. Checked on every prefix of every seed document (truncated
    /// lines) and on every one-byte change to it from a set of bytes that
    /// break JSON in different ways.
    #[test]
    fn a_syntax_error_of_the_typed_reader_is_the_dom_readers_error() {
        // Whether the typed reader refused `bytes` for their syntax (and then
        // that the DOM reader refused them the same way).
        let check = |kind: DocKind, bytes: &[u8]| -> usize {
            let Err(typed) = Typed::parse(kind, bytes) else {
                return 0;
            };
            if !refuses_syntax(&typed) {
                return 0;
            }
            let dom = parse_value(bytes).map(|_| ()).map_err(|e| e.to_string());
            assert_eq!(
                dom,
                Err(typed.to_string()),
                "{kind}: {}",
                String::from_utf8_lossy(bytes)
            );
            1
        };
        // Errors of the syntax class that no one-byte change makes: a number
        // beyond f64 in a typed field, and nesting past the limit in `data`
        // read before the code is known (kept as a DOM). After the code, the
        // models refuse an array for `data` before any depth is reached.
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let specials = [
            r#"{"responseCode": 300, "success": true, "data": {"amount": 1e400}}"#.to_owned(),
            format!(r#"{{"data": {deep}, "responseCode": 300}}"#),
        ];
        let special_errors: usize = specials
            .iter()
            .map(|special| check(DocKind::InquiryResponse, special.as_bytes()))
            .sum();
        assert_eq!(special_errors, specials.len());
        let mut syntax_errors = 0;
        assert!(
            SEED_FIXTURES.len() >= 7,
            "{} seed documents",
            SEED_FIXTURES.len()
        );
        for (file, text) in SEED_FIXTURES {
            let kind = DocKind::from_file_name(file).expect("a seed fixture names its kind");
            let bytes = text.as_bytes();
            for end in 0..bytes.len() {
                syntax_errors += check(kind, &bytes[..end]);
            }
            for at in 0..bytes.len() {
                for byte in [
                    b'x', b'}', b']', b'"', b',', b':', b'\\', b'-', b'0', b'{', 0x01, 0xFF,
                ] {
                    let mut changed = bytes.to_vec();
                    changed[at] = byte;
                    syntax_errors += check(kind, &changed);
                }
            }
        }
        assert!(syntax_errors > 10_000, "{syntax_errors} syntax errors seen");
    }
}
