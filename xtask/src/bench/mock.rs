//! `cargo xtask bench mock`: requests per second and latency of
//! `ppob-contract mock` over HTTP on loopback, under `wrk`.
//!
//! The release binary is started as a child process on `127.0.0.1`, port 0
//! (it prints the port it chose), with TOKEN verification on (the built-in
//! demo partner). `wrk -t2 -c32 -d10s --latency` then POSTs, with a Lua
//! script setting the headers (KEY, a TOKEN signed with the demo secret,
//! VERSION 2.0, Content-Type) and an empty body (token-only mode):
//!
//! 1. the seed inquiry to `/api/v2/bill/check` (answers 300; the target);
//! 2. a status to `/api/v2/bill/status` of a payment made and settled
//!    before the load (answers 0);
//! 3. the inquiry with a TOKEN signed with a wrong secret (answers 401).
//!
//! Before each load one request must get what the load expects (HTTP 200
//! and the code, or 401), so the benchmark never measures errors by
//! mistake; after it, wrk's "Non-2xx" count must be 0 for the valid runs and
//! every request for the 401 run, and the mock must still be running. The
//! mock is killed at the end, also on error. Never part of `cargo test`.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use ppob_contract::contract::Operation;
use ppob_contract::transport::auth::{
    API_VERSION, BodyMode, Credentials, KEY_ENV, KEY_HEADER, SECRET_ENV, TOKEN_HEADER,
    VERSION_HEADER, sign_request, sign_token,
};
use ppob_contract::transport::http::{HttpConfig, HttpTransport};
use ppob_contract::transport::{Transport, WireRequest, WireResponse};
use serde_json::{Value, json};

use super::{build_release, parse_count, release_binary, target_dir};

