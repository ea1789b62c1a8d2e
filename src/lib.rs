//! ppob-contract: contract testing for the PPOB v2 bill-payment API.
//!
//! Start at [`model`] (the payloads), [`contract`] (document kinds, derived
//! schemas, compiled validators) and [`validate`] (one document in, one
//! verdict out).

pub mod callback;
pub mod check;
pub mod cli;
pub mod contract;
pub mod exit;
pub mod flow;
pub mod fuzz;
pub mod input;
pub mod model;
pub mod partition;
pub mod report;
pub mod rules;
pub mod schemadiff;
pub mod sim;
pub mod stop;
pub mod transport;
pub mod validate;
