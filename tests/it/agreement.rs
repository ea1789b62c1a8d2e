//! Serde and the schema agree: the fast path may stand in for the schema.
//!
//! * every fixture, and thousands of mutants of the valid ones, is accepted
//!   by the model exactly when the strict schema accepts it;
//! * the published (tolerant) schema accepts exactly what the strict one
//!   accepts once unknown fields are set aside;
//! * every serialized model validates and reads back equal (proptest).

use ppob_contract::contract::{
    DocKind, SchemaVariant, Typed, Validators, compile_schema, published_schema, strict_schema,
};
use ppob_contract::model::ints::MAX_SAFE_INTEGER;
use ppob_contract::model::*;
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::support::{files_ending, fixtures};

fn model_accepts(kind: DocKind, doc: &Value) -> bool {
    Typed::parse(kind, &serde_json::to_vec(doc).unwrap()).is_ok()
}

fn fixture_documents() -> Vec<(DocKind, Value)> {
    let mut docs = Vec::new();
    for dir in [fixtures(), fixtures().join("invalid")] {
        for path in files_ending(&dir, ".json") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".expect.json") {
                continue;
            }
            let kind = DocKind::from_file_name(&name).expect("fixture names carry their kind");
            let text = std::fs::read_to_string(&path).unwrap();
            docs.push((kind, serde_json::from_str(&text).unwrap()));
        }
    }
    docs
}

