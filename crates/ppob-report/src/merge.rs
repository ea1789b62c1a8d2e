//! `report merge`: the JSON reports of the shards of one run (`--partition
//! K/N` on a CI matrix) combined into the report of the whole run.
//!
//! [`read`] reads one report and refuses, naming the file and what was
//! expected, anything that is not the JSON report of `validate`, `check` or
//! `fuzz`. [`merge`] is a pure function over the reports read: summaries are
//! added; documents, `check` cases and `fuzz` failures follow one another in
//! the order the reports were given; `fuzz` counts are added; coverage counts
//! are added per operation and code, and what derives from them (the code
//! classes, documented codes never answered, missing required codes, and the
//! errors those add to the summary) is worked out again from the union. The
//! merged report is incomplete when any shard is, or when the reports are
//! shards (`partition` K/N) and one of shards 1 to N is missing. Reports of
//! different commands, `fuzz` reports of different seeds, shards of
//! different splits or the same shard twice are refused.
//!
//! A bug that several `fuzz` shards found is listed once per shard: each
//! shard shrank its own case, and the report keeps no key that would say two
//! failures are the same bug. The verdict is the same as the unpartitioned
//! run's; the failure count and their documents may be larger.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::coverage::CoverageTally;
use super::wire::{FuzzSummary, Report};
use ppob_core::partition::Partition;

/// The largest report file read (a report of millions of documents fits).
pub const MAX_REPORT_BYTES: u64 = 1 << 30;

/// What the files must be, said in every error about one.
const EXPECTED: &str = "expected the JSON report of ppob-contract validate, check or fuzz \
(written by --format json or --report json=PATH)";

/// One report to merge and where it came from.
#[derive(Debug, Clone)]
pub struct Shard {
    /// The file it was read from, as given (named in errors).
    pub source: String,
    /// The report.
    pub report: Report,
}

/// Why reports cannot be merged (exit code 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MergeError {
    /// The file cannot be read.
    #[error("{path}: cannot read it: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is larger than [`MAX_REPORT_BYTES`].
    #[error("{path}: larger than {MAX_REPORT_BYTES} bytes: {EXPECTED}")]
    TooLarge {
        /// The file.
        path: String,
    },
    /// The file is not JSON.
    #[error("{path}: not JSON ({detail}): {EXPECTED}")]
    NotJson {
        /// The file.
        path: String,
        /// The parser's message, with line and column.
        detail: String,
    },
    /// The file is JSON, but not a report of ours.
    #[error("{path}: JSON, but not a ppob-contract report ({detail}): {EXPECTED}")]
    NotReport {
        /// The file.
        path: String,
        /// What is wrong with it.
        detail: String,
    },
    /// The reports come from different commands.
    #[error(
        "{path}: a {found} report, but {first} is a {expected} report: merge the reports of one command's shards, not a mix"
    )]
    Mixed {
        /// The file that differs.
        path: String,
        /// Its command's name.
        found: &'static str,
        /// The first report's file.
        first: String,
        /// The first report's command's name.
        expected: &'static str,
    },
    /// `fuzz` reports of different seeds.
    #[error(
        "{path}: fuzz seed {found}, but {first} has seed {expected}: merge the shards of one fuzz run (the same --seed and --cases, each with its own --partition K/N)"
    )]
    Seeds {
        /// The file that differs.
        path: String,
        /// Its seed.
        found: u64,
        /// The first report's file.
        first: String,
        /// The first report's seed.
        expected: u64,
    },
    /// Shards of different splits, a shard given twice, or a shard with a
    /// report that is not one.
    #[error("{path}: {why}: merge the reports of shards 1 to N of one run, each once")]
    Shards {
        /// The file that does not fit.
        path: String,
        /// How it does not fit.
        why: String,
    },
    /// The same file was given twice.
    #[error("{path}: given twice; its results would be counted twice")]
    Twice {
        /// The file.
        path: String,
    },
    /// No report was given.
    #[error("nothing to merge: give the JSON reports of the shards")]
    Empty,
}

