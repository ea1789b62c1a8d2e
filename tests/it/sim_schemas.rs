//! The simulator and the published request schemas agree (over real HTTP):
//! a request the schema accepts is never refused as invalid (180), one it
//! rejects always is, and the refusal names every invalid field in both
//! languages. Unknown fields follow `--unknown-fields` (default: ignored,
//! as the published schemas allow them).

use jsonschema::Validator;
use ppob_contract::contract::{
    DocKind, Operation, SchemaVariant, compile_schema, published_schema,
};
use ppob_contract::model::ints::MAX_SAFE_INTEGER;
use ppob_contract::sim::{INVALID_REQUEST_CODE, SimConfig, UnknownFields};
use ppob_contract::transport::auth::BodyMode;
use serde_json::{Value, json};

use crate::sim::{demo, send_json, server};

fn published(kind: DocKind) -> Validator {
    compile_schema(&published_schema(kind), SchemaVariant::Published).unwrap()
}

/// Extra fields no request model documents.
fn with_extras(mut payload: Value) -> Value {
    payload["note"] = json!("sent by a newer client");
    payload["clientMeta"] = json!({"app": "pos", "build": [1, 2]});
    payload["iat"] = json!(1_700_000_000);
    payload
}

#[test]
fn schema_valid_requests_with_unknown_fields_get_no_180() {
    let server = server(SimConfig::default());
    let addr = server.local_addr();
    for (i, mode) in [BodyMode::TokenOnly, BodyMode::TokenAndBody]
        .into_iter()
        .enumerate()
    {
        let inquiry = with_extras(
            json!({"partnerId": "partner-id", "accountNumber": "0811111111", "productCode": "product-code"}),
        );
        assert!(published(DocKind::InquiryRequest).is_valid(&inquiry));
        let (status, answer) = send_json(addr, &demo(Operation::Inquiry, inquiry, mode));
        assert_eq!(
            (status, &answer["responseCode"]),
            (200, &json!(300)),
            "{answer}"
        );

        let ref_number = format!("EXTRA-{i}");
        let payment = with_extras(json!({"partnerId": "partner-id", "refNumber": ref_number,
            "accountNumber": "0811111111", "productCode": "product-code", "amount": 3607,
            "inquiryId": answer["data"]["inquiryId"], "callbackUrls": []}));
        assert!(published(DocKind::PaymentRequest).is_valid(&payment));
        let (status, answer) = send_json(addr, &demo(Operation::Payment, payment, mode));
        assert_eq!(
            (status, &answer["responseCode"]),
            (200, &json!(299)),
            "{answer}"
        );

        let status_request =
            with_extras(json!({"partnerId": "partner-id", "refNumber": ref_number}));
        assert!(published(DocKind::StatusRequest).is_valid(&status_request));
        let (status, answer) = send_json(addr, &demo(Operation::Status, status_request, mode));
        assert_eq!(status, 200);
        assert_eq!(answer["data"]["refNumber"], json!(ref_number), "{answer}");
        assert_ne!(
            answer["responseCode"],
            json!(INVALID_REQUEST_CODE),
            "{answer}"
        );
    }
    server.stop();
}

#[test]
fn with_unknown_fields_rejected_each_one_is_named() {
    let server = server(SimConfig {
        unknown_fields: UnknownFields::Reject,
        ..SimConfig::default()
    });
    let payload = with_extras(json!({"partnerId": "partner-id", "refNumber": "R-1"}));
    let (status, answer) = send_json(
        server.local_addr(),
        &demo(Operation::Status, payload, BodyMode::TokenOnly),
    );
    assert_eq!(status, 200);
    assert_eq!(answer["responseCode"], json!(INVALID_REQUEST_CODE));
    let (en, id) = (
        answer["message"]["EN"].as_str().unwrap(),
        answer["message"]["ID"].as_str().unwrap(),
    );
    for field in ["note", "clientMeta", "iat"] {
        assert!(
            en.contains(&format!("field `{field}`: not a field of this request")),
            "{en}"
        );
        assert!(
            id.contains(&format!("kolom `{field}`: bukan kolom permintaan ini")),
            "{id}"
        );
    }
    server.stop();
}

