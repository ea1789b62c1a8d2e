//! The connections of the simulator's HTTP server: an accept loop with a
//! connection cap, a header-read and an idle timeout per connection, and the
//! kill switch of a `timeout` fault. hyper serves each connection; this
//! module decides how many there are and how long each may stay.
//!
//! Why: a server that keeps every connection a client opens runs out of file
//! descriptors under a few hundred slow clients (a byte every few seconds)
//! and then answers no one. Here:
//! - a connection has [`ServerLimits::header_timeout`] from the first byte of
//!   a request to the end of its head (the handler bounds the body the same
//!   way), and [`ServerLimits::idle_timeout`] between requests;
//! - at most [`ServerLimits::max_connections`] are open. One more is accepted
//!   by closing the connection that matters least: one with no request in
//!   progress, preferring one that never completed a request (a slow or
//!   silent client) and then the oldest. Running out of file descriptors
//!   evicts the same way. When every connection is busy with a request the
//!   newcomer waits (the kernel queues the rest) for at most the header
//!   timeout.
//!
//! A `timeout` fault must drop its connection without a byte of answer, but
//! hyper always completes a response it is given; so the hang handler flips
//! its connection's kill switch ([`Connection::kill`], reached through the
//! request's extensions): every later read or write on the socket fails and
//! the connection is closed at once.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::Duration;

use axum::Router;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::Instant;

/// Default of [`ServerLimits::header_timeout`].
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Default of [`ServerLimits::idle_timeout`].
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Default of [`ServerLimits::max_connections`]: half the common open-file
/// limit of 1024, leaving room for the process's other descriptors.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

/// How long connections may last and how many there may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// From a request's first byte to the end of its head, and from the
    /// handler's start to the end of its body: a slower client is cut off.
    pub header_timeout: Duration,
    /// How long a connection may wait for the first byte of its next request
    /// (from being accepted, or from the end of the last request).
    pub idle_timeout: Duration,
    /// Open connections at most (at least 1).
    pub max_connections: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

impl ServerLimits {
    /// How often a connection's watchdog looks at its deadlines.
    fn watch_every(&self) -> Duration {
        (self.header_timeout.min(self.idle_timeout) / 8)
            .clamp(Duration::from_millis(10), Duration::from_secs(1))
    }
}

/// Where a connection is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for a request's first byte, since then.
    Idle(Instant),
    /// Reading a request's head, since its first byte.
    Head(Instant),
    /// A request is being handled.
    Busy,
}

/// The shared state of one open connection.
#[derive(Debug)]
pub struct Connection {
    phase: Mutex<Phase>,
    served: AtomicU64,
    killed: AtomicBool,
    evicted: AtomicBool,
    close: Notify,
}

impl Connection {
    fn new() -> Self {
        Self {
            phase: Mutex::new(Phase::Idle(Instant::now())),
            served: AtomicU64::new(0),
            killed: AtomicBool::new(false),
            evicted: AtomicBool::new(false),
            close: Notify::new(),
        }
    }

    fn phase(&self) -> MutexGuard<'_, Phase> {
        self.phase
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Makes every later read and write of the connection fail and closes
    /// it: nothing more is sent.
    pub fn kill(&self) {
        self.killed.store(true, Ordering::Relaxed);
        self.close.notify_one();
    }

    /// Marks a request as being handled until the guard drops.
    pub fn begin_request(self: &Arc<Self>) -> RequestGuard {
        *self.phase() = Phase::Busy;
        RequestGuard(self.clone())
    }

    fn bytes_read(&self) {
        let mut phase = self.phase();
        if let Phase::Idle(_) = *phase {
            *phase = Phase::Head(Instant::now());
        }
    }

    /// Whether the connection overstayed its current phase at `now`.
    fn expired(&self, now: Instant, limits: &ServerLimits) -> bool {
        match *self.phase() {
            Phase::Idle(since) => now.duration_since(since) >= limits.idle_timeout,
            Phase::Head(since) => now.duration_since(since) >= limits.header_timeout,
            Phase::Busy => false,
        }
    }

