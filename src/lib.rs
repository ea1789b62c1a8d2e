//! ppob-contract: contract testing for the PPOB v2 bill-payment API.
//!
//! A thin facade over the workspace's library crates, under the module
//! names the tool has always used: start at [`model`] (the payloads),
//! [`contract`] (document kinds, derived schemas, compiled validators) and
//! [`validate`] (one document in, one verdict out).

pub use ppob_check as check;
pub use ppob_check::{callback, flow};
pub use ppob_core::{contract, exit, model, partition, rules};
pub use ppob_fuzz as fuzz;
pub use ppob_report as report;
pub use ppob_sim as sim;
pub use ppob_transport as transport;
pub use ppob_transport::stop;
pub use ppob_validate as validate;
pub use ppob_validate::input;
pub use schemadiff;

/// Every generated file under `schemas/`, as `cargo xtask schemas` writes it:
/// the contract's schemas and OpenAPI document, and the report's schema.
pub fn generated_files() -> Vec<contract::GeneratedFile> {
    let mut files = contract::generated_files();
    files.push(report::report_schema_file());
    files
}
