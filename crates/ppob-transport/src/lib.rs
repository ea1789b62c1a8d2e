//! How a request reaches a PPOB server and its answer comes back.
//!
//! A [`Transport`] sends one operation's [`WireRequest`] (method, path,
//! headers, body: exactly what goes on the wire) and returns an
//! [`Exchange`]: the request as it was really sent and either the raw HTTP
//! answer or a [`TransportError`]. Implementations: [`http`] (reqwest),
//! the in-process simulator (`ppob_sim::SimTransport`), [`replay`] (from a
//! cassette) and [`record`] (wraps another transport, writes a cassette).
//!
//! [`auth`] builds signed requests (KEY, TOKEN, VERSION headers),
//! [`redact`] keeps credentials and TOKENs out of every output, and
//! [`clock`] lets the simulator and the status poller share simulated time;
//! [`size`] reads byte sizes such as `--max-body 8MiB`.
//!
//! Sign a request, then keep the secret and the TOKEN out of what is shown:
//!
//! ```
//! use ppob_core::contract::Operation;
//! use ppob_transport::auth::{BodyMode, Credentials, sign_request, verify_token};
//! use ppob_transport::redact::Redactor;
//!
//! let credentials = Credentials::simulator_demo();
//! let payload = serde_json::json!({"partnerId": "partner-id", "accountNumber": "0811111111", "productCode": "product-code"});
//! let request = sign_request(Operation::Inquiry, payload.clone(), &credentials, BodyMode::TokenOnly)?;
//! assert_eq!(request.path, "/api/v2/bill/check");
//!
//! let token = request.header("TOKEN").ok_or("a signed request carries its TOKEN")?;
//! assert_eq!(verify_token(token, credentials.secret())?, payload);
//!
//! let shown = Redactor::new(Some(&credentials)).redact(&format!("TOKEN: {token}")).into_owned();
//! assert!(!shown.contains(token));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod auth;
pub mod cassette;
pub mod clock;
pub mod gate;
pub mod http;
pub mod listener;
pub mod rate;
pub mod record;
pub mod redact;
pub mod replay;
pub mod size;
pub mod stop;

use std::time::{Duration, SystemTime};

use serde_json::Value;

use ppob_core::contract::Operation;

/// One request as it goes on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct WireRequest {
    /// The operation it calls.
    pub operation: Operation,
    /// The HTTP method, `POST` for every documented operation.
    pub method: String,
    /// The path, e.g. `/api/v2/bill/check`.
    pub path: String,
    /// Header names and values, in sending order.
    pub headers: Vec<(String, String)>,
    /// The body bytes (empty in token-only mode).
    pub body: Vec<u8>,
    /// The request fields the client signed into TOKEN. Not sent by itself:
    /// kept so reports and cassettes can show what was asked even when the
    /// body is empty. A server must read the TOKEN, never this.
    pub payload: Value,
}

impl WireRequest {
    /// The first header of this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header_in(&self.headers, name)
    }
}

/// A raw HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireResponse {
    /// The HTTP status code.
    pub status: u16,
    /// Header names and values.
    pub headers: Vec<(String, String)>,
    /// The body bytes, as received.
    pub body: Vec<u8>,
}

impl WireResponse {
    /// The first header of this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header_in(&self.headers, name)
    }

    /// A `200 OK` answer with a JSON body.
    pub fn json(status: u16, body: Vec<u8>) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body,
        }
    }
}

