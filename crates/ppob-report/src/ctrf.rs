//! `--format ctrf`: the Common Test Report Format (CTRF 1.0 JSON), which CI
//! summary actions read. The tests are the JUnit format's: one per document
//! (`validate`), per case (`check`), per failure (`fuzz`, or one passing test
//! for a clean run), plus the required response codes, a setup problem and
//! interrupted cases. A test fails on an error finding or an unmet
//! expectation; its `message` is the first reason, `trace` every finding.
//! Written whole at `finish`; `tests/it/html_report.rs` validates it against
//! the official CTRF schema.

use std::io::{self, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::{Map, Value};

use super::test_walk::{CaseVerdict, Hint, OpenCase, case_verdict, failure_lines};
use super::{CaseEnd, CaseStart, Command, FailureReport, Reporter, RunEnd, RunInfo, plural};
use ppob_core::contract::{DocumentReport, Finding, Severity};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    report_format: &'static str,
    spec_version: &'static str,
    generated_by: &'static str,
    results: Results,
}

#[derive(Serialize)]
struct Results {
    tool: Tool,
    summary: Totals,
    tests: Vec<Test>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    environment: Map<String, Value>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    extra: Map<String, Value>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize, Default)]
struct Totals {
    tests: u64,
    passed: u64,
    failed: u64,
    pending: u64,
    skipped: u64,
    other: u64,
    start: u64,
    stop: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Test {
    name: String,
    status: &'static str,
    duration: u64,
    suite: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    raw_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file_path: Option<String>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    extra: Map<String, Value>,
}

impl Test {
    fn new(name: impl Into<String>, suite: &str, failure: Option<String>) -> Self {
        Self {
            name: name.into(),
            status: if failure.is_some() {
                "failed"
            } else {
                "passed"
            },
            duration: 0,
            suite: vec![suite.to_owned()],
            message: failure,
            trace: None,
            raw_status: None,
            file_path: None,
            extra: Map::new(),
        }
    }
}

/// One line for a finding: `error[RULE] file:line:col /pointer: message`.
fn finding_line(report: &DocumentReport, f: &Finding, cassette: Option<&str>) -> String {
    super::test_walk::finding_line(report, f, cassette, Hint::Without)
}

fn millis_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Milliseconds as CTRF's integer durations.
fn whole_ms(ms: f64) -> u64 {
    if ms.is_finite() && ms > 0.0 {
        ms.round() as u64
    } else {
        0
    }
}

/// Collects tests and writes the document at the end.
pub struct CtrfReport<W: Write> {
    out: W,
    command: Command,
    partition: Option<String>,
    start: u64,
    tests: Vec<Test>,
    /// The `check` case being reported: its start and its finding lines.
    open: OpenCase<Vec<String>>,
}

impl<W: Write> CtrfReport<W> {
    /// A report into `out`.
    pub fn new(out: W) -> Self {
        Self {
            out,
            command: Command::Validate,
            partition: None,
            start: millis_now(),
            tests: Vec::new(),
            open: OpenCase::default(),
        }
    }
}

impl<W: Write> Reporter for CtrfReport<W> {
    fn start(&mut self, run: &RunInfo) -> io::Result<()> {
        self.command = run.command;
        self.partition = run.partition.map(|p| p.to_string());
        self.start = millis_now();
        Ok(())
    }

    fn document(
        &mut self,
        report: &DocumentReport,
        _bytes: &[u8],
        _first_line: u64,
    ) -> io::Result<()> {
        if let Some((start, lines)) = self.open.gathering() {
            lines.extend(
                report
                    .findings
                    .iter()
                    .map(|f| finding_line(report, f, start.cassette.as_deref())),
            );
            return Ok(());
        }
        let lines: Vec<String> = report
            .findings
            .iter()
            .map(|f| finding_line(report, f, None))
            .collect();
        let first_error = report
            .findings
            .iter()
            .find(|f| f.severity == Severity::Error)
            .map(|f| finding_line(report, f, None));
        let suite = format!(
            "{} {}",
            self.command.name(),
            report.kind.as_deref().unwrap_or("unknown-kind")
        );
        let mut test = Test::new(report.source.as_str(), &suite, first_error);
        test.trace = (!lines.is_empty()).then(|| lines.join("\n"));
        if let Some(category) = &report.category {
            test.extra
                .insert("category".to_owned(), Value::from(category.as_str()));
        }
        if report.step.is_none() && report.source != "-" {
            test.file_path = Some(
                report
                    .source
                    .split_once('#')
                    .map_or(report.source.as_str(), |(file, _)| file)
                    .to_owned(),
            );
        }
        self.tests.push(test);
        Ok(())
    }

