//! `cargo xtask bench mock` (being written).

use std::path::Path;

use anyhow::{Result, bail};

/// Runs the mock benchmark.
pub fn run(_root: &Path, _args: &[&str]) -> Result<()> {
    bail!("not yet")
}
