//! `bindings/` (the TypeScript and Python packages teams install instead of generating) is
//! derived from `schemas/` by `cargo xtask bindings`: the committed files must be exactly what
//! `xtask/bindings/generate.sh` writes now, and each package carries the schema set's version.
//! The generators are node and Python tools (the consumer harness's pinned ones): with CI=true
//! this runs (and fails if node, npm or python3 is missing); elsewhere it is skipped, with a
//! message, when they are not installed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use ppob_contract::contract::SCHEMA_VERSION;

use crate::support::{missing_harness_tools, root};

/// Every file under `dir` by its `/`-separated relative path.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(rel) = pending.pop() {
        for entry in std::fs::read_dir(dir.join(&rel)).expect("readable directory") {
            let entry = entry.expect("directory entry");
            let path = rel.join(entry.file_name());
            if entry.file_type().expect("file type").is_dir() {
                pending.push(path);
            } else {
                let bytes = std::fs::read(dir.join(&path)).expect("readable file");
                found.insert(path.to_string_lossy().replace('\\', "/"), bytes);
            }
        }
    }
    found
}

#[test]
fn the_packages_carry_the_schema_version() {
    let package: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("bindings/typescript/package.json"))
            .expect("bindings/typescript/package.json"),
    )
    .expect("package.json is JSON");
    assert_eq!(package["version"], SCHEMA_VERSION, "bindings/typescript");
    let pyproject = std::fs::read_to_string(root().join("bindings/python/pyproject.toml"))
        .expect("bindings/python/pyproject.toml");
    assert!(
        pyproject.contains(&format!("\nversion = \"{SCHEMA_VERSION}\"\n")),
        "bindings/python/pyproject.toml is not at {SCHEMA_VERSION}:\n{pyproject}"
    );
    for kind in ppob_contract::contract::DocKind::ALL {
        let name = format!("{}.schema.json", kind.name());
        let published =
            std::fs::read(root().join("schemas/bundled").join(&name)).expect("schemas/bundled");
        for copy in [
            format!("bindings/typescript/schemas/{name}"),
            format!("bindings/python/ppob_contract_schemas/schemas/{name}"),
        ] {
            assert_eq!(
                std::fs::read(root().join(&copy)).expect("bundled copy"),
                published,
                "{copy} differs from schemas/bundled/{name}; run cargo xtask bindings"
            );
        }
    }
}

#[test]
#[allow(clippy::print_stderr)]
fn committed_bindings_are_fresh() {
    let missing = missing_harness_tools();
    if !missing.is_empty() {
        eprintln!(
            "bindings freshness skipped: {missing:?} not installed (the generators are node and \
             Python tools; CI=true runs this)"
        );
        return;
    }
    let out = tempfile::tempdir().expect("temp dir");
    let output = Command::new("bash")
        .arg(root().join("xtask/bindings/generate.sh"))
        .arg(out.path())
        .current_dir(root())
        .output()
        .expect("bash runs");
    assert!(
        output.status.success(),
        "xtask/bindings/generate.sh failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let wanted = files(out.path());
    let committed = files(&root().join("bindings"));
    assert!(
        wanted.contains_key("typescript/types.d.ts")
            && wanted.contains_key("python/ppob_contract_schemas/models.py"),
        "the generator wrote no types: {:?}",
        wanted.keys().collect::<Vec<_>>()
    );
    let stale: Vec<String> = wanted
        .keys()
        .chain(committed.keys())
        .filter(|path| wanted.get(*path) != committed.get(*path))
        .map(|path| format!("bindings/{path}"))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(
        stale.is_empty(),
        "stale: {}; run cargo xtask bindings",
        stale.join(", ")
    );
}
