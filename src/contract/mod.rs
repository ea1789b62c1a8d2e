//! The contract: document kinds, the schemas derived from the models, the
//! compiled validators, and the finding/report types every check speaks.

mod finding;
mod kind;
pub mod locate;
mod schemas;
mod typed;
mod validators;
pub mod version;

pub use finding::{
    CaseSummary, DocumentReport, Finding, FuzzFailure, FuzzSummary, Report, Severity, StepInfo,
    Summary, input_rules,
};
pub use kind::{DocKind, Operation, UnknownKind};
pub use schemas::{
    GeneratedFile, generated_files, openapi, published_schema, report_schema, strict_schema,
};
pub use typed::{Envelope, Typed};
pub use validators::{SchemaViolation, Validators, shorten};
pub use version::SCHEMA_VERSION;
