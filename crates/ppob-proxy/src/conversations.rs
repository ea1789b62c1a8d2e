//! Joins the exchanges the proxy sees into conversations — an inquiry, the
//! payments of its `inquiryId`, the status calls of their `refNumber`s — and
//! runs the cross-step rules of `check` and the money rule on them.
//!
//! `check` drives its own conversation; here the partner's application does,
//! so the tracker also judges what only a real client gets wrong: a
//! refNumber reused for another bill (`proxy.ref-number-reused`) and a bill
//! paid again with a new refNumber while an earlier payment's outcome is
//! still unknown — a timeout, a 5xx, a processing code — or already
//! successful (`proxy.repaid-after-timeout`).
//!
//! A request is read in [`Tracker::request`] before it is forwarded (nothing
//! is remembered then: a request `--enforce` refuses changes nothing) and
//! its answer in [`Tracker::answer`]. Memory is bounded: at most
//! [`MAX_REMEMBERED`] inquiries and payments are kept, the oldest forgotten
//! first.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::time::{Duration, Instant};

use serde_json::Value;

use ppob_check::flow::callbacks;
use ppob_check::flow::classify::{self, Doubt, MoneyVerdict, Reading, integer};
use ppob_check::flow::rules::{self, Expected, FlowFinding};
use ppob_core::contract::Operation;
use ppob_core::contract::locate::value_at;
use ppob_core::rules::RuleFinding;

/// A bill whose earlier payment's outcome is unknown (or successful) paid again with a new refNumber.
pub const REPAID_AFTER_TIMEOUT: &str = "proxy.repaid-after-timeout";
/// A refNumber used again for another bill.
pub const REF_NUMBER_REUSED: &str = "proxy.ref-number-reused";
/// The upstream refused the credentials (401/403).
pub const AUTH_REFUSED: &str = "proxy.auth-refused";

/// The upstream accepted a request that breaks the request schema.
pub const INVALID_ACCEPTED: &str = "proxy.invalid-accepted";

/// Inquiries and payments remembered at most (each).
pub const MAX_REMEMBERED: usize = 10_000;

/// A map that forgets its oldest entries beyond [`MAX_REMEMBERED`].
struct Bounded<K, V> {
    map: HashMap<K, V>,
    order: VecDeque<K>,
}

impl<K: Hash + Eq + Clone, V> Bounded<K, V> {
    fn new() -> Self {
        Self {
            map: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    fn insert(&mut self, key: K, value: V) {
        if self.map.insert(key.clone(), value).is_none() {
            self.order.push_back(key);
        }
        while self.order.len() > MAX_REMEMBERED {
            if let Some(old) = self.order.pop_front() {
                self.map.remove(&old);
            }
        }
    }

    fn get(&self, key: &K) -> Option<&V> {
        self.map.get(key)
    }

    fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.map.get_mut(key)
    }

    fn values(&self) -> impl Iterator<Item = &V> {
        self.map.values()
    }
}

/// An inquiry answered with an `inquiryId`.
struct Inquiry {
    conversation: u64,
    /// The whole answer.
    response: Value,
}

/// What is known of a payment's money.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Money {
    /// Not final: why (a timeout, a 5xx, a processing code).
    Unknown(String),
    /// A clean success answer.
    Succeeded,
    /// A clean documented failure answer.
    Failed,
}

/// A payment the proxy forwarded.
struct Payment {
    conversation: u64,
    /// The payment request's fields.
    request: Value,
    /// The inquiry answer it pays, when the proxy saw it.
    inquiry: Value,
    money: Money,
    /// The first transactionId its answers named.
    transaction_id: Option<i64>,
    /// Its place in the order of payments, to name the earliest first.
    order: u64,
    /// What is known of its callbacks (`--callbacks`).
    callbacks: CallbackState,
}

/// A payment's callbacks as the proxy saw them (`--callbacks`).
#[derive(Debug, Default)]
struct CallbackState {
    /// The proxy named its own receiver in the payment's `callbackUrls`.
    expected: bool,
    /// Callbacks received for it.
    received: u32,
    /// Of those, the ones the partner answered HTTP 200.
    answered_ok: u32,
    /// The last final (success or failed) answer about it: what a callback must agree with.
    final_answer: Option<Value>,
    /// When that final answer came.
    final_at: Option<Instant>,
    /// A callback that came before any final answer, to compare once one comes.
    unchecked: Option<Value>,
    /// `callback.missing` was reported for it.
    missing_reported: bool,
}

