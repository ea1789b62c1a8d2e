//! What a `check` run is: where its cases go, which cases, and how every
//! answer is judged. Built by the CLI from flags and the config file, or by
//! hand in a Rust test ([`CheckPlan::simulator`]).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::flow::refs::DEFAULT_PREFIX;
use crate::flow::{Case, Expectation, Pacing};
use ppob_core::contract::Operation;
use ppob_sim::accounts::{InquiryOutcome, PaymentOutcome};
use ppob_sim::{Fault, SimConfig, TestAccount};
use ppob_transport::Transport;
use ppob_transport::auth::{BodyMode, Credentials};
use ppob_transport::http::DEFAULT_TIMEOUT;
use ppob_transport::replay::Replay;
use ppob_validate::{Engine, EngineOptions};

/// Where the cases run.
pub enum CheckTarget {
    /// The in-process simulator: each case gets its own simulator and
    /// simulated clock, so cases never wait on each other and a run gives the
    /// same answers whatever `jobs` is.
    Simulator(SimConfig),
    /// A server answering in real time (a sandbox over HTTP, `mock`, or any
    /// [`Transport`]), shared by every case.
    Live(Arc<dyn Transport>),
    /// Recorded cassettes, one case each, with their file paths.
    Replay(Vec<(PathBuf, Arc<Replay>)>),
}

impl CheckTarget {
    /// Whether answers come in real time (pacing waits are real waits).
    pub fn is_live(&self) -> bool {
        matches!(self, Self::Live(_))
    }
}

/// Everything decided before the first case.
pub struct CheckPlan {
    /// Where the cases run.
    pub target: CheckTarget,
    /// The cases, in report order.
    pub cases: Vec<Case>,
    /// Signs every request; redacted from everything reported or recorded.
    pub credentials: Credentials,
    /// Whether the fields also travel as a JSON body.
    pub body_mode: BodyMode,
    /// When to poll status.
    pub pacing: Pacing,
    /// The first characters of every refNumber.
    pub ref_prefix: String,
    /// How long the in-process simulator lets a request take.
    pub timeout: Duration,
    /// The largest amount (rupiah) a case may pay; `None`: no limit.
    pub max_amount: Option<u64>,
    /// Judges every document.
    pub engine: Engine,
    /// Response codes the target must answer at least once
    /// (`coverage.required-code`).
    pub require_codes: Vec<i64>,
    /// Where each case's exchanges are recorded as a cassette, if anywhere.
    pub record: Option<PathBuf>,
    /// Cases run at the same time (at least 1).
    pub jobs: usize,
    /// At most this many requests a second across every case, if set.
    pub rate: Option<u32>,
    /// Whether warnings fail the run.
    pub deny_warnings: bool,
    /// The shard of a whole run these cases are (`--partition`), for reports
    /// that `report merge` combines.
    pub partition: Option<ppob_core::partition::Partition>,
    /// Whether payments ask for callbacks and each is judged
    /// (`--callback-listen`); `None`: no callbacks.
    pub callbacks: Option<CallbackPlan>,
}

/// How callbacks are received (`check --callback-listen`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackPlan {
    /// Where the receiver listens against a live target (port 0: a free
    /// one). The in-process simulator hands its callbacks over without a
    /// socket, and a replay has none.
    pub listen: SocketAddr,
    /// The URL payments name in `callbackUrls`; `None`: the receiver's own
    /// address with [`crate::callback::DEFAULT_PATH`].
    pub url: Option<String>,
    /// How long a case waits for its callback after the final status.
    pub wait: Duration,
    /// Callbacks the receiver holds at most before it answers 503 and
    /// counts the drop (`callback.dropped`).
    pub max_held: usize,
}

impl Default for CallbackPlan {
    /// Loopback, a free port, the receiver's own URL, [`crate::callback::DEFAULT_WAIT`],
    /// [`crate::callback::MAX_HELD`].
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            url: None,
            wait: crate::callback::DEFAULT_WAIT,
            max_held: crate::callback::MAX_HELD,
        }
    }
}

impl CheckPlan {
    /// The simulator's suite (every seeded test account, expecting what its
    /// behaviour documents) on a simulator configured by `config`, with its
    /// demo credentials, the default judging and one job per core.
    pub fn simulator(config: SimConfig) -> Self {
        let credentials = config.credentials.clone();
        let mut cases = simulator_suite();
        describe_simulated(&mut cases);
        Self {
            target: CheckTarget::Simulator(config),
            cases,
            credentials,
            body_mode: BodyMode::default(),
            pacing: Pacing::simulator(),
            ref_prefix: DEFAULT_PREFIX.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            max_amount: None,
            engine: Engine::new(EngineOptions::default()),
            require_codes: Vec::new(),
            record: None,
            jobs: std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
            rate: None,
            deny_warnings: false,
            partition: None,
            callbacks: None,
        }
    }

