//! What a run tells its reporters: owned, redacted values that every format
//! renders in its own way.

use std::collections::BTreeMap;

use super::coverage::Coverage;
pub use super::wire::Command;
use super::wire::{CaseSummary, FuzzFailure, FuzzSummary, InterruptedCase, SetupProblem};
use ppob_core::contract::{DocumentReport, Summary};

/// The run as it starts.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// Which command runs.
    pub command: Command,
    /// Where requests go (`check`, `fuzz`): the simulator, a URL, cassettes.
    pub target: Option<String>,
    /// For `fuzz`: the seed, size and regressions replayed first.
    pub fuzz: Option<FuzzStart>,
    /// `--partition K/N`: the shard of a run this run is, when it is one.
    pub partition: Option<ppob_core::partition::Partition>,
}

/// How a `fuzz` run starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuzzStart {
    /// The run's seed.
    pub seed: u64,
    /// Cases to generate.
    pub cases: u64,
    /// Worker threads.
    pub jobs: usize,
    /// The regression directory, with how many files were replayed and how many still fail.
    pub regressions: Option<(String, u64, u64)>,
    /// `--replay FILE`: only that regression runs.
    pub replay: Option<String>,
}

/// A `check` case begins.
#[derive(Debug, Clone)]
pub struct CaseStart {
    /// The case's name.
    pub name: String,
    /// What the account does, when known.
    pub about: Option<String>,
    /// What the case expects, e.g. `failed:302`.
    pub expected: String,
    /// The cassette it replays, when it replays one.
    pub cassette: Option<String>,
}

/// A `check` case ended.
#[derive(Debug, Clone)]
pub struct CaseEnd {
    /// How it ended (the `cases` entry of the JSON report).
    pub summary: CaseSummary,
    /// The cassette it was recorded into or replayed from.
    pub cassette: Option<String>,
}

/// A judged document with its source bytes.
#[derive(Debug, Clone)]
pub struct Judged {
    /// The verdict.
    pub report: DocumentReport,
    /// The source (redacted), for source lines and carets.
    pub bytes: Vec<u8>,
    /// The line `bytes` start at.
    pub first_line: u64,
}

/// A shrunk `fuzz` failure, ready to show.
#[derive(Debug, Clone)]
pub struct FailureReport {
    /// Its entry in the JSON report.
    pub failure: FuzzFailure,
    /// Its name in document sources: the regression file's stem or `case N`.
    pub name: String,
    /// The case in one line (redacted).
    pub headline: String,
    /// Request and answer of every step, the oracles' findings placed on the answers.
    pub documents: Vec<Judged>,
    /// The failing request: its 1-based step number and its payload (redacted).
    pub request: Option<(usize, String)>,
    /// Why the case stopped before its target request, if it did.
    pub stopped_early: Option<String>,
    /// Where the curl line sends the request.
    pub curl_target: String,
}

/// The run's end.
#[derive(Debug, Clone, Default)]
pub struct RunEnd {
    /// Totals over every document (and required codes never seen).
    pub summary: Summary,
    /// For `check`: every case, in order.
    pub cases: Vec<CaseSummary>,
    /// For `fuzz`: the run's summary.
    pub fuzz: Option<FuzzSummary>,
    /// For `fuzz`: warning-severity oracle violations per oracle.
    pub oracle_warnings: BTreeMap<String, u64>,
    /// For `check` and `fuzz`: what the target answered.
    pub coverage: Option<Coverage>,
    /// For `check` stopped by a signal: the cases that did not end.
    pub interrupted: Vec<InterruptedCase>,
    /// For `check` stopped by a setup problem: what it was.
    pub setup: Option<SetupProblem>,
    /// False when the run stopped before its end (a signal, an error, or a
    /// checkpoint of a `--report` file taken while it runs).
    pub complete: bool,
}

impl RunEnd {
    /// A complete end with these totals.
    pub fn new(summary: Summary) -> Self {
        Self {
            summary,
            complete: true,
            ..Self::default()
        }
    }
}
