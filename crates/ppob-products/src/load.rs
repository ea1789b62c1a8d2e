//! Reading category folders: the built-in ones embedded at build time, and
//! folders given at run time (`--products DIR`). Every problem names its file
//! and line.

use std::borrow::Cow;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use ppob_core::contract::Operation;

use crate::catalog::{Catalog, Category, Source};
use crate::manifest::{Manifest, PaymentOutcome};

include!(concat!(env!("OUT_DIR"), "/builtin.rs"));

/// The manifest file of a category folder.
pub const MANIFEST: &str = "category.toml";

/// Why category folders could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// A file or folder could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A manifest (or another file of the folder) is not what a category folder needs.
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        /// The path of the file at fault.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong and what was expected.
        message: String,
    },
    /// The folder holds no `category.toml`, nor folders that do.
    #[error(
        "{path}: no category folder here: expected {MANIFEST} in it, or in its folders (one folder per category)"
    )]
    NoCategory {
        /// The path given.
        path: String,
    },
}

/// 1-based line and column of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map_or(before.len(), |nl| before.len() - nl - 1)
        + 1;
    (line, column)
}

/// The position of the first `"value"` in `text`, else the first `key`, else 1:1.
fn position_of(text: &str, key: &str, value: &str) -> (usize, usize) {
    let quoted = format!("{value:?}");
    let offset = text
        .find(&quoted)
        .or_else(|| text.find(key))
        .unwrap_or_default();
    line_column(text, offset)
}

fn invalid(path: &str, text: &str, key: &str, value: &str, message: String) -> LoadError {
    let (line, column) = position_of(text, key, value);
    LoadError::Invalid {
        path: path.to_owned(),
        line,
        column,
        message,
    }
}

/// Reads one manifest's text: TOML, every key known, then the checks serde cannot make.
pub fn parse(name: &str, path: &str, text: &str, source: Source) -> Result<Category, LoadError> {
    let manifest: Manifest = toml::from_str(text).map_err(|e| {
        let (line, column) = e
            .span()
            .map_or((1, 1), |span| line_column(text, span.start));
        LoadError::Invalid {
            path: path.to_owned(),
            line,
            column,
            message: e.message().trim().to_owned(),
        }
    })?;
    let bad = |key: &str, value: &str, message: String| invalid(path, text, key, value, message);
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(bad(
            "title",
            "",
            format!(
                "the folder name {name:?} is the category's name: use lower-case letters, digits and '-'"
            ),
        ));
    }
    if manifest.products.is_empty() {
        return Err(bad(
            "products",
            "",
            "a category needs at least one [[products]] entry (code, name)".to_owned(),
        ));
    }
    for (i, account) in manifest.accounts.iter().enumerate() {
        if account.inquiry_fails.is_some() && !account.bill.is_empty() {
            return Err(bad(
                "number",
                &account.number,
                format!(
                    "account {:?} has both a bill and inquiry_fails: an inquiry either answers a bill or fails",
                    account.number
                ),
            ));
        }
        if let Some(code) = account.inquiry_fails
            && !(301..=399).contains(&code)
        {
            return Err(bad(
                "inquiry_fails",
                &account.number,
                format!(
                    "account {:?}: inquiry_fails {code} is not an inquiry failure code (301–399)",
                    account.number
                ),
            ));
        }
        let code = match account.payment {
            PaymentOutcome::Settles(c) | PaymentOutcome::Rejected(c) => c,
        };
        if !(0..=199).contains(&code) && !(301..=399).contains(&code) {
            return Err(bad(
                "payment",
                &account.number,
                format!(
                    "account {:?}: payment code {code} is neither a final success (0–99) nor a failure (100–199, 301–399)",
                    account.number
                ),
            ));
        }
        if let Some(code) = &account.product
            && !manifest.products.iter().any(|p| &p.code == code)
        {
            return Err(bad(
                "product",
                code,
                format!(
                    "account {:?}: product {code:?} is not one of this category's [[products]]",
                    account.number
                ),
            ));
        }
        let extras = &manifest.request;
        let asked = &account.request;
        let unwanted = [
            ("amount", asked.amount.is_some() && extras.amount.is_none()),
            ("month", asked.month.is_some() && extras.month.is_none()),
            ("zone_id", asked.zone_id.is_some() && !extras.zone_id),
        ];
        if let Some((field, _)) = unwanted.iter().find(|(_, unwanted)| *unwanted) {
            return Err(bad(
                field,
                &account.number,
                format!(
                    "account {:?} sends {field} but the category's [request] has no {field}",
                    account.number
                ),
            ));
        }
        if manifest.accounts[..i]
            .iter()
            .any(|a| a.number == account.number)
        {
            return Err(bad(
                "number",
                &account.number,
                format!("account {:?} is listed twice", account.number),
            ));
        }
    }
    let dates = [date_keys(&manifest.inquiry), date_keys(&manifest.settled)];
    Ok(Category {
        name: name.to_owned(),
        source,
        text: text.to_owned(),
        manifest,
        answers: [None, None, None],
        dates,
    })
}

