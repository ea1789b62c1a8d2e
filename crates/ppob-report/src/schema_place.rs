//! Where a finding's rule is written down: the line of `schemas/` that
//! defines the member a document pointer names. Formats that must point at
//! a file of the repository (SARIF for code scanning) place the findings of
//! documents that are no file there — `check` and `fuzz` exchanges, stdin —
//! on the definition they break, e.g. `/data/amount` of a payment answer on
//! `amount` of `PaymentData` in `schemas/defs.schema.json`.
//!
//! The files are the ones `cargo xtask schemas` writes
//! ([`ppob_core::contract::generated_files`]), built in memory, so the lines
//! are those of the committed `schemas/` (a test keeps it fresh).

use std::collections::BTreeMap;

use ppob_core::contract::locate::{escape_token, locate, pointer_tokens, position};
use ppob_core::contract::{DocKind, generated_files, schema_file};
use serde_json::Value;

/// The file a finding falls back to when nothing better is known: the
/// OpenAPI document describes every operation.
pub const CONTRACT_FILE: &str = "schemas/openapi.json";

/// A place in a file of the repository: its path and 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePlace {
    /// Path relative to the repository root, `/`-separated.
    pub path: String,
    /// 1-based line.
    pub line: u64,
    /// 1-based column.
    pub column: u64,
}

/// Rounds a schema walk may take through `$ref`s and branches (a walk never
/// loops: it stops here).
const MAX_HOPS: usize = 64;

/// The generated schema files, parsed once.
pub struct SchemaPlaces {
    files: BTreeMap<String, (String, Value)>,
}

impl Default for SchemaPlaces {
    fn default() -> Self {
        Self::new()
    }
}

impl SchemaPlaces {
    /// The contract's files, derived once per process.
    pub fn shared() -> &'static Self {
        static SHARED: std::sync::OnceLock<SchemaPlaces> = std::sync::OnceLock::new();
        SHARED.get_or_init(Self::new)
    }

    /// The contract's files, derived now.
    pub fn new() -> Self {
        let files = generated_files()
            .into_iter()
            .filter_map(|file| {
                let value = serde_json::from_str(&file.contents).ok()?;
                Some((file.path, (file.contents, value)))
            })
            .collect();
        Self { files }
    }

    /// The line defining `pointer` of a document of `kind` (a `DocKind`
    /// name): the deepest member of the pointer the schema describes, or the
    /// kind's schema file, or [`CONTRACT_FILE`] for an unknown kind.
    pub fn place(&self, kind: Option<&str>, pointer: &str) -> FilePlace {
        let Some(kind) = kind.and_then(|k| k.parse::<DocKind>().ok()) else {
            return self.at(CONTRACT_FILE, "");
        };
        let file = format!("schemas/{}", schema_file(kind));
        let (file, schema_pointer) = self.walk(file, pointer);
        self.at(&file, &schema_pointer)
    }

    /// The line and column of `schema_pointer` in `path` (its member key
    /// when it is one); line 1 when the file is unknown.
    fn at(&self, path: &str, schema_pointer: &str) -> FilePlace {
        let Some((text, _)) = self.files.get(path) else {
            return FilePlace {
                path: path.to_owned(),
                line: 1,
                column: 1,
            };
        };
        let spot = locate(text.as_bytes(), schema_pointer);
        let at = position(text.as_bytes(), spot.key.unwrap_or(spot.value));
        FilePlace {
            path: path.to_owned(),
            line: at.line,
            column: at.column,
        }
    }

    fn value(&self, path: &str, pointer: &str) -> Option<&Value> {
        self.files.get(path)?.1.pointer(pointer)
    }

    /// Follows the document pointer's tokens through the schema: members
    /// under `properties`, array elements under `items`, through `$ref`s
    /// and the first `anyOf`/`oneOf`/`allOf`/`then`/`else` branch that knows
    /// the next token. Returns the deepest schema reached.
    fn walk(&self, file: String, pointer: &str) -> (String, String) {
        let mut here = (file, String::new());
        let mut hops = 0;
        for token in pointer_tokens(pointer) {
            let Some(next) = self.step(&here, &token, &mut hops) else {
                break;
            };
            here = next;
        }
        here
    }

    /// The schema of `token` below the schema at `here`, if one is found.
    fn step(
        &self,
        here: &(String, String),
        token: &str,
        hops: &mut usize,
    ) -> Option<(String, String)> {
        let mut queue = vec![here.clone()];
        while let Some((file, at)) = queue.pop() {
            *hops += 1;
            if *hops > MAX_HOPS {
                return None;
            }
            let schema = self.value(&file, &at)?;
            let member = format!("{at}/properties/{}", escape_token(token));
            if self.value(&file, &member).is_some() {
                return Some((file, member));
            }
            if token.bytes().all(|b| b.is_ascii_digit())
                && schema.get("items").is_some_and(Value::is_object)
            {
                return Some((file, format!("{at}/items")));
            }
            // Branches are tried in order: pushed in reverse onto the stack.
            let mut branches = Vec::new();
            if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
                branches.push(resolve(&file, reference));
            }
            for keyword in ["allOf", "anyOf", "oneOf"] {
                if let Some(list) = schema.get(keyword).and_then(Value::as_array) {
                    branches.extend(
                        (0..list.len()).map(|i| (file.clone(), format!("{at}/{keyword}/{i}"))),
                    );
                }
            }
            for keyword in ["then", "else"] {
                if schema.get(keyword).is_some() {
                    branches.push((file.clone(), format!("{at}/{keyword}")));
                }
            }
            queue.extend(branches.into_iter().rev());
        }
        None
    }
}

