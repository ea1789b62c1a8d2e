//! `check` at sandbox scale against `ppob-contract mock` on 127.0.0.1:
//! cases at the same time (`--jobs`), a report whose order does not depend
//! on timing, and SIGTERM: the finished cases reported, the others named,
//! every report file parseable.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::check_http::{KEY, SECRET, mock};
use crate::support::run_env;

const ACCOUNT: &str = "0811111111";

/// `check --target URL` with a 3 s first wait (status is polled after it) and
/// `cases` copies of one successful case.
fn slow_cases(url: &str, cases: usize, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "check",
        "--target",
        url,
        "--first-wait",
        "3s",
        "--interval",
        "200ms",
        "--deadline",
        "30s",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for _ in 0..cases {
        args.extend(["--case".to_owned(), ACCOUNT.to_owned()]);
    }
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args
}

fn timed(args: &[String]) -> (Duration, Value) {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let start = Instant::now();
    let out = run_env(&args, &[("PPOB_API_KEY", KEY), ("PPOB_API_SECRET", SECRET)]);
    let elapsed = start.elapsed();
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let report = serde_json::from_str(&out.stdout).unwrap();
    (elapsed, report)
}

#[test]
fn eight_cases_at_once_take_about_as_long_as_one() {
    let (_mock, url) = mock();
    let (one, _) = timed(&slow_cases(&url, 1, &["--format", "json"]));
    assert!(
        one >= Duration::from_secs(3),
        "the first wait is real: {one:?}"
    );
    let (eight, report) = timed(&slow_cases(&url, 8, &["--jobs", "8", "--format", "json"]));
    assert!(
        eight < one * 2,
        "8 cases with --jobs 8 took {eight:?}, one case {one:?}"
    );
    let cases = report["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 8);
    assert!(cases.iter().all(|c| c["met"] == true), "{cases:?}");
    let names: Vec<&str> = cases.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names[0], ACCOUNT);
    assert_eq!(
        names[7],
        format!("{ACCOUNT} (8)"),
        "repeated cases are told apart, in order"
    );
}

/// The report without what varies from run to run (refNumbers, times).
fn stable(report: &Value) -> Value {
    let mut report = report.clone();
    for case in report["cases"].as_array_mut().unwrap() {
        case["elapsedMs"] = Value::Null;
    }
    report
}

#[test]
fn jobs_never_change_the_report() {
    let one = crate::check::check_json(&["--jobs", "1"]);
    let many = crate::check::check_json(&["--jobs", "6"]);
    assert_eq!(one.0, 0);
    assert_eq!(many.0, 0);
    assert_eq!(stable(&one.1), stable(&many.1));
    let suite = ppob_contract::check::simulator_suite().len();
    assert!(suite >= 12 * 3, "every category's accounts: {suite}");
    assert_eq!(one.1["cases"].as_array().unwrap().len(), suite);
}

#[test]
fn sigterm_reports_the_finished_case_and_names_the_others() {
    let (_mock, url) = mock();
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    let json = dir.path().join("report.json");
    let cassettes = dir.path().join("cassettes");
    let mut args = slow_cases(&url, 4, &["--jobs", "1"]);
    args.extend([
        "--record".to_owned(),
        cassettes.display().to_string(),
        "--report".to_owned(),
        format!("junit={}", junit.display()),
        "--report".to_owned(),
        format!("json={}", json.display()),
    ]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_ppob-contract"))
        .args(&args)
        .env("PPOB_API_KEY", KEY)
        .env("PPOB_API_SECRET", SECRET)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read the piped output until the first case's block has ended (bounded:
    // the mark comes after ~3 s; a missing mark ends the read at EOF).
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut shown = String::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap() == 0 {
            break;
        }
        shown.push_str(&line);
        if line.contains("success as expected") {
            break;
        }
    }
    assert!(shown.contains("✓ success as expected"), "{shown}");
    // The second case is now waiting out its first wait, its payment sent.
    std::thread::sleep(Duration::from_millis(500));
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    stdout.read_to_string(&mut shown).unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(128 + 15), "{shown}\n{stderr}");
    assert!(
        stderr.contains("stopped by signal 15: 1 ended, 1 interrupted, 2 not started"),
        "{stderr}"
    );
    assert!(
        shown.contains(&format!(
            "interrupted {ACCOUNT} (2): interrupted after sending payment refNumber PPOBCT"
        )),
        "the interrupted case names its payment: {shown}"
    );
    assert!(shown.contains("not started"), "{shown}");

    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["incomplete"], true);
    assert_eq!(report["cases"].as_array().unwrap().len(), 1);
    let interrupted = report["interrupted"].as_array().unwrap();
    assert_eq!(interrupted.len(), 3);
    assert_eq!(interrupted[0]["started"], true);
    let unknown = interrupted[0]["unknownPayments"][0].as_str().unwrap();
    assert!(unknown.starts_with("PPOBCT"), "{unknown}");
    assert!(
        interrupted[1..].iter().all(|c| c["started"] == false),
        "{interrupted:?}"
    );
    // What the interrupted case judged before the stop is in the report, not "0 documents":
    // its inquiry and payment (request and answer each), without a verdict on an ending it
    // never reached.
    let documents = report["documents"].as_array().unwrap();
    let partial: Vec<&Value> = documents
        .iter()
        .filter(|d| {
            d["source"]
                .as_str()
                .is_some_and(|s| s.starts_with(&format!("{ACCOUNT} (2)#")))
        })
        .collect();
    assert_eq!(partial.len(), 4, "{partial:#?}");
    assert!(
        partial
            .iter()
            .all(|d| d["findings"].as_array().is_none_or(|f| f.is_empty())),
        "{partial:#?}"
    );
    assert_eq!(
        report["summary"]["documents"].as_u64(),
        Some(documents.len() as u64)
    );
    assert!(
        shown.contains(&format!("{} documents", documents.len())),
        "{shown}"
    );
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(crate::support::root().join("schemas/report.schema.json"))
            .unwrap(),
    )
    .unwrap();
    assert!(
        jsonschema::validator_for(&schema)
            .unwrap()
            .is_valid(&report)
    );

    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let names: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .filter_map(|n| n.attribute("name"))
        .collect();
    assert_eq!(names.len(), 4, "{xml}");
    // Both the finished and the interrupted case kept their cassettes.
    let saved = std::fs::read_dir(&cassettes).unwrap().count();
    assert_eq!(saved, 2);
}