    /// Where the cases run, for reports.
    pub fn describe(&self) -> String {
        match &self.target {
            CheckTarget::Simulator(_) => "the in-process simulator".to_owned(),
            CheckTarget::Live(t) => t.describe(),
            CheckTarget::Replay(replays) => match replays.len() {
                1 => "1 cassette".to_owned(),
                n => format!("{n} cassettes"),
            },
        }
    }
}

/// Cases run at once unless `--jobs` says otherwise: every core on the
/// simulator and for cassettes (nothing waits for real), 4 against a live
/// server (its waits overlap; a sandbox is not flooded).
pub fn default_jobs(target: &CheckTarget) -> usize {
    if target.is_live() {
        4
    } else {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    }
}

/// Gives cases that share a name (the same account twice) distinct names —
/// `0811111111`, `0811111111 (2)`, … — so that reports and cassettes keep
/// them apart.
pub fn unique_names(cases: &mut [Case]) {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for case in cases.iter_mut() {
        let count = seen.entry(case.name.clone()).or_insert(0);
        *count += 1;
        if *count > 1 {
            case.name = format!("{} ({count})", case.name);
        }
    }
}

/// Fills in each simulated case's `about` from its test account, and the
/// request extras its account sends (open `amount`, `month`, `zoneId`)
/// when the case names none of them, so that `--case ACCOUNT@PRODUCT` runs
/// an account of any category as the suite does.
pub fn describe_simulated(cases: &mut [Case]) {
    for case in cases.iter_mut() {
        let Some((_, account)) = ppob_sim::accounts::account(&case.account) else {
            continue;
        };
        if case.about.is_none() {
            case.about = Some(account.behaviour.to_owned());
        }
        if case.amount.is_none() && case.month.is_none() && case.zone_id.is_none() {
            case.amount = account.request.amount;
            case.month = account.request.month;
            case.zone_id.clone_from(&account.request.zone_id);
        }
    }
}

/// Every seeded test account of the simulator, expecting the outcome its
/// behaviour documents. The drift account is left out: its answers break the
/// contract on purpose (`--case 0811111126` runs it).
pub fn simulator_suite() -> Vec<Case> {
    ppob_sim::test_accounts()
        .iter()
        .filter_map(|account| {
            let mut case = Case::new(account.number);
            case.product = account.default_product().to_owned();
            case.amount = account.request.amount;
            case.month = account.request.month;
            case.zone_id.clone_from(&account.request.zone_id);
            case.name = String::new();
            let mut case = case.named();
            case.expect = expectation_of(account)?;
            case.about = Some(account.behaviour.to_owned());
            Some(case)
        })
        .collect()
}

/// The simulator suite of one product category (its folder name): the cases
/// of [`simulator_suite`] whose test account is of that category.
pub fn category_suite(category: &str) -> Vec<Case> {
    simulator_suite()
        .into_iter()
        .filter(|case| {
            ppob_sim::accounts::account(&case.account)
                .is_some_and(|(_, account)| account.category.name == category)
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

/// A cassette whose recorded case expectation cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}: the cassette's case expectation `{expect}`: {error}")]
pub struct CassetteCaseError {
    /// The cassette.
    pub path: PathBuf,
    /// What it recorded.
    pub expect: String,
    /// Why that is not an expectation.
    pub error: crate::flow::case::ExpectationError,
}

/// The case a cassette replays: its recorded name and expectation, the
/// account and product of its recorded inquiry.
pub fn case_of_cassette(path: &Path, replay: &Replay) -> Result<Case, CassetteCaseError> {
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
        case.expect = expect
            .parse::<Expectation>()
            .map_err(|error| CassetteCaseError {
                path: path.to_owned(),
                expect: expect.to_owned(),
                error,
            })?;
    }
    Ok(case)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_suite_expects_what_each_account_documents_and_leaves_drift_out() {
        let suite = simulator_suite();
        assert!(!suite.is_empty());
        assert!(suite.iter().all(|c| c.account != "0811111126"), "drift");
        let plain = suite.iter().find(|c| c.account == "0811111111");
        assert_eq!(plain.map(|c| &c.expect), Some(&Expectation::Success));
        assert!(suite.iter().all(|c| c.about.is_some()));
    }

    #[test]
    fn repeated_cases_get_distinct_names() {
        let mut cases = vec![
            Case::new("0811111111"),
            Case::new("0811111112"),
            Case::new("0811111111"),
            Case::new("0811111111"),
        ];
        unique_names(&mut cases);
        let names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "0811111111",
                "0811111112",
                "0811111111 (2)",
                "0811111111 (3)"
            ]
        );
    }
}
