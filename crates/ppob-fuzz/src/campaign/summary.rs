//! How a campaign's report ends and what it exits with: the [`RunEnd`] of
//! a `--replay` run and of a run of generated cases (counts, speed, the
//! run-level and oracle warnings, coverage and required codes), and the
//! [`ExitStatus`] each verdict maps to.

use std::collections::BTreeMap;
use std::time::Duration;

use super::failures::Reported;
use super::replayed::Replayed;
use super::{Campaign, coverage_of};
use crate::Outcome;
use ppob_core::contract::Summary;
use ppob_core::exit::ExitStatus;
use ppob_report::wire::millis;
use ppob_report::{FuzzSummary, RunEnd};

/// Cases a second over `elapsed`, to one decimal; 0 when no time passed.
pub(super) fn cases_per_second(cases: u64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 {
        (cases as f64 / secs * 10.0).round() / 10.0
    } else {
        0.0
    }
}

/// The end of `--replay` against `target`: one regression replayed, failing
/// when `reported` holds its failure.
pub(super) fn of_replay(target: String, reported: Reported) -> RunEnd {
    let mut end = RunEnd::new(reported.summary);
    end.fuzz = Some(FuzzSummary {
        target,
        regressions_replayed: 1,
        regressions_failing: reported.failures.len() as u64,
        failures: reported.failures,
        ..FuzzSummary::default()
    });
    end
}

/// The end of `plan`'s run against `target`: the totals of the `reported`
/// failures plus one warning per run-level warning and per warning-severity
/// oracle finding, one error per required code never answered; the counts
/// of `outcome`, the regressions `replayed` and the coverage.
pub(super) fn of_run(
    plan: &Campaign,
    target: String,
    outcome: &Outcome,
    replayed: &Replayed,
    reported: Reported,
) -> RunEnd {
    let stats = &outcome.stats;
    let warnings: Vec<String> = outcome.warnings.iter().map(|w| w.message.clone()).collect();
    let mut summary = reported.summary;
    summary.warnings += warnings.len() as u64 + stats.warnings.values().sum::<u64>();
    let coverage = coverage_of(stats, &plan.require_codes);
    summary.errors += coverage.missing_required.len() as u64;
    let mut end = RunEnd::new(summary);
    end.fuzz = Some(FuzzSummary {
        seed: plan.options.seed,
        target,
        cases: stats.cases,
        requests: stats.requests,
        shrink_requests: stats.shrink_requests,
        elapsed_ms: millis(outcome.elapsed),
        cases_per_second: cases_per_second(stats.cases, outcome.elapsed),
        inconclusive: stats.inconclusive,
        timed_out: outcome.timed_out,
        regressions_replayed: replayed.count(),
        regressions_failing: replayed.failing(),
        failures: reported.failures,
        warnings,
        scenarios: owned_keys(&stats.scenarios),
        variants: owned_keys(&stats.variants),
    });
    end.oracle_warnings = owned_keys(&stats.warnings);
    end.coverage = Some(coverage);
    end
}

