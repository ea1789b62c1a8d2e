//! The one reporter layer. `validate`, `check` and `fuzz` tell a
//! [`Reporter`] what happens as it happens — the run starts, documents are
//! judged, `check` cases start and end, `fuzz` failures are shrunk — and
//! [`Reporter::finish`] closes the run once with its totals and coverage.
//! Every output format is one file here implementing [`Reporter`] and one
//! variant of [`Format`]; [`Tee`] sends one run to the terminal and to the
//! `--report` files (kept complete and parseable by [`files`]). Finished
//! JSON reports of a run's shards combine into one ([`merge`](mod@merge)), which
//! [`retell`] tells any reporter again.
//!
//! Renderers write into the writer they are given; only the CLI chooses
//! stdout. They never see a credential: the CLI redacts before reporting.
//!
//! A `validate` run of one document told to the JUnit format:
//!
//! ```
//! use ppob_core::contract::{DocKind, Summary};
//! use ppob_report::{Command, Format, Options, RunEnd, RunInfo};
//! use ppob_validate::{Engine, EngineOptions, Input};
//!
//! let bytes = br#"{"responseCode": 300, "success": false}"#;
//! let judged = Engine::new(EngineOptions::default()).check(Input {
//!     source: "answer.json",
//!     bytes,
//!     kind: Some(DocKind::InquiryResponse),
//!     first_line: 1,
//! });
//!
//! let mut out = Vec::new();
//! let mut reporter = Format::Junit.reporter(Box::new(&mut out), Options::default());
//! reporter.start(&RunInfo { command: Command::Validate, target: None, fuzz: None, partition: None })?;
//! reporter.document(&judged, bytes, 1)?;
//! let mut summary = Summary::default();
//! summary.add(&judged);
//! reporter.finish(&RunEnd::new(summary))?;
//! drop(reporter);
//!
//! let xml = String::from_utf8(out)?;
//! assert!(xml.contains("<testcase") && xml.contains("answer.json"));
//! assert!(xml.contains("<failure"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod coverage;
mod ctrf;
mod events;
pub mod files;
mod github;
mod html;
mod human;
mod json;
mod junit;
mod location;
pub mod merge;
mod retell;
mod rule_help;
mod sarif;
mod schema_place;
mod test_walk;
pub mod wire;

use std::io::{self, Write};

pub use coverage::{Coverage, CoverageTally};
pub use ctrf::CtrfReport;
pub use events::{CaseEnd, CaseStart, Command, FailureReport, FuzzStart, Judged, RunEnd, RunInfo};
pub use files::{FileSpec, ReportFiles};
pub use github::GithubReport;
pub use html::{HtmlReport, MAX_BODY_BYTES, MAX_DOCUMENTS_SHOWN};
pub use human::{HumanReport, MAX_FINDINGS_SHOWN, fuzz_header};
pub use json::JsonReport;
pub use junit::JunitReport;
pub use merge::{MergeError, Shard, merge};
pub use retell::retell;
pub use sarif::SarifReport;
pub use wire::{
    CaseSummary, FuzzFailure, FuzzSummary, InterruptedCase, Report, SetupProblem, report_schema,
    report_schema_file,
};

use ppob_core::contract::DocumentReport;

/// Receives a run's events in order and renders them in one format.
///
/// The order is: [`start`](Reporter::start) once; then documents — for
/// `check` between [`case_started`](Reporter::case_started) and
/// [`case_finished`](Reporter::case_finished), for `fuzz` inside each
/// [`fuzz_failure`](Reporter::fuzz_failure); then [`finish`](Reporter::finish)
/// once. A reporter may write as events arrive (human, JSON) or keep what it
/// needs and write at `finish` (JUnit, SARIF).
pub trait Reporter {
    /// The run begins.
    fn start(&mut self, _run: &RunInfo) -> io::Result<()> {
        Ok(())
    }

    /// One judged document; `bytes` are its source, starting at `first_line`.
    fn document(
        &mut self,
        report: &DocumentReport,
        bytes: &[u8],
        first_line: u64,
    ) -> io::Result<()>;

    /// A `check` case begins (its documents follow).
    fn case_started(&mut self, _case: &CaseStart) -> io::Result<()> {
        Ok(())
    }

    /// A `check` case ended.
    fn case_finished(&mut self, _case: &CaseEnd) -> io::Result<()> {
        Ok(())
    }

    /// A shrunk `fuzz` failure, with its judged documents.
    fn fuzz_failure(&mut self, failure: &FailureReport) -> io::Result<()> {
        for doc in &failure.documents {
            self.document(&doc.report, &doc.bytes, doc.first_line)?;
        }
        Ok(())
    }

    /// The run ended (or, with `end.complete == false`, stopped early):
    /// write the rest and flush.
    fn finish(&mut self, end: &RunEnd) -> io::Result<()>;
}

