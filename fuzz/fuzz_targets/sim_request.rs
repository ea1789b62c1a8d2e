//! The simulator's request gate and state machine, in process: what `mock`
//! does with the bytes of a request, without sockets.
//!
//! The first byte chooses a mode (bit 0) and the duplicate policy (bits 1–2):
//! - raw: the rest is an HTTP/1.1 request, parsed with hyper's head parser
//!   (httparse) and handed to the simulator as the server would;
//! - script: the rest is lines `<op><json>`, `op` one of `i`/`p`/`s`
//!   (inquiry, payment, status; upper case sends the fields as a body too),
//!   each signed with the demo credentials and sent in order, or `t` to let
//!   simulated time pass; this reaches past the TOKEN check into the
//!   request reader and the state machine.
//!
//! Oracles: no panic; in a script that never names an account with built-in
//! faults (garbage, drift, …), every HTTP 200 answer is a valid response of
//! its operation (the simulator renders answers from the models).
#![no_main]

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use ppob_contract::contract::Operation;
use ppob_contract::sim::{
    Answer, DuplicatePolicy, MAX_BODY, SimConfig, Simulator, operation_of, test_accounts,
};
use ppob_contract::transport::WireRequest;
use ppob_contract::transport::auth::{BodyMode, Credentials, sign_request};
use ppob_contract::transport::clock::ManualClock;
use ppob_contract::validate::{Engine, EngineOptions, Input};
use serde_json::Value;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(EngineOptions::default()))
}

/// The request the server would build from raw bytes, if they hold a whole head.
fn parse_raw(bytes: &[u8]) -> Option<WireRequest> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut headers);
    let httparse::Status::Complete(head) = request.parse(bytes).ok()? else {
        return None;
    };
    let path = request
        .path?
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned();
    let headers = request
        .headers
        .iter()
        .filter_map(|h| {
            Some((
                h.name.to_owned(),
                std::str::from_utf8(h.value).ok()?.to_owned(),
            ))
        })
        .collect();
    let body = &bytes[head..];
    Some(WireRequest {
        operation: operation_of(&path).unwrap_or(Operation::Inquiry),
        method: request.method?.to_owned(),
        path,
        headers,
        body: body[..body.len().min(MAX_BODY)].to_vec(),
        payload: Value::Null,
    })
}

/// One line of a script, as a signed request (or `None` for time passing / junk).
fn scripted(line: &[u8], credentials: &Credentials, clock: &ManualClock) -> Option<WireRequest> {
    let (&op, json) = line.split_first()?;
    let operation = match op.to_ascii_lowercase() {
        b'i' => Operation::Inquiry,
        b'p' => Operation::Payment,
        b's' => Operation::Status,
        b't' => {
            let seconds = json.first().copied().unwrap_or(1);
            clock.advance(Duration::from_secs(u64::from(seconds)));
            return None;
        }
        _ => return None,
    };
    let payload: Value = serde_json::from_slice(json).ok()?;
    let mode = if op.is_ascii_uppercase() {
        BodyMode::TokenAndBody
    } else {
        BodyMode::TokenOnly
    };
    sign_request(operation, payload, credentials, mode).ok()
}

/// Whether `request` names an account whose built-in faults answer 200 with
/// something other than a valid document on purpose.
fn names_faulty_account(request: &WireRequest) -> bool {
    let account = request.payload.get("accountNumber").and_then(Value::as_str);
    test_accounts()
        .iter()
        .any(|a| !a.faults.is_empty() && Some(a.number) == account)
}

fn check_answer(sim: &Simulator, request: &WireRequest, judge: bool) {
    let reply = sim.handle(request);
    let Answer::Respond(response) = reply.answer else {
        return;
    };
    if !judge {
        return;
    }
    let Some(operation) = operation_of(&request.path) else {
        return;
    };
    if response.status == 200 {
        let report = engine().check(Input {
            source: "answer",
            bytes: &response.body,
            kind: Some(operation.response()),
            first_line: 1,
        });
        assert!(
            report.valid,
            "HTTP 200 answer to {request:?} is not a valid {}: {report:?}\n{}",
            operation.name(),
            String::from_utf8_lossy(&response.body)
        );
    }
}

fuzz_target!(|bytes: &[u8]| {
    let Some((&control, rest)) = bytes.split_first() else {
        return;
    };
    let duplicate = match (control >> 1) % 3 {
        0 => DuplicatePolicy::Reject102,
        1 => DuplicatePolicy::Reject108,
        _ => DuplicatePolicy::ReturnOriginal,
    };
    let clock = Arc::new(ManualClock::new());
    let config = SimConfig {
        duplicate,
        ..SimConfig::default()
    };
    let credentials = config.credentials.clone();
    let sim = Simulator::new(config, clock.clone());
    if control & 1 == 0 {
        if let Some(request) = parse_raw(rest) {
            check_answer(&sim, &request, false);
        }
    } else {
        let mut judge = true;
        for line in rest.split(|b| *b == b'\n').take(32) {
            if let Some(request) = scripted(line, &credentials, &clock) {
                judge &= !names_faulty_account(&request);
                check_answer(&sim, &request, judge);
            }
            sim.tick();
            let _ = sim.drain_callbacks();
        }
    }
});
