//! Conversations on the in-process simulator with a simulated clock:
//! deadlines hold to the nanosecond, refNumber collisions never pass as
//! success.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use ppob_core::contract::Operation;
use ppob_sim::DuplicatePolicy;
use ppob_sim::{Fault, FaultRule, SimConfig, SimTransport, Simulator};
use ppob_transport::auth::{BodyMode, Credentials};
use ppob_transport::clock::{Clock, ManualClock};
use ppob_validate::{Engine, EngineOptions};

/// One simulator and its clock, as `check` wires them.
struct World {
    clock: Arc<ManualClock>,
    transport: SimTransport,
    engine: Engine,
    credentials: Credentials,
}

impl World {
    fn new(config: SimConfig, timeout: Duration) -> Self {
        let clock = Arc::new(ManualClock::new());
        let shared: Arc<dyn Clock> = clock.clone();
        let sim = Arc::new(Simulator::new(config, shared.clone()));
        Self {
            transport: SimTransport::new(sim, shared, timeout),
            clock,
            engine: Engine::new(EngineOptions::default()),
            credentials: Credentials::simulator_demo(),
        }
    }

    fn run(&self, case: &Case, pacing: Pacing, refs: &RefNumbers) -> CaseRun {
        Flow {
            transport: &self.transport,
            engine: &self.engine,
            credentials: &self.credentials,
            body_mode: BodyMode::TokenOnly,
            pacing,
            clock: self.clock.as_ref(),
            observer: &Quiet,
            refs,
            max_amount: None,
            contact: &TargetContact::new(),
            callbacks: None,
        }
        .run(case)
    }
}

fn faults(rules: &[(Fault, Operation)]) -> SimConfig {
    SimConfig {
        faults: rules
            .iter()
            .map(|(fault, operation)| FaultRule {
                fault: *fault,
                operation: Some(*operation),
            })
            .collect(),
        ..SimConfig::default()
    }
}

fn pacing(first_wait: u64, interval: u64, deadline: u64) -> Pacing {
    Pacing {
        first_wait: Duration::from_millis(first_wait),
        interval: Duration::from_millis(interval),
        max_interval: Duration::from_secs(10),
        deadline: Duration::from_millis(deadline),
    }
}

fn statuses(run: &CaseRun) -> Vec<&StepDocument> {
    run.documents
        .iter()
        .filter(|d| {
            d.report
                .step
                .as_ref()
                .is_some_and(|s| s.operation == "status" && s.side == "response")
        })
        .collect()
}

fn rules_of(run: &CaseRun) -> Vec<&str> {
    run.documents
        .iter()
        .flat_map(|d| &d.report.findings)
        .map(|f| f.rule.as_str())
        .collect()
}

/// Time from the payment (sent at the end of the inquiry) to the end of the case.
fn after_payment(run: &CaseRun) -> Duration {
    let inquiry: f64 = run
        .documents
        .iter()
        .filter_map(|d| d.report.step.as_ref())
        .filter(|s| s.operation == "inquiry" && s.side == "response")
        .map(|s| s.elapsed_ms)
        .sum();
    run.simulated
        .expect("the test world's clock is simulated")
        .saturating_sub(Duration::from_secs_f64(inquiry / 1000.0))
}

#[test]
fn a_hanging_status_call_gets_only_the_time_left() {
    // Before: a 30 s status timeout after a 1 s first wait ran 28 s past a 3 s deadline.
    let world = World::new(
        faults(&[(Fault::Timeout, Operation::Status)]),
        Duration::from_secs(30),
    );
    let refs = RefNumbers::seeded("T", 1);
    let run = world.run(&Case::new("0811111111"), pacing(1000, 500, 3000), &refs);
    assert_eq!(run.outcome.name(), "pending", "{:?}", run.outcome);
    assert_eq!(after_payment(&run), Duration::from_secs(3));
    let last = statuses(&run).last().unwrap().report.step.clone().unwrap();
    assert_eq!(
        last.elapsed_ms, 2000.0,
        "the first status call had 2 s left"
    );
    assert!(
        run.outcome
            .describe()
            .contains("deadline of 3s reached after 1 status call"),
        "{}",
        run.outcome.describe()
    );
}

#[test]
fn status_calls_stop_at_the_deadline_whatever_the_interval() {
    let world = World::new(
        faults(&[(Fault::PendingForever, Operation::Payment)]),
        Duration::from_secs(30),
    );
    let refs = RefNumbers::seeded("T", 2);
    let run = world.run(&Case::new("0811111111"), pacing(2000, 1000, 10_500), &refs);
    assert_eq!(run.outcome.name(), "pending");
    assert!(after_payment(&run) <= Duration::from_millis(10_500));
    // Calls at 2, 3, 5 and 9 s; the next would be at 17 s.
    assert_eq!(statuses(&run).len(), 4);
}

