//! The response envelope `{responseCode, success, message, data}`.
//!
//! Which `data` a response carries depends on its code: the complete object of
//! the operation for success, processing and inquiry-ok codes, and the lenient
//! [`FailureData`] (`{}`, the blank object, or any part) for every other code.
//! Deserialization and the derived schema (an `if`/`then`/`else` on
//! `responseCode`) say exactly the same thing.

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

fn data_for_code<D: DeserializeOwned, E: de::Error>(
    code: i64,
    value: serde_json::Value,
) -> Result<ResponseData<D>, E> {
    if CodeClass::of(code).carries_complete_data() {
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
                    match code {
                        Some(c) if CodeClass::of(c).carries_complete_data() => {
                            data = Some(ResponseData::Complete(
                                map.next_value_seed(ObjectSeed::default())?,
                            ));
                        }
                        Some(_) => {
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
        let data = match (data, early_data) {
            (Some(d), _) => d,
            (None, Some(value)) => data_for_code(response_code, value)?,
            (None, None) => return Err(de::Error::missing_field("data")),
        };
        Ok(Response {
            response_code,
            success: success.ok_or_else(|| de::Error::missing_field("success"))?,
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
        let complete = generator.subschema_for::<D>();
        let failure = generator.subschema_for::<FailureData>();
        let message = generator.subschema_for::<Message>();
        json_schema!({
            "description": "The response envelope. `data` is the operation's complete object when `responseCode` is a success (0-99), processing (200-299) or inquiry-ok (300) code; for any other code it may be `{}`, the blank object (strings \"\", numbers 0, arrays null) or part of the complete object.",
            "type": "object",
            "properties": {
                "responseCode": response_code_schema(),
                "success": {
                    "description": "true for success, processing and inquiry-ok codes, false otherwise.",
                    "type": "boolean"
                },
                "message": message,
                "data": {
                    "description": "The payload: one of two named shapes, told apart by responseCode. The operation's complete object for a success (0-99), processing (200-299) or inquiry-ok (300) code (the if/then/else of this schema requires it), FailureData otherwise.",
                    "anyOf": [complete.clone(), failure.clone()]
                }
            },
            "required": ["responseCode", "success", "message", "data"],
            "additionalProperties": false,
            "if": {
                "properties": {"responseCode": complete_data_codes_schema()},
                "required": ["responseCode"]
            },
            "then": {"properties": {"data": complete}},
            "else": {"properties": {"data": failure}}
        })
    }
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
