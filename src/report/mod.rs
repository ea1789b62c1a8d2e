//! Renderers of verdicts: human (default) and JSON (DESIGN §4). They write
//! into the writer they are given; only the CLI chooses stdout.

mod human;
mod json;

pub use human::{HumanReport, MAX_FINDINGS_SHOWN};
pub use json::JsonReport;
