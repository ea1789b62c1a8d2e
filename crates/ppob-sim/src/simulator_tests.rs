//! Behaviour of the state machine, driven through `handle` with signed
//! requests and simulated time.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::*;
use crate::accounts::{InquiryOutcome, test_accounts};
use crate::fault::Effect;
use crate::gate::http_error;
use crate::store::FIRST_INQUIRY_ID;
use crate::transport::SimTransport;
use ppob_core::contract::DocKind;
use ppob_transport::auth::{BodyMode, Credentials, sign_request};
use ppob_transport::clock::ManualClock;
use ppob_transport::{Transport, TransportError};
use ppob_validate::{Engine, EngineOptions, Input};

const SEED: &str = "0811111111";
const MULTI: &str = "0811111112";
const PRODUCT: &str = "product-code";

struct Harness {
    sim: Arc<Simulator>,
    clock: Arc<ManualClock>,
    /// Every answer body with its kind, for the contract check.
    seen: std::cell::RefCell<Vec<(DocKind, Vec<u8>)>>,
}

fn harness_with(config: SimConfig) -> Harness {
    let clock = Arc::new(ManualClock::new());
    Harness {
        sim: Arc::new(Simulator::new(config, clock.clone())),
        clock,
        seen: Default::default(),
    }
}

fn harness() -> Harness {
    harness_with(SimConfig::default())
}

impl Harness {
    fn reply(&self, op: Operation, payload: Value) -> Reply {
        let req = sign_request(
            op,
            payload,
            &Credentials::simulator_demo(),
            BodyMode::TokenOnly,
        )
        .unwrap();
        self.sim.handle(&req)
    }

    fn respond(&self, op: Operation, payload: Value) -> WireResponse {
        match self.reply(op, payload).answer {
            Answer::Respond(r) => r,
            Answer::Hang => panic!("{op:?} hung"),
        }
    }

    fn call(&self, op: Operation, payload: Value) -> Value {
        let r = self.respond(op, payload);
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("application/json"));
        self.seen.borrow_mut().push((op.response(), r.body.clone()));
        serde_json::from_slice(&r.body).expect("a JSON answer")
    }

    fn inquire(&self, account: &str) -> Value {
        self.call(
            Operation::Inquiry,
            json!({"partnerId": "partner-id", "accountNumber": account, "productCode": PRODUCT}),
        )
    }

    fn pay_payload(account: &str, ref_number: &str, amount: u64, inquiry_id: &Value) -> Value {
        json!({"partnerId": "partner-id", "refNumber": ref_number, "accountNumber": account,
               "productCode": PRODUCT, "amount": amount, "inquiryId": inquiry_id})
    }

    fn pay(&self, account: &str, ref_number: &str, amount: u64, inquiry_id: &Value) -> Value {
        self.call(
            Operation::Payment,
            Self::pay_payload(account, ref_number, amount, inquiry_id),
        )
    }

    /// Inquiry then payment of the inquired amount.
    fn inquire_and_pay(&self, account: &str, ref_number: &str) -> (Value, Value) {
        let inq = self.inquire(account);
        let amount = inq["data"]["amount"].as_u64().unwrap();
        let pay = self.pay(account, ref_number, amount, &inq["data"]["inquiryId"]);
        (inq, pay)
    }

    fn status(&self, ref_number: &str) -> Value {
        self.call(
            Operation::Status,
            json!({"partnerId": "partner-id", "refNumber": ref_number}),
        )
    }

    fn settle(&self) {
        self.clock.advance(SimConfig::default().settle_after);
    }
}

fn code(v: &Value) -> i64 {
    v["responseCode"].as_i64().unwrap()
}

#[test]
fn the_seed_account_answers_like_the_seed_inquiry() {
    let h = harness();
    let v = h.inquire(SEED);
    assert_eq!(code(&v), 300);
    assert_eq!(v["success"], true);
    assert_eq!(v["message"]["ID"], "Inkuiri berhasil");
    let d = &v["data"];
    assert_eq!(d["amount"], 3607);
    assert_eq!(d["totalAdmin"], 0);
    assert_eq!(d["customerName"], "RUSXXXXXXXNDI");
    assert_eq!(d["category"], "Pascabayar");
    assert_eq!(d["productCode"], PRODUCT);
    assert_eq!(d["billDetails"][0]["key"], "Jumlah Tagihan");
    assert_eq!(d["billDetails"][1]["billId"], "0");
    assert_eq!(d["billDetails"][1]["key"], "Biaya Administrasi");
    assert_eq!(d["inquiryId"], FIRST_INQUIRY_ID);
    let again = h.inquire(SEED);
    assert_eq!(again["data"]["inquiryId"], FIRST_INQUIRY_ID + 1);
}

