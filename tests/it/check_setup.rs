//! Setup versus contract, over loopback servers started here
//! ([`crate::scripted`]): a target whose first answer is not the API (an HTML
//! login page, a 404 on the inquiry path) stops the run with one
//! `setup.not-the-api` line and exit 2; an unreachable one says what to
//! check; a partner answering the API wrongly, or a non-API answer after the
//! API has answered, stays a contract finding (exit 1). stdout never holds a
//! partial report. (The unreachable target: `check_http`.)

use serde_json::{Value, json};

use crate::check::{findings, outcomes};
use crate::check_http::{KEY, SECRET};
use crate::scripted::{Reply, ScriptedServer, inquiry_ok, script};
use crate::support::{Run, run_env};

/// Three cases: a setup error must not be repeated for each.
pub(crate) const THREE_CASES: [&str; 6] = [
    "--case",
    "0811111111",
    "--case",
    "0811111112",
    "--case",
    "0811111113",
];

/// `check --target URL` with fast polling, the test credentials and `extra`.
fn check(url: &str, extra: &[&str]) -> Run {
    crate::check_http::check(url, SECRET, extra)
}

/// The one stderr line of a setup error, after checking exit 2, that the
/// line is the only one, and that stdout holds no partial report: nothing
/// (human), or a whole report that names the rule (json, junit, sarif,
/// github), so a CI's test tab shows why the run holds no case.
pub(crate) fn setup_line(run: &Run, rule: &str) -> String {
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    let out = run.stdout.trim_start();
    if out.starts_with('{') {
        let report: Value = serde_json::from_str(out)
            .unwrap_or_else(|e| panic!("a whole JSON document ({e}): {out}"));
        let named = report["setup"]["rule"] == rule
            || report["runs"][0]["invocations"][0]["toolExecutionNotifications"]
                .as_array()
                .is_some_and(|n| {
                    n.iter().any(|n| {
                        n["message"]["text"]
                            .as_str()
                            .is_some_and(|t| t.starts_with(rule))
                    })
                });
        assert!(named, "the report names {rule}: {report:#}");
    } else if out.starts_with('<') {
        let xml = roxmltree::Document::parse(out)
            .unwrap_or_else(|e| panic!("a whole XML document ({e}): {out}"));
        assert!(
            xml.descendants().any(|n| n.attribute("type") == Some(rule)),
            "the JUnit report has a {rule} testcase: {out}"
        );
    } else if !out.is_empty() {
        assert!(
            out.starts_with(&format!("::error title={rule}::")),
            "a GitHub annotation of {rule}: {out}"
        );
    }
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line, not one per case: {}", run.stderr);
    assert!(lines[0].contains(&format!("error[{rule}]")), "{}", lines[0]);
    assert!(lines[0].contains("no further case was run"), "{}", lines[0]);
    lines[0].to_owned()
}

/// A login page that shows the partner id it was sent (the API key) in its
/// first 80 characters.
fn login_page(request: &crate::scripted::Request) -> Vec<u8> {
    let partner = request.fields["partnerId"].as_str().unwrap_or("?");
    format!(
        "<!DOCTYPE html>\n<html><title>Sign in</title>\n<body>partner {partner}<form action=\"/login\">{}</form></body></html>",
        "<input>".repeat(40)
    )
    .into_bytes()
}

#[test]
fn an_html_login_page_is_one_not_the_api_line_for_the_whole_run() {
    let server = ScriptedServer::start(|request| {
        Reply::Typed(200, "text/html; charset=utf-8", login_page(request))
    });
    let url = server.url();
    for format in ["human", "json", "junit", "sarif", "github"] {
        let mut extra = THREE_CASES.to_vec();
        extra.extend(["--format", format]);
        let run = check(&url, &extra);
        let line = setup_line(&run, "setup.not-the-api");
        if format == "human" {
            assert_eq!(run.stdout, "", "the one stderr line says it all");
        }
        for needle in [
            "in case 0811111111:",
            &format!("POST {url}/api/v2/bill/check answered HTTP 200"),
            "(text/html; charset=utf-8)",
            "an HTML page",
            "\"<!DOCTYPE html> <html><title>Sign in</title> <body>partner [redacted:key]<form",
            "--target or PPOB_BASE_URL",
            "path prefix",
            "proxy or login page",
        ] {
            assert!(line.contains(needle), "{format}: {needle:?} in {line}");
        }
        // The body is quoted in short (80 characters) and without the key.
        assert!(!line.contains("<input>"), "{line}");
        assert!(!run.stderr.contains(KEY), "{}", run.stderr);
    }
    // One inquiry per run: no case after the first was sent.
    assert_eq!(server.operations(), ["check"; 5]);
}

