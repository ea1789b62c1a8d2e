//! `--format html`: one self-contained page a person opens from a CI
//! artefact. Everything is inline (CSS, a few lines of script) and a
//! Content-Security-Policy of `default-src 'none'` forbids the page any
//! request: it works offline and leaks nothing when opened.
//!
//! It shows the summary; `check` cases with the timeline of their requests
//! and answers (the bodies as reported: redacted) and, under each document,
//! its findings with the rule, pointer, line and an excerpt of the document;
//! `validate` documents; `fuzz` failures with the shrunk exchange and the
//! command that replays it; coverage of the documented response codes; and
//! the help of every rule that fired. Failing cases and invalid documents
//! come first and open; passing ones follow, closed. The `<body>` carries
//! the counts as `data-*` attributes (the tests compare them with the JSON
//! report). Written whole at `finish`; bounded: at most
//! [`MAX_DOCUMENTS_SHOWN`] documents in detail, [`MAX_FINDINGS_SHOWN`]
//! findings a document, bodies cut at [`MAX_BODY_BYTES`].

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::rule_help::{RULES_URI, help_text, severity_name};
use super::{
    CaseEnd, CaseStart, Command, Coverage, FailureReport, MAX_FINDINGS_SHOWN, Reporter, RunEnd,
    RunInfo, format_ms, plural,
};
use ppob_core::contract::{DocumentReport, Finding, Severity};
use ppob_core::rules::catalogue::CATALOGUE;

/// Documents shown in detail; the others are counted (the JSON report has them).
pub const MAX_DOCUMENTS_SHOWN: usize = 2_000;

/// Bytes of a body shown in a timeline.
pub const MAX_BODY_BYTES: usize = 4_096;

/// Characters of an excerpt line.
const MAX_LINE_CHARS: usize = 160;

/// Lines shown around a finding's line.
const EXCERPT_CONTEXT: u64 = 2;

