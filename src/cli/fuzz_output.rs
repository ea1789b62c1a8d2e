//! What `fuzz` prints: the run's header, each failure (its steps, the
//! oracle's finding with a caret, the reproduction lines) and the totals,
//! in the human or the JSON report.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::fuzz::{FuzzArgs, failing_step, rerun_command};
use super::judge::Format;
use crate::contract::locate::{locate, position};
use crate::contract::{DocumentReport, Finding, FuzzFailure, FuzzSummary, StepInfo, Summary};
use crate::exit::ExitStatus;
use crate::fuzz::exec::Role;
use crate::fuzz::repro::curl_line;
use crate::fuzz::runner::Outcome;
use crate::fuzz::{Failure, RunOptions};
use crate::report::{HumanReport, JsonReport};
use crate::transport::redact::Redactor;
use crate::validate::Sink;

/// How secrets are kept out of what is shown.
pub(super) struct Shown<'a> {
    /// Redacts the key, the secret and TOKENs.
    pub redactor: &'a Redactor,
    /// The partner key (spliced out of curl lines).
    pub key: &'a str,
    /// The secret (to tell how a TOKEN was signed; never printed).
    pub secret: &'a str,
    /// Where curl lines send requests.
    pub curl_base: String,
}

/// A failure and the regression file it lives in.
pub(super) type Saved = (Failure, Option<PathBuf>);

/// Builds the reproduction command of a regression file.
pub(super) type Reproduce<'a> = &'a dyn Fn(&Path) -> String;

fn name_of(failure: &Failure, file: Option<&PathBuf>) -> String {
    match (file, failure.index) {
        (Some(f), _) => f.file_stem().map_or_else(
            || f.display().to_string(),
            |s| s.to_string_lossy().into_owned(),
        ),
        (None, Some(i)) => format!("case {i}"),
        (None, None) => "case".into(),
    }
}

fn millis(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
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

/// The judged documents of a failure: request and answer of every step, the
/// oracles' findings placed on the answers.
fn documents(failure: &Failure, name: &str, shown: &Shown<'_>) -> Vec<(DocumentReport, Vec<u8>)> {
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
        out.push((report, request));

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
                    crate::contract::locate::Position { line: 1, column: 1 }
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
        out.push((report, body));
    }
    out
}

fn summary_of(
    failure: &Failure,
    file: Option<&PathBuf>,
    shown: &Shown<'_>,
    reproduce: Reproduce<'_>,
    seed: Option<u64>,
) -> FuzzFailure {
    let command = match (file, seed, failure.index) {
        (Some(f), _, _) => Some(reproduce(f)),
        (None, Some(seed), Some(index)) => Some(rerun_command(seed, index)),
        _ => None,
    };
    let curl = failing_step(failure).map(|i| {
        curl_line(
            &failure.trace.steps[i],
            &shown.curl_base,
            shown.key,
            shown.secret,
        )
    });
    FuzzFailure {
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
        reproduce: command,
        curl,
    }
}

/// Where the verdicts go.
enum Output<W: Write> {
    Human(HumanReport<W>),
    Json(JsonReport<W>),
}

impl<W: Write> Output<W> {
    fn open(args: &FuzzArgs, out: W) -> io::Result<Self> {
        Ok(match args.judge.format {
            Format::Human => Self::Human(HumanReport::new(out, args.judge.quiet)),
            Format::Json => Self::Json(JsonReport::start(out)?),
        })
    }

    /// Writes every failure; returns their summaries for the JSON report.
    fn failures(
        &mut self,
        failures: &[Saved],
        shown: &Shown<'_>,
        reproduce: Reproduce<'_>,
        seed: Option<u64>,
        summary: &mut Summary,
    ) -> io::Result<Vec<FuzzFailure>> {
        let mut reported = Vec::new();
        for (failure, file) in failures {
            let fuzz = summary_of(failure, file.as_ref(), shown, reproduce, seed);
            self.failure(failure, file.as_ref(), shown, summary, &fuzz)?;
            reported.push(fuzz);
        }
        Ok(reported)
    }

