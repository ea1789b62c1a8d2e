//! `cargo xtask bindings [--check]`: the TypeScript and Python packages of `bindings/`,
//! generated from `schemas/` by `xtask/bindings/generate.sh` (json-schema-to-typescript and
//! datamodel-code-generator, the consumer harness's pinned versions, installed on first use into
//! target/consumers/ from package registries). The freshness test (tests/it/bindings.rs) runs the
//! same script and compares.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The packages, relative to the repository root.
const BINDINGS: &str = "bindings";

/// Every file under `dir`, by path relative to it (`/`-separated), with its bytes.
fn files(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    let mut found = BTreeMap::new();
    if !dir.exists() {
        return Ok(found);
    }
    let mut pending = vec![PathBuf::new()];
    while let Some(rel) = pending.pop() {
        for entry in std::fs::read_dir(dir.join(&rel))
            .with_context(|| format!("reading {}", dir.join(&rel).display()))?
        {
            let entry = entry?;
            let path = rel.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                pending.push(path);
            } else {
                let bytes = std::fs::read(dir.join(&path))
                    .with_context(|| format!("reading {}", dir.join(&path).display()))?;
                found.insert(path.to_string_lossy().replace('\\', "/"), bytes);
            }
        }
    }
    Ok(found)
}

pub fn run(root: &Path, check: bool) -> Result<()> {
    let out = root.join("target/bindings");
    let status = Command::new("bash")
        .arg(root.join("xtask/bindings/generate.sh"))
        .arg(&out)
        .current_dir(root)
        .status()
        .context("running bash xtask/bindings/generate.sh")?;
    if !status.success() {
        bail!("xtask/bindings/generate.sh failed ({status})");
    }
    let wanted = files(&out)?;
    let committed_dir = root.join(BINDINGS);
    let committed = files(&committed_dir)?;
    let mut stale = Vec::new();
    for (path, bytes) in &wanted {
        if committed.get(path) != Some(bytes) {
            stale.push(path.clone());
            if !check {
                let target = committed_dir.join(path);
                if let Some(dir) = target.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                std::fs::write(&target, bytes)
                    .with_context(|| format!("writing {}", target.display()))?;
                println!("wrote {BINDINGS}/{path}");
            }
        }
    }
    for path in committed.keys().filter(|p| !wanted.contains_key(*p)) {
        stale.push(path.clone());
        if !check {
            std::fs::remove_file(committed_dir.join(path))?;
            println!("removed {BINDINGS}/{path}");
        }
    }
    if check && !stale.is_empty() {
        bail!(
            "stale: {}; run cargo xtask bindings",
            stale
                .iter()
                .map(|p| format!("{BINDINGS}/{p}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if stale.is_empty() || !check {
        println!("{BINDINGS}/ is up to date");
    }
    Ok(())
}
