//! A fuzz campaign as a library: everything `ppob-contract fuzz` decides
//! before the first case ([`Campaign`]), the preflight inquiry that tells a
//! setup problem from a contract problem, and [`run`]: saved regressions
//! first, then the generated cases, each failure shrunk, saved as a
//! regression and reported through the reporter layer. The CLI only turns
//! flags and the config file into a [`Campaign`] and draws progress.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::regressions::{self, Regression};
use super::report::{Shown, failure_report};
use super::runner::Progress;
use super::{
    AcceptableTable, Failure, FuzzCase, Fuzzer, Judge, RunOptions, Scenario, Target, Universe, exec,
};
use ppob_check::flow::RefNumbers;
use ppob_check::flow::setup::{self, FirstAnswer, NotTheApi};
use ppob_core::contract::input_rules;
use ppob_core::exit::ExitStatus;
use ppob_report::wire::millis;
use ppob_report::{Command, CoverageTally, FuzzStart, FuzzSummary, Reporter, RunEnd, RunInfo};
use ppob_transport::auth::{BodyMode, Credentials};
use ppob_transport::rate::RateLimiter;
use ppob_transport::redact::Redactor;
use ppob_validate::Engine;

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
    let engine = &plan.engine;
    let redactor = Redactor::new(Some(&plan.credentials));
    let refs = RefNumbers::new(&plan.ref_prefix);
    let rate = plan.rate.map(RateLimiter::new);
    let fuzzer = Fuzzer {
        target: plan.target.as_ref(),
        judge: Judge {
            engine,
            table: &plan.table,
            latency_budget: plan.latency_budget,
        },
        credentials: &plan.credentials,
        body_mode: plan.body_mode,
        refs: &refs,
        rate: rate.as_ref(),
        universe: &plan.universe,
    };
    preflight(plan, &fuzzer)?;
    let shown = Shown {
        redactor: &redactor,
        key: plan.credentials.key(),
        secret: plan.credentials.secret(),
        curl_base: plan.curl_base(),
    };
    let target = plan.target.describe();
    if let Some(file) = &plan.replay {
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
        let mut summary = ppob_core::contract::Summary::default();
        let mut failures = Vec::new();
        if let Some(failure) = &failure {
            let shown_failure =
                failure_report(failure, Some(file), Some((hooks.replay)(file)), &shown);
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
    if plan.save_regressions {
        let files = regressions::files_in(&plan.regressions)?;
        for file in plan.options.partition.select(files) {
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
        partition: plan.partition,
    };
    (hooks.started)(&start);
    report.start(&start)?;
    let outcome = fuzzer.run(&plan.options, hooks.progress);
    (hooks.finished)();

    let mut summary = ppob_core::contract::Summary::default();
    let mut failures = Vec::new();
    let mut report_one = |failure: &Failure, file: Option<PathBuf>| -> Result<(), CampaignError> {
        let reproduce = match (&file, failure.index) {
            (Some(f), _) => Some((hooks.replay)(f)),
            (None, Some(index)) => Some((hooks.rerun)(plan.options.seed, index)),
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
        let saved = if !plan.save_regressions {
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
    let mut status = end.summary.exit_status(plan.deny_warnings);
    if failed {
        status = status.max(ExitStatus::Violated);
    }
    Ok(status)
}
