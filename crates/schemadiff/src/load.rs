//! Reading a schema set (a directory of `*.json`, or one file and its siblings)
//! and resolving `$ref`s inside it.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::{DiffError, MAX_NESTING};

/// Keywords at least one of which a JSON Schema document carries.
const SCHEMA_KEYWORDS: &[&str] = &[
    "$schema",
    "$id",
    "$ref",
    "$defs",
    "definitions",
    "type",
    "properties",
    "items",
    "anyOf",
    "oneOf",
    "allOf",
    "enum",
    "const",
];

/// One JSON Schema or OpenAPI document of a set.
#[derive(Debug)]
pub struct SchemaDoc {
    /// The file stem without `.schema.json`/`.json`, e.g. `inquiry.response`.
    pub name: String,
    /// The file name, e.g. `inquiry.response.schema.json`.
    pub file_name: String,
    /// Where it was read from.
    pub path: PathBuf,
    /// The parsed document.
    pub value: Value,
}

impl SchemaDoc {
    /// True for an OpenAPI document (it has an `openapi` member).
    pub fn is_openapi(&self) -> bool {
        self.value.get("openapi").is_some()
    }
}

/// A node of a document being compared: which document, where, and its value.
#[derive(Debug, Clone, Copy)]
pub(super) struct Loc<'a> {
    pub doc: usize,
    pub value: &'a Value,
}

impl<'a> Loc<'a> {
    /// `value`, a part of the same document as `self`.
    pub(super) fn at(self, value: &'a Value) -> Self {
        Loc {
            doc: self.doc,
            value,
        }
    }
}

/// The documents of one side of a diff and an index of their `$id`s.
#[derive(Debug)]
pub struct SchemaSet {
    dir: bool,
    docs: Vec<SchemaDoc>,
    /// How many of `docs` were asked for; the rest are siblings read only to
    /// resolve `$ref`s.
    primary: usize,
    /// `$id` → (document, JSON pointer of the subschema carrying it).
    ids: HashMap<String, (usize, String)>,
    /// File names that another document of the set references.
    referenced: BTreeSet<String>,
}

