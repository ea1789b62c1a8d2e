//! Validation: the per-document engine (fast path, explain path, rules) and
//! the runner that streams batches of documents through it on all cores.

mod engine;
pub mod input;
mod run;

pub use engine::{
    BOM_RULE, DRIFT_RULE, DUPLICATE_KEY_RULE, Engine, EngineOptions, Input, SCHEMA_RULE,
};
pub use run::{RunError, Sink, run};
