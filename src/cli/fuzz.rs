//! `ppob-contract fuzz`: generates request variants with proptest, sends
//! them to the in-process simulator, `mock` or a sandbox, judges every answer
//! with the oracles and shrinks each failure to a minimal case.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::connection::{Connection, ConnectionArgs, ConnectionError};
use super::judge::JudgeArgs;
use super::output::{self, CoverageArgs, ReportArgs};
use super::progress::{self, FuzzBoard, ProgressArgs, Shown};
use super::run_args::{JobsArg, PartitionArg, RateArg};
use super::sim_args::{SimArgs, parse_duration};
use ppob_check::flow::Expectation;
use ppob_core::exit::ExitStatus;
use ppob_core::partition::Partition;
use ppob_fuzz::campaign::{self, Campaign, CampaignError, Hooks};
use ppob_fuzz::regressions;
use ppob_fuzz::runner::{NoProgress, Progress};
use ppob_fuzz::{
    AcceptableTable, Account, RunOptions, SharedTarget, ShrinkLimits, SimTarget, Target, Universe,
    category_universe, simulator_universe,
};
use ppob_report::{FileSpec, RunInfo};

/// Reads `ACCOUNT[@PRODUCT]`.
fn parse_account(s: &str) -> Result<Account, String> {
    let (number, product) = match s.split_once('@') {
        Some((n, p)) => (n, p),
        None => (s, ppob_check::flow::case::default_product()),
    };
    if number.trim().is_empty() || product.trim().is_empty() {
        return Err(format!(
            "expected ACCOUNT[@PRODUCT], e.g. {ok} or {ok}@{product}, got {s:?}",
            ok = super::products::example_account(),
            product = super::products::example_product(),
        ));
    }
    Ok(Account::new(number.trim(), product.trim()))
}

/// The help epilogue: its examples name test accounts read from the product
/// categories (no account number is written in Rust).
fn after_help() -> String {
    let ok = super::products::example_account();
    let product = super::products::example_product();
    format!(
        "Examples:
  ppob-contract fuzz                                    10000 cases on the in-process simulator
  ppob-contract fuzz --seed 42 --cases 100000 --max-time 1m
  ppob-contract fuzz --bug accept-negative-amount       prove the oracles fire (exit 1)
  ppob-contract fuzz --replay fuzz-regressions/negative-refused-negative-amount-1a2b3c4d.json
  PPOB_API_KEY=… PPOB_API_SECRET=… ppob-contract fuzz --target https://sandbox.example \\
      --account {ok}@{product} --cases 300 --rate 20

A case is a short conversation (scenario) with at most one mutation of its target request:
  inquiry           one inquiry (valid: any account, optional fields, unicode; or mutated)
  payment           inquiry, its payment (valid or mutated), then status of the refNumber
  pay-twice         inquiry, payment, the same payment again (same refNumber), then status
  status-unknown    status of a refNumber never used
  pay-after-expiry  payment after its inquiry expired (simulator only: needs simulated time)
Mutations: missing-field, wrong-type, empty-string, long-string, extra-field, negative-amount,
zero-amount, huge-amount, amount-off-by, other-inquiry-id, unknown-inquiry-id, other-account,
unknown-product, wrong-secret, unsigned-token, wrong-key, token-over-other-payload,
body-disagrees. Which refusals each may get is data: crates/ppob-fuzz/src/acceptable.toml (--acceptable).

Oracles (`ppob-contract rules` lists them): fuzz.no-double-charge, fuzz.negative-refused,
fuzz.money, fuzz.valid-accepted, fuzz.no-server-error, fuzz.conforms, fuzz.latency; and the
warning fuzz.vacuous-pass when a pass means little (every answer an auth refusal, no bill).

Every failure is shrunk, saved to the regression directory (replayed first by the next run)
and printed with the command that replays it and a curl line for the failing request (key and
secret read from PPOB_API_KEY / PPOB_API_SECRET, never printed).

Exit codes: 0 no oracle failed, 1 an oracle failed (or a warning with --deny-warnings),
2 bad usage, config or regression file, target unreachable, credentials refused."
    )
}

/// Arguments of `fuzz`.
#[derive(Debug, Args)]
#[command(after_help = after_help())]
pub struct FuzzArgs {
    /// The run's seed: the same seed generates the same cases (printed at the start).
    /// Default: a new one each run.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Cases to generate [simulator: 10000; --target: 500].
    #[arg(long, value_name = "N")]
    pub cases: Option<u64>,

