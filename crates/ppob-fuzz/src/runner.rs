//! The run: regressions first, then `cases` generated cases on `jobs`
//! threads, each judged by the oracles; every new failure is shrunk.
//!
//! Case `i` of a run seeded `s` is generated from its own proptest
//! [`TestRunner`](proptest::test_runner::TestRunner) seeded from `(s, i)`,
//! so the same seed gives the same cases whatever `--jobs` is, and a failure
//! is shrunk on the thread that found it, with proptest's value tree.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use proptest::strategy::{SBoxedStrategy, ValueTree};

use super::case::FuzzCase;
use super::exec::{Env, Role, Trace, run_case};
use super::oracle::{Judge, VACUOUS_PASS, Violation};
use super::strategy::{Universe, case_tree, cases};
use ppob_check::flow::RefNumbers;
use ppob_check::flow::classify::Reading;
use ppob_core::contract::Severity;
use ppob_core::partition::Partition;
use ppob_transport::Transport;
use ppob_transport::auth::{BodyMode, Credentials};
use ppob_transport::clock::Clock;
use ppob_transport::rate::RateLimiter;

/// What one worker thread sends through.
pub struct Lane {
    /// The transport.
    pub transport: Arc<dyn Transport>,
    /// Its time (simulated for an in-process simulator).
    pub clock: Arc<dyn Clock>,
    /// How long to wait for an inquiry to expire, when time can be advanced.
    pub expire_after: Option<Duration>,
}

/// Where cases go: makes one [`Lane`] per worker (the in-process simulator
/// gives each worker its own simulator and clock; HTTP shares one client).
pub trait Target: Sync {
    /// For reports: a URL, `simulator (in-process)`.
    fn describe(&self) -> String;
    /// A lane for one worker.
    fn lane(&self) -> Lane;
}

/// Limits on shrinking one failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShrinkLimits {
    /// At most this many candidate cases are tried.
    pub max_steps: u32,
    /// Shrinking stops after this long.
    pub max_time: Duration,
}

/// How a run goes.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The seed every case derives from.
    pub seed: u64,
    /// How many cases to generate.
    pub cases: u64,
    /// Stop generating after this long.
    pub max_time: Option<Duration>,
    /// Worker threads.
    pub jobs: usize,
    /// Shrinking limits.
    pub shrink: ShrinkLimits,
    /// Stop after this many distinct failures.
    pub max_failures: usize,
    /// The shard of the case indices `0..cases` this run generates
    /// (`--partition K/N`; [`Partition::whole`] for all of them).
    pub partition: Partition,
}

impl RunOptions {
    /// The case indices of this run's shard, in order: `k-1, k-1+n, …` below `cases`.
    fn index(&self, nth: u64) -> Option<u64> {
        let p = self.partition;
        nth.checked_mul(p.shards())
            .and_then(|i| i.checked_add(p.shard() - 1))
            .filter(|&i| i < self.cases)
    }

    /// How many cases this run's shard holds.
    pub fn planned(&self) -> u64 {
        self.partition.count_of(self.cases)
    }
}

/// Told what the run does, e.g. to draw a progress bar. Defaults do nothing.
pub trait Progress: Sync {
    /// A case was judged.
    fn case_done(&self) {}
    /// A failure was found and is being shrunk.
    fn shrinking(&self, _oracle: &str) {}
}

/// Progress that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// Counts over a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Cases judged (regressions not included).
    pub cases: u64,
    /// Requests sent for them (shrinking not included).
    pub requests: u64,
    /// Requests sent while shrinking.
    pub shrink_requests: u64,
    /// Cases that stopped before their target request.
    pub inconclusive: u64,
    /// Cases per scenario.
    pub scenarios: BTreeMap<&'static str, u64>,
    /// Cases per variant.
    pub variants: BTreeMap<&'static str, u64>,
    /// Answers per responseCode.
    pub codes: BTreeMap<i64, u64>,
    /// Answers that were HTTP 401/403.
    pub auth_refusals: u64,
    /// Answers of any kind.
    pub answers: u64,
    /// Inquiries answered 300.
    pub inquiries_ok: u64,
    /// Valid payments answered success or processing.
    pub payments_accepted: u64,
    /// Warning-severity violations per oracle.
    pub warnings: BTreeMap<&'static str, u64>,
    /// Requests per operation and the response code answered (`None`: no
    /// usable code — refusal, timeout, not an envelope), for coverage.
    pub answered: BTreeMap<(ppob_core::contract::Operation, Option<i64>), u64>,
}

