//! The reporter layer through the real binary: JUnit, SARIF and GitHub
//! output of `validate`, `check` and `fuzz` (JUnit read back with an
//! independent XML reader, SARIF validated against the official 2.1.0
//! schema), several `--report` files in one run, files left parseable by
//! SIGTERM, contract coverage and `--require-codes`.

use std::path::Path;

use serde_json::Value;

use crate::support::{root, run, run_env};

/// The official SARIF 2.1.0 schema, compiled.
fn sarif_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/data/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

/// Parses a SARIF log and checks it against the official schema.
pub fn valid_sarif(text: &str) -> Value {
    let log: Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("SARIF is JSON ({e}): {text}"));
    let errors: Vec<String> = sarif_validator()
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    log
}

/// `(name, failure type or "")` of every testcase, read with roxmltree.
fn junit_cases(text: &str) -> Vec<(String, String)> {
    let doc =
        roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("JUnit is XML ({e}): {text}"));
    let suites: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), 1, "one testsuite per run");
    let cases: Vec<(String, String)> = suites[0]
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .map(|case| {
            let failure = case
                .children()
                .find(|n| n.has_tag_name("failure") || n.has_tag_name("error"))
                .map(|f| f.attribute("type").unwrap_or("?").to_owned())
                .unwrap_or_default();
            (case.attribute("name").unwrap().to_owned(), failure)
        })
        .collect();
    let failures: usize = suites[0].attribute("failures").unwrap().parse().unwrap();
    let errors: usize = suites[0].attribute("errors").unwrap().parse().unwrap();
    assert_eq!(
        failures + errors,
        cases.iter().filter(|(_, f)| !f.is_empty()).count()
    );
    cases
}

/// Every `::error`/`::warning` line: (command, properties, message).
fn annotations(text: &str) -> Vec<(String, String, String)> {
    text.lines()
        .filter_map(|l| l.strip_prefix("::"))
        .map(|l| {
            let (head, message) = l.split_once("::").expect("::COMMAND PROPS::MESSAGE");
            let (command, props) = head.split_once(' ').unwrap_or((head, ""));
            (command.to_owned(), props.to_owned(), message.to_owned())
        })
        .collect()
}

const INVALID: &str = "fixtures/mobile-postpaid/invalid";

#[test]
fn validate_writes_junit_sarif_and_github_for_the_invalid_fixtures() {
    let junit = run(&["validate", "--format", "junit", INVALID]);
    assert_eq!(junit.code, 1, "{}", junit.stderr);
    let cases = junit_cases(&junit.stdout);
    let fixtures = std::fs::read_dir(root().join(INVALID))
        .unwrap()
        .filter(|e| {
            let name = e
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .into_owned();
            name.ends_with(".json") && !name.ends_with(".expect.json")
        })
        .count();
    assert_eq!(cases.len(), fixtures, "a testcase per document");
    // A document with an error fails under its first rule; one with only
    // warnings (an undocumented code, an unknown or misspelt field) passes.
    let warnings_only = [
        "undocumented-code.",
        "unknown-field.",
        "misspelt-callback-urls.",
    ];
    for (name, failure) in &cases {
        let warned = warnings_only.iter().any(|w| name.contains(w));
        assert_eq!(failure.is_empty(), warned, "{name}: {failure:?}");
    }
    insta::assert_snapshot!("validate-junit", junit.stdout);

    let sarif = run(&["validate", "--format", "sarif", INVALID]);
    let log = valid_sarif(&sarif.stdout);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for result in results {
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1, "{result}");
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(root().join(uri).is_file(), "{uri}");
    }
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for id in [
        "schema",
        "drift",
        "inquiry.amount-equals-bill-sum",
        "flow.ref-number-echo",
        "fuzz.money",
        "coverage.required-code",
    ] {
        assert!(rules.iter().any(|r| r["id"] == id), "{id} is listed");
    }
    insta::assert_snapshot!("validate-sarif", sarif.stdout);

    let github = run(&["validate", "--format", "github", INVALID]);
    let lines = annotations(&github.stdout);
    let expected_findings: usize =
        serde_json::from_str::<Value>(&run(&["validate", "--format", "json", INVALID]).stdout)
            .unwrap()["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["findings"].as_array().unwrap().len())
            .sum();
    assert_eq!(lines.len(), expected_findings, "one line per finding");
    for (command, props, _) in &lines {
        assert!(command == "error" || command == "warning");
        assert!(
            props.starts_with("file=fixtures/mobile-postpaid/invalid/"),
            "{props}"
        );
        assert!(
            props.contains(",line=") && props.contains(",col=") && props.contains(",title="),
            "{props}"
        );
    }
    insta::assert_snapshot!("validate-github", github.stdout);
}

