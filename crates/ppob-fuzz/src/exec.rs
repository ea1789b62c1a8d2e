//! Runs one [`FuzzCase`] over a transport: builds and signs each request of
//! its scenario (applying the mutation to the target request), sends it, and
//! keeps every exchange with what its answer means ([`Trace`]).

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use super::case::{FuzzCase, Mutation, Scenario};
use ppob_check::flow::RefNumbers;
use ppob_check::flow::classify::{self, Reading};
use ppob_core::contract::Operation;
use ppob_transport::auth::{
    BodyMode, Credentials, KEY_HEADER, TOKEN_HEADER, sign_request, sign_token,
};
use ppob_transport::clock::Clock;
use ppob_transport::rate::RateLimiter;
use ppob_transport::{Exchange, Transport, TransportError, WireRequest};

/// The secret a `wrong-secret` TOKEN is signed with.
pub const WRONG_SECRET: &str = "not-the-partner-secret";
/// Appended to the KEY of a `wrong-key` request.
pub const WRONG_KEY_SUFFIX: &str = "-not-this-partner";

/// Where and how a case runs.
pub struct Env<'a> {
    /// Where requests go.
    pub transport: &'a dyn Transport,
    /// The partner's credentials.
    pub credentials: &'a Credentials,
    /// Whether valid requests also carry their fields as a JSON body.
    pub body_mode: BodyMode,
    /// Time; simulated on the in-process simulator.
    pub clock: &'a dyn Clock,
    /// Makes the refNumbers.
    pub refs: &'a RefNumbers,
    /// How long to wait for an inquiry to expire, when time can be advanced
    /// (the in-process simulator); `None` skips `pay-after-expiry` cases.
    pub expire_after: Option<Duration>,
    /// The `--rate` cap, if any.
    pub rate: Option<&'a RateLimiter>,
}

/// What a request is for in its scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Prepares the target (a valid inquiry, a first payment).
    Setup,
    /// The request the case is about (mutated, when the case has a mutation).
    Target,
    /// Looks at what the target did (status after a payment).
    Followup,
}

/// One exchange of a case.
#[derive(Debug, Clone)]
pub struct Step {
    /// What it is for.
    pub role: Role,
    /// The request as sent and its answer.
    pub exchange: Exchange,
    /// What the answer means.
    pub reading: Reading,
    /// Whether the body differs from the TOKEN's fields on purpose
    /// (`body-disagrees`, `token-over-other-payload`).
    pub body_differs: bool,
}

impl Step {
    /// The operation.
    pub fn operation(&self) -> Operation {
        self.exchange.request.operation
    }