impl Stats {
    fn add(&mut self, case: &FuzzCase, trace: &Trace) {
        self.cases += 1;
        self.requests += trace.steps.len() as u64;
        self.inconclusive += u64::from(trace.inconclusive.is_some());
        *self.scenarios.entry(case.scenario.name()).or_default() += 1;
        *self.variants.entry(case.variant()).or_default() += 1;
        for step in &trace.steps {
            let code = match &step.reading {
                Reading::Envelope { code, .. } => Some(*code),
                _ => None,
            };
            *self.answered.entry((step.operation(), code)).or_default() += 1;
            match &step.reading {
                Reading::Envelope { code, .. } => {
                    self.answers += 1;
                    *self.codes.entry(*code).or_default() += 1;
                    let op = step.operation();
                    if op == ppob_core::contract::Operation::Inquiry && *code == 300 {
                        self.inquiries_ok += 1;
                    }
                    let valid_payment = op == ppob_core::contract::Operation::Payment
                        && (step.role == Role::Setup || !case.is_negative());
                    if valid_payment && matches!(code, 0..=99 | 200..=299) {
                        self.payments_accepted += 1;
                    }
                }
                Reading::AuthRefused { .. } => {
                    self.answers += 1;
                    self.auth_refusals += 1;
                }
                Reading::Unusable(u) => {
                    self.answers += u64::from(u.http_status().is_some());
                }
            }
        }
    }

    fn merge(&mut self, other: Stats) {
        self.cases += other.cases;
        self.requests += other.requests;
        self.shrink_requests += other.shrink_requests;
        self.inconclusive += other.inconclusive;
        self.auth_refusals += other.auth_refusals;
        self.answers += other.answers;
        self.inquiries_ok += other.inquiries_ok;
        self.payments_accepted += other.payments_accepted;
        for (k, v) in other.scenarios {
            *self.scenarios.entry(k).or_default() += v;
        }
        for (k, v) in other.variants {
            *self.variants.entry(k).or_default() += v;
        }
        for (k, v) in other.codes {
            *self.codes.entry(k).or_default() += v;
        }
        for (k, v) in other.warnings {
            *self.warnings.entry(k).or_default() += v;
        }
        for (k, v) in other.answered {
            *self.answered.entry(k).or_default() += v;
        }
    }
}

/// A failing case, shrunk.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The oracle of its first error.
    pub oracle: &'static str,
    /// The case's number in the run (`None` for a replayed regression).
    pub index: Option<u64>,
    /// The case as generated.
    pub original: FuzzCase,
    /// The smallest case that still fails the same way.
    pub case: FuzzCase,
    /// What happened in the last run of `case`.
    pub trace: Trace,
    /// Everything the oracles said about it.
    pub violations: Vec<Violation>,
    /// Candidate cases tried while shrinking.
    pub shrink_steps: u32,
}

impl Failure {
    /// The violation that names the failure.
    pub fn primary(&self) -> Option<&Violation> {
        self.violations
            .iter()
            .find(|v| v.severity == Severity::Error)
    }
}

/// A run-level warning (a pass that means little).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunWarning {
    /// The rule id (`fuzz.vacuous-pass`).
    pub rule: &'static str,
    /// What it means.
    pub message: String,
}

/// What a run found.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Counts.
    pub stats: Stats,
    /// Distinct failures, in case order.
    pub failures: Vec<Failure>,
    /// Why the run's pass may mean little.
    pub warnings: Vec<RunWarning>,
    /// How long generation and judging took.
    pub elapsed: Duration,
    /// Whether `--max-time` stopped generation early.
    pub timed_out: bool,
}