/// The `customerDetails` keys of `lines` whose template is `{time}`.
fn date_keys(lines: &crate::manifest::Lines) -> Vec<String> {
    lines
        .customer
        .iter()
        .filter(|(_, template)| template.0 == "{time}")
        .map(|(key, _)| key.clone())
        .collect()
}

/// The largest example answer read from a category folder (the body cap of a
/// documented answer is far below; a larger file is not an example).
const MAX_EXAMPLE_ANSWER: u64 = 1 << 20;

/// The example answers of the category folder `dir`, in [`Operation::ALL`] order.
fn folder_answers(dir: &Path) -> Result<[Option<Cow<'static, [u8]>>; 3], LoadError> {
    let mut answers = [None, None, None];
    for (slot, operation) in answers.iter_mut().zip(Operation::ALL) {
        let file = dir.join(format!("{}.response.json", operation.name()));
        if !file.is_file() {
            continue;
        }
        let io = |source| LoadError::Io {
            path: file.display().to_string(),
            source,
        };
        let mut bytes = Vec::new();
        std::fs::File::open(&file)
            .and_then(|f| f.take(MAX_EXAMPLE_ANSWER + 1).read_to_end(&mut bytes))
            .map_err(io)?;
        if bytes.len() as u64 > MAX_EXAMPLE_ANSWER {
            return Err(LoadError::Invalid {
                path: file.display().to_string(),
                line: 1,
                column: 1,
                message: format!(
                    "an example answer is at most {MAX_EXAMPLE_ANSWER} bytes; this file is larger"
                ),
            });
        }
        *slot = Some(Cow::Owned(bytes));
    }
    Ok(answers)
}

/// Every built-in category, embedded from `fixtures/*/category.toml` at build time.
pub fn builtin() -> Result<Catalog, LoadError> {
    let mut catalog = Catalog::default();
    for (name, text) in BUILTIN {
        let path = format!("fixtures/{name}/{MANIFEST}");
        let mut category = parse(name, &path, text, Source::Builtin)?;
        if let Some((_, answers)) = BUILTIN_ANSWERS.iter().find(|(n, _)| n == name) {
            category.answers = answers.map(|a| a.map(Cow::Borrowed));
        }
        catalog.add(category)?;
    }
    Ok(catalog)
}

/// The category folders at `path`: the folder itself when it holds a
/// `category.toml`, else each folder in it that does, in name order.
pub fn folders(path: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let io = |source| LoadError::Io {
        path: path.display().to_string(),
        source,
    };
    if path.join(MANIFEST).is_file() {
        return Ok(vec![path.to_owned()]);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(io)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join(MANIFEST).is_file())
        .collect();
    found.sort();
    if found.is_empty() {
        return Err(LoadError::NoCategory {
            path: path.display().to_string(),
        });
    }
    Ok(found)
}

/// Reads one category folder.
pub fn folder(dir: &Path) -> Result<Category, LoadError> {
    let file = dir.join(MANIFEST);
    let path = file.display().to_string();
    let text = std::fs::read_to_string(&file).map_err(|source| LoadError::Io {
        path: path.clone(),
        source,
    })?;
    let name = dir
        .canonicalize()
        .unwrap_or_else(|_| dir.to_owned())
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned();
    let mut category = parse(&name, &path, &text, Source::Folder(dir.to_owned()))?;
    category.answers = folder_answers(dir)?;
    Ok(category)
}

/// The built-in categories plus those of `paths` (each a category folder or a
/// folder of them); a category named like a built-in one replaces it.
pub fn with_folders(paths: &[PathBuf]) -> Result<Catalog, LoadError> {
    let mut catalog = builtin()?;
    for path in paths {
        for dir in folders(path)? {
            let category = folder(&dir)?;
            catalog.remove(&category.name);
            catalog.add(category)?;
        }
    }
    Ok(catalog)
}

