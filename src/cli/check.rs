//! `ppob-contract check`: runs inquiry → payment → status cases against the
//! in-process simulator, a sandbox (`--target`), or cassettes (`--replay`).

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::connection::{Connection, ConnectionArgs, ConnectionError};
use super::judge::JudgeArgs;
use super::output::{self, CoverageArgs, ReportArgs};
use super::sim_args::{SimArgs, parse_duration};
use crate::contract::{Operation, Summary};
use crate::exit::{ExitStatus, is_closed_pipe};
use crate::flow::conversation::DEFAULT_MAX_AMOUNT;
use crate::flow::refs::DEFAULT_PREFIX;
use crate::flow::{Case, CaseRun, Expectation, Flow, Observer, Pacing, RefNumbers, StepDocument};
use crate::partition::Partition;
use crate::report::{CaseEnd, CaseStart, Command, CoverageTally, Reporter, RunEnd, RunInfo};
use crate::sim::accounts::{InquiryOutcome, PaymentOutcome};
use crate::sim::{Fault, SimTransport, Simulator, TestAccount};
use crate::transport::Transport;
use crate::transport::auth::{BodyMode, Credentials};
use crate::transport::cassette::CassetteMeta;
use crate::transport::clock::{Clock, ManualClock, SystemClock};
use crate::transport::http::HttpTransport;
use crate::transport::record::Recorder;
use crate::transport::redact::Redactor;
use crate::transport::replay::{Replay, cassettes_in};

/// Arguments of `check`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  ppob-contract check                                   the built-in simulator's test accounts
  ppob-contract check --case 0811111111 --case 0811111113=failed:302
  PPOB_API_KEY=… PPOB_API_SECRET=… ppob-contract check --target https://sandbox.example --config ppob-contract.toml
  ppob-contract check --target http://127.0.0.1:8080 --record cassettes/   (a running `ppob-contract mock`)
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
ended otherwise than expected, 2 bad usage or config, sandbox unreachable, credentials refused.")]
pub struct CheckArgs {
    /// A case to run (repeatable): ACCOUNT[@PRODUCT][=EXPECT]. Default: the config file's
    /// cases, or on the simulator every test account.
    #[arg(long = "case", value_name = "ACCOUNT[@PRODUCT][=EXPECT]")]
    pub cases: Vec<Case>,

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

    /// Run only shard K of N (1 ≤ K ≤ N) of the cases, e.g. on a CI matrix: case i (0-based,
    /// in run order) belongs to shard (i mod N)+1. The N shards together are the whole run.
    #[arg(long, value_name = "K/N")]
    pub partition: Option<Partition>,

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
}

/// A problem that stops the run before any case (exit code 2).
#[derive(Debug, thiserror::Error)]
enum SetupError {
    #[error("{0}")]
    Connection(#[from] ConnectionError),
    #[error("{0}")]
    Cassette(#[from] crate::transport::cassette::CassetteError),
    #[error(
        "no cases to run against {0}: give --case ACCOUNT[@PRODUCT][=EXPECT] or [[case]] tables in ppob-contract.toml"
    )]
    NoCases(String),
    #[error("{0}")]
    Config(String),
    #[error("{path}: the cassette's case expectation `{expect}`: {error}")]
    CassetteExpectation {
        path: PathBuf,
        expect: String,
        error: crate::flow::case::ExpectationError,
    },
}

/// Where the cases run.
enum Target {
    Simulator(Arc<Simulator>),
    Http(Arc<HttpTransport>),
    Replay(Vec<(PathBuf, Arc<Replay>)>),
}

/// Everything decided before the first case.
struct Plan {
    target: Target,
    cases: Vec<Case>,
    credentials: Credentials,
    body_mode: BodyMode,
    pacing: Pacing,
    clock: Arc<dyn Clock>,
    ref_prefix: String,
    timeout: Duration,
    max_amount: Option<u64>,
    /// The judging options, the config file's `[severity]` and `[report]` merged in.
    judge: JudgeArgs,
    /// `--report` files from the config file.
    report_files: Vec<crate::report::FileSpec>,
    /// Codes the target must answer.
    require_codes: Vec<i64>,
}

