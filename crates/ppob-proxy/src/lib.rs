//! A validating proxy for the PPOB v2 API (`ppob-contract proxy`): put it
//! between a partner's own application and its sandbox (or `mock`), and
//! every real exchange is judged — each request and answer as its document
//! kind, every conversation (inquiry → payment → status, joined by
//! `inquiryId` and `refNumber`) by the cross-step rules and the money rule.
//!
//! The request is forwarded as it came: method, path, query, the partner's
//! own headers (`KEY`, `TOKEN`, `Accept`, …; only the hop-by-hop ones and
//! `Host` stay behind) and the body byte for byte; the answer comes back the
//! same way, with one header added, `ppob-contract-findings`
//! ([`findings_header`]), which can be switched off. By default the proxy
//! only observes; with [`ProxyConfig::enforce`] a request that breaks the
//! contract is answered 400 naming its findings and never forwarded.
//!
//! Safe by construction ([`guard`], [`upstream`]): only the configured
//! upstream is ever reached (no `CONNECT`, no absolute-form requests, no
//! other `Host` on loopback), bodies are capped both ways, the upstream has
//! a deadline, slow clients and connections are bounded by the shared
//! listener, and no secret leaves: documents, notices and recordings are
//! redacted.
//!
//! A Rust team can start it in a test, here in front of the simulator
//! served on loopback (what `ppob-contract mock` serves):
//!
//! ```
//! use std::net::SocketAddr;
//! use std::sync::{Arc, Mutex};
//! use ppob_core::contract::Operation;
//! use ppob_proxy::{Proxy, ProxyConfig, ProxyEvent};
//! use ppob_sim::{SimConfig, Simulator};
//! use ppob_transport::Transport;
//! use ppob_transport::auth::{BodyMode, Credentials, sign_request};
//! use ppob_transport::clock::SystemClock;
//! use ppob_transport::http::{HttpConfig, HttpTransport};
//! use ppob_validate::{Engine, EngineOptions};
//!
//! let sim = Arc::new(Simulator::new(SimConfig::default(), Arc::new(SystemClock::new())));
//! let mock = ppob_sim::start(sim, SocketAddr::from(([127, 0, 0, 1], 0)))?;
//!
//! let seen = Arc::new(Mutex::new(Vec::new()));
//! let sink = seen.clone();
//! let proxy = Proxy::start(
//!     ProxyConfig::new(format!("http://{}", mock.local_addr())),
//!     Engine::new(EngineOptions::default()),
//!     Arc::new(move |event| sink.lock().unwrap().push(event)),
//! )?;
//!
//! // The partner's application, pointed at the proxy instead of the sandbox.
//! let app = HttpTransport::new(HttpConfig::new(proxy.url()))?;
//! let payload = serde_json::json!({"partnerId": "partner-id", "accountNumber": "0811111111", "productCode": "product-code"});
//! let request = sign_request(Operation::Inquiry, payload, &Credentials::simulator_demo(), BodyMode::TokenOnly)?;
//! let answer = app.send(request).response?;
//! assert_eq!(answer.status, 200);
//! assert_eq!(answer.header("ppob-contract-findings"), Some("0"));
//!
//! proxy.stop();
//! let events = seen.lock().unwrap();
//! let ProxyEvent::Exchange(documents) = &events[0] else { panic!("an exchange") };
//! assert_eq!(documents.len(), 2, "the request and its answer");
//! assert!(documents.iter().all(|d| d.report.findings.is_empty()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod conversations;
pub mod documents;
pub mod findings_header;
pub mod guard;
pub mod request_headers;
mod server;
pub mod session;
pub mod upstream;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use ppob_transport::auth::Credentials;
use ppob_transport::cassette::{self, CassetteError, CassetteMeta};
use ppob_transport::listener::{self, RunningServer, ServerLimits};
use ppob_validate::Engine;

pub use session::{ProxyEvent, Session, Sink};

/// Default of [`ProxyConfig::upstream_timeout`].
pub const DEFAULT_UPSTREAM_TIMEOUT: Duration = Duration::from_secs(30);
/// Default of [`ProxyConfig::connect_timeout`].
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default of [`ProxyConfig::max_body`]: 1 MiB each way (an API document is a few KiB).
pub const DEFAULT_MAX_BODY: usize = 1 << 20;
/// The case name a session's recording carries.
pub const RECORDING_CASE: &str = "proxy session";