/// An error about `category` at the first occurrence of `value` in its manifest.
pub(crate) fn conflict(category: &Category, key: &str, value: &str, message: String) -> LoadError {
    invalid(&category.path(), &category.text, key, value, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<Category, LoadError> {
        parse("sample", "sample/category.toml", text, Source::Builtin)
    }

    const MINIMAL: &str = "title = \"Sample\"\ncategory = \"Sample\"\n[[products]]\ncode = \"S1\"\nname = \"Sample one\"\n";

    #[test]
    fn a_minimal_manifest_reads() {
        let c = parse_text(MINIMAL).unwrap();
        assert_eq!(c.manifest.products[0].code, "S1");
        assert!(c.manifest.accounts.is_empty());
    }

    #[test]
    fn errors_name_file_line_and_what_was_expected() {
        let e = parse_text(&format!("{MINIMAL}colour = 1\n")).unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("sample/category.toml:6:1: "), "{text}");
        assert!(text.contains("unknown field `colour`"), "{text}");

        let e = parse_text(&format!("{MINIMAL}[token]\npattern = \"[0-9\"\n")).unwrap_err();
        assert!(e.to_string().contains(":7:"), "{e}");
        assert!(e.to_string().contains("not a regular expression"), "{e}");

        let e = parse_text(&format!("{MINIMAL}[token]\nmake = \"{{serial}}\"\n")).unwrap_err();
        assert!(
            e.to_string().contains("unknown placeholder {serial}"),
            "{e}"
        );

        let e = parse_text("title = \"x\"\ncategory = \"x\"\nproducts = []\n").unwrap_err();
        assert!(e.to_string().contains("at least one [[products]]"), "{e}");
    }

    #[test]
    fn account_outcomes_are_checked() {
        let account =
            "[[accounts]]\nnumber = \"1\"\nname = \"N\"\nbehaviour = \"b\"\nexpected = \"e\"\n";
        let e = parse_text(&format!("{MINIMAL}{account}inquiry_fails = 100\n")).unwrap_err();
        assert!(e.to_string().contains("not an inquiry failure code"), "{e}");
        let e = parse_text(&format!(
            "{MINIMAL}{account}payment = {{ settles = 299 }}\n"
        ))
        .unwrap_err();
        assert!(e.to_string().contains("payment code 299"), "{e}");
        let e = parse_text(&format!("{MINIMAL}{account}{account}")).unwrap_err();
        assert!(e.to_string().contains("listed twice"), "{e}");
        let ok = parse_text(&format!(
            "{MINIMAL}{account}payment = {{ rejected = 105 }}\n"
        ))
        .unwrap();
        assert_eq!(
            ok.manifest.accounts[0].payment,
            PaymentOutcome::Rejected(105)
        );
    }

    #[test]
    fn the_builtin_categories_load() {
        let catalog = builtin().unwrap();
        assert!(catalog.get("mobile-postpaid").is_some());
        let defaults: Vec<_> = catalog
            .categories()
            .iter()
            .filter(|c| c.manifest.default)
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(defaults, ["mobile-postpaid"]);
        assert_eq!(
            catalog.default_category().map(|c| c.name.as_str()),
            Some("mobile-postpaid")
        );
    }

    #[test]
    fn the_default_category_is_the_one_marked_else_the_first() {
        let mut catalog = Catalog::default();
        let b = parse("b", "b/category.toml", MINIMAL, Source::Builtin).unwrap();
        let other = MINIMAL.replace("S1", "S2");
        let a = parse("a", "a/category.toml", &other, Source::Builtin).unwrap();
        catalog.add(b).unwrap();
        catalog.add(a).unwrap();
        assert_eq!(
            catalog.default_category().map(|c| c.name.as_str()),
            Some("a")
        );

        let mut catalog = Catalog::default();
        let marked = format!("default = true\n{MINIMAL}");
        let b = parse("b", "b/category.toml", &marked, Source::Builtin).unwrap();
        catalog.add(b).unwrap();
        let a = parse("a", "a/category.toml", &other, Source::Builtin).unwrap();
        catalog.add(a).unwrap();
        assert_eq!(
            catalog.default_category().map(|c| c.name.as_str()),
            Some("b")
        );
        assert_eq!(
            catalog.default_product().map(|p| p.code.as_str()),
            Some("S1")
        );

        let second = format!("default = true\n{}", MINIMAL.replace("S1", "S3"));
        let c = parse("c", "c/category.toml", &second, Source::Builtin).unwrap();
        let e = catalog.add(c).unwrap_err().to_string();
        assert!(e.starts_with("fixtures/c/category.toml:1:1: "), "{e}");
        assert!(
            e.contains("b (fixtures/b/category.toml) is already the default category"),
            "{e}"
        );
    }

    #[test]
    fn a_folders_example_answers_are_read_and_bounded() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("sample");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join(MANIFEST), MINIMAL).unwrap();
        std::fs::write(dir.join("payment.response.json"), b"{\"x\": 1}").unwrap();
        let category = folder(&dir).unwrap();
        assert_eq!(
            category.example_answer(Operation::Payment),
            Some(&b"{\"x\": 1}"[..])
        );
        assert_eq!(category.example_answer(Operation::Inquiry), None);

        let big = vec![b' '; (MAX_EXAMPLE_ANSWER + 1) as usize];
        std::fs::write(dir.join("status.response.json"), big).unwrap();
        let e = folder(&dir).unwrap_err().to_string();
        assert!(e.contains("status.response.json:1:1: "), "{e}");
        assert!(
            e.contains("an example answer is at most 1048576 bytes"),
            "{e}"
        );
    }

    #[test]
    fn every_builtin_category_carries_its_example_answers() {
        let catalog = builtin().unwrap();
        for category in catalog.categories() {
            for operation in Operation::ALL {
                let path = format!(
                    "{}/../../fixtures/{}/{}.response.json",
                    env!("CARGO_MANIFEST_DIR"),
                    category.name,
                    operation.name()
                );
                let on_disk = std::fs::read(&path).ok();
                assert_eq!(
                    category.example_answer(operation),
                    on_disk.as_deref(),
                    "{path}"
                );
            }
        }
    }

    #[test]
    fn a_folder_without_a_manifest_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let e = with_folders(&[dir.path().to_owned()]).unwrap_err();
        assert!(matches!(e, LoadError::NoCategory { .. }), "{e}");
    }
}