    #[command(flatten)]
    pub partition: PartitionArg,

    /// Stop generating after this long (failures found are still shrunk), e.g. 30s, 5m.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_time: Option<Duration>,

    #[command(flatten)]
    pub jobs: JobsArg,

    #[command(flatten)]
    pub rate: RateArg,

    /// An account valid payments may pay (repeatable): ACCOUNT[@PRODUCT]. Default: the config
    /// file's cases; on the simulator, its test accounts without faults.
    #[arg(long = "account", value_name = "ACCOUNT[@PRODUCT]", value_parser = parse_account)]
    pub accounts: Vec<Account>,

    /// Fuzz this product category (a NAME `ppob-contract products` lists): its simulator test
    /// accounts, and its request extras (open amounts, months, zone ids) at, inside and past
    /// their bounds. Default: the seed category's (mobile-postpaid) accounts, generic extras.
    #[arg(long, value_name = "NAME", value_parser = super::products::parse_category)]
    pub category: Option<&'static ppob_products::Category>,

    /// Run only the case saved in FILE (a regression file) and report whether it still fails.
    #[arg(long, value_name = "FILE")]
    pub replay: Option<PathBuf>,

    /// Where failures are saved, and replayed from before new cases (default: fuzz-regressions,
    /// or `regressions` under [fuzz] in the config file).
    #[arg(long, value_name = "DIR")]
    pub regressions: Option<PathBuf>,

    /// Neither replay nor save regressions.
    #[arg(long)]
    pub no_regressions: bool,

    /// Which refusals negative requests may get: a TOML file whose tables replace the
    /// built-in ones of the same key (see docs/fuzz.md).
    #[arg(long, value_name = "FILE")]
    pub acceptable: Option<PathBuf>,

    /// Fail any answer slower than this (oracle fuzz.latency). Default: no budget.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub latency_budget: Option<Duration>,

    /// Candidate cases tried when shrinking one failure [simulator: 2000; --target: 100].
    #[arg(long, value_name = "N")]
    pub max_shrink_steps: Option<u32>,

    /// Time allowed for shrinking one failure [simulator: 60s; --target: 2m].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_shrink_time: Option<Duration>,

    /// Stop after this many distinct failures (one per oracle and what it found, e.g. a
    /// variant; default: 10, or `max_failures` under [fuzz] in the config file).
    #[arg(long, value_name = "N")]
    pub max_failures: Option<usize>,

    /// Where requests go and how.
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// The simulator's behaviour (ignored with --target).
    #[command(flatten)]
    pub sim: SimArgs,