    fn failure(
        &mut self,
        failure: &Failure,
        file: Option<&PathBuf>,
        shown: &Shown<'_>,
        summary: &mut Summary,
        fuzz: &FuzzFailure,
    ) -> io::Result<()> {
        let name = name_of(failure, file);
        if let Self::Human(h) = self
            && !h.is_quiet()
        {
            let shrunk = match (failure.index, failure.shrink_steps) {
                (Some(i), 0) => format!("case {i}"),
                (Some(i), n) => format!("case {i}, shrunk in {n} steps"),
                (None, _) => "saved regression".into(),
            };
            writeln!(
                h.writer(),
                "\n✗ {}  {}  ({shrunk})",
                failure.oracle,
                shown.redactor.redact(&failure.case.describe())
            )?;
        }
        for (report, bytes) in documents(failure, &name, shown) {
            summary.add(&report);
            let sink: &mut dyn Sink = match self {
                Self::Human(h) => h,
                Self::Json(j) => j,
            };
            sink.document(&report, &bytes, 1)?;
        }
        if let Self::Human(h) = self
            && !h.is_quiet()
        {
            let w = h.writer();
            if let Some(i) = failing_step(failure) {
                let payload =
                    serde_json::to_string(&failure.trace.steps[i].exchange.request.payload)
                        .unwrap_or_default();
                writeln!(
                    w,
                    "  request #{}: {}",
                    i + 1,
                    clip(&shown.redactor.redact(&payload), 400)
                )?;
            }
            if let Some(why) = &failure.trace.inconclusive {
                writeln!(w, "  stopped early: {why}")?;
            }
            if let Some(file) = &fuzz.file {
                let label = if failure.index.is_some() {
                    "saved:    "
                } else {
                    "regression:"
                };
                writeln!(w, "  {label} {file}")?;
            }
            if let Some(command) = &fuzz.reproduce {
                writeln!(w, "  reproduce: {command}")?;
            }
            if let Some(curl) = &fuzz.curl {
                writeln!(
                    w,
                    "  curl (request #{}, with PPOB_API_KEY and PPOB_API_SECRET set, to {}):\n    {}",
                    failing_step(failure).map_or(0, |i| i + 1),
                    shown.curl_base,
                    clip(curl, 2000)
                )?;
            }
        }
        Ok(())
    }
}

/// The header: target, seed, size, and the regressions replayed first.
#[allow(clippy::print_stdout, clippy::print_stderr)]
pub(super) fn print_start(
    args: &FuzzArgs,
    target: &str,
    options: &RunOptions,
    replayed: &[(PathBuf, Option<Failure>)],
) {
    let mut lines = vec![format!(
        "fuzz: {target}, seed {} (--seed {} generates these cases again), {} cases, {} jobs",
        options.seed, options.seed, options.cases, options.jobs
    )];
    if !replayed.is_empty() {
        let failing = replayed.iter().filter(|(_, f)| f.is_some()).count();
        lines.push(format!(
            "regressions: replayed {} from {} first: {failing} still fail, {} pass now",
            replayed.len(),
            args.regressions.display(),
            replayed.len() - failing
        ));
    }
    let text = lines.join("\n");
    if args.judge.format == Format::Human && !args.judge.quiet {
        println!("{text}");
    } else {
        eprintln!("{text}");
    }
}

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

fn per_second(count: u64, outcome: &Outcome) -> f64 {
    let secs = outcome.elapsed.as_secs_f64();
    if secs > 0.0 { count as f64 / secs } else { 0.0 }
}