/// `counts` keyed by owned names, for the report.
fn owned_keys(counts: &BTreeMap<&'static str, u64>) -> BTreeMap<String, u64> {
    counts.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

/// How a run of generated cases exits: as its `summary` says (warnings
/// count with `deny_warnings`), and at least violated when a failure was
/// `failed` (found or replayed).
pub(super) fn run_status(summary: &Summary, deny_warnings: bool, failed: bool) -> ExitStatus {
    let status = summary.exit_status(deny_warnings);
    if failed {
        status.max(ExitStatus::Violated)
    } else {
        status
    }
}

/// How `--replay` exits: violated when the regression `still_fails`, else
/// holds (its findings and warnings do not change that).
pub(super) fn replay_status(still_fails: bool) -> ExitStatus {
    if still_fails {
        ExitStatus::Violated
    } else {
        ExitStatus::Holds
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::RunWarning;
    use crate::tests::campaign;
    use crate::{Failure, Stats};
    use ppob_core::contract::Operation;
    use ppob_report::FuzzFailure;
    use ppob_sim::SimConfig;

    fn fuzz_failure(oracle: &str) -> FuzzFailure {
        FuzzFailure {
            oracle: oracle.into(),
            message: "m".into(),
            scenario: "payment".into(),
            variant: "negative-amount".into(),
            index: None,
            shrink_steps: 0,
            file: None,
            reproduce: None,
            curl: None,
        }
    }

    fn reported(errors: u64, warnings: u64, failures: &[&str]) -> Reported {
        Reported {
            summary: Summary {
                documents: 4,
                errors,
                warnings,
                ..Summary::default()
            },
            failures: failures.iter().map(|o| fuzz_failure(o)).collect(),
        }
    }

    #[test]
    fn speed_is_rounded_to_one_decimal_and_zero_without_time() {
        assert_eq!(cases_per_second(10, Duration::from_secs(4)), 2.5);
        assert_eq!(cases_per_second(1, Duration::from_secs(3)), 0.3);
        assert_eq!(cases_per_second(2, Duration::from_secs(3)), 0.7);
        assert_eq!(cases_per_second(1000, Duration::ZERO), 0.0);
    }

    #[test]
    fn a_replay_ends_with_one_regression_failing_or_not() {
        let end = of_replay("t".into(), reported(1, 0, &["fuzz.money"]));
        assert!(end.complete);
        assert_eq!(end.summary.errors, 1);
        assert!(end.coverage.is_none());
        let fuzz = end.fuzz.unwrap();
        assert_eq!(fuzz.target, "t");
        assert_eq!(
            (fuzz.regressions_replayed, fuzz.regressions_failing),
            (1, 1)
        );
        assert_eq!(fuzz.failures, vec![fuzz_failure("fuzz.money")]);
        assert_eq!((fuzz.seed, fuzz.cases), (0, 0));

        let end = of_replay("t".into(), Reported::default());
        let fuzz = end.fuzz.unwrap();
        assert_eq!(
            (fuzz.regressions_replayed, fuzz.regressions_failing),
            (1, 0)
        );
        assert!(fuzz.failures.is_empty());
        assert_eq!(end.summary, Summary::default());
    }

    #[test]
    fn a_run_ends_with_its_counts_warnings_and_required_codes() {
        let dir = tempfile::tempdir().unwrap();
        let mut plan = campaign(SimConfig::default(), dir.path());
        plan.options.seed = 31;
        plan.require_codes = vec![0, 300, 999];
        let mut stats = Stats {
            cases: 20,
            requests: 50,
            shrink_requests: 7,
            inconclusive: 2,
            ..Stats::default()
        };
        stats.scenarios.insert("payment", 12);
        stats.scenarios.insert("inquiry", 8);
        stats.variants.insert("valid", 20);
        stats.warnings.insert("fuzz.latency", 3);
        stats.answered.insert((Operation::Inquiry, Some(300)), 8);
        let outcome = Outcome {
            stats,
            failures: Vec::<Failure>::new(),
            warnings: vec![RunWarning {
                rule: crate::oracle::VACUOUS_PASS,
                message: "means little".into(),
            }],
            elapsed: Duration::from_secs(4),
            timed_out: true,
        };
        let replayed = Replayed {
            runs: vec![(dir.path().join("a.json"), None)],
        };
        let end = of_run(
            &plan,
            "t".into(),
            &outcome,
            &replayed,
            reported(1, 1, &["fuzz.money"]),
        );

        assert!(end.complete);
        // 1 reported + 1 run-level + 3 oracle warnings; 1 reported error + codes 0 and 999 never answered.
        assert_eq!(end.summary.warnings, 5);
        assert_eq!(end.summary.errors, 3);
        assert_eq!(end.summary.documents, 4);
        let coverage = end.coverage.as_ref().unwrap();
        assert_eq!(coverage.missing_required, vec![0, 999]);
        assert_eq!(
            end.oracle_warnings,
            BTreeMap::from([("fuzz.latency".to_owned(), 3)])
        );
        let fuzz = end.fuzz.unwrap();
        assert_eq!(fuzz.seed, 31);
        assert_eq!(fuzz.target, "t");
        assert_eq!(
            (
                fuzz.cases,
                fuzz.requests,
                fuzz.shrink_requests,
                fuzz.inconclusive
            ),
            (20, 50, 7, 2)
        );
        assert_eq!(fuzz.elapsed_ms, 4000.0);
        assert_eq!(fuzz.cases_per_second, 5.0);
        assert!(fuzz.timed_out);
        assert_eq!(
            (fuzz.regressions_replayed, fuzz.regressions_failing),
            (1, 0)
        );
        assert_eq!(fuzz.failures, vec![fuzz_failure("fuzz.money")]);
        assert_eq!(fuzz.warnings, vec!["means little".to_owned()]);
        assert_eq!(
            fuzz.scenarios,
            BTreeMap::from([("inquiry".to_owned(), 8), ("payment".to_owned(), 12)])
        );
        assert_eq!(fuzz.variants, BTreeMap::from([("valid".to_owned(), 20)]));
    }

    #[test]
    fn a_failure_violates_warnings_only_with_deny_and_input_errors_stay_usage() {
        let clean = Summary::default();
        assert_eq!(run_status(&clean, false, false), ExitStatus::Holds);
        assert_eq!(run_status(&clean, true, false), ExitStatus::Holds);
        assert_eq!(run_status(&clean, false, true), ExitStatus::Violated);

        let warned = Summary {
            warnings: 1,
            ..Summary::default()
        };
        assert_eq!(run_status(&warned, false, false), ExitStatus::Holds);
        assert_eq!(run_status(&warned, true, false), ExitStatus::Violated);

        let missing_code = Summary {
            errors: 1,
            ..Summary::default()
        };
        assert_eq!(
            run_status(&missing_code, false, false),
            ExitStatus::Violated
        );

        let unreadable = Summary {
            input_errors: 1,
            ..Summary::default()
        };
        assert_eq!(run_status(&unreadable, false, true), ExitStatus::Usage);
    }

    #[test]
    fn a_replay_is_violated_only_when_it_still_fails() {
        assert_eq!(replay_status(true), ExitStatus::Violated);
        assert_eq!(replay_status(false), ExitStatus::Holds);
    }
}
