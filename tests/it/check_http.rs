//! `check --target` over real HTTP against `ppob-contract mock` started on
//! 127.0.0.1:0: signed TOKENs in both body modes, auth failures, unreachable
//! targets, timeouts resolved by status, and the canary: no credential or
//! TOKEN in any output, cassette or committed snapshot.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::check::{outcomes, payment_response};
use crate::support::{Run, run_env};

pub(crate) const KEY: &str = "CANARY-KEY-4b1d9e";
pub(crate) const SECRET: &str = "CANARY-SECRET-7c2a0f";

/// A running `ppob-contract mock` child process; killed on drop.
pub(crate) struct Mock {
    child: Child,
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `ppob-contract mock --port 0` with the canary credentials, settling fast;
/// returns it and its base URL (read from its first line).
pub(crate) fn mock() -> (Mock, String) {
    mock_with(&[("PPOB_API_KEY", KEY), ("PPOB_API_SECRET", SECRET)])
}

/// [`mock`] with more flags, e.g. `--bug callback-twice`.
pub(crate) fn mock_flagged(flags: &[&str]) -> (Mock, String) {
    mock_args(&[("PPOB_API_KEY", KEY), ("PPOB_API_SECRET", SECRET)], flags)
}

/// `ppob-contract mock --port 0` with `env` added to an environment without
/// credentials.
fn mock_with(env: &[(&str, &str)]) -> (Mock, String) {
    mock_args(env, &[])
}

fn mock_args(env: &[(&str, &str)], flags: &[&str]) -> (Mock, String) {
    let child = Command::new(env!("CARGO_BIN_EXE_ppob-contract"))
        .args([
            "mock",
            "--port",
            "0",
            "--settle-after",
            "100ms",
            "--hang-for",
            "1s",
        ])
        .args(flags)
        .env_remove("PPOB_API_KEY")
        .env_remove("PPOB_API_SECRET")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary runs");
    let mut mock = Mock { child };
    let mut line = String::new();
    BufReader::new(mock.child.stdout.take().expect("piped"))
        .read_line(&mut line)
        .expect("mock prints its address");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    (mock, url)
}

/// Fast polling for a loopback server that settles in 100 ms.
const FAST: [&str; 6] = [
    "--first-wait",
    "150ms",
    "--interval",
    "100ms",
    "--deadline",
    "10s",
];

/// `check --target URL` with [`FAST`] polling, the test key, `secret` and `extra`.
pub(crate) fn check(url: &str, secret: &str, extra: &[&str]) -> Run {
    let mut args = vec!["check", "--target", url];
    args.extend_from_slice(&FAST);
    args.extend_from_slice(extra);
    run_env(&args, &[("PPOB_API_KEY", KEY), ("PPOB_API_SECRET", secret)])
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("JSON report ({e}): {}\n{}", run.stdout, run.stderr))
}

#[test]
fn check_runs_over_http_with_signed_tokens_in_both_body_modes() {
    let (_server, url) = mock();
    for mode in ["token-only", "token-and-body"] {
        let result = check(
            &url,
            SECRET,
            &[
                "--body-mode",
                mode,
                "--format",
                "json",
                "--case",
                "0811111111",
                "--case",
                "0811111113=failed:302",
                "--case",
                "0811111114=failed:105",
            ],
        );
        let report = json(&result);
        assert_eq!(result.code, 0, "{mode}: {report:#}");
        assert_eq!(outcomes(&report), ["success", "failed", "failed"], "{mode}");
        let statuses: Vec<u64> = report["documents"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|d| d["step"]["httpStatus"].as_u64())
            .collect();
        assert!(statuses.iter().all(|s| *s == 200), "{mode}: {statuses:?}");
    }
}

#[test]
fn a_wrong_secret_is_a_clear_auth_finding_and_exit_2() {
    let (_server, url) = mock();
    let result = check(&url, "not-the-secret", &["--case", "0811111111"]);
    assert_eq!(result.code, 2, "{}\n{}", result.stdout, result.stderr);
    assert_eq!(result.stdout, "", "{}", result.stdout);
    let said: Vec<&str> = result.stderr.lines().collect();
    assert_eq!(said.len(), 1, "{}", result.stderr);
    for needle in ["error[setup.auth]", "HTTP 401", "PPOB_API_SECRET"] {
        assert!(said[0].contains(needle), "{needle}: {}", said[0]);
    }
    assert!(
        !result.stderr.contains("not-the-secret"),
        "{}",
        result.stderr
    );
}

