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
/// Findings shown per document; the rest are counted in one line.
pub const MAX_FINDINGS_SHOWN: usize = 100;

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
        source: &mut SourceCursor<'_>,
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
        let shown = source.window(
            f.line.saturating_sub(first_line),
            f.column.saturating_sub(1) as usize,
        );
        // An empty source (no answer at all) has nothing to point at.
        if let Some((shown, caret_at)) = shown.filter(|(l, _)| !l.trim().is_empty()) {
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

/// Finds the source around each finding without copying or rescanning
/// whole lines: it moves forward through the bytes as findings come in
/// source order (the engine sorts them), and starts over only when one goes
/// back. A window never holds more than 2 × [`CONTEXT_CHARS`] characters,
/// however long the line.
struct SourceCursor<'a> {
    bytes: &'a [u8],
    /// 0-based index of the line the cursor is on.
    line: u64,
    /// Byte offset where that line starts.
    line_start: usize,
    /// Byte offset of the cursor, and its column in characters (0-based).
    at: usize,
    column: usize,
}

/// Whether a byte continues a UTF-8 sequence (is not a character's first byte).
fn continues(byte: u8) -> bool {
    (byte & 0xC0) == 0x80
}

impl<'a> SourceCursor<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            line: 0,
            line_start: 0,
            at: 0,
            column: 0,
        }
    }

    /// One character forward, unless at the end of the line.
    fn step(&self, at: usize) -> Option<usize> {
        match self.bytes.get(at) {
            None | Some(b'\n') => None,
            Some(_) => {
                let mut next = at + 1;
                while self.bytes.get(next).is_some_and(|&b| continues(b)) {
                    next += 1;
                }
                Some(next)
            }
        }
    }

    /// Moves to line `line` (0-based), character `column` (0-based, clamped
    /// to the line's end); `None` when there is no such line.
    fn seek(&mut self, line: u64, column: usize) -> Option<()> {
        if line < self.line || (line == self.line && column < self.column) {
            *self = Self::new(self.bytes);
        }
        while self.line < line {
            let newline = memchr::memchr(b'\n', &self.bytes[self.at..])?;
            self.line_start = self.at + newline + 1;
            self.at = self.line_start;
            self.line += 1;
            self.column = 0;
        }
        while self.column < column {
            let Some(next) = self.step(self.at) else {
                break;
            };
            self.at = next;
            self.column += 1;
        }
        Some(())
    }

    /// The source around line `line`, column `column` (both 0-based), lossily
    /// decoded, tabs as spaces: at most [`CONTEXT_CHARS`] characters on either
    /// side, `…` where the line goes on; and where the caret goes in it.
    fn window(&mut self, line: u64, column: usize) -> Option<(String, usize)> {
        self.seek(line, column)?;
        let (mut start, mut before) = (self.at, 0);
        while before < CONTEXT_CHARS && start > self.line_start {
            start -= 1;
            while start > self.line_start && continues(self.bytes[start]) {
                start -= 1;
            }
            before += 1;
        }
        let (mut end, mut after) = (self.at, 0);
        while after < CONTEXT_CHARS {
            let Some(next) = self.step(end) else { break };
            end = next;
            after += 1;
        }
        let rest = &self.bytes[end..];
        let line_ends = matches!(rest, [] | [b'\n', ..] | [b'\r'] | [b'\r', b'\n', ..]);
        let mut text = &self.bytes[start..end];
        if line_ends {
            text = text.strip_suffix(b"\r").unwrap_or(text);
        }
        let mut shown = String::from_utf8_lossy(text).replace('\t', " ");
        let mut caret = before;
        if start > self.line_start {
            shown.insert(0, '…');
            caret += 1;
        }
        if !line_ends {
            shown.push('…');
        }
        Some((shown, caret))
    }
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
        let mut source = SourceCursor::new(bytes);
        for f in report.findings.iter().take(MAX_FINDINGS_SHOWN) {
            self.finding(report, f, &mut source, first_line)?;
        }
        let rest = report.findings.len().saturating_sub(MAX_FINDINGS_SHOWN);
        if rest > 0 {
            writeln!(
                self.out,
                "{DIM}… and {rest} more findings in {} (counted in the summary; --format json lists every one){DIM:#}",
                report.source
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(source: &str, line: u64, column: usize) -> Option<(String, usize)> {
        SourceCursor::new(source.as_bytes()).window(line, column)
    }

    #[test]
    fn windows_keep_the_caret_on_the_spot() {
        assert_eq!(window("abc", 0, 1), Some(("abc".into(), 1)));
        let long = "x".repeat(500) + "Y" + &"z".repeat(500);
        let (shown, caret) = window(&long, 0, 500).unwrap();
        assert_eq!(shown.chars().nth(caret), Some('Y'));
        assert!(shown.starts_with('…') && shown.ends_with('…'));
        assert_eq!(shown.chars().count(), 2 * CONTEXT_CHARS + 2);
    }

    #[test]
    fn windows_count_characters_and_stop_at_the_line() {
        let source = "{\n  \"é\": \"ü\",\tX\r\n}";
        let (shown, caret) = window(source, 1, 12).unwrap();
        assert_eq!(shown, "  \"é\": \"ü\", X");
        assert_eq!(shown.chars().nth(caret), Some('X'));
        assert_eq!(window(source, 2, 0), Some(("}".into(), 0)));
        assert_eq!(window(source, 3, 0), None);
    }

    #[test]
    fn a_cursor_moves_forward_and_starts_over_when_sent_back() {
        let mut cursor = SourceCursor::new(b"ab\ncd\nef");
        assert_eq!(cursor.window(2, 1).map(|w| w.1), Some(1));
        assert_eq!(cursor.window(0, 5), Some(("ab".into(), 2)));
        assert_eq!(cursor.window(1, 0), Some(("cd".into(), 0)));
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_ms(12.4), "12 ms");
        assert_eq!(format_ms(2500.0), "2.5 s");
        assert_eq!(format_ms(150_000.0), "2 m 30 s");
    }
}
