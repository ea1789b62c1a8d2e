//! The fuzzer end to end on the in-process simulator.

use std::io;
use std::path::Path;
use std::time::Duration;

use super::campaign::{Campaign, Hooks};
use super::*;
use ppob_check::flow::RefNumbers;
use ppob_core::contract::DocumentReport;
use ppob_report::{FailureReport, Reporter, RunEnd, RunInfo};
use ppob_sim::{Bug, SimConfig};
use ppob_transport::auth::{BodyMode, Credentials};
use ppob_validate::{Engine, EngineOptions};

pub(super) fn options(seed: u64, cases: u64) -> RunOptions {
    RunOptions {
        seed,
        cases,
        max_time: None,
        jobs: 2,
        shrink: ShrinkLimits {
            max_steps: 2000,
            max_time: Duration::from_secs(60),
        },
        max_failures: 10,
        partition: ppob_core::partition::Partition::whole(),
    }
}

pub(super) fn fuzz(config: SimConfig, body_mode: BodyMode, options: &RunOptions) -> Outcome {
    fuzz_in(&simulator_universe(), config, body_mode, options)
}

/// [`fuzz`] with the cases naming `universe`'s accounts.
pub(super) fn fuzz_in(
    universe: &Universe,
    config: SimConfig,
    body_mode: BodyMode,
    options: &RunOptions,
) -> Outcome {
    let engine = Engine::new(EngineOptions::default());
    let table = AcceptableTable::built_in();
    let credentials = Credentials::simulator_demo();
    let refs = RefNumbers::new("FZT");
    let target = SimTarget {
        config,
        timeout: Duration::from_secs(30),
    };
    let fuzzer = Fuzzer {
        target: &target,
        judge: Judge {
            engine: &engine,
            table: &table,
            latency_budget: None,
        },
        credentials: &credentials,
        body_mode,
        refs: &refs,
        rate: None,
        universe,
    };
    fuzzer.run(options, &runner::NoProgress)
}

/// A campaign on the in-process simulator behaving as `config`: seed 7,
/// 200 cases, regressions saved to and replayed from `regressions`.
pub(crate) fn campaign(config: SimConfig, regressions: &Path) -> Campaign {
    Campaign {
        target: Box::new(SimTarget {
            config,
            timeout: Duration::from_secs(30),
        }),
        base_url: None,
        universe: simulator_universe(),
        credentials: Credentials::simulator_demo(),
        body_mode: BodyMode::TokenOnly,
        table: AcceptableTable::built_in(),
        options: options(7, 200),
        ref_prefix: "FZT".into(),
        engine: Engine::new(EngineOptions::default()),
        deny_warnings: false,
        require_codes: Vec::new(),
        latency_budget: None,
        regressions: regressions.to_owned(),
        save_regressions: true,
        replay: None,
        rate: None,
        partition: None,
    }
}

/// The simulator with one bug switched on.
pub(crate) fn with_bug(bug: Bug) -> SimConfig {
    SimConfig {
        bugs: vec![bug],
        ..SimConfig::default()
    }
}

/// A payment of -1: refused by a correct simulator, accepted by one with
/// [`Bug::AcceptNegativeAmount`] (oracle `fuzz.negative-refused`).
pub(crate) fn negative_payment() -> FuzzCase {
    FuzzCase {
        scenario: Scenario::Payment,
        account: "0811111111".into(),
        product: ppob_check::flow::case::default_product().into(),
        inquiry_extras: Default::default(),
        ref_stem: "FZ".into(),
        callback_urls: None,
        mutation: Some(Mutation::NegativeAmount { amount: -1 }),
    }
}

fn rerun(seed: u64, index: u64) -> String {
    format!("rerun --seed {seed} --case {index}")
}

fn replay(file: &Path) -> String {
    format!("replay {}", file.display())
}

fn ignore_start(_: &RunInfo) {}

fn ignore_end() {}

/// Hooks that draw nothing and name reproductions `rerun --seed S --case I`
/// and `replay FILE`.
pub(crate) fn hooks() -> Hooks<'static> {
    Hooks {
        progress: &runner::NoProgress,
        rerun: &rerun,
        replay: &replay,
        started: &ignore_start,
        finished: &ignore_end,
    }
}

/// A reporter that keeps what it is told; `broken` makes every write fail.
#[derive(Default)]
pub(crate) struct Recorder {
    /// Each event's name in order: `start`, `document`, `failure`, `finish`.
    pub(crate) events: Vec<&'static str>,
    /// The starts.
    pub(crate) starts: Vec<RunInfo>,
    /// The failures.
    pub(crate) failures: Vec<FailureReport>,
    /// The ends.
    pub(crate) ends: Vec<RunEnd>,
    /// Fail every write with a broken pipe.
    pub(crate) broken: bool,
}

impl Recorder {
    fn written(&mut self, event: &'static str) -> io::Result<()> {
        if self.broken {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        self.events.push(event);
        Ok(())
    }
}

impl Reporter for Recorder {
    fn start(&mut self, run: &RunInfo) -> io::Result<()> {
        self.written("start")?;
        self.starts.push(run.clone());
        Ok(())
    }

    fn document(&mut self, _: &DocumentReport, _: &[u8], _: u64) -> io::Result<()> {
        self.written("document")
    }

    fn fuzz_failure(&mut self, failure: &FailureReport) -> io::Result<()> {
        self.written("failure")?;
        self.failures.push(failure.clone());
        Ok(())
    }

