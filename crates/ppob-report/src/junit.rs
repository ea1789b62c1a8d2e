//! `--format junit`: JUnit XML for CI test tabs (with `quick-junit`). One
//! testsuite per command run; one testcase per document (`validate`), per
//! case with its steps (`check`) or per failure (`fuzz`); a failure carries
//! the rule, pointer, `file:line:col` and message of every finding. Written
//! whole at `finish`.

use std::io::{self, Write};
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};

use super::test_walk::{CaseVerdict, Hint, OpenCase, case_verdict, failure_lines};
use super::{CaseEnd, CaseStart, Command, FailureReport, Reporter, RunEnd, RunInfo, plural};
use ppob_core::contract::{DocumentReport, Finding, Severity};

/// What a `check` case gathers from its documents: a line per step, a line
/// per finding, whether a finding was an input error.
#[derive(Debug, Default)]
struct Gathered {
    steps: Vec<String>,
    findings: Vec<String>,
    input: bool,
}

/// Collects testcases and writes the XML at the end.
pub struct JunitReport<W: Write> {
    out: W,
    command: Command,
    cases: Vec<TestCase>,
    /// The `check` case being reported: its start and its lines so far.
    open: OpenCase<Gathered>,
}

impl<W: Write> JunitReport<W> {
    /// A report into `out`.
    pub fn new(out: W) -> Self {
        Self {
            out,
            command: Command::Validate,
            cases: Vec::new(),
            open: OpenCase::default(),
        }
    }
}

/// One line for a finding: `error[RULE] file:line:col /pointer: message (expected …, found …)`.
fn finding_line(report: &DocumentReport, f: &Finding, cassette: Option<&str>) -> String {
    super::test_walk::finding_line(report, f, cassette, Hint::With)
}

/// A failing (or, with input errors, erroring) status from finding lines.
fn failed(kind: NonSuccessKind, message: &str, rule: &str, lines: &[String]) -> TestCaseStatus {
    let mut status = TestCaseStatus::non_success(kind);
    status.set_message(message);
    status.set_type(rule);
    status.set_description(lines.join("\n"));
    status
}

fn errors(report: &DocumentReport) -> impl Iterator<Item = &Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
}

impl<W: Write> Reporter for JunitReport<W> {
    fn start(&mut self, run: &RunInfo) -> io::Result<()> {
        self.command = run.command;
        Ok(())
    }

    fn document(
        &mut self,
        report: &DocumentReport,
        _bytes: &[u8],
        _first_line: u64,
    ) -> io::Result<()> {
        if let Some((start, gathered)) = self.open.gathering() {
            if let Some(step) = report.step.as_ref().filter(|s| s.opens_line()) {
                gathered.steps.push(format!(
                    "#{} {} {} {}",
                    step.index,
                    step.label(),
                    step.answer(),
                    step.verdict
                ));
            }
            for f in &report.findings {
                gathered.input |= f.is_input_error();
                gathered
                    .findings
                    .push(finding_line(report, f, start.cassette.as_deref()));
            }
            return Ok(());
        }
        // In `check` a document outside a case is a stray callback or one of the exchanges an
        // interrupted case made before the stop (that case is a testcase of its own): only a
        // finding makes it a testcase, so the test view counts cases, not documents.
        if self.command == Command::Check && report.findings.is_empty() {
            return Ok(());
        }
        let lines: Vec<String> = report
            .findings
            .iter()
            .map(|f| finding_line(report, f, None))
            .collect();
        let status = match errors(report).next() {
            None => TestCaseStatus::success(),
            Some(first) => {
                let kind = if report.findings.iter().any(Finding::is_input_error) {
                    NonSuccessKind::Error
                } else {
                    NonSuccessKind::Failure
                };
                failed(
                    kind,
                    &finding_line(report, first, None),
                    &first.rule,
                    &lines,
                )
            }
        };
        let mut case = TestCase::new(report.source.as_str(), status);
        case.set_classname(format!(
            "{}.{}",
            self.command.name(),
            report.kind.as_deref().unwrap_or("unknown-kind")
        ));
        if report.valid && !lines.is_empty() {
            case.set_system_out(lines.join("\n"));
        }
        if let Some(category) = &report.category {
            case.add_property(Property::new("category", category.as_str()));
        }
        self.cases.push(case);
        Ok(())
    }

    fn case_started(&mut self, case: &CaseStart) -> io::Result<()> {
        self.open.start(case);
        Ok(())
    }