impl Plan {
    /// Where the cases run, for reports.
    fn describe(&self) -> String {
        match &self.target {
            Target::Simulator(_) => "the in-process simulator".to_owned(),
            Target::Http(t) => t.describe(),
            Target::Replay(replays) => format!("{} cassettes", replays.len()),
        }
    }
}

fn plan(args: &CheckArgs) -> Result<Plan, SetupError> {
    let connection = Connection::resolve(&args.connection)?;
    let partition = args.partition.unwrap_or_else(Partition::whole);
    let timeout = connection.timeout;
    let config = &connection.config;
    let (target, credentials, base_pacing, clock): (Target, _, _, Arc<dyn Clock>) =
        if let Some(dir) = &args.replay {
            let replays = partition
                .select(cassettes_in(dir)?)
                .into_iter()
                .map(|path| Replay::open(&path).map(|r| (path, Arc::new(r))))
                .collect::<Result<Vec<_>, _>>()?;
            let credentials = connection.credentials_or_demo();
            (
                Target::Replay(replays),
                credentials,
                Pacing::immediate(),
                Arc::new(ManualClock::new()),
            )
        } else if let Some(url) = &connection.target {
            let (transport, credentials) = connection.http(url)?;
            (
                Target::Http(Arc::new(transport)),
                credentials,
                Pacing::sandbox(),
                Arc::new(SystemClock::new()),
            )
        } else {
            let credentials = connection.credentials_or_demo();
            let clock: Arc<dyn Clock> = Arc::new(ManualClock::new());
            let sim = Simulator::new(args.sim.config(credentials.clone()), clock.clone());
            (
                Target::Simulator(Arc::new(sim)),
                credentials,
                Pacing::simulator(),
                clock,
            )
        };
    let mut pacing = config.polling.apply(base_pacing);
    if !matches!(target, Target::Replay(_)) {
        pacing.first_wait = args.first_wait.unwrap_or(pacing.first_wait);
        pacing.interval = args.interval.unwrap_or(pacing.interval);
        pacing.deadline = args.deadline.unwrap_or(pacing.deadline);
    }
    let max_amount = matches!(target, Target::Http(_)).then(|| {
        args.max_amount
            .or(config.max_amount)
            .unwrap_or(DEFAULT_MAX_AMOUNT)
    });
    let mut cases = match &target {
        Target::Replay(replays) => replays
            .iter()
            .map(|(path, replay)| case_of_cassette(path, replay))
            .collect::<Result<Vec<_>, _>>()?,
        _ if !args.cases.is_empty() => args.cases.clone(),
        _ if !config.cases.is_empty() => config.cases.clone(),
        Target::Simulator(_) => simulator_suite(),
        Target::Http(t) => return Err(SetupError::NoCases(t.describe())),
    };
    if !matches!(target, Target::Replay(_)) {
        cases = partition.select(cases);
    }
    if let Target::Simulator(_) = target {
        for case in cases.iter_mut().filter(|c| c.about.is_none()) {
            case.about = crate::sim::accounts::account(&case.account)
                .map(|(_, account)| account.behaviour.to_owned());
        }
    }
    let merged = super::output::from_config(&args.judge, Some(&args.coverage), config)
        .map_err(SetupError::Config)?;
    Ok(Plan {
        judge: merged.judge,
        report_files: merged.files,
        require_codes: merged.require_codes,
        target,
        cases,
        credentials,
        body_mode: connection.body_mode,
        pacing,
        clock,
        ref_prefix: config
            .ref_prefix
            .clone()
            .unwrap_or_else(|| DEFAULT_PREFIX.to_owned()),
        timeout,
        max_amount,
    })
}

