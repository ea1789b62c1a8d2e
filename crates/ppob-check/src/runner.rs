//! Runs a [`CheckPlan`]: `jobs` workers take cases in order; the calling
//! thread reports each finished case once every case before it was reported
//! (so the report streams and its order never depends on timing), stops the
//! run at the first setup problem, and on a stop request reports what ended,
//! names what did not, and returns without waiting for requests in flight.

use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::plan::{CheckPlan, CheckTarget};
use crate::callback::{CallbackSource, InProcess, Inbox, Listening, Receiver};
use crate::flow::{CaseRun, Flow, Observer, RefNumbers, StepDocument, TargetContact};
use ppob_core::contract::{Operation, Summary};
use ppob_core::exit::ExitStatus;
use ppob_report::{
    CaseEnd, CaseStart, Command, CoverageTally, InterruptedCase, Reporter, RunEnd, RunInfo,
    SetupProblem,
};
use ppob_sim::{SimTransport, Simulator};
use ppob_transport::cassette::{CassetteError, CassetteMeta};
use ppob_transport::clock::{Clock, Interruptible, ManualClock, SystemClock};
use ppob_transport::gate::Gate;
use ppob_transport::rate::RateLimiter;
use ppob_transport::record::Recorder;
use ppob_transport::redact::Redactor;
use ppob_transport::stop::Stop;
use ppob_transport::{Transport, TransportError};

/// How a run ended.
#[derive(Debug)]
pub struct CheckOutcome {
    /// The exit status the run's verdict maps to.
    pub status: ExitStatus,
    /// What the reporter was told at the end: totals, cases, coverage, the
    /// interrupted cases, and whether the run got to its end.
    pub end: RunEnd,
}

/// Why a run stopped without a verdict.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckError {
    /// The target could not be used at all (unreachable, credentials
    /// refused, not the API): reported once, no further case was run.
    #[error("error[{rule}] in case {case}: {message}; no further case was run")]
    Setup {
        /// The `setup.*` rule.
        rule: String,
        /// The case it happened in.
        case: String,
        /// What happened and what to check.
        message: String,
    },
    /// The reporter could not write.
    #[error("{0}")]
    Report(#[from] io::Error),
    /// A cassette could not be written.
    #[error("{0}")]
    Record(#[from] CassetteError),
    /// The callback receiver could not listen (`--callback-listen`).
    #[error(
        "cannot listen for callbacks on {addr}: {error}; choose another address or port (port 0 picks a free one)"
    )]
    Listen {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// Why not.
        error: io::Error,
    },
}

/// A case some worker is running.
struct Running {
    /// refNumbers of payments sent, whose outcome the case had not settled.
    payments: Vec<String>,
    recorder: Option<Arc<Recorder<Arc<dyn Transport>>>>,
}

type Board = Arc<Mutex<BTreeMap<usize, Running>>>;

fn lock(board: &Board) -> std::sync::MutexGuard<'_, BTreeMap<usize, Running>> {
    board.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What a worker hands back for case `index`.
enum Done {
    Finished(usize, Box<CaseRun>),
    /// A request of the case was held back by the stop request: what it
    /// judged before, its first `sent` exchanges.
    Interrupted(usize, Box<CaseRun>, usize),
}

/// What a worker handed back for a case, kept until it is reported in order.
enum Ended {
    /// The case ran to its end.
    Finished(CaseRun),
    /// The stop cut it short after it had sent this many exchanges.
    Interrupted(CaseRun, usize),
}

/// How long a stopped run waits for its running cases to hand back what
/// they judged (a wait is cut within 100 ms; a request in flight may not be).
const PARTIAL_WAIT: Duration = Duration::from_secs(1);

/// The observer a case runs with: notes its payments, then tells the
/// caller's observer.
struct CaseWatch {
    index: usize,
    board: Board,
    inner: Arc<dyn Observer + Send>,
}

impl Observer for CaseWatch {
    fn case_started(&self, case: &str) {
        self.inner.case_started(case);
    }

    fn case_ended(&self, case: &str) {
        self.inner.case_ended(case);
    }

    fn waiting(&self, case: &str, duration: Duration, why: &str) {
        self.inner.waiting(case, duration, why);
    }

    fn waited(&self, case: &str) {
        self.inner.waited(case);
    }

