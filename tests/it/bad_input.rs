//! Bad input never panics or hangs: each case exits 2 (unreadable) or 1
//! (parsed but breaks the contract) with a message naming file and position.

use std::path::Path;

use crate::support::{run, run_with_stdin};

/// Writes `bytes` as `name` in a fresh directory and validates it.
fn validate_bytes(name: &str, bytes: &[u8], extra: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let path = path.to_str().unwrap().to_owned();
    let mut args = vec!["validate"];
    args.extend_from_slice(extra);
    args.push(&path);
    let result = run(&args);
    assert!(
        !result.stderr.contains("panicked"),
        "{name}: {}",
        result.stderr
    );
    (result.code, result.stdout, path)
}

fn assert_reports(name: &str, bytes: &[u8], code: i32, at: &str, message: &str) {
    let (actual_code, out, path) = validate_bytes(name, bytes, &[]);
    assert_eq!(actual_code, code, "{name}: {out}");
    assert!(
        out.contains(&format!("{path}:{at}")),
        "{name}: no {path}:{at} in\n{out}"
    );
    assert!(out.contains(message), "{name}: no {message:?} in\n{out}");
}

#[test]
fn empty_file() {
    assert_reports("e.inquiry.request.json", b"", 2, "1:1", "empty document");
}

#[test]
fn truncated_json() {
    let seed = std::fs::read("fixtures/mobile-postpaid/inquiry.response.json").unwrap();
    assert_reports(
        "t.inquiry.response.json",
        &seed[..200],
        2,
        "10:10",
        "truncated",
    );
}

#[test]
fn invalid_utf8() {
    let bytes = b"{\"partnerId\": \"p\xff\", \"refNumber\": \"r\"}";
    assert_reports("u.status.request.json", bytes, 2, "1:17", "invalid UTF-8");
}

#[test]
fn byte_order_mark() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(std::fs::read("fixtures/mobile-postpaid/status.request.json").unwrap());
    assert_reports("b.status.request.json", &bytes, 1, "1:1", "byte order mark");
}

#[test]
fn deep_nesting() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_reports(
        "d.inquiry.request.json",
        deep.as_bytes(),
        2,
        "1:",
        "recursion limit",
    );
}

#[test]
fn number_out_of_float_range() {
    let doc = br#"{"partnerId": "p", "refNumber": "r", "accountNumber": "a", "productCode": "c", "amount": 1e400, "inquiryId": 1}"#;
    assert_reports(
        "n.payment.request.json",
        doc,
        2,
        "1:",
        "number out of range",
    );
}

/// serde_json reads `1e-400` as 0: an amount (or a responseCode) the document never said.
#[test]
fn number_too_small_for_a_float_is_refused_not_read_as_zero() {
    let doc = br#"{"partnerId": "p", "refNumber": "r", "accountNumber": "a", "productCode": "c", "amount": 1e-400, "inquiryId": 1}"#;
    assert_reports(
        "z.payment.request.json",
        doc,
        2,
        "1:90",
        "1e-400 is too small for a 64-bit float",
    );
    // Deep in a response, on its own line, written without exponent; the
    // JSON report names its pointer and position.
    let tiny = format!("-0.{}5", "0".repeat(400));
    let doc = format!(
        "{{\n  \"responseCode\": 0,\n  \"data\": {{\"é\": [1,\n    {{\"amount\": {tiny}}}]}}\n}}\n"
    );
    let (code, out, _) = validate_bytes(
        "z.inquiry.response.json",
        doc.as_bytes(),
        &["--format", "json"],
    );
    assert_eq!(code, 2, "{out}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let findings = report["documents"][0]["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{out}");
    let finding = &findings[0];
    assert_eq!(finding["rule"], "input.parse");
    assert_eq!(finding["pointer"], "/data/é/1/amount");
    assert_eq!(
        (finding["line"].as_u64(), finding["column"].as_u64()),
        (Some(4), Some(16))
    );
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("would be read as 0"),
        "{out}"
    );
    // Small but a float still: judged as usual (the schema wants an integer).
    let (code, out, _) = validate_bytes("s.payment.request.json", &doc_with_amount("1e-300"), &[]);
    assert_eq!(code, 1, "{out}");
    assert!(!out.contains("input.parse"), "{out}");
}