/// Prints every failure and the totals; returns the exit code.
#[allow(clippy::too_many_arguments)]
pub(super) fn print_run(
    args: &FuzzArgs,
    shown: &Shown<'_>,
    target: &str,
    options: &RunOptions,
    outcome: &Outcome,
    replayed: &[(PathBuf, Option<Failure>)],
    failures: &[Saved],
    reproduce: Reproduce<'_>,
) -> ExitStatus {
    let result = (|| -> io::Result<ExitStatus> {
        let stdout = anstream::stdout();
        let mut output = Output::open(args, io::BufWriter::new(stdout.lock()))?;
        let mut summary = Summary::default();
        let reported =
            output.failures(failures, shown, reproduce, Some(options.seed), &mut summary)?;
        let stats = &outcome.stats;
        let warnings: Vec<String> = outcome.warnings.iter().map(|w| w.message.clone()).collect();
        summary.warnings += warnings.len() as u64 + stats.warnings.values().sum::<u64>();
        let fuzz = FuzzSummary {
            seed: options.seed,
            target: target.to_owned(),
            cases: stats.cases,
            requests: stats.requests,
            shrink_requests: stats.shrink_requests,
            elapsed_ms: millis(outcome.elapsed),
            cases_per_second: (per_second(stats.cases, outcome) * 10.0).round() / 10.0,
            inconclusive: stats.inconclusive,
            timed_out: outcome.timed_out,
            regressions_replayed: replayed.len() as u64,
            regressions_failing: replayed.iter().filter(|(_, f)| f.is_some()).count() as u64,
            failures: reported,
            warnings: warnings.clone(),
            scenarios: stats
                .scenarios
                .iter()
                .map(|(k, v)| ((*k).to_owned(), *v))
                .collect(),
            variants: stats
                .variants
                .iter()
                .map(|(k, v)| ((*k).to_owned(), *v))
                .collect(),
        };
        match output {
            Output::Json(j) => {
                j.finish_fuzz(&fuzz, &summary)?;
            }
            Output::Human(mut h) => {
                let w = h.writer();
                writeln!(
                    w,
                    "\n{} cases ({} requests, {} more shrinking) in {:.2} s: {} cases/s, {} requests/s{}",
                    thousands(stats.cases),
                    thousands(stats.requests),
                    thousands(stats.shrink_requests),
                    outcome.elapsed.as_secs_f64(),
                    thousands(per_second(stats.cases, outcome) as u64),
                    thousands(per_second(stats.requests, outcome) as u64),
                    if outcome.timed_out {
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
                writeln!(w, "  scenarios: {}", scenarios.join(", "))?;
                let negative: u64 = fuzz
                    .variants
                    .iter()
                    .filter(|(k, _)| k.as_str() != "valid")
                    .map(|(_, v)| v)
                    .sum();
                writeln!(
                    w,
                    "  variants: {} valid, {} negative over {} kinds{}",
                    thousands(fuzz.variants.get("valid").copied().unwrap_or(0)),
                    thousands(negative),
                    fuzz.variants.len().saturating_sub(1),
                    if stats.inconclusive > 0 {
                        format!("; {} stopped before their target", stats.inconclusive)
                    } else {
                        String::new()
                    }
                )?;
                for (oracle, count) in &stats.warnings {
                    writeln!(w, "warning[{oracle}]: {count} cases")?;
                }
                for message in &warnings {
                    writeln!(
                        w,
                        "warning[{}]: {message}",
                        crate::fuzz::oracle::VACUOUS_PASS
                    )?;
                }
                let verdict = match failures.len() {
                    0 => format!(
                        "contract holds: no oracle failed in {} cases",
                        thousands(stats.cases)
                    ),
                    1 => "contract violated: 1 failure (its reproduction is above)".to_owned(),
                    n => format!("contract violated: {n} failures (their reproductions are above)"),
                };
                writeln!(w, "{verdict}; seed {}", options.seed)?;
                w.flush()?;
            }
        }
        let mut status = summary.exit_status(args.judge.deny_warnings);
        if !failures.is_empty() {
            status = status.max(ExitStatus::Violated);
        }
        Ok(status)
    })();
    ExitStatus::of_result(&result)
}

/// `--replay FILE`: the case's steps, and whether it still fails.
pub(super) fn print_replay(
    args: &FuzzArgs,
    shown: &Shown<'_>,
    target: &str,
    file: &Path,
    failures: &[Saved],
    reproduce: Reproduce<'_>,
) -> ExitStatus {
    let result = (|| -> io::Result<ExitStatus> {
        let stdout = anstream::stdout();
        let mut output = Output::open(args, io::BufWriter::new(stdout.lock()))?;
        let mut summary = Summary::default();
        let reported = output.failures(failures, shown, reproduce, None, &mut summary)?;
        match output {
            Output::Json(j) => {
                let fuzz = FuzzSummary {
                    target: target.to_owned(),
                    regressions_replayed: 1,
                    regressions_failing: reported.len() as u64,
                    failures: reported,
                    ..FuzzSummary::default()
                };
                j.finish_fuzz(&fuzz, &summary)?;
            }
            Output::Human(mut h) => {
                let verdict = if failures.is_empty() {
                    format!("{} passes now against {target}", file.display())
                } else {
                    format!("{} still fails against {target}", file.display())
                };
                let w = h.writer();
                writeln!(w, "\n{verdict}")?;
                w.flush()?;
            }
        }
        Ok(if failures.is_empty() {
            ExitStatus::Holds
        } else {
            ExitStatus::Violated
        })
    })();
    ExitStatus::of_result(&result)
}
