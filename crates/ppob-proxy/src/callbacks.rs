//! `--callbacks`: callbacks through the proxy. A payment's `callbackUrls`
//! are rewritten to the proxy's own receiver ([`crate::callback_receiver`]),
//! which judges each callback the upstream sends, forwards it — body
//! unchanged — to the URL the partner named, and judges the partner's
//! answer (it must be HTTP 200: `proxy.callback-refused`).
//!
//! Safe by construction: only a callback URL on loopback, or on a host
//! `--callback-allow` names, is ever rewritten, so the proxy only ever
//! calls those; any other URL is left in the payment as it was (the
//! upstream calls it directly, unjudged) and said so. Rewriting changes the
//! TOKEN, so it needs the partner's secret, and happens only when the
//! partner's TOKEN verifies with it: a request the vendor would refuse is
//! never turned into one it accepts.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue};
use reqwest::Url;
use serde_json::Value;

use ppob_transport::auth::{Credentials, TOKEN_HEADER, sign_token, verify_token};
use ppob_transport::redact::redact_url;

/// The partner's callback URL answered other than HTTP 200, or not at all.
pub const CALLBACK_REFUSED: &str = "proxy.callback-refused";

/// The path under which the receiver takes callbacks: `/ppob-proxy-callback/N`.
pub const RECEIVER_PATH: &str = "/ppob-proxy-callback/";

/// Partner callback URLs remembered at most; beyond, payments keep theirs.
pub const MAX_ROUTES: usize = 10_000;

/// Default of [`CallbackConfig::wait`].
pub const DEFAULT_WAIT: Duration = Duration::from_secs(30);

/// How callbacks go through the proxy.
#[derive(Debug, Clone)]
pub struct CallbackConfig {
    /// Where the receiver listens (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// The base URL the upstream is told to call, when it cannot reach
    /// [`CallbackConfig::listen`] as bound (e.g. a tunnel); default
    /// `http://` + the bound address.
    pub public_url: Option<String>,
    /// Hosts (`host` or `host:port`) besides loopback the proxy may forward callbacks to.
    pub allow: Vec<String>,
    /// How long after a payment's final answer its callback may take
    /// before `callback.missing` (reported when the session ends).
    pub wait: Duration,
}

impl Default for CallbackConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            public_url: None,
            allow: Vec::new(),
            wait: DEFAULT_WAIT,
        }
    }
}

/// Whether the proxy may call `url`: `http`/`https` on a loopback host, or
/// on a host `allow` names (`host` or `host:port`, case-insensitive).
pub fn destination(url: &str, allow: &[String]) -> Result<Url, String> {
    let parsed = Url::parse(url).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("scheme {:?} is not http or https", parsed.scheme()));
    }
    let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = bare == "localhost" || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if loopback {
        return Ok(parsed);
    }
    let with_port = parsed
        .port_or_known_default()
        .map(|port| format!("{host}:{port}"));
    let allowed = allow.iter().any(|a| {
        let a = a.trim().to_ascii_lowercase();
        a == host || Some(&a) == with_port.as_ref()
    });
    if allowed {
        Ok(parsed)
    } else {
        Err("neither loopback nor named by --callback-allow".into())
    }
}

/// The partner URLs payments named, each with the receiver path that stands for it.
#[derive(Debug, Default)]
pub struct Routes {
    inner: Mutex<RouteTable>,
}

#[derive(Debug, Default)]
struct RouteTable {
    urls: Vec<String>,
    ids: HashMap<String, usize>,
}

impl Routes {
    /// The number standing for `url` (the same for the same URL), or `None`
    /// past [`MAX_ROUTES`].
    pub fn add(&self, url: &str) -> Option<usize> {
        let mut table = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(id) = table.ids.get(url) {
            return Some(*id);
        }
        if table.urls.len() >= MAX_ROUTES {
            return None;
        }
        let id = table.urls.len();
        table.urls.push(url.to_owned());
        table.ids.insert(url.to_owned(), id);
        Some(id)
    }

    /// The partner URL number `id` stands for.
    pub fn url(&self, id: usize) -> Option<String> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .urls
            .get(id)
            .cloned()
    }
}

/// The receiver's number in a request path (`/ppob-proxy-callback/N`).
pub fn route_of(path: &str) -> Option<usize> {
    path.strip_prefix(RECEIVER_PATH)?.parse().ok()
}

/// A payment with its `callbackUrls` pointed at the receiver.
#[derive(Debug)]
pub struct Rewritten {
    /// The headers to forward (TOKEN signed again).
    pub headers: HeaderMap,
    /// The body to forward (its `callbackUrls` rewritten too, when it has them).
    pub body: Vec<u8>,
    /// Whether any URL was rewritten: a callback is due through the proxy.
    pub rewritten: bool,
    /// What the partner should know (URLs left alone and why), redacted by the caller.
    pub notices: Vec<String>,
}