impl Payment {
    fn bill(&self) -> Bill<'_> {
        Bill::of(&self.request)
    }
}

/// What identifies a bill: its inquiry, else its account and product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Bill<'a> {
    inquiry_id: Option<i64>,
    account: Option<&'a str>,
    product: Option<&'a str>,
}

impl<'a> Bill<'a> {
    fn of(request: &'a Value) -> Self {
        Self {
            inquiry_id: number(request, "/inquiryId"),
            account: rules::text(request, "/accountNumber"),
            product: rules::text(request, "/productCode"),
        }
    }

    /// Whether two payments pay the same bill: the same inquiry, or the same account and product.
    fn same(&self, other: &Bill<'_>) -> bool {
        let same_inquiry = self.inquiry_id.is_some() && self.inquiry_id == other.inquiry_id;
        let same_account = self.account.is_some()
            && self.account == other.account
            && self.product == other.product;
        same_inquiry || same_account
    }
}

fn number(value: &Value, pointer: &str) -> Option<i64> {
    value_at(value, pointer).and_then(integer)
}

/// Where an exchange belongs and what its request already shows.
#[derive(Debug, Clone)]
pub struct Joined {
    /// The conversation's name, e.g. `c3 0811111111`.
    pub conversation: String,
    /// 1-based number of the exchange in its conversation.
    pub index: u32,
    /// Cross-step findings on the request.
    pub request: Vec<FlowFinding>,
    /// What the answer is read against.
    context: Context,
}

#[derive(Debug, Clone)]
struct Context {
    operation: Operation,
    conversation: u64,
    payload: Value,
    /// The proxy named its own receiver in this payment's `callbackUrls`.
    expects_callback: bool,
}

impl Joined {
    /// Notes that the proxy named its own callback receiver in this
    /// payment's `callbackUrls` (`--callbacks`): a callback is due once it is final.
    pub fn expect_callback(&mut self) {
        self.context.expects_callback = true;
    }
}

/// Where a received callback belongs and what is found on it.
#[derive(Debug, Clone)]
pub struct CallbackJoined {
    /// The conversation's name (its payment's), or [`UNMATCHED_CONVERSATION`].
    pub conversation: String,
    /// The step's number in the conversation.
    pub index: u32,
    /// The refNumber it names, when it names one the proxy saw paid.
    pub reference: Option<String>,
    /// `callback.*` findings on it.
    pub findings: Vec<FlowFinding>,
}

/// A callback due but not received by the end of its wait.
#[derive(Debug, Clone)]
pub struct MissingCallback {
    /// The payment's conversation.
    pub conversation: String,
    /// The step number a callback would have had.
    pub index: u32,
    /// The `callback.missing` finding.
    pub finding: FlowFinding,
}

/// The conversation name of callbacks that name no payment the proxy saw.
pub const UNMATCHED_CONVERSATION: &str = "(callbacks no payment matched)";

/// Cross-step findings on an answer and what it meant.
#[derive(Debug, Clone)]
pub struct Answered {
    /// Findings on the answer; a fixed severity overrides the rule's level.
    pub findings: Vec<(FlowFinding, Option<ppob_core::contract::Severity>)>,
    /// What the step meant, e.g. `processing (money rule: timeout)`.
    pub verdict: String,
    /// How the answer was read (the documents judge an envelope's body).
    pub reading: Reading,
}

/// The conversations of a proxy session.
pub struct Tracker {
    inquiries: Bounded<i64, Inquiry>,
    payments: Bounded<String, Payment>,
    /// Steps so far per conversation.
    steps: Bounded<u64, (String, u32)>,
    conversations: u64,
    payments_seen: u64,
    /// Callbacks that matched no payment so far.
    unmatched: u32,
}

impl Default for Tracker {
    fn default() -> Self {
        Self::new()
    }
}

fn finding(pointer: &str, message: String) -> RuleFinding {
    RuleFinding {
        pointer: pointer.to_owned(),
        message,
        expected: None,
        actual: None,
    }
}