    fn paying(&self, case: &str, ref_number: &str) {
        if let Some(running) = lock(&self.board).get_mut(&self.index) {
            running.payments.push(ref_number.to_owned());
        }
        self.inner.paying(case, ref_number);
    }
}

/// What case `index` runs on.
struct Lane {
    transport: Arc<dyn Transport>,
    clock: Arc<dyn Clock>,
    /// Where its payment's callbacks come from, when they are judged.
    callbacks: Option<Arc<dyn CallbackSource>>,
}

/// The transport, clock and callback source case `index` runs on.
fn lane(shared: &Shared, index: usize) -> Lane {
    let plan = &shared.plan;
    match &plan.target {
        CheckTarget::Simulator(config) => {
            let clock: Arc<dyn Clock> = Arc::new(ManualClock::new());
            let sim = Arc::new(Simulator::new(config.clone(), clock.clone()));
            let callbacks = plan.callbacks.as_ref().map(|callbacks| {
                let url = callbacks
                    .url
                    .clone()
                    .unwrap_or_else(|| crate::callback::IN_PROCESS_URL.to_owned());
                Arc::new(InProcess::new(sim.clone(), clock.clone(), url)) as Arc<dyn CallbackSource>
            });
            let transport = SimTransport::new(sim, clock.clone(), plan.timeout);
            Lane {
                transport: Arc::new(transport),
                clock,
                callbacks,
            }
        }
        CheckTarget::Live(transport) => Lane {
            transport: transport.clone(),
            clock: shared.clock.clone(),
            callbacks: shared.listening.clone(),
        },
        CheckTarget::Replay(replays) => {
            let transport: Arc<dyn Transport> = match replays.get(index) {
                Some((_, replay)) => replay.clone(),
                None => Arc::new(NoCassette),
            };
            Lane {
                transport,
                clock: Arc::new(ManualClock::new()),
                callbacks: None,
            }
        }
    }
}

/// Stands in for a cassette a replay plan lacks (a plan built by hand with
/// more cases than cassettes): every request fails, nothing panics.
#[derive(Debug)]
struct NoCassette;

impl Transport for NoCassette {
    fn send(&self, request: ppob_transport::WireRequest) -> ppob_transport::Exchange {
        ppob_transport::Exchange {
            request,
            response: Err(TransportError::Replay(
                "no cassette for this case".to_owned(),
            )),
            started: std::time::SystemTime::UNIX_EPOCH,
            elapsed: Duration::ZERO,
        }
    }

    fn describe(&self) -> String {
        "no cassette".to_owned()
    }

    fn is_replay(&self) -> bool {
        true
    }
}

/// Everything a worker needs, shared.
struct Shared {
    plan: Arc<CheckPlan>,
    refs: RefNumbers,
    rate: Option<Arc<RateLimiter>>,
    stop: Arc<Stop>,
    board: Board,
    next: AtomicUsize,
    observer: Arc<dyn Observer + Send>,
    clock: Arc<dyn Clock>,
    /// Whether the target has answered the API yet (until then, an answer
    /// that is not the API is a setup error).
    contact: TargetContact,
    /// Against a live target: whether the first case cleared the way.
    warmup: AtomicU8,
    /// Against a live target with `--callback-listen`: the receiver's inbox.
    listening: Option<Arc<dyn CallbackSource>>,
}

/// The first case against a live target is still running.
const WARMING: u8 = 0;
/// The target answered, or the first case ended without a setup problem.
const OPEN: u8 = 1;
/// A case found a setup problem: no other case starts.
const CLOSED: u8 = 2;