impl SchemaSet {
    /// Reads a directory (every `*.json` directly in it) or one file (its
    /// `*.json` siblings are read too, leniently, to resolve `$ref`s).
    pub fn load(path: &Path) -> Result<SchemaSet, DiffError> {
        let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => DiffError::Missing(path.to_path_buf()),
            _ => DiffError::Read {
                path: path.to_path_buf(),
                source: e,
            },
        })?;
        let mut docs = Vec::new();
        if meta.is_dir() {
            for file in json_files(path)? {
                docs.push(read_doc(&file)?);
            }
            if docs.is_empty() {
                return Err(DiffError::Empty(path.to_path_buf()));
            }
            let primary = docs.len();
            return SchemaSet::index(true, docs, primary).checked();
        }
        docs.push(read_doc(path)?);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            for sibling in json_files(dir).unwrap_or_default() {
                if sibling.file_name() != path.file_name() {
                    docs.extend(read_doc(&sibling).ok());
                }
            }
        }
        SchemaSet::index(false, docs, 1).checked()
    }

    /// Fails on the first `$ref` of an asked-for document that points at nothing.
    fn checked(self) -> Result<SchemaSet, DiffError> {
        let mut dangling = None;
        for (i, doc) in self.docs().iter().enumerate() {
            collect_refs(&doc.value, "", &mut |reference, pointer| {
                if dangling.is_none() && self.resolve(i, reference).is_none() {
                    dangling = Some(DiffError::UnresolvedRef {
                        path: doc.path.clone(),
                        pointer: format!("{pointer}/$ref"),
                        reference: reference.to_owned(),
                    });
                }
            });
        }
        dangling.map_or(Ok(self), Err)
    }

    /// The same set without the document named `file_name` (e.g. a schema
    /// versioned on its own, like `report.schema.json`).
    pub fn without(mut self, file_name: &str) -> SchemaSet {
        let before = self.docs.len();
        self.docs.retain(|d| d.file_name != file_name);
        let primary = self.primary - (before - self.docs.len()).min(self.primary);
        SchemaSet::index(self.dir, self.docs, primary)
    }

    fn index(dir: bool, docs: Vec<SchemaDoc>, primary: usize) -> SchemaSet {
        let mut ids = HashMap::new();
        for (i, doc) in docs.iter().enumerate() {
            collect_ids(&doc.value, String::new(), &mut |id, pointer| {
                ids.entry(id).or_insert((i, pointer));
            });
        }
        let mut set = SchemaSet {
            dir,
            docs,
            primary,
            ids,
            referenced: BTreeSet::new(),
        };
        let mut referenced = BTreeSet::new();
        for (i, doc) in set.docs.iter().enumerate() {
            collect_refs(&doc.value, "", &mut |reference, _| {
                let base = reference.split('#').next().unwrap_or_default();
                if base.is_empty() {
                    return;
                }
                if let Some((target, _)) = set.find_base(i, base)
                    && target != i
                {
                    referenced.insert(set.docs[target].file_name.clone());
                }
            });
        }
        set.referenced = referenced;
        set
    }

    /// True when the set was read from a directory.
    pub fn is_dir(&self) -> bool {
        self.dir
    }

    /// The documents that were asked for (not the siblings read to resolve refs).
    pub fn docs(&self) -> &[SchemaDoc] {
        &self.docs[..self.primary]
    }

    /// The asked-for document with this file name.
    pub fn by_file_name(&self, file_name: &str) -> Option<&SchemaDoc> {
        self.docs().iter().find(|d| d.file_name == file_name)
    }

    /// True when another document of the set references `file_name`: a bundle
    /// of shared definitions, compared through the documents that use it.
    pub fn is_bundle(&self, file_name: &str) -> bool {
        self.referenced.contains(file_name)
    }

    pub(super) fn doc(&self, index: usize) -> &SchemaDoc {
        &self.docs[index]
    }

    /// The root node of `doc` (which must belong to this set).
    pub(super) fn root<'a>(&'a self, doc: &'a SchemaDoc) -> Loc<'a> {
        let index = self
            .docs
            .iter()
            .position(|d| std::ptr::eq(d, doc))
            .unwrap_or_default();
        Loc {
            doc: index,
            value: &doc.value,
        }
    }

    /// Follows `reference` (a `$ref` written in document `from`) to its target:
    /// the target's document, a key naming it (for cycle detection) and its value.
    pub(super) fn resolve(&self, from: usize, reference: &str) -> Option<(Loc<'_>, String)> {
        let (base, fragment) = match reference.split_once('#') {
            Some((base, fragment)) => (base, fragment),
            None => (reference, ""),
        };
        let (doc, start) = if base.is_empty() {
            (from, String::new())
        } else {
            self.find_base(from, base)?
        };
        let anchor = self.docs[doc].value.pointer(&start)?;
        let value = if fragment.is_empty() {
            anchor
        } else if fragment.starts_with('/') {
            anchor.pointer(&decode_fragment(fragment))?
        } else {
            find_anchor(anchor, fragment)?
        };
        let key = format!("{}#{start}{fragment}", self.docs[doc].file_name);
        Some((Loc { doc, value }, key))
    }

    /// The document (and the pointer of the subschema) a `$ref` base names: an
    /// `$id` as written, an `$id` relative to the referring document's `$id`, or
    /// a sibling file by name.
    fn find_base(&self, from: usize, base: &str) -> Option<(usize, String)> {
        if let Some(found) = self.ids.get(base) {
            return Some(found.clone());
        }
        if let Some(own) = self.docs[from].value.get("$id").and_then(Value::as_str)
            && let Some((dir, _)) = own.rsplit_once('/')
            && let Some(found) = self
                .ids
                .get(&format!("{dir}/{}", base.trim_start_matches("./")))
        {
            return Some(found.clone());
        }
        let file = base.rsplit('/').next().unwrap_or(base);
        self.docs
            .iter()
            .position(|d| d.file_name == file)
            .map(|i| (i, String::new()))
    }
}

