//! `cargo xtask bench check`: whole inquiry → payment → status flows per
//! second through the in-process simulator, with everything on: every
//! request signed (HS256 TOKEN), every TOKEN verified by the simulator,
//! every request and answer judged (schema + rules), the cross-step rules.
//!
//! Each flow is `check --case 0811111111`: inquiry (300), payment (299),
//! status after the simulator's first wait of 2 s of simulated time (0).
//! Flows run in this process, optimized, on one thread and on all cores;
//! every thread has its own simulator and `ManualClock` (a shared one is
//! measured too, to show what sharing costs). Then the same flows are taken
//! apart on one thread: signing alone, the simulator alone on pre-signed
//! requests, judging alone, to show where the time goes. Every flow must end
//! `success` without an error finding, else the benchmark fails. Every
//! measurement is the best of [`RUNS`]. Never part of `cargo test`.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use ppob_contract::contract::{DocKind, Operation, Severity};
use ppob_contract::flow::{Case, CaseRun, Flow, Outcome, Pacing, Quiet, RefNumbers, TargetContact};
use ppob_contract::sim::{Answer, FIRST_INQUIRY_ID, Reply, SimConfig, SimTransport, Simulator};
use ppob_contract::transport::WireRequest;
use ppob_contract::transport::auth::{
    BodyMode, Credentials, TOKEN_HEADER, sign_request, verify_token,
};
use ppob_contract::transport::clock::{Clock, ManualClock};
use ppob_contract::transport::http::DEFAULT_TIMEOUT;
use ppob_contract::validate::{Engine, EngineOptions, Input};
use serde_json::{Value, json};

use super::{RUNS, best_of, parse_count_option, rerun_optimized};

/// Flows per measurement unless `--cases N` says otherwise.
const DEFAULT_CASES: usize = 20_000;
/// The account every flow pays: unpaid, one bill, settles with code 0.
const ACCOUNT: &str = "0811111111";
/// Flows run before measuring (compiled validators, allocator, caches).
const WARMUP: usize = 500;

const USAGE: &str = "usage: cargo xtask bench check [--cases N]

  --cases N   flows per measurement (default 20000)";

/// Runs the check benchmark and prints its tables.
pub fn run(root: &Path, args: &[&str]) -> Result<()> {
    let Some(cases) = parse_options(args)? else {
        println!("{USAGE}");
        return Ok(());
    };
    if cfg!(debug_assertions) {
        return rerun_optimized(root, "check", args);
    }
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let engine = Engine::new(EngineOptions::default());
    let case = Case::new(ACCOUNT);
    println!(
        "bench check: {cases} flows of account {ACCOUNT} per measurement, best of {RUNS}, {cores} cores"
    );

    let probe = warm_up(&engine, &case)?;
    let full_one = measure_flows(&engine, &case, cases, 1, Sharing::PerThread)?;
    let mut rows = vec![full_one.row("full flow, 1 thread".to_owned())];
    if cores > 1 {
        let own = measure_flows(&engine, &case, cases, cores, Sharing::PerThread)?;
        rows.push(own.row(format!(
            "full flow, {cores} threads, a simulator + clock each"
        )));
        let shared = measure_flows(&engine, &case, cases, cores, Sharing::Shared)?;
        rows.push(shared.row(format!(
            "full flow, {cores} threads, one shared simulator + clock"
        )));
    }
    let parts = Breakdown::measure(&engine, &probe, cases)?;

    println!();
    print_flows(&rows, &full_one.tally);
    println!();
    parts.print(rows[0].per_flow());
    println!();
    if cases == DEFAULT_CASES {
        println!("reproduce: cargo xtask bench check");
    } else {
        println!("reproduce: cargo xtask bench check --cases {cases}");
    }
    Ok(())
}

/// `[--cases N]`; `None` when help was asked for.
fn parse_options(args: &[&str]) -> Result<Option<usize>> {
    parse_count_option(args, "--cases", DEFAULT_CASES, USAGE)
}

// ---------------------------------------------------------------------------
// Running flows

/// One simulator with its simulated clock, as `check` wires it.
struct World {
    clock: Arc<ManualClock>,
    sim: Arc<Simulator>,
    transport: SimTransport,
    refs: RefNumbers,
    contact: TargetContact,
    /// The simulator's schedule; a shared clock gets a longer deadline.
    pacing: Pacing,
}

impl World {
    /// A world of its own: the simulator's schedule as `check` uses it.
    fn new() -> Self {
        Self::with_pacing(Pacing::simulator())
    }

