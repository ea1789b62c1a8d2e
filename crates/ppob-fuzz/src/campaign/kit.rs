//! What a campaign owns while it runs — the redactor, the refNumber maker
//! and the `--rate` limiter — and the two views that borrow them: the
//! [`Fuzzer`] that sends and judges cases and the [`Shown`] that keeps
//! secrets out of what is reported.

use super::Campaign;
use crate::report::Shown;
use crate::{Fuzzer, Judge};
use ppob_check::flow::RefNumbers;
use ppob_transport::rate::RateLimiter;
use ppob_transport::redact::Redactor;

/// The values a run makes from its [`Campaign`] and lends to its parts.
pub(super) struct Kit {
    /// Redacts the campaign's key, secret and TOKENs.
    redactor: Redactor,
    /// Makes refNumbers starting with [`Campaign::ref_prefix`].
    refs: RefNumbers,
    /// The `--rate` cap, when there is one.
    rate: Option<RateLimiter>,
}

impl Kit {
    /// The redactor, refNumbers and rate limiter of `plan`.
    pub(super) fn new(plan: &Campaign) -> Self {
        Self {
            redactor: Redactor::new(Some(&plan.credentials)),
            refs: RefNumbers::new(&plan.ref_prefix),
            rate: plan.rate.map(RateLimiter::new),
        }
    }

    /// The fuzzer of `plan`: its target, oracles, credentials and accounts.
    pub(super) fn fuzzer<'a>(&'a self, plan: &'a Campaign) -> Fuzzer<'a> {
        Fuzzer {
            target: plan.target.as_ref(),
            judge: Judge {
                engine: &plan.engine,
                table: &plan.table,
                latency_budget: plan.latency_budget,
            },
            credentials: &plan.credentials,
            body_mode: plan.body_mode,
            refs: &self.refs,
            rate: self.rate.as_ref(),
            universe: &plan.universe,
        }
    }

    /// How `plan`'s failures are shown: redacted, curl lines aimed at its target.
    pub(super) fn shown<'a>(&'a self, plan: &'a Campaign) -> Shown<'a> {
        Shown {
            redactor: &self.redactor,
            key: plan.credentials.key(),
            secret: plan.credentials.secret(),
            curl_base: plan.curl_base(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::campaign;
    use ppob_sim::SimConfig;

    #[test]
    fn the_fuzzer_uses_the_plan_s_target_accounts_rate_and_ref_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let mut plan = campaign(SimConfig::default(), dir.path());
        plan.ref_prefix = "KITREF".into();
        plan.rate = Some(1000);
        plan.latency_budget = Some(std::time::Duration::from_millis(5));
        let kit = Kit::new(&plan);
        let fuzzer = kit.fuzzer(&plan);
        assert_eq!(fuzzer.target.describe(), "simulator (in-process)");
        assert_eq!(fuzzer.universe.payable, plan.universe.payable);
        assert_eq!(fuzzer.body_mode, plan.body_mode);
        assert_eq!(fuzzer.credentials.key(), plan.credentials.key());
        assert_eq!(
            fuzzer.judge.latency_budget,
            Some(std::time::Duration::from_millis(5))
        );
        assert!(fuzzer.rate.is_some());
        assert!(
            fuzzer.refs.next().starts_with("KITREF"),
            "{}",
            fuzzer.refs.next()
        );

        plan.rate = None;
        let kit = Kit::new(&plan);
        assert!(kit.fuzzer(&plan).rate.is_none());
    }

    #[test]
    fn what_is_shown_hides_the_secret_and_aims_curl_at_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let mut plan = campaign(SimConfig::default(), dir.path());
        let kit = Kit::new(&plan);
        let shown = kit.shown(&plan);
        assert_eq!(shown.curl_base, "http://127.0.0.1:8080");
        assert_eq!(shown.key, plan.credentials.key());
        assert_eq!(shown.secret, plan.credentials.secret());
        let secret = plan.credentials.secret().to_owned();
        let text = format!("signed with {secret}");
        let redacted = shown.redactor.redact(&text);
        assert!(!redacted.contains(&secret), "{redacted}");

        plan.base_url = Some("https://sandbox.example".into());
        let kit = Kit::new(&plan);
        assert_eq!(kit.shown(&plan).curl_base, "https://sandbox.example");
    }
}
