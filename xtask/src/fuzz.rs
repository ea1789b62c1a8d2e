//! `cargo xtask fuzz --minutes N [--target T]`: the coverage-guided fuzz
//! targets of `fuzz/` (cargo-fuzz, libFuzzer), one after another, each for
//! N minutes, seeded from `fixtures/`; then a table of runs, execs/s and
//! crashes (docs/fuzz-targets.md).
//!
//! cargo-fuzz needs a nightly compiler: `cargo +nightly fuzz` when rustup has
//! a nightly toolchain, else the stable one with `RUSTC_BOOTSTRAP=1`. The
//! seed corpus is written under `target/fuzz/corpus/<target>/` at run time
//! (never committed) and grows there; a crash lands in
//! `target/fuzz/artifacts/<target>/`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use ppob_contract::contract::Operation;
use ppob_contract::sim::FIRST_INQUIRY_ID;
use ppob_contract::transport::WireRequest;
use ppob_contract::transport::auth::{BodyMode, Credentials, sign_request};
use serde_json::{Value, json};

/// The targets of `fuzz/fuzz_targets/`, in the order they run.
pub const TARGETS: [&str; 4] = ["validate", "har", "sim_request", "config"];

const USAGE: &str = "usage: cargo xtask fuzz --minutes N [--target T]

Runs the cargo-fuzz targets of fuzz/ for N minutes each (all of them, or T):
  validate      the document engine: any bytes as each document kind
  har           the cassette and HAR readers (and a cassette written back)
  sim_request   request bytes through the simulator's gate and state machine
  config        the ppob-contract.toml parser

Needs cargo-fuzz (cargo install cargo-fuzz --locked) and a nightly compiler
(rustup's nightly toolchain, else RUSTC_BOOTSTRAP=1 on stable). CPU is shared:
run it under `nice -n 19`. See docs/fuzz-targets.md.";

/// What one target's run gave.
struct Outcome {
    target: &'static str,
    runs: u64,
    execs_per_sec: u64,
    corpus: usize,
    crashes: usize,
}

/// Runs `cargo xtask fuzz …`.
pub fn run(root: &Path, args: &[&str]) -> Result<()> {
    let mut minutes = None;
    let mut only = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match *arg {
            "--minutes" => {
                let value = rest.next().context("--minutes needs a number")?;
                let value: f64 = value
                    .parse()
                    .ok()
                    .filter(|m: &f64| *m > 0.0 && m.is_finite())
                    .with_context(|| format!("--minutes {value:?}: write a positive number"))?;
                minutes = Some(value);
            }
            "--target" => {
                let value = rest.next().context("--target needs a name")?;
                let Some(target) = TARGETS.iter().find(|t| *t == value) else {
                    bail!("unknown target {value:?}: one of {}", TARGETS.join(", "));
                };
                only = Some(*target);
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => bail!("unexpected argument {other:?}\n\n{USAGE}"),
        }
    }
    let Some(minutes) = minutes else {
        bail!("--minutes is required\n\n{USAGE}");
    };
    let seconds = (minutes * 60.0).round().max(1.0) as u64;
    let toolchain = Toolchain::find()?;
    let targets: Vec<&'static str> = match only {
        Some(target) => vec![target],
        None => TARGETS.to_vec(),
    };
    let mut outcomes = Vec::new();
    for target in targets {
        let corpus = root.join("target/fuzz/corpus").join(target);
        let artifacts = root.join("target/fuzz/artifacts").join(target);
        std::fs::create_dir_all(&artifacts)?;
        let seeds = write_seeds(root, target, &corpus)?;
        println!(
            "== {target}: {seeds} seeds, {seconds} s ({})",
            toolchain.describe()
        );
        outcomes.push(run_target(
            root, &toolchain, target, &corpus, &artifacts, seconds,
        )?);
    }
    println!("\n| target | time | runs | execs/s | corpus | crashes |");
    println!("|---|---|---|---|---|---|");
    for o in &outcomes {
        println!(
            "| `{}` | {seconds} s | {} | {} | {} | {} |",
            o.target, o.runs, o.execs_per_sec, o.corpus, o.crashes
        );
    }
    let crashed: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.crashes > 0)
        .map(|o| o.target)
        .collect();
    if !crashed.is_empty() {
        bail!(
            "crashes in {}: inputs in target/fuzz/artifacts/; reproduce with \
             `cargo +nightly fuzz run TARGET FILE` in fuzz/",
            crashed.join(", ")
        );
    }
    Ok(())
}