impl Tracker {
    /// No conversation yet.
    pub fn new() -> Self {
        Self {
            inquiries: Bounded::new(),
            payments: Bounded::new(),
            steps: Bounded::new(),
            conversations: 0,
            payments_seen: 0,
            unmatched: 0,
        }
    }

    fn open(&mut self, payload: &Value) -> u64 {
        self.conversations += 1;
        let account = rules::text(payload, "/accountNumber").unwrap_or("?");
        let name = format!("c{} {account}", self.conversations);
        self.steps.insert(self.conversations, (name, 0));
        self.conversations
    }

    /// The conversation a request belongs to (opening one when none fits)
    /// and the cross-step findings on it; remembers nothing of the request.
    pub fn request(&mut self, operation: Operation, payload: &Value) -> Joined {
        let mut found = Vec::new();
        let conversation = match operation {
            Operation::Inquiry => None,
            Operation::Payment => {
                let inquiry = number(payload, "/inquiryId").and_then(|id| self.inquiries.get(&id));
                if let Some(inquiry) = inquiry {
                    found.extend(rules::payment_request(&inquiry.response, payload));
                }
                let conversation = inquiry.map(|i| i.conversation);
                found.extend(self.payment_checks(payload));
                conversation
            }
            Operation::Status => rules::text(payload, "/refNumber")
                .and_then(|r| self.payments.get(&r.to_owned()))
                .map(|p| p.conversation),
        };
        let conversation = match conversation {
            Some(c) if self.steps.get(&c).is_some() => c,
            _ => self.open(payload),
        };
        let (name, index) = self.next_step(conversation);
        Joined {
            conversation: name,
            index,
            request: found,
            context: Context {
                operation,
                conversation,
                payload: payload.clone(),
                expects_callback: false,
            },
        }
    }

    /// The name of `conversation` and the number of its next step.
    fn next_step(&mut self, conversation: u64) -> (String, u32) {
        match self.steps.get_mut(&conversation) {
            Some((name, steps)) => {
                *steps += 1;
                (name.clone(), *steps)
            }
            None => (format!("c{conversation}"), 1),
        }
    }

    /// `proxy.ref-number-reused` and `proxy.repaid-after-timeout` on a payment request.
    fn payment_checks(&self, payload: &Value) -> Vec<FlowFinding> {
        let Some(reference) = rules::text(payload, "/refNumber") else {
            return Vec::new();
        };
        let bill = Bill::of(payload);
        if let Some(earlier) = self.payments.get(&reference.to_owned()) {
            let retry = earlier.bill() == bill
                && number(&earlier.request, "/amount") == number(payload, "/amount");
            if retry {
                return Vec::new();
            }
            return vec![(
                REF_NUMBER_REUSED,
                RuleFinding {
                    expected: Some("a refNumber no other payment used".into()),
                    actual: Some(format!("\"{reference}\"")),
                    ..finding(
                        "/refNumber",
                        format!(
                            "refNumber {reference} was already used by a payment of another bill ({}); \
a new payment needs a new refNumber, a retry must repeat the same payment",
                            describe(&earlier.request)
                        ),
                    )
                },
            )];
        }
        let earlier = self
            .payments
            .values()
            .filter(|p| p.money != Money::Failed && p.bill().same(&bill))
            .min_by_key(|p| p.order);
        let Some(earlier) = earlier else {
            return Vec::new();
        };
        let first = rules::text(&earlier.request, "/refNumber").unwrap_or("?");
        let why = match &earlier.money {
            Money::Unknown(why) => format!(
                "the payment with refNumber {first} has no final answer yet ({why}): it may have gone through"
            ),
            Money::Succeeded => format!("the payment with refNumber {first} already succeeded"),
            Money::Failed => String::new(),
        };
        vec![(
            REPAID_AFTER_TIMEOUT,
            RuleFinding {
                expected: Some(format!("a status call with refNumber {first}")),
                actual: Some(format!("a new payment with refNumber {reference}")),
                ..finding(
                    "/refNumber",
                    format!(
                        "this bill ({}) is paid again with a new refNumber, but {why}; paying again can \
charge the customer twice — ask status with refNumber {first} (or retry with it) first",
                        describe(payload)
                    ),
                )
            },
        )]
    }

