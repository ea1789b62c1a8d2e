//! ppob-contract: contract testing for the PPOB v2 bill-payment API.
//!
//! A thin facade over the workspace's library crates, under the module
//! names the tool has always used: start at [`model`] (the payloads),
//! [`contract`] (document kinds, derived schemas, compiled validators) and
//! [`validate`] (one document in, one verdict out).
//!
//! Each module is one library crate of the workspace (`ppob_core`,
//! `ppob_validate`, `ppob_report`, `ppob_transport`, `ppob_sim`,
//! `ppob_check`, `ppob_fuzz`, `schemadiff`); depend on the crate you need
//! for a smaller build (a team that only validates needs `ppob-validate`,
//! without the network stack), or on this package for all of them:
//!
//! ```
//! use ppob_contract::contract::DocKind;
//! use ppob_contract::validate::{Engine, EngineOptions, Input};
//!
//! let report = Engine::new(EngineOptions::default()).check(Input {
//!     source: "status.response.json",
//!     bytes: br#"{"responseCode": 0, "success": true}"#,
//!     kind: Some(DocKind::StatusResponse),
//!     first_line: 1,
//! });
//! assert!(!report.valid, "a success answer needs its data");
//! assert!(report.findings.iter().any(|f| f.rule == "schema"));
//!
//! // Every file under schemas/, derived from the models.
//! assert!(ppob_contract::generated_files().iter().any(|f| f.path == "schemas/openapi.json"));
//! ```

#[cfg(feature = "full")]
pub mod config;

#[cfg(feature = "full")]
pub use ppob_check as check;
#[cfg(feature = "full")]
pub use ppob_check::{callback, flow};
pub use ppob_core::{contract, exit, model, partition, rules};
#[cfg(feature = "full")]
pub use ppob_fuzz as fuzz;
pub use ppob_products as products;
#[cfg(feature = "full")]
pub use ppob_proxy as proxy;
pub use ppob_report as report;
#[cfg(feature = "full")]
pub use ppob_sim as sim;
#[cfg(feature = "full")]
pub use ppob_transport as transport;
#[cfg(feature = "full")]
pub use ppob_transport::stop;
pub use ppob_validate as validate;
pub use ppob_validate::input;
pub use schemadiff;

/// Every generated file under `schemas/`, as `cargo xtask schemas` writes it:
/// the contract's schemas and OpenAPI document, the report's schema, and
/// each built-in product category's schema (`schemas/categories/`).
pub fn generated_files() -> Vec<contract::GeneratedFile> {
    let mut files = contract::generated_files();
    files.push(report::report_schema_file());
    // invariant: the built-in manifests load (ppob-products' tests); none is the fallback.
    let builtin = products::load::builtin().unwrap_or_default();
    files.extend(products::schema::category_schema_files(&builtin));
    files
}
