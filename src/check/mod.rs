//! `check` as a library: a [`CheckPlan`] (where the cases run, which cases,
//! how documents are judged) and [`run`], which runs the cases — several at
//! once with `jobs` — and tells a [`crate::report::Reporter`] about each case
//! as soon as it and every case before it ended, so a report is streamed and
//! its order does not depend on timing.
//!
//! A Rust test can run the simulator's suite in a few lines:
//!
//! ```
//! use std::sync::Arc;
//! use ppob_contract::check::{CheckPlan, run};
//! use ppob_contract::exit::ExitStatus;
//! use ppob_contract::report::JsonReport;
//! use ppob_contract::sim::SimConfig;
//! use ppob_contract::stop::Stop;
//!
//! let plan = Arc::new(CheckPlan::simulator(SimConfig::default()));
//! let mut report = JsonReport::new(Vec::new());
//! let outcome = run(plan, &mut report, Arc::new(ppob_contract::flow::Quiet), Arc::new(Stop::new()))
//!     .expect("the simulator is always reachable");
//! assert_eq!(outcome.status, ExitStatus::Holds);
//! assert!(outcome.end.cases.iter().all(|case| case.met));
//! ```

mod plan;
mod runner;

pub use plan::{
    CallbackPlan, CassetteCaseError, CheckPlan, CheckTarget, case_of_cassette, default_jobs,
    describe_simulated, simulator_suite, unique_names,
};
pub use runner::{CheckError, CheckOutcome, run};