#[test]
fn the_multi_period_account_sums_its_lines_and_admin() {
    let h = harness();
    let d = h.inquire(MULTI)["data"].clone();
    let lines = d["billDetails"].as_array().unwrap();
    assert_eq!(lines.len(), 3);
    let sum: u64 = lines.iter().map(|l| l["value"].as_u64().unwrap()).sum();
    assert_eq!(d["amount"].as_u64().unwrap(), sum);
    let admin = lines.iter().find(|l| l["billId"] == "0").unwrap();
    assert_eq!(d["totalAdmin"], admin["value"]);
    assert_eq!(d["totalAdmin"], 2500);
}

#[test]
fn inquiry_failures_follow_the_accounts_and_products() {
    let h = harness();
    assert_eq!(code(&h.inquire("0899999999")), 304);
    assert_eq!(code(&h.inquire("0811111113")), 302);
    assert_eq!(code(&h.inquire("0811111115")), 305);
    let v = h.call(
        Operation::Inquiry,
        json!({"partnerId": "partner-id", "accountNumber": SEED, "productCode": "nope"}),
    );
    assert_eq!(code(&v), 317);
    assert_eq!(v["success"], false);
    assert_eq!(v["data"], json!({}));
}

#[test]
fn a_payment_is_processing_then_settles_with_the_reference_as_token() {
    let h = harness();
    let (inq, pay) = h.inquire_and_pay(SEED, "REF-1");
    assert_eq!(code(&pay), 299);
    assert_eq!(pay["success"], true);
    let p = &pay["data"];
    assert_eq!(p["token"], "");
    assert_eq!(p["refNumber"], "REF-1");
    assert_eq!(p["accountNumber"], SEED);
    assert_eq!(p["amount"], inq["data"]["amount"]);
    assert_eq!(p["billDetails"][0]["isMandatory"], true);
    let txid = p["transactionId"].clone();

    h.clock.advance(Duration::from_millis(1999));
    let pending = h.status("REF-1");
    assert_eq!(code(&pending), 299);
    assert_eq!(pending["data"]["transactionId"], txid);

    h.clock.advance(Duration::from_millis(1));
    let done = h.status("REF-1");
    assert_eq!(code(&done), 0);
    assert_eq!(done["message"]["ID"], "Transaksi Anda Telah Berhasil");
    let d = &done["data"];
    assert_eq!(d["transactionId"], txid);
    assert_eq!(d["refNumber"], "REF-1");
    assert_ne!(d["token"], "");
    let reference = d["productDetails"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["key"] == "Nomor Referensi")
        .unwrap();
    assert_eq!(d["token"], reference["value"]);
    assert!(d["billDetails"][0].get("isMandatory").is_none());
}

#[test]
fn payment_checks_against_the_inquiry() {
    let h = harness();
    let inq = h.inquire(SEED);
    let id = inq["data"]["inquiryId"].clone();
    assert_eq!(
        code(&h.pay(SEED, "A", 3607, &json!(1))),
        313,
        "unknown inquiry"
    );
    assert_eq!(
        code(&h.pay(SEED, "B", 3607, &json!(u64::from(u32::MAX)))),
        313
    );
    assert_eq!(code(&h.pay(MULTI, "C", 3607, &id)), 313, "other account");
    assert_eq!(
        code(&h.pay("0899999999", "C2", 3607, &id)),
        313,
        "unknown account"
    );
    let mut other_product = Harness::pay_payload(SEED, "D", 3607, &id);
    other_product["productCode"] = json!("partner-code");
    assert_eq!(code(&h.call(Operation::Payment, other_product)), 313);
    assert_eq!(code(&h.pay(SEED, "E", 0, &id)), 104, "zero amount");
    assert_eq!(code(&h.pay(SEED, "F", 3608, &id)), 114, "amount differs");
    let rejected = h.pay(SEED, "F", 3608, &id);
    assert_eq!(rejected["data"], json!({}));
    // None of the refused payments was registered.
    for r in ["A", "B", "C", "D", "E", "F"] {
        assert_eq!(code(&h.status(r)), 188, "{r}");
    }
    // The inquiry still pays.
    assert_eq!(code(&h.pay(SEED, "G", 3607, &id)), 299);
}

