//! `ppob-contract check`: runs inquiry → payment → status cases against the
//! in-process simulator, a sandbox (`--target`), or cassettes (`--replay`).

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Args;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use super::connection::{Connection, ConnectionArgs, ConnectionError};
use super::judge::JudgeArgs;
use super::lines::line_on_stderr;
use super::output::{self, CoverageArgs, OnSignal, ReportArgs};
use super::progress::{self, CaseBoard, Heartbeat, ProgressArgs, Shown};
use super::run_args::{JobsArg, PartitionArg, RateArg};
use super::sim_args::{SimArgs, parse_duration};
use ppob_check::flow::conversation::DEFAULT_MAX_AMOUNT;
use ppob_check::flow::refs::DEFAULT_PREFIX;
use ppob_check::flow::{Case, Observer, Pacing};
use ppob_check::{
    CallbackPlan, CassetteCaseError, CheckError, CheckPlan, CheckTarget, case_of_cassette,
    simulator_suite,
};
use ppob_core::exit::{ExitStatus, is_closed_pipe};
use ppob_core::partition::Partition;
use ppob_transport::replay::{Replay, cassettes_in};
use ppob_transport::stop::Stop;

/// The help epilogue: its examples name test accounts read from the product
/// categories (no account number is written in Rust).
fn after_help() -> String {
    let ok = super::products::example_account();
    let failing = super::products::example_failing_case();
    format!(
        "Examples:
  ppob-contract check                                   the built-in simulator's test accounts
  ppob-contract check --case {ok} --case {failing}
  ppob-contract check --category NAME                   one product category's suite
  PPOB_API_KEY=… PPOB_API_SECRET=… ppob-contract check --target https://sandbox.example --config ppob-contract.toml
  ppob-contract check --target http://127.0.0.1:8080 --case {ok} --first-wait 3s --record cassettes/
  ppob-contract check --target http://127.0.0.1:8080 --case {ok} --first-wait 3s --callback-listen
      (the last two against a running `ppob-contract mock`)
  ppob-contract check --replay fixtures/mobile-postpaid/cassettes/seed

A case is ACCOUNT[@PRODUCT][=EXPECT]; EXPECT is success (default), pending, failed or
failed:CODE[,CODE…]. Cases also come from [[case]] tables in ppob-contract.toml.

The money rule: only a clean answer (HTTP 200, each envelope key once, the success flag the
code's class documents) with a final code settles a payment. A timeout, a connection error, any
other HTTP status, a body that is not JSON, a code outside 0-399 or a contradictory envelope is
processing, never failed: check then polls status (first wait 150s against a sandbox, backoff,
deadline) and reports success, failed or pending.

Credentials come from PPOB_API_KEY / PPOB_API_SECRET or the config file's [credentials],
never from a flag; they and every TOKEN are redacted from all output and cassettes.

Exit codes: 0 every case as expected and the contract holds, 1 contract violated or a case
ended otherwise than expected, 2 bad usage or config, sandbox unreachable, credentials refused,
a target that is not the API (an HTML page, a wrong path): each one line on stderr;
128 + the signal (130, 143) when SIGINT/SIGTERM stopped the run: the cases that ended are
reported, the others named with the refNumbers of payments whose outcome is unknown."
    )
}

/// Arguments of `check`.
#[derive(Debug, Args)]
#[command(after_help = after_help())]
pub struct CheckArgs {
    /// A case to run (repeatable): ACCOUNT[@PRODUCT][=EXPECT]. Default: the config file's
    /// cases, or on the simulator every test account.
    #[arg(long = "case", value_name = "ACCOUNT[@PRODUCT][=EXPECT]")]
    pub cases: Vec<Case>,

    /// Run this product category's suite: its simulator test accounts, each expecting what
    /// its behaviour documents (a NAME `ppob-contract products` lists; default on the
    /// simulator: every category). Works against --target too (e.g. `mock`).
    #[arg(long, value_name = "NAME", value_parser = super::products::parse_category,
          conflicts_with_all = ["replay", "cases"])]
    pub category: Option<&'static ppob_products::Category>,

    /// Replay the cassettes (*.har, one case each) in DIR instead of sending requests
    /// (--target and PPOB_BASE_URL are ignored).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["record", "cases"])]
    pub replay: Option<PathBuf>,

    /// Record every exchange into DIR, one HAR 1.2 file per case (credentials redacted).
    #[arg(long, value_name = "DIR")]
    pub record: Option<PathBuf>,

    /// Wait after a processing payment before the first status call [sandbox: 150s;
    /// simulator: 2s of simulated time].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub first_wait: Option<Duration>,

    /// First wait between status calls; doubles up to 60s [sandbox: 10s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub interval: Option<Duration>,

    /// Stop polling (outcome pending) this long after the payment [sandbox: 15m]. No wait and
    /// no status call runs past it: a longer --first-wait ends at the deadline, the last status
    /// call gets only the time left.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub deadline: Option<Duration>,

    /// Against --target, refuse to pay more than this many rupiah: the case stops before
    /// payment with flow.amount-above-limit [config max_amount, else 10000000]. The in-process
    /// simulator and --replay pay nothing real and have no limit.
    #[arg(long, value_name = "RUPIAH")]
    pub max_amount: Option<u64>,

    #[command(flatten)]
    pub partition: PartitionArg,

    #[command(flatten)]
    pub jobs: JobsArg,

    #[command(flatten)]
    pub rate: RateArg,

    /// Ask for callbacks and judge each one: every payment names a callback URL in
    /// callbackUrls, and after its final status the case waits (--callback-wait) for the
    /// callback, judges it as a `callback` document and compares it with the status answer
    /// (callback.matches-status); none is callback.missing, a repeat callback.duplicate.
    /// Against --target a receiver listens on ADDR [default 127.0.0.1:0: loopback, a free
    /// port] and answers every POST 200. Binding another address (e.g. 0.0.0.0:9000) lets other
    /// machines reach it: do that only on purpose, with --callback-url. The in-process
    /// simulator hands its callbacks over without a socket.
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "127.0.0.1:0",
          conflicts_with = "replay")]
    pub callback_listen: Option<SocketAddr>,

    /// The URL payments name in callbackUrls, when the sandbox must call another address than
    /// --callback-listen's (a tunnel, a public host forwarding to it) [default:
    /// http://ADDR/ppob-callback with the port bound].
    #[arg(long, value_name = "URL", value_parser = parse_callback_url)]
    pub callback_url: Option<String>,

    /// How long a case waits for its callback after the final status before
    /// callback.missing [30s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub callback_wait: Option<Duration>,

    /// Callbacks the receiver holds at once before it answers 503 and counts the drop,
    /// reported after the cases as callback.dropped [10000].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub callback_max_held: Option<u32>,

    /// Where requests go and how.
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// The simulator's behaviour (ignored with --target and --replay).
    #[command(flatten)]
    pub sim: SimArgs,

    /// How documents are judged and shown.
    #[command(flatten)]
    pub judge: JudgeArgs,

    /// Report files.
    #[command(flatten)]
    pub report: ReportArgs,

    /// The coverage gate.
    #[command(flatten)]
    pub coverage: CoverageArgs,

    /// Progress while cases run.
    #[command(flatten)]
    pub progress: ProgressArgs,
}

