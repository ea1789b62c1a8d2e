//! `cargo xtask bench memory`: the peak memory of the release `ppob-contract`
//! on inputs that are large or never end, each of which must stay under
//! [`MAX_RSS_MB`] whatever its size (issue 26, "flat memory on any input").
//!
//! Each row runs the binary once under `/usr/bin/time -f "%M %e"`:
//! - `report merge /dev/zero` and `validate /dev/zero`: endless inputs that
//!   must end with a clear error naming the file;
//! - `validate` of a generated HAR of about `--mb` MB of many entries (the
//!   seed payment, request and answer, in each);
//! - `validate --ndjson -` of about `--mb` MB of NDJSON on stdin;
//! - `check --target URL --max-body 200MiB` against a loopback server (a
//!   thread of this process) that answers every request with 1 KB.
//!
//! The table gives the maximum resident set, the wall time, the exit code
//! and the first line the tool wrote to stderr (or its verdict line); the
//! run fails when a row reaches [`MAX_RSS_MB`]. Inputs are written under
//! `target/bench-memory/` and reused. Never part of `cargo test`.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::json;

use super::{build_release, parse_count_option, release_binary, run_cargo, target_dir};

const USAGE: &str = "usage: cargo xtask bench memory [--mb N] [--debug]

Runs the release `ppob-contract` under /usr/bin/time on inputs that are large
or endless (report merge /dev/zero, validate /dev/zero, a HAR and NDJSON on
stdin of about N MB each (default 200), check --max-body 200MiB against a
server sending 1 KB) and fails when one peaks at 100 MB or more. With
--debug, the debug build is measured instead (no release build needed; its
peaks are at least the release build's).";

/// The peak resident set no row may reach.
pub const MAX_RSS_MB: f64 = 100.0;

/// Runs the benchmark.
pub fn run(root: &Path, args: &[&str]) -> Result<()> {
    let debug = args.contains(&"--debug");
    let rest: Vec<&str> = args.iter().copied().filter(|a| *a != "--debug").collect();
    let Some(mb) = parse_count_option(&rest, "--mb", 200, USAGE)? else {
        println!("{USAGE}");
        return Ok(());
    };
    if !Path::new("/usr/bin/time").is_file() {
        bail!("needs GNU time at /usr/bin/time (Debian: apt-get install time)");
    }
    let binary = if debug {
        run_cargo(root, &["build", "-p", "ppob-contract"])?;
        target_dir(root)
            .join("debug")
            .join(format!("ppob-contract{}", std::env::consts::EXE_SUFFIX))
    } else {
        build_release(root)?;
        release_binary(root, "ppob-contract")
    };
    let build = if debug { "debug" } else { "release" };
    let dir = target_dir(root).join("bench-memory");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let fixtures = root.join("fixtures/mobile-postpaid");
    let har = write_har(&dir, &fixtures, mb)?;
    let ndjson = write_ndjson(&dir, &fixtures, mb)?;
    let url = serve_one_kilobyte()?;

    let rows: Vec<(String, Vec<String>, Option<PathBuf>)> = vec![
        (
            "report merge /dev/zero".into(),
            words("report merge /dev/zero"),
            None,
        ),
        (
            "validate /dev/zero".into(),
            words("validate /dev/zero"),
            None,
        ),
        (
            format!("validate {} ({mb} MB HAR)", file_name(&har)),
            vec!["validate".into(), har.display().to_string()],
            None,
        ),
        (
            format!(
                "validate --ndjson --kind payment.response - < {} ({mb} MB)",
                file_name(&ndjson)
            ),
            words("validate --ndjson --kind payment.response -"),
            Some(ndjson.clone()),
        ),
        (
            "check --max-body 200MiB, server sends 1 KB".into(),
            vec![
                "check".into(),
                "--target".into(),
                url.clone(),
                "--max-body".into(),
                "200MiB".into(),
                "--case".into(),
                "0811111111".into(),
            ],
            None,
        ),
    ];
    println!("\n`ppob-contract` ({build}) under `/usr/bin/time -f \"%M %e\"`\n");
    println!("| input | max RSS | wall time | exit | what it said |");
    println!("|---|---:|---:|---:|---|");
    let mut over = Vec::new();
    for (label, args, stdin) in rows {
        let (rss_mb, wall, code, said) = measure(&binary, &args, stdin.as_deref())?;
        println!("| `{label}` | {rss_mb:.1} MB | {wall:.2} s | {code} | {said} |");
        if rss_mb >= MAX_RSS_MB {
            over.push(format!("{label}: {rss_mb:.1} MB"));
        }
    }
    if !over.is_empty() {
        bail!("peak RSS at or over {MAX_RSS_MB} MB: {}", over.join("; "));
    }
    Ok(())
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

/// Runs `binary args` (stdin from `stdin` or nothing) under GNU time:
/// (max RSS in MB, wall seconds, exit code, first line said).
fn measure(
    binary: &Path,
    args: &[String],
    stdin: Option<&Path>,
) -> Result<(f64, f64, i32, String)> {
    let mut command = Command::new("/usr/bin/time");
    command.args(["-f", "%M %e"]).arg(binary).args(args);
    command.stdin(match stdin {
        Some(path) => {
            Stdio::from(File::open(path).with_context(|| format!("opening {}", path.display()))?)
        }
        None => Stdio::null(),
    });
    let output = command.output().context("running /usr/bin/time")?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let (rss_kb, wall) = stderr
        .lines()
        .rev()
        .find_map(|l| {
            let (rss, wall) = l.split_once(' ')?;
            Some((rss.parse::<u64>().ok()?, wall.parse::<f64>().ok()?))
        })
        .with_context(|| format!("no `%M %e` line from /usr/bin/time in\n{stderr}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    // The tool's own words: its error on stderr, else its verdict (the last line of stdout).
    let said = stderr
        .lines()
        .find(|l| l.starts_with("ppob-contract") && !l.contains("no credentials set"))
        .or_else(|| stdout.lines().rev().find(|l| !l.trim().is_empty()))
        .unwrap_or("")
        .chars()
        .take(160)
        .collect::<String>()
        .replace('|', "\\|");
    // GNU time reports the child's code as its own.
    let code = output.status.code().unwrap_or(-1);
    Ok((rss_kb as f64 / 1024.0, wall, code, said))
}

/// A HAR of about `mb` MB: one entry after another, each the seed payment
/// request and its answer. Written once, then reused.
fn write_har(dir: &Path, fixtures: &Path, mb: usize) -> Result<PathBuf> {
    let path = dir.join(format!("many-entries-{mb}mb.har"));
    if path.is_file() {
        return Ok(path);
    }
    let request = std::fs::read_to_string(fixtures.join("payment.request.json"))?;
    let answer = std::fs::read_to_string(fixtures.join("payment.response.json"))?;
    let entry = serde_json::to_string(&json!({
        "startedDateTime": "2026-01-01T00:00:00.000Z",
        "time": 1,
        "request": {
            "method": "POST", "url": "http://127.0.0.1/api/v2/bill/payment",
            "httpVersion": "HTTP/1.1", "headers": [], "queryString": [], "cookies": [],
            "headersSize": -1, "bodySize": request.len(),
            "postData": {"mimeType": "application/json", "text": request},
        },
        "response": {
            "status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [],
            "cookies": [], "redirectURL": "", "headersSize": -1, "bodySize": answer.len(),
            "content": {"size": answer.len(), "mimeType": "application/json", "text": answer},
        },
        "cache": {},
        "timings": {"send": 0, "wait": 1, "receive": 0},
    }))?;
    let count = mb * 1_000_000 / (entry.len() + 1) + 1;
    let temp = path.with_extension("tmp");
    let mut out = BufWriter::new(File::create(&temp)?);
    out.write_all(
        br#"{"log":{"version":"1.2","creator":{"name":"xtask","version":"1"},"entries":["#,
    )?;
    for i in 0..count {
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(entry.as_bytes())?;
    }
    out.write_all(b"]}}")?;
    out.flush()?;
    drop(out);
    std::fs::rename(&temp, &path)?;
    Ok(path)
}

/// About `mb` MB of NDJSON: the seed payment answer on one line, again and again.
fn write_ndjson(dir: &Path, fixtures: &Path, mb: usize) -> Result<PathBuf> {
    let path = dir.join(format!("payment-answers-{mb}mb.ndjson"));
    if path.is_file() {
        return Ok(path);
    }
    let answer: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixtures.join("payment.response.json"))?)?;
    let line = format!("{}\n", serde_json::to_string(&answer)?);
    let temp = path.with_extension("tmp");
    let mut out = BufWriter::new(File::create(&temp)?);
    for _ in 0..(mb * 1_000_000 / line.len() + 1) {
        out.write_all(line.as_bytes())?;
    }
    out.flush()?;
    drop(out);
    std::fs::rename(&temp, &path)?;
    Ok(path)
}

/// A loopback server (threads of this process) answering every request with
/// HTTP 200 and a 1 KB chunked JSON body; returns its base URL.
fn serve_one_kilobyte() -> Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding 127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(10_000) {
            let Ok(stream) = stream else { continue };
            std::thread::spawn(move || answer_one_kilobyte(stream));
        }
    });
    Ok(format!("http://127.0.0.1:{port}"))
}

fn answer_one_kilobyte(mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 64 * 1024 || !matches!(stream.read(&mut byte), Ok(1)) {
            return;
        }
        head.push(byte[0]);
    }
    let body = format!("{{\"pad\":\"{}\"}}", "x".repeat(1000));
    let answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\
         Connection: close\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(answer.as_bytes());
    let _ = stream.shutdown(Shutdown::Write);
    // Take what is left of the request (bounded) so that closing sends no reset.
    let _ = std::io::copy(&mut (&stream).take(1 << 20), &mut std::io::sink());
}
