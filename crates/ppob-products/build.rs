//! Embeds every built-in category: each `fixtures/<name>/category.toml` of the
//! workspace, found by glob, becomes one `(name, text)` entry of `BUILTIN`, and
//! its example answers (`<operation>.response.json`) one entry of
//! `BUILTIN_ANSWERS`, so an installed binary knows the categories without the
//! source tree.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Tells cargo to rerun this script when `path` changes (a build-script
/// instruction on stdout, read by cargo, never shown to a user).
fn rerun_if_changed(path: &Path) {
    let _ = writeln!(
        std::io::stdout(),
        "cargo:rerun-if-changed={}",
        path.display()
    );
}

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let root = manifest_dir.join("../../fixtures");
    rerun_if_changed(&root);
    let mut folders: Vec<(String, PathBuf)> = std::fs::read_dir(&root)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.join("category.toml").is_file())
                .filter_map(|p| Some((p.file_name()?.to_str()?.to_owned(), p)))
                .collect()
        })
        .unwrap_or_default();
    folders.sort();
    let mut out = String::from(
        "/// Every built-in category: (folder name, `category.toml` text).\npub(crate) const BUILTIN: &[(&str, &str)] = &[\n",
    );
    for (name, path) in &folders {
        let file = path.join("category.toml");
        rerun_if_changed(&file);
        let _ = writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            file.display().to_string()
        );
    }
    out.push_str("];\n");
    out.push_str(
        "/// Every built-in category's own example answers, byte for byte: (folder name, \
         [inquiry, payment, status] `<operation>.response.json`, each when the folder has it).\n\
         pub(crate) const BUILTIN_ANSWERS: &[(&str, [Option<&[u8]>; 3])] = &[\n",
    );
    for (name, path) in &folders {
        let _ = write!(out, "    ({name:?}, [");
        for operation in ["inquiry", "payment", "status"] {
            let file = path.join(format!("{operation}.response.json"));
            if file.is_file() {
                rerun_if_changed(&file);
                let _ = write!(
                    out,
                    "Some(include_bytes!({:?})), ",
                    file.display().to_string()
                );
            } else {
                out.push_str("None, ");
            }
        }
        out.push_str("]),\n");
    }
    out.push_str("];\n");
    let target = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("builtin.rs");
    if let Err(e) = std::fs::write(&target, out) {
        panic!("cannot write {}: {e}", target.display());
    }
}