/// wrk threads, connections and seconds unless told otherwise (the issue's load).
const DEFAULT_THREADS: usize = 2;
const DEFAULT_CONNECTIONS: usize = 32;
const DEFAULT_SECONDS: usize = 10;
/// The target from the issue, for the inquiry run: at least this many
/// requests per second…
const TARGET_RPS: f64 = 44_000.0;
/// …with a 99th percentile latency under this.
const TARGET_P99: Duration = Duration::from_millis(5);
/// How long the mock may take to say where it listens.
const START_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a payment may take to settle before the status run (the
/// simulator's default settle time is 2 s).
const SETTLE_TIMEOUT: Duration = Duration::from_secs(15);
/// The seed's inquiry account and product.
pub(super) const ACCOUNT: &str = "0811111111";
pub(super) const PRODUCT: &str = "product-code";

const USAGE: &str = "usage: cargo xtask bench mock [--duration S] [--connections N] [--threads N]

  --duration S      seconds of load per run (default 10)
  --connections N   wrk connections (default 32)
  --threads N       wrk threads (default 2)

Needs wrk (Debian: apt-get install wrk).";

/// Runs the mock benchmark and prints its table.
pub fn run(root: &Path, args: &[&str]) -> Result<()> {
    let Some(load) = Load::parse(args, USAGE)? else {
        println!("{USAGE}");
        return Ok(());
    };
    let wrk = find_wrk()?;
    build_release(root)?;
    let binary = release_binary(root, "ppob-contract");
    let scripts = target_dir(root).join("bench");
    std::fs::create_dir_all(&scripts).with_context(|| format!("creating {}", scripts.display()))?;

    let mut mock = Mock::start(&binary)?;
    let outcome = bench(&wrk, &load, &mut mock, &scripts);
    let stopped = mock.stop();
    let results = outcome?;
    stopped?;

    println!();
    print_table(&load, &results);
    println!();
    print_target(&results[0]);
    println!("reproduce: {}", load.command("mock"));
    Ok(())
}

/// The load wrk puts on the mock.
pub(super) struct Load {
    pub(super) threads: usize,
    pub(super) connections: usize,
    pub(super) seconds: usize,
}

impl Load {
    /// Parses the options; `None` when help was asked for.
    pub(super) fn parse(args: &[&str], usage: &str) -> Result<Option<Self>> {
        let mut load = Self {
            threads: DEFAULT_THREADS,
            connections: DEFAULT_CONNECTIONS,
            seconds: DEFAULT_SECONDS,
        };
        let mut rest = args.iter();
        while let Some(&arg) = rest.next() {
            if matches!(arg, "-h" | "--help") {
                return Ok(None);
            }
            let (flag, value) = match arg.split_once('=') {
                Some((flag, value)) => (flag, value),
                None => (
                    arg,
                    *rest
                        .next()
                        .with_context(|| format!("{arg} needs a number"))?,
                ),
            };
            let slot = match flag {
                "--threads" => &mut load.threads,
                "--connections" => &mut load.connections,
                "--duration" => &mut load.seconds,
                _ => bail!("unknown argument {arg:?}\n\n{usage}"),
            };
            *slot = parse_count(flag, value.trim_end_matches('s'))?;
        }
        if load.connections < load.threads {
            bail!("--connections must be at least --threads (wrk gives each thread a connection)");
        }
        Ok(Some(load))
    }

    /// wrk's load options.
    pub(super) fn wrk_args(&self) -> [String; 4] {
        [
            format!("-t{}", self.threads),
            format!("-c{}", self.connections),
            format!("-d{}s", self.seconds),
            "--latency".to_owned(),
        ]
    }

    /// The command that reproduces this run.
    pub(super) fn command(&self, bench: &str) -> String {
        let mut command = format!("cargo xtask bench {bench}");
        for (flag, value, default) in [
            ("--duration", self.seconds, DEFAULT_SECONDS),
            ("--connections", self.connections, DEFAULT_CONNECTIONS),
            ("--threads", self.threads, DEFAULT_THREADS),
        ] {
            if value != default {
                let _ = write!(command, " {flag} {value}");
            }
        }
        command
    }
}

/// `wrk` on `PATH`, or an error saying how to install it.
pub(super) fn find_wrk() -> Result<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("wrk"))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| {
            anyhow!("wrk is not installed (it is the load generator of this benchmark): apt-get install wrk")
        })
}

// ---------------------------------------------------------------------------
// The mock as a child process

/// `ppob-contract mock --port 0`, killed when dropped.
pub(super) struct Mock {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub(super) base: String,
    /// What it wrote on stderr, for error messages.
    stderr: Arc<Mutex<String>>,
}

