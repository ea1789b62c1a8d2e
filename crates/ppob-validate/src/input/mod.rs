//! Readers: files, directories (recursive), NDJSON streams, HAR files and
//! stdin, read in bounded batches; and kind detection from a file name or a
//! document's shape.

mod detect;
pub mod har;
mod reader;
mod sources;

pub use detect::{UndetectableKind, detect_kind};
pub use reader::{BATCH_BYTES, Batch, BatchReader, DocRef};
pub use sources::{Expansion, Framing, InputSpec, SkippedFile, expand};