#[test]
fn an_expired_inquiry_is_312() {
    let h = harness();
    let inq = h.inquire(SEED);
    h.clock.advance(SimConfig::default().inquiry_ttl);
    let v = h.pay(SEED, "LATE", 3607, &inq["data"]["inquiryId"]);
    assert_eq!(code(&v), 312);
    assert_eq!(v["success"], false);
}

#[test]
fn a_blocked_account_inquires_but_cannot_pay() {
    let h = harness();
    let (inq, pay) = h.inquire_and_pay("0811111114", "BLOCKED");
    assert_eq!(code(&inq), 300);
    assert_eq!(code(&pay), 105);
    assert_eq!(code(&h.status("BLOCKED")), 188);
}

#[test]
fn the_failing_account_settles_as_100() {
    let h = harness();
    let (_, pay) = h.inquire_and_pay("0811111116", "OPFAIL");
    assert_eq!(code(&pay), 299);
    h.settle();
    let v = h.status("OPFAIL");
    assert_eq!(code(&v), 100);
    assert_eq!(v["success"], false);
    assert_eq!(v["data"]["transactionId"], pay["data"]["transactionId"]);
}

#[test]
fn status_of_an_unknown_ref_number_is_188_with_the_blank_object() {
    let h = harness();
    let v = h.status("NEVER-SEEN");
    assert_eq!(code(&v), 188);
    assert_eq!(v["data"]["refNumber"], "");
    assert_eq!(v["data"]["amount"], 0);
    assert!(v["data"]["customerDetails"].is_null());
}

#[test]
fn duplicate_ref_numbers_follow_the_policy() {
    for (policy, expected) in [
        (DuplicatePolicy::Reject102, 102),
        (DuplicatePolicy::Reject108, 108),
        (DuplicatePolicy::ReturnOriginal, 299),
    ] {
        let h = harness_with(SimConfig {
            duplicate: policy,
            ..SimConfig::default()
        });
        let (_, first) = h.inquire_and_pay(SEED, "DUP");
        let (_, second) = h.inquire_and_pay(SEED, "DUP");
        assert_eq!(code(&second), expected, "{policy:?}");
        assert_eq!(
            second["data"]["transactionId"], first["data"]["transactionId"],
            "{policy:?}"
        );
        if policy == DuplicatePolicy::ReturnOriginal {
            h.settle();
            let (_, third) = h.inquire_and_pay(SEED, "DUP");
            assert_eq!(code(&third), 0);
            assert_ne!(third["data"]["token"], "");
        }
    }
}

#[test]
fn a_settled_payment_queues_one_status_shaped_callback_per_url() {
    let h = harness();
    let inq = h.inquire(SEED);
    let mut payload = Harness::pay_payload(SEED, "CB-1", 3607, &inq["data"]["inquiryId"]);
    payload["callbackUrls"] = json!(["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"]);
    let pay = h.call(Operation::Payment, payload);
    assert_eq!(code(&pay), 299);
    assert!(
        h.sim.drain_callbacks().is_empty(),
        "nothing before it settles"
    );
    h.settle();
    let callbacks = h.sim.drain_callbacks();
    assert_eq!(callbacks.len(), 2);
    assert_eq!(callbacks[0].url, "http://127.0.0.1:9/a");
    assert_eq!(callbacks[1].url, "http://127.0.0.1:9/b");
    let body: Value = serde_json::from_slice(&callbacks[0].body).unwrap();
    assert_eq!(code(&body), 0);
    assert_eq!(body, h.status("CB-1"), "a callback is the status body");
    assert!(h.sim.drain_callbacks().is_empty(), "each is sent once");
    h.seen
        .borrow_mut()
        .push((DocKind::Callback, callbacks[0].body.clone()));
}