fn header_in<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Why no HTTP answer came back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// No complete answer within the configured time.
    #[error("no answer within {}", humantime::format_duration(*.0))]
    Timeout(Duration),
    /// No connection opened within the connect timeout: the packets went
    /// nowhere (a firewall that drops them, a VPN the network needs, a wrong
    /// address).
    #[error("could not connect within {}", humantime::format_duration(*.0))]
    ConnectTimeout(Duration),
    /// Nothing listens at the address (or a firewall refused).
    #[error("connection refused: {0}")]
    Refused(String),
    /// The host name did not resolve, or the connection could not be opened.
    #[error("could not connect: {0}")]
    Connect(String),
    /// The TLS handshake failed (certificate, protocol).
    #[error("TLS failed: {0}")]
    Tls(String),
    /// The connection was closed before a complete answer arrived.
    #[error("connection closed without a complete answer: {0}")]
    Closed(String),
    /// A redirect to another origin (scheme, host or port), which is never followed.
    #[error("refused to follow a redirect to another origin: {0}")]
    Redirect(String),
    /// The answer's body is longer than the cap; reading stopped there.
    #[error(
        "the answer body is longer than {} (the --max-body cap); reading stopped there",
        size::format_size(*.limit)
    )]
    BodyTooLarge {
        /// The cap, in bytes.
        limit: u64,
    },
    /// A cassette has no (more) recorded answer for this request.
    #[error("cassette: {0}")]
    Replay(String),
    /// Not sent: the run was stopped (SIGINT/SIGTERM) before this request.
    #[error("not sent: the run was interrupted")]
    Interrupted,
    /// Anything else the HTTP stack reported.
    #[error("{0}")]
    Other(String),
}

impl TransportError {
    /// Whether the server could not be reached at all (exit code 2 when
    /// nothing was ever answered), as opposed to an answer that went wrong.
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            Self::Refused(_) | Self::Connect(_) | Self::ConnectTimeout(_) | Self::Tls(_)
        )
    }

    /// A short stable name of the error kind: `timeout`, `refused`, …
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::Timeout(_) => "timeout",
            Self::ConnectTimeout(_) => "connect-timeout",
            Self::Refused(_) => "refused",
            Self::Connect(_) => "connect",
            Self::Tls(_) => "tls",
            Self::Closed(_) => "closed",
            Self::Redirect(_) => "redirect",
            Self::BodyTooLarge { .. } => "body-too-large",
            Self::Replay(_) => "replay",
            Self::Interrupted => "interrupted",
            Self::Other(_) => "other",
        }
    }
}

/// One request and what came of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    /// The request as really sent (a replay returns the recorded one).
    pub request: WireRequest,
    /// The answer, or why there was none.
    pub response: Result<WireResponse, TransportError>,
    /// When the request was sent (wall clock, or simulated time).
    pub started: SystemTime,
    /// From sending the request to the end of the answer (or the error).
    pub elapsed: Duration,
}

/// Sends requests somewhere and brings back what happened.
///
/// Implementations must be shareable across threads: `check` runs cases
/// one by one, `fuzz` may run many at once.
pub trait Transport: Send + Sync {
    /// Sends one request. Never panics: every failure is an [`Exchange`]
    /// whose `response` is a [`TransportError`].
    fn send(&self, request: WireRequest) -> Exchange;

    /// Sends one request, giving up after at most `limit` (or the
    /// transport's own timeout, when that is shorter): the status poller
    /// uses it so that no call runs past its deadline. The default ignores
    /// `limit`, which suits transports that do not wait (a replay).
    fn send_within(&self, request: WireRequest, limit: Duration) -> Exchange {
        let _ = limit;
        self.send(request)
    }

    /// Where requests go, for reports: a base URL, `simulator (in-process)`, a cassette path.
    fn describe(&self) -> String;

    /// Whether this transport plays back recorded answers: pacing waits are
    /// pointless then, and the recorded requests replace the planned ones.
    fn is_replay(&self) -> bool {
        false
    }
}

impl<T: Transport + ?Sized> Transport for std::sync::Arc<T> {
    fn send(&self, request: WireRequest) -> Exchange {
        (**self).send(request)
    }
    fn send_within(&self, request: WireRequest, limit: Duration) -> Exchange {
        (**self).send_within(request, limit)
    }
    fn describe(&self) -> String {
        (**self).describe()
    }
    fn is_replay(&self) -> bool {
        (**self).is_replay()
    }
}
