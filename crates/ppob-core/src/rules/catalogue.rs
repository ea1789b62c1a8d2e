//! The one rule catalogue: every rule and oracle id of every scope, with its
//! default severity, a one-line summary, a long description and where in the
//! API facts it comes from.
//!
//! Everything that shows, resolves or reports a rule reads it from here:
//! `ppob-contract rules`, `--severity` (through [`Severities`](super::Severities)), the
//! semantic rules' severities ([`super::RuleSet`]), the flow rules, the fuzz
//! oracles and the report formats. The code that emits a finding names it by
//! id only; a test keeps every id the code can emit in this table and every id
//! of this table in the README.

use std::fmt;

use serde::Serialize;

use crate::contract::Severity;

/// Ids the engine itself emits, named once here (the rest live with their rule).
pub mod ids {
    /// JSON Schema violations (the failing keyword is named in the message).
    pub const SCHEMA: &str = "schema";
    /// A field the contract does not document.
    pub const DRIFT: &str = "drift";
    /// A field the contract does not document, close to one it does
    /// (`CallbackUrls` for `callbackUrls`).
    pub const NEAR_MISS: &str = "drift.near-miss";
    /// A UTF-8 byte order mark before the document.
    pub const BOM: &str = "json.bom";
    /// An object names the same member twice.
    pub const DUPLICATE_KEY: &str = "json.duplicate-key";
    /// A document too costly to explain in full (its DOM would pass the budget).
    pub const TOO_COSTLY: &str = "json.too-costly";
    /// A required response code never observed (the coverage gate).
    pub const REQUIRED_CODE: &str = "coverage.required-code";
    /// A run-level fuzz warning: the run passed, but its pass means little
    /// (every answer was an auth refusal, no inquiry found a bill, nothing was paid).
    pub const VACUOUS_PASS: &str = "fuzz.vacuous-pass";
}

/// Where a rule applies: what kind of run can report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Scope {
    /// The input could not be read (exit 2): every command.
    Input,
    /// The server could not be talked to (exit 2): `check`, `fuzz`.
    Setup,
    /// One document against the contract: `validate`, and every document of
    /// `check` and `fuzz`.
    Document,
    /// Across the steps of one inquiry → payment → status conversation: `check`.
    Flow,
    /// The callbacks of a payment, against its final status: `check --callback-listen`.
    Callback,
    /// Fuzz oracles: what must hold for every generated case: `fuzz`.
    Fuzz,
    /// What only live traffic through `proxy` shows: the partner's own
    /// requests (headers, TOKEN), re-payments, reused refNumbers.
    Proxy,
    /// What the target was seen to answer over a whole run: `check`, `fuzz`.
    Coverage,
}

impl Scope {
    /// Every scope, in the order `rules` lists them.
    pub const ALL: [Scope; 8] = [
        Self::Document,
        Self::Flow,
        Self::Callback,
        Self::Proxy,
        Self::Fuzz,
        Self::Coverage,
        Self::Input,
        Self::Setup,
    ];

    /// The lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Input => "input",
            Self::Setup => "setup",
            Self::Document => "document",
            Self::Flow => "flow",
            Self::Callback => "callback",
            Self::Fuzz => "fuzz",
            Self::Proxy => "proxy",
            Self::Coverage => "coverage",
        }
    }

    /// A heading for `rules`.
    pub fn title(self) -> &'static str {
        match self {
            Self::Document => "document rules (validate, and every document of check and fuzz)",
            Self::Flow => "flow rules (check: across inquiry → payment → status)",
            Self::Callback => {
                "callback rules (check --callback-listen: each callback against the final status)"
            }
            Self::Proxy => "proxy rules (proxy: the partner's own traffic)",
            Self::Fuzz => "fuzz oracles (fuzz)",
            Self::Coverage => "coverage (check, fuzz)",
            Self::Input => "input problems (exit 2; severity fixed)",
            Self::Setup => "setup problems (check, fuzz: exit 2; severity fixed)",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One rule or oracle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    /// The stable id findings carry.
    pub id: &'static str,
    /// Where it applies.
    pub scope: Scope,
    /// Its severity unless `--severity` (or `--strict`, for `drift`) says otherwise.
    pub default_severity: Severity,
    /// Whether `--severity` may change it (`schema`, `input.*` and `setup.*` are fixed).
    pub configurable: bool,
    /// One line on what it checks.
    pub summary: &'static str,
    /// What it checks, when, and why it matters.
    pub description: &'static str,
    /// Where it comes from: a section of the API facts, or the standard it follows.
    pub source: &'static str,
}

