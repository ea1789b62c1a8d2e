//! Which answers a negative request may get: a table read from TOML
//! (`acceptable.toml`, built in; `--acceptable FILE` replaces entries).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use ppob_core::contract::Operation;

/// The built-in table.
pub const BUILT_IN: &str = include_str!("acceptable.toml");

/// A responseCode, or an inclusive range written `"A-B"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
enum CodeSpec {
    One(i64),
    Range(String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    #[serde(default)]
    codes: Vec<CodeSpec>,
    #[serde(default)]
    http: Vec<u16>,
    #[serde(default)]
    tolerated: bool,
}

/// What one variant may be answered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acceptable {
    /// The key it was found under, e.g. `payment.negative-amount`.
    pub key: String,
    /// Inclusive ranges of acceptable `responseCode`s.
    pub codes: Vec<(i64, i64)>,
    /// HTTP statuses acceptable as a refusal, whatever the body.
    pub http: Vec<u16>,
    /// Whether any answer is acceptable (a harmless variant).
    pub tolerated: bool,
}

impl Acceptable {
    /// Whether `code` is one of the acceptable codes.
    pub fn accepts_code(&self, code: i64) -> bool {
        self.codes
            .iter()
            .any(|(lo, hi)| (*lo..=*hi).contains(&code))
    }

    /// The codes as written in reports, e.g. `104, 114, 180` or `100-101, 103-107`.
    pub fn codes_text(&self) -> String {
        let mut parts: Vec<String> = self
            .codes
            .iter()
            .map(|(lo, hi)| {
                if lo == hi {
                    lo.to_string()
                } else {
                    format!("{lo}-{hi}")
                }
            })
            .collect();
        if !self.http.is_empty() {
            let http: Vec<String> = self.http.iter().map(u16::to_string).collect();
            parts.push(format!("or HTTP {}", http.join("/")));
        }
        parts.join(", ")
    }
}

/// A table that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}: {message}")]
pub struct TableError {
    /// The file (or `built-in acceptable.toml`).
    pub source_name: String,
    /// What is wrong, with line and column when TOML said.
    pub message: String,
}

/// The whole table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptableTable {
    entries: BTreeMap<String, Acceptable>,
}

fn parse_range(key: &str, text: &str) -> Result<(i64, i64), String> {
    let bad =
        || format!("[{key}] codes: {text:?} is not a code range: write \"A-B\", e.g. \"100-199\"");
    let (lo, hi) = text.split_once('-').ok_or_else(bad)?;
    let lo: i64 = lo.trim().parse().map_err(|_| bad())?;
    let hi: i64 = hi.trim().parse().map_err(|_| bad())?;
    if lo > hi {
        return Err(bad());
    }
    Ok((lo, hi))
}

