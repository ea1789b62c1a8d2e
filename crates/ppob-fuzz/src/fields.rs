//! The request fields the strategies vary, read from the strict request
//! schemas (themselves derived from `ppob_core::model`): a field added to a
//! request model is fuzzed without touching this module.

use std::sync::OnceLock;

use serde_json::Value;

use ppob_core::contract::Operation;
use ppob_core::contract::strict_schema;

/// The JSON type a request field has in its schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// A string.
    String,
    /// A non-negative integer.
    Integer,
    /// An array of strings (`callbackUrls`).
    Strings,
}

/// One field of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    /// Its camelCase name, e.g. `refNumber`.
    pub name: String,
    /// Its type.
    pub ty: FieldType,
    /// Whether the schema requires it.
    pub required: bool,
}

fn type_of(property: &Value) -> Option<FieldType> {
    let types: Vec<&str> = match property.get("type")? {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return None,
    };
    types.iter().find_map(|t| match *t {
        "string" => Some(FieldType::String),
        "integer" => Some(FieldType::Integer),
        "array" => Some(FieldType::Strings),
        _ => None,
    })
}

/// Reads the fields out of a request schema, in the schema's property order.
pub fn fields_of(schema: &Value) -> Vec<FieldSpec> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    properties
        .iter()
        .filter_map(|(name, property)| {
            Some(FieldSpec {
                name: name.clone(),
                ty: type_of(property)?,
                required: required.contains(&name.as_str()),
            })
        })
        .collect()
}

/// The fields of `operation`'s request (computed once).
pub fn request_fields(operation: Operation) -> &'static [FieldSpec] {
    static FIELDS: OnceLock<[Vec<FieldSpec>; 3]> = OnceLock::new();
    let all =
        FIELDS.get_or_init(|| Operation::ALL.map(|op| fields_of(&strict_schema(op.request()))));
    let index = Operation::ALL
        .iter()
        .position(|op| *op == operation)
        .unwrap_or(0);
    &all[index]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(op: Operation, pick: impl Fn(&FieldSpec) -> bool) -> Vec<&'static str> {
        request_fields(op)
            .iter()
            .filter(|f| pick(f))
            .map(|f| f.name.as_str())
            .collect()
    }

    #[test]
    fn the_payment_fields_follow_the_model() {
        assert_eq!(
            names(Operation::Payment, |f| f.required),
            [
                "accountNumber",
                "amount",
                "inquiryId",
                "partnerId",
                "productCode",
                "refNumber"
            ]
        );
        assert_eq!(names(Operation::Payment, |f| !f.required), ["callbackUrls"]);
        let amount = request_fields(Operation::Payment)
            .iter()
            .find(|f| f.name == "amount")
            .unwrap();
        assert_eq!(amount.ty, FieldType::Integer);
        let urls = request_fields(Operation::Payment)
            .iter()
            .find(|f| f.name == "callbackUrls")
            .unwrap();
        assert_eq!(urls.ty, FieldType::Strings);
    }

    #[test]
    fn optional_inquiry_fields_are_nullable_in_the_schema_and_still_typed() {
        let optional: Vec<_> = request_fields(Operation::Inquiry)
            .iter()
            .filter(|f| !f.required)
            .map(|f| (f.name.as_str(), f.ty))
            .collect();
        assert_eq!(
            optional,
            [
                ("amount", FieldType::Integer),
                ("month", FieldType::Integer),
                ("zoneId", FieldType::String)
            ]
        );
        assert_eq!(
            names(Operation::Status, |f| f.required),
            ["partnerId", "refNumber"]
        );
    }
}