    /// The `responseCode` of an envelope answer.
    pub fn code(&self) -> Option<i64> {
        match &self.reading {
            Reading::Envelope { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The parsed answer, when it is an envelope.
    pub fn json(&self) -> Option<&Value> {
        match &self.reading {
            Reading::Envelope { json, .. } => Some(json),
            _ => None,
        }
    }

    /// The HTTP status, when an answer came.
    pub fn http_status(&self) -> Option<u16> {
        self.exchange.response.as_ref().ok().map(|r| r.status)
    }

    /// The answer in a few words: `code 299 (processing)`, `HTTP 401`, `timeout`.
    pub fn answer(&self) -> String {
        let class = |code: i64| ppob_core::model::CodeClass::of(code).describe();
        match (&self.reading, self.http_status()) {
            (Reading::Envelope { code, .. }, Some(200) | None) => {
                format!("code {code}, {}", class(*code))
            }
            (Reading::Envelope { code, .. }, Some(s)) => {
                format!("HTTP {s}, code {code}, {}", class(*code))
            }
            (Reading::AuthRefused { http_status, .. }, _) => {
                format!("HTTP {http_status} (refused)")
            }
            (Reading::Unusable(u), _) => u.describe(),
        }
    }
}

/// Everything that happened in one case.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    /// The exchanges, in order.
    pub steps: Vec<Step>,
    /// Why the case stopped before its target request, if it did (a setup
    /// inquiry that found no bill, no simulated time): nothing was judged
    /// beyond the answers it got.
    pub inconclusive: Option<String>,
}

impl Trace {
    /// The target step, when the case got that far.
    pub fn target(&self) -> Option<(usize, &Step)> {
        self.steps
            .iter()
            .enumerate()
            .rev()
            .find(|(_, s)| s.role == Role::Target)
    }
}

/// How a request is signed and sent.
enum Signing<'m> {
    Valid,
    Mutated(&'m Mutation),
}

fn base_fields(env: &Env<'_>) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("partnerId".into(), env.credentials.key().into());
    fields
}

fn inquiry_fields(env: &Env<'_>, case: &FuzzCase, account: &str) -> Map<String, Value> {
    let mut fields = base_fields(env);
    fields.insert("accountNumber".into(), account.into());
    fields.insert("productCode".into(), case.product.clone().into());
    for (k, v) in &case.inquiry_extras {
        fields.insert(k.clone(), v.clone());
    }
    fields
}

/// An unsigned JWT (`alg: none`) carrying `payload`.
fn unsigned_token(payload: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(payload).unwrap_or_default());
    format!("{header}.{body}.")
}

fn set_header(request: &mut WireRequest, name: &str, value: String) {
    for (n, v) in &mut request.headers {
        if n.eq_ignore_ascii_case(name) {
            *v = value;
            return;
        }
    }
    request.headers.push((name.to_owned(), value));
}

/// Builds the request: valid fields → mutation → signing.
fn build(
    env: &Env<'_>,
    operation: Operation,
    mut fields: Map<String, Value>,
    signing: &Signing<'_>,
) -> Result<(WireRequest, bool), String> {
    let Signing::Mutated(mutation) = signing else {
        let payload = Value::Object(fields);
        return sign_request(operation, payload, env.credentials, env.body_mode)
            .map(|r| (r, false))
            .map_err(|e| e.to_string());
    };
    mutation.apply(&mut fields);
    let valid = Value::Object(fields.clone());
    let changed = |field: &str, value: &Value| {
        let mut other = fields.clone();
        other.insert(field.to_owned(), value.clone());
        Value::Object(other)
    };
    let (signed, body) = match mutation {
        Mutation::TokenOverOtherPayload { field, value } => (changed(field, value), Some(valid)),
        Mutation::BodyDisagrees { field, value } => {
            let body = changed(field, value);
            (valid, Some(body))
        }
        _ => (valid, None),
    };
    let mut request = sign_request(operation, signed.clone(), env.credentials, env.body_mode)
        .map_err(|e| e.to_string())?;
    if let Some(body) = &body {
        request.body = serde_json::to_vec(body).map_err(|e| e.to_string())?;
    }
    match mutation {
        Mutation::WrongSecret => {
            let token = sign_token(&signed, WRONG_SECRET).map_err(|e| e.to_string())?;
            set_header(&mut request, TOKEN_HEADER, token);
        }
        Mutation::UnsignedToken => set_header(&mut request, TOKEN_HEADER, unsigned_token(&signed)),
        Mutation::WrongKey => {
            let key = format!("{}{WRONG_KEY_SUFFIX}", env.credentials.key());
            set_header(&mut request, KEY_HEADER, key);
        }
        _ => {}
    }
    Ok((request, body.is_some()))
}

/// A case as it runs.
struct Run<'e, 'a> {
    env: &'e Env<'a>,
    trace: Trace,
}

impl Run<'_, '_> {
    fn send(
        &mut self,
        role: Role,
        operation: Operation,
        fields: Map<String, Value>,
        signing: Signing<'_>,
    ) -> Option<&Step> {
        let (request, body_differs) = match build(self.env, operation, fields, &signing) {
            Ok(built) => built,
            Err(e) => {
                self.trace.inconclusive = Some(format!(
                    "could not sign the {} request: {e}",
                    operation.name()
                ));
                return None;
            }
        };
        if let Some(rate) = self.env.rate {
            rate.acquire();
        }
        let exchange = self.env.transport.send(request);
        let reading = classify::read(&exchange);
        self.trace.steps.push(Step {
            role,
            exchange,
            reading,
            body_differs,
        });
        self.trace.steps.last()
    }

    fn stop(&mut self, why: String) {
        self.trace.inconclusive = Some(why);
    }

