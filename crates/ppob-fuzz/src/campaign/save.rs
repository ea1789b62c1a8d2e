//! A new failure saved as a regression file, so that every later run
//! replays it first: its oracle, redacted message, seed, case number and
//! the target it failed against.

use std::path::PathBuf;

use super::{Campaign, CampaignError};
use crate::Failure;
use crate::regressions::{self, Regression};
use ppob_transport::redact::Redactor;

/// The regression `failure` (case number `failure.index` of a run seeded
/// `seed` against `found_against`) is saved as; its message passes through
/// `redactor`.
pub(super) fn regression_of(
    failure: &Failure,
    seed: u64,
    found_against: &str,
    redactor: &Redactor,
) -> Regression {
    Regression {
        about: regressions::ABOUT.into(),
        oracle: failure.oracle.to_owned(),
        message: failure
            .primary()
            .map(|v| redactor.redact(&v.message).into_owned())
            .unwrap_or_default(),
        seed: Some(seed),
        index: failure.index,
        found_against: found_against.to_owned(),
        case: failure.case.clone(),
    }
}

/// Saves `failure` into [`Campaign::regressions`] and returns the file, or
/// `None` when the campaign does not save regressions.
pub(super) fn save_new(
    plan: &Campaign,
    failure: &Failure,
    found_against: &str,
    redactor: &Redactor,
) -> Result<Option<PathBuf>, CampaignError> {
    if !plan.save_regressions {
        return Ok(None);
    }
    let regression = regression_of(failure, plan.options.seed, found_against, redactor);
    Ok(Some(regressions::save(&plan.regressions, &regression)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::kit::Kit;
    use crate::tests::{campaign, negative_payment, with_bug};
    use ppob_sim::Bug;

    /// A failure of the buggy simulator, as if found as case 17 of a run.
    fn failure(plan: &Campaign) -> Failure {
        let kit = Kit::new(plan);
        let (_, failure) = kit.fuzzer(plan).check_one(&negative_payment());
        let mut failure = failure.unwrap();
        failure.index = Some(17);
        failure
    }

    #[test]
    fn a_regression_names_its_oracle_seed_case_and_target_and_hides_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        let plan = campaign(with_bug(Bug::AcceptNegativeAmount), dir.path());
        let mut failure = failure(&plan);
        let secret = plan.credentials.secret().to_owned();
        let primary = failure
            .violations
            .iter_mut()
            .find(|v| v.severity == ppob_core::contract::Severity::Error)
            .unwrap();
        primary.message = format!("signed with {secret}");
        let redactor = Redactor::new(Some(&plan.credentials));
        let regression = regression_of(&failure, 7, "somewhere", &redactor);
        assert_eq!(regression.about, regressions::ABOUT);
        assert_eq!(regression.oracle, "fuzz.negative-refused");
        assert_eq!(regression.seed, Some(7));
        assert_eq!(regression.index, Some(17));
        assert_eq!(regression.found_against, "somewhere");
        assert_eq!(regression.case, negative_payment());
        assert!(regression.message.starts_with("signed with "));
        assert!(
            !regression.message.contains(&secret),
            "{}",
            regression.message
        );
    }

    #[test]
    fn a_failure_is_saved_with_the_run_s_seed_and_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("regressions");
        let mut plan = campaign(with_bug(Bug::AcceptNegativeAmount), &sub);
        plan.options.seed = 99;
        let failure = failure(&plan);
        let redactor = Redactor::new(Some(&plan.credentials));
        let file = save_new(&plan, &failure, "t", &redactor).unwrap().unwrap();
        assert_eq!(file.parent(), Some(sub.as_path()));
        assert_eq!(
            regressions::load(&file).unwrap(),
            regression_of(&failure, 99, "t", &redactor)
        );
    }

    #[test]
    fn nothing_is_saved_without_regressions() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("regressions");
        let mut plan = campaign(with_bug(Bug::AcceptNegativeAmount), &sub);
        plan.save_regressions = false;
        let failure = failure(&plan);
        let redactor = Redactor::new(Some(&plan.credentials));
        assert_eq!(save_new(&plan, &failure, "t", &redactor).unwrap(), None);
        assert!(!sub.exists());
    }
}