impl Shared {
    /// Waits (against a live target) until the first case has shown the
    /// target usable, so that a wrong address or wrong credentials cost one
    /// request rather than one per worker. False: do not start any case.
    fn cleared(&self) -> bool {
        if !self.plan.target.is_live() {
            return true;
        }
        loop {
            let state = self.warmup.load(Ordering::SeqCst);
            if self.stop.is_requested() || state == CLOSED {
                return false;
            }
            if self.contact.has_answered_api() {
                return true;
            }
            match state {
                OPEN => return true,
                CLOSED => return false,
                _ => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }
}

/// Takes cases until none is left or a stop was asked. Worker 0 starts at
/// once; the others wait until the first case has cleared the target.
fn work(shared: &Shared, done: &mpsc::Sender<Done>, worker: usize) {
    let plan = &shared.plan;
    if worker > 0 && !shared.cleared() {
        return;
    }
    loop {
        if shared.stop.is_requested() || shared.warmup.load(Ordering::SeqCst) == CLOSED {
            return;
        }
        let index = shared.next.fetch_add(1, Ordering::SeqCst);
        let Some(case) = plan.cases.get(index) else {
            return;
        };
        let Lane {
            transport,
            clock,
            callbacks,
        } = lane(shared, index);
        let recorder = plan
            .record
            .as_ref()
            .map(|_| Arc::new(Recorder::new(transport.clone())));
        let sent: Arc<dyn Transport> = match &recorder {
            Some(r) => r.clone(),
            None => transport,
        };
        let gate = Gate::new(sent, shared.rate.clone(), shared.stop.clone());
        // Real waits end at a stop; simulated ones take no time anyway.
        let clock: Arc<dyn Clock> = if plan.target.is_live() {
            Arc::new(Interruptible::new(clock, shared.stop.clone()))
        } else {
            clock
        };
        lock(&shared.board).insert(
            index,
            Running {
                payments: Vec::new(),
                recorder,
            },
        );
        let watch = CaseWatch {
            index,
            board: shared.board.clone(),
            inner: shared.observer.clone(),
        };
        let flow = Flow {
            transport: &gate,
            engine: &plan.engine,
            credentials: &plan.credentials,
            body_mode: plan.body_mode,
            pacing: plan.pacing,
            clock: clock.as_ref(),
            observer: &watch,
            refs: &shared.refs,
            max_amount: plan.max_amount,
            contact: &shared.contact,
            callbacks: callbacks.as_deref(),
        };
        watch.case_started(&case.name);
        let run = flow.run(case);
        watch.case_ended(&case.name);
        if run.setup_problem().is_some() {
            // The run ends at this case: no worker starts another.
            shared.warmup.store(CLOSED, Ordering::SeqCst);
        } else if index == 0 {
            let _ =
                shared
                    .warmup
                    .compare_exchange(WARMING, OPEN, Ordering::SeqCst, Ordering::SeqCst);
        }
        let message = if gate.held_back() {
            Done::Interrupted(index, Box::new(run), gate.sent())
        } else {
            Done::Finished(index, Box::new(run))
        };
        if done.send(message).is_err() {
            return;
        }
    }
}

/// Reports cases in order as they end; keeps the run's totals.
struct Reporting<'r> {
    plan: Arc<CheckPlan>,
    report: &'r mut dyn Reporter,
    redactor: Redactor,
    board: Board,
    summary: Summary,
    cases: Vec<ppob_report::CaseSummary>,
    coverage: CoverageTally,
}

impl Reporting<'_> {
    /// Reports one finished case, or says why the run cannot go on.
    fn case(&mut self, index: usize, mut run: CaseRun) -> Result<(), CheckError> {
        let running = lock(&self.board).remove(&index);
        for doc in &mut run.documents {
            redact(&self.redactor, doc);
        }
        if let Some((rule, message)) = run.setup_problem() {
            return Err(CheckError::Setup {
                rule: rule.to_owned(),
                case: run.case.name.clone(),
                message: message.to_owned(),
            });
        }
        let replayed = match &self.plan.target {
            CheckTarget::Replay(replays) => replays
                .get(index)
                .map(|(path, _)| path.display().to_string()),
            _ => None,
        };
        self.report.case_started(&CaseStart {
            name: run.case.name.clone(),
            about: run.case.about.clone(),
            expected: run.case.expect.to_string(),
            cassette: replayed.clone(),
        })?;
        for doc in &run.documents {
            self.summary.add(&doc.report);
            self.report.document(&doc.report, &doc.bytes, 1)?;
        }
        tally(&mut self.coverage, &run);
        let recorded = match (running.and_then(|r| r.recorder), &self.plan.record) {
            (Some(recorder), Some(dir)) => Some(save(&recorder, dir, &run.case, &self.redactor)?),
            _ => None,
        };
        let summary = run.summary();
        self.report.case_finished(&CaseEnd {
            summary: summary.clone(),
            cassette: recorded.or(replayed),
        })?;
        self.cases.push(summary);
        Ok(())
    }

