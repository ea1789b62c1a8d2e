//! A fuzz campaign as a library: everything `ppob-contract fuzz` decides
//! before the first case ([`Campaign`]), the preflight inquiry that tells a
//! setup problem from a contract problem, and [`run`]: saved regressions
//! first, then the generated cases, each failure shrunk, saved as a
//! regression and reported through the reporter layer. The CLI only turns
//! flags and the config file into a [`Campaign`] and draws progress.
//!
//! [`run`] only orchestrates; its parts live in submodules, one job each:
//! `kit` (what a run owns: redactor, refNumbers, rate limiter), `start`
//! (the report's start), `replayed` (the regression directory replayed
//! first), `save` (a new failure as a regression file), `failures` (a
//! failure as report events and totals), `summary` (the report's end and
//! the exit status).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::regressions;
use super::report::Shown;
use super::runner::Progress;
use super::{AcceptableTable, FuzzCase, Fuzzer, RunOptions, Scenario, Target, Universe, exec};
use ppob_check::flow::setup::{self, FirstAnswer, NotTheApi};
use ppob_core::contract::input_rules;
use ppob_core::exit::ExitStatus;
use ppob_report::{CoverageTally, Reporter, RunInfo};
use ppob_transport::auth::{BodyMode, Credentials};
use ppob_transport::redact::Redactor;
use ppob_validate::Engine;

mod failures;
mod kit;
mod replayed;
mod save;
mod start;
mod summary;

use failures::Reported;
use kit::Kit;
use replayed::Replayed;

/// Everything decided before the first case.
pub struct Campaign {
    /// Where the cases go.
    pub target: Box<dyn Target>,
    /// The target's base URL, for curl lines (`None`: the simulator; curl
    /// lines then address a `mock` on its default port).
    pub base_url: Option<String>,
    /// The accounts cases use.
    pub universe: Universe,
    /// Signs every request; redacted from everything reported or saved.
    pub credentials: Credentials,
    /// Whether the fields also travel as a JSON body.
    pub body_mode: BodyMode,
    /// The acceptable refusals per variant.
    pub table: AcceptableTable,
    /// Seed, cases, jobs, shrinking limits, the partition.
    pub options: RunOptions,
    /// The first characters of every refNumber.
    pub ref_prefix: String,
    /// Judges every document.
    pub engine: Engine,
    /// Whether warnings fail the run.
    pub deny_warnings: bool,
    /// Response codes the target must answer at least once.
    pub require_codes: Vec<i64>,
    /// The `fuzz.latency` budget, if any.
    pub latency_budget: Option<Duration>,
    /// Where failures are saved and regressions replayed from.
    pub regressions: PathBuf,
    /// Whether saved regressions are replayed first and new failures saved.
    pub save_regressions: bool,
    /// Run only this regression file and report whether it still fails.
    pub replay: Option<PathBuf>,
    /// At most this many requests a second, if set.
    pub rate: Option<u32>,
    /// The shard of the whole run (`--partition`), for reports.
    pub partition: Option<ppob_core::partition::Partition>,
}

impl Campaign {
    /// Where a curl line sends the request: the target, or a `mock` on its
    /// default port.
    pub fn curl_base(&self) -> String {
        self.base_url
            .clone()
            .unwrap_or_else(|| "http://127.0.0.1:8080".to_owned())
    }
}

/// What the caller adds to a campaign: progress, and the commands that
/// reproduce a failure (they depend on how the campaign was started).
pub struct Hooks<'a> {
    /// Told about each case as it ends.
    pub progress: &'a dyn Progress,
    /// The command that generates case `index` of seed `seed` again.
    pub rerun: &'a dyn Fn(u64, u64) -> String,
    /// The command that replays a regression file.
    pub replay: &'a dyn Fn(&Path) -> String,
    /// The run starts (after the regressions were replayed), e.g. to put
    /// the seed on stderr when stdout is a machine's.
    pub started: &'a dyn Fn(&RunInfo),
    /// The generated cases are done (e.g. to clear a progress bar).
    pub finished: &'a dyn Fn(),
}

