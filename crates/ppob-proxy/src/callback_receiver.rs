//! The receiver behind `--callbacks`: the upstream POSTs a payment's
//! callback to `/ppob-proxy-callback/N`; the receiver forwards the body
//! unchanged to the partner URL `N` stands for ([`Routes`]), has the
//! [`Session`] judge the callback and the partner's answer, and answers the
//! upstream with the partner's answer (so the vendor retries exactly when it
//! would without the proxy). It serves on the shared listener with the
//! proxy's connection limits; bodies are capped both ways and the partner
//! has the upstream's deadline.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Extension, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, Method, Response, StatusCode};
use reqwest::Url;
use serde_json::json;

use ppob_transport::listener::{self, Connection, ServerLimits};

use crate::callbacks::{Routes, route_of};
use crate::session::{Delivery, Session};
use crate::upstream::{Upstream, UpstreamLimits, forwarded};

/// What the receiver needs.
pub(crate) struct CallbackApp {
    pub(crate) session: Arc<Session>,
    pub(crate) routes: Arc<Routes>,
    pub(crate) limits: UpstreamLimits,
    pub(crate) body_timeout: Duration,
}

/// Serves `app` on `listener` until `stop`.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    app: Arc<CallbackApp>,
    limits: ServerLimits,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    let router = Router::new().fallback(receive).with_state(app);
    listener::serve(listener, router, limits, stop).await;
}

fn own(status: StatusCode, error: &str) -> Response<Body> {
    let body = json!({"error": error, "from": "ppob-contract proxy"}).to_string();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// The partner URL split into the base the forwarding client is made for and the path.
fn split(url: &str) -> Option<(Url, String)> {
    let parsed = Url::parse(url).ok()?;
    let mut origin = parsed.clone();
    origin.set_path("");
    origin.set_query(None);
    origin.set_fragment(None);
    let path = match parsed.query() {
        Some(query) => format!("{}?{query}", parsed.path()),
        None => parsed.path().to_owned(),
    };
    Some((origin, path))
}

async fn receive(
    State(app): State<Arc<CallbackApp>>,
    Extension(connection): Extension<Arc<Connection>>,
    request: Request,
) -> Response<Body> {
    let _busy = connection.begin_request();
    let (parts, body) = request.into_parts();
    if parts.method != Method::POST {
        return own(StatusCode::METHOD_NOT_ALLOWED, "callbacks are POSTed");
    }
    let Some(url) = route_of(parts.uri.path()).and_then(|id| app.routes.url(id)) else {
        app.session.notice(format!(
            "callback to {} refused: no payment named it",
            parts.uri.path()
        ));
        return own(StatusCode::NOT_FOUND, "no payment named this callback URL");
    };
    let max_body = usize::try_from(app.limits.max_body).unwrap_or(usize::MAX);
    let read = tokio::time::timeout(app.body_timeout, axum::body::to_bytes(body, max_body));
    let body = match read.await {
        Ok(Ok(bytes)) => Vec::from(bytes),
        Ok(Err(_)) => return own(StatusCode::PAYLOAD_TOO_LARGE, "callback body too large"),
        Err(_) => {
            return own(
                StatusCode::REQUEST_TIMEOUT,
                "the callback body did not arrive in time",
            );
        }
    };
    let Some((origin, path)) = split(&url) else {
        return own(
            StatusCode::BAD_GATEWAY,
            "the partner's callback URL is not a URL",
        );
    };
    let sent = match Upstream::new(origin, app.limits) {
        Ok(partner) => {
            partner
                .forward(Method::POST, &path, &parts.headers, body.clone())
                .await
        }
        Err(e) => (
            Err(ppob_transport::TransportError::Other(e)),
            Duration::ZERO,
        ),
    };
    let (answer, elapsed) = sent;
    app.session.callback(
        &body,
        &Delivery {
            url: url.clone(),
            answer: answer
                .as_ref()
                .map(|a| a.status)
                .map_err(ToString::to_string),
            elapsed,
        },
    );
    match answer {
        Ok(answer) => {
            let mut response = Response::new(Body::from(answer.body));
            *response.status_mut() =
                StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
            for (name, value) in &answer.headers {
                if forwarded(name, &answer.headers) {
                    response.headers_mut().append(name.clone(), value.clone());
                }
            }
            response
        }
        Err(e) => own(
            StatusCode::BAD_GATEWAY,
            &format!("the partner's callback URL gave no answer: {e}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partner_url_splits_into_its_origin_and_its_path_with_the_query() {
        let (origin, path) = split("http://127.0.0.1:9/hooks/cb?x=1").unwrap();
        assert_eq!(origin.as_str(), "http://127.0.0.1:9/");
        assert_eq!(path, "/hooks/cb?x=1");
        assert!(split("not a url").is_none());
    }
}
