//! The shipped fixtures of every product category folder (`fixtures/<name>/`
//! with a `category.toml`), found by glob: every payload beside the manifest
//! holds the contract; every negative case in `invalid/` produces exactly the
//! findings its `*.expect.json` names (its planted rule at its pointer); the
//! vendor's documented examples in `documented/` (as written) produce exactly
//! the findings `documented/examples.expect.json` lists, one document at a time and
//! across their conversation. Adding a file or a folder adds a test case.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{files_ending, json_report, relative, root, run};
use ppob_contract::flow::rules::{self, Expected};

/// Every category folder, in name order.
fn category_folders() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("category.toml").is_file())
        .collect();
    found.sort();
    found
}

/// The documents of `dir`: its `*.json` files but the expectations.
fn documents(dir: &Path) -> Vec<PathBuf> {
    files_ending(dir, ".json")
        .into_iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            !name.ends_with(".expect.json")
        })
        .collect()
}

fn name_of(dir: &Path) -> String {
    dir.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn every_category_folder_is_built_in_and_the_facts_table_is_covered() {
    let folders: Vec<String> = category_folders().iter().map(|d| name_of(d)).collect();
    let known: Vec<String> = ppob_contract::products::catalog()
        .categories()
        .iter()
        .map(|c| c.name.clone())
        .collect();
    assert_eq!(folders, known, "every folder is embedded, and only they");
    assert!(
        folders.len() >= 12,
        "the facts table's categories: {folders:?}"
    );
}

#[test]
fn every_categorys_payloads_hold_the_contract() {
    let mut checked = 0;
    for dir in category_folders() {
        let files = documents(&dir);
        assert!(
            files.len() >= 7,
            "{}: fixtures missing: {files:?}",
            dir.display()
        );
        let paths: Vec<String> = files.iter().map(|f| relative(f)).collect();
        let args: Vec<&str> = paths.iter().map(String::as_str).collect();
        let (code, report) = json_report(&args);
        assert_eq!(code, 0, "{}: {report:#}", dir.display());
        let docs = report["documents"].as_array().unwrap();
        assert_eq!(docs.len(), paths.len());
        for doc in docs {
            let source = doc["source"].as_str().unwrap();
            assert_eq!(doc["findings"], Value::Array(vec![]), "{source}");
            let kind = doc["kind"].as_str().unwrap();
            assert!(
                source.ends_with(&format!("{kind}.json")),
                "{source} checked as {kind}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 12 * 7, "only {checked} payloads");
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

/// Validates `file` and asserts its findings are exactly `wanted` (each
/// matched by rule, pointer and whatever else it names); returns the exit
/// code and whether an error was among them.
fn assert_findings(file: &Path, wanted: &[Value]) -> (i32, bool) {
    let path = relative(file);
    let (code, report) = json_report(&[&path]);
    let actual = report["documents"][0]["findings"].as_array().unwrap();
    assert_eq!(actual.len(), wanted.len(), "{path}: {actual:#?}");
    for w in wanted {
        assert!(
            actual.iter().any(|a| matches(w, a)),
            "{path}: no finding like {w:#}\nactual: {actual:#?}"
        );
    }
    let errors = actual.iter().any(|a| a["severity"] == "error");
    (code, errors)
}

#[test]
fn every_negative_fixture_reports_its_planted_rule_at_its_pointer() {
    let mut cases = 0;
    let mut categories = BTreeSet::new();
    for dir in category_folders() {
        let invalid = dir.join("invalid");
        if !invalid.is_dir() {
            continue;
        }
        for case in documents(&invalid) {
            let path = relative(&case);
            let expect_path = case.with_extension("expect.json");
            let expect: Value = serde_json::from_str(
                &std::fs::read_to_string(&expect_path)
                    .unwrap_or_else(|_| panic!("{path} has no sibling .expect.json")),
            )
            .unwrap();
            let wanted = expect["findings"].as_array().unwrap();
            assert!(
                !wanted.is_empty(),
                "{path}: a negative fixture plants an error"
            );
            let (code, _) = assert_findings(&case, wanted);
            assert_eq!(Some(i64::from(code)), expect["exit"].as_i64(), "{path}");
            cases += 1;
            categories.insert(name_of(&dir));
        }
    }
    assert!(cases >= 40, "negative fixtures missing: {cases}");
    assert_eq!(
        categories.len(),
        category_folders().len(),
        "every category has negative fixtures: {categories:?}"
    );
}

/// One documented example of `dir/documented/`, by the kind its name ends with.
fn documented(dir: &Path, kind: &str) -> Option<Value> {
    let file = documents(&dir.join("documented"))
        .into_iter()
        .find(|f| f.to_string_lossy().ends_with(&format!(".{kind}.json")))?;
    Some(serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap())
}

/// What check's flow rules find across a documented conversation, as
/// `(rule, document kind, pointer)`: the inquiry's account, the payment
/// request against the inquiry, the payment and status answers against both.
fn conversation_findings(dir: &Path) -> BTreeSet<(String, String, String)> {
    let mut found = BTreeSet::new();
    let mut add = |kind: &str, findings: Vec<rules::FlowFinding>| {
        for (rule, finding) in findings {
            found.insert((rule.to_owned(), kind.to_owned(), finding.pointer));
        }
    };
    let inquiry_request = documented(dir, "inquiry.request");
    let Some(inquiry) = documented(dir, "inquiry.response") else {
        return BTreeSet::new();
    };
    if let Some(account) = inquiry_request
        .as_ref()
        .and_then(|r| r["accountNumber"].as_str())
    {
        add(
            "inquiry.response",
            rules::inquiry_other_account(account, &inquiry)
                .into_iter()
                .collect(),
        );
    }
    if let Some(request) = inquiry_request {
        add(
            "inquiry.response",
            rules::inquiry_extras(&request, &inquiry),
        );
    }
    let Some(payment_request) = documented(dir, "payment.request") else {
        return found;
    };
    add(
        "payment.request",
        rules::payment_request(&inquiry, &payment_request),
    );
    let mut transaction_id = None;
    for kind in ["payment.response", "status.response"] {
        let Some(answer) = documented(dir, kind) else {
            continue;
        };
        let expected = Expected {
            inquiry: &inquiry,
            payment_request: &payment_request,
            transaction_id,
        };
        add(kind, rules::transaction_response(&answer, expected));
        transaction_id = transaction_id.or_else(|| rules::transaction_id(&answer));
    }
    found
}

#[test]
fn documented_examples_report_each_documented_inconsistency_with_a_rule_id() {
    let mut folders = 0;
    let mut inconsistencies = 0;
    for dir in category_folders() {
        let examples = dir.join("documented");
        if !examples.is_dir() {
            continue;
        }
        folders += 1;
        let expect: Value =
            serde_json::from_slice(&std::fs::read(examples.join("examples.expect.json")).unwrap())
                .unwrap();
        for file in documents(&examples) {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            let shared = root().join("../shared/products").join(&name);
            if let Ok(original) = std::fs::read(&shared) {
                assert_eq!(
                    std::fs::read(&file).unwrap(),
                    original,
                    "{name}: as written"
                );
            }
            let wanted = expect["documents"][&name]
                .as_array()
                .cloned()
                .unwrap_or_default();
            inconsistencies += wanted.len();
            let (code, errors) = assert_findings(&file, &wanted);
            assert_eq!(
                code,
                i32::from(errors),
                "{name}: exit 1 exactly on an error"
            );
        }
        let wanted: BTreeSet<(String, String, String)> = expect["conversation"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| {
                let field = |k: &str| w[k].as_str().unwrap().to_owned();
                (field("rule"), field("document"), field("pointer"))
            })
            .collect();
        inconsistencies += wanted.len();
        assert_eq!(conversation_findings(&dir), wanted, "{}", dir.display());
        for missing in expect["missing"].as_array().unwrap() {
            let file = missing["file"].as_str().unwrap();
            assert!(
                !examples.join(file).exists(),
                "{file} is listed as missing but exists"
            );
        }
    }
    assert!(
        folders >= 4,
        "the documented examples of products/ are fixtures"
    );
    assert!(inconsistencies >= 15, "{inconsistencies}");
}
