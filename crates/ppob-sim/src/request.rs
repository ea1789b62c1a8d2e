//! Reading the request fields (the TOKEN payload) into the operation's
//! request model.
//!
//! The payload is judged by the compiled request schema that `validate`
//! uses, so the simulator accepts exactly what the published request schema
//! accepts: a field the contract does not document is ignored or refused as
//! [`UnknownFields`] says (the published schemas allow them, and so does the
//! default). A refusal names every invalid field, in Indonesian and English.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::config::UnknownFields;
use ppob_core::contract::{DocKind, SchemaViolation, Validators, json_type_name};

/// What is wrong with one field of a request, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The field, e.g. `amount` or `callbackUrls[0]`; empty for the request as a whole.
    pub field: String,
    /// What is wrong, in English, e.g. "expected integer, found string".
    pub en: String,
    /// What is wrong, in Indonesian, e.g. "harus bilangan bulat, bukan teks".
    pub id: String,
}

impl FieldProblem {
    fn render(&self, word: &str, text: &str) -> String {
        if self.field.is_empty() {
            text.to_owned()
        } else {
            format!("{word} `{}`: {text}", self.field)
        }
    }
}

/// A payload that is not a valid request of its operation (answered with
/// response code 180, HTTP 200): every problem found, not only the first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.english())]
pub struct RequestError {
    /// One entry per invalid field, in the order the schema reports them.
    pub problems: Vec<FieldProblem>,
}

impl RequestError {
    /// A request error about one field.
    pub fn field(field: &str, en: &str, id: &str) -> Self {
        Self {
            problems: vec![FieldProblem {
                field: field.to_owned(),
                en: en.to_owned(),
                id: id.to_owned(),
            }],
        }
    }

    /// The invalid fields, in order.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.problems.iter().map(|p| p.field.as_str())
    }

    /// Every problem in English: "field `amount`: expected integer, found string; field `refNumber`: missing".
    pub fn english(&self) -> String {
        self.join(|p| p.render("field", &p.en))
    }

    /// Every problem in Indonesian: "kolom `amount`: harus bilangan bulat, bukan teks; …".
    pub fn indonesian(&self) -> String {
        self.join(|p| p.render("kolom", &p.id))
    }

    fn join(&self, line: impl Fn(&FieldProblem) -> String) -> String {
        self.problems
            .iter()
            .map(line)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// A JSON type as the Indonesian message names it.
fn type_id(name: &str) -> &str {
    match name {
        "string" => "teks (string)",
        "integer" => "bilangan bulat",
        "number" => "angka",
        "boolean" => "boolean",
        "array" => "larik (array)",
        "object" => "objek",
        "null" => "null",
        other => other,
    }
}

/// `/callbackUrls/0` → `callbackUrls[0]`.
fn field_name(pointer: &str) -> String {
    let mut name = String::new();
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        if !name.is_empty() && token.bytes().all(|b| b.is_ascii_digit()) {
            name.push_str(&format!("[{token}]"));
        } else {
            if !name.is_empty() {
                name.push('.');
            }
            name.push_str(&token);
        }
    }
    name
}

/// A whole number a 64-bit float prints with an exponent (`1.8446744073709552e19`, what
/// `18446744073709551616` reads as) in plain digits (`18446744073709551616`): the TOKEN's
/// payload is read as floats beyond `u64`, and a partner wrote digits. Anything else as it is.
fn without_exponent(actual: &str) -> std::borrow::Cow<'_, str> {
    match actual.parse::<f64>() {
        Ok(f) if actual.contains(['e', 'E']) && f.is_finite() && f.fract() == 0.0 => {
            format!("{f:.0}").into()
        }
        _ => actual.into(),
    }
}