/// Reads the report in `path`, streaming: memory grows with the report
/// read, never with the file (`report merge /dev/zero` stops at its first
/// byte), and at most [`MAX_REPORT_BYTES`] are read.
pub fn read(path: &Path) -> Result<Shard, MergeError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| MergeError::Read {
        path: name.clone(),
        source,
    })?;
    let mut capped = Capped {
        inner: std::io::BufReader::with_capacity(64 * 1024, file),
        left: MAX_REPORT_BYTES,
        hit: false,
        failed: None,
    };
    let result = {
        let mut de = serde_json::Deserializer::from_reader(&mut capped);
        Report::deserialize(&mut de).and_then(|report| de.end().map(|()| report))
    };
    if capped.hit {
        return Err(MergeError::TooLarge { path: name });
    }
    if let Some(source) = capped.failed {
        // Not the parser's fault: the file could not be read (a directory, EIO).
        return Err(MergeError::Read { path: name, source });
    }
    let report = result.map_err(|e| parse_error(&name, e))?;
    checked(&name, report).map(|report| Shard {
        source: name,
        report,
    })
}

/// A reader that ends after `left` bytes and remembers that it had more,
/// and the error that stopped it, if one did.
struct Capped<R> {
    inner: R,
    left: u64,
    hit: bool,
    failed: Option<std::io::Error>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // Past the cap: one probe byte tells a file of exactly the cap from a longer one.
            let mut probe = [0u8; 1];
            if self.inner.read(&mut probe).map_err(|e| self.remember(e))? > 0 {
                self.hit = true;
            }
            return Ok(0);
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let read = self
            .inner
            .read(&mut buf[..want])
            .map_err(|e| self.remember(e))?;
        self.left -= read as u64;
        Ok(read)
    }
}

impl<R> Capped<R> {
    /// Keeps a copy of a read error (the parser keeps only its text); an
    /// interrupted read is retried by the parser, so it is not kept.
    fn remember(&mut self, error: std::io::Error) -> std::io::Error {
        if error.kind() != std::io::ErrorKind::Interrupted {
            self.failed = Some(std::io::Error::new(error.kind(), error.to_string()));
        }
        error
    }
}

/// Reads every file of `paths` in order; a file named twice (the same file
/// by another path too) is refused.
pub fn read_all(paths: &[PathBuf]) -> Result<Vec<Shard>, MergeError> {
    let mut seen = BTreeSet::new();
    let mut shards = Vec::with_capacity(paths.len());
    for path in paths {
        let shard = read(path)?;
        let identity = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        if !seen.insert(identity) {
            return Err(MergeError::Twice { path: shard.source });
        }
        shards.push(shard);
    }
    Ok(shards)
}

/// Parses a report from `bytes`, `name` naming them in errors.
pub fn parse(name: &str, bytes: &[u8]) -> Result<Report, MergeError> {
    let report: Report = serde_json::from_slice(bytes).map_err(|e| parse_error(name, e))?;
    checked(name, report)
}

/// Sorts a parser error: not JSON at all, or JSON that is not a report (a
/// member missing, of the wrong type, or unknown: serde names it, with the
/// line and column).
fn parse_error(name: &str, e: serde_json::Error) -> MergeError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => MergeError::NotJson {
            path: name.to_owned(),
            detail: e.to_string(),
        },
        Category::Data => MergeError::NotReport {
            path: name.to_owned(),
            detail: e.to_string(),
        },
    }
}

/// Refuses a report another tool wrote.
fn checked(name: &str, report: Report) -> Result<Report, MergeError> {
    if report.tool != "ppob-contract" {
        return Err(MergeError::NotReport {
            path: name.to_owned(),
            detail: format!("its \"tool\" is {:?}", report.tool),
        });
    }
    Ok(report)
}