const FACTS_ENVELOPE: &str = "api-facts: Response envelope";
const FACTS_CODES: &str = "api-facts: Response codes";
const FACTS_RELATIONS: &str =
    "api-facts: Relations between fields that hold in consistent examples";
const FACTS_CATEGORIES: &str = "api-facts: Other product categories (products/README.md)";
const FACTS_MONEY: &str = "api-facts: Response codes — the money rule";
const FACTS_TRANSPORT: &str = "api-facts: Operations and transport";
const FACTS_UNKNOWNS: &str = "api-facts: Unknowns";
const FACTS_CALLBACK: &str =
    "api-facts: Response envelope (the callback has the body of a status answer)";

/// A configurable rule.
const fn rule(
    id: &'static str,
    scope: Scope,
    default_severity: Severity,
    summary: &'static str,
    description: &'static str,
    source: &'static str,
) -> RuleInfo {
    RuleInfo {
        id,
        scope,
        default_severity,
        configurable: true,
        summary,
        description,
        source,
    }
}

/// An input or setup problem: always an error, exit 2.
const fn fixed(
    id: &'static str,
    scope: Scope,
    summary: &'static str,
    description: &'static str,
    source: &'static str,
) -> RuleInfo {
    RuleInfo {
        id,
        scope,
        default_severity: Severity::Error,
        configurable: false,
        summary,
        description,
        source,
    }
}

use Scope::{Callback, Coverage, Document, Flow, Fuzz, Input, Proxy, Setup};
use Severity::{Error, Warning};