    /// A world whose clock all threads advance: each thread's first waits
    /// move every other thread's flows on, so a thread descheduled for a
    /// few milliseconds would see the 60 s deadline pass before its first
    /// status call. The deadline is an hour of simulated time instead; the
    /// first wait and the work of a flow stay the same.
    fn shared() -> Self {
        Self::with_pacing(Pacing {
            deadline: Duration::from_secs(3600),
            ..Pacing::simulator()
        })
    }

    fn with_pacing(pacing: Pacing) -> Self {
        let clock = Arc::new(ManualClock::new());
        let shared: Arc<dyn Clock> = clock.clone();
        let sim = Arc::new(Simulator::new(SimConfig::default(), shared.clone()));
        let transport = SimTransport::new(sim.clone(), shared, DEFAULT_TIMEOUT);
        let refs = RefNumbers::new("BENCH");
        Self {
            clock,
            sim,
            transport,
            refs,
            contact: TargetContact::new(),
            pacing,
        }
    }
}

/// What a batch of flows came to.
#[derive(Debug, Default)]
struct Tally {
    flows: usize,
    exchanges: usize,
    warnings: usize,
    failed: usize,
    first_failure: Option<String>,
}

impl Tally {
    fn add(&mut self, run: &CaseRun) {
        self.flows += 1;
        self.exchanges += run.documents.len() / 2;
        let findings = || run.documents.iter().flat_map(|d| &d.report.findings);
        let errors = findings().filter(|f| f.severity == Severity::Error).count();
        self.warnings += findings()
            .filter(|f| f.severity == Severity::Warning)
            .count();
        let success = matches!(run.outcome, Outcome::Success { .. }) && run.met();
        if !success || errors > 0 {
            self.failed += 1;
            if self.first_failure.is_none() {
                self.first_failure = Some(describe(run));
            }
        }
    }

    fn merge(&mut self, other: Self) {
        self.flows += other.flows;
        self.exchanges += other.exchanges;
        self.warnings += other.warnings;
        self.failed += other.failed;
        if self.first_failure.is_none() {
            self.first_failure = other.first_failure;
        }
    }

    /// Fails unless every flow ended `success` without an error finding.
    fn check(&self) -> Result<()> {
        if self.failed == 0 {
            return Ok(());
        }
        bail!(
            "{} of {} flows did not end success without errors; the first: {}",
            self.failed,
            self.flows,
            self.first_failure.as_deref().unwrap_or("?")
        )
    }
}

/// How a flow went, with its first few error findings.
fn describe(run: &CaseRun) -> String {
    let errors: Vec<String> = run
        .documents
        .iter()
        .flat_map(|d| d.report.findings.iter().map(move |f| (d, f)))
        .filter(|(_, f)| f.severity == Severity::Error)
        .take(3)
        .map(|(d, f)| {
            format!(
                "{} {} {}: {}",
                d.report.source, f.rule, f.pointer, f.message
            )
        })
        .collect();
    let mut text = format!(
        "case {}: {} after {} exchanges",
        run.case.name,
        run.outcome.describe(),
        run.documents.len() / 2
    );
    if !errors.is_empty() {
        text.push_str("; ");
        text.push_str(&errors.join("; "));
    }
    text
}

/// The flow `check` would run in `world`: token-only, the simulator's pacing, no output.
fn flow_in<'a>(world: &'a World, engine: &'a Engine, credentials: &'a Credentials) -> Flow<'a> {
    Flow {
        transport: &world.transport,
        engine,
        credentials,
        body_mode: BodyMode::TokenOnly,
        pacing: world.pacing,
        clock: world.clock.as_ref(),
        observer: &Quiet,
        refs: &world.refs,
        max_amount: None,
        contact: &world.contact,
        callbacks: None,
    }
}

/// Runs `n` flows of `case` in `world`, one after the other.
fn run_flows(engine: &Engine, world: &World, case: &Case, n: usize) -> Tally {
    let credentials = Credentials::simulator_demo();
    let flow = flow_in(world, engine, &credentials);
    let mut tally = Tally::default();
    for _ in 0..n {
        tally.add(&black_box(flow.run(case)));
    }
    tally
}

