//! Semantic rules: what the schema cannot say (money adds up, success matches
//! the code, the token echoes the reference line).
//!
//! Each rule lives in its own file with its own unit tests and has a stable
//! dotted id. Rules read a [`Subject`]: the typed document when the schema
//! accepted all of it, and the envelope when the schema accepted
//! `responseCode` and `success`. A rule never sees a part of a document the
//! schema rejected. Rules report where (a JSON pointer) and what; the engine
//! adds line, column and severity.

mod amount_equals_bill_sum;
mod bill_info_sums_to_line;
pub mod catalogue;
mod severities;
mod success_matches_code;
mod token_equals_reference;
mod total_admin_equals_admin_line;
mod unknown_code;

pub use catalogue::{CATALOGUE, RuleInfo, Scope};
pub use severities::{Level, Severities, SeverityError, parse_override};

use crate::contract::{DocKind, Envelope, Severity, Typed};
use crate::model::{BillLine, InquiryBillDetail, PaymentBillDetail, StatusBillDetail};

/// What a rule may read of one document.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The kind the document is checked as.
    pub kind: DocKind,
    /// `responseCode` and `success`, when the document is a response and the
    /// schema accepted both.
    pub envelope: Option<Envelope>,
    /// The whole typed document, when the schema accepted all of it.
    pub document: Option<&'a Typed>,
}

/// One thing a rule found, before the engine places it in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleFinding {
    /// JSON pointer of the value at fault.
    pub pointer: String,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What the rule expected there.
    pub expected: Option<String>,
    /// What the document has there.
    pub actual: Option<String>,
}

/// Settings the rules read; every documented unknown is an option here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleConfig {
    /// `productDetails` keys (compared case-insensitively) whose value a
    /// successful status `token` must equal. The key names are product
    /// category data: empty here, the validate engine fills in every known
    /// category's `[token] reference` (`fixtures/<category>/category.toml`) unless
    /// it is given some (`--reference-key`).
    pub reference_keys: Vec<String>,
}

