//! The rule catalogue is complete (every id the code can emit, every registry,
//! the README), `rules` lists it, `--severity` resolves against it, and a
//! closed stdout ends a run quietly.

use std::collections::BTreeSet;

use ppob_contract::contract::input_rules;
use ppob_contract::rules::{CATALOGUE, Scope, catalogue};

use crate::support::{closed_stdout_run, first_line_run, root, run, rust_files};

fn catalogue_ids() -> BTreeSet<&'static str> {
    CATALOGUE.iter().map(|r| r.id).collect()
}

/// The first part of an id of every scope, and of the document rules.
const PREFIXES: [&str; 11] = [
    "input", "setup", "json", "response", "inquiry", "bill", "status", "flow", "callback", "fuzz",
    "coverage",
];

/// Whether `text` looks like a rule id: `prefix.kebab-name`, not a document
/// kind (`inquiry.response`) or a file name (`fuzz.rs`).
fn looks_like_id(text: &str) -> bool {
    let Some((prefix, name)) = text.split_once('.') else {
        return false;
    };
    PREFIXES.contains(&prefix)
        && !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !["request", "response", "rs", "toml", "json", "md"].contains(&name)
}

/// Candidate ids in a Rust source: string literals that are an id, and
/// `[id]` inside string literals (`"error[setup.auth]: …"`). Comment lines and
/// the unit tests (from `#[cfg(test)]` on) are skipped.
fn ids_in_source(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in source.lines() {
        let code = line.trim_start();
        if code.starts_with("#[cfg(test)]") {
            break;
        }
        if code.starts_with("//") {
            continue;
        }
        for (n, part) in line.split('"').enumerate() {
            if n % 2 == 0 {
                continue; // outside a literal
            }
            if looks_like_id(part) {
                found.push(part.to_owned());
            }
            for bracketed in part.split('[').skip(1) {
                if let Some((inner, _)) = bracketed.split_once(']')
                    && looks_like_id(inner)
                {
                    found.push(inner.to_owned());
                }
            }
        }
    }
    found
}

#[test]
fn every_id_written_in_the_source_is_in_the_catalogue() {
    let ids = catalogue_ids();
    let mut files = rust_files(&root().join("src"));
    files.extend(rust_files(&root().join("crates")));
    let mut seen = BTreeSet::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for id in ids_in_source(&text) {
            assert!(
                ids.contains(id.as_str()),
                "{}: {id:?} is not in the rule catalogue (crates/ppob-core/src/rules/catalogue.rs)",
                file.display()
            );
            seen.insert(id);
        }
    }
    // The scan finds the ids where they are defined: it is not vacuous.
    for id in [
        "flow.ref-number-echo",
        "fuzz.no-double-charge",
        "input.parse",
        "setup.auth",
        "json.bom",
        "inquiry.amount-equals-bill-sum",
        "callback.matches-status",
    ] {
        assert!(seen.contains(id), "the scan missed {id}");
    }
}

#[test]
fn the_scan_recognises_ids_and_skips_kinds_and_files() {
    let found = ids_in_source(
        r#"let a = "flow.account-echo"; let k = "inquiry.response";
    // "fuzz.in-a-comment"
write!(w, "error[setup.unreachable]: {x} in fuzz.rs");
#[cfg(test)]
let t = "fuzz.in-a-test";"#,
    );
    assert_eq!(found, ["flow.account-echo", "setup.unreachable"]);
}

#[test]
fn every_registry_agrees_with_the_catalogue() {
    let of = |scope| -> BTreeSet<&str> { catalogue::of_scope(scope).map(|r| r.id).collect() };
    let flow: BTreeSet<&str> = ppob_contract::flow::rules::FLOW_RULES
        .iter()
        .copied()
        .collect();
    assert_eq!(flow, of(Scope::Flow));
    let callbacks: BTreeSet<&str> = ppob_contract::flow::callbacks::CALLBACK_RULES
        .iter()
        .copied()
        .collect();
    assert_eq!(callbacks, of(Scope::Callback));
    let oracles: BTreeSet<&str> = ppob_contract::fuzz::ORACLES.iter().copied().collect();
    assert_eq!(oracles, of(Scope::Fuzz));
    let engine = [
        ppob_contract::validate::SCHEMA_RULE,
        ppob_contract::validate::DRIFT_RULE,
        ppob_contract::validate::NEAR_MISS_RULE,
        ppob_contract::validate::BOM_RULE,
        ppob_contract::validate::DUPLICATE_KEY_RULE,
        ppob_contract::validate::TOO_COSTLY_RULE,
    ];
    let mut document: BTreeSet<&str> = ppob_contract::rules::all().iter().map(|r| r.id()).collect();
    document.extend(engine);
    document.extend(ppob_contract::products::rules::ids::ALL);
    assert_eq!(document, of(Scope::Document));
    let input: BTreeSet<&str> = [
        input_rules::PARSE,
        input_rules::ENCODING,
        input_rules::KIND,
        input_rules::IO,
    ]
    .into();
    assert_eq!(input, of(Scope::Input));
    let setup: BTreeSet<&str> = [
        input_rules::UNREACHABLE,
        input_rules::AUTH,
        input_rules::NOT_THE_API,
    ]
    .into();
    assert_eq!(setup, of(Scope::Setup));
    for id in input.iter().chain(&setup) {
        assert!(input_rules::is_input_rule(id), "{id} must exit 2");
    }
}

#[test]
fn the_readme_lists_every_rule_id() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let missing: Vec<&str> = CATALOGUE
        .iter()
        .map(|r| r.id)
        .filter(|id| !readme.contains(&format!("`{id}`")))
        .collect();
    assert!(missing.is_empty(), "README.md does not list {missing:?}");
}

