//! `--report FORMAT=PATH`: report files written as results arrive and
//! complete at every moment. Every event is kept (documents without
//! findings without their bytes); a checkpoint renders the whole report anew
//! into a temporary file beside the target and renames it over the target,
//! so a reader — or a CI step after a killed run — only ever sees a
//! complete, parseable file. Checkpoints happen at the start, at most twice a
//! second while results arrive (and never sooner after the last one ended
//! than `CHECKPOINT_SHARE` (4) times what rendering it took, so a report of
//! thousands of documents arriving at once is not rendered anew for each:
//! rendering stays a bounded share of the run), at the end, and on
//! [`ReportFiles::interrupt`] (the CLI calls it on SIGINT/SIGTERM). A report that did not reach its end
//! says so (`incomplete` in JSON, an `incomplete` property in JUnit,
//! `executionSuccessful: false` in SARIF).

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::{
    CaseEnd, CaseStart, FailureReport, Format, Judged, Options, Reporter, RunEnd, RunInfo,
};
use ppob_core::contract::{DocumentReport, Summary};

/// The shortest time between two checkpoints while results arrive.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);
/// After a checkpoint that took `t` to render and write, the next one waits
/// at least `CHECKPOINT_SHARE × t`: checkpoints take at most about a fifth of
/// the run's time however large the report grows.
const CHECKPOINT_SHARE: u32 = 4;

/// One `--report FORMAT=PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSpec {
    /// The format.
    pub format: Format,
    /// Where the report goes.
    pub path: PathBuf,
}

impl FromStr for FileSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (format, path) = s
            .split_once('=')
            .ok_or_else(|| format!("expected FORMAT=PATH, e.g. junit=out/junit.xml, got {s:?}"))?;
        if path.is_empty() {
            return Err(format!("{s:?}: the path after {format}= is empty"));
        }
        Ok(Self {
            format: format.parse()?,
            path: PathBuf::from(path),
        })
    }
}

#[derive(Debug, Clone)]
enum Event {
    Start(RunInfo),
    Document(Judged),
    CaseStarted(CaseStart),
    CaseFinished(CaseEnd),
    Failure(FailureReport),
}

#[derive(Debug)]
struct State {
    files: Vec<FileSpec>,
    events: Vec<Event>,
    /// Totals and cases so far, for checkpoints.
    summary: Summary,
    cases: Vec<super::CaseSummary>,
    /// When the last checkpoint ended, and what it took.
    last_checkpoint: Option<(Instant, Duration)>,
    /// Set once the final rendering is written: nothing changes the files after.
    closed: bool,
}

/// Every `--report` file of a run; cheap to clone (shared with a signal handler).
#[derive(Debug, Clone)]
pub struct ReportFiles {
    state: Arc<Mutex<State>>,
}

/// Why a report file cannot be written.
#[derive(Debug, thiserror::Error)]
#[error("{path}: cannot write the {format} report: {source}")]
pub struct FileError {
    /// The file.
    pub path: PathBuf,
    /// Its format's name.
    pub format: &'static str,
    /// The reason.
    pub source: io::Error,
}

impl ReportFiles {
    /// The files of `specs`; nothing is written before [`Reporter::start`].
    pub fn new(specs: Vec<FileSpec>) -> Self {
        Self {
            state: Arc::new(Mutex::new(State {
                files: specs,
                events: Vec::new(),
                summary: Summary::default(),
                cases: Vec::new(),
                last_checkpoint: None,
                closed: false,
            })),
        }
    }