const STYLE: &str = "
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f8fa}
header,main{max-width:72rem;margin:0 auto;padding:1rem}
header{background:#fff;border-bottom:1px solid #d0d7de}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
.verdict-fail{color:#b3261e}.verdict-pass{color:#1a7f37}
dl.summary{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;margin:.5rem 0}
dl.summary div{display:flex;flex-direction:column}dl.summary dt{font-size:.8rem;color:#57606a}
dl.summary dd{margin:0;font-size:1.2rem;font-weight:600}
details{background:#fff;border:1px solid #d0d7de;border-radius:6px;margin:.4rem 0;padding:.3rem .6rem}
details.failing{border-left:4px solid #b3261e}details.passing{border-left:4px solid #1a7f37}
summary{cursor:pointer;font-weight:600}
ol.timeline{list-style:none;padding-left:.5rem;border-left:2px solid #d0d7de}
ol.timeline li{margin:.4rem 0 .4rem .5rem}
pre{background:#f6f8fa;border:1px solid #eaeef2;padding:.4rem;overflow:auto;max-height:20rem;font-size:12px}
.finding{margin:.3rem 0;padding:.2rem .5rem;border-left:3px solid #bf8700}
.finding.error{border-left-color:#b3261e}
.sev{font-weight:700;text-transform:uppercase;font-size:.75rem}
.error .sev{color:#b3261e}.warning .sev{color:#9a6700}
code{font-size:12px}table{border-collapse:collapse;background:#fff}
td,th{border:1px solid #d0d7de;padding:.2rem .5rem;text-align:left;vertical-align:top}
mark{background:#ffebe9}
.only-failing .passing{display:none}
.note{color:#57606a}
";

const SCRIPT: &str = "
document.getElementById('only-failing').addEventListener('change', function (e) {
  document.body.classList.toggle('only-failing', e.target.checked);
});
";

/// `text` escaped for HTML text and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn cut_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// A finding with the lines of the document around it.
struct FindingView {
    finding: Finding,
    excerpt: Vec<(u64, String)>,
}

/// A judged document as the page shows it.
struct DocView {
    report: DocumentReport,
    findings: Vec<FindingView>,
    body: Option<String>,
}

impl DocView {
    fn new(report: &DocumentReport, bytes: &[u8], first_line: u64, with_body: bool) -> Self {
        let lines: Vec<&[u8]> = if report.findings.is_empty() {
            Vec::new()
        } else {
            bytes.split(|&b| b == b'\n').collect()
        };
        let findings = report
            .findings
            .iter()
            .take(MAX_FINDINGS_SHOWN)
            .map(|f| {
                let from = f.line.saturating_sub(EXCERPT_CONTEXT).max(first_line);
                let excerpt = (from..=f.line + EXCERPT_CONTEXT)
                    .filter_map(|n| {
                        let index = usize::try_from(n.checked_sub(first_line)?).ok()?;
                        let line = lines.get(index)?;
                        Some((n, cut_chars(&String::from_utf8_lossy(line), MAX_LINE_CHARS)))
                    })
                    .collect();
                FindingView {
                    finding: f.clone(),
                    excerpt,
                }
            })
            .collect();
        let body = (with_body && !bytes.is_empty()).then(|| {
            let shown = &bytes[..bytes.len().min(MAX_BODY_BYTES)];
            let mut text = String::from_utf8_lossy(shown).into_owned();
            if bytes.len() > MAX_BODY_BYTES {
                text.push_str(&format!("\n… ({} bytes in all)", bytes.len()));
            }
            text
        });
        Self {
            report: DocumentReport {
                findings: Vec::new(),
                ..report.clone()
            },
            findings,
            body,
        }
    }

    fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.finding.severity == Severity::Error)
            .count()
    }
}

struct CaseView {
    start: CaseStart,
    docs: Vec<DocView>,
    end: Option<CaseEnd>,
}

impl CaseView {
    fn errors(&self) -> usize {
        self.docs.iter().map(DocView::errors).sum()
    }

    fn failing(&self) -> bool {
        self.end.as_ref().is_none_or(|e| !e.summary.met) || self.errors() > 0
    }
}

struct FailureView {
    report: FailureReport,
    docs: Vec<DocView>,
}

/// Collects the run and writes the page at the end.
pub struct HtmlReport<W: Write> {
    out: W,
    run: Option<RunInfo>,
    documents: Vec<DocView>,
    documents_not_shown: u64,
    cases: Vec<CaseView>,
    failures: Vec<FailureView>,
    rules_seen: BTreeSet<String>,
}

impl<W: Write> HtmlReport<W> {
    /// A report into `out`.
    pub fn new(out: W) -> Self {
        Self {
            out,
            run: None,
            documents: Vec::new(),
            documents_not_shown: 0,
            cases: Vec::new(),
            failures: Vec::new(),
            rules_seen: BTreeSet::new(),
        }
    }

    fn note_rules(&mut self, report: &DocumentReport) {
        for f in &report.findings {
            if !self.rules_seen.contains(&f.rule) {
                self.rules_seen.insert(f.rule.clone());
            }
        }
    }
}

fn finding_html(out: &mut String, view: &FindingView) {
    let f = &view.finding;
    let sev = severity_name(f.severity);
    let pointer = if f.pointer.is_empty() {
        "(document)"
    } else {
        &f.pointer
    };
    let _ = write!(
        out,
        "<div class=\"finding {sev}\" data-rule=\"{rule}\"><span class=\"sev\">{sev}</span> \
         <a href=\"#rule-{rule}\"><code>{rule}</code></a> at <code>{pointer}</code> \
         (line {line}, column {column}): {message}",
        rule = esc(&f.rule),
        pointer = esc(pointer),
        line = f.line,
        column = f.column,
        message = esc(&f.message),
    );
    match (&f.expected, &f.actual) {
        (Some(e), Some(a)) => {
            let _ = write!(
                out,
                " — expected <code>{}</code>, found <code>{}</code>",
                esc(&cut_chars(e, 300)),
                esc(&cut_chars(a, 300))
            );
        }
        (Some(e), None) => {
            let _ = write!(out, " — expected <code>{}</code>", esc(&cut_chars(e, 300)));
        }
        _ => {}
    }
    if !view.excerpt.is_empty() {
        out.push_str("<pre class=\"excerpt\">");
        for (n, line) in &view.excerpt {
            let text = format!("{n:>5} | {line}");
            if *n == f.line {
                let _ = writeln!(out, "<mark>{}</mark>", esc(&text));
            } else {
                let _ = writeln!(out, "{}", esc(&text));
            }
        }
        out.push_str("</pre>");
    }
    out.push_str("</div>");
}

fn document_html(out: &mut String, doc: &DocView, open: bool) {
    let failing = !doc.report.valid;
    let _ = write!(
        out,
        "<details class=\"document {}\"{}><summary>{} {}{}</summary>",
        if failing { "failing" } else { "passing" },
        if open { " open" } else { "" },
        if failing { "✗" } else { "✓" },
        esc(&doc.report.source),
        match (&doc.report.kind, &doc.report.category) {
            (Some(k), Some(c)) => format!(" <span class=\"note\">({}, {})</span>", esc(k), esc(c)),
            (Some(k), None) => format!(" <span class=\"note\">({})</span>", esc(k)),
            (None, Some(c)) => format!(" <span class=\"note\">({})</span>", esc(c)),
            (None, None) => String::new(),
        },
    );
    for f in &doc.findings {
        finding_html(out, f);
    }
    out.push_str("</details>");
}

fn timeline_html(out: &mut String, docs: &[DocView]) {
    out.push_str("<ol class=\"timeline\">");
    for doc in docs {
        let _ = write!(out, "<li class=\"step\">");
        match &doc.report.step {
            Some(step) => {
                let _ = write!(
                    out,
                    "<strong>#{} {}.{}</strong> · {} · {:.0} ms · {}",
                    step.index,
                    esc(step.label()),
                    esc(&step.side),
                    esc(&step.answer()),
                    step.elapsed_ms,
                    esc(&step.verdict)
                );
            }
            None => {
                let _ = write!(out, "<strong>{}</strong>", esc(&doc.report.source));
            }
        }
        if let Some(body) = &doc.body {
            let _ = write!(out, "<pre class=\"body\">{}</pre>", esc(body));
        }
        for f in &doc.findings {
            finding_html(out, f);
        }
        out.push_str("</li>");
    }
    out.push_str("</ol>");
}

fn coverage_html(out: &mut String, coverage: &Coverage) {
    out.push_str("<section id=\"coverage\"><h2>Coverage of documented response codes</h2>");
    out.push_str("<table><tr><th>operation</th><th>requests</th><th>codes answered</th></tr>");
    for op in &coverage.operations {
        let codes: Vec<String> = op
            .codes
            .iter()
            .map(|c| format!("{} ×{}", c.code, c.count))
            .collect();
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&op.operation),
            op.requests,
            esc(&codes.join(", "))
        );
    }
    out.push_str("</table>");
    let list = |codes: &[i64]| {
        codes
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = write!(
        out,
        "<p>Documented codes never answered ({}): <code>{}</code></p>",
        coverage.documented_not_seen.len(),
        esc(&list(&coverage.documented_not_seen))
    );
    if !coverage.undocumented_seen.is_empty() {
        let _ = write!(
            out,
            "<p>Undocumented codes answered: <code>{}</code></p>",
            esc(&list(&coverage.undocumented_seen))
        );
    }
    for code in &coverage.missing_required {
        let _ = write!(
            out,
            "<div class=\"finding error\"><span class=\"sev\">error</span> \
             <code>coverage.required-code</code>: {}</div>",
            esc(&Coverage::missing_message(*code))
        );
    }
    out.push_str("</section>");
}

/// A case's times: the real one always, the simulated one beside it when
/// its clock was simulated (the simulator's waits take no real time).
fn timing_html(out: &mut String, case: &crate::CaseSummary) {
    let real = format_ms(case.elapsed_ms);
    match case.simulated_ms {
        Some(simulated) => {
            let _ = write!(
                out,
                "<p class=\"note timing\" data-elapsed-ms=\"{:.0}\" data-simulated-ms=\"{simulated:.0}\">\
                 took {real} of real time; {} of simulated time (the simulator's waits)</p>",
                case.elapsed_ms,
                format_ms(simulated)
            );
        }
        None => {
            let _ = write!(
                out,
                "<p class=\"note timing\" data-elapsed-ms=\"{:.0}\">took {real}</p>",
                case.elapsed_ms
            );
        }
    }
}

impl<W: Write> Reporter for HtmlReport<W> {
    fn start(&mut self, run: &RunInfo) -> io::Result<()> {
        self.run = Some(run.clone());
        Ok(())
    }

    fn document(
        &mut self,
        report: &DocumentReport,
        bytes: &[u8],
        first_line: u64,
    ) -> io::Result<()> {
        self.note_rules(report);
        if let Some(case) = self.cases.last_mut().filter(|c| c.end.is_none()) {
            case.docs
                .push(DocView::new(report, bytes, first_line, true));
            return Ok(());
        }
        if self.documents.len() >= MAX_DOCUMENTS_SHOWN {
            self.documents_not_shown += 1;
            return Ok(());
        }
        self.documents
            .push(DocView::new(report, bytes, first_line, false));
        Ok(())
    }

    fn case_started(&mut self, case: &CaseStart) -> io::Result<()> {
        self.cases.push(CaseView {
            start: case.clone(),
            docs: Vec::new(),
            end: None,
        });
        Ok(())
    }

    fn case_finished(&mut self, end: &CaseEnd) -> io::Result<()> {
        if let Some(case) = self.cases.last_mut() {
            case.end = Some(end.clone());
        }
        Ok(())
    }

    fn fuzz_failure(&mut self, failure: &FailureReport) -> io::Result<()> {
        for doc in &failure.documents {
            self.note_rules(&doc.report);
        }
        let docs = failure
            .documents
            .iter()
            .map(|d| DocView::new(&d.report, &d.bytes, d.first_line, true))
            .collect();
        self.failures.push(FailureView {
            report: failure.clone(),
            docs,
        });
        Ok(())
    }

    fn finish(&mut self, end: &RunEnd) -> io::Result<()> {
        let command = self.run.as_ref().map_or(Command::Validate, |r| r.command);
        let summary = &end.summary;
        let cases_met = end.cases.iter().filter(|c| c.met).count();
        let fuzz_failures = end.fuzz.as_ref().map_or(0, |f| f.failures.len());
        let missing = end
            .coverage
            .as_ref()
            .map_or(0, |c| c.missing_required.len());
        let violated =
            summary.errors > 0 || cases_met < end.cases.len() || fuzz_failures > 0 || missing > 0;
        let verdict = if !end.complete {
            "incomplete: the run stopped before its end"
        } else if violated {
            "contract violated"
        } else {
            "contract holds"
        };
        let mut page = String::new();
        let _ = write!(
            page,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
             style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>ppob-contract {command}: {verdict}</title><style>{STYLE}</style></head>\n\
             <body data-command=\"{command}\" data-documents=\"{documents}\" data-valid=\"{valid}\" \
             data-errors=\"{errors}\" data-warnings=\"{warnings}\" data-cases=\"{cases}\" \
             data-cases-met=\"{cases_met}\" data-fuzz-failures=\"{fuzz_failures}\" \
             data-complete=\"{complete}\">\n<header><h1 class=\"{class}\">ppob-contract {command}: \
             {verdict}</h1>",
            command = command.name(),
            documents = summary.documents,
            valid = summary.valid,
            errors = summary.errors,
            warnings = summary.warnings,
            cases = end.cases.len(),
            complete = end.complete,
            class = if violated || !end.complete {
                "verdict-fail"
            } else {
                "verdict-pass"
            },
        );
        if let Some(run) = &self.run {
            let mut about = Vec::new();
            if let Some(target) = &run.target {
                about.push(format!("target {}", esc(target)));
            }
            if let Some(p) = run.partition {
                about.push(format!("shard {p}"));
            }
            if let Some(fuzz) = &end.fuzz {
                about.push(format!("seed {}", fuzz.seed));
            }
            if !about.is_empty() {
                let _ = write!(page, "<p class=\"note\">{}</p>", about.join(" · "));
            }
        }
        page.push_str("<dl class=\"summary\">");
        let mut stat = |name: &str, value: String| {
            let _ = write!(page, "<div><dt>{name}</dt><dd>{value}</dd></div>");
        };
        stat("documents", summary.documents.to_string());
        stat("valid", summary.valid.to_string());
        stat(
            "invalid",
            (summary.documents - summary.valid.min(summary.documents)).to_string(),
        );
        stat("errors", summary.errors.to_string());
        stat("warnings", summary.warnings.to_string());
        if !end.cases.is_empty() {
            stat(
                "cases as expected",
                format!("{cases_met} of {}", end.cases.len()),
            );
        }
        if let Some(fuzz) = &end.fuzz {
            stat("fuzz cases", fuzz.cases.to_string());
            stat("fuzz failures", fuzz_failures.to_string());
        }
        page.push_str("</dl><label><input type=\"checkbox\" id=\"only-failing\"> show only what failed</label></header>\n<main>");
        if let Some(setup) = &end.setup {
            let _ = write!(
                page,
                "<p class=\"finding error\"><span class=\"sev\">error</span> <code>{}</code> in case {}: {}</p>",
                esc(&setup.rule),
                esc(&setup.case),
                esc(&setup.message)
            );
        }
        for case in &end.interrupted {
            let _ = write!(
                page,
                "<p class=\"finding warning\">{}: {}</p>",
                esc(&case.name),
                esc(&case.describe())
            );
        }
        if !self.cases.is_empty() {
            page.push_str("<section id=\"cases\"><h2>Cases</h2>");
            let ordered = self
                .cases
                .iter()
                .filter(|c| c.failing())
                .chain(self.cases.iter().filter(|c| !c.failing()));
            for case in ordered {
                let failing = case.failing();
                let headline = case.end.as_ref().map_or_else(
                    || "did not end".to_owned(),
                    |e| {
                        let s = &e.summary;
                        if s.met {
                            format!("{} as expected: {}", s.outcome, s.detail)
                        } else {
                            format!("expected {}, got {}: {}", s.expected, s.outcome, s.detail)
                        }
                    },
                );
                let errors = case.errors();
                let _ = write!(
                    page,
                    "<details class=\"case {}\" data-failing=\"{failing}\"{}><summary>{} {} — {}{}</summary>",
                    if failing { "failing" } else { "passing" },
                    if failing { " open" } else { "" },
                    if failing { "✗" } else { "✓" },
                    esc(&case.start.name),
                    esc(&headline),
                    if errors > 0 {
                        format!(" ({})", plural(errors as u64, "contract error"))
                    } else {
                        String::new()
                    },
                );
                if let Some(about) = &case.start.about {
                    let _ = write!(page, "<p class=\"note\">{}</p>", esc(about));
                }
                if let Some(end) = &case.end {
                    timing_html(&mut page, &end.summary);
                }
                if let Some(cassette) = case
                    .end
                    .as_ref()
                    .and_then(|e| e.cassette.as_deref())
                    .or(case.start.cassette.as_deref())
                {
                    let _ = write!(
                        page,
                        "<p class=\"note\">cassette <code>{}</code></p>",
                        esc(cassette)
                    );
                }
                timeline_html(&mut page, &case.docs);
                page.push_str("</details>");
            }
            page.push_str("</section>");
        }
        if command == Command::Fuzz {
            page.push_str("<section id=\"fuzz\"><h2>Fuzz failures</h2>");
            if self.failures.is_empty() {
                page.push_str("<p>No oracle failed.</p>");
            }
            for failure in &self.failures {
                let f = &failure.report.failure;
                let _ = write!(
                    page,
                    "<details class=\"case failing\" data-failing=\"true\" open><summary>✗ {} {} — {}</summary>\
                     <p>{}</p>",
                    esc(&f.oracle),
                    esc(&failure.report.name),
                    esc(&f.message),
                    esc(&failure.report.headline)
                );
                if let Some(command) = &f.reproduce {
                    let _ = write!(page, "<p>Replay: <code>{}</code></p>", esc(command));
                }
                timeline_html(&mut page, &failure.docs);
                page.push_str("</details>");
            }
            page.push_str("</section>");
        }
        if !self.documents.is_empty() {
            page.push_str("<section id=\"documents\"><h2>Documents</h2>");
            let ordered = self
                .documents
                .iter()
                .filter(|d| !d.report.valid)
                .chain(self.documents.iter().filter(|d| d.report.valid));
            for doc in ordered {
                document_html(&mut page, doc, !doc.report.valid);
            }
            if self.documents_not_shown > 0 {
                let _ = write!(
                    page,
                    "<p class=\"note\">{} more not shown here: the JSON report has every one.</p>",
                    plural(self.documents_not_shown, "document")
                );
            }
            page.push_str("</section>");
        }
        if let Some(coverage) = &end.coverage {
            coverage_html(&mut page, coverage);
        }
        let mut rules = self.rules_seen.clone();
        if end
            .coverage
            .as_ref()
            .is_some_and(|c| !c.missing_required.is_empty())
        {
            rules.insert(super::coverage::REQUIRED_CODE.to_owned());
        }
        page.push_str("<section id=\"rules\"><h2>Rules that fired</h2>");
        if rules.is_empty() {
            page.push_str("<p>None.</p>");
        }
        for rule in CATALOGUE.iter().filter(|r| rules.contains(r.id)) {
            let _ = write!(
                page,
                "<div class=\"rule\" id=\"rule-{id}\"><h3><code>{id}</code> — {summary}</h3><pre>{help}</pre></div>",
                id = esc(rule.id),
                summary = esc(rule.summary),
                help = esc(&help_text(rule)),
            );
        }
        let _ = write!(
            page,
            "<p class=\"note\">Every rule: <a href=\"{uri}\">{uri}</a> · ppob-contract {version}</p></section>",
            uri = esc(RULES_URI),
            version = env!("CARGO_PKG_VERSION"),
        );
        let _ = writeln!(page, "</main><script>{SCRIPT}</script></body></html>");
        self.out.write_all(page.as_bytes())?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_excerpts_hold_the_finding_line() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        let report = DocumentReport::new(
            "x.json".into(),
            None,
            vec![Finding {
                rule: "schema".into(),
                severity: Severity::Error,
                pointer: "/a".into(),
                line: 3,
                column: 2,
                message: "<bad>".into(),
                expected: None,
                actual: None,
            }],
        );
        let view = DocView::new(&report, b"{\n\n \"a\": 1\n}", 1, false);
        let lines: Vec<u64> = view.findings[0].excerpt.iter().map(|(n, _)| *n).collect();
        assert_eq!(lines, vec![1, 2, 3, 4]);
        let mut out = String::new();
        finding_html(&mut out, &view.findings[0]);
        assert!(
            out.contains("&lt;bad&gt;") && out.contains("<mark>"),
            "{out}"
        );
    }
}
