//! Product categories are data: a category folder that no code names, written
//! into a temporary directory, is listed, checked, fuzzed and validated
//! through `--products DIR` alone.

use std::path::Path;

use serde_json::{Value, json};

use crate::support::run;

/// A category no Rust code, fixture or manifest of the repository names:
/// its own `data.category`, product code, detail keys, token shape and
/// accounts (success, failure after settling, inquiry failure).
const THROWAWAY: &str = r#"
title = "Throw-away Tickets"
category = "Tiket Sekali Pakai"
summary = "a category that exists only in this test"

[[products]]
code = "TSP-7"
name = "Tiket 7"

[inquiry]
customer = [["Kode Tiket", "{account}"], ["Pemilik Tiket", "{name}"]]

[settled]
customer = [["Kode Tiket", "{account}"], ["Waktu Cetak", "{time}"]]
product = [["Nomor Tiket", "{token}"]]

[bills]
admin_key = "Ongkos Cetak"
period_key = "Harga Tiket"
periods = { min = 1, max = 1 }

[token]
lines = ["Nomor Tiket"]
pattern = "TSP[0-9]{10}"
make = "TSP{txn:10}"

[[accounts]]
number = "5550000001"
name = "TIKXXXSATU"
bill = [{ value = 7000 }]
admin = 500
behaviour = "a ticket that prints"
expected = "inquiry 300 (amount 7500); payment 299; status 0 with a TSP token"

[[accounts]]
number = "5550000002"
name = "TIKXXXDUA"
bill = [{ value = 7000 }]
payment = { settles = 100 }
behaviour = "the printer fails after settle-after"
expected = "inquiry 300; payment 299; status 100"

[[accounts]]
number = "5550000003"
name = "TIKXXXTIGA"
inquiry_fails = 303
behaviour = "no ticket to print"
expected = "inquiry 303"
"#;

/// Writes the throw-away category as `DIR/tiket/category.toml`.
fn write_category(dir: &Path) -> String {
    let folder = dir.join("tiket");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("category.toml"), THROWAWAY).unwrap();
    dir.display().to_string()
}

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

/// A successful inquiry of the throw-away category; `customer` its detail lines.
fn inquiry(customer: Value) -> Value {
    json!({
        "responseCode": 300, "success": true,
        "message": {"ID": "Inkuiri berhasil", "EN": "Inquiry is successful"},
        "data": {
            "inquiryId": 9, "accountNumber": "5550000001", "customerName": "TIKXXXSATU",
            "productName": "Tiket 7", "productCode": "TSP-7", "category": "Tiket Sekali Pakai",
            "amount": 7500, "totalAdmin": 500, "processingFee": 0, "denom": "", "validity": "",
            "customerDetails": customer,
            "billDetails": [
                {"billId": "1", "billInfo": [], "isMandatory": true, "key": "Harga Tiket", "value": 7000},
                {"billId": "0", "billInfo": [], "isMandatory": true, "key": "Ongkos Cetak", "value": 500}
            ],
            "productDetails": [], "extraFields": []
        }
    })
}

