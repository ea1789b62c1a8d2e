//! `schemas diff`: each case under tests/schema-diff/<case>/{old,new}/ is classified as its
//! expected.json says (found by glob: adding a case directory adds a test), and bad input
//! exits 2 naming the path.

use std::path::Path;

use ppob_contract::schemadiff::diff_paths;
use serde_json::{Value, json};

use crate::support::{root, run};

/// (schema, pointer, change, breaks) of every change, sorted.
fn classified(changes: &[Value]) -> Vec<(String, String, String, Value)> {
    let mut rows: Vec<_> = changes
        .iter()
        .map(|c| {
            (
                c["schema"].as_str().unwrap_or_default().to_owned(),
                c["pointer"].as_str().unwrap_or_default().to_owned(),
                c["change"].as_str().unwrap_or_default().to_owned(),
                c["breaks"].clone(),
            )
        })
        .collect();
    rows.sort_by(|a, b| (&a.0, &a.1, &a.2).cmp(&(&b.0, &b.1, &b.2)));
    rows
}

#[test]
fn every_case_is_classified_as_expected() {
    let cases = root().join("tests/schema-diff");
    let mut seen = 0;
    for entry in std::fs::read_dir(&cases).expect("tests/schema-diff exists") {
        let dir = entry.unwrap().path();
        if !dir.join("expected.json").is_file() {
            continue;
        }
        seen += 1;
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                .unwrap();
        let diff = diff_paths(&dir.join("old"), &dir.join("new"))
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let actual = serde_json::to_value(&diff.changes).unwrap();
        assert_eq!(
            classified(actual.as_array().unwrap()),
            classified(expected["changes"].as_array().unwrap()),
            "{}: full diff: {actual:#}",
            dir.display()
        );
        let same = diff_paths(&dir.join("new"), &dir.join("new")).unwrap();
        assert!(
            same.changes.is_empty(),
            "{}: NEW against itself",
            dir.display()
        );
    }
    assert!(seen >= 6, "only {seen} cases under tests/schema-diff");
}

#[test]
fn a_change_in_a_shared_definition_names_the_definition() {
    let dir = root().join("tests/schema-diff/nested-in-defs");
    let run = run(&[
        "schemas",
        "diff",
        "--format",
        "json",
        &dir.join("old").display().to_string(),
        &dir.join("new").display().to_string(),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["summary"], json!({"breaking": 1, "nonBreaking": 0}));
    assert_eq!(report["changes"][0]["definition"], "BillDetail");
    assert_eq!(report["changes"][0]["breaks"], "response-readers");
}

#[test]
fn human_output_groups_and_fail_on_picks_the_exit_code() {
    let dir = root().join("tests/schema-diff/field-added");
    let (old, new) = (
        dir.join("old").display().to_string(),
        dir.join("new").display().to_string(),
    );
    let human = run(&["schemas", "diff", &old, &new]);
    assert_eq!(human.code, 1);
    let breaking = human.stdout.find("Breaking (1):").expect(&human.stdout);
    let other = human.stdout.find("Non-breaking (2):").expect(&human.stdout);
    assert!(breaking < other, "{}", human.stdout);
    assert!(
        human.stdout.contains("status.request: /partnerId")
            && human
                .stdout
                .contains("breaks request writers: new required field `partnerId`"),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains("1 breaking, 2 non-breaking"));
    assert_eq!(
        run(&["schemas", "diff", "--fail-on", "none", &old, &new]).code,
        0
    );
    let additive = root().join("tests/schema-diff/field-added");
    let response_only = |side: &str| {
        additive
            .join(side)
            .join("status.response.schema.json")
            .display()
            .to_string()
    };
    let (a, b) = (response_only("old"), response_only("new"));
    assert_eq!(
        run(&["schemas", "diff", &a, &b]).code,
        0,
        "an optional response field breaks nothing"
    );
    assert_eq!(
        run(&["schemas", "diff", "--fail-on", "any", &a, &b]).code,
        1
    );
    let same = run(&["schemas", "diff", &b, &b]);
    assert_eq!(same.code, 0);
    assert!(
        same.stdout.starts_with("No changes for consumers"),
        "{}",
        same.stdout
    );
}

#[test]
fn bad_input_exits_2_naming_the_path() {
    let tmp = tempfile::tempdir().unwrap();
    let not_json = tmp.path().join("broken.schema.json");
    std::fs::write(&not_json, "{\"type\": ").unwrap();
    let not_schema = tmp.path().join("list.schema.json");
    std::fs::write(&not_schema, "[1, 2]").unwrap();
    let odd = tmp.path().join("odd.schema.json");
    std::fs::write(&odd, r#"{"type": 5}"#).unwrap();
    let dangling = tmp.path().join("dangling.schema.json");
    std::fs::write(
        &dangling,
        r##"{"properties": {"a": {"$ref": "#/$defs/Gone"}}}"##,
    )
    .unwrap();
    let good = root().join("tests/schema-diff/field-removed/old/inquiry.response.schema.json");
    let good = good.display().to_string();
    let missing = tmp.path().join("nowhere");
    let cases: [(&Path, &str); 5] = [
        (&missing, "no such file or directory"),
        (&not_json, "not JSON"),
        (&not_schema, "not a JSON Schema"),
        (&odd, "not a JSON Schema"),
        (&dangling, "points at nothing"),
    ];
    for (path, what) in cases {
        let shown = path.display().to_string();
        let run = run(&["schemas", "diff", &good, &shown]);
        assert_eq!(run.code, 2, "{shown}: {}", run.stderr);
        assert!(
            run.stderr.contains(&shown) && run.stderr.contains(what),
            "{shown}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty());
    }
    let dir = root()
        .join("tests/schema-diff/field-removed/old")
        .display()
        .to_string();
    let mixed = run(&["schemas", "diff", &dir, &good]);
    assert_eq!(mixed.code, 2);
    assert!(
        mixed.stderr.contains("two directories or two files"),
        "{}",
        mixed.stderr
    );
}
