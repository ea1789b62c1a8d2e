//! Cassettes (HAR 1.2): round trips, redaction, replay, the seed cassette,
//! `validate` on HAR files, and the HTTP transport against loopback servers
//! started here (127.0.0.1 only).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use ppob_contract::contract::Operation;
use ppob_contract::transport::auth::{BodyMode, Credentials, sign_request};
use ppob_contract::transport::cassette::{
    self, CassetteError, CassetteMeta, SEED_CASSETTE, seed_cassette,
};
use ppob_contract::transport::http::{HttpConfig, HttpTransport};
use ppob_contract::transport::record::Recorder;
use ppob_contract::transport::redact::Redactor;
use ppob_contract::transport::replay::{Replay, cassettes_in};
use ppob_contract::transport::{Exchange, Transport, TransportError, WireRequest, WireResponse};
use serde_json::{Value, json};

use crate::support::{fixtures, json_report, root, run};

fn meta(case: &str) -> CassetteMeta {
    CassetteMeta {
        case: case.into(),
        expect: Some("success".into()),
    }
}

fn signed(operation: Operation, payload: Value, mode: BodyMode) -> WireRequest {
    sign_request(
        operation,
        payload,
        &Credentials::new("partner-id", "test-secret"),
        mode,
    )
    .unwrap()
}

fn exchange(request: WireRequest, response: Result<WireResponse, TransportError>) -> Exchange {
    Exchange {
        request,
        response,
        started: UNIX_EPOCH + Duration::from_millis(1_700_000_000_250),
        elapsed: Duration::from_micros(41_007),
    }
}

/// A transport that answers from a list, in order, like a scripted server.
struct Scripted {
    answers: Mutex<Vec<Result<WireResponse, TransportError>>>,
}

impl Scripted {
    fn new(mut answers: Vec<Result<WireResponse, TransportError>>) -> Self {
        answers.reverse();
        Self {
            answers: Mutex::new(answers),
        }
    }
}

impl Transport for Scripted {
    fn send(&self, request: WireRequest) -> Exchange {
        let response = self
            .answers
            .lock()
            .unwrap()
            .pop()
            .unwrap_or(Err(TransportError::Other("script exhausted".into())));
        exchange(request, response)
    }
    fn describe(&self) -> String {
        "scripted".into()
    }
}

// ---- write / read ----------------------------------------------------------

