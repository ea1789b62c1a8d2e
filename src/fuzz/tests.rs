//! The fuzzer end to end on the in-process simulator.

use std::collections::BTreeMap;
use std::time::Duration;

use super::*;
use crate::flow::RefNumbers;
use crate::rules::Level;
use crate::sim::SimConfig;
use crate::transport::auth::{BodyMode, Credentials};
use crate::transport::clock::ManualClock;
use crate::validate::{Engine, EngineOptions};

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
    }
}

pub(super) fn fuzz(config: SimConfig, body_mode: BodyMode, options: &RunOptions) -> Outcome {
    let engine = Engine::new(EngineOptions::default());
    let table = AcceptableTable::built_in();
    let levels: BTreeMap<String, Level> = BTreeMap::new();
    let credentials = Credentials::simulator_demo();
    let refs = RefNumbers::new("FZT", &ManualClock::new());
    let universe = simulator_universe();
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
            levels: &levels,
        },
        credentials: &credentials,
        body_mode,
        refs: &refs,
        rate: None,
        universe: &universe,
    };
    fuzzer.run(options, &runner::NoProgress)
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