#[test]
fn a_first_wait_longer_than_the_deadline_ends_at_the_deadline() {
    // Before: an 8 s first wait ran 6 s past a 2 s deadline.
    let world = World::new(SimConfig::default(), Duration::from_secs(30));
    let refs = RefNumbers::seeded("T", 3);
    let run = world.run(&Case::new("0811111111"), pacing(8000, 1000, 2000), &refs);
    assert_eq!(run.outcome.name(), "pending");
    assert_eq!(after_payment(&run), Duration::from_secs(2));
    assert!(statuses(&run).is_empty());
    let why = run.outcome.describe();
    assert!(
        why.contains("after 0 status calls") && why.contains("first wait of 8s"),
        "{why}"
    );
}

#[test]
fn two_runs_sharing_a_ref_number_seed_never_report_the_second_as_paid() {
    for policy in [DuplicatePolicy::Reject102, DuplicatePolicy::Reject108] {
        let world = World::new(
            SimConfig {
                duplicate: policy,
                ..SimConfig::default()
            },
            Duration::from_secs(30),
        );
        let (first, second) = (RefNumbers::seeded("RUN", 7), RefNumbers::seeded("RUN", 7));
        let pacing = Pacing::simulator();
        let a = world.run(&Case::new("0811111111"), pacing, &first);
        assert_eq!(a.outcome.name(), "success", "{:?}", a.outcome);
        let b = world.run(&Case::new("0811111112"), pacing, &second);
        assert_eq!(b.outcome.name(), "error", "{policy:?}: {:?}", b.outcome);
        assert!(
            rules_of(&b).contains(&rules::DUPLICATE_UNKNOWN_REF),
            "{policy:?}"
        );
        assert!(
            statuses(&b).is_empty(),
            "the first run's status is not read"
        );
    }
}

#[test]
fn a_server_returning_the_original_transaction_is_not_this_cases_success() {
    let world = World::new(
        SimConfig {
            duplicate: DuplicatePolicy::ReturnOriginal,
            ..SimConfig::default()
        },
        Duration::from_secs(30),
    );
    let (first, second) = (RefNumbers::seeded("RUN", 9), RefNumbers::seeded("RUN", 9));
    let a = world.run(&Case::new("0811111111"), Pacing::simulator(), &first);
    assert_eq!(a.outcome.name(), "success");
    // The first payment has settled: the original answers 0 for another account.
    let b = world.run(&Case::new("0811111112"), Pacing::simulator(), &second);
    assert_ne!(b.outcome.name(), "success", "{:?}", b.outcome);
    assert!(
        rules_of(&b).contains(&rules::FOREIGN_TRANSACTION),
        "{:?}",
        rules_of(&b)
    );
}

#[test]
fn the_simulator_and_a_replay_have_no_amount_limit_but_a_flow_with_one_stops() {
    let world = World::new(SimConfig::default(), Duration::from_secs(30));
    let refs = RefNumbers::seeded("T", 4);
    let limited = |max_amount| {
        Flow {
            transport: &world.transport,
            engine: &world.engine,
            credentials: &world.credentials,
            body_mode: BodyMode::TokenOnly,
            pacing: Pacing::simulator(),
            clock: world.clock.as_ref(),
            observer: &Quiet,
            refs: &refs,
            max_amount,
            contact: &TargetContact::new(),
            callbacks: None,
        }
        .run(&Case::new("0811111111"))
    };
    assert_eq!(limited(None).outcome.name(), "success");
    let stopped = limited(Some(100));
    assert_eq!(stopped.outcome.name(), "error");
    assert!(rules_of(&stopped).contains(&rules::AMOUNT_ABOVE_LIMIT));
    assert!(
        stopped.documents.iter().all(|d| d
            .report
            .step
            .as_ref()
            .is_some_and(|s| s.operation == "inquiry")),
        "nothing was paid"
    );
}

/// The simulator's faults on the inquiry that are the API answering badly (a
/// truncated envelope, a code out of range) are contract findings of the
/// first case of a run, never `setup.not-the-api`; its 5xx fault answers a
/// gateway's HTML page, which is.
#[test]
fn inquiry_faults_of_the_api_are_findings_and_a_gateway_page_is_not_the_api() {
    let first_case = |fault| {
        let world = World::new(
            faults(&[(fault, Operation::Inquiry)]),
            Duration::from_secs(30),
        );
        world.run(
            &Case::new("0811111111"),
            Pacing::simulator(),
            &RefNumbers::seeded("T", 1),
        )
    };
    for fault in [Fault::Garbage, Fault::CodeOutOfRange(500)] {
        let run = first_case(fault);
        assert_eq!(run.outcome.name(), "error", "{fault:?}");
        assert!(
            run.setup_problem().is_none(),
            "{fault:?}: {:?}",
            rules_of(&run)
        );
        assert!(
            rules_of(&run).contains(&rules::UNUSABLE_ANSWER),
            "{fault:?}: {:?}",
            rules_of(&run)
        );
    }
    let run = first_case(Fault::ServerError(502));
    let (rule, message) = run.setup_problem().expect("a setup problem");
    assert_eq!(rule, ppob_core::contract::input_rules::NOT_THE_API);
    assert!(
        message.contains("answered HTTP 502 (text/html"),
        "{message}"
    );
    assert!(message.contains("the sandbox is down"), "{message}");
}