#[test]
fn write_then_read_preserves_every_exchange() {
    let exchanges = vec![
        exchange(
            signed(
                Operation::Inquiry,
                json!({"partnerId": "partner-id", "accountNumber": "0811111111", "productCode": "x"}),
                BodyMode::TokenOnly,
            ),
            Ok(WireResponse::json(200, br#"{"responseCode":300}"#.to_vec())),
        ),
        exchange(
            signed(
                Operation::Payment,
                json!({"partnerId": "partner-id", "refNumber": "R1", "amount": 3607}),
                BodyMode::TokenAndBody,
            ),
            Err(TransportError::Timeout(Duration::from_millis(300))),
        ),
        exchange(
            signed(
                Operation::Status,
                json!({"partnerId": "partner-id", "refNumber": "R1"}),
                BodyMode::TokenOnly,
            ),
            Ok(WireResponse {
                status: 502,
                headers: vec![("content-type".into(), "application/octet-stream".into())],
                body: vec![0xff, 0xfe, 0x00, 0x80, b'{'],
            }),
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("round.har");
    cassette::write(&path, &meta("round"), &exchanges, &Redactor::new(None)).unwrap();
    let back = cassette::read(&path).unwrap();
    assert_eq!(back.meta, Some(meta("round")));
    assert_eq!(back.exchanges.len(), exchanges.len());
    for (read, written) in back.exchanges.iter().zip(&exchanges) {
        // Credential headers are redacted on the way out; everything else survives.
        let mut expected = written.clone();
        for (name, value) in &mut expected.request.headers {
            if name == "KEY" {
                *value = "[redacted:key]".into();
            }
            if name == "TOKEN" {
                *value = "[redacted:token]".into();
            }
        }
        assert_eq!(read, &expected);
    }
    let text = std::fs::read_to_string(&path).unwrap();
    let har: Value = serde_json::from_str(&text).unwrap();
    let entries = &har["log"]["entries"];
    assert_eq!(har["log"]["version"], "1.2");
    assert_eq!(
        har["log"]["comment"],
        r#"{"ppobContract":{"case":"round","expect":"success"}}"#
    );
    assert_eq!(
        entries[0]["request"]["url"],
        "http://ppob.invalid/api/v2/bill/check"
    );
    assert_eq!(entries[0]["startedDateTime"], "2023-11-14T22:13:20.250Z");
    assert_eq!(entries[0]["time"], 41.007);
    assert_eq!(entries[1]["response"]["status"], 0);
    assert_eq!(
        entries[1]["response"]["comment"],
        "transport error: timeout: 300ms"
    );
    assert_eq!(entries[2]["response"]["content"]["encoding"], "base64");
    // Deterministic: writing again gives the same bytes.
    let again = cassette::render(&meta("round"), &exchanges, &Redactor::new(None)).unwrap();
    assert_eq!(again, text);
}

#[test]
fn no_credential_or_token_reaches_a_recorded_file() {
    let creds = Credentials::new("CANARY-KEY-1f2e3d", "CANARY-SECRET-9a8b7c");
    let token_like = sign_request(
        Operation::Status,
        json!({"x": 1}),
        &creds,
        BodyMode::TokenOnly,
    )
    .unwrap()
    .header("TOKEN")
    .unwrap()
    .to_owned();
    // A server that echoes everything it can: the key, the secret, a JWT.
    let echo = format!(
        r#"{{"partnerId":"{}","leak":"{}","token":"{token_like}"}}"#,
        creds.key(),
        creds.secret()
    );
    let recorder = Recorder::new(Scripted::new(vec![
        Ok(WireResponse {
            status: 200,
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("x-echo-token".into(), token_like.clone()),
            ],
            body: echo.clone().into_bytes(),
        }),
        Err(TransportError::Other(format!("server said {echo}"))),
    ]));
    for (operation, mode) in [
        (Operation::Inquiry, BodyMode::TokenOnly),
        (Operation::Payment, BodyMode::TokenAndBody),
    ] {
        let payload = json!({"partnerId": creds.key(), "refNumber": "R-1", "note": creds.secret()});
        recorder.send(sign_request(operation, payload, &creds, mode).unwrap());
    }
    let dir = tempfile::tempdir().unwrap();
    let path = recorder
        .save(dir.path(), &meta("canary"), &Redactor::new(Some(&creds)))
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("CANARY"), "a credential leaked:\n{text}");
    assert!(!text.contains("eyJ"), "a JWT leaked:\n{text}");
    assert!(text.contains("[redacted:token]") && text.contains("[redacted:key]"));
    // What is left still reads back.
    assert_eq!(cassette::read(&path).unwrap().exchanges.len(), 2);
}

fn bad(text: &str) -> String {
    match cassette::parse(text.as_bytes(), Path::new("cassettes/x.har")) {
        Ok(c) => panic!("accepted: {c:?}"),
        Err(e) => e.to_string(),
    }
}

fn entry_with(patch: impl FnOnce(&mut Value)) -> String {
    let exchanges = vec![exchange(
        signed(
            Operation::Status,
            json!({"refNumber": "R"}),
            BodyMode::TokenOnly,
        ),
        Ok(WireResponse::json(200, b"{}".to_vec())),
    )];
    let text = cassette::render(&meta("x"), &exchanges, &Redactor::new(None)).unwrap();
    let mut har: Value = serde_json::from_str(&text).unwrap();
    patch(&mut har["log"]["entries"][0]);
    har.to_string()
}

#[test]
fn bad_cassettes_are_clear_errors_not_panics() {
    let cases: Vec<(String, &str)> = vec![
        ("{\"log\": {\"version\": \"1.2\", \"entr".into(), "does not parse"),
        ("[]".into(), "expected an object with a `log` object"),
        (r#"{"log": {"entries": []}}"#.into(), "log.version is missing"),
        (r#"{"log": {"version": "1.1", "entries": []}}"#.into(), "log.version must be \"1.2\""),
        (r#"{"log": {"version": "1.2", "entries": {}}}"#.into(), "log.entries must be an array"),
        (
            r#"{"log": {"version": "1.2", "entries": [], "comment": "{\"ppobContract\": {\"case\": 7}}"}}"#.into(),
            "log.comment",
        ),
        (
            entry_with(|e| e["request"]["url"] = json!("http://ppob.invalid/foo")),
            "entry 1: URL path /foo is not one of /api/v2/bill/check, /api/v2/bill/payment, /api/v2/bill/status",
        ),
        (entry_with(|e| e["request"]["url"] = json!(17)), "entry 1: not a HAR 1.2 entry"),
        (entry_with(|e| e["response"] = json!("x")), "entry 1: not a HAR 1.2 entry"),
        (entry_with(|e| e["response"]["status"] = json!(70000)), "not an HTTP status"),
        (entry_with(|e| e["response"]["status"] = json!(-3)), "not an HTTP status"),
        (entry_with(|e| e["response"]["status"] = json!(0)), "status 0 (no answer) needs response.comment"),
        (
            entry_with(|e| {
                e["response"]["status"] = json!(0);
                e["response"]["comment"] = json!("transport error: gremlins: x");
            }),
            "unknown transport error kind \"gremlins\"",
        ),
        (
            entry_with(|e| {
                e["response"]["status"] = json!(0);
                e["response"]["comment"] = json!("transport error: timeout: soon");
            }),
            "is not a duration",
        ),
        (
            entry_with(|e| {
                e["response"]["content"]["encoding"] = json!("base64");
                e["response"]["content"]["text"] = json!("%%%");
            }),
            "not valid base64",
        ),
        (entry_with(|e| e["response"]["content"]["encoding"] = json!("gzip")), "not supported"),
        (entry_with(|e| e["startedDateTime"] = json!("yesterday")), "entry 1: startedDateTime"),
        (entry_with(|e| e["time"] = json!(-5)), "not a duration in milliseconds"),
        (entry_with(|e| e["time"] = json!(1e300)), "not a duration in milliseconds"),
    ];
    for (text, expected) in cases {
        let message = bad(&text);
        assert!(
            message.starts_with("cassettes/x.har: "),
            "{message} does not name the file"
        );
        assert!(message.contains(expected), "{message:?} lacks {expected:?}");
    }
    let missing = cassette::read(Path::new("no/such/cassette.har")).unwrap_err();
    assert!(matches!(missing, CassetteError::Io { .. }));
    assert!(missing.to_string().contains("no/such/cassette.har"));
}

// ---- replay ----------------------------------------------------------------

#[test]
fn replay_returns_recorded_requests_in_order_per_operation() {
    let status = |r: &str| {
        signed(
            Operation::Status,
            json!({"partnerId": "partner-id", "refNumber": r}),
            BodyMode::TokenOnly,
        )
    };
    let inquiry = signed(
        Operation::Inquiry,
        json!({"accountNumber": "0811111111"}),
        BodyMode::TokenOnly,
    );
    let recorded = vec![
        exchange(
            inquiry,
            Ok(WireResponse::json(200, b"{\"n\":\"i\"}".to_vec())),
        ),
        exchange(
            status("first"),
            Ok(WireResponse::json(200, b"{\"n\":1}".to_vec())),
        ),
        exchange(
            status("second"),
            Err(TransportError::Closed("reset".into())),
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case.har");
    cassette::write(&path, &meta("case"), &recorded, &Redactor::new(None)).unwrap();
    assert_eq!(cassettes_in(dir.path()).unwrap(), vec![path.clone()]);

    let replay = Replay::open(&path).unwrap();
    assert!(replay.is_replay());
    assert_eq!(replay.describe(), format!("replay {}", path.display()));
    assert_eq!(replay.meta(), Some(&meta("case")));
    let asked = status("planned-by-the-flow");
    let one = replay.send(asked.clone());
    assert_eq!(one.request.payload["refNumber"], "first");
    assert_eq!(one.response.unwrap().body, b"{\"n\":1}");
    let two = replay.send(asked.clone());
    assert_eq!(two.request.payload["refNumber"], "second");
    assert_eq!(two.response, Err(TransportError::Closed("reset".into())));
    let three = replay.send(asked.clone());
    assert_eq!(
        three.response,
        Err(TransportError::Replay(format!(
            "no more recorded status answers in {}",
            path.display()
        )))
    );
    assert_eq!(three.request, asked);
    // The inquiry queue is untouched by the status calls.
    let inquiry = replay.send(signed(Operation::Inquiry, json!({}), BodyMode::TokenOnly));
    assert_eq!(inquiry.request.payload["accountNumber"], "0811111111");
    assert_eq!(replay.remaining(), 0);
}

// ---- the seed cassette -----------------------------------------------------

#[test]
fn the_seed_cassette_is_fresh() {
    let expected = seed_cassette(&fixtures()).unwrap();
    let committed = std::fs::read_to_string(root().join(SEED_CASSETTE)).unwrap_or_default();
    assert!(
        committed == expected,
        "{SEED_CASSETTE} is stale; run cargo xtask seed-cassette"
    );
}

#[test]
fn the_seed_cassette_keeps_the_seed_as_written() {
    let seed = cassette::read(&root().join(SEED_CASSETTE)).unwrap();
    assert_eq!(seed.meta, Some(meta("seed")));
    let ops: Vec<Operation> = seed.exchanges.iter().map(|e| e.request.operation).collect();
    assert_eq!(
        ops,
        [Operation::Inquiry, Operation::Payment, Operation::Status]
    );
    for exchange in &seed.exchanges {
        let req = &exchange.request;
        assert!(req.body.is_empty(), "token-only");
        assert_eq!(req.header("TOKEN"), Some("[redacted:token]"));
        let file = fixtures().join(format!("{}.json", req.operation.request()));
        let fields: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        assert_eq!(req.payload, fields);
        let answer = exchange.response.as_ref().unwrap();
        let file = fixtures().join(format!("{}.json", req.operation.response()));
        assert_eq!(answer.body, std::fs::read(file).unwrap(), "verbatim");
        assert_eq!(exchange.elapsed, Duration::ZERO);
    }
    let payment = &seed.exchanges[1];
    assert_eq!(payment.request.payload["refNumber"], "TESTPSCBYRTLKHALO1");
    assert_eq!(payment.request.payload["accountNumber"], "08129899576");
    let answer: Value = serde_json::from_slice(&payment.response.as_ref().unwrap().body).unwrap();
    assert_eq!(answer["responseCode"], 299);
    assert_eq!(answer["data"]["refNumber"], "rg6ytrdvrvr4");
    assert_eq!(answer["data"]["amount"], 170160);
    assert_eq!(answer["data"]["transactionId"], 180232);
    let status: Value =
        serde_json::from_slice(&seed.exchanges[2].response.as_ref().unwrap().body).unwrap();
    assert_eq!(status["responseCode"], 0);
    assert_eq!(status["data"]["transactionId"], 135268223);
    let text = std::fs::read_to_string(root().join(SEED_CASSETTE)).unwrap();
    assert!(!text.contains("eyJ"), "no real token in the seed cassette");
}

// ---- validate on HAR files -------------------------------------------------

#[test]
fn validate_reads_the_seed_cassette() {
    let (code, report) = json_report(&[SEED_CASSETTE]);
    assert_eq!(code, 0, "{report:#}");
    let sources: Vec<&str> = report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["source"].as_str().unwrap())
        .collect();
    let names: Vec<String> = [
        "1 inquiry.request",
        "1 inquiry.response",
        "2 payment.request",
        "2 payment.response",
        "3 status.request",
        "3 status.response",
    ]
    .iter()
    .map(|n| format!("{SEED_CASSETTE}#{n}"))
    .collect();
    assert_eq!(sources, names);
    // A directory holding a cassette is walked into it.
    let (code, report) = json_report(&["fixtures/mobile-postpaid/cassettes"]);
    assert_eq!(code, 0);
    assert_eq!(report["summary"]["documents"], 6);
}

#[test]
fn validate_places_findings_in_the_embedded_body() {
    let bad_answer = std::fs::read_to_string(fixtures().join("inquiry.response.json"))
        .unwrap()
        .replace("\"amount\": 3607", "\"amount\": \"3607\"");
    let exchanges = vec![exchange(
        signed(
            Operation::Inquiry,
            json!({"partnerId": "p", "accountNumber": "0811111111", "productCode": "x"}),
            BodyMode::TokenOnly,
        ),
        Ok(WireResponse::json(200, bad_answer.into_bytes())),
    )];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.har");
    cassette::write(&path, &meta("bad"), &exchanges, &Redactor::new(None)).unwrap();
    let path = path.to_string_lossy().into_owned();
    let (code, report) = json_report(&[&path]);
    assert_eq!(code, 1, "{report:#}");
    let doc = &report["documents"][1];
    assert_eq!(doc["source"], format!("{path}#1 inquiry.response"));
    let finding = &doc["findings"][0];
    assert_eq!(finding["pointer"], "/data/amount");
    // Line and column inside the response body, as in the fixture file.
    assert_eq!(
        (finding["line"].as_u64(), finding["column"].as_u64()),
        (Some(15), Some(19))
    );
    let human = run(&["validate", &path]);
    assert!(
        human.stdout.contains("bad.har#1 inquiry.response:15:19"),
        "{}",
        human.stdout
    );
}

#[test]
fn har_entries_without_a_json_answer_are_input_findings() {
    let exchanges = vec![
        exchange(
            signed(
                Operation::Inquiry,
                json!({"partnerId": "p", "accountNumber": "0811111111", "productCode": "x"}),
                BodyMode::TokenOnly,
            ),
            Err(TransportError::Timeout(Duration::from_millis(300))),
        ),
        exchange(
            signed(
                Operation::Status,
                json!({"partnerId": "p", "refNumber": "R"}),
                BodyMode::TokenOnly,
            ),
            Ok(WireResponse {
                status: 502,
                headers: Vec::new(),
                body: b"<html>Bad Gateway</html>".to_vec(),
            }),
        ),
        exchange(
            signed(
                Operation::Status,
                json!({"partnerId": "p", "refNumber": "R"}),
                BodyMode::TokenOnly,
            ),
            Ok(WireResponse {
                status: 200,
                headers: Vec::new(),
                body: vec![0xff, 0x00],
            }),
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("errors.har");
    cassette::write(&path, &meta("errors"), &exchanges, &Redactor::new(None)).unwrap();
    std::fs::write(dir.path().join("broken.har"), "{\"log\": [").unwrap();
    let (code, report) = json_report(&[&dir.path().to_string_lossy()]);
    assert_eq!(code, 2, "{report:#}");
    let findings: Vec<(String, String, String)> = report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| {
            let f = d["findings"].get(0)?;
            Some((
                d["source"].as_str()?.rsplit('/').next()?.to_owned(),
                f["rule"].as_str()?.to_owned(),
                f["message"].as_str()?.to_owned(),
            ))
        })
        .collect();
    let find = |source: &str| {
        findings
            .iter()
            .find(|(s, _, _)| s == source)
            .unwrap_or_else(|| panic!("{source} not in {findings:#?}"))
    };
    assert!(find("broken.har").2.contains("not a HAR file"));
    let timeout = find("errors.har#1 inquiry.response");
    assert!(timeout.1.starts_with("input."), "{timeout:?}");
    assert!(timeout.2.contains("timeout: 300ms"), "{timeout:?}");
    assert_eq!(find("errors.har#2 status.response").1, "input.parse");
    assert!(find("errors.har#3 status.response").2.contains("binary"));
}

// ---- HTTP against loopback servers -----------------------------------------

/// What a loopback server saw of one request.
#[derive(Debug, Default, Clone)]
struct Seen {
    head: String,
    body: Vec<u8>,
}

/// Reads one HTTP/1.1 request (head and Content-Length body).
fn read_request(stream: &mut TcpStream) -> Option<Seen> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let length = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    Some(Seen {
        head,
        body: buffer[head_end..].to_vec(),
    })
}

/// Starts a server on 127.0.0.1:0 answering each request with `answer(path, port)`
/// (raw HTTP response bytes; `None` to hold the connection without answering).
fn serve(
    answer: impl Fn(&str, u16) -> Option<String> + Send + 'static,
) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let Some(request) = read_request(&mut stream) else {
                continue;
            };
            let path = request
                .head
                .split_whitespace()
                .nth(1)
                .unwrap_or("")
                .to_owned();
            log.lock().unwrap().push(request);
            match answer(&path, port) {
                Some(response) => {
                    let _ = stream.write_all(response.as_bytes());
                }
                None => {
                    // Hold the connection open, never answer, then give up.
                    std::thread::spawn(move || {
                        std::thread::sleep(Duration::from_secs(3));
                        drop(stream);
                    });
                }
            }
        }
    });
    (format!("http://127.0.0.1:{port}"), seen)
}

fn http_answer(status: &str, headers: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n{body}",
        body.len()
    )
}

fn transport(base: &str, timeout: Duration) -> HttpTransport {
    HttpTransport::new(HttpConfig {
        connect_timeout: Duration::from_secs(2),
        timeout,
        ..HttpConfig::new(base)
    })
    .unwrap()
}

fn status_request() -> WireRequest {
    signed(
        Operation::Status,
        json!({"partnerId": "partner-id", "refNumber": "R1"}),
        BodyMode::TokenAndBody,
    )
}

#[test]
fn http_brings_back_a_200_answer_with_what_was_sent() {
    let (base, seen) = serve(|_, _| {
        Some(http_answer(
            "200 OK",
            "Content-Type: application/json\r\n",
            r#"{"responseCode":0}"#,
        ))
    });
    let http = transport(&base, Duration::from_secs(5));
    assert_eq!(http.describe(), base);
    let request = status_request();
    let exchange = http.send(request.clone());
    let answer = exchange.response.unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, br#"{"responseCode":0}"#);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(exchange.request, request);
    assert!(exchange.elapsed < Duration::from_secs(5));
    let seen = seen.lock().unwrap()[0].clone();
    assert!(
        seen.head.starts_with("POST /api/v2/bill/status HTTP/1.1"),
        "{}",
        seen.head
    );
    let head = seen.head.to_ascii_lowercase();
    assert!(head.contains("\r\nkey: partner-id\r\n"), "{head}");
    assert!(head.contains("\r\ntoken: eyj"), "{head}");
    assert!(head.contains("\r\nversion: 2.0\r\n"), "{head}");
    assert_eq!(
        serde_json::from_slice::<Value>(&seen.body).unwrap(),
        request.payload
    );
}

#[test]
fn http_500_is_an_answer_not_an_error() {
    let (base, _) = serve(|_, _| Some(http_answer("500 Internal Server Error", "", "oops")));
    let exchange = transport(&base, Duration::from_secs(5)).send(status_request());
    let answer = exchange.response.unwrap();
    assert_eq!(answer.status, 500);
    assert_eq!(answer.body, b"oops");
}

#[test]
fn http_to_a_closed_port_is_refused() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let exchange = transport(&format!("http://127.0.0.1:{port}"), Duration::from_secs(5))
        .send(status_request());
    match exchange.response {
        Err(TransportError::Refused(_)) => {}
        other => panic!("expected refused, got {other:?}"),
    }
}