#[test]
fn a_404_on_the_inquiry_path_names_the_url_with_its_prefix() {
    let server = ScriptedServer::start(|_| {
        Reply::Typed(404, "text/plain", b"404 page not found\n".to_vec())
    });
    let base = format!("{}/v1", server.url());
    let report = tempfile::tempdir().unwrap();
    let file = report.path().join("report.json");
    let spec = format!("json={}", file.display());
    let mut extra = THREE_CASES.to_vec();
    extra.extend(["--format", "json", "--report", &spec]);
    let run = check(&base, &extra);
    let line = setup_line(&run, "setup.not-the-api");
    for needle in [
        &format!("POST {base}/api/v2/bill/check answered HTTP 404 (text/plain)"),
        "\"not found\" for the inquiry path: \"404 page not found\"",
        "path prefix",
    ] {
        assert!(line.contains(needle), "{needle:?} in {line}");
    }
    assert_eq!(server.operations(), ["check"]);
    // The report file is complete, holds no document, says the run did not
    // end and why.
    let written: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(written["incomplete"], true, "{written:#}");
    assert_eq!(written["documents"], json!([]), "{written:#}");
    assert_eq!(written["setup"]["rule"], "setup.not-the-api", "{written:#}");
}

#[test]
fn json_without_the_envelope_is_not_the_api() {
    let server =
        ScriptedServer::start(|_| Reply::json(200, &json!({"status": "UP", "service": "gateway"})));
    let run = check(&server.url(), &["--case", "0811111111"]);
    let line = setup_line(&run, "setup.not-the-api");
    assert!(
        line.contains("JSON without the API's envelope (responseCode, success, message, data)"),
        "{line}"
    );
    assert!(line.contains("\"status\":\"UP\""), "{line}");
}

