//! The OpenAPI 3.1 document `schemas/openapi.json`: the three operations,
//! their security (KEY and TOKEN headers), the VERSION header, every HTTP
//! status the reference simulator answers with its body schema, the seed's
//! payloads as examples, and the callback as a webhook. Every model is under
//! `components/schemas`, once. Made to pass `openapi-spec-validator` and
//! `redocly lint` (recommended rules) as is.

use serde_json::{Map, Value, json};

use super::examples::seed_examples;
use super::kind::{DocKind, Operation};
use super::schemas::{
    callback_schema, components_generator, error_schema, operation_schemas, publish,
};
use super::version::SCHEMA_VERSION;

/// The `examples` map of a media type: the seed payloads of `kind`.
fn examples(kind: DocKind) -> Value {
    seed_examples(kind)
        .into_iter()
        .map(|e| {
            let summary = format!("Seed fixture {}.json", e.name);
            (
                e.name.to_owned(),
                json!({"summary": summary, "value": e.value}),
            )
        })
        .collect::<Map<String, Value>>()
        .into()
}

fn summary(op: Operation) -> &'static str {
    match op {
        Operation::Inquiry => "Inquiry (check): what does the customer owe?",
        Operation::Payment => "Payment: pay what an inquiry found",
        Operation::Status => "Status: how did a payment end? Looked up by refNumber",
    }
}

fn description(op: Operation) -> &'static str {
    match op {
        Operation::Inquiry => {
            "Asks what the customer behind accountNumber owes for productCode. responseCode 300 carries InquiryData (its inquiryId is what the payment sends back); 301-399 are inquiry failures."
        }
        Operation::Payment => {
            "Pays what an inquiry found, under the partner's own unique refNumber. 0-99 is final success, 200-299 processing, 100-199 failed. Any code outside 0-399, a timeout, a 5xx or an unparseable body means processing, never failed: ask status, the first time 150 seconds later."
        }
        Operation::Status => {
            "Looks a payment up by the partner's refNumber. 188 (not found) means not known yet: keep the payment pending."
        }
    }
}

fn operation(op: Operation, request: Value, response: Value) -> Value {
    let (request_kind, response_kind) = (op.request(), op.response());
    let mut operation = json!({
        "operationId": op.name(),
        "tags": ["bill"],
        "summary": summary(op),
        "description": description(op),
        "parameters": [{"$ref": "#/components/parameters/VERSION"}],
        "requestBody": {
            "description": "The request fields. The vendor's samples send them only inside TOKEN with an empty body or {}; whether a server also reads this body is not documented. The reference simulator accepts both and refuses (400) a body that disagrees with the TOKEN.",
            "required": false,
            "content": {"application/json": {
                "schema": request,
                "examples": examples(request_kind)
            }}
        },
        "responses": {
            "200": {
                "description": "The response envelope; success and responseCode tell the outcome and which shape data has.",
                "content": {"application/json": {
                    "schema": response,
                    "examples": examples(response_kind)
                }}
            },
            "400": {"$ref": "#/components/responses/BadRequest"},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "403": {"$ref": "#/components/responses/Forbidden"},
            "404": {"$ref": "#/components/responses/NotFound"},
            "405": {"$ref": "#/components/responses/MethodNotAllowed"},
            "413": {"$ref": "#/components/responses/PayloadTooLarge"},
            "5XX": {"$ref": "#/components/responses/ServerError"}
        }
    });
    if let Some(links) = links(op) {
        operation["responses"]["200"]["links"] = links;
    }
    operation
}

/// What a client may do next with this operation's answer (OpenAPI `links`,
/// which Schemathesis' stateful phase and documentation tools follow): an
/// inquiry's `inquiryId` (with its account and product) is what a payment
/// sends; a payment's `refNumber` is what status looks up. A link's fields go
/// in the request body (and, signed, in TOKEN).
fn links(op: Operation) -> Option<Value> {
    Some(match op {
        Operation::Inquiry => json!({"PayTheInquiry": {
            "operationId": "payment",
            "description": "Pay what the inquiry found: its inquiryId, with the same account and product, under a new refNumber of the partner's.",
            "requestBody": {
                "partnerId": "$request.body#/partnerId",
                "inquiryId": "$response.body#/data/inquiryId",
                "accountNumber": "$response.body#/data/accountNumber",
                "productCode": "$request.body#/productCode",
                "amount": "$response.body#/data/amount"
            }
        }}),
        Operation::Payment => json!({"StatusOfThePayment": {
            "operationId": "status",
            "description": "Ask how the payment ended, by its refNumber (on processing, a timeout or a 5xx too).",
            "requestBody": {
                "partnerId": "$request.body#/partnerId",
                "refNumber": "$request.body#/refNumber"
            }
        }}),
        Operation::Status => return None,
    })
}

/// A reusable HTTP-level refusal with the envelope-shaped error body.
fn refusal(description: &str, error: &Value) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": error}}
    })
}

