//! The machine-readable report (DESIGN §4): the `--format json` wire types.
//! `schemas/report.schema.json` is derived from [`Report`]; the other formats
//! (JUnit, SARIF, GitHub) render the same events differently.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use ppob_core::contract::{DocumentReport, Finding, Severity, StepInfo, Summary};
use ppob_core::exit::ExitStatus;

/// A duration as the report's `…Ms` fields hold it: milliseconds, rounded
/// to the microsecond.
pub fn millis(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

/// The command being reported (the `command` member of the JSON report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Command {
    /// `ppob-contract validate`.
    Validate,
    /// `ppob-contract check`.
    Check,
    /// `ppob-contract fuzz`.
    Fuzz,
    /// `ppob-contract proxy`.
    Proxy,
}

impl Command {
    /// The subcommand's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Validate => "validate",
            Self::Check => "check",
            Self::Fuzz => "fuzz",
            Self::Proxy => "proxy",
        }
    }
}

/// How one `check` case ended, against what it expected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct CaseSummary {
    /// The case's name.
    pub name: String,
    /// What the case expected: `success`, `failed`, `failed:302`, `pending`.
    pub expected: String,
    /// How it ended: `success`, `failed`, `pending` (still processing at the
    /// deadline) or `error` (the conversation could not be completed).
    pub outcome: String,
    /// The final response code, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i64>,
    /// Whether the outcome is what the case expected.
    pub met: bool,
    /// Milliseconds the case took, in real time.
    pub elapsed_ms: f64,
    /// On the in-process simulator and in a replay, whose clock is simulated: the
    /// milliseconds the case took in simulated time (its waits, e.g. 150 s before a status
    /// call, take no real time). Absent against a live target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulated_ms: Option<f64>,
    /// One sentence on how it ended.
    pub detail: String,
    /// The product category of the case's product (a category folder's
    /// name, e.g. `mobile-postpaid`), when a known category sells it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// A `check` case that did not end because the run was stopped (SIGINT,
/// SIGTERM): its payments' outcomes are unknown and must be checked by hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct InterruptedCase {
    /// The case's name.
    pub name: String,
    /// Whether it had started (false: it never sent a request).
    pub started: bool,
    /// refNumbers of payments it sent whose outcome it never learned: ask
    /// status for each (or the partner) before paying again.
    pub unknown_payments: Vec<String>,
    /// The cassette its exchanges so far were saved to (`--record`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cassette: Option<String>,
}

impl InterruptedCase {
    /// One sentence on what is known of it and what the user must do.
    pub fn describe(&self) -> String {
        let mut text = if !self.started {
            "not started: the run was stopped first".to_owned()
        } else if self.unknown_payments.is_empty() {
            "interrupted before any payment was sent: nothing was paid".to_owned()
        } else {
            format!(
                "interrupted after sending payment refNumber {}: its outcome is unknown, ask status for it before paying again",
                self.unknown_payments.join(", ")
            )
        };
        if let Some(cassette) = &self.cassette {
            text.push_str(&format!(" (exchanges so far in {cassette})"));
        }
        text
    }
}

/// Why a `check` run stopped before judging the contract: the target could
/// not be used at all (rule `setup.*`: unreachable, credentials refused).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct SetupProblem {
    /// The `setup.*` rule.
    pub rule: String,
    /// The case it happened in (no further case was run).
    pub case: String,
    /// What happened and what to check.
    pub message: String,
}

/// The whole `--format json` report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "ppob-contract report")]
pub struct Report {
    /// Always "ppob-contract".
    pub tool: String,
    /// The version of ppob-contract that wrote the report.
    pub version: String,
    /// The command that wrote it: `validate`, `check`, `fuzz` or `proxy` (absent in
    /// reports of versions before `report merge`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Command>,
    /// The shard of a run the report covers (`--partition K/N`), when it
    /// covers one: `report merge` checks that shards 1 to N are all there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<String>,
    /// One entry per document, in input order.
    pub documents: Vec<DocumentReport>,
    /// For `check`: how each case ended. Absent for `validate`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cases: Vec<CaseSummary>,
    /// For `check` stopped by a signal: the cases that did not end.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interrupted: Vec<InterruptedCase>,
    /// For `check` stopped by a setup problem: what it was (the report is
    /// then incomplete and holds no case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setup: Option<SetupProblem>,
    /// For `fuzz`: the run's seed, counts and failures. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fuzz: Option<FuzzSummary>,
    /// For `check` and `fuzz`: which operations, response codes and
    /// scenarios the target actually exercised. Absent for `validate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<super::coverage::Coverage>,
    /// Totals.
    pub summary: Summary,
    /// Present (true) when the run stopped before its end — interrupted, or
    /// still running when the file was read: the counts cover what was judged
    /// until then.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub incomplete: bool,
}