fn doc_with_amount(amount: &str) -> Vec<u8> {
    format!(r#"{{"partnerId": "p", "refNumber": "r", "accountNumber": "a", "productCode": "c", "amount": {amount}, "inquiryId": 1}}"#).into_bytes()
}

#[test]
fn number_beyond_u64() {
    let doc = br#"{"partnerId": "p", "refNumber": "r", "accountNumber": "a", "productCode": "c", "amount": 18446744073709551616, "inquiryId": 1}"#;
    assert_reports("n.payment.request.json", doc, 1, "1:90", "maximum");
}

#[test]
fn fifty_megabyte_string() {
    let doc = format!(
        "{{\"partnerId\": \"{}\", \"refNumber\": 5}}",
        "x".repeat(50 << 20)
    );
    let (code, out, path) = validate_bytes("big.status.request.json", doc.as_bytes(), &[]);
    assert_eq!(code, 1);
    assert!(out.contains(&format!("{path}:1:")));
    assert!(out.contains("/refNumber"));
    assert!(
        out.len() < 4_000,
        "the report repeats the huge line: {} bytes",
        out.len()
    );
}

#[test]
fn missing_path() {
    let result = run(&["validate", "no/such/file.json"]);
    assert_eq!(result.code, 2);
    assert!(result.stdout.contains("no/such/file.json"));
    assert!(result.stdout.contains("cannot read"));
}

#[test]
fn directory_without_json() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "hi").unwrap();
    let result = run(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(result.code, 2);
    assert!(result.stdout.contains("no .json"));
    assert!(result.stdout.contains(&dir.path().display().to_string()));
}

#[test]
fn unreadable_path_is_reported_not_fatal() {
    // A directory given where a stream is expected and a missing file beside a good one:
    // both are reported, the good file still checked.
    let result = run(&[
        "validate",
        "nope.ndjson",
        "fixtures/mobile-postpaid/status.request.json",
    ]);
    assert_eq!(result.code, 2);
    assert!(result.stdout.contains("nope.ndjson"));
    assert!(result.stdout.contains("2 documents, 1 valid"));
}

#[test]
fn garbage_ndjson_lines_are_each_reported_and_the_rest_checked() {
    let good = r#"{"partnerId": "p", "refNumber": "r"}"#;
    let input = format!("{good}\n{{\"partnerId\": \n\u{0}\u{1}garbage\n{good}\n");
    let result = run_with_stdin(
        &["validate", "--ndjson", "--kind", "status.request", "-"],
        input.as_bytes(),
    );
    assert_eq!(result.code, 2);
    assert!(result.stdout.contains("-:2:"), "{}", result.stdout);
    assert!(result.stdout.contains("-:3:"), "{}", result.stdout);
    assert!(
        result.stdout.contains("4 documents, 2 valid"),
        "{}",
        result.stdout
    );
}

#[test]
fn the_binary_never_panics_on_arbitrary_bytes() {
    // A small deterministic byte fuzz over the seed: cut, flip, splice.
    let seed = std::fs::read("fixtures/mobile-postpaid/inquiry.response.json").unwrap();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut lines = Vec::new();
    for _ in 0..300 {
        let mut doc = seed.clone();
        for _ in 0..(next() % 4 + 1) {
            let i = (next() as usize) % doc.len();
            doc[i] = (next() % 256) as u8;
        }
        doc.retain(|&b| b != b'\n');
        lines.extend(doc);
        lines.push(b'\n');
    }
    let result = run_with_stdin(
        &["validate", "--ndjson", "--kind", "inquiry.response", "-"],
        &lines,
    );
    assert!(!result.stderr.contains("panicked"), "{}", result.stderr);
    assert!([0, 1, 2].contains(&result.code));
    assert!(
        result.stdout.contains("300 documents"),
        "{}",
        result.stdout.lines().last().unwrap_or("")
    );
    assert!(Path::new("fixtures").exists());
}
