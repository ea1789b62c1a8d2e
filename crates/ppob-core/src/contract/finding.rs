//! Findings and verdicts on documents (DESIGN §3): what the engine, the
//! flow and the fuzz oracles produce. The report around them (cases, fuzz
//! summary, coverage) is the reporter layer's: `ppob_report::wire`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::exit::ExitStatus;

/// How much a finding matters.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Reported, but the contract still holds (unless `--deny-warnings`).
    Warning,
    /// The contract is broken.
    Error,
}

impl Severity {
    /// The lower-case name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

/// Rule ids of findings about the input itself rather than the contract.
/// A document with such a finding could not be checked: exit code 2.
pub mod input_rules {
    /// The bytes are not JSON (syntax error, truncation, number out of range, too deep).
    pub const PARSE: &str = "input.parse";
    /// The bytes are not UTF-8.
    pub const ENCODING: &str = "input.encoding";
    /// The document's kind could not be told.
    pub const KIND: &str = "input.kind";
    /// The file could not be read.
    pub const IO: &str = "input.io";
    /// The server could not be reached at all (refused, DNS, TLS).
    pub const UNREACHABLE: &str = "setup.unreachable";
    /// The server refused the credentials (HTTP 401/403).
    pub const AUTH: &str = "setup.auth";
    /// The target's first answer is not the API (an HTML page, 404/405 on
    /// the inquiry path, a body that is not JSON or has no envelope).
    pub const NOT_THE_API: &str = "setup.not-the-api";
    /// Whether a rule id names an input or setup problem: the run could not
    /// check the contract (exit code 2), as opposed to finding it broken.
    pub fn is_input_rule(rule: &str) -> bool {
        rule.starts_with("input.") || rule.starts_with("setup.")
    }
}

/// One thing found wrong with a document, pointing at the exact spot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// Stable id: `schema` for JSON Schema violations, `drift` for unknown
    /// fields, `input.*` for unreadable input, or a dotted semantic rule id
    /// such as `inquiry.amount-equals-bill-sum`.
    pub rule: String,
    /// `error` or `warning`.
    pub severity: Severity,
    /// JSON pointer of the offending value ("" for the whole document).
    pub pointer: String,
    /// 1-based line in the source (the NDJSON line for streams).
    pub line: u64,
    /// 1-based column in the source, counted in characters.
    pub column: u64,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What the contract expects there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// What the document has there (shortened when long).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
}

impl Finding {
    /// Whether this finding is about unreadable input rather than the contract.
    pub fn is_input_error(&self) -> bool {
        input_rules::is_input_rule(&self.rule)
    }
}

/// The verdict on one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentReport {
    /// Where the document came from: a path, `path:line` in a stream, or `-` for stdin.
    pub source: String,
    /// The document kind it was checked as, if it could be told.
    pub kind: Option<String>,
    /// The product category it was judged as (a category folder's name,
    /// e.g. `mobile-postpaid`): recognised from `data.category` and the
    /// product code, or named by `--category`. Absent when none was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Whether the document holds the contract (no error-severity finding).
    pub valid: bool,
    /// Everything found, in source order.
    pub findings: Vec<Finding>,
    /// For `check`: which step of which case this document is, and how the
    /// exchange went. Absent for `validate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<StepInfo>,
}

/// Where a document of a `check` run comes from: one side of one exchange.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct StepInfo {
    /// The case's name.
    pub case: String,
    /// 1-based number of the exchange within the case.
    pub index: u32,
    /// `inquiry`, `payment` or `status`.
    pub operation: String,
    /// `request`, `response`, or `callback` (a callback the vendor sent
    /// about the payment).
    pub side: String,
    /// The HTTP status of the exchange's answer, when one came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// Milliseconds from sending the request to the end of the answer.
    pub elapsed_ms: f64,
    /// What the step meant for the case, e.g. `processing (money rule: timeout)`.
    pub verdict: String,
}

/// The `side` of a callback document's step.
pub const CALLBACK_SIDE: &str = "callback";

impl StepInfo {
    /// Whether the document opens a step's line in reports: the request of
    /// an exchange, or a received callback.
    pub fn opens_line(&self) -> bool {
        self.side == "request" || self.side == CALLBACK_SIDE
    }

    /// What a step line calls the step: its operation, or `callback`.
    pub fn label(&self) -> &str {
        if self.side == CALLBACK_SIDE {
            CALLBACK_SIDE
        } else {
            &self.operation
        }
    }

    /// What came back: `HTTP 200`, `no answer`, or `received` for a callback.
    pub fn answer(&self) -> String {
        match self.http_status {
            _ if self.side == CALLBACK_SIDE => "received".to_owned(),
            Some(status) => format!("HTTP {status}"),
            None => "no answer".to_owned(),
        }
    }
}

impl DocumentReport {
    /// Builds a report, deriving `valid` from the findings.
    pub fn new(source: String, kind: Option<String>, findings: Vec<Finding>) -> Self {
        let valid = !findings.iter().any(|f| f.severity == Severity::Error);
        Self {
            source,
            kind,
            category: None,
            valid,
            findings,
            step: None,
        }
    }
}

/// Totals over a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Documents read.
    pub documents: u64,
    /// Documents without an error-severity finding.
    pub valid: u64,
    /// Error-severity findings.
    pub errors: u64,
    /// Warning-severity findings.
    pub warnings: u64,
    /// Documents that could not be checked (unreadable, not JSON, unknown kind).
    pub input_errors: u64,
}

impl Summary {
    /// Adds one document's verdict.
    pub fn add(&mut self, doc: &DocumentReport) {
        self.documents += 1;
        self.valid += u64::from(doc.valid);
        for f in &doc.findings {
            match f.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
            }
        }
        self.input_errors += u64::from(doc.findings.iter().any(Finding::is_input_error));
    }

    /// Adds another run's totals (the shards of one run, `report merge`).
    pub fn add_totals(&mut self, other: &Summary) {
        self.documents += other.documents;
        self.valid += other.valid;
        self.errors += other.errors;
        self.warnings += other.warnings;
        self.input_errors += other.input_errors;
    }

    /// How this run exits (DESIGN §3): usage when some input could not be
    /// checked, violated when the contract is broken (or, with
    /// `deny_warnings`, when anything was found), else holds.
    pub fn exit_status(&self, deny_warnings: bool) -> ExitStatus {
        ExitStatus::of_counts(self.input_errors, self.errors, self.warnings, deny_warnings)
    }
}
