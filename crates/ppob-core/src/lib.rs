//! The schema floor of ppob-contract: the payload models, the contract
//! derived from them (document kinds, JSON Schemas, compiled validators,
//! findings) and the semantic rules with their one catalogue.
//!
//! Everything else in the workspace sits on this crate; it depends on no
//! other crate of ours.
//!
//! The models are the single source of truth: the schemas are derived from
//! them, and a document that deserializes into its model is schema-valid.
//!
//! ```
//! use ppob_core::contract::{DocKind, Typed, published_schema};
//! use ppob_core::rules::catalogue::CATALOGUE;
//!
//! // The published JSON Schema of a document kind, as under schemas/.
//! let kind: DocKind = "inquiry.response".parse()?;
//! let schema = published_schema(kind);
//! assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
//!
//! // A document read straight into its model.
//! let seed = std::fs::read(concat!(
//!     env!("CARGO_MANIFEST_DIR"),
//!     "/../../fixtures/mobile-postpaid/inquiry.response.json"
//! ))?;
//! let typed = Typed::parse(kind, &seed)?;
//! assert_eq!(typed.envelope().map(|e| e.response_code), Some(300));
//!
//! // Every rule id with its default severity and where it comes from.
//! assert!(CATALOGUE.iter().any(|rule| rule.id == "inquiry.amount-equals-bill-sum"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod contract;
pub mod exit;
pub mod model;
pub mod partition;
pub mod rules;
