//! Forwarding to the one configured upstream: the partner's request as it
//! came (method, path and query under the upstream's base path, every
//! header but the hop-by-hop ones and `Host`, the body byte for byte), and
//! its answer back with a capped body within one deadline.
//!
//! The client follows no redirect, uses no system proxy and never retries
//! (a retried payment could pay twice). A hostile upstream is treated as
//! `check` treats one: an answer longer than the cap, or slower than the
//! timeout, is a [`TransportError`] (the money rule reads it as
//! processing), never unbounded memory or a hang.

use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderName, Method};
use reqwest::Url;

use ppob_transport::TransportError;

/// Headers that describe one connection, never forwarded (RFC 9110 §7.6.1),
/// and `Host` and `Content-Length`, which the client sets for the upstream.
pub const NOT_FORWARDED: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
];

/// Whether a header is forwarded (also those the `Connection` header names).
pub fn forwarded(name: &HeaderName, headers: &HeaderMap) -> bool {
    let name = name.as_str();
    if NOT_FORWARDED.contains(&name) {
        return false;
    }
    !headers.get_all("connection").iter().any(|v| {
        v.to_str()
            .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(name)))
    })
}

/// The upstream's answer.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Its headers, as received.
    pub headers: HeaderMap,
    /// Its body (at most the cap).
    pub body: Vec<u8>,
}

/// The one upstream and how it is reached.
#[derive(Debug, Clone)]
pub struct Upstream {
    client: reqwest::Client,
    base: Url,
    /// The upstream URLs of the three operations' paths, parsed once (a
    /// request without a query, i.e. nearly every one, does not parse its URL again).
    operations: Vec<(&'static str, Url)>,
    timeout: Duration,
    max_body: u64,
}

/// How the upstream is reached.
#[derive(Debug, Clone, Copy)]
pub struct UpstreamLimits {
    /// To open a connection.
    pub connect_timeout: Duration,
    /// From forwarding a request to the last byte of its answer.
    pub timeout: Duration,
    /// The longest answer body read.
    pub max_body: u64,
}

impl Upstream {
    /// A client for `base` (checked as `check --target` checks a base URL).
    pub fn new(base: Url, limits: UpstreamLimits) -> Result<Self, String> {
        ppob_transport::http::install_crypto_provider();
        let client = reqwest::Client::builder()
            .connect_timeout(limits.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never())
            .no_proxy()
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_nodelay(true)
            .build()
            .map_err(|e| e.to_string())?;
        let mut upstream = Self {
            client,
            base,
            operations: Vec::new(),
            timeout: limits.timeout,
            max_body: limits.max_body,
        };
        for operation in ppob_core::contract::Operation::ALL {
            let path = operation.path();
            if let Ok(url) = Url::parse(&upstream.url_for(path)) {
                upstream.operations.push((path, url));
            }
        }
        Ok(upstream)
    }

    /// The base URL, as shown in reports (no credentials: refused at parse).
    pub fn base(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// The upstream URL of a request's path and query.
    pub fn url_for(&self, path_and_query: &str) -> String {
        let prefix = self.base();
        if path_and_query.starts_with('/') {
            format!("{prefix}{path_and_query}")
        } else {
            format!("{prefix}/{path_and_query}")
        }
    }

    /// Forwards one request; the error says why no complete answer came.
    pub async fn forward(
        &self,
        method: Method,
        path_and_query: &str,
        headers: &HeaderMap,
        body: Vec<u8>,
    ) -> (Result<Answer, TransportError>, Duration) {
        let started = Instant::now();
        let sent = tokio::time::timeout(
            self.timeout,
            self.exchange(method, path_and_query, headers, body),
        )
        .await;
        let result = match sent {
            Ok(result) => result,
            Err(_) => Err(TransportError::Timeout(self.timeout)),
        };
        (result, started.elapsed())
    }

    async fn exchange(
        &self,
        method: Method,
        path_and_query: &str,
        headers: &HeaderMap,
        body: Vec<u8>,
    ) -> Result<Answer, TransportError> {
        let mut forwarded_headers = HeaderMap::with_capacity(headers.len());
        for (name, value) in headers {
            if forwarded(name, headers) {
                forwarded_headers.append(name.clone(), value.clone());
            }
        }
        let url = match self
            .operations
            .iter()
            .find(|(path, _)| *path == path_and_query)
        {
            Some((_, url)) => url.clone(),
            None => Url::parse(&self.url_for(path_and_query))
                .map_err(|e| TransportError::Other(format!("the upstream URL: {e}")))?,
        };
        let request = self
            .client
            .request(method, url)
            .headers(forwarded_headers)
            .body(body);
        let mut response = request.send().await.map_err(|e| classify(&e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        if response
            .content_length()
            .is_some_and(|length| length > self.max_body)
        {
            return Err(TransportError::BodyTooLarge {
                limit: self.max_body,
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e))? {
            if (body.len() + chunk.len()) as u64 > self.max_body {
                return Err(TransportError::BodyTooLarge {
                    limit: self.max_body,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status,
            headers,
            body,
        })
    }
}

/// A reqwest error as a [`TransportError`], without the URL.
fn classify(error: &reqwest::Error) -> TransportError {
    let text = error_chain(error);
    if error.is_timeout() {
        TransportError::Other(format!("timed out: {text}"))
    } else if error.is_connect() {
        if text.contains("refused") {
            TransportError::Refused(text)
        } else {
            TransportError::Connect(text)
        }
    } else if error.is_body() || error.is_decode() {
        TransportError::Closed(text)
    } else {
        TransportError::Other(text)
    }
}

/// The error and its sources in one line, without the URL.
fn error_chain(error: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = error.to_string();
    if let Some(url) = error.url() {
        text = text
            .replace(&format!(" ({url})"), "")
            .replace(url.as_str(), "");
    }
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn hop_by_hop_headers_and_those_connection_names_stay_behind() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "connection",
            HeaderValue::from_static("keep-alive, X-Secret-Hop"),
        );
        headers.insert("x-secret-hop", HeaderValue::from_static("1"));
        headers.insert(
            "accept",
            HeaderValue::from_static("application/vnd.partner+json"),
        );
        headers.insert("token", HeaderValue::from_static("t"));
        headers.insert("host", HeaderValue::from_static("127.0.0.1:1"));
        let kept: Vec<&str> = headers
            .keys()
            .filter(|n| forwarded(n, &headers))
            .map(HeaderName::as_str)
            .collect();
        assert_eq!(kept, ["accept", "token"]);
    }

    #[test]
    fn paths_go_under_the_upstreams_base_path() {
        let limits = UpstreamLimits {
            connect_timeout: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
            max_body: 10,
        };
        let up =
            Upstream::new(Url::parse("https://sandbox.example/ppob/").unwrap(), limits).unwrap();
        assert_eq!(
            up.url_for("/api/v2/bill/check?x=1"),
            "https://sandbox.example/ppob/api/v2/bill/check?x=1"
        );
        assert_eq!(up.base(), "https://sandbox.example/ppob");
        let parsed: Vec<&str> = up.operations.iter().map(|(_, u)| u.as_str()).collect();
        assert_eq!(
            parsed,
            [
                "https://sandbox.example/ppob/api/v2/bill/check",
                "https://sandbox.example/ppob/api/v2/bill/payment",
                "https://sandbox.example/ppob/api/v2/bill/status",
            ]
        );
    }
}