/// The case a cassette replays: its recorded name and expectation, the
/// account and product of its recorded inquiry.
fn case_of_cassette(path: &Path, replay: &Replay) -> Result<Case, SetupError> {
    let meta = replay.meta();
    let stem = path.file_stem().map_or_else(
        || "cassette".to_owned(),
        |s| s.to_string_lossy().into_owned(),
    );
    let mut case = Case::new(
        replay
            .recorded_field(Operation::Inquiry, "accountNumber")
            .unwrap_or_default(),
    );
    if let Some(product) = replay.recorded_field(Operation::Inquiry, "productCode") {
        case.product = product;
    }
    case.name = meta.map_or(stem, |m| m.case.clone());
    if let Some(expect) = meta.and_then(|m| m.expect.as_deref()) {
        case.expect =
            expect
                .parse::<Expectation>()
                .map_err(|error| SetupError::CassetteExpectation {
                    path: path.to_owned(),
                    expect: expect.to_owned(),
                    error,
                })?;
    }
    Ok(case)
}

/// Every seeded test account of the simulator, expecting the outcome its
/// behaviour documents. The drift account is left out: its answers break the
/// contract on purpose (`--case 0811111126` runs it).
fn simulator_suite() -> Vec<Case> {
    crate::sim::test_accounts()
        .iter()
        .filter_map(|account| {
            let mut case = Case::new(account.number);
            case.expect = expectation_of(account)?;
            case.about = Some(account.behaviour.to_owned());
            Some(case)
        })
        .collect()
}

/// What a correct client reports for a seeded account; `None` for drift.
fn expectation_of(account: &TestAccount) -> Option<Expectation> {
    let faults = || account.faults.iter().map(|rule| rule.fault);
    if faults().any(|f| f == Fault::Drift) {
        return None;
    }
    if faults().any(|f| f == Fault::PendingForever) {
        return Some(Expectation::Pending);
    }
    Some(match (account.inquiry, account.payment) {
        (InquiryOutcome::Fails(code), _) => Expectation::Failed(vec![code]),
        (_, PaymentOutcome::Settles(0..=99)) => Expectation::Success,
        (_, PaymentOutcome::Settles(code) | PaymentOutcome::Rejected(code)) => {
            Expectation::Failed(vec![code])
        }
    })
}

/// A spinner on stderr while check waits on status (hidden when stderr is not a terminal).
#[derive(Default)]
struct Progress {
    bar: Mutex<Option<ProgressBar>>,
}

impl Observer for Progress {
    fn waiting(&self, case: &str, duration: Duration, why: &str) {
        let bar = ProgressBar::new_spinner().with_message(format!(
            "{case}: {why} ({})",
            humantime::format_duration(duration)
        ));
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(200));
        if let Ok(mut slot) = self.bar.lock() {
            *slot = Some(bar);
        }
    }

    fn waited(&self, _case: &str) {
        if let Ok(mut slot) = self.bar.lock()
            && let Some(bar) = slot.take()
        {
            bar.finish_and_clear();
        }
    }
}

/// Removes credentials and TOKENs from a document before it is shown.
fn redact(redactor: &Redactor, doc: &mut StepDocument) {
    if let std::borrow::Cow::Owned(clean) = redactor.redact_bytes(&doc.bytes) {
        doc.bytes = clean;
    }
    for f in &mut doc.report.findings {
        f.message = redactor.redact(&f.message).into_owned();
        for text in [&mut f.expected, &mut f.actual].into_iter().flatten() {
            *text = redactor.redact(text).into_owned();
        }
    }
}

/// Counts what the target answered in one case.
fn tally(coverage: &mut CoverageTally, run: &CaseRun) {
    coverage.scenario(&run.case.expect.to_string(), 1);
    for doc in &run.documents {
        let Some(step) = doc.report.step.as_ref().filter(|s| s.side == "response") else {
            continue;
        };
        if let Some(operation) = Operation::ALL
            .into_iter()
            .find(|op| op.name() == step.operation)
        {
            coverage.answered_with(operation, &doc.bytes);
        }
    }
}

