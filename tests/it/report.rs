//! The `--format json` report validates against `schemas/report.schema.json`.

use crate::support::{json_report, root};

#[test]
fn json_reports_validate_against_the_report_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schemas/report.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for args in [
        vec!["fixtures/mobile-postpaid"],
        vec!["fixtures/mobile-postpaid/invalid"],
        vec!["does-not-exist.json"],
    ] {
        let (_, report) = json_report(&args);
        let errors: Vec<String> = validator
            .iter_errors(&report)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{args:?}: {errors:#?}");
        assert!(report["summary"]["documents"].as_u64().unwrap() >= 1);
    }
}

#[test]
fn summary_counts_agree_with_the_documents() {
    let (code, report) = json_report(&["fixtures/mobile-postpaid/invalid"]);
    assert_eq!(code, 1);
    let documents = report["documents"].as_array().unwrap();
    let valid = documents.iter().filter(|d| d["valid"] == true).count() as u64;
    assert_eq!(
        report["summary"]["documents"].as_u64(),
        Some(documents.len() as u64)
    );
    assert_eq!(report["summary"]["valid"].as_u64(), Some(valid));
}

#[test]
fn a_fuzz_report_with_failures_validates_and_points_at_the_answer() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schemas/report.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let run = crate::support::run(&[
        "fuzz",
        "--bug",
        "accept-negative-amount",
        "--seed",
        "7",
        "--cases",
        "300",
        "--no-regressions",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("seed 7"),
        "the seed goes to stderr: {}",
        run.stderr
    );
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let failure = &report["fuzz"]["failures"][0];
    assert_eq!(failure["oracle"], "fuzz.negative-refused");
    assert_eq!(failure["variant"], "negative-amount");
    assert!(
        failure["reproduce"]
            .as_str()
            .unwrap()
            .contains("--seed 7 --cases"),
        "{failure}"
    );
    let finding = report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["findings"].as_array().unwrap())
        .find(|f| f["rule"] == "fuzz.negative-refused")
        .expect("the oracle's finding is on a document");
    assert_eq!(finding["pointer"], "/responseCode");
    assert_eq!(
        (finding["line"].as_u64(), finding["column"].as_u64()),
        (Some(1), Some(17))
    );
}