fn parse_callback_url(s: &str) -> Result<String, String> {
    match reqwest::Url::parse(s) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
            Ok(s.to_owned())
        }
        Ok(url) => Err(format!(
            "expected an http:// or https:// URL with a host, got scheme {:?}",
            url.scheme()
        )),
        Err(e) => Err(format!(
            "expected a URL such as https://tunnel.example/cb ({e})"
        )),
    }
}

/// How callbacks are received, from the flags and the config file's
/// `[callbacks]` (flags win).
fn callback_plan(
    args: &CheckArgs,
    config: &ppob_contract::config::CallbacksSection,
) -> Result<Option<CallbackPlan>, SetupError> {
    let Some(listen) = args.callback_listen.or(config.listen) else {
        if args.callback_url.is_some()
            || args.callback_wait.is_some()
            || args.callback_max_held.is_some()
        {
            return Err(SetupError::Config(
                "--callback-url, --callback-wait and --callback-max-held need --callback-listen (or listen \
in the config file's [callbacks])"
                    .to_owned(),
            ));
        }
        return Ok(None);
    };
    let url =
        match (&args.callback_url, &config.url) {
            (Some(url), _) => Some(url.clone()),
            (None, Some(url)) => Some(parse_callback_url(url).map_err(|e| {
                SetupError::Config(format!("the config file's [callbacks] url: {e}"))
            })?),
            (None, None) => None,
        };
    if listen.ip().is_unspecified() && url.is_none() {
        return Err(SetupError::Config(format!(
            "--callback-listen {listen} listens on every interface, so no URL can be derived from it: give --callback-url with the address the sandbox must call"
        )));
    }
    Ok(Some(CallbackPlan {
        listen,
        url,
        wait: args
            .callback_wait
            .or(config.wait)
            .unwrap_or(ppob_check::callback::DEFAULT_WAIT),
        max_held: args
            .callback_max_held
            .or(config.max_held)
            .map_or(ppob_check::callback::MAX_HELD, |n| n as usize),
    }))
}

