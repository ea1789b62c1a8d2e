//! The simulator's HTTP server under slow and silent clients: the connection
//! cap, the header-read timeout and the idle timeout (issue 12, point 7).
//! Loopback only; every loop is bounded in count and time.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ppob_contract::contract::Operation;
use ppob_contract::sim::server::{ServerLimits, start_with_limits};
use ppob_contract::sim::{SimConfig, Simulator};
use ppob_contract::transport::auth::{BodyMode, Credentials, sign_request};
use ppob_contract::transport::clock::SystemClock;
use serde_json::{Value, json};

/// Slow clients, more than the open-file limit the mock gets.
const SLOW_CLIENTS: usize = 1100;
/// The mock's open-file limit, the common default.
const MOCK_FILE_LIMIT: usize = 1024;
/// How long the slow clients keep at it.
const ATTACK: Duration = Duration::from_secs(8);
/// Each slow client sends a byte this often.
const BYTE_EVERY: Duration = Duration::from_secs(2);
/// Real requests sent while the slow clients are at it.
const REAL_REQUESTS: usize = 8;

/// `ppob-contract mock` in a shell that lowered its open-file limit; killed on drop.
struct LimitedMock {
    child: Child,
    addr: SocketAddr,
}

impl LimitedMock {
    fn start(file_limit: usize) -> Self {
        let mut child = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "ulimit -n {file_limit} && exec \"$0\" mock --port 0"
            ))
            .arg(env!("CARGO_BIN_EXE_ppob-contract"))
            .env_remove("PPOB_API_KEY")
            .env_remove("PPOB_API_SECRET")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("bash runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .and_then(|a| a.parse().ok());
        let Some(addr) = addr else {
            let _ = child.kill();
            panic!("unexpected first line {line:?}");
        };
        Self { child, addr }
    }

    /// The soft open-file limit of the running mock, from /proc.
    fn file_limit(&self) -> usize {
        let limits = std::fs::read_to_string(format!("/proc/{}/limits", self.child.id())).unwrap();
        open_file_limit(&limits)
    }
}

impl Drop for LimitedMock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The soft "Max open files" of a /proc/PID/limits text.
fn open_file_limit(limits: &str) -> usize {
    limits
        .lines()
        .find_map(|l| l.strip_prefix("Max open files"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|soft| soft.parse().ok())
        .expect("a Max open files line")
}

/// The test itself holds every slow client's socket: make sure it may.
fn ensure_own_file_room(needed: usize) {
    let read = || open_file_limit(&std::fs::read_to_string("/proc/self/limits").unwrap());
    if read() < needed {
        // Raise the soft limit towards the hard one (allowed without privileges).
        let _ = Command::new("prlimit")
            .arg(format!("--pid={}", std::process::id()))
            .arg(format!("--nofile={needed}:"))
            .status();
    }
    assert!(
        read() >= needed,
        "this test opens {needed} sockets but may open only {}: raise `ulimit -n`",
        read()
    );
}

/// Counts of what the slow clients saw.
#[derive(Default)]
struct SlowStats {
    connected: AtomicUsize,
    closed_by_server: AtomicUsize,
}

/// One slow client: connects, sends a request head one byte every
/// [`BYTE_EVERY`], and reconnects when the server closes it; until `until`.
async fn slow_client(addr: SocketAddr, until: tokio::time::Instant, stats: Arc<SlowStats>) {
    use tokio::io::AsyncWriteExt;
    const HEAD: &[u8] = b"POST /api/v2/bill/check HTTP/1.1\r\nhost: x\r\nx-slow: aaaaaaaaaaaa";
    for _ in 0..50 {
        if tokio::time::Instant::now() >= until {
            return;
        }
        let connect =
            tokio::time::timeout(Duration::from_secs(2), tokio::net::TcpStream::connect(addr));
        let Ok(Ok(mut stream)) = connect.await else {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        stats.connected.fetch_add(1, Ordering::Relaxed);
        let mut closed = false;
        for byte in HEAD.iter().cycle().take(64) {
            if tokio::time::timeout_at(until, tokio::time::sleep(BYTE_EVERY))
                .await
                .is_err()
            {
                break;
            }
            if stream.write_all(&[*byte]).await.is_err() {
                closed = true;
                break;
            }
        }
        if closed {
            stats.closed_by_server.fetch_add(1, Ordering::Relaxed);
        } else {
            return;
        }
    }
}

fn real_inquiry(addr: SocketAddr) -> Result<(u16, Value), String> {
    let credentials = Credentials::simulator_demo();
    let payload = json!({"partnerId": "partner-id", "accountNumber": "0811111111", "productCode": "product-code"});
    let request = sign_request(
        Operation::Inquiry,
        payload,
        &credentials,
        BodyMode::TokenOnly,
    )
    .unwrap();
    // A new connection each time: it must be accepted under pressure.
    ppob_contract::transport::http::install_crypto_provider();
    let client = reqwest::blocking::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let mut builder = client.post(format!("http://{addr}{}", request.path));
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let response = builder.send().map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let body = response.bytes().map_err(|e| e.to_string())?;
    Ok((
        status,
        serde_json::from_slice(&body).map_err(|e| e.to_string())?,
    ))
}

#[test]
fn slow_clients_beyond_the_open_file_limit_do_not_starve_real_requests() {
    ensure_own_file_room(SLOW_CLIENTS + 256);
    let mock = LimitedMock::start(MOCK_FILE_LIMIT);
    assert_eq!(
        mock.file_limit(),
        MOCK_FILE_LIMIT,
        "the mock runs at the lowered limit"
    );
    let addr = mock.addr;
    let stats = Arc::new(SlowStats::default());
    let attack = {
        let stats = stats.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let until = tokio::time::Instant::now() + ATTACK;
                let clients: Vec<_> = (0..SLOW_CLIENTS)
                    .map(|_| tokio::spawn(slow_client(addr, until, stats.clone())))
                    .collect();
                for client in clients {
                    let _ = client.await;
                }
            });
        })
    };
    // Wait (bounded) until every slow client has connected once.
    let started = Instant::now();
    while stats.connected.load(Ordering::Relaxed) < SLOW_CLIENTS && started.elapsed() < ATTACK / 2 {
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut answers = Vec::new();
    for _ in 0..REAL_REQUESTS {
        if started.elapsed() >= ATTACK {
            break;
        }
        answers.push(real_inquiry(addr));
        std::thread::sleep(Duration::from_millis(250));
    }
    let during_attack = started.elapsed() < ATTACK;
    attack.join().unwrap();
    let connected = stats.connected.load(Ordering::Relaxed);
    let closed = stats.closed_by_server.load(Ordering::Relaxed);
    assert!(
        connected >= SLOW_CLIENTS,
        "the condition: {SLOW_CLIENTS} slow clients connected (got {connected})"
    );
    assert!(
        closed > 0,
        "more slow clients than the cap: the server closed some (closed {closed})"
    );
    assert!(
        answers.len() >= REAL_REQUESTS / 2,
        "real requests sent: {}",
        answers.len()
    );
    assert!(
        during_attack,
        "the real requests ran while the slow clients were at it"
    );
    for answer in &answers {
        let (status, body) = answer.as_ref().expect("every real request is answered");
        assert_eq!(*status, 200, "{body}");
        assert_eq!(body["responseCode"], 300, "{body}");
    }
    // And it still answers afterwards.
    assert_eq!(real_inquiry(addr).map(|(s, _)| s), Ok(200));
}

