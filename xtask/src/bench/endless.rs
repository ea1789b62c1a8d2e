//! `cargo xtask bench endless`: the memory of the release `ppob-contract
//! check` against a server whose payment and status answers never end.
//!
//! A server on 127.0.0.1:0 (a thread of this process) answers the inquiry
//! with the seed answer and every other request with HTTP 200 and a chunked
//! body of spaces that never ends (64 KiB chunks as fast as the client reads;
//! each connection bounded to 4 GiB and 60 s). `check --target` runs one
//! case expected `pending` under `/usr/bin/time -f "%M %e"`, once with the
//! default `--max-body` and once with a larger one; the table gives its
//! maximum resident set, its wall time and the case's outcome. The run fails
//! unless every case ends `pending` (the money rule: an unusable payment
//! answer is processing). This is a benchmark, never part of `cargo test`.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::{build_release, no_options, release_binary};

const USAGE: &str = "usage: cargo xtask bench endless

Runs the release `ppob-contract check --target` against a loopback server whose
payment and status answers are endless chunked bodies, under /usr/bin/time:
maximum RSS and wall time with the default --max-body (8MiB) and with 64MiB.";

/// The most one connection is sent (a bound, not a target).
const MAX_WRITTEN: u64 = 4 << 30;
/// The longest one connection is written to.
const MAX_WRITING: Duration = Duration::from_secs(60);
/// The case's timing options: each request may take `--timeout`; status is
/// asked until `--deadline` after the payment.
const TIMING: [&str; 8] = [
    "--timeout",
    "10s",
    "--deadline",
    "3s",
    "--first-wait",
    "500ms",
    "--interval",
    "500ms",
];

/// Runs the benchmark.
pub fn run(root: &Path, args: &[&str]) -> Result<()> {
    if !no_options(args, USAGE)? {
        return Ok(());
    }
    if !Path::new("/usr/bin/time").is_file() {
        bail!("needs GNU time at /usr/bin/time (Debian: apt-get install time)");
    }
    build_release(root)?;
    let binary = release_binary(root, "ppob-contract");
    let inquiry_answer = std::fs::read(root.join("fixtures/mobile-postpaid/inquiry.response.json"))
        .context("reading the seed inquiry answer")?;
    let url = serve(inquiry_answer)?;
    println!(
        "\n`ppob-contract check --target {url} --case 0811111111=pending {}` (release)\n",
        TIMING.join(" ")
    );
    println!("| --max-body | max RSS | wall time | outcome | payment verdict |");
    println!("|---|---:|---:|---|---|");
    for max_body in [None, Some("64MiB")] {
        let mut command = Command::new("/usr/bin/time");
        command
            .args(["-f", "%M %e"])
            .arg(&binary)
            .args(["check", "--target", &url, "--case", "0811111111=pending"])
            .args(TIMING)
            .args(["--format", "json"]);
        if let Some(size) = max_body {
            command.args(["--max-body", size]);
        }
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
        let report: Value = serde_json::from_slice(&output.stdout)
            .with_context(|| format!("reading the JSON report of check\n{stderr}"))?;
        let outcome = report["cases"][0]["outcome"]
            .as_str()
            .unwrap_or("?")
            .to_owned();
        let verdict = report["documents"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|d| d["step"]["operation"] == "payment" && d["step"]["side"] == "response")
            .and_then(|d| d["step"]["verdict"].as_str())
            .unwrap_or("?")
            .to_owned();
        println!(
            "| {} | {:.1} MB | {wall:.2} s | {outcome} | {verdict} |",
            max_body.unwrap_or("8MiB (default)"),
            rss_kb as f64 / 1024.0
        );
        if outcome != "pending" {
            bail!("the case ended {outcome}, expected pending\n{stderr}");
        }
    }
    Ok(())
}

/// Starts the hostile server; returns its base URL.
fn serve(inquiry_answer: Vec<u8>) -> Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding 127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let inquiry_answer = inquiry_answer.clone();
            std::thread::spawn(move || {
                let Some(path) = request_path(&mut stream) else {
                    return;
                };
                if path.ends_with("/check") {
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n",
                        inquiry_answer.len()
                    );
                    let _ = stream.write_all(head.as_bytes());
                    let _ = stream.write_all(&inquiry_answer);
                    // Take what is left of the request (bounded) so that closing sends no reset.
                    let _ = stream.shutdown(Shutdown::Write);
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                    let _ = std::io::copy(&mut (&stream).take(1 << 20), &mut std::io::sink());
                } else {
                    endless(&mut stream);
                }
            });
        }
    });
    Ok(format!("http://127.0.0.1:{port}"))
}

/// Reads a request's head; returns its path. Each connection serves one
/// request (answers say `Connection: close`), so a body left unread is
/// never taken for the next request.
fn request_path(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 64 * 1024 || stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    head.split_whitespace().nth(1).map(str::to_owned)
}

/// HTTP 200 with a chunked body that never ends, within the bounds.
fn endless(stream: &mut TcpStream) {
    let _ = stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\
          Connection: close\r\n\r\n1\r\n{\r\n",
    );
    let mut chunk = format!("{:x}\r\n", 64 * 1024).into_bytes();
    chunk.extend(std::iter::repeat_n(b' ', 64 * 1024));
    chunk.extend_from_slice(b"\r\n");
    let started = Instant::now();
    let mut written = 0u64;
    while written < MAX_WRITTEN && started.elapsed() < MAX_WRITING {
        if stream.write_all(&chunk).is_err() {
            return;
        }
        written += chunk.len() as u64;
    }
}