/// How a proxy runs.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// The one upstream: the sandbox's (or `mock`'s) base URL, its path a prefix.
    pub upstream: String,
    /// Where to listen (`127.0.0.1:0` picks a free port). Loopback unless
    /// the caller chose otherwise on purpose: anyone who reaches the proxy
    /// can use the upstream.
    pub listen: SocketAddr,
    /// Connections: header, body and idle timeouts, the cap.
    pub limits: ServerLimits,
    /// From forwarding a request to the last byte of its answer.
    pub upstream_timeout: Duration,
    /// To open a connection to the upstream.
    pub connect_timeout: Duration,
    /// The longest request and answer body, in bytes.
    pub max_body: usize,
    /// Answer a request that breaks the contract with 400 instead of forwarding it.
    pub enforce: bool,
    /// Add the `ppob-contract-findings` header to every answer.
    pub findings_header: bool,
    /// The partner's credentials, when known: `KEY` compared, `TOKEN`
    /// verified, both redacted (seen `KEY` values are redacted anyway).
    pub credentials: Option<Credentials>,
}

impl ProxyConfig {
    /// Observing `upstream`, on a free loopback port, with the default limits.
    pub fn new(upstream: impl Into<String>) -> Self {
        Self {
            upstream: upstream.into(),
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            limits: ServerLimits::default(),
            upstream_timeout: DEFAULT_UPSTREAM_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_body: DEFAULT_MAX_BODY,
            enforce: false,
            findings_header: true,
            credentials: None,
        }
    }
}

/// Why a proxy could not start or write its recording.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyError {
    /// The upstream URL is not a usable base URL.
    #[error("--upstream: {0}")]
    Upstream(String),
    /// A limit is zero.
    #[error("{0} must be more than 0")]
    Zero(&'static str),
    /// The listening address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: io::Error,
    },
    /// The recording could not be written.
    #[error(transparent)]
    Recording(#[from] CassetteError),
}

/// A running proxy; stops on [`Proxy::stop`] or drop.
pub struct Proxy {
    server: RunningServer,
    session: Arc<Session>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("addr", &self.server.local_addr())
            .finish_non_exhaustive()
    }
}

impl Proxy {
    /// Binds and serves in the background (its own tokio runtime, one
    /// worker per core); every exchange is judged by `engine` and told to `sink`.
    pub fn start(config: ProxyConfig, engine: Engine, sink: Sink) -> Result<Self, ProxyError> {
        let base = ppob_transport::http::parse_base_url(&config.upstream)
            .map_err(|e| ProxyError::Upstream(e.to_string()))?;
        for (value, name) in [
            (config.upstream_timeout, "the upstream timeout"),
            (config.connect_timeout, "the connect timeout"),
        ] {
            if value.is_zero() {
                return Err(ProxyError::Zero(name));
            }
        }
        if config.max_body == 0 {
            return Err(ProxyError::Zero("the body cap"));
        }
        let upstream = upstream::Upstream::new(
            base,
            upstream::UpstreamLimits {
                connect_timeout: config.connect_timeout,
                timeout: config.upstream_timeout,
                max_body: config.max_body as u64,
            },
        )
        .map_err(ProxyError::Upstream)?;
        let listen_error = |source| ProxyError::Listen {
            addr: config.listen,
            source,
        };
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("ppob-proxy")
            .enable_all()
            .build()
            .map_err(listen_error)?;
        let (tcp, local) = listener::bind(&runtime, config.listen).map_err(listen_error)?;
        let session = Arc::new(Session::new(engine, config.credentials.clone(), sink));
        let app = Arc::new(server::App {
            session: session.clone(),
            upstream,
            enforce: config.enforce,
            findings_header: config.findings_header,
            max_body: config.max_body,
            body_timeout: config.limits.header_timeout,
            loopback_only: local.ip().is_loopback(),
        });
        let limits = config.limits;
        let (tx, rx) = watch::channel(false);
        let thread = std::thread::Builder::new()
            .name("ppob-proxy-server".into())
            .spawn(move || {
                runtime.block_on(server::serve(tcp, app, limits, rx));
                runtime.shutdown_timeout(Duration::from_millis(100));
            })
            .map_err(listen_error)?;
        Ok(Self {
            server: RunningServer::new(local, tx, thread),
            session,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// The base URL to give the partner's application.
    pub fn url(&self) -> String {
        format!("http://{}", self.local_addr())
    }

    /// The session: its recording and its redactor.
    pub fn session(&self) -> &Arc<Session> {
        &self.session
    }

    /// Stops accepting and lets open exchanges finish (see
    /// [`listener::SHUTDOWN_GRACE`]).
    pub fn stop(self) {
        self.server.stop();
    }

    /// Writes the exchanges so far as a HAR cassette at `path`, redacted;
    /// returns how many were written and how many were beyond the cap.
    pub fn write_recording(&self, path: &Path) -> Result<(usize, u64), ProxyError> {
        write_recording(&self.session, path)
    }
}

/// Writes a session's exchanges as a HAR cassette at `path`, redacted.
pub fn write_recording(session: &Session, path: &Path) -> Result<(usize, u64), ProxyError> {
    let (exchanges, dropped) = session.recorded();
    let meta = CassetteMeta {
        case: RECORDING_CASE.into(),
        expect: None,
    };
    cassette::write(path, &meta, &exchanges, &session.redactor())?;
    Ok((exchanges.len(), dropped))
}
