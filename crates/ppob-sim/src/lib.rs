//! The reference simulator: a faithful, in-memory PPOB server.
//!
//! It answers the three operations as api-facts documents them (TOKEN
//! auth, response codes, the money rule's processing state), from seeded
//! test accounts ([`test_accounts`]), with faults that can be injected per
//! run ([`SimConfig::faults`]) or per account. Use it in process through
//! [`SimTransport`] (no sockets, simulated time), or over HTTP through
//! [`server::start`] (what `ppob-contract mock` runs).
//!
//! Modules, one job each: [`accounts`] (seeded accounts and products, read
//! from the product categories' folders through `ppob_products`),
//! `bug` (deliberate bug switches, to prove the fuzzer), `config` (options), `fault` (faults and their syntax: [`Fault`], [`FaultRule`]), `gate`
//! (HTTP-level checks), `request` (reading the TOKEN payload), `store`
//! (bounded inquiry and payment stores), `render` (answers from the model
//! types), `messages` (code → message), `simulator` (the state machine),
//! `transport` (in-process transport), [`server`] (axum HTTP server).
//!
//! One signed inquiry through the in-process simulator (simulated time, no
//! socket):
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use ppob_core::contract::Operation;
//! use ppob_sim::{SimConfig, SimTransport, Simulator};
//! use ppob_transport::Transport;
//! use ppob_transport::auth::{BodyMode, Credentials, sign_request};
//! use ppob_transport::clock::ManualClock;
//!
//! let clock = Arc::new(ManualClock::new());
//! let simulator = Arc::new(Simulator::new(SimConfig::default(), clock.clone()));
//! let transport = SimTransport::new(simulator, clock, Duration::from_secs(30));
//!
//! let payload = serde_json::json!({
//!     "partnerId": "partner-id",
//!     "accountNumber": "0811111111",
//!     "productCode": "product-code",
//! });
//! let request = sign_request(Operation::Inquiry, payload, &Credentials::simulator_demo(), BodyMode::TokenOnly)?;
//! let exchange = transport.send(request);
//! let answer: serde_json::Value = serde_json::from_slice(&exchange.response?.body)?;
//! assert_eq!(answer["responseCode"], 300);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod accounts;
mod bug;
mod config;
mod fault;
mod gate;
mod messages;
mod render;
mod request;
pub mod server;
mod simulator;
mod store;
mod transport;
mod unknown_name;

pub use accounts::{TestAccount, test_accounts};
pub use bug::Bug;
pub use config::{DuplicatePolicy, SimConfig, UnknownFields};
pub use fault::{FAULT_NAMES, FAULT_TARGETS, Fault, FaultParseError, FaultRule, FaultRules};
pub use gate::{HTTP_ERROR_CODE, MAX_BODY, http_error, operation_of};
pub use render::{display_time, reference_number, token_of};
pub use request::{FieldProblem, IgnoredField, RequestError, describe_ignored};
pub use server::{RunningServer, ServerEvent, start};
pub use simulator::{
    Answer, Callback, IGNORED_HEADER, INVALID_REQUEST_CODE, MAX_IGNORED_HEADER_LEN,
    MAX_QUEUED_CALLBACKS, Reply, Simulator,
};
pub use store::{FIRST_INQUIRY_ID, FIRST_TRANSACTION_ID, MAX_INQUIRIES, MAX_PAYMENTS};
pub use transport::SimTransport;
pub use unknown_name::UnknownName;
