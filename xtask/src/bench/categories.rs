//! `cargo xtask bench categories`: the wall time of the release
//! `ppob-contract check` over every product category's simulator suite (the
//! command without flags), and of `check --category NAME` for each category,
//! as a user runs them: a process each, its start and the catalogue's
//! loading included. Every run must exit 0 (each case as its account
//! documents), else the benchmark fails. Each figure is the best of
//! [`RUNS`]; the median is shown too. Never part of `cargo test`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::{RUNS, build_release, no_options, release_binary};

const USAGE: &str = "usage: cargo xtask bench categories

  times `ppob-contract check` (every category) and `check --category NAME` (each one)";

/// The target `check` over every category stays under (issue 23).
const TARGET: Duration = Duration::from_secs(10);

/// Runs the benchmark and prints its table.
pub fn run(root: &Path, args: &[&str]) -> Result<()> {
    if !no_options(args, USAGE)? {
        return Ok(());
    }
    build_release(root)?;
    let binary = release_binary(root, "ppob-contract");
    let listed = Command::new(&binary)
        .args(["products", "--format", "json"])
        .current_dir(root)
        .output()
        .context("running ppob-contract products")?;
    let listed: Value = serde_json::from_slice(&listed.stdout).context("products --format json")?;
    let names: Vec<String> = listed["categories"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter_map(|c| c["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if names.is_empty() {
        bail!("`ppob-contract products` lists no category");
    }
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    println!(
        "bench categories: release `ppob-contract check` on the simulator, best of {RUNS}, {cores} cores"
    );
    let mut rows = vec![time_check(root, &binary, "every category", &[])?];
    for name in &names {
        rows.push(time_check(root, &binary, name, &["--category", name])?);
    }
    println!();
    println!("| check | cases | best | median |");
    println!("|---|---:|---:|---:|");
    for row in &rows {
        println!(
            "| {} | {} | {:.2} s | {:.2} s |",
            row.label,
            row.cases,
            row.best.as_secs_f64(),
            row.median.as_secs_f64()
        );
    }
    let every = &rows[0];
    println!(
        "\nevery category: {:.2} s (target < {} s): {}",
        every.best.as_secs_f64(),
        TARGET.as_secs(),
        if every.best < TARGET {
            "met"
        } else {
            "NOT met"
        }
    );
    Ok(())
}

/// One row of the table.
struct Row {
    label: String,
    cases: usize,
    best: Duration,
    median: Duration,
}

/// Times `check ARGS --format json` [`RUNS`] times; each run must exit 0.
fn time_check(root: &Path, binary: &Path, label: &str, args: &[&str]) -> Result<Row> {
    let mut times = Vec::new();
    let mut cases = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        let output = Command::new(binary)
            .arg("check")
            .args(args)
            .args(["--format", "json"])
            .current_dir(root)
            .stdin(Stdio::null())
            .output()
            .context("running ppob-contract check")?;
        times.push(start.elapsed());
        if !output.status.success() {
            bail!(
                "`ppob-contract check {}` failed ({}): {}",
                args.join(" "),
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let report: Value =
            serde_json::from_slice(&output.stdout).context("check --format json")?;
        cases = report["cases"].as_array().map_or(0, Vec::len);
    }
    times.sort();
    Ok(Row {
        label: label.to_owned(),
        cases,
        best: times[0],
        median: times[times.len() / 2],
    })
}
