//! `cargo xtask bench install`: what an install from a release costs a CI
//! job — `scripts/install.sh` downloading the archive and `SHA256SUMS` over
//! HTTP, checking the checksum, unpacking and running `--version` — against a
//! release directory served on 127.0.0.1 (no other host is contacted), and the
//! sizes of the binary and of its archive.
//!
//! The release directory is built here as the release workflow builds it: the
//! binary (by default the dist profile's, `cargo build --profile dist`) packed
//! alone as `ppob-contract-vVERSION-TARGET.tar.gz`, TARGET the name
//! `install.sh` picks for this machine, and `SHA256SUMS` beside it. Each run
//! installs into an empty directory with `--no-source`, so a missing archive
//! fails the benchmark instead of turning into a source build.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::{RUNS, run_cargo, target_dir};

const USAGE: &str = "usage: cargo xtask bench install [--binary PATH]

scripts/install.sh from a release directory served on 127.0.0.1: download, SHA-256 check,
unpack, --version; the best of 3 installs into empty directories, and the sizes of the binary
and its archive. The binary is PATH, else target/dist/ppob-contract (built first with
`cargo build --profile dist --locked --bin ppob-contract` when absent).";

/// The longest the file server lives: far more than three installs take.
const SERVE_AT_MOST: Duration = Duration::from_secs(300);

/// Runs the benchmark.
pub fn run(root: &Path, args: &[&str]) -> Result<()> {
    let binary = match args {
        [] => None,
        ["--binary", path] => Some(PathBuf::from(path)),
        ["-h" | "--help"] => {
            println!("{USAGE}");
            return Ok(());
        }
        _ => bail!("unknown arguments {args:?}\n\n{USAGE}"),
    };
    let binary = match binary {
        Some(path) => path,
        None => {
            let path = target_dir(root).join("dist").join("ppob-contract");
            if !path.is_file() {
                eprintln!("bench: building the dist profile's binary");
                run_cargo(
                    root,
                    &[
                        "build",
                        "--profile",
                        "dist",
                        "--locked",
                        "--bin",
                        "ppob-contract",
                    ],
                )?;
            }
            path
        }
    };
    let Some(triple) = install_target() else {
        bail!("install.sh has no release name for this machine");
    };
    let version = format!("v{}", env!("CARGO_PKG_VERSION"));
    let scratch = target_dir(root).join("bench-install");
    if scratch.exists() {
        std::fs::remove_dir_all(&scratch).context("emptying target/bench-install")?;
    }
    let release = scratch.join("release");
    let archive = format!("ppob-contract-{version}-{triple}.tar.gz");
    pack(&binary, &scratch.join("staging"), &release, &archive)?;

    let server = FileServer::start(release.clone())?;
    let base = format!("http://{}", server.addr);
    let mut times = Vec::new();
    for run in 0..RUNS {
        let dest = scratch.join(format!("dest-{run}"));
        let start = Instant::now();
        let output = Command::new("bash")
            .arg(root.join("scripts/install.sh"))
            .args(["--version", &version, "--repo", "bench/local", "--dest"])
            .arg(&dest)
            .args(["--base-url", &base, "--no-source"])
            .output()
            .context("running bash scripts/install.sh")?;
        let took = start.elapsed();
        if !output.status.success() {
            bail!(
                "install.sh failed ({}): {}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        if !dest.join("bin/ppob-contract").is_file() {
            bail!("install.sh put nothing at {}", dest.join("bin").display());
        }
        times.push(took);
    }
    let served = server.stop();
    let best = times.iter().min().copied().unwrap_or_default();
    let binary_bytes = size(&binary)?;
    let archive_bytes = size(&release.join(&archive))?;
    println!("binary   {} ({:.1} MB)", binary.display(), mb(binary_bytes));
    println!("archive  {archive} ({:.1} MB)", mb(archive_bytes));
    println!(
        "install  best of {RUNS}: {:.2} s (runs: {}; {served} files served on 127.0.0.1)",
        best.as_secs_f64(),
        times
            .iter()
            .map(|t| format!("{:.2} s", t.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

/// The release name `scripts/install.sh` picks for this machine.
fn install_target() -> Option<&'static str> {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => Some("x86_64-unknown-linux-musl"),
        ("linux", "aarch64") => Some("aarch64-unknown-linux-musl"),
        ("macos", "x86_64") => Some("x86_64-apple-darwin"),
        ("macos", "aarch64") => Some("aarch64-apple-darwin"),
        _ => None,
    }
}

/// The release directory: `archive` holding `binary` alone as
/// `ppob-contract`, and `SHA256SUMS` naming it.
fn pack(binary: &Path, staging: &Path, release: &Path, archive: &str) -> Result<()> {
    std::fs::create_dir_all(staging)?;
    std::fs::create_dir_all(release)?;
    std::fs::copy(binary, staging.join("ppob-contract"))
        .with_context(|| format!("copying {}", binary.display()))?;
    let tar = Command::new("tar")
        .arg("-czf")
        .arg(release.join(archive))
        .arg("-C")
        .arg(staging)
        .arg("ppob-contract")
        .status()
        .context("running tar")?;
    if !tar.success() {
        bail!("tar failed ({tar})");
    }
    let sums = Command::new("sha256sum")
        .arg(archive)
        .current_dir(release)
        .output()
        .context("running sha256sum")?;
    if !sums.status.success() {
        bail!("sha256sum failed ({})", sums.status);
    }
    std::fs::write(release.join("SHA256SUMS"), sums.stdout)?;
    Ok(())
}

fn size(path: &Path) -> Result<u64> {
    Ok(std::fs::metadata(path)
        .with_context(|| format!("reading the size of {}", path.display()))?
        .len())
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

/// Serves the files of one directory over HTTP/1.1 on 127.0.0.1, one
/// connection at a time, until stopped or [`SERVE_AT_MOST`] has passed.
struct FileServer {
    addr: std::net::SocketAddr,
    stop: Arc<AtomicBool>,
    thread: JoinHandle<usize>,
}

impl FileServer {
    fn start(dir: PathBuf) -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").context("binding 127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            let mut served = 0;
            while !stopped.load(Ordering::SeqCst) && started.elapsed() < SERVE_AT_MOST {
                match listener.accept() {
                    Ok((stream, _)) => {
                        if serve(stream, &dir).unwrap_or(false) {
                            served += 1;
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
            served
        });
        Ok(Self { addr, stop, thread })
    }

    /// Stops the server; the number of files it served.
    fn stop(self) -> usize {
        self.stop.store(true, Ordering::SeqCst);
        self.thread.join().unwrap_or(0)
    }
}

/// Answers one request: the named file of `dir` (a plain name, no path), or
/// 404. True when a file was sent.
fn serve(stream: TcpStream, dir: &Path) -> std::io::Result<bool> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    // The headers, up to the blank line (bounded: curl sends a handful).
    for _ in 0..100 {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
    }
    let name = request
        .split_whitespace()
        .nth(1)
        .and_then(|path| path.strip_prefix('/'))
        .filter(|name| !name.is_empty() && !name.contains(['/', '\\']) && *name != "..");
    let body = name.and_then(|name| std::fs::read(dir.join(name)).ok());
    let mut stream = stream;
    match &body {
        Some(bytes) => {
            write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
                bytes.len()
            )?;
            stream.write_all(bytes)?;
        }
        None => {
            stream.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            )?;
        }
    }
    stream.flush()?;
    Ok(body.is_some())
}
