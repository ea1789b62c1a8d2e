//! Where a run's report goes: the terminal (`--format`, `--quiet`) and the
//! `--report FORMAT=PATH` files, all fed by one [`Tee`]; and the coverage
//! gate (`--require-codes`) of `check` and `fuzz`.

use std::io::{self, Write};

use clap::Args;

use super::judge::JudgeArgs;
use super::lines::Gated;
#[cfg(feature = "full")]
use ppob_core::rules::Severities;
use ppob_report::{FileSpec, Format, Options, ReportFiles, Reporter, Tee};

/// Report files written next to the terminal output.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Judging and output")]
pub struct ReportArgs {
    /// Also write the report in FORMAT to PATH (repeatable), e.g. junit=out/junit.xml,
    /// sarif=out/contract.sarif, json=out/report.json, github=out/annotations.txt,
    /// human=out/report.txt. Each file is complete at every moment, also when the run is
    /// interrupted.
    #[arg(long = "report", value_name = "FORMAT=PATH")]
    pub reports: Vec<FileSpec>,
}

/// The coverage gate of `check` and `fuzz`.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Judging and output")]
pub struct CoverageArgs {
    /// Fail the run (exit 1, rule coverage.required-code) when the target never answered
    /// one of these response codes, e.g. 0,299,300,188 (comma-separated or repeated).
    #[arg(long = "require-codes", value_name = "CODE,…", value_delimiter = ',')]
    pub require_codes: Vec<i64>,
}

/// The terminal's writer: stdout, colour stripped when it is not a terminal,
/// handed on in whole lines (progress lines on stderr never cut one).
fn terminal() -> Box<dyn Write> {
    Box::new(io::BufWriter::with_capacity(
        64 * 1024,
        Gated::new(anstream::stdout().lock()),
    ))
}

/// The run's reporters: the terminal in `--format`, then every report file
/// (`--report`, then `extra` from the config file). The files are tried
/// before the run and written through a signal: an interrupted run leaves
/// each complete.
pub fn open(
    judge: &JudgeArgs,
    reports: &ReportArgs,
    extra: &[FileSpec],
    on_signal: OnSignal,
) -> Result<(Tee<'static>, ReportFiles), ppob_report::files::FileError> {
    open_in(judge.format, judge.quiet, reports, extra, on_signal)
}

/// [`open`] for a command without judging options (`report merge`): the
/// terminal in `format` (`quiet`: the summary only), then the report files.
pub fn open_in(
    format: Format,
    quiet: bool,
    reports: &ReportArgs,
    extra: &[FileSpec],
    on_signal: OnSignal,
) -> Result<(Tee<'static>, ReportFiles), ppob_report::files::FileError> {
    open_into(terminal(), format, quiet, reports, extra, on_signal)
}

/// [`open`] for a command that reports as things happen over a long time
/// (`proxy`): the terminal is kept in a buffer until the caller flushes it
/// with the returned [`LiveTerminal`] — after each batch of events, so each
/// finding shows within one batch of being found, and a burst of exchanges
/// is one write instead of one per line.
#[cfg(feature = "full")]
pub fn open_live(
    judge: &JudgeArgs,
    reports: &ReportArgs,
    on_signal: OnSignal,
) -> Result<(Tee<'static>, ReportFiles, LiveTerminal), ppob_report::files::FileError> {
    let live = LiveTerminal(std::sync::Arc::new(std::sync::Mutex::new(
        io::BufWriter::with_capacity(64 * 1024, Gated::new(anstream::stdout())),
    )));
    let (tee, files) = open_into(
        Box::new(live.clone()),
        judge.format,
        judge.quiet,
        reports,
        &[],
        on_signal,
    )?;
    Ok((tee, files, live))
}

/// The terminal of [`open_live`]: a buffer in front of stdout (whole lines,
/// colour stripped when it is not a terminal) that reaches it on
/// [`Write::flush`] or when 64 KiB are waiting.
#[cfg(feature = "full")]
#[derive(Clone)]
pub struct LiveTerminal(std::sync::Arc<std::sync::Mutex<io::BufWriter<Gated<anstream::Stdout>>>>);

#[cfg(feature = "full")]
impl LiveTerminal {
    fn inner(&self) -> std::sync::MutexGuard<'_, io::BufWriter<Gated<anstream::Stdout>>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(feature = "full")]
impl Write for LiveTerminal {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner().flush()
    }
}

