//! The response envelope `{responseCode, success, message, data}`.
//!
//! Which `data` a response carries depends on its code: the complete object of
//! the operation for success, processing and inquiry-ok codes, and the lenient
//! [`FailureData`] (`{}`, the blank object, or any part) for every other code.
//! `success: true` promises the complete object whatever the code. The
//! derived schema is a union of two named shapes told apart by `success`
//! ([`Branch`]: `InquirySuccess`, `InquiryFailure`, …) beside an
//! `if`/`then`/`else` on `responseCode` and `success`; deserialization and the
//! schema say exactly the same thing.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::common::Message;
use super::data::{FailureData, InquiryData, PaymentData, StatusData};
use super::ints::{self, MAX_SAFE_INTEGER};
use super::objects::{ObjectOnly, ObjectSeed};
use super::response_code::{CodeClass, complete_data_codes_schema};

/// A response of one operation; `D` is that operation's complete `data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response<D> {
    /// The vendor's result code; its class decides what `data` holds.
    pub response_code: i64,
    /// `true` for success, processing and inquiry-ok codes, `false` otherwise.
    pub success: bool,
    /// The human-readable message.
    pub message: Message,
    /// The payload.
    pub data: ResponseData<D>,
}

/// The `data` of a response, by the class of its code.
// The complete variant is the common case on the hot path; boxing it would
// cost an allocation per document.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseData<D> {
    /// Success, processing or inquiry ok: the operation's complete object.
    Complete(D),
    /// Any other code: `{}`, the blank object, or part of the complete one.
    Failure(FailureData),
}

impl<D> ResponseData<D> {
    /// The complete object, if this response carries one.
    pub fn complete(&self) -> Option<&D> {
        match self {
            Self::Complete(d) => Some(d),
            Self::Failure(_) => None,
        }
    }
}

/// A successful, processing or failed inquiry.
pub type InquiryResponse = Response<InquiryData>;
/// A payment's answer.
pub type PaymentResponse = Response<PaymentData>;
/// A status answer; a callback has the same body.
pub type StatusResponse = Response<StatusData>;

/// Ties a complete `data` type to the name its response has in the schemas.
pub trait OperationData: JsonSchema + DeserializeOwned + Serialize {
    /// Schema name of the response that carries this data, e.g. "InquiryResponse".
    const RESPONSE_NAME: &'static str;
}

impl OperationData for InquiryData {
    const RESPONSE_NAME: &'static str = "InquiryResponse";
}
impl OperationData for PaymentData {
    const RESPONSE_NAME: &'static str = "PaymentResponse";
}
impl OperationData for StatusData {
    const RESPONSE_NAME: &'static str = "StatusResponse";
}

impl<D: Serialize> Serialize for ResponseData<D> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Complete(d) => d.serialize(serializer),
            Self::Failure(f) => f.serialize(serializer),
        }
    }
}

impl<D: Serialize> Serialize for Response<D> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Response", 4)?;
        s.serialize_field("responseCode", &self.response_code)?;
        s.serialize_field("success", &self.success)?;
        s.serialize_field("message", &self.message)?;
        s.serialize_field("data", &self.data)?;
        s.end()
    }
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "camelCase")]
enum Field {
    ResponseCode,
    Success,
    Message,
    Data,
}

const FIELDS: &[&str] = &["responseCode", "success", "message", "data"];

/// Reads `responseCode` through the safe-integer rules.
struct Code(i64);

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ints::int(d).map(Code)
    }
}

fn data_for<D: DeserializeOwned, E: de::Error>(
    code: i64,
    success: bool,
    value: serde_json::Value,
) -> Result<ResponseData<D>, E> {
    if carries_complete_data(code, success) {
        D::deserialize(ObjectOnly(value))
            .map(ResponseData::Complete)
            .map_err(E::custom)
    } else {
        FailureData::deserialize(ObjectOnly(value))
            .map(ResponseData::Failure)
            .map_err(E::custom)
    }
}

struct ResponseVisitor<D>(PhantomData<D>);

