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
