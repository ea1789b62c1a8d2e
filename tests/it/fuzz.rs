//! `ppob-contract fuzz` as users run it: the real binary on the in-process
//! simulator and against `mock` over loopback HTTP.

use std::path::Path;

use serde_json::Value;

use crate::check_http::{KEY, SECRET, has_jwt, mock};
use crate::support::{Run, run, run_env};

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("JSON report ({e}): {}\n{}", run.stdout, run.stderr))
}

/// The seed a human report printed.
fn printed_seed(stdout: &str) -> u64 {
    let line = stdout.lines().next().unwrap_or_default();
    let after = line
        .split("seed ")
        .nth(1)
        .unwrap_or_else(|| panic!("no seed in {line:?}"));
    after
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn fuzz_without_flags_finds_nothing_on_the_simulator_and_prints_its_seed() {
    let first = run(&["fuzz"]);
    assert_eq!(first.code, 0, "{}\n{}", first.stdout, first.stderr);
    let seed = printed_seed(&first.stdout);
    assert!(
        first.stdout.contains(&format!("--seed {seed}")),
        "{}",
        first.stdout
    );
    assert!(
        first
            .stdout
            .contains("contract holds: no oracle failed in 10 000 cases"),
        "{}",
        first.stdout
    );
    assert!(!crate::support::root().join("fuzz-regressions").exists());

    // The seed reproduces the run: the same cases, counted the same way.
    let seed = seed.to_string();
    let again = |jobs: &str| {
        json(&run(&[
            "fuzz", "--seed", &seed, "--cases", "2000", "--jobs", jobs, "--format", "json",
        ]))
    };
    let (a, b) = (again("1"), again("2"));
    assert_eq!(a["fuzz"]["seed"].as_u64(), Some(seed.parse().unwrap()));
    assert_eq!(a["fuzz"]["variants"], b["fuzz"]["variants"]);
    assert_eq!(a["fuzz"]["scenarios"], b["fuzz"]["scenarios"]);
    assert_eq!(a["fuzz"]["requests"], b["fuzz"]["requests"]);
    assert_eq!(a["fuzz"]["cases"], 2000);
}

#[test]
fn fuzz_against_mock_over_http_signs_real_tokens_and_never_shows_them() {
    let (_server, url) = mock();
    let env = [("PPOB_API_KEY", KEY), ("PPOB_API_SECRET", SECRET)];
    let args = [
        "fuzz",
        "--target",
        &url,
        "--account",
        "0811111111",
        "--account",
        "0811111112",
        "--cases",
        "400",
        "--no-regressions",
    ];
    let human = run_env(&args, &env);
    assert_eq!(human.code, 0, "{}\n{}", human.stdout, human.stderr);
    assert!(
        human
            .stdout
            .contains("contract holds: no oracle failed in 400 cases"),
        "{}",
        human.stdout
    );
    let mut with_json = args.to_vec();
    with_json.extend(["--format", "json", "--body-mode", "token-and-body"]);
    let report = run_env(&with_json, &env);
    assert_eq!(report.code, 0, "{}\n{}", report.stdout, report.stderr);
    let fuzz = &json(&report)["fuzz"];
    assert_eq!(fuzz["target"], url.as_str());
    assert!(fuzz["requests"].as_u64().unwrap() > 400, "{fuzz}");
    assert!(fuzz["warnings"].as_array().unwrap().is_empty(), "{fuzz}");
    for out in [&human, &report] {
        let text = format!("{}{}", out.stdout, out.stderr);
        assert!(!text.contains("CANARY"), "{text}");
        assert!(!has_jwt(&text), "{text}");
    }

    // A wrong secret is a setup problem, named, exit 2.
    let wrong = run_env(
        &args,
        &[("PPOB_API_KEY", KEY), ("PPOB_API_SECRET", "not-it")],
    );
    assert_eq!(wrong.code, 2, "{}\n{}", wrong.stdout, wrong.stderr);
    assert!(
        wrong.stderr.contains("error[setup.auth]") && wrong.stderr.contains("HTTP 401"),
        "{}",
        wrong.stderr
    );
}

#[test]
fn against_a_target_fuzz_needs_accounts_and_a_reachable_server() {
    let env = [("PPOB_API_KEY", KEY), ("PPOB_API_SECRET", SECRET)];
    let none = run_env(&["fuzz", "--target", "http://127.0.0.1:9"], &env);
    assert_eq!(none.code, 2);
    assert!(
        none.stderr
            .contains("no accounts to fuzz against http://127.0.0.1:9"),
        "{}",
        none.stderr
    );
    let down = run_env(
        &[
            "fuzz",
            "--target",
            "http://127.0.0.1:9",
            "--account",
            "0811111111",
        ],
        &env,
    );
    assert_eq!(down.code, 2);
    assert!(
        down.stderr.contains("error[setup.unreachable]"),
        "{}",
        down.stderr
    );
}

fn write_regression(dir: &Path, name: &str, case: Value) {
    std::fs::create_dir_all(dir).unwrap();
    let regression = serde_json::json!({
        "about": "hand-written for a test",
        "oracle": "fuzz.negative-refused",
        "message": "m",
        "foundAgainst": "simulator (in-process)",
        "case": case,
    });
    std::fs::write(
        dir.join(name),
        serde_json::to_string_pretty(&regression).unwrap(),
    )
    .unwrap();
}

#[test]
fn the_regression_directory_is_replayed_first_and_broken_files_stop_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let regressions = dir.path().join("regs");
    write_regression(
        &regressions,
        "a.json",
        serde_json::json!({"scenario": "payment", "account": "0811111111", "product": "product-code",
                           "refStem": "FZ", "mutation": {"variant": "negative-amount", "amount": -1}}),
    );
    let dir_arg = regressions.to_string_lossy().into_owned();
    let out = run(&["fuzz", "--regressions", &dir_arg, "--cases", "200"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines[1].starts_with("regressions: replayed 1 from")
            && lines[1].ends_with("0 still fail, 1 pass now"),
        "{}",
        out.stdout
    );

    std::fs::write(regressions.join("b.json"), "{\n  \"oracle\": 7\n}\n").unwrap();
    let broken = run(&["fuzz", "--regressions", &dir_arg]);
    assert_eq!(broken.code, 2, "{}", broken.stdout);
    assert!(broken.stderr.contains("b.json:2:"), "{}", broken.stderr);
    assert!(
        broken.stderr.contains("expected the JSON"),
        "{}",
        broken.stderr
    );
}

/// Each simulator bug switch and the oracle that must catch it.
const BUGS: [(&str, &str); 4] = [
    ("accept-negative-amount", "fuzz.negative-refused"),
    ("double-charge", "fuzz.no-double-charge"),
    ("malformed-200", "fuzz.conforms"),
    ("drop-inquiry-id", "fuzz.conforms"),
];

/// The one-character non-ASCII text of a shrunk case, if it has one.
fn only_non_ascii(case: &Value) -> Option<String> {
    ["refStem", "account"]
        .iter()
        .filter_map(|f| case[f].as_str())
        .find(|s| !s.is_ascii())
        .map(str::to_owned)
}

/// What the smallest failing case of each bug looks like.
fn assert_minimal(bug: &str, case: &Value) {
    let plain = |scenario: &str| {
        serde_json::json!({"scenario": scenario, "account": "0811111111",
                           "product": "product-code", "refStem": "FZ"})
    };
    match bug {
        "accept-negative-amount" => {
            let mut expected = plain("payment");
            expected["mutation"] = serde_json::json!({"variant": "negative-amount", "amount": -1});
            assert_eq!(case, &expected);
        }
        "double-charge" => assert_eq!(case, &plain("pay-twice")),
        "malformed-200" => {
            let text = only_non_ascii(case).unwrap_or_else(|| panic!("no unicode in {case}"));
            assert_eq!(text.chars().count(), 1, "{case}");
            assert!(
                case.get("mutation").is_none() && case.get("inquiryExtras").is_none(),
                "{case}"
            );
        }
        _ => {
            assert!(case.get("mutation").is_none(), "{case}");
            assert_eq!(case["account"], "0811111111");
            assert!(case.get("inquiryExtras").is_none(), "{case}");
        }
    }
}

#[test]
fn each_bug_switch_is_found_shrunk_and_reproduced_by_the_printed_line() {
    for (bug, oracle) in BUGS {
        let dir = tempfile::tempdir().unwrap();
        let regressions = dir.path().join("regs");
        let regressions = regressions.to_string_lossy().into_owned();
        let found = run(&[
            "fuzz",
            "--bug",
            bug,
            "--seed",
            "7",
            "--regressions",
            &regressions,
        ]);
        assert_eq!(found.code, 1, "{bug}: {}\n{}", found.stdout, found.stderr);
        assert!(
            found.stdout.contains(&format!("✗ {oracle}  ")),
            "{bug}: {}",
            found.stdout
        );
        assert!(
            found.stdout.contains("contract violated: 1 failure"),
            "{bug}: {}",
            found.stdout
        );

        let line = found
            .stdout
            .lines()
            .find_map(|l| l.trim_start().strip_prefix("reproduce: "))
            .unwrap_or_else(|| panic!("{bug}: no reproduction line in {}", found.stdout));
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words[..3], ["ppob-contract", "fuzz", "--replay"], "{line}");
        assert!(line.ends_with(&format!("--bug {bug}")), "{line}");
        let again = run(&words[1..]);
        assert_eq!(again.code, 1, "{bug}: {line}\n{}", again.stdout);
        assert!(
            again.stdout.contains(&format!("✗ {oracle}  ")),
            "{bug}: {}",
            again.stdout
        );
        assert!(
            again.stdout.contains("still fails"),
            "{bug}: {}",
            again.stdout
        );

        let saved: Value =
            serde_json::from_str(&std::fs::read_to_string(words[3]).unwrap()).unwrap();
        assert_eq!(saved["oracle"], oracle);
        assert_minimal(bug, &saved["case"]);
    }
}

