//! `check --target` over real HTTP against the simulator served on
//! 127.0.0.1 (what `ppob-contract mock` serves): signed TOKENs in both body
//! modes, auth failures, unreachable targets, timeouts resolved by status,
//! and the canary: no credential or TOKEN in any output or cassette.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ppob_contract::sim::{self, RunningServer, SimConfig, Simulator};
use ppob_contract::transport::auth::Credentials;
use ppob_contract::transport::clock::SystemClock;
use serde_json::Value;

use crate::support::{Run, run_env};

const KEY: &str = "CANARY-KEY-4b1d9e";
const SECRET: &str = "CANARY-SECRET-7c2a0f";

/// The simulator on 127.0.0.1:0, accepting the canary credentials, settling fast.
fn mock() -> (RunningServer, String) {
    let config = SimConfig {
        credentials: Credentials::new(KEY, SECRET),
        settle_after: Duration::from_millis(100),
        hang_for: Duration::from_secs(1),
        ..SimConfig::default()
    };
    let sim = Arc::new(Simulator::new(config, Arc::new(SystemClock::new())));
    let server = sim::start(sim, "127.0.0.1:0".parse().unwrap()).expect("binds loopback");
    let url = format!("http://{}", server.local_addr());
    (server, url)
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

fn check(url: &str, secret: &str, extra: &[&str]) -> Run {
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
        let outcomes: Vec<&str> = report["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["outcome"].as_str().unwrap())
            .collect();
        assert_eq!(outcomes, ["success", "failed", "failed"], "{mode}");
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
    assert!(
        result.stdout.contains("error[setup.auth]"),
        "{}",
        result.stdout
    );
    assert!(result.stdout.contains("HTTP 401"), "{}", result.stdout);
    assert!(
        result.stdout.contains("PPOB_API_SECRET"),
        "{}",
        result.stdout
    );
    assert!(
        !result.stdout.contains("not-the-secret"),
        "{}",
        result.stdout
    );
}

#[test]
fn an_unreachable_target_exits_2_naming_it() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let result = check(&url, SECRET, &["--case", "0811111111"]);
    assert_eq!(result.code, 2, "{}", result.stdout);
    assert!(
        result.stdout.contains("error[setup.unreachable]"),
        "{}",
        result.stdout
    );
    assert!(result.stdout.contains(&url), "{}", result.stdout);
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
    let payment = report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["step"]["operation"] == "payment" && d["step"]["side"] == "response")
        .unwrap();
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
    let mut outputs = Vec::new();
    for format in ["human", "json"] {
        let result = check(
            &url,
            SECRET,
            &[
                "--format",
                format,
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
    for path in &recorded {
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
    let outcomes: Vec<&str> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["success", "success", "success"]);
}