    fn is_busy(&self) -> bool {
        *self.phase() == Phase::Busy
    }

    fn check(&self) -> io::Result<()> {
        if self.killed.load(Ordering::Relaxed) {
            Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "connection dropped by a timeout fault",
            ))
        } else {
            Ok(())
        }
    }
}

/// Held while a request is handled; its drop makes the connection idle.
pub struct RequestGuard(Arc<Connection>);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        self.0.served.fetch_add(1, Ordering::Relaxed);
        *self.0.phase() = Phase::Idle(Instant::now());
    }
}

/// The open connections, by accept order.
#[derive(Default)]
struct Registry(Mutex<BTreeMap<u64, Arc<Connection>>>);

impl Registry {
    fn map(&self) -> MutexGuard<'_, BTreeMap<u64, Arc<Connection>>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Closes the connection that matters least (see the module doc);
    /// false when every connection is busy.
    fn evict_one(&self) -> bool {
        let map = self.map();
        let candidates = || {
            map.values()
                .filter(|c| !c.evicted.load(Ordering::Relaxed) && !c.is_busy())
        };
        let victim = candidates()
            .find(|c| c.served.load(Ordering::Relaxed) == 0)
            .or_else(|| candidates().next());
        match victim {
            Some(victim) => {
                victim.evicted.store(true, Ordering::Relaxed);
                victim.close.notify_one();
                true
            }
            None => false,
        }
    }
}

/// Removes its connection from the registry when the connection ends.
struct Registered {
    registry: Arc<Registry>,
    id: u64,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.registry.map().remove(&self.id);
    }
}

/// Whether an accept error means the process is out of file descriptors.
fn out_of_descriptors(error: &io::Error) -> bool {
    // EMFILE (24) and ENFILE (23) on Linux and the BSDs.
    matches!(error.raw_os_error(), Some(23 | 24))
}

/// Binds `addr` (port 0: a free port) for a server on `runtime`: the
/// listener registered with the runtime's reactor, and the address bound.
pub fn bind(
    runtime: &tokio::runtime::Runtime,
    addr: SocketAddr,
) -> io::Result<(TcpListener, SocketAddr)> {
    let std_listener = std::net::TcpListener::bind(addr)?;
    std_listener.set_nonblocking(true)?;
    let local = std_listener.local_addr()?;
    let _guard = runtime.enter();
    Ok((TcpListener::from_std(std_listener)?, local))
}

/// Accepts connections on `listener` and serves `router` on each within
/// `limits`, until `stop` turns true; then open connections are asked to
/// finish their request and close.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ServerLimits,
    stop: watch::Receiver<bool>,
) {
    let registry = Arc::new(Registry::default());
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut next_id = 0u64;
    let mut stopping = stop.clone();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopping.wait_for(|stop| *stop) => return,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                if out_of_descriptors(&e) {
                    registry.evict_one();
                }
                // A connection reset while queued, or no descriptor: wait a
                // little rather than spin.
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let permit = match slots.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                registry.evict_one();
                let waited =
                    tokio::time::timeout(limits.header_timeout, slots.clone().acquire_owned());
                match waited.await {
                    Ok(Ok(permit)) => permit,
                    // Every connection stayed busy: this one is turned away.
                    _ => continue,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        next_id += 1;
        let connection = Arc::new(Connection::new());
        registry.map().insert(next_id, connection.clone());
        let registered = Registered {
            registry: registry.clone(),
            id: next_id,
            _permit: permit,
        };
        tokio::spawn(serve_connection(
            stream,
            connection,
            registered,
            router.clone(),
            limits,
            stop.clone(),
        ));
    }
}

async fn serve_connection(
    stream: TcpStream,
    connection: Arc<Connection>,
    registered: Registered,
    router: Router,
    limits: ServerLimits,
    mut stop: watch::Receiver<bool>,
) {
    let io = TokioIo::new(TrackedStream {
        inner: stream,
        connection: connection.clone(),
    });
    let inner = TowerToHyperService::new(router);
    let handle = connection.clone();
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(handle.clone());
        hyper::service::Service::call(&inner, request)
    });
    let http = hyper::server::conn::http1::Builder::new().serve_connection(io, service);
    let mut http = std::pin::pin!(http);
    tokio::select! {
        _ = http.as_mut() => {}
        _ = connection.close.notified() => {}
        _ = watchdog(&connection, &limits) => {}
        _ = async { stop.wait_for(|stop| *stop).await.is_ok() } => {
            http.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, http).await;
        }
    }
    drop(registered);
}

