//! The contract: document kinds, the schemas derived from the models, the
//! compiled validators, and the finding types every check speaks.

pub mod cost;
pub mod examples;
mod finding;
mod generated;
mod kind;
pub mod locate;
pub mod near_miss;
pub mod numbers;
mod openapi;
mod schemas;
mod typed;
mod validators;
pub mod version;

pub use finding::{
    CALLBACK_SIDE, DocumentReport, Finding, Severity, StepInfo, Summary, input_rules,
};
pub use generated::{GeneratedFile, generated_file, generated_files};
pub use kind::{DocKind, Operation, UnknownKind};
pub use openapi::document as openapi;
pub use schemas::{
    BUNDLED_DIR, DEFINITIONS_FILE, SchemaVariant, bundled_schema, definitions, derived_schema,
    kind_schema, published_schema, schema_base_uri, schema_file, schema_id, strict_schema,
};
pub use typed::{Envelope, Typed, parse_value, refuses_syntax};
pub use validators::{SchemaViolation, Validators, compile_schema, json_type_name, shorten};
pub use version::SCHEMA_VERSION;
