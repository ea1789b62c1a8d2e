//! A shrunk failure as the reporter layer shows it: the judged documents of
//! its steps (the oracles' findings placed on the answers), its entry in the
//! JSON report, the failing request and its curl line. Everything is
//! redacted here, before any reporter sees it.

use std::path::Path;

use super::Failure;
use super::exec::Role;
use super::repro::curl_line;
use ppob_core::contract::locate::{Position, locate, position};
use ppob_core::contract::{DocumentReport, Finding, StepInfo};
use ppob_report::wire::millis;
use ppob_report::{FailureReport, FuzzFailure, Judged};
use ppob_transport::redact::Redactor;

/// How secrets are kept out of what is shown.
pub struct Shown<'a> {
    /// Redacts the key, the secret and TOKENs.
    pub redactor: &'a Redactor,
    /// The partner key (spliced out of curl lines).
    pub key: &'a str,
    /// The secret (to tell how a TOKEN was signed; never shown).
    pub secret: &'a str,
    /// Where curl lines send requests.
    pub curl_base: String,
}

/// The name of a failure in document sources: its regression file's stem, or `case N`.
fn name_of(failure: &Failure, file: Option<&Path>) -> String {
    match (file, failure.index) {
        (Some(f), _) => f.file_stem().map_or_else(
            || f.display().to_string(),
            |s| s.to_string_lossy().into_owned(),
        ),
        (None, Some(i)) => format!("case {i}"),
        (None, None) => "case".into(),
    }
}

/// The step a failure is about (for the request shown and the curl line):
/// the violation's step, moved to the target request when the violation
/// sits on a follow-up status.
pub fn failing_step(failure: &Failure) -> Option<usize> {
    failure
        .primary()
        .map(|v| v.step)
        .or_else(|| failure.trace.target().map(|(i, _)| i))
        .filter(|i| *i < failure.trace.steps.len())
        .map(|i| match failure.trace.steps[i].role {
            Role::Followup => failure.trace.target().map_or(i, |(t, _)| t),
            _ => i,
        })
}

/// The judged documents of a failure: request and answer of every step.
fn documents(failure: &Failure, name: &str, shown: &Shown<'_>) -> Vec<Judged> {
    let mut out = Vec::new();
    for (i, step) in failure.trace.steps.iter().enumerate() {
        let op = step.operation();
        let role = match step.role {
            Role::Setup => "setup",
            Role::Target => "target",
            Role::Followup => "follow-up",
        };
        let info = |side: &str| StepInfo {
            case: name.to_owned(),
            index: (i + 1) as u32,
            operation: op.name().to_owned(),
            side: side.to_owned(),
            http_status: step.http_status(),
            elapsed_ms: millis(step.exchange.elapsed),
            verdict: format!("{} · {role}", step.answer()),
        };
        let request =
            serde_json::to_string_pretty(&step.exchange.request.payload).unwrap_or_default();
        let request = shown.redactor.redact(&request).into_owned().into_bytes();
        let mut report = DocumentReport::new(
            format!("{name}#{} {}", i + 1, op.request().name()),
            Some(op.request().name().to_owned()),
            Vec::new(),
        );
        report.step = Some(info("request"));
        out.push(Judged {
            report,
            bytes: request,
            first_line: 1,
        });

        let body = match &step.exchange.response {
            Ok(r) => shown.redactor.redact_bytes(&r.body).into_owned(),
            Err(_) => Vec::new(),
        };
        let findings: Vec<Finding> = failure
            .violations
            .iter()
            .filter(|v| v.step == i)
            .map(|v| {
                let at = if body.is_empty() || v.pointer.is_empty() {
                    Position { line: 1, column: 1 }
                } else {
                    position(&body, locate(&body, &v.pointer).value)
                };
                Finding {
                    rule: v.oracle.to_owned(),
                    severity: v.severity,
                    pointer: v.pointer.clone(),
                    line: at.line,
                    column: at.column,
                    message: shown.redactor.redact(&v.message).into_owned(),
                    expected: v.expected.clone(),
                    actual: v
                        .actual
                        .as_deref()
                        .map(|a| shown.redactor.redact(a).into_owned()),
                }
            })
            .collect();
        let mut report = DocumentReport::new(
            format!("{name}#{} {}", i + 1, op.response().name()),
            Some(op.response().name().to_owned()),
            findings,
        );
        report.step = Some(info("response"));
        out.push(Judged {
            report,
            bytes: body,
            first_line: 1,
        });
    }
    out
}

/// `failure` ready for the reporters. `file` is the regression file it was
/// saved to or replayed from; `reproduce` the command that runs it again.
pub fn failure_report(
    failure: &Failure,
    file: Option<&Path>,
    reproduce: Option<String>,
    shown: &Shown<'_>,
) -> FailureReport {
    let name = name_of(failure, file);
    let step = failing_step(failure);
    let curl = step.map(|i| {
        curl_line(
            &failure.trace.steps[i],
            &shown.curl_base,
            shown.key,
            shown.secret,
        )
    });
    let request = step.map(|i| {
        let payload = serde_json::to_string(&failure.trace.steps[i].exchange.request.payload)
            .unwrap_or_default();
        (i + 1, shown.redactor.redact(&payload).into_owned())
    });
    FailureReport {
        failure: FuzzFailure {
            oracle: failure.oracle.to_owned(),
            message: failure
                .primary()
                .map(|v| shown.redactor.redact(&v.message).into_owned())
                .unwrap_or_default(),
            scenario: failure.case.scenario.name().to_owned(),
            variant: failure.case.variant().to_owned(),
            index: failure.index,
            shrink_steps: failure.shrink_steps,
            file: file.map(|f| f.display().to_string()),
            reproduce,
            curl,
        },
        documents: documents(failure, &name, shown),
        name,
        headline: shown.redactor.redact(&failure.case.describe()).into_owned(),
        request,
        stopped_early: failure.trace.inconclusive.clone(),
        curl_target: shown.curl_base.clone(),
    }
}