/// One schema violation, described in both languages.
fn describe(violation: &SchemaViolation, payload: &Value) -> FieldProblem {
    let found = payload.pointer(&violation.pointer);
    let actual = violation.actual.as_deref().unwrap_or("?");
    let expected = violation.expected.as_deref().unwrap_or("");
    let (en, id) = match violation.keyword.as_str() {
        "required" => ("missing".to_owned(), "tidak ada".to_owned()),
        "additionalProperties" => (
            "not a field of this request".to_owned(),
            "bukan kolom permintaan ini".to_owned(),
        ),
        "type" => {
            let found = found.map_or("nothing", json_type_name);
            let expected_id = expected
                .split(" or ")
                .map(type_id)
                .collect::<Vec<_>>()
                .join(" atau ");
            (
                format!("expected {expected}, found {found}"),
                format!("harus {expected_id}, bukan {}", type_id(found)),
            )
        }
        "minimum" | "maximum" => {
            let actual = without_exponent(actual);
            let bound_id = expected
                .replace("at least", "minimal")
                .replace("at most", "maksimal");
            (
                format!("{actual} is out of range: {expected}"),
                format!("{actual} di luar batas: {bound_id}"),
            )
        }
        "minLength" => (
            "must not be empty".to_owned(),
            "tidak boleh kosong".to_owned(),
        ),
        keyword => (
            violation.message.clone(),
            format!("tidak sesuai skema (kata kunci {keyword})"),
        ),
    };
    FieldProblem {
        field: field_name(&violation.pointer),
        en,
        id,
    }
}

/// A request field the simulator ignored (not documented by the contract),
/// with the documented field it probably meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredField {
    /// The field as the request named it, e.g. `CallbackUrls`.
    pub name: String,
    /// The documented field it probably meant, e.g. `callbackUrls`.
    pub suggestion: Option<&'static str>,
}

/// Longest rendering of one ignored name in a header or log line.
const MAX_NAME_CHARS: usize = 64;

impl IgnoredField {
    /// `CallbackUrls (did you mean callbackUrls?)`, or the bare name; any
    /// character outside printable ASCII escaped (`\n`, `\u{e9}`), and a
    /// long name cut, so the text is safe in a header and on one log line.
    pub fn describe(&self) -> String {
        let name = printable(&self.name);
        match self.suggestion {
            Some(known) => format!("{name} (did you mean {}?)", printable(known)),
            None => name,
        }
    }
}

fn printable(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if i == MAX_NAME_CHARS {
            out.push_str("...");
            break;
        }
        if c.is_ascii_graphic() || c == ' ' {
            out.push(c);
        } else {
            out.extend(c.escape_default());
        }
    }
    out
}

/// The descriptions of `fields` joined with `, `, at most `limit` bytes:
/// the fields that do not fit are counted (`, +3 more`).
pub fn describe_ignored(fields: &[IgnoredField], limit: usize) -> String {
    let mut out = String::new();
    for (i, field) in fields.iter().enumerate() {
        let part = field.describe();
        let more = format!(", +{} more", fields.len() - i);
        let sep = if out.is_empty() { "" } else { ", " };
        let room_for_more = if i + 1 < fields.len() { more.len() } else { 0 };
        if out.len() + sep.len() + part.len() + room_for_more > limit {
            if out.is_empty() {
                out = format!("+{} more", fields.len() - i);
            } else {
                out.push_str(&more);
            }
            return out;
        }
        out.push_str(sep);
        out.push_str(&part);
    }
    out
}

/// A request as read: the model or why not, and the unknown fields ignored
/// on the way (told even when the request is refused for another reason: a
/// status request with `refnumber` for `refNumber` is refused for the
/// missing `refNumber`, and `refnumber` is its probable cause).
#[derive(Debug)]
pub(crate) struct Read<T> {
    /// The model, or every invalid field.
    pub request: Result<T, RequestError>,
    /// The unknown fields ignored, each with its near miss; empty when
    /// `unknown` refuses them.
    pub ignored: Vec<IgnoredField>,
}