/// How cargo-fuzz gets its nightly compiler.
enum Toolchain {
    /// rustup's nightly toolchain.
    Nightly,
    /// The default toolchain with `RUSTC_BOOTSTRAP=1`.
    Bootstrap,
}

impl Toolchain {
    fn find() -> Result<Self> {
        let fuzz = Command::new("cargo")
            .args(["fuzz", "--version"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if !fuzz.is_ok_and(|s| s.success()) {
            bail!("cargo-fuzz is not installed: cargo install cargo-fuzz --locked");
        }
        let toolchains = Command::new("rustup")
            .args(["toolchain", "list"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        if toolchains.lines().any(|l| l.starts_with("nightly")) {
            Ok(Self::Nightly)
        } else {
            Ok(Self::Bootstrap)
        }
    }

    fn describe(&self) -> &'static str {
        match self {
            Self::Nightly => "cargo +nightly fuzz",
            Self::Bootstrap => "RUSTC_BOOTSTRAP=1 cargo fuzz",
        }
    }

    fn cargo(&self) -> Command {
        let mut command = Command::new("cargo");
        match self {
            Self::Nightly => {
                command.arg("+nightly");
            }
            Self::Bootstrap => {
                command.env("RUSTC_BOOTSTRAP", "1");
            }
        }
        command
    }
}

fn run_target(
    root: &Path,
    toolchain: &Toolchain,
    target: &'static str,
    corpus: &Path,
    artifacts: &Path,
    seconds: u64,
) -> Result<Outcome> {
    let crashes_before = count_files(artifacts);
    let output = toolchain
        .cargo()
        .current_dir(root.join("fuzz"))
        .args(["fuzz", "run", target])
        .arg(corpus)
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .args(["-print_final_stats=1", "-timeout=10", "-rss_limit_mb=2048"])
        .stdout(Stdio::inherit())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("running cargo fuzz run {target}"))?;
    let log = String::from_utf8_lossy(&output.stderr);
    // libFuzzer's log is long; keep the last lines and the final stats.
    for line in log
        .lines()
        .rev()
        .take(12)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
    {
        eprintln!("  {line}");
    }
    let stat = |name: &str| {
        log.lines()
            .find_map(|l| l.strip_prefix(&format!("stat::{name}:")))
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    let crashes = count_files(artifacts) - crashes_before;
    if !output.status.success() && crashes == 0 {
        bail!(
            "cargo fuzz run {target} failed ({}) without a crash input",
            output.status
        );
    }
    Ok(Outcome {
        target,
        runs: stat("number_of_executed_units").unwrap_or(0),
        execs_per_sec: stat("average_exec_per_sec").unwrap_or(0),
        corpus: count_files(corpus),
        crashes,
    })
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| d.filter_map(Result::ok).count())
        .unwrap_or(0)
}

/// Writes the seeds of `target` into `corpus` (created); returns how many.
fn write_seeds(root: &Path, target: &str, corpus: &Path) -> Result<usize> {
    std::fs::create_dir_all(corpus)?;
    let seeds = match target {
        "validate" => files_with(root, &root.join("fixtures"), "json")?,
        "har" => files_with(root, &root.join("fixtures"), "har")?,
        "config" => {
            let mut seeds = files_with(root, &root.join("docs"), "toml")?;
            seeds.push((
                "minimal.toml".into(),
                b"target = \"http://127.0.0.1:8080\"\n\n[polling]\ndeadline = \"150s\"\n\n\
                  [[case]]\naccount = \"0811111111\"\nexpect = \"success\"\n"
                    .to_vec(),
            ));
            seeds
        }
        "sim_request" => sim_request_seeds()?,
        other => bail!("no seeds for {other}"),
    };
    let count = seeds.len();
    for (name, bytes) in seeds {
        std::fs::write(corpus.join(format!("seed-{name}")), bytes)?;
    }
    Ok(count)
}

/// Every file under `dir` ending in `.ext`, named by its path under `root`.
fn files_with(root: &Path, dir: &Path, ext: &str) -> Result<Vec<(String, Vec<u8>)>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?
        {
            let path: PathBuf = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == ext) {
                let name = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('/', "_");
                found.push((name, std::fs::read(&path)?));
            }
        }
    }
    Ok(found)
}