/// Every rule and oracle, grouped by scope.
pub const CATALOGUE: &[RuleInfo] = &[
    // Document rules.
    fixed(
        ids::SCHEMA,
        Document,
        "the document breaks its JSON Schema (the failing keyword is named in the message)",
        "Every document is checked against the strict JSON Schema of its kind, derived from the Rust \
models (schemas/*.schema.json): field names, types, required fields, integer ranges and the \
responseCode → data shape. The message names the failing keyword. Its severity is fixed: a \
document that breaks its schema breaks the contract.",
        "api-facts: Operations and transport; Response envelope",
    ),
    rule(
        ids::DRIFT,
        Document,
        Warning,
        "a field the contract does not document (--strict: error)",
        "A member the models do not know. The published schemas allow extra fields, so a consumer \
keeps working, but undocumented fields are documentation drift the vendor should hear about. \
A warning by default; --strict makes it an error.",
        FACTS_ENVELOPE,
    ),
    rule(
        ids::NEAR_MISS,
        Document,
        Warning,
        "an undocumented field that is a near miss of a documented one, e.g. CallbackUrls (--strict: error)",
        "A member the models do not know whose name is a documented field's name in another case \
(CallbackUrls, refnumber) or a small edit away from it (amout: one edit for names up to 8 \
characters, two beyond). Readers ignore it like any unknown field, so what the sender meant is \
lost without a word: a payment whose callbackUrls is spelt CallbackUrls gets no callback. The \
message names the field it probably meant, compared with the fields documented at the same \
place (a member of data with the fields of data). Reported instead of drift for that field, on \
requests and responses; `mock` names the same in a log line and its ppob-contract-ignored header. \
A warning by default; --strict makes it an error.",
        FACTS_TRANSPORT,
    ),
    rule(
        ids::BOM,
        Document,
        Error,
        "a UTF-8 byte order mark before the document",
        "RFC 8259 forbids a byte order mark before a JSON text sent over the network; many JSON \
readers refuse it. The document is still checked after the mark.",
        "RFC 8259 §8.1",
    ),
    rule(
        ids::TOO_COSTLY,
        Document,
        Error,
        "a document the schema refuses is too costly to explain in full",
        "A document the typed reader refuses is explained from a DOM, which for many small \
objects takes far more memory than the bytes (about 700 bytes per object). Past 64 MiB estimated, \
the document is not explained: the typed reader's first error is reported with this finding, and \
`check` treats such a payment or status answer as doubtful (processing, then status).",
        "RFC 8259 §9",
    ),
    rule(
        ids::DUPLICATE_KEY,
        Document,
        Error,
        "an object names the same member twice",
        "Readers disagree on which of two members with the same name wins (serde takes the last, \
others the first), so the same bytes mean different things to different partners.",
        "RFC 8259 §4",
    ),
    rule(
        "response.success-matches-code",
        Document,
        Error,
        "success is true for success (0-99), processing (200-299) and inquiry-ok (300) codes and false for every other documented class",
        "A partner that trusts the success flag instead of responseCode (or the other way round) \
books a failed payment as paid, or retries one that went through, so the two must never \
disagree. Codes outside every documented range are left to response.unknown-code. Reads only \
the envelope, so it runs even when the schema rejected the rest.",
        FACTS_CODES,
    ),
    rule(
        "response.unknown-code",
        Document,
        Warning,
        "responseCode is one of the codes the vendor documents by number",
        "A code missing from the documented table is new or a typo in the vendor's mapping: the \
partner falls back to the code's class, which may be the wrong branch. A warning: the range \
still tells what happened, and the vendor may add codes without notice. The finding names the \
class.",
        FACTS_CODES,
    ),
    rule(
        "inquiry.amount-equals-bill-sum",
        Document,
        Error,
        "a successful inquiry's amount equals the sum of billDetails[].value, admin-fee line (billId \"0\") included",
        "amount is what the partner charges the customer and sends back in the payment; a total \
that differs from the sum of the bill lines is a bill the customer can prove wrong. Checked on \
inquiry responses with complete data and at least one bill line. Some products break it: \
lower it with --severity.",
        FACTS_RELATIONS,
    ),
    rule(
        "bill.total-admin-equals-admin-line",
        Document,
        Error,
        "totalAdmin equals the value of the admin-fee bill line (billId \"0\"), when there is one",
        "The same fee shown twice, once as a total and once as a receipt line: when they differ the \
partner's books and the customer's receipt disagree. Checked on every response with complete \
data that has a billId \"0\" line.",
        FACTS_RELATIONS,
    ),
    rule(
        "bill.info-sums-to-line",
        Document,
        Error,
        "where every billInfo value of a bill line is numeric, they sum to the line's value",
        "billInfo is the breakdown printed under a bill line (bill, penalty, stamp duty, …). When \
every value is a plain number, they must add up to the line; a single non-numeric value means \
the breakdown is not a sum and the line is skipped.",
        FACTS_RELATIONS,
    ),
    rule(
        "status.token-equals-reference",
        Document,
        Error,
        "a successful status or callback token equals the reference-number line of productDetails",
        "For postpaid products the token is the biller's reference number, printed on the receipt \
and used to settle disputes, so token and the productDetails reference line must be the same \
string. The reference keys are configurable (--reference-key).",
        FACTS_RELATIONS,
    ),
    // Category rules: rules of known kinds, parametrised by each category's folder.
    rule(
        "product.required-key",
        Document,
        Error,
        "a successful document carries every detail line its product category names",
        "Each category documents the keys of customerDetails and productDetails per phase \
(a successful inquiry; a successful payment, status or callback), the admin line's key, the \
bill lines' key and their billInfo keys (e.g. PLN Prepaid's meter number). A missing one is reported \
at the array it should be in. The keys are data: fixtures/<category>/category.toml.",
        FACTS_CATEGORIES,
    ),
    rule(
        "product.token-line",
        Document,
        Error,
        "a successful token equals the productDetails line its category names",
        "Some categories carry their result twice: Pulsa's token is its serial number, printed again \
as a productDetails line. A successful payment, status or callback whose token differs from the \
first of the category's token.lines present in productDetails is reported at /data/token.",
        FACTS_CATEGORIES,
    ),
    rule(
        "product.token-pattern",
        Document,
        Error,
        "a successful token matches its category's token pattern",
        "What token carries differs by category: a PLN token is 20 digits, a data package's an \
alphanumeric code. A successful payment, status or callback whose token does not match the \
category's pattern (token.pattern) as a whole is reported at /data/token.",
        FACTS_CATEGORIES,
    ),
    rule(
        "product.token-parts",
        Document,
        Error,
        "a successful token built from parts has its category's parts, in order",
        "BPJSTK PU's token is its contribution parts joined (JHT…#JKK…#JKM…#JPN…): the token must \
have exactly the category's parts (token.parts), each starting with its prefix.",
        FACTS_CATEGORIES,
    ),
    rule(
        "product.bill-periods",
        Document,
        Error,
        "a successful inquiry has as many bill periods as its category allows",
        "Phone credit has no bill line, Mobile Postpaid one or more, PLN Postpaid one per month \
owed: the number of billDetails lines other than the admin line (billId \"0\") must be within the \
category's bills.periods.",
        FACTS_CATEGORIES,
    ),
    rule(
        "product.date-order",
        Document,
        Error,
        "date lines are written in the category's order",
        "Detail lines read \"DD Mon YYYY | HH:MM\" except BPJSTK BPU, which writes the time first \
(\"HH:MM | DD Mon YYYY\"). A date line (a detail line whose template is {time}) in the other order \
or another shape is reported at its value.",
        FACTS_CATEGORIES,
    ),
    rule(
        "product.request-extra",
        Document,
        Error,
        "an inquiry request carries the extras its category needs, within bounds",
        "Open-amount products send amount, BPJSTK BPU sends month, game vouchers send zoneId \
(api-facts: Operations). A missing extra is reported at the document, one out of the category's \
bounds at its field.",
        FACTS_CATEGORIES,
    ),
    rule(
        "product.unknown-category",
        Document,
        Warning,
        "the document names a product category that is not known",
        "A document whose data.category no known category has (or one several share, such as \
BPJS, when its product code does not pick one) is judged by the envelope and the generic rules only; \
this note says so. `ppob-contract products` lists the known categories, --category NAME names one, \
--products DIR adds category folders.",
        FACTS_CATEGORIES,
    ),
    // Flow rules.
    rule(
        "flow.ref-number-echo",
        Flow,
        Error,
        "payment and status responses echo the payment request's refNumber",
        "Status is looked up by the partner's refNumber; an answer carrying another refNumber \
cannot be matched to the payment it is about.",
        FACTS_RELATIONS,
    ),
    rule(
        "flow.account-echo",
        Flow,
        Error,
        "payment and status responses echo the inquiry's accountNumber",
        "A payment or status answer about another account than the one inquired is a payment \
booked to the wrong customer, or an answer about someone else's bill.",
        FACTS_RELATIONS,
    ),
    rule(
        "flow.payment-matches-inquiry",
        Flow,
        Error,
        "the payment request's inquiryId, accountNumber, productCode and amount are the inquiry's",
        "Checks what was really sent (a replayed cassette carries its recorded request): a payment \
that does not repeat its inquiry's values pays another bill or another amount.",
        FACTS_RELATIONS,
    ),
    rule(
        "flow.amount-matches-inquiry",
        Flow,
        Error,
        "payment and status responses carry the inquiry's amount",
        "The amount charged must be the amount the customer was shown at inquiry; a different \
amount in the payment or status answer is an over- or under-charge.",
        FACTS_RELATIONS,
    ),
    rule(
        "flow.transaction-id-stable",
        Flow,
        Error,
        "transactionId is the same in the payment and every status answer",
        "transactionId identifies the vendor's transaction; one that changes between payment and \
status means two transactions or an answer about another one.",
        FACTS_RELATIONS,
    ),
    rule(
        "flow.unusable-answer",
        Flow,
        Warning,
        "an answer without a usable envelope (no answer, 5xx, not JSON, code outside 0-399); on payment and status it means processing, on inquiry it is an error",
        "The money rule: a payment answer that cannot be read (timeout, connection error, HTTP 5xx, \
unparseable body, code outside 0-399) means processing, never failed, and check goes on to \
poll status. Reported as a warning on payment and status; on an inquiry nothing can follow, \
so it is an error there.",
        FACTS_MONEY,
    ),
    rule(
        "flow.expectation",
        Flow,
        Error,
        "the case ended as it expected (success, failed[:codes], pending)",
        "Each case states how it should end (--case ACCOUNT=EXPECT, or the config file's expect); a case that \
ended otherwise is reported on its last document.",
        FACTS_CODES,
    ),
    rule(
        "flow.ambiguous-answer",
        Flow,
        Warning,
        "a payment or status answer with a final code that is not clean (HTTP status other than 200, an envelope key named twice, a success flag missing or against the code's class) is processing, resolved by status",
        "The money rule on contradictory answers: a final code that arrives with an HTTP status other \
than 200, a duplicated envelope key, or a success flag that is missing or disagrees with the \
code's class cannot be trusted as final, so check treats the payment as processing and lets \
status decide.",
        FACTS_MONEY,
    ),
    rule(
        "flow.duplicate-unknown-ref",
        Flow,
        Error,
        "a duplicate answer (102, 108) to a payment whose refNumber this run never used: another transaction owns it, so the case stops",
        "Codes 102 and 108 say the refNumber was already used. When this run never used it, the \
transaction behind it is someone else's: reading its status as this case's would settle the \
case on another payment, so the case stops with an error.",
        FACTS_CODES,
    ),
    rule(
        "flow.foreign-transaction",
        Flow,
        Error,
        "a payment or status answer names another refNumber, account or transactionId than this case's and cannot settle it",
        "An answer about another transaction says nothing about this case's money; it is reported \
and not used to settle the case.",
        FACTS_RELATIONS,
    ),
    rule(
        "flow.inquiry-other-account",
        Flow,
        Error,
        "the inquiry answers another accountNumber than the case's; check never pays another account",
        "Paying from an inquiry about another account would pay someone else's bill, so the case \
stops before payment.",
        FACTS_RELATIONS,
    ),
    rule(
        "flow.amount-above-limit",
        Flow,
        Error,
        "against a real target check pays at most --max-amount; a larger or non-integer amount stops the case before payment",
        "A safety limit for sandboxes that move real balances: the inquiry's amount must be an \
integer no larger than --max-amount (config max_amount) before check pays it.",
        "api-facts: Operations and transport (amount: int, rupiah)",
    ),
    rule(
        "flow.inquiry-echoes-extras",
        Flow,
        Error,
        "a successful inquiry answer reflects the request's extras: the open amount plus totalAdmin, one bill-period line per month asked",
        "An open-amount product's inquiry names the amount to top up; the answer must charge that \
amount plus its admin fee, or the customer pays what they did not ask for. A BPJSTK BPU inquiry \
names the months paid; the answer must have one bill-period line (billId other than \"0\") per \
month. Extras the request did not send are not compared.",
        FACTS_CATEGORIES,
    ),
    // Callback rules.
    rule(
        "callback.missing",
        Callback,
        Error,
        "a payment whose status became final was called back by --callback-wait (default 30s)",
        "After a payment settles the vendor POSTs its callback to the payment's callbackUrls. A \
payment that reached a final status without a callback within the wait leaves a partner that \
relies on callbacks waiting; reported on the final status answer. Payments refused outright \
and payments still processing at the deadline are not expected to call back.",
        FACTS_CALLBACK,
    ),
    rule(
        "callback.duplicate",
        Callback,
        Warning,
        "each payment is called back once: a repeat of a callback that was answered 200 is reported",
        "The vendor retries a callback until it is answered HTTP 200; check answers 200 at once, so \
a second delivery is a retry the vendor should not have sent. Partners must treat repeats as \
one payment anyway, hence a warning by default.",
        FACTS_CALLBACK,
    ),
    rule(
        "callback.matches-status",
        Callback,
        Error,
        "a callback agrees with the payment's final status answer: refNumber, transactionId, the class of responseCode (success, failed, processing) and token",
        "The callback has the same body as a status answer, so it must tell the same story: a \
callback that says failed when status says success (or names another transaction or token) \
makes the partner refund or deliver wrongly.",
        FACTS_CALLBACK,
    ),
    rule(
        "callback.unmatched",
        Callback,
        Warning,
        "a callback names a refNumber no payment of the run used, or none at all",
        "Callbacks are matched to payments by data.refNumber. One that names no refNumber, or one \
this run never sent, cannot be checked against any status; reported after the cases (a late \
repeat of a judged case's callback is callback.duplicate instead).",
        FACTS_CALLBACK,
    ),
    rule(
        "callback.dropped",
        Callback,
        Warning,
        "callbacks were refused (HTTP 503) because the receiver held as many as it may",
        "The receiver holds at most 10 000 callbacks at once (--callback-max-held, [callbacks] \
max_held); past it each delivery is answered 503 and counted, and the count is reported once \
after the cases. A vendor retries a callback until it is answered 200, so nothing is lost for the \
partner, but this run did not judge those deliveries.",
        FACTS_CALLBACK,
    ),
    // Proxy rules.
    rule(
        "proxy.headers",
        Proxy,
        Error,
        "a request carries the KEY and VERSION headers the API requires (VERSION 2.0; KEY the configured partner's when known)",
        "Every request names its partner in KEY and the API version in VERSION (2.0). A request \
without them, or with another version, is refused by the vendor; with PPOB_API_KEY set the \
proxy also checks KEY is that partner's. Reported on the request.",
        FACTS_TRANSPORT,
    ),
    rule(
        "proxy.token",
        Proxy,
        Error,
        "a request's TOKEN is an HS256 JWT of its fields (signed with the partner's secret when known) and agrees with its body",
        "The vendor reads the request fields from TOKEN, an HS256 JWT signed with the partner's API \
secret. A missing or unreadable TOKEN, one signed with another algorithm or (with \
PPOB_API_SECRET set) another secret, or a JSON body that says otherwise than the TOKEN is a \
request the vendor refuses or reads differently from what the partner meant. Reported on the \
request.",
        FACTS_TRANSPORT,
    ),
    rule(
        "proxy.auth-refused",
        Proxy,
        Error,
        "the upstream refused the partner's credentials (HTTP 401/403)",
        "An answer HTTP 401 or 403 means the KEY or TOKEN was refused: the request did nothing. \
Reported on the answer, with the vendor's message when it sent one.",
        FACTS_TRANSPORT,
    ),
    rule(
        "proxy.repaid-after-timeout",
        Proxy,
        Error,
        "a bill whose payment's outcome is still unknown (timeout, 5xx, processing) is paid again with a new refNumber",
        "The money rule from the partner's side: a payment answered with a timeout, a connection \
error, a 5xx, an unreadable body or a processing code may have gone through. Paying the same \
bill (same inquiryId, or same account and product) again with a new refNumber before status \
said the first one failed can charge the customer twice; ask status with the first refNumber \
(or retry with the same refNumber) instead. Also reported when the bill was already paid \
successfully. Reported on the second payment's request.",
        FACTS_MONEY,
    ),
    rule(
        "proxy.ref-number-reused",
        Proxy,
        Error,
        "a payment reuses the refNumber of an earlier payment of another bill",
        "refNumber identifies the partner's transaction: status, callbacks and duplicate detection \
go by it. A refNumber sent again for another inquiry, account, product or amount is refused as \
a duplicate (102/108) or, worse, read as the first payment. A retry of the same payment with \
the same refNumber is fine. Reported on the request.",
        FACTS_CODES,
    ),
    rule(
        "proxy.invalid-accepted",
        Proxy,
        Error,
        "the upstream refuses a request that breaks the request schema instead of answering success",
        "A request with a schema error — a negative amount, a missing or misspelled field, a wrong \
type — must be refused by the vendor (a documented failure code or HTTP 4xx). An answer with \
success true (a payment accepted, even as processing) means the sandbox acted on a request the \
contract forbids, and a partner testing against it learns the wrong lesson. Reported on the \
answer; the request's own findings stay on the request.",
        FACTS_TRANSPORT,
    ),
    rule(
        "proxy.callback-refused",
        Proxy,
        Error,
        "the partner's callback URL answers a callback HTTP 200 (proxy --callbacks)",
        "With --callbacks the proxy receives each callback the sandbox sends, judges it and forwards \
it, body unchanged, to the URL the partner's payment named. The vendor retries a callback until \
it is answered HTTP 200, so a partner endpoint answering anything else (a 500, a redirect, a \
timeout, a refused connection) makes the vendor call again and again, and a partner that failed \
to record it may never deliver what was paid for. Reported on the callback.",
        FACTS_CALLBACK,
    ),
    // Fuzz oracles.
    rule(
        "fuzz.no-double-charge",
        Fuzz,
        Error,
        "a payment repeated with the same refNumber never makes a second transaction",
        "A second payment with the same refNumber must answer with the same transactionId (or a \
duplicate refusal) and status must show one transaction: the partner retries payments, and a \
retry must never charge the customer twice.",
        FACTS_UNKNOWNS,
    ),
    rule(
        "fuzz.negative-refused",
        Fuzz,
        Error,
        "a negative request gets an acceptable refusal (acceptable.toml), never a success code",
        "A request mutated to break the contract (missing field, wrong type, negative or huge \
amount, unknown account, …) must be refused with one of the answers acceptable for that \
variant (crates/ppob-fuzz/src/acceptable.toml, --acceptable overrides), never accepted.",
        FACTS_TRANSPORT,
    ),
    rule(
        "fuzz.money",
        Fuzz,
        Error,
        "a refused payment is never charged; a successful payment stays successful in status",
        "The money rule seen from the server: a payment answered with a final failure must not \
show as success or processing in status, and a successful one must not turn into a failure.",
        FACTS_MONEY,
    ),
    rule(
        "fuzz.valid-accepted",
        Fuzz,
        Error,
        "a valid payment of a fresh inquiry is never refused as not matching it or as malformed",
        "A payment made right after its inquiry with the inquiry's own values must not get 104, \
114, 312 or 313, nor HTTP 400/422.",
        FACTS_CODES,
    ),
    rule(
        "fuzz.no-server-error",
        Fuzz,
        Error,
        "no HTTP 5xx and no transport error, on any input",
        "Whatever a partner sends, the server answers with an envelope: a 5xx, a timeout or a \
closed connection on a payment leaves the partner not knowing whether money moved.",
        FACTS_MONEY,
    ),
    rule(
        "fuzz.conforms",
        Fuzz,
        Error,
        "every answer is a JSON envelope holding the response schema, the rules and the cross-step rules",
        "Every answer of a fuzz case is judged like a check document: schema, document rules and, \
for valid payments, the flow rules.",
        FACTS_ENVELOPE,
    ),
    rule(
        "fuzz.latency",
        Fuzz,
        Error,
        "every answer within --latency-budget (off unless a budget is given)",
        "With --latency-budget, an answer slower than the budget is a failure; without it the \
oracle does not run.",
        FACTS_MONEY,
    ),
    rule(
        "fuzz.vacuous-pass",
        Fuzz,
        Warning,
        "warns when a run passed but its pass means little (all auth refusals, no bill, nothing paid)",
        "A run-level warning: every answer was an authentication refusal, no inquiry found a bill, \
or nothing was paid, so the oracles had nothing to check.",
        FACTS_CODES,
    ),
    // Coverage.
    rule(
        ids::REQUIRED_CODE,
        Coverage,
        Error,
        "a response code required with --require-codes was never answered during the run",
        "A green run against a sandbox that answers one code to everything means little. With \
--require-codes, every listed responseCode must have been observed at least once; a code never \
seen fails the run.",
        FACTS_CODES,
    ),
    // Input problems.
    fixed(
        "input.parse",
        Input,
        "the bytes are not JSON (syntax error, truncation, number out of range, nesting too deep)",
        "The document could not be parsed, so nothing of the contract could be checked: exit 2. \
The finding carries the parser's line and column.",
        "RFC 8259",
    ),
    fixed(
        "input.encoding",
        Input,
        "the bytes are not UTF-8",
        "JSON exchanged between systems is UTF-8 (RFC 8259 §8.1); the finding names the first \
invalid byte. Exit 2.",
        "RFC 8259 §8.1",
    ),
    fixed(
        "input.kind",
        Input,
        "the document's kind could not be told from its shape or file name",
        "Without a kind there is no schema to check against: give --kind. Exit 2.",
        FACTS_ENVELOPE,
    ),
    fixed(
        "input.io",
        Input,
        "a file could not be read (missing path, empty directory, permission)",
        "The path named on the command line could not be read. Exit 2.",
        "the command line",
    ),
    // Setup problems.
    fixed(
        "setup.unreachable",
        Setup,
        "the server could not be reached at all (connection refused or timed out, DNS, TLS)",
        "Nothing was exchanged, so nothing of the contract was checked: exit 2. The line says what \
to check: the address (--target, PPOB_BASE_URL), whether the sandbox is up, a VPN, firewall or proxy \
in the way, TLS (http versus https, certificates).",
        FACTS_TRANSPORT,
    ),
    fixed(
        "setup.auth",
        Setup,
        "the server refused the credentials (HTTP 401/403)",
        "The KEY header or the TOKEN signature was refused: check PPOB_API_KEY, PPOB_API_SECRET \
(or the config file's [credentials]) and the body mode. Exit 2.",
        FACTS_TRANSPORT,
    ),
    fixed(
        "setup.not-the-api",
        Setup,
        "the target's first answer is not the API (an HTML page, 404/405, not JSON, no envelope)",
        "Before the target has answered the API once, an inquiry answered with an HTML page (or any \
body starting with `<`) whatever its HTTP status, HTTP 404 or 405 (unless an envelope with an inquiry code 300-399), a body \
that is not JSON or JSON without any envelope key (responseCode, success, message, data) means the \
requests do not reach the API: a wrong base URL or path prefix, a proxy or login page in the way, \
a gateway's error page while the sandbox is down (a 5xx that is not a page stays a finding). \
The run stops with one line naming the URL, the HTTP status, the content type and the first 80 \
characters of the body (redacted). Exit 2. The same answer after the API has answered is the \
partner's: a contract finding (flow.unusable-answer), and on a payment processing (the money rule).",
        FACTS_ENVELOPE,
    ),
];