impl Mock {
    /// Starts the mock with the demo credentials (PPOB_API_KEY and
    /// PPOB_API_SECRET removed from its environment) and waits for its
    /// `listening on http://127.0.0.1:PORT` line.
    pub(super) fn start(binary: &Path) -> Result<Self> {
        let child = Command::new(binary)
            .args(["mock", "--port", "0"])
            .env_remove(KEY_ENV)
            .env_remove(SECRET_ENV)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| {
                format!(
                    "starting {} mock; did the release build run?",
                    binary.display()
                )
            })?;
        let mut mock = Self {
            child,
            base: String::new(),
            stderr: Arc::default(),
        };
        // From here on, an error drops `mock`, which kills the child.
        if let Some(mut stderr) = mock.child.stderr.take() {
            let sink = mock.stderr.clone();
            std::thread::spawn(move || {
                let mut text = String::new();
                let _ = stderr.read_to_string(&mut text);
                if let Ok(mut s) = sink.lock() {
                    s.push_str(&text);
                }
            });
        }
        let stdout = mock
            .child
            .stdout
            .take()
            .context("the mock's stdout is not piped")?;
        let (lines, first) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let line = match first.recv_timeout(START_TIMEOUT) {
            Ok(Ok(line)) => line,
            Ok(Err(e)) => return Err(mock.failed(&format!("reading its stdout: {e}"))),
            Err(_) => {
                return Err(mock.failed(&format!(
                    "it did not say where it listens within {}s",
                    START_TIMEOUT.as_secs()
                )));
            }
        };
        let Some(base) = line
            .trim()
            .strip_prefix("listening on ")
            .filter(|url| url.starts_with("http://127.0.0.1:"))
        else {
            return Err(mock.failed(&format!(
                "expected `listening on http://127.0.0.1:PORT`, it printed {line:?}"
            )));
        };
        mock.base = base.to_owned();
        println!(
            "bench: ppob-contract mock (pid {}) listening on {}",
            mock.child.id(),
            mock.base
        );
        Ok(mock)
    }

    /// An error about the mock, with what it wrote on stderr.
    fn failed(&mut self, what: &str) -> anyhow::Error {
        // Give its stderr a moment to arrive if it is exiting.
        let exited = self.child.try_wait().ok().flatten();
        std::thread::sleep(Duration::from_millis(100));
        let stderr = self.stderr.lock().map(|s| s.clone()).unwrap_or_default();
        let mut message = format!("ppob-contract mock: {what}");
        if let Some(status) = exited {
            let _ = write!(message, " (it exited: {status})");
        }
        if !stderr.trim().is_empty() {
            let _ = write!(message, "\nits stderr:\n{}", stderr.trim_end());
        }
        anyhow!(message)
    }

    /// Fails if the mock is no longer running.
    pub(super) fn alive(&mut self) -> Result<()> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => {
                Err(self.failed(&format!("it stopped during the benchmark ({status})")))
            }
            Err(e) => Err(self.failed(&format!("cannot tell whether it runs: {e}"))),
        }
    }

    /// Kills the mock (it was running until now, else an error) and reaps it.
    pub(super) fn stop(mut self) -> Result<()> {
        let alive = self.alive();
        let _ = self.child.kill();
        let _ = self.child.wait();
        alive
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        // A no-op when `stop` already reaped it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------
// The runs

/// What a run's answers must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Expect {
    /// HTTP 200 with this `responseCode`; wrk's Non-2xx count must be 0.
    Code(i64),
    /// This HTTP error status for every request.
    Refused(u16),
}

/// One load run.
pub(super) struct Run {
    pub(super) label: &'static str,
    pub(super) operation: Operation,
    pub(super) token: String,
    pub(super) expect: Expect,
}

/// One run's numbers, from wrk's output.
struct Measured {
    label: &'static str,
    path: &'static str,
    expect: Expect,
    stats: WrkStats,
}

/// Prepares the three runs, checks each with one request, loads the mock.
fn bench(wrk: &Path, load: &Load, mock: &mut Mock, scripts: &Path) -> Result<Vec<Measured>> {
    let http = HttpTransport::new(HttpConfig::new(mock.base.clone()))
        .context("an HTTP client for the pre-checks")?;
    let credentials = Credentials::simulator_demo();
    let inquiry =
        json!({"partnerId": credentials.key(), "accountNumber": ACCOUNT, "productCode": PRODUCT});
    let valid = sign_token(&inquiry, credentials.secret()).context("signing the inquiry")?;
    let wrong = sign_token(&inquiry, "not-the-demo-secret").context("signing the inquiry")?;
    let status = settled_status_token(&http, &credentials)?;
    let runs = [
        Run {
            label: "inquiry (300)",
            operation: Operation::Inquiry,
            token: valid,
            expect: Expect::Code(300),
        },
        Run {
            label: "status of a settled payment (0)",
            operation: Operation::Status,
            token: status,
            expect: Expect::Code(0),
        },
        Run {
            label: "inquiry, TOKEN of a wrong secret (401)",
            operation: Operation::Inquiry,
            token: wrong,
            expect: Expect::Refused(401),
        },
    ];
    let mut results = Vec::new();
    for run in runs {
        let path = run.operation.path();
        precheck(&http, &credentials, &run)
            .with_context(|| format!("pre-check of {}", run.label))?;
        let script = scripts.join(format!("mock-{}.lua", results.len() + 1));
        std::fs::write(&script, lua_script(&credentials, &run.token))
            .with_context(|| format!("writing {}", script.display()))?;
        let url = format!("{}{path}", mock.base);
        println!(
            "bench: wrk {} -s {} {url}   # {}",
            load.wrk_args().join(" "),
            script.display(),
            run.label
        );
        let output = run_wrk(wrk, load, &script, &url)?;
        mock.alive()?;
        let stats =
            WrkStats::parse(&output).with_context(|| format!("reading wrk's output:\n{output}"))?;
        check_answers(&run, &stats)?;
        results.push(Measured {
            label: run.label,
            path,
            expect: run.expect,
            stats,
        });
    }
    Ok(results)
}

