//! A scripted PPOB server on 127.0.0.1:0 for `check --target`: a closure
//! decides every answer (any status, any bytes, or no answer at all),
//! and the server keeps the fields of every request it received.
//!
//! Bounded: each connection thread gives up after [`HANG_LIMIT`], and
//! dropping the server stops its accept loop.

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

/// The longest a hanging answer keeps its connection open.
pub const HANG_LIMIT: Duration = Duration::from_secs(20);

/// One request as the server read it.
#[derive(Debug, Clone)]
pub struct Request {
    /// The last path segment: `check`, `payment` or `status`.
    pub operation: String,
    /// The signed fields (TOKEN payload).
    pub fields: Value,
}

/// What the server does with a request.
pub enum Reply {
    /// Answer with this HTTP status and body (`Content-Type: application/json`).
    Answer(u16, Vec<u8>),
    /// Answer with this HTTP status, `Content-Type` and body.
    Typed(u16, &'static str, Vec<u8>),
    /// Never answer (the connection stays open until the client gives up).
    Hang,
}

impl Reply {
    /// An answer with a JSON value as its body.
    pub fn json(status: u16, body: &Value) -> Self {
        Self::Answer(status, body.to_string().into_bytes())
    }
}

type Script = dyn Fn(&Request) -> Reply + Send + Sync;

/// The running server; stopped on drop.
pub struct ScriptedServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<Request>>>,
    accept: Option<JoinHandle<()>>,
}

impl ScriptedServer {
    /// Starts a server answering as `script` says.
    pub fn start(script: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local address");
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script: Arc<Script> = Arc::new(script);
        let accept = {
            let (stop, seen) = (stop.clone(), seen.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (stop, seen, script) = (stop.clone(), seen.clone(), script.clone());
                    std::thread::spawn(move || serve(stream, &stop, &seen, script.as_ref()));
                }
            })
        };
        Self {
            addr,
            stop,
            seen,
            accept: Some(accept),
        }
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The operations received so far, in order.
    pub fn operations(&self) -> Vec<String> {
        let seen = self.seen.lock().expect("lock");
        seen.iter().map(|r| r.operation.clone()).collect()
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

fn serve(mut stream: TcpStream, stop: &AtomicBool, seen: &Mutex<Vec<Request>>, script: &Script) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let Some(request) = read_request(&mut stream) else {
        return;
    };
    let reply = script(&request);
    seen.lock().expect("lock").push(request);
    let (status, content_type, body) = match reply {
        Reply::Answer(status, body) => (status, "application/json", body),
        Reply::Typed(status, content_type, body) => (status, content_type, body),
        Reply::Hang => {
            let started = Instant::now();
            while !stop.load(Ordering::SeqCst) && started.elapsed() < HANG_LIMIT {
                std::thread::sleep(Duration::from_millis(20));
            }
            return;
        }
    };
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

/// Reads one request ([`crate::hostile::read_request`]) and its TOKEN payload.
fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let (head, _) = crate::hostile::read_request(stream)?;
    let token = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("token")
            .then(|| value.trim().to_owned())
    });
    let path = head.split_whitespace().nth(1).unwrap_or("");
    let operation = path.rsplit('/').next().unwrap_or("").to_owned();
    let fields = token
        .and_then(|token| {
            let payload = token.split('.').nth(1)?.to_owned();
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .ok()
        })
        .and_then(|json| serde_json::from_slice(&json).ok())
        .unwrap_or(Value::Null);
    Some(Request { operation, fields })
}

/// The seed's documented answer of `name` (e.g. `inquiry.response`).
fn seed(name: &str) -> Value {
    let path = crate::support::fixtures().join(format!("{name}.json"));
    serde_json::from_slice(&std::fs::read(path).expect("seed fixture")).expect("seed JSON")
}

/// A clean inquiry answer (300) for `account`, asking `amount`.
pub fn inquiry_ok(account: &str, amount: i64) -> Value {
    let mut answer = seed("inquiry.response");
    answer["data"]["accountNumber"] = account.into();
    answer["data"]["amount"] = amount.into();
    answer["data"]["billDetails"][0]["value"] = amount.into();
    answer
}

/// A clean status answer: success (0) for the request's refNumber, with the
/// seed inquiry's account and amount.
pub fn status_success(request: &Request) -> Value {
    let mut answer = seed("status.response");
    answer["data"]["refNumber"] = request.fields["refNumber"].clone();
    answer["data"]["amount"] = 3607.into();
    answer
}

/// The seed's processing payment answer (299), made to echo the request.
pub fn payment_processing(request: &Request) -> Value {
    let mut answer = seed("payment.response");
    answer["data"]["refNumber"] = request.fields["refNumber"].clone();
    answer["data"]["amount"] = 3607.into();
    answer["data"]["transactionId"] = 135_268_223.into();
    answer
}

/// An envelope with `code`, `success` and empty data.
pub fn envelope(code: i64, success: bool) -> Value {
    json!({"responseCode": code, "success": success,
           "message": {"ID": "x", "EN": "x"}, "data": {}})
}

/// A script: a clean inquiry for the seed account, `payment` for the
/// payment, a clean success for status.
pub fn script(
    payment: impl Fn(&Request) -> Reply + Send + Sync + 'static,
) -> impl Fn(&Request) -> Reply + Send + Sync + 'static {
    move |request| match request.operation.as_str() {
        "check" => Reply::json(200, &inquiry_ok("0811111111", 3607)),
        "payment" => payment(request),
        _ => Reply::json(200, &status_success(request)),
    }
}
