//! Validation: the per-document engine (fast path, explain path, rules) and
//! the runner that streams batches of documents through it on all cores.
//!
//! This crate is what a test suite needs to judge recorded documents; it
//! builds without the network stack (no tokio, hyper, reqwest).
//!
//! Validate one document: the seed's inquiry answer with an `amount` that is
//! not the sum of its bill lines gets a finding at the exact field, with its
//! line and column.
//!
//! ```
//! use ppob_core::contract::DocKind;
//! use ppob_validate::{Engine, EngineOptions, Input};
//!
//! let seed = std::fs::read_to_string(concat!(
//!     env!("CARGO_MANIFEST_DIR"),
//!     "/../../fixtures/mobile-postpaid/inquiry.response.json"
//! ))?;
//! let document = seed.replace(r#""amount": 3607"#, r#""amount": 3600"#);
//!
//! let engine = Engine::new(EngineOptions::default()); // build once, share across threads
//! let report = engine.check(Input {
//!     source: "inquiry.response.json",
//!     bytes: document.as_bytes(),
//!     kind: Some(DocKind::InquiryResponse), // None: told from the document's shape
//!     first_line: 1,
//! });
//!
//! assert!(!report.valid);
//! let finding = &report.findings[0];
//! assert_eq!(finding.rule, "inquiry.amount-equals-bill-sum");
//! assert_eq!(finding.pointer, "/data/amount");
//! assert_eq!((finding.line, finding.column), (15, 19));
//! # Ok::<(), std::io::Error>(())
//! ```

mod engine;
pub mod input;
mod run;

pub use engine::{
    BOM_RULE, DRIFT_RULE, DUPLICATE_KEY_RULE, Engine, EngineOptions, Input, NEAR_MISS_RULE,
    SCHEMA_RULE, TOO_COSTLY_RULE,
};
pub use run::{RunError, Sink, run};