/// The catalogue entry of `id`.
pub fn get(id: &str) -> Option<&'static RuleInfo> {
    CATALOGUE.iter().find(|r| r.id == id)
}

/// The entries of one scope, in catalogue order.
pub fn of_scope(scope: Scope) -> impl Iterator<Item = &'static RuleInfo> {
    CATALOGUE.iter().filter(move |r| r.scope == scope)
}

/// Up to three ids close to `unknown`, the closest first: ids whose last part
/// is `unknown` (a scope left out), then ids within a small edit distance.
pub fn suggestions(unknown: &str) -> Vec<&'static str> {
    let wanted = unknown.to_ascii_lowercase();
    let mut scored: Vec<(f64, &'static str)> = CATALOGUE
        .iter()
        .filter_map(|r| {
            let tail = r.id.rsplit_once('.').map_or(r.id, |(_, tail)| tail);
            let score = if tail == wanted || r.id == wanted {
                2.0
            } else {
                strsim::jaro_winkler(&wanted, r.id).max(strsim::jaro_winkler(&wanted, tail))
            };
            (score >= 0.85).then_some((score, r.id))
        })
        .collect();
    // An id that only lacks its scope is the answer; nothing else is close.
    if scored.iter().any(|(score, _)| *score >= 2.0) {
        scored.retain(|(score, _)| *score >= 2.0);
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.into_iter().take(3).map(|(_, id)| id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn ids_are_unique_and_well_formed() {
        let mut seen = BTreeSet::new();
        for rule in CATALOGUE {
            assert!(seen.insert(rule.id), "{} twice", rule.id);
            assert!(
                rule.id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'-'),
                "{}",
                rule.id
            );
            assert!(!rule.summary.is_empty() && !rule.description.is_empty());
            assert!(!rule.source.is_empty(), "{}", rule.id);
        }
    }

    #[test]
    fn scope_prefixes_agree_with_scopes() {
        for rule in CATALOGUE {
            let prefix = rule.id.split('.').next().unwrap_or_default();
            match rule.scope {
                Scope::Flow
                | Scope::Callback
                | Scope::Proxy
                | Scope::Fuzz
                | Scope::Coverage
                | Scope::Input
                | Scope::Setup => {
                    assert_eq!(prefix, rule.scope.name(), "{}", rule.id);
                }
                Scope::Document => assert!(
                    [
                        "schema", "drift", "json", "response", "inquiry", "bill", "status",
                        "product"
                    ]
                    .contains(&prefix),
                    "{}",
                    rule.id
                ),
            }
            assert_eq!(
                rule.configurable,
                !matches!(rule.scope, Scope::Input | Scope::Setup) && rule.id != ids::SCHEMA,
                "{}",
                rule.id
            );
        }
    }

    #[test]
    fn every_scope_lists_something_and_the_catalogue_is_grouped() {
        for scope in Scope::ALL {
            assert!(of_scope(scope).next().is_some(), "{scope}");
        }
        let mut scopes: Vec<Scope> = CATALOGUE.iter().map(|r| r.scope).collect();
        scopes.dedup();
        let distinct: BTreeSet<Scope> = scopes.iter().copied().collect();
        assert_eq!(scopes.len(), distinct.len(), "scopes interleave");
    }

    #[test]
    fn a_missing_scope_is_suggested() {
        assert_eq!(
            suggestions("amount-equals-bill-sum"),
            ["inquiry.amount-equals-bill-sum"]
        );
        assert_eq!(
            suggestions("flow.ref-number-echoo")[0],
            "flow.ref-number-echo"
        );
        assert_eq!(suggestions("fuzz.conform")[0], "fuzz.conforms");
        assert!(suggestions("totally.bogus").is_empty());
    }
}
