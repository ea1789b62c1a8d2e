//! The default, human-readable report: one block per finding with
//! `file:line:col`, the rule, the pointer, and the offending source line
//! with a caret under the spot. Colour is decided by the writer the CLI
//! passes in (anstream strips it when piped or when `NO_COLOR` is set).

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use crate::contract::{CaseSummary, DocumentReport, Finding, Severity, StepInfo, Summary};
use crate::validate::Sink;

/// Characters of source shown on either side of the caret.
const CONTEXT_CHARS: usize = 60;

const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const DIM: Style = AnsiColor::Blue.on_default().bold();
const BOLD: Style = Style::new().bold();
const OK: Style = AnsiColor::Green.on_default().bold();

/// Writes findings as people read them.
pub struct HumanReport<W: Write> {
    out: W,
    quiet: bool,
}

impl<W: Write> HumanReport<W> {
    /// A report into `out`; `quiet` prints only the summary.
    pub fn new(out: W, quiet: bool) -> Self {
        Self { out, quiet }
    }

    /// The writer, for lines of a command's own (a `fuzz` failure's header).
    pub fn writer(&mut self) -> &mut W {
        &mut self.out
    }

    /// Whether only the summary is printed.
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// Announces a `check` case before its steps.
    pub fn case_started(
        &mut self,
        name: &str,
        about: Option<&str>,
        expected: &str,
    ) -> io::Result<()> {
        if self.quiet {
            return Ok(());
        }
        let about = about.map(|a| format!(": {a}")).unwrap_or_default();
        writeln!(
            self.out,
            "{BOLD}case {name}{BOLD:#}{about} (expects {expected})"
        )
    }

    /// One line for an exchange of a `check` case.
    fn step_line(&mut self, step: &StepInfo) -> io::Result<()> {
        let http = step
            .http_status
            .map_or_else(|| "no answer".to_owned(), |s| format!("HTTP {s}"));
        writeln!(
            self.out,
            "  {DIM}{:>2}{DIM:#} {:<8} {:<9} {:>10}  {}",
            step.index,
            step.operation,
            http,
            format_ms(step.elapsed_ms),
            step.verdict
        )
    }

    /// Closes a `check` case with its outcome.
    pub fn case_finished(&mut self, case: &CaseSummary) -> io::Result<()> {
        if self.quiet {
            return Ok(());
        }
        let (style, mark) = if case.met {
            (OK, "✓")
        } else {
            (ERROR, "✗")
        };
        let verdict = if case.met {
            format!("{} as expected", case.outcome)
        } else {
            format!("expected {}, got {}", case.expected, case.outcome)
        };
        writeln!(
            self.out,
            "  {style}{mark} {verdict}{style:#}: {} · {}",
            case.detail,
            format_ms(case.elapsed_ms)
        )
    }

    /// Writes the cases' tally, then the closing summary line.
    pub fn finish_cases(mut self, cases: &[CaseSummary], summary: &Summary) -> io::Result<W> {
        let met = cases.iter().filter(|c| c.met).count();
        let style = if met == cases.len() { OK } else { ERROR };
        writeln!(
            self.out,
            "{style}{met} of {} cases ended as expected{style:#}",
            cases.len()
        )?;
        self.finish(summary)
    }

