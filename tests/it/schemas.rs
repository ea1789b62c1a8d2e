//! `schemas/` is derived from the models: committed files must be fresh, and
//! their shape is snapshotted so that every change is reviewed.

use ppob_contract::contract::{
    DocKind, Operation, SCHEMA_VERSION, SchemaVariant, compile_schema, definitions, openapi,
    published_schema, schema_id,
};
use ppob_contract::generated_files;
use serde_json::{Value, json};

use crate::support::root;

#[test]
fn committed_schemas_are_fresh() {
    let stale: Vec<String> = generated_files()
        .into_iter()
        .filter(|file| {
            std::fs::read_to_string(root().join(&file.path))
                .ok()
                .as_deref()
                != Some(file.contents.as_str())
        })
        .map(|file| format!("{} is stale; run cargo xtask schemas", file.path))
        .collect();
    assert!(stale.is_empty(), "{}", stale.join("\n"));
}

#[test]
fn schema_shapes_are_reviewed() {
    for file in generated_files() {
        let name = file
            .path
            .trim_start_matches("schemas/")
            .replace(".json", "");
        insta::assert_snapshot!(name, file.contents);
    }
}

#[test]
fn schemas_are_draft_2020_12_with_id_title_description_and_examples() {
    for file in generated_files() {
        if file.path.ends_with("openapi.json") {
            continue;
        }
        let value: Value = serde_json::from_str(&file.contents).unwrap();
        assert_eq!(
            value["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{}",
            file.path
        );
        let name = file.path.trim_start_matches("schemas/");
        assert_eq!(value["$id"], json!(schema_id(name)), "{}", file.path);
        assert!(value["$id"].as_str().unwrap().contains("/v1/"));
        for key in ["title", "description"] {
            assert!(value[key].is_string(), "{} has no {key}", file.path);
        }
        compile_schema(&value, SchemaVariant::Published)
            .unwrap_or_else(|e| panic!("{} does not compile: {e}", file.path));
    }
    for kind in DocKind::ALL {
        let schema = published_schema(kind);
        let validator = compile_schema(&schema, SchemaVariant::Strict).unwrap();
        let examples = schema["examples"].as_array().unwrap();
        assert!(!examples.is_empty(), "{kind} has no examples");
        for example in examples {
            assert!(
                validator.is_valid(example),
                "{kind}: example fails\n{example:#}"
            );
        }
    }
}

#[test]
fn response_data_is_a_union_of_named_types() {
    let bundle = definitions(SchemaVariant::Published);
    for (kind, complete) in [
        (DocKind::InquiryResponse, "InquiryData"),
        (DocKind::PaymentResponse, "PaymentData"),
        (DocKind::StatusResponse, "StatusData"),
        (DocKind::Callback, "StatusData"),
    ] {
        let schema = published_schema(kind);
        let union: Vec<&str> = schema["properties"]["data"]["anyOf"]
            .as_array()
            .unwrap_or_else(|| panic!("{kind}: data is not a union"))
            .iter()
            .map(|s| s["$ref"].as_str().unwrap())
            .collect();
        let expected = [complete, "FailureData"].map(|n| format!("defs.schema.json#/$defs/{n}"));
        assert_eq!(union, expected, "{kind}");
        for name in [complete, "FailureData"] {
            assert!(bundle["$defs"][name]["properties"].is_object(), "{name}");
        }
        // The code -> shape constraint is kept beside the union.
        assert_eq!(
            schema["then"]["properties"]["data"]["$ref"],
            json!(expected[0]),
            "{kind}"
        );
    }
}

#[test]
fn shared_types_are_defined_once_in_the_bundle() {
    for kind in DocKind::ALL {
        let schema = published_schema(kind);
        assert!(
            schema.get("$defs").is_none(),
            "{kind} defines its own types"
        );
    }
    let bundle = definitions(SchemaVariant::Published);
    let names: Vec<&String> = bundle["$defs"].as_object().unwrap().keys().collect();
    assert_eq!(
        names,
        [
            "FailureData",
            "InquiryBillDetail",
            "InquiryData",
            "KeyValue",
            "Message",
            "PaymentBillDetail",
            "PaymentData",
            "StatusBillDetail",
            "StatusData"
        ]
    );
}

#[test]
fn openapi_is_3_1_with_security_servers_and_every_simulator_status() {
    let doc = openapi();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["version"], json!(SCHEMA_VERSION));
    assert_eq!(doc["security"], json!([{"KEY": [], "TOKEN": []}]));
    for scheme in ["KEY", "TOKEN"] {
        let s = &doc["components"]["securitySchemes"][scheme];
        assert_eq!(
            (&s["type"], &s["in"], &s["name"]),
            (&json!("apiKey"), &json!("header"), &json!(scheme))
        );
    }
    let token = doc["components"]["securitySchemes"]["TOKEN"]["description"]
        .as_str()
        .unwrap();
    for word in ["HS256", "payload is the request fields", "no iat, exp"] {
        assert!(token.contains(word), "{token}");
    }
    assert!(doc["servers"][0]["variables"]["sandboxHost"]["default"].is_string());
    let mut ids = Vec::new();
    for op in Operation::ALL {
        let post = &doc["paths"][op.path()]["post"];
        ids.push(post["operationId"].as_str().unwrap().to_owned());
        assert_eq!(
            post["parameters"],
            json!([{"$ref": "#/components/parameters/VERSION"}])
        );
        let statuses: Vec<&String> = post["responses"].as_object().unwrap().keys().collect();
        assert_eq!(
            statuses,
            ["200", "400", "401", "403", "404", "405", "413", "5XX"],
            "{op:?}"
        );
        let examples = post["responses"]["200"]["content"]["application/json"]["examples"]
            .as_object()
            .unwrap();
        assert!(examples.contains_key(op.response().name()), "{op:?}");
    }
    let webhook = &doc["webhooks"]["paymentCallback"]["post"];
    ids.push(webhook["operationId"].as_str().unwrap().to_owned());
    assert_eq!(ids, ["inquiry", "payment", "status", "paymentCallback"]);
    let error = &doc["components"]["schemas"]["ErrorResponse"];
    assert_eq!(
        error["properties"]["data"]["$ref"],
        "#/components/schemas/FailureData"
    );
}

/// Every status the simulator answers over HTTP has a body that validates
/// against what the OpenAPI document says for that status.
#[test]
fn the_simulator_s_error_bodies_match_the_openapi_error_schema() {
    let doc = openapi();
    let mut schema = doc["components"]["schemas"]["ErrorResponse"].clone();
    schema["$defs"] = doc["components"]["schemas"].clone();
    let text = serde_json::to_string(&schema)
        .unwrap()
        .replace("#/components/schemas/", "#/$defs/");
    let validator = jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap();
    for status in [400, 401, 403, 404, 405, 413] {
        let body = ppob_contract::sim::http_error(status, "uji", "test").body;
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert!(validator.is_valid(&body), "{status}: {body}");
    }
}
