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
//!
//! Against a server: here the simulator served over HTTP on loopback (what
//! `ppob-contract mock` serves) and checked through the HTTP transport, as
//! a partner's test would point it at its own sandbox:
//!
//! ```
//! use std::net::SocketAddr;
//! use std::sync::Arc;
//! use std::time::Duration;
//! use ppob_check::flow::{Case, Pacing, Quiet};
//! use ppob_check::{CheckPlan, CheckTarget, run};
//! use ppob_core::exit::ExitStatus;
//! use ppob_report::JsonReport;
//! use ppob_sim::{SimConfig, Simulator};
//! use ppob_transport::clock::SystemClock;
//! use ppob_transport::http::{HttpConfig, HttpTransport};
//! use ppob_transport::stop::Stop;
//!
//! let config = SimConfig { settle_after: Duration::from_millis(100), ..SimConfig::default() };
//! let simulator = Arc::new(Simulator::new(config.clone(), Arc::new(SystemClock::new())));
//! let mock = ppob_sim::start(simulator, SocketAddr::from(([127, 0, 0, 1], 0)))?;
//!
//! let http = HttpTransport::new(HttpConfig::new(format!("http://{}", mock.local_addr())))?;
//! let mut plan = CheckPlan::simulator(config); // the simulator's credentials and judging
//! plan.target = CheckTarget::Live(Arc::new(http));
//! plan.cases = vec![Case::new("0811111111")];
//! plan.pacing = Pacing {
//!     first_wait: Duration::from_millis(200),
//!     interval: Duration::from_millis(100),
//!     max_interval: Duration::from_millis(200),
//!     deadline: Duration::from_secs(10),
//! };
//! let outcome = run(Arc::new(plan), &mut JsonReport::new(Vec::new()), Arc::new(Quiet), Arc::new(Stop::new()))?;
//! assert_eq!(outcome.status, ExitStatus::Holds);
//! mock.stop();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod callback;
pub mod flow;
mod plan;
mod runner;

pub use plan::{
    CallbackPlan, CassetteCaseError, CheckPlan, CheckTarget, case_of_cassette, category_suite,
    default_jobs, describe_simulated, simulator_suite, unique_names,
};
pub use runner::{CheckError, CheckOutcome, run};
