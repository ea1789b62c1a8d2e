//! Compiled JSON Schema validators, one per document kind, built once.

use std::sync::OnceLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{Registry, ValidationError, Validator};
use serde_json::{Value, json};

use crate::model::envelope_schema;

use super::kind::DocKind;
use super::locate::escape_token;
use super::near_miss::nearest_field;
use super::schemas::{DEFINITIONS_FILE, SchemaVariant, definitions, schema_id, strict_schema};

/// A response schema as compiled for findings: its union of two named shapes
/// (`oneOf`, there for consumers' generators, told apart by `success`) becomes
/// the one envelope object of [`envelope_schema`]. The if/then/else beside the
/// union already says everything the union adds (`success: true` and the
/// success codes require the complete object), so the two accept the same
/// documents, and an error is reported at its place rather than as "matches no
/// branch" with a copy of every branch's errors. Request schemas pass through.
fn for_findings(mut schema: Value) -> Value {
    let Some(map) = schema.as_object_mut() else {
        return schema;
    };
    if map.remove("oneOf").is_some() {
        let message = json!({"$ref": format!("{DEFINITIONS_FILE}#/$defs/Message")});
        if let Value::Object(envelope) = envelope_schema(message) {
            map.extend(envelope);
        }
    }
    schema
}

/// Compiles `schema` (a kind's schema, or any schema whose `$ref`s point into
/// `defs.schema.json`) with the `variant` of the bundle registered under its
/// `$id`. Nothing is fetched: a reference outside the bundle is an error.
pub fn compile_schema(schema: &Value, variant: SchemaVariant) -> Result<Validator, String> {
    let registry = Registry::new()
        .add(schema_id(DEFINITIONS_FILE), definitions(variant))
        .and_then(|builder| builder.prepare())
        .map_err(|e| format!("{DEFINITIONS_FILE}: {e}"))?;
    jsonschema::options()
        .with_registry(&registry)
        .offline()
        .build(schema)
        .map_err(|e| e.to_string())
}

/// One violation of a kind's schema, ready to become a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaViolation {
    /// JSON pointer of the offending value (for a missing or unknown field:
    /// where that field is or would be).
    pub pointer: String,
    /// The failing JSON Schema keyword, e.g. `type`, `required`.
    pub keyword: String,
    /// What is wrong, keyword first.
    pub message: String,
    /// What the schema expects.
    pub expected: Option<String>,
    /// The offending value, shortened.
    pub actual: Option<String>,
    /// An unknown field (`additionalProperties`): reported as `drift`.
    pub is_drift: bool,
    /// For an unknown field, the documented field it probably meant
    /// ([`nearest_field`]: `CallbackUrls` → `callbackUrls`).
    pub suggestion: Option<&'static str>,
}

/// The compiled validators of every kind, each compiled the first time a
/// document of its kind needs it (most runs need one or none: a document the
/// fast path accepts never reaches a validator). Cheap to share (`Send + Sync`).
pub struct Validators {
    by_kind: [OnceLock<Validator>; DocKind::ALL.len()],
}

/// Longest rendering of a document value kept in a finding.
pub const MAX_ACTUAL_CHARS: usize = 80;

/// Renders a value for a finding, cut to `MAX_ACTUAL_CHARS` characters.
pub fn shorten(value: &Value) -> String {
    let text = match value {
        // Never serialize a huge string or container just to cut it.
        Value::String(s) if s.len() > MAX_ACTUAL_CHARS * 4 => {
            format!("\"{}", s.chars().take(MAX_ACTUAL_CHARS).collect::<String>())
        }
        Value::Array(items) if items.len() > MAX_ACTUAL_CHARS => {
            format!("[…{} items]", items.len())
        }
        Value::Object(map) if map.len() > MAX_ACTUAL_CHARS => {
            format!("{{…{} members}}", map.len())
        }
        other => other.to_string(),
    };
    if text.chars().count() > MAX_ACTUAL_CHARS {
        let cut: String = text.chars().take(MAX_ACTUAL_CHARS - 1).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// The JSON Schema type name of a value (`integer` for a whole number).
pub fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn violations_of(kind: DocKind, error: &ValidationError<'_>) -> Vec<SchemaViolation> {
    let pointer = error.instance_path().as_str().to_owned();
    let instance = error.instance();
    let keyword = error.kind().keyword().to_owned();
    let one = |message: String, expected: Option<String>, actual: Option<String>| {
        vec![SchemaViolation {
            pointer: pointer.clone(),
            keyword: keyword.clone(),
            message,
            expected,
            actual,
            is_drift: false,
            suggestion: None,
        }]
    };
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => unexpected
            .iter()
            .map(|name| {
                let suggestion =
                    nearest_field(kind, &pointer, name, |known| instance.get(known).is_some());
                let hint = suggestion
                    .map(|known| format!(" (did you mean \"{known}\"?)"))
                    .unwrap_or_default();
                SchemaViolation {
                    pointer: format!("{pointer}/{}", escape_token(name)),
                    keyword: keyword.clone(),
                    message: format!(
                        "unknown field \"{name}\": the contract does not document it{hint}"
                    ),
                    expected: suggestion.map(|known| format!("field \"{known}\"")),
                    actual: instance.get(name).map(shorten),
                    is_drift: true,
                    suggestion,
                }
            })
            .collect(),
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            vec![SchemaViolation {
                pointer: format!("{pointer}/{}", escape_token(name)),
                keyword,
                message: format!("required: missing field \"{name}\""),
                expected: Some(format!("field \"{name}\"")),
                actual: Some("absent".into()),
                is_drift: false,
                suggestion: None,
            }]
        }
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => t.to_string(),
                TypeKind::Multiple(set) => set
                    .iter()
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>()
                    .join(" or "),
            };
            let found = json_type_name(instance);
            one(
                format!("type: expected {expected}, found {found}"),
                Some(expected),
                Some(shorten(instance)),
            )
        }
        ValidationErrorKind::Maximum { limit } => one(
            format!("maximum: {} is larger than {limit}", shorten(instance)),
            Some(format!("at most {limit}")),
            Some(shorten(instance)),
        ),
        ValidationErrorKind::Minimum { limit } => one(
            format!("minimum: {} is smaller than {limit}", shorten(instance)),
            Some(format!("at least {limit}")),
            Some(shorten(instance)),
        ),
        ValidationErrorKind::Constant { expected_value } => one(
            format!("const: expected {expected_value}"),
            Some(expected_value.to_string()),
            Some(shorten(instance)),
        ),
        _ => one(
            format!("{keyword}: {}", error.masked()),
            None,
            Some(shorten(instance)),
        ),
    }
}

