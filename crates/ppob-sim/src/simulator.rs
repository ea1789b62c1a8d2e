//! The state machine: inquiry → payment → status, faults on top.
//!
//! [`Simulator::handle`] takes a request as it came off the wire, runs the
//! HTTP-level checks ([`super::gate`]), reads the TOKEN payload into the
//! operation's request model ([`super::request`]), answers from the seeded
//! accounts and the stores, and finally lets the faults that hit the
//! request change the answer. Faults never change what was *done*: a
//! payment answered with a timeout, a 5xx, garbage or an out-of-range code
//! is registered all the same, so a later status resolves it.
//!
//! Locks are held only to read or write a store entry, never while
//! rendering or serializing.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;

use super::accounts::{self, Asked, InquiryOutcome, PaymentOutcome, TestAccount, test_accounts};
use super::bug::{self, Bug};
use super::config::UnknownFields;
use super::config::{DuplicatePolicy, SimConfig};
use super::fault::{Effect, Fault, drift_answer};
use super::gate::{self, Admitted};
use super::messages::{message, message_with};
use super::render::{self, failure, to_json};
use super::request::{IgnoredField, Read, RequestError, describe_ignored, read};
use super::store::Inquiry;
use super::store::{InquiryLookup, InquiryStore, MAX_INQUIRIES, MAX_PAYMENTS, PaymentStore, Txn};
use ppob_core::contract::{DocKind, Operation};
use ppob_core::model::{
    FailureData, InquiryData, InquiryRequest, PaymentRequest, Response, StatusRequest,
};
use ppob_products::manifest::Finish;
use ppob_transport::WireRequest;
use ppob_transport::WireResponse;
use ppob_transport::clock::Clock;

/// The `responseCode` of a request whose fields do not fit its operation
/// (missing field, wrong type, unknown field), answered with HTTP 200.
pub const INVALID_REQUEST_CODE: i64 = 180;
/// The answer header naming the request fields the simulator ignored
/// (`--unknown-fields ignore`), e.g. `CallbackUrls (did you mean callbackUrls?)`.
pub const IGNORED_HEADER: &str = "ppob-contract-ignored";
/// Longest value of [`IGNORED_HEADER`] in bytes: the fields that do not fit
/// are counted (`, +3 more`); servers and proxies refuse headers of a few KiB.
pub const MAX_IGNORED_HEADER_LEN: usize = 256;
/// Callbacks kept waiting for delivery at most; older ones are dropped.
pub const MAX_QUEUED_CALLBACKS: usize = 10_000;

/// What the simulator answers to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// Injected latency before the answer.
    pub delay: Duration,
    /// The answer, or none at all.
    pub answer: Answer,
    /// The request fields ignored and to be told (`--unknown-fields ignore`;
    /// empty under `silent`), each with the documented field it probably
    /// meant. They are also named in the answer's [`IGNORED_HEADER`].
    pub ignored: Vec<IgnoredField>,
}

/// An HTTP answer, or silence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Answer with this response.
    Respond(WireResponse),
    /// No answer for `hang_for` (the client times out).
    Hang,
}

/// A callback due for delivery: POST `body` to `url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    /// Where to POST it (a URL of the payment's `callbackUrls`).
    pub url: String,
    /// The JSON body, shaped exactly like a status response.
    pub body: Vec<u8>,
}

/// The reference simulator. `Send + Sync`; share it behind an `Arc`.
#[derive(Debug)]
pub struct Simulator {
    config: SimConfig,
    clock: Arc<dyn Clock>,
    inquiries: Mutex<InquiryStore>,
    payments: Mutex<PaymentStore>,
    callbacks: Mutex<VecDeque<Callback>>,
}

/// Locks a mutex, recovering the data if another thread panicked holding it
/// (every critical section leaves the stores consistent).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn ok(body: Vec<u8>) -> WireResponse {
    WireResponse::json(200, body)
}

fn fail_body(code: i64) -> Vec<u8> {
    let response: Response<InquiryData> = failure(code, message(code), FailureData::default());
    to_json(&response)
}

fn invalid_request(error: &RequestError) -> Vec<u8> {
    let response: Response<InquiryData> = failure(
        INVALID_REQUEST_CODE,
        message_with(INVALID_REQUEST_CODE, &error.indonesian(), &error.english()),
        FailureData::default(),
    );
    to_json(&response)
}

impl Simulator {
    /// A simulator with empty stores, reading time from `clock`.
    pub fn new(config: SimConfig, clock: Arc<dyn Clock>) -> Self {
        Self {
            config,
            clock,
            inquiries: Mutex::new(InquiryStore::new(MAX_INQUIRIES)),
            payments: Mutex::new(PaymentStore::new(MAX_PAYMENTS)),
            callbacks: Mutex::new(VecDeque::new()),
        }
    }

