//! Developer tasks: `cargo xtask schemas`, `cargo xtask bindings`, `cargo xtask seed-cassette`,
//! `cargo xtask bench validate|check|categories|mock|fuzz|locate|endless|memory`, `cargo xtask fuzz --minutes N`.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod bench;
mod bindings;
mod fuzz;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  schemas            regenerate schemas/ from the Rust models and the category manifests
  schemas --check    fail if schemas/ is stale (what the test suite checks)
  schemas --release  copy the published schema set to schemas/released/<SCHEMA_VERSION>/ (the
                     baseline `schemas diff` and the version test compare against)
  bindings           regenerate bindings/ (the TypeScript and Python packages) from schemas/
                     (needs node, npm and python3; installs the pinned generators into target/consumers/)
  bindings --check   fail if bindings/ is stale (what the test suite checks)
  seed-cassette      regenerate fixtures/mobile-postpaid/cassettes/seed/seed.har from the seed fixtures
  seed-cassette --check
                     fail if the seed cassette is stale (what the test suite checks)
  bench              list the benchmarks (each builds in release; see docs/benchmarks.md)
  bench validate     benchmark `ppob-contract validate` over a generated NDJSON corpus
  bench check        inquiry → payment → status flows/s through the in-process simulator
  bench categories   the release `check` over every product category (wall time, target < 10 s)
  bench mock         `ppob-contract mock` on 127.0.0.1 under wrk: requests/s, p50/p99 latency
  bench fuzz         `ppob-contract fuzz` cases/s in process and against mock over HTTP
  bench locate       judging 10 KB–10 MB documents with a finding every 12 bytes (linear placement)
  bench endless      max RSS of the release `check` against endless answer bodies on 127.0.0.1
  bench memory       peak RSS of the release binary on large and endless inputs (each < 100 MB)
  fuzz --minutes N [--target T]
                     run the cargo-fuzz targets of fuzz/ (nightly; docs/fuzz-targets.md)";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace root")
        .to_path_buf()
}

fn schemas(check: bool) -> Result<()> {
    let root = repo_root();
    let mut stale = Vec::new();
    for file in ppob_contract::generated_files() {
        let path = root.join(&file.path);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == file.contents {
            continue;
        }
        if check {
            stale.push(file.path);
        } else {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&path, &file.contents)
                .with_context(|| format!("writing {}", path.display()))?;
            println!("wrote {}", file.path);
        }
    }
    if !stale.is_empty() {
        bail!("stale: {}; run cargo xtask schemas", stale.join(", "));
    }
    if !check {
        println!("schemas/ is up to date");
    }
    Ok(())
}

/// Schema files that are versioned with the tool, not with `SCHEMA_VERSION`.
const NOT_RELEASED: &[&str] = &["schemas/report.schema.json"];

fn release_schemas() -> Result<()> {
    let root = repo_root();
    let version = ppob_contract::contract::SCHEMA_VERSION;
    let dir = root.join("schemas/released").join(version);
    let files: Vec<_> = ppob_contract::generated_files()
        .into_iter()
        .filter(|f| !NOT_RELEASED.contains(&f.path.as_str()))
        .collect();
    if dir.exists() {
        let same = files.iter().all(|f| {
            let name = f.path.trim_start_matches("schemas/");
            std::fs::read_to_string(dir.join(name)).is_ok_and(|c| c == f.contents)
        });
        if same {
            println!("schemas/released/{version}/ is up to date");
            return Ok(());
        }
        bail!(
            "schemas/released/{version}/ exists and differs: a released set never changes; \
             bump SCHEMA_VERSION (crates/ppob-core/src/contract/version.rs) and add a schemas/CHANGELOG.md entry"
        );
    }
    std::fs::create_dir_all(&dir)?;
    for file in files {
        let name = file.path.trim_start_matches("schemas/");
        if let Some(sub) = dir.join(name).parent() {
            std::fs::create_dir_all(sub)?; // bundled/, categories/
        }
        std::fs::write(dir.join(name), &file.contents)
            .with_context(|| format!("writing {}", dir.join(name).display()))?;
    }
    println!("released schemas/released/{version}/");
    Ok(())
}

fn seed_cassette(check: bool) -> Result<()> {
    use ppob_contract::transport::cassette::{SEED_CASSETTE, seed_cassette};
    let root = repo_root();
    let contents = seed_cassette(&root.join("fixtures/mobile-postpaid"))?;
    let path = root.join(SEED_CASSETTE);
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current == contents {
        println!("{SEED_CASSETTE} is up to date");
        return Ok(());
    }
    if check {
        bail!("stale: {SEED_CASSETTE}; run cargo xtask seed-cassette");
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, contents).with_context(|| format!("writing {}", path.display()))?;
    println!("wrote {SEED_CASSETTE}");
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["schemas"] => schemas(false),
        ["schemas", "--check"] => schemas(true),
        ["schemas", "--release"] => release_schemas(),
        ["bindings"] => bindings::run(&repo_root(), false),
        ["bindings", "--check"] => bindings::run(&repo_root(), true),
        ["seed-cassette"] => seed_cassette(false),
        ["seed-cassette", "--check"] => seed_cassette(true),
        ["bench", rest @ ..] => bench::run(&repo_root(), rest),
        ["fuzz", rest @ ..] => fuzz::run(&repo_root(), rest),
        ["help" | "--help" | "-h"] | [] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => bail!("unknown task {args:?}\n\n{USAGE}"),
    }
}