    /// Takes the answer to a request [`Tracker::request`] joined, as
    /// [`classify::read`] read it (outside the tracker's lock: parsing the
    /// body is most of the work), applies the cross-step rules and the money
    /// rule, and remembers what it taught.
    pub fn answer(&mut self, joined: &Joined, reading: Reading) -> Answered {
        let context = &joined.context;
        let mut findings = Vec::new();
        let verdict;
        match context.operation {
            Operation::Inquiry => {
                verdict = match &reading {
                    Reading::Envelope { code, json, .. } => {
                        if let Some(id) = number(json, "/data/inquiryId").filter(|id| *id != 0) {
                            self.inquiries.insert(
                                id,
                                Inquiry {
                                    conversation: context.conversation,
                                    response: json.clone(),
                                },
                            );
                        }
                        format!("code {code}")
                    }
                    Reading::AuthRefused { .. } => "credentials refused".into(),
                    Reading::Unusable(u) => {
                        findings.push((
                            (
                                rules::UNUSABLE_ANSWER,
                                finding("", format!("{}: nothing can be paid", u.explain())),
                            ),
                            Some(ppob_core::contract::Severity::Error),
                        ));
                        format!("unusable ({})", u.describe())
                    }
                };
            }
            Operation::Payment | Operation::Status => {
                let reference = rules::text(&context.payload, "/refNumber").map(str::to_owned);
                let known = reference.as_ref().and_then(|r| self.payments.get(r));
                let (inquiry, request, seen) = match (context.operation, known) {
                    (Operation::Status, Some(p)) => {
                        (p.inquiry.clone(), p.request.clone(), p.transaction_id)
                    }
                    (Operation::Payment, Some(p)) => {
                        (p.inquiry.clone(), context.payload.clone(), p.transaction_id)
                    }
                    _ => {
                        let inquiry = number(&context.payload, "/inquiryId")
                            .and_then(|id| self.inquiries.get(&id))
                            .map_or(Value::Null, |i| i.response.clone());
                        (inquiry, context.payload.clone(), None)
                    }
                };
                let money = classify::money(&reading);
                if let Reading::Envelope { json, .. } = &reading {
                    for f in rules::transaction_response(
                        json,
                        Expected {
                            inquiry: &inquiry,
                            payment_request: &request,
                            transaction_id: seen,
                        },
                    ) {
                        findings.push((f, None));
                    }
                    if let Some(doubt) = classify::final_in_doubt(&reading) {
                        findings.push(((rules::AMBIGUOUS_ANSWER, ambiguous(&doubt)), None));
                    }
                }
                if let Reading::Unusable(u) = &reading {
                    findings.push((
                        (
                            rules::UNUSABLE_ANSWER,
                            finding(
                                "",
                                format!(
                                    "{}: processing (money rule) — the payment may have gone through; \
ask status with the same refNumber, never pay again with a new one",
                                    u.explain()
                                ),
                            ),
                        ),
                        None,
                    ));
                }
                verdict = match &money {
                    MoneyVerdict::Success(c) => format!("success ({c})"),
                    MoneyVerdict::Failed(c) => format!("failed ({c})"),
                    MoneyVerdict::Processing(why) => format!("processing ({why})"),
                };
                self.remember(context, reference.clone(), &reading, &money, inquiry);
                if let Some(reference) = &reference {
                    findings.extend(
                        self.check_earlier_callback(reference, &reading)
                            .into_iter()
                            .map(|f| (f, None)),
                    );
                }
            }
        }
        if let Reading::AuthRefused {
            http_status,
            message,
        } = &reading
        {
            let said = message
                .as_deref()
                .map(|m| format!(": \"{m}\""))
                .unwrap_or_default();
            findings.push((
                (
                    AUTH_REFUSED,
                    finding(
                        "",
                        format!(
                            "the upstream answered HTTP {http_status}: it refused the KEY or TOKEN{said}"
                        ),
                    ),
                ),
                None,
            ));
        }
        Answered {
            findings,
            verdict,
            reading,
        }
    }

