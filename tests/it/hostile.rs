//! Hostile servers on 127.0.0.1:0: endless and dripping answer bodies, a
//! body announced larger than the cap, and a server that echoes the request
//! headers (KEY and TOKEN) in a body that is not UTF-8. Each test starts its
//! own server; every writing loop is bounded in bytes and time.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use base64::Engine as _;
use ppob_contract::contract::Operation;
use ppob_contract::transport::auth::{BodyMode, Credentials, sign_request};
use ppob_contract::transport::http::{HttpConfig, HttpTransport};
use ppob_contract::transport::{Transport, TransportError, WireRequest};
use serde_json::{Value, json};

use crate::check::payment_response;
use crate::check_http::{KEY, SECRET, has_jwt};
use crate::support::{Run, fixtures, run_env};

/// The most any hostile writer sends on one connection (a bound, not a target).
const MAX_WRITTEN: usize = 512 * 1024 * 1024;
/// The longest any hostile writer keeps going.
const MAX_WRITING: Duration = Duration::from_secs(20);

/// Reads one request's head and its `Content-Length` body; returns the head
/// and the raw bytes read.
pub(crate) fn read_request(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut raw = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        raw.extend_from_slice(&chunk[..n]);
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if raw.len() > 1 << 20 {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while raw.len() < head_end + length {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&chunk[..n]);
    }
    Some((head, raw))
}

/// Starts a server on 127.0.0.1:0 that hands each request (its path and raw
/// bytes) and the connection to `answer`, one thread per connection.
fn serve(answer: fn(&str, &[u8], &mut TcpStream)) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                while let Some((head, raw)) = read_request(&mut stream) {
                    let path = head.split_whitespace().nth(1).unwrap_or("").to_owned();
                    answer(&path, &raw, &mut stream);
                }
            });
        }
    });
    format!("http://127.0.0.1:{port}")
}

/// A 200 answer whose chunked body never ends (64 KiB chunks as fast as the
/// client reads), until the client hangs up or the bounds are reached.
fn endless(stream: &mut TcpStream) {
    let _ = stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
    let mut chunk = format!("{:x}\r\n", 64 * 1024).into_bytes();
    chunk.extend(std::iter::repeat_n(b' ', 64 * 1024));
    chunk.extend_from_slice(b"\r\n");
    let _ = stream.write_all(b"1\r\n{\r\n");
    let started = Instant::now();
    let mut written = 0;
    while written < MAX_WRITTEN && started.elapsed() < MAX_WRITING {
        if stream.write_all(&chunk).is_err() {
            return;
        }
        written += chunk.len();
    }
}

