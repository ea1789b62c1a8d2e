//! The simulator over HTTP (axum 0.8 on its own tokio runtime): what
//! `ppob-contract mock` serves and what integration tests start.
//!
//! [`start`] binds, spawns a background thread running a multi-thread
//! runtime (one worker per core) and returns at once, so synchronous code
//! (tests, the CLI) can use it. Every path is served: the request becomes a
//! [`WireRequest`], [`Simulator::handle`] answers it, an injected delay is
//! slept with `tokio::time::sleep`, and a hang holds the connection for
//! `hang_for` and then drops it without an answer (see `listener`).
//!
//! Connections are accepted and timed by `listener` within [`ServerLimits`]
//! (header-read timeout, idle timeout, connection cap): slow or silent
//! clients cannot hold every file descriptor and starve real requests.
//!
//! A background task calls [`Simulator::tick`] every [`TICK`] and POSTs the
//! callbacks due (`Content-Type: application/json`), **to loopback hosts
//! only** (`127.0.0.0/8`, `::1`, `localhost`); any other URL is skipped and
//! reported as a [`ServerEvent`]. A callback that is not answered HTTP 200
//! is retried after the delays of [`CALLBACK_RETRY_DELAYS`]. The library
//! never prints: events go to the sink given to [`start_with_events`].

use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Extension, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderName, HeaderValue, Response, StatusCode};
use tokio::sync::watch;

use super::gate::{MAX_BODY, http_error, operation_of};
use super::request::{IgnoredField, describe_ignored};
use super::simulator::{Answer, Callback, Simulator};
use ppob_core::contract::Operation;
use ppob_transport::listener::{self, Connection};
pub use ppob_transport::listener::{
    DEFAULT_HEADER_TIMEOUT, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS, RunningServer,
    SHUTDOWN_GRACE, ServerLimits,
};
use ppob_transport::{WireRequest, WireResponse};

/// How often due payments are settled and callbacks sent.
pub const TICK: Duration = Duration::from_millis(50);
/// Delays before each delivery attempt of a callback: at once, then after
/// 1 s, 2 s and 4 s (four attempts); an HTTP 200 answer ends them.
pub const CALLBACK_RETRY_DELAYS: [Duration; 4] = [
    Duration::ZERO,
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
];
/// How long one callback attempt may take.
pub const CALLBACK_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest list of ignored fields in one [`ServerEvent::FieldsIgnored`]
/// line, in bytes (the fields that do not fit are counted).
pub const MAX_IGNORED_LOG_LEN: usize = 1024;

/// Something the server did that its owner may want to show.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerEvent {
    /// A request was answered without fields the contract does not document
    /// (`--unknown-fields ignore`); the answer's `ppob-contract-ignored`
    /// header names them too.
    FieldsIgnored {
        /// The operation the request asked for.
        operation: Operation,
        /// The fields, each with the documented field it probably meant.
        fields: Vec<IgnoredField>,
    },
    /// A callback was answered HTTP 200.
    CallbackDelivered {
        /// Where it went.
        url: String,
        /// Attempts it took.
        attempts: usize,
    },
    /// Every attempt of a callback failed.
    CallbackGaveUp {
        /// Where it should have gone.
        url: String,
        /// Attempts made.
        attempts: usize,
        /// What the last attempt got.
        last: String,
    },
    /// A callback was not sent (not a loopback URL, or no HTTP client).
    CallbackSkipped {
        /// The URL it named.
        url: String,
        /// Why it was skipped.
        reason: String,
    },
}

impl fmt::Display for ServerEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::FieldsIgnored { operation, fields } => write!(
                f,
                "{}: ignored unknown request field(s): {}",
                operation.name(),
                describe_ignored(fields, MAX_IGNORED_LOG_LEN)
            ),
            Self::CallbackDelivered { url, attempts } => {
                write!(f, "callback delivered to {url} (attempt {attempts})")
            }
            Self::CallbackGaveUp {
                url,
                attempts,
                last,
            } => write!(
                f,
                "callback to {url} not delivered after {attempts} attempts (last: {last})"
            ),
            Self::CallbackSkipped { url, reason } => {
                write!(f, "callback to {url} skipped: {reason}")
            }
        }
    }
}

