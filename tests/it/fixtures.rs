//! The shipped fixtures, found by glob: every documented payload holds the
//! contract; every negative case produces exactly the findings its
//! `*.expect.json` names. Adding a file adds a test case.

use serde_json::Value;

use crate::support::{files_ending, fixtures, json_report, relative, run};

#[test]
fn every_documented_payload_holds_the_contract() {
    let files = files_ending(&fixtures(), ".json");
    assert!(files.len() >= 10, "fixtures missing: {files:?}");
    for file in files {
        let path = relative(&file);
        let (code, report) = json_report(&[&path]);
        assert_eq!(code, 0, "{path}: {report:#}");
        let doc = &report["documents"][0];
        assert_eq!(doc["findings"], Value::Array(vec![]), "{path}");
        let kind = doc["kind"].as_str().unwrap();
        assert!(
            path.ends_with(&format!("{kind}.json")),
            "{path} checked as {kind}"
        );
    }
}

#[test]
fn every_seed_payload_holds_under_an_explicit_kind() {
    for kind in [
        "inquiry.request",
        "inquiry.response",
        "payment.request",
        "payment.response",
        "status.response",
    ] {
        let path = format!("fixtures/mobile-postpaid/{kind}.json");
        let result = run(&["validate", "--kind", kind, &path]);
        assert_eq!(result.code, 0, "{path}: {}", result.stdout);
    }
}

fn matches(expected: &Value, actual: &Value) -> bool {
    let same = |key: &str| expected.get(key).is_none_or(|e| Some(e) == actual.get(key));
    let message_fits = expected["message"]
        .as_str()
        .is_none_or(|fragment| actual["message"].as_str().unwrap_or("").contains(fragment));
    ["rule", "severity", "pointer", "line", "column"]
        .into_iter()
        .all(same)
        && message_fits
}

#[test]
fn every_negative_fixture_produces_exactly_its_expected_findings() {
    let dir = fixtures().join("invalid");
    let cases: Vec<_> = files_ending(&dir, ".json")
        .into_iter()
        .filter(|p| !p.to_string_lossy().ends_with(".expect.json"))
        .collect();
    assert!(cases.len() >= 10, "negative fixtures missing");
    for case in cases {
        let path = relative(&case);
        let expect_path = case.with_extension("expect.json");
        let expect: Value = serde_json::from_str(
            &std::fs::read_to_string(&expect_path)
                .unwrap_or_else(|_| panic!("{path} has no sibling .expect.json")),
        )
        .unwrap();
        let (code, report) = json_report(&[&path]);
        assert_eq!(
            Some(i64::from(code)),
            expect["exit"].as_i64(),
            "{path}: {report:#}"
        );
        let actual = report["documents"][0]["findings"].as_array().unwrap();
        let wanted = expect["findings"].as_array().unwrap();
        assert_eq!(actual.len(), wanted.len(), "{path}: {actual:#?}");
        for w in wanted {
            assert!(
                actual.iter().any(|a| matches(w, a)),
                "{path}: no finding like {w:#}\nactual: {actual:#?}"
            );
        }
    }
}