/// What [`merge`] made.
#[derive(Debug, Clone)]
pub struct Merged {
    /// The merged report.
    pub report: Report,
    /// When the reports are shards of a split (`--partition K/N`), the
    /// shards none of them covers: the merged report is then incomplete.
    pub missing_shards: Vec<Partition>,
}

/// The shards of a split that `shards` lack, after checking that they are
/// all shards of one split (the same N), each at most once — or all whole
/// runs (no `partition`), which lack nothing.
fn missing_shards(shards: &[Shard]) -> Result<Vec<Partition>, MergeError> {
    let mut whole: Option<&str> = None;
    let mut split: Option<(u64, &str)> = None;
    let mut seen: Vec<(u64, &str)> = Vec::new();
    for shard in shards {
        let misfit = |why: String| MergeError::Shards {
            path: shard.source.clone(),
            why,
        };
        let Some(text) = shard.report.partition.as_deref() else {
            if let Some((n, first)) = split {
                return Err(misfit(format!(
                    "a whole run (no partition), but {first} is a shard of {n}"
                )));
            }
            whole.get_or_insert(&shard.source);
            continue;
        };
        let partition = text
            .parse::<Partition>()
            .map_err(|e| MergeError::NotReport {
                path: shard.source.clone(),
                detail: format!("its partition: {e}"),
            })?;
        if let Some(first) = whole {
            return Err(misfit(format!(
                "shard {partition}, but {first} is a whole run (no partition)"
            )));
        }
        let (n, first) = *split.get_or_insert((partition.shards(), &shard.source));
        if partition.shards() != n {
            return Err(misfit(format!(
                "shard {partition}, but {first} is a shard of {n}"
            )));
        }
        if let Some((_, other)) = seen.iter().find(|(k, _)| *k == partition.shard()) {
            return Err(misfit(format!("shard {partition} again (also {other})")));
        }
        seen.push((partition.shard(), &shard.source));
    }
    Ok(split.map_or_else(Vec::new, |(n, _)| {
        (1..=n)
            .filter(|k| !seen.iter().any(|(s, _)| s == k))
            .filter_map(|k| Partition::new(k, n))
            .collect()
    }))
}

/// The report of the whole run the `shards` are parts of (see the module
/// documentation for how each member combines). The shards are consumed:
/// their documents move into the merged report.
pub fn merge(shards: Vec<Shard>) -> Result<Merged, MergeError> {
    let first = shards.first().ok_or(MergeError::Empty)?;
    let command = first.report.command();
    for shard in &shards {
        let found = shard.report.command();
        if found != command {
            return Err(MergeError::Mixed {
                path: shard.source.clone(),
                found: found.name(),
                first: first.source.clone(),
                expected: command.name(),
            });
        }
    }
    let missing = missing_shards(&shards)?;
    let mut merged = Report {
        tool: "ppob-contract".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        command: Some(command),
        partition: None,
        documents: Vec::new(),
        cases: Vec::new(),
        interrupted: Vec::new(),
        setup: None,
        fuzz: None,
        coverage: None,
        summary: Default::default(),
        incomplete: !missing.is_empty(),
    };
    // Errors a shard added for its own missing required codes: taken out,
    // and the merged coverage's added back.
    let mut shard_missing = 0u64;
    let mut tally: Option<(CoverageTally, BTreeSet<i64>)> = None;
    // The fuzz member so far, and the file it started from.
    let mut fuzz: Option<(FuzzSummary, String)> = None;
    for Shard { source, report } in shards {
        merged.documents.extend(report.documents);
        merged.cases.extend(report.cases);
        merged.interrupted.extend(report.interrupted);
        if merged.setup.is_none() {
            merged.setup = report.setup;
        }
        merged.summary.add_totals(&report.summary);
        merged.incomplete |= report.incomplete;
        if let Some(coverage) = &report.coverage {
            shard_missing += coverage.missing_required.len() as u64;
            let (tally, required) = tally.get_or_insert_with(Default::default);
            tally
                .absorb(coverage)
                .map_err(|detail| MergeError::NotReport {
                    path: source.clone(),
                    detail,
                })?;
            required.extend(coverage.required.iter().copied());
        }
        if let Some(next) = report.fuzz {
            fuzz = Some(match fuzz.take() {
                None => (next, source),
                Some((so_far, first)) => {
                    if next.seed != so_far.seed {
                        return Err(MergeError::Seeds {
                            path: source,
                            found: next.seed,
                            first,
                            expected: so_far.seed,
                        });
                    }
                    (add_fuzz(so_far, next), first)
                }
            });
        }
    }
    if let Some((mut fuzz, _)) = fuzz {
        // A vacuous-pass warning two shards gave is one warning.
        let before = fuzz.warnings.len() as u64;
        let mut seen = BTreeSet::new();
        fuzz.warnings.retain(|w| seen.insert(w.clone()));
        let repeated = before - fuzz.warnings.len() as u64;
        merged.summary.warnings = merged.summary.warnings.saturating_sub(repeated);
        let secs = fuzz.elapsed_ms / 1000.0;
        fuzz.cases_per_second = if secs > 0.0 {
            (fuzz.cases as f64 / secs * 10.0).round() / 10.0
        } else {
            0.0
        };
        merged.fuzz = Some(fuzz);
    }
    if let Some((tally, required)) = tally {
        let required: Vec<i64> = required.into_iter().collect();
        let coverage = tally.finish(&required);
        merged.summary.errors = merged.summary.errors.saturating_sub(shard_missing)
            + coverage.missing_required.len() as u64;
        merged.coverage = Some(coverage);
    }
    Ok(Merged {
        report: merged,
        missing_shards: missing,
    })
}

