//! `--format github`: GitHub Actions workflow commands. One
//! `::error`/`::warning` line per finding (file, line and column when the
//! document is a file; the rule as title), escaped as the runner expects,
//! then a short summary. With a step-summary file (`$GITHUB_STEP_SUMMARY`,
//! passed in by the CLI) a Markdown table of the totals is appended to it.

use std::io::{self, Write};
use std::path::PathBuf;

use super::location::place;
use super::test_walk::OpenCase;
use super::{CaseEnd, CaseStart, Command, FailureReport, Reporter, RunEnd, RunInfo, plural};
use ppob_core::contract::{DocumentReport, Finding, Severity};

/// The rule of a case that ended otherwise than it expected.
const EXPECTATION: &str = "flow.expectation";

/// Escapes a command's message: `%`, CR and LF.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: as a message, plus `:` and `,`.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Writes annotations as findings arrive.
pub struct GithubReport<W: Write> {
    out: W,
    command: Command,
    step_summary: Option<PathBuf>,
    /// Documents of the `check` case being reported (annotated at its end,
    /// when the cassette it was recorded into is known).
    open: OpenCase<Vec<DocumentReport>>,
}

impl<W: Write> GithubReport<W> {
    /// Annotations into `out`; a Markdown summary is appended to `step_summary` at the end.
    pub fn new(out: W, step_summary: Option<PathBuf>) -> Self {
        Self {
            out,
            command: Command::Validate,
            step_summary,
            open: OpenCase::default(),
        }
    }

    fn annotate(
        &mut self,
        report: &DocumentReport,
        f: &Finding,
        file: Option<&str>,
        title_suffix: &str,
    ) -> io::Result<()> {
        let at = place(report, f, file);
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut properties = Vec::new();
        if let Some(file) = at.file.as_deref().or(file) {
            properties.push(format!("file={}", escape_property(file)));
        }
        if let Some((line, column)) = at.line_column {
            properties.push(format!("line={line}"));
            properties.push(format!("col={column}"));
        }
        properties.push(format!(
            "title={}",
            escape_property(&format!("{}{title_suffix}", f.rule))
        ));
        let pointer = if f.pointer.is_empty() {
            "(document)"
        } else {
            &f.pointer
        };
        let mut message = format!("{} {pointer}: {}", report.source, f.message);
        if let Some(e) = &f.expected {
            message.push_str(&format!(" (expected {e}"));
            if let Some(a) = &f.actual {
                message.push_str(&format!(", found {a}"));
            }
            message.push(')');
        }
        writeln!(
            self.out,
            "::{command} {}::{}",
            properties.join(","),
            escape_data(&message)
        )
    }

    fn markdown(&self, end: &RunEnd) -> String {
        let s = &end.summary;
        let verdict = if !end.complete {
            "⚠️ stopped before the end"
        } else if s.errors > 0 || s.input_errors > 0 || s.documents > s.valid {
            "❌ contract violated"
        } else {
            "✅ contract holds"
        };
        let mut md = format!(
            "### ppob-contract {}: {verdict}\n\n| documents | valid | errors | warnings |\n|---:|---:|---:|---:|\n| {} | {} | {} | {} |\n",
            self.command.name(),
            s.documents,
            s.valid,
            s.errors,
            s.warnings
        );
        if !end.cases.is_empty() {
            let met = end.cases.iter().filter(|c| c.met).count();
            md.push_str(&format!(
                "\n{met} of {} ended as expected.\n",
                plural(end.cases.len() as u64, "case")
            ));
        }
        if let Some(coverage) = &end.coverage {
            md.push_str("\n| operation | requests | codes answered |\n|---|---:|---|\n");
            for op in &coverage.operations {
                let codes: Vec<String> = op
                    .codes
                    .iter()
                    .map(|c| format!("{} ×{}", c.code, c.count))
                    .collect();
                md.push_str(&format!(
                    "| {} | {} | {} |\n",
                    op.operation,
                    op.requests,
                    codes.join(", ")
                ));
            }
            if !coverage.missing_required.is_empty() {
                let missing: Vec<String> = coverage
                    .missing_required
                    .iter()
                    .map(i64::to_string)
                    .collect();
                md.push_str(&format!(
                    "\nRequired codes never answered: {}\n",
                    missing.join(", ")
                ));
            }
        }
        md
    }
}