    fn finish(&mut self, end: &RunEnd) -> io::Result<()> {
        self.written("finish")?;
        self.ends.push(end.clone());
        Ok(())
    }
}

fn describe(outcome: &Outcome) -> String {
    outcome
        .failures
        .iter()
        .map(|f| format!("{}: {:?}\n  {:?}\n", f.oracle, f.case, f.primary()))
        .collect()
}

#[test]
fn a_correct_simulator_passes_every_oracle_in_both_body_modes() {
    for mode in [BodyMode::TokenOnly, BodyMode::TokenAndBody] {
        let outcome = fuzz(SimConfig::default(), mode, &options(11, 3000));
        assert!(
            outcome.failures.is_empty(),
            "{mode:?}: {}",
            describe(&outcome)
        );
        assert_eq!(outcome.stats.cases, 3000);
        assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
        assert!(outcome.stats.payments_accepted > 100, "{:?}", outcome.stats);
        assert_eq!(outcome.stats.inconclusive, 0, "{:?}", outcome.stats);
    }
}

#[test]
fn every_categorys_accounts_pass_every_oracle_and_a_planted_bug_is_found() {
    let mut names: Vec<&str> = ppob_sim::test_accounts()
        .iter()
        .map(|a| a.category.name.as_str())
        .collect();
    names.dedup();
    assert!(names.len() >= 12, "{names:?}");
    for name in names {
        let universe = category_universe(name);
        assert!(!universe.payable.is_empty(), "{name}: nothing to pay");
        let outcome = fuzz_in(
            &universe,
            SimConfig::default(),
            BodyMode::TokenOnly,
            &options(5, 300),
        );
        assert!(
            outcome.failures.is_empty(),
            "{name}: {}",
            describe(&outcome)
        );
        assert_eq!(outcome.stats.inconclusive, 0, "{name}: {:?}", outcome.stats);
        assert!(
            outcome.stats.payments_accepted > 10,
            "{name}: {:?}",
            outcome.stats
        );
        let buggy = SimConfig {
            bugs: vec![ppob_sim::Bug::DoubleCharge],
            ..SimConfig::default()
        };
        let outcome = fuzz_in(&universe, buggy, BodyMode::TokenOnly, &options(5, 300));
        assert!(
            outcome
                .failures
                .iter()
                .any(|f| f.oracle == "fuzz.no-double-charge"),
            "{name}: the double-charge bug is not found"
        );
    }
}

mod properties {
    //! proptest properties over the generated cases, few cases each (the
    //! suite stays fast); `cargo test -- --ignored` runs the heavy ones.

    use proptest::prelude::*;

    use super::super::exec::{Env, run_case};
    use super::super::*;
    use super::{fuzz, options};
    use ppob_check::flow::RefNumbers;
    use ppob_sim::{Bug, SimConfig};
    use ppob_transport::auth::{BodyMode, Credentials};
    use ppob_validate::{Engine, EngineOptions};

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// A saved case replays as itself: nothing is lost in a regression file.
        #[test]
        fn every_case_survives_its_regression_file(case in strategy::cases(&simulator_universe())) {
            let text = serde_json::to_string_pretty(&case).unwrap();
            let back: FuzzCase = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(back, case);
        }

        /// On a correct simulator no oracle fires, whatever the case.
        #[test]
        fn the_correct_simulator_satisfies_every_oracle(case in strategy::cases(&simulator_universe())) {
            let engine = Engine::new(EngineOptions::default());
            let table = AcceptableTable::built_in();
            let judge = Judge { engine: &engine, table: &table, latency_budget: None };
            let target = SimTarget { config: SimConfig::default(), timeout: std::time::Duration::from_secs(30) };
            let lane = target.lane();
            let credentials = Credentials::simulator_demo();
            let refs = RefNumbers::new("P");
            let env = Env {
                transport: lane.transport.as_ref(),
                credentials: &credentials,
                body_mode: BodyMode::TokenOnly,
                clock: lane.clock.as_ref(),
                refs: &refs,
                expire_after: lane.expire_after,
                rate: None,
            };
            let trace = run_case(&case, &env);
            prop_assert!(trace.inconclusive.is_none(), "{:?}", trace.inconclusive);
            let violations = judge.judge(&case, &trace);
            prop_assert!(violations.is_empty(), "{:?}", violations);
        }
    }

    #[test]
    #[ignore = "heavy: 300 000 cases and 50 000 per bug switch; run with `cargo test -- --ignored`"]
    fn heavy_runs_find_nothing_on_a_correct_simulator_and_every_bug_on_a_broken_one() {
        let clean = fuzz(
            SimConfig::default(),
            BodyMode::TokenOnly,
            &options(2026, 300_000),
        );
        assert!(
            clean.failures.is_empty(),
            "{:?}",
            clean.failures.first().map(|f| &f.case)
        );
        assert_eq!(clean.stats.cases, 300_000);
        // Callback bugs are for `check --callback-listen`: the fuzzer does not receive callbacks.
        for bug in Bug::ALL.into_iter().filter(|b| !b.is_callback()) {
            let config = SimConfig {
                bugs: vec![bug],
                ..SimConfig::default()
            };
            let broken = fuzz(config, BodyMode::TokenAndBody, &options(2027, 50_000));
            assert!(!broken.failures.is_empty(), "{bug:?} went unnoticed");
        }
    }
}

#[test]
fn max_time_stops_generation_and_says_so() {
    let mut opts = options(5, 1_000_000);
    opts.max_time = Some(Duration::from_millis(200));
    let outcome = fuzz(SimConfig::default(), BodyMode::TokenOnly, &opts);
    assert!(outcome.timed_out);
    assert!(outcome.stats.cases < 1_000_000);
    assert!(outcome.stats.cases > 0);
    assert!(
        outcome
            .warnings
            .iter()
            .any(|w| w.message.contains("--max-time")),
        "{:?}",
        outcome.warnings
    );
}