#[test]
fn http_without_an_answer_times_out() {
    let (base, _) = serve(|_, _| None);
    let limit = Duration::from_millis(300);
    let exchange = transport(&base, limit).send(status_request());
    assert_eq!(exchange.response, Err(TransportError::Timeout(limit)));
    assert!(exchange.elapsed >= limit, "{:?}", exchange.elapsed);
    assert!(
        exchange.elapsed < Duration::from_secs(3),
        "{:?}",
        exchange.elapsed
    );
}

#[test]
fn http_follows_same_host_redirects_and_refuses_other_hosts() {
    let (base, seen) = serve(|path, port| {
        Some(match path {
            "/api/v2/bill/status" => http_answer(
                "307 Temporary Redirect",
                "Location: /moved/api/v2/bill/status\r\n",
                "",
            ),
            "/moved/api/v2/bill/status" => http_answer("200 OK", "", "{}"),
            // Another host name (still this loopback server, were it followed).
            _ => http_answer(
                "307 Temporary Redirect",
                &format!("Location: http://localhost:{port}/moved/api/v2/bill/status\r\n"),
                "",
            ),
        })
    });
    let http = transport(&base, Duration::from_secs(5));
    let followed = http.send(status_request());
    assert_eq!(followed.response.unwrap().status, 200);
    assert_eq!(seen.lock().unwrap().len(), 2);

    let mut elsewhere = status_request();
    elsewhere.path = "/elsewhere".into();
    let refused = http.send(elsewhere);
    match refused.response {
        Err(TransportError::Redirect(message)) => {
            assert!(message.contains("localhost"), "{message}");
        }
        other => panic!("expected a refused redirect, got {other:?}"),
    }
    assert_eq!(
        seen.lock().unwrap().len(),
        3,
        "the other host was never called"
    );
}

