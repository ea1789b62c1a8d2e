//! `cargo xtask bench proxy`: what `ppob-contract proxy` costs in front of
//! `mock`, side by side in one run with direct `mock` and with Prism's proxy
//! mode on the same OpenAPI document, under `wrk`.
//!
//! One release `mock` on `127.0.0.1` is the upstream of both proxies:
//! `ppob-contract proxy --upstream MOCK` (TOKEN verified with the demo
//! partner's credentials, every exchange judged and joined into its
//! conversation) and `prism proxy schemas/openapi.json MOCK` (Prism 5,
//! `@stoplight/prism-cli` pinned in `xtask/peers/prism/`, installed into
//! `target/bench/peers/prism/` with `npm ci`, logging at `warn`). wrk then
//! POSTs the seed inquiry (token-only, answered 300) to each of the three:
//!
//! - under load (`-t2 -c32 -d10s` by default): requests per second and the
//!   latency percentiles;
//! - one connection at a time (`-t1 -c1`, same duration): the latency a
//!   single request sees, so "added latency" is what the proxy adds to one
//!   exchange, not queueing behind 31 others.
//!
//! Every target must answer one request as the load expects before its
//! runs, wrk's Non-2xx count must be 0 after, and each server must still be
//! running. Children are killed at the end, also on error. Never part of
//! `cargo test`.

use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use ppob_contract::contract::Operation;
use ppob_contract::transport::auth::{Credentials, KEY_ENV, SECRET_ENV, sign_token};
use ppob_contract::transport::http::{HttpConfig, HttpTransport};
use serde_json::json;

use super::mock::{
    ACCOUNT, Expect, Load, Mock, PRODUCT, Run, WrkStats, check_answers, find_wrk, lua_script,
    millis, precheck, run_wrk,
};
use super::{build_release, release_binary, target_dir};

/// The targets: the proxy keeps at least this share of direct throughput…
const TARGET_SHARE: f64 = 0.5;
/// …adds less than this to the median single request…
const TARGET_ADDED_P50: Duration = Duration::from_millis(1);
/// …and is at least this many times faster than Prism's proxy.
const TARGET_VS_PRISM: f64 = 10.0;
/// How long a server may take to accept connections (Prism starts slowly).
const START_TIMEOUT: Duration = Duration::from_secs(120);

const USAGE: &str = "usage: cargo xtask bench proxy [--duration S] [--connections N] [--threads N]

  --duration S      seconds of load per run (default 10)
  --connections N   wrk connections of the loaded runs (default 32)
  --threads N       wrk threads of the loaded runs (default 2)

Runs wrk against mock directly, through `ppob-contract proxy` and through Prism's proxy mode
(npm, pinned in xtask/peers/prism/), each loaded and with one connection. Needs wrk
(Debian: apt-get install wrk), node and npm.";

