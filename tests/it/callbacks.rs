//! `check --callback-listen`: every payment names a callback URL, each
//! callback is judged as a `callback` document and compared with the final
//! status; the simulator's callback bug switches make each callback rule
//! fire, in process and against `mock` over loopback HTTP.

use serde_json::Value;

use crate::check_http::{KEY, SECRET, mock, mock_flagged};
use crate::support::{command_json, run, run_env};

/// `check ARGS --format json`: the exit code and the parsed report.
fn json_report(args: &[&str]) -> (i32, Value) {
    command_json("check", args)
}

/// The documents of a JSON report whose step side is `side`.
fn side<'a>(report: &'a Value, side: &str) -> Vec<&'a Value> {
    report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["step"]["side"] == side)
        .collect()
}

/// Every rule id of a JSON report's findings.
fn rules(report: &Value) -> Vec<String> {
    report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["findings"].as_array().unwrap())
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect()
}

/// The payments of a report that a final status settled: the cases that end
/// with a status answer of class success or failed.
fn settled_by_status(report: &Value) -> usize {
    side(report, "response")
        .iter()
        .filter(|d| d["step"]["operation"] == "status")
        .filter(|d| {
            let v = d["step"]["verdict"].as_str().unwrap();
            v.starts_with("success") || v.starts_with("failed")
        })
        .count()
}

#[test]
fn the_simulator_suite_calls_back_every_settled_payment_and_each_callback_holds() {
    let (code, report) = json_report(&["--callback-listen"]);
    assert_eq!(code, 0, "{report}");
    let callbacks = side(&report, "callback");
    let settled = settled_by_status(&report);
    assert!(settled >= 5, "the suite settles payments: {settled}");
    assert_eq!(callbacks.len(), settled, "one callback per settled payment");
    for callback in &callbacks {
        assert_eq!(callback["kind"], "callback");
        assert_eq!(callback["findings"], serde_json::json!([]), "{callback}");
    }
    // Every payment asked for the callback.
    let asked = side(&report, "request")
        .iter()
        .filter(|d| d["step"]["operation"] == "payment")
        .count();
    assert!(asked >= settled);
}

#[test]
fn without_the_flag_no_callback_is_asked_for_or_judged() {
    let (code, report) = json_report(&["--case", "0811111111"]);
    assert_eq!(code, 0);
    assert!(side(&report, "callback").is_empty());
}

#[test]
fn each_callback_bug_is_reported_under_its_rule_in_process() {
    for (bug, rule, exit) in [
        ("callback-contradicts-status", "callback.matches-status", 1),
        ("callback-twice", "callback.duplicate", 0),
        ("no-callback", "callback.missing", 1),
    ] {
        let (code, report) = json_report(&[
            "--case",
            "0811111111",
            "--case",
            "0811111116=failed:100",
            "--callback-listen",
            "--bug",
            bug,
        ]);
        assert_eq!(code, exit, "{bug}: {report}");
        let found = rules(&report);
        assert_eq!(
            found.iter().filter(|r| *r == rule).count(),
            2,
            "{bug}: once per case, {found:?}"
        );
        assert!(
            found.iter().all(|r| r == rule),
            "{bug}: only {rule}: {found:?}"
        );
    }
}

#[test]
fn the_duplicate_severity_is_configurable() {
    let out = run(&[
        "check",
        "--case",
        "0811111111",
        "--callback-listen",
        "--bug",
        "callback-twice",
        "--severity",
        "callback.duplicate=error",
    ]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout.contains("error[callback.duplicate]"),
        "{}",
        out.stdout
    );
}

fn against_mock(url: &str, wait: &str) -> (i32, Value, String) {
    let args = [
        "check",
        "--target",
        url,
        "--first-wait",
        "1s",
        "--interval",
        "200ms",
        "--deadline",
        "20s",
        "--case",
        "0811111111",
        "--case",
        "0811111116=failed:100",
        "--callback-listen",
        "--callback-wait",
        wait,
        "--format",
        "json",
    ];
    let out = run_env(&args, &[("PPOB_API_KEY", KEY), ("PPOB_API_SECRET", SECRET)]);
    let report = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", out.stdout, out.stderr));
    (out.code, report, out.stderr)
}

