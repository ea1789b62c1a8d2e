//! The simulator over real HTTP (loopback only): the server started in
//! process, and `ppob-contract mock` as a child process.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use ppob_contract::contract::Operation;
use ppob_contract::sim::{RunningServer, SimConfig, Simulator, start};
use ppob_contract::transport::WireRequest;
use ppob_contract::transport::auth::{BodyMode, Credentials, sign_request};
use ppob_contract::transport::clock::SystemClock;
use serde_json::{Value, json};

/// The simulator served on a free loopback port.
pub(crate) fn server(config: SimConfig) -> RunningServer {
    let sim = Arc::new(Simulator::new(config, Arc::new(SystemClock::new())));
    start(sim, "127.0.0.1:0".parse().unwrap()).expect("the server starts")
}

fn client() -> reqwest::blocking::Client {
    ppob_contract::transport::http::install_crypto_provider();
    reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn signed(op: Operation, payload: Value, secret: &str, mode: BodyMode) -> WireRequest {
    sign_request(op, payload, &Credentials::new("partner-id", secret), mode).unwrap()
}

/// `payload` signed with the simulator's demo credentials.
pub(crate) fn demo(op: Operation, payload: Value, mode: BodyMode) -> WireRequest {
    let secret = Credentials::simulator_demo().secret().to_owned();
    signed(op, payload, &secret, mode)
}

/// Sends `req` to `addr`; returns the HTTP status and the body.
fn send(addr: SocketAddr, req: &WireRequest) -> (u16, Vec<u8>) {
    let mut builder = client().post(format!("http://{addr}{}", req.path));
    for (name, value) in &req.headers {
        builder = builder.header(name, value);
    }
    let response = builder.body(req.body.clone()).send().expect("an answer");
    let status = response.status().as_u16();
    (status, response.bytes().unwrap().to_vec())
}

/// Sends `req` to `addr`; returns the HTTP status and the JSON body.
pub(crate) fn send_json(addr: SocketAddr, req: &WireRequest) -> (u16, Value) {
    let (status, body) = send(addr, req);
    (status, serde_json::from_slice(&body).expect("a JSON body"))
}

fn inquiry_payload(account: &str) -> Value {
    json!({"partnerId": "partner-id", "accountNumber": account, "productCode": "product-code"})
}

/// The seed account's inquiry over HTTP (demo credentials, token-only).
fn inquire_seed_account(addr: SocketAddr) -> Value {
    send_json(
        addr,
        &demo(
            Operation::Inquiry,
            inquiry_payload("0811111111"),
            BodyMode::TokenOnly,
        ),
    )
    .1
}

/// The payment of the seed account's inquiry `inq`, asking for a callback to `url`.
fn seed_payment_calling_back(inq: &Value, ref_number: &str, url: &str) -> Value {
    json!({"partnerId": "partner-id", "refNumber": ref_number,
        "accountNumber": "0811111111", "productCode": "product-code", "amount": 3607,
        "inquiryId": inq["data"]["inquiryId"], "callbackUrls": [url]})
}

#[test]
fn an_inquiry_over_http_is_answered_300_in_both_body_modes() {
    let server = server(SimConfig::default());
    for mode in [BodyMode::TokenOnly, BodyMode::TokenAndBody] {
        let req = demo(Operation::Inquiry, inquiry_payload("0811111111"), mode);
        let (status, v) = send_json(server.local_addr(), &req);
        assert_eq!(status, 200, "{mode:?}");
        assert_eq!(v["responseCode"], 300);
        assert_eq!(v["data"]["amount"], 3607);
    }
    server.stop();
}

#[test]
fn a_wrong_secret_is_401_and_a_disagreeing_body_400() {
    let server = server(SimConfig::default());
    let addr = server.local_addr();
    let req = signed(
        Operation::Inquiry,
        inquiry_payload("0811111111"),
        "not-the-secret",
        BodyMode::TokenOnly,
    );
    let (status, v) = send_json(addr, &req);
    assert_eq!(status, 401);
    assert_eq!(v["success"], false);
    assert_eq!(v["data"], json!({}));

    let mut req = demo(
        Operation::Inquiry,
        inquiry_payload("0811111111"),
        BodyMode::TokenOnly,
    );
    req.body = serde_json::to_vec(&inquiry_payload("0811111112")).unwrap();
    let (status, v) = send_json(addr, &req);
    assert_eq!(status, 400);
    assert!(
        v["message"]["EN"]
            .as_str()
            .unwrap()
            .contains("accountNumber"),
        "{v}"
    );

    let mut req = demo(Operation::Inquiry, json!({}), BodyMode::TokenOnly);
    req.body = vec![b' '; ppob_contract::sim::MAX_BODY + 1];
    let (status, _) = send(addr, &req);
    assert_eq!(status, 413);
}

#[test]
fn a_5xx_fault_and_a_dropped_connection_over_http() {
    let server = server(SimConfig {
        hang_for: Duration::from_millis(100),
        faults: vec![
            "5xx=503@status".parse().unwrap(),
            "timeout@inquiry".parse().unwrap(),
        ],
        ..SimConfig::default()
    });
    let addr = server.local_addr();
    let status = demo(
        Operation::Status,
        json!({"partnerId": "partner-id", "refNumber": "X"}),
        BodyMode::TokenOnly,
    );
    let (code, body) = send(addr, &status);
    assert_eq!(code, 503);
    assert!(String::from_utf8_lossy(&body).contains("503"));

    let inquiry = demo(
        Operation::Inquiry,
        inquiry_payload("0811111111"),
        BodyMode::TokenOnly,
    );
    let mut builder = client().post(format!("http://{addr}{}", inquiry.path));
    for (name, value) in &inquiry.headers {
        builder = builder.header(name, value);
    }
    let outcome = builder.send().and_then(|r| r.bytes());
    assert!(outcome.is_err(), "a hang ends without a complete answer");
}

/// A one-shot HTTP receiver on 127.0.0.1: answers 200 and hands over the body.
fn receiver() -> (String, mpsc::Receiver<(String, Vec<u8>)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/callback", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let mut reader = BufReader::new(stream);
        let mut head = String::new();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
            head.push_str(&line);
        }
        let mut body = vec![0; length];
        let _ = reader.read_exact(&mut body);
        let mut stream = reader.into_inner();
        let _ =
            stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        let _ = tx.send((head, body));
    });
    (url, rx)
}

