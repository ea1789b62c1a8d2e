//! The default, human-readable report: one block per finding with
//! `file:line:col`, the rule, the pointer, and the offending source line
//! with a caret under the spot. Colour is decided by the writer the CLI
//! passes in (anstream strips it when piped or when `NO_COLOR` is set).

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use super::coverage::REQUIRED_CODE;
use super::{
    CaseEnd, CaseStart, CaseSummary, Command, Coverage, FailureReport, FuzzStart, FuzzSummary,
    InterruptedCase, Reporter, RunEnd, RunInfo, format_ms,
};
use ppob_core::contract::{DocumentReport, Finding, Severity, StepInfo, Summary};

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
    command: Option<Command>,
    replay: Option<String>,
    /// Error findings of the `check` case being reported.
    case_errors: u64,
}

impl<W: Write> HumanReport<W> {
    /// A report into `out`; `quiet` prints only the summary.
    pub fn new(out: W, quiet: bool) -> Self {
        Self {
            out,
            quiet,
            command: None,
            replay: None,
            case_errors: 0,
        }
    }

    /// One line for an exchange of a `check` case.
    /// The writer back, once the report is done (tests read what was written).
    pub fn into_inner(self) -> W {
        self.out
    }

    fn step_line(&mut self, step: &StepInfo) -> io::Result<()> {
        // A proxy's conversations interleave: each line names its own.
        if self.command == Some(Command::Proxy) {
            write!(self.out, "{BOLD}{}{BOLD:#}", step.case)?;
        }
        writeln!(
            self.out,
            "  {DIM}{:>2}{DIM:#} {:<8} {:<9} {:>10}  {}",
            step.index,
            step.label(),
            step.answer(),
            format_ms(step.elapsed_ms),
            step.verdict
        )
    }

    /// The cases a stopped run did not finish, and what the user must check.
    fn interrupted(&mut self, cases: &[InterruptedCase]) -> io::Result<()> {
        for case in cases {
            let style = if case.unknown_payments.is_empty() {
                WARNING
            } else {
                ERROR
            };
            writeln!(
                self.out,
                "{style}interrupted{style:#} {}: {}",
                case.name,
                case.describe()
            )?;
        }
        Ok(())
    }

    /// The cases' tally: how many ended as expected, how many broke the contract.
    fn cases_tally(&mut self, cases: &[CaseSummary]) -> io::Result<()> {
        let met = cases.iter().filter(|c| c.met).count();
        let style = if met == cases.len() { OK } else { ERROR };
        writeln!(
            self.out,
            "{style}{met} of {} ended as expected{style:#}",
            plural(cases.len() as u64, "case")
        )
    }

    /// The closing summary line.
    fn summary_line(&mut self, summary: &Summary, complete: bool) -> io::Result<()> {
        let invalid = summary.documents - summary.valid;
        let broken = invalid > 0 || summary.errors > 0;
        let style = if broken { ERROR } else { OK };
        let verdict = if !complete {
            "stopped before the end"
        } else if summary.input_errors > 0 {
            "could not check every document"
        } else if broken {
            "contract violated"
        } else {
            "contract holds"
        };
        writeln!(
            self.out,
            "{style}{verdict}{style:#}: {}, {} valid, {} invalid; {}, {}{}",
            plural(summary.documents, "document"),
            summary.valid,
            invalid,
            plural(summary.errors, "error"),
            plural(summary.warnings, "warning"),
            if summary.input_errors > 0 {
                format!("; {} unreadable", summary.input_errors)
            } else {
                String::new()
            }
        )
    }