fn responses(error: &Value) -> Value {
    json!({
        "BadRequest": refusal("Refused before the operation ran: the VERSION header is missing or not 2.0, or the body is not JSON, not an object, or disagrees with the TOKEN (a field differs, or is not in the TOKEN). The vendor does not document its HTTP errors; this is the reference simulator's answer.", error),
        "Unauthorized": refusal("The KEY or TOKEN header is missing, or the TOKEN is not an HS256 JWT whose signature verifies with the partner's API secret.", error),
        "Forbidden": refusal("The KEY is not a known partner, or the TOKEN's partnerId differs from the KEY.", error),
        "NotFound": refusal("The path is not one of the three operations (the simulator answers 404 for any other path).", error),
        "MethodNotAllowed": {
            "description": "Every operation is POST; any other method is refused.",
            "headers": {"Allow": {"description": "Always POST.", "schema": {"type": "string", "const": "POST"}}},
            "content": {"application/json": {"schema": error}}
        },
        "PayloadTooLarge": refusal("The request body is larger than 1 MiB.", error),
        "ServerError": {
            "description": "A server error (the reference simulator's 5xx fault answers it with an HTML page). On a payment it means processing, never failed: ask status.",
            "content": {"text/html": {"schema": {"type": "string"}}}
        }
    })
}

fn security_schemes() -> Value {
    json!({
        "KEY": {
            "type": "apiKey",
            "in": "header",
            "name": "KEY",
            "description": "The partner's API key, equal to partnerId."
        },
        "TOKEN": {
            "type": "apiKey",
            "in": "header",
            "name": "TOKEN",
            "description": "A JWT signed per request. JOSE header {\"alg\":\"HS256\",\"typ\":\"JWT\"}; the payload is the request fields themselves (the same object as the request body schema, e.g. {\"partnerId\":…,\"accountNumber\":…,\"productCode\":…}) with no iat, exp or other claim; the signature is HMAC-SHA256 keyed with the partner's API secret (a second credential, not the KEY). The token does not expire."
        }
    })
}

fn servers() -> Value {
    json!([
        {
            "url": "https://{sandboxHost}",
            "description": "The partner's sandbox or production host: the vendor issues one to each partner and none is public.",
            "variables": {"sandboxHost": {
                "default": "sandbox.example",
                "description": "The host (with a path prefix, if any) the vendor issued to you."
            }}
        },
        {
            "url": "http://127.0.0.1:{port}",
            "description": "The reference simulator: `ppob-contract mock`.",
            "variables": {"port": {"default": "8080", "description": "The port given to `ppob-contract mock --port`."}}
        }
    ])
}

/// The OpenAPI 3.1 document (`schemas/openapi.json`): the same types as the
/// schemas under `components/schemas`, once.
pub fn document() -> Value {
    let mut generator = components_generator();
    let error = error_schema(&mut generator);
    let mut paths = Map::new();
    for op in Operation::ALL {
        let (request, response) = operation_schemas(&mut generator, op);
        paths.insert(
            op.path().into(),
            json!({"post": operation(op, request, response)}),
        );
    }
    let callback = callback_schema(&mut generator);
    let schemas = Value::Object(generator.take_definitions(true));
    publish(json!({
        "openapi": "3.1.0",
        "info": {
            "title": "PPOB v2 bill payment: every product category (Mobile Postpaid, Pulsa, PLN, BPJS, e-wallet, vouchers, …)",
            "version": SCHEMA_VERSION,
            "description": "The inquiry, payment and status operations of the PPOB v2 bill-payment API and the payment callback, derived by ppob-contract from its Rust models (do not edit by hand). info.version is the version of the schema set (schemas/). Every call carries the KEY and TOKEN headers (see securitySchemes) and VERSION: 2.0.",
            "license": {"name": "MIT OR Apache-2.0", "identifier": "MIT OR Apache-2.0"}
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "servers": servers(),
        "security": [{"KEY": [], "TOKEN": []}],
        "tags": [
            {"name": "bill", "description": "The three operations, each POST with the request fields in TOKEN."},
            {"name": "callback", "description": "What the vendor sends to the partner."}
        ],
        "paths": paths,
        "webhooks": {"paymentCallback": {"post": {
            "operationId": "paymentCallback",
            "tags": ["callback"],
            "summary": "Sent to each callbackUrl when a payment settles",
            "description": "The vendor POSTs the final result of a payment to every URL of the payment's callbackUrls; the body has the shape of a status response. How the vendor authenticates itself to the partner is not documented.",
            "security": [],
            "requestBody": {"required": true, "content": {"application/json": {
                "schema": callback,
                "examples": examples(DocKind::Callback)
            }}},
            "responses": {
                "200": {"description": "The partner received the callback."},
                "4XX": {"description": "Any status other than 200 makes the vendor retry the callback later."}
            }
        }}},
        "components": {
            "schemas": schemas,
            "parameters": {"VERSION": {
                "name": "VERSION",
                "in": "header",
                "required": true,
                "description": "The API version; always 2.0. (An enum of one value rather than const: some generators, e.g. openapi-python-client, refuse a const header.)",
                "schema": {"type": "string", "enum": ["2.0"]}
            }},
            "responses": responses(&error),
            "securitySchemes": security_schemes()
        }
    }))
}