/// A problem that stops the run before any case (exit code 2).
#[derive(Debug, thiserror::Error)]
enum SetupError {
    #[error("{0}")]
    Connection(#[from] ConnectionError),
    #[error("{0}")]
    Cassette(#[from] ppob_transport::cassette::CassetteError),
    #[error(
        "no cases to run against {0}: give --case ACCOUNT[@PRODUCT][=EXPECT] or [[case]] tables in ppob-contract.toml"
    )]
    NoCases(String),
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    CassetteCase(#[from] CassetteCaseError),
}

/// The plan `args` describe, the config file's `[severity]`, `[report]` and
/// cases merged in; the report files the config adds.
fn plan(
    args: &CheckArgs,
) -> Result<(CheckPlan, JudgeArgs, Vec<ppob_report::FileSpec>), SetupError> {
    let connection = Connection::resolve(&args.connection)?;
    let partition = args.partition.partition.unwrap_or_else(Partition::whole);
    let config = &connection.config;
    let (target, credentials, base_pacing) = if let Some(dir) = &args.replay {
        let replays = partition
            .select(cassettes_in(dir)?)
            .into_iter()
            .map(|path| Replay::open(&path).map(|r| (path, Arc::new(r))))
            .collect::<Result<Vec<_>, _>>()?;
        (
            CheckTarget::Replay(replays),
            connection.credentials_or_demo(),
            Pacing::immediate(),
        )
    } else if let Some(url) = &connection.target {
        let (transport, credentials) = connection.http(url)?;
        (
            CheckTarget::Live(Arc::new(transport)),
            credentials,
            Pacing::sandbox(),
        )
    } else {
        let credentials = connection.credentials_or_demo();
        (
            CheckTarget::Simulator(args.sim.config(credentials.clone())),
            credentials,
            Pacing::simulator(),
        )
    };
    let mut pacing = config.polling.apply(base_pacing);
    if !matches!(target, CheckTarget::Replay(_)) {
        pacing.first_wait = args.first_wait.unwrap_or(pacing.first_wait);
        pacing.interval = args.interval.unwrap_or(pacing.interval);
        pacing.deadline = args.deadline.unwrap_or(pacing.deadline);
    }
    let max_amount = target.is_live().then(|| {
        args.max_amount
            .or(config.max_amount)
            .unwrap_or(DEFAULT_MAX_AMOUNT)
    });
    let mut cases = match &target {
        CheckTarget::Replay(replays) => replays
            .iter()
            .map(|(path, replay)| case_of_cassette(path, replay))
            .collect::<Result<Vec<_>, _>>()?,
        _ if !args.cases.is_empty() => args.cases.clone(),
        _ if args.category.is_some() => {
            ppob_check::category_suite(args.category.map_or("", |c| c.name.as_str()))
        }
        _ if !config.cases.is_empty() => config.cases.clone(),
        CheckTarget::Simulator(_) => simulator_suite(),
        CheckTarget::Live(t) => return Err(SetupError::NoCases(t.describe())),
    };
    if !matches!(target, CheckTarget::Replay(_)) {
        cases = partition.select(cases);
    }
    ppob_check::unique_names(&mut cases);
    if let CheckTarget::Simulator(_) = target {
        ppob_check::describe_simulated(&mut cases);
    }
    let merged = super::output::from_config(&args.judge, Some(&args.coverage), config)
        .map_err(SetupError::Config)?;
    let jobs = args
        .jobs
        .given()
        .unwrap_or_else(|| ppob_check::default_jobs(&target));
    let plan = CheckPlan {
        engine: merged.engine(),
        deny_warnings: merged.judge.deny_warnings,
        require_codes: merged.require_codes,
        target,
        cases,
        credentials,
        body_mode: connection.body_mode,
        pacing,
        ref_prefix: config
            .ref_prefix
            .clone()
            .unwrap_or_else(|| DEFAULT_PREFIX.to_owned()),
        timeout: connection.timeout,
        max_amount,
        record: args.record.clone(),
        jobs,
        rate: args.rate.rate,
        partition: args.partition.partition,
        callbacks: callback_plan(args, &config.callbacks)?,
    };
    Ok((plan, merged.judge, merged.files))
}

/// Spinners on stderr while cases wait on status, one per waiting case
/// (`--progress auto` on a terminal).
#[derive(Default)]
struct Spinners {
    all: MultiProgress,
    bars: Mutex<HashMap<String, ProgressBar>>,
}

impl Spinners {
    fn waiting(&self, case: &str, duration: Duration, why: &str) {
        let bar = self
            .all
            .add(ProgressBar::new_spinner().with_message(format!(
                "{case}: waiting {why} ({})",
                humantime::format_duration(duration)
            )));
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(200));
        if let Ok(mut bars) = self.bars.lock() {
            bars.insert(case.to_owned(), bar);
        }
    }