/// The wrk script: POST, the headers of a token-only request, empty body.
/// The TOKEN stays in this file (under target/), out of the printed output.
pub(super) fn lua_script(credentials: &Credentials, token: &str) -> String {
    format!(
        "-- written by `cargo xtask bench mock`\n\
         wrk.method = \"POST\"\n\
         wrk.body = \"\"\n\
         wrk.headers[\"{KEY_HEADER}\"] = \"{}\"\n\
         wrk.headers[\"{TOKEN_HEADER}\"] = \"{token}\"\n\
         wrk.headers[\"{VERSION_HEADER}\"] = \"{API_VERSION}\"\n\
         wrk.headers[\"Content-Type\"] = \"application/json\"\n",
        credentials.key()
    )
}

/// The request wrk sends, as a [`WireRequest`].
fn wrk_request(credentials: &Credentials, operation: Operation, token: &str) -> WireRequest {
    WireRequest {
        operation,
        method: "POST".into(),
        path: operation.path().into(),
        headers: vec![
            (KEY_HEADER.into(), credentials.key().into()),
            (TOKEN_HEADER.into(), token.into()),
            (VERSION_HEADER.into(), API_VERSION.into()),
            ("Content-Type".into(), "application/json".into()),
        ],
        body: Vec::new(),
        payload: Value::Null,
    }
}

/// Sends `request`; its HTTP answer and, when the body is JSON, its `responseCode`.
fn send(http: &HttpTransport, request: WireRequest) -> Result<(WireResponse, Option<i64>)> {
    let what = format!("POST {}", request.path);
    let response = http
        .send(request)
        .response
        .map_err(|e| anyhow!("{what}: {e}"))?;
    let code = serde_json::from_slice::<Value>(&response.body)
        .ok()
        .and_then(|v| v.get("responseCode").and_then(Value::as_i64));
    Ok((response, code))
}

/// One request exactly as wrk will send it must be answered as expected.
pub(super) fn precheck(http: &HttpTransport, credentials: &Credentials, run: &Run) -> Result<()> {
    let request = wrk_request(credentials, run.operation, &run.token);
    let (response, code) = send(http, request)?;
    let ok = match run.expect {
        Expect::Code(expected) => response.status == 200 && code == Some(expected),
        Expect::Refused(status) => response.status == status,
    };
    if !ok {
        bail!(
            "expected {}, got HTTP {} {}",
            match run.expect {
                Expect::Code(c) => format!("HTTP 200 with responseCode {c}"),
                Expect::Refused(s) => format!("HTTP {s}"),
            },
            response.status,
            String::from_utf8_lossy(&response.body)
        );
    }
    Ok(())
}

