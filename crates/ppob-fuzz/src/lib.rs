//! Property-based fuzzing of request variants through any transport.
//!
//! `strategy` generates [`FuzzCase`]s with proptest: valid requests
//! (optional fields present or absent, boundary values, unicode, long
//! strings) and negative ones ([`Mutation`]: missing and wrong-typed
//! fields, bad amounts, another inquiry's id, bad signatures, a body that
//! disagrees with its TOKEN), in short conversations ([`Scenario`]:
//! inquiry → payment → status, paying twice with one refNumber, an unknown
//! refNumber, an expired inquiry). `exec` runs a case over a
//! [`ppob_transport::Transport`], the oracles judge it ([`Judge`], stable
//! ids in [`ORACLES`], [`acceptable`] refusals read from data), [`runner`]
//! drives a seeded run on several threads and shrinks each failure,
//! [`regressions`] saves and replays the shrunk failures, and `repro`
//! prints a `curl` line for them. [`campaign`] is a whole `fuzz` run told to
//! a reporter, the way the CLI runs it.
//!
//! The public modules are what a caller uses; the others (`case`, `exec`,
//! `fields`, `oracle`, `report`, `repro`, `strategy`, `targets`) give the
//! crate root what it re-exports. The `--rate` cap is `ppob_transport::rate`.
//!
//! A short campaign against the in-process simulator, the way a Rust test
//! would run one (the same seed gives the same cases on every machine):
//!
//! ```
//! use std::time::Duration;
//! use ppob_check::flow::RefNumbers;
//! use ppob_core::partition::Partition;
//! use ppob_fuzz::runner::NoProgress;
//! use ppob_fuzz::{AcceptableTable, Fuzzer, Judge, RunOptions, ShrinkLimits, SimTarget};
//! use ppob_sim::SimConfig;
//! use ppob_transport::auth::{BodyMode, Credentials};
//! use ppob_validate::{Engine, EngineOptions};
//!
//! let engine = Engine::new(EngineOptions::default());
//! let table = AcceptableTable::built_in(); // which refusals each mutation may get
//! let credentials = Credentials::simulator_demo();
//! let refs = RefNumbers::new("DOC");
//! let universe = ppob_fuzz::simulator_universe();
//! let target = SimTarget { config: SimConfig::default(), timeout: Duration::from_secs(30) };
//! let fuzzer = Fuzzer {
//!     target: &target,
//!     judge: Judge { engine: &engine, table: &table, latency_budget: None },
//!     credentials: &credentials,
//!     body_mode: BodyMode::TokenOnly,
//!     refs: &refs,
//!     rate: None,
//!     universe: &universe,
//! };
//! let options = RunOptions {
//!     seed: 42,
//!     cases: 50,
//!     max_time: None,
//!     jobs: 2,
//!     shrink: ShrinkLimits { max_steps: 500, max_time: Duration::from_secs(30) },
//!     max_failures: 5,
//!     partition: Partition::whole(),
//! };
//! let outcome = fuzzer.run(&options, &NoProgress);
//! assert_eq!(outcome.stats.cases, 50);
//! assert!(outcome.failures.is_empty(), "the simulator keeps the contract");
//! ```

pub mod acceptable;
pub mod campaign;
mod case;
mod exec;
mod fields;
mod oracle;
pub mod regressions;
mod report;
mod repro;
pub mod runner;
mod strategy;
mod targets;

pub use acceptable::AcceptableTable;
pub use case::{FuzzCase, Mutation, Scenario};
pub use oracle::{Judge, ORACLES, Violation};
pub use runner::{Failure, Fuzzer, Lane, Outcome, RunOptions, ShrinkLimits, Stats, Target};
pub use strategy::{Account, Universe};
pub use targets::{SharedTarget, SimTarget, category_universe, simulator_universe};

#[cfg(test)]
mod tests;