    /// What the target answered, and the required codes it never answered.
    /// `ran` adds what ran (check's expectations; fuzz prints its own).
    fn coverage(&mut self, coverage: &Coverage, ran: bool) -> io::Result<()> {
        if !self.quiet {
            writeln!(self.out, "{BOLD}coverage{BOLD:#}")?;
            for op in &coverage.operations {
                let mut answered: Vec<String> = op
                    .codes
                    .iter()
                    .map(|c| format!("{} ×{}", c.code, thousands(c.count)))
                    .collect();
                if op.without_code > 0 {
                    answered.push(format!("no responseCode ×{}", thousands(op.without_code)));
                }
                let answered = if answered.is_empty() {
                    String::new()
                } else {
                    format!(": {}", answered.join(", "))
                };
                writeln!(
                    self.out,
                    "  {:<8} {}{answered}",
                    op.operation,
                    plural(op.requests, "request")
                )?;
            }
            let seen = ppob_core::model::response_code::DOCUMENTED_CODES.len()
                - coverage.documented_not_seen.len();
            writeln!(
                self.out,
                "  documented codes answered: {seen} of {}; never answered: {}",
                ppob_core::model::response_code::DOCUMENTED_CODES.len(),
                ranges(&coverage.documented_not_seen)
            )?;
            if !coverage.undocumented_seen.is_empty() {
                writeln!(
                    self.out,
                    "  undocumented codes answered: {}",
                    list(&coverage.undocumented_seen)
                )?;
            }
            if ran {
                let ran: Vec<String> = coverage
                    .scenarios
                    .iter()
                    .map(|(k, v)| format!("{k} {}", thousands(*v)))
                    .collect();
                writeln!(self.out, "  ran: {}", ran.join(", "))?;
            }
            if ran && !coverage.variants.is_empty() {
                let variants: Vec<String> = coverage
                    .variants
                    .iter()
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect();
                writeln!(self.out, "  variants: {}", variants.join(", "))?;
            }
        }
        for code in &coverage.missing_required {
            writeln!(
                self.out,
                "{ERROR}error[{REQUIRED_CODE}]{ERROR:#} {}",
                Coverage::missing_message(*code)
            )?;
        }
        if !coverage.required.is_empty() && coverage.missing_required.is_empty() && !self.quiet {
            writeln!(
                self.out,
                "  every required code was answered: {}",
                list(&coverage.required)
            )?;
        }
        Ok(())
    }

    /// A fuzz failure's heading and, after its documents, how to reproduce it.
    fn failure_head(&mut self, f: &FailureReport) -> io::Result<()> {
        let shrunk = match (f.failure.index, f.failure.shrink_steps) {
            (Some(i), 0) => format!("case {i}"),
            (Some(i), n) => format!("case {i}, shrunk in {n} steps"),
            (None, _) => "saved regression".into(),
        };
        writeln!(
            self.out,
            "\n{ERROR}✗ {}{ERROR:#}  {}  ({shrunk})",
            f.failure.oracle, f.headline
        )
    }

    fn failure_tail(&mut self, f: &FailureReport) -> io::Result<()> {
        let w = &mut self.out;
        if let Some((step, payload)) = &f.request {
            writeln!(w, "  request #{step}: {}", clip(payload, 400))?;
        }
        if let Some(why) = &f.stopped_early {
            writeln!(w, "  stopped early: {why}")?;
        }
        if let Some(file) = &f.failure.file {
            let label = if f.failure.index.is_some() {
                "saved:    "
            } else {
                "regression:"
            };
            writeln!(w, "  {label} {file}")?;
        }
        if let Some(command) = &f.failure.reproduce {
            writeln!(w, "  reproduce: {command}")?;
        }
        if let Some(curl) = &f.failure.curl {
            // A failure retold from a JSON report no longer knows its step.
            let step = f
                .request
                .as_ref()
                .map_or_else(String::new, |(i, _)| format!("request #{i}, "));
            writeln!(
                w,
                "  curl ({step}with PPOB_API_KEY and PPOB_API_SECRET set, to {}):\n    {}",
                f.curl_target,
                clip(curl, 2000)
            )?;
        }
        Ok(())
    }