#[test]
fn a_payload_that_does_not_fit_the_request_is_180_naming_the_field() {
    let h = harness();
    let v = h.call(
        Operation::Payment,
        json!({"partnerId": "partner-id", "refNumber": "X", "accountNumber": SEED,
               "productCode": PRODUCT, "amount": "3607", "inquiryId": 1}),
    );
    assert_eq!(code(&v), INVALID_REQUEST_CODE);
    assert_eq!(v["success"], false);
    assert!(
        v["message"]["EN"].as_str().unwrap().contains("`amount`"),
        "{v}"
    );
    let v = h.call(Operation::Status, json!({"partnerId": "partner-id"}));
    assert_eq!(code(&v), INVALID_REQUEST_CODE);
    assert!(v["message"]["EN"].as_str().unwrap().contains("refNumber"));
    let v = h.call(
        Operation::Payment,
        Harness::pay_payload(SEED, "", 3607, &json!(FIRST_INQUIRY_ID)),
    );
    assert_eq!(code(&v), INVALID_REQUEST_CODE);
    assert!(
        v["message"]["EN"]
            .as_str()
            .unwrap()
            .contains("field `refNumber`: must not be empty"),
        "{v}"
    );
}

#[test]
fn http_level_refusals_reach_handle_callers() {
    let h = harness();
    let mut req = sign_request(
        Operation::Inquiry,
        json!({"partnerId": "partner-id", "accountNumber": SEED, "productCode": PRODUCT}),
        &Credentials::new("partner-id", "wrong"),
        BodyMode::TokenOnly,
    )
    .unwrap();
    let Answer::Respond(r) = h.sim.handle(&req).answer else {
        panic!("answered")
    };
    assert_eq!(r.status, 401);
    req.path = "/nope".into();
    let Answer::Respond(r) = h.sim.handle(&req).answer else {
        panic!("answered")
    };
    assert_eq!(r.status, 404);
}

fn assert_registered_and_settles(h: &Harness, ref_number: &str) {
    assert_eq!(code(&h.status(ref_number)), 299, "{ref_number} registered");
    h.settle();
    assert_eq!(code(&h.status(ref_number)), 0, "{ref_number} settles");
}

fn pay_reply(h: &Harness, account: &str, ref_number: &str) -> Reply {
    let inq = h.inquire(account);
    h.reply(
        Operation::Payment,
        Harness::pay_payload(
            account,
            ref_number,
            inq["data"]["amount"].as_u64().unwrap(),
            &inq["data"]["inquiryId"],
        ),
    )
}

#[test]
fn the_timeout_account_hangs_but_registers_the_payment() {
    let h = harness();
    let reply = pay_reply(&h, "0811111120", "T-1");
    assert_eq!(reply.answer, Answer::Hang);
    assert_registered_and_settles(&h, "T-1");
}

#[test]
fn the_5xx_account_answers_html_500_but_registers_the_payment() {
    let h = harness();
    let Answer::Respond(r) = pay_reply(&h, "0811111121", "S-1").answer else {
        panic!("answered")
    };
    assert_eq!(r.status, 500);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(serde_json::from_slice::<Value>(&r.body).is_err());
    assert_registered_and_settles(&h, "S-1");
}

#[test]
fn the_garbage_account_answers_non_json_but_registers_the_payment() {
    let h = harness();
    let Answer::Respond(r) = pay_reply(&h, "0811111122", "G-1").answer else {
        panic!("answered")
    };
    assert_eq!(r.status, 200);
    assert!(!r.body.is_empty());
    assert!(serde_json::from_slice::<Value>(&r.body).is_err());
    assert_registered_and_settles(&h, "G-1");
}

#[test]
fn the_code_account_answers_500_in_the_envelope_but_registers_the_payment() {
    let h = harness();
    let Answer::Respond(r) = pay_reply(&h, "0811111123", "C-1").answer else {
        panic!("answered")
    };
    assert_eq!(r.status, 200);
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(code(&v), 500);
    assert_registered_and_settles(&h, "C-1");
}

#[test]
fn the_pending_forever_account_never_settles() {
    let h = harness();
    let (_, pay) = h.inquire_and_pay("0811111124", "P-1");
    assert_eq!(code(&pay), 299);
    h.clock.advance(Duration::from_secs(24 * 3600));
    assert_eq!(code(&h.status("P-1")), 299);
}

