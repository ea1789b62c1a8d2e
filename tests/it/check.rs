//! `ppob-contract check`: the simulator suite (the README's first command),
//! the money rule under every injected fault, replay of the seed cassette.

use serde_json::Value;

use crate::support::run;

/// Runs `check --format json ARGS` and parses the report.
pub fn check_json(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let result = run(&all);
    let report = serde_json::from_str(&result.stdout).unwrap_or_else(|e| {
        panic!(
            "report is JSON ({e}): {}\nstderr: {}",
            result.stdout, result.stderr
        )
    });
    (result.code, report)
}

/// The only case of a report.
fn only_case(report: &Value) -> &Value {
    let cases = report["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 1, "{report:#}");
    &cases[0]
}

/// The outcome of every case, in order.
pub fn outcomes(report: &Value) -> Vec<&str> {
    report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c["outcome"].as_str().unwrap())
        .collect()
}

/// The payment's response entry.
pub fn payment_response(report: &Value) -> &Value {
    report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["step"]["operation"] == "payment" && d["step"]["side"] == "response")
        .expect("a payment response")
}

/// `(rule, source, pointer)` of every finding.
pub fn findings(report: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for doc in report["documents"].as_array().unwrap() {
        for f in doc["findings"].as_array().unwrap() {
            out.push((
                f["rule"].as_str().unwrap().to_owned(),
                doc["source"].as_str().unwrap().to_owned(),
                f["pointer"].as_str().unwrap().to_owned(),
            ));
        }
    }
    out
}

#[test]
fn the_readme_command_passes_on_the_simulator() {
    let result = run(&["check"]);
    assert_eq!(result.code, 0, "{}\n{}", result.stdout, result.stderr);
    assert!(
        result.stdout.contains("cases ended as expected"),
        "{}",
        result.stdout
    );
    assert!(
        result.stdout.contains("contract holds"),
        "{}",
        result.stdout
    );
}

#[test]
fn the_simulator_suite_covers_success_failure_and_pending() {
    let (code, report) = check_json(&[]);
    assert_eq!(code, 0, "{report:#}");
    let cases = report["cases"].as_array().unwrap();
    let outcomes = outcomes(&report);
    for outcome in ["success", "failed", "pending"] {
        assert!(outcomes.contains(&outcome), "{outcomes:?}");
    }
    assert!(cases.iter().all(|c| c["met"] == true), "{cases:#?}");
    assert!(!outcomes.contains(&"error"), "{outcomes:?}");
    // One request and one response entry per exchange, each with its step.
    for doc in report["documents"].as_array().unwrap() {
        let step = &doc["step"];
        assert!(step["elapsedMs"].is_number(), "{doc:#}");
        assert!(["request", "response"].contains(&step["side"].as_str().unwrap()));
    }
}