    /// How answers are judged and shown.
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

/// A problem that stops the run before any case (exit code 2).
#[derive(Debug, thiserror::Error)]
enum SetupError {
    #[error("{0}")]
    Connection(#[from] ConnectionError),
    #[error("{0}")]
    Table(#[from] ppob_fuzz::acceptable::TableError),
    #[error("{0}")]
    Regression(#[from] regressions::RegressionError),
    #[error(
        "no accounts to fuzz against {0}: give --account ACCOUNT[@PRODUCT] (a payable test account of the target) or [[case]] tables in ppob-contract.toml"
    )]
    NoAccounts(String),
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    Campaign(#[from] CampaignError),
    #[error("cannot write the report: {0}")]
    Output(#[from] io::Error),
}

fn universe_of_config(cases: &[ppob_check::flow::Case]) -> Universe {
    let mut universe = Universe::default();
    for case in cases {
        let account = Account::new(case.account.clone(), case.product.clone());
        match case.expect {
            Expectation::Failed(_) => universe.others.push(account),
            _ => universe.payable.push(account),
        }
    }
    universe
}

/// The values `fuzz --category` tries for the category's request extras: each
/// bound, the middle, one past each bound; zone ids short, long and empty.
fn extras_of(category: &ppob_products::Category) -> Vec<(String, Vec<serde_json::Value>)> {
    let request = &category.manifest.request;
    let around = |range: ppob_products::manifest::Range| -> Vec<serde_json::Value> {
        let mut values = vec![
            range.min,
            range.max,
            range.min + (range.max - range.min) / 2,
            range.max.saturating_add(1),
        ];
        values.extend(range.min.checked_sub(1));
        values.into_iter().map(serde_json::Value::from).collect()
    };
    let mut extras = Vec::new();
    if let Some(range) = request.amount {
        extras.push(("amount".to_owned(), around(range)));
    }
    if let Some(range) = request.month {
        extras.push(("month".to_owned(), around(range)));
    }
    if request.zone_id {
        let zones = ["1", "2001", "", "zone-with-a-much-longer-identifier"];
        extras.push((
            "zoneId".to_owned(),
            zones.into_iter().map(serde_json::Value::from).collect(),
        ));
    }
    extras
}

/// The campaign `args` describe, the config file's `[fuzz]`, `[severity]`
/// and `[report]` merged in; the judging options and report files it adds.
fn plan(args: &FuzzArgs) -> Result<(Campaign, JudgeArgs, Vec<FileSpec>), SetupError> {
    let connection = Connection::resolve(&args.connection)?;
    let config = &connection.config;
    let table = match &args.acceptable {
        Some(path) => AcceptableTable::with_file(path)?,
        None => AcceptableTable::built_in(),
    };
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    let given_accounts = || {
        let mut universe = Universe {
            payable: args.accounts.clone(),
            ..Universe::default()
        };
        if universe.payable.is_empty() {
            universe = universe_of_config(&config.cases);
        }
        universe
    };
    let (target, base_url, credentials, universe, defaults): (Box<dyn Target>, _, _, _, _) =
        if let Some(url) = connection.target.clone() {
            let (transport, credentials) = connection.http(&url)?;
            let universe = given_accounts();
            if universe.payable.is_empty() && universe.others.is_empty() {
                return Err(SetupError::NoAccounts(
                    ppob_transport::redact::redact_url(&url).into_owned(),
                ));
            }
            let target = SharedTarget::new(Arc::new(transport));
            (
                Box::new(target) as Box<dyn Target>,
                Some(url),
                credentials,
                universe,
                (500, 8, 100, Duration::from_secs(120)),
            )
        } else {
            let credentials = connection.credentials_or_demo();
            let mut universe = args.category.map_or_else(simulator_universe, |category| {
                category_universe(&category.name)
            });
            if !args.accounts.is_empty() {
                universe.payable = args.accounts.clone();
                universe.others.clear();
            }
            let target = SimTarget {
                config: args.sim.config(credentials.clone()),
                timeout: connection.timeout,
            };
            (
                Box::new(target) as Box<dyn Target>,
                None,
                credentials,
                universe,
                (10_000, cores, 2000, Duration::from_secs(60)),
            )
        };
    let mut universe = universe;
    if let Some(category) = args.category {
        universe.extras = extras_of(category);
    }
    let (cases, jobs, shrink_steps, shrink_time) = defaults;
    let from_config = &config.fuzz;
    let options = RunOptions {
        seed: args.seed.or(from_config.seed).unwrap_or_else(fresh_seed),
        cases: args.cases.or(from_config.cases).unwrap_or(cases),
        max_time: args.max_time.or(from_config.max_time),
        jobs: args
            .jobs
            .given()
            .or(from_config.jobs.map(usize::from))
            .unwrap_or(jobs),
        shrink: ShrinkLimits {
            max_steps: args.max_shrink_steps.unwrap_or(shrink_steps),
            max_time: args.max_shrink_time.unwrap_or(shrink_time),
        },
        max_failures: args
            .max_failures
            .or(from_config.max_failures)
            .unwrap_or(10)
            .max(1),
        partition: args.partition.partition.unwrap_or_else(Partition::whole),
    };
    let merged = super::output::from_config(&args.judge, Some(&args.coverage), config)
        .map_err(SetupError::Config)?;
    let campaign = Campaign {
        engine: merged.engine(),
        deny_warnings: merged.judge.deny_warnings,
        require_codes: merged.require_codes,
        latency_budget: args.latency_budget.or(from_config.latency_budget),
        rate: args.rate.rate.or(from_config.rate),
        regressions: args
            .regressions
            .clone()
            .or_else(|| from_config.regressions.clone())
            .unwrap_or_else(|| PathBuf::from("fuzz-regressions")),
        save_regressions: !args.no_regressions,
        replay: args.replay.clone(),
        partition: args.partition.partition,
        target,
        base_url,
        universe,
        credentials,
        body_mode: connection.body_mode,
        table,
        options,
        ref_prefix: config
            .ref_prefix
            .clone()
            .unwrap_or_else(|| "PPOBFZ".to_owned()),
    };
    Ok((campaign, merged.judge, merged.files))
}

/// A seed from the clock and the process id (no randomness crate needed).
fn fresh_seed() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mixed = nanos ^ (u64::from(std::process::id()) << 32);
    // Keep it short enough to type.
    mixed % 10_000_000_000
}

/// A progress bar on stderr (`--progress auto` on a terminal).
struct Bar(ProgressBar);

impl Bar {
    fn new(cases: u64, show: bool) -> Self {
        let target = if show {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(cases), target);
        if let Ok(style) =
            ProgressStyle::with_template("{bar:30} {pos}/{len} cases  {per_sec}  {elapsed}  {msg}")
        {
            bar.set_style(style);
        }
        Self(bar)
    }
}

impl Progress for Bar {
    fn case_done(&self) {
        self.0.inc(1);
    }

    fn shrinking(&self, oracle: &str) {
        self.0.set_message(format!("shrinking a {oracle} failure"));
    }
}

/// Arguments of this command line that a reproduction must repeat: the
/// target and judging options, not the run's own (seed, cases, output).
fn reproduction_args() -> Vec<String> {
    const DROP_WITH_VALUE: &[&str] = &[
        "--seed",
        "--cases",
        "--max-time",
        "--jobs",
        "--regressions",
        "--max-shrink-steps",
        "--max-shrink-time",
        "--max-failures",
        "--format",
        "--replay",
        "--report",
        "--require-codes",
    ];
    const DROP: &[&str] = &["--no-regressions", "--quiet", "-q", "fuzz"];
    let mut out = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let name = arg.split('=').next().unwrap_or_default();
        if DROP_WITH_VALUE.contains(&name) {
            if !arg.contains('=') {
                args.next();
            }
            continue;
        }
        if DROP.contains(&arg.as_str()) {
            continue;
        }
        out.push(arg);
    }
    out
}

/// Quotes an argument for a POSIX shell when it needs it.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@,+%".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The command that runs the first `index + 1` cases of the seed again
/// (when no regression file was saved).
fn rerun_command(seed: u64, index: u64) -> String {
    let mut words = vec![
        "ppob-contract".to_owned(),
        "fuzz".to_owned(),
        "--seed".to_owned(),
        seed.to_string(),
        "--cases".to_owned(),
        (index + 1).to_string(),
        "--no-regressions".to_owned(),
    ];
    words.extend(reproduction_args().iter().map(|a| shell_word(a)));
    words.join(" ")
}

fn replay_command(file: &Path) -> String {
    let mut words = vec![
        "ppob-contract".to_owned(),
        "fuzz".to_owned(),
        "--replay".to_owned(),
        shell_word(&file.display().to_string()),
    ];
    words.extend(reproduction_args().iter().map(|a| shell_word(a)));
    words.join(" ")
}

/// Runs `fuzz` and maps the verdict to an exit code.
#[allow(clippy::print_stderr)]
pub fn run(args: FuzzArgs) -> ExitCode {
    let result = plan(&args).and_then(|(campaign, judge, files)| {
        let (mut report, _files) =
            output::open(&judge, &args.report, &files, output::OnSignal::Exit)
                .map_err(|e| io::Error::other(e.to_string()))?;
        let human = output::is_human(&judge);
        let shown = args.progress.shown();
        let show_bar = shown == Shown::Live && human && !judge.quiet && campaign.replay.is_none();
        let bar = Bar::new(campaign.options.cases, show_bar);
        let board = Arc::new(FuzzBoard::new(campaign.options.cases));
        let _heartbeat = (shown == Shown::Lines && campaign.replay.is_none())
            .then(|| progress::fuzz_heartbeat(board.clone()));
        let progress: &dyn Progress = match shown {
            Shown::Live if show_bar => &bar,
            Shown::Lines => board.as_ref(),
            _ => &NoProgress,
        };
        let started = |start: &RunInfo| {
            if !human && let Some(fuzz) = &start.fuzz {
                // The seed must not get lost when stdout is a machine's.
                let _ = writeln!(
                    anstream::stderr(),
                    "{}",
                    ppob_report::fuzz_header(start.target.as_deref().unwrap_or(""), fuzz)
                );
            }
        };
        let hooks = Hooks {
            progress,
            rerun: &rerun_command,
            replay: &|path: &Path| replay_command(path),
            started: &started,
            finished: &|| bar.0.finish_and_clear(),
        };
        Ok(campaign::run(&campaign, &mut report, &hooks)?)
    });
    match result {
        Ok(status) => status.into(),
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "ppob-contract fuzz: {e}");
            ExitStatus::Usage.into()
        }
    }
}