/// A 200 answer that sends one byte of an endless chunked body every 50 ms.
fn drip(stream: &mut TcpStream) {
    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    let started = Instant::now();
    while started.elapsed() < MAX_WRITING {
        if stream.write_all(b"1\r\n \r\n").is_err() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn transport(base: &str, timeout: Duration, max_body: u64) -> HttpTransport {
    HttpTransport::new(HttpConfig {
        timeout,
        max_body,
        ..HttpConfig::new(base)
    })
    .unwrap()
}

fn status_request() -> WireRequest {
    sign_request(
        Operation::Status,
        json!({"partnerId": "partner-id", "refNumber": "R1"}),
        &Credentials::new("partner-id", "test-secret"),
        BodyMode::TokenOnly,
    )
    .unwrap()
}

#[test]
fn an_endless_body_stops_at_the_cap() {
    let base = serve(|_, _, stream| endless(stream));
    let limit = 256 * 1024;
    let exchange = transport(&base, Duration::from_secs(10), limit).send(status_request());
    assert_eq!(
        exchange.response,
        Err(TransportError::BodyTooLarge { limit })
    );
    // Reading stopped at the cap, long before the timeout (a hang guard, not a speed claim).
    assert!(
        exchange.elapsed < Duration::from_secs(10),
        "{:?}",
        exchange.elapsed
    );
}

#[test]
fn a_body_announced_larger_than_the_cap_is_not_read() {
    let base = serve(|_, _, stream| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n{");
        std::thread::sleep(Duration::from_secs(3));
    });
    let exchange = transport(&base, Duration::from_secs(10), 1024).send(status_request());
    assert_eq!(
        exchange.response,
        Err(TransportError::BodyTooLarge { limit: 1024 })
    );
    assert!(
        exchange.elapsed < Duration::from_secs(3),
        "the client did not wait for the body: {:?}",
        exchange.elapsed
    );
}

#[test]
fn a_body_exactly_at_the_cap_is_read_whole() {
    let base = serve(|_, _, stream| {
        let _ = stream.write_all(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{ }\n\r\n0\r\n\r\n",
        );
    });
    let exchange = transport(&base, Duration::from_secs(5), 4).send(status_request());
    assert_eq!(exchange.response.unwrap().body, b"{ }\n");
}

#[test]
fn a_dripping_body_ends_at_the_total_timeout() {
    // Each byte arrives well within the timeout; only a deadline for the
    // whole answer stops it.
    let base = serve(|_, _, stream| drip(stream));
    let timeout = Duration::from_millis(600);
    let exchange = transport(&base, timeout, 1 << 20).send(status_request());
    assert_eq!(exchange.response, Err(TransportError::Timeout(timeout)));
    assert!(
        exchange.elapsed < Duration::from_secs(5),
        "{:?}",
        exchange.elapsed
    );
}

/// Answers the inquiry with the documented example and every payment and
/// status with an endless body.
fn endless_after_inquiry(path: &str, _: &[u8], stream: &mut TcpStream) {
    if path.ends_with("/check") {
        let body = std::fs::read(fixtures().join("inquiry.response.json")).unwrap();
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(&body);
    } else {
        endless(stream);
    }
}

fn check(url: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "check",
        "--target",
        url,
        "--first-wait",
        "100ms",
        "--interval",
        "100ms",
        "--deadline",
        "1s",
    ];
    args.extend_from_slice(extra);
    run_env(&args, &[("PPOB_API_KEY", KEY), ("PPOB_API_SECRET", SECRET)])
}

#[test]
fn check_treats_an_endless_payment_answer_as_processing() {
    let url = serve(endless_after_inquiry);
    let result = check(
        &url,
        &[
            "--max-body",
            "1MiB",
            "--timeout",
            "5s",
            "--format",
            "json",
            "--case",
            "0811111111=pending",
        ],
    );
    let report: Value = serde_json::from_str(&result.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", result.stdout, result.stderr));
    assert_eq!(result.code, 0, "{report:#}");
    assert_eq!(report["cases"][0]["outcome"], "pending", "{report:#}");
    let payment = payment_response(&report);
    assert_eq!(
        payment["step"]["verdict"], "processing (money rule: body-too-large)",
        "{payment:#}"
    );
}

#[test]
fn max_body_is_read_from_the_config_file_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.toml");
    std::fs::write(&config, "max_body = \"64KiB\"\n").unwrap();
    let url = serve(endless_after_inquiry);
    let config_arg = config.to_str().unwrap();
    let result = check(
        &url,
        &[
            "--config",
            config_arg,
            "--format",
            "json",
            "--case",
            "0811111111=pending",
        ],
    );
    assert!(
        result.stdout.contains("body-too-large"),
        "{}\n{}",
        result.stdout,
        result.stderr
    );
    std::fs::write(&config, "max_body = \"lots\"\n").unwrap();
    let result = check(&url, &["--config", config_arg]);
    assert_eq!(result.code, 2, "{}", result.stdout);
    assert!(
        result.stderr.contains("not a byte size"),
        "{}",
        result.stderr
    );
    let result = check(&url, &["--max-body", "0"]);
    assert_eq!(result.code, 2, "{}", result.stdout);
    assert!(result.stderr.contains("--max-body"), "{}", result.stderr);
}

/// Answers every request with a body that is not UTF-8 and echoes the whole
/// request (its KEY and TOKEN headers), the TOKEN once more glued to a
/// letter (`x<JWT>`).
fn echo_headers(_: &str, raw: &[u8], stream: &mut TcpStream) {
    let mut body = b"\xff\xfe echo: ".to_vec();
    body.extend_from_slice(raw);
    let head = String::from_utf8_lossy(raw).into_owned();
    if let Some(token) = head.lines().find_map(|l| {
        l.split_once(':')
            .filter(|(n, _)| n.eq_ignore_ascii_case("token"))
            .map(|(_, v)| v.trim().to_owned())
    }) {
        body.extend_from_slice(b"\xc3x");
        body.extend_from_slice(token.as_bytes());
    }
    let answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(answer.as_bytes());
    let _ = stream.write_all(&body);
}

/// As [`echo_headers`], but the inquiry gets the clean answer (300) of the
/// API: the target has answered the API, so the echoes on payment and status
/// are the partner's answers, shown in reports and recorded in cassettes.
fn echo_after_inquiry(path: &str, raw: &[u8], stream: &mut TcpStream) {
    if !path.ends_with("/check") {
        return echo_headers(path, raw, stream);
    }
    let body = crate::scripted::inquiry_ok("0811111111", 3607).to_string();
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body.as_bytes());
}

