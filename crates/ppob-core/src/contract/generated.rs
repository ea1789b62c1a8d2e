//! The files of `schemas/` that the contract derives, as `cargo xtask
//! schemas` writes them: the bundle, one schema per document kind, the same
//! schema self-contained under `schemas/bundled/`, and the OpenAPI document. It sits on both [`super::schemas`] and
//! [`super::openapi`], which do not know each other's files.

use serde_json::Value;

use super::kind::DocKind;
use super::openapi;
use super::schemas::{
    BUNDLED_DIR, DEFINITIONS_FILE, SchemaVariant, bundled_schema, definitions, published_schema,
    schema_file,
};

/// One generated file: its path relative to the repository root and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the repository root, e.g. `schemas/openapi.json`.
    pub path: String,
    /// The exact file contents (pretty JSON with a trailing newline).
    pub contents: String,
}

/// `value` as the pretty-printed file `path`, ending in a newline.
pub fn generated_file(path: String, value: &Value) -> GeneratedFile {
    let mut contents = serde_json::to_string_pretty(value).unwrap_or_default();
    contents.push('\n');
    GeneratedFile { path, contents }
}

/// Every contract file under `schemas/`, as `cargo xtask schemas` writes it
/// (the report schema is the reporter layer's: `ppob_report::report_schema_file`).
pub fn generated_files() -> Vec<GeneratedFile> {
    let mut files = vec![generated_file(
        format!("schemas/{DEFINITIONS_FILE}"),
        &definitions(SchemaVariant::Published),
    )];
    files.extend(DocKind::ALL.iter().map(|&kind| {
        generated_file(
            format!("schemas/{}", schema_file(kind)),
            &published_schema(kind),
        )
    }));
    files.extend(DocKind::ALL.iter().map(|&kind| {
        generated_file(
            format!("schemas/{BUNDLED_DIR}/{}", schema_file(kind)),
            &bundled_schema(kind),
        )
    }));
    files.push(generated_file(
        "schemas/openapi.json".into(),
        &openapi::document(),
    ));
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::schemas::{STANDARD_FORMATS, for_each_schema};

    #[test]
    fn every_generated_file_is_pretty_json_with_standard_formats_only() {
        let files = generated_files();
        assert!(files.iter().any(|f| f.path == "schemas/openapi.json"));
        assert_eq!(files.len(), 2 * DocKind::ALL.len() + 2);
        for file in files {
            assert!(file.contents.ends_with("}\n"), "{}", file.path);
            let mut value: Value = serde_json::from_str(&file.contents).unwrap();
            for_each_schema(&mut value, &mut |map| {
                if let Some(Value::String(f)) = map.get("format") {
                    assert!(
                        STANDARD_FORMATS.contains(&f.as_str()),
                        "{}: format {f}",
                        file.path
                    );
                }
            });
        }
    }
}
