//! The HTTP transport: sends requests to a real server with reqwest's
//! **blocking** client (rustls).
//!
//! - Explicit connect and total timeouts ([`HttpConfig`]); the total one is a
//!   deadline from sending the request to the answer's last byte, so a server
//!   that drips an endless body a byte at a time still ends at the timeout.
//! - A cap on the answer body ([`HttpConfig::max_body`], default
//!   [`DEFAULT_MAX_BODY`]): a longer answer (announced by `Content-Length`,
//!   or read that far) is [`TransportError::BodyTooLarge`], and reading stops
//!   there, so memory stays flat whatever the server sends.
//! - Keep-alive: connections are pooled and reused between calls.
//! - Redirects are followed only within the same origin: scheme, host and
//!   port (at most [`MAX_REDIRECTS`]). The `KEY` and `TOKEN` headers are
//!   custom headers that reqwest does not strip, so following a redirect to
//!   another host, another port of the same host, or another scheme would
//!   hand the credentials to another server. Such a redirect is
//!   [`TransportError::Redirect`].
//! - No proxy, whatever `HTTP_PROXY`/`HTTPS_PROXY`/`ALL_PROXY` say: signed
//!   requests must not silently travel through a third party, and a proxy
//!   changes what a failure looks like (a 502 from the proxy instead of
//!   "connection refused"), so the verdict would depend on the machine.
//! - No automatic retries: one `send` puts exactly one request on the wire
//!   (a payment must never be repeated behind the caller's back).
//! - Every HTTP status is an answer: 4xx and 5xx come back as
//!   [`WireResponse`]s, not errors.
//!
//! **Never call this transport from inside a tokio runtime** (an async
//! function, `#[tokio::main]`, `#[tokio::test]`): reqwest's blocking client
//! would panic there. [`HttpTransport::new`] and [`Transport::send`] detect
//! that case and return an error instead; dropping an [`HttpTransport`]
//! inside a runtime can still panic, so build, use and drop it on plain
//! threads (or in `tokio::task::spawn_blocking`).

use std::error::Error as StdError;
use std::io::{self, Read};
use std::time::{Duration, Instant, SystemTime};

use reqwest::Url;
use reqwest::blocking::Client;
use reqwest::redirect::{Attempt, Policy};

use super::redact::redact_url;
use super::{Exchange, Transport, TransportError, WireRequest, WireResponse};

/// Environment variable holding the server's base URL.
pub const BASE_URL_ENV: &str = "PPOB_BASE_URL";
/// Most redirects followed for one request.
pub const MAX_REDIRECTS: usize = 5;
/// Default time allowed to open a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default time allowed for a whole exchange (connect, send, whole answer).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default cap on an answer body: 8 MiB, some thousand times a real answer
/// (a few kilobytes).
pub const DEFAULT_MAX_BODY: u64 = 8 * 1024 * 1024;
/// How much of a body is read at a time.
const READ_CHUNK: usize = 64 * 1024;

/// Where and how patiently to talk to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpConfig {
    /// The server's base URL, e.g. `https://sandbox.example.com` (a path
    /// prefix is kept: `https://h/prefix` calls `https://h/prefix/api/v2/bill/check`).
    pub base_url: String,
    /// Time allowed to open a connection (TCP and TLS).
    pub connect_timeout: Duration,
    /// Time allowed for the whole exchange, until the answer's last byte.
    pub timeout: Duration,
    /// The longest answer body read, in bytes; a longer one is
    /// [`TransportError::BodyTooLarge`].
    pub max_body: u64,
}

impl HttpConfig {
    /// A configuration with the defaults: 5 s connect, 30 s total, 8 MiB body.
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            max_body: DEFAULT_MAX_BODY,
        }
    }

    /// The base URL from `PPOB_BASE_URL` with the default timeouts; `None` when unset or empty.
    pub fn from_env_base() -> Option<Self> {
        std::env::var(BASE_URL_ENV)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(Self::new)
    }
}

