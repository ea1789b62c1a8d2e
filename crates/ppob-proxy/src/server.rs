//! The proxy's HTTP side: the shared loopback listener (connection cap,
//! header, body and idle timeouts: slow clients are bounded) serving one
//! handler that admits a request ([`crate::guard`]), reads its body under
//! the cap, has the [`Session`] judge it, forwards it to the [`Upstream`]
//! (unless `--enforce` refuses it) and answers with the upstream's answer,
//! byte for byte, plus the findings header.
//!
//! The forwarding runs in its own task: a client that hangs up does not cut
//! the exchange short, so what reached the upstream is always judged and
//! recorded (a payment the client gave up on is exactly the one that matters).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Extension, Request, State};
use axum::http::header::{CONNECTION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode};
use serde_json::json;

use ppob_core::contract::Operation;
use ppob_transport::auth::Credentials;
use ppob_transport::listener::{self, Connection, ServerLimits};
use ppob_transport::{TransportError, WireRequest, WireResponse};

use crate::callbacks::{self, Routes};
use crate::findings_header::HEADER_NAME;
use crate::guard;
use crate::session::{Pending, Session};
use crate::upstream::{self, Upstream};

/// What the handler needs.
pub(crate) struct App {
    pub(crate) session: Arc<Session>,
    pub(crate) upstream: Upstream,
    pub(crate) enforce: bool,
    pub(crate) findings_header: bool,
    pub(crate) max_body: usize,
    pub(crate) body_timeout: Duration,
    pub(crate) loopback_only: bool,
    /// `--callbacks`: how payments' `callbackUrls` are pointed at the receiver.
    pub(crate) callbacks: Option<CallbackRewrite>,
}

/// How payments' `callbackUrls` are pointed at the callback receiver.
#[derive(Clone)]
pub(crate) struct CallbackRewrite {
    pub(crate) routes: Arc<Routes>,
    /// The receiver's base URL.
    pub(crate) receiver: String,
    pub(crate) allow: Vec<String>,
    pub(crate) credentials: Credentials,
}

/// Serves `app` on `listener` until `stop`.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    limits: ServerLimits,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    let router = Router::new().fallback(handle).with_state(app);
    listener::serve(listener, router, limits, stop).await;
}

/// A JSON answer of the proxy's own (never an API envelope: a client must
/// not read it as the vendor's verdict on a payment).
fn own_answer(status: u16, body: serde_json::Value) -> Response<Body> {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn refused(status: u16, error: &str) -> Response<Body> {
    own_answer(
        status,
        json!({"error": error, "from": "ppob-contract proxy"}),
    )
}

async fn handle(
    State(app): State<Arc<App>>,
    Extension(connection): Extension<Arc<Connection>>,
    request: Request,
) -> Response<Body> {
    let _busy = connection.begin_request();
    let (parts, body) = request.into_parts();
    let operation = match guard::admit(&parts.method, &parts.uri, &parts.headers, app.loopback_only)
    {
        Ok(operation) => operation,
        Err(refusal) => {
            let explained = refusal.explain();
            app.session.notice(format!(
                "{} {}: {explained}",
                parts.method,
                parts.uri.path()
            ));
            return refused(refusal.status(), &explained);
        }
    };
    let read = tokio::time::timeout(app.body_timeout, axum::body::to_bytes(body, app.max_body));
    let body = match read.await {
        Ok(Ok(bytes)) => Vec::from(bytes),
        Ok(Err(_)) => {
            return refused(
                413,
                &format!(
                    "request body longer than {} bytes: not forwarded",
                    app.max_body
                ),
            );
        }
        Err(_) => {
            let mut response = refused(
                408,
                "the request body did not arrive in time: not forwarded",
            );
            response
                .headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
            return response;
        }
    };
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned());
    let wire = WireRequest {
        operation,
        method: parts.method.as_str().to_owned(),
        path: path_and_query.clone(),
        headers: parts
            .headers
            .iter()
            .filter(|(name, _)| upstream::forwarded(name, &parts.headers))
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.clone(),
        payload: serde_json::Value::Null,
    };
    // Judged and forwarded in a task of its own: see the module doc.
    let task = tokio::spawn(exchange(
        app,
        parts.method,
        path_and_query,
        parts.headers,
        body,
        wire,
    ));
    task.await
        .unwrap_or_else(|_| refused(500, "the proxy failed on this request"))
}

