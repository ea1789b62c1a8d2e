//! The real binary: exit codes first, then the (redacted) output snapshotted.

use crate::support::{run, run_with_stdin};

#[test]
fn help_of_every_command_is_reviewed_and_teaches_by_example() {
    for args in [
        vec!["--help"],
        vec!["validate", "--help"],
        vec!["check", "--help"],
        vec!["mock", "--help"],
        vec!["proxy", "--help"],
        vec!["fuzz", "--help"],
        vec!["rules", "--help"],
        vec!["products", "--help"],
        vec!["schemas", "diff", "--help"],
        vec!["report", "merge", "--help"],
        vec!["completions", "--help"],
        vec!["man", "--help"],
    ] {
        let result = run(&args);
        assert_eq!(result.code, 0, "{args:?}");
        assert!(result.stdout.contains("Example"), "{args:?} has no example");
        let name = format!("help-{}", args.join("-").replace("--", ""));
        insta::assert_snapshot!(name, result.stdout);
    }
}

#[test]
fn a_violation_is_shown_with_position_pointer_and_caret() {
    let result = run(&[
        "validate",
        "fixtures/mobile-postpaid/invalid/amount-as-string.inquiry.response.json",
    ]);
    assert_eq!(result.code, 1);
    assert!(
        result
            .stdout
            .contains("amount-as-string.inquiry.response.json:15:19 /data/amount")
    );
    assert!(!result.stdout.contains('\u{1b}'), "colour when piped");
    insta::assert_snapshot!(result.stdout);
}

#[test]
fn every_fixture_directory_is_reported_in_order() {
    let result = run(&["validate", "fixtures/mobile-postpaid/invalid"]);
    assert_eq!(result.code, 1);
    insta::assert_snapshot!(result.stdout);
}

#[test]
fn colour_follows_the_terminal_settings() {
    let forced = std::process::Command::new(env!("CARGO_BIN_EXE_ppob-contract"))
        .args([
            "validate",
            "fixtures/mobile-postpaid/invalid/amount-as-string.inquiry.response.json",
        ])
        .current_dir(crate::support::root())
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&forced.stdout).contains('\u{1b}'));
}

#[test]
fn ndjson_on_stdin_names_each_line() {
    let good = std::fs::read_to_string("fixtures/mobile-postpaid/status.request.json").unwrap();
    let good: serde_json::Value = serde_json::from_str(&good).unwrap();
    let input = format!("{good}\n\n{{\"partnerId\": 7, \"refNumber\": \"r\"}}\n{good}\n");
    let result = run_with_stdin(
        &["validate", "--kind", "status.request", "-"],
        input.as_bytes(),
    );
    assert_eq!(result.code, 1, "{}", result.stdout);
    assert!(
        result.stdout.contains("-:3:15 /partnerId"),
        "{}",
        result.stdout
    );
    assert!(
        result.stdout.contains("3 documents, 2 valid, 1 invalid"),
        "{}",
        result.stdout
    );
}

#[test]
fn a_single_pretty_document_on_stdin_is_one_document() {
    let text = std::fs::read("fixtures/mobile-postpaid/inquiry.response.json").unwrap();
    let result = run_with_stdin(&["validate", "-"], &text);
    assert_eq!(result.code, 0, "{}", result.stdout);
    assert!(result.stdout.contains("1 document, 1 valid"));
}

#[test]
fn warnings_pass_unless_denied_and_drift_is_an_error_when_strict() {
    let file = "fixtures/mobile-postpaid/invalid/unknown-field.payment.response.json";
    assert_eq!(run(&["validate", file]).code, 0);
    assert_eq!(run(&["validate", "--deny-warnings", file]).code, 1);
    let strict = run(&["validate", "--strict", file]);
    assert_eq!(strict.code, 1);
    assert!(strict.stdout.contains("error[drift]"));
    assert_eq!(
        run(&[
            "validate",
            "--severity",
            "drift=off",
            "--deny-warnings",
            file
        ])
        .code,
        0
    );
}

#[test]
fn rule_severities_can_be_configured() {
    let file = "fixtures/mobile-postpaid/invalid/amount-not-bill-sum.inquiry.response.json";
    assert_eq!(run(&["validate", file]).code, 1);
    let lowered = run(&[
        "validate",
        "--severity",
        "inquiry.amount-equals-bill-sum=warning",
        file,
    ]);
    assert_eq!(lowered.code, 0);
    assert!(
        lowered
            .stdout
            .contains("warning[inquiry.amount-equals-bill-sum]")
    );
}

#[test]
fn usage_errors_exit_2_and_say_what_was_expected() {
    let bad_kind = run(&["validate", "--kind", "inquiry", "x.json"]);
    assert_eq!(bad_kind.code, 2);
    assert!(
        bad_kind.stderr.contains("inquiry.request"),
        "{}",
        bad_kind.stderr
    );
    let bad_severity = run(&["validate", "--severity", "schema=off", "x.json"]);
    assert_eq!(bad_severity.code, 2);
    assert!(bad_severity.stderr.contains("fixed"));
    assert_eq!(run(&["validate"]).code, 2);
    assert_eq!(run(&["frobnicate"]).code, 2);
}

#[test]
fn undetectable_kinds_exit_2_and_list_the_kinds() {
    let result = run(&[
        "validate",
        "fixtures/mobile-postpaid/invalid/../status.response.json",
        "--kind",
        "callback",
    ]);
    assert_eq!(result.code, 0);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("answer.json");
    std::fs::copy("fixtures/mobile-postpaid/status.response.json", &path).unwrap();
    let result = run(&["validate", path.to_str().unwrap()]);
    assert_eq!(result.code, 2);
    assert!(result.stdout.contains("--kind"));
    assert!(
        result.stdout.contains("status.response, callback") || result.stdout.contains("callback")
    );
}
