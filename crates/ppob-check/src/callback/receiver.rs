//! The HTTP receiver behind `check --callback-listen`: answers every POST
//! (any path) HTTP 200 and puts its body in the [`Inbox`]. It runs on its
//! own tokio runtime in a background thread, with the simulator's connection
//! limits (header and body timeouts, idle timeout, a connection cap), so a
//! slow or flooding sender cannot hold the run. Bodies above
//! [`MAX_CALLBACK_BODY`] are answered 413 and not kept.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::extract::{Extension, Request, State};
use axum::http::{Method, Response, StatusCode, header};
use tokio::sync::watch;

use super::inbox::{Inbox, Received};
use ppob_transport::listener::{self, Connection, RunningServer, ServerLimits};

/// The largest callback body kept (a status answer is a few KiB).
pub const MAX_CALLBACK_BODY: usize = 1024 * 1024;

struct App {
    inbox: Arc<Inbox>,
    body_timeout: Duration,
}

/// A running receiver; stops when dropped.
#[derive(Debug)]
pub struct Receiver {
    server: RunningServer,
}

impl Receiver {
    /// Binds `addr` (port 0 picks a free port) and serves in the background.
    pub fn start(addr: SocketAddr, inbox: Arc<Inbox>) -> io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (listener, local) = listener::bind(&runtime, addr)?;
        let limits = ServerLimits::default();
        let app = Arc::new(App {
            inbox,
            body_timeout: limits.header_timeout,
        });
        let (tx, rx) = watch::channel(false);
        let thread = std::thread::Builder::new()
            .name("ppob-callbacks".into())
            .spawn(move || {
                let router = Router::new().fallback(receive).with_state(app);
                runtime.block_on(listener::serve(listener, router, limits, rx));
                runtime.shutdown_timeout(Duration::from_millis(100));
            })?;
        Ok(Self {
            server: RunningServer::new(local, tx, thread),
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

async fn receive(
    State(app): State<Arc<App>>,
    Extension(connection): Extension<Arc<Connection>>,
    request: Request,
) -> Response<Body> {
    let _busy = connection.begin_request();
    let (parts, body) = request.into_parts();
    if parts.method != Method::POST {
        let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "callbacks are POSTed\n");
        response
            .headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
        return response;
    }
    let read = tokio::time::timeout(
        app.body_timeout,
        axum::body::to_bytes(body, MAX_CALLBACK_BODY),
    );
    let body = match read.await {
        Ok(Ok(bytes)) => Vec::from(bytes),
        Ok(Err(_)) => {
            return plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                "callback body too large (at most 1 MiB)\n",
            );
        }
        Err(_) => {
            return plain(
                StatusCode::REQUEST_TIMEOUT,
                "the callback body did not arrive in time\n",
            );
        }
    };
    let kept = app.inbox.deliver(Received {
        path: parts.uri.path().to_owned(),
        body,
        at: SystemTime::now(),
    });
    if kept {
        plain(StatusCode::OK, "OK\n")
    } else {
        plain(StatusCode::SERVICE_UNAVAILABLE, "too many callbacks held\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> reqwest::blocking::Client {
        ppob_transport::http::install_crypto_provider();
        reqwest::blocking::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap()
    }

    #[test]
    fn a_post_is_answered_200_and_kept_other_methods_and_huge_bodies_are_refused() {
        let inbox = Arc::new(Inbox::new());
        let receiver = Receiver::start(SocketAddr::from(([127, 0, 0, 1], 0)), inbox.clone())
            .expect("binds loopback");
        let url = format!("http://{}/cb/x", receiver.local_addr());
        let body = r#"{"responseCode":0,"data":{"refNumber":"R1"}}"#;
        let answer = client().post(&url).body(body).send().unwrap();
        assert_eq!(answer.status(), 200);
        let got = inbox.take("R1");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].path, "/cb/x");
        assert_eq!(got[0].body, body.as_bytes());

        assert_eq!(client().get(&url).send().unwrap().status(), 405);
        let huge = vec![b' '; MAX_CALLBACK_BODY + 1];
        assert_eq!(client().post(&url).body(huge).send().unwrap().status(), 413);
        assert!(inbox.leftovers().is_empty(), "neither was kept");
        drop(receiver);
        assert!(
            client().post(&url).body(body).send().is_err(),
            "stopped on drop"
        );
    }
}