#[test]
fn mock_calls_back_over_http_and_each_callback_is_judged() {
    let (_mock, url) = mock();
    let (code, report, stderr) = against_mock(&url, "10s");
    assert_eq!(code, 0, "{report}\n{stderr}");
    let callbacks = side(&report, "callback");
    assert_eq!(callbacks.len(), 2, "{report}");
    assert!(callbacks.iter().all(|c| c["valid"] == true));
    assert!(rules(&report).is_empty(), "{:?}", rules(&report));
    assert!(
        stderr.contains("callbacks: receiving on 127.0.0.1:") && stderr.contains("/ppob-callback"),
        "the receiver says where it listens: {stderr}"
    );
    // The secret never shows, the callback URL the payments named does.
    assert!(!report.to_string().contains(SECRET));
}

#[test]
fn a_mock_whose_callback_contradicts_status_is_reported() {
    let (_mock, url) = mock_flagged(&["--bug", "callback-contradicts-status"]);
    let (code, report, stderr) = against_mock(&url, "10s");
    assert_eq!(code, 1, "{report}\n{stderr}");
    let found = rules(&report);
    assert_eq!(
        found,
        ["callback.matches-status", "callback.matches-status"]
    );
    let finding = &side(&report, "callback")[0]["findings"][0];
    assert_eq!(finding["pointer"], "/responseCode");
}

#[test]
fn a_mock_that_never_calls_back_is_reported_missing_after_the_wait() {
    let (_mock, url) = mock_flagged(&["--bug", "no-callback"]);
    let (code, report, _) = against_mock(&url, "500ms");
    assert_eq!(code, 1, "{report}");
    assert_eq!(rules(&report), ["callback.missing", "callback.missing"]);
}