impl<W: Write> Reporter for GithubReport<W> {
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
        if report.findings.is_empty() {
            return Ok(());
        }
        if let Some((_, docs)) = self.open.gathering() {
            docs.push(report.clone());
            return Ok(());
        }
        for f in &report.findings {
            self.annotate(report, f, None, "")?;
        }
        Ok(())
    }

    fn case_started(&mut self, case: &CaseStart) -> io::Result<()> {
        self.open.start(case);
        Ok(())
    }

    fn case_finished(&mut self, end: &CaseEnd) -> io::Result<()> {
        let Some((start, docs)) = self.open.end() else {
            return Ok(());
        };
        let cassette = end.cassette.as_deref().or(start.cassette.as_deref());
        for doc in &docs {
            for f in &doc.findings {
                self.annotate(doc, f, cassette, "")?;
            }
        }
        let case = &end.summary;
        // One annotation per failed case: the flow puts its flow.expectation finding on the
        // case's last answer, already annotated above; the case line stands in only when no
        // document carried it.
        let annotated = docs
            .iter()
            .flat_map(|doc| &doc.findings)
            .any(|f| f.rule == EXPECTATION);
        if !case.met && !annotated {
            let mut line = format!("::error title={}::", escape_property(EXPECTATION));
            line.push_str(&escape_data(&format!(
                "case {}: expected {}, got {}: {}",
                case.name, case.expected, case.outcome, case.detail
            )));
            writeln!(self.out, "{line}")?;
        }
        Ok(())
    }

    fn fuzz_failure(&mut self, failure: &FailureReport) -> io::Result<()> {
        let file = failure.failure.file.as_deref();
        for doc in &failure.documents {
            for f in &doc.report.findings {
                self.annotate(&doc.report, f, file, &format!(" ({})", failure.name))?;
            }
        }
        if let Some(command) = &failure.failure.reproduce {
            writeln!(self.out, "reproduce {}: {command}", failure.name)?;
        }
        Ok(())
    }

    fn finish(&mut self, end: &RunEnd) -> io::Result<()> {
        if let Some(coverage) = &end.coverage {
            for code in &coverage.missing_required {
                writeln!(
                    self.out,
                    "::error title={}::{}",
                    escape_property(super::coverage::REQUIRED_CODE),
                    escape_data(&super::Coverage::missing_message(*code))
                )?;
            }
        }
        if let Some(setup) = &end.setup {
            writeln!(
                self.out,
                "::error title={}::{}",
                escape_property(&setup.rule),
                escape_data(&format!("case {}: {}", setup.case, setup.message))
            )?;
        }
        for case in &end.interrupted {
            let command = if case.unknown_payments.is_empty() {
                "warning"
            } else {
                "error"
            };
            writeln!(
                self.out,
                "::{command} title=interrupted::{}: {}",
                escape_data(&case.name),
                escape_data(&case.describe())
            )?;
        }
        let s = &end.summary;
        let mut line = format!(
            "ppob-contract {}: {}, {} valid; {}, {}",
            self.command.name(),
            plural(s.documents, "document"),
            s.valid,
            plural(s.errors, "error"),
            plural(s.warnings, "warning")
        );
        if let Some(fuzz) = &end.fuzz {
            line.push_str(&format!(
                "; {}, {} (seed {})",
                plural(fuzz.cases, "case"),
                plural(fuzz.failures.len() as u64, "failure"),
                fuzz.seed
            ));
        }
        if !end.cases.is_empty() {
            let met = end.cases.iter().filter(|c| c.met).count();
            line.push_str(&format!(
                "; {met} of {} as expected",
                plural(end.cases.len() as u64, "case")
            ));
        }
        if !end.complete {
            line.push_str("; stopped before the end");
        }
        writeln!(self.out, "{line}")?;
        if let Some(path) = &self.step_summary {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?;
            file.write_all(self.markdown(end).as_bytes())?;
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_properties_are_escaped_as_the_runner_reads_them() {
        assert_eq!(escape_data("50% of\r\nlines"), "50%25 of%0D%0Alines");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
