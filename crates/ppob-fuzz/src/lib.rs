//! Property-based fuzzing of request variants through any transport.
//!
//! [`strategy`] generates [`FuzzCase`]s with proptest: valid requests
//! (optional fields present or absent, boundary values, unicode, long
//! strings) and negative ones ([`Mutation`]: missing and wrong-typed
//! fields, bad amounts, another inquiry's id, bad signatures, a body that
//! disagrees with its TOKEN), in short conversations ([`Scenario`]:
//! inquiry → payment → status, paying twice with one refNumber, an unknown
//! refNumber, an expired inquiry). [`exec`] runs a case over a
//! [`ppob_transport::Transport`], [`oracle`] judges it (stable ids,
//! [`acceptable`] refusals read from data), [`runner`] drives a seeded run
//! on several threads and shrinks each failure, [`regressions`] saves and
//! replays the shrunk failures, [`repro`] prints a `curl` line for them.
//!
//! Modules, one job each: `case` (what a case is), `fields` (request fields
//! from the schemas), `rate` (the `--rate` cap).

pub mod acceptable;
pub mod campaign;
pub mod case;
pub mod exec;
pub mod fields;
pub mod oracle;
pub mod regressions;
pub mod report;
pub mod repro;
pub mod runner;
pub mod strategy;
pub mod targets;

pub use acceptable::AcceptableTable;
pub use case::{FuzzCase, Mutation, Scenario};
pub use oracle::{Judge, ORACLES, Violation};
pub use runner::{Failure, Fuzzer, Lane, Outcome, RunOptions, ShrinkLimits, Stats, Target};
pub use strategy::{Account, Universe};
pub use targets::{SharedTarget, SimTarget, simulator_universe};

#[cfg(test)]
mod tests;