    /// Whether there are no files.
    pub fn is_empty(&self) -> bool {
        self.lock().files.is_empty()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes every file with what arrived so far, marked incomplete, and
    /// closes them (a signal stops the run). Does nothing after the end.
    pub fn interrupt(&self) -> Result<(), FileError> {
        let mut state = self.lock();
        if state.closed {
            return Ok(());
        }
        state.closed = true;
        let end = state.partial_end();
        state.write_all(&end)
    }

    /// Creates each file's directory (like `mkdir -p`) and tries it now, so a bad path
    /// fails before the run.
    pub fn check_writable(&self) -> Result<(), FileError> {
        let state = self.lock();
        for spec in &state.files {
            let dir = parent(&spec.path);
            let probe = tempfile_in(dir, &spec.path);
            std::fs::create_dir_all(dir)
                .map_err(|e| explain_dir_error(dir, e))
                .and_then(|()| std::fs::write(&probe, b""))
                .and_then(|()| std::fs::remove_file(&probe))
                .map_err(|source| FileError {
                    path: spec.path.clone(),
                    format: spec.format.name(),
                    source,
                })?;
        }
        Ok(())
    }

    fn record(&self, event: Event, force: bool) -> io::Result<()> {
        let mut state = self.lock();
        if state.closed {
            return Ok(());
        }
        state.events.push(event);
        let due = force
            || state
                .last_checkpoint
                .is_none_or(|(at, took)| at.elapsed() >= checkpoint_gap(took));
        if due {
            let end = state.partial_end();
            state
                .write_all(&end)
                .map_err(|e| io::Error::other(e.to_string()))?;
        }
        Ok(())
    }
}

/// The least time from the end of a checkpoint that took `took` to the next.
fn checkpoint_gap(took: Duration) -> Duration {
    CHECKPOINT_EVERY.max(took.saturating_mul(CHECKPOINT_SHARE))
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Says which part of `dir` stands in the way when it cannot be created:
/// `create_dir_all` over a file answers only "File exists" (EEXIST) or "Not a
/// directory" without naming the culprit.
fn explain_dir_error(dir: &Path, error: io::Error) -> io::Error {
    let blocker = dir
        .ancestors()
        .filter(|a| !a.as_os_str().is_empty())
        .find(|a| a.metadata().is_ok_and(|m| !m.is_dir()));
    match blocker {
        Some(file) => io::Error::new(
            error.kind(),
            format!(
                "{} is a file, not a directory, so the report's directory {} cannot be made \
                 there: choose another path",
                file.display(),
                dir.display()
            ),
        ),
        None => error,
    }
}

/// A temporary name beside `path`, unique to this process.
fn tempfile_in(dir: &Path, path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned());
    dir.join(format!(".{name}.{}.tmp", std::process::id()))
}

impl State {
    fn partial_end(&self) -> RunEnd {
        RunEnd {
            summary: self.summary.clone(),
            cases: self.cases.clone(),
            complete: false,
            ..RunEnd::default()
        }
    }

    /// Renders every file with `end` and renames it into place.
    fn write_all(&mut self, end: &RunEnd) -> Result<(), FileError> {
        let started = Instant::now();
        let written = self.render_all(end);
        self.last_checkpoint = Some((Instant::now(), started.elapsed()));
        written
    }

    fn render_all(&self, end: &RunEnd) -> Result<(), FileError> {
        for spec in &self.files {
            let failed = |source| FileError {
                path: spec.path.clone(),
                format: spec.format.name(),
                source,
            };
            let bytes = render(spec.format, &self.events, end).map_err(failed)?;
            let temp = tempfile_in(parent(&spec.path), &spec.path);
            std::fs::write(&temp, &bytes)
                .and_then(|()| std::fs::rename(&temp, &spec.path))
                .map_err(failed)?;
        }
        Ok(())
    }
}

/// The whole report of `format` for `events` ending with `end`.
fn render(format: Format, events: &[Event], end: &RunEnd) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    {
        // Colour codes never go into files.
        let out: Box<dyn Write + '_> = Box::new(anstream::StripStream::new(&mut bytes));
        let mut reporter = format.reporter(out, Options::default());
        for event in events {
            match event {
                Event::Start(run) => reporter.start(run)?,
                Event::Document(doc) => {
                    reporter.document(&doc.report, &doc.bytes, doc.first_line)?
                }
                Event::CaseStarted(case) => reporter.case_started(case)?,
                Event::CaseFinished(case) => reporter.case_finished(case)?,
                Event::Failure(failure) => reporter.fuzz_failure(failure)?,
            }
        }
        reporter.finish(end)?;
    }
    Ok(bytes)
}