/// Receives [`ServerEvent`]s (called from the server's threads).
pub type EventSink = Arc<dyn Fn(ServerEvent) + Send + Sync>;

struct App {
    sim: Arc<Simulator>,
    events: EventSink,
    /// How long a request's body may take to arrive.
    body_timeout: Duration,
}

/// Serves `sim` on `addr` (`127.0.0.1:0` picks a free port); events are dropped.
pub fn start(sim: Arc<Simulator>, addr: SocketAddr) -> io::Result<RunningServer> {
    start_with_events(sim, addr, Arc::new(|_| {}))
}

/// Like [`start`], reporting callback deliveries and skips to `events`.
pub fn start_with_events(
    sim: Arc<Simulator>,
    addr: SocketAddr,
    events: EventSink,
) -> io::Result<RunningServer> {
    start_with_limits(sim, addr, events, ServerLimits::default())
}

/// Like [`start_with_events`], with the connection limits given.
pub fn start_with_limits(
    sim: Arc<Simulator>,
    addr: SocketAddr,
    events: EventSink,
    limits: ServerLimits,
) -> io::Result<RunningServer> {
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name("ppob-sim")
        .enable_all()
        .build()?;
    let (listener, local) = listener::bind(&runtime, addr)?;
    let (tx, rx) = watch::channel(false);
    let app = Arc::new(App {
        sim,
        events,
        body_timeout: limits.header_timeout,
    });
    let thread = std::thread::Builder::new()
        .name("ppob-sim-server".into())
        .spawn(move || {
            runtime.block_on(serve(listener, app, limits, rx));
            runtime.shutdown_timeout(Duration::from_millis(100));
        })?;
    Ok(RunningServer::new(local, tx, thread))
}

async fn serve(
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    limits: ServerLimits,
    rx: watch::Receiver<bool>,
) {
    let ticker = tokio::spawn(tick_loop(app.clone()));
    let router = Router::new().fallback(answer).with_state(app);
    let server = listener::serve(listener, router, limits, rx.clone());
    let mut hard = rx;
    tokio::select! {
        _ = server => {}
        _ = async {
            let _ = hard.wait_for(|stop| *stop).await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } => {}
    }
    ticker.abort();
}

async fn answer(
    State(app): State<Arc<App>>,
    Extension(connection): Extension<Arc<Connection>>,
    request: Request,
) -> Response<Body> {
    let _busy = connection.begin_request();
    let (parts, body) = request.into_parts();
    let read = tokio::time::timeout(app.body_timeout, axum::body::to_bytes(body, MAX_BODY));
    let body = match read.await {
        Ok(Ok(bytes)) => Vec::from(bytes),
        Err(_) => {
            // Too slow: answered, and the connection is not kept.
            let mut response = to_http(http_error(
                408,
                "isi permintaan tidak selesai dikirim tepat waktu",
                "the request body did not arrive in time",
            ));
            response.headers_mut().insert(
                axum::http::header::CONNECTION,
                HeaderValue::from_static("close"),
            );
            return response;
        }
        Ok(Err(_)) => {
            return to_http(http_error(
                413,
                "isi permintaan terlalu besar (maks. 1 MiB)",
                "request body too large (at most 1 MiB)",
            ));
        }
    };
    let path = parts.uri.path();
    let headers = parts
        .headers
        .iter()
        .filter_map(|(name, value)| {
            let value = value.to_str().ok()?;
            Some((name.as_str().to_owned(), value.to_owned()))
        })
        .collect();
    let wire = WireRequest {
        // An unknown path is answered 404 by the simulator, which reads the path.
        operation: operation_of(path).unwrap_or(Operation::Inquiry),
        method: parts.method.as_str().to_owned(),
        path: path.to_owned(),
        headers,
        body,
        payload: serde_json::Value::Null,
    };
    let operation = wire.operation;
    let reply = app.sim.handle(&wire);
    if !reply.ignored.is_empty() {
        (app.events)(ServerEvent::FieldsIgnored {
            operation,
            fields: reply.ignored,
        });
    }
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    match reply.answer {
        Answer::Respond(response) => to_http(response),
        Answer::Hang => {
            tokio::time::sleep(app.sim.config().hang_for).await;
            // The answer below is never written: the connection is dropped.
            connection.kill();
            Response::new(Body::empty())
        }
    }
}