/// Why an [`HttpTransport`] could not be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HttpSetupError {
    /// The base URL does not parse.
    #[error("base URL {url:?} is not a URL: {reason} (expected e.g. https://sandbox.example.com)")]
    InvalidUrl {
        /// The URL as given, redacted (`redact_url`).
        url: String,
        /// What the parser said.
        reason: String,
    },
    /// The base URL's scheme is not http or https.
    #[error("base URL {url:?}: scheme {scheme:?} is not supported (expected http or https)")]
    UnsupportedScheme {
        /// The URL as given, redacted (`redact_url`).
        url: String,
        /// Its scheme.
        scheme: String,
    },
    /// The base URL names no host.
    #[error("base URL {url:?} has no host (expected e.g. https://sandbox.example.com)")]
    NoHost {
        /// The URL as given, redacted (`redact_url`).
        url: String,
    },
    /// The base URL has a part that cannot be combined with request paths or that would leak.
    #[error("base URL {url:?}: {reason}")]
    Unsupported {
        /// The URL, redacted (`redact_url`).
        url: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A timeout is zero.
    #[error("the {which} timeout must be more than zero")]
    ZeroTimeout {
        /// `connect` or `total`.
        which: &'static str,
    },
    /// The body cap is zero.
    #[error("the answer body cap (--max-body) must be more than zero bytes")]
    ZeroMaxBody,
    /// Called inside a tokio runtime, where the blocking client would panic.
    #[error(
        "the HTTP transport cannot be built inside an async (tokio) runtime: build it on a plain thread or in spawn_blocking"
    )]
    InsideAsyncRuntime,
    /// The HTTP client could not be built (TLS backend, resolver configuration).
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// Sends requests to a PPOB server over HTTP(S).
#[derive(Debug)]
pub struct HttpTransport {
    client: Client,
    base: Url,
    /// The base URL as shown: no trailing slash.
    shown: String,
    config: HttpConfig,
}

/// Makes ring's rustls provider the process's TLS crypto, unless the
/// process already chose one. reqwest is built without a provider of its own
/// (the default one, aws-lc-rs, costs a long C build); every HTTP client of
/// the workspace calls this before it is built.
pub fn install_crypto_provider() {
    // An error only says a provider is installed already: that one is used.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The error our redirect policy raises for a redirect it refuses.
#[derive(Debug)]
struct RefusedRedirect(String);

impl std::fmt::Display for RefusedRedirect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl StdError for RefusedRedirect {}

fn redirect_policy(attempt: Attempt<'_>) -> reqwest::redirect::Action {
    let Some(first) = attempt.previous().first() else {
        return attempt.follow();
    };
    let to = attempt.url();
    if !same_origin(first, to) {
        let message = format!("{} → {}", origin(first), origin(to));
        return attempt.error(RefusedRedirect(message));
    }
    if attempt.previous().len() > MAX_REDIRECTS {
        return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
    }
    attempt.follow()
}

/// Whether two URLs share scheme, host and port (the port a scheme implies
/// counts: `http://h` and `http://h:80` are one origin).
fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// `scheme://host[:port]` of a URL, without path, query or credentials.
fn origin(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{}://{host}:{port}", url.scheme()),
        (Some(host), None) => format!("{}://{host}", url.scheme()),
        _ => url.scheme().to_owned(),
    }
}

fn inside_tokio_runtime() -> bool {
    tokio::runtime::Handle::try_current().is_ok()
}

