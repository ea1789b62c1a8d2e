//! Derives every file under `schemas/` from the models.
//!
//! **Layout, chosen for consumers' generators** (DESIGN §6):
//!
//! * `defs.schema.json` — the bundle: every named type shared between
//!   documents (`Message`, `KeyValue`, the bill lines, `InquiryData`,
//!   `PaymentData`, `StatusData`, `FailureData`) under `$defs`, each defined
//!   once;
//! * `<kind>.schema.json` — one per document kind: its own root type, which
//!   refers into the bundle by the relative `$ref`
//!   `defs.schema.json#/$defs/<Name>` (resolved against the `$id`s, or
//!   against the file's location by tools that read files);
//! * `openapi.json` — the same types under `components/schemas`, once;
//! * `report.schema.json` — the `--format json` report.
//!
//! A response's `data` is `anyOf` the operation's complete object and
//! `FailureData` (named `$ref`s, so that generators emit a union of named
//! types); the `if`/`then`/`else` on `responseCode` stays as the constraint
//! that a success, processing or inquiry-ok code carries the complete object.
//! Every schema has `$id` (with the major of [`SCHEMA_VERSION`]), `title`,
//! `description` and the seed's payloads as `examples`; only standard
//! `format`s remain (schemars' `uint64`, `int32`, `double`, … are dropped,
//! fixed-width ones replaced by their bounds).
//!
//! Two variants of each document schema exist. The **strict** one is what
//! schemars derives (the models deny unknown fields, so every object has
//! `additionalProperties: false`); the validator compiles it and reports a
//! violation of that keyword as `drift`. The **published** one, written to
//! `schemas/`, drops those `additionalProperties: false` so that consumers
//! stay tolerant readers, as DESIGN §5 asks.

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value, json};

use super::examples::seed_examples;
use super::kind::{DocKind, Operation};
use super::version::{SCHEMA_VERSION, schema_major};
use crate::model::{
    ErrorResponse, InquiryRequest, InquiryResponse, PaymentRequest, PaymentResponse, StatusRequest,
    StatusResponse,
};

/// File name of the bundle of shared definitions, next to the kind schemas.
pub const DEFINITIONS_FILE: &str = "defs.schema.json";

/// Which variant of a schema: what the validator compiles, or what `schemas/` publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaVariant {
    /// Unknown fields forbidden everywhere (`additionalProperties: false`).
    Strict,
    /// Unknown fields allowed: what consumers read.
    Published,
}

/// The base every `$id` starts with, e.g.
/// `https://ppob-contract.example/schemas/v1/`. It is an identifier, not a
/// location: nothing is served there (`.example` is a reserved name), and
/// tools resolve the relative `$ref`s between the files of `schemas/`.
pub fn schema_base_uri() -> String {
    format!("https://ppob-contract.example/schemas/v{}/", schema_major())
}

/// The `$id` of the schema file `file` (e.g. `inquiry.response.schema.json`).
pub fn schema_id(file: &str) -> String {
    format!("{}{file}", schema_base_uri())
}

/// The file name of a kind's schema, e.g. `inquiry.response.schema.json`.
pub fn schema_file(kind: DocKind) -> String {
    format!("{}.schema.json", kind.name())
}

fn settings() -> SchemaSettings {
    SchemaSettings::draft2020_12()
}

fn root_schema<T: JsonSchema>() -> Value {
    settings()
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value()
}

/// The kind's root schema as schemars derives it, its `$defs` still inside.
fn derived(kind: DocKind) -> Value {
    match kind {
        DocKind::InquiryRequest => root_schema::<InquiryRequest>(),
        DocKind::InquiryResponse => root_schema::<InquiryResponse>(),
        DocKind::PaymentRequest => root_schema::<PaymentRequest>(),
        DocKind::PaymentResponse => root_schema::<PaymentResponse>(),
        DocKind::StatusRequest => root_schema::<StatusRequest>(),
        DocKind::StatusResponse | DocKind::Callback => root_schema::<StatusResponse>(),
    }
}

/// Calls `f` on every schema object below `value`. The values of annotation
/// keywords (`examples`, `const`, `default`, `enum`) are instances, not
/// schemas, and are skipped; the keys of name maps (`properties`, `$defs`,
/// `components/schemas`, …) are names, so a field called `default` is still
/// walked.
pub(super) fn for_each_schema(value: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    walk(value, f, false);
}