/// The fixed parts of a run.
pub struct Fuzzer<'a> {
    /// Where cases go.
    pub target: &'a dyn Target,
    /// The oracles.
    pub judge: Judge<'a>,
    /// Signs requests.
    pub credentials: &'a Credentials,
    /// Token-only or token and body.
    pub body_mode: BodyMode,
    /// Makes refNumbers.
    pub refs: &'a RefNumbers,
    /// The `--rate` cap.
    pub rate: Option<&'a RateLimiter>,
    /// What cases may name.
    pub universe: &'a Universe,
}

/// The oracle and the key of a failure's first error.
type Signature = (&'static str, String);

impl Fuzzer<'_> {
    fn env<'l>(&'l self, lane: &'l Lane) -> Env<'l> {
        Env {
            transport: lane.transport.as_ref(),
            credentials: self.credentials,
            body_mode: self.body_mode,
            clock: lane.clock.as_ref(),
            refs: self.refs,
            expire_after: lane.expire_after,
            rate: self.rate,
        }
    }

    /// Runs one case once and judges it: `Some` failure when an oracle's
    /// error fired. Used for regressions and `--replay`.
    pub fn check_one(&self, case: &FuzzCase) -> (Trace, Option<Failure>) {
        let lane = self.target.lane();
        let env = self.env(&lane);
        let trace = run_case(case, &env);
        let violations = self.judge.judge(case, &trace);
        let failure = violations
            .iter()
            .find(|v| v.severity == Severity::Error)
            .map(|v| Failure {
                oracle: v.oracle,
                index: None,
                original: case.clone(),
                case: case.clone(),
                trace: trace.clone(),
                violations: violations.clone(),
                shrink_steps: 0,
            });
        (trace, failure)
    }

    /// Generates and judges cases; shrinks each new kind of failure.
    pub fn run(&self, options: &RunOptions, progress: &dyn Progress) -> Outcome {
        let strategy = cases(self.universe);
        let started = Instant::now();
        let next = AtomicU64::new(0);
        let stop = AtomicBool::new(false);
        let timed_out = AtomicBool::new(false);
        let failures: Mutex<BTreeMap<Signature, Failure>> = Mutex::new(BTreeMap::new());
        let totals = Mutex::new(Stats::default());
        let deadline = options.max_time.map(|t| started + t);
        std::thread::scope(|scope| {
            for _ in 0..options.jobs.max(1) {
                scope.spawn(|| {
                    let stats = self.worker(
                        options, &strategy, &next, &stop, &timed_out, deadline, &failures, progress,
                    );
                    lock(&totals).merge(stats);
                });
            }
        });
        let stats = lock(&totals).clone();
        let mut failures: Vec<Failure> = lock(&failures).values().cloned().collect();
        failures.sort_by_key(|f| f.index);
        let warnings = if failures.is_empty() {
            vacuous(&stats, options)
        } else {
            Vec::new()
        };
        Outcome {
            stats,
            failures,
            warnings,
            elapsed: started.elapsed(),
            timed_out: timed_out.load(Ordering::Relaxed),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn worker(
        &self,
        options: &RunOptions,
        strategy: &SBoxedStrategy<FuzzCase>,
        next: &AtomicU64,
        stop: &AtomicBool,
        timed_out: &AtomicBool,
        deadline: Option<Instant>,
        failures: &Mutex<BTreeMap<Signature, Failure>>,
        progress: &dyn Progress,
    ) -> Stats {
        let lane = self.target.lane();
        let env = self.env(&lane);
        let mut stats = Stats::default();
        while !stop.load(Ordering::Relaxed) {
            if deadline.is_some_and(|d| Instant::now() >= d) {
                timed_out.store(true, Ordering::Relaxed);
                break;
            }
            let Some(index) = options.index(next.fetch_add(1, Ordering::Relaxed)) else {
                break;
            };
            let Some(tree) = case_tree(strategy, options.seed, index) else {
                continue;
            };
            let case = tree.current();
            let trace = run_case(&case, &env);
            stats.add(&case, &trace);
            let violations = self.judge.judge(&case, &trace);
            for v in violations
                .iter()
                .filter(|v| v.severity == Severity::Warning)
            {
                *stats.warnings.entry(v.oracle).or_default() += 1;
            }
            progress.case_done();
            let Some(first) = violations.iter().find(|v| v.severity == Severity::Error) else {
                continue;
            };
            let signature = (first.oracle, first.key.clone());
            let known_earlier = lock(failures)
                .get(&signature)
                .is_some_and(|f| f.index.is_some_and(|i| i < index));
            if known_earlier {
                continue;
            }
            progress.shrinking(first.oracle);
            let failure = self.shrink(
                tree,
                case,
                trace,
                violations,
                index,
                signature.clone(),
                options,
                &env,
                &mut stats,
            );
            let mut found = lock(failures);
            let replace = found
                .get(&signature)
                .is_none_or(|f| f.index.is_some_and(|i| i > index));
            if replace {
                found.insert(signature, failure);
            }
            if found.len() >= options.max_failures {
                stop.store(true, Ordering::Relaxed);
            }
        }
        stats
    }

    #[allow(clippy::too_many_arguments)]
    fn shrink(
        &self,
        mut tree: Box<dyn ValueTree<Value = FuzzCase>>,
        original: FuzzCase,
        trace: Trace,
        violations: Vec<Violation>,
        index: u64,
        signature: Signature,
        options: &RunOptions,
        env: &Env<'_>,
        stats: &mut Stats,
    ) -> Failure {
        let mut best = Failure {
            oracle: signature.0,
            index: Some(index),
            original: original.clone(),
            case: original,
            trace,
            violations,
            shrink_steps: 0,
        };
        let started = Instant::now();
        let mut steps = 0u32;
        if !tree.simplify() {
            return best;
        }
        while steps < options.shrink.max_steps && started.elapsed() < options.shrink.max_time {
            steps += 1;
            let candidate = tree.current();
            let trace = run_case(&candidate, env);
            stats.shrink_requests += trace.steps.len() as u64;
            let violations = self.judge.judge(&candidate, &trace);
            let same = violations
                .iter()
                .find(|v| v.severity == Severity::Error)
                .is_some_and(|v| v.oracle == signature.0 && v.key == signature.1);
            let more = if same {
                best.case = candidate;
                best.trace = trace;
                best.violations = violations;
                tree.simplify()
            } else {
                tree.complicate()
            };
            if !more {
                break;
            }
        }
        best.shrink_steps = steps;
        best
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Why a passing run may mean little.
fn vacuous(stats: &Stats, options: &RunOptions) -> Vec<RunWarning> {
    let mut out = Vec::new();
    let mut warn = |message: String| {
        out.push(RunWarning {
            rule: VACUOUS_PASS,
            message,
        });
    };
    if stats.answers == 0 {
        warn("no request got any answer: nothing was checked".into());
        return out;
    }
    if stats.auth_refusals == stats.answers {
        warn(format!(
            "all {} answers were auth refusals (HTTP 401/403): check PPOB_API_KEY, PPOB_API_SECRET and --body-mode",
            stats.answers
        ));
    }
    if stats.inquiries_ok == 0 {
        warn("no inquiry found a bill (code 300): payment, duplicate and money cases never reached their payment; give payable accounts with --account".into());
    } else if stats.payments_accepted == 0 {
        warn("no valid payment was accepted (0-99 or 299): the money and duplicate oracles had nothing to check".into());
    }
    if stats.cases < options.planned() / 10 {
        warn(format!(
            "only {} of {} cases ran (--max-time): raise it or lower --cases",
            stats.cases,
            options.planned()
        ));
    }
    let inconclusive = stats.inconclusive * 2;
    if inconclusive > stats.cases {
        warn(format!(
            "{} of {} cases stopped before their target request (their setup inquiry found no bill)",
            stats.inconclusive, stats.cases
        ));
    }
    out
}
