//! Reading the request fields (the TOKEN payload) into the operation's
//! request model, with an error that names the field.
//!
//! serde's own messages name a missing or unknown field but not the field
//! of a wrong type, so each documented field is checked first, by name.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::model::ints;

/// A payload that is not a valid request of its operation (answered with
/// response code 180, HTTP 200).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{problem}")]
pub struct RequestError {
    /// The field at fault, when one is.
    pub field: Option<String>,
    /// What is wrong, naming the field.
    pub problem: String,
}

impl RequestError {
    fn field(field: &str, problem: impl Into<String>) -> Self {
        let problem = problem.into();
        Self {
            problem: format!("field `{field}`: {problem}"),
            field: Some(field.to_owned()),
        }
    }
}

#[derive(Clone, Copy)]
enum Type {
    Str,
    UInt,
    Urls,
}

/// `(name, type, required)` of every documented field of each request.
const INQUIRY: &[(&str, Type, bool)] = &[
    ("partnerId", Type::Str, true),
    ("accountNumber", Type::Str, true),
    ("productCode", Type::Str, true),
    ("amount", Type::UInt, false),
    ("zoneId", Type::Str, false),
    ("month", Type::UInt, false),
];
const PAYMENT: &[(&str, Type, bool)] = &[
    ("partnerId", Type::Str, true),
    ("refNumber", Type::Str, true),
    ("accountNumber", Type::Str, true),
    ("productCode", Type::Str, true),
    ("amount", Type::UInt, true),
    ("inquiryId", Type::UInt, true),
    ("callbackUrls", Type::Urls, false),
];
const STATUS: &[(&str, Type, bool)] = &[
    ("partnerId", Type::Str, true),
    ("refNumber", Type::Str, true),
];

fn check_fields(
    object: &Map<String, Value>,
    spec: &[(&str, Type, bool)],
) -> Result<(), RequestError> {
    for (name, ty, required) in spec {
        let value = match object.get(*name) {
            None if *required => return Err(RequestError::field(name, "missing")),
            None => continue,
            Some(Value::Null) if !required => continue,
            Some(v) => v,
        };
        match ty {
            Type::Str if !value.is_string() => {
                return Err(RequestError::field(
                    name,
                    format!("expected a string, found {}", kind(value)),
                ));
            }
            Type::UInt => {
                ints::uint(value).map_err(|e| RequestError::field(name, e.to_string()))?;
            }
            Type::Urls => {
                let ok = value
                    .as_array()
                    .is_some_and(|items| items.iter().all(Value::is_string));
                if !ok {
                    return Err(RequestError::field(
                        name,
                        "expected an array of URL strings",
                    ));
                }
            }
            Type::Str => {}
        }
    }
    if let Some(unknown) = object
        .keys()
        .find(|k| !spec.iter().any(|(name, _, _)| name == k))
    {
        return Err(RequestError::field(unknown, "not a field of this request"));
    }
    Ok(())
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Which request model a payload is read into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fields {
    Inquiry,
    Payment,
    Status,
}

/// Reads `payload` (a JSON object) into `T`, naming the first bad field.
pub(crate) fn read<T: DeserializeOwned>(payload: Value, fields: Fields) -> Result<T, RequestError> {
    let spec = match fields {
        Fields::Inquiry => INQUIRY,
        Fields::Payment => PAYMENT,
        Fields::Status => STATUS,
    };
    match &payload {
        Value::Object(object) => check_fields(object, spec)?,
        other => {
            return Err(RequestError {
                field: None,
                problem: format!("the request is {}, not an object", kind(other)),
            });
        }
    }
    serde_json::from_value(payload).map_err(|e| RequestError {
        field: None,
        problem: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{InquiryRequest, PaymentRequest, StatusRequest};
    use serde_json::json;

    fn payment(v: Value) -> Result<PaymentRequest, RequestError> {
        read(v, Fields::Payment)
    }

    fn good_payment() -> Value {
        json!({"partnerId": "p", "refNumber": "R", "accountNumber": "0811111111",
               "productCode": "product-code", "amount": 3607, "inquiryId": 5})
    }

    #[test]
    fn a_valid_payload_reads_into_its_model() {
        let p = payment(good_payment()).unwrap();
        assert_eq!(p.amount, 3607);
        let s: StatusRequest =
            read(json!({"partnerId": "p", "refNumber": "R"}), Fields::Status).unwrap();
        assert_eq!(s.ref_number, "R");
        let i: InquiryRequest = read(
            json!({"partnerId": "p", "accountNumber": "1", "productCode": "x", "month": null}),
            Fields::Inquiry,
        )
        .unwrap();
        assert_eq!(i.month, None);
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            ("amount", json!("3607")),
            ("amount", json!(3607.5)),
            ("amount", json!(-1)),
            ("inquiryId", json!(null)),
            ("refNumber", json!(7)),
            ("callbackUrls", json!("http://127.0.0.1/cb")),
            ("callbackUrls", json!([1])),
        ];
        for (field, value) in cases {
            let mut v = good_payment();
            v[field] = value.clone();
            let err = payment(v).unwrap_err();
            assert_eq!(err.field.as_deref(), Some(field), "{field}={value}");
            assert!(err.problem.contains(field), "{}", err.problem);
        }
        let mut v = good_payment();
        v.as_object_mut().unwrap().remove("accountNumber");
        assert_eq!(
            payment(v).unwrap_err().field.as_deref(),
            Some("accountNumber")
        );
        let mut v = good_payment();
        v["iat"] = json!(1);
        assert_eq!(payment(v).unwrap_err().field.as_deref(), Some("iat"));
    }

    #[test]
    fn a_payload_that_is_not_an_object_is_an_error_not_a_panic() {
        for v in [json!([]), json!(1), json!(null)] {
            assert!(payment(v).is_err());
        }
    }
}
