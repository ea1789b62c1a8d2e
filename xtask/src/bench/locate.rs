//! `cargo xtask bench locate`: how the time to judge a document grows with
//! its size when nearly every byte belongs to a finding.
//!
//! Each document is the seed inquiry answer on one line with N undocumented
//! members appended (`"x000000":0`, 12 bytes with the comma, one `drift`
//! finding each), sized 10 KB, 100 KB, 1 MB and 10 MB, plus the issue's case
//! (64 000 findings). Two figures per document, each the best of [`RUNS`]:
//! the engine's `check` in this (optimized) process — parsing, the schema
//! pass and placing every finding at its line:column — and the release
//! `ppob-contract validate --format json FILE` as a child process, report
//! written to a pipe and discarded. Linear placement shows as a constant
//! time per finding down the table. This is a benchmark, never part of
//! `cargo test`; the files are written under `target/bench/`.

use std::fmt::Write as _;
use std::io::Read as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use ppob_contract::contract::DocKind;
use ppob_contract::validate::{Engine, EngineOptions, Input};

use super::{
    RUNS, best_of, build_release, no_options, release_binary, rerun_optimized, target_dir,
};

const USAGE: &str = "usage: cargo xtask bench locate

Judges documents of 10 KB, 100 KB, 1 MB and 10 MB made of undocumented members
(one drift finding per 12 bytes), and the issue's 64 000-finding document: the
engine in process and `ppob-contract validate --format json` (release), best of 3.";

/// Sizes of the generated documents, with their labels.
const SIZES: [(&str, usize); 4] = [
    ("10 KB", 10_000),
    ("100 KB", 100_000),
    ("1 MB", 1_000_000),
    ("10 MB", 10_000_000),
];
/// The issue's case: a ~700 KB answer with this many findings.
const ISSUE_FINDINGS: usize = 64_000;
/// Bytes one appended member takes, comma included (`,"x000000":0`).
const MEMBER_BYTES: usize = 12;

/// One measured document.
struct Row {
    label: String,
    bytes: usize,
    findings: usize,
    judge: Duration,
    validate: Duration,
}

/// Runs the benchmark.
pub fn run(root: &Path, args: &[&str]) -> Result<()> {
    if !no_options(args, USAGE)? {
        return Ok(());
    }
    if cfg!(debug_assertions) {
        return rerun_optimized(root, "locate", args);
    }
    build_release(root)?;
    let binary = release_binary(root, "ppob-contract");
    let seed = compact_seed(root)?;
    let dir = target_dir(root).join("bench");
    std::fs::create_dir_all(&dir)?;
    let engine = Engine::new(EngineOptions::default());
    let mut plan: Vec<(String, usize)> = SIZES
        .iter()
        .map(|&(label, bytes)| {
            let members = bytes.saturating_sub(seed.len()) / MEMBER_BYTES;
            (label.to_owned(), members.max(1))
        })
        .collect();
    plan.push(("the issue's case".to_owned(), ISSUE_FINDINGS));
    let mut rows = Vec::new();
    for (label, members) in plan {
        let doc = with_unknown_members(&seed, members);
        let (judge, findings) = best_of(|| {
            let report = engine.check(Input {
                source: "bench.inquiry.response.json",
                bytes: doc.as_bytes(),
                kind: Some(DocKind::InquiryResponse),
                first_line: 1,
            });
            report.findings.len()
        });
        if findings != members {
            bail!("{label}: {findings} findings, expected {members} (one per unknown member)");
        }
        if members > 999_999 {
            bail!("{label}: {members} members do not fit the 6-digit names");
        }
        let path = dir.join(format!("locate-{members}.inquiry.response.json"));
        std::fs::write(&path, &doc).with_context(|| format!("writing {}", path.display()))?;
        let validate = time_validate(&binary, &path, members)?;
        eprintln!("bench: {label}: judged in {judge:.2?}, validate in {validate:.2?}");
        rows.push(Row {
            label,
            bytes: doc.len(),
            findings,
            judge,
            validate,
        });
    }
    print_table(&rows);
    Ok(())
}

/// The seed inquiry answer as one compact line.
fn compact_seed(root: &Path) -> Result<String> {
    let path = root.join("fixtures/mobile-postpaid/inquiry.response.json");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text)?;
    Ok(value.to_string())
}

/// `seed` with `members` undocumented members appended to its top-level object.
fn with_unknown_members(seed: &str, members: usize) -> String {
    let head = &seed[..seed.len() - 1]; // without the closing brace
    let mut doc = String::with_capacity(head.len() + members * MEMBER_BYTES + 1);
    doc.push_str(head);
    for i in 0..members {
        let _ = write!(doc, ",\"x{i:06}\":0");
    }
    doc.push('}');
    doc
}

/// The best of [`RUNS`] runs of `validate --format json PATH`, its report
/// read from a pipe (and checked to hold every finding) and discarded.
fn time_validate(binary: &Path, path: &Path, findings: usize) -> Result<Duration> {
    let mut best = Duration::MAX;
    for _ in 0..RUNS {
        let start = Instant::now();
        let mut child = Command::new(binary)
            .args(["validate", "--format", "json"])
            .arg(path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("running {}", binary.display()))?;
        let mut report = Vec::new();
        child
            .stdout
            .take()
            .context("the child's stdout")?
            .read_to_end(&mut report)?;
        let status = child.wait()?;
        let elapsed = start.elapsed();
        // Drift is a warning: the contract holds, exit 0.
        if !status.success() {
            bail!("validate {} exited {status}", path.display());
        }
        let drift = report.windows(7).filter(|w| w == b"\"drift\"").count();
        if drift != findings {
            bail!(
                "validate {}: {drift} drift findings in the report, expected {findings}",
                path.display()
            );
        }
        best = best.min(elapsed);
    }
    Ok(best)
}

fn print_table(rows: &[Row]) {
    println!(
        "\nDocuments of one line: the seed inquiry answer plus undocumented members, one drift \
         finding each (best of {RUNS}).\n"
    );
    println!(
        "| document | bytes | findings | judge (engine) | µs per finding | `validate --format json` |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for row in rows {
        let per_finding = row.judge.as_secs_f64() * 1e6 / row.findings as f64;
        println!(
            "| {} | {} | {} | {:.3} s | {per_finding:.2} | {:.3} s |",
            row.label,
            row.bytes,
            row.findings,
            row.judge.as_secs_f64(),
            row.validate.as_secs_f64()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_member_is_twelve_bytes_and_the_document_is_json() {
        let seed = r#"{"responseCode":300}"#;
        let doc = with_unknown_members(seed, 3);
        assert_eq!(doc.len(), seed.len() + 3 * MEMBER_BYTES);
        let value: serde_json::Value = serde_json::from_str(&doc).unwrap();
        assert_eq!(value["x000002"], 0);
    }
}
