//! `cargo xtask bench …`: the benchmarks, and what they share (building in
//! release, re-running the xtask optimized, reading counts).
//!
//! - `validate`: `ppob-contract validate` over a generated NDJSON corpus.
//! - `check`: whole inquiry → payment → status flows through the in-process
//!   simulator, everything on.
//! - `categories`: the release `check` over every product category.
//! - `mock`: `ppob-contract mock` over HTTP on loopback under `wrk`.
//! - `proxy`: `ppob-contract proxy` in front of `mock` under `wrk`, beside
//!   direct `mock` and Prism's proxy mode.
//! - `fuzz`: `ppob-contract fuzz` cases/s in process and against `mock`.
//! - `locate`: judging documents of 10 KB–10 MB with a finding every 12 bytes.
//! - `endless`: the memory of `check` against endless answer bodies.
//! - `memory`: peak memory on large and endless inputs (merge, validate, HAR,
//!   NDJSON on stdin, a large `--max-body`), each under 100 MB.
//! - `build`: cold release builds of the CLI and of the validate crate, and
//!   the binary's size, beside another revision's.
//! - `install`: `scripts/install.sh` from a release directory served on
//!   127.0.0.1, and the sizes of the binary and its archive.
//!
//! Benchmarks are never part of `cargo test`: they take minutes and their
//! numbers depend on the machine.

mod build;
mod categories;
mod check;
mod endless;
mod fuzz;
mod install;
mod locate;
mod memory;
mod mock;
mod peers;
mod proxy;
mod validate;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Set on the optimized re-run so that it never re-runs itself again.
const RERUN_ENV: &str = "PPOB_XTASK_BENCH_OPTIMIZED";

const USAGE: &str = "usage: cargo xtask bench <name> [options]

benchmarks (each builds in release first; see docs/benchmarks.md):
  validate [--docs N]       `ppob-contract validate` over a generated NDJSON corpus, with Ajv
                            and check-jsonschema side by side (installed pinned into target/)
  check [--cases N]         inquiry → payment → status flows/s through the in-process simulator
  categories                the release `check` over every product category's simulator suite,
                            and `check --category NAME` for each: wall time (target < 10 s)
  mock [--duration S] [--connections N] [--threads N]
                            `ppob-contract mock` on 127.0.0.1 under wrk: requests/s, p50/p99
  proxy [--duration S] [--connections N] [--threads N]
                            wrk against mock directly, through `ppob-contract proxy` and through
                            Prism's proxy mode (npm, pinned): requests/s, added p50/p99
  fuzz [--cases N]          `ppob-contract fuzz` cases/s in process and against mock over HTTP
  locate                    judging 10 KB–10 MB documents with a finding every 12 bytes
  endless                   max RSS of `check` against endless answer bodies on 127.0.0.1
  memory [--mb N] [--debug] peak RSS on large or endless inputs (merge and validate of /dev/zero,
                            an N MB HAR, N MB of NDJSON on stdin, --max-body 200MiB): each < 100 MB
  build [--against REV]     cold release builds of the CLI and of ppob-validate alone, and the
                            binary's size; with --against, REV measured the same way first
  install [--binary PATH]   scripts/install.sh from a release served on 127.0.0.1 (download,
                            checksum, unpack): seconds, and the binary's and archive's size

`cargo xtask bench` alone prints this list; `cargo xtask bench <name> --help` the options.";

/// Runs the benchmark `args` names, or lists them.
pub fn run(root: &Path, args: &[&str]) -> Result<()> {
    match args {
        ["validate", rest @ ..] => validate::run(root, rest),
        ["check", rest @ ..] => check::run(root, rest),
        ["categories", rest @ ..] => categories::run(root, rest),
        ["mock", rest @ ..] => mock::run(root, rest),
        ["proxy", rest @ ..] => proxy::run(root, rest),
        ["fuzz", rest @ ..] => fuzz::run(root, rest),
        ["locate", rest @ ..] => locate::run(root, rest),
        ["endless", rest @ ..] => endless::run(root, rest),
        ["memory", rest @ ..] => memory::run(root, rest),
        ["build", rest @ ..] => build::run(root, rest),
        ["install", rest @ ..] => install::run(root, rest),
        [] | ["help" | "-h" | "--help"] => {
            println!("{USAGE}");
            Ok(())
        }
        [name, ..] => bail!("unknown benchmark {name:?}\n\n{USAGE}"),
    }
}