#[test]
fn an_unreachable_target_exits_2_naming_it_and_what_to_check() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    for format in ["human", "json"] {
        let mut args = crate::check_setup::THREE_CASES.to_vec();
        args.extend(["--format", format]);
        let result = check(&url, SECRET, &args);
        // One line for the whole run, not a repeat per case; no partial report.
        let line = crate::check_setup::setup_line(&result, "setup.unreachable");
        for needle in [
            url.as_str(),
            "connection refused",
            "check the address and port (--target or PPOB_BASE_URL)",
            "that the sandbox is up",
            "VPN",
        ] {
            assert!(line.contains(needle), "{format}: {needle:?} in {line}");
        }
    }

    // Machine formats get a whole report that says why it holds no case,
    // never a fragment.
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    let junit_spec = format!("junit={}", junit.display());
    let mut args = crate::check_setup::THREE_CASES.to_vec();
    args.extend(["--format", "json", "--report", &junit_spec]);
    let result = check(&url, SECRET, &args);
    assert_eq!(result.code, 2, "{}", result.stderr);
    let report = json(&result);
    assert_eq!(report["incomplete"], true);
    assert_eq!(report["setup"]["rule"], "setup.unreachable");
    assert_eq!(report["setup"]["case"], "0811111111");
    assert!(report.get("cases").is_none(), "{report}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("type=\"setup.unreachable\"") && xml.contains("classname=\"check.setup\""),
        "{xml}"
    );
}

#[test]
fn a_payment_timeout_over_http_is_processing_and_resolved_by_status() {
    let (_server, url) = mock();
    // 0811111120 holds its payment answer for a second; the client gives up after 300 ms.
    let result = check(
        &url,
        SECRET,
        &[
            "--timeout",
            "300ms",
            "--format",
            "json",
            "--case",
            "0811111120",
        ],
    );
    let report = json(&result);
    assert_eq!(result.code, 0, "{report:#}");
    assert_eq!(report["cases"][0]["outcome"], "success");
    let payment = payment_response(&report);
    assert_eq!(
        payment["step"]["verdict"], "processing (money rule: timeout)",
        "{payment:#}"
    );
}

fn files_below(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect()
}

#[test]
fn no_credential_or_token_appears_in_output_or_cassettes_and_recordings_replay() {
    let (_server, url) = mock();
    let dir = tempfile::tempdir().unwrap();
    let cassettes = dir.path().join("cassettes");
    let cassettes_arg = cassettes.to_str().unwrap();
    let reports = dir.path().join("reports");
    let mut outputs = Vec::new();
    // Every format on stdout, and every format as a --report file.
    for format in ["human", "json", "junit", "sarif", "github"] {
        let file = format!("{format}={}", reports.join(format).display());
        let result = check(
            &url,
            SECRET,
            &[
                "--format",
                format,
                "--report",
                &file,
                "--record",
                cassettes_arg,
                "--case",
                "0811111111",
                "--case",
                "0811111112",
                "--case",
                "0811111121",
            ],
        );
        assert_eq!(result.code, 0, "{}\n{}", result.stdout, result.stderr);
        outputs.push(result.stdout);
        outputs.push(result.stderr);
    }
    let recorded = files_below(&cassettes);
    assert_eq!(recorded.len(), 3, "{recorded:?}");
    let written = files_below(&reports);
    assert_eq!(written.len(), 5, "{written:?}");
    for path in recorded.iter().chain(&written) {
        outputs.push(std::fs::read_to_string(path).unwrap());
    }
    for text in &outputs {
        assert!(!text.contains("CANARY"), "a credential leaked:\n{text}");
        assert!(!text.contains("eyJ"), "a TOKEN leaked:\n{text}");
    }

    // The recordings replay offline to the same outcomes.
    let result = run_env(
        &["check", "--format", "json", "--replay", cassettes_arg],
        &[],
    );
    let report = json(&result);
    assert_eq!(result.code, 0, "{report:#}");
    assert_eq!(outcomes(&report), ["success", "success", "success"]);
}

/// Whether `text` holds something shaped like a JWT: `eyJ` and base64url
/// text, a dot, more base64url text, a dot.
pub(crate) fn has_jwt(text: &str) -> bool {
    let b64 = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    text.match_indices("eyJ").any(|(i, _)| {
        let mut parts = text[i..].split('.');
        let header = parts.next().unwrap_or("");
        let payload = parts.next().unwrap_or("");
        header.len() > 10
            && header.chars().all(b64)
            && payload.len() > 3
            && payload.chars().all(b64)
    })
}