    /// Its configuration.
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// Answers one request: HTTP-level checks (headers, TOKEN, body), then
    /// the operation its path names. Never panics.
    pub fn handle(&self, request: &WireRequest) -> Reply {
        let admitted = gate::admit(request, &self.config.credentials);
        match admitted {
            Ok(Admitted { operation, payload }) => self.dispatch(operation, payload),
            Err(response) => Reply {
                delay: Duration::ZERO,
                answer: Answer::Respond(response),
                ignored: Vec::new(),
            },
        }
    }

    fn dispatch(&self, operation: Operation, payload: Value) -> Reply {
        let malformed = self.config.has_bug(Bug::Malformed200) && bug::has_non_ascii_key(&payload);
        let mut reply = match operation {
            Operation::Inquiry => self.inquiry(payload),
            Operation::Payment => self.payment(payload),
            Operation::Status => self.status(payload),
        };
        if malformed && let Answer::Respond(response) = &mut reply.answer {
            // Bug malformed-200: an "encoding bug" garbles the HTTP 200 answer.
            if response.status == 200 {
                response.body = bug::malformed(std::mem::take(&mut response.body));
            }
        }
        reply
    }

    /// Settles the payments that are due and queues their callbacks. Also
    /// done before every status and by [`Simulator::drain_callbacks`].
    pub fn tick(&self) {
        let now = self.clock.now();
        let settled = lock(&self.payments).take_settled(now);
        if settled.is_empty() {
            return;
        }
        if self.config.has_bug(Bug::NoCallback) {
            return;
        }
        let copies = if self.config.has_bug(Bug::CallbackTwice) {
            2
        } else {
            1
        };
        let mut ready = Vec::new();
        for s in settled {
            let mut code = s.txn.code_at(now);
            if self.config.has_bug(Bug::CallbackContradictsStatus) {
                code = bug::contradicting(code);
            }
            let body = to_json(&render::status(&s.ref_number, &s.txn, code));
            for url in s.callback_urls {
                for _ in 0..copies {
                    ready.push(Callback {
                        url: url.clone(),
                        body: body.clone(),
                    });
                }
            }
        }
        let mut queue = lock(&self.callbacks);
        queue.extend(ready);
        let excess = queue.len().saturating_sub(MAX_QUEUED_CALLBACKS);
        queue.drain(..excess);
    }

    /// The callbacks due for delivery (settling due payments first), oldest first.
    pub fn drain_callbacks(&self) -> Vec<Callback> {
        self.tick();
        lock(&self.callbacks).drain(..).collect()
    }

    fn effect(&self, operation: Operation, account: Option<&TestAccount>) -> Effect {
        let own = account.map(|a| a.faults).unwrap_or_default();
        Effect::of(self.config.faults.iter().chain(own), operation)
    }

    /// Turns the normal answer into the one the faults make (`account`: the
    /// test account the request is about, if known), naming the `ignored`
    /// request fields in its header when they are to be told.
    fn finish(
        &self,
        operation: Operation,
        account: Option<&TestAccount>,
        effect: Effect,
        body: Vec<u8>,
        ignored: Vec<IgnoredField>,
    ) -> Reply {
        let mut answer = match effect.answer {
            None | Some(Fault::Latency(_) | Fault::PendingForever) => Answer::Respond(ok(body)),
            Some(Fault::Timeout) => Answer::Hang,
            Some(Fault::ServerError(status)) => Answer::Respond(server_error(status)),
            Some(Fault::Garbage) => {
                let mut body = body;
                body.truncate(body.len() / 2);
                Answer::Respond(ok(body))
            }
            Some(Fault::CodeOutOfRange(code)) => Answer::Respond(ok(fail_body(code))),
            Some(Fault::Drift) => Answer::Respond(ok(drift_answer(operation, account))),
        };
        let ignored = match self.config.unknown_fields {
            UnknownFields::Ignore => ignored,
            UnknownFields::Silent | UnknownFields::Reject => Vec::new(),
        };
        if let Answer::Respond(response) = &mut answer
            && !ignored.is_empty()
        {
            response.headers.push((
                IGNORED_HEADER.to_owned(),
                describe_ignored(&ignored, MAX_IGNORED_HEADER_LEN),
            ));
        }
        Reply {
            delay: effect.delay,
            answer,
            ignored,
        }
    }