#[test]
fn listening_everywhere_needs_a_url_and_a_busy_port_is_one_line() {
    let out = run(&[
        "check",
        "--callback-listen",
        "0.0.0.0:0",
        "--case",
        "0811111111",
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--callback-url"), "{}", out.stderr);

    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let (_mock, url) = mock();
    let out = run_env(
        &[
            "check",
            "--target",
            &url,
            "--case",
            "0811111111",
            "--callback-listen",
            &addr,
        ],
        &[("PPOB_API_KEY", KEY), ("PPOB_API_SECRET", SECRET)],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("cannot listen for callbacks on {addr}"))
    );
    assert!(out.stdout.is_empty(), "nothing reported: {}", out.stdout);

    for (args, says) in [
        (
            &["--case", "0811111111", "--callback-wait", "5s"][..],
            "need --callback-listen",
        ),
        (
            &["--replay", "x", "--callback-listen"],
            "cannot be used with",
        ),
        (
            &["--callback-listen", "--callback-url", "ftp://127.0.0.1/cb"],
            "http:// or https://",
        ),
    ] {
        let out = run(&[&["check"][..], args].concat());
        assert_eq!(out.code, 2, "{args:?}");
        assert!(out.stderr.contains(says), "{args:?}: {}", out.stderr);
    }
}

/// Runs `check --target mock --case 0811111111 --callback-listen PORT
/// --format json EXTRA` and POSTs each of `strays` to its receiver while the
/// case waits for its first status (2 s): the run's output and the HTTP
/// status each stray got.
fn check_with_strays(extra: &[&str], strays: &[Vec<u8>]) -> (std::process::Output, Vec<u16>) {
    check_with_strays_waiting(std::time::Duration::from_secs(2), extra, strays)
}

/// [`check_with_strays`] with the case's first wait `first_wait` (the time
/// the strays have to arrive in).
fn check_with_strays_waiting(
    first_wait: std::time::Duration,
    extra: &[&str],
    strays: &[Vec<u8>],
) -> (std::process::Output, Vec<u16>) {
    let (_mock, url) = mock();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let wait = format!("{}ms", first_wait.as_millis());
    let mut args = vec![
        "check",
        "--target",
        &url,
        "--first-wait",
        &wait,
        "--case",
        "0811111111",
        "--callback-listen",
        &listen,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_ppob-contract"))
        .args(&args)
        .env("PPOB_API_KEY", KEY)
        .env("PPOB_API_SECRET", SECRET)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    ppob_contract::transport::http::install_crypto_provider();
    let client = reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(std::time::Duration::from_secs(5))
        .build()
        .unwrap();
    let deadline = std::time::Instant::now() + first_wait + std::time::Duration::from_secs(8);
    let mut statuses = Vec::new();
    for body in strays {
        // The receiver is up once check has started; retry until then.
        loop {
            let sent = client
                .post(format!("http://{listen}/elsewhere"))
                .body(body.clone())
                .send();
            if let Ok(answer) = sent {
                statuses.push(answer.status().as_u16());
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the receiver never answered"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
    (child.wait_with_output().unwrap(), statuses)
}

/// The stray callback documents of a JSON report.
fn strays(report: &Value) -> Vec<&Value> {
    side(report, "callback")
        .into_iter()
        .filter(|d| d["step"]["case"] == "(callbacks no case collected)")
        .collect()
}

#[test]
fn callbacks_no_case_collected_are_reported_after_the_cases() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let bodies: Vec<Vec<u8>> = [
        r#"{"responseCode":0,"data":{"refNumber":"NOT-THIS-RUN"}}"#,
        "not a callback",
        &deep,
        r#"{"responseCode":0,"data":{"refNumber":"HUGE","amount":1e400}}"#,
        r#"{"responseCode":1e-400,"data":{"refNumber":"TINY"}}"#,
    ]
    .iter()
    .map(|b| b.as_bytes().to_vec())
    .collect();
    let (out, statuses) = check_with_strays(&[], &bodies);
    assert!(statuses.iter().all(|&s| s == 200), "{statuses:?}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let stray = strays(&report);
    assert_eq!(stray.len(), 5, "{report}");
    assert!(
        stray.iter().all(|d| d["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "callback.unmatched")),
        "{stray:?}"
    );
    // The case's own callback was judged in the case, without findings.
    let own: Vec<&Value> = side(&report, "callback")
        .into_iter()
        .filter(|d| d["step"]["case"] == "0811111111")
        .collect();
    assert_eq!(own.len(), 1);
    // A stray callback is a third party's mistake: however malformed (no
    // fields, not JSON, 100 000 levels deep, 1e400, 1e-400), its findings are
    // warnings and the run's exit code stays what the cases made it.
    assert_eq!(out.status.code(), Some(0), "{report}");
    let all: Vec<&Value> = stray
        .iter()
        .flat_map(|d| d["findings"].as_array().unwrap())
        .collect();
    assert!(all.iter().all(|f| f["severity"] == "warning"), "{all:?}");
    assert!(
        all.iter()
            .all(|f| !f["rule"].as_str().unwrap().starts_with("input.")),
        "{all:?}"
    );
    assert!(
        stray[0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "schema"),
        "judged against the schema like any callback"
    );
    for (i, says) in [(1, "not JSON"), (2, "recursion limit"), (3, "out of range")] {
        let found = stray[i]["findings"].as_array().unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        let message = found[0]["message"].as_str().unwrap();
        assert!(message.contains(says), "{message}");
    }
}

/// More callbacks than the receiver holds: each one past the limit is
/// answered 503, and the count is reported after the cases as
/// `callback.dropped` in every format (JSON on stdout, human and JUnit
/// files). The default limit is 10 000 (`MAX_HELD`); a small one keeps this
/// fast, and the ignored test below floods the default one.
#[test]
fn callbacks_past_the_held_limit_are_dropped_and_counted_in_every_format() {
    flood_and_count_the_drops(35, Some(20), std::time::Duration::from_secs(2));
}

/// The issue's acceptance at full size: 10 050 callbacks against the default
/// limit of 10 000. Not in the default run (the receiver holds 10 000
/// callbacks and the report judges each); run it with
/// `cargo test --test it -- --ignored callbacks_past_the_default_limit`.
#[test]
#[ignore = "floods the default limit of 10 000 callbacks: about a minute"]
fn callbacks_past_the_default_limit_are_dropped_and_counted_in_every_format() {
    assert_eq!(ppob_contract::callback::MAX_HELD, 10_000);
    flood_and_count_the_drops(10_050, None, std::time::Duration::from_secs(30));
}

/// POSTs `count` stray callbacks to `check --callback-listen` (with
/// `--callback-max-held LIMIT` when given, else the default limit) while its
/// case waits `first_wait`; asserts that exactly the limit was kept, the rest
/// answered 503, and `callback.dropped` with the count is in the JSON, human
/// and JUnit reports.
fn flood_and_count_the_drops(count: usize, limit: Option<usize>, first_wait: std::time::Duration) {
    let held = limit.unwrap_or(ppob_contract::callback::MAX_HELD);
    let dir = tempfile::tempdir().unwrap();
    let human = dir.path().join("report.txt");
    let junit = dir.path().join("junit.xml");
    let bodies: Vec<Vec<u8>> = (0..count)
        .map(|i| format!(r#"{{"responseCode":0,"data":{{"refNumber":"FLOOD-{i}"}}}}"#).into_bytes())
        .collect();
    let files = [
        format!("human={}", human.display()),
        format!("junit={}", junit.display()),
    ];
    let limit = limit.map(|n| n.to_string());
    let mut extra = vec!["--report", &files[0], "--report", &files[1]];
    if let Some(limit) = &limit {
        extra.extend(["--callback-max-held", limit]);
    }
    let (out, statuses) = check_with_strays_waiting(first_wait, &extra, &bodies);
    assert_eq!(statuses.len(), count);
    // The case's own callback, when it came during the flood, took a place.
    let kept = statuses.iter().filter(|&&s| s == 200).count();
    assert!(kept == held || kept == held - 1, "{kept} kept of {held}");
    let refused = statuses.iter().filter(|&&s| s == 503).count();
    assert_eq!(refused, count - kept);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let dropped: Vec<&Value> = report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["findings"].as_array().unwrap())
        .filter(|f| f["rule"] == "callback.dropped")
        .collect();
    assert_eq!(dropped.len(), 1, "{}", report["summary"]);
    // The case's own callback may have come after the flood and been dropped
    // too, each retry of it counted.
    let dropped_count: usize = dropped[0]["actual"]
        .as_str()
        .unwrap()
        .trim_end_matches(" dropped")
        .parse()
        .unwrap();
    assert!(dropped_count >= refused, "{dropped_count}");
    let says = format!("{dropped_count} callbacks were dropped");
    assert!(dropped[0]["message"].as_str().unwrap().contains(&says));
    for file in [&human, &junit] {
        let text = std::fs::read_to_string(file).unwrap();
        assert!(
            text.contains("callback.dropped") && text.contains(&says),
            "{}: {} bytes without the drop count",
            file.display(),
            text.len()
        );
    }
}

#[test]
fn the_config_file_turns_callbacks_on() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ppob-contract.toml");
    std::fs::write(&config, "[callbacks]\nlisten = \"127.0.0.1:0\"\n").unwrap();
    let config = config.to_str().unwrap();
    let (code, report) = json_report(&["--config", config, "--case", "0811111111"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(side(&report, "callback").len(), 1);
}

#[test]
fn an_unmet_expectation_is_reported_on_the_status_answer_not_on_the_callback() {
    let (code, report) = json_report(&["--case", "0811111111=failed", "--callback-listen"]);
    assert_eq!(code, 1);
    let expectation: Vec<&Value> = report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            d["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["rule"] == "flow.expectation")
        })
        .collect();
    assert_eq!(expectation.len(), 1);
    assert_eq!(expectation[0]["kind"], "status.response");
}
