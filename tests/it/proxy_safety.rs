//! `ppob-contract proxy` is safe by construction and transparent: the
//! request and answer pass byte for byte (the application's own `Accept`
//! too); only the configured upstream is reachable (CONNECT, absolute-form
//! requests, other Hosts and other paths never reach it); bodies are capped;
//! a hanging or flooding upstream is bounded; `--enforce` answers a
//! contract-breaking request 400 and the upstream never sees it.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::proxy::Session;
use crate::scripted::{Reply, ScriptedServer, script};

/// An upstream that keeps every request's raw head and body and answers
/// each with a fixed answer carrying an unusual header.
struct Recording {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Received>>>,
}

/// A request's raw head and its body.
type Received = (String, Vec<u8>);

const ANSWER_BODY: &str = "{\"responseCode\":300, \"success\":true,\n \"message\":{\"ID\":\"ok\",\"EN\":\"ok\"},\"data\":{}}";

impl Recording {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let kept = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(16) {
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                if let Some((head, raw)) = crate::hostile::read_request(&mut stream) {
                    let body = raw[raw.len() - body_length(&head).min(raw.len())..].to_vec();
                    kept.lock().unwrap().push((head, body));
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nX-Upstream-Trace: 7f3a\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{ANSWER_BODY}",
                        ANSWER_BODY.len()
                    );
                    let _ = stream.write_all(answer.as_bytes());
                }
            }
        });
        Self { addr, seen }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

fn body_length(head: &str) -> usize {
    head.lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0)
}