    fn waited(&self, case: &str) {
        if let Ok(mut bars) = self.bars.lock()
            && let Some(bar) = bars.remove(case)
        {
            bar.finish_and_clear();
        }
    }
}

/// What a run shows on stderr besides its report: the live view or the
/// board its heartbeat reads (`--progress`), and where callbacks are received.
struct RunView {
    spinners: Option<Spinners>,
    board: Option<Arc<CaseBoard>>,
}

impl Observer for RunView {
    fn case_started(&self, case: &str) {
        if let Some(board) = &self.board {
            board.started(case);
        }
    }

    fn case_ended(&self, case: &str) {
        if let Some(board) = &self.board {
            board.ended(case);
        }
    }

    fn waiting(&self, case: &str, duration: Duration, why: &str) {
        if let Some(spinners) = &self.spinners {
            spinners.waiting(case, duration, why);
        }
        if let Some(board) = &self.board {
            board.waiting(case, duration, why);
        }
    }

    fn waited(&self, case: &str) {
        if let Some(spinners) = &self.spinners {
            spinners.waited(case);
        }
        if let Some(board) = &self.board {
            board.waited(case);
        }
    }

    fn listening(&self, addr: SocketAddr, url: &str) {
        let reach = if addr.ip().is_loopback() {
            "loopback only"
        } else {
            "reachable from other machines"
        };
        let line = format!("callbacks: receiving on {addr} ({reach}); payments name {url}");
        match &self.spinners {
            Some(spinners) if !spinners.all.is_hidden() => {
                let _ = spinners.all.println(line);
            }
            _ => line_on_stderr(&line),
        }
    }
}

/// The observer `--progress` asks for and, for heartbeat lines, the
/// heartbeat (it stops when dropped). The live view is drawn only against a
/// live target: a simulated or replayed wait takes no time.
fn progress(args: &ProgressArgs, plan: &CheckPlan) -> (Arc<RunView>, Option<Heartbeat>) {
    match args.shown() {
        Shown::Live if plan.target.is_live() => (
            Arc::new(RunView {
                spinners: Some(Spinners::default()),
                board: None,
            }),
            None,
        ),
        Shown::Lines => {
            let board = Arc::new(CaseBoard::new(plan.cases.len()));
            let heartbeat = progress::case_heartbeat(board.clone());
            (
                Arc::new(RunView {
                    spinners: None,
                    board: Some(board),
                }),
                Some(heartbeat),
            )
        }
        _ => (
            Arc::new(RunView {
                spinners: None,
                board: None,
            }),
            None,
        ),
    }
}

/// Runs `check` and maps the verdict to an exit code: 0, 1, 2, or 128 plus
/// the signal's number when SIGINT/SIGTERM stopped it.
#[allow(clippy::print_stderr)]
pub fn run(args: CheckArgs) -> ExitCode {
    let (plan, judge, files) = match plan(&args) {
        Ok(planned) => planned,
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "ppob-contract check: {e}");
            return ExitStatus::Usage.into();
        }
    };
    let stop = Arc::new(Stop::new());
    let ask_to_stop = {
        let stop = stop.clone();
        move |signal: i32| {
            stop.as_atomic().store(
                usize::try_from(signal).unwrap_or(1),
                std::sync::atomic::Ordering::SeqCst,
            );
        }
    };
    let (mut report, _files) = match output::open(
        &judge,
        &args.report,
        &files,
        OnSignal::Stop(Box::new(ask_to_stop)),
    ) {
        Ok(opened) => opened,
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "ppob-contract check: {e}");
            return ExitStatus::Usage.into();
        }
    };
    let (observer, heartbeat) = progress(&args.progress, &plan);
    let result = ppob_check::run(Arc::new(plan), &mut report, observer, stop.clone());
    drop(heartbeat);
    match result {
        Ok(outcome) => {
            if let Some(signal) = stop.signal() {
                let open = outcome.end.interrupted.iter().filter(|c| c.started).count();
                let _ = writeln!(
                    anstream::stderr(),
                    "ppob-contract check: stopped by signal {signal}: {} ended, {open} interrupted, {} not started",
                    outcome.end.cases.len(),
                    outcome.end.interrupted.len() - open,
                );
                return ExitCode::from(ppob_core::exit::signal_code(signal));
            }
            outcome.status.into()
        }
        Err(CheckError::Report(e)) if is_closed_pipe(&e) => ExitStatus::of_output_error(&e).into(),
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "ppob-contract check: {e}");
            ExitStatus::Usage.into()
        }
    }
}
