//! `cargo xtask bench build`: what a user waits for and downloads — the cold
//! release build of the CLI and of the validate crate alone, and the size of
//! the release binary — for this checkout and, with `--against REV`, for
//! another revision built the same way in the same sitting.
//!
//! Each build starts from an empty target directory under
//! `target/bench-build/` (the registry's downloaded sources are reused, as on
//! a CI machine after `cargo fetch`), with `CARGO_INCREMENTAL=0` and
//! `--locked`. Another revision is checked out with `git worktree` into the
//! same place and removed afterwards. The machine should be quiet: every
//! figure is one wall-clock measurement of a build that uses every core.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::cargo;

const USAGE: &str = "usage: cargo xtask bench build [--against REV]

Cold release builds (empty target directory, registry sources reused):
  the CLI           cargo build --release --locked -p ppob-contract
  validate alone    cargo build --release --locked -p ppob-validate
                    (a revision without that crate: the ppob-contract library, which held it)
and the release binary's size. --against REV measures REV (a git revision) the same way first.";

/// One revision's figures.
struct Figures {
    label: String,
    cli: Duration,
    validate: Duration,
    validate_what: &'static str,
    binary_bytes: u64,
}

/// Runs the benchmark.
pub fn run(root: &Path, args: &[&str]) -> Result<()> {
    let against = match args {
        [] => None,
        ["--against", rev] => Some(*rev),
        ["-h" | "--help"] => {
            println!("{USAGE}");
            return Ok(());
        }
        _ => bail!("unknown arguments {args:?}\n\n{USAGE}"),
    };
    let scratch = super::target_dir(root).join("bench-build");
    std::fs::create_dir_all(&scratch).context("creating target/bench-build")?;
    let mut rows = Vec::new();
    if let Some(rev) = against {
        let tree = scratch.join("worktree");
        let _ = git(
            root,
            &["worktree", "remove", "--force", &tree.to_string_lossy()],
        );
        git(
            root,
            &["worktree", "add", "--detach", &tree.to_string_lossy(), rev],
        )?;
        let figures = measure(&tree, &scratch.join("target-against"), rev);
        let _ = git(
            root,
            &["worktree", "remove", "--force", &tree.to_string_lossy()],
        );
        rows.push(figures?);
    }
    rows.push(measure(
        root,
        &scratch.join("target-this"),
        "this checkout",
    )?);
    println!(
        "{:<16} {:>12} {:>18} {:>14}",
        "revision", "CLI cold", "validate cold", "binary"
    );
    for row in &rows {
        println!(
            "{:<16} {:>11.1}s {:>17.1}s {:>11.1} MB   (validate: {})",
            row.label,
            row.cli.as_secs_f64(),
            row.validate.as_secs_f64(),
            row.binary_bytes as f64 / 1e6,
            row.validate_what
        );
    }
    Ok(())
}

/// The cold builds of the checkout at `tree` into fresh target directories.
fn measure(tree: &Path, target: &Path, label: &str) -> Result<Figures> {
    let has_validate_crate = tree.join("crates/ppob-validate/Cargo.toml").is_file();
    let (validate_args, validate_what): (&[&str], _) = if has_validate_crate {
        (&["-p", "ppob-validate"], "the ppob-validate crate")
    } else {
        (
            &["-p", "ppob-contract", "--lib"],
            "the ppob-contract library",
        )
    };
    let validate = cold_build(tree, &target.with_extension("validate"), validate_args)?;
    let cli = cold_build(
        tree,
        target,
        &["-p", "ppob-contract", "--bin", "ppob-contract"],
    )?;
    let binary = target.join("release").join("ppob-contract");
    let binary_bytes = std::fs::metadata(&binary)
        .with_context(|| format!("reading the size of {}", binary.display()))?
        .len();
    Ok(Figures {
        label: label.chars().take(16).collect(),
        cli,
        validate,
        validate_what,
        binary_bytes,
    })
}

/// `cargo build --release --locked ARGS` of `tree` into an emptied `target`.
fn cold_build(tree: &Path, target: &Path, args: &[&str]) -> Result<Duration> {
    if target.exists() {
        std::fs::remove_dir_all(target)
            .with_context(|| format!("emptying {}", target.display()))?;
    }
    eprintln!(
        "bench: cold release build of {} ({})",
        tree.display(),
        args.join(" ")
    );
    let start = Instant::now();
    let status = cargo()
        .args(["build", "--release", "--locked"])
        .args(args)
        .current_dir(tree)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_INCREMENTAL", "0")
        .status()
        .context("running cargo")?;
    let elapsed = start.elapsed();
    if !status.success() {
        bail!("the build of {} failed ({status})", tree.display());
    }
    Ok(elapsed)
}

fn git(root: &Path, args: &[&str]) -> Result<()> {
    let status = Command::new("git")
        .args(args)
        .current_dir(root)
        .status()
        .context("running git")?;
    if !status.success() {
        bail!("`git {}` failed ({status})", args.join(" "));
    }
    Ok(())
}
