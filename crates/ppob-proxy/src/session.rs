//! A proxy session: every exchange judged and joined into its conversation,
//! told to the owner's [`Sink`] as it completes, and kept (bounded) for the
//! session's HAR.
//!
//! [`Session::request`] judges a request before it is forwarded (its
//! headers, its fields as its document kind, the cross-step rules on it);
//! [`Session::answer`] judges the answer and hands both documents to the
//! sink together, so a report never splits an exchange. Every byte handed
//! out is redacted: the configured credentials, the `KEY` values seen and
//! anything shaped like a JWT.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use ppob_check::flow::callbacks as callback_rules;
use ppob_core::contract::{DocumentReport, Severity};
use ppob_core::rules::RuleFinding;
use ppob_report::Judged;
use ppob_transport::auth::{Credentials, KEY_HEADER};
use ppob_transport::redact::{Redactor, redact_url};
use ppob_transport::{Exchange, TransportError, WireRequest, WireResponse};
use ppob_validate::Engine;

use crate::callbacks::CALLBACK_REFUSED;
use crate::conversations::{self, Joined, Tracker};
use crate::documents::{self, AnswerFacts, CallbackFacts, Place};
use crate::findings_header;
use crate::request_headers;

/// Exchanges kept for the session's recording, at most; later ones are counted.
pub const MAX_RECORDED: usize = 10_000;
/// Distinct `KEY` values remembered to be redacted, at most.
const MAX_KEYS: usize = 64;

/// What the proxy tells its owner.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ProxyEvent {
    /// An exchange's documents, judged and redacted: the request, then the
    /// answer (absent when `--enforce` refused the request).
    Exchange(Vec<Judged>),
    /// Something the proxy did that is not a contract finding: a request it
    /// refused to forward (not one of the API's operations, another host), a
    /// callback it could not deliver. Already redacted.
    Notice(String),
}

/// Receives [`ProxyEvent`]s, from the proxy's threads.
pub type Sink = Arc<dyn Fn(ProxyEvent) + Send + Sync>;

/// A request judged before forwarding.
pub struct Pending {
    joined: Joined,
    request: WireRequest,
    judged: Judged,
    started: SystemTime,
}

impl Pending {
    /// The request's document.
    pub fn report(&self) -> &DocumentReport {
        &self.judged.report
    }

    /// The request's operation.
    pub fn operation(&self) -> ppob_core::contract::Operation {
        self.request.operation
    }

    /// Notes that its `callbackUrls` now name the proxy's receiver (`--callbacks`).
    pub fn expect_callback(&mut self) {
        self.joined.expect_callback();
    }

    /// Whether the request breaks the contract (an error finding on it).
    pub fn breaks_contract(&self) -> bool {
        self.judged
            .report
            .findings
            .iter()
            .any(|f| f.severity == Severity::Error)
    }
}

/// What became of a callback the proxy forwarded to the partner (`--callbacks`).
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The partner's URL, as its payment named it.
    pub url: String,
    /// The partner's HTTP status, or why none came.
    pub answer: Result<u16, String>,
    /// From forwarding to the end of the partner's answer.
    pub elapsed: Duration,
}

impl Delivery {
    /// `proxy.callback-refused` unless the partner answered HTTP 200.
    fn refused(&self) -> Option<RuleFinding> {
        let url = redact_url(&self.url);
        let (message, actual) = match &self.answer {
            Ok(200) => return None,
            Ok(status) => (
                format!(
                    "the partner's callback URL {url} answered HTTP {status}: the vendor retries a \
callback until it is answered 200"
                ),
                format!("HTTP {status}"),
            ),
            Err(why) => (
                format!(
                    "the callback could not be delivered to the partner's callback URL {url}: {why}"
                ),
                "no answer".to_owned(),
            ),
        };
        Some(RuleFinding {
            pointer: String::new(),
            message,
            expected: Some("HTTP 200".into()),
            actual: Some(actual),
        })
    }

    /// The partner's answer in a few words.
    fn describe(&self) -> String {
        match &self.answer {
            Ok(status) => format!("partner HTTP {status}"),
            Err(_) => "partner gave no answer".to_owned(),
        }
    }
}