/// Runs [`WARMUP`] flows and keeps the first one (the breakdown judges its
/// documents and pays its amount). Fails if any of them did not succeed.
fn warm_up(engine: &Engine, case: &Case) -> Result<CaseRun> {
    println!("bench: warming up ({WARMUP} flows)");
    let world = World::new();
    let credentials = Credentials::simulator_demo();
    let flow = flow_in(&world, engine, &credentials);
    let probe = flow.run(case);
    let mut tally = Tally::default();
    tally.add(&probe);
    tally.merge(run_flows(engine, &world, case, WARMUP - 1));
    tally.check().context("warm-up")?;
    if probe.documents.len() != 6 {
        bail!(
            "a flow of {ACCOUNT} took {} exchanges, expected 3 (inquiry, payment, status)",
            probe.documents.len() / 2
        );
    }
    Ok(probe)
}

/// Whether threads share one simulator and clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sharing {
    /// Each thread its own simulator, clock and refNumbers (no contention).
    PerThread,
    /// One simulator, clock and refNumber counter for all threads: their
    /// waits advance each other's clock and they share the stores' locks.
    Shared,
}

/// One measured configuration: its best time and what its last run did.
struct Measured {
    best: Duration,
    tally: Tally,
}

impl Measured {
    fn row(&self, label: String) -> Row {
        Row {
            label,
            elapsed: self.best,
            flows: self.tally.flows,
            exchanges: self.tally.exchanges,
        }
    }
}