#[test]
fn the_committed_regressions_fail_with_their_bug_and_pass_on_a_correct_simulator() {
    let root = crate::support::root().join("tests/fuzz-regressions");
    for (bug, oracle) in BUGS {
        let files = crate::support::files_ending(&root.join(bug), ".json");
        assert!(!files.is_empty(), "no regression for {bug}");
        for file in files {
            let path = file.to_string_lossy().into_owned();
            let with_bug = run(&["fuzz", "--replay", &path, "--bug", bug]);
            assert_eq!(with_bug.code, 1, "{path}: {}", with_bug.stdout);
            assert!(
                with_bug.stdout.contains(&format!("✗ {oracle}  ")),
                "{}",
                with_bug.stdout
            );
            let fixed = run(&["fuzz", "--replay", &path]);
            assert_eq!(fixed.code, 0, "{path}: {}", fixed.stdout);
            assert!(fixed.stdout.contains("passes now"), "{}", fixed.stdout);
        }
    }
}

#[test]
fn the_curl_line_signs_the_request_itself_and_the_mock_accepts_it() {
    for tool in ["curl", "openssl", "bash"] {
        let found = std::process::Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .unwrap();
        assert!(
            found.status.success(),
            "{tool} is needed by this test (.ci/run installs it)"
        );
    }
    let (_server, url) = mock();
    let env = [("PPOB_API_KEY", KEY), ("PPOB_API_SECRET", SECRET)];
    let dir = tempfile::tempdir().unwrap();
    let regressions = dir.path().to_string_lossy().into_owned();
    // A status of an unknown refNumber with a wrong secret is refused (401):
    // acceptable, so make the table demand 188 to get a failure and its curl line.
    let table = dir.path().join("strict.toml");
    std::fs::write(&table, "[status.unknown-ref]\ncodes = [183]\n").unwrap();
    let table = table.to_string_lossy().into_owned();
    let out = run_env(
        &[
            "fuzz",
            "--target",
            &url,
            "--account",
            "0811111111",
            "--cases",
            "200",
            "--seed",
            "3",
            "--regressions",
            &regressions,
            "--acceptable",
            &table,
        ],
        &env,
    );
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let curl = out
        .stdout
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("curl (request"))
        .nth(1)
        .unwrap_or_else(|| panic!("no curl line in {}", out.stdout))
        .trim()
        .to_owned();
    assert!(!curl.contains("CANARY") && !has_jwt(&curl), "{curl}");
    let answer = std::process::Command::new("bash")
        .args(["-c", &curl])
        .env("PPOB_API_KEY", KEY)
        .env("PPOB_API_SECRET", SECRET)
        .output()
        .unwrap();
    let body: Value = serde_json::from_slice(&answer.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&answer.stdout)));
    // The mock verified the TOKEN: a status answer, not an auth refusal (199).
    assert_eq!(body["responseCode"], 188, "{body}");
}

/// For every product category: 500 cases are clean on the reference simulator, and each bug
/// switch of [`BUGS`] is found by its oracle within the same 500 cases.
#[test]
fn every_category_fuzzes_clean_and_every_planted_bug_is_found() {
    for category in ppob_contract::products::catalog().categories() {
        let name = category.name.as_str();
        let dir = tempfile::tempdir().unwrap();
        let regressions = dir.path().join("regs").to_string_lossy().into_owned();
        let base = [
            "fuzz",
            "--category",
            name,
            "--cases",
            "500",
            "--seed",
            "1",
            "--regressions",
            &regressions,
        ];
        let clean = run(&base);
        assert_eq!(clean.code, 0, "{name}: {}\n{}", clean.stdout, clean.stderr);
        for (bug, oracle) in BUGS {
            let mut buggy = base.to_vec();
            buggy.extend(["--bug", bug]);
            let found = run(&buggy);
            assert_eq!(
                found.code, 1,
                "{name} --bug {bug}: {}\n{}",
                found.stdout, found.stderr
            );
            assert!(
                found.stdout.contains(&format!("✗ {oracle}  ")),
                "{name} --bug {bug}: {}",
                found.stdout
            );
        }
    }
}
