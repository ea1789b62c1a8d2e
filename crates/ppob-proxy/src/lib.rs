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

pub mod callback_receiver;
pub mod callbacks;
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

pub use callbacks::CallbackConfig;
pub use session::{Delivery, ProxyEvent, Session, Sink};

/// Default of [`ProxyConfig::upstream_timeout`].
pub const DEFAULT_UPSTREAM_TIMEOUT: Duration = Duration::from_secs(30);
/// Default of [`ProxyConfig::connect_timeout`].
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default of [`ProxyConfig::max_body`]: 1 MiB each way (an API document is a few KiB).
pub const DEFAULT_MAX_BODY: usize = 1 << 20;

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
    /// Callbacks through the proxy (`--callbacks`; needs `credentials`):
    /// see [`callbacks`].
    pub callbacks: Option<CallbackConfig>,
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
            callbacks: None,
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
    /// Callbacks through the proxy need the partner's secret.
    #[error(
        "--callbacks needs PPOB_API_KEY and PPOB_API_SECRET: the payment's TOKEN carries callbackUrls, so pointing them at the proxy means signing the TOKEN again"
    )]
    CallbacksNeedCredentials,
}

/// A running proxy; stops on [`Proxy::stop`] or drop.
pub struct Proxy {
    server: RunningServer,
    session: Arc<Session>,
    /// The callback receiver's base URL and how long a callback may take (`--callbacks`).
    callbacks: Option<(String, Duration)>,
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
        let (tx, rx) = watch::channel(false);
        let receiver = match &config.callbacks {
            Some(callbacks) => Some(start_receiver(
                &runtime,
                callbacks,
                &config,
                &session,
                rx.clone(),
            )?),
            None => None,
        };
        let app = Arc::new(server::App {
            session: session.clone(),
            upstream,
            enforce: config.enforce,
            findings_header: config.findings_header,
            max_body: config.max_body,
            body_timeout: config.limits.header_timeout,
            loopback_only: local.ip().is_loopback(),
            callbacks: receiver.as_ref().map(|r| r.rewrite.clone()),
        });
        let limits = config.limits;
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
            callbacks: receiver.map(|r| (r.rewrite.receiver.clone(), r.wait)),
        })
    }

    /// The base URL of the callback receiver (`--callbacks`).
    pub fn callback_url(&self) -> Option<&str> {
        self.callbacks.as_ref().map(|(url, _)| url.as_str())
    }

    /// Reports `callback.missing` for the payments whose callback is
    /// overdue (see [`Session::missing_callbacks`]); call it before
    /// [`Proxy::stop`]. Returns how many.
    pub fn report_missing_callbacks(&self) -> usize {
        self.callbacks
            .as_ref()
            .map_or(0, |(_, wait)| self.session.missing_callbacks(*wait))
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

    /// Writes the exchanges so far into `dir`, one HAR cassette per
    /// conversation (see [`write_recording`]).
    pub fn write_recording(&self, dir: &Path) -> Result<Recording, ProxyError> {
        write_recording(&self.session, dir)
    }
}

/// A started callback receiver.
struct StartedReceiver {
    rewrite: server::CallbackRewrite,
    wait: Duration,
}

/// Binds the callback receiver and serves it on `runtime` until `stop`.
fn start_receiver(
    runtime: &tokio::runtime::Runtime,
    callbacks: &CallbackConfig,
    config: &ProxyConfig,
    session: &Arc<Session>,
    stop: watch::Receiver<bool>,
) -> Result<StartedReceiver, ProxyError> {
    let credentials = config
        .credentials
        .clone()
        .ok_or(ProxyError::CallbacksNeedCredentials)?;
    let (tcp, local) =
        listener::bind(runtime, callbacks.listen).map_err(|source| ProxyError::Listen {
            addr: callbacks.listen,
            source,
        })?;
    let routes = Arc::new(callbacks::Routes::default());
    let app = Arc::new(callback_receiver::CallbackApp {
        session: session.clone(),
        routes: routes.clone(),
        limits: upstream::UpstreamLimits {
            connect_timeout: config.connect_timeout,
            timeout: config.upstream_timeout,
            max_body: config.max_body as u64,
        },
        body_timeout: config.limits.header_timeout,
    });
    runtime.spawn(callback_receiver::serve(tcp, app, config.limits, stop));
    let receiver = callbacks
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{local}"));
    Ok(StartedReceiver {
        rewrite: server::CallbackRewrite {
            routes,
            receiver,
            allow: callbacks.allow.clone(),
            credentials,
        },
        wait: callbacks.wait,
    })
}

/// What [`write_recording`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recording {
    /// The cassettes, one per conversation, in the order the conversations began.
    pub cassettes: Vec<std::path::PathBuf>,
    /// Exchanges written.
    pub exchanges: usize,
    /// Exchanges beyond [`session::MAX_RECORDED`], not kept.
    pub dropped: u64,
}

/// What a replay of a conversation should end as, from its last step's
/// verdict: `success`, `failed:CODE`, `pending`; an inquiry never paid ends
/// pending (the cassette has no payment), one refused with `failed:CODE`.
fn expectation(last: &session::RecordedExchange) -> Option<String> {
    let verdict = last.verdict.as_str();
    let code = |text: &str| -> Option<i64> {
        let digits: String = text
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    };
    match last.exchange.request.operation {
        ppob_core::contract::Operation::Inquiry => {
            match verdict.strip_prefix("code ").and_then(code) {
                Some(300) => Some("pending".into()),
                Some(c) if (100..400).contains(&c) => Some(format!("failed:{c}")),
                _ => None,
            }
        }
        _ if verdict.starts_with("success") => Some("success".into()),
        _ if verdict.starts_with("failed") => code(verdict).map(|c| format!("failed:{c}")),
        _ => Some("pending".into()),
    }
}

/// Writes a session's exchanges into `dir` (created), one HAR cassette per
/// conversation named after it, redacted: `ppob-contract check --replay DIR`
/// replays each conversation as a case, expecting how it ended.
pub fn write_recording(session: &Session, dir: &Path) -> Result<Recording, ProxyError> {
    let (recorded, dropped) = session.recorded();
    std::fs::create_dir_all(dir).map_err(|source| {
        ProxyError::Recording(CassetteError::Io {
            path: dir.to_path_buf(),
            source,
        })
    })?;
    let mut order: Vec<&str> = Vec::new();
    for r in &recorded {
        if !order.contains(&r.conversation.as_str()) {
            order.push(&r.conversation);
        }
    }
    let redactor = session.redactor();
    let mut cassettes = Vec::new();
    for conversation in order {
        let steps: Vec<&session::RecordedExchange> = recorded
            .iter()
            .filter(|r| r.conversation == conversation)
            .collect();
        let exchanges: Vec<ppob_transport::Exchange> =
            steps.iter().map(|r| r.exchange.clone()).collect();
        let meta = CassetteMeta {
            case: conversation.to_owned(),
            expect: steps.last().and_then(|last| expectation(last)),
        };
        let path = dir.join(cassette::file_name(conversation));
        cassette::write(&path, &meta, &exchanges, &redactor)?;
        cassettes.push(path);
    }
    Ok(Recording {
        cassettes,
        exchanges: recorded.len(),
        dropped,
    })
}
