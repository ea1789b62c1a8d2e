//! What the proxy agrees to forward: only requests for the API's operations,
//! in origin form (`POST /api/v2/bill/check`), addressed to the proxy
//! itself. Everything else is refused without reaching the upstream, so the
//! proxy can never be used to reach another host:
//! - `CONNECT` (a tunnel to anywhere) is answered 405;
//! - an absolute-form request (`POST http://other.example/… HTTP/1.1`, what
//!   a client sends to a forward proxy) is answered 400;
//! - on a loopback listener, a `Host` that is not a loopback name is
//!   answered 421 (a web page in the partner's browser cannot rebind a
//!   DNS name to the proxy and drive it);
//! - a path that is not an operation's (after the upstream's base path) is
//!   answered 404.

use std::net::IpAddr;

use axum::http::{HeaderMap, Method, Uri, header};

use ppob_core::contract::Operation;

/// Why a request is not forwarded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// A `CONNECT` request.
    Connect,
    /// An absolute-form request target naming a host.
    AbsoluteForm(String),
    /// A `Host` header naming another host than the loopback proxy.
    OtherHost(String),
    /// A path that is not one of the API's operations.
    NotAnOperation(String),
}

impl Refusal {
    /// The HTTP status it is answered with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Connect => 405,
            Self::AbsoluteForm(_) => 400,
            Self::OtherHost(_) => 421,
            Self::NotAnOperation(_) => 404,
        }
    }

    /// What the client is told (and the owner, as a notice).
    pub fn explain(&self) -> String {
        match self {
            Self::Connect => {
                "CONNECT refused: this proxy forwards the PPOB API's operations to its one upstream, it opens no tunnels".into()
            }
            Self::AbsoluteForm(target) => format!(
                "absolute-form request to {target} refused: point the application's base URL at this proxy, not its HTTP proxy setting"
            ),
            Self::OtherHost(host) => format!(
                "Host {host:?} refused: this proxy listens on loopback and answers loopback names only"
            ),
            Self::NotAnOperation(path) => format!(
                "path {path:?} is not forwarded: only {} (under the upstream's base path) are",
                Operation::ALL.map(|op| op.path()).join(", ")
            ),
        }
    }
}

/// Whether `host` (a `Host` header value, with or without port) is a loopback name.
pub fn is_loopback_host(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        // `[::1]:8080`, `127.0.0.1:8080`, `localhost:8080`; a bare `::1` has colons too.
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !name.ends_with(':') => {
            name
        }
        _ => host,
    };
    let bare = name.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The operation a request calls, or why it is refused. `loopback_only`:
/// the proxy listens on loopback, so the `Host` must be a loopback name.
pub fn admit(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    loopback_only: bool,
) -> Result<Operation, Refusal> {
    if method == Method::CONNECT {
        return Err(Refusal::Connect);
    }
    if let Some(authority) = uri.authority() {
        return Err(Refusal::AbsoluteForm(authority.host().to_owned()));
    }
    if loopback_only && let Some(host) = headers.get(header::HOST) {
        let host = String::from_utf8_lossy(host.as_bytes());
        if !is_loopback_host(&host) {
            let shown: String = host.chars().take(80).collect();
            return Err(Refusal::OtherHost(shown));
        }
    }
    let path = uri.path();
    Operation::ALL
        .into_iter()
        .find(|op| path.ends_with(op.path()))
        .ok_or_else(|| Refusal::NotAnOperation(path.chars().take(120).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_host(host: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        headers
    }

    #[test]
    fn operations_in_origin_form_to_a_loopback_name_pass() {
        for host in [
            "127.0.0.1:8081",
            "localhost:1",
            "[::1]:9",
            "LOCALHOST",
            "127.0.0.2",
        ] {
            let uri: Uri = "/api/v2/bill/payment".parse().unwrap();
            assert_eq!(
                admit(&Method::POST, &uri, &with_host(host), true),
                Ok(Operation::Payment),
                "{host}"
            );
        }
        let prefixed: Uri = "/ppob/api/v2/bill/status?x=1".parse().unwrap();
        assert_eq!(
            admit(&Method::POST, &prefixed, &HeaderMap::new(), true),
            Ok(Operation::Status)
        );
    }

    #[test]
    fn tunnels_other_hosts_and_other_paths_are_refused() {
        let connect: Uri = "evil.example:443".parse().unwrap();
        assert_eq!(
            admit(&Method::CONNECT, &connect, &HeaderMap::new(), true),
            Err(Refusal::Connect)
        );
        let absolute: Uri = "http://evil.example/api/v2/bill/check".parse().unwrap();
        let refused = admit(&Method::POST, &absolute, &HeaderMap::new(), false).unwrap_err();
        assert_eq!(refused, Refusal::AbsoluteForm("evil.example".into()));
        assert_eq!(refused.status(), 400);
        let path: Uri = "/api/v2/bill/check".parse().unwrap();
        for host in [
            "evil.example",
            "127.0.0.1.evil.example:80",
            "localhost.evil:1",
        ] {
            let refused = admit(&Method::POST, &path, &with_host(host), true).unwrap_err();
            assert_eq!(refused.status(), 421, "{host}");
        }
        assert!(admit(&Method::POST, &path, &with_host("evil.example"), false).is_ok());
        let other: Uri = "/admin".parse().unwrap();
        assert_eq!(
            admit(&Method::POST, &other, &HeaderMap::new(), true)
                .unwrap_err()
                .status(),
            404
        );
    }
}
