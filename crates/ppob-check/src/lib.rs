//! `check` as a library: a [`CheckPlan`] (where the cases run, which cases,
//! how documents are judged) and [`run`], which runs the cases — several at
//! once with `jobs` — and tells a [`ppob_report::Reporter`] about each case
//! as soon as it and every case before it ended, so a report is streamed and
//! its order does not depend on timing.
//!
//! A Rust test can run the simulator's suite in a few lines:
//!
//! ```
//! use std::sync::Arc;
//! use ppob_check::{CheckPlan, run};
//! use ppob_core::exit::ExitStatus;
//! use ppob_report::JsonReport;
//! use ppob_sim::SimConfig;
//! use ppob_transport::stop::Stop;
//!
//! let plan = Arc::new(CheckPlan::simulator(SimConfig::default()));
//! let mut report = JsonReport::new(Vec::new());
//! let outcome = run(plan, &mut report, Arc::new(ppob_check::flow::Quiet), Arc::new(Stop::new()))
//!     .expect("the simulator is always reachable");
//! assert_eq!(outcome.status, ExitStatus::Holds);
//! assert!(outcome.end.cases.iter().all(|case| case.met));
//! ```
//!
//! With callbacks asked for and judged (`check --callback-listen`); against
//! the simulator they are handed over in process:
//!
//! ```
//! use std::sync::Arc;
//! use ppob_check::{CallbackPlan, CheckPlan, run};
//! use ppob_core::exit::ExitStatus;
//! use ppob_check::flow::{Case, Quiet};
//! use ppob_report::JsonReport;
//! use ppob_sim::SimConfig;
//! use ppob_transport::stop::Stop;
//!
//! let mut plan = CheckPlan::simulator(SimConfig::default());
//! plan.cases = vec![Case::new("0811111111")];
//! plan.callbacks = Some(CallbackPlan::default());
//! let mut out = Vec::new();
//! let outcome = run(Arc::new(plan), &mut JsonReport::new(&mut out), Arc::new(Quiet), Arc::new(Stop::new()))
//!     .expect("the simulator is always reachable");
//! assert_eq!(outcome.status, ExitStatus::Holds);
//! let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
//! let callbacks = report["documents"].as_array().unwrap().iter()
//!     .filter(|d| d["step"]["side"] == "callback").count();
//! assert_eq!(callbacks, 1);
//! ```

pub mod callback;
pub mod flow;
mod plan;
mod runner;

pub use plan::{
    CallbackPlan, CassetteCaseError, CheckPlan, CheckTarget, case_of_cassette, default_jobs,
    describe_simulated, simulator_suite, unique_names,
};
pub use runner::{CheckError, CheckOutcome, run};