#[test]
fn a_payment_goes_inquiry_payment_status_with_the_documented_codes() {
    let (code, report) = check_json(&["--case", "0811111111"]);
    assert_eq!(code, 0, "{report:#}");
    let responses: Vec<(String, String)> = report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["step"]["side"] == "response")
        .map(|d| {
            (
                d["step"]["operation"].as_str().unwrap().to_owned(),
                d["step"]["verdict"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(responses[0], ("inquiry".into(), "inquiry ok (300)".into()));
    assert_eq!(
        responses[1],
        ("payment".into(), "processing (code 299)".into())
    );
    assert_eq!(
        responses.last().unwrap(),
        &("status".into(), "success (0)".into())
    );
    assert_eq!(only_case(&report)["outcome"], "success");
}

#[test]
fn the_money_rule_never_reports_a_faulty_payment_as_failed() {
    for fault in [
        "timeout",
        "5xx",
        "5xx=503",
        "garbage",
        "code=500",
        "code=-1",
        "latency=300ms",
    ] {
        let (code, report) = check_json(&["--case", "0811111111", "--fault", fault]);
        let case = only_case(&report);
        assert_eq!(case["outcome"], "success", "{fault}: {case:#}");
        assert_eq!(code, 0, "{fault}: warnings only: {report:#}");
        let payment = payment_response(&report);
        let verdict = payment["step"]["verdict"].as_str().unwrap();
        assert!(verdict.starts_with("processing"), "{fault}: {verdict}");
        if fault != "latency=300ms" {
            assert!(verdict.contains("money rule"), "{fault}: {verdict}");
            assert_eq!(
                payment["findings"][0]["rule"], "flow.unusable-answer",
                "{fault}"
            );
            assert_eq!(payment["findings"][0]["severity"], "warning", "{fault}");
        }
    }
}

#[test]
fn a_payment_that_never_settles_is_pending_at_the_deadline_never_failed() {
    let (code, report) = check_json(&[
        "--case",
        "0811111111=pending",
        "--fault",
        "pending-forever",
        "--deadline",
        "30s",
    ]);
    assert_eq!(code, 0, "{report:#}");
    let case = only_case(&report);
    assert_eq!(case["outcome"], "pending");
    assert!(
        case["detail"].as_str().unwrap().contains("deadline of 30s"),
        "{case:#}"
    );

    let (code, report) = check_json(&["--case", "0811111111", "--fault", "pending-forever"]);
    assert_eq!(code, 1, "expected success, got pending: {report:#}");
    assert_eq!(only_case(&report)["outcome"], "pending");
    assert!(
        findings(&report)
            .iter()
            .any(|(rule, _, _)| rule == "flow.expectation")
    );
}

#[test]
fn faults_on_status_keep_polling_until_the_deadline() {
    for fault in ["timeout@status", "5xx@status", "garbage@status"] {
        let (_, report) = check_json(&["--case", "0811111111", "--fault", fault]);
        let case = only_case(&report);
        assert_eq!(case["outcome"], "pending", "{fault}: {case:#}");
    }
}

/// The drift the seed's examples carry, as api-facts lists it.
pub const SEED_DRIFT: [(&str, &str, &str); 4] = [
    (
        "flow.payment-matches-inquiry",
        "seed#2 payment.request",
        "/accountNumber",
    ),
    (
        "flow.ref-number-echo",
        "seed#2 payment.response",
        "/data/refNumber",
    ),
    (
        "flow.amount-matches-inquiry",
        "seed#2 payment.response",
        "/data/amount",
    ),
    (
        "flow.transaction-id-stable",
        "seed#3 status.response",
        "/data/transactionId",
    ),
];

#[test]
fn replaying_the_seed_reports_each_documented_drift() {
    let (code, report) = check_json(&["--replay", "fixtures/mobile-postpaid/cassettes/seed"]);
    assert_eq!(code, 1, "{report:#}");
    let found = findings(&report);
    for (rule, source, pointer) in SEED_DRIFT {
        assert!(
            found
                .iter()
                .any(|(r, s, p)| r == rule && s == source && p == pointer),
            "{rule} at {source} {pointer} missing from {found:#?}"
        );
    }
    assert_eq!(only_case(&report)["outcome"], "success");
}

#[test]
fn the_seed_replay_reads_well_at_2am() {
    let result = run(&[
        "check",
        "--replay",
        "fixtures/mobile-postpaid/cassettes/seed",
    ]);
    assert_eq!(result.code, 1);
    insta::assert_snapshot!(result.stdout);
}

#[test]
fn the_drift_fault_answers_like_the_seed_and_is_reported() {
    let (code, report) = check_json(&["--case", "0811111111", "--fault", "drift@all"]);
    assert_eq!(code, 1, "{report:#}");
    let rules: Vec<String> = findings(&report).into_iter().map(|(r, _, _)| r).collect();
    for rule in [
        "flow.ref-number-echo",
        "flow.amount-matches-inquiry",
        "flow.transaction-id-stable",
    ] {
        assert!(rules.iter().any(|r| r == rule), "{rule} not in {rules:?}");
    }
}

#[test]
fn bad_case_flags_and_config_files_exit_2_with_a_clear_message() {
    let result = run(&["check", "--case", "0811=maybe"]);
    assert_eq!(result.code, 2);
    assert!(
        result.stderr.contains("unknown expectation"),
        "{}",
        result.stderr
    );

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ppob-contract.toml");
    std::fs::write(&config, "[[case]]\naccount = \"1\"\nexpect = 7\n").unwrap();
    let result = run(&["check", "--config", config.to_str().unwrap()]);
    assert_eq!(result.code, 2);
    assert!(
        result.stderr.contains("ppob-contract.toml"),
        "{}",
        result.stderr
    );
    assert!(result.stderr.contains("line 3"), "{}", result.stderr);

    let result = run(&["check", "--target", "http://127.0.0.1:9", "--case", "1"]);
    assert_eq!(result.code, 2);
    assert!(result.stderr.contains("PPOB_API_KEY"), "{}", result.stderr);
}

#[test]
fn every_categorys_accounts_end_as_documented_on_the_simulator() {
    let (code, report) = check_json(&[]);
    assert_eq!(code, 0, "{:#}", report["summary"]);
    let cases = report["cases"].as_array().unwrap();
    let payment_verdict = |case: &str| {
        report["documents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| {
                d["step"]["case"] == case
                    && d["step"]["operation"] == "payment"
                    && d["step"]["side"] == "response"
            })
            .and_then(|d| d["step"]["verdict"].as_str())
            .unwrap_or("")
            .to_owned()
    };
    for category in ppob_contract::products::catalog().categories() {
        let ours: Vec<&Value> = cases
            .iter()
            .filter(|c| {
                let name = c["name"].as_str().unwrap();
                let account = name.rsplit_once('@').map_or(name, |(a, _)| a);
                category
                    .manifest
                    .accounts
                    .iter()
                    .any(|a| a.number == account)
            })
            .collect();
        let name = &category.name;
        assert!(ours.len() >= 3, "{name}: {ours:#?}");
        assert!(ours.iter().all(|c| c["met"] == true), "{name}: {ours:#?}");
        let detail = |c: &&Value| c["detail"].as_str().unwrap().to_owned();
        assert!(
            ours.iter().any(|c| c["outcome"] == "success"
                && payment_verdict(c["name"].as_str().unwrap()).starts_with("processing")),
            "{name}: no pending → success case"
        );
        assert!(
            ours.iter()
                .any(|c| c["outcome"] == "failed" && detail(c).contains("status answered")),
            "{name}: no pending → failed case"
        );
        assert!(
            ours.iter().any(|c| c["outcome"] == "failed"
                && (detail(c).contains("inquiry answered")
                    || detail(c).contains("payment answered"))),
            "{name}: no documented failure at inquiry or payment"
        );
    }
}

#[test]
fn a_synchronous_payment_is_final_at_once_and_status_agrees() {
    let data = ppob_contract::products::catalog()
        .categories()
        .iter()
        .flat_map(|c| c.manifest.accounts.iter().map(move |a| (c, a)))
        .find(|(c, a)| {
            let finish = a.finish.unwrap_or(c.manifest.finish);
            finish == ppob_contract::products::manifest::Finish::Sync
                && a.payment == ppob_contract::products::manifest::PaymentOutcome::Settles(4)
        })
        .map(|(c, a)| {
            let product = a.product.as_ref().unwrap_or(&c.manifest.products[0].code);
            format!("{}@{product}", a.number)
        })
        .expect("a category whose payment finishes synchronously");
    let (code, report) = check_json(&["--case", &data]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(only_case(&report)["code"], 4);
    let verdicts: Vec<&str> = report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["step"]["side"] == "response")
        .map(|d| d["step"]["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["inquiry ok (300)", "success (4)", "success (4)"]);
}
