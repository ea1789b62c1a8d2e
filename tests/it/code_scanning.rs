//! SARIF as GitHub code scanning ingests it, for `validate` (files, NDJSON, a HAR, a file
//! outside the repository), `check` (with and without `--record`), `fuzz`, a shard and a
//! `report merge`: each log passes the official SARIF 2.1.0 schema, GitHub's ingestion rules
//! written out here (every result located in a file of the repository with a region, rules
//! with help, fingerprints, an automation id, the limits) and, where installed (always in CI),
//! the SARIF multitool's GitHub and SARIF rule sets with no finding at all.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::reports::valid_sarif;
use crate::support::{relative, root, run};

/// A directory under `target/it-code-scanning/`, emptied first.
fn scratch(name: &str) -> PathBuf {
    crate::support::scratch("code-scanning", name)
}

/// A URI GitHub takes as a path relative to the checkout.
fn assert_repository_relative(uri: &str, what: &str) {
    assert!(
        !uri.contains("://") && !uri.starts_with('/') && !uri.split('/').any(|s| s == ".."),
        "{what}: {uri} is not repository-relative"
    );
}

/// Checks `log` as GitHub would ingest it and returns it parsed.
fn github_ready(text: &str, file: &Path, expected_id: &str) -> Value {
    let log = valid_sarif(text);
    std::fs::write(file, text).unwrap();
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "one run per log");
    let run_ = &runs[0];
    assert_eq!(run_["automationDetails"]["id"], expected_id);
    let rules = run_["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: BTreeSet<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        assert!(!rule["help"]["text"].as_str().unwrap().is_empty(), "{id}");
        assert!(
            rule["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains(&format!("ppob-contract rules {id}")),
            "{id}"
        );
        assert!(
            rule["helpUri"].as_str().unwrap().starts_with("https://"),
            "{id}"
        );
        assert!(rule["shortDescription"]["text"].is_string(), "{id}");
        assert!(rule["fullDescription"]["text"].is_string(), "{id}");
    }
    let results = run_["results"].as_array().unwrap();
    assert!(results.len() <= 5000, "GitHub keeps 5 000 results a run");
    assert!(text.len() < 10 << 20, "GitHub takes 10 MB a file");
    for result in results {
        let rule = result["ruleId"].as_str().unwrap();
        assert!(ids.contains(rule), "{rule} is a listed rule");
        assert!(!result["message"]["text"].as_str().unwrap().is_empty());
        assert!(
            !result["partialFingerprints"]
                .as_object()
                .unwrap()
                .is_empty(),
            "{result}"
        );
        let locations = result["locations"].as_array().unwrap();
        assert!(!locations.is_empty(), "{result}");
        let physical = &locations[0]["physicalLocation"];
        let uri = physical["artifactLocation"]["uri"].as_str().unwrap();
        assert_repository_relative(uri, "location");
        let in_repo = root().join(uri);
        assert!(in_repo.is_file(), "{uri} is a file of the repository");
        let lines = std::fs::read_to_string(&in_repo)
            .map(|t| t.lines().count() as u64)
            .unwrap_or(u64::MAX);
        let line = physical["region"]["startLine"].as_u64().unwrap();
        assert!(
            (1..=lines.max(1)).contains(&line),
            "{uri}:{line} is a line of the file"
        );
        for related in result["relatedLocations"].as_array().into_iter().flatten() {
            let uri = related["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap();
            assert_repository_relative(uri, "related location");
            assert!(related["physicalLocation"]["region"]["startLine"].as_u64() >= Some(1));
        }
    }
    if let Some(findings) = crate::report_tools::multitool(file) {
        assert!(
            findings.is_empty(),
            "the multitool's GitHub and SARIF rules on {}: {findings:#?}",
            file.display()
        );
    }
    log
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().unwrap()
}

fn fingerprints(log: &Value) -> BTreeSet<String> {
    results(log)
        .iter()
        .map(|r| r["partialFingerprints"].to_string())
        .collect()
}

fn uris(log: &Value) -> BTreeSet<String> {
    results(log)
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[test]
fn validate_places_findings_in_the_files_read() {
    let dir = scratch("validate");
    let ndjson = dir.join("answers.inquiry.response.ndjson");
    std::fs::write(
        &ndjson,
        "{\"responseCode\": 300, \"success\": true, \"message\": {\"ID\": \"a\", \"EN\": \"b\"}, \"data\": {}}\n\
         {\"responseCode\": \"0\"}\n",
    )
    .unwrap();
    // The seed cassette with its payment and status answers' responseCode made strings.
    let har = dir.join("broken.har");
    let seed =
        std::fs::read_to_string(root().join("fixtures/mobile-postpaid/cassettes/seed/seed.har"))
            .unwrap();
    let broken = seed
        .replace(r#"\"responseCode\": 299,"#, r#"\"responseCode\": \"299\","#)
        .replace(r#"\"responseCode\": 0,"#, r#"\"responseCode\": \"0\","#);
    assert_ne!(broken, seed);
    std::fs::write(&har, broken).unwrap();
    let outside = tempfile::tempdir().unwrap();
    let far = outside.path().join("inquiry.response.json");
    std::fs::write(&far, "{\"responseCode\": \"300\"}").unwrap();
    let out = run(&[
        "validate",
        "--format",
        "sarif",
        "fixtures/mobile-postpaid/invalid",
        &relative(&har),
        &relative(&ndjson),
        far.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let log = github_ready(
        &out.stdout,
        &dir.join("validate.sarif"),
        "ppob-contract/validate/",
    );
    let uris = uris(&log);
    assert!(
        uris.iter()
            .any(|u| u.starts_with("fixtures/mobile-postpaid/invalid/")),
        "{uris:?}"
    );
    assert!(
        uris.contains(&relative(&ndjson)),
        "NDJSON on its file: {uris:?}"
    );
    // The seed cassette's findings are on their entries' lines, not all on line 1.
    let har_lines: BTreeSet<u64> = results(&log)
        .iter()
        .filter(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .ends_with(".har")
        })
        .map(|r| {
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert!(
        har_lines.len() > 1 && !har_lines.contains(&1),
        "{har_lines:?}"
    );
    // A file outside the repository: its findings go to the schema that defines them.
    let far_results: Vec<&Value> = results(&log)
        .iter()
        .filter(|r| r["properties"]["source"].as_str() == far.to_str())
        .collect();
    assert!(!far_results.is_empty());
    for r in far_results {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(uri.starts_with("schemas/"), "{uri}");
    }
}

/// The drift account: its case breaks the contract.
const DRIFT: &[&str] = &["check", "--case", "0811111126", "--format", "sarif"];

#[test]
fn check_places_findings_on_the_schema_and_keeps_fingerprints_across_runs() {
    let dir = scratch("check");
    let first = run(DRIFT);
    assert_eq!(first.code, 1, "{}", first.stderr);
    let first = github_ready(
        &first.stdout,
        &dir.join("first.sarif"),
        "ppob-contract/check/",
    );
    assert!(
        uris(&first).iter().all(|u| u.starts_with("schemas/")),
        "{:?}",
        uris(&first)
    );
    let second = run(DRIFT);
    let second = github_ready(
        &second.stdout,
        &dir.join("second.sarif"),
        "ppob-contract/check/",
    );
    assert_ne!(
        first["runs"][0]["results"], second["runs"][0]["results"],
        "the runs differ (their refNumbers are random)…"
    );
    assert_eq!(
        fingerprints(&first),
        fingerprints(&second),
        "…their fingerprints do not"
    );
    assert_eq!(
        fingerprints(&first).len(),
        results(&first).len(),
        "one per finding"
    );

    let cassettes = dir.join("cassettes");
    let mut args = DRIFT.to_vec();
    let record = relative(&cassettes);
    args.extend(["--record", &record]);
    let recorded = run(&args);
    assert_eq!(recorded.code, 1, "{}", recorded.stderr);
    let recorded = github_ready(
        &recorded.stdout,
        &dir.join("recorded.sarif"),
        "ppob-contract/check/",
    );
    for r in results(&recorded) {
        let related = &r["relatedLocations"][0]["physicalLocation"];
        assert_eq!(
            related["artifactLocation"]["uri"],
            format!("{record}/0811111126.har"),
            "{r}"
        );
        assert!(related["region"]["startLine"].as_u64().unwrap() > 1, "{r}");
    }
    assert_eq!(fingerprints(&recorded), fingerprints(&first));
}

#[test]
fn a_shard_and_a_merge_are_ready_for_code_scanning() {
    let dir = scratch("merge");
    let cases = [
        "check",
        "--case",
        "0811111126",
        "--case",
        "0811111111",
        "--case",
        "0811111113=failed:302",
    ];
    let mut shards = Vec::new();
    for k in 1..=2 {
        let partition = format!("{k}/2");
        let json = dir.join(format!("shard-{k}.json"));
        let sarif = dir.join(format!("shard-{k}.sarif"));
        let mut args = cases.to_vec();
        let json_spec = format!("json={}", json.display());
        let sarif_spec = format!("sarif={}", sarif.display());
        args.extend([
            "--partition",
            &partition,
            "--report",
            &json_spec,
            "--report",
            &sarif_spec,
            "-q",
        ]);
        let out = run(&args);
        assert!(out.code <= 1, "{}", out.stderr);
        github_ready(
            &std::fs::read_to_string(&sarif).unwrap(),
            &sarif,
            &format!("ppob-contract/check/{k}-of-2/"),
        );
        shards.push(json.display().to_string());
    }
    let merged = dir.join("merged.sarif");
    let spec = format!("sarif={}", merged.display());
    let out = run(&[
        "report", "merge", &shards[0], &shards[1], "--report", &spec, "-q",
    ]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let log = github_ready(
        &std::fs::read_to_string(&merged).unwrap(),
        &merged,
        "ppob-contract/check/",
    );
    assert!(!results(&log).is_empty());
}

#[test]
fn fuzz_failures_are_ready_for_code_scanning() {
    let dir = scratch("fuzz");
    let regressions = dir.join("regressions");
    let out = run(&[
        "fuzz",
        "--bug",
        "accept-negative-amount",
        "--seed",
        "7",
        "--cases",
        "100",
        "--regressions",
        &relative(&regressions),
        "--jobs",
        "2",
        "--format",
        "sarif",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let log = github_ready(&out.stdout, &dir.join("fuzz.sarif"), "ppob-contract/fuzz/");
    let failing = results(&log)
        .iter()
        .find(|r| r["ruleId"] == "fuzz.negative-refused")
        .expect("the oracle fired");
    let related = failing["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        related.starts_with(&relative(&regressions)),
        "the regression file is related: {related}"
    );
}

#[test]
fn the_multitool_refuses_what_github_refuses() {
    // A log as this tool wrote it before: a rule without help, a result
    // located only logically. The checker must see both.
    let dir = scratch("refused");
    let file = dir.join("old.sarif");
    std::fs::write(
        &file,
        serde_json::json!({
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {"name": "ppob-contract", "rules": [{
                    "id": "schema",
                    "shortDescription": {"text": "s"},
                    "fullDescription": {"text": "f"}
                }]}},
                "results": [{
                    "ruleId": "schema",
                    "message": {"text": "m"}
                }]
            }]
        })
        .to_string(),
    )
    .unwrap();
    if let Some(findings) = crate::report_tools::multitool(&file) {
        assert!(
            findings.iter().any(|f| f.starts_with("error GH2012")),
            "{findings:#?}"
        );
        assert!(
            findings.iter().any(|f| f.starts_with("error GH1015")),
            "{findings:#?}"
        );
    }
}
