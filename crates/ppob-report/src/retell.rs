//! A finished JSON [`Report`] told to a [`Reporter`] again, as the events
//! of the run it describes, so that any format can be written from it
//! (`report merge`). What the JSON report does not keep is left out: the
//! documents' source bytes (the human format then shows findings without the
//! source line and caret), where a case's cassette was, a `fuzz` failure's
//! one-line case description (its scenario and variant stand in), the
//! failing request and the per-oracle warning counts (the summary still
//! counts them).

use std::collections::BTreeMap;
use std::io;

use super::wire::{Command, FuzzFailure, Report};
use super::{CaseEnd, CaseStart, FailureReport, FuzzStart, Judged, Reporter, RunEnd, RunInfo};
use ppob_core::contract::DocumentReport;

/// Tells `reporter` the events of the run `report` describes: start, the
/// documents (inside their `check` case or `fuzz` failure), finish.
/// Documents that belong to no case or failure are told after them, so
/// none is lost.
pub fn retell(report: &Report, reporter: &mut dyn Reporter) -> io::Result<()> {
    let command = report.command();
    reporter.start(&RunInfo {
        command,
        target: report.fuzz.as_ref().map(|f| f.target.clone()),
        fuzz: report.fuzz.as_ref().map(|f| FuzzStart {
            seed: f.seed,
            cases: f.cases,
            jobs: 1,
            regressions: (f.regressions_replayed > 0).then(|| {
                (
                    "the regression directory".to_owned(),
                    f.regressions_replayed,
                    f.regressions_failing,
                )
            }),
            replay: None,
        }),
        partition: report.partition.as_deref().and_then(|p| p.parse().ok()),
    })?;
    let mut documents = Documents {
        all: &report.documents,
        next: 0,
    };
    match command {
        // A proxy session's documents are its exchanges in order, as validate's.
        Command::Validate | Command::Proxy => {}
        Command::Check => {
            for case in &report.cases {
                reporter.case_started(&CaseStart {
                    name: case.name.clone(),
                    about: None,
                    expected: case.expected.clone(),
                    cassette: None,
                })?;
                for doc in documents.of(&case.name) {
                    reporter.document(doc, &[], 1)?;
                }
                reporter.case_finished(&CaseEnd {
                    summary: case.clone(),
                    cassette: None,
                })?;
            }
        }
        Command::Fuzz => {
            let (failures, target) = report
                .fuzz
                .as_ref()
                .map_or((&[][..], ""), |f| (&f.failures[..], f.target.as_str()));
            for failure in failures {
                let name = name_of(failure);
                let docs = documents
                    .of(&name)
                    .iter()
                    .map(|doc| Judged {
                        report: doc.clone(),
                        bytes: Vec::new(),
                        first_line: 1,
                    })
                    .collect();
                reporter.fuzz_failure(&FailureReport {
                    failure: failure.clone(),
                    headline: format!("{} · {}", failure.scenario, failure.variant),
                    name,
                    documents: docs,
                    request: None,
                    stopped_early: None,
                    curl_target: target.to_owned(),
                })?;
            }
        }
    }
    for doc in documents.rest() {
        reporter.document(doc, &[], 1)?;
    }
    reporter.finish(&RunEnd {
        summary: report.summary.clone(),
        cases: report.cases.clone(),
        fuzz: report.fuzz.clone(),
        oracle_warnings: BTreeMap::new(),
        coverage: report.coverage.clone(),
        interrupted: report.interrupted.clone(),
        setup: report.setup.clone(),
        complete: !report.incomplete,
    })
}

/// The name a failure's documents carry in their step's `case`: its
/// regression file's stem, else `case N` (as `fuzz` names them).
fn name_of(failure: &FuzzFailure) -> String {
    match (&failure.file, failure.index) {
        (Some(file), _) => std::path::Path::new(file)
            .file_stem()
            .map_or_else(|| file.clone(), |stem| stem.to_string_lossy().into_owned()),
        (None, Some(index)) => format!("case {index}"),
        (None, None) => "case".to_owned(),
    }
}