    /// A valid inquiry whose answer carries a bill: `(amount, inquiryId)`.
    fn inquire(&mut self, case: &FuzzCase, account: &str) -> Option<(Value, Value)> {
        let fields = inquiry_fields(self.env, case, account);
        let step = self.send(Role::Setup, Operation::Inquiry, fields, Signing::Valid)?;
        let bill = match (step.code(), step.json()) {
            (Some(300), Some(json)) => {
                let field = |name: &str| {
                    json.pointer(&format!("/data/{name}"))
                        .filter(|v| v.is_number())
                        .cloned()
                };
                field("amount").zip(field("inquiryId"))
            }
            _ => None,
        };
        if bill.is_none() {
            let got = step
                .code()
                .map_or_else(|| "no envelope".to_owned(), |c| format!("code {c}"));
            self.stop(format!(
                "the setup inquiry of {account} answered {got}, not 300 with a numeric amount and inquiryId"
            ));
        }
        bill
    }

    fn run(&mut self, case: &FuzzCase) {
        let target = match &case.mutation {
            Some(m) => Signing::Mutated(m),
            None => Signing::Valid,
        };
        match case.scenario {
            Scenario::Inquiry => {
                let fields = inquiry_fields(self.env, case, &case.account);
                self.send(Role::Target, Operation::Inquiry, fields, target);
            }
            Scenario::StatusUnknown => {
                let fields = self.status_fields(&self.env.refs.next_with(&case.ref_stem));
                self.send(Role::Target, Operation::Status, fields, target);
            }
            Scenario::Payment | Scenario::PayTwice | Scenario::PayAfterExpiry => {
                self.pay(case, target);
            }
        }
    }

    fn status_fields(&self, ref_number: &str) -> Map<String, Value> {
        let mut fields = base_fields(self.env);
        fields.insert("refNumber".into(), ref_number.into());
        fields
    }

    fn pay(&mut self, case: &FuzzCase, target: Signing<'_>) {
        let other_id = match &case.mutation {
            Some(Mutation::OtherInquiryId { account }) => match self.inquire(case, account) {
                Some((_, id)) => Some(id),
                None => return,
            },
            _ => None,
        };
        let Some((amount, inquiry_id)) = self.inquire(case, &case.account) else {
            return;
        };
        if case.scenario == Scenario::PayAfterExpiry {
            let Some(wait) = self.env.expire_after else {
                self.stop(
                    "pay-after-expiry needs simulated time (the in-process simulator)".into(),
                );
                return;
            };
            self.env.clock.sleep(wait);
        }
        let ref_number = self.env.refs.next_with(&case.ref_stem);
        let mut fields = base_fields(self.env);
        fields.insert("refNumber".into(), ref_number.clone().into());
        fields.insert("accountNumber".into(), case.account.clone().into());
        fields.insert("productCode".into(), case.product.clone().into());
        fields.insert("amount".into(), amount);
        fields.insert("inquiryId".into(), other_id.unwrap_or(inquiry_id));
        if let Some(urls) = &case.callback_urls {
            fields.insert("callbackUrls".into(), json!(urls));
        }
        if case.scenario == Scenario::PayTwice
            && self
                .send(
                    Role::Setup,
                    Operation::Payment,
                    fields.clone(),
                    Signing::Valid,
                )
                .is_none()
        {
            return;
        }
        let Some(paid) = self.send(Role::Target, Operation::Payment, fields, target) else {
            return;
        };
        // Status asks for the refNumber the payment really carried (a
        // mutation may have changed it): a payment that finished at once
        // is then found, not answered 188.
        let sent = paid
            .exchange
            .request
            .payload
            .get("refNumber")
            .and_then(Value::as_str)
            .filter(|r| !r.is_empty())
            .map_or(ref_number, str::to_owned);
        let status = self.status_fields(&sent);
        self.send(Role::Followup, Operation::Status, status, Signing::Valid);
    }
}

/// Runs `case` in `env` and returns what happened. Never panics.
pub fn run_case(case: &FuzzCase, env: &Env<'_>) -> Trace {
    let mut run = Run {
        env,
        trace: Trace::default(),
    };
    run.run(case);
    run.trace
}

/// Whether an error means nothing could be reached at all.
pub fn unreachable(trace: &Trace) -> Option<&TransportError> {
    trace
        .steps
        .first()
        .and_then(|s| match &s.exchange.response {
            Err(e) if e.is_unreachable() => Some(e),
            _ => None,
        })
}
