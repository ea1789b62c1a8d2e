//! `ppob-contract rules`: the rule ids a `--severity` can name.

use std::process::ExitCode;

use clap::Args;

use crate::contract::Severity;
use crate::rules::all;
use crate::validate::{BOM_RULE, DRIFT_RULE, DUPLICATE_KEY_RULE, SCHEMA_RULE};

/// Arguments of `rules` (none yet).
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  ppob-contract rules\n  ppob-contract validate --severity inquiry.amount-equals-bill-sum=warning recorded.ndjson\n  ppob-contract check --severity flow.amount-matches-inquiry=warning --target URL"
)]
pub struct RulesArgs {}

/// Prints every rule id with its default severity and what it checks.
#[allow(clippy::print_stdout)]
pub fn run(_args: RulesArgs) -> ExitCode {
    let fixed: [(&str, &str, &str); 4] = [
        (
            SCHEMA_RULE,
            "error",
            "the document breaks its JSON Schema (the keyword is named in the message)",
        ),
        (
            DRIFT_RULE,
            "warning",
            "a field the contract does not document (--strict: error)",
        ),
        (
            BOM_RULE,
            "error",
            "a UTF-8 byte order mark before the document",
        ),
        (
            DUPLICATE_KEY_RULE,
            "error",
            "an object names the same member twice",
        ),
    ];
    for (id, severity, what) in fixed {
        println!("{id:40} {severity:8} {what}");
    }
    for rule in all() {
        let severity = match rule.default_severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        println!("{:40} {severity:8} {}", rule.id(), rule.description());
    }
    for rule in crate::flow::rules::FLOW_RULES {
        println!(
            "{:40} {:8} {} (check)",
            rule.id,
            rule.default_severity.name(),
            rule.description
        );
    }
    for oracle in crate::fuzz::ORACLES {
        println!(
            "{:40} {:8} {} (fuzz)",
            oracle.id,
            oracle.default_severity.name(),
            oracle.description
        );
    }
    let fixed_input: [(&str, &str); 2] = [
        (
            "input.*",
            "unreadable input: not JSON, not UTF-8, unknown kind, missing file (exit 2)",
        ),
        (
            "setup.*",
            "check or fuzz could not talk to the server: unreachable, credentials refused (exit 2)",
        ),
    ];
    for (id, what) in fixed_input {
        println!("{id:40} {:8} {what}", "error");
    }
    ExitCode::SUCCESS
}