/// Returns when the connection overstays its phase.
async fn watchdog(connection: &Connection, limits: &ServerLimits) {
    let every = limits.watch_every();
    loop {
        tokio::time::sleep(every).await;
        if connection.expired(Instant::now(), limits) {
            return;
        }
    }
}

/// A TCP stream that tells its [`Connection`] when bytes arrive and fails
/// once the connection is killed.
struct TrackedStream {
    inner: TcpStream,
    connection: Arc<Connection>,
}

impl AsyncRead for TrackedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.connection.check()?;
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.connection.bytes_read();
        }
        polled
    }
}

impl AsyncWrite for TrackedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.connection.check()?;
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.connection.check()?;
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.connection.check()?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// How long [`RunningServer::stop`] lets open requests finish.
pub const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

/// A server running in the background; stops on [`RunningServer::stop`] or drop.
pub struct RunningServer {
    addr: SocketAddr,
    shutdown: Option<watch::Sender<bool>>,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for RunningServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunningServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl RunningServer {
    /// A server on `addr` whose `thread` ends once `shutdown` turns true.
    pub fn new(addr: SocketAddr, shutdown: watch::Sender<bool>, thread: JoinHandle<()>) -> Self {
        Self {
            addr,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// The address it listens on (the chosen port when started on port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets open requests finish for up to
    /// [`SHUTDOWN_GRACE`], then ends the runtime.
    pub fn stop(mut self) {
        self.shutdown_now();
    }

    fn shutdown_now(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(true);
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.shutdown_now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> ServerLimits {
        ServerLimits {
            header_timeout: Duration::from_secs(2),
            idle_timeout: Duration::from_secs(5),
            max_connections: 4,
        }
    }

    #[test]
    fn each_phase_has_its_own_deadline() {
        let c = Arc::new(Connection::new());
        let start = Instant::now();
        let secs = Duration::from_secs;
        assert!(!c.expired(start + secs(4), &limits()));
        assert!(c.expired(start + secs(6), &limits()), "idle past 5 s");
        c.bytes_read();
        let head = Instant::now();
        assert!(!c.expired(head + secs(1), &limits()));
        assert!(c.expired(head + secs(3), &limits()), "a head past 2 s");
        let guard = c.begin_request();
        assert!(
            !c.expired(head + secs(3600), &limits()),
            "busy has no deadline"
        );
        drop(guard);
        let idle = Instant::now();
        assert_eq!(c.served.load(Ordering::Relaxed), 1);
        assert!(!c.expired(idle + secs(4), &limits()));
        assert!(c.expired(idle + secs(6), &limits()));
    }

    #[test]
    fn eviction_spares_busy_connections_and_prefers_ones_that_never_finished_a_request() {
        let registry = Registry::default();
        let served = Arc::new(Connection::new());
        drop(served.begin_request());
        let busy = Arc::new(Connection::new());
        let _guard = busy.begin_request();
        let silent = Arc::new(Connection::new());
        for (id, c) in [&served, &busy, &silent].into_iter().enumerate() {
            registry.map().insert(id as u64, c.clone());
        }
        assert!(registry.evict_one());
        assert!(silent.evicted.load(Ordering::Relaxed));
        assert!(registry.evict_one());
        assert!(served.evicted.load(Ordering::Relaxed));
        assert!(!registry.evict_one(), "the busy one stays");
        assert!(!busy.evicted.load(Ordering::Relaxed));
    }

    #[test]
    fn the_watchdog_looks_often_enough_for_short_timeouts() {
        assert_eq!(limits().watch_every(), Duration::from_millis(250));
        assert_eq!(
            ServerLimits::default().watch_every(),
            Duration::from_secs(1)
        );
    }
}