    fn case_finished(&mut self, end: &CaseEnd) -> io::Result<()> {
        let Some((start, gathered)) = self.open.end() else {
            return Ok(());
        };
        let summary = &end.summary;
        let mut lines = gathered.steps;
        lines.push(format!(
            "expected {}, got {}: {}",
            summary.expected, summary.outcome, summary.detail
        ));
        lines.extend(gathered.findings.iter().cloned());
        let verdict = case_verdict(summary, &gathered.findings);
        let kept = verdict == CaseVerdict::Kept;
        let status = match verdict {
            _ if gathered.input => failed(NonSuccessKind::Error, &summary.detail, "setup", &lines),
            CaseVerdict::Unmet(message) => failed(
                NonSuccessKind::Failure,
                &message,
                "flow.expectation",
                &lines,
            ),
            CaseVerdict::Broken { message, rule } => {
                failed(NonSuccessKind::Failure, &message, &rule, &lines)
            }
            CaseVerdict::Kept => TestCaseStatus::success(),
        };
        let mut case = TestCase::new(start.name.as_str(), status);
        case.set_classname("check");
        // Real time, which a CI test view adds up; simulated time (the simulator's waits
        // took none) only as a property.
        case.set_time(Duration::from_secs_f64(
            summary.elapsed_ms.max(0.0) / 1000.0,
        ));
        if let Some(ms) = summary.simulated_ms {
            case.add_property(Property::new(
                "simulated-time",
                format!("{:.3}", ms.max(0.0) / 1000.0),
            ));
        }
        if kept {
            case.set_system_out(lines.join("\n"));
        }
        if let Some(cassette) = end.cassette.as_deref().or(start.cassette.as_deref()) {
            case.add_property(Property::new("cassette", cassette));
        }
        if let Some(category) = &summary.category {
            case.add_property(Property::new("category", category.as_str()));
        }
        self.cases.push(case);
        Ok(())
    }

    fn fuzz_failure(&mut self, failure: &FailureReport) -> io::Result<()> {
        let f = &failure.failure;
        let mut lines = failure_lines(failure, Hint::With);
        if let Some(curl) = &f.curl {
            lines.push(format!("curl: {curl}"));
        }
        let status = failed(NonSuccessKind::Failure, &f.message, &f.oracle, &lines);
        let mut case = TestCase::new(format!("{} {}", f.oracle, failure.name), status);
        case.set_classname(format!("fuzz.{}.{}", f.scenario, f.variant));
        if let Some(file) = &f.file {
            case.add_property(Property::new("regression", file.as_str()));
        }
        self.cases.push(case);
        Ok(())
    }

    fn finish(&mut self, end: &RunEnd) -> io::Result<()> {
        let mut cases = std::mem::take(&mut self.cases);
        if let Some(fuzz) = end.fuzz.as_ref().filter(|f| f.failures.is_empty()) {
            let mut case = TestCase::new(
                format!(
                    "{} against {}, no oracle failed",
                    plural(fuzz.cases, "case"),
                    fuzz.target
                ),
                TestCaseStatus::success(),
            );
            case.set_classname("fuzz");
            case.set_time(Duration::from_secs_f64(fuzz.elapsed_ms.max(0.0) / 1000.0));
            cases.push(case);
        }
        if let Some(coverage) = end.coverage.as_ref().filter(|c| !c.required.is_empty()) {
            let status = if coverage.missing_required.is_empty() {
                TestCaseStatus::success()
            } else {
                let lines: Vec<String> = coverage
                    .missing_required
                    .iter()
                    .map(|c| super::Coverage::missing_message(*c))
                    .collect();
                failed(
                    NonSuccessKind::Failure,
                    &lines[0],
                    super::coverage::REQUIRED_CODE,
                    &lines,
                )
            };
            let mut case = TestCase::new("required response codes", status);
            case.set_classname("coverage");
            cases.push(case);
        }
        if let Some(setup) = &end.setup {
            let line = format!("error[{}] {}", setup.rule, setup.message);
            let status = failed(
                NonSuccessKind::Error,
                &setup.message,
                &setup.rule,
                std::slice::from_ref(&line),
            );
            let mut test = TestCase::new(setup.case.clone(), status);
            test.set_classname("check.setup");
            cases.push(test);
        }
        for case in &end.interrupted {
            let text = case.describe();
            let kind = if case.started {
                NonSuccessKind::Error
            } else {
                NonSuccessKind::Failure
            };
            let mut status = failed(kind, &text, "interrupted", std::slice::from_ref(&text));
            if !case.started {
                status = TestCaseStatus::skipped();
                status.set_message(text);
            }
            let mut test = TestCase::new(case.name.clone(), status);
            test.set_classname("check");
            cases.push(test);
        }
        let mut suite = TestSuite::new(format!("ppob-contract {}", self.command.name()));
        suite.add_test_cases(cases);
        suite.add_property(Property::new("tool.version", env!("CARGO_PKG_VERSION")));
        if !end.complete {
            suite.add_property(Property::new("incomplete", "true"));
            suite.set_system_err(
                "the run stopped before its end: these results cover what was judged until then",
            );
        }
        let mut report = quick_junit::Report::new("ppob-contract");
        report.add_test_suite(suite);
        report.serialize(&mut self.out).map_err(io::Error::other)?;
        writeln!(self.out)?;
        self.out.flush()
    }
}