    /// Reports what a case the stop cut short judged before it: the documents
    /// of the exchanges it sent, counted in the totals and the coverage, as
    /// documents outside any case (the case is named as interrupted).
    fn partial(&mut self, run: CaseRun, sent: usize) -> Result<(), CheckError> {
        let mut documents = judged_before_the_stop(run, sent);
        for doc in &mut documents {
            redact(&self.redactor, doc);
            self.summary.add(&doc.report);
            self.report.document(&doc.report, &doc.bytes, 1)?;
        }
        tally_answers(&mut self.coverage, &documents);
        Ok(())
    }

    /// Reports the callbacks no case collected, after the cases.
    fn strays(&mut self, inbox: &Inbox) -> Result<(), CheckError> {
        for (n, leftover) in (1..).zip(inbox.leftovers()) {
            let mut doc = crate::flow::callbacks::stray(&self.plan.engine, &leftover, n);
            redact(&self.redactor, &mut doc);
            self.summary.add(&doc.report);
            self.report.document(&doc.report, &doc.bytes, 1)?;
        }
        let dropped = inbox.dropped();
        if dropped > 0 {
            let doc = crate::flow::callbacks::dropped(&self.plan.engine, dropped, inbox.limit());
            self.summary.add(&doc.report);
            self.report.document(&doc.report, &doc.bytes, 1)?;
        }
        Ok(())
    }

    /// Closes the report.
    fn finish(
        self,
        complete: bool,
        interrupted: Vec<InterruptedCase>,
    ) -> Result<CheckOutcome, CheckError> {
        self.finish_with(complete, interrupted, None)
    }

    /// Closes the report, saying why the run could not go on, if it could not.
    fn finish_with(
        mut self,
        complete: bool,
        interrupted: Vec<InterruptedCase>,
        setup: Option<SetupProblem>,
    ) -> Result<CheckOutcome, CheckError> {
        let coverage = self.coverage.finish(&self.plan.require_codes);
        self.summary.errors += coverage.missing_required.len() as u64;
        let mut end = RunEnd::new(self.summary);
        end.cases = self.cases;
        end.coverage = Some(coverage);
        end.complete = complete;
        end.interrupted = interrupted;
        end.setup = setup;
        self.report.finish(&end)?;
        let mut status = end.summary.exit_status(self.plan.deny_warnings);
        if end.cases.iter().any(|c| !c.met) || !end.interrupted.is_empty() {
            status = status.max(ExitStatus::Violated);
        }
        Ok(CheckOutcome { status, end })
    }
}

/// Keeps what a worker handed back until its turn to be reported.
fn keep(waiting: &mut BTreeMap<usize, Ended>, done: Done) {
    match done {
        Done::Finished(index, run) => waiting.insert(index, Ended::Finished(*run)),
        Done::Interrupted(index, run, sent) => {
            waiting.insert(index, Ended::Interrupted(*run, sent))
        }
    };
}

/// The documents of the first `sent` exchanges of a case the stop cut short,
/// without the verdict on how the case ended (it did not end).
fn judged_before_the_stop(run: CaseRun, sent: usize) -> Vec<StepDocument> {
    run.documents
        .into_iter()
        .filter(|doc| {
            doc.report.step.as_ref().is_some_and(|step| {
                step.side != ppob_core::contract::CALLBACK_SIDE
                    && usize::try_from(step.index).is_ok_and(|i| i <= sent)
            })
        })
        .map(|mut doc| {
            doc.report
                .findings
                .retain(|f| f.rule != crate::flow::rules::EXPECTATION);
            doc.report.valid = !doc
                .report
                .findings
                .iter()
                .any(|f| f.severity == ppob_core::contract::Severity::Error);
            doc
        })
        .collect()
}

