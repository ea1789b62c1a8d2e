//! Build facts for `ppob-contract --version`: the commit, the build date and the enabled
//! features, as the environment variable `PPOB_CONTRACT_BUILD` (e.g. `commit 3f2a9c1d07be,
//! built 2026-12-03, features: full`).
//!
//! The commit is `PPOB_CONTRACT_COMMIT` when set (a container build without `.git`), else
//! git's when the package is the top of a git checkout, else the `.cargo_vcs_info.json` that
//! `cargo package` writes into a crate tarball, else `unknown`; the date is `SOURCE_DATE_EPOCH` (reproducible builds) or today, in UTC. No
//! dependency: a few lines instead of a build-dependency tree (vergen pulls `time` and
//! `derive_builder`, `built` pulls libgit2).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    println!("cargo:rerun-if-env-changed=PPOB_CONTRACT_COMMIT");
    let given = std::env::var("PPOB_CONTRACT_COMMIT")
        .ok()
        .filter(|c| !c.is_empty() && c != "unknown");
    let commit = given
        .or_else(|| git_commit(&manifest))
        .or_else(|| tarball_commit(&manifest))
        .unwrap_or_else(|| "unknown".to_owned());
    let date = civil_date(build_seconds());
    let mut features: Vec<String> = std::env::vars()
        .filter_map(|(name, _)| {
            name.strip_prefix("CARGO_FEATURE_")
                .map(|f| f.to_ascii_lowercase().replace('_', "-"))
        })
        .filter(|f| f != "default")
        .collect();
    features.sort();
    let features = if features.is_empty() {
        "none".to_owned()
    } else {
        features.join(", ")
    };
    println!(
        "cargo:rustc-env=PPOB_CONTRACT_BUILD=commit {commit}, built {date}, features: {features}"
    );
}

/// `git rev-parse` in `dir`, trimmed; `None` when git is missing or fails.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The checkout's commit, when the package directory is the top of a git work tree (a crate
/// tarball unpacked inside another repository must not take that repository's commit). Asks
/// cargo to rerun when HEAD or the branch it names moves.
fn git_commit(manifest: &Path) -> Option<String> {
    let top = git(manifest, &["rev-parse", "--show-toplevel"])?;
    if std::fs::canonicalize(&top).ok()? != std::fs::canonicalize(manifest).ok()? {
        return None;
    }
    let mut watched = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
    watched.extend(git(manifest, &["symbolic-ref", "-q", "HEAD"]));
    for path in watched {
        // Only files that exist: cargo treats a missing one as changed on every build.
        if let Some(file) = git(manifest, &["rev-parse", "--git-path", &path])
            .map(|file| manifest.join(file))
            .filter(|file| file.is_file())
        {
            println!("cargo:rerun-if-changed={}", file.display());
        }
    }
    git(manifest, &["rev-parse", "--short=12", "HEAD"])
}

/// The commit `cargo package` recorded in `.cargo_vcs_info.json` (`"sha1": "…"`).
fn tarball_commit(manifest: &Path) -> Option<String> {
    let path = manifest.join(".cargo_vcs_info.json");
    let text = std::fs::read_to_string(&path).ok()?;
    println!("cargo:rerun-if-changed={}", path.display());
    let after = &text[text.find("\"sha1\"")? + "\"sha1\"".len()..];
    let start = after.find('"')? + 1;
    let sha: String = after[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .take(12)
        .collect();
    (sha.len() == 12).then_some(sha)
}

/// Seconds since the epoch: `SOURCE_DATE_EPOCH` when set, else now.
fn build_seconds() -> u64 {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        })
}

/// `YYYY-MM-DD` (UTC) of `seconds` since the epoch (the days-to-civil algorithm of Howard
/// Hinnant's `chrono`-compatible date library).
fn civil_date(seconds: u64) -> String {
    let days = i64::try_from(seconds / 86_400).unwrap_or(0) + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