#[test]
fn a_settled_payment_is_called_back_to_a_loopback_receiver() {
    let server = server(SimConfig {
        settle_after: Duration::from_millis(100),
        ..SimConfig::default()
    });
    let addr = server.local_addr();
    let (url, received) = receiver();
    let inq = inquire_seed_account(addr);
    let payment = seed_payment_calling_back(&inq, "HTTP-CB-1", &url);
    let (status, pay) = send_json(
        addr,
        &demo(Operation::Payment, payment, BodyMode::TokenAndBody),
    );
    assert_eq!(status, 200);
    assert_eq!(pay["responseCode"], 299);

    let (head, body) = received
        .recv_timeout(Duration::from_secs(5))
        .expect("the callback arrives");
    assert!(head.starts_with("POST /callback"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{head}"
    );
    let callback: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(callback["responseCode"], 0);
    assert_eq!(callback["data"]["refNumber"], "HTTP-CB-1");
    assert_eq!(
        callback["data"]["transactionId"],
        pay["data"]["transactionId"]
    );
    let (_, status) = send_json(
        addr,
        &demo(
            Operation::Status,
            json!({"partnerId": "partner-id", "refNumber": "HTTP-CB-1"}),
            BodyMode::TokenOnly,
        ),
    );
    assert_eq!(callback, status, "the callback is the status body");
}

/// Runs `ppob-contract mock --port 0` (no credentials in its environment),
/// hands its address to `test`, stops it and returns what it wrote on stderr;
/// a panic of `test` is re-raised after the child is stopped.
fn with_mock_binary(test: impl FnOnce(SocketAddr) + std::panic::UnwindSafe) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ppob-contract"))
        .args(["mock", "--port", "0"])
        .env_remove("PPOB_API_KEY")
        .env_remove("PPOB_API_SECRET")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let result = std::panic::catch_unwind(|| {
        let addr: SocketAddr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .parse()
            .unwrap();
        test(addr);
    });
    let _ = child.kill();
    let _ = child.wait();
    let mut stderr = String::new();
    let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
    stderr
}