impl Report {
    /// The command that wrote the report: its `command` member, else told
    /// from what it holds (a `fuzz` member: fuzz; cases, coverage or
    /// documents of exchanges: check; else validate).
    pub fn command(&self) -> Command {
        if let Some(command) = self.command {
            command
        } else if self.fuzz.is_some() {
            Command::Fuzz
        } else if !self.cases.is_empty()
            || self.coverage.is_some()
            || self.documents.iter().any(|d| d.step.is_some())
        {
            Command::Check
        } else {
            Command::Validate
        }
    }

    /// The exit status of the run the report describes, as the commands
    /// work it out: the totals' verdict ([`Summary::exit_status`]); at least
    /// [`ExitStatus::Violated`] when a `check` case did not end as expected
    /// or `fuzz` found a failure; and [`ExitStatus::Usage`] when the run did
    /// not reach its end (`incomplete`): such a report cannot say the
    /// contract holds.
    pub fn exit_status(&self, deny_warnings: bool) -> ExitStatus {
        let mut status = self.summary.exit_status(deny_warnings);
        let failed = self.cases.iter().any(|c| !c.met)
            || self.fuzz.as_ref().is_some_and(|f| !f.failures.is_empty());
        if failed {
            status = status.max(ExitStatus::Violated);
        }
        if self.incomplete {
            status = ExitStatus::Usage;
        }
        status
    }
}

/// How a `fuzz` run went (the `fuzz` member of the report).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct FuzzSummary {
    /// The seed: `--seed` with it generates the same cases.
    pub seed: u64,
    /// Where the cases went.
    pub target: String,
    /// Cases generated and judged (regressions not included).
    pub cases: u64,
    /// Requests those cases sent.
    pub requests: u64,
    /// Requests sent while shrinking failures.
    pub shrink_requests: u64,
    /// Milliseconds generation and judging took.
    pub elapsed_ms: f64,
    /// Cases per second.
    pub cases_per_second: f64,
    /// Cases that stopped before their target request (a setup inquiry found no bill).
    pub inconclusive: u64,
    /// Whether `--max-time` stopped generation before `--cases`.
    pub timed_out: bool,
    /// Regression files replayed before the run.
    pub regressions_replayed: u64,
    /// Of those, how many still fail.
    pub regressions_failing: u64,
    /// Every failure: replayed regressions that still fail, then new ones.
    pub failures: Vec<FuzzFailure>,
    /// Why a pass may mean little (rule `fuzz.vacuous-pass`).
    pub warnings: Vec<String>,
    /// Cases per scenario.
    pub scenarios: BTreeMap<String, u64>,
    /// Cases per variant (`valid` or a negative variant id).
    pub variants: BTreeMap<String, u64>,
}

/// One failing case of a `fuzz` run, shrunk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct FuzzFailure {
    /// The oracle that failed, e.g. `fuzz.negative-refused`.
    pub oracle: String,
    /// What it said.
    pub message: String,
    /// The case's scenario, e.g. `payment`.
    pub scenario: String,
    /// The case's variant, e.g. `negative-amount`.
    pub variant: String,
    /// The case's number in the run (absent for a replayed regression).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    /// Candidate cases tried while shrinking.
    pub shrink_steps: u32,
    /// The regression file it was saved to or replayed from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The command that replays it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reproduce: Option<String>,
    /// The failing request as a curl line (key and secret from the environment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curl: Option<String>,
}

/// The file name of the report's schema under `schemas/`.
pub const REPORT_SCHEMA_FILE: &str = "report.schema.json";

/// The JSON Schema of the `--format json` report ([`Report`]), derived with
/// the contract's settings.
pub fn report_schema() -> serde_json::Value {
    ppob_core::contract::derived_schema::<Report>(
        REPORT_SCHEMA_FILE,
        "The --format json report of ppob-contract validate, check and fuzz.",
    )
}

/// `schemas/report.schema.json` as `cargo xtask schemas` writes it.
pub fn report_schema_file() -> ppob_core::contract::GeneratedFile {
    ppob_core::contract::generated_file(format!("schemas/{REPORT_SCHEMA_FILE}"), &report_schema())
}