#[test]
fn the_latency_account_delays_every_answer() {
    let h = harness();
    let inquiry = h.reply(
        Operation::Inquiry,
        json!({"partnerId": "partner-id", "accountNumber": "0811111125", "productCode": PRODUCT}),
    );
    assert_eq!(inquiry.delay, Duration::from_millis(300));
    assert_eq!(
        pay_reply(&h, "0811111125", "L-1").delay,
        Duration::from_millis(300)
    );
    let seed = h.reply(
        Operation::Inquiry,
        json!({"partnerId": "partner-id", "accountNumber": SEED, "productCode": PRODUCT}),
    );
    assert_eq!(seed.delay, Duration::ZERO);
}

#[test]
fn the_drift_account_answers_the_seed_examples_verbatim() {
    let h = harness();
    let Answer::Respond(pay) = pay_reply(&h, "0811111126", "D-1").answer else {
        panic!("answered")
    };
    assert_eq!(
        pay.body,
        include_bytes!("../../../fixtures/mobile-postpaid/payment.response.json")
    );
    let status = h.respond(
        Operation::Status,
        json!({"partnerId": "partner-id", "refNumber": "D-1"}),
    );
    assert_eq!(
        status.body,
        include_bytes!("../../../fixtures/mobile-postpaid/status.response.json")
    );
    let v: Value = serde_json::from_slice(&status.body).unwrap();
    assert_eq!(v["data"]["transactionId"], 135268223);
}