#[test]
fn a_category_folder_no_code_names_is_listed_checked_fuzzed_and_validated() {
    let dir = tempfile::tempdir().unwrap();
    let products = write_category(dir.path());

    // products: listed beside the built-in ones, from its folder.
    let listed = run(&["--products", &products, "products", "--format", "json"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let listed = json(&listed.stdout);
    let tiket = listed["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "tiket")
        .unwrap_or_else(|| panic!("not listed: {listed}"));
    assert_eq!(tiket["category"], "Tiket Sekali Pakai");
    assert_eq!(tiket["products"][0]["code"], "TSP-7");
    assert_eq!(tiket["accounts"], 3);
    assert_eq!(tiket["finish"], "async");
    let builtin = run(&["products", "--format", "json"]);
    assert!(
        !builtin.stdout.contains("\"tiket\""),
        "without --products the category is not known"
    );

    // check: its whole simulator suite, and nothing else.
    let checked = run(&[
        "check",
        "--products",
        &products,
        "--category",
        "tiket",
        "--format",
        "json",
    ]);
    assert_eq!(checked.code, 0, "{}\n{}", checked.stdout, checked.stderr);
    let report = json(&checked.stdout);
    let cases: Vec<&str> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        cases,
        ["5550000001@TSP-7", "5550000002@TSP-7", "5550000003@TSP-7"],
        "{report}"
    );
    let per_category = &report["coverage"]["categories"];
    assert!(
        per_category["tiket"]
            .as_array()
            .is_some_and(|c| !c.is_empty()),
        "coverage counts the category's codes: {per_category}"
    );
    assert!(
        report["documents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["kind"].as_str().is_some_and(|k| k.ends_with("response")))
            .filter(|d| d["findings"].as_array().is_some_and(Vec::is_empty))
            .any(|d| d["category"] == "tiket"),
        "the documents carry their category"
    );

    // fuzz: its accounts, nothing found on the reference simulator.
    let fuzzed = run(&[
        "fuzz",
        "--products",
        &products,
        "--category",
        "tiket",
        "--cases",
        "50",
        "--seed",
        "5",
    ]);
    assert_eq!(fuzzed.code, 0, "{}\n{}", fuzzed.stdout, fuzzed.stderr);

    // validate: its rules apply to its documents, recognised by data.category.
    let good = dir.path().join("good.inquiry.response.json");
    let customer = json!([
        {"key": "Kode Tiket", "value": "5550000001"},
        {"key": "Pemilik Tiket", "value": "TIKXXXSATU"}
    ]);
    std::fs::write(&good, inquiry(customer).to_string()).unwrap();
    let bad = dir.path().join("bad.inquiry.response.json");
    let customer = json!([{"key": "Kode Tiket", "value": "5550000001"}]);
    std::fs::write(&bad, inquiry(customer).to_string()).unwrap();

    let valid = run(&[
        "validate",
        "--products",
        &products,
        "--format",
        "json",
        &good.display().to_string(),
    ]);
    assert_eq!(valid.code, 0, "{}", valid.stdout);
    assert_eq!(json(&valid.stdout)["documents"][0]["category"], "tiket");

    let invalid = run(&[
        "validate",
        "--products",
        &products,
        "--format",
        "json",
        &bad.display().to_string(),
    ]);
    assert_eq!(invalid.code, 1, "{}", invalid.stdout);
    let findings = json(&invalid.stdout)["documents"][0]["findings"].clone();
    assert!(
        findings
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "product.required-key"
                && f["pointer"] == "/data/customerDetails"
                && f["message"].as_str().unwrap().contains("Pemilik Tiket")),
        "{findings}"
    );

    // Without the folder the category is unknown: the envelope rules and a note.
    let unknown = run(&["validate", "--format", "json", &bad.display().to_string()]);
    assert_eq!(unknown.code, 0, "{}", unknown.stdout);
    let findings = json(&unknown.stdout)["documents"][0]["findings"].clone();
    let rules: Vec<&str> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["product.unknown-category"], "{findings}");
}

#[test]
fn a_broken_category_folder_is_a_usage_error_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("broken");
    std::fs::create_dir_all(&folder).unwrap();
    let text = THROWAWAY.replace(
        "periods = { min = 1, max = 1 }",
        "periods = { min = 1, most = 1 }",
    );
    std::fs::write(folder.join("category.toml"), text).unwrap();
    let manifest = folder.join("category.toml").display().to_string();
    for args in [
        vec!["products"],
        vec!["validate", "fixtures/mobile-postpaid/inquiry.response.json"],
        vec!["check", "--category", "mobile-postpaid"],
    ] {
        let mut with = vec!["--products", folder.to_str().unwrap()];
        with.extend(args.iter().copied());
        let result = run(&with);
        assert_eq!(result.code, 2, "{args:?}: {}", result.stderr);
        assert!(
            result.stderr.contains(&format!("{manifest}:20:")) && result.stderr.contains("most"),
            "{args:?}: {}",
            result.stderr
        );
        assert!(result.stdout.is_empty(), "{args:?}");
    }
    let unknown = run(&[
        "validate",
        "--category",
        "no-such",
        "fixtures/mobile-postpaid",
    ]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("mobile-postpaid"),
        "{}",
        unknown.stderr
    );
}
