//! Derives every file under `schemas/` from the models.
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

use super::finding::Report;
use super::kind::{DocKind, Operation};
use crate::model::{
    InquiryRequest, InquiryResponse, PaymentRequest, PaymentResponse, StatusRequest, StatusResponse,
};

/// One generated file: its path relative to the repository root and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the repository root, e.g. `schemas/openapi.json`.
    pub path: String,
    /// The exact file contents (pretty JSON with a trailing newline).
    pub contents: String,
}

fn root_schema<T: JsonSchema>() -> Value {
    SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value()
}

/// The schema of a kind as derived, unknown fields forbidden everywhere.
pub fn strict_schema(kind: DocKind) -> Value {
    let mut schema = match kind {
        DocKind::InquiryRequest => root_schema::<InquiryRequest>(),
        DocKind::InquiryResponse => root_schema::<InquiryResponse>(),
        DocKind::PaymentRequest => root_schema::<PaymentRequest>(),
        DocKind::PaymentResponse => root_schema::<PaymentResponse>(),
        DocKind::StatusRequest => root_schema::<StatusRequest>(),
        DocKind::StatusResponse | DocKind::Callback => root_schema::<StatusResponse>(),
    };
    if kind == DocKind::Callback {
        let object = schema.as_object_mut().expect("a root schema is an object");
        object.insert("title".into(), json!("Callback"));
        object.insert(
            "description".into(),
            json!("The body the vendor POSTs to the partner's callback URL when a payment settles: the same shape as a status response. The partner must answer HTTP 200, else it is retried."),
        );
    }
    schema
}

/// The schema of a kind as published: unknown fields allowed.
pub fn published_schema(kind: DocKind) -> Value {
    let mut schema = strict_schema(kind);
    allow_unknown_fields(&mut schema);
    schema
}

/// Removes every `additionalProperties: false` below `value`.
fn allow_unknown_fields(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("additionalProperties") == Some(&Value::Bool(false)) {
                map.remove("additionalProperties");
            }
            map.values_mut().for_each(allow_unknown_fields);
        }
        Value::Array(items) => items.iter_mut().for_each(allow_unknown_fields),
        _ => {}
    }
}

/// The schema of the `--format json` report.
pub fn report_schema() -> Value {
    root_schema::<Report>()
}

fn header(name: &str, description: &str, schema: Value) -> Value {
    json!({
        "name": name,
        "in": "header",
        "required": true,
        "description": description,
        "schema": schema
    })
}

/// The OpenAPI 3.1 document: the three operations, their headers and
/// responses, the callback as a webhook, and every model under
/// `components/schemas`.
pub fn openapi() -> Value {
    let mut generator: SchemaGenerator = SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .into_generator();
    let mut paths = Map::new();
    for op in Operation::ALL {
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
        let summary = match op {
            Operation::Inquiry => "Inquiry (check): what does the customer owe?",
            Operation::Payment => "Payment: pay what an inquiry found",
            Operation::Status => "Status: how did a payment end? Looked up by refNumber",
        };
        paths.insert(
            op.path().into(),
            json!({"post": {
                "operationId": op.name(),
                "summary": summary,
                "parameters": [
                    {"$ref": "#/components/parameters/KEY"},
                    {"$ref": "#/components/parameters/TOKEN"},
                    {"$ref": "#/components/parameters/VERSION"}
                ],
                "requestBody": {
                    "description": "The request fields. The vendor's samples send them only inside TOKEN with an empty body or {}; whether a server also reads this body is not documented.",
                    "required": false,
                    "content": {"application/json": {"schema": request.to_value()}}
                },
                "responses": {"200": {
                    "description": "The response envelope; responseCode tells the outcome. A payment answered with a code outside 0-399, a timeout, a 5xx or an unparseable body is still processing: ask status, not before 150 seconds.",
                    "content": {"application/json": {"schema": response.to_value()}}
                }}
            }}),
        );
    }
    let callback = generator.subschema_for::<StatusResponse>();
    let mut components = Map::new();
    components.insert(
        "schemas".into(),
        Value::Object(generator.take_definitions(true)),
    );
    components.insert(
        "parameters".into(),
        json!({
            "KEY": header("KEY", "The partner's API key (equal to partnerId).", json!({"type": "string"})),
            "TOKEN": header("TOKEN", "An HS256 JWT whose payload is the request fields themselves (no iat/exp), signed with the partner's API secret.", json!({"type": "string"})),
            "VERSION": header("VERSION", "API version.", json!({"type": "string", "const": "2.0"}))
        }),
    );
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "PPOB v2 bill payment: Mobile Postpaid (Pascabayar)",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Derived by ppob-contract from its Rust models; do not edit by hand. Sandbox and production hosts are issued to each partner, so no server is listed."
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "paths": paths,
        "webhooks": {"paymentCallback": {"post": {
            "summary": "Sent to each callbackUrl when a payment settles",
            "requestBody": {"required": true, "content": {"application/json": {"schema": callback.to_value()}}},
            "responses": {"200": {"description": "The partner received the callback; any other status makes the vendor retry."}}
        }}},
        "components": components
    });
    allow_unknown_fields(&mut doc);
    doc
}

fn file(path: String, value: &Value) -> GeneratedFile {
    let mut contents = serde_json::to_string_pretty(value).expect("a JSON value serializes");
    contents.push('\n');
    GeneratedFile { path, contents }
}

/// Every file under `schemas/`, as `cargo xtask schemas` writes it.
pub fn generated_files() -> Vec<GeneratedFile> {
    let mut files: Vec<GeneratedFile> = DocKind::ALL
        .iter()
        .map(|&kind| {
            file(
                format!("schemas/{}.schema.json", kind.name()),
                &published_schema(kind),
            )
        })
        .collect();
    files.push(file("schemas/openapi.json".into(), &openapi()));
    files.push(file("schemas/report.schema.json".into(), &report_schema()));
    files
}