#[test]
fn the_mock_command_prints_its_address_and_answers() {
    let stderr = with_mock_binary(|addr| {
        assert!(addr.ip().is_loopback());
        let (status, v) = send_json(
            addr,
            &demo(
                Operation::Inquiry,
                inquiry_payload("0899999999"),
                BodyMode::TokenOnly,
            ),
        );
        assert_eq!(status, 200);
        assert_eq!(v["responseCode"], 304);
    });
    assert!(
        !stderr.contains(Credentials::simulator_demo().secret()),
        "{stderr}"
    );
}

#[test]
fn the_simulator_doc_lists_every_account_and_fault() {
    let doc = std::fs::read_to_string(super::support::root().join("docs/simulator.md")).unwrap();
    for account in ppob_contract::sim::test_accounts() {
        assert!(
            doc.contains(&format!("| `{}` |", account.number)),
            "docs/simulator.md misses account {}",
            account.number
        );
    }
    for (name, _) in ppob_contract::sim::FAULT_NAMES {
        let bare = name.split(['=', '[']).next().unwrap();
        assert!(
            doc.contains(&format!("| `{bare}")),
            "docs/simulator.md misses fault {name}"
        );
    }
}

#[test]
fn a_callback_to_a_non_loopback_host_is_skipped_and_reported() {
    use ppob_contract::sim::ServerEvent;
    use ppob_contract::sim::server::start_with_events;
    let sim = Arc::new(Simulator::new(
        SimConfig {
            settle_after: Duration::from_millis(20),
            ..SimConfig::default()
        },
        Arc::new(SystemClock::new()),
    ));
    let (tx, events) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let server = start_with_events(
        sim,
        "127.0.0.1:0".parse().unwrap(),
        Arc::new(move |event| {
            let _ = tx.lock().unwrap().send(event);
        }),
    )
    .unwrap();
    let addr = server.local_addr();
    let inq = inquire_seed_account(addr);
    // 192.0.2.0/24 is TEST-NET-1: never routed, and never even tried here.
    let payment = seed_payment_calling_back(&inq, "OFF-HOST", "http://192.0.2.1/cb");
    let (_, pay) = send_json(
        addr,
        &demo(Operation::Payment, payment, BodyMode::TokenOnly),
    );
    assert_eq!(pay["responseCode"], 299);
    match events.recv_timeout(Duration::from_secs(5)) {
        Ok(ServerEvent::CallbackSkipped { url, reason }) => {
            assert_eq!(url, "http://192.0.2.1/cb");
            assert!(reason.contains("loopback"), "{reason}");
        }
        other => panic!("expected a skipped callback, got {other:?}"),
    }
}

/// Sends `req` to `addr`; returns the HTTP status, the `ppob-contract-ignored` header and the
/// JSON body.
fn send_reading_ignored(addr: SocketAddr, req: &WireRequest) -> (u16, Option<String>, Value) {
    let mut builder = client().post(format!("http://{addr}{}", req.path));
    for (name, value) in &req.headers {
        builder = builder.header(name, value);
    }
    let response = builder.body(req.body.clone()).send().expect("an answer");
    let status = response.status().as_u16();
    let ignored = response
        .headers()
        .get(ppob_contract::sim::IGNORED_HEADER)
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.bytes().expect("a body");
    (
        status,
        ignored,
        serde_json::from_slice(&body).expect("a JSON body"),
    )
}

