//! `report merge`: the JSON reports of `--partition 1/3`, `2/3` and `3/3`
//! of `check`, `validate` and `fuzz` are disjoint, add up to the
//! unpartitioned run, and merge into its summary, coverage and exit code;
//! what is not such a report is refused (exit 2, the file named).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{Run, run};

const SHARDS: [&str; 3] = ["1/3", "2/3", "3/3"];

fn parse(run: &Run, what: &str) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {}\n{}", run.stdout, run.stderr))
}

/// Asserts `report` (a shard's or a merge's) is valid against
/// `schemas/report.schema.json`.
fn assert_schema_valid(report: &Value, what: &str) {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(crate::support::root().join("schemas/report.schema.json"))
            .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

fn no_panic(run: &Run) {
    assert_ne!(run.code, 101, "panicked: {}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

/// A run split into shards: the unpartitioned report, and each shard's
/// report written to a file with its exit code.
struct Sharded {
    whole: Value,
    whole_code: i32,
    shards: Vec<(PathBuf, Value, i32)>,
    _dir: tempfile::TempDir,
}

impl Sharded {
    /// Runs `args --format json` unpartitioned and as each of [`SHARDS`].
    fn run(args: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut base = args.to_vec();
        base.extend(["--format", "json"]);
        let whole = run(&base);
        no_panic(&whole);
        let mut shards = Vec::new();
        for (i, shard) in SHARDS.iter().enumerate() {
            let mut shard_args = base.clone();
            shard_args.extend(["--partition", shard]);
            let result = run(&shard_args);
            no_panic(&result);
            let report = parse(&result, shard);
            assert_schema_valid(&report, shard);
            assert_eq!(report["partition"], *shard);
            let path = dir.path().join(format!("shard-{}.json", i + 1));
            std::fs::write(&path, &result.stdout).unwrap();
            shards.push((path, report, result.code));
        }
        Self {
            whole: parse(&whole, "the whole run"),
            whole_code: whole.code,
            shards,
            _dir: dir,
        }
    }

    fn paths(&self) -> Vec<String> {
        self.shards
            .iter()
            .map(|(p, _, _)| p.display().to_string())
            .collect()
    }

    /// `report merge EXTRA… SHARDS…`.
    fn merge(&self, extra: &[&str]) -> Run {
        let paths = self.paths();
        let mut args = vec!["report", "merge"];
        args.extend_from_slice(extra);
        args.extend(paths.iter().map(String::as_str));
        let result = run(&args);
        no_panic(&result);
        result
    }

    /// The merged report (`--format json`) and the exit code.
    fn merged(&self, extra: &[&str]) -> (Value, i32) {
        let mut args = vec!["--format", "json"];
        args.extend_from_slice(extra);
        let result = self.merge(&args);
        let merged = parse(&result, "the merged report");
        assert_schema_valid(&merged, "the merged report");
        (merged, result.code)
    }

    /// Asserts the shards' `field` values of `list` are disjoint and, together,
    /// those of the whole run.
    fn assert_disjoint_cover(&self, list: &str, field: &str) {
        let values = |report: &Value| -> Vec<String> {
            report[list]
                .as_array()
                .unwrap_or_else(|| panic!("no {list} in {report}"))
                .iter()
                .map(|e| e[field].as_str().unwrap().to_owned())
                .collect()
        };
        let whole = values(&self.whole);
        let mut union = BTreeSet::new();
        let mut total = 0;
        for (path, report, _) in &self.shards {
            let part = values(report);
            assert!(!part.is_empty(), "{} has no {list}", path.display());
            total += part.len();
            union.extend(part);
        }
        assert_eq!(
            total,
            whole.len(),
            "{list}: the shards overlap or miss some"
        );
        assert_eq!(union, whole.into_iter().collect::<BTreeSet<_>>());
    }

    /// Asserts every shard alone, as a whole run (its `partition` taken
    /// out), merges to its own exit code: the merge's verdict is the command's.
    fn assert_each_shard_keeps_its_exit_code(&self) {
        for ((path, report, code), partition) in self.shards.iter().zip(SHARDS) {
            let mut alone = report.clone();
            let taken = alone.as_object_mut().unwrap().remove("partition");
            assert_eq!(taken, Some(Value::from(partition)), "{}", path.display());
            let alone_path = path.with_extension("alone.json");
            std::fs::write(&alone_path, alone.to_string()).unwrap();
            let result = run(&[
                "report",
                "merge",
                "--quiet",
                &alone_path.display().to_string(),
            ]);
            no_panic(&result);
            assert_eq!(result.code, *code, "{}: {}", path.display(), result.stderr);
        }
    }

    fn shard_total(&self, pointer: &str) -> u64 {
        self.shards
            .iter()
            .map(|(_, r, _)| r.pointer(pointer).and_then(Value::as_u64).unwrap())
            .sum()
    }
}

/// The counts of a coverage member that must survive a merge unchanged.
fn coverage_counts(report: &Value) -> Value {
    let c = &report["coverage"];
    let operations: Vec<Value> = c["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|op| {
            serde_json::json!([
                op["operation"],
                op["requests"],
                op["withoutCode"],
                op["codes"],
                op["classes"]
            ])
        })
        .collect();
    serde_json::json!({
        "operations": operations,
        "documentedNotSeen": c["documentedNotSeen"],
        "undocumentedSeen": c["undocumentedSeen"],
        "required": c["required"],
        "missingRequired": c["missingRequired"],
        "scenarios": c["scenarios"],
    })
}

#[test]
fn check_shards_merge_into_the_whole_runs_summary_coverage_and_exit_code() {
    // 302 and 105 are each answered in one shard only: every shard misses a
    // required code (exit 1), the whole run and the merge miss none.
    let run = Sharded::run(&["check", "--require-codes", "302,105"]);
    run.assert_disjoint_cover("cases", "name");
    run.assert_disjoint_cover("documents", "source");
    assert_eq!(
        run.shard_total("/summary/documents"),
        run.whole["summary"]["documents"].as_u64().unwrap()
    );
    assert!(run.shards.iter().all(|(_, _, code)| *code == 1));
    assert_eq!(run.whole_code, 0);

    let (merged, code) = run.merged(&[]);
    assert_eq!(merged["summary"], run.whole["summary"]);
    assert_eq!(coverage_counts(&merged), coverage_counts(&run.whole));
    assert_eq!(merged["coverage"]["missingRequired"], Value::Null);
    assert_eq!(merged["command"], "check");
    assert_eq!(
        merged["cases"].as_array().unwrap().len(),
        run.whole["cases"].as_array().unwrap().len()
    );
    assert_eq!(code, run.whole_code);
    run.assert_each_shard_keeps_its_exit_code();

    // The check warns (unusable answers): --deny-warnings fails both alike.
    let strict = crate::support::run(&[
        "check",
        "--require-codes",
        "302,105",
        "--deny-warnings",
        "--quiet",
    ]);
    assert_eq!(strict.code, 1);
    assert_eq!(run.merge(&["--quiet", "--deny-warnings"]).code, strict.code);
}

#[test]
fn a_merge_writes_the_same_junit_and_sarif_as_the_whole_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str| dir.path().join(name).display().to_string();
    let whole = run(&[
        "check",
        "--quiet",
        "--report",
        &format!("junit={}", file("whole.xml")),
        "--report",
        &format!("sarif={}", file("whole.sarif")),
    ]);
    assert_eq!(whole.code, 0, "{}", whole.stderr);
    let sharded = Sharded::run(&["check"]);
    let merged = sharded.merge(&[
        "--report",
        &format!("junit={}", file("merged.xml")),
        "--report",
        &format!("sarif={}", file("merged.sarif")),
    ]);
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    // Human on stdout: every case, the coverage and the verdict.
    let suite = ppob_contract::check::simulator_suite().len();
    assert!(
        merged
            .stdout
            .contains(&format!("{suite} of {suite} cases ended as expected")),
        "{}",
        merged.stdout
    );
    assert!(merged.stdout.contains("coverage"), "{}", merged.stdout);

    let junit = |name: &str| {
        let xml = std::fs::read_to_string(dir.path().join(name)).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let mut cases: Vec<(String, bool)> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .map(|n| {
                let failed = n
                    .children()
                    .any(|c| c.has_tag_name("failure") || c.has_tag_name("error"));
                (n.attribute("name").unwrap().to_owned(), failed)
            })
            .collect();
        cases.sort();
        cases
    };
    assert_eq!(junit("merged.xml"), junit("whole.xml"));
    assert_eq!(
        junit("merged.xml").len(),
        ppob_contract::check::simulator_suite().len()
    );

    let sarif = |name: &str| -> BTreeSet<String> {
        let log: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join(name)).unwrap()).unwrap();
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| format!("{} {}", r["ruleId"], r["message"]["text"]))
            .collect()
    };
    assert!(!sarif("whole.sarif").is_empty());
    assert_eq!(sarif("merged.sarif"), sarif("whole.sarif"));
}