#[test]
fn run_faults_hit_their_target_for_every_account() {
    let faults = ["timeout@inquiry", "code=-1@status"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    let h = harness_with(SimConfig {
        faults,
        ..SimConfig::default()
    });
    let inquiry = h.reply(
        Operation::Inquiry,
        json!({"partnerId": "partner-id", "accountNumber": SEED, "productCode": PRODUCT}),
    );
    assert_eq!(inquiry.answer, Answer::Hang);
    // The hung inquiry was still made: it pays.
    let pay = h.pay(SEED, "R-1", 3607, &json!(FIRST_INQUIRY_ID));
    assert_eq!(code(&pay), 299);
    let status = h.status("R-1");
    assert_eq!(code(&status), -1);
}

fn bugged(bug: Bug) -> Harness {
    harness_with(SimConfig {
        bugs: vec![bug],
        ..SimConfig::default()
    })
}

/// Whether `body` passes the contract as a `kind` document.
fn conforms(kind: DocKind, body: &[u8]) -> bool {
    let report = Engine::new(EngineOptions::default()).check(Input {
        source: "answer",
        bytes: body,
        kind: Some(kind),
        first_line: 1,
    });
    report.valid && report.findings.is_empty()
}

#[test]
fn bug_accept_negative_amount_pays_a_negative_amount() {
    let negative = |h: &Harness, ref_number: &str, id: &Value| {
        let mut payload = Harness::pay_payload(SEED, ref_number, 0, id);
        payload["amount"] = json!(-1);
        h.call(Operation::Payment, payload)
    };
    let h = harness();
    let id = h.inquire(SEED)["data"]["inquiryId"].clone();
    let refused = negative(&h, "NEG", &id);
    assert_eq!(code(&refused), INVALID_REQUEST_CODE);
    assert_eq!(code(&h.status("NEG")), 188, "not registered");

    let h = bugged(Bug::AcceptNegativeAmount);
    let id = h.inquire(SEED)["data"]["inquiryId"].clone();
    let paid = negative(&h, "NEG", &id);
    assert_eq!(code(&paid), 299, "{paid}");
    assert_eq!(paid["data"]["amount"], 3607, "the inquiry's bill amount");
    assert_registered_and_settles(&h, "NEG");
    // The other checks still apply.
    assert_eq!(code(&negative(&h, "NEG", &id)), 102, "duplicate");
    assert_eq!(
        code(&negative(&h, "NEG-2", &json!(1))),
        313,
        "unknown inquiry"
    );
    assert_eq!(code(&h.pay(SEED, "ZERO", 0, &id)), 104, "zero amount");
    assert_eq!(code(&h.pay(SEED, "MORE", 3608, &id)), 114, "amount differs");
}

#[test]
fn bug_double_charge_registers_a_reused_ref_number_again() {
    let h = harness();
    let (_, first) = h.inquire_and_pay(SEED, "TWICE");
    let (_, second) = h.inquire_and_pay(SEED, "TWICE");
    assert_eq!(code(&second), 102);
    assert_eq!(
        second["data"]["transactionId"],
        first["data"]["transactionId"]
    );

    let h = bugged(Bug::DoubleCharge);
    let (_, first) = h.inquire_and_pay(SEED, "TWICE");
    let (_, second) = h.inquire_and_pay(SEED, "TWICE");
    assert_eq!(code(&first), 299);
    assert_eq!(code(&second), 299);
    assert_ne!(
        second["data"]["transactionId"],
        first["data"]["transactionId"]
    );
    let status = h.status("TWICE");
    assert_eq!(
        status["data"]["transactionId"],
        second["data"]["transactionId"]
    );
}

#[test]
fn bug_malformed_200_garbles_answers_to_non_ascii_key_fields() {
    const ODD: &str = "08111111\u{e9}1";
    let inquiry = json!({"partnerId": "partner-id", "accountNumber": ODD, "productCode": PRODUCT});
    let h = harness();
    let v = h.call(Operation::Inquiry, inquiry.clone());
    assert_eq!(code(&v), 304);

    let h = bugged(Bug::Malformed200);
    let r = h.respond(Operation::Inquiry, inquiry);
    assert_eq!(r.status, 200);
    assert!(!r.body.is_empty());
    assert!(serde_json::from_slice::<Value>(&r.body).is_err());
    assert!(!conforms(DocKind::InquiryResponse, &r.body));
    // ASCII fields are answered normally.
    let inq = h.inquire(SEED);
    assert_eq!(code(&inq), 300);
    // A non-ASCII refNumber garbles the payment answer, which is still registered.
    let r = h.respond(
        Operation::Payment,
        Harness::pay_payload(SEED, "R\u{c9}F", 3607, &inq["data"]["inquiryId"]),
    );
    assert_eq!(r.status, 200);
    assert!(serde_json::from_slice::<Value>(&r.body).is_err());
    assert_eq!(
        lock(&h.sim.payments)
            .get("R\u{c9}F")
            .map(|t| t.code_at(Duration::ZERO)),
        Some(299)
    );
}

#[test]
fn bug_drop_inquiry_id_leaves_it_out_of_the_inquiry_answer_only() {
    let h = harness();
    let v = h.inquire(SEED);
    assert_eq!(v["data"]["inquiryId"], FIRST_INQUIRY_ID);

    let h = bugged(Bug::DropInquiryId);
    let r = h.respond(
        Operation::Inquiry,
        json!({"partnerId": "partner-id", "accountNumber": SEED, "productCode": PRODUCT}),
    );
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(code(&v), 300);
    assert_eq!(v["data"]["amount"], 3607, "the rest is there");
    assert!(v["data"].get("inquiryId").is_none(), "{v}");
    assert!(!conforms(DocKind::InquiryResponse, &r.body));
    // The inquiry was stored: its id still pays.
    let pay = h.pay(SEED, "BY-ID", 3607, &json!(FIRST_INQUIRY_ID));
    assert_eq!(code(&pay), 299);
    // Failures have no inquiryId to drop and are left alone.
    assert_eq!(code(&h.inquire("0899999999")), 304);
}

#[test]
fn sim_transport_turns_hangs_and_late_answers_into_timeouts_on_simulated_time() {
    let clock = Arc::new(ManualClock::new());
    let sim = Arc::new(Simulator::new(SimConfig::default(), clock.clone()));
    let timeout = Duration::from_secs(10);
    let transport = SimTransport::new(sim, clock.clone(), timeout);
    assert_eq!(transport.describe(), "simulator (in-process)");
    let creds = Credentials::simulator_demo();
    let inquiry = |account: &str| {
        sign_request(
            Operation::Inquiry,
            json!({"partnerId": "partner-id", "accountNumber": account, "productCode": PRODUCT}),
            &creds,
            BodyMode::TokenAndBody,
        )
        .unwrap()
    };
    let ex = transport.send(inquiry("0811111125"));
    assert_eq!(ex.elapsed, Duration::from_millis(300));
    assert_eq!(clock.now(), Duration::from_millis(300));
    assert_eq!(ex.response.unwrap().status, 200);

    let slow = Arc::new(Simulator::new(
        SimConfig {
            faults: vec!["latency=10s@inquiry".parse().unwrap()],
            ..SimConfig::default()
        },
        clock.clone(),
    ));
    let before = clock.now();
    let ex = SimTransport::new(slow, clock.clone(), timeout).send(inquiry(SEED));
    assert_eq!(ex.response, Err(TransportError::Timeout(timeout)));
    assert_eq!(ex.elapsed, timeout);
    assert_eq!(clock.now() - before, timeout);
}

/// Every answer that no fault changed, of every seeded account, through a
/// whole conversation, passes the contract with no finding at all.
#[test]
fn every_non_fault_answer_of_every_account_passes_the_contract() {
    let h = harness_with(SimConfig {
        duplicate: DuplicatePolicy::ReturnOriginal,
        ..SimConfig::default()
    });
    let faulted =
        |account: &TestAccount, op: Operation| Effect::of(account.faults, op).answer.is_some();
    for (i, account) in test_accounts().iter().enumerate() {
        let ref_number = format!("CONTRACT-{i}");
        let inq = h.reply(
            Operation::Inquiry,
            json!({"partnerId": "partner-id", "accountNumber": account.number, "productCode": PRODUCT}),
        );
        let Answer::Respond(inq) = inq.answer else {
            continue;
        };
        h.seen
            .borrow_mut()
            .push((DocKind::InquiryResponse, inq.body.clone()));
        let inq: Value = serde_json::from_slice(&inq.body).unwrap();
        let (amount, id) = match account.inquiry {
            InquiryOutcome::Bill(bill) => (bill.amount(), inq["data"]["inquiryId"].clone()),
            InquiryOutcome::Fails(_) => (3607, json!(1)),
        };
        let mut payload = Harness::pay_payload(account.number, &ref_number, amount, &id);
        payload["callbackUrls"] = json!(["http://127.0.0.1:9/cb"]);
        if faulted(account, Operation::Payment) {
            let _ = h.reply(Operation::Payment, payload);
        } else {
            h.call(Operation::Payment, payload.clone());
            h.call(Operation::Payment, payload); // duplicate: the original's state
        }
        if !faulted(account, Operation::Status) {
            h.status(&ref_number);
        }
    }
    h.settle();
    for (i, account) in test_accounts().iter().enumerate() {
        if !faulted(account, Operation::Status) {
            h.status(&format!("CONTRACT-{i}"));
        }
    }
    for cb in h.sim.drain_callbacks() {
        h.seen.borrow_mut().push((DocKind::Callback, cb.body));
    }
    // Failures too: unknown account and product, 188, 180, HTTP-level refusals.
    h.inquire("0899999999");
    h.call(
        Operation::Inquiry,
        json!({"partnerId": "partner-id", "accountNumber": SEED, "productCode": "x"}),
    );
    h.status("UNKNOWN");
    h.call(
        Operation::Status,
        json!({"partnerId": "partner-id", "refNumber": 5}),
    );
    h.pay(SEED, "Z", 0, &json!(1));
    for duplicate in [DuplicatePolicy::Reject102, DuplicatePolicy::Reject108] {
        let other = harness_with(SimConfig {
            duplicate,
            ..SimConfig::default()
        });
        other.inquire_and_pay(SEED, "DUP");
        let (_, again) = other.inquire_and_pay(SEED, "DUP");
        h.seen.borrow_mut().push((
            DocKind::PaymentResponse,
            serde_json::to_vec(&again).unwrap(),
        ));
    }
    let refused = http_error(401, "x", "y");
    h.seen
        .borrow_mut()
        .push((DocKind::InquiryResponse, refused.body));

    let engine = Engine::new(EngineOptions::default());
    let seen = h.seen.borrow();
    let kinds: std::collections::BTreeSet<DocKind> = seen.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        kinds.len(),
        4,
        "every response kind and callbacks were checked"
    );
    assert!(seen.len() > 40, "{} answers", seen.len());
    for (n, (kind, body)) in seen.iter().enumerate() {
        let source = format!("answer {n}");
        let report = engine.check(Input {
            source: &source,
            bytes: body,
            kind: Some(*kind),
            first_line: 1,
        });
        assert!(
            report.valid && report.findings.is_empty(),
            "{kind} {}\n{:#?}",
            String::from_utf8_lossy(body),
            report.findings
        );
    }
}