fn walk(value: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>), names: bool) {
    match value {
        Value::Object(map) => {
            if !names {
                f(map);
            }
            for (key, child) in map.iter_mut() {
                if names {
                    walk(child, f, false);
                } else if matches!(key.as_str(), "examples" | "const" | "default" | "enum") {
                    continue;
                } else {
                    let is_name_map = matches!(
                        key.as_str(),
                        "properties" | "patternProperties" | "$defs" | "definitions" | "schemas"
                    );
                    walk(child, f, is_name_map);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| walk(v, f, false)),
        _ => {}
    }
}

/// The `format` values JSON Schema 2020-12 defines; any other is dropped.
pub(super) const STANDARD_FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uuid",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
];

/// Bounds that stand in for schemars' fixed-width integer formats.
fn format_bounds(format: &str) -> Option<(i64, i64)> {
    Some(match format {
        "int8" => (i8::MIN.into(), i8::MAX.into()),
        "uint8" => (0, u8::MAX.into()),
        "int16" => (i16::MIN.into(), i16::MAX.into()),
        "uint16" => (0, u16::MAX.into()),
        "int32" => (i32::MIN.into(), i32::MAX.into()),
        "uint32" => (0, u32::MAX.into()),
        _ => return None,
    })
}

/// Drops every non-standard `format` (Ajv's strict mode refuses them);
/// a fixed-width integer format becomes `minimum`/`maximum` where those are
/// not already set.
fn standard_formats_only(value: &mut Value) {
    for_each_schema(value, &mut |map| {
        let Some(Value::String(format)) = map.get("format") else {
            return;
        };
        if STANDARD_FORMATS.contains(&format.as_str()) {
            return;
        }
        if let Some((min, max)) = format_bounds(format) {
            map.entry("minimum").or_insert(json!(min));
            map.entry("maximum").or_insert(json!(max));
        }
        map.remove("format");
    });
}

/// Removes every `additionalProperties: false` below `value`.
fn allow_unknown_fields(value: &mut Value) {
    for_each_schema(value, &mut |map| {
        if map.get("additionalProperties") == Some(&Value::Bool(false)) {
            map.remove("additionalProperties");
        }
    });
}

/// Points every local `#/$defs/X` reference at the bundle: `defs.schema.json#/$defs/X`.
fn refer_to_bundle(value: &mut Value) {
    for_each_schema(value, &mut |map| {
        if let Some(Value::String(reference)) = map.get_mut("$ref")
            && reference.starts_with("#/$defs/")
        {
            reference.insert_str(0, DEFINITIONS_FILE);
        }
    });
}

fn apply_variant(mut schema: Value, variant: SchemaVariant) -> Value {
    standard_formats_only(&mut schema);
    if variant == SchemaVariant::Published {
        allow_unknown_fields(&mut schema);
    }
    schema
}

/// Title and description of a kind's schema: the model's, except for the
/// callback, which shares the status response's model.
fn title_and_description(kind: DocKind, derived: &Map<String, Value>) -> (Value, Value) {
    match kind {
        DocKind::Callback => (
            json!("Callback"),
            json!(
                "The body the vendor POSTs to the partner's callback URL when a payment settles: the same shape as a status response (StatusResponse). The partner must answer HTTP 200, else it is retried."
            ),
        ),
        _ => (
            derived.get("title").cloned().unwrap_or(Value::Null),
            derived.get("description").cloned().unwrap_or(Value::Null),
        ),
    }
}

/// A kind's schema in `variant`: its root type, with `$id`, `title`,
/// `description` and the seed's `examples`, referring into the bundle
/// ([`definitions`]) for every named type.
pub fn kind_schema(kind: DocKind, variant: SchemaVariant) -> Value {
    let Value::Object(mut root) = derived(kind) else {
        return Value::Null;
    };
    root.remove("$defs");
    let (title, description) = title_and_description(kind, &root);
    let mut schema = Map::new();
    schema.insert("$schema".into(), root.remove("$schema").unwrap_or_default());
    schema.insert("$id".into(), json!(schema_id(&schema_file(kind))));
    schema.insert("title".into(), title);
    schema.insert("description".into(), description);
    root.remove("title");
    root.remove("description");
    schema.extend(root);
    schema.insert(
        "examples".into(),
        seed_examples(kind).into_iter().map(|e| e.value).collect(),
    );
    let mut schema = Value::Object(schema);
    refer_to_bundle(&mut schema);
    apply_variant(schema, variant)
}

/// The schema of a kind as derived, unknown fields forbidden everywhere.
pub fn strict_schema(kind: DocKind) -> Value {
    kind_schema(kind, SchemaVariant::Strict)
}

/// The schema of a kind as published: unknown fields allowed.
pub fn published_schema(kind: DocKind) -> Value {
    kind_schema(kind, SchemaVariant::Published)
}

/// The named types of every kind, each once, in name order.
fn shared_definitions() -> Map<String, Value> {
    let mut defs = Map::new();
    for kind in DocKind::ALL {
        if let Some(Value::Object(kind_defs)) = derived(kind).get_mut("$defs").map(Value::take) {
            for (name, schema) in kind_defs {
                defs.entry(name).or_insert(schema);
            }
        }
    }
    defs
}

/// The bundle `defs.schema.json` in `variant`: every named type under `$defs`.
pub fn definitions(variant: SchemaVariant) -> Value {
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": schema_id(DEFINITIONS_FILE),
        "title": "PpobDefinitions",
        "description": format!(
            "The named types shared by the PPOB v2 bill-payment schemas (version {SCHEMA_VERSION}), each defined once; the per-document schemas refer to them as {DEFINITIONS_FILE}#/$defs/<Name>. Not a document schema itself. Derived by ppob-contract from its Rust models; do not edit by hand."
        ),
        "$defs": shared_definitions()
    });
    apply_variant(schema, variant)
}