/// The bill lines of a response's complete `data`, whatever its operation.
#[derive(Debug, Clone, Copy)]
pub enum BillLines<'a> {
    /// An inquiry's lines (with `isMandatory`).
    Inquiry(&'a [InquiryBillDetail]),
    /// A payment's lines.
    Payment(&'a [PaymentBillDetail]),
    /// A status response's or callback's lines.
    Status(&'a [StatusBillDetail]),
}

impl<'a> BillLines<'a> {
    /// The lines in order, without allocating.
    pub fn iter(self) -> impl Iterator<Item = &'a dyn BillLine> {
        let (inquiry, payment, status): (
            &[InquiryBillDetail],
            &[PaymentBillDetail],
            &[StatusBillDetail],
        ) = match self {
            Self::Inquiry(lines) => (lines, &[], &[]),
            Self::Payment(lines) => (&[], lines, &[]),
            Self::Status(lines) => (&[], &[], lines),
        };
        let inquiry = inquiry.iter().map(|l| l as &'a dyn BillLine);
        let payment = payment.iter().map(|l| l as &'a dyn BillLine);
        let status = status.iter().map(|l| l as &'a dyn BillLine);
        inquiry.chain(payment).chain(status)
    }
}

/// `totalAdmin` and the bill lines of a response that carries complete `data`.
#[derive(Debug, Clone, Copy)]
pub struct CompleteBills<'a> {
    /// `data.totalAdmin`.
    pub total_admin: u64,
    /// `data.billDetails`.
    pub lines: BillLines<'a>,
}

/// The bills of `document` when it is a response with complete `data`.
pub fn complete_bills(document: Option<&Typed>) -> Option<CompleteBills<'_>> {
    match document? {
        Typed::InquiryResponse(r) => r.data.complete().map(|d| CompleteBills {
            total_admin: d.total_admin,
            lines: BillLines::Inquiry(&d.bill_details),
        }),
        Typed::PaymentResponse(r) => r.data.complete().map(|d| CompleteBills {
            total_admin: d.total_admin,
            lines: BillLines::Payment(&d.bill_details),
        }),
        Typed::StatusResponse(r) => r.data.complete().map(|d| CompleteBills {
            total_admin: d.total_admin,
            lines: BillLines::Status(&d.bill_details),
        }),
        _ => None,
    }
}

/// A semantic rule.
pub trait Rule: Send + Sync {
    /// Stable dotted id, e.g. `inquiry.amount-equals-bill-sum`; its severity
    /// and descriptions are in the [`catalogue`].
    fn id(&self) -> &'static str;
    /// Checks one document, pushing what it finds.
    fn check(&self, subject: &Subject<'_>, config: &RuleConfig, out: &mut Vec<RuleFinding>);
}

/// Every semantic rule, in a stable order.
pub fn all() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(success_matches_code::SuccessMatchesCode),
        Box::new(unknown_code::UnknownCode),
        Box::new(amount_equals_bill_sum::AmountEqualsBillSum),
        Box::new(total_admin_equals_admin_line::TotalAdminEqualsAdminLine),
        Box::new(bill_info_sums_to_line::BillInfoSumsToLine),
        Box::new(token_equals_reference::TokenEqualsReference),
    ]
}

/// The rules to run and the severity each reports at.
pub struct RuleSet {
    rules: Vec<(Box<dyn Rule>, Level)>,
    config: RuleConfig,
}

impl RuleSet {
    /// Every rule at the level `severities` gives it.
    pub fn new(config: RuleConfig, severities: &Severities) -> Self {
        let rules = all()
            .into_iter()
            .map(|rule| {
                let level = severities.level(rule.id());
                (rule, level)
            })
            .collect();
        Self { rules, config }
    }

    /// Runs every enabled rule on `subject`, calling `emit` with each finding.
    pub fn check(
        &self,
        subject: &Subject<'_>,
        mut emit: impl FnMut(&'static str, Severity, RuleFinding),
    ) {
        let mut found = Vec::new();
        for (rule, level) in &self.rules {
            let Level::Report(severity) = level else {
                continue;
            };
            rule.check(subject, &self.config, &mut found);
            // Most documents hold no finding: an empty `drain` is not free
            // (about 30 instructions a rule a document, `docs/benchmarks.md`).
            if found.is_empty() {
                continue;
            }
            for finding in found.drain(..) {
                emit(rule.id(), *severity, finding);
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Builds subjects from JSON for the rules' unit tests.
    use super::*;

    /// The config the engine builds from the seed category's manifest
    /// (`fixtures/mobile-postpaid/category.toml`, `[token] reference`).
    pub fn seed_config() -> RuleConfig {
        RuleConfig {
            reference_keys: [
                "Nomor Referensi",
                "No Referensi",
                "Reference Number",
                "Ref Number",
            ]
            .map(String::from)
            .to_vec(),
        }
    }

    /// Parses `json` as `kind` and runs `rule` on it with the seed's config.
    pub fn run(rule: &dyn Rule, kind: DocKind, json: serde_json::Value) -> Vec<RuleFinding> {
        let typed = Typed::from_value(kind, json).expect("test document fits the model");
        let subject = Subject {
            kind,
            envelope: typed.envelope(),
            document: Some(&typed),
        };
        let mut out = Vec::new();
        rule.check(&subject, &seed_config(), &mut out);
        out
    }

    /// The seed's inquiry response (fixtures/mobile-postpaid/inquiry.response.json).
    pub fn seed_inquiry_response() -> serde_json::Value {
        serde_json::from_str(include_str!(
            "../../../../fixtures/mobile-postpaid/inquiry.response.json"
        ))
        .unwrap()
    }

    /// The seed's status response (fixtures/mobile-postpaid/status.response.json).
    pub fn seed_status_response() -> serde_json::Value {
        serde_json::from_str(include_str!(
            "../../../../fixtures/mobile-postpaid/status.response.json"
        ))
        .unwrap()
    }
}