fn in_process(limits: ServerLimits) -> ppob_contract::sim::RunningServer {
    let sim = Arc::new(Simulator::new(
        SimConfig::default(),
        Arc::new(SystemClock::new()),
    ));
    start_with_limits(
        sim,
        "127.0.0.1:0".parse().unwrap(),
        Arc::new(|_| {}),
        limits,
    )
    .unwrap()
}

/// How long until the server closes `stream` (reads until EOF or error), at most `cap`.
fn closed_within(mut stream: TcpStream, cap: Duration) -> Option<Duration> {
    let started = Instant::now();
    stream.set_read_timeout(Some(cap)).unwrap();
    let mut buf = [0u8; 256];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Some(started.elapsed()),
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return None;
            }
            Err(_) => return Some(started.elapsed()),
        }
        if started.elapsed() >= cap {
            return None;
        }
    }
}

#[test]
fn a_silent_connection_is_closed_after_the_idle_timeout() {
    let server = in_process(ServerLimits {
        idle_timeout: Duration::from_millis(500),
        ..ServerLimits::default()
    });
    let stream = TcpStream::connect(server.local_addr()).unwrap();
    let closed = closed_within(stream, Duration::from_secs(10));
    assert!(
        closed.is_some(),
        "a silent connection stays open past the idle timeout"
    );
}

#[test]
fn a_head_sent_too_slowly_is_cut_off_by_the_header_timeout() {
    let server = in_process(ServerLimits {
        header_timeout: Duration::from_millis(500),
        ..ServerLimits::default()
    });
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    // Part of a head, then nothing: under the idle timeout (60 s), over the header timeout.
    stream
        .write_all(b"POST /api/v2/bill/check HTTP/1.1\r\nhost: x\r\n")
        .unwrap();
    let closed = closed_within(stream, Duration::from_secs(10));
    assert!(closed.is_some(), "a half-sent head holds the connection");
}

#[test]
fn over_the_cap_an_idle_connection_makes_room_for_a_real_request() {
    let server = in_process(ServerLimits {
        max_connections: 2,
        ..ServerLimits::default()
    });
    let addr = server.local_addr();
    let silent: Vec<TcpStream> = (0..2).map(|_| TcpStream::connect(addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(100));
    let (status, body) = real_inquiry(addr).expect("answered although the cap was reached");
    assert_eq!(status, 200);
    assert_eq!(body["responseCode"], 300);
    let closed = silent
        .into_iter()
        .filter_map(|s| closed_within(s, Duration::from_secs(2)))
        .count();
    assert_eq!(closed, 1, "exactly one silent connection was evicted");
}

#[test]
fn a_body_sent_too_slowly_is_answered_408() {
    let server = in_process(ServerLimits {
        header_timeout: Duration::from_millis(500),
        ..ServerLimits::default()
    });
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    stream
        .write_all(b"POST /api/v2/bill/check HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{")
        .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer:?}"
    );
}