#[test]
fn committed_snapshots_fixtures_and_docs_hold_no_token_or_secret() {
    let token =
        ppob_contract::transport::auth::sign_token(&serde_json::json!({"a": 1}), "s").unwrap();
    assert!(
        has_jwt(&format!("TOKEN: {token}")),
        "the detector finds a real token"
    );
    let demo_secret = ppob_contract::transport::auth::Credentials::simulator_demo()
        .secret()
        .to_owned();
    let root = crate::support::root();
    let mut checked = 0;
    let mut stack = vec![
        root.join("tests/it/snapshots"),
        root.join("fixtures"),
        root.join("docs"),
    ];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            assert!(!has_jwt(&text), "a TOKEN in {}", path.display());
            // docs/simulator.md publishes the demo secret on purpose (to sign against `mock`).
            let published = path.ends_with("docs/simulator.md");
            assert!(
                published || !text.contains(&demo_secret),
                "the demo secret in {}",
                path.display()
            );
            assert!(!text.contains("CANARY"), "a canary in {}", path.display());
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} files checked");
}

#[test]
fn tests_only_ever_address_loopback() {
    // Every URL literal in the integration tests names a loopback host, or a
    // reserved name that is never contacted (.invalid, .example, TEST-NET-1).
    let allowed = [
        "127.0.0.1",
        "localhost",
        "[::1]",
        "ppob.invalid",
        "sandbox.example",
        "192.0.2.1",
        // JSON Schema dialect identifiers: compared as strings, never fetched.
        "json-schema.org",
    ];
    let dir = crate::support::root().join("tests/it");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, _) in text.match_indices("://") {
            let rest = &text[i + 3..];
            let host = rest
                .split(|c: char| c == '/' || c == '"' || c == ':' || c.is_whitespace())
                .next()
                .unwrap_or("");
            if host.is_empty() || host.starts_with('{') {
                continue;
            }
            assert!(
                allowed.contains(&host),
                "{} addresses {host:?}: tests talk to loopback only",
                path.display()
            );
        }
    }
}

#[test]
fn check_against_mock_needs_no_credentials_on_loopback_only() {
    let (_server, url) = mock_with(&[]);
    let mut args = vec!["check", "--target", &url];
    args.extend_from_slice(&FAST);
    args.extend(["--case", "0811111111"]);
    let result = run_env(&args, &[]);
    assert_eq!(result.code, 0, "{}\n{}", result.stdout, result.stderr);
    let said: Vec<&str> = result.stderr.lines().collect();
    assert_eq!(said.len(), 1, "{}", result.stderr);
    assert!(
        said[0].contains("demo partner") && said[0].contains(&url),
        "{}",
        said[0]
    );
    assert!(!result.stderr.contains("ppob-contract-demo-secret"));
    assert!(!result.stdout.contains("ppob-contract-demo-secret"));

    // Never for another host: it fails before any connection (the name is reserved).
    let result = run_env(
        &[
            "check",
            "--target",
            "https://sandbox.example",
            "--case",
            "0811111111",
        ],
        &[],
    );
    assert_eq!(result.code, 2, "{}\n{}", result.stdout, result.stderr);
    assert!(
        result
            .stderr
            .contains("no credentials for https://sandbox.example"),
        "{}",
        result.stderr
    );
}

#[test]
fn every_category_passes_its_suite_on_the_simulator_and_against_mock() {
    let (_server, url) = mock();
    let categories = ppob_contract::products::catalog().categories();
    assert!(categories.len() >= 12, "{}", categories.len());
    for category in categories {
        let name = category.name.as_str();
        let on_sim = crate::support::run(&["check", "--category", name, "--format", "json"]);
        assert_eq!(
            on_sim.code, 0,
            "{name}: {}\n{}",
            on_sim.stdout, on_sim.stderr
        );
        let sim_cases = json(&on_sim)["cases"].as_array().unwrap().len();
        assert!(sim_cases >= 3, "{name}: {sim_cases} cases");
        // 700 ms: past the latency fault's 300 ms, short of the timeout fault's hang.
        let over_http = check(
            &url,
            SECRET,
            &["--timeout", "700ms", "--category", name, "--format", "json"],
        );
        let report = json(&over_http);
        assert_eq!(over_http.code, 0, "{name}: {report:#}");
        assert_eq!(
            report["cases"].as_array().unwrap().len(),
            sim_cases,
            "{name}"
        );
    }
}