/// Writes a case's cassette.
fn save(
    recorder: &Recorder<Arc<dyn Transport>>,
    dir: &std::path::Path,
    case: &crate::flow::Case,
    redactor: &Redactor,
) -> Result<String, CassetteError> {
    let meta = CassetteMeta {
        case: case.name.clone(),
        expect: Some(case.expect.to_string()),
    };
    recorder
        .save(dir, &meta, redactor)
        .map(|path: PathBuf| path.display().to_string())
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

/// Counts what the target answered in one case, also under the category of
/// the case's product.
fn tally(coverage: &mut CoverageTally, run: &CaseRun) {
    coverage.scenario(&run.case.expect.to_string(), 1);
    let category = ppob_products::catalog()
        .by_product(&run.case.product)
        .map_or(UNKNOWN_CATEGORY, |c| c.name.as_str());
    for (operation, doc) in answers(&run.documents) {
        coverage.answered_in(category, operation, &doc.bytes);
    }
}

/// How coverage names the category of a case whose product no category sells.
const UNKNOWN_CATEGORY: &str = "unknown";

/// The answers among `documents`, with their operation.
fn answers(documents: &[StepDocument]) -> impl Iterator<Item = (Operation, &StepDocument)> {
    documents.iter().filter_map(|doc| {
        let step = doc.report.step.as_ref().filter(|s| s.side == "response")?;
        let operation = Operation::ALL
            .into_iter()
            .find(|op| op.name() == step.operation)?;
        Some((operation, doc))
    })
}

/// Counts the response codes among `documents`.
fn tally_answers(coverage: &mut CoverageTally, documents: &[StepDocument]) {
    for (operation, doc) in answers(documents) {
        coverage.answered_with(operation, &doc.bytes);
    }
}

/// Runs every case of `plan`, `plan.jobs` at a time, reporting to `report`.
///
/// `observer` hears about waits (e.g. to draw spinners). Once `stop` is
/// requested no new request is sent and no new case starts; the cases that
/// ended are reported, the others are named in [`RunEnd::interrupted`]
/// (with the refNumbers of payments whose outcome is unknown, and their
/// cassettes saved so far), and `run` returns at once — requests already in
/// flight finish in the background. A setup problem (`setup.*`) ends the run
/// with [`CheckError::Setup`] after the report was closed as incomplete.
pub fn run(
    plan: Arc<CheckPlan>,
    report: &mut dyn Reporter,
    observer: Arc<dyn Observer + Send>,
    stop: Arc<Stop>,
) -> Result<CheckOutcome, CheckError> {
    // Before the report starts: a receiver that cannot listen ends the run
    // with nothing written.
    let listen = listen(&plan, &stop, observer.as_ref())?;
    report.start(&RunInfo {
        command: Command::Check,
        target: Some(plan.describe()),
        fuzz: None,
        partition: plan.partition,
    })?;
    let board: Board = Arc::default();
    let shared = Arc::new(Shared {
        plan: plan.clone(),
        refs: RefNumbers::new(&plan.ref_prefix),
        rate: plan.rate.map(|r| Arc::new(RateLimiter::new(r))),
        stop: stop.clone(),
        board: board.clone(),
        next: AtomicUsize::new(0),
        observer,
        clock: Arc::new(SystemClock::new()),
        contact: TargetContact::new(),
        warmup: AtomicU8::new(WARMING),
        listening: listen
            .source
            .clone()
            .map(|source| source as Arc<dyn CallbackSource>),
    });
    let (done_tx, done_rx) = mpsc::channel();
    let workers = plan.jobs.clamp(1, plan.cases.len().max(1));
    for worker in 0..workers {
        let shared = shared.clone();
        let done = done_tx.clone();
        // Detached: a stop returns without waiting for a request in flight.
        std::thread::spawn(move || work(&shared, &done, worker));
    }
    drop(done_tx);

    let redactor = Redactor::new(Some(&plan.credentials));
    let mut reporting = Reporting {
        plan: plan.clone(),
        report,
        redactor,
        board: board.clone(),
        summary: Summary::default(),
        cases: Vec::new(),
        coverage: CoverageTally::default(),
    };
    let mut waiting: BTreeMap<usize, Ended> = BTreeMap::new();
    let mut next_to_report = 0;
    let mut all_received = false;
    while !stop.is_requested() {
        match done_rx.recv_timeout(Duration::from_millis(50)) {
            Ok(done) => keep(&mut waiting, done),
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => {
                all_received = true;
                break;
            }
        }
        while matches!(waiting.get(&next_to_report), Some(Ended::Finished(_))) {
            let Some(Ended::Finished(run)) = waiting.remove(&next_to_report) else {
                break;
            };
            if let Err(e) = reporting.case(next_to_report, run) {
                stop.request();
                if let CheckError::Setup {
                    rule,
                    case,
                    message,
                } = &e
                {
                    let setup = SetupProblem {
                        rule: rule.clone(),
                        case: case.clone(),
                        message: message.clone(),
                    };
                    reporting.finish_with(false, Vec::new(), Some(setup))?;
                }
                return Err(e);
            }
            next_to_report += 1;
        }
    }
    if all_received && waiting.is_empty() {
        if let Some(source) = &listen.source {
            reporting.strays(&source.inbox)?;
        }
        return reporting.finish(true, Vec::new());
    }

    // Stopped: report every case that ended and what the others judged
    // before the stop (their waits end at once), name the others.
    let deadline = std::time::Instant::now() + PARTIAL_WAIT;
    loop {
        let running = lock(&board).keys().any(|i| !waiting.contains_key(i));
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if !running || left.is_zero() {
            break;
        }
        match done_rx.recv_timeout(left.min(Duration::from_millis(50))) {
            Ok(done) => keep(&mut waiting, done),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    let mut interrupted = Vec::new();
    let mut partial = Vec::new();
    for (index, ended) in waiting {
        match ended {
            Ended::Finished(run) => reporting.case(index, run)?,
            Ended::Interrupted(run, sent) => {
                interrupted.push(index);
                partial.push((run, sent));
            }
        }
    }
    for (run, sent) in partial {
        reporting.partial(run, sent)?;
    }
    interrupted.extend(lock(&board).keys().copied());
    interrupted.sort_unstable();
    interrupted.dedup();
    let mut named = Vec::new();
    for index in interrupted {
        named.push(interrupted_case(&plan, &board, &reporting.redactor, index)?);
    }
    let taken = shared.next.load(Ordering::SeqCst).min(plan.cases.len());
    named.extend(plan.cases[taken..].iter().map(|case| InterruptedCase {
        name: case.name.clone(),
        started: false,
        unknown_payments: Vec::new(),
        cassette: None,
    }));
    reporting.finish(false, named)
}

/// A live run's callback receiver and the source its cases collect from
/// (whose inbox also holds what no case collected).
struct Listen {
    /// Kept running while the run lasts.
    _receiver: Option<Receiver>,
    source: Option<Arc<Listening>>,
}

/// Starts the callback receiver of a live run with `--callback-listen`.
fn listen(
    plan: &CheckPlan,
    stop: &Arc<Stop>,
    observer: &dyn Observer,
) -> Result<Listen, CheckError> {
    let (Some(callbacks), true) = (&plan.callbacks, plan.target.is_live()) else {
        return Ok(Listen {
            _receiver: None,
            source: None,
        });
    };
    let inbox = Arc::new(Inbox::with_limit(callbacks.max_held));
    let receiver =
        Receiver::start(callbacks.listen, inbox.clone()).map_err(|error| CheckError::Listen {
            addr: callbacks.listen,
            error,
        })?;
    let url = callbacks.url.clone().unwrap_or_else(|| {
        format!(
            "http://{}{}",
            receiver.local_addr(),
            crate::callback::DEFAULT_PATH
        )
    });
    observer.listening(receiver.local_addr(), &url);
    let source = Listening {
        inbox,
        url,
        wait: callbacks.wait,
        stop: stop.clone(),
    };
    Ok(Listen {
        _receiver: Some(receiver),
        source: Some(Arc::new(source)),
    })
}

/// What an interrupted case was doing; its cassette saved so far.
fn interrupted_case(
    plan: &CheckPlan,
    board: &Board,
    redactor: &Redactor,
    index: usize,
) -> Result<InterruptedCase, CheckError> {
    let running = lock(board).remove(&index);
    let name = plan
        .cases
        .get(index)
        .map_or_else(|| format!("case {index}"), |c| c.name.clone());
    let (payments, cassette) = match running {
        Some(running) => {
            let cassette = match (&running.recorder, &plan.record, plan.cases.get(index)) {
                (Some(recorder), Some(dir), Some(case)) => {
                    Some(save(recorder, dir, case, redactor)?)
                }
                _ => None,
            };
            (running.payments, cassette)
        }
        None => (Vec::new(), None),
    };
    Ok(InterruptedCase {
        name,
        started: true,
        unknown_payments: payments,
        cassette,
    })
}