    fn inquiry(&self, payload: Value) -> Reply {
        let Read { request, ignored } =
            read::<InquiryRequest>(payload, DocKind::InquiryRequest, self.config.unknown_fields);
        let request = match request {
            Ok(request) => request,
            Err(e) => {
                let effect = self.effect(Operation::Inquiry, None);
                let body = invalid_request(&e);
                return self.finish(Operation::Inquiry, None, effect, body, ignored);
            }
        };
        let account = accounts::account(&request.account_number);
        let effect = self.effect(Operation::Inquiry, account.map(|(_, a)| a));
        let body = match (accounts::product(&request.product_code), account) {
            (None, _) => fail_body(317),
            (Some(_), None) => fail_body(304),
            (Some((_, product)), Some((_, a))) if product.kind.name != a.category.name => {
                fail_body(304)
            }
            (Some((product_index, product)), Some((account_index, a))) => match a.inquiry {
                InquiryOutcome::Fails(code) => fail_body(code),
                InquiryOutcome::Bill(_) => match asked_of(&request, a) {
                    Err(refusal) => refusal,
                    Ok(asked) => {
                        let now = self.clock.now();
                        let inquiry = Inquiry {
                            account: account_index,
                            product: product_index,
                            asked,
                            expires: now.saturating_add(self.config.inquiry_ttl),
                        };
                        let id = lock(&self.inquiries).insert(inquiry, now);
                        let answer = render::inquiry_ok(
                            a,
                            product,
                            asked,
                            &request.product_code,
                            id,
                            self.clock.wall(),
                        );
                        if self.config.has_bug(Bug::DropInquiryId) {
                            bug::without_inquiry_id(&answer)
                        } else {
                            to_json(&answer)
                        }
                    }
                },
            },
        };
        self.finish(
            Operation::Inquiry,
            account.map(|(_, a)| a),
            effect,
            body,
            ignored,
        )
    }

    fn payment(&self, mut payload: Value) -> Reply {
        // Bug accept-negative-amount: a negative amount skips the amount checks.
        let negative_amount = self.config.has_bug(Bug::AcceptNegativeAmount)
            && bug::take_negative_amount(&mut payload);
        let Read { request, ignored } =
            read::<PaymentRequest>(payload, DocKind::PaymentRequest, self.config.unknown_fields);
        let request = match request {
            Ok(request) => request,
            Err(e) => {
                let effect = self.effect(Operation::Payment, None);
                let body = invalid_request(&e);
                return self.finish(Operation::Payment, None, effect, body, ignored);
            }
        };
        let account = accounts::account(&request.account_number);
        let effect = self.effect(Operation::Payment, account.map(|(_, a)| a));
        let body = self.pay(&request, account, effect, negative_amount);
        self.finish(
            Operation::Payment,
            account.map(|(_, a)| a),
            effect,
            body,
            ignored,
        )
    }