/// Seeds of the `sim_request` target (its input format is in its doc):
/// whole signed HTTP requests (raw mode) and inquiry → payment → status
/// scripts for the seeded accounts (script mode; the payment is right for
/// the seed's account, 3607 for the first inquiry of a fresh simulator).
fn sim_request_seeds() -> Result<Vec<(String, Vec<u8>)>> {
    let credentials = Credentials::simulator_demo();
    let inquiry = |account: &str| json!({"partnerId": credentials.key(), "accountNumber": account, "productCode": "product-code"});
    let payment = |account: &str, reference: &str| {
        json!({"partnerId": credentials.key(), "refNumber": reference, "accountNumber": account,
               "productCode": "product-code", "amount": 3607, "inquiryId": FIRST_INQUIRY_ID})
    };
    let status = |reference: &str| json!({"partnerId": credentials.key(), "refNumber": reference});
    let mut seeds = Vec::new();
    let requests: [(Operation, Value); 3] = [
        (Operation::Inquiry, inquiry("0811111111")),
        (Operation::Payment, payment("0811111111", "FUZZ1")),
        (Operation::Status, status("FUZZ1")),
    ];
    for (operation, payload) in requests {
        for mode in [BodyMode::TokenOnly, BodyMode::TokenAndBody] {
            let request = sign_request(operation, payload.clone(), &credentials, mode)?;
            let mut bytes = vec![0u8];
            bytes.extend(http_bytes(&request));
            seeds.push((format!("raw-{}-{}", operation.name(), mode.name()), bytes));
        }
    }
    for (index, account) in ["0811111111", "0811111112", "0811111113", "0811111115"]
        .into_iter()
        .enumerate()
    {
        let reference = format!("FUZZ{index}");
        let mut script = vec![1u8 | ((index as u8 % 3) << 1)];
        for (op, payload) in [
            (b'i', inquiry(account)),
            (b'P', payment(account, &reference)),
            (b't', Value::Null),
            (b's', status(&reference)),
            (b'p', payment(account, &reference)),
        ] {
            script.push(op);
            if op == b't' {
                script.push(3);
            } else {
                script.extend(serde_json::to_vec(&payload)?);
            }
            script.push(b'\n');
        }
        seeds.push((format!("script-{account}"), script));
    }
    Ok(seeds)
}

/// `request` as HTTP/1.1 bytes.
fn http_bytes(request: &WireRequest) -> Vec<u8> {
    let mut head = format!(
        "{} {} HTTP/1.1\r\nhost: 127.0.0.1\r\n",
        request.method, request.path
    );
    for (name, value) in &request.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("content-length: {}\r\n\r\n", request.body.len()));
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&request.body);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_has_seeds_and_a_file() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let dir = tempfile_dir();
        for target in TARGETS {
            assert!(
                root.join(format!("fuzz/fuzz_targets/{target}.rs"))
                    .is_file(),
                "{target}"
            );
            let written = write_seeds(root, target, &dir.join(target)).unwrap();
            assert!(written >= 1, "{target}: no seed written");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn tempfile_dir() -> PathBuf {
        std::env::temp_dir().join(format!("xtask-fuzz-seeds-{}", std::process::id()))
    }

    #[test]
    fn raw_seeds_are_whole_http_requests() {
        let seeds = sim_request_seeds().unwrap();
        let raw = seeds
            .iter()
            .find(|(n, _)| n.starts_with("raw-payment"))
            .unwrap();
        let text = String::from_utf8_lossy(&raw.1[1..]);
        assert!(
            text.starts_with("POST /api/v2/bill/payment HTTP/1.1\r\n"),
            "{text}"
        );
        assert!(text.contains("\r\n\r\n"));
        assert!(
            seeds
                .iter()
                .any(|(n, s)| n.starts_with("script-") && s[0] & 1 == 1)
        );
    }
}