/// The drift account: its case ends as expected but breaks the contract.
const DRIFT_CASE: &[&str] = &["check", "--case", "0811111126"];

#[test]
fn a_failing_simulator_check_in_every_format() {
    let mut args = DRIFT_CASE.to_vec();
    args.extend(["--format", "junit"]);
    let junit = run(&args);
    assert_eq!(junit.code, 1, "{}", junit.stderr);
    let cases = junit_cases(&junit.stdout);
    // It ends otherwise than expected (status describes a foreign
    // transaction, so the payment stays pending) and breaks the contract.
    assert_eq!(
        cases,
        vec![("0811111126".to_owned(), "flow.expectation".to_owned())]
    );
    assert!(
        junit.stdout.contains("error[flow.ref-number-echo]"),
        "the case's findings are listed"
    );
    assert!(
        junit.stdout.contains("#3 status HTTP 200"),
        "the case's steps are listed"
    );
    // The simulator's waits take no real time: JUnit's time is the real one (what a CI test
    // view adds up), the simulated 60 s of polling only a property.
    let doc = roxmltree::Document::parse(&junit.stdout).unwrap();
    let case = doc
        .descendants()
        .find(|n| n.has_tag_name("testcase"))
        .unwrap();
    let real: f64 = case.attribute("time").unwrap().parse().unwrap();
    assert!(real < 30.0, "JUnit time is the real time: {real}");
    let simulated = case
        .descendants()
        .find(|n| n.has_tag_name("property") && n.attribute("name") == Some("simulated-time"))
        .and_then(|n| n.attribute("value"));
    assert_eq!(simulated, Some("60.000"));
    insta::assert_snapshot!("check-junit", redact_time(&redact_ref(&junit.stdout)));

    let mut args = DRIFT_CASE.to_vec();
    args.extend(["--format", "sarif"]);
    let sarif = run(&args);
    assert_eq!(sarif.code, 1);
    let log = valid_sarif(&sarif.stdout);
    let result = &log["runs"][0]["results"][0];
    let logical: Vec<&str> = result["locations"][0]["logicalLocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["fullyQualifiedName"].as_str().unwrap())
        .collect();
    assert_eq!(logical[0], "0811111126");
    assert!(logical[2].starts_with("0811111126/#"), "{logical:?}");
    insta::assert_snapshot!("check-sarif", redact_ref(&sarif.stdout));

    let mut args = DRIFT_CASE.to_vec();
    args.extend(["--format", "github"]);
    let github = run(&args);
    assert_eq!(github.code, 1);
    let lines = annotations(&github.stdout);
    assert!(
        lines
            .iter()
            .any(|(c, p, _)| c == "error" && p == "title=flow.ref-number-echo"),
        "{lines:?}"
    );
    let expectation = lines
        .iter()
        .filter(|(_, p, _)| p.contains("title=flow.expectation"))
        .count();
    assert_eq!(expectation, 1, "one annotation per failed case: {lines:?}");
    insta::assert_snapshot!("check-github", redact_ref(&github.stdout));

    // A case that fails on its inquiry (no payment, no status) is annotated once too.
    let github = run(&["check", "--case", "0811111113", "--format", "github"]);
    assert_eq!(github.code, 1, "{}", github.stderr);
    let errors: Vec<_> = annotations(&github.stdout)
        .into_iter()
        .filter(|(c, _, _)| c == "error")
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
}

/// Real times vary: `time="…"` of every testcase becomes `time="[real]"`.
fn redact_time(text: &str) -> String {
    text.lines()
        .map(|line| match line.find(" time=\"") {
            Some(at) if line.trim_start().starts_with("<testcase") => {
                let value = &line[at + 7..];
                let end = value.find('"').unwrap_or(value.len());
                format!("{} time=\"[real]\"{}", &line[..at], &value[end + 1..])
            }
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// refNumbers are random (`PPOBCT` and base-36 digits): replace them for snapshots.
fn redact_ref(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("PPOBCT") {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(tail.len());
        out.push_str("PPOBCT[ref]");
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn the_case_mark_agrees_with_the_verdict() {
    // The seed cassette ends as expected (the payment succeeded) but its
    // answers break the contract: the mark says so, not ✓.
    let seed = run(&[
        "check",
        "--replay",
        "fixtures/mobile-postpaid/cassettes/seed",
    ]);
    assert_eq!(seed.code, 1, "{}", seed.stdout);
    assert!(!seed.stdout.contains('✓'), "{}", seed.stdout);
    assert!(
        seed.stdout
            .contains("✗ success as expected, but the contract was broken (4 errors)"),
        "{}",
        seed.stdout
    );
    assert!(
        seed.stdout.contains("1 of 1 case ended as expected"),
        "{}",
        seed.stdout
    );

    let drift = run(DRIFT_CASE);
    assert_eq!(drift.code, 1);
    assert!(
        drift.stdout.contains("✗ expected success, got pending"),
        "{}",
        drift.stdout
    );
    assert!(
        drift.stdout.contains("0 of 1 case ended as expected"),
        "{}",
        drift.stdout
    );

    let ok = run(&["check", "--case", "0811111111"]);
    assert_eq!(ok.code, 0, "{}", ok.stdout);
    assert!(ok.stdout.contains("✓ success as expected"), "{}", ok.stdout);
    assert!(
        ok.stdout.contains("1 of 1 case ended as expected"),
        "{}",
        ok.stdout
    );
    assert!(ok.stdout.contains("0 errors, 0 warnings"), "{}", ok.stdout);
}

#[test]
fn fuzz_writes_junit_sarif_and_github() {
    let base = [
        "fuzz",
        "--bug",
        "accept-negative-amount",
        "--seed",
        "7",
        "--cases",
        "200",
        "--no-regressions",
        "--jobs",
        "2",
    ];
    let with = |format: &str| {
        let mut args = base.to_vec();
        args.extend(["--format", format]);
        let out = run(&args);
        assert_eq!(out.code, 1, "{format}: {}", out.stderr);
        out.stdout
    };
    let cases = junit_cases(&with("junit"));
    assert!(
        cases
            .iter()
            .any(|(name, failure)| name.starts_with("fuzz.negative-refused")
                && failure == "fuzz.negative-refused"),
        "{cases:?}"
    );
    let log = valid_sarif(&with("sarif"));
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "fuzz.negative-refused"),
        "{results:?}"
    );
    let github = with("github");
    assert!(
        annotations(&github)
            .iter()
            .any(|(c, p, _)| c == "error" && p.starts_with("title=fuzz.negative-refused")),
        "{github}"
    );
}

#[test]
fn fuzz_quiet_prints_only_its_verdict() {
    let out = run(&[
        "fuzz",
        "--seed",
        "3",
        "--cases",
        "50",
        "--no-regressions",
        "-q",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);
    assert!(
        out.stdout
            .starts_with("contract holds: no oracle failed in 50 cases; seed 3"),
        "{}",
        out.stdout
    );
}

#[test]
fn several_report_files_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).display().to_string();
    let specs = [
        format!("junit={}", path("junit.xml")),
        format!("sarif={}", path("contract.sarif")),
        format!("json={}", path("report.json")),
        format!("github={}", path("annotations.txt")),
        format!("human={}", path("report.txt")),
    ];
    let mut args = vec!["validate", INVALID];
    for spec in &specs {
        args.extend(["--report", spec]);
    }
    let out = run(&args);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout.contains("contract violated"),
        "the terminal keeps its format"
    );
    junit_cases(&std::fs::read_to_string(path("junit.xml")).unwrap());
    valid_sarif(&std::fs::read_to_string(path("contract.sarif")).unwrap());
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(path("report.json")).unwrap()).unwrap();
    assert_eq!(
        json["summary"]["documents"],
        serde_json::from_str::<Value>(&run(&["validate", "--format", "json", INVALID]).stdout)
            .unwrap()["summary"]["documents"]
    );
    assert!(
        json.get("incomplete").is_none(),
        "a finished run is complete"
    );
    assert!(!annotations(&std::fs::read_to_string(path("annotations.txt")).unwrap()).is_empty());
    let human = std::fs::read_to_string(path("report.txt")).unwrap();
    assert!(
        human.contains("contract violated") && !human.contains('\u{1b}'),
        "no colour in files"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 5, "no temporary file is left: {left:?}");

    // A directory that does not exist yet is created, as CI jobs expect.
    let nested = dir.path().join("out/deeper/junit.xml");
    let created = run(&[
        "validate",
        INVALID,
        "--report",
        &format!("junit={}", nested.display()),
    ]);
    assert_eq!(created.code, 1, "{}", created.stderr);
    junit_cases(&std::fs::read_to_string(&nested).unwrap());

    let bad = run(&["validate", INVALID, "--report", "xml=out.xml"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("junit"), "{}", bad.stderr);
}

#[test]
fn sigterm_leaves_every_report_file_parseable() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    let mut child = Command::new(env!("CARGO_BIN_EXE_ppob-contract"))
        .current_dir(root())
        .args([
            "fuzz",
            "--seed",
            "1",
            "--cases",
            "100000000",
            "--max-time",
            "60s",
            "--no-regressions",
            "--jobs",
            "1",
            "-q",
        ])
        .arg("--report")
        .arg(format!("junit={}", path("junit.xml").display()))
        .arg("--report")
        .arg(format!("sarif={}", path("contract.sarif").display()))
        .arg("--report")
        .arg(format!("json={}", path("report.json").display()))
        .env_remove("PPOB_BASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The files are written at the start; wait (bounded) until they exist.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !path("report.json").exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let pid = child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(128 + 15),
        "exits 143 after writing the files"
    );
    let junit = std::fs::read_to_string(path("junit.xml")).unwrap();
    junit_cases(&junit);
    assert!(
        junit.contains("name=\"incomplete\" value=\"true\""),
        "{junit}"
    );
    let log = valid_sarif(&std::fs::read_to_string(path("contract.sarif")).unwrap());
    assert_eq!(
        log["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(path("report.json")).unwrap()).unwrap();
    assert_eq!(json["incomplete"], true);
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schemas/report.schema.json")).unwrap(),
    )
    .unwrap();
    assert!(
        jsonschema::validator_for(&schema).unwrap().is_valid(&json),
        "{json}"
    );
    let left = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(left, 3, "no temporary file is left");
}

#[test]
fn coverage_is_reported_in_human_and_json() {
    let human = run(&[
        "check",
        "--case",
        "0811111111",
        "--case",
        "0811111113=failed:302",
    ]);
    assert_eq!(human.code, 0, "{}", human.stdout);
    assert!(human.stdout.contains("coverage"), "{}", human.stdout);
    assert!(
        human.stdout.contains("inquiry  2 requests: 300 ×1, 302 ×1"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("never answered: 1-4, "),
        "{}",
        human.stdout
    );

    let (code, report) =
        crate::check::check_json(&["--case", "0811111111", "--case", "0811111113=failed:302"]);
    assert_eq!(code, 0);
    let coverage = &report["coverage"];
    assert_eq!(coverage["operations"][0]["operation"], "inquiry");
    assert_eq!(coverage["operations"][0]["requests"], 2);
    assert_eq!(coverage["operations"][0]["classes"]["inquiry-failed"], 1);
    assert_eq!(coverage["scenarios"]["success"], 1);
    assert_eq!(coverage["scenarios"]["failed:302"], 1);
    assert!(
        coverage["documentedNotSeen"]
            .as_array()
            .unwrap()
            .contains(&Value::from(188))
    );

    let fuzz = run(&[
        "fuzz",
        "--seed",
        "5",
        "--cases",
        "100",
        "--no-regressions",
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_str(&fuzz.stdout).unwrap();
    let payment = &report["coverage"]["operations"][1];
    assert_eq!(payment["operation"], "payment");
    assert!(payment["requests"].as_u64().unwrap() > 0, "{payment}");
    assert!(report["coverage"]["variants"]["valid"].as_u64().unwrap() > 0);
}

#[test]
fn require_codes_fails_a_run_that_never_saw_a_required_code() {
    let pass = run(&["check", "--case", "0811111111", "--require-codes", "0,300"]);
    assert_eq!(pass.code, 0, "{}", pass.stdout);
    assert!(
        pass.stdout
            .contains("every required code was answered: 0, 300"),
        "{}",
        pass.stdout
    );

    // A payment that never settles: status answers 299 for ever, never 0.
    let args = [
        "check",
        "--case",
        "0811111111=pending",
        "--fault",
        "pending-forever",
        "--require-codes",
        "0,300",
    ];
    let fail = run(&args);
    assert_eq!(fail.code, 1, "{}", fail.stdout);
    assert!(
        fail.stdout
            .contains("error[coverage.required-code] the target never answered response code 0"),
        "{}",
        fail.stdout
    );
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let json: Value = serde_json::from_str(&run(&json_args).stdout).unwrap();
    assert_eq!(json["coverage"]["missingRequired"], serde_json::json!([0]));
    assert_eq!(json["summary"]["errors"], 1);
    let mut sarif_args = args.to_vec();
    sarif_args.extend(["--format", "sarif"]);
    let log = valid_sarif(&run(&sarif_args).stdout);
    assert!(
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["ruleId"] == "coverage.required-code")
    );

    // The config file says the same.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ppob-contract.toml");
    let junit = dir.path().join("junit.xml");
    std::fs::write(
        &config,
        format!(
            "[report]\nrequire_codes = [0]\n[report.files]\njunit = {:?}\n",
            junit.display().to_string()
        ),
    )
    .unwrap();
    let from_config = run(&[
        "check",
        "--case",
        "0811111111=pending",
        "--fault",
        "pending-forever",
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(from_config.code, 1, "{}", from_config.stdout);
    let cases = junit_cases(&std::fs::read_to_string(&junit).unwrap());
    assert!(
        cases.contains(&(
            "required response codes".to_owned(),
            "coverage.required-code".to_owned()
        )),
        "{cases:?}"
    );
}

#[test]
fn github_step_summary_is_appended_when_set() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let out = run_env(
        &["check", "--case", "0811111111", "--format", "github"],
        &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
    );
    assert_eq!(out.code, 0, "{}", out.stdout);
    let md = std::fs::read_to_string(Path::new(&summary)).unwrap();
    assert!(
        md.contains("### ppob-contract check: ✅ contract holds"),
        "{md}"
    );
    assert!(md.contains("| payment |"), "{md}");
}