    /// Notes what a payment or status answer says of the payment's money.
    fn remember(
        &mut self,
        context: &Context,
        reference: Option<String>,
        reading: &Reading,
        money: &MoneyVerdict,
        inquiry: Value,
    ) {
        let Some(reference) = reference else { return };
        let transaction_id = match reading {
            Reading::Envelope { json, .. } => rules::transaction_id(json),
            _ => None,
        };
        // Credentials refused: nothing happened, so nothing is remembered.
        if matches!(reading, Reading::AuthRefused { .. }) {
            return;
        }
        let settled = match money {
            MoneyVerdict::Success(_) => Some(Money::Succeeded),
            MoneyVerdict::Failed(_) => Some(Money::Failed),
            MoneyVerdict::Processing(why) => Some(Money::Unknown(why.clone())),
        };
        if let Some(payment) = self.payments.get_mut(&reference) {
            if payment.transaction_id.is_none() {
                payment.transaction_id = transaction_id;
            }
            // A processing status answer does not undo what a final one said.
            match (&payment.money, settled) {
                (_, Some(Money::Unknown(why))) if matches!(payment.money, Money::Unknown(_)) => {
                    payment.money = Money::Unknown(why);
                }
                (_, Some(Money::Unknown(_))) | (_, None) => {}
                (_, Some(final_money)) => payment.money = final_money,
            }
            return;
        }
        if context.operation != Operation::Payment {
            return;
        }
        self.payments_seen += 1;
        self.payments.insert(
            reference,
            Payment {
                conversation: context.conversation,
                request: context.payload.clone(),
                inquiry,
                money: settled.unwrap_or(Money::Unknown("no answer".into())),
                transaction_id,
                order: self.payments_seen,
                callbacks: CallbackState {
                    expected: context.expects_callback,
                    ..CallbackState::default()
                },
            },
        );
    }
}

impl Tracker {
    /// After a payment or status answer about `reference`: notes a final
    /// one as what its callbacks must agree with, and compares a callback
    /// that came before it (`callback.matches-status`, on this answer).
    fn check_earlier_callback(&mut self, reference: &str, reading: &Reading) -> Vec<FlowFinding> {
        let Reading::Envelope { json, .. } = reading else {
            return Vec::new();
        };
        let Some(payment) = self.payments.get_mut(&reference.to_owned()) else {
            return Vec::new();
        };
        if !matches!(payment.money, Money::Succeeded | Money::Failed) {
            return Vec::new();
        }
        let state = &mut payment.callbacks;
        state.final_answer = Some(json.clone());
        state.final_at.get_or_insert_with(Instant::now);
        state
            .unchecked
            .take()
            .map(|callback| callbacks::matches_status(&callback, json))
            .unwrap_or_default()
    }

    /// Joins a callback the upstream sent to its payment (by
    /// `data.refNumber`) and judges it: against the payment's final answer
    /// when one came (else once it comes), and as a repeat of a delivery the
    /// partner already answered 200.
    pub fn callback(&mut self, body: &Value) -> CallbackJoined {
        let reference = rules::text(body, "/data/refNumber").map(str::to_owned);
        let known = reference
            .as_ref()
            .and_then(|r| self.payments.get_mut(r).map(|p| (r.clone(), p)));
        let Some((reference, payment)) = known else {
            self.unmatched += 1;
            let said = reference.map_or_else(
                || "it names no data.refNumber".to_owned(),
                |r| format!("no payment through the proxy used refNumber {r}"),
            );
            return CallbackJoined {
                conversation: UNMATCHED_CONVERSATION.to_owned(),
                index: self.unmatched,
                reference: None,
                findings: vec![(
                    callbacks::UNMATCHED,
                    finding(
                        "/data/refNumber",
                        format!("a callback no payment can be matched to: {said}"),
                    ),
                )],
            };
        };
        let conversation = payment.conversation;
        let state = &mut payment.callbacks;
        state.received += 1;
        let mut findings = Vec::new();
        if state.answered_ok > 0 {
            findings.push(callbacks::duplicate(state.received as usize, &reference));
        }
        match &state.final_answer {
            Some(answer) => findings.extend(callbacks::matches_status(body, answer)),
            None => state.unchecked = Some(body.clone()),
        }
        let (name, index) = self.next_step(conversation);
        CallbackJoined {
            conversation: name,
            index,
            reference: Some(reference),
            findings,
        }
    }

    /// Notes how the partner answered a callback about `reference`.
    pub fn callback_answered(&mut self, reference: &str, ok: bool) {
        if let Some(payment) = self.payments.get_mut(&reference.to_owned())
            && ok
        {
            payment.callbacks.answered_ok += 1;
        }
    }

