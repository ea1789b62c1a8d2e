//! `schemas diff`: what a change between two schema sets means for consumers.
//!
//! Two sets of JSON Schemas (directories paired by file name, or two files) and
//! optionally OpenAPI documents are walked side by side. `$ref`s are followed
//! (local `#/$defs/…`, sibling files by relative path or by `$id`), so a change
//! inside a shared definition is reported at every instance path that reaches it,
//! e.g. `inquiry.response: /data/billDetails/*/value`. Each change is classified
//! for the two kinds of consumer:
//!
//! - **response readers** (`*.response`, `callback`, anything not a request):
//!   a field removed, a type changed, an enum or union that gained a member, a
//!   bound that widened, required → optional are breaking;
//! - **request writers** (`*.request`): a new required field, a type or enum
//!   that narrowed, a bound that tightened, unknown fields newly refused are
//!   breaking;
//!
//! everything else (an optional response field added, a request enum widened,
//! annotations) is non-breaking. Annotations (`description`, `title`,
//! `examples`, `format`) are not reported.
//!
//! A field removed from a response is breaking for its readers:
//!
//! ```
//! let dir = tempfile::tempdir()?;
//! let (old, new) = (dir.path().join("old"), dir.path().join("new"));
//! for (side, properties) in [(&old, r#"{"a": {"type": "string"}, "b": {"type": "integer"}}"#),
//!                            (&new, r#"{"a": {"type": "string"}}"#)] {
//!     std::fs::create_dir(side)?;
//!     let schema = format!(r#"{{"type": "object", "properties": {properties}}}"#);
//!     std::fs::write(side.join("inquiry.response.schema.json"), schema)?;
//! }
//!
//! let diff = schemadiff::diff_paths(&old, &new)?;
//! assert_eq!(diff.breaking(), 1);
//! assert_eq!(diff.changes[0].pointer, "/b");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod compare;
mod load;
mod openapi;
pub mod policy;

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use load::{SchemaDoc, SchemaSet};

/// Who a breaking change breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Audience {
    /// Code that reads responses (and callbacks) shaped by the schema.
    ResponseReaders,
    /// Code that writes requests shaped by the schema.
    RequestWriters,
}

impl Audience {
    /// The audience of a schema named `name` (a file stem such as
    /// `inquiry.request`): request writers for requests, readers otherwise.
    pub fn of_schema(name: &str) -> Audience {
        if name.split('.').any(|part| part == "request") {
            Audience::RequestWriters
        } else {
            Audience::ResponseReaders
        }
    }

    /// "response readers" or "request writers".
    pub fn label(self) -> &'static str {
        match self {
            Audience::ResponseReaders => "response readers",
            Audience::RequestWriters => "request writers",
        }
    }
}

impl fmt::Display for Audience {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What changed, as a stable id (the `change` member of the JSON output).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// A schema file (or OpenAPI operation) exists only in OLD.
    SchemaRemoved,
    /// A schema file (or OpenAPI operation) exists only in NEW.
    SchemaAdded,
    /// A property exists only in OLD.
    FieldRemoved,
    /// A property exists only in NEW.
    FieldAdded,
    /// A property was required in OLD and is optional in NEW.
    RequiredToOptional,
    /// A property was optional in OLD and is required in NEW.
    OptionalToRequired,
    /// The accepted JSON types differ.
    TypeChanged,
    /// The `enum`/`const` values differ.
    EnumChanged,
    /// A numeric, length or pattern bound differs.
    BoundChanged,
    /// Whether unknown properties are accepted differs.
    AdditionalPropertiesChanged,
    /// An `anyOf`/`oneOf` member exists only in NEW.
    UnionMemberAdded,
    /// An `anyOf`/`oneOf` member exists only in OLD.
    UnionMemberRemoved,
    /// A union, conditional or other structure was replaced by a different one.
    ShapeChanged,
}

/// One difference between OLD and NEW, classified for consumers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The schema it belongs to: a file stem (`inquiry.response`) or an OpenAPI
    /// location (`openapi: inquiry request`).
    pub schema: String,
    /// The instance path it affects (`*` for any array item), e.g.
    /// `/data/billDetails/*/value`; empty for the whole document.
    pub pointer: String,
    /// The shared definition the change sits in, when reached through a `$ref`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    /// What changed.
    pub change: ChangeKind,
    /// Whose code breaks; `None` for a non-breaking change.
    pub breaks: Option<Audience>,
    /// Why, in a sentence: what was, what is, and what it means for consumers.
    pub reason: String,
}

impl Change {
    /// True when some consumer breaks.
    pub fn is_breaking(&self) -> bool {
        self.breaks.is_some()
    }
}

/// The result of comparing two schema sets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SchemaDiff {
    /// Every change, breaking ones first, then by schema and pointer.
    pub changes: Vec<Change>,
}

impl SchemaDiff {
    /// The number of breaking changes.
    pub fn breaking(&self) -> usize {
        self.changes.iter().filter(|c| c.is_breaking()).count()
    }

    /// The number of non-breaking changes.
    pub fn non_breaking(&self) -> usize {
        self.changes.len() - self.breaking()
    }
}