/// Points the payment's loopback or allowed `callbackUrls` at `receiver`
/// (`http://127.0.0.1:PORT`), signing the TOKEN again with `credentials`;
/// anything else is forwarded as it came.
pub fn rewrite(
    headers: HeaderMap,
    body: Vec<u8>,
    credentials: &Credentials,
    routes: &Routes,
    receiver: &str,
    allow: &[String],
) -> Rewritten {
    let unchanged = |headers, body, notices| Rewritten {
        headers,
        body,
        rewritten: false,
        notices,
    };
    let Some(token) = headers
        .get(TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
    else {
        return unchanged(headers, body, Vec::new());
    };
    let Ok(mut payload) = verify_token(token, credentials.secret()) else {
        return unchanged(
            headers,
            body,
            vec!["payment TOKEN does not verify with the partner's secret: its callbackUrls are left as sent".into()],
        );
    };
    let mut notices = Vec::new();
    let mut changed = false;
    let Some(urls) = payload
        .get_mut("callbackUrls")
        .and_then(Value::as_array_mut)
    else {
        return unchanged(headers, body, notices);
    };
    for slot in urls.iter_mut() {
        let Some(url) = slot.as_str() else { continue };
        match destination(url, allow) {
            Ok(_) => match routes.add(url) {
                Some(id) => {
                    *slot = Value::String(format!(
                        "{}{RECEIVER_PATH}{id}",
                        receiver.trim_end_matches('/')
                    ));
                    changed = true;
                }
                None => notices.push(format!(
                    "callback URL {} left as sent: {MAX_ROUTES} callback URLs are remembered already",
                    redact_url(url)
                )),
            },
            Err(why) => notices.push(format!(
                "callback URL {} left as sent ({why}): the upstream calls it directly, unjudged",
                redact_url(url)
            )),
        }
    }
    if !changed {
        return unchanged(headers, body, notices);
    }
    let Ok(token) = sign_token(&payload, credentials.secret()) else {
        return unchanged(headers, body, notices);
    };
    let Ok(value) = HeaderValue::from_str(&token) else {
        return unchanged(headers, body, notices);
    };
    let body = rewrite_body(body, &payload);
    let mut headers = headers;
    headers.insert(TOKEN_HEADER, value);
    Rewritten {
        headers,
        body,
        rewritten: true,
        notices,
    }
}

/// A JSON body naming `callbackUrls` gets the TOKEN's new ones (the vendor
/// checks the body agrees with the TOKEN); any other body is kept.
fn rewrite_body(body: Vec<u8>, payload: &Value) -> Vec<u8> {
    let Ok(Value::Object(mut fields)) = serde_json::from_slice::<Value>(&body) else {
        return body;
    };
    if !fields.contains_key("callbackUrls") {
        return body;
    }
    if let Some(urls) = payload.get("callbackUrls") {
        fields.insert("callbackUrls".into(), urls.clone());
    }
    serde_json::to_vec(&Value::Object(fields)).unwrap_or(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_loopback_and_allowed_hosts_are_destinations() {
        for ok in [
            "http://127.0.0.1:9/cb",
            "http://localhost/cb",
            "https://[::1]:8443/x",
        ] {
            assert!(destination(ok, &[]).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com/cb",
            "http://10.0.0.1/cb",
            "http://localhost.evil.com/",
            "ftp://127.0.0.1/cb",
            "not a url",
        ] {
            assert!(destination(bad, &[]).is_err(), "{bad}");
        }
        let allow = vec![
            "Partner.Example:8443".to_owned(),
            "other.example".to_owned(),
        ];
        assert!(destination("https://partner.example:8443/cb", &allow).is_ok());
        assert!(destination("https://partner.example/cb", &allow).is_err());
        assert!(destination("http://other.example:1/cb", &allow).is_ok());
    }

    #[test]
    fn a_verified_payment_gets_the_receiver_and_a_new_token() {
        let credentials = Credentials::simulator_demo();
        let payload = json!({"refNumber": "R1", "callbackUrls": ["http://127.0.0.1:9/cb", "http://example.com/cb"]});
        let mut headers = HeaderMap::new();
        let token = sign_token(&payload, credentials.secret()).unwrap();
        headers.insert(TOKEN_HEADER, HeaderValue::from_str(&token).unwrap());
        let body = serde_json::to_vec(&payload).unwrap();
        let routes = Routes::default();
        let out = rewrite(
            headers,
            body,
            &credentials,
            &routes,
            "http://127.0.0.1:5000",
            &[],
        );
        assert!(out.rewritten);
        let token = out.headers.get(TOKEN_HEADER).unwrap().to_str().unwrap();
        let signed = verify_token(token, credentials.secret()).unwrap();
        let expected = json!([
            "http://127.0.0.1:5000/ppob-proxy-callback/0",
            "http://example.com/cb"
        ]);
        assert_eq!(signed["callbackUrls"], expected);
        let body: Value = serde_json::from_slice(&out.body).unwrap();
        assert_eq!(
            body["callbackUrls"], expected,
            "the body agrees with the TOKEN"
        );
        assert_eq!(out.notices.len(), 1, "example.com is left alone");
        assert_eq!(routes.url(0).as_deref(), Some("http://127.0.0.1:9/cb"));
        assert_eq!(route_of("/ppob-proxy-callback/0"), Some(0));
    }

    #[test]
    fn a_token_signed_otherwise_is_never_signed_again() {
        let credentials = Credentials::simulator_demo();
        let payload = json!({"callbackUrls": ["http://127.0.0.1:9/cb"]});
        let mut headers = HeaderMap::new();
        let token = sign_token(&payload, "another secret").unwrap();
        headers.insert(TOKEN_HEADER, HeaderValue::from_str(&token).unwrap());
        let out = rewrite(
            headers,
            Vec::new(),
            &credentials,
            &Routes::default(),
            "http://127.0.0.1:5000",
            &[],
        );
        assert!(!out.rewritten);
        assert_eq!(
            out.headers.get(TOKEN_HEADER).unwrap().to_str().unwrap(),
            token
        );
    }
}