/// Reads `payload` (the TOKEN's fields) into the request model of `kind`,
/// naming every invalid field. Unknown fields are dropped before reading when
/// `unknown` ignores them (and returned, each with the documented field it
/// probably meant), refused otherwise.
pub(crate) fn read<T: DeserializeOwned>(
    mut payload: Value,
    kind: DocKind,
    unknown: UnknownFields,
) -> Read<T> {
    let mut problems = Vec::new();
    let mut ignored = Vec::new();
    for violation in Validators::shared().violations(kind, &payload) {
        if violation.is_drift && unknown != UnknownFields::Reject {
            ignored.push(IgnoredField {
                name: field_name(&violation.pointer),
                suggestion: violation.suggestion,
            });
        } else {
            problems.push(describe(&violation, &payload));
        }
    }
    if !problems.is_empty() {
        return Read {
            request: Err(RequestError { problems }),
            ignored,
        };
    }
    if let Value::Object(fields) = &mut payload {
        // Requests are flat: an unknown field is always a top-level one.
        for field in &ignored {
            fields.remove(&field.name);
        }
    }
    let request = serde_json::from_value(payload).map_err(|e| {
        // Unreachable while model and schema agree (tests/it/agreement.rs).
        RequestError::field(
            "",
            &e.to_string(),
            "permintaan tidak dapat dibaca sebagai model",
        )
    });
    Read { request, ignored }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ppob_core::model::{InquiryRequest, PaymentRequest, StatusRequest};
    use serde_json::json;

    fn payment(v: Value) -> Result<PaymentRequest, RequestError> {
        read(v, DocKind::PaymentRequest, UnknownFields::Ignore).request
    }

    fn good_payment() -> Value {
        json!({"partnerId": "p", "refNumber": "R", "accountNumber": "0811111111",
               "productCode": "product-code", "amount": 3607, "inquiryId": 5})
    }

    #[test]
    fn a_valid_payload_reads_into_its_model() {
        let p = payment(good_payment()).unwrap();
        assert_eq!(p.amount, 3607);
        let s: StatusRequest = read(
            json!({"partnerId": "p", "refNumber": "R"}),
            DocKind::StatusRequest,
            UnknownFields::Reject,
        )
        .request
        .unwrap();
        assert_eq!(s.ref_number, "R");
        let i: InquiryRequest = read(
            json!({"partnerId": "p", "accountNumber": "1", "productCode": "x", "month": null}),
            DocKind::InquiryRequest,
            UnknownFields::Reject,
        )
        .request
        .unwrap();
        assert_eq!(i.month, None);
    }

    #[test]
    fn errors_name_the_field_in_both_languages() {
        let cases = [
            ("amount", json!("3607")),
            ("amount", json!(3607.5)),
            ("amount", json!(-1)),
            ("inquiryId", json!(null)),
            ("refNumber", json!(7)),
            ("refNumber", json!("")),
            ("callbackUrls", json!("http://127.0.0.1/cb")),
        ];
        for (field, value) in cases {
            let mut v = good_payment();
            v[field] = value.clone();
            let err = payment(v).unwrap_err();
            assert_eq!(err.fields().collect::<Vec<_>>(), [field], "{field}={value}");
            assert!(err.english().starts_with(&format!("field `{field}`: ")));
            assert!(err.indonesian().starts_with(&format!("kolom `{field}`: ")));
        }
        let mut v = good_payment();
        v["callbackUrls"] = json!(["http://127.0.0.1/cb", 1]);
        assert_eq!(
            payment(v).unwrap_err().fields().collect::<Vec<_>>(),
            ["callbackUrls[1]"]
        );
    }

    #[test]
    fn a_large_integer_is_named_in_digits_not_as_a_float() {
        let mut v = good_payment();
        v["inquiryId"] = serde_json::from_str("18446744073709551616").unwrap();
        let err = payment(v).unwrap_err();
        assert_eq!(
            err.english(),
            "field `inquiryId`: 18446744073709551616 is out of range: at most 9007199254740991"
        );
        assert!(
            err.indonesian()
                .contains("18446744073709551616 di luar batas")
        );
        assert_eq!(without_exponent("-1"), "-1");
        assert_eq!(without_exponent("1.5e-7"), "1.5e-7");
        assert_eq!(without_exponent("1e20"), "100000000000000000000");
    }

    #[test]
    fn every_invalid_field_is_named_not_only_the_first() {
        let mut v = good_payment();
        v["amount"] = json!("3607");
        v.as_object_mut().unwrap().remove("accountNumber");
        v["refNumber"] = json!(null);
        let err = payment(v).unwrap_err();
        let mut fields: Vec<&str> = err.fields().collect();
        fields.sort_unstable();
        assert_eq!(fields, ["accountNumber", "amount", "refNumber"]);
        assert_eq!(err.problems.len(), 3);
        let en = err.english();
        assert!(
            en.contains("field `amount`: expected integer, found string"),
            "{en}"
        );
        assert!(en.contains("field `accountNumber`: missing"), "{en}");
        let id = err.indonesian();
        assert!(
            id.contains("kolom `amount`: harus bilangan bulat, bukan teks (string)"),
            "{id}"
        );
        assert!(id.contains("kolom `accountNumber`: tidak ada"), "{id}");
        assert!(!id.contains("field"), "{id}");
    }

    #[test]
    fn unknown_fields_follow_the_policy() {
        let mut v = good_payment();
        v["iat"] = json!(1);
        v["note"] = json!({"any": "thing"});
        v["CallbackUrls"] = json!(["http://127.0.0.1/cb"]);
        let Read { request, ignored } =
            read::<PaymentRequest>(v.clone(), DocKind::PaymentRequest, UnknownFields::Ignore);
        let read_ignoring = request.unwrap();
        assert_eq!(read_ignoring.amount, 3607);
        assert_eq!(read_ignoring.callback_urls, None);
        let described: Vec<String> = ignored.iter().map(IgnoredField::describe).collect();
        assert_eq!(
            described,
            ["CallbackUrls (did you mean callbackUrls?)", "iat", "note"]
        );
        let silent =
            read::<PaymentRequest>(v.clone(), DocKind::PaymentRequest, UnknownFields::Silent)
                .ignored;
        assert_eq!(
            silent, ignored,
            "silent ignores the same fields (it only does not tell)"
        );
        let rejected = read::<PaymentRequest>(v, DocKind::PaymentRequest, UnknownFields::Reject);
        assert!(rejected.ignored.is_empty());
        let err = rejected.request.unwrap_err();
        let mut fields: Vec<&str> = err.fields().collect();
        fields.sort_unstable();
        assert_eq!(fields, ["CallbackUrls", "iat", "note"]);
        assert!(err.indonesian().contains("bukan kolom permintaan ini"));
    }

    #[test]
    fn a_refused_request_still_tells_the_near_miss_that_probably_caused_it() {
        let refused = read::<StatusRequest>(
            json!({"partnerId": "p", "refnumber": "R"}),
            DocKind::StatusRequest,
            UnknownFields::Ignore,
        );
        let err = refused.request.unwrap_err();
        assert_eq!(err.fields().collect::<Vec<_>>(), ["refNumber"]);
        assert_eq!(
            refused.ignored,
            [IgnoredField {
                name: "refnumber".into(),
                suggestion: Some("refNumber"),
            }]
        );
    }

    #[test]
    fn ignored_fields_are_described_printable_and_bounded() {
        let odd = IgnoredField {
            name: "a\r\nX-Evil: 1\u{e9}".into(),
            suggestion: None,
        };
        assert_eq!(odd.describe(), "a\\r\\nX-Evil: 1\\u{e9}");
        let long = IgnoredField {
            name: "y".repeat(10_000),
            suggestion: None,
        };
        assert_eq!(long.describe().len(), MAX_NAME_CHARS + 3);
        let many: Vec<IgnoredField> = (0..1000)
            .map(|i| IgnoredField {
                name: format!("field{i}"),
                suggestion: None,
            })
            .collect();
        let text = describe_ignored(&many, 256);
        assert!(text.len() <= 256, "{} bytes", text.len());
        assert!(text.starts_with("field0, field1, "), "{text}");
        assert!(text.ends_with(" more"), "{text}");
        let counted: usize = text
            .rsplit('+')
            .next()
            .unwrap()
            .trim_end_matches(" more")
            .parse()
            .unwrap();
        assert_eq!(text.matches("field").count() + counted, 1000, "{text}");
        assert_eq!(describe_ignored(&many[..1], 256), "field0");
        assert_eq!(describe_ignored(&[long], 10), "+1 more");
        assert_eq!(describe_ignored(&[], 10), "");
    }

    #[test]
    fn a_payload_that_is_not_an_object_is_an_error_not_a_panic() {
        for v in [json!([]), json!(1), json!(null)] {
            let err = payment(v).unwrap_err();
            assert!(!err.english().is_empty());
        }
    }

    #[test]
    fn field_names_read_from_pointers() {
        assert_eq!(field_name("/amount"), "amount");
        assert_eq!(field_name("/callbackUrls/0"), "callbackUrls[0]");
        assert_eq!(field_name("/a~1b"), "a/b");
        assert_eq!(field_name(""), "");
    }
}