#[test]
fn a_refusal_names_every_invalid_field_and_reads_in_both_languages() {
    let server = server(SimConfig::default());
    let payload = json!({"partnerId": "partner-id", "refNumber": "", "productCode": 7,
        "amount": "3607", "inquiryId": 1});
    let (status, answer) = send_json(
        server.local_addr(),
        &demo(Operation::Payment, payload, BodyMode::TokenOnly),
    );
    assert_eq!(status, 200);
    assert_eq!(answer["responseCode"], json!(INVALID_REQUEST_CODE));
    let en = answer["message"]["EN"].as_str().unwrap();
    let id = answer["message"]["ID"].as_str().unwrap();
    assert!(en.starts_with("Invalid request: field `"), "{en}");
    assert!(id.starts_with("Permintaan tidak valid: kolom `"), "{id}");
    assert!(
        !id.to_lowercase()
            .contains("permintaan tidak valid: permintaan"),
        "{id}"
    );
    for (field, en_text, id_text) in [
        ("refNumber", "must not be empty", "tidak boleh kosong"),
        (
            "productCode",
            "expected string, found integer",
            "harus teks (string), bukan bilangan bulat",
        ),
        (
            "amount",
            "expected integer, found string",
            "harus bilangan bulat, bukan teks (string)",
        ),
        ("accountNumber", "missing", "tidak ada"),
    ] {
        assert!(en.contains(&format!("field `{field}`: {en_text}")), "{en}");
        assert!(id.contains(&format!("kolom `{field}`: {id_text}")), "{id}");
    }
    assert!(!id.contains("field `") && !id.contains("expected"), "{id}");
    server.stop();
}

/// Edge values of every request field: the published schema and the
/// simulator must agree on each (valid ⇔ not refused with 180).
fn variants() -> Vec<(Operation, Value)> {
    let inquiry = json!({"partnerId": "partner-id", "accountNumber": "0811111111", "productCode": "product-code"});
    let status = json!({"partnerId": "partner-id", "refNumber": "R-EDGE"});
    let payment = json!({"partnerId": "partner-id", "refNumber": "R-EDGE-PAY",
        "accountNumber": "0899999999", "productCode": "product-code", "amount": 1, "inquiryId": 1});
    let numbers = [
        json!(0),
        json!(3607.0),
        json!(3607.5),
        json!(-1),
        json!(MAX_SAFE_INTEGER),
        json!(MAX_SAFE_INTEGER + 1),
        json!("5"),
        json!(null),
        json!(true),
    ];
    let texts = [
        json!(""),
        json!(" "),
        json!("ü漢"),
        json!(5),
        json!(null),
        json!([]),
    ];
    let mut out = Vec::new();
    let mut vary = |op: Operation, base: &Value, field: &str, values: &[Value]| {
        for v in values {
            let mut payload = base.clone();
            payload[field] = v.clone();
            out.push((op, payload));
        }
    };
    for field in ["amount", "month"] {
        vary(Operation::Inquiry, &inquiry, field, &numbers);
    }
    vary(Operation::Inquiry, &inquiry, "zoneId", &texts);
    vary(Operation::Inquiry, &inquiry, "accountNumber", &texts);
    vary(Operation::Status, &status, "refNumber", &texts);
    for field in ["amount", "inquiryId"] {
        vary(Operation::Payment, &payment, field, &numbers);
    }
    vary(Operation::Payment, &payment, "refNumber", &texts);
    let urls = [
        json!([]),
        json!(["http://127.0.0.1:9/cb"]),
        json!([1]),
        json!("http://127.0.0.1:9/cb"),
        json!(null),
    ];
    vary(Operation::Payment, &payment, "callbackUrls", &urls);
    out
}

#[test]
fn the_simulator_refuses_exactly_what_the_published_request_schema_rejects() {
    let server = server(SimConfig::default());
    let validators = Operation::ALL.map(|op| (op, published(op.request())));
    let mut checked = 0;
    for (op, payload) in variants() {
        let schema_valid = validators
            .iter()
            .find(|(o, _)| *o == op)
            .map(|(_, v)| v.is_valid(&payload))
            .unwrap();
        let (status, answer) = send_json(
            server.local_addr(),
            &demo(op, payload.clone(), BodyMode::TokenOnly),
        );
        assert_eq!(status, 200, "{op:?} {payload}");
        let refused = answer["responseCode"] == json!(INVALID_REQUEST_CODE);
        assert_eq!(
            refused, !schema_valid,
            "{op:?}: schema says valid={schema_valid}, simulator answered {answer}\nfor {payload}"
        );
        checked += 1;
    }
    assert!(checked > 60, "only {checked} variants");
    server.stop();
}