/// Measurements per benchmark row; the best one is reported.
pub(super) const RUNS: usize = 3;

/// The best of [`RUNS`] runs of `run`, with what the last run returned.
pub(super) fn best_of<T>(mut run: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        let result = run();
        best = best.min(start.elapsed());
        last = Some(result);
    }
    (best, last.expect("RUNS is at least 1"))
}

/// Reads `[FLAG N]` (or `FLAG=N`) from a bench's arguments: the count,
/// `default` when absent, `None` when help was asked for; `usage` ends the
/// error about an unknown argument.
fn parse_count_option(
    args: &[&str],
    flag: &str,
    default: usize,
    usage: &str,
) -> Result<Option<usize>> {
    let mut count = default;
    let mut rest = args.iter();
    while let Some(&arg) = rest.next() {
        let value = if arg == "-h" || arg == "--help" {
            return Ok(None);
        } else if arg == flag {
            *rest
                .next()
                .with_context(|| format!("{flag} needs a number"))?
        } else if let Some(value) = arg.strip_prefix(flag).and_then(|v| v.strip_prefix('=')) {
            value
        } else {
            bail!("unknown argument {arg:?}\n\n{usage}");
        };
        count = parse_count(flag, value)?;
    }
    Ok(Some(count))
}

/// For a bench without options: true to run, false when help was asked for
/// (printed); an error for anything else.
fn no_options(args: &[&str], usage: &str) -> Result<bool> {
    match args {
        [] => Ok(true),
        ["-h" | "--help"] => {
            println!("{usage}");
            Ok(false)
        }
        [other, ..] => bail!("unknown argument {other:?}\n\n{usage}"),
    }
}

/// A positive count given to `flag`; `200_000` is accepted.
fn parse_count(flag: &str, value: &str) -> Result<usize> {
    let count: usize = value
        .replace('_', "")
        .parse()
        .with_context(|| format!("{flag}: {value:?} is not a number"))?;
    if count == 0 {
        bail!("{flag} must be at least 1");
    }
    Ok(count)
}

/// Cargo's target directory: `$CARGO_TARGET_DIR` when set, else `<root>/target`.
fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// A binary of the release build.
fn release_binary(root: &Path, name: &str) -> PathBuf {
    target_dir(root)
        .join("release")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// The `cargo` that runs us, or the one on `PATH`.
fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// `cargo xtask` builds the xtask without optimizations, which would make
/// anything measured in process many times slower than it is. Build the
/// xtask (and the tool) in release and run benchmark `bench` there instead.
fn rerun_optimized(root: &Path, bench: &str, args: &[&str]) -> Result<()> {
    if std::env::var_os(RERUN_ENV).is_some() {
        bail!("the optimized re-run of the benchmark was itself built without optimizations");
    }
    eprintln!("bench: building the xtask in release so that it is measured optimized");
    run_cargo(
        root,
        &["build", "--release", "-p", "xtask", "-p", "ppob-contract"],
    )?;
    let xtask = release_binary(root, "xtask");
    let status = Command::new(&xtask)
        .args(["bench", bench])
        .args(args)
        .env(RERUN_ENV, "1")
        .status()
        .with_context(|| format!("running {}", xtask.display()))?;
    if !status.success() {
        // The optimized run has said what went wrong; only its code is left to pass on.
        std::process::exit(status.code().unwrap_or(1));
    }
    Ok(())
}

/// `cargo build --release -p ppob-contract`, output shown.
fn build_release(root: &Path) -> Result<()> {
    run_cargo(root, &["build", "--release", "-p", "ppob-contract"])
}

/// Runs cargo in `root` with inherited stdio; fails unless it succeeds.
fn run_cargo(root: &Path, args: &[&str]) -> Result<()> {
    let status = cargo()
        .args(args)
        .current_dir(root)
        .status()
        .context("running cargo")?;
    if !status.success() {
        bail!("`cargo {}` failed ({status})", args.join(" "));
    }
    Ok(())
}
