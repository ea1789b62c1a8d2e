//! The regression directory (`fuzz-regressions/` by default): one JSON file
//! per shrunk failure, replayed before any new case on every run, until
//! someone deletes it.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::case::FuzzCase;

/// What the files say about themselves.
pub const ABOUT: &str = "ppob-contract fuzz regression: a shrunk failing case, replayed first by every `ppob-contract fuzz` run that uses this directory; delete the file once the failure is fixed for good";

/// One saved failure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Regression {
    /// [`ABOUT`].
    pub about: String,
    /// The oracle that failed, e.g. `fuzz.negative-refused`.
    pub oracle: String,
    /// What it said.
    pub message: String,
    /// The run's seed and the case's number in it, when it came from a run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The case's number in its run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    /// Where it failed, e.g. `simulator (in-process)`.
    pub found_against: String,
    /// The shrunk case.
    pub case: FuzzCase,
}

/// A regression file that cannot be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegressionError {
    /// The file or directory could not be read.
    #[error("{path}: {error}")]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        error: io::Error,
    },
    /// The file is not a regression.
    #[error(
        "{path}:{line}:{column}: not a fuzz regression ({message}); expected the JSON `ppob-contract fuzz` writes: {{\"about\", \"oracle\", \"message\", \"foundAgainst\", \"case\": {{\"scenario\", \"account\", \"product\", \"refStem\", …}}}}"
    )]
    Format {
        /// The path.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde's complaint.
        message: String,
    },
}

/// Reads one regression file.
pub fn load(path: &Path) -> Result<Regression, RegressionError> {
    let text = std::fs::read(path).map_err(|error| RegressionError::Io {
        path: path.to_owned(),
        error,
    })?;
    serde_json::from_slice(&text).map_err(|e| RegressionError::Format {
        path: path.to_owned(),
        line: e.line().max(1),
        column: e.column().max(1),
        message: e
            .to_string()
            .split(" at line")
            .next()
            .unwrap_or_default()
            .to_owned(),
    })
}

/// Every `*.json` file of `dir`, sorted by name; none when `dir` does not exist.
pub fn files_in(dir: &Path) -> Result<Vec<PathBuf>, RegressionError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => {
            return Err(RegressionError::Io {
                path: dir.to_owned(),
                error,
            });
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json") && p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

/// FNV-1a of the case's JSON: the same case always gets the same file name.
fn fingerprint(case: &FuzzCase) -> String {
    let text = serde_json::to_vec(case).unwrap_or_default();
    let hash = text.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut out = String::with_capacity(8);
    let _ = write!(out, "{:08x}", hash as u32);
    out
}

/// Writes `regression` into `dir` (created when missing) and returns its path:
/// `ORACLE-VARIANT-HASH.json`, so a failure found again replaces its own file.
pub fn save(dir: &Path, regression: &Regression) -> Result<PathBuf, RegressionError> {
    let io_error = |path: &Path, error| RegressionError::Io {
        path: path.to_owned(),
        error,
    };
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    let oracle = regression.oracle.trim_start_matches("fuzz.");
    let name = format!(
        "{oracle}-{}-{}.json",
        regression.case.variant(),
        fingerprint(&regression.case)
    );
    let path = dir.join(name);
    let mut text = serde_json::to_string_pretty(regression).unwrap_or_default();
    text.push('\n');
    std::fs::write(&path, text).map_err(|e| io_error(&path, e))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Mutation, Scenario};

    fn regression() -> Regression {
        Regression {
            about: ABOUT.into(),
            oracle: "fuzz.negative-refused".into(),
            message: "m".into(),
            seed: Some(1),
            index: Some(2),
            found_against: "simulator (in-process)".into(),
            case: FuzzCase {
                scenario: Scenario::Payment,
                account: "0811111111".into(),
                product: "product-code".into(),
                inquiry_extras: Default::default(),
                ref_stem: "FZ".into(),
                callback_urls: None,
                mutation: Some(Mutation::NegativeAmount { amount: -1 }),
            },
        }
    }

    #[test]
    fn saved_files_load_back_and_are_named_by_oracle_variant_and_case() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("new");
        let path = save(&sub, &regression()).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("negative-refused-negative-amount-"),
            "{name}"
        );
        assert_eq!(load(&path).unwrap(), regression());
        assert_eq!(
            save(&sub, &regression()).unwrap(),
            path,
            "same case, same file"
        );
        assert_eq!(files_in(&sub).unwrap(), vec![path]);
        assert!(files_in(&dir.path().join("missing")).unwrap().is_empty());
    }

    #[test]
    fn a_broken_file_is_named_with_its_line_and_what_was_expected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.json");
        std::fs::write(&path, "{\n  \"oracle\": 7\n}\n").unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(err.contains("bad.json:2:"), "{err}");
        assert!(err.contains("expected the JSON"), "{err}");
    }
}