fn open_into(
    terminal: Box<dyn Write>,
    format: Format,
    quiet: bool,
    reports: &ReportArgs,
    extra: &[FileSpec],
    on_signal: OnSignal,
) -> Result<(Tee<'static>, ReportFiles), ppob_report::files::FileError> {
    let step_summary = std::env::var_os("GITHUB_STEP_SUMMARY").map(std::path::PathBuf::from);
    let options = Options {
        quiet,
        step_summary: step_summary.as_deref(),
    };
    let terminal = format.reporter(terminal, options);
    let specs: Vec<FileSpec> = reports.reports.iter().chain(extra).cloned().collect();
    let files = ReportFiles::new(specs);
    let mut reporters: Vec<Box<dyn Reporter>> = vec![terminal];
    if !files.is_empty() {
        files.check_writable()?;
        reporters.push(Box::new(files.clone()));
    }
    match on_signal {
        OnSignal::Exit if !files.is_empty() => interrupt_on_signal(files.clone(), None),
        OnSignal::Exit => {}
        #[cfg(feature = "full")]
        OnSignal::Stop(stop) => interrupt_on_signal(files.clone(), Some(stop)),
    }
    Ok((Tee::new(reporters), files))
}

/// What SIGINT/SIGTERM do to a run.
pub enum OnSignal {
    /// Write every report file with what arrived so far (marked incomplete)
    /// and exit with 128 + the signal's number.
    Exit,
    /// Ask the run to stop with this (given the signal's number; the run
    /// reports what ended and returns); a second signal exits at once as
    /// [`OnSignal::Exit`] does.
    #[cfg(feature = "full")]
    Stop(AskToStop),
}

/// Asks a run to stop, given the number of the signal that asked.
pub type AskToStop = Box<dyn Fn(i32) + Send>;

/// On SIGINT or SIGTERM: with a `stop`, the first signal asks the run to
/// stop; otherwise (or at a second signal) every report file is written with
/// what arrived so far (marked incomplete) and the process exits with 128 +
/// the signal's number.
#[cfg(unix)]
#[allow(clippy::print_stderr)]
fn interrupt_on_signal(files: ReportFiles, stop: Option<AskToStop>) {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return;
    };
    std::thread::spawn(move || {
        let mut stop = stop;
        for signal in signals.forever() {
            if let Some(ask) = stop.take() {
                ask(signal);
                continue;
            }
            if let Err(e) = files.interrupt() {
                let _ = writeln!(io::stderr(), "ppob-contract: {e}");
            }
            std::process::exit(i32::from(ppob_core::exit::signal_code(signal)));
        }
    });
}

#[cfg(not(unix))]
fn interrupt_on_signal(_files: ReportFiles, _stop: Option<AskToStop>) {}

/// Whether the terminal shows the human report.
#[cfg(feature = "full")]
pub fn is_human(judge: &JudgeArgs) -> bool {
    judge.format == Format::Human
}

#[cfg(feature = "full")]
impl FromConfig {
    /// The engine that judges at the resolved severities.
    pub fn engine(&self) -> ppob_validate::Engine {
        self.judge.engine_at(self.severities.clone(), None)
    }
}

#[cfg(feature = "full")]
/// What the config file adds to the command line: `[severity]` levels
/// (flags given later win), `[report]` strictness, report files and required codes.
pub struct FromConfig {
    /// The judging options with the config's strictness and deny-warnings.
    pub judge: JudgeArgs,
    /// The level of every rule: catalogue, strictness, `[severity]`, `--severity`.
    pub severities: Severities,
    /// `[report.files]` as report files.
    pub files: Vec<FileSpec>,
    /// `--require-codes` and `[report] require_codes`.
    pub require_codes: Vec<i64>,
}

/// Merges the config file's `[severity]` and `[report]` under the flags.
#[cfg(feature = "full")]
pub fn from_config(
    judge: &JudgeArgs,
    coverage: Option<&CoverageArgs>,
    config: &ppob_contract::config::Config,
) -> Result<FromConfig, String> {
    let mut merged = judge.clone();
    merged.strict |= config.report.strict;
    merged.deny_warnings |= config.report.deny_warnings;
    let severities = Severities::resolve(
        merged.strict,
        config
            .severity
            .iter()
            .map(|(rule, level)| (rule.as_str(), level.as_str())),
        &judge.severities,
    )
    .map_err(|e| format!("the config file's [severity]: {e}"))?;
    let files = config
        .report
        .files
        .iter()
        .map(|(format, path)| {
            Ok(FileSpec {
                format: format.parse()?,
                path: path.clone(),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let mut require_codes = config.report.require_codes.clone();
    if let Some(coverage) = coverage {
        require_codes.extend(coverage.require_codes.iter().copied());
    }
    Ok(FromConfig {
        judge: merged,
        severities,
        files,
        require_codes,
    })
}