#[test]
fn http_refuses_a_redirect_to_another_port_of_the_same_host() {
    // A second loopback server that would see the credentials if the redirect were followed.
    let (other, other_seen) = serve(|_, _| Some(http_answer("200 OK", "", "{}")));
    let (base, seen) = serve(move |_, _| {
        Some(http_answer(
            "307 Temporary Redirect",
            &format!("Location: {other}/api/v2/bill/status\r\n"),
            "",
        ))
    });
    let exchange = transport(&base, Duration::from_secs(5)).send(status_request());
    match exchange.response {
        Err(TransportError::Redirect(message)) => {
            assert!(message.contains(&base), "{message}");
        }
        other => panic!("expected a refused redirect, got {other:?}"),
    }
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert!(
        other_seen.lock().unwrap().is_empty(),
        "the other port never saw KEY and TOKEN"
    );
}

#[test]
fn http_answer_cut_short_is_closed() {
    let (base, _) = serve(|_, _| {
        Some("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{\"respo".into())
    });
    let exchange = transport(&base, Duration::from_secs(5)).send(status_request());
    match exchange.response {
        Err(TransportError::Closed(_)) => {}
        other => panic!("expected closed, got {other:?}"),
    }
}

#[test]
fn https_to_a_server_that_speaks_no_tls_is_a_tls_error() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut hello = [0u8; 512];
            let _ = stream.read(&mut hello);
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
        }
    });
    let exchange = transport(&format!("https://127.0.0.1:{port}"), Duration::from_secs(5))
        .send(status_request());
    match exchange.response {
        Err(TransportError::Tls(_)) => {}
        other => panic!("expected a TLS error, got {other:?}"),
    }
}

#[test]
fn http_refuses_malformed_requests_without_panicking() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let http = transport(&format!("http://127.0.0.1:{port}"), Duration::from_secs(5));
    let mut bad_method = status_request();
    bad_method.method = "PO ST".into();
    let mut bad_header = status_request();
    bad_header.headers.push(("bad header\n".into(), "x".into()));
    let mut bad_value = status_request();
    bad_value
        .headers
        .push(("X-Ok".into(), "line\nbreak".into()));
    for request in [bad_method, bad_header, bad_value] {
        match http.send(request).response {
            Err(TransportError::Other(_)) => {}
            other => panic!("expected other, got {other:?}"),
        }
    }
}