/// Sends raw bytes to the proxy and returns its status line and whole answer.
fn raw(url: &str, request: &[u8]) -> String {
    let addr = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn the_request_and_the_answer_pass_byte_for_byte_with_the_applications_own_headers() {
    let upstream = Recording::start();
    let session = Session::start(&upstream.url(), &[], &[]);
    let body = b"{ \"partnerId\":\"partner-id\" ,\"accountNumber\": \"0811111111\",\n  \"productCode\":\"product-code\"}";
    let client = session.client();
    let payload: Value = serde_json::from_slice(body).unwrap();
    let token = crate::proxy::hs256(&payload, &client.secret);
    let request = format!(
        "POST /api/v2/bill/check?trace=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nKEY: partner-id\r\nTOKEN: {token}\r\nVERSION: 2.0\r\nAccept: application/vnd.partner+json;q=0.9\r\nX-Partner-Trace: abc 123\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    let answer = raw(&session.url, &bytes);
    let (head, answered_body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert_eq!(
        answered_body, ANSWER_BODY,
        "the answer's body byte for byte"
    );
    let lower = head.to_ascii_lowercase();
    assert!(lower.contains("x-upstream-trace: 7f3a"), "{head}");
    assert!(lower.contains("content-type: application/json; charset=utf-8"));
    assert!(lower.contains("ppob-contract-findings: "), "{head}");

    let seen = upstream.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let (upstream_head, upstream_body) = &seen[0];
    assert_eq!(
        upstream_body.as_slice(),
        body,
        "the request's body byte for byte"
    );
    assert!(upstream_head.starts_with("POST /api/v2/bill/check?trace=1 HTTP/1.1\r\n"));
    for header in [
        "key: partner-id",
        &format!("token: {token}"),
        "version: 2.0",
        "accept: application/vnd.partner+json;q=0.9",
        "x-partner-trace: abc 123",
        "content-type: application/json",
    ] {
        assert!(
            upstream_head
                .to_ascii_lowercase()
                .contains(&header.to_ascii_lowercase()),
            "{header} not forwarded as sent:\n{upstream_head}"
        );
    }
    assert_eq!(
        upstream_head
            .to_ascii_lowercase()
            .matches("accept:")
            .count(),
        1,
        "Accept is not rewritten or doubled"
    );
    session.stop();
}

#[test]
fn the_findings_header_can_be_switched_off() {
    let upstream = ScriptedServer::start(script(|_| Reply::Hang));
    let session = Session::start(&upstream.url(), &["--no-findings-header"], &[]);
    let answer = session.client().inquire("0811111111");
    assert_eq!(answer.status, 200);
    assert_eq!(answer.findings, "", "no header");
    session.stop();
}

#[test]
fn only_the_upstream_is_reachable_and_bodies_are_capped() {
    let upstream = ScriptedServer::start(script(|_| Reply::Hang));
    let session = Session::start(&upstream.url(), &["--max-body", "1KiB"], &[]);
    let connect = raw(
        &session.url,
        b"CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n",
    );
    assert!(connect.starts_with("HTTP/1.1 405"), "{connect}");
    let absolute = raw(
        &session.url,
        b"POST http://sandbox.example/api/v2/bill/check HTTP/1.1\r\nHost: sandbox.example\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    assert!(absolute.starts_with("HTTP/1.1 400"), "{absolute}");
    let rebound = raw(
        &session.url,
        b"POST /api/v2/bill/check HTTP/1.1\r\nHost: attacker.example\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    assert!(rebound.starts_with("HTTP/1.1 421"), "{rebound}");
    let other = raw(
        &session.url,
        b"GET /admin HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    );
    assert!(other.starts_with("HTTP/1.1 404"), "{other}");
    let big = vec![b'x'; 4096];
    let mut oversized = format!(
        "POST /api/v2/bill/check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        big.len()
    )
    .into_bytes();
    oversized.extend_from_slice(&big);
    let capped = raw(&session.url, &oversized);
    assert!(capped.starts_with("HTTP/1.1 413"), "{capped}");
    assert!(
        upstream.operations().is_empty(),
        "the upstream saw {:?}",
        upstream.operations()
    );
    session.stop();
}

#[test]
fn a_hanging_or_flooding_upstream_is_bounded_and_judged() {
    let upstream = ScriptedServer::start(script(|_| Reply::Hang));
    let session = Session::start(&upstream.url(), &["--upstream-timeout", "300ms"], &[]);
    let client = session.client();
    let inquiry = client.inquire("0811111111");
    let started = Instant::now();
    let paid = client.pay(&inquiry, "PROXYHANG001");
    assert_eq!(paid.status, 504, "{}", paid.body);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        paid.body.get("responseCode").is_none(),
        "not an API envelope: {}",
        paid.body
    );
    let written = session.stop();
    written.assert_found("flow.unusable-answer", "response");

    let flood = ScriptedServer::start(script(|_| Reply::Answer(200, vec![b' '; 64 * 1024])));
    let session = Session::start(&flood.url(), &["--max-body", "8KiB"], &[]);
    let client = session.client();
    let inquiry = client.inquire("0811111111");
    let paid = client.pay(&inquiry, "PROXYFLOOD01");
    assert_eq!(paid.status, 502, "{}", paid.body);
    session
        .stop()
        .assert_found("flow.unusable-answer", "response");
}

#[test]
fn enforce_answers_a_broken_request_400_and_the_upstream_never_sees_it() {
    let upstream = ScriptedServer::start(script(|r| {
        Reply::json(200, &crate::scripted::payment_processing(r))
    }));
    let session = Session::start(&upstream.url(), &["--enforce"], &[]);
    let client = session.client();
    // A misspelled field: the body breaks the request schema.
    let broken = client.call(
        "/api/v2/bill/check",
        json!({"partnerId": client.key, "acountNumber": "0811111111", "productCode": "product-code"}),
    );
    assert_eq!(broken.status, 400, "{}", broken.body);
    let rules: Vec<&str> = broken.body["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"schema"), "{rules:?}");
    assert!(
        broken.body.get("responseCode").is_none(),
        "not an API envelope"
    );
    assert!(broken.findings.contains("schema"), "{}", broken.findings);
    // Headers: VERSION missing.
    let token = crate::proxy::hs256(
        &json!({"partnerId": client.key, "accountNumber": "0811111111", "productCode": "product-code"}),
        &client.secret,
    );
    let no_version = raw(
        &session.url,
        format!("POST /api/v2/bill/check HTTP/1.1\r\nHost: 127.0.0.1\r\nKEY: partner-id\r\nTOKEN: {token}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes(),
    );
    assert!(no_version.starts_with("HTTP/1.1 400"), "{no_version}");
    assert!(no_version.contains("proxy.headers"), "{no_version}");
    assert!(!no_version.contains(&token), "the TOKEN is not echoed");
    assert!(
        upstream.operations().is_empty(),
        "the upstream saw {:?}",
        upstream.operations()
    );

    // A request that keeps the contract is forwarded.
    let fine = client.inquire("0811111111");
    assert_eq!(fine.status, 200, "{}", fine.body);
    assert_eq!(upstream.operations(), ["check"]);
    let written = session.stop();
    written.assert_found("schema", "request");
    written.assert_found("proxy.headers", "request");
    assert!(
        written.live.contains("refused (--enforce)"),
        "{}",
        written.live
    );
}

#[test]
fn a_client_cannot_name_a_secret_into_any_output() {
    let upstream = ScriptedServer::start(script(|r| {
        Reply::json(200, &crate::scripted::payment_processing(r))
    }));
    let key = "CANARY-KEY-proxy-51d2";
    let session = Session::start(&upstream.url(), &["--record", "{dir}/session"], &[]);
    let mut client = session.client();
    client.key = key.into();
    client.inquire("0811111111");
    let written = session.stop();
    let recording: String = std::fs::read_dir(written.dir.path().join("session"))
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .collect();
    for text in [
        &written.live,
        &written.human,
        &written.junit,
        &written.sarif,
        &written.github,
        &written.json.to_string(),
        &recording,
    ] {
        assert!(!text.contains(key), "the KEY leaked");
        assert!(!text.contains("eyJ"), "a TOKEN leaked");
    }
    assert!(recording.contains("[redacted"), "{recording}");
}
