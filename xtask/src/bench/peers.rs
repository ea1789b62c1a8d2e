//! The peers `cargo xtask bench validate` measures side by side with
//! `ppob-contract validate`, installed from their registries with exact pins
//! (`xtask/peers/`) into `target/bench/peers/`:
//!
//! - Ajv 2020 (npm, when `node` and `npm` are present): the bench corpus
//!   parsed and validated in one Node thread, in memory (`ajv-bench.mjs`).
//! - check-jsonschema (PyPI, when `python3` is present): one file as a whole
//!   process, next to `ppob-contract validate` on the same file.
//!
//! A peer that cannot be installed is skipped with a note, never a failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Whole-process runs of the one-file comparison; the median is reported.
const ONE_FILE_RUNS: usize = 7;

/// The pinned peer definitions.
fn peers_dir(root: &Path) -> PathBuf {
    root.join("xtask").join("peers")
}

/// Where the peers are installed.
fn install_dir(target: &Path) -> PathBuf {
    target.join("bench").join("peers")
}

/// Whether `tool --version` runs.
fn present(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `command`, failing with its stderr.
fn run_quietly(command: &mut Command, what: &str) -> Result<()> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot start {what}"))?;
    if !output.status.success() {
        bail!(
            "{what} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim_end()
        );
    }
    Ok(())
}

/// Ajv's `node_modules`, installed with `npm ci` from the pinned lockfile
/// unless the same lockfile was installed before.
pub fn install_ajv(root: &Path, target: &Path) -> Result<PathBuf> {
    if !present("node") || !present("npm") {
        bail!("node and npm are not installed");
    }
    let pins = peers_dir(root);
    let dir = install_dir(target).join("node");
    let lock = pins.join("package-lock.json");
    let installed = dir.join("package-lock.json");
    let same = std::fs::read(&lock).ok() == std::fs::read(&installed).ok();
    if !same || !dir.join("node_modules").join("ajv").exists() {
        println!("bench: installing Ajv (npm ci) into {}", dir.display());
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        for file in ["package.json", "package-lock.json"] {
            std::fs::copy(pins.join(file), dir.join(file))?;
        }
        run_quietly(
            Command::new("npm")
                .args([
                    "ci",
                    "--no-audit",
                    "--no-fund",
                    "--ignore-scripts",
                    "--loglevel=error",
                ])
                .current_dir(&dir),
            "npm ci",
        )?;
    }
    Ok(dir.join("node_modules"))
}

/// Ajv 2020 over `corpus`: the best of `runs` in-process loops.
pub struct AjvRun {
    /// The fastest loop.
    pub best: Duration,
    /// Documents Ajv found invalid (or not JSON).
    pub invalid: usize,
}

/// Measures Ajv over `corpus` (one Node process, `runs` loops inside it).
pub fn measure_ajv(root: &Path, modules: &Path, corpus: &Path, runs: usize) -> Result<AjvRun> {
    let script = peers_dir(root).join("ajv-bench.mjs");
    let output = Command::new("node")
        .arg(&script)
        .arg(modules)
        .arg(root.join("schemas"))
        .arg(corpus)
        .arg(runs.to_string())
        .stdin(Stdio::null())
        .output()
        .context("cannot start node")?;
    if !output.status.success() {
        bail!(
            "ajv-bench.mjs failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim_end()
        );
    }
    let line: serde_json::Value = serde_json::from_slice(&output.stdout)
        .with_context(|| format!("ajv-bench.mjs printed {:?}", output.stdout))?;
    let best_ms = line["bestMs"].as_f64().context("no bestMs")?;
    let invalid = line["invalid"].as_u64().context("no invalid")?;
    Ok(AjvRun {
        best: Duration::from_secs_f64(best_ms / 1000.0),
        invalid: usize::try_from(invalid)?,
    })
}

/// check-jsonschema's executable, installed into a venv with the exact pins
/// (`--no-deps`) unless the same pins were installed before.
pub fn install_check_jsonschema(root: &Path, target: &Path) -> Result<PathBuf> {
    if !present("python3") {
        bail!("python3 is not installed");
    }
    let pins = peers_dir(root).join("requirements.txt");
    let venv = install_dir(target).join("venv");
    let installed = venv.join("requirements.txt");
    let exe = venv.join("bin").join("check-jsonschema");
    if std::fs::read(&pins).ok() != std::fs::read(&installed).ok() || !exe.exists() {
        println!(
            "bench: installing check-jsonschema (pip) into {}",
            venv.display()
        );
        let _ = std::fs::remove_dir_all(&venv);
        run_quietly(
            Command::new("python3").arg("-m").arg("venv").arg(&venv),
            "python3 -m venv",
        )?;
        run_quietly(
            Command::new(venv.join("bin").join("pip"))
                .args([
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "--no-deps",
                    "-r",
                ])
                .arg(&pins),
            "pip install",
        )?;
        std::fs::copy(&pins, &installed)?;
    }
    Ok(exe)
}

/// The median wall time of [`ONE_FILE_RUNS`] runs of `command` (built anew
/// each time), which must exit with `expected`.
pub fn median_process(mut command: impl FnMut() -> Command, expected: i32) -> Result<Duration> {
    let mut times = Vec::with_capacity(ONE_FILE_RUNS);
    for _ in 0..ONE_FILE_RUNS {
        let mut cmd = command();
        let start = Instant::now();
        let output = cmd
            .stdin(Stdio::null())
            .output()
            .context("cannot start it")?;
        times.push(start.elapsed());
        if output.status.code() != Some(expected) {
            bail!(
                "{:?} exited {} (expected {expected}): {}",
                cmd,
                output.status,
                String::from_utf8_lossy(&output.stderr).trim_end()
            );
        }
    }
    times.sort_unstable();
    Ok(times[times.len() / 2])
}

/// `check-jsonschema` on `file` against `schemas/inquiry.response.schema.json`,
/// its `$ref`s resolved offline beside it (`--base-uri`).
pub fn check_jsonschema_command(exe: &Path, root: &Path, file: &Path) -> Command {
    let schema = root.join("schemas").join("inquiry.response.schema.json");
    let mut command = Command::new(exe);
    command
        .arg("--base-uri")
        .arg(format!("file://{}", schema.display()))
        .arg("--schemafile")
        .arg(&schema)
        .arg(file)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}
