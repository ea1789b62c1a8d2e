//! `cargo xtask bench validate` (written in a later step).

use std::path::Path;

use anyhow::Result;

/// Runs the validate benchmark.
pub fn validate(_root: &Path, _args: &[&str]) -> Result<()> {
    anyhow::bail!("not written yet")
}