#[test]
fn validate_shards_merge_into_the_whole_runs_summary() {
    let run = Sharded::run(&["validate", "fixtures"]);
    run.assert_disjoint_cover("documents", "source");
    assert_eq!(
        run.shard_total("/summary/documents"),
        run.whole["summary"]["documents"].as_u64().unwrap()
    );
    let (merged, code) = run.merged(&[]);
    assert_eq!(merged["summary"], run.whole["summary"]);
    assert_eq!(merged["command"], "validate");
    // Documents in the order of the shards given.
    let sources = |r: &Value| -> Vec<String> {
        r["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["source"].as_str().unwrap().to_owned())
            .collect()
    };
    let in_order: Vec<String> = run.shards.iter().flat_map(|(_, r, _)| sources(r)).collect();
    assert_eq!(sources(&merged), in_order);
    assert_eq!(code, run.whole_code);
    assert_eq!(code, 1, "fixtures/ holds the invalid fixtures");
    run.assert_each_shard_keeps_its_exit_code();
}

#[test]
fn fuzz_shards_merge_into_the_whole_runs_summary_counts_and_coverage() {
    let run = Sharded::run(&["fuzz", "--seed", "7", "--cases", "300", "--no-regressions"]);
    let whole = &run.whole;
    assert_eq!(whole["fuzz"]["cases"], 300);
    for field in ["cases", "requests"] {
        assert_eq!(
            run.shard_total(&format!("/fuzz/{field}")),
            whole["fuzz"][field].as_u64().unwrap(),
            "{field}"
        );
    }
    let shard_cases: Vec<u64> = run
        .shards
        .iter()
        .map(|(_, r, _)| r["fuzz"]["cases"].as_u64().unwrap())
        .collect();
    assert_eq!(shard_cases, [100, 100, 100]);

    let (merged, code) = run.merged(&[]);
    assert_eq!(merged["summary"], whole["summary"]);
    assert_eq!(merged["command"], "fuzz");
    for field in [
        "seed",
        "cases",
        "requests",
        "scenarios",
        "variants",
        "failures",
    ] {
        assert_eq!(merged["fuzz"][field], whole["fuzz"][field], "{field}");
    }
    // Per scenario, variant and code the counts are the whole run's: the
    // shards ran each case once.
    assert_eq!(coverage_counts(&merged), coverage_counts(whole));
    assert_eq!(code, run.whole_code);
    run.assert_each_shard_keeps_its_exit_code();

    let human = run.merge(&[]);
    assert!(
        human
            .stdout
            .contains("contract holds: no oracle failed in 300 cases; seed 7"),
        "{}",
        human.stdout
    );
}

#[test]
fn fuzz_failures_of_every_shard_are_kept_and_shown_with_their_reproduction() {
    let run = Sharded::run(&[
        "fuzz",
        "--bug",
        "accept-negative-amount",
        "--seed",
        "7",
        "--cases",
        "300",
        "--no-regressions",
    ]);
    assert_eq!(run.whole_code, 1);
    let oracles = |r: &Value| -> BTreeSet<String> {
        r["fuzz"]["failures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["oracle"].as_str().unwrap().to_owned())
            .collect()
    };
    let (merged, code) = run.merged(&[]);
    assert_eq!(code, 1);
    assert_eq!(oracles(&merged), oracles(&run.whole));
    assert!(oracles(&merged).contains("fuzz.negative-refused"));
    // Each shard shrank its own case: every failure of every shard is kept.
    assert_eq!(
        merged["fuzz"]["failures"].as_array().unwrap().len() as u64,
        run.shards
            .iter()
            .map(|(_, r, _)| r["fuzz"]["failures"].as_array().unwrap().len() as u64)
            .sum::<u64>()
    );
    assert_eq!(
        merged["summary"]["documents"].as_u64().unwrap(),
        run.shard_total("/summary/documents")
    );
    let human = run.merge(&[]);
    assert_eq!(human.code, 1);
    let shown = human.stdout.matches("✗ fuzz.negative-refused").count();
    assert!(shown >= 1, "{}", human.stdout);
    assert_eq!(
        human.stdout.matches("reproduce: ").count(),
        shown,
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("error[fuzz.negative-refused] case "),
        "{}",
        human.stdout
    );
    assert!(!human.stdout.contains("request #0"), "{}", human.stdout);
}

/// Runs `report merge` on `files` and asserts it refuses with exit 2,
/// naming `named` and saying `says`.
fn assert_refused(files: &[&Path], named: &Path, says: &str) {
    let paths: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let mut args = vec!["report", "merge"];
    args.extend(paths.iter().map(String::as_str));
    let result = run(&args);
    no_panic(&result);
    assert_eq!(result.code, 2, "{args:?}: {}", result.stderr);
    assert!(result.stdout.is_empty(), "{}", result.stdout);
    let line = format!("{}: ", named.display());
    assert!(
        result.stderr.contains(&line) && result.stderr.contains(says),
        "{args:?}: expected {line:?} and {says:?} in: {}",
        result.stderr
    );
}

#[test]
fn what_is_not_a_report_of_one_command_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let check = write(
        "check.json",
        run(&["check", "--format", "json"]).stdout.as_bytes(),
    );
    let validate = write(
        "validate.json",
        run(&[
            "validate",
            "--format",
            "json",
            "fixtures/mobile-postpaid/inquiry.response.json",
        ])
        .stdout
        .as_bytes(),
    );
    let text = write("notes.txt", b"shard 1 passed\n");
    let truncated = write(
        "truncated.json",
        b"{\"tool\":\"ppob-contract\",\"documents\":[",
    );
    let fixture = crate::support::fixtures().join("inquiry.response.json");
    let diff = write(
        "diff.json",
        run(&["schemas", "diff", "--format", "json", "schemas", "schemas"])
            .stdout
            .as_bytes(),
    );

    assert_refused(
        &[&check, &text],
        &text,
        "not JSON (expected value at line 1 column 1)",
    );
    assert_refused(&[&truncated], &truncated, "not JSON (EOF while parsing");
    assert_refused(
        &[&fixture],
        &fixture,
        "JSON, but not a ppob-contract report (unknown field `responseCode`",
    );
    assert_refused(
        &[&diff],
        &diff,
        "not a ppob-contract report (unknown field `changes`",
    );
    assert_refused(&[&check, &validate], &validate, "a validate report, but");
    assert_refused(&[&check, &check], &check, "given twice");
    assert_refused(&[dir.path()], dir.path(), "cannot read it");
    let missing = dir.path().join("missing.json");
    assert_refused(&[&check, &missing], &missing, "cannot read it");
    // Every refusal says what was expected.
    let result = run(&["report", "merge", &text.display().to_string()]);
    assert!(result.stderr.contains("--format json"), "{}", result.stderr);
}

#[test]
fn a_missing_shard_makes_the_merge_incomplete_and_exit_2() {
    let run = Sharded::run(&["validate", "fixtures/mobile-postpaid"]);
    let (first, third) = (&run.shards[0].0, &run.shards[2].0);
    let result = crate::support::run(&[
        "report",
        "merge",
        "--format",
        "json",
        &first.display().to_string(),
        &third.display().to_string(),
    ]);
    no_panic(&result);
    assert_eq!(result.code, 2, "{}", result.stderr);
    assert!(
        result
            .stderr
            .contains("no report of shard 2/3; the merged report is incomplete"),
        "{}",
        result.stderr
    );
    let merged = parse(&result, "shards 1 and 3");
    assert_eq!(merged["incomplete"], true);
    assert_eq!(
        merged["summary"]["documents"].as_u64().unwrap(),
        run.shards[0].1["summary"]["documents"].as_u64().unwrap()
            + run.shards[2].1["summary"]["documents"].as_u64().unwrap()
    );
    // The same shard under two names, and shards of two splits, are refused.
    let copy = first.with_extension("copy.json");
    std::fs::copy(first, &copy).unwrap();
    assert_refused(&[first, &copy], &copy, "shard 1/3 again");
    let halves = crate::support::run(&[
        "validate",
        "--format",
        "json",
        "--partition",
        "2/2",
        "fixtures",
    ]);
    let half = first.with_extension("half.json");
    std::fs::write(&half, halves.stdout).unwrap();
    assert_refused(&[first, &half], &half, "shard 2/2, but");
}

#[test]
fn an_incomplete_shard_makes_the_merge_incomplete_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let shard = run(&["check", "--format", "json", "--partition", "1/2"]);
    let mut stopped: Value = parse(&shard, "shard 1/2");
    stopped["incomplete"] = Value::Bool(true);
    let stopped_path = dir.path().join("stopped.json");
    std::fs::write(&stopped_path, stopped.to_string()).unwrap();
    // A report of a version before `command` was written: told by its content.
    let mut old: Value = parse(
        &run(&["check", "--format", "json", "--partition", "2/2"]),
        "shard 2/2",
    );
    old.as_object_mut().unwrap().remove("command");
    let old_path = dir.path().join("old.json");
    std::fs::write(&old_path, old.to_string()).unwrap();

    let both = [
        "report",
        "merge",
        "--format",
        "json",
        &stopped_path.display().to_string(),
        &old_path.display().to_string(),
    ];
    let result = run(&both);
    no_panic(&result);
    assert_eq!(result.code, 2, "{}", result.stderr);
    assert!(
        result.stderr.contains(&format!(
            "{}: the run stopped before its end",
            stopped_path.display()
        )),
        "{}",
        result.stderr
    );
    let merged = parse(&result, "merged");
    assert_eq!(merged["incomplete"], true);
    assert_eq!(merged.get("partition"), None);
    assert_eq!(merged["command"], "check");
    assert_eq!(
        merged["cases"].as_array().unwrap().len(),
        ppob_contract::check::simulator_suite().len()
    );
}