/// `n` flows on `threads` threads, best of [`RUNS`]; fresh simulators each run.
fn measure_flows(
    engine: &Engine,
    case: &Case,
    n: usize,
    threads: usize,
    sharing: Sharing,
) -> Result<Measured> {
    let how = match sharing {
        Sharing::PerThread if threads == 1 => "",
        Sharing::PerThread => ", a simulator + clock each",
        Sharing::Shared => ", one shared simulator + clock",
    };
    println!("bench: {n} flows on {threads} thread(s){how} ({RUNS} runs)");
    let mut best = Duration::MAX;
    let mut last = Tally::default();
    for _ in 0..RUNS {
        let worlds: Vec<World> = match sharing {
            Sharing::PerThread => (0..threads).map(|_| World::new()).collect(),
            Sharing::Shared => vec![World::shared()],
        };
        let shares: Vec<usize> = (0..threads)
            .map(|i| n / threads + usize::from(i < n % threads))
            .collect();
        let start = Instant::now();
        let tallies = std::thread::scope(|scope| {
            let handles: Vec<_> = shares
                .iter()
                .enumerate()
                .map(|(i, &count)| {
                    let world = &worlds[i % worlds.len()];
                    scope.spawn(move || run_flows(engine, world, case, count))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().map_err(|_| anyhow!("a benchmark thread panicked")))
                .collect::<Result<Vec<_>>>()
        });
        let elapsed = start.elapsed();
        let mut tally = Tally::default();
        for t in tallies? {
            tally.merge(t);
        }
        tally.check()?;
        best = best.min(elapsed);
        last = tally;
    }
    Ok(Measured { best, tally: last })
}

// ---------------------------------------------------------------------------
// Where the time goes

/// The parts of a flow, each measured alone on one thread over `n` flows.
struct Breakdown {
    flows: usize,
    sign: Duration,
    simulator: Duration,
    verify: Duration,
    judge: Duration,
    read: Duration,
    documents: usize,
}

impl Breakdown {
    fn measure(engine: &Engine, probe: &CaseRun, n: usize) -> Result<Self> {
        println!("bench: the parts of a flow alone, 1 thread ({RUNS} runs each)");
        let amount = serde_json::from_slice::<Value>(&probe.documents[1].bytes)
            .ok()
            .and_then(|v| v.pointer("/data/amount").cloned())
            .filter(Value::is_number)
            .context("the probe's inquiry answer has no numeric data.amount")?;
        let payloads = payloads(n, &amount);

        let (sign, signed) = best_of(|| sign_all(&payloads));
        let signed = signed?;
        let (simulator, answered) = best_of(|| simulate_all(&signed));
        answered?;
        let secret = Credentials::simulator_demo().secret().to_owned();
        let (verify, verified) = best_of(|| verify_all(&signed, &secret));
        verified?;
        let documents = judged_documents(probe)?;
        let (judge, invalid) = best_of(|| judge_all(engine, &documents, n));
        if invalid > 0 {
            bail!("{invalid} documents of the probe flow were judged invalid when judged alone");
        }
        let (read, unread) = best_of(|| read_answers(&documents, n));
        if unread > 0 {
            bail!("{unread} answers of the probe flow are not JSON");
        }
        Ok(Self {
            flows: n,
            sign,
            simulator,
            verify,
            judge,
            read,
            documents: documents.len(),
        })
    }

    /// Prints µs per flow of each part and its share of a whole flow.
    fn print(&self, full: Duration) {
        let per_flow = |d: Duration| d.as_secs_f64() * 1e6 / self.flows as f64;
        let full_us = full.as_secs_f64() * 1e6;
        let parts = [self.sign, self.simulator, self.judge]
            .into_iter()
            .map(per_flow)
            .sum::<f64>();
        println!(
            "{:<60} {:>9} {:>7}",
            "where a flow's time goes (1 thread)", "µs/flow", "share"
        );
        let row = |label: &str, us: f64| {
            println!(
                "{label:<60} {us:>9.1} {:>6.0}%",
                100.0 * us / full_us.max(f64::MIN_POSITIVE)
            );
        };
        row("  signing 3 requests (HS256 TOKEN)", per_flow(self.sign));
        row(
            "  the simulator answering 3 pre-signed requests",
            per_flow(self.simulator),
        );
        row(
            "    of which verifying 3 TOKENs (HS256)",
            per_flow(self.verify),
        );
        row(
            &format!(
                "  judging {} documents (schema + rules, as validate)",
                self.documents
            ),
            per_flow(self.judge),
        );
        row(
            "  the rest (reading answers, cross-step rules, bookkeeping)",
            (full_us - parts).max(0.0),
        );
        row(
            "    of which parsing 3 answers into serde_json::Value",
            per_flow(self.read),
        );
        row("  whole flow", full_us);
    }
}

/// The request fields of `n` flows as `check` sends them: the inquiry, the
/// payment of inquiry `i` of a fresh simulator (ids are consecutive from
/// [`FIRST_INQUIRY_ID`]) and the status of that payment.
fn payloads(n: usize, amount: &Value) -> Vec<[Value; 3]> {
    let partner = Credentials::simulator_demo().key().to_owned();
    let product = Case::new(ACCOUNT).product;
    (0..n as u64)
        .map(|i| {
            let ref_number = format!("BENCH-{i:06}");
            [
                json!({"partnerId": partner, "accountNumber": ACCOUNT, "productCode": product}),
                json!({
                    "partnerId": partner,
                    "refNumber": ref_number,
                    "accountNumber": ACCOUNT,
                    "productCode": product,
                    "amount": amount,
                    "inquiryId": FIRST_INQUIRY_ID + i,
                }),
                json!({"partnerId": partner, "refNumber": ref_number}),
            ]
        })
        .collect()
}

/// Signs every request (a clone of its fields, as a flow does).
fn sign_all(payloads: &[[Value; 3]]) -> Result<Vec<[WireRequest; 3]>> {
    let credentials = Credentials::simulator_demo();
    let sign = |operation, payload: &Value| {
        sign_request(
            operation,
            payload.clone(),
            &credentials,
            BodyMode::TokenOnly,
        )
        .map_err(|e| anyhow!("signing a {} request: {e}", operation.name()))
    };
    payloads
        .iter()
        .map(|[inquiry, payment, status]| {
            Ok([
                sign(Operation::Inquiry, inquiry)?,
                sign(Operation::Payment, payment)?,
                sign(Operation::Status, status)?,
            ])
        })
        .collect()
}

/// A fresh simulator answers every flow's three requests, the clock moving
/// by the first wait before each status, as in a flow. Every answer must be
/// HTTP 200 with the code a flow gets (300, 299, 0).
fn simulate_all(signed: &[[WireRequest; 3]]) -> Result<()> {
    let world = World::new();
    let wait = Pacing::simulator().first_wait;
    let mut wrong = None;
    for (i, [inquiry, payment, status]) in signed.iter().enumerate() {
        let answers = [world.sim.handle(inquiry), world.sim.handle(payment), {
            world.clock.advance(wait);
            world.sim.handle(status)
        }];
        let codes = answers.each_ref().map(response_code);
        if codes != [Some(300), Some(299), Some(0)] && wrong.is_none() {
            wrong = Some((i, codes));
        }
        black_box(answers);
    }
    match wrong {
        None => Ok(()),
        Some((i, codes)) => bail!(
            "simulator alone: flow {i} got codes {codes:?}, expected 300, 299, 0 (is the inquiry id still {}+i?)",
            FIRST_INQUIRY_ID
        ),
    }
}

/// The `responseCode` of an HTTP 200 answer; cheap when it comes first, as
/// the simulator writes it.
fn response_code(reply: &Reply) -> Option<i64> {
    let Answer::Respond(response) = &reply.answer else {
        return None;
    };
    if response.status != 200 {
        return None;
    }
    let body = response.body.as_slice();
    if let Some(rest) = body.strip_prefix(b"{\"responseCode\":") {
        let end = rest
            .iter()
            .position(|b| !(b.is_ascii_digit() || *b == b'-'))
            .unwrap_or(rest.len());
        if let Some(code) = std::str::from_utf8(&rest[..end])
            .ok()
            .and_then(|s| s.parse().ok())
        {
            return Some(code);
        }
    }
    serde_json::from_slice::<Value>(body)
        .ok()?
        .get("responseCode")?
        .as_i64()
}

/// Verifies every request's TOKEN as the simulator's gate does.
fn verify_all(signed: &[[WireRequest; 3]], secret: &str) -> Result<()> {
    for request in signed.iter().flatten() {
        let token = request
            .header(TOKEN_HEADER)
            .context("a signed request without a TOKEN")?;
        black_box(verify_token(token, secret)).context("verifying a TOKEN")?;
    }
    Ok(())
}

/// One document of the probe flow, as the flow judged it.
struct Document {
    source: String,
    kind: DocKind,
    bytes: Vec<u8>,
}

/// The probe flow's documents with the kind each was judged as.
fn judged_documents(probe: &CaseRun) -> Result<Vec<Document>> {
    probe
        .documents
        .iter()
        .map(|doc| {
            let step = doc
                .report
                .step
                .as_ref()
                .context("a flow document without its step")?;
            let operation = Operation::ALL
                .into_iter()
                .find(|op| op.name() == step.operation)
                .with_context(|| format!("unknown operation {:?}", step.operation))?;
            let kind = if step.side == "request" {
                operation.request()
            } else {
                operation.response()
            };
            Ok(Document {
                source: doc.report.source.clone(),
                kind,
                bytes: doc.bytes.clone(),
            })
        })
        .collect()
}

/// Judges the documents `n` times; returns how many were invalid.
fn judge_all(engine: &Engine, documents: &[Document], n: usize) -> usize {
    let mut invalid = 0;
    for _ in 0..n {
        for doc in documents {
            let report = engine.check(Input {
                source: &doc.source,
                bytes: black_box(&doc.bytes),
                kind: Some(doc.kind),
                first_line: 1,
            });
            invalid += usize::from(!black_box(report).valid);
        }
    }
    invalid
}

/// Parses the answers (the response documents) into `serde_json::Value`s
/// `n` times, as the flow reads each answer before judging the
/// conversation; returns how many did not parse.
fn read_answers(documents: &[Document], n: usize) -> usize {
    let answers: Vec<&Document> = documents.iter().filter(|d| d.kind.is_response()).collect();
    let mut unread = 0;
    for _ in 0..n {
        for doc in &answers {
            let value = serde_json::from_slice::<Value>(black_box(&doc.bytes));
            unread += usize::from(black_box(value).is_err());
        }
    }
    unread
}

// ---------------------------------------------------------------------------
// Reporting

/// One line of the flows table.
struct Row {
    label: String,
    elapsed: Duration,
    flows: usize,
    exchanges: usize,
}

impl Row {
    /// Wall time per flow.
    fn per_flow(&self) -> Duration {
        self.elapsed.div_f64(self.flows.max(1) as f64)
    }
}

fn print_flows(rows: &[Row], one: &Tally) {
    println!(
        "{:<56} {:>8} {:>9} {:>12} {:>8} {:>8}",
        "", "seconds", "flows/s", "exchanges/s", "µs/flow", "speed-up"
    );
    let base = rows[0].elapsed.as_secs_f64() / rows[0].flows.max(1) as f64;
    for row in rows {
        let seconds = row.elapsed.as_secs_f64();
        let per_flow = seconds / row.flows.max(1) as f64;
        println!(
            "{:<56} {seconds:>8.3} {:>9.0} {:>12.0} {:>8.1} {:>7.2}x",
            row.label,
            row.flows as f64 / seconds,
            row.exchanges as f64 / seconds,
            per_flow * 1e6,
            base / per_flow,
        );
    }
    println!(
        "every flow ended success, {:.1} exchanges each on average, no error finding ({} warnings)",
        one.exchanges as f64 / one.flows.max(1) as f64,
        one.warnings
    );
}