impl Default for Validators {
    fn default() -> Self {
        Self::new()
    }
}

impl Validators {
    /// Validators of the strict schema of every kind, none compiled yet.
    pub fn new() -> Self {
        Self {
            by_kind: std::array::from_fn(|_| OnceLock::new()),
        }
    }

    /// The validators every check in this process shares, each compiled on first use.
    pub fn shared() -> &'static Self {
        static SHARED: OnceLock<Validators> = OnceLock::new();
        SHARED.get_or_init(Self::new)
    }

    fn validator(&self, kind: DocKind) -> &Validator {
        self.by_kind[kind.index()].get_or_init(|| {
            compile_schema(&for_findings(strict_schema(kind)), SchemaVariant::Strict)
                .unwrap_or_else(|e| panic!("the derived {kind} schema compiles: {e}"))
        })
    }

    /// Every violation of `kind`'s schema in `document` (drift included).
    pub fn violations(&self, kind: DocKind, document: &Value) -> Vec<SchemaViolation> {
        let mut all = Vec::new();
        self.visit_violations(kind, document, |v| {
            all.push(v);
            std::ops::ControlFlow::Continue(())
        });
        all
    }

    /// Hands each violation of `kind`'s schema in `document` to `visit`, one
    /// at a time and in the validator's order, until it says stop: a
    /// document with 600 000 violations costs no more memory than one.
    /// Returns whether `visit` stopped early.
    pub fn visit_violations(
        &self,
        kind: DocKind,
        document: &Value,
        mut visit: impl FnMut(SchemaViolation) -> std::ops::ControlFlow<()>,
    ) -> bool {
        for error in self.validator(kind).iter_errors(document) {
            for violation in violations_of(kind, &error) {
                if visit(violation).is_break() {
                    return true;
                }
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorten_cuts_long_values_without_serializing_them_whole() {
        let long = Value::String("x".repeat(50_000_000));
        assert!(shorten(&long).chars().count() <= MAX_ACTUAL_CHARS);
        assert_eq!(shorten(&json!(3607)), "3607");
    }

    #[test]
    fn type_errors_name_expected_and_found() {
        let v = Validators::new();
        let doc = json!({"partnerId": 1, "refNumber": "r"});
        let found = v.violations(DocKind::StatusRequest, &doc);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].pointer, "/partnerId");
        assert_eq!(found[0].message, "type: expected string, found integer");
    }

    #[test]
    fn unknown_fields_are_drift_and_missing_ones_are_required() {
        let v = Validators::new();
        let doc = json!({"partnerId": "p", "extra": true});
        let found = v.violations(DocKind::StatusRequest, &doc);
        let drift: Vec<_> = found.iter().filter(|f| f.is_drift).collect();
        assert_eq!(drift.len(), 1);
        assert_eq!(drift[0].pointer, "/extra");
        let missing: Vec<_> = found.iter().filter(|f| f.keyword == "required").collect();
        assert_eq!(missing[0].pointer, "/refNumber");
    }

    #[test]
    fn drift_names_the_documented_field_it_probably_meant() {
        let v = Validators::new();
        let doc = json!({"partnerId": "p", "refNumber": "R", "accountNumber": "1",
            "productCode": "x", "amount": 1, "inquiryId": 1, "CallbackUrls": [], "zzz": 1});
        let drift: Vec<_> = v
            .violations(DocKind::PaymentRequest, &doc)
            .into_iter()
            .filter(|f| f.is_drift)
            .collect();
        assert_eq!(drift.len(), 2, "{drift:?}");
        let near = &drift[0];
        assert_eq!(near.pointer, "/CallbackUrls");
        assert_eq!(near.suggestion, Some("callbackUrls"));
        assert_eq!(
            near.message,
            "unknown field \"CallbackUrls\": the contract does not document it (did you mean \"callbackUrls\"?)"
        );
        assert_eq!(near.expected.as_deref(), Some("field \"callbackUrls\""));
        assert_eq!(drift[1].suggestion, None);
        assert!(!drift[1].message.contains("did you mean"));
        let response = json!({"responseCode": 0, "success": true, "message": {"ID": "", "EN": ""},
            "data": {"RefNumber": "R"}});
        let inner: Vec<_> = v
            .violations(DocKind::StatusResponse, &response)
            .into_iter()
            .filter(|f| f.is_drift)
            .collect();
        assert_eq!(inner[0].pointer, "/data/RefNumber");
        assert_eq!(inner[0].suggestion, Some("refNumber"));
    }
}