    /// The payments whose callback was due through the proxy, final for at
    /// least `wait`, and never called back: each reported once.
    pub fn missing_callbacks(&mut self, wait: Duration, url: &str) -> Vec<MissingCallback> {
        let due: Vec<String> = self
            .payments
            .map
            .iter()
            .filter(|(_, p)| {
                let c = &p.callbacks;
                c.expected
                    && c.received == 0
                    && !c.missing_reported
                    && c.final_at.is_some_and(|at| at.elapsed() >= wait)
            })
            .map(|(r, _)| r.clone())
            .collect();
        let mut missing = Vec::new();
        for reference in due {
            let Some(payment) = self.payments.get_mut(&reference) else {
                continue;
            };
            payment.callbacks.missing_reported = true;
            let conversation = payment.conversation;
            let (name, index) = self.next_step(conversation);
            missing.push(MissingCallback {
                conversation: name,
                index,
                finding: callbacks::missing(&reference, url, wait),
            });
        }
        missing.sort_by(|a, b| a.conversation.cmp(&b.conversation));
        missing
    }
}

/// `proxy.invalid-accepted`: the upstream answered `success: true` to a
/// request with schema errors (`broken`: their pointers and messages) — a
/// negative amount, a missing field — which the vendor must refuse.
pub fn invalid_accepted(
    operation: Operation,
    broken: &[(&str, &str)],
    reading: &Reading,
) -> Option<RuleFinding> {
    let Reading::Envelope { code, json, .. } = reading else {
        return None;
    };
    if broken.is_empty() || json.get("success") != Some(&Value::Bool(true)) {
        return None;
    }
    let shown: Vec<String> = broken
        .iter()
        .take(3)
        .map(|(pointer, message)| {
            let at = if pointer.is_empty() {
                "(document)"
            } else {
                pointer
            };
            format!("{at}: {message}")
        })
        .collect();
    let more = broken
        .len()
        .checked_sub(3)
        .filter(|n| *n > 0)
        .map(|n| format!(" and {n} more"))
        .unwrap_or_default();
    Some(RuleFinding {
        expected: Some("a refusal of the broken request".into()),
        actual: Some(format!("responseCode {code}, success true")),
        ..finding(
            "/success",
            format!(
                "the upstream accepted (responseCode {code}) a {} request that breaks the contract — {}{more}; \
it must refuse it, never act on it",
                operation.name(),
                shown.join("; ")
            ),
        )
    })
}

fn ambiguous(doubt: &Doubt) -> RuleFinding {
    let pointer = match doubt {
        Doubt::DuplicateKeys(keys) => keys
            .first()
            .map_or(String::new(), |k| format!("/{}", k.key)),
        Doubt::HttpStatus(_) => String::new(),
        Doubt::SuccessFlag { .. } => "/success".into(),
    };
    finding(
        &pointer,
        format!(
            "{}: processing (money rule), resolved by status",
            doubt.explain()
        ),
    )
}