/// Makes a payment on the mock (inquiry, payment 299), waits until its
/// status answers 0, and returns the TOKEN of that status request.
fn settled_status_token(http: &HttpTransport, credentials: &Credentials) -> Result<String> {
    let signed = |operation, payload| {
        sign_request(operation, payload, credentials, BodyMode::TokenOnly)
            .map_err(|e| anyhow!("signing the {} request: {e}", Operation::name(operation)))
    };
    let inquiry =
        json!({"partnerId": credentials.key(), "accountNumber": ACCOUNT, "productCode": PRODUCT});
    let (response, code) = send(http, signed(Operation::Inquiry, inquiry)?)?;
    let answer: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    let (Some(300), Some(amount), Some(inquiry_id)) = (
        code,
        answer.pointer("/data/amount").filter(|v| v.is_number()),
        answer.pointer("/data/inquiryId").filter(|v| v.is_number()),
    ) else {
        bail!(
            "the inquiry before the status run was answered HTTP {} {}",
            response.status,
            String::from_utf8_lossy(&response.body)
        );
    };
    let ref_number = format!("BENCH-MOCK-{}", std::process::id());
    let payment = json!({
        "partnerId": credentials.key(),
        "refNumber": ref_number,
        "accountNumber": ACCOUNT,
        "productCode": PRODUCT,
        "amount": amount,
        "inquiryId": inquiry_id,
    });
    let (response, code) = send(http, signed(Operation::Payment, payment)?)?;
    if code != Some(299) {
        bail!(
            "the payment before the status run was answered HTTP {} {}",
            response.status,
            String::from_utf8_lossy(&response.body)
        );
    }
    let status = signed(
        Operation::Status,
        json!({"partnerId": credentials.key(), "refNumber": ref_number}),
    )?;
    let token = status
        .header(TOKEN_HEADER)
        .context("a signed request without TOKEN")?
        .to_owned();
    let start = Instant::now();
    loop {
        let (_, code) = send(http, status.clone())?;
        match code {
            Some(0) => return Ok(token),
            Some(299) if start.elapsed() < SETTLE_TIMEOUT => {
                std::thread::sleep(Duration::from_millis(200));
            }
            other => bail!(
                "the payment before the status run did not settle with 0 within {}s (last code {other:?})",
                SETTLE_TIMEOUT.as_secs()
            ),
        }
    }
}

/// Runs wrk once; its stdout.
pub(super) fn run_wrk(wrk: &Path, load: &Load, script: &Path, url: &str) -> Result<String> {
    let output = Command::new(wrk)
        .args(load.wrk_args())
        .arg("-s")
        .arg(script)
        .arg(url)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {}", wrk.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        bail!(
            "wrk failed ({}): {}{}",
            output.status,
            stdout,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(stdout)
}

