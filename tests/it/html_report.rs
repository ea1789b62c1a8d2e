//! `--report html=PATH` and `--report ctrf=PATH` for validate, check, fuzz and a merge (and
//! `proxy`, in `tests/it/proxy.rs`, with the checks here),
//! written beside the JSON report of the same run. The CTRF file is validated against the
//! official CTRF schema and its counts against the JSON report; the HTML page is checked as
//! text (self-contained: no `src`, no stylesheet link, a `default-src 'none'` policy, no
//! secret) and, where installed (always in CI), opened in headless Chromium: no console or
//! script error, no request, the counts of the JSON report, failing cases first and on the
//! first screen, the "only what failed" switch working.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{root, run, run_env};

/// A directory under `target/it-html-report/`, emptied first.
fn scratch(name: &str) -> PathBuf {
    crate::support::scratch("html-report", name)
}

/// Runs `args` with html, ctrf and json report files in `dir`; returns the JSON report.
fn reports(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Value {
    let specs = [
        "html=report.html",
        "ctrf=report.ctrf.json",
        "json=report.json",
    ]
    .map(|s| {
        let (format, file) = s.split_once('=').unwrap();
        format!("{format}={}", dir.join(file).display())
    });
    let mut all = args.to_vec();
    for spec in &specs {
        all.extend(["--report", spec]);
    }
    all.push("-q");
    let out = run_env(&all, env);
    assert!(out.code <= 1, "{all:?}: {}{}", out.stdout, out.stderr);
    serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap()
}

fn findings_in(json: &Value) -> usize {
    json["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["findings"].as_array().unwrap().len())
        .sum()
}

/// The CTRF file of `dir` against the official schema; returns it.
pub(crate) fn valid_ctrf(dir: &Path) -> Value {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/data/ctrf-schema.json")).unwrap(),
    )
    .unwrap();
    let ctrf: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.ctrf.json")).unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&ctrf)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let summary = &ctrf["results"]["summary"];
    let tests = ctrf["results"]["tests"].as_array().unwrap();
    assert_eq!(summary["tests"], tests.len());
    let failed = tests.iter().filter(|t| t["status"] == "failed").count();
    assert_eq!(summary["failed"], failed);
    ctrf
}

/// The HTML page of `dir`, checked as text and, where installed, in Chromium, against the
/// JSON report `json`.
pub(crate) fn valid_html(dir: &Path, json: &Value, secrets: &[&str]) -> Option<Value> {
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        html.contains("content=\"default-src 'none';"),
        "a policy forbids any request"
    );
    for outside in [" src=", "<link", "@import", "url("] {
        assert!(
            !html.contains(outside),
            "{outside} in a self-contained page"
        );
    }
    for secret in secrets {
        assert!(!html.contains(secret), "the page holds a secret");
    }
    let summary = &json["summary"];
    let attribute = |name: &str| -> String {
        let key = format!("data-{name}=\"");
        let at = html.find(&key).unwrap_or_else(|| panic!("no {key}")) + key.len();
        html[at..].split('"').next().unwrap().to_owned()
    };
    for (name, value) in [
        ("documents", &summary["documents"]),
        ("valid", &summary["valid"]),
        ("errors", &summary["errors"]),
        ("warnings", &summary["warnings"]),
    ] {
        assert_eq!(attribute(name), value.to_string(), "{name}");
    }
    let seen = crate::report_tools::browse(&dir.join("report.html"))?;
    assert_eq!(seen["consoleErrors"], serde_json::json!([]), "{seen}");
    assert_eq!(
        seen["requests"],
        serde_json::json!([]),
        "no request: {seen}"
    );
    let data = &seen["data"];
    assert_eq!(data["documents"], summary["documents"].to_string());
    assert_eq!(data["errors"], summary["errors"].to_string());
    assert_eq!(data["warnings"], summary["warnings"].to_string());
    assert_eq!(
        seen["findings"],
        findings_in(json),
        "every finding of the JSON report is on the page"
    );
    assert_eq!(
        seen["passingVisibleAfterSwitch"], 0,
        "the switch hides what passed"
    );
    let order: Vec<bool> = seen["caseOrder"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_bool().unwrap())
        .collect();
    if let Some(first_passing) = order.iter().position(|f| !f) {
        assert!(
            order[first_passing..].iter().all(|f| !f),
            "failing cases come first: {order:?}"
        );
    }
    if seen["failingCases"].as_u64() > Some(0) {
        assert!(
            seen["firstFailingTop"].as_f64().unwrap() < seen["viewportHeight"].as_f64().unwrap(),
            "a failing case is on the first screen: {seen}"
        );
    }
    Some(seen)
}