/// The folder of `schemas/` holding the self-contained variant of each kind's schema.
pub const BUNDLED_DIR: &str = "bundled";

/// Every `$ref` string below `value`.
fn references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.push(r.clone());
            }
            map.values().for_each(|v| references(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

/// A kind's published schema as one self-contained file
/// (`schemas/bundled/<kind>.schema.json`): the named types it uses, and the
/// types those use, copied from the bundle into its own `$defs`, every
/// `$ref` local (`#/$defs/<Name>`). Single-file tools (check-jsonschema,
/// editors, pre-commit hooks) read it offline with no base URI; it accepts
/// exactly what the two-file form accepts.
pub fn bundled_schema(kind: DocKind) -> Value {
    let mut schema = published_schema(kind);
    let Value::Object(bundle) = definitions(SchemaVariant::Published)
        .get_mut("$defs")
        .map(Value::take)
        .unwrap_or_default()
    else {
        return schema;
    };
    let prefix = format!("{DEFINITIONS_FILE}#/$defs/");
    for_each_schema(&mut schema, &mut |map| {
        if let Some(Value::String(reference)) = map.get_mut("$ref")
            && let Some(name) = reference.strip_prefix(prefix.as_str())
        {
            *reference = format!("#/$defs/{name}");
        }
    });
    let mut wanted = Vec::new();
    references(&schema, &mut wanted);
    let mut defs = Map::new();
    while let Some(reference) = wanted.pop() {
        let Some(name) = reference.strip_prefix("#/$defs/") else {
            continue;
        };
        if defs.contains_key(name) {
            continue;
        }
        if let Some(def) = bundle.get(name) {
            references(def, &mut wanted);
            defs.insert(name.to_owned(), def.clone());
        }
    }
    defs.sort_keys();
    if let Value::Object(map) = &mut schema {
        map.insert(
            "$id".into(),
            json!(schema_id(&format!("{BUNDLED_DIR}/{}", schema_file(kind)))),
        );
        map.insert("$defs".into(), Value::Object(defs));
    }
    schema
}

/// The schema of any other type derived with the contract's settings (the
/// reporter layer's `--format json` report): `$id` for `file`, `description`
/// unless the type's doc comment gave one, standard formats only.
pub fn derived_schema<T: JsonSchema>(file: &str, description: &str) -> Value {
    let mut schema = root_schema::<T>();
    if let Value::Object(map) = &mut schema {
        map.insert("$id".into(), json!(schema_id(file)));
        map.entry("description").or_insert(json!(description));
    }
    standard_formats_only(&mut schema);
    schema
}

/// Shared with the OpenAPI builder: a generator writing definitions under
/// `components/schemas`.
pub(super) fn components_generator() -> SchemaGenerator {
    settings()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .into_generator()
}

/// Schemas of an operation's request and response, as `$ref`s into `generator`.
pub(super) fn operation_schemas(generator: &mut SchemaGenerator, op: Operation) -> (Value, Value) {
    let (request, response) = match op {
        Operation::Inquiry => (
            generator.subschema_for::<InquiryRequest>(),
            generator.subschema_for::<InquiryResponse>(),
        ),
        Operation::Payment => (
            generator.subschema_for::<PaymentRequest>(),
            generator.subschema_for::<PaymentResponse>(),
        ),
        Operation::Status => (
            generator.subschema_for::<StatusRequest>(),
            generator.subschema_for::<StatusResponse>(),
        ),
    };
    (request.to_value(), response.to_value())
}

/// The schema of an HTTP-level refusal, as a `$ref` into `generator`.
pub(super) fn error_schema(generator: &mut SchemaGenerator) -> Value {
    generator.subschema_for::<ErrorResponse>().to_value()
}

/// The schema of the callback body, as a `$ref` into `generator`.
pub(super) fn callback_schema(generator: &mut SchemaGenerator) -> Value {
    generator.subschema_for::<StatusResponse>().to_value()
}

/// Finishes a whole published document (OpenAPI): standard formats, unknown fields allowed.
pub(super) fn publish(document: Value) -> Value {
    apply_variant(document, SchemaVariant::Published)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_derives_the_same_definition_for_a_shared_name() {
        let bundle = shared_definitions();
        for kind in DocKind::ALL {
            if let Some(Value::Object(defs)) = derived(kind).get("$defs") {
                for (name, schema) in defs {
                    assert_eq!(bundle.get(name), Some(schema), "{kind}: {name} differs");
                }
            }
        }
    }

    #[test]
    fn kind_schemas_refer_only_into_the_bundle_and_every_reference_exists() {
        let bundle = definitions(SchemaVariant::Strict);
        for kind in DocKind::ALL {
            let mut refs = Vec::new();
            references(&strict_schema(kind), &mut refs);
            for r in refs {
                let name = r
                    .strip_prefix("defs.schema.json#/$defs/")
                    .unwrap_or_else(|| panic!("{kind}: {r} does not point into the bundle"));
                assert!(bundle["$defs"][name].is_object(), "{kind}: {r} is missing");
            }
        }
    }

    #[test]
    fn names_are_meaningful_and_formats_standard() {
        let bundle = definitions(SchemaVariant::Published);
        let names: Vec<&String> = bundle["$defs"].as_object().unwrap().keys().collect();
        for expected in [
            "InquiryData",
            "PaymentData",
            "StatusData",
            "FailureData",
            "Message",
        ] {
            assert!(names.iter().any(|n| *n == expected), "{expected} missing");
        }
        for name in names {
            assert!(name.chars().all(char::is_alphanumeric), "{name}");
        }
        let mut all = vec![bundle];
        all.extend(DocKind::ALL.map(published_schema));
        for mut schema in all {
            for_each_schema(&mut schema, &mut |map| {
                if let Some(Value::String(f)) = map.get("format") {
                    assert!(STANDARD_FORMATS.contains(&f.as_str()), "format {f}");
                }
            });
        }
    }

    #[test]
    fn fixed_width_formats_become_bounds() {
        let mut schema = json!({"properties": {"n": {"type": "integer", "format": "uint32", "minimum": 0}, "x": {"type": "number", "format": "double"}, "at": {"type": "string", "format": "date-time"}}});
        standard_formats_only(&mut schema);
        assert_eq!(
            schema,
            json!({"properties": {"n": {"type": "integer", "minimum": 0, "maximum": 4294967295u32}, "x": {"type": "number"}, "at": {"type": "string", "format": "date-time"}}})
        );
    }

    #[test]
    fn a_field_named_like_a_keyword_is_still_a_schema() {
        let mut schema = json!({"properties": {"default": {"type": "integer", "format": "int64"}}});
        standard_formats_only(&mut schema);
        assert_eq!(
            schema,
            json!({"properties": {"default": {"type": "integer"}}})
        );
    }

    #[test]
    fn annotations_are_not_rewritten() {
        let mut schema = json!({"examples": [{"format": "int32", "additionalProperties": false}], "additionalProperties": false});
        allow_unknown_fields(&mut schema);
        standard_formats_only(&mut schema);
        assert_eq!(
            schema,
            json!({"examples": [{"format": "int32", "additionalProperties": false}]})
        );
    }
}
