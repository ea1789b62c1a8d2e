//! `ppob-contract products`: the product categories this run knows (built in,
//! plus the folders of `--products DIR`), as a table or as JSON.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde::Serialize;

use ppob_core::exit::ExitStatus;
use ppob_products::catalog::{Category, Source};
use ppob_products::manifest::{Finish, PaymentOutcome, Range};

/// How `products` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProductsFormat {
    /// One row per category.
    Human,
    /// `{"tool", "version", "categories": [{name, title, category, source, products,
    /// request, finish, accounts}]}`.
    Json,
}

/// Arguments of `products`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  ppob-contract products
  ppob-contract products --format json
  ppob-contract --products my-categories/ products

A category is one folder, fixtures/<name>/category.toml, built in; --products DIR (before or
after the subcommand, repeatable) adds the category folders of DIR for this run (docs/products.md).
NAME is what validate --category takes.")]
pub struct ProductsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ProductsFormat::Human)]
    pub format: ProductsFormat,
}

/// One product of a category, as listed.
#[derive(Serialize)]
struct ProductRow<'a> {
    code: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    price: Option<u64>,
}

/// The optional inquiry fields of a category, as listed.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RequestRow {
    #[serde(skip_serializing_if = "Option::is_none")]
    amount: Option<RangeRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    month: Option<RangeRow>,
    zone_id: bool,
}

#[derive(Serialize)]
struct RangeRow {
    min: u64,
    max: u64,
}

impl From<Range> for RangeRow {
    fn from(r: Range) -> Self {
        Self {
            min: r.min,
            max: r.max,
        }
    }
}

/// One category, as listed.
#[derive(Serialize)]
struct CategoryRow<'a> {
    name: &'a str,
    title: &'a str,
    category: &'a str,
    summary: &'a str,
    source: String,
    products: Vec<ProductRow<'a>>,
    request: RequestRow,
    finish: &'static str,
    accounts: usize,
}

fn finish_name(finish: Finish) -> &'static str {
    match finish {
        Finish::Sync => "sync",
        Finish::Async => "async",
    }
}

fn row(category: &Category) -> CategoryRow<'_> {
    let m = &category.manifest;
    CategoryRow {
        name: &category.name,
        title: &m.title,
        category: &m.category,
        summary: &m.summary,
        source: match &category.source {
            Source::Builtin => "built-in".to_owned(),
            Source::Folder(dir) => dir.display().to_string(),
        },
        products: m
            .products
            .iter()
            .map(|p| ProductRow {
                code: &p.code,
                name: &p.name,
                price: p.price,
            })
            .collect(),
        request: RequestRow {
            amount: m.request.amount.map(RangeRow::from),
            month: m.request.month.map(RangeRow::from),
            zone_id: m.request.zone_id,
        },
        finish: finish_name(m.finish),
        accounts: m.accounts.len(),
    }
}

/// The request extras of a row in one cell: `amount 10000..1000000, zoneId`, or `–`.
fn extras_cell(request: &RequestRow) -> String {
    let mut parts = Vec::new();
    if let Some(a) = &request.amount {
        parts.push(format!("amount {}..{}", a.min, a.max));
    }
    if let Some(m) = &request.month {
        parts.push(format!("month {}..{}", m.min, m.max));
    }
    if request.zone_id {
        parts.push("zoneId".to_owned());
    }
    if parts.is_empty() {
        "–".to_owned()
    } else {
        parts.join(", ")
    }
}

fn table(out: &mut impl Write, rows: &[CategoryRow<'_>]) -> io::Result<()> {
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                r.name.to_owned(),
                r.category.to_owned(),
                r.products
                    .iter()
                    .map(|p| p.code)
                    .collect::<Vec<_>>()
                    .join(", "),
                extras_cell(&r.request),
                r.finish.to_owned(),
                r.accounts.to_string(),
            ]
        })
        .collect();
    let header = [
        "NAME", "CATEGORY", "PRODUCTS", "EXTRAS", "FINISH", "ACCOUNTS",
    ];
    let mut widths = header.map(|h| h.chars().count());
    for row in &cells {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |out: &mut dyn Write, cells: &[&str]| -> io::Result<()> {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                let pad = w - cell.chars().count();
                text.push_str(cell);
                text.extend(std::iter::repeat_n(' ', pad + 2));
            }
        }
        writeln!(out, "{}", text.trim_end())
    };
    line(out, &header)?;
    for row in &cells {
        line(out, &row.each_ref().map(String::as_str))?;
    }
    let count =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    writeln!(
        out,
        "\n{}; {}; {}",
        count(rows.len(), "category", "categories"),
        count(
            rows.iter().map(|r| r.products.len()).sum(),
            "product",
            "products"
        ),
        count(
            rows.iter().map(|r| r.accounts).sum(),
            "test account",
            "test accounts"
        )
    )
}