impl Reporter for ReportFiles {
    fn start(&mut self, run: &RunInfo) -> io::Result<()> {
        self.record(Event::Start(run.clone()), true)
    }

    fn document(
        &mut self,
        report: &DocumentReport,
        bytes: &[u8],
        first_line: u64,
    ) -> io::Result<()> {
        self.lock().summary.add(report);
        // Only findings show source lines: valid documents keep no bytes.
        let bytes = if report.findings.is_empty() {
            Vec::new()
        } else {
            bytes.to_vec()
        };
        self.record(
            Event::Document(Judged {
                report: report.clone(),
                bytes,
                first_line,
            }),
            false,
        )
    }

    fn case_started(&mut self, case: &CaseStart) -> io::Result<()> {
        self.record(Event::CaseStarted(case.clone()), false)
    }

    fn case_finished(&mut self, case: &CaseEnd) -> io::Result<()> {
        self.lock().cases.push(case.summary.clone());
        self.record(Event::CaseFinished(case.clone()), false)
    }

    fn fuzz_failure(&mut self, failure: &FailureReport) -> io::Result<()> {
        {
            let mut state = self.lock();
            for doc in &failure.documents {
                state.summary.add(&doc.report);
            }
        }
        self.record(Event::Failure(failure.clone()), false)
    }

    fn finish(&mut self, end: &RunEnd) -> io::Result<()> {
        let mut state = self.lock();
        if state.closed {
            return Ok(());
        }
        state.closed = true;
        state
            .write_all(end)
            .map_err(|e| io::Error::other(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_read_format_and_path() {
        let spec: FileSpec = "junit=out/a=b.xml".parse().unwrap();
        assert_eq!(spec.format, Format::Junit);
        assert_eq!(spec.path, PathBuf::from("out/a=b.xml"));
        assert!(
            "junit"
                .parse::<FileSpec>()
                .unwrap_err()
                .contains("FORMAT=PATH")
        );
        assert!("xml=a".parse::<FileSpec>().unwrap_err().contains("junit"));
        assert!("json=".parse::<FileSpec>().unwrap_err().contains("empty"));
    }

    #[test]
    fn a_file_where_a_directory_must_be_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("hostname");
        std::fs::write(&file, "h").unwrap();
        for path in [file.join("x.xml"), file.join("deeper/x.xml")] {
            let files = ReportFiles::new(vec![FileSpec {
                format: Format::Junit,
                path: path.clone(),
            }]);
            let error = files.check_writable().unwrap_err().to_string();
            assert!(
                error.contains(&format!("{} is a file, not a directory", file.display())),
                "{error}"
            );
            assert!(!error.contains("File exists"), "{error}");
        }
    }

    #[test]
    fn a_slow_checkpoint_puts_off_the_next_one() {
        assert_eq!(checkpoint_gap(Duration::ZERO), CHECKPOINT_EVERY);
        assert_eq!(
            checkpoint_gap(Duration::from_secs(2)),
            Duration::from_secs(8)
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        let mut files = ReportFiles::new(vec![FileSpec {
            format: Format::Json,
            path: path.clone(),
        }]);
        files
            .start(&RunInfo {
                command: super::super::Command::Validate,
                target: None,
                fuzz: None,
                partition: None,
            })
            .unwrap();
        let written = || -> usize {
            let report: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            report["documents"].as_array().unwrap().len()
        };
        let document = DocumentReport::new("a.json".into(), None, Vec::new());
        let a_second_ago = Instant::now().checked_sub(Duration::from_secs(1)).unwrap();
        // The last checkpoint ended a second ago but took 10 s: not yet.
        files.lock().last_checkpoint = Some((a_second_ago, Duration::from_secs(10)));
        files.document(&document, b"{}", 1).unwrap();
        assert_eq!(written(), 0);
        // It took 1 ms: a second later is past the half-second floor.
        files.lock().last_checkpoint = Some((a_second_ago, Duration::from_millis(1)));
        files.document(&document, b"{}", 1).unwrap();
        assert_eq!(written(), 2);
    }
}