/// The output formats. A new one is a file in `crates/ppob-report/src/` and a variant here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// Findings with file:line:col, pointer and the source line with a caret.
    Human,
    /// The machine-readable report (schemas/report.schema.json).
    Json,
    /// JUnit XML for CI test tabs: a testcase per document, case or fuzz failure.
    Junit,
    /// SARIF 2.1.0 for code-scanning views: every rule, every finding with its location.
    Sarif,
    /// GitHub Actions workflow commands: an ::error/::warning annotation per finding.
    Github,
    /// CTRF JSON (Common Test Report Format) for CI summary actions.
    Ctrf,
    /// One self-contained HTML page: summary, timelines, findings, coverage, rule help.
    Html,
}

/// How a reporter is set up besides its writer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'p> {
    /// Human format: print only the summary.
    pub quiet: bool,
    /// GitHub format: the step-summary file a Markdown summary is appended to.
    pub step_summary: Option<&'p std::path::Path>,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 7] = [
        Self::Human,
        Self::Json,
        Self::Junit,
        Self::Sarif,
        Self::Github,
        Self::Ctrf,
        Self::Html,
    ];

    /// The name used on the command line and in config files.
    pub fn name(self) -> &'static str {
        match self {
            Self::Human => "human",
            Self::Json => "json",
            Self::Junit => "junit",
            Self::Sarif => "sarif",
            Self::Github => "github",
            Self::Ctrf => "ctrf",
            Self::Html => "html",
        }
    }

    /// A reporter of this format writing into `out`.
    pub fn reporter<'w>(
        self,
        out: Box<dyn Write + 'w>,
        options: Options<'_>,
    ) -> Box<dyn Reporter + 'w> {
        match self {
            Self::Human => Box::new(HumanReport::new(out, options.quiet)),
            Self::Json => Box::new(JsonReport::new(out)),
            Self::Junit => Box::new(JunitReport::new(out)),
            Self::Sarif => Box::new(SarifReport::new(out)),
            Self::Github => Box::new(GithubReport::new(
                out,
                options.step_summary.map(std::path::Path::to_path_buf),
            )),
            Self::Ctrf => Box::new(CtrfReport::new(out)),
            Self::Html => Box::new(HtmlReport::new(out)),
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|f| f.name()).collect();
                format!("unknown format {s:?}: expected one of {}", names.join(", "))
            })
    }
}

/// Sends every event to several reporters (the terminal and the `--report` files).
pub struct Tee<'a> {
    reporters: Vec<Box<dyn Reporter + 'a>>,
}

impl<'a> Tee<'a> {
    /// A tee over `reporters`, called in order.
    pub fn new(reporters: Vec<Box<dyn Reporter + 'a>>) -> Self {
        Self { reporters }
    }

    fn each(&mut self, mut f: impl FnMut(&mut dyn Reporter) -> io::Result<()>) -> io::Result<()> {
        // Every reporter hears every event even when one fails; the first
        // error is returned.
        let mut first = Ok(());
        for reporter in &mut self.reporters {
            let result = f(reporter.as_mut());
            if first.is_ok() {
                first = result;
            }
        }
        first
    }
}

impl Reporter for Tee<'_> {
    fn start(&mut self, run: &RunInfo) -> io::Result<()> {
        self.each(|r| r.start(run))
    }

    fn document(
        &mut self,
        report: &DocumentReport,
        bytes: &[u8],
        first_line: u64,
    ) -> io::Result<()> {
        self.each(|r| r.document(report, bytes, first_line))
    }

    fn case_started(&mut self, case: &CaseStart) -> io::Result<()> {
        self.each(|r| r.case_started(case))
    }

    fn case_finished(&mut self, case: &CaseEnd) -> io::Result<()> {
        self.each(|r| r.case_finished(case))
    }

    fn fuzz_failure(&mut self, failure: &FailureReport) -> io::Result<()> {
        self.each(|r| r.fuzz_failure(failure))
    }

    fn finish(&mut self, end: &RunEnd) -> io::Result<()> {
        self.each(|r| r.finish(end))
    }
}

/// Lets the validation runner stream documents straight into a reporter.
pub struct SinkOf<'r, 'a>(pub &'r mut (dyn Reporter + 'a));

impl ppob_validate::Sink for SinkOf<'_, '_> {
    fn document(
        &mut self,
        report: &DocumentReport,
        bytes: &[u8],
        first_line: u64,
    ) -> io::Result<()> {
        self.0.document(report, bytes, first_line)
    }
}

/// Milliseconds as people read them: `12 ms`, `2.5 s`, `2 m 30 s`.
pub(crate) fn format_ms(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else if ms < 60_000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else {
        let secs = (ms / 1000.0).round() as u64;
        format!("{} m {} s", secs / 60, secs % 60)
    }
}

/// "1 document", "2 documents".
pub fn plural(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}
