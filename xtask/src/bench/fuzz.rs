//! `cargo xtask bench fuzz`: generated cases per second of
//! `ppob-contract fuzz`, oracles on, through the in-process simulator and
//! through `ppob-contract mock` over loopback HTTP.
//!
//! Each row runs the release binary with a fixed seed and `--format json`,
//! and reads `fuzz.casesPerSecond` (generation, sending and judging; not
//! process start-up) from its report. Every run must exit 0 (no oracle
//! failed), else the benchmark fails. The best of [`RUNS`] is reported.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::mock::Mock;
use super::{RUNS, build_release, parse_count_option, release_binary};

/// Cases per in-process run unless `--cases N` says otherwise (HTTP runs a quarter).
const DEFAULT_CASES: usize = 200_000;
/// The targets, in cases per second.
const TARGET_IN_PROCESS: f64 = 20_000.0;
const TARGET_HTTP: f64 = 5_000.0;

const USAGE: &str = "usage: cargo xtask bench fuzz [--cases N]

  --cases N   cases per in-process run (default 200000); HTTP runs use N/4";

/// One measured configuration.
struct Row {
    target: &'static str,
    jobs: usize,
    cases: u64,
    requests: u64,
    per_second: f64,
}

/// Runs `ppob-contract fuzz ARGS --format json` and reads its fuzz summary.
fn fuzz_once(binary: &Path, args: &[String]) -> Result<Value> {
    let output = Command::new(binary)
        .arg("fuzz")
        .args(args)
        .args(["--format", "json", "--no-regressions", "--seed", "1"])
        .env("PPOB_API_KEY", "partner-id")
        .env("PPOB_API_SECRET", "ppob-contract-demo-secret")
        .output()
        .with_context(|| format!("running {}", binary.display()))?;
    if !output.status.success() {
        bail!(
            "ppob-contract fuzz {} exited {}: an oracle failed or the setup is wrong\n{}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let report: Value =
        serde_json::from_slice(&output.stdout).context("reading the JSON report")?;
    Ok(report["fuzz"].clone())
}

fn measure(binary: &Path, target: &'static str, jobs: usize, args: Vec<String>) -> Result<Row> {
    let mut args = args;
    args.extend(["--jobs".to_owned(), jobs.to_string()]);
    let mut best = Row {
        target,
        jobs,
        cases: 0,
        requests: 0,
        per_second: 0.0,
    };
    for _ in 0..RUNS {
        let fuzz = fuzz_once(binary, &args)?;
        let per_second = fuzz["casesPerSecond"].as_f64().unwrap_or(0.0);
        if per_second > best.per_second {
            best.per_second = per_second;
            best.cases = fuzz["cases"].as_u64().unwrap_or(0);
            best.requests = fuzz["requests"].as_u64().unwrap_or(0);
        }
    }
    Ok(best)
}

/// Runs the fuzz benchmark and prints its table.
pub fn run(root: &Path, args: &[&str]) -> Result<()> {
    let Some(cases) = parse_count_option(args, "--cases", DEFAULT_CASES, USAGE)? else {
        println!("{USAGE}");
        return Ok(());
    };
    build_release(root)?;
    let binary = release_binary(root, "ppob-contract");
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let mut rows = Vec::new();
    let in_process = vec!["--cases".to_owned(), cases.to_string()];
    for jobs in [1, cores] {
        rows.push(measure(
            &binary,
            "simulator (in-process)",
            jobs,
            in_process.clone(),
        )?);
    }
    let mock = Mock::start(&binary)?;
    let http = vec![
        "--cases".to_owned(),
        (cases / 4).max(1).to_string(),
        "--target".to_owned(),
        mock.base.clone(),
        "--account".to_owned(),
        "0811111111".to_owned(),
        "--account".to_owned(),
        "0811111112".to_owned(),
    ];
    for jobs in [4, 8, 16] {
        rows.push(measure(
            &binary,
            "mock over loopback HTTP",
            jobs,
            http.clone(),
        )?);
    }
    mock.stop()?;
    println!("\n| target | jobs | cases | requests | cases/s | requests/s |");
    println!("|---|---:|---:|---:|---:|---:|");
    for row in &rows {
        let requests_per_second = row.per_second * row.requests as f64 / row.cases.max(1) as f64;
        println!(
            "| {} | {} | {} | {} | {:.0} | {:.0} |",
            row.target, row.jobs, row.cases, row.requests, row.per_second, requests_per_second
        );
    }
    let best = |target: &str| {
        rows.iter()
            .filter(|r| r.target == target)
            .map(|r| r.per_second)
            .fold(0.0, f64::max)
    };
    let (sim, http) = (
        best("simulator (in-process)"),
        best("mock over loopback HTTP"),
    );
    println!(
        "\ntargets: in-process {sim:.0} cases/s (target ≥ {TARGET_IN_PROCESS:.0}: {}), loopback HTTP {http:.0} cases/s (target ≥ {TARGET_HTTP:.0}: {})",
        if sim >= TARGET_IN_PROCESS {
            "met"
        } else {
            "NOT met"
        },
        if http >= TARGET_HTTP {
            "met"
        } else {
            "NOT met"
        }
    );
    Ok(())
}
