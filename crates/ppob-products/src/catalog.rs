//! The known categories, and which one a document belongs to.

use std::borrow::Cow;
use std::path::PathBuf;

use ppob_core::contract::Operation;

use crate::load::{LoadError, MANIFEST, conflict};
use crate::manifest::{Account, Manifest, Product};

/// Where a category comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Embedded in the build (`fixtures/<name>/`).
    Builtin,
    /// A folder read at run time.
    Folder(PathBuf),
}

/// One category: its folder name and its manifest.
#[derive(Debug, Clone)]
pub struct Category {
    /// The folder name, e.g. `pln-prepaid` (what `--category` takes).
    pub name: String,
    /// Where it was read from.
    pub source: Source,
    /// The manifest's text (for error positions).
    pub(crate) text: String,
    /// What the manifest says.
    pub manifest: Manifest,
    /// The folder's own example answers (`<operation>.response.json`), in
    /// [`Operation::ALL`] order, each when the folder has it.
    pub(crate) answers: [Option<Cow<'static, [u8]>>; 3],
    /// The `customerDetails` keys whose template is `{time}` (the date
    /// lines), of a successful inquiry and of a settled answer: read from
    /// the manifest once, not on every document (`product.date-order`).
    pub(crate) dates: [Vec<String>; 2],
}

impl Category {
    /// The manifest's path, as errors name it.
    pub fn path(&self) -> String {
        match &self.source {
            Source::Builtin => format!("fixtures/{}/{MANIFEST}", self.name),
            Source::Folder(dir) => dir.join(MANIFEST).display().to_string(),
        }
    }

    /// The keys of `phase`'s date lines (`customerDetails` lines whose template is `{time}`).
    pub(crate) fn date_keys(&self, phase: crate::rules::Phase) -> &[String] {
        let [inquiry, settled] = &self.dates;
        match phase {
            crate::rules::Phase::Inquiry => inquiry,
            crate::rules::Phase::Settled => settled,
        }
    }

    /// The product of this code, if the category sells it.
    pub fn product(&self, code: &str) -> Option<&Product> {
        self.manifest.products.iter().find(|p| p.code == code)
    }

    /// The folder's own example answer of `operation`
    /// (`<operation>.response.json`), byte for byte, if it has one: a
    /// documented answer of this category that belongs to no conversation of a
    /// run (what the simulator's `drift` fault serves).
    pub fn example_answer(&self, operation: Operation) -> Option<&[u8]> {
        let index = Operation::ALL.iter().position(|o| *o == operation)?;
        self.answers.get(index)?.as_deref()
    }
}

/// The known categories, in name order.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    categories: Vec<Category>,
}

/// Which category a document belongs to.
#[derive(Debug, Clone, Copy)]
pub enum Recognition<'a> {
    /// This one.
    Known(&'a Category),
    /// The document names a `category` no known category has.
    Unknown(&'a str),
    /// Several categories share the document's `category` and its product code does not pick one.
    Ambiguous(&'a str),
    /// Nothing to tell by (no `category`, no known product code).
    Unnamed,
}

impl Catalog {
    /// Adds a category, refusing a product code or account number another category has.
    pub fn add(&mut self, category: Category) -> Result<(), LoadError> {
        for other in &self.categories {
            if other.name == category.name {
                return Err(conflict(
                    &category,
                    "title",
                    "",
                    format!(
                        "a category named {:?} is already known ({})",
                        category.name,
                        other.path()
                    ),
                ));
            }
            if category.manifest.default && other.manifest.default {
                return Err(conflict(
                    &category,
                    "default",
                    "",
                    format!(
                        "{} ({}) is already the default category: at most one category says default = true",
                        other.name,
                        other.path()
                    ),
                ));
            }
            for product in &category.manifest.products {
                if other.product(&product.code).is_some() {
                    return Err(conflict(
                        &category,
                        "code",
                        &product.code,
                        format!(
                            "product code {:?} is already a product of {} ({}): product codes name one category",
                            product.code,
                            other.name,
                            other.path()
                        ),
                    ));
                }
            }
            for account in &category.manifest.accounts {
                if other
                    .manifest
                    .accounts
                    .iter()
                    .any(|a| a.number == account.number)
                {
                    return Err(conflict(
                        &category,
                        "number",
                        &account.number,
                        format!(
                            "account {:?} is already a test account of {} ({}): account numbers name one category",
                            account.number,
                            other.name,
                            other.path()
                        ),
                    ));
                }
            }
        }
        self.categories.push(category);
        self.categories.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(())
    }

    /// Removes the category of this name, if known.
    pub fn remove(&mut self, name: &str) {
        self.categories.retain(|c| c.name != name);
    }

    /// Every category, in name order.
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    /// The category of this folder name.
    pub fn get(&self, name: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.name == name)
    }

    /// The category selling this product code.
    pub fn by_product(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.product(code).is_some())
    }

    /// The test account of this number, with its category.
    pub fn account(&self, number: &str) -> Option<(&Category, &Account)> {
        self.categories.iter().find_map(|c| {
            c.manifest
                .accounts
                .iter()
                .find(|a| a.number == number)
                .map(|a| (c, a))
        })
    }

    /// The default category: the one whose manifest says `default = true`,
    /// else the first by name.
    pub fn default_category(&self) -> Option<&Category> {
        self.categories
            .iter()
            .find(|c| c.manifest.default)
            .or_else(|| self.categories.first())
    }

    /// The default product: the default category's first (what a case
    /// without `@PRODUCT` buys).
    pub fn default_product(&self) -> Option<&Product> {
        self.default_category()
            .and_then(|c| c.manifest.products.first())
    }

    /// The category of a document, from its `data.category` and product code.
    pub fn recognise<'a>(
        &'a self,
        category: Option<&'a str>,
        product_code: Option<&str>,
    ) -> Recognition<'a> {
        // Looked up only when the `category` string does not settle it: a
        // search through every category's products (this runs per document).
        let by_code = || product_code.and_then(|code| self.by_product(code));
        let Some(category) = category.filter(|c| !c.is_empty()) else {
            return by_code().map_or(Recognition::Unnamed, Recognition::Known);
        };
        let mut sharing = self
            .categories
            .iter()
            .filter(|c| c.manifest.category == category);
        let Some(first) = sharing.next() else {
            return Recognition::Unknown(category);
        };
        if sharing.next().is_none() {
            return Recognition::Known(first);
        }
        match by_code() {
            Some(c) if c.manifest.category == category => Recognition::Known(c),
            _ => Recognition::Ambiguous(category),
        }
    }

    /// The categories sharing a `data.category` string, by name.
    pub fn sharing(&self, category: &str) -> Vec<&str> {
        self.categories
            .iter()
            .filter(|c| c.manifest.category == category)
            .map(|c| c.name.as_str())
            .collect()
    }
}