    fn case_started(&mut self, case: &CaseStart) -> io::Result<()> {
        self.open.start(case);
        Ok(())
    }

    fn case_finished(&mut self, end: &CaseEnd) -> io::Result<()> {
        let Some((start, lines)) = self.open.end() else {
            return Ok(());
        };
        let summary = &end.summary;
        let failure = match case_verdict(summary, &lines) {
            CaseVerdict::Unmet(message) | CaseVerdict::Broken { message, .. } => Some(message),
            CaseVerdict::Kept => None,
        };
        let mut test = Test::new(start.name.as_str(), "check", failure);
        test.duration = whole_ms(summary.elapsed_ms);
        test.raw_status = Some(summary.outcome.clone());
        test.trace = (!lines.is_empty()).then(|| lines.join("\n"));
        test.extra
            .insert("expected".into(), summary.expected.clone().into());
        test.extra
            .insert("detail".into(), summary.detail.clone().into());
        if let Some(cassette) = end.cassette.as_deref().or(start.cassette.as_deref()) {
            test.extra.insert("cassette".into(), cassette.into());
        }
        self.tests.push(test);
        Ok(())
    }

    fn fuzz_failure(&mut self, failure: &FailureReport) -> io::Result<()> {
        let f = &failure.failure;
        let lines = failure_lines(failure, Hint::Without);
        let mut test = Test::new(
            format!("{} {}", f.oracle, failure.name),
            &format!("fuzz {} {}", f.scenario, f.variant),
            Some(f.message.clone()),
        );
        test.trace = Some(lines.join("\n"));
        test.file_path.clone_from(&f.file);
        self.tests.push(test);
        Ok(())
    }

    fn finish(&mut self, end: &RunEnd) -> io::Result<()> {
        let mut tests = std::mem::take(&mut self.tests);
        if let Some(fuzz) = end.fuzz.as_ref().filter(|f| f.failures.is_empty()) {
            let mut test = Test::new(
                format!(
                    "{} against {}, no oracle failed",
                    plural(fuzz.cases, "case"),
                    fuzz.target
                ),
                "fuzz",
                None,
            );
            test.duration = whole_ms(fuzz.elapsed_ms);
            tests.push(test);
        }
        if let Some(coverage) = end.coverage.as_ref().filter(|c| !c.required.is_empty()) {
            let missing: Vec<String> = coverage
                .missing_required
                .iter()
                .map(|c| super::Coverage::missing_message(*c))
                .collect();
            let mut test = Test::new(
                "required response codes",
                "coverage",
                missing.first().cloned(),
            );
            test.trace = (!missing.is_empty()).then(|| missing.join("\n"));
            tests.push(test);
        }
        if let Some(setup) = &end.setup {
            let mut test = Test::new(
                setup.case.clone(),
                "check setup",
                Some(format!("error[{}] {}", setup.rule, setup.message)),
            );
            test.raw_status = Some("error".into());
            tests.push(test);
        }
        for case in &end.interrupted {
            let text = case.describe();
            let mut test = Test::new(case.name.clone(), "check", Some(text.clone()));
            if !case.started {
                test.status = "skipped";
            }
            test.raw_status = Some("interrupted".into());
            tests.push(test);
        }
        let mut totals = Totals {
            tests: tests.len() as u64,
            start: self.start,
            stop: millis_now().max(self.start),
            ..Totals::default()
        };
        for test in &tests {
            match test.status {
                "passed" => totals.passed += 1,
                "failed" => totals.failed += 1,
                "skipped" => totals.skipped += 1,
                _ => totals.other += 1,
            }
        }
        let mut environment = Map::new();
        if let Some(shard) = &self.partition {
            environment.insert("shardId".into(), shard.clone().into());
        }
        let mut extra = Map::new();
        extra.insert("command".into(), self.command.name().into());
        extra.insert("errors".into(), end.summary.errors.into());
        extra.insert("warnings".into(), end.summary.warnings.into());
        if !end.complete {
            extra.insert("incomplete".into(), true.into());
        }
        let document = Document {
            report_format: "CTRF",
            spec_version: "1.0.0",
            generated_by: "ppob-contract",
            results: Results {
                tool: Tool {
                    name: "ppob-contract",
                    version: env!("CARGO_PKG_VERSION"),
                },
                summary: totals,
                tests,
                environment,
                extra,
            },
        };
        serde_json::to_writer_pretty(&mut self.out, &document)?;
        writeln!(self.out)?;
        self.out.flush()
    }
}
