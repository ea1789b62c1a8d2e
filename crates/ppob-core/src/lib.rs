//! The schema floor of ppob-contract: the payload models, the contract
//! derived from them (document kinds, JSON Schemas, compiled validators,
//! findings) and the semantic rules with their one catalogue.
//!
//! Everything else in the workspace sits on this crate; it depends on no
//! other crate of ours.

pub mod contract;
pub mod exit;
pub mod model;
pub mod partition;
pub mod rules;