/// The judging side of a running proxy.
pub struct Session {
    engine: Engine,
    credentials: Option<Credentials>,
    tracker: Mutex<Tracker>,
    recorded: Mutex<Recorded>,
    sink: Sink,
}

#[derive(Default)]
struct Recorded {
    exchanges: Vec<RecordedExchange>,
    dropped: u64,
    keys: BTreeSet<String>,
}

/// One forwarded exchange as recorded: its conversation, the exchange as
/// sent and answered, and what it meant.
#[derive(Debug, Clone)]
pub struct RecordedExchange {
    /// The conversation's name, e.g. `c1 0811111111`.
    pub conversation: String,
    /// The request as the application sent it and the upstream's answer.
    pub exchange: Exchange,
    /// What the step meant, e.g. `success (0)`, `processing (code 201)`.
    pub verdict: String,
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Session {
    /// A session judging with `engine`; `credentials`, when known, are the
    /// partner's (KEY compared, TOKEN verified, both redacted).
    pub fn new(engine: Engine, credentials: Option<Credentials>, sink: Sink) -> Self {
        Self {
            engine,
            credentials,
            tracker: Mutex::new(Tracker::new()),
            recorded: Mutex::new(Recorded::default()),
            sink,
        }
    }

    /// What hides every secret the session has seen.
    pub fn redactor(&self) -> Redactor {
        let keys = locked(&self.recorded)
            .keys
            .iter()
            .cloned()
            .collect::<Vec<_>>();
        Redactor::new(self.credentials.as_ref()).also_hiding(keys)
    }

    /// Tells the owner something.
    pub fn notice(&self, text: String) {
        (self.sink)(ProxyEvent::Notice(
            self.redactor().redact(&text).into_owned(),
        ));
    }

    /// Judges `request` (its headers, its fields, its place in a conversation).
    pub fn request(&self, request: WireRequest) -> Pending {
        if let Some(key) = request.header(KEY_HEADER) {
            let mut recorded = locked(&self.recorded);
            if recorded.keys.len() < MAX_KEYS {
                recorded.keys.insert(key.trim().to_owned());
            }
        }
        let reading = request_headers::read(&request, self.credentials.as_ref());
        let mut request = request;
        request.payload = reading.payload;
        let joined = locked(&self.tracker).request(request.operation, &request.payload);
        let bytes = documents::request_bytes(&request.body, &request.payload);
        let extra = reading
            .findings
            .into_iter()
            .chain(joined.request.iter().cloned())
            .map(|f| (f, None))
            .collect();
        let place = Place {
            conversation: &joined.conversation,
            index: joined.index,
            operation: request.operation,
        };
        let judged =
            documents::judge_request(&self.engine, &place, &bytes, extra, &self.redactor());
        Pending {
            joined,
            request,
            judged,
            started: SystemTime::now(),
        }
    }

    /// A request `--enforce` refused: its document alone goes to the sink.
    pub fn refused(&self, pending: Pending) {
        let mut judged = pending.judged;
        if let Some(step) = judged.report.step.as_mut() {
            step.verdict = "refused (--enforce): not forwarded".into();
        }
        (self.sink)(ProxyEvent::Exchange(vec![judged]));
    }

    /// Judges the answer to `pending` (or why none came), tells the sink
    /// both documents, records the exchange and returns the value of the
    /// findings header.
    pub fn answer(
        &self,
        pending: Pending,
        answer: Result<WireResponse, TransportError>,
        elapsed: Duration,
    ) -> String {
        let exchange = Exchange {
            request: pending.request,
            response: answer,
            started: pending.started,
            elapsed,
        };
        let reading = ppob_check::flow::classify::read(&exchange);
        let mut answered = locked(&self.tracker).answer(&pending.joined, reading);
        let broken: Vec<(&str, &str)> = pending
            .judged
            .report
            .findings
            .iter()
            .filter(|f| f.rule == "schema" && f.severity == Severity::Error)
            .map(|f| (f.pointer.as_str(), f.message.as_str()))
            .collect();
        if let Some(f) =
            conversations::invalid_accepted(exchange.request.operation, &broken, &answered.reading)
        {
            answered
                .findings
                .push(((conversations::INVALID_ACCEPTED, f), None));
        }
        let place = Place {
            conversation: &pending.joined.conversation,
            index: pending.joined.index,
            operation: exchange.request.operation,
        };
        let (http_status, body) = match &exchange.response {
            Ok(r) => (Some(r.status), r.body.as_slice()),
            Err(_) => (None, &[][..]),
        };
        let facts = AnswerFacts {
            http_status,
            body,
            reading: &answered.reading,
            elapsed,
            verdict: &answered.verdict,
        };
        let judged = documents::judge_answer(
            &self.engine,
            &place,
            &facts,
            answered.findings,
            &self.redactor(),
        );
        let mut request = pending.judged;
        if let Some(step) = request.report.step.as_mut() {
            step.http_status = http_status;
            step.elapsed_ms = judged.report.step.as_ref().map_or(0.0, |s| s.elapsed_ms);
            step.verdict.clone_from(&answered.verdict);
        }
        let header = findings_header::value(&request.report, Some(&judged.report));
        {
            let mut recorded = locked(&self.recorded);
            if recorded.exchanges.len() < MAX_RECORDED {
                recorded.exchanges.push(RecordedExchange {
                    conversation: pending.joined.conversation.clone(),
                    exchange,
                    verdict: answered.verdict.clone(),
                });
            } else {
                recorded.dropped += 1;
            }
        }
        (self.sink)(ProxyEvent::Exchange(vec![request, judged]));
        header
    }

    /// Judges a callback the upstream sent and how the partner answered it
    /// (`--callbacks`), and tells the sink.
    pub fn callback(&self, body: &[u8], delivery: &Delivery) {
        let json = serde_json::from_slice(body).unwrap_or(serde_json::Value::Null);
        let joined = {
            let mut tracker = locked(&self.tracker);
            let joined = tracker.callback(&json);
            if let Some(reference) = &joined.reference {
                tracker.callback_answered(reference, delivery.answer == Ok(200));
            }
            joined
        };
        let mut extra: Vec<_> = joined.findings.into_iter().map(|f| (f, None)).collect();
        if let Some(refused) = delivery.refused() {
            extra.push(((CALLBACK_REFUSED, refused), None));
        }
        let facts = CallbackFacts {
            conversation: &joined.conversation,
            index: joined.index,
            http_status: delivery.answer.as_ref().ok().copied(),
            elapsed: delivery.elapsed,
            verdict: format!(
                "callback {} → {}",
                callback_rules::describe_code(&json),
                delivery.describe()
            ),
        };
        let judged = documents::judge_callback(&self.engine, &facts, body, extra, &self.redactor());
        (self.sink)(ProxyEvent::Exchange(vec![judged]));
    }

    /// Reports `callback.missing` for each payment whose callback was due
    /// through the proxy (`--callbacks`) and has not come `wait` after its
    /// final answer; returns how many. Each payment is reported once.
    pub fn missing_callbacks(&self, wait: Duration) -> usize {
        let missing =
            locked(&self.tracker).missing_callbacks(wait, "the proxy's callback receiver");
        for m in &missing {
            let facts = CallbackFacts {
                conversation: &m.conversation,
                index: m.index,
                http_status: None,
                elapsed: Duration::ZERO,
                verdict: "no callback".to_owned(),
            };
            let extra = vec![(m.finding.clone(), None)];
            let judged =
                documents::judge_callback(&self.engine, &facts, b"", extra, &self.redactor());
            (self.sink)(ProxyEvent::Exchange(vec![judged]));
        }
        missing.len()
    }

    /// The exchanges recorded so far (at most [`MAX_RECORDED`]) and how
    /// many more were not kept. They hold the partner's headers as sent:
    /// write them only through [`Session::redactor`] (the cassette writer does).
    pub fn recorded(&self) -> (Vec<RecordedExchange>, u64) {
        let recorded = locked(&self.recorded);
        (recorded.exchanges.clone(), recorded.dropped)
    }
}