#[test]
fn an_api_answer_with_a_wrong_field_is_a_contract_finding_not_a_setup_error() {
    let server = ScriptedServer::start(move |request| {
        if request.operation == "check" {
            let mut answer = inquiry_ok("0811111111", 3607);
            answer["data"]["customerName"] = json!(42);
            Reply::json(200, &answer)
        } else {
            script(|r| Reply::json(200, &crate::scripted::payment_processing(r)))(request)
        }
    });
    let run = check(&server.url(), &["--case", "0811111111", "--format", "json"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(!run.stderr.contains("setup."), "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(outcomes(&report), ["success"], "{report:#}");
    let found = findings(&report);
    assert!(
        found.iter().any(|(rule, source, pointer)| rule == "schema"
            && source.ends_with("inquiry.response")
            && pointer == "/data/customerName"),
        "{found:?}"
    );
    assert_eq!(server.operations(), ["check", "payment", "status"]);
}

#[test]
fn a_non_api_answer_after_the_api_answered_is_a_contract_finding() {
    // The first case talks to the API; the second case's inquiry gets a page.
    let server = ScriptedServer::start(|request| {
        if request.operation == "check" && request.fields["accountNumber"] == "0811111112" {
            return Reply::Typed(200, "text/html", login_page(request));
        }
        script(|r| Reply::json(200, &crate::scripted::payment_processing(r)))(request)
    });
    let run = check(
        &server.url(),
        &[
            "--case",
            "0811111111",
            "--case",
            "0811111112",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.stderr, "", "no setup line");
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(outcomes(&report), ["success", "error"], "{report:#}");
    let found = findings(&report);
    assert!(
        found
            .iter()
            .any(|(rule, source, _)| rule == "flow.unusable-answer"
                && source.starts_with("0811111112#1")),
        "{found:?}"
    );
    assert!(found.iter().all(|(rule, ..)| !rule.starts_with("setup.")));
}

#[test]
fn an_html_payment_answer_stays_processing_under_the_money_rule() {
    let server = ScriptedServer::start(script(|_| {
        Reply::Typed(200, "text/html", b"<html>Gateway busy</html>".to_vec())
    }));
    let run = check(&server.url(), &["--case", "0811111111", "--format", "json"]);
    assert!(!run.stderr.contains("setup."), "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(outcomes(&report), ["success"], "{report:#}");
    assert_eq!(server.operations(), ["check", "payment", "status"]);
    let payment = crate::check::payment_response(&report);
    let verdict = payment["step"]["verdict"].as_str().unwrap();
    assert!(verdict.starts_with("processing (money rule"), "{verdict}");
}

#[test]
fn a_setup_error_after_reported_cases_ends_a_complete_report_marked_incomplete() {
    // Case 1 runs; case 2's inquiry is refused (401): the run stops there.
    let server = ScriptedServer::start(|request| {
        if request.fields["accountNumber"] == "0811111112" {
            return Reply::json(401, &json!({"message": {"ID": "x", "EN": "bad token"}}));
        }
        script(|r| Reply::json(200, &crate::scripted::payment_processing(r)))(request)
    });
    let mut extra = THREE_CASES.to_vec();
    // One case at a time: case 3 must not start before case 2 was refused.
    extra.extend(["--format", "json", "--jobs", "1"]);
    let run = check(&server.url(), &extra);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(
        lines[0].contains("error[setup.auth] in case 0811111112"),
        "{}",
        lines[0]
    );
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("a complete JSON report ({e}): {}", run.stdout));
    assert_eq!(report["incomplete"], true, "{report:#}");
    assert_eq!(outcomes(&report), ["success"], "{report:#}");
    assert_eq!(server.operations(), ["check", "payment", "status", "check"]);
}

#[test]
fn fuzz_stops_before_its_first_case_on_a_target_that_is_not_the_api() {
    let server =
        ScriptedServer::start(|request| Reply::Typed(200, "text/html", login_page(request)));
    let url = server.url();
    let run = run_env(
        &[
            "fuzz",
            "--target",
            &url,
            "--account",
            "0811111111",
            "--cases",
            "20",
            "--no-regressions",
            "--format",
            "json",
        ],
        &[("PPOB_API_KEY", KEY), ("PPOB_API_SECRET", SECRET)],
    );
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    for needle in [
        "error[setup.not-the-api]",
        &format!("POST {url}/api/v2/bill/check answered HTTP 200 (text/html) with an HTML page"),
        "partner [redacted:key]",
    ] {
        assert!(lines[0].contains(needle), "{needle:?} in {}", lines[0]);
    }
    assert!(!run.stderr.contains(KEY), "{}", run.stderr);
    // Only the preflight inquiry was sent.
    assert_eq!(server.operations(), ["check"]);
}

#[test]
fn a_wrong_path_prefix_in_front_of_mock_is_not_the_api() {
    // `mock` answers an unknown path with 404 and its error envelope (199).
    let (_mock, url) = crate::check_http::mock();
    let base = format!("{url}/wrong-prefix");
    let cassettes = tempfile::tempdir().unwrap();
    let dir = cassettes.path().join("cassettes");
    let run = check(
        &base,
        &["--case", "0811111111", "--record", dir.to_str().unwrap()],
    );
    let line = setup_line(&run, "setup.not-the-api");
    assert!(
        line.contains(&format!(
            "POST {base}/api/v2/bill/check answered HTTP 404 (application/json)"
        )),
        "{line}"
    );
    assert!(
        line.contains("\"not found\" for the inquiry path"),
        "{line}"
    );
    // The recording transport is named by its URL alone, and nothing was recorded.
    assert!(!line.contains("(recording)"), "{line}");
    assert!(!dir.exists() || std::fs::read_dir(&dir).unwrap().next().is_none());
}

/// A loopback listener whose accept queue is full and never drained: the
/// kernel drops further connection attempts, as a firewall dropping packets
/// (or a VPN that is not connected) does. Holds the runtime, listener and
/// the one queued connection.
struct Blackhole {
    _runtime: tokio::runtime::Runtime,
    _listener: tokio::net::TcpListener,
    _queued: std::net::TcpStream,
    url: String,
}

fn blackhole() -> Blackhole {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    let _context = runtime.enter();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    // Backlog 0: one connection fills the queue.
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let queued = std::net::TcpStream::connect(addr).unwrap();
    Blackhole {
        url: format!("http://{addr}"),
        _runtime: runtime,
        _listener: listener,
        _queued: queued,
    }
}

#[test]
fn a_connection_that_times_out_is_unreachable_not_a_finding_per_case() {
    let hole = blackhole();
    let mut extra = THREE_CASES.to_vec();
    extra.extend(["--connect-timeout", "300ms", "--format", "json"]);
    let run = check(&hole.url, &extra);
    let line = setup_line(&run, "setup.unreachable");
    for needle in [
        format!(
            "{} is unreachable: could not connect within 300ms",
            hole.url
        )
        .as_str(),
        "a VPN the sandbox needs",
        "firewall",
    ] {
        assert!(line.contains(needle), "{needle:?} in {line}");
    }
}