/// The deepest nesting of objects and arrays a schema file may have (a
/// property nested in a property takes two: `properties` and the schema).
/// Real schemas stay under 30; the bound keeps the recursive comparison
/// within a thread's stack.
pub const MAX_NESTING: usize = 512;

/// Why two schema sets could not be compared.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiffError {
    /// The path does not exist.
    #[error("{}: no such file or directory", .0.display())]
    Missing(PathBuf),
    /// The file or directory could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not JSON.
    #[error("{}:{line}:{column}: not JSON: {message}", path.display())]
    NotJson {
        /// The path.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// The file is JSON but neither a JSON Schema nor an OpenAPI document.
    #[error("{}: not a JSON Schema or OpenAPI document: {reason}", path.display())]
    NotSchema {
        /// The path.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A directory holds no `*.json` file.
    #[error("{}: no *.json schema in this directory", .0.display())]
    Empty(PathBuf),
    /// One side is a directory and the other a file.
    #[error(
        "{} and {}: compare two directories or two files, not one of each",
        old.display(),
        new.display()
    )]
    Mismatch {
        /// OLD.
        old: PathBuf,
        /// NEW.
        new: PathBuf,
    },
    /// The file nests objects and arrays deeper than [`MAX_NESTING`].
    #[error(
        "{}:{line}:{column}: nested deeper than {limit} levels of objects and arrays: schemadiff \
         compares schemas up to that depth (no real schema comes near it)",
        path.display()
    )]
    TooDeep {
        /// The path.
        path: PathBuf,
        /// 1-based line of the first value past the limit.
        line: usize,
        /// 1-based column of that value.
        column: usize,
        /// The limit, [`MAX_NESTING`].
        limit: usize,
    },
    /// A `$ref` points at nothing in the set.
    #[error("{}: {pointer}: $ref \"{reference}\" points at nothing in the schema set", path.display())]
    UnresolvedRef {
        /// The file holding the `$ref`.
        path: PathBuf,
        /// JSON pointer of the `$ref` inside that file.
        pointer: String,
        /// The reference as written.
        reference: String,
    },
}

/// Compares OLD and NEW (two directories or two files) and classifies every change.
pub fn diff_paths(old: &Path, new: &Path) -> Result<SchemaDiff, DiffError> {
    let old_set = SchemaSet::load(old)?;
    let new_set = SchemaSet::load(new)?;
    if old_set.is_dir() != new_set.is_dir() {
        return Err(DiffError::Mismatch {
            old: old.to_path_buf(),
            new: new.to_path_buf(),
        });
    }
    diff_sets(&old_set, &new_set)
}

/// Compares two loaded schema sets. Directories pair documents by file name;
/// two single files are paired with each other and named after NEW.
pub fn diff_sets(old: &SchemaSet, new: &SchemaSet) -> Result<SchemaDiff, DiffError> {
    let mut changes = Vec::new();
    for (old_doc, new_doc) in pair(old, new) {
        match (old_doc, new_doc) {
            (Some(o), Some(n)) if o.is_openapi() && n.is_openapi() => {
                openapi::compare(old, o, new, n, &mut changes)?;
            }
            (Some(o), Some(n)) => {
                compare::compare_roots(
                    &n.name,
                    Audience::of_schema(&n.name),
                    (old, old.root(o)),
                    (new, new.root(n)),
                    &mut changes,
                )?;
            }
            (Some(o), None) => changes.push(Change {
                schema: o.name.clone(),
                pointer: String::new(),
                definition: None,
                change: ChangeKind::SchemaRemoved,
                breaks: Some(Audience::of_schema(&o.name)),
                reason: format!("{} is gone from NEW", o.file_name),
            }),
            (None, Some(n)) => changes.push(Change {
                schema: n.name.clone(),
                pointer: String::new(),
                definition: None,
                change: ChangeKind::SchemaAdded,
                breaks: None,
                reason: format!("{} is new", n.file_name),
            }),
            (None, None) => {}
        }
    }
    changes.sort_by(|a, b| {
        b.is_breaking()
            .cmp(&a.is_breaking())
            .then_with(|| a.schema.cmp(&b.schema))
            .then_with(|| a.pointer.cmp(&b.pointer))
    });
    changes.dedup();
    Ok(SchemaDiff { changes })
}

/// The documents to compare: by file name for directories (bundles that other
/// files reference are compared through those files, not on their own), the
/// two files themselves otherwise.
fn pair<'a>(
    old: &'a SchemaSet,
    new: &'a SchemaSet,
) -> Vec<(Option<&'a SchemaDoc>, Option<&'a SchemaDoc>)> {
    if !old.is_dir() {
        return vec![(old.docs().first(), new.docs().first())];
    }
    let mut names: Vec<&str> = old
        .docs()
        .iter()
        .chain(new.docs())
        .map(|d| d.file_name.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .filter(|name| !old.is_bundle(name) && !new.is_bundle(name))
        .map(|name| (old.by_file_name(name), new.by_file_name(name)))
        .collect()
}