    /// The totals of a fuzz run and its verdict.
    fn fuzz_totals(&mut self, fuzz: &FuzzSummary, end: &RunEnd) -> io::Result<()> {
        let secs = fuzz.elapsed_ms / 1000.0;
        let rate = |n: u64| if secs > 0.0 { n as f64 / secs } else { 0.0 };
        if !self.quiet {
            writeln!(
                self.out,
                "\n{} cases ({} requests, {} more shrinking) in {secs:.2} s: {} cases/s, {} requests/s{}",
                thousands(fuzz.cases),
                thousands(fuzz.requests),
                thousands(fuzz.shrink_requests),
                thousands(rate(fuzz.cases) as u64),
                thousands(rate(fuzz.requests) as u64),
                if fuzz.timed_out {
                    " (stopped by --max-time)"
                } else {
                    ""
                }
            )?;
            let scenarios: Vec<String> = fuzz
                .scenarios
                .iter()
                .map(|(k, v)| format!("{k} {}", thousands(*v)))
                .collect();
            writeln!(self.out, "  scenarios: {}", scenarios.join(", "))?;
            let negative: u64 = fuzz
                .variants
                .iter()
                .filter(|(k, _)| k.as_str() != "valid")
                .map(|(_, v)| v)
                .sum();
            writeln!(
                self.out,
                "  variants: {} valid, {} negative over {} kinds{}",
                thousands(fuzz.variants.get("valid").copied().unwrap_or(0)),
                thousands(negative),
                fuzz.variants.len().saturating_sub(1),
                if fuzz.inconclusive > 0 {
                    format!("; {} stopped before their target", fuzz.inconclusive)
                } else {
                    String::new()
                }
            )?;
            for (oracle, count) in &end.oracle_warnings {
                writeln!(
                    self.out,
                    "{WARNING}warning[{oracle}]{WARNING:#}: {}",
                    plural(*count, "case")
                )?;
            }
            for message in &fuzz.warnings {
                writeln!(
                    self.out,
                    "{WARNING}warning[{}]{WARNING:#}: {message}",
                    ppob_core::rules::catalogue::ids::VACUOUS_PASS
                )?;
            }
        }
        if let Some(coverage) = &end.coverage {
            self.coverage(coverage, false)?;
        }
        let missing = end
            .coverage
            .as_ref()
            .map_or(0, |c| c.missing_required.len());
        let verdict = match (fuzz.failures.len(), missing) {
            _ if !end.complete => format!(
                "stopped before the end after {}",
                plural(fuzz.cases, "case")
            ),
            (0, 0) => format!(
                "contract holds: no oracle failed in {}",
                plural(fuzz.cases, "case")
            ),
            (0, n) => format!(
                "contract violated: {} never answered",
                plural(n as u64, "required code")
            ),
            (1, _) => "contract violated: 1 failure (its reproduction is above)".to_owned(),
            (n, _) => format!("contract violated: {n} failures (their reproductions are above)"),
        };
        let style = if verdict.starts_with("contract holds") {
            OK
        } else {
            ERROR
        };
        writeln!(self.out, "{style}{verdict}{style:#}; seed {}", fuzz.seed)
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

/// A case's time: real, or "… simulated" when its clock was (the simulator, a replay).
fn case_time(case: &crate::CaseSummary) -> String {
    match case.simulated_ms {
        Some(ms) => format!("{} simulated", format_ms(ms)),
        None => format_ms(case.elapsed_ms),
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

impl<W: Write> Reporter for HumanReport<W> {
    fn start(&mut self, run: &RunInfo) -> io::Result<()> {
        self.command = Some(run.command);
        let Some(fuzz) = &run.fuzz else {
            return Ok(());
        };
        self.replay = fuzz.replay.clone();
        if self.quiet || fuzz.replay.is_some() {
            return Ok(());
        }
        writeln!(
            self.out,
            "{}",
            fuzz_header(run.target.as_deref().unwrap_or(""), fuzz)
        )
    }

    fn document(
        &mut self,
        report: &DocumentReport,
        bytes: &[u8],
        first_line: u64,
    ) -> io::Result<()> {
        self.case_errors += report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count() as u64;
        if self.quiet {
            return Ok(());
        }
        if let Some(step) = report.step.as_ref().filter(|s| s.opens_line()) {
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

    fn case_started(&mut self, case: &CaseStart) -> io::Result<()> {
        self.case_errors = 0;
        if self.quiet {
            return Ok(());
        }
        let about = case
            .about
            .as_deref()
            .map(|a| format!(": {a}"))
            .unwrap_or_default();
        writeln!(
            self.out,
            "{BOLD}case {}{BOLD:#}{about} (expects {})",
            case.name, case.expected
        )
    }

    fn case_finished(&mut self, end: &CaseEnd) -> io::Result<()> {
        if self.quiet {
            return Ok(());
        }
        let case = &end.summary;
        // The mark agrees with the verdict: a case that ended as expected
        // but broke the contract on the way is a contract failure.
        let (style, mark, verdict) = match (case.met, self.case_errors) {
            (true, 0) => (OK, "✓", format!("{} as expected", case.outcome)),
            (true, n) => (
                ERROR,
                "✗",
                format!(
                    "{} as expected, but the contract was broken ({})",
                    case.outcome,
                    plural(n, "error")
                ),
            ),
            (false, _) => (
                ERROR,
                "✗",
                format!("expected {}, got {}", case.expected, case.outcome),
            ),
        };
        writeln!(
            self.out,
            "  {style}{mark} {verdict}{style:#}: {} · {}",
            case.detail,
            case_time(case)
        )?;
        // Each case's block reaches a pipe as soon as it ends.
        self.out.flush()
    }

    fn fuzz_failure(&mut self, failure: &FailureReport) -> io::Result<()> {
        if !self.quiet {
            self.failure_head(failure)?;
        }
        for doc in &failure.documents {
            self.document(&doc.report, &doc.bytes, doc.first_line)?;
        }
        if !self.quiet {
            self.failure_tail(failure)?;
        }
        Ok(())
    }

    fn finish(&mut self, end: &RunEnd) -> io::Result<()> {
        if end.setup.is_some() {
            // The one line on stderr says it all (the CLI prints it).
            return self.out.flush();
        }
        match (self.command, &end.fuzz) {
            (Some(Command::Fuzz), Some(fuzz)) => {
                if let Some(file) = self.replay.clone() {
                    let verdict = if fuzz.failures.is_empty() {
                        "passes now against"
                    } else {
                        "still fails against"
                    };
                    writeln!(self.out, "\n{file} {verdict} {}", fuzz.target)?;
                } else {
                    self.fuzz_totals(fuzz, end)?;
                }
            }
            _ => {
                if self.command == Some(Command::Check) {
                    if let Some(coverage) = &end.coverage {
                        self.coverage(coverage, true)?;
                    }
                    self.cases_tally(&end.cases)?;
                    self.interrupted(&end.interrupted)?;
                }
                self.summary_line(&end.summary, end.complete)?;
            }
        }
        self.out.flush()
    }
}

/// The first line of a `fuzz` run: target, seed, size, and the regressions replayed first.
pub fn fuzz_header(target: &str, fuzz: &FuzzStart) -> String {
    let mut text = format!(
        "fuzz: {target}, seed {} (--seed {} generates these cases again), {}, {}",
        fuzz.seed,
        fuzz.seed,
        plural(fuzz.cases, "case"),
        plural(fuzz.jobs as u64, "job")
    );
    if let Some((dir, replayed, failing)) = &fuzz.regressions {
        text.push_str(&format!(
            "\nregressions: replayed {replayed} from {dir} first: {failing} still fail, {} pass now",
            replayed - failing
        ));
    }
    text
}

/// Numbers as a list, e.g. `1, 2, 3`; `none` when empty.
fn list(codes: &[i64]) -> String {
    if codes.is_empty() {
        return "none".to_owned();
    }
    codes
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// "1 document", "12 345 documents": [`super::plural`] with the digits grouped.
fn plural(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", thousands(count))
    }
}

/// Codes as a short list, consecutive ones as a range: `1-4, 99, 101, 103-111`.
fn ranges(codes: &[i64]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < codes.len() {
        let mut j = i;
        while j + 1 < codes.len() && codes[j + 1] == codes[j] + 1 {
            j += 1;
        }
        parts.push(match j - i {
            0 => codes[i].to_string(),
            1 => format!("{}, {}", codes[i], codes[j]),
            _ => format!("{}-{}", codes[i], codes[j]),
        });
        i = j + 1;
    }
    if parts.is_empty() {
        "none".to_owned()
    } else {
        parts.join(", ")
    }
}

/// `12 345 678`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// At most `max` characters of `text`, saying how long it was when cut.
fn clip(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_owned();
    }
    let head: String = text.chars().take(max).collect();
    format!("{head}… ({count} characters)")
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
    fn consecutive_codes_read_as_ranges() {
        assert_eq!(ranges(&[]), "none");
        assert_eq!(ranges(&[7]), "7");
        assert_eq!(ranges(&[1, 2]), "1, 2");
        assert_eq!(
            ranges(&[1, 2, 3, 4, 99, 100, 101, 103, 188, 301, 302, 303]),
            "1-4, 99-101, 103, 188, 301-303"
        );
        assert_eq!(plural(1, "case"), "1 case");
        assert_eq!(plural(10_000, "case"), "10 000 cases");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_ms(12.4), "12 ms");
        assert_eq!(format_ms(2500.0), "2.5 s");
        assert_eq!(format_ms(150_000.0), "2 m 30 s");
    }
}