#[test]
fn check_reports_a_failing_case_first_with_its_timeline() {
    let dir = scratch("check");
    let (key, secret) = ("KEY-i25-do-not-leak", "SECRET-i25-do-not-leak");
    let json = reports(
        &dir,
        &[
            "check",
            "--case",
            "0811111111",
            "--case",
            "0811111126",
            "--case",
            "0811111113=failed:302",
        ],
        &[("PPOB_API_KEY", key), ("PPOB_API_SECRET", secret)],
    );
    let ctrf = valid_ctrf(&dir);
    let cases = json["cases"].as_array().unwrap();
    // Real and simulated time apart: the simulator's waits took no real time.
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(cases.iter().all(|c| c["simulatedMs"].is_number()), "{json}");
    assert_eq!(html.matches("data-elapsed-ms=").count(), cases.len());
    assert_eq!(html.matches("data-simulated-ms=").count(), cases.len());
    assert!(html.contains("of real time; "), "both times named");
    assert_eq!(
        ctrf["results"]["tests"].as_array().unwrap().len(),
        cases.len()
    );
    assert_eq!(
        ctrf["results"]["summary"]["failed"], 1,
        "the drift case fails: {ctrf}"
    );
    if let Some(seen) = valid_html(&dir, &json, &[key, secret, "eyJ"]) {
        assert_eq!(seen["cases"], cases.len());
        assert_eq!(
            seen["data"]["casesMet"],
            cases
                .iter()
                .filter(|c| c["met"] == true)
                .count()
                .to_string()
        );
        assert_eq!(
            seen["caseOrder"][0], true,
            "the drift case, third in the run, is first"
        );
        assert_eq!(seen["steps"], json["documents"].as_array().unwrap().len());
        assert_eq!(seen["coverage"], true);
        assert!(
            seen["text"]
                .as_str()
                .unwrap()
                .contains("flow.ref-number-echo")
        );
    }
}

#[test]
fn validate_reports_invalid_documents_first() {
    let dir = scratch("validate");
    let json = reports(
        &dir,
        &[
            "validate",
            "fixtures/mobile-postpaid/inquiry.response.json",
            "fixtures/mobile-postpaid/invalid",
        ],
        &[],
    );
    let ctrf = valid_ctrf(&dir);
    assert_eq!(
        ctrf["results"]["tests"].as_array().unwrap().len() as u64,
        json["summary"]["documents"].as_u64().unwrap()
    );
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let first_valid = html.find("document passing").unwrap();
    let last_invalid = html.rfind("document failing").unwrap();
    assert!(last_invalid < first_valid, "invalid documents first");
    assert!(html.contains("<mark>"), "findings show their line");
    if let Some(seen) = valid_html(&dir, &json, &[]) {
        assert_eq!(seen["documents"], json["summary"]["documents"]);
    }
}

#[test]
fn fuzz_and_merged_reports_render() {
    let dir = scratch("fuzz");
    let json = reports(
        &dir,
        &[
            "fuzz",
            "--bug",
            "accept-negative-amount",
            "--seed",
            "7",
            "--cases",
            "100",
            "--no-regressions",
        ],
        &[],
    );
    let ctrf = valid_ctrf(&dir);
    let failures = json["fuzz"]["failures"].as_array().unwrap().len();
    assert!(failures > 0);
    assert_eq!(ctrf["results"]["summary"]["failed"], failures);
    if let Some(seen) = valid_html(&dir, &json, &[]) {
        assert_eq!(seen["data"]["fuzzFailures"], failures.to_string());
        assert_eq!(seen["failingCases"], failures);
    }

    let merged = scratch("merge");
    let mut shards = Vec::new();
    for k in 1..=2 {
        let file = merged.join(format!("shard-{k}.json"));
        let spec = format!("json={}", file.display());
        let partition = format!("{k}/2");
        let out = run(&[
            "check",
            "--case",
            "0811111111",
            "--case",
            "0811111126",
            "--partition",
            &partition,
            "--report",
            &spec,
            "-q",
        ]);
        assert!(out.code <= 1, "{}", out.stderr);
        shards.push(file.display().to_string());
    }
    let json = reports(&merged, &["report", "merge", &shards[0], &shards[1]], &[]);
    valid_ctrf(&merged);
    if let Some(seen) = valid_html(&merged, &json, &[]) {
        assert_eq!(seen["cases"], 2);
        assert_eq!(seen["caseOrder"], serde_json::json!([true, false]));
    }
}

#[test]
fn the_browser_check_sees_requests_and_script_errors() {
    // A page that breaks both promises: the checker must say so.
    let dir = scratch("negative");
    let page = dir.join("report.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><img src=\"http://127.0.0.1:9/x.png\">\
         <input type=\"checkbox\" id=\"only-failing\"><script>undefinedFunction();</script></body></html>",
    )
    .unwrap();
    if let Some(seen) = crate::report_tools::browse(&page) {
        assert_ne!(seen["requests"], serde_json::json!([]), "{seen}");
        assert!(
            seen["consoleErrors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e.as_str().unwrap().starts_with("pageerror")),
            "{seen}"
        );
    }
}