fn run_plan(args: &CheckArgs, plan: Plan) -> io::Result<ExitStatus> {
    let engine = plan.judge.engine();
    let redactor = Redactor::new(Some(&plan.credentials));
    let refs = RefNumbers::new(&plan.ref_prefix);
    let progress = Progress::default();
    let quiet = crate::flow::Quiet;
    let (mut report, _files) = output::open(&plan.judge, &args.report, &plan.report_files)
        .map_err(|e| io::Error::other(e.to_string()))?;
    let observer: &dyn Observer = match plan.target {
        Target::Http(_) => &progress,
        _ => &quiet,
    };
    let (transports, cassettes): (Vec<Arc<dyn Transport>>, Vec<Option<String>>) = match &plan.target
    {
        Target::Simulator(sim) => {
            let t: Arc<dyn Transport> = Arc::new(SimTransport::new(
                sim.clone(),
                plan.clock.clone(),
                plan.timeout,
            ));
            (vec![t; plan.cases.len()], vec![None; plan.cases.len()])
        }
        Target::Http(http) => (
            vec![http.clone() as Arc<dyn Transport>; plan.cases.len()],
            vec![None; plan.cases.len()],
        ),
        Target::Replay(replays) => replays
            .iter()
            .map(|(path, r)| {
                (
                    r.clone() as Arc<dyn Transport>,
                    Some(path.display().to_string()),
                )
            })
            .unzip(),
    };
    report.start(&RunInfo {
        command: Command::Check,
        target: Some(plan.describe()),
        fuzz: None,
        partition: args.partition,
    })?;
    let mut summary = Summary::default();
    let mut cases = Vec::new();
    let mut coverage = CoverageTally::default();
    for ((case, transport), cassette) in plan.cases.iter().zip(transports).zip(cassettes) {
        let recorder = args
            .record
            .as_ref()
            .map(|_| Recorder::new(transport.clone()));
        let transport: &dyn Transport = match &recorder {
            Some(r) => r,
            None => transport.as_ref(),
        };
        let flow = Flow {
            transport,
            engine: &engine,
            credentials: &plan.credentials,
            body_mode: plan.body_mode,
            pacing: plan.pacing,
            clock: plan.clock.as_ref(),
            observer,
            refs: &refs,
            max_amount: plan.max_amount,
        };
        let mut run = flow.run(case);
        for doc in &mut run.documents {
            redact(&redactor, doc);
        }
        if let Some((rule, message)) = run.setup_problem() {
            return Err(io::Error::other(format!(
                "error[{rule}] in case {}: {message}; no further case was run",
                case.name
            )));
        }
        report.case_started(&CaseStart {
            name: case.name.clone(),
            about: case.about.clone(),
            expected: case.expect.to_string(),
            cassette: cassette.clone(),
        })?;
        for doc in &run.documents {
            summary.add(&doc.report);
            report.document(&doc.report, &doc.bytes, 1)?;
        }
        tally(&mut coverage, &run);
        let mut cassette = cassette;
        if let (Some(dir), Some(recorder)) = (&args.record, &recorder) {
            let meta = CassetteMeta {
                case: case.name.clone(),
                expect: Some(case.expect.to_string()),
            };
            let path = recorder
                .save(dir, &meta, &redactor)
                .map_err(io::Error::other)?;
            cassette = Some(path.display().to_string());
        }
        let case_summary = run.summary();
        report.case_finished(&CaseEnd {
            summary: case_summary.clone(),
            cassette,
        })?;
        cases.push(case_summary);
    }
    let coverage = coverage.finish(&plan.require_codes);
    summary.errors += coverage.missing_required.len() as u64;
    let mut end = RunEnd::new(summary);
    end.cases = cases;
    end.coverage = Some(coverage);
    report.finish(&end)?;
    let mut status = end.summary.exit_status(plan.judge.deny_warnings);
    if end.cases.iter().any(|c| !c.met) {
        status = status.max(ExitStatus::Violated);
    }
    Ok(status)
}

/// Runs `check` and maps the verdict to an exit code.
#[allow(clippy::print_stderr)]
pub fn run(args: CheckArgs) -> ExitCode {
    let plan = match plan(&args) {
        Ok(plan) => plan,
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "ppob-contract check: {e}");
            return ExitStatus::Usage.into();
        }
    };
    let result = run_plan(&args, plan);
    if let Err(e) = &result
        && !is_closed_pipe(e)
    {
        let _ = writeln!(anstream::stderr(), "ppob-contract check: {e}");
    }
    ExitStatus::of_result(&result).into()
}