/// A `$ref` from `file`: `defs.schema.json#/$defs/X` or `#/$defs/X`.
fn resolve(file: &str, reference: &str) -> (String, String) {
    let (target, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    let path = if target.is_empty() {
        file.to_owned()
    } else {
        match file.rsplit_once('/') {
            Some((dir, _)) => format!("{dir}/{target}"),
            None => target.to_owned(),
        }
    };
    (path, fragment.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_of(place: &FilePlace) -> String {
        let text = generated_files()
            .into_iter()
            .find(|f| f.path == place.path)
            .unwrap()
            .contents;
        text.lines()
            .nth(place.line as usize - 1)
            .unwrap()
            .to_owned()
    }

    #[test]
    fn a_pointer_lands_on_the_member_that_defines_it() {
        let places = SchemaPlaces::new();
        let amount = places.place(Some("payment.response"), "/data/amount");
        assert_eq!(amount.path, "schemas/defs.schema.json");
        assert!(
            line_of(&amount).trim_start().starts_with("\"amount\""),
            "{amount:?}"
        );
        let line = places.place(Some("payment.response"), "/data/billDetails/0/billInfo");
        assert_eq!(line.path, "schemas/defs.schema.json");
        let code = places.place(Some("inquiry.response"), "/responseCode");
        assert!(code.path.starts_with("schemas/"), "{code:?}");
        assert!(line_of(&code).contains("\"responseCode\""), "{code:?}");
    }

    #[test]
    fn what_the_schema_does_not_describe_stops_at_the_deepest_known_place() {
        let places = SchemaPlaces::new();
        let unknown = places.place(Some("status.response"), "/data/nonsense/deeper");
        assert!(unknown.path.starts_with("schemas/"), "{unknown:?}");
        assert!(line_of(&unknown).contains("\"data\""), "{unknown:?}");
        let root = places.place(Some("status.request"), "");
        assert_eq!(
            (root.path.as_str(), root.line),
            ("schemas/status.request.schema.json", 1)
        );
        let no_kind = places.place(None, "/x");
        assert_eq!((no_kind.path.as_str(), no_kind.line), (CONTRACT_FILE, 1));
        let bad_kind = places.place(Some("nonsense"), "/x");
        assert_eq!(bad_kind.path, CONTRACT_FILE);
    }
}