/// Checks a base URL: http or https, a host, no credentials, query or
/// fragment. An error quotes the URL through [`redact_url`]: a key in its
/// userinfo, query or fragment is never echoed.
pub fn parse_base_url(text: &str) -> Result<Url, HttpSetupError> {
    let shown = || redact_url(text).into_owned();
    let url = Url::parse(text.trim()).map_err(|e| HttpSetupError::InvalidUrl {
        url: shown(),
        reason: e.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(HttpSetupError::UnsupportedScheme {
            url: shown(),
            scheme: url.scheme().to_owned(),
        });
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(HttpSetupError::NoHost { url: shown() });
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(HttpSetupError::Unsupported {
            url: origin(&url),
            reason: "credentials in the URL are not supported (they would show in reports); the API authenticates with KEY and TOKEN",
        });
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(HttpSetupError::Unsupported {
            url: shown(),
            reason: "a query or fragment cannot be combined with the request paths",
        });
    }
    Ok(url)
}

impl HttpTransport {
    /// Checks `config` and builds the client. Must not be called inside a
    /// tokio runtime (returns [`HttpSetupError::InsideAsyncRuntime`]).
    pub fn new(config: HttpConfig) -> Result<Self, HttpSetupError> {
        let base = parse_base_url(&config.base_url)?;
        if config.connect_timeout.is_zero() {
            return Err(HttpSetupError::ZeroTimeout { which: "connect" });
        }
        if config.timeout.is_zero() {
            return Err(HttpSetupError::ZeroTimeout { which: "total" });
        }
        if config.max_body == 0 {
            return Err(HttpSetupError::ZeroMaxBody);
        }
        if inside_tokio_runtime() {
            return Err(HttpSetupError::InsideAsyncRuntime);
        }
        install_crypto_provider();
        // The blocking client's own timeout restarts at every read of the
        // body; the async client underneath keeps one deadline for the whole
        // exchange, so the timeout is set on both.
        let inner = reqwest::Client::builder()
            .user_agent(concat!("ppob-contract/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .redirect(Policy::custom(redirect_policy))
            .retry(reqwest::retry::never())
            .no_proxy()
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_keepalive(Duration::from_secs(60));
        let client = reqwest::blocking::ClientBuilder::from(inner)
            .timeout(config.timeout)
            .build()
            .map_err(|e| HttpSetupError::Client(error_text(&e)))?;
        let shown = redact_url(base.as_str().trim_end_matches('/')).into_owned();
        Ok(Self {
            client,
            base,
            shown,
            config,
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &HttpConfig {
        &self.config
    }

    /// The URL a request path is sent to: the base URL's path prefix, then `path`.
    pub fn url_for(&self, path: &str) -> String {
        let prefix = self.base.as_str().trim_end_matches('/');
        if path.starts_with('/') {
            format!("{prefix}{path}")
        } else {
            format!("{prefix}/{path}")
        }
    }

    fn exchange(
        &self,
        request: &WireRequest,
        timeout: Duration,
    ) -> Result<WireResponse, TransportError> {
        if inside_tokio_runtime() {
            return Err(TransportError::Other(
                "the HTTP transport was called inside an async (tokio) runtime, where the blocking client cannot run; call it from a plain thread or spawn_blocking".into(),
            ));
        }
        let method = reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|_| {
            TransportError::Other(format!("{:?} is not an HTTP method", request.method))
        })?;
        let mut builder = self
            .client
            .request(method, self.url_for(&request.path))
            .body(request.body.clone())
            .timeout(timeout);
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let mut response = builder.send().map_err(|e| self.map_error(&e, timeout))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = self.read_body(&mut response, timeout)?;
        Ok(WireResponse {
            status,
            headers,
            body,
        })
    }

    /// Reads the answer body, at most [`HttpConfig::max_body`] bytes; stops
    /// at the first byte past it (or at once when `Content-Length` announces more).
    fn read_body(
        &self,
        response: &mut reqwest::blocking::Response,
        timeout: Duration,
    ) -> Result<Vec<u8>, TransportError> {
        let limit = self.config.max_body;
        let too_large = TransportError::BodyTooLarge { limit };
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(too_large);
        }
        // The buffer grows with what arrives, never with what is allowed or
        // announced: a `--max-body 200MiB` against a server that sends 1 KB
        // costs a chunk, not room for the limit, and a `Content-Length` is
        // believed only up to one chunk.
        let announced = response
            .content_length()
            .map_or(READ_CHUNK, |n| usize::try_from(n).unwrap_or(READ_CHUNK));
        let mut body = Vec::with_capacity(announced.min(READ_CHUNK));
        let mut chunk = vec![0u8; READ_CHUNK];
        loop {
            let read = match response.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.map_read_error(e, timeout)),
            };
            // A body of exactly `limit` bytes is read whole; one byte more is refused.
            if (body.len() + read) as u64 > limit {
                return Err(too_large);
            }
            body.extend_from_slice(&chunk[..read]);
        }
        Ok(body)
    }

    /// Sorts an error met while reading the body.
    fn map_read_error(&self, error: io::Error, timeout: Duration) -> TransportError {
        if let Some(inner) = error
            .get_ref()
            .and_then(|e| e.downcast_ref::<reqwest::Error>())
        {
            return self.map_error(inner, timeout);
        }
        match error.kind() {
            io::ErrorKind::TimedOut => TransportError::Timeout(timeout),
            _ => TransportError::Closed(error_text(&error)),
        }
    }

    /// Sorts a reqwest error into a [`TransportError`] by walking its source chain.
    fn map_error(&self, error: &reqwest::Error, timeout: Duration) -> TransportError {
        let text = error_text(error);
        if let Some(refused) = find_source::<RefusedRedirect>(error) {
            return TransportError::Redirect(refused.0.clone());
        }
        if error.is_timeout() {
            // The connect timeout itself (not the request's whole time, when
            // that was shorter) says the address answered nothing at all.
            if error.is_connect() && self.config.connect_timeout <= timeout {
                return TransportError::ConnectTimeout(self.config.connect_timeout);
            }
            let limit = if error.is_connect() {
                self.config.connect_timeout.min(timeout)
            } else {
                timeout
            };
            return TransportError::Timeout(limit);
        }
        let io_kind = find_source::<io::Error>(error).map(io::Error::kind);
        if io_kind == Some(io::ErrorKind::ConnectionRefused) {
            return TransportError::Refused(text);
        }
        let lower = text.to_ascii_lowercase();
        if error.is_connect() {
            // tokio-rustls reports handshake failures (bad certificate, a peer
            // that speaks no TLS, an alert) as io::ErrorKind::InvalidData.
            let tls = [
                "tls",
                "certificate",
                "handshake",
                "alert",
                "corrupt message",
            ];
            if io_kind == Some(io::ErrorKind::InvalidData) || tls.iter().any(|w| lower.contains(w))
            {
                return TransportError::Tls(text);
            }
            return TransportError::Connect(text);
        }
        let cut = matches!(
            io_kind,
            Some(
                io::ErrorKind::UnexpectedEof
                    | io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
                    | io::ErrorKind::BrokenPipe
            )
        );
        if error.is_body()
            || error.is_decode()
            || cut
            || lower.contains("connection closed")
            || lower.contains("incomplete")
        {
            return TransportError::Closed(text);
        }
        TransportError::Other(text)
    }
}

/// The first error of type `E` in `error`'s source chain.
fn find_source<'a, E: StdError + 'static>(error: &'a (dyn StdError + 'static)) -> Option<&'a E> {
    let mut current: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<E>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

/// The error and its causes, `a: b: c`, without repeating a cause already in the text.
fn error_text(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut current = error.source();
    while let Some(e) = current {
        let part = e.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        current = e.source();
    }
    text
}

impl Transport for HttpTransport {
    fn send(&self, request: WireRequest) -> Exchange {
        self.send_within(request, self.config.timeout)
    }

    /// As [`HttpTransport::send`], with the total timeout cut to `limit` when that is shorter.
    fn send_within(&self, request: WireRequest, limit: Duration) -> Exchange {
        let started = SystemTime::now();
        let clock = Instant::now();
        let response = self.exchange(&request, self.config.timeout.min(limit));
        Exchange {
            request,
            response,
            started,
            elapsed: clock.elapsed(),
        }
    }

    fn describe(&self) -> String {
        self.shown.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(url: &str) -> Result<HttpTransport, HttpSetupError> {
        HttpTransport::new(HttpConfig::new(url))
    }

    #[test]
    fn base_urls_are_checked_with_clear_errors() {
        assert!(matches!(
            setup("not a url"),
            Err(HttpSetupError::InvalidUrl { .. })
        ));
        assert!(matches!(
            setup("ftp://h/"),
            Err(HttpSetupError::UnsupportedScheme { .. })
        ));
        assert!(matches!(
            setup("file:///tmp"),
            Err(HttpSetupError::UnsupportedScheme { .. })
        ));
        let err = setup("https://user:pw@h/").unwrap_err();
        assert!(!err.to_string().contains("pw"), "{err}");
        assert!(matches!(
            setup("http://h/?q=1"),
            Err(HttpSetupError::Unsupported { .. })
        ));
        let mut zero = HttpConfig::new("http://h");
        zero.timeout = Duration::ZERO;
        assert!(matches!(
            HttpTransport::new(zero),
            Err(HttpSetupError::ZeroTimeout { .. })
        ));
    }

    #[test]
    fn paths_join_the_base_and_its_prefix() {
        let plain = setup("http://127.0.0.1:9/").unwrap();
        assert_eq!(plain.describe(), "http://127.0.0.1:9");
        assert_eq!(
            plain.url_for("/api/v2/bill/check"),
            "http://127.0.0.1:9/api/v2/bill/check"
        );
        let prefixed = setup("https://h.example/sandbox/").unwrap();
        assert_eq!(
            prefixed.url_for("/api/v2/bill/check"),
            "https://h.example/sandbox/api/v2/bill/check"
        );
        assert_eq!(prefixed.describe(), "https://h.example/sandbox");
    }

    #[test]
    fn building_inside_a_tokio_runtime_is_an_error_not_a_panic() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let result = runtime.block_on(async { setup("http://127.0.0.1:9").map(|_| ()) });
        assert_eq!(result, Err(HttpSetupError::InsideAsyncRuntime));
    }
}