impl<'de, D: DeserializeOwned> Visitor<'de> for ResponseVisitor<D> {
    type Value = Response<D>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a response object {responseCode, success, message, data}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Response<D>, A::Error> {
        let mut code: Option<i64> = None;
        let mut success: Option<bool> = None;
        let mut message: Option<Message> = None;
        let mut data: Option<ResponseData<D>> = None;
        // `data` seen before `responseCode`: kept as a DOM until the code is known.
        let mut early_data: Option<serde_json::Value> = None;
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::ResponseCode => {
                    if code.is_some() {
                        return Err(de::Error::duplicate_field("responseCode"));
                    }
                    code = Some(map.next_value::<Code>()?.0);
                }
                Field::Success => {
                    if success.is_some() {
                        return Err(de::Error::duplicate_field("success"));
                    }
                    success = Some(map.next_value()?);
                }
                Field::Message => {
                    if message.is_some() {
                        return Err(de::Error::duplicate_field("message"));
                    }
                    message = Some(map.next_value_seed(ObjectSeed::default())?);
                }
                Field::Data => {
                    if data.is_some() || early_data.is_some() {
                        return Err(de::Error::duplicate_field("data"));
                    }
                    // Complete when the code's class says so or `success` is true;
                    // until both are known, a failure code leaves it open.
                    let complete = match (code, success) {
                        (Some(c), _) if CodeClass::of(c).carries_complete_data() => Some(true),
                        (_, Some(true)) => Some(true),
                        (Some(c), Some(s)) => Some(carries_complete_data(c, s)),
                        _ => None,
                    };
                    match complete {
                        Some(true) => {
                            data = Some(ResponseData::Complete(
                                map.next_value_seed(ObjectSeed::default())?,
                            ));
                        }
                        Some(false) => {
                            data = Some(ResponseData::Failure(
                                map.next_value_seed(ObjectSeed::default())?,
                            ))
                        }
                        None => early_data = Some(map.next_value()?),
                    }
                }
            }
        }
        let response_code = code.ok_or_else(|| de::Error::missing_field("responseCode"))?;
        let success = success.ok_or_else(|| de::Error::missing_field("success"))?;
        let data = match (data, early_data) {
            (Some(d), _) => d,
            (None, Some(value)) => data_for(response_code, success, value)?,
            (None, None) => return Err(de::Error::missing_field("data")),
        };
        Ok(Response {
            response_code,
            success,
            message: message.ok_or_else(|| de::Error::missing_field("message"))?,
            data,
        })
    }
}

impl<'de, D: DeserializeOwned> Deserialize<'de> for Response<D> {
    fn deserialize<De: Deserializer<'de>>(deserializer: De) -> Result<Self, De::Error> {
        deserializer.deserialize_struct("Response", FIELDS, ResponseVisitor(PhantomData))
    }
}

impl<D: OperationData> JsonSchema for Response<D> {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed(D::RESPONSE_NAME)
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let success = generator.subschema_for::<Branch<D, true>>();
        let failure = generator.subschema_for::<Branch<D, false>>();
        let complete = generator.subschema_for::<D>();
        let failure_data = generator.subschema_for::<FailureData>();
        json_schema!({
            "description": "The response envelope {responseCode, success, message, data}: one of two named shapes told apart by `success`. `success: true` (a success 0-99, processing 200-299 or inquiry-ok 300 code) carries the operation's complete object in `data`; `success: false` (any other code) carries FailureData: `{}`, the blank object (strings \"\", numbers 0, arrays null) or part of the complete object. Whatever `success` says, a success, processing or inquiry-ok code requires the complete object (the if/then/else of this schema).",
            "oneOf": [success, failure],
            "if": complete_data_condition(),
            "then": {"type": "object", "properties": {"data": complete}},
            "else": {"type": "object", "properties": {"data": failure_data}}
        })
    }
}

/// One branch of a response's union: `SUCCESS` says which (`success` is that
/// constant, `data` the complete object or [`FailureData`]). Exists only for
/// its schema; responses are read as [`Response`].
pub struct Branch<D, const SUCCESS: bool>(PhantomData<D>);

impl<D: OperationData, const SUCCESS: bool> JsonSchema for Branch<D, SUCCESS> {
    fn schema_name() -> Cow<'static, str> {
        let operation = D::RESPONSE_NAME
            .strip_suffix("Response")
            .unwrap_or(D::RESPONSE_NAME);
        let outcome = if SUCCESS { "Success" } else { "Failure" };
        Cow::Owned(format!("{operation}{outcome}"))
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let message = generator.subschema_for::<Message>();
        let (description, code, success, data) = if SUCCESS {
            (
                "A response with `success: true`: a success (0-99), processing (200-299) or inquiry-ok (300) code, and the operation's complete object in `data`.",
                "The vendor's result code; with success: true, 0-99 (success), 200-299 (processing) or 300 (inquiry success).",
                "Always true in this shape.",
                generator.subschema_for::<D>(),
            )
        } else {
            (
                "A response with `success: false`: a failed (100-199) or inquiry-failed (301-399) code, and FailureData in `data` (`{}`, the blank object, or part of the complete object).",
                "The vendor's result code; with success: false, 100-199 (failed) or 301-399 (inquiry failed).",
                "Always false in this shape.",
                generator.subschema_for::<FailureData>(),
            )
        };
        let mut response_code = response_code_schema();
        response_code["description"] = code.into();
        json_schema!({
            "description": description,
            "type": "object",
            "properties": {
                "responseCode": response_code,
                "success": {"description": success, "const": SUCCESS},
                "message": message,
                "data": data
            },
            "required": ["responseCode", "success", "message", "data"],
            "additionalProperties": false
        })
    }
}