/// A payment request in a few words: inquiryId, account, product, amount.
fn describe(request: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(id) = number(request, "/inquiryId") {
        parts.push(format!("inquiryId {id}"));
    }
    if let Some(account) = rules::text(request, "/accountNumber") {
        parts.push(format!("account {account}"));
    }
    if let Some(amount) = number(request, "/amount") {
        parts.push(format!("amount {amount}"));
    }
    if parts.is_empty() {
        "no inquiryId, account or amount".into()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;
    use ppob_transport::{Exchange, TransportError, WireRequest, WireResponse};
    use serde_json::json;

    fn exchange(
        operation: Operation,
        payload: &Value,
        answer: Result<(u16, Value), TransportError>,
    ) -> Exchange {
        Exchange {
            request: WireRequest {
                operation,
                method: "POST".into(),
                path: operation.path().into(),
                headers: vec![],
                body: vec![],
                payload: payload.clone(),
            },
            response: answer.map(|(status, body)| {
                WireResponse::json(status, serde_json::to_vec(&body).unwrap())
            }),
            started: SystemTime::UNIX_EPOCH,
            elapsed: Duration::ZERO,
        }
    }

    fn step(
        tracker: &mut Tracker,
        operation: Operation,
        payload: Value,
        answer: Result<(u16, Value), TransportError>,
    ) -> (Joined, Answered) {
        let joined = tracker.request(operation, &payload);
        let reading = classify::read(&exchange(operation, &payload, answer));
        let answered = tracker.answer(&joined, reading);
        (joined, answered)
    }

    fn inquiry(tracker: &mut Tracker, id: i64, amount: i64) {
        step(
            tracker,
            Operation::Inquiry,
            json!({"accountNumber": "0811111111", "productCode": "p"}),
            Ok((
                200,
                json!({"responseCode": 300, "success": true, "data": {"inquiryId": id, "accountNumber": "0811111111", "productCode": "p", "amount": amount}}),
            )),
        );
    }

    fn payment(id: i64, amount: i64, reference: &str) -> Value {
        json!({"inquiryId": id, "accountNumber": "0811111111", "productCode": "p", "amount": amount, "refNumber": reference})
    }

    fn envelope(code: i64, reference: &str, amount: i64) -> Value {
        json!({"responseCode": code, "success": code < 100 || (200..300).contains(&code), "message": {"ID": "x", "EN": "x"},
               "data": {"refNumber": reference, "accountNumber": "0811111111", "amount": amount, "transactionId": 9}})
    }

    fn rules_of(found: &[FlowFinding]) -> Vec<&str> {
        found.iter().map(|(r, _)| *r).collect()
    }

    fn answer_rules(answered: &Answered) -> Vec<&str> {
        answered.findings.iter().map(|((r, _), _)| *r).collect()
    }

    /// A tracker that saw inquiry 1 answered with amount 5000.
    fn after_inquiry() -> Tracker {
        let mut t = Tracker::new();
        inquiry(&mut t, 1, 5000);
        t
    }

    /// Pays inquiry 1's 5000 with `reference`, answered `answer`.
    fn pay(
        t: &mut Tracker,
        reference: &str,
        answer: Result<(u16, Value), TransportError>,
    ) -> (Joined, Answered) {
        step(t, Operation::Payment, payment(1, 5000, reference), answer)
    }

    #[test]
    fn a_correct_conversation_is_joined_and_clean() {
        let mut t = after_inquiry();
        let (joined, answered) = pay(&mut t, "R1", Ok((200, envelope(201, "R1", 5000))));
        assert_eq!(
            (joined.conversation.as_str(), joined.index),
            ("c1 0811111111", 2)
        );
        assert!(joined.request.is_empty() && answered.findings.is_empty());
        assert_eq!(answered.verdict, "processing (code 201)");
        let (joined, answered) = step(
            &mut t,
            Operation::Status,
            json!({"refNumber": "R1"}),
            Ok((200, envelope(0, "R1", 5000))),
        );
        assert_eq!(joined.index, 3);
        assert!(answered.findings.is_empty(), "{:?}", answered.findings);
        assert_eq!(answered.verdict, "success (0)");
    }

    #[test]
    fn paying_another_inquirys_amount_breaks_payment_matches_inquiry() {
        let mut t = after_inquiry();
        inquiry(&mut t, 2, 7000);
        let joined = t.request(Operation::Payment, &payment(1, 7000, "R1"));
        assert_eq!(rules_of(&joined.request), [rules::PAYMENT_MATCHES_INQUIRY]);
        assert_eq!(joined.conversation, "c1 0811111111");
    }

    #[test]
    fn a_new_ref_number_after_a_timeout_is_the_key_finding_and_a_retry_is_not() {
        let mut t = after_inquiry();
        pay(
            &mut t,
            "R1",
            Err(TransportError::Timeout(Duration::from_secs(1))),
        );
        let retry = t.request(Operation::Payment, &payment(1, 5000, "R1"));
        assert!(retry.request.is_empty(), "the same refNumber is a retry");
        let again = t.request(Operation::Payment, &payment(1, 5000, "R2"));
        assert_eq!(rules_of(&again.request), [REPAID_AFTER_TIMEOUT]);
        assert!(again.request[0].1.message.contains("R1"));
        // Once status says the first failed, a new payment is fine.
        step(
            &mut t,
            Operation::Status,
            json!({"refNumber": "R1"}),
            Ok((
                200,
                json!({"responseCode": 105, "success": false, "message": {"ID": "x", "EN": "x"}, "data": {}}),
            )),
        );
        let after = t.request(Operation::Payment, &payment(1, 5000, "R3"));
        assert!(after.request.is_empty(), "{:?}", after.request);
    }

    #[test]
    fn a_ref_number_reused_for_another_bill_is_found() {
        let mut t = after_inquiry();
        pay(&mut t, "R1", Ok((200, envelope(105, "R1", 5000))));
        let reused = t.request(
            Operation::Payment,
            &json!({"inquiryId": 2, "accountNumber": "0822222222", "productCode": "p", "amount": 1, "refNumber": "R1"}),
        );
        assert_eq!(rules_of(&reused.request), [REF_NUMBER_REUSED]);
    }

    #[test]
    fn answers_are_read_with_the_cross_step_rules_and_the_money_rule() {
        let mut t = after_inquiry();
        let (_, answered) = pay(&mut t, "R1", Ok((200, envelope(0, "OTHER", 5000))));
        assert_eq!(answer_rules(&answered), [rules::REF_NUMBER_ECHO]);
        let (_, answered) = pay(&mut t, "R2", Ok((503, json!({}))));
        assert_eq!(answer_rules(&answered), [rules::UNUSABLE_ANSWER]);
        let (_, answered) = step(
            &mut t,
            Operation::Inquiry,
            json!({"accountNumber": "0811111111"}),
            Ok((401, json!({"message": {"EN": "bad key"}}))),
        );
        assert_eq!(answered.findings[0].0.0, AUTH_REFUSED);
        assert!(answered.findings[0].0.1.message.contains("bad key"));
    }

    #[test]
    fn callbacks_join_their_payment_and_are_compared_with_its_final_answer() {
        let mut t = after_inquiry();
        let mut joined = t.request(Operation::Payment, &payment(1, 5000, "R1"));
        joined.expect_callback();
        let answer = exchange(
            Operation::Payment,
            &payment(1, 5000, "R1"),
            Ok((200, envelope(201, "R1", 5000))),
        );
        t.answer(&joined, classify::read(&answer));
        // A callback saying failed comes before the final status …
        let early = t.callback(&envelope(198, "R1", 5000));
        assert_eq!(
            (early.conversation.as_str(), early.index),
            ("c1 0811111111", 3)
        );
        assert!(early.findings.is_empty(), "nothing to compare with yet");
        t.callback_answered("R1", true);
        // … so the success status is where the contradiction is found.
        let (_, status) = step(
            &mut t,
            Operation::Status,
            json!({"refNumber": "R1"}),
            Ok((200, envelope(0, "R1", 5000))),
        );
        assert_eq!(answer_rules(&status), [callbacks::MATCHES_STATUS]);
        // A second delivery after one answered 200 is a duplicate; it is compared at once.
        let again = t.callback(&envelope(198, "R1", 5000));
        assert_eq!(
            rules_of(&again.findings),
            [callbacks::DUPLICATE, callbacks::MATCHES_STATUS]
        );
        let stray = t.callback(&envelope(0, "NOPE", 1));
        assert_eq!(stray.conversation, UNMATCHED_CONVERSATION);
        assert_eq!(rules_of(&stray.findings), [callbacks::UNMATCHED]);
        assert!(
            t.missing_callbacks(Duration::ZERO, "x").is_empty(),
            "R1 was called back"
        );
    }

    #[test]
    fn a_final_payment_never_called_back_is_missing_once() {
        let mut t = after_inquiry();
        let mut joined = t.request(Operation::Payment, &payment(1, 5000, "R1"));
        joined.expect_callback();
        t.answer(
            &joined,
            classify::read(&exchange(
                Operation::Payment,
                &payment(1, 5000, "R1"),
                Ok((200, envelope(0, "R1", 5000))),
            )),
        );
        assert!(t.missing_callbacks(Duration::from_secs(60), "x").is_empty());
        let missing = t.missing_callbacks(Duration::ZERO, "the receiver");
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].finding.0, callbacks::MISSING);
        assert_eq!(missing[0].conversation, "c1 0811111111");
        assert!(t.missing_callbacks(Duration::ZERO, "x").is_empty(), "once");
    }

    #[test]
    fn memory_is_bounded() {
        let mut map = Bounded::new();
        for i in 0..(MAX_REMEMBERED + 10) {
            map.insert(i, ());
        }
        assert_eq!(map.map.len(), MAX_REMEMBERED);
        assert!(map.get(&0).is_none() && map.get(&(MAX_REMEMBERED + 9)).is_some());
    }
}