#[test]
fn mock_logs_a_misspelt_field_it_ignored_and_names_it_in_a_header() {
    let stderr = with_mock_binary(|addr| {
        let (_, clean, inq) = send_reading_ignored(
            addr,
            &demo(
                Operation::Inquiry,
                inquiry_payload("0811111111"),
                BodyMode::TokenOnly,
            ),
        );
        assert_eq!(inq["responseCode"], 300);
        assert_eq!(
            clean, None,
            "a request with no unknown field gets no header"
        );
        let mut payment = seed_payment_calling_back(&inq, "MISSPELT-1", "http://127.0.0.1:9/cb");
        let urls = payment
            .as_object_mut()
            .unwrap()
            .remove("callbackUrls")
            .unwrap();
        payment["CallbackUrls"] = urls;
        let (status, ignored, pay) = send_reading_ignored(
            addr,
            &demo(Operation::Payment, payment, BodyMode::TokenOnly),
        );
        assert_eq!(status, 200);
        assert_eq!(
            pay["responseCode"], 299,
            "the real API's answer: the field is ignored"
        );
        assert_eq!(
            ignored.as_deref(),
            Some("CallbackUrls (did you mean callbackUrls?)")
        );
        // A status request with `refnumber` is refused for the missing
        // refNumber, and the header names the probable cause.
        let (status, ignored, answer) = send_reading_ignored(
            addr,
            &demo(
                Operation::Status,
                json!({"partnerId": "partner-id", "refnumber": "MISSPELT-1"}),
                BodyMode::TokenOnly,
            ),
        );
        assert_eq!((status, answer["responseCode"].as_i64()), (200, Some(180)));
        assert_eq!(
            ignored.as_deref(),
            Some("refnumber (did you mean refNumber?)")
        );
    });
    assert!(
        stderr.contains(
            "payment: ignored unknown request field(s): CallbackUrls (did you mean callbackUrls?)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "status: ignored unknown request field(s): refnumber (did you mean refNumber?)"
        ),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("ignored unknown request field").count(),
        2,
        "one line per request that had one: {stderr}"
    );
}

#[test]
fn unknown_fields_silent_tells_nothing_and_reject_refuses() {
    use ppob_contract::sim::UnknownFields;
    let payload = || {
        let mut p = inquiry_payload("0811111111");
        p["refnumber"] = json!("R1");
        p
    };
    let told = server(SimConfig::default());
    let (_, header, v) = send_reading_ignored(
        told.local_addr(),
        &demo(Operation::Inquiry, payload(), BodyMode::TokenOnly),
    );
    assert_eq!(v["responseCode"], 300);
    assert_eq!(
        header.as_deref(),
        Some("refnumber"),
        "inquiry documents no refNumber"
    );
    told.stop();
    for (policy, code, expected_header) in [
        (UnknownFields::Silent, 300, None),
        (UnknownFields::Reject, 180, None),
    ] {
        let server = server(SimConfig {
            unknown_fields: policy,
            ..SimConfig::default()
        });
        let (_, header, v) = send_reading_ignored(
            server.local_addr(),
            &demo(Operation::Inquiry, payload(), BodyMode::TokenOnly),
        );
        assert_eq!(v["responseCode"], code, "{policy:?}");
        assert_eq!(header, expected_header, "{policy:?}");
        server.stop();
    }
    let status = server(SimConfig::default());
    let (_, header, v) = send_reading_ignored(
        status.local_addr(),
        &demo(
            Operation::Status,
            json!({"partnerId": "partner-id", "refnumber": "R1", "refNumber": "R1"}),
            BodyMode::TokenOnly,
        ),
    );
    assert_eq!(v["responseCode"], 188);
    assert_eq!(
        header.as_deref(),
        Some("refnumber"),
        "refNumber is given, so it is not suggested"
    );
    status.stop();
}