/// Why a campaign stopped without a verdict (exit code 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CampaignError {
    /// The preflight inquiry found the target unusable.
    #[error("{0}")]
    Preflight(String),
    /// A regression file could not be read or written.
    #[error("{0}")]
    Regression(#[from] regressions::RegressionError),
    /// The reporter could not write.
    #[error("cannot write the report: {0}")]
    Output(#[from] std::io::Error),
}

/// One valid inquiry before fuzzing: an unreachable target, a target that is
/// not the API or refused credentials stop the run with exit code 2, as for `check`.
pub fn preflight(plan: &Campaign, fuzzer: &Fuzzer<'_>) -> Result<(), CampaignError> {
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
        return Err(CampaignError::Preflight(format!(
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
        return Err(CampaignError::Preflight(format!(
            "error[{}]: {found}",
            input_rules::NOT_THE_API
        )));
    }
    if let Some(step) = trace.steps.first()
        && let ppob_check::flow::classify::Reading::AuthRefused { http_status, .. } = step.reading
    {
        return Err(CampaignError::Preflight(format!(
            "error[{}]: {where_} refused the credentials with HTTP {http_status} on a valid inquiry: \
check PPOB_API_KEY and PPOB_API_SECRET (or the config file's [credentials]) and --body-mode",
            input_rules::AUTH
        )));
    }
    Ok(())
}

/// A run's coverage: what the target answered, per operation, and which
/// scenarios and variants ran.
pub fn coverage_of(stats: &super::Stats, required: &[i64]) -> ppob_report::Coverage {
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

/// Runs a campaign: one valid inquiry first (a setup problem stops it with
/// [`CampaignError::Preflight`] before anything is reported), then — with
/// [`Campaign::replay`] — that one regression, or the saved regressions and
/// the generated cases, each failure shrunk, saved and reported to `report`.
pub fn run(
    plan: &Campaign,
    report: &mut dyn Reporter,
    hooks: &Hooks<'_>,
) -> Result<ExitStatus, CampaignError> {
    let kit = Kit::new(plan);
    let fuzzer = kit.fuzzer(plan);
    preflight(plan, &fuzzer)?;
    let shown = kit.shown(plan);
    let target = plan.target.describe();
    if let Some(file) = &plan.replay {
        return replay_one(file, target, &fuzzer, &shown, report, hooks);
    }
    let replayed = Replayed::directory(plan, &fuzzer)?;
    let start = start::of_run(plan, &target, &replayed);
    (hooks.started)(&start);
    report.start(&start)?;
    let outcome = fuzzer.run(&plan.options, hooks.progress);
    (hooks.finished)();
    let seed = plan.options.seed;
    let mut reported = Reported::default();
    for (file, failure) in replayed.still_failing() {
        let reproduce = failures::reproduce(hooks, seed, failure, Some(file));
        reported.add(report, &shown, failure, Some(file), reproduce)?;
    }
    for failure in &outcome.failures {
        let saved = save::save_new(plan, failure, &target, shown.redactor)?;
        let reproduce = failures::reproduce(hooks, seed, failure, saved.as_deref());
        reported.add(report, &shown, failure, saved.as_deref(), reproduce)?;
    }
    let failed = !reported.failures.is_empty();
    let end = summary::of_run(plan, target, &outcome, &replayed, reported);
    report.finish(&end)?;
    Ok(summary::run_status(
        &end.summary,
        plan.deny_warnings,
        failed,
    ))
}

/// `--replay FILE`: runs that one regression and reports whether it still
/// fails (exit 1) or not (exit 0).
fn replay_one(
    file: &Path,
    target: String,
    fuzzer: &Fuzzer<'_>,
    shown: &Shown<'_>,
    report: &mut dyn Reporter,
    hooks: &Hooks<'_>,
) -> Result<ExitStatus, CampaignError> {
    let regression = regressions::load(file)?;
    let (_, failure) = fuzzer.check_one(&regression.case);
    report.start(&start::of_replay(&target, file))?;
    let mut reported = Reported::default();
    if let Some(failure) = &failure {
        let reproduce = Some((hooks.replay)(file));
        reported.add(report, shown, failure, Some(file), reproduce)?;
    }
    report.finish(&summary::of_replay(target, reported))?;
    Ok(summary::replay_status(failure.is_some()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{Recorder, campaign, hooks, negative_payment, with_bug};
    use ppob_sim::{Bug, SimConfig};

    #[test]
    fn a_run_reports_start_failures_and_end_saves_each_failure_and_violates() {
        let dir = tempfile::tempdir().unwrap();
        let plan = campaign(with_bug(Bug::AcceptNegativeAmount), dir.path());
        let mut recorder = Recorder::default();
        let status = run(&plan, &mut recorder, &hooks()).unwrap();
        assert_eq!(status, ExitStatus::Violated);
        assert_eq!(recorder.events.first(), Some(&"start"));
        assert_eq!(recorder.events.last(), Some(&"finish"));
        assert!(!recorder.failures.is_empty());
        assert_eq!(recorder.events.len(), recorder.failures.len() + 2);
        let start = recorder.starts[0].fuzz.as_ref().unwrap();
        assert_eq!(
            (start.seed, start.cases, start.regressions.as_ref()),
            (7, 200, None)
        );

        let saved = regressions::files_in(dir.path()).unwrap();
        assert_eq!(saved.len(), recorder.failures.len());
        for failure in &recorder.failures {
            let file = failure.failure.file.as_deref().unwrap();
            assert!(
                saved.iter().any(|s| s.display().to_string() == file),
                "{file}"
            );
            assert_eq!(failure.failure.reproduce, Some(format!("replay {file}")));
            assert!(failure.failure.index.is_some());
        }
        let end = recorder.ends[0].fuzz.as_ref().unwrap();
        assert_eq!(end.failures.len(), recorder.failures.len());
        assert_eq!(end.regressions_replayed, 0);
        assert!(end.cases > 0);
    }

    #[test]
    fn the_next_run_replays_the_saved_failures_first() {
        let dir = tempfile::tempdir().unwrap();
        let plan = campaign(with_bug(Bug::AcceptNegativeAmount), dir.path());
        run(&plan, &mut Recorder::default(), &hooks()).unwrap();
        let saved = regressions::files_in(dir.path()).unwrap().len() as u64;
        assert!(saved > 0);

        let fixed = campaign(SimConfig::default(), dir.path());
        let mut recorder = Recorder::default();
        let status = run(&fixed, &mut recorder, &hooks()).unwrap();
        assert_eq!(status, ExitStatus::Holds);
        assert_eq!(recorder.events, vec!["start", "finish"]);
        let start = recorder.starts[0].fuzz.as_ref().unwrap();
        assert_eq!(
            start.regressions,
            Some((dir.path().display().to_string(), saved, 0))
        );

        let mut recorder = Recorder::default();
        let status = run(&plan, &mut recorder, &hooks()).unwrap();
        assert_eq!(status, ExitStatus::Violated);
        let end = recorder.ends[0].fuzz.as_ref().unwrap();
        assert_eq!(
            (end.regressions_replayed, end.regressions_failing),
            (saved, saved)
        );
        // The replayed ones come first, without a case number.
        for failure in &recorder.failures[..saved as usize] {
            assert_eq!(failure.failure.index, None);
        }
    }

    #[test]
    fn without_regressions_a_failure_is_rerun_from_its_seed() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("regressions");
        let mut plan = campaign(with_bug(Bug::AcceptNegativeAmount), &sub);
        plan.save_regressions = false;
        let mut recorder = Recorder::default();
        assert_eq!(
            run(&plan, &mut recorder, &hooks()).unwrap(),
            ExitStatus::Violated
        );
        assert!(!sub.exists());
        let failure = &recorder.failures[0].failure;
        assert_eq!(failure.file, None);
        let index = failure.index.unwrap();
        assert_eq!(
            failure.reproduce,
            Some(format!("rerun --seed 7 --case {index}"))
        );
    }

    #[test]
    fn a_replay_runs_one_file_and_says_whether_it_still_fails() {
        let dir = tempfile::tempdir().unwrap();
        let regression = save::regression_of(
            &crate::Failure {
                oracle: "fuzz.negative-refused",
                index: Some(3),
                original: negative_payment(),
                case: negative_payment(),
                trace: Default::default(),
                violations: Vec::new(),
                shrink_steps: 0,
            },
            7,
            "simulator (in-process)",
            &Redactor::new(None),
        );
        let file = regressions::save(dir.path(), &regression).unwrap();

        let mut plan = campaign(with_bug(Bug::AcceptNegativeAmount), dir.path());
        plan.replay = Some(file.clone());
        let mut recorder = Recorder::default();
        assert_eq!(
            run(&plan, &mut recorder, &hooks()).unwrap(),
            ExitStatus::Violated
        );
        assert_eq!(recorder.events, vec!["start", "failure", "finish"]);
        let start = recorder.starts[0].fuzz.as_ref().unwrap();
        assert_eq!(start.replay, Some(file.display().to_string()));
        assert_eq!(
            recorder.failures[0].failure.reproduce,
            Some(format!("replay {}", file.display()))
        );
        let end = recorder.ends[0].fuzz.as_ref().unwrap();
        assert_eq!((end.regressions_replayed, end.regressions_failing), (1, 1));

        let mut plan = campaign(SimConfig::default(), dir.path());
        plan.replay = Some(file);
        let mut recorder = Recorder::default();
        assert_eq!(
            run(&plan, &mut recorder, &hooks()).unwrap(),
            ExitStatus::Holds
        );
        assert_eq!(recorder.events, vec!["start", "finish"]);
        let end = recorder.ends[0].fuzz.as_ref().unwrap();
        assert_eq!((end.regressions_replayed, end.regressions_failing), (1, 0));
    }

    #[test]
    fn a_broken_regression_file_stops_the_run_before_anything_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("broken.json"), "{").unwrap();
        let plan = campaign(SimConfig::default(), dir.path());
        let mut recorder = Recorder::default();
        let err = run(&plan, &mut recorder, &hooks()).unwrap_err();
        assert!(matches!(err, CampaignError::Regression(_)), "{err:?}");
        assert!(recorder.events.is_empty());
    }
}