fn to_http(response: WireResponse) -> Response<Body> {
    let mut http = Response::new(Body::from(response.body));
    *http.status_mut() =
        StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in response.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            http.headers_mut().append(name, value);
        }
    }
    http
}

/// Whether a callback may go to `url`: http(s) to a loopback host only.
pub fn loopback_url(url: &str) -> Result<reqwest::Url, String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("scheme {:?} is not http or https", parsed.scheme()));
    }
    let host = parsed.host_str().unwrap_or_default();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if loopback {
        Ok(parsed)
    } else {
        Err(format!(
            "{host:?} is not a loopback host: the simulator only calls back 127.0.0.1, ::1 or localhost"
        ))
    }
}

async fn tick_loop(app: Arc<App>) {
    ppob_transport::http::install_crypto_provider();
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(CALLBACK_TIMEOUT)
        .build();
    let mut interval = tokio::time::interval(TICK);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        interval.tick().await;
        for callback in app.sim.drain_callbacks() {
            let target = match (&client, loopback_url(&callback.url)) {
                (Ok(client), Ok(url)) => Ok((client.clone(), url)),
                (Err(e), _) => Err(format!("no HTTP client ({e})")),
                (_, Err(reason)) => Err(reason),
            };
            match target {
                Ok((client, url)) => {
                    tokio::spawn(deliver(client, url, callback, app.events.clone()));
                }
                Err(reason) => (app.events)(ServerEvent::CallbackSkipped {
                    url: callback.url,
                    reason,
                }),
            }
        }
    }
}

async fn deliver(
    client: reqwest::Client,
    url: reqwest::Url,
    callback: Callback,
    events: EventSink,
) {
    let mut last = String::new();
    for (attempt, delay) in CALLBACK_RETRY_DELAYS.iter().enumerate() {
        if !delay.is_zero() {
            tokio::time::sleep(*delay).await;
        }
        let sent = client
            .post(url.clone())
            .header(CONTENT_TYPE, "application/json")
            .body(callback.body.clone())
            .send()
            .await;
        match sent {
            Ok(response) if response.status() == StatusCode::OK => {
                events(ServerEvent::CallbackDelivered {
                    url: callback.url,
                    attempts: attempt + 1,
                });
                return;
            }
            Ok(response) => last = format!("HTTP {}", response.status().as_u16()),
            Err(e) => last = e.without_url().to_string(),
        }
    }
    events(ServerEvent::CallbackGaveUp {
        url: callback.url,
        attempts: CALLBACK_RETRY_DELAYS.len(),
        last,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_urls_are_called_back() {
        for ok in [
            "http://127.0.0.1:8080/cb",
            "http://localhost/cb",
            "https://LOCALHOST:1/x",
            "http://[::1]:9/cb",
            "http://127.1.2.3/cb",
        ] {
            assert!(loopback_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com/cb",
            "http://10.0.0.1/cb",
            "http://127.0.0.1.example.com/cb",
            "http://localhost.evil.com/",
            "ftp://127.0.0.1/cb",
            "file:///etc/passwd",
            "not a url",
            "http://[::2]/",
        ] {
            assert!(loopback_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn events_read_well() {
        let e = ServerEvent::CallbackSkipped {
            url: "http://x/".into(),
            reason: "not loopback".into(),
        };
        assert_eq!(e.to_string(), "callback to http://x/ skipped: not loopback");
        let ignored = ServerEvent::FieldsIgnored {
            operation: Operation::Payment,
            fields: vec![IgnoredField {
                name: "CallbackUrls".into(),
                suggestion: Some("callbackUrls"),
            }],
        };
        assert_eq!(
            ignored.to_string(),
            "payment: ignored unknown request field(s): CallbackUrls (did you mean callbackUrls?)"
        );
    }
}