/// Every pointer in `doc`.
fn pointers(doc: &Value, at: String, out: &mut Vec<String>) {
    match doc {
        Value::Object(map) => {
            for (k, v) in map {
                pointers(v, format!("{at}/{k}"), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointers(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

/// Variants of `doc`: each value replaced by values of other types and
/// edge numbers, each member removed, an unknown member added to each object.
fn mutants(doc: &Value) -> Vec<Value> {
    let replacements = [
        json!("x"),
        json!(""),
        json!(1),
        json!(-1),
        json!(1.5),
        json!(3607.0),
        json!(MAX_SAFE_INTEGER),
        json!(MAX_SAFE_INTEGER + 1),
        json!(null),
        json!(true),
        json!({}),
        json!([]),
    ];
    let mut all = Vec::new();
    pointers(doc, String::new(), &mut all);
    let mut out = Vec::new();
    for pointer in all.iter().filter(|p| !p.is_empty()) {
        for r in &replacements {
            let mut m = doc.clone();
            *m.pointer_mut(pointer).unwrap() = r.clone();
            out.push(m);
        }
        let (parent, last) = pointer.rsplit_once('/').unwrap();
        let mut m = doc.clone();
        if let Some(Value::Object(map)) = m.pointer_mut(parent) {
            map.remove(last);
            out.push(m);
        }
        let mut m = doc.clone();
        if let Some(Value::Object(map)) = m.pointer_mut(pointer) {
            // serde's derived structs would accept their fields as an array, in order.
            let as_array = Value::Array(map.values().cloned().collect());
            map.insert("undocumentedField".into(), json!(1));
            out.push(m.clone());
            *m.pointer_mut(pointer).unwrap() = as_array;
            out.push(m);
        }
    }
    out
}

#[test]
fn model_and_strict_schema_agree_on_fixtures_and_their_mutants() {
    let mut checked = 0;
    for (kind, doc) in fixture_documents() {
        let validator = compile_schema(&strict_schema(kind), SchemaVariant::Strict).unwrap();
        for candidate in std::iter::once(doc.clone()).chain(mutants(&doc)) {
            assert_eq!(
                model_accepts(kind, &candidate),
                validator.is_valid(&candidate),
                "{kind}: model and schema disagree on\n{candidate:#}"
            );
            checked += 1;
        }
    }
    assert!(checked > 5_000, "only {checked} documents checked");
}

#[test]
fn published_schema_is_the_strict_one_without_drift() {
    let validators = Validators::shared();
    for (kind, doc) in fixture_documents() {
        let published = compile_schema(&published_schema(kind), SchemaVariant::Published).unwrap();
        for candidate in std::iter::once(doc.clone()).chain(mutants(&doc)) {
            let strict_errors = validators
                .violations(kind, &candidate)
                .into_iter()
                .filter(|v| !v.is_drift)
                .count();
            assert_eq!(
                published.is_valid(&candidate),
                strict_errors == 0,
                "{kind}: published and strict schema disagree on\n{candidate:#}"
            );
        }
    }
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof!["[ -~]{0,12}", "\\PC{0,6}"]
}

fn money() -> impl Strategy<Value = u64> {
    prop_oneof![0..=100_000u64, 0..=MAX_SAFE_INTEGER]
}

fn key_values() -> impl Strategy<Value = Vec<KeyValue>> {
    prop::collection::vec(
        (text(), text()).prop_map(|(key, value)| KeyValue { key, value }),
        0..3,
    )
}

fn inquiry_bill() -> impl Strategy<Value = InquiryBillDetail> {
    (text(), key_values(), any::<bool>(), text(), money()).prop_map(
        |(bill_id, bill_info, is_mandatory, key, value)| InquiryBillDetail {
            bill_id,
            bill_info,
            is_mandatory,
            key,
            value,
        },
    )
}

fn status_bill() -> impl Strategy<Value = StatusBillDetail> {
    (text(), key_values(), text(), money()).prop_map(|(bill_id, bill_info, key, value)| {
        StatusBillDetail {
            bill_id,
            bill_info,
            key,
            value,
        }
    })
}

fn inquiry_data() -> impl Strategy<Value = InquiryData> {
    (
        (
            money(),
            text(),
            prop::option::of(text()),
            text(),
            text(),
            text(),
        ),
        (money(), money(), money(), text(), prop::option::of(text())),
        (
            key_values(),
            prop::collection::vec(inquiry_bill(), 0..3),
            key_values(),
            key_values(),
        ),
    )
        .prop_map(|(a, b, c)| InquiryData {
            inquiry_id: a.0,
            account_number: a.1,
            customer_name: a.2,
            product_name: a.3,
            product_code: a.4,
            category: a.5,
            amount: b.0,
            total_admin: b.1,
            processing_fee: b.2,
            denom: b.3,
            validity: b.4,
            customer_details: c.0,
            bill_details: c.1,
            product_details: c.2,
            extra_fields: c.3,
        })
}

fn status_data() -> impl Strategy<Value = StatusData> {
    (
        (text(), money(), text(), money(), money(), money()),
        (
            text(),
            text(),
            text(),
            text(),
            text(),
            prop::option::of(text()),
            prop::option::of(text()),
        ),
        (
            key_values(),
            prop::collection::vec(status_bill(), 0..3),
            key_values(),
            key_values(),
        ),
    )
        .prop_map(|(a, b, c)| StatusData {
            ref_number: a.0,
            transaction_id: a.1,
            account_number: a.2,
            amount: a.3,
            total_admin: a.4,
            processing_fee: a.5,
            denom: b.0,
            product_code: b.1,
            product_name: b.2,
            category: b.3,
            token: b.4,
            customer_name: b.5,
            validity: b.6,
            customer_details: c.0,
            bill_details: c.1,
            product_details: c.2,
            extra_fields: c.3,
        })
}

fn failure_data() -> impl Strategy<Value = FailureData> {
    (
        prop::option::of(money()),
        prop::option::of(text()),
        prop::option::of(money()),
        prop::option::of(key_values()),
    )
        .prop_map(
            |(inquiry_id, ref_number, amount, product_details)| FailureData {
                inquiry_id,
                ref_number,
                amount,
                product_details,
                ..FailureData::default()
            },
        )
}

fn response<D: std::fmt::Debug + Clone>(
    data: impl Strategy<Value = D>,
) -> impl Strategy<Value = Response<D>> {
    let message = || (text(), text()).prop_map(|(id, en)| Message { id, en });
    let complete = (
        prop_oneof![0..=99i64, 200..=300i64],
        any::<bool>(),
        message(),
        data,
    )
        .prop_map(|(response_code, success, message, d)| Response {
            response_code,
            success,
            message,
            data: ResponseData::Complete(d),
        });
    let failed = (
        prop_oneof![100..=199i64, 301..=399i64, -5000..0i64, 400..=100_000i64],
        // `success: true` promises the complete object, whatever the code.
        Just(false),
        message(),
        failure_data(),
    )
        .prop_map(|(response_code, success, message, f)| Response {
            response_code,
            success,
            message,
            data: ResponseData::Failure(f),
        });
    prop_oneof![complete, failed]
}

fn inquiry_request() -> impl Strategy<Value = InquiryRequest> {
    (
        text(),
        text(),
        text(),
        prop::option::of(money()),
        prop::option::of(text()),
        prop::option::of(0..=24u64),
    )
        .prop_map(
            |(partner_id, account_number, product_code, amount, zone_id, month)| InquiryRequest {
                partner_id,
                account_number,
                product_code,
                amount,
                zone_id,
                month,
            },
        )
}

fn assert_serialized_model_validates(kind: DocKind, typed: Typed) -> Result<(), TestCaseError> {
    let value = typed.to_value();
    let violations = Validators::shared().violations(kind, &value);
    prop_assert!(violations.is_empty(), "{kind}: {violations:?}\n{value:#}");
    let read_back = Typed::parse(kind, &serde_json::to_vec(&value).unwrap());
    prop_assert_eq!(read_back.ok(), Some(typed));
    Ok(())
}

proptest! {
    #[test]
    fn serialized_inquiry_responses_validate(r in response(inquiry_data())) {
        assert_serialized_model_validates(DocKind::InquiryResponse, Typed::InquiryResponse(r))?;
    }

    #[test]
    fn serialized_status_responses_validate(r in response(status_data())) {
        assert_serialized_model_validates(DocKind::StatusResponse, Typed::StatusResponse(r.clone()))?;
        assert_serialized_model_validates(DocKind::Callback, Typed::StatusResponse(r))?;
    }

    #[test]
    fn serialized_inquiry_requests_validate(r in inquiry_request()) {
        assert_serialized_model_validates(DocKind::InquiryRequest, Typed::InquiryRequest(r))?;
    }

    #[test]
    fn serialized_payment_and_status_requests_validate(
        (partner_id, ref_number, account_number, product_code) in (text(), "[ -~]{1,12}", text(), text()),
        (amount, inquiry_id) in (money(), money()),
        callback_urls in prop::option::of(prop::collection::vec(text(), 0..3)),
    ) {
        let payment = PaymentRequest {
            partner_id: partner_id.clone(),
            ref_number: ref_number.clone(),
            account_number,
            product_code,
            amount,
            inquiry_id,
            callback_urls,
        };
        assert_serialized_model_validates(DocKind::PaymentRequest, Typed::PaymentRequest(payment))?;
        let status = StatusRequest { partner_id, ref_number };
        assert_serialized_model_validates(DocKind::StatusRequest, Typed::StatusRequest(status))?;
    }
}