    /// Writes the closing summary line and returns the writer.
    pub fn finish(mut self, summary: &Summary) -> io::Result<W> {
        let invalid = summary.documents - summary.valid;
        let style = if invalid > 0 { ERROR } else { OK };
        let verdict = if summary.input_errors > 0 {
            "could not check every document"
        } else if invalid > 0 {
            "contract violated"
        } else {
            "contract holds"
        };
        writeln!(
            self.out,
            "{style}{verdict}{style:#}: {} documents, {} valid, {} invalid; {} errors, {} warnings{}",
            summary.documents,
            summary.valid,
            invalid,
            summary.errors,
            summary.warnings,
            if summary.input_errors > 0 {
                format!("; {} unreadable", summary.input_errors)
            } else {
                String::new()
            }
        )?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn finding(
        &mut self,
        report: &DocumentReport,
        f: &Finding,
        bytes: &[u8],
        first_line: u64,
    ) -> io::Result<()> {
        let style = match f.severity {
            Severity::Error => ERROR,
            Severity::Warning => WARNING,
        };
        let kind = report.kind.as_deref().unwrap_or("unknown kind");
        let location = if report.source.ends_with(&format!(":{}", f.line)) {
            // NDJSON: the source already names the line.
            format!("{}:{}", report.source, f.column)
        } else {
            format!("{}:{}:{}", report.source, f.line, f.column)
        };
        let pointer = if f.pointer.is_empty() {
            "(document)"
        } else {
            &f.pointer
        };
        writeln!(
            self.out,
            "{style}{}[{}]{style:#} {BOLD}{location}{BOLD:#} {pointer} ({kind})",
            f.severity.name(),
            f.rule
        )?;
        writeln!(self.out, "  {}", f.message)?;
        let line = source_line(bytes, f.line.saturating_sub(first_line));
        // An empty source (no answer at all) has nothing to point at.
        if let Some(line) = line.filter(|l| !l.trim().is_empty()) {
            let (shown, caret_at) = window(line, f.column.saturating_sub(1) as usize);
            let number = f.line.to_string();
            let gutter = " ".repeat(number.len());
            let hint = match (&f.expected, &f.actual) {
                (Some(e), Some(a)) => format!(" expected {e}, found {a}"),
                (Some(e), None) => format!(" expected {e}"),
                _ => String::new(),
            };
            writeln!(self.out, "  {DIM}{gutter} |{DIM:#}")?;
            writeln!(self.out, "  {DIM}{number} |{DIM:#} {shown}")?;
            writeln!(
                self.out,
                "  {DIM}{gutter} |{DIM:#} {}{style}^{hint}{style:#}",
                " ".repeat(caret_at)
            )?;
        }
        Ok(())
    }
}

/// Milliseconds as people read them: `12 ms`, `2.5 s`, `2 m 30 s`.
fn format_ms(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else if ms < 60_000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else {
        let secs = (ms / 1000.0).round() as u64;
        format!("{} m {} s", secs / 60, secs % 60)
    }
}

/// The `index`-th line (0-based) of `bytes`, lossily decoded, if it exists.
fn source_line(bytes: &[u8], index: u64) -> Option<String> {
    let line = bytes
        .split(|&b| b == b'\n')
        .nth(usize::try_from(index).ok()?)?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Some(String::from_utf8_lossy(line).replace('\t', " "))
}

/// A window of at most 2 × [`CONTEXT_CHARS`] characters around `column`
/// (0-based, in characters), and where the caret goes in it.
fn window(line: String, column: usize) -> (String, usize) {
    let chars: Vec<char> = line.chars().collect();
    let column = column.min(chars.len());
    let start = column.saturating_sub(CONTEXT_CHARS);
    let end = (column + CONTEXT_CHARS).min(chars.len());
    let mut shown: String = chars[start..end].iter().collect();
    let mut caret = column - start;
    if start > 0 {
        shown.insert(0, '…');
        caret += 1;
    }
    if end < chars.len() {
        shown.push('…');
    }
    (shown, caret)
}

impl<W: Write> Sink for HumanReport<W> {
    fn document(
        &mut self,
        report: &DocumentReport,
        bytes: &[u8],
        first_line: u64,
    ) -> io::Result<()> {
        if self.quiet {
            return Ok(());
        }
        if let Some(step) = report.step.as_ref().filter(|s| s.side == "request") {
            self.step_line(step)?;
        }
        for f in &report.findings {
            self.finding(report, f, bytes, first_line)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_keep_the_caret_on_the_spot() {
        assert_eq!(window("abc".into(), 1), ("abc".into(), 1));
        let long = "x".repeat(500) + "Y" + &"z".repeat(500);
        let (shown, caret) = window(long, 500);
        assert_eq!(shown.chars().nth(caret), Some('Y'));
        assert!(shown.chars().count() <= 2 * CONTEXT_CHARS + 2);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_ms(12.4), "12 ms");
        assert_eq!(format_ms(2500.0), "2.5 s");
        assert_eq!(format_ms(150_000.0), "2 m 30 s");
    }

    #[test]
    fn source_lines_are_found_by_index() {
        assert_eq!(source_line(b"a\r\nb\tc\n", 1).as_deref(), Some("b c"));
        assert_eq!(source_line(b"a", 3), None);
    }
}