/// Runs the proxy benchmark and prints its table.
pub fn run(root: &Path, args: &[&str]) -> Result<()> {
    let Some(load) = Load::parse(args, USAGE)? else {
        println!("{USAGE}");
        return Ok(());
    };
    let single = Load {
        threads: 1,
        connections: 1,
        seconds: load.seconds,
    };
    let wrk = find_wrk()?;
    let prism = install_prism(root)?;
    build_release(root)?;
    let binary = release_binary(root, "ppob-contract");
    let scripts = target_dir(root).join("bench");
    std::fs::create_dir_all(&scripts).with_context(|| format!("creating {}", scripts.display()))?;

    let mut mock = Mock::start(&binary)?;
    let credentials = Credentials::simulator_demo();
    let port = free_port()?;
    let proxy = Server::start(
        "ppob-contract proxy",
        port,
        Command::new(&binary)
            .args(["proxy", "--upstream", &mock.base, "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .env(KEY_ENV, credentials.key())
            .env(SECRET_ENV, credentials.secret()),
    )?;
    let port = free_port()?;
    let prism = Server::start(
        "prism proxy",
        port,
        Command::new(&prism)
            .arg("proxy")
            .arg(root.join("schemas").join("openapi.json"))
            .arg(&mock.base)
            .args(["--host", "127.0.0.1", "--verboseLevel", "warn", "--port"])
            .arg(port.to_string()),
    )?;
    let targets = [
        ("mock, direct", mock.base.clone()),
        ("ppob-contract proxy → mock", proxy.base.clone()),
        ("prism proxy → mock", prism.base.clone()),
    ];
    let mut servers = [proxy, prism];
    let outcome = measure(&wrk, &[&load, &single], &targets, &scripts, &mut |_| {
        mock.alive()?;
        for server in &mut servers {
            server.alive()?;
        }
        Ok(())
    });
    let [proxy, prism] = servers;
    let stopped = [proxy.stop(), prism.stop(), mock.stop()];
    let rows = outcome?;
    for s in stopped {
        s?;
    }
    println!();
    print_table(&load, &single, &rows);
    println!();
    print_targets(&rows);
    println!("reproduce: {}", load.command("proxy"));
    Ok(())
}

/// One target's loaded and single-connection numbers.
struct Row {
    label: &'static str,
    loaded: WrkStats,
    single: WrkStats,
}

/// Pre-checks and loads every target with each load in turn.
fn measure(
    wrk: &Path,
    loads: &[&Load; 2],
    targets: &[(&'static str, String); 3],
    scripts: &Path,
    alive: &mut dyn FnMut(&str) -> Result<()>,
) -> Result<Vec<Row>> {
    let credentials = Credentials::simulator_demo();
    let inquiry =
        json!({"partnerId": credentials.key(), "accountNumber": ACCOUNT, "productCode": PRODUCT});
    let token = sign_token(&inquiry, credentials.secret()).context("signing the inquiry")?;
    let run = Run {
        label: "inquiry (300)",
        operation: Operation::Inquiry,
        token,
        expect: Expect::Code(300),
    };
    let script = scripts.join("proxy-inquiry.lua");
    std::fs::write(&script, lua_script(&credentials, &run.token))
        .with_context(|| format!("writing {}", script.display()))?;
    let mut rows = Vec::new();
    for (label, base) in targets {
        let http = HttpTransport::new(HttpConfig::new(base.clone()))
            .context("an HTTP client for the pre-checks")?;
        precheck(&http, &credentials, &run).with_context(|| format!("pre-check of {label}"))?;
        let url = format!("{base}{}", run.operation.path());
        let mut stats = Vec::new();
        for load in loads {
            println!(
                "bench: wrk {} -s {} {url}   # {label}",
                load.wrk_args().join(" "),
                script.display()
            );
            let output = run_wrk(wrk, load, &script, &url)?;
            alive(label)?;
            let measured = WrkStats::parse(&output)
                .with_context(|| format!("reading wrk's output:\n{output}"))?;
            check_answers(&run, &measured).with_context(|| label.to_string())?;
            stats.push(measured);
        }
        let single = stats.pop().context("two loads")?;
        let loaded = stats.pop().context("two loads")?;
        rows.push(Row {
            label,
            loaded,
            single,
        });
    }
    Ok(rows)
}

/// A free port on loopback (bound, read, released).
fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("binding 127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// Prism's executable, installed with `npm ci` from the pinned lockfile
/// unless the same lockfile was installed before.
fn install_prism(root: &Path) -> Result<PathBuf> {
    let pins = root.join("xtask").join("peers").join("prism");
    let dir = target_dir(root).join("bench").join("peers").join("prism");
    let bin = dir.join("node_modules").join(".bin").join("prism");
    let lock = pins.join("package-lock.json");
    let same = std::fs::read(&lock).ok() == std::fs::read(dir.join("package-lock.json")).ok();
    if !same || !bin.exists() {
        println!("bench: installing Prism (npm ci) into {}", dir.display());
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        for file in ["package.json", "package-lock.json"] {
            std::fs::copy(pins.join(file), dir.join(file))
                .with_context(|| format!("copying {file}"))?;
        }
        let output = Command::new("npm")
            .args([
                "ci",
                "--no-audit",
                "--no-fund",
                "--ignore-scripts",
                "--loglevel=error",
            ])
            .current_dir(&dir)
            .stdin(Stdio::null())
            .output()
            .context("cannot start npm (Prism is installed with npm ci)")?;
        if !output.status.success() {
            bail!(
                "npm ci of Prism failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim_end()
            );
        }
    }
    Ok(bin)
}

/// A server child process on a loopback port, killed when dropped.
struct Server {
    name: &'static str,
    child: Child,
    base: String,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `command`, told to listen on `port`, and waits until the port
    /// accepts connections.
    fn start(name: &'static str, port: u16, command: &mut Command) -> Result<Self> {
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        let mut server = Self {
            name,
            child,
            base: format!("http://127.0.0.1:{port}"),
            stderr: Arc::default(),
        };
        if let Some(mut stderr) = server.child.stderr.take() {
            let sink = server.stderr.clone();
            std::thread::spawn(move || {
                let mut chunk = [0u8; 4096];
                while let Ok(n) = stderr.read(&mut chunk) {
                    if n == 0 {
                        break;
                    }
                    if let Ok(mut s) = sink.lock()
                        && s.len() < 64 * 1024
                    {
                        s.push_str(&String::from_utf8_lossy(&chunk[..n]));
                    }
                }
            });
        }
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            server.alive()?;
            if started.elapsed() > START_TIMEOUT {
                bail!(
                    "{name} did not listen on port {port} within {}s",
                    START_TIMEOUT.as_secs()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        println!(
            "bench: {name} (pid {}) listening on {} after {:.1}s",
            server.child.id(),
            server.base,
            started.elapsed().as_secs_f64()
        );
        Ok(server)
    }

    /// Fails, with its stderr, if it is no longer running.
    fn alive(&mut self) -> Result<()> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => {
                std::thread::sleep(Duration::from_millis(100));
                let stderr = self.stderr.lock().map(|s| s.clone()).unwrap_or_default();
                bail!("{} stopped ({status}): {}", self.name, stderr.trim_end())
            }
            Err(e) => bail!("cannot tell whether {} runs: {e}", self.name),
        }
    }

    /// Kills it (it was running until now, else an error) and reaps it.
    fn stop(mut self) -> Result<()> {
        let alive = self.alive();
        let _ = self.child.kill();
        let _ = self.child.wait();
        alive
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn print_table(load: &Load, single: &Load, rows: &[Row]) {
    println!(
        "POST /api/v2/bill/check (token-only inquiry, answered 300); loaded: wrk {}; single: wrk {}",
        load.wrk_args().join(" "),
        single.wrk_args().join(" ")
    );
    println!(
        "{:<30} {:>11} {:>9} {:>9} {:>11} {:>10} {:>10} {:>12} {:>12}",
        "",
        "loaded r/s",
        "p50 ms",
        "p99 ms",
        "single r/s",
        "p50 ms",
        "p99 ms",
        "+p50 ms",
        "+p99 ms"
    );
    let direct = &rows[0];
    for row in rows {
        let added = |pick: fn(&WrkStats) -> Duration| {
            millis(pick(&row.single)) - millis(pick(&direct.single))
        };
        println!(
            "{:<30} {:>11.0} {:>9.3} {:>9.3} {:>11.0} {:>10.3} {:>10.3} {:>12.3} {:>12.3}",
            row.label,
            row.loaded.requests_per_sec,
            millis(row.loaded.p50()),
            millis(row.loaded.p99()),
            row.single.requests_per_sec,
            millis(row.single.p50()),
            millis(row.single.p99()),
            added(WrkStats::p50),
            added(WrkStats::p99),
        );
    }
    for row in rows {
        println!(
            "{}: loaded {} requests in {:.2}s (avg {:.3} ms, max {:.2} ms), single {} requests; non-2xx {} / {}",
            row.label,
            row.loaded.requests,
            row.loaded.seconds,
            millis(row.loaded.latency_avg),
            millis(row.loaded.latency_max),
            row.single.requests,
            row.loaded.non_2xx,
            row.single.non_2xx,
        );
    }
}

/// The three targets, each MET or NOT MET with the figure reached.
fn print_targets(rows: &[Row]) {
    let [direct, proxy, prism] = rows else {
        return;
    };
    let share = proxy.loaded.requests_per_sec / direct.loaded.requests_per_sec;
    let added = proxy.single.p50().saturating_sub(direct.single.p50());
    let vs_prism = proxy.loaded.requests_per_sec / prism.loaded.requests_per_sec;
    let verdict = |ok: bool| if ok { "MET" } else { "NOT MET" };
    println!(
        "target: >= {:.0} % of direct throughput: {} ({:.1} %)",
        TARGET_SHARE * 100.0,
        verdict(share >= TARGET_SHARE),
        share * 100.0
    );
    println!(
        "target: p50 added latency < {} ms: {} ({:.3} ms)",
        TARGET_ADDED_P50.as_millis(),
        verdict(added < TARGET_ADDED_P50),
        millis(added)
    );
    println!(
        "target: >= {TARGET_VS_PRISM:.0}x Prism's proxy: {} ({vs_prism:.1}x)",
        verdict(vs_prism >= TARGET_VS_PRISM)
    );
}