/// `so_far` with the `fuzz` member of one more shard (of the same seed) added.
fn add_fuzz(mut so_far: FuzzSummary, next: FuzzSummary) -> FuzzSummary {
    // Shards against separate servers (e.g. a `mock` per CI job) name each.
    if !so_far.target.split(", ").any(|t| t == next.target) {
        so_far.target = format!("{}, {}", so_far.target, next.target);
    }
    so_far.cases += next.cases;
    so_far.requests += next.requests;
    so_far.shrink_requests += next.shrink_requests;
    so_far.elapsed_ms += next.elapsed_ms;
    so_far.inconclusive += next.inconclusive;
    so_far.timed_out |= next.timed_out;
    so_far.regressions_replayed += next.regressions_replayed;
    so_far.regressions_failing += next.regressions_failing;
    so_far.failures.extend(next.failures);
    so_far.warnings.extend(next.warnings);
    for (name, count) in next.scenarios {
        *so_far.scenarios.entry(name).or_default() += count;
    }
    for (name, count) in next.variants {
        *so_far.variants.entry(name).or_default() += count;
    }
    so_far
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Command;
    use crate::{CaseSummary, FuzzFailure};
    use ppob_core::contract::{DocumentReport, Finding, Operation, Severity, Summary};
    use ppob_core::exit::ExitStatus;

    fn doc(source: &str, errors: usize, warnings: usize) -> DocumentReport {
        let finding = |severity| Finding {
            rule: "schema".into(),
            severity,
            pointer: "/data".into(),
            line: 2,
            column: 3,
            message: "wrong".into(),
            expected: None,
            actual: None,
        };
        let mut findings = vec![finding(Severity::Error); errors];
        findings.extend(vec![finding(Severity::Warning); warnings]);
        DocumentReport::new(source.into(), Some("inquiry.response".into()), findings)
    }

    fn report(command: Command, documents: Vec<DocumentReport>) -> Report {
        let mut summary = Summary::default();
        for d in &documents {
            summary.add(d);
        }
        Report {
            tool: "ppob-contract".into(),
            version: "0.0.0".into(),
            command: Some(command),
            partition: None,
            documents,
            cases: Vec::new(),
            interrupted: Vec::new(),
            setup: None,
            fuzz: None,
            coverage: None,
            summary,
            incomplete: false,
        }
    }

    fn shard(source: &str, report: Report) -> Shard {
        Shard {
            source: source.into(),
            report,
        }
    }

    fn case(name: &str, met: bool) -> CaseSummary {
        CaseSummary {
            name: name.into(),
            expected: "success".into(),
            outcome: if met { "success" } else { "failed" }.into(),
            code: Some(0),
            met,
            elapsed_ms: 1.0,
            simulated_ms: Some(32_000.0),
            detail: "paid".into(),
            category: None,
        }
    }

    #[test]
    fn validate_shards_add_up_in_the_order_given() {
        let a = report(
            Command::Validate,
            vec![doc("a.json", 1, 0), doc("c.json", 0, 0)],
        );
        let mut b = report(Command::Validate, vec![doc("b.json", 0, 2)]);
        b.incomplete = true;
        let merged = merge(vec![shard("1.json", a), shard("2.json", b)])
            .unwrap()
            .report;
        let sources: Vec<&str> = merged.documents.iter().map(|d| d.source.as_str()).collect();
        assert_eq!(sources, ["a.json", "c.json", "b.json"]);
        assert_eq!(
            merged.summary,
            Summary {
                documents: 3,
                valid: 2,
                errors: 1,
                warnings: 2,
                input_errors: 0
            }
        );
        assert!(merged.incomplete);
        assert_eq!(merged.command, Some(Command::Validate));
        assert_eq!(merged.version, env!("CARGO_PKG_VERSION"));
        assert!(merged.coverage.is_none() && merged.fuzz.is_none());
    }

    #[test]
    fn check_coverage_adds_counts_and_works_out_missing_codes_again() {
        let required = [0, 300, 188];
        let shard_of = |name: &str, op: Operation, code: i64| {
            let mut tally = CoverageTally::default();
            tally.answered(op, Some(code), 1);
            tally.scenario("success", 1);
            let coverage = tally.finish(&required);
            let mut r = report(Command::Check, vec![doc(&format!("{name}#1"), 0, 0)]);
            r.cases = vec![case(name, true)];
            // As check does: each missing required code is an error.
            r.summary.errors += coverage.missing_required.len() as u64;
            r.coverage = Some(coverage);
            shard(&format!("{name}.json"), r)
        };
        let a = shard_of("a", Operation::Inquiry, 300);
        let b = shard_of("b", Operation::Payment, 0);
        assert_eq!(a.report.summary.errors, 2);
        let merged = merge(vec![a, b]).unwrap().report;
        let coverage = merged.coverage.as_ref().unwrap();
        assert_eq!(coverage.required, vec![0, 188, 300]);
        assert_eq!(coverage.missing_required, vec![188]);
        assert!(!coverage.documented_not_seen.contains(&0));
        assert!(!coverage.documented_not_seen.contains(&300));
        assert!(coverage.documented_not_seen.contains(&188));
        assert_eq!(coverage.scenarios.get("success"), Some(&2));
        assert_eq!(merged.summary.errors, 1, "only 188 is still missing");
        assert_eq!(merged.cases.len(), 2);
        assert_eq!(merged.exit_status(false), ExitStatus::Violated);
    }

    #[test]
    fn fuzz_counts_add_and_a_repeated_warning_counts_once() {
        let fuzz_of = |cases: u64, failures: usize| {
            let mut r = report(Command::Fuzz, Vec::new());
            r.fuzz = Some(FuzzSummary {
                seed: 7,
                target: "the in-process simulator".into(),
                cases,
                requests: cases * 2,
                elapsed_ms: 500.0,
                warnings: vec!["no valid payment was accepted".into()],
                scenarios: [("payment".to_owned(), cases)].into(),
                failures: vec![
                    FuzzFailure {
                        oracle: "fuzz.negative-refused".into(),
                        message: "paid".into(),
                        scenario: "payment".into(),
                        variant: "negative-amount".into(),
                        index: Some(cases),
                        shrink_steps: 0,
                        file: None,
                        reproduce: None,
                        curl: None,
                    };
                    failures
                ],
                ..FuzzSummary::default()
            });
            r.summary.warnings = 1;
            r
        };
        let merged = merge(vec![
            shard("1.json", fuzz_of(101, 0)),
            shard("2.json", fuzz_of(100, 1)),
        ])
        .unwrap()
        .report;
        let fuzz = merged.fuzz.as_ref().unwrap();
        assert_eq!((fuzz.cases, fuzz.requests), (201, 402));
        assert_eq!(fuzz.scenarios.get("payment"), Some(&201));
        assert_eq!(fuzz.failures.len(), 1);
        assert_eq!(fuzz.warnings.len(), 1);
        assert_eq!(merged.summary.warnings, 1);
        assert_eq!(fuzz.elapsed_ms, 1000.0);
        assert_eq!(fuzz.cases_per_second, 201.0);
        assert_eq!(fuzz.target, "the in-process simulator");
        assert_eq!(merged.exit_status(false), ExitStatus::Violated);

        let mut other = fuzz_of(100, 0);
        if let Some(f) = other.fuzz.as_mut() {
            f.seed = 8;
        }
        let error = merge(vec![shard("1.json", fuzz_of(1, 0)), shard("2.json", other)])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("2.json: fuzz seed 8, but 1.json has seed 7"),
            "{error}"
        );
    }

    #[test]
    fn mixed_commands_and_nothing_are_refused_naming_the_files() {
        let error = merge(vec![
            shard("check.json", report(Command::Check, Vec::new())),
            shard("validate.json", report(Command::Validate, Vec::new())),
        ])
        .unwrap_err()
        .to_string();
        assert!(
            error.starts_with("validate.json: a validate report, but check.json is a check report"),
            "{error}"
        );
        assert!(matches!(merge(vec![]), Err(MergeError::Empty)));
    }

    #[test]
    fn shards_of_one_split_each_once_and_a_missing_one_makes_it_incomplete() {
        let part = |source: &str, partition: Option<&str>| {
            let mut r = report(Command::Validate, vec![doc(source, 0, 0)]);
            r.partition = partition.map(str::to_owned);
            shard(&format!("{source}.json"), r)
        };
        let all = merge(vec![
            part("b", Some("2/3")),
            part("a", Some("1/3")),
            part("c", Some("3/3")),
        ])
        .unwrap();
        assert!(all.missing_shards.is_empty());
        assert!(!all.report.incomplete);
        assert_eq!(all.report.partition, None);

        let some = merge(vec![part("a", Some("1/3")), part("c", Some("3/3"))]).unwrap();
        assert_eq!(some.missing_shards, vec![Partition::new(2, 3).unwrap()]);
        assert!(some.report.incomplete);

        let wholes = merge(vec![part("a", None), part("b", None)]).unwrap();
        assert!(wholes.missing_shards.is_empty() && !wholes.report.incomplete);

        for (inputs, says) in [
            (
                vec![part("a", Some("1/3")), part("b", Some("2/4"))],
                "b.json: shard 2/4, but a.json is a shard of 3",
            ),
            (
                vec![part("a", Some("1/3")), part("b", Some("1/3"))],
                "b.json: shard 1/3 again (also a.json)",
            ),
            (
                vec![part("a", Some("1/3")), part("b", None)],
                "b.json: a whole run (no partition), but a.json is a shard of 3",
            ),
            (
                vec![part("a", None), part("b", Some("1/3"))],
                "b.json: shard 1/3, but a.json is a whole run",
            ),
            (
                vec![part("a", Some("4/3"))],
                "a.json: JSON, but not a ppob-contract report (its partition: `4/3`",
            ),
        ] {
            let error = merge(inputs).unwrap_err().to_string();
            assert!(error.starts_with(says), "{error}");
        }
    }

    #[test]
    fn a_report_without_a_command_is_told_by_what_it_holds() {
        let mut r = report(Command::Validate, vec![doc("a.json", 0, 0)]);
        r.command = None;
        assert_eq!(r.command(), Command::Validate);
        r.cases = vec![case("x", true)];
        assert_eq!(r.command(), Command::Check);
        r.fuzz = Some(FuzzSummary::default());
        assert_eq!(r.command(), Command::Fuzz);
    }

    #[test]
    fn the_verdict_is_the_commands_and_an_incomplete_run_cannot_hold() {
        let mut r = report(Command::Check, vec![doc("a", 0, 1)]);
        assert_eq!(r.exit_status(false), ExitStatus::Holds);
        assert_eq!(r.exit_status(true), ExitStatus::Violated);
        r.cases = vec![case("a", false)];
        assert_eq!(r.exit_status(false), ExitStatus::Violated);
        r.incomplete = true;
        assert_eq!(r.exit_status(false), ExitStatus::Usage);
    }

    #[test]
    fn what_is_not_a_report_is_refused_with_what_was_expected() {
        let not_json = parse("a.txt", b"hello").unwrap_err().to_string();
        assert!(
            not_json.starts_with("a.txt: not JSON (expected value at line 1 column 1)"),
            "{not_json}"
        );
        assert!(not_json.contains("--format json"), "{not_json}");
        let truncated = parse("t.json", b"{\"tool\":").unwrap_err();
        assert!(
            matches!(truncated, MergeError::NotJson { .. }),
            "{truncated}"
        );
        let other = parse("o.json", br#"{"responseCode":0}"#)
            .unwrap_err()
            .to_string();
        assert!(
            other.starts_with(
                "o.json: JSON, but not a ppob-contract report (unknown field `responseCode`"
            ),
            "{other}"
        );
        let tool = br#"{"tool":"other","version":"1","documents":[],"summary":{"documents":0,"valid":0,"errors":0,"warnings":0,"inputErrors":0}}"#;
        let foreign = parse("f.json", tool).unwrap_err().to_string();
        assert!(foreign.contains("its \"tool\" is \"other\""), "{foreign}");
        let ours = String::from_utf8_lossy(tool).replace("other", "ppob-contract");
        assert!(parse("ok.json", ours.as_bytes()).is_ok());
    }

    #[test]
    fn unknown_members_are_refused_naming_the_member_and_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("padded.json");
        let text = "{\"tool\":\"ppob-contract\",\"version\":\"1\",\"documents\":[],\n\
             \"summary\":{\"documents\":0,\"valid\":0,\"errors\":0,\"warnings\":0,\
             \"inputErrors\":0,\"padding\":1}}";
        std::fs::write(&path, text).unwrap();
        let error = read(&path).unwrap_err().to_string();
        let name = path.display();
        assert!(
            error.starts_with(&format!(
                "{name}: JSON, but not a ppob-contract report (unknown field `padding`"
            )),
            "{error}"
        );
        assert!(error.contains("at line 2 column"), "{error}");
        let top = text.replacen("{", "{\"extra\":[1,2],", 1);
        std::fs::write(&path, top).unwrap();
        let error = read(&path).unwrap_err().to_string();
        assert!(error.contains("unknown field `extra`"), "{error}");
    }

    #[test]
    fn an_endless_file_stops_at_its_first_byte_and_a_long_one_at_the_cap() {
        let error = read(Path::new("/dev/zero")).unwrap_err().to_string();
        assert!(
            error.starts_with("/dev/zero: not JSON (expected value at line 1 column 1)"),
            "{error}"
        );
        let mut capped = Capped {
            inner: &b"[1, 2, 3]   "[..],
            left: 9,
            hit: false,
            failed: None,
        };
        let value: serde_json::Value = serde_json::from_reader(&mut capped).unwrap_or_default();
        assert!(capped.hit, "{value}: the spaces past the cap were noticed");
        let mut exact = Capped {
            inner: &b"[1, 2, 3]"[..],
            left: 9,
            hit: false,
            failed: None,
        };
        let value: serde_json::Value = serde_json::from_reader(&mut exact).unwrap();
        assert!(!exact.hit && value.is_array());
    }
}