fn parse(text: &str, source_name: &str) -> Result<BTreeMap<String, Acceptable>, TableError> {
    let error = |message: String| TableError {
        source_name: source_name.to_owned(),
        message,
    };
    let raw: BTreeMap<String, RawEntry> = toml::from_str(&flatten(text))
        .map_err(|e| error(e.to_string().trim_end().replace('\n', "\n  ")))?;
    raw.into_iter()
        .map(|(key, entry)| {
            let codes = entry
                .codes
                .iter()
                .map(|c| match c {
                    CodeSpec::One(n) => Ok((*n, *n)),
                    CodeSpec::Range(text) => parse_range(&key, text),
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(error)?;
            let acceptable = Acceptable {
                key: key.clone(),
                codes,
                http: entry.http,
                tolerated: entry.tolerated,
            };
            Ok((key, acceptable))
        })
        .collect()
}

/// TOML reads `[payment.negative-amount]` as nested tables; the keys here
/// are flat names, so each dotted table header is quoted first.
fn flatten(text: &str) -> String {
    text.lines()
        .map(|line| {
            let trimmed = line.trim();
            match trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
                Some(key) if !key.starts_with('[') && !key.contains('"') => {
                    format!("[\"{}\"]", key.trim())
                }
                _ => line.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

impl AcceptableTable {
    /// The built-in table.
    pub fn built_in() -> Self {
        let entries = parse(BUILT_IN, "built-in acceptable.toml").unwrap_or_default();
        Self { entries }
    }

    /// The built-in table with the entries of `path` on top.
    pub fn with_file(path: &Path) -> Result<Self, TableError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| TableError {
            source_name: name.clone(),
            message: e.to_string(),
        })?;
        let mut table = Self::built_in();
        table.entries.extend(parse(&text, &name)?);
        Ok(table)
    }

    /// The entry of `variant` on `operation` about `field`, most specific first.
    pub fn lookup(&self, operation: Operation, variant: &str, field: Option<&str>) -> &Acceptable {
        let op = operation.name();
        let mut keys = Vec::with_capacity(5);
        if let Some(field) = field {
            keys.push(format!("{op}.{variant}.{field}"));
        }
        keys.push(format!("{op}.{variant}"));
        if let Some(field) = field {
            keys.push(format!("{variant}.{field}"));
        }
        keys.push(variant.to_owned());
        keys.iter()
            .find_map(|k| self.entries.get(k))
            .or_else(|| self.entries.get("default"))
            .unwrap_or(&FALLBACK)
    }
}

/// Used only when a table lacks `default`: accepts nothing, so every answer is reported.
static FALLBACK: Acceptable = Acceptable {
    key: String::new(),
    codes: Vec::new(),
    http: Vec::new(),
    tolerated: false,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_table_parses_and_has_a_default() {
        let entries = parse(BUILT_IN, "built-in").unwrap();
        assert!(entries.contains_key("default"));
        assert!(entries.contains_key("payment.empty-string.refNumber"));
        assert!(entries.len() > 30, "{}", entries.len());
    }

    #[test]
    fn the_most_specific_key_wins() {
        let t = AcceptableTable::built_in();
        let e = t.lookup(Operation::Payment, "empty-string", Some("refNumber"));
        assert_eq!(e.key, "payment.empty-string.refNumber");
        assert!(e.accepts_code(183) && !e.accepts_code(304));
        let e = t.lookup(Operation::Status, "empty-string", Some("partnerId"));
        assert_eq!(e.key, "empty-string.partnerId");
        let e = t.lookup(Operation::Payment, "negative-amount", Some("amount"));
        assert_eq!(e.key, "negative-amount");
        assert_eq!(e.codes_text(), "104, 114, 180, 199, or HTTP 400/422");
        let e = t.lookup(Operation::Inquiry, "no-such-variant", None);
        assert_eq!(e.key, "default");
        assert!(e.accepts_code(150) && !e.accepts_code(102) && !e.accepts_code(0));
    }

    #[test]
    fn a_file_replaces_entries_and_bad_files_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mine.toml");
        std::fs::write(&path, "[payment.negative-amount]\ncodes = [\"100-199\"]\n").unwrap();
        let t = AcceptableTable::with_file(&path).unwrap();
        let e = t.lookup(Operation::Payment, "negative-amount", None);
        assert!(e.accepts_code(150) && e.http.is_empty());

        std::fs::write(&path, "[x]\ncodes = [1]\nhttp = \"400\"\n").unwrap();
        let err = AcceptableTable::with_file(&path).unwrap_err().to_string();
        assert!(err.contains("mine.toml") && err.contains("line 3"), "{err}");

        std::fs::write(&path, "[x]\ncodes = [\"9-1\"]\n").unwrap();
        let err = AcceptableTable::with_file(&path).unwrap_err().to_string();
        assert!(
            err.contains("[x] codes") && err.contains("\"9-1\""),
            "{err}"
        );

        std::fs::write(&path, "[x]\ncolour = 1\n").unwrap();
        let err = AcceptableTable::with_file(&path).unwrap_err().to_string();
        assert!(err.contains("colour"), "{err}");
    }
}