/// wrk's counts must match what the run expects.
pub(super) fn check_answers(run: &Run, stats: &WrkStats) -> Result<()> {
    if stats.requests == 0 {
        bail!("{}: wrk completed no request", run.label);
    }
    match run.expect {
        Expect::Code(_) if stats.non_2xx > 0 => bail!(
            "{}: {} of {} answers were not 2xx/3xx",
            run.label,
            stats.non_2xx,
            stats.requests
        ),
        Expect::Refused(_) if stats.non_2xx != stats.requests => bail!(
            "{}: only {} of {} answers were errors",
            run.label,
            stats.non_2xx,
            stats.requests
        ),
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------------------
// wrk's output

/// The numbers of one wrk run.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct WrkStats {
    pub(super) requests: u64,
    pub(super) seconds: f64,
    pub(super) requests_per_sec: f64,
    pub(super) latency_avg: Duration,
    pub(super) latency_max: Duration,
    /// 50 %, 75 %, 90 %, 99 %.
    pub(super) percentiles: [Duration; 4],
    pub(super) non_2xx: u64,
    /// "connect 0, read 0, write 0, timeout 0", when wrk reports any.
    socket_errors: Option<String>,
}

impl WrkStats {
    pub(super) fn p50(&self) -> Duration {
        self.percentiles[0]
    }

    pub(super) fn p99(&self) -> Duration {
        self.percentiles[3]
    }

    /// Reads wrk 4's `--latency` report.
    pub(super) fn parse(text: &str) -> Result<Self> {
        let mut requests = None;
        let mut rps = None;
        let mut latency = None;
        let mut percentiles = [None; 4];
        let mut non_2xx = 0;
        let mut socket_errors = None;
        for line in text.lines().map(str::trim) {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["Latency", avg, _stdev, max, ..] => {
                    latency = Some((parse_time(avg)?, parse_time(max)?));
                }
                [percent, value] if percent.ends_with('%') => {
                    let slot = match *percent {
                        "50%" => 0,
                        "75%" => 1,
                        "90%" => 2,
                        "99%" => 3,
                        _ => continue,
                    };
                    percentiles[slot] = Some(parse_time(value)?);
                }
                [count, "requests", "in", seconds, ..] => {
                    let count: u64 = count.parse().context("the request count")?;
                    let seconds = parse_time(seconds.trim_end_matches(','))?;
                    requests = Some((count, seconds.as_secs_f64()));
                }
                ["Requests/sec:", value] => {
                    rps = Some(value.parse::<f64>().context("Requests/sec")?);
                }
                ["Non-2xx", "or", "3xx", "responses:", count] => {
                    non_2xx = count.parse().context("the Non-2xx count")?;
                }
                ["Socket", "errors:", ..] => {
                    socket_errors = line
                        .strip_prefix("Socket errors:")
                        .map(|s| s.trim().to_owned());
                }
                _ => {}
            }
        }
        let (requests, seconds) = requests.context("no `N requests in T` line")?;
        let (latency_avg, latency_max) = latency.context("no `Latency` line")?;
        let mut found = [Duration::ZERO; 4];
        for (slot, value) in found.iter_mut().zip(percentiles) {
            *slot = value.context("no Latency Distribution (was --latency given?)")?;
        }
        Ok(Self {
            requests,
            seconds,
            requests_per_sec: rps.context("no Requests/sec line")?,
            latency_avg,
            latency_max,
            percentiles: found,
            non_2xx,
            socket_errors,
        })
    }
}

/// wrk's times: `356.00us`, `1.23ms`, `10.00s`, `1.50m`, `2.00h`.
fn parse_time(text: &str) -> Result<Duration> {
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .with_context(|| format!("{text:?} has no unit"))?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .with_context(|| format!("{text:?} is not a time"))?;
    let seconds = match unit {
        "us" => value / 1e6,
        "ms" => value / 1e3,
        "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => bail!("{text:?}: unknown unit {unit:?}"),
    };
    Duration::try_from_secs_f64(seconds).with_context(|| format!("{text:?} is not a time"))
}

// ---------------------------------------------------------------------------
// Reporting

pub(super) fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn print_table(load: &Load, results: &[Measured]) {
    println!(
        "wrk -t{} -c{} -d{}s --latency, ppob-contract mock on 127.0.0.1 (TOKEN verified), token-only requests",
        load.threads, load.connections, load.seconds
    );
    println!(
        "{:<40} {:<20} {:>10} {:>9} {:>8} {:>8} {:>8} {:>8} {:>9}",
        "", "path", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "non-2xx"
    );
    for m in results {
        let s = &m.stats;
        println!(
            "{:<40} {:<20} {:>10} {:>9.0} {:>8.3} {:>8.3} {:>8.3} {:>8.2} {:>9}",
            m.label,
            m.path,
            s.requests,
            s.requests_per_sec,
            millis(s.p50()),
            millis(s.percentiles[2]),
            millis(s.p99()),
            millis(s.latency_max),
            s.non_2xx,
        );
    }
    for m in results {
        let s = &m.stats;
        let expected = match m.expect {
            Expect::Code(code) => format!("HTTP 200, responseCode {code}"),
            Expect::Refused(status) => format!("HTTP {status}"),
        };
        print!(
            "{}: {} requests in {:.2}s, average latency {:.3} ms, answers checked: {expected}",
            m.label,
            s.requests,
            s.seconds,
            millis(s.latency_avg)
        );
        match &s.socket_errors {
            Some(errors) => println!("; socket errors: {errors}"),
            None => println!("; no socket errors"),
        }
    }
}

