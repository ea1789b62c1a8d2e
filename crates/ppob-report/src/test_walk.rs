//! The walk the test-shaped formats share (JUnit, CTRF, GitHub annotations):
//! the `check` case being reported while its documents arrive ([`OpenCase`]),
//! a finding as one line, a fuzz failure's lines, and a case's verdict — so
//! the three formats count and word the same tests alike.

use super::location::describe;
use super::{CaseStart, FailureReport, plural};
use crate::wire::CaseSummary;
use ppob_core::contract::{DocumentReport, Finding};

/// The `check` case being reported, with what a format gathers from its
/// documents (`T`) until it ends. Outside a case there is none: a document
/// then stands alone (`validate`, a stray callback).
#[derive(Debug)]
pub(crate) struct OpenCase<T> {
    open: Option<(CaseStart, T)>,
}

impl<T> Default for OpenCase<T> {
    fn default() -> Self {
        Self { open: None }
    }
}

impl<T: Default> OpenCase<T> {
    /// A case starts: gathering begins afresh.
    pub(crate) fn start(&mut self, case: &CaseStart) {
        self.open = Some((case.clone(), T::default()));
    }

    /// The open case and what was gathered so far, if a case is open.
    pub(crate) fn gathering(&mut self) -> Option<(&CaseStart, &mut T)> {
        self.open
            .as_mut()
            .map(|(start, gathered)| (&*start, gathered))
    }

    /// The case ended: its start and what was gathered.
    pub(crate) fn end(&mut self) -> Option<(CaseStart, T)> {
        self.open.take()
    }
}

/// With the finding's expected and actual values, or without.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hint {
    /// `… (expected …, found …)` (JUnit).
    With,
    /// The message alone (CTRF).
    Without,
}

/// One line for a finding: `error[RULE] file:line:col /pointer: message`,
/// with ` (expected …, found …)` for [`Hint::With`].
pub(crate) fn finding_line(
    report: &DocumentReport,
    f: &Finding,
    cassette: Option<&str>,
    hint: Hint,
) -> String {
    let hint = match (hint, &f.expected, &f.actual) {
        (Hint::Without, _, _) => String::new(),
        (Hint::With, Some(e), Some(a)) => format!(" (expected {e}, found {a})"),
        (Hint::With, Some(e), None) => format!(" (expected {e})"),
        _ => String::new(),
    };
    let pointer = if f.pointer.is_empty() {
        "(document)"
    } else {
        &f.pointer
    };
    format!(
        "{}[{}] {} {pointer}: {}{hint}",
        f.severity.name(),
        f.rule,
        describe(report, f, cassette),
        f.message
    )
}

/// A fuzz failure's lines: its headline, a line per finding of its shrunk
/// exchange, then the command that reproduces it.
pub(crate) fn failure_lines(failure: &FailureReport, hint: Hint) -> Vec<String> {
    let mut lines = vec![failure.headline.clone()];
    for doc in &failure.documents {
        lines.extend(
            doc.report
                .findings
                .iter()
                .map(|f| finding_line(&doc.report, f, None, hint)),
        );
    }
    if let Some(command) = &failure.failure.reproduce {
        lines.push(format!("reproduce: {command}"));
    }
    lines
}

/// How a `check` case ended, as a test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CaseVerdict {
    /// It ended otherwise than expected (`flow.expectation`): the message.
    Unmet(String),
    /// It ended as expected but an answer broke the contract: the message
    /// and the first error's rule.
    Broken {
        /// `success as expected, but the contract was broken (1 error): error[…] …`.
        message: String,
        /// The first error's rule id.
        rule: String,
    },
    /// As expected, and the contract held.
    Kept,
}

/// The verdict on a case from its summary and its finding lines (as
/// [`finding_line`] writes them: an error's line starts with `error[`).
pub(crate) fn case_verdict(summary: &CaseSummary, findings: &[String]) -> CaseVerdict {
    let errors = findings.iter().filter(|l| l.starts_with("error[")).count() as u64;
    if !summary.met {
        return CaseVerdict::Unmet(format!(
            "expected {}, got {}: {}",
            summary.expected, summary.outcome, summary.detail
        ));
    }
    if errors == 0 {
        return CaseVerdict::Kept;
    }
    let first = findings
        .iter()
        .find(|l| l.starts_with("error["))
        .cloned()
        .unwrap_or_default();
    let rule = first
        .split(['[', ']'])
        .nth(1)
        .unwrap_or("contract")
        .to_owned();
    CaseVerdict::Broken {
        message: format!(
            "{} as expected, but the contract was broken ({}): {first}",
            summary.outcome,
            plural(errors, "error")
        ),
        rule,
    }
}