async fn exchange(
    app: Arc<App>,
    method: axum::http::Method,
    path_and_query: String,
    headers: HeaderMap,
    body: Vec<u8>,
    wire: WireRequest,
) -> Response<Body> {
    let session = app.session.clone();
    let mut pending = session.request(wire);
    if app.enforce && pending.breaks_contract() {
        return enforce_refusal(&app, pending);
    }
    let (headers, body) = match &app.callbacks {
        Some(rewrite) if pending.operation() == Operation::Payment => {
            let out = callbacks::rewrite(
                headers,
                body,
                &rewrite.credentials,
                &rewrite.routes,
                &rewrite.receiver,
                &rewrite.allow,
            );
            for notice in out.notices {
                session.notice(notice);
            }
            if out.rewritten {
                pending.expect_callback();
            }
            (out.headers, out.body)
        }
        _ => (headers, body),
    };
    let (answer, elapsed) = app
        .upstream
        .forward(method, &path_and_query, &headers, body)
        .await;
    let (wire_answer, response_headers) = match answer {
        Ok(answer) => {
            let headers = answer.headers.clone();
            let wire = WireResponse {
                status: answer.status,
                headers: answer
                    .headers
                    .iter()
                    .map(|(n, v)| {
                        (
                            n.as_str().to_owned(),
                            String::from_utf8_lossy(v.as_bytes()).into_owned(),
                        )
                    })
                    .collect(),
                body: answer.body,
            };
            (Ok(wire), Some(headers))
        }
        Err(e) => (Err(e), None),
    };
    let shown = wire_answer.clone();
    let header = session.answer(pending, wire_answer, elapsed);
    let mut response = match (shown, response_headers) {
        (Ok(answer), Some(headers)) => {
            let mut response = Response::new(Body::from(answer.body));
            *response.status_mut() =
                StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
            for (name, value) in &headers {
                if upstream::forwarded(name, &headers) {
                    response.headers_mut().append(name.clone(), value.clone());
                }
            }
            response
        }
        (Err(error), _) => gateway_error(&error),
        (Ok(_), None) => refused(502, "no answer"),
    };
    if app.findings_header
        && let Ok(value) = HeaderValue::from_str(&header)
    {
        response
            .headers_mut()
            .insert(HeaderName::from_static(HEADER_NAME), value);
    }
    response
}

/// Why the upstream gave no answer, as the proxy's own 502/504.
fn gateway_error(error: &TransportError) -> Response<Body> {
    let status = match error {
        TransportError::Timeout(_) | TransportError::ConnectTimeout(_) => 504,
        _ => 502,
    };
    refused(
        status,
        &format!(
            "the upstream gave no complete answer: {error} (the money rule: a payment's outcome is unknown, ask status)"
        ),
    )
}

/// `--enforce`: the request breaks the contract; answered 400 naming its
/// findings, never forwarded.
fn enforce_refusal(app: &App, pending: Pending) -> Response<Body> {
    let findings: Vec<serde_json::Value> = pending
        .report()
        .findings
        .iter()
        .filter(|f| f.severity == ppob_core::contract::Severity::Error)
        .map(|f| {
            json!({
                "rule": f.rule,
                "side": "request",
                "pointer": f.pointer,
                "message": f.message,
            })
        })
        .collect();
    let header = crate::findings_header::value(pending.report(), None);
    let body = json!({
        "error": "the request breaks the contract and was not forwarded (ppob-contract proxy --enforce)",
        "from": "ppob-contract proxy",
        "findings": findings,
    });
    let text = app
        .session
        .redactor()
        .redact(&body.to_string())
        .into_owned();
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = StatusCode::BAD_REQUEST;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if app.findings_header
        && let Ok(value) = HeaderValue::from_str(&header)
    {
        response
            .headers_mut()
            .insert(HeaderName::from_static(HEADER_NAME), value);
    }
    app.session.refused(pending);
    response
}