#[test]
fn rules_lists_every_id_grouped_by_scope() {
    let result = run(&["rules"]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    for rule in CATALOGUE {
        let line = result
            .stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(rule.id))
            .unwrap_or_else(|| panic!("{} missing:\n{}", rule.id, result.stdout));
        assert!(line.contains(rule.default_severity.name()), "{line}");
    }
    let headings: Vec<&str> = result
        .stdout
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with(' '))
        .collect();
    assert_eq!(headings.len(), Scope::ALL.len(), "{headings:?}");
    insta::assert_snapshot!(result.stdout);
}

#[test]
fn rules_as_json_carries_every_field() {
    let result = run(&["rules", "--format", "json"]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    let doc: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    assert_eq!(doc["tool"], "ppob-contract");
    let rules = doc["rules"].as_array().unwrap();
    assert_eq!(rules.len(), CATALOGUE.len());
    for (json, rule) in rules.iter().zip(CATALOGUE) {
        assert_eq!(json["id"], rule.id);
        assert_eq!(json["scope"], rule.scope.name());
        assert_eq!(json["default_severity"], rule.default_severity.name());
        assert_eq!(json["configurable"], rule.configurable);
        assert_eq!(json["summary"], rule.summary);
        assert_eq!(json["description"], rule.description);
        assert_eq!(json["source"], rule.source);
    }
}

#[test]
fn rules_shows_one_rule_in_full_and_refuses_an_unknown_one() {
    let result = run(&["rules", "inquiry.amount-equals-bill-sum"]);
    assert_eq!(result.code, 0);
    let rule = catalogue::get("inquiry.amount-equals-bill-sum").unwrap();
    assert!(result.stdout.contains(rule.description));
    assert!(result.stdout.contains(rule.source));
    let unknown = run(&["rules", "amount-equals-bill-sum"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown
            .stderr
            .contains("did you mean `inquiry.amount-equals-bill-sum`?"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn an_unknown_severity_id_is_a_usage_error_with_the_closest_ids() {
    let file = "fixtures/mobile-postpaid/inquiry.response.json";
    for command in [
        vec!["validate", "--severity", "amount-equals-bill-sum=off", file],
        vec!["check", "--severity", "amount-equals-bill-sum=off"],
        vec!["fuzz", "--severity", "amount-equals-bill-sum=off"],
    ] {
        let result = run(&command);
        assert_eq!(result.code, 2, "{command:?}: {}", result.stderr);
        assert!(
            result
                .stderr
                .contains("did you mean `inquiry.amount-equals-bill-sum`?"),
            "{command:?}: {}",
            result.stderr
        );
        assert!(result.stdout.is_empty(), "{command:?} ran anyway");
    }
    let bogus = run(&["validate", "--severity", "totally.bogus=off", file]);
    assert_eq!(bogus.code, 2);
    assert!(
        bogus.stderr.contains("unknown rule id `totally.bogus`"),
        "{}",
        bogus.stderr
    );
    assert!(bogus.stderr.contains("ppob-contract rules"));
}

#[test]
fn severities_resolve_catalogue_then_config_then_flags() {
    // The seed cassette breaks four flow rules (errors by default, exit 1).
    let seed = "fixtures/mobile-postpaid/cassettes/seed";
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ppob-contract.toml");
    std::fs::write(
        &config,
        "[severity]\n\"flow.amount-matches-inquiry\" = \"off\"\n\"flow.payment-matches-inquiry\" = \"off\"\n\"flow.ref-number-echo\" = \"warning\"\n\"flow.transaction-id-stable\" = \"off\"\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let by_config = run(&["check", "--replay", seed, "--config", config]);
    assert_eq!(
        by_config.code, 0,
        "{}{}",
        by_config.stdout, by_config.stderr
    );
    let flag_wins = run(&[
        "check",
        "--replay",
        seed,
        "--config",
        config,
        "--severity",
        "flow.ref-number-echo=error",
    ]);
    assert_eq!(
        flag_wins.code, 1,
        "{}{}",
        flag_wins.stdout, flag_wins.stderr
    );
    assert!(
        flag_wins.stdout.contains("flow.ref-number-echo"),
        "{}",
        flag_wins.stdout
    );
    assert!(
        !flag_wins.stdout.contains("flow.transaction-id-stable"),
        "{}",
        flag_wins.stdout
    );

    std::fs::write(
        dir.path().join("bad.toml"),
        "[severity]\n\"flow.ref-number-echo\" = \"loud\"\n",
    )
    .unwrap();
    let bad = run(&[
        "check",
        "--replay",
        seed,
        "--config",
        dir.path().join("bad.toml").to_str().unwrap(),
    ]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(
        bad.stderr.contains("[severity]") && bad.stderr.contains("loud"),
        "{}",
        bad.stderr
    );
}

#[test]
fn a_closed_stdout_ends_quietly_with_0() {
    // The reader went away before anything was written: every write fails.
    for command in [
        vec!["rules"],
        vec!["rules", "--format", "json"],
        vec!["validate", "fixtures/mobile-postpaid"],
        vec!["check"],
        vec!["check", "--format", "json"],
    ] {
        let result = closed_stdout_run(&command);
        assert_eq!(result.code, 0, "{command:?}: {}", result.stderr);
        assert!(
            !result.stderr.contains("panicked") && !result.stderr.contains("Broken pipe"),
            "{command:?}: {}",
            result.stderr
        );
    }
}

#[test]
fn rules_piped_into_head_ends_with_0() {
    let (first, result) = first_line_run(&["rules"]);
    assert_eq!(first.trim_end(), Scope::ALL[0].title());
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert!(!result.stderr.contains("panicked"), "{}", result.stderr);
}
