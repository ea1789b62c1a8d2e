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
use super::sim_args::{SimArgs, parse_duration};
use crate::contract::input_rules;
use crate::exit::ExitStatus;
use crate::flow::setup::{self, FirstAnswer, NotTheApi};
use crate::flow::{Expectation, RefNumbers};
use crate::fuzz::exec;
use crate::fuzz::regressions::{self, Regression};
use crate::fuzz::report::{Shown, failure_report};
use crate::fuzz::runner::{NoProgress, Progress};
use crate::fuzz::{
    AcceptableTable, Account, Failure, FuzzCase, Fuzzer, Judge, RunOptions, Scenario, SharedTarget,
    ShrinkLimits, SimTarget, Target, Universe, simulator_universe,
};
use crate::partition::Partition;
use crate::report::{Command, CoverageTally, FuzzStart, FuzzSummary, Reporter, RunEnd, RunInfo};
use crate::transport::auth::{BodyMode, Credentials};
use crate::transport::rate::RateLimiter;
use crate::transport::redact::Redactor;

/// Reads `ACCOUNT[@PRODUCT]`.
fn parse_account(s: &str) -> Result<Account, String> {
    let (number, product) = match s.split_once('@') {
        Some((n, p)) => (n, p),
        None => (s, crate::flow::case::DEFAULT_PRODUCT),
    };
    if number.trim().is_empty() || product.trim().is_empty() {
        return Err(format!(
            "expected ACCOUNT[@PRODUCT], e.g. 0811111111 or 0811111111@product-code, got {s:?}"
        ));
    }
    Ok(Account::new(number.trim(), product.trim()))
}

fn parse_rate(s: &str) -> Result<u32, String> {
    match s.parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "expected a number of requests per second above 0, got {s:?}"
        )),
    }
}

/// Arguments of `fuzz`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  ppob-contract fuzz                                    10000 cases on the in-process simulator
  ppob-contract fuzz --seed 42 --cases 100000 --max-time 1m
  ppob-contract fuzz --bug accept-negative-amount       prove the oracles fire (exit 1)
  ppob-contract fuzz --replay fuzz-regressions/negative-refused-negative-amount-1a2b3c4d.json
  PPOB_API_KEY=… PPOB_API_SECRET=… ppob-contract fuzz --target https://sandbox.example \\
      --account 0811111111@product-code --cases 300 --rate 20

A case is a short conversation (scenario) with at most one mutation of its target request:
  inquiry           one inquiry (valid: any account, optional fields, unicode; or mutated)
  payment           inquiry, its payment (valid or mutated), then status of the refNumber
  pay-twice         inquiry, payment, the same payment again (same refNumber), then status
  status-unknown    status of a refNumber never used
  pay-after-expiry  payment after its inquiry expired (simulator only: needs simulated time)
Mutations: missing-field, wrong-type, empty-string, long-string, extra-field, negative-amount,
zero-amount, huge-amount, amount-off-by, other-inquiry-id, unknown-inquiry-id, other-account,
unknown-product, wrong-secret, unsigned-token, wrong-key, token-over-other-payload,
body-disagrees. Which refusals each may get is data: src/fuzz/acceptable.toml (--acceptable).

Oracles (`ppob-contract rules` lists them): fuzz.no-double-charge, fuzz.negative-refused,
fuzz.money, fuzz.valid-accepted, fuzz.no-server-error, fuzz.conforms, fuzz.latency; and the
warning fuzz.vacuous-pass when a pass means little (every answer an auth refusal, no bill).

Every failure is shrunk, saved to the regression directory (replayed first by the next run)
and printed with the command that replays it and a curl line for the failing request (key and
secret read from PPOB_API_KEY / PPOB_API_SECRET, never printed).

Exit codes: 0 no oracle failed, 1 an oracle failed (or a warning with --deny-warnings),
2 bad usage, config or regression file, target unreachable, credentials refused.")]
pub struct FuzzArgs {
    /// The run's seed: the same seed generates the same cases (printed at the start).
    /// Default: a new one each run.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Cases to generate [simulator: 10000; --target: 500].
    #[arg(long, value_name = "N")]
    pub cases: Option<u64>,

    /// Run only shard K of N (1 ≤ K ≤ N) of the seed's cases, e.g. on a CI matrix with the
    /// same --seed and --cases in every job: case i belongs to shard (i mod N)+1, and so does
    /// the i-th saved regression file. The N shards together are the whole run.
    #[arg(long, value_name = "K/N")]
    pub partition: Option<Partition>,

    /// Stop generating after this long (failures found are still shrunk), e.g. 30s, 5m.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_time: Option<Duration>,