/// The JSON Schema condition (as a JSON value) under which `data` must be the
/// complete object: a code whose class [carries complete
/// data](CodeClass::carries_complete_data), or `success: true` (which promises
/// it whatever the code says).
pub fn complete_data_condition() -> serde_json::Value {
    serde_json::json!({
        "anyOf": [
            {"type": "object", "properties": {"responseCode": complete_data_codes_schema()}, "required": ["responseCode"]},
            {"type": "object", "properties": {"success": {"const": true}}, "required": ["success"]}
        ]
    })
}

/// Whether a response with `code` and `success` must carry the complete object:
/// the model's reading of [`complete_data_condition`].
pub fn carries_complete_data(code: i64, success: bool) -> bool {
    success || CodeClass::of(code).carries_complete_data()
}

/// The envelope schema that [`Response`]'s findings are computed against: one
/// object (`responseCode`, `success` a boolean, `message`, `data`) with the same
/// if/then/else, so an error is reported where it is and not as "matches no
/// branch of oneOf". It accepts exactly what the published union accepts:
/// `success` tells the branch, and the if/then/else requires the complete
/// object wherever the success branch would.
pub fn envelope_schema(message: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "type": "object",
        "properties": {
            "responseCode": response_code_schema(),
            "success": {"type": "boolean"},
            "message": message,
            "data": {}
        },
        "required": ["responseCode", "success", "message", "data"],
        "additionalProperties": false
    })
}

/// The schema of `responseCode`: any JSON-safe integer.
fn response_code_schema() -> serde_json::Value {
    let max = MAX_SAFE_INTEGER as i64;
    serde_json::json!({
        "description": "The vendor's result code: 0-99 success, 100-199 failed, 200-299 processing, 300 inquiry success, 301-399 inquiry failed.",
        "type": "integer",
        "minimum": -max,
        "maximum": max
    })
}

/// The body of an HTTP-level refusal (HTTP 400, 401, 403, 404, 405, 413) by
/// the reference simulator: the envelope with the general-error code 199,
/// `success: false`, a message naming the problem and `data: {}`. The vendor
/// does not document the bodies of its HTTP errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ErrorResponse {
    /// 199 (general error) from the simulator; any code from another server.
    #[serde(deserialize_with = "ints::int")]
    #[schemars(schema_with = "error_code_schema")]
    pub response_code: i64,
    /// Always false.
    pub success: bool,
    /// What was refused and why, in Indonesian and English.
    pub message: Message,
    /// `{}` from the simulator.
    pub data: FailureData,
}

fn error_code_schema(_: &mut SchemaGenerator) -> Schema {
    Schema::try_from(response_code_schema()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn envelope(code: i64, success: bool, data: serde_json::Value) -> serde_json::Value {
        json!({"responseCode": code, "success": success, "message": {"ID": "", "EN": ""}, "data": data})
    }

    #[test]
    fn success_true_promises_the_complete_object_whatever_the_code() {
        for code in [100, 303, 500, -1] {
            let doc = envelope(code, true, json!({}));
            assert!(
                serde_json::from_value::<InquiryResponse>(doc).is_err(),
                "{code}"
            );
            assert!(
                serde_json::from_value::<InquiryResponse>(envelope(code, false, json!({}))).is_ok(),
                "{code}"
            );
        }
    }

    #[test]
    fn data_before_the_flag_is_judged_once_both_are_known() {
        let text = r#"{"data": {}, "responseCode": 303, "success": true, "message": {"ID": "", "EN": ""}}"#;
        assert!(serde_json::from_str::<InquiryResponse>(text).is_err());
        let text = r#"{"responseCode": 303, "data": {}, "success": false, "message": {"ID": "", "EN": ""}}"#;
        let read: InquiryResponse = serde_json::from_str(text).unwrap();
        assert_eq!(read.data, ResponseData::Failure(FailureData::default()));
    }

    #[test]
    fn branches_are_named_after_the_operation() {
        assert_eq!(Branch::<InquiryData, true>::schema_name(), "InquirySuccess");
        assert_eq!(
            Branch::<PaymentData, false>::schema_name(),
            "PaymentFailure"
        );
        assert!(carries_complete_data(303, true));
        assert!(carries_complete_data(300, false));
        assert!(!carries_complete_data(303, false));
    }
}
