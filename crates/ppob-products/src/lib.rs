//! PPOB product categories as data.
//!
//! Everything specific to one category — its `category` string, product
//! codes, request extras, detail keys per phase, what its `token` carries,
//! how many bill periods, whether a payment finishes at once, the
//! simulator's test accounts — lives in one folder, `fixtures/<name>/`, beside
//! its fixtures and cassettes: `category.toml` ([`manifest::Manifest`]). The
//! built-in folders are found by glob and embedded at build time
//! ([`load::builtin`]); more are read at run time ([`load::with_folders`],
//! `--products DIR`). Generic code reads them: the category rules
//! ([`rules`]), the simulator, `check`, `fuzz` and `validate`.
//!
//! Modules, one job each: `manifest` (the file's serde types), `load`
//! (reading folders, errors naming file and line), `catalog` (the known
//! categories; which one a document is), `template` (detail-line and token
//! templates), `rules` (the category rules of known kinds), `schema` (each
//! category's JSON Schema for consumers, `schemas/categories/`).
//!
//! ```
//! use ppob_products::{Recognition, catalog};
//!
//! let known = catalog();
//! assert!(known.categories().len() >= 1);
//! let seed = known.get("mobile-postpaid").expect("built in");
//! let by_name = known.recognise(Some(seed.manifest.category.as_str()), None);
//! assert!(matches!(by_name, Recognition::Known(c) if c.name == "mobile-postpaid"));
//! assert!(matches!(known.recognise(Some("no such category"), None), Recognition::Unknown(_)));
//! ```

pub mod catalog;
pub mod load;
pub mod manifest;
pub mod rules;
pub mod schema;
pub mod template;

use std::path::PathBuf;
use std::sync::OnceLock;

pub use catalog::{Catalog, Category, Recognition, Source};
pub use load::LoadError;
pub use manifest::Manifest;

static CATALOG: OnceLock<Catalog> = OnceLock::new();

/// The process's categories: the built-in ones, plus the folders given to
/// [`use_folders()`] before the first call.
pub fn catalog() -> &'static Catalog {
    CATALOG.get_or_init(|| {
        // invariant: the built-in manifests are checked by this crate's tests
        // (`the_builtin_categories_load`); an empty catalog is the fallback.
        load::builtin().unwrap_or_default()
    })
}

/// Why [`use_folders`] refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UseError {
    /// A folder could not be read.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The catalogue was already in use: folders must be added first.
    #[error("the product categories were read before --products was applied")]
    AlreadyInUse,
}

/// Makes the process's catalogue the built-in categories plus those of
/// `paths` (each a category folder or a folder of them). Call it once,
/// before anything reads [`catalog()`].
pub fn use_folders(paths: &[PathBuf]) -> Result<&'static Catalog, UseError> {
    let loaded = load::with_folders(paths)?;
    CATALOG.set(loaded).map_err(|_| UseError::AlreadyInUse)?;
    Ok(catalog())
}