    /// The payment checks, in order (an empty refNumber never gets here: the
    /// request schema refuses it with 180): duplicate
    /// refNumber (policy), amount 0 (104), unknown inquiry (313), expired
    /// inquiry (312), account/product differing from the inquiry (313),
    /// amount differing from the inquiry (114), account refusing payments
    /// (its code, e.g. 105). Then the payment is registered and answers 299.
    /// `negative_amount` (bug accept-negative-amount) skips the amount checks;
    /// bug double-charge skips the duplicate check.
    fn pay(
        &self,
        request: &PaymentRequest,
        account: Option<(usize, &'static TestAccount)>,
        effect: Effect,
        negative_amount: bool,
    ) -> Vec<u8> {
        let now = self.clock.now();
        let lookup = lock(&self.inquiries).get(request.inquiry_id, now);
        let product = accounts::product(&request.product_code).map(|(i, _)| i);
        let mut payments = lock(&self.payments);
        if !self.config.has_bug(Bug::DoubleCharge)
            && let Some(original) = payments.get(&request.ref_number)
        {
            drop(payments);
            return self.duplicate(&request.ref_number, &original, now);
        }
        let verdict = (|| {
            if request.amount == 0 && !negative_amount {
                return Err(104);
            }
            let inquiry = match lookup {
                InquiryLookup::Unknown => return Err(313),
                InquiryLookup::Expired => return Err(312),
                InquiryLookup::Found(inquiry) => inquiry,
            };
            let Some((account_index, account)) = account else {
                return Err(313);
            };
            if account_index != inquiry.account || product != Some(inquiry.product) {
                return Err(313);
            }
            let InquiryOutcome::Bill(_) = account.inquiry else {
                return Err(313);
            };
            let owed = accounts::charge(
                account,
                &accounts::products()[inquiry.product],
                inquiry.asked,
            );
            if request.amount != owed.amount() && !negative_amount {
                return Err(114);
            }
            match account.payment {
                PaymentOutcome::Rejected(code) => Err(code),
                PaymentOutcome::Settles(code) => Ok((inquiry, code, account.finish)),
            }
        })();
        let (inquiry, final_code, finish) = match verdict {
            Ok(v) => v,
            Err(code) => {
                drop(payments);
                return fail_body(code);
            }
        };
        // A synchronous product is final at once; the others settle after `settle_after`.
        let settle_after = match finish {
            Finish::Sync => Duration::ZERO,
            Finish::Async => self.config.settle_after,
        };
        let txn = Txn {
            transaction_id: 0,
            account: inquiry.account,
            product: inquiry.product,
            asked: inquiry.asked,
            settle_at: (!effect.pending_forever).then(|| now.saturating_add(settle_after)),
            final_code,
            made_at: self.clock.wall(),
        };
        let urls = request.callback_urls.clone().unwrap_or_default();
        let txn = payments.insert(&request.ref_number, txn, urls);
        drop(payments);
        to_json(&render::payment(
            &request.ref_number,
            &txn,
            txn.code_at(now),
        ))
    }

    fn duplicate(&self, ref_number: &str, original: &Txn, now: Duration) -> Vec<u8> {
        let code = match self.config.duplicate {
            DuplicatePolicy::Reject102 => 102,
            DuplicatePolicy::Reject108 => 108,
            DuplicatePolicy::ReturnOriginal => {
                return to_json(&render::payment(
                    ref_number,
                    original,
                    original.code_at(now),
                ));
            }
        };
        let data = FailureData {
            ref_number: Some(ref_number.to_owned()),
            transaction_id: Some(original.transaction_id),
            ..FailureData::default()
        };
        let response: Response<InquiryData> = failure(code, message(code), data);
        to_json(&response)
    }

    fn status(&self, payload: Value) -> Reply {
        let Read { request, ignored } =
            read::<StatusRequest>(payload, DocKind::StatusRequest, self.config.unknown_fields);
        let request = match request {
            Ok(request) => request,
            Err(e) => {
                let effect = self.effect(Operation::Status, None);
                let body = invalid_request(&e);
                return self.finish(Operation::Status, None, effect, body, ignored);
            }
        };
        self.tick();
        let now = self.clock.now();
        let txn = lock(&self.payments).get(&request.ref_number);
        let account = txn.map(|t| &test_accounts()[t.account]);
        let effect = self.effect(Operation::Status, account);
        let body = match txn {
            None => render::status_not_found(),
            Some(txn) => {
                let code = if effect.pending_forever {
                    299
                } else {
                    txn.code_at(now)
                };
                to_json(&render::status(&request.ref_number, &txn, code))
            }
        };
        self.finish(Operation::Status, account, effect, body, ignored)
    }
}

/// What an inquiry of `account` asks besides account and product, or the
/// refusal when its category's extras are missing or out of bounds: a
/// missing `amount`, `month` or `zoneId` answers 180 naming the field, an
/// open amount outside its bounds 104 (invalid amount), a month outside
/// its bounds 180. Extras the category does not take are ignored.
fn asked_of(request: &InquiryRequest, account: &TestAccount) -> Result<Asked, Vec<u8>> {
    let extras = &account.category.manifest.request;
    let missing = |field: &str| {
        invalid_request(&RequestError::field(
            field,
            "missing: this product's inquiry needs it",
            "tidak ada: inkuiri produk ini memerlukannya",
        ))
    };
    let mut asked = Asked::default();
    if let Some(range) = extras.amount {
        let amount = request.amount.ok_or_else(|| missing("amount"))?;
        if !range.contains(amount) {
            return Err(fail_body(104));
        }
        asked.amount = Some(amount);
    }
    if let Some(range) = extras.month {
        let month = request.month.ok_or_else(|| missing("month"))?;
        if !range.contains(month) {
            return Err(invalid_request(&RequestError::field(
                "month",
                &format!("{month} is out of range: {} to {}", range.min, range.max),
                &format!("{month} di luar batas: {} sampai {}", range.min, range.max),
            )));
        }
        asked.months = Some(month);
    }
    if extras.zone_id
        && request
            .zone_id
            .as_deref()
            .is_none_or(|z| z.trim().is_empty())
    {
        return Err(missing("zoneId"));
    }
    Ok(asked)
}

fn server_error(status: u16) -> WireResponse {
    let reason = match status {
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Server Error",
    };
    WireResponse {
        status,
        headers: vec![("content-type".into(), "text/html; charset=utf-8".into())],
        body: format!(
            "<html><head><title>{status} {reason}</title></head><body><h1>{status} {reason}</h1></body></html>"
        )
        .into_bytes(),
    }
}

#[cfg(test)]
#[path = "simulator_tests.rs"]
mod tests;