fn json_files(dir: &Path) -> Result<Vec<PathBuf>, DiffError> {
    let read_error = |source| DiffError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_error)? {
        let path = entry.map_err(read_error)?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn read_doc(path: &Path) -> Result<SchemaDoc, DiffError> {
    let text = std::fs::read_to_string(path).map_err(|source| DiffError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if let Some(offset) = past_max_nesting(text.as_bytes()) {
        let (line, column) = line_column(&text, offset);
        return Err(DiffError::TooDeep {
            path: path.to_path_buf(),
            line,
            column,
            limit: MAX_NESTING,
        });
    }
    // serde_json's own limit (128 levels) would refuse a schema of about 64
    // nested properties; the depth is bounded above instead.
    let mut de = serde_json::Deserializer::from_str(&text);
    de.disable_recursion_limit();
    let value = Value::deserialize(&mut de)
        .and_then(|value| de.end().map(|()| value))
        .map_err(|e| DiffError::NotJson {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
    check_is_schema(path, &value)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = file_name
        .strip_suffix(".schema.json")
        .or_else(|| file_name.strip_suffix(".json"))
        .unwrap_or(&file_name)
        .to_owned();
    Ok(SchemaDoc {
        name,
        file_name,
        path: path.to_path_buf(),
        value,
    })
}

/// The byte offset of the first `{` or `[` nested deeper than
/// [`MAX_NESTING`] (strings skipped), if there is one: one pass, no recursion.
fn past_max_nesting(bytes: &[u8]) -> Option<usize> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(i);
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// 1-based line and column (in characters) of `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    (line, column)
}

fn check_is_schema(path: &Path, value: &Value) -> Result<(), DiffError> {
    let not_schema = |reason: String| DiffError::NotSchema {
        path: path.to_path_buf(),
        reason,
    };
    let Some(object) = value.as_object() else {
        return Err(not_schema(format!(
            "expected an object, found {}",
            json_type(value)
        )));
    };
    if object.contains_key("openapi") {
        return match object.get("openapi").and_then(Value::as_str) {
            Some(v) if v.starts_with('3') => Ok(()),
            _ => Err(not_schema(
                "\"openapi\" must be a 3.x version string".into(),
            )),
        };
    }
    if !SCHEMA_KEYWORDS.iter().any(|k| object.contains_key(*k)) {
        return Err(not_schema(format!(
            "expected one of {} at the top level",
            SCHEMA_KEYWORDS.join(", ")
        )));
    }
    jsonschema::meta::validate(value).map_err(|e| {
        let at = e.instance_path().as_str();
        not_schema(format!("{e} (at \"{at}\")"))
    })
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn collect_ids(value: &Value, pointer: String, found: &mut impl FnMut(String, String)) {
    match value {
        Value::Object(map) => {
            if let Some(id) = map.get("$id").and_then(Value::as_str) {
                found(id.trim_end_matches('#').to_owned(), pointer.clone());
            }
            for (key, child) in map {
                if key == "enum" || key == "const" || key == "examples" || key == "example" {
                    continue;
                }
                let escaped = key.replace('~', "~0").replace('/', "~1");
                collect_ids(child, format!("{pointer}/{escaped}"), found);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                collect_ids(child, format!("{pointer}/{i}"), found);
            }
        }
        _ => {}
    }
}

fn collect_refs(value: &Value, pointer: &str, found: &mut impl FnMut(&str, &str)) {
    match value {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                found(reference, pointer);
            }
            for (key, child) in map {
                if key != "enum" && key != "const" && key != "examples" && key != "example" {
                    let escaped = key.replace('~', "~0").replace('/', "~1");
                    collect_refs(child, &format!("{pointer}/{escaped}"), found);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                collect_refs(child, &format!("{pointer}/{i}"), found);
            }
        }
        _ => {}
    }
}

fn find_anchor<'a>(value: &'a Value, anchor: &str) -> Option<&'a Value> {
    match value {
        Value::Object(map) => {
            if map.get("$anchor").and_then(Value::as_str) == Some(anchor) {
                return Some(value);
            }
            map.values().find_map(|child| find_anchor(child, anchor))
        }
        Value::Array(items) => items.iter().find_map(|child| find_anchor(child, anchor)),
        _ => None,
    }
}

/// Percent-decodes a URI fragment (`%24defs` → `$defs`).
fn decode_fragment(fragment: &str) -> String {
    let bytes = fragment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = fragment.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A schema with `levels` properties nested in one another, the deepest of type `leaf`.
    fn nested(levels: usize, leaf: &str) -> String {
        let mut schema = format!("{{\"type\":\"{leaf}\"}}");
        for _ in 0..levels {
            schema = format!("{{\"type\":\"object\",\"properties\":{{\"x\":{schema}}}}}");
        }
        schema
    }

    #[test]
    fn deep_schemas_are_compared_up_to_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let (old, new) = (dir.path().join("old.json"), dir.path().join("new.json"));
        // 255 nested properties: 511 levels, past serde_json's default of 128.
        std::fs::write(&old, nested(255, "string")).unwrap();
        std::fs::write(&new, nested(255, "integer")).unwrap();
        let diff = crate::diff_paths(&old, &new).unwrap();
        assert_eq!(diff.changes.len(), 1, "{:?}", diff.changes);
        let change = &diff.changes[0];
        assert_eq!(
            change.pointer.matches('x').count(),
            255,
            "found at the bottom: {change:?}"
        );
    }

    #[test]
    fn past_the_limit_the_error_names_the_place_and_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deep.json");
        std::fs::write(&path, format!("\n{}", nested(MAX_NESTING, "string"))).unwrap();
        let error = read_doc(&path).unwrap_err().to_string();
        // Each level opens two: the property's schema and its `properties`.
        let prefix = "{\"type\":\"object\",\"properties\":{\"x\":".len();
        let column = MAX_NESTING / 2 * prefix + 1;
        assert!(
            error.starts_with(&format!("{}:2:{column}: ", path.display())),
            "{error}"
        );
        assert!(error.contains("nested deeper than 512 levels"), "{error}");
        assert_eq!(past_max_nesting(br#"{"a":"[[[[{{{{"}"#), None);
        assert_eq!(past_max_nesting(br#"["\"[", []]"#), None);
    }
}
