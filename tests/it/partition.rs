//! `--partition K/N` of `check`, `validate` and `fuzz`: shards 1/3, 2/3 and
//! 3/3 are disjoint and together are the unpartitioned run.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::{Run, run};

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("JSON report ({e}): {}\n{}", run.stdout, run.stderr))
}

/// The values at `field` of every entry of `list` in a JSON report of `args`.
fn names(args: &[&str], list: &str, field: &str) -> Vec<String> {
    let result = run(args);
    assert!(
        result.code <= 1,
        "{args:?}: {}\n{}",
        result.code,
        result.stderr
    );
    json(&result)[list]
        .as_array()
        .unwrap_or_else(|| panic!("no {list} in {}", result.stdout))
        .iter()
        .map(|entry| entry[field].as_str().unwrap().to_owned())
        .collect()
}

/// Runs `base` unpartitioned and as 1/3, 2/3, 3/3; asserts the shards are
/// disjoint, each non-empty, and add up to the whole run.
fn assert_shards_cover(base: &[&str], list: &str, field: &str) {
    let whole = names(base, list, field);
    let mut union = BTreeSet::new();
    let mut total = 0;
    for shard in ["1/3", "2/3", "3/3"] {
        let mut args = base.to_vec();
        args.extend(["--partition", shard]);
        let part = names(&args, list, field);
        assert!(!part.is_empty(), "{shard} of {base:?} is empty");
        total += part.len();
        union.extend(part);
    }
    assert_eq!(total, whole.len(), "{base:?}: shards overlap or miss");
    assert_eq!(union, whole.into_iter().collect(), "{base:?}");
}

#[test]
fn check_shards_its_cases() {
    assert_shards_cover(&["check", "--format", "json"], "cases", "name");
}

#[test]
fn validate_shards_its_inputs() {
    assert_shards_cover(
        &["validate", "--format", "json", "fixtures/mobile-postpaid"],
        "documents",
        "source",
    );
}

#[test]
fn fuzz_shards_the_case_indices_of_a_seed() {
    let count = |partition: Option<&str>| {
        let mut args = vec![
            "fuzz",
            "--seed",
            "7",
            "--cases",
            "301",
            "--no-regressions",
            "--format",
            "json",
        ];
        args.extend(partition.iter().flat_map(|p| ["--partition", *p]));
        let report = json(&run(&args));
        (
            report["fuzz"]["cases"].as_u64().unwrap(),
            report["fuzz"]["requests"].as_u64().unwrap(),
        )
    };
    let whole = count(None);
    let shards: Vec<_> = ["1/3", "2/3", "3/3"].map(|p| count(Some(p))).into();
    assert_eq!(
        shards.iter().map(|s| s.0).collect::<Vec<_>>(),
        [101, 100, 100]
    );
    assert_eq!(shards.iter().map(|s| s.0).sum::<u64>(), whole.0);
    assert_eq!(shards.iter().map(|s| s.1).sum::<u64>(), whole.1);
}

#[test]
fn a_bad_partition_is_a_usage_error_that_says_what_is_expected() {
    for bad in ["0/3", "4/3", "3", "1/0"] {
        let result = run(&["check", "--partition", bad]);
        assert_eq!(result.code, 2, "{bad}");
        assert!(result.stderr.contains("expected K/N"), "{}", result.stderr);
    }
}