    /// Worker threads [simulator: the number of cores; --target: 8].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: Option<u16>,

    /// At most N requests a second, shrinking included (for real sandboxes). Default: no cap.
    #[arg(long, value_name = "N", value_parser = parse_rate)]
    pub rate: Option<u32>,

    /// An account valid payments may pay (repeatable): ACCOUNT[@PRODUCT]. Default: the config
    /// file's cases; on the simulator, its test accounts without faults.
    #[arg(long = "account", value_name = "ACCOUNT[@PRODUCT]", value_parser = parse_account)]
    pub accounts: Vec<Account>,

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
}

/// A problem that stops the run before any case (exit code 2).
#[derive(Debug, thiserror::Error)]
enum SetupError {
    #[error("{0}")]
    Connection(#[from] ConnectionError),
    #[error("{0}")]
    Table(#[from] crate::fuzz::acceptable::TableError),
    #[error("{0}")]
    Regression(#[from] regressions::RegressionError),
    #[error(
        "no accounts to fuzz against {0}: give --account ACCOUNT[@PRODUCT] (a payable test account of the target) or [[case]] tables in ppob-contract.toml"
    )]
    NoAccounts(String),
    #[error("{0}")]
    Preflight(String),
    #[error("{0}")]
    Config(String),
    #[error("cannot write the report: {0}")]
    Output(#[from] io::Error),
}

/// Everything decided before the first case.
struct Plan {
    target: Box<dyn Target>,
    base_url: Option<String>,
    universe: Universe,
    credentials: Credentials,
    body_mode: BodyMode,
    table: AcceptableTable,
    options: RunOptions,
    ref_prefix: String,
    /// The judging options, the config file's `[severity]` and `[report]` merged in.
    judge: JudgeArgs,
    /// `[report.files]` of the config file.
    report_files: Vec<crate::report::FileSpec>,
    /// Codes the target must answer.
    require_codes: Vec<i64>,
    /// `--latency-budget`, else the config's.
    latency_budget: Option<Duration>,
    /// `--regressions`, else the config's.
    regressions: PathBuf,
    /// `--rate`, else the config's.
    rate: Option<u32>,
}

fn universe_of_config(cases: &[crate::flow::Case]) -> Universe {
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

fn plan(args: &FuzzArgs) -> Result<Plan, SetupError> {
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
                return Err(SetupError::NoAccounts(url));
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
            let mut universe = simulator_universe();
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
    let (cases, jobs, shrink_steps, shrink_time) = defaults;
    let from_config = &config.fuzz;
    let options = RunOptions {
        seed: args.seed.or(from_config.seed).unwrap_or_else(fresh_seed),
        cases: args.cases.or(from_config.cases).unwrap_or(cases),
        max_time: args.max_time.or(from_config.max_time),
        jobs: args.jobs.or(from_config.jobs).map_or(jobs, usize::from),
        shrink: ShrinkLimits {
            max_steps: args.max_shrink_steps.unwrap_or(shrink_steps),
            max_time: args.max_shrink_time.unwrap_or(shrink_time),
        },
        max_failures: args
            .max_failures
            .or(from_config.max_failures)
            .unwrap_or(10)
            .max(1),
        partition: args.partition.unwrap_or_else(Partition::whole),
    };
    let merged = super::output::from_config(&args.judge, Some(&args.coverage), config)
        .map_err(SetupError::Config)?;
    Ok(Plan {
        judge: merged.judge,
        report_files: merged.files,
        require_codes: merged.require_codes,
        latency_budget: args.latency_budget.or(from_config.latency_budget),
        rate: args.rate.or(from_config.rate),
        regressions: args
            .regressions
            .clone()
            .or_else(|| from_config.regressions.clone())
            .unwrap_or_else(|| PathBuf::from("fuzz-regressions")),
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
    })
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

/// A progress bar on stderr (hidden when stderr is not a terminal).
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

/// Where a curl line sends the request: the target, or a `mock` on its default port.
fn curl_base(plan: &Plan) -> String {
    plan.base_url
        .clone()
        .unwrap_or_else(|| "http://127.0.0.1:8080".to_owned())
}

/// One valid inquiry before fuzzing: an unreachable target, a target that is
/// not the API or refused credentials stop the run with exit code 2, as for `check`.
fn preflight(plan: &Plan, fuzzer: &Fuzzer<'_>) -> Result<(), SetupError> {
    let Some(account) = plan
        .universe
        .payable
        .first()
        .or(plan.universe.others.first())
    else {
        return Ok(());
    };
    let case = FuzzCase {
        scenario: Scenario::Inquiry,
        account: account.number.clone(),
        product: account.product.clone(),
        inquiry_extras: Default::default(),
        ref_stem: String::new(),
        callback_urls: None,
        mutation: None,
    };
    let (trace, _) = fuzzer.check_one(&case);
    let where_ = plan.target.describe();
    if let Some(e) = exec::unreachable(&trace) {
        return Err(SetupError::Preflight(format!(
            "error[{}]: {where_} is unreachable: {e}; {}",
            input_rules::UNREACHABLE,
            setup::unreachable_hint(e)
        )));
    }
    if let Some(step) = trace.steps.first()
        && let FirstAnswer::NotTheApi(reason) = setup::first_answer(&step.exchange)
        && let Some(found) = NotTheApi::new(
            &step.exchange,
            reason,
            &where_,
            &Redactor::new(Some(&plan.credentials)),
        )
    {
        return Err(SetupError::Preflight(format!(
            "error[{}]: {found}",
            input_rules::NOT_THE_API
        )));
    }
    if let Some(step) = trace.steps.first()
        && let crate::flow::classify::Reading::AuthRefused { http_status, .. } = step.reading
    {
        return Err(SetupError::Preflight(format!(
            "error[{}]: {where_} refused the credentials with HTTP {http_status} on a valid inquiry: \
check PPOB_API_KEY and PPOB_API_SECRET (or the config file's [credentials]) and --body-mode",
            input_rules::AUTH
        )));
    }
    Ok(())
}

/// The run's coverage: what the target answered, per operation, and which
/// scenarios and variants ran.
fn coverage_of(stats: &crate::fuzz::Stats, required: &[i64]) -> crate::report::Coverage {
    let mut tally = CoverageTally::default();
    for ((operation, code), count) in &stats.answered {
        tally.answered(*operation, *code, *count);
    }
    for (scenario, count) in &stats.scenarios {
        tally.scenario(scenario, *count);
    }
    for (variant, count) in &stats.variants {
        tally.variant(variant, *count);
    }
    tally.finish(required)
}

fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

/// Runs the saved regressions, then the generated cases.
fn run_plan(args: &FuzzArgs, plan: Plan) -> Result<ExitStatus, SetupError> {
    let engine = plan.judge.engine();
    let redactor = Redactor::new(Some(&plan.credentials));
    let refs = RefNumbers::new(&plan.ref_prefix);
    let rate = plan.rate.map(RateLimiter::new);
    let fuzzer = Fuzzer {
        target: plan.target.as_ref(),
        judge: Judge {
            engine: &engine,
            table: &plan.table,
            latency_budget: plan.latency_budget,
        },
        credentials: &plan.credentials,
        body_mode: plan.body_mode,
        refs: &refs,
        rate: rate.as_ref(),
        universe: &plan.universe,
    };
    preflight(&plan, &fuzzer)?;
    let shown = Shown {
        redactor: &redactor,
        key: plan.credentials.key(),
        secret: plan.credentials.secret(),
        curl_base: curl_base(&plan),
    };
    let target = plan.target.describe();
    let (mut report, _files) = output::open(
        &plan.judge,
        &args.report,
        &plan.report_files,
        output::OnSignal::Exit,
    )
    .map_err(|e| io::Error::other(e.to_string()))?;
    if let Some(file) = &args.replay {
        let regression = regressions::load(file)?;
        let (_, failure) = fuzzer.check_one(&regression.case);
        report.start(&RunInfo {
            command: Command::Fuzz,
            target: Some(target.clone()),
            fuzz: Some(FuzzStart {
                seed: 0,
                cases: 0,
                jobs: 1,
                regressions: None,
                replay: Some(file.display().to_string()),
            }),
            partition: None,
        })?;
        let mut summary = crate::contract::Summary::default();
        let mut failures = Vec::new();
        if let Some(failure) = &failure {
            let shown_failure =
                failure_report(failure, Some(file), Some(replay_command(file)), &shown);
            for doc in &shown_failure.documents {
                summary.add(&doc.report);
            }
            report.fuzz_failure(&shown_failure)?;
            failures.push(shown_failure.failure);
        }
        let mut end = RunEnd::new(summary);
        end.fuzz = Some(FuzzSummary {
            target,
            regressions_replayed: 1,
            regressions_failing: failures.len() as u64,
            failures,
            ..FuzzSummary::default()
        });
        report.finish(&end)?;
        return Ok(if failure.is_some() {
            ExitStatus::Violated
        } else {
            ExitStatus::Holds
        });
    }

    let mut replayed = Vec::new();
    if !args.no_regressions {
        let files = regressions::files_in(&plan.regressions)?;
        for file in args
            .partition
            .unwrap_or_else(Partition::whole)
            .select(files)
        {
            let regression: Regression = regressions::load(&file)?;
            let (_, failure) = fuzzer.check_one(&regression.case);
            replayed.push((file, failure));
        }
    }
    let failing = replayed.iter().filter(|(_, f)| f.is_some()).count() as u64;
    let start = RunInfo {
        command: Command::Fuzz,
        target: Some(target.clone()),
        fuzz: Some(FuzzStart {
            seed: plan.options.seed,
            cases: plan.options.cases,
            jobs: plan.options.jobs,
            regressions: (!replayed.is_empty()).then(|| {
                (
                    plan.regressions.display().to_string(),
                    replayed.len() as u64,
                    failing,
                )
            }),
            replay: None,
        }),
        partition: args.partition,
    };
    let human = output::is_human(&plan.judge);
    if !human && let Some(fuzz) = &start.fuzz {
        // The seed must not get lost when stdout is a machine's.
        let _ = writeln!(
            anstream::stderr(),
            "{}",
            crate::report::fuzz_header(&target, fuzz)
        );
    }
    report.start(&start)?;
    let show_bar =
        human && !plan.judge.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let bar = Bar::new(plan.options.cases, show_bar);
    let progress: &dyn Progress = if show_bar { &bar } else { &NoProgress };
    let outcome = fuzzer.run(&plan.options, progress);
    bar.0.finish_and_clear();

    let mut summary = crate::contract::Summary::default();
    let mut failures = Vec::new();
    let mut report_one = |failure: &Failure, file: Option<PathBuf>| -> Result<(), SetupError> {
        let reproduce = match (&file, failure.index) {
            (Some(f), _) => Some(replay_command(f)),
            (None, Some(index)) => Some(rerun_command(plan.options.seed, index)),
            _ => None,
        };
        let shown_failure = failure_report(failure, file.as_deref(), reproduce, &shown);
        for doc in &shown_failure.documents {
            summary.add(&doc.report);
        }
        report.fuzz_failure(&shown_failure)?;
        failures.push(shown_failure.failure);
        Ok(())
    };
    for (file, failure) in &replayed {
        if let Some(failure) = failure {
            report_one(failure, Some(file.clone()))?;
        }
    }
    for failure in &outcome.failures {
        let saved = if args.no_regressions {
            None
        } else {
            let regression = Regression {
                about: regressions::ABOUT.into(),
                oracle: failure.oracle.to_owned(),
                message: failure
                    .primary()
                    .map(|v| redactor.redact(&v.message).into_owned())
                    .unwrap_or_default(),
                seed: Some(plan.options.seed),
                index: failure.index,
                found_against: target.clone(),
                case: failure.case.clone(),
            };
            Some(regressions::save(&plan.regressions, &regression)?)
        };
        report_one(failure, saved)?;
    }
    let stats = &outcome.stats;
    let warnings: Vec<String> = outcome.warnings.iter().map(|w| w.message.clone()).collect();
    summary.warnings += warnings.len() as u64 + stats.warnings.values().sum::<u64>();
    let coverage = coverage_of(stats, &plan.require_codes);
    summary.errors += coverage.missing_required.len() as u64;
    let secs = outcome.elapsed.as_secs_f64();
    let failed = !failures.is_empty();
    let mut end = RunEnd::new(summary);
    end.fuzz = Some(FuzzSummary {
        seed: plan.options.seed,
        target,
        cases: stats.cases,
        requests: stats.requests,
        shrink_requests: stats.shrink_requests,
        elapsed_ms: millis(outcome.elapsed),
        cases_per_second: if secs > 0.0 {
            (stats.cases as f64 / secs * 10.0).round() / 10.0
        } else {
            0.0
        },
        inconclusive: stats.inconclusive,
        timed_out: outcome.timed_out,
        regressions_replayed: replayed.len() as u64,
        regressions_failing: failing,
        failures,
        warnings,
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
    });
    end.oracle_warnings = stats
        .warnings
        .iter()
        .map(|(k, v)| ((*k).to_owned(), *v))
        .collect();
    end.coverage = Some(coverage);
    report.finish(&end)?;
    let mut status = end.summary.exit_status(plan.judge.deny_warnings);
    if failed {
        status = status.max(ExitStatus::Violated);
    }
    Ok(status)
}

/// Runs `fuzz` and maps the verdict to an exit code.
#[allow(clippy::print_stderr)]
pub fn run(args: FuzzArgs) -> ExitCode {
    let result = plan(&args).and_then(|plan| run_plan(&args, plan));
    match result {
        Ok(status) => status.into(),
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "ppob-contract fuzz: {e}");
            ExitStatus::Usage.into()
        }
    }
}