/// The issue's target on the inquiry run.
fn print_target(inquiry: &Measured) {
    let s = &inquiry.stats;
    let rps_ok = s.requests_per_sec >= TARGET_RPS;
    let p99_ok = s.p99() < TARGET_P99;
    let verdict = if rps_ok && p99_ok { "MET" } else { "NOT MET" };
    println!(
        "target (inquiry): >= {:.0} req/s with p99 < {} ms: {verdict} ({:.0} req/s {}, p99 {:.3} ms {})",
        TARGET_RPS,
        TARGET_P99.as_millis(),
        s.requests_per_sec,
        if rps_ok { "ok" } else { "below" },
        millis(s.p99()),
        if p99_ok { "ok" } else { "above" },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const WRK_OUTPUT: &str = "Running 10s test @ http://127.0.0.1:40000/api/v2/bill/check
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   712.54us  301.20us  12.05ms   87.61%
    Req/Sec    22.41k     1.20k   25.10k    71.00%
  Latency Distribution
     50%  650.00us
     75%  810.00us
     90%    1.02ms
     99%    1.89ms
  446012 requests in 10.00s, 431.91MB read
  Non-2xx or 3xx responses: 3
  Socket errors: connect 0, read 0, write 0, timeout 2
Requests/sec:  44597.62
Transfer/sec:     43.18MB
";

    #[test]
    fn wrk_latency_reports_are_read() {
        let s = WrkStats::parse(WRK_OUTPUT).unwrap();
        assert_eq!(s.requests, 446_012);
        assert!((s.seconds - 10.0).abs() < 1e-9);
        assert!((s.requests_per_sec - 44_597.62).abs() < 1e-6);
        assert_eq!(s.p50(), Duration::from_micros(650));
        assert_eq!(s.percentiles[2], Duration::from_micros(1020));
        assert_eq!(s.p99(), Duration::from_micros(1890));
        assert_eq!(s.latency_max, Duration::from_micros(12_050));
        assert_eq!(s.non_2xx, 3);
        assert_eq!(
            s.socket_errors.as_deref(),
            Some("connect 0, read 0, write 0, timeout 2")
        );
    }

    #[test]
    fn a_report_without_the_distribution_is_an_error() {
        let text = WRK_OUTPUT.replace("     99%    1.89ms\n", "");
        assert!(WrkStats::parse(&text).is_err());
    }

    #[test]
    fn times_in_every_unit() {
        assert_eq!(parse_time("356.00us").unwrap(), Duration::from_micros(356));
        assert_eq!(parse_time("2.00s").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_time("1.50m").unwrap(), Duration::from_secs(90));
        assert!(parse_time("12").is_err());
        assert!(parse_time("1.0x").is_err());
        assert!(parse_time("-1.0ms").is_err());
    }

    #[test]
    fn the_options_default_to_the_issues_load() {
        let load = Load::parse(&[], USAGE).unwrap().unwrap();
        assert_eq!(load.wrk_args().join(" "), "-t2 -c32 -d10s --latency");
        assert_eq!(load.command("mock"), "cargo xtask bench mock");
        let load = Load::parse(&["--duration", "30s", "--connections=64"], USAGE)
            .unwrap()
            .unwrap();
        assert_eq!(load.wrk_args().join(" "), "-t2 -c64 -d30s --latency");
        assert!(Load::parse(&["--threads", "0"], USAGE).is_err());
        assert!(Load::parse(&["--bogus"], USAGE).is_err());
        assert!(Load::parse(&["--help"], USAGE).unwrap().is_none());
    }
}
