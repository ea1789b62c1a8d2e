//! What the binary says about itself: `--version` (commit, build date, features, from
//! `build.rs`, also in a crate tarball without git), `completions SHELL` and `man`.

use std::path::Path;
use std::process::Command;

use crate::support::{root, run};

/// `commit …, built YYYY-MM-DD, features: …` out of `ppob-contract X.Y.Z (…)`.
fn build_facts(version: &str) -> (String, String, String) {
    let inner = version
        .trim()
        .strip_prefix(concat!("ppob-contract ", env!("CARGO_PKG_VERSION"), " ("))
        .and_then(|v| v.strip_suffix(')'))
        .unwrap_or_else(|| panic!("unexpected --version: {version:?}"));
    let parts: Vec<&str> = inner.split(", ").collect();
    let commit = parts[0]
        .strip_prefix("commit ")
        .unwrap_or_else(|| panic!("{inner}"));
    let built = parts[1]
        .strip_prefix("built ")
        .unwrap_or_else(|| panic!("{inner}"));
    let features = inner
        .split_once("features: ")
        .unwrap_or_else(|| panic!("{inner}"))
        .1;
    (commit.to_owned(), built.to_owned(), features.to_owned())
}

fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
}

#[test]
fn version_names_the_commit_the_build_date_and_the_features() {
    let result = run(&["--version"]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    let (commit, built, features) = build_facts(&result.stdout);
    assert!(is_date(&built), "{built}");
    assert_eq!(features, "full");
    // From a git checkout, the commit checked out; elsewhere (a tarball without git) git
    // cannot say and the build script falls back.
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    match head {
        Some(head) => assert_eq!(commit, head),
        None => assert!(commit == "unknown" || commit.len() == 12, "{commit}"),
    }
}

/// Compiles `build.rs` alone and runs it as cargo would in `manifest`, with no git on PATH.
fn build_script_in(manifest: &Path, out: &Path) -> String {
    let script = out.join("build-script");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let compiled = Command::new(rustc)
        .args(["--edition", "2024", "--crate-name", "build_script"])
        .arg(root().join("build.rs"))
        .arg("-o")
        .arg(&script)
        .output()
        .expect("rustc runs");
    assert!(
        compiled.status.success(),
        "{}",
        String::from_utf8_lossy(&compiled.stderr)
    );
    let output = Command::new(&script)
        .env_clear()
        .env("PATH", out.join("no-tools"))
        .env("CARGO_MANIFEST_DIR", manifest)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .env("CARGO_FEATURE_FULL", "1")
        .env("CARGO_FEATURE_DEFAULT", "1")
        .output()
        .expect("the build script runs");
    assert!(output.status.success());
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn a_crate_tarball_without_git_still_names_its_commit_and_date() {
    let dir = tempfile::tempdir().unwrap();
    let package = dir.path().join("ppob-contract-0.1.0");
    std::fs::create_dir_all(&package).unwrap();
    // What `cargo package` writes into the tarball.
    std::fs::write(
        package.join(".cargo_vcs_info.json"),
        "{\n  \"git\": {\n    \"sha1\": \"0123456789abcdef0123456789abcdef01234567\"\n  },\n  \"path_in_vcs\": \"\"\n}\n",
    )
    .unwrap();
    let said = build_script_in(&package, dir.path());
    assert!(
        said.contains(
            "cargo:rustc-env=PPOB_CONTRACT_BUILD=commit 0123456789ab, built 2023-11-14, features: full\n"
        ),
        "{said}"
    );
    std::fs::remove_file(package.join(".cargo_vcs_info.json")).unwrap();
    let said = build_script_in(&package, dir.path());
    assert!(
        said.contains("PPOB_CONTRACT_BUILD=commit unknown, built 2023-11-14, features: full\n"),
        "{said}"
    );
}

#[test]
fn completions_and_the_man_page_come_from_the_cli() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let result = run(&["completions", shell]);
        assert_eq!(result.code, 0, "{shell}: {}", result.stderr);
        for word in ["check", "validate", "partition"] {
            assert!(result.stdout.contains(word), "{shell}: no {word}");
        }
    }
    let unknown = run(&["completions", "tcsh"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("bash"), "{}", unknown.stderr);

    let page = run(&["man"]);
    assert_eq!(page.code, 0, "{}", page.stderr);
    assert!(
        page.stdout.contains(".TH ppob-contract 1"),
        "{}",
        page.stdout
    );
    assert!(page.stdout.contains("check"), "{}", page.stdout);

    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man1");
    let written = run(&["man", "--dir", pages.to_str().unwrap()]);
    assert_eq!(written.code, 0, "{}", written.stderr);
    for name in [
        "ppob-contract.1",
        "ppob-contract-check.1",
        "ppob-contract-report-merge.1",
    ] {
        let text =
            std::fs::read_to_string(pages.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(text.contains(".TH"), "{name}");
    }
}
