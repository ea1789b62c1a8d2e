//! The consumer harness (tests/consumers/run.sh): TypeScript and Python generated from
//! schemas/ type-check and parse every fixture, Ajv agrees with `validate`; the packages of
//! bindings/ install (npm pack, a wheel) and pass the same fixtures; every snippet of
//! docs/consumers.md runs as written; quicktype's Go round-trips every valid fixture. Runs when
//! CI=true (and fails there if node, npm, python3 or go is missing) or when those tools are
//! installed.

use std::process::Command;

use crate::support::{missing_consumer_tools, root};

#[test]
#[allow(clippy::print_stderr)]
fn generated_types_accept_every_fixture() {
    let missing = missing_consumer_tools();
    if !missing.is_empty() {
        eprintln!("consumer harness skipped: {missing:?} not installed");
        return;
    }
    let response = std::fs::read_to_string(root().join("schemas/inquiry.response.schema.json"))
        .expect("schemas/inquiry.response.schema.json");
    if !response.contains("\"$id\"") {
        eprintln!(
            "consumer harness skipped: schemas/ predates the consumer-first shape (no $id); \
             openapi-typescript types data as Record<string, never> there"
        );
        return;
    }
    let output = Command::new("bash")
        .arg(root().join("tests/consumers/run.sh"))
        .arg(env!("CARGO_BIN_EXE_ppob-contract"))
        .current_dir(root())
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "consumer harness failed:\n{stdout}\n{stderr}"
    );
    for step in [
        "ok tsc --strict",
        "ok responses are unions told apart by success in both TypeScript outputs",
        "ok tsc --strict: narrowing on success reads data.inquiryId and data.token with no cast",
        "ok tsc --strict reports an error for each of 6 invalid success literals",
        "ok responses are unions told apart by success (Literal) in the pydantic output",
        "ok pydantic refuses the 3 invalid success shapes",
        "ok generate Go (quicktype 26.0.0",
        "valid fixtures round-trip through their kind's type; data decoded as the shape success names (FailureData ",
        "ok check-jsonschema --schemafile schemas/bundled/<kind>.schema.json: valid fixtures pass",
        "ok openapi-python-client generated 3 endpoint modules: inquiry, payment, status",
        "ok openapi-python-client: inquiry 300",
        "ok tsc --strict: the openapi-fetch conversation compiles with no cast",
        "ok openapi-fetch: inquiry 300",
        "ok Schemathesis stateful: both links followed against mock",
        "ok pydantic strict",
        "ok Ajv2020 strict compiled",
        "ok tsc --strict: consumer.ts compiles against the installed ppob-contract-schemas-",
        "ok npm package ppob-contract-schemas ",
        "ok Python package ppob-contract-schemas ",
        "ok docs/consumers.md: all ",
    ] {
        assert!(stdout.contains(step), "no `{step}` line:\n{stdout}");
    }
}