#[derive(Serialize)]
struct JsonProducts<'a> {
    tool: &'static str,
    version: &'static str,
    categories: Vec<CategoryRow<'a>>,
}

fn print(args: &ProductsArgs) -> io::Result<()> {
    let rows: Vec<CategoryRow<'_>> = ppob_products::catalog()
        .categories()
        .iter()
        .map(row)
        .collect();
    let stdout = anstream::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match args.format {
        ProductsFormat::Json => {
            let doc = JsonProducts {
                tool: "ppob-contract",
                version: env!("CARGO_PKG_VERSION"),
                categories: rows,
            };
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        ProductsFormat::Human => table(&mut out, &rows)?,
    }
    out.flush()
}

/// Prints the known categories.
pub fn run(args: ProductsArgs) -> ExitCode {
    match print(&args) {
        Ok(()) => ExitStatus::Holds.into(),
        Err(e) => {
            if !ppob_core::exit::is_closed_pipe(&e) {
                let _ = writeln!(anstream::stderr(), "ppob-contract products: {e}");
            }
            ExitStatus::of_output_error(&e).into()
        }
    }
}

/// The category help examples draw on: the default one (`default = true`).
fn example_category() -> Option<&'static Category> {
    ppob_products::catalog().default_category()
}

/// A test account for help examples: the example category's first account
/// whose inquiry finds a bill and whose payment succeeds, without faults.
pub fn example_account() -> String {
    example_category()
        .and_then(|c| {
            c.manifest.accounts.iter().find(|a| {
                a.inquiry_fails.is_none()
                    && a.faults.is_empty()
                    && matches!(a.payment, PaymentOutcome::Settles(0..=99))
            })
        })
        .map_or_else(|| "ACCOUNT".to_owned(), |a| a.number.clone())
}

/// A failing case for help examples: `ACCOUNT=failed:CODE` of the example
/// category's first account whose inquiry fails.
#[cfg(feature = "full")]
pub fn example_failing_case() -> String {
    example_category()
        .and_then(|c| {
            c.manifest
                .accounts
                .iter()
                .find_map(|a| Some(format!("{}=failed:{}", a.number, a.inquiry_fails?)))
        })
        .unwrap_or_else(|| "ACCOUNT=failed:CODE".to_owned())
}

/// A product code for help examples: the example category's first.
#[cfg(feature = "full")]
pub fn example_product() -> String {
    example_category()
        .and_then(|c| c.manifest.products.first())
        .map_or_else(|| "PRODUCT".to_owned(), |p| p.code.clone())
}

/// Reads a `--category NAME`: a category this run knows (an unknown name is
/// a usage error listing the known ones).
pub fn parse_category(name: &str) -> Result<&'static Category, String> {
    let catalog = ppob_products::catalog();
    catalog.get(name).ok_or_else(|| {
        let known: Vec<&str> = catalog
            .categories()
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        format!(
            "no category named {name:?}: the known ones are {} (`ppob-contract products` lists them; --products DIR adds folders)",
            known.join(", ")
        )
    })
}

/// The `--products DIR` values of a command line (`--products DIR` or
/// `--products=DIR`, before any `--`). They are read before clap parses the
/// line: parsing a `--case` already asks the catalogue for its default product.
pub fn folders_in(args: &[std::ffi::OsString]) -> Vec<std::path::PathBuf> {
    let mut folders = Vec::new();
    let mut words = args.iter().skip(1);
    while let Some(word) = words.next() {
        if word == "--" {
            break;
        }
        if word == "--products" {
            if let Some(dir) = words.next() {
                folders.push(dir.into());
            }
        } else if let Some(dir) = word.to_str().and_then(|w| w.strip_prefix("--products=")) {
            folders.push(dir.into());
        }
    }
    folders
}

/// Makes this run's catalogue the built-in categories plus those of `folders`
/// (an error names the manifest, line and column and what was expected).
pub fn use_folders(folders: &[std::path::PathBuf]) -> Result<(), String> {
    let catalog = ppob_products::use_folders(folders).map_err(|e| e.to_string())?;
    #[cfg(feature = "full")]
    ppob_sim::accounts::check_catalog(catalog)?;
    #[cfg(not(feature = "full"))]
    let _ = catalog;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_folders_are_found_before_parsing() {
        let args: Vec<std::ffi::OsString> = [
            "ppob-contract",
            "--products",
            "a",
            "check",
            "--products=b",
            "--case",
            "1",
            "--",
            "--products",
            "c",
        ]
        .iter()
        .map(Into::into)
        .collect();
        let found = folders_in(&args);
        assert_eq!(found, vec![std::path::PathBuf::from("a"), "b".into()]);
    }
}