/// The report's documents, handed out in order.
struct Documents<'r> {
    all: &'r [DocumentReport],
    next: usize,
}

impl<'r> Documents<'r> {
    /// The documents from here on that belong to `name` (their step's case),
    /// as a run writes them: one after another.
    fn of(&mut self, name: &str) -> &'r [DocumentReport] {
        let start = self.next;
        while self
            .all
            .get(self.next)
            .and_then(|d| d.step.as_ref())
            .is_some_and(|step| step.case == name)
        {
            self.next += 1;
        }
        &self.all[start..self.next]
    }

    /// Every document not handed out yet.
    fn rest(&mut self) -> &'r [DocumentReport] {
        let rest = &self.all[self.next..];
        self.next = self.all.len();
        rest
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CaseSummary, Format, Options};
    use ppob_core::contract::{Finding, Severity, StepInfo, Summary};

    fn step_doc(case: &str, index: u32, side: &str, error: bool) -> DocumentReport {
        let findings = if error {
            vec![Finding {
                rule: "schema".into(),
                severity: Severity::Error,
                pointer: "/data/amount".into(),
                line: 9,
                column: 14,
                message: "type: expected integer, found string".into(),
                expected: Some("integer".into()),
                actual: Some("\"3607\"".into()),
            }]
        } else {
            Vec::new()
        };
        let mut doc = DocumentReport::new(
            format!("{case}#{index} inquiry.{side}"),
            Some(format!("inquiry.{side}")),
            findings,
        );
        doc.step = Some(StepInfo {
            case: case.into(),
            index,
            operation: "inquiry".into(),
            side: side.into(),
            http_status: Some(200),
            elapsed_ms: 3.0,
            verdict: "inquiry ok".into(),
        });
        doc
    }

    fn check_report() -> Report {
        let documents = vec![
            step_doc("0811111111", 1, "request", false),
            step_doc("0811111111", 1, "response", true),
            step_doc("0811111113", 1, "request", false),
            step_doc("0811111113", 1, "response", false),
        ];
        let mut summary = Summary::default();
        for d in &documents {
            summary.add(d);
        }
        let case = |name: &str| CaseSummary {
            name: name.into(),
            expected: "success".into(),
            outcome: "success".into(),
            code: Some(0),
            met: true,
            elapsed_ms: 2.0,
            simulated_ms: None,
            detail: "paid".into(),
            category: None,
        };
        Report {
            tool: "ppob-contract".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            command: Some(Command::Check),
            partition: None,
            documents,
            cases: vec![case("0811111111"), case("0811111113")],
            interrupted: Vec::new(),
            setup: None,
            fuzz: None,
            coverage: Some(crate::CoverageTally::default().finish(&[])),
            summary,
            incomplete: false,
        }
    }

    fn render(format: Format, report: &Report) -> String {
        let mut bytes = Vec::new();
        {
            let mut reporter = format.reporter(Box::new(&mut bytes), Options::default());
            retell(report, reporter.as_mut()).unwrap();
        }
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn the_json_format_writes_the_report_back_as_it_was() {
        let report = check_report();
        let written: Report = serde_json::from_str(&render(Format::Json, &report)).unwrap();
        assert_eq!(written, report);
    }

    #[test]
    fn human_shows_each_case_with_its_findings_and_no_caret_without_source() {
        let text = render(Format::Human, &check_report());
        let first = text.find("case 0811111111").unwrap();
        let finding = text.find("0811111111#1 inquiry.response:9:14").unwrap();
        let second = text.find("case 0811111113").unwrap();
        assert!(first < finding && finding < second, "{text}");
        assert!(
            text.contains("type: expected integer, found string"),
            "{text}"
        );
        assert!(
            !text.contains('^'),
            "a caret without a source line:\n{text}"
        );
        assert!(text.contains("2 of 2 cases ended as expected"), "{text}");
    }

    #[test]
    fn documents_of_no_case_are_still_told() {
        let mut report = check_report();
        report.cases.remove(0);
        let text = render(Format::Junit, &report);
        assert!(text.contains("0811111111#1 inquiry.response"), "{text}");
    }
}