/// Every text a cassette holds, base64 bodies decoded.
fn cassette_texts(path: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let har: Value = serde_json::from_str(&text).unwrap();
    let mut texts = vec![text];
    for entry in har["log"]["entries"].as_array().unwrap() {
        for body in [
            &entry["response"]["content"]["text"],
            &entry["request"]["postData"]["text"],
        ] {
            if let Some(b64) = body.as_str()
                && let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(b64)
            {
                texts.push(String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    texts
}

#[test]
fn a_server_echoing_headers_in_a_binary_body_leaks_nothing() {
    let url = serve(echo_after_inquiry);
    let dir = tempfile::tempdir().unwrap();
    let cassettes = dir.path().join("cassettes");
    let mut texts = Vec::new();
    let mut binary_seen = false;
    for (format, mode) in [("human", "token-only"), ("json", "token-and-body")] {
        let result = check(
            &url,
            &[
                "--format",
                format,
                "--body-mode",
                mode,
                "--record",
                cassettes.to_str().unwrap(),
                "--case",
                "0811111111",
            ],
        );
        if format == "human" {
            assert!(
                result.stdout.contains("echo:"),
                "the echoed body is shown: {}",
                result.stdout
            );
        }
        texts.push(result.stdout);
        texts.push(result.stderr);
        for entry in std::fs::read_dir(&cassettes).unwrap() {
            let path = entry.unwrap().path();
            let har = std::fs::read_to_string(&path).unwrap();
            binary_seen |=
                har.contains("\"encoding\": \"base64\"") || har.contains("\"encoding\":\"base64\"");
            texts.extend(cassette_texts(&path));
        }
    }
    assert!(binary_seen, "the cassette stored the body as base64");
    // Echoed from the first answer on, the target is not the API: the setup
    // line quotes the body's head, redacted before it is cut.
    let result = check(&serve(echo_headers), &["--case", "0811111111"]);
    assert_eq!(result.code, 2, "{}\n{}", result.stdout, result.stderr);
    assert!(
        result.stderr.contains("error[setup.not-the-api]") && result.stderr.contains("echo: POST"),
        "{}",
        result.stderr
    );
    texts.push(result.stderr);
    for text in &texts {
        assert!(!text.contains("CANARY"), "a credential leaked:\n{text}");
        assert!(!has_jwt(text), "a TOKEN leaked:\n{text}");
    }
    assert!(
        texts.iter().any(|t| t.contains("[redacted:token]")),
        "the echo was redacted, not dropped"
    );
}

/// The canary in a URL: the key and the secret (and a third value) in a
/// `--target` or config `target` URL's query, fragment and userinfo, with an
/// unsupported scheme or a malformed host besides. Every run is refused
/// (exit 2) and no credential shows in stdout, stderr, any report format or
/// any recording.
#[test]
fn a_secret_in_a_target_url_is_never_echoed() {
    let urls = [
        format!("http://127.0.0.1:9/?key={KEY}&secret={SECRET}"),
        format!("http://127.0.0.1:9/#{SECRET}"),
        format!("http://{KEY}:{SECRET}@127.0.0.1:9/"),
        format!("ftp://127.0.0.1:9/?key={KEY}#{SECRET}"),
        format!("ftp://{KEY}:{SECRET}@127.0.0.1:9/"),
        format!("http://127.0.0.1 x/?apiKey={KEY}&t=CANARY-URL-1"),
        format!("http://127.0.0.1:99999/?secret={SECRET}"),
        format!("127.0.0.1:9?key={KEY}#CANARY-URL-2"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports");
    let cassettes = dir.path().join("cassettes");
    let config = dir.path().join("ppob-contract.toml");
    let mut texts = Vec::new();
    for url in &urls {
        for format in ["human", "json", "junit", "sarif", "github"] {
            let file = format!("{format}={}", reports.join(format).display());
            let common = [
                "--format",
                format,
                "--report",
                &file,
                "--record",
                cassettes.to_str().unwrap(),
            ];
            let by_flag = check(url, &common);
            std::fs::write(&config, format!("target = {url:?}\n")).unwrap();
            let mut args = vec!["check", "--config", config.to_str().unwrap()];
            args.extend_from_slice(&common);
            let by_config = run_env(&args, &[("PPOB_API_KEY", KEY), ("PPOB_API_SECRET", SECRET)]);
            let fuzz = run_env(
                &[
                    "fuzz",
                    "--target",
                    url,
                    "--account",
                    "0811111111",
                    "--format",
                    format,
                ],
                &[("PPOB_API_KEY", KEY), ("PPOB_API_SECRET", SECRET)],
            );
            for run in [by_flag, by_config, fuzz] {
                assert_eq!(run.code, 2, "{url}\n{}\n{}", run.stdout, run.stderr);
                assert!(
                    run.stderr.contains("base URL"),
                    "the refusal names the URL: {}",
                    run.stderr
                );
                texts.push(run.stdout);
                texts.push(run.stderr);
            }
        }
    }
    for root in [&reports, &cassettes] {
        if let Ok(entries) = std::fs::read_dir(root) {
            for entry in entries {
                texts.push(std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default());
            }
        }
    }
    for text in &texts {
        assert!(!text.contains("CANARY"), "a credential leaked:\n{text}");
    }
    assert!(
        texts.iter().any(|t| t.contains("?key=***")),
        "the URL is shown, its values hidden"
    );
}

#[test]
fn config_file_errors_never_echo_a_credential() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ppob-contract.toml");
    let config_arg = config.to_str().unwrap();
    for text in [
        format!("[credentials]\nkey = \"{KEY}\"\nsecret = {SECRET}\n"),
        format!("[credentials]\nkey = \"{KEY}\"\nsecrte = \"{SECRET}\"\n"),
        format!("[credentials]\nkey = \"{KEY}\"\nsecret = [\"{SECRET}\"]\n"),
        format!("[credentials]\nkey = [\"{KEY}\"]\nsecret = \"{SECRET}\"\n"),
        format!("[credentials]\nkey = \"{KEY}\"\nsecret = \"{SECRET}\"\ncolour = \"x\"\n"),
        format!("target = \"http://127.0.0.1:9\"\nsecret = \"{SECRET}\" # misplaced\n"),
    ] {
        std::fs::write(&config, &text).unwrap();
        // The same credentials are in the environment: they must not show either.
        let result = check("http://127.0.0.1:9", &["--config", config_arg]);
        assert_eq!(
            result.code, 2,
            "{text}\n{}\n{}",
            result.stdout, result.stderr
        );
        let all = format!("{}{}", result.stdout, result.stderr);
        assert!(all.contains(config_arg) && all.contains("line "), "{all}");
        assert!(
            !all.contains("CANARY"),
            "a credential leaked for\n{text}\n{all}"
        );
    }
}
