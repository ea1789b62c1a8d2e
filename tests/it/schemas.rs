//! `schemas/` is derived from the models: committed files must be fresh, and
//! their shape is snapshotted so that every change is reviewed.

use ppob_contract::contract::{
    DocKind, Operation, SCHEMA_VERSION, SchemaVariant, bundled_schema, compile_schema, definitions,
    openapi, published_schema, schema_id,
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
        let major = SCHEMA_VERSION.split('.').next().unwrap();
        assert!(
            value["$id"]
                .as_str()
                .unwrap()
                .contains(&format!("/v{major}/")),
            "{}",
            file.path
        );
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

/// A response is a union of two named shapes told apart by `success` (a
/// constant in each), the complete object required in the success one, and
/// the code -> shape constraint kept beside the union.
#[test]
fn responses_are_a_union_told_apart_by_success() {
    let bundle = definitions(SchemaVariant::Published);
    for (kind, operation, complete) in [
        (DocKind::InquiryResponse, "Inquiry", "InquiryData"),
        (DocKind::PaymentResponse, "Payment", "PaymentData"),
        (DocKind::StatusResponse, "Status", "StatusData"),
        (DocKind::Callback, "Status", "StatusData"),
    ] {
        let schema = published_schema(kind);
        let union: Vec<&str> = schema["oneOf"]
            .as_array()
            .unwrap_or_else(|| panic!("{kind}: not a union"))
            .iter()
            .map(|s| s["$ref"].as_str().unwrap())
            .collect();
        let branches = [format!("{operation}Success"), format!("{operation}Failure")];
        let expected = branches
            .each_ref()
            .map(|n| format!("defs.schema.json#/$defs/{n}"));
        assert_eq!(union, expected, "{kind}");
        for (branch, (flag, data)) in branches
            .iter()
            .zip([(true, complete), (false, "FailureData")])
        {
            let shape = &bundle["$defs"][branch];
            assert_eq!(
                shape["properties"]["success"]["const"],
                json!(flag),
                "{branch}"
            );
            assert_eq!(
                shape["properties"]["data"]["$ref"],
                json!(format!("#/$defs/{data}")),
                "{branch}"
            );
            assert_eq!(
                shape["required"],
                json!(["responseCode", "success", "message", "data"]),
                "{branch}"
            );
        }
        assert_eq!(
            schema["then"]["properties"]["data"]["$ref"],
            json!("defs.schema.json#/$defs/".to_owned() + complete),
            "{kind}"
        );
    }
}

/// The invalid success answers a discriminated type must refuse are refused by
/// the published schemas too, and the union accepts what `validate` accepts.
#[test]
fn invalid_success_shapes_are_refused_and_failures_accepted() {
    let schema = published_schema(DocKind::InquiryResponse);
    let validator = compile_schema(&schema, SchemaVariant::Published).unwrap();
    let seed = &schema["examples"][0];
    let message = json!({"ID": "x", "EN": "x"});
    let mut no_inquiry_id = seed.clone();
    no_inquiry_id["data"]
        .as_object_mut()
        .unwrap()
        .remove("inquiryId");
    for (what, doc) in [
        (
            "success with code 300 and data {}",
            json!({"responseCode": 300, "success": true, "message": message, "data": {}}),
        ),
        (
            "success with a failure code and data {}",
            json!({"responseCode": 100, "success": true, "message": message, "data": {}}),
        ),
        ("success without inquiryId", no_inquiry_id),
    ] {
        assert!(!validator.is_valid(&doc), "{what} is accepted");
    }
    let mut flagged_false = seed.clone();
    flagged_false["success"] = json!(false);
    for (what, doc) in [
        ("the seed", seed.clone()),
        ("a failure", schema["examples"][1].clone()),
        ("code 300 flagged false (a rule's finding)", flagged_false),
    ] {
        assert!(validator.is_valid(&doc), "{what} is refused");
    }
}

/// Each bundled schema is one self-contained file: every `$ref` local, and
/// it accepts exactly what the two-file form accepts on its examples.
#[test]
fn bundled_schemas_are_self_contained() {
    for kind in DocKind::ALL {
        let bundled = bundled_schema(kind);
        let text = bundled.to_string();
        assert!(!text.contains("defs.schema.json#"), "{kind}");
        let validator = jsonschema::options()
            .offline()
            .build(&bundled)
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
        for example in bundled["examples"].as_array().unwrap() {
            assert!(validator.is_valid(example), "{kind}");
        }
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
            "InquiryFailure",
            "InquirySuccess",
            "KeyValue",
            "Message",
            "PaymentBillDetail",
            "PaymentData",
            "PaymentFailure",
            "PaymentSuccess",
            "StatusBillDetail",
            "StatusData",
            "StatusFailure",
            "StatusSuccess"
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
    // openapi-python-client refuses a const header: the one value is an enum.
    assert_eq!(
        doc["components"]["parameters"]["VERSION"]["schema"],
        json!({"type": "string", "enum": ["2.0"]})
    );
    // Links for a stateful client: inquiry -> payment by inquiryId, payment -> status by refNumber.
    let link = |op: &str| doc["paths"][op]["post"]["responses"]["200"]["links"].clone();
    let inquiry_links = link(Operation::Inquiry.path());
    assert_eq!(
        inquiry_links["PayTheInquiry"]["operationId"],
        json!("payment")
    );
    assert_eq!(
        inquiry_links["PayTheInquiry"]["requestBody"]["inquiryId"],
        json!("$response.body#/data/inquiryId")
    );
    let payment_links = link(Operation::Payment.path());
    assert_eq!(
        payment_links["StatusOfThePayment"]["operationId"],
        json!("status")
    );
    assert_eq!(
        payment_links["StatusOfThePayment"]["requestBody"]["refNumber"],
        json!("$request.body#/refNumber")
    );
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
