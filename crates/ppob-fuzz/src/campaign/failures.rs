//! Failures as the reporters see them: each one redacted into a
//! [`FailureReport`](ppob_report::FailureReport) with the command that
//! reproduces it, handed to the reporter, and counted in the run's totals.

use std::io;
use std::path::Path;

use super::Hooks;
use crate::Failure;
use crate::report::{Shown, failure_report};
use ppob_core::contract::Summary;
use ppob_report::{FuzzFailure, Reporter};

/// The command that runs `failure` again: replaying its regression `file`
/// when it has one, else generating case `failure.index` of seed `seed`
/// again; `None` for a failure with neither.
pub(super) fn reproduce(
    hooks: &Hooks<'_>,
    seed: u64,
    failure: &Failure,
    file: Option<&Path>,
) -> Option<String> {
    match (file, failure.index) {
        (Some(f), _) => Some((hooks.replay)(f)),
        (None, Some(index)) => Some((hooks.rerun)(seed, index)),
        _ => None,
    }
}

/// The failures reported so far, in order, and the totals of their documents.
#[derive(Debug, Default)]
pub(super) struct Reported {
    /// Findings over every reported failure's documents.
    pub(super) summary: Summary,
    /// Each failure's entry in the report.
    pub(super) failures: Vec<FuzzFailure>,
}

impl Reported {
    /// Tells `report` about `failure` (saved to or replayed from `file`,
    /// run again by `reproduce`), shown through `shown`, and counts it.
    pub(super) fn add(
        &mut self,
        report: &mut dyn Reporter,
        shown: &Shown<'_>,
        failure: &Failure,
        file: Option<&Path>,
        reproduce: Option<String>,
    ) -> io::Result<()> {
        let shown_failure = failure_report(failure, file, reproduce, shown);
        for doc in &shown_failure.documents {
            self.summary.add(&doc.report);
        }
        report.fuzz_failure(&shown_failure)?;
        self.failures.push(shown_failure.failure);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::campaign::kit::Kit;
    use crate::tests::{Recorder, campaign, hooks, negative_payment, with_bug};
    use ppob_sim::Bug;

    fn failure(index: Option<u64>) -> Failure {
        let dir = tempfile::tempdir().unwrap();
        let plan = campaign(with_bug(Bug::AcceptNegativeAmount), dir.path());
        let kit = Kit::new(&plan);
        let (_, failure) = kit.fuzzer(&plan).check_one(&negative_payment());
        let mut failure = failure.unwrap();
        failure.index = index;
        failure
    }

    #[test]
    fn a_saved_failure_is_replayed_from_its_file_a_new_one_rerun_from_its_seed() {
        let hooks = hooks();
        let file = PathBuf::from("dir/x.json");
        assert_eq!(
            reproduce(&hooks, 5, &failure(Some(3)), Some(&file)),
            Some(format!("replay {}", file.display()))
        );
        assert_eq!(
            reproduce(&hooks, 5, &failure(None), Some(&file)),
            Some(format!("replay {}", file.display()))
        );
        assert_eq!(
            reproduce(&hooks, 5, &failure(Some(3)), None),
            Some("rerun --seed 5 --case 3".to_owned())
        );
        assert_eq!(reproduce(&hooks, 5, &failure(None), None), None);
    }

    #[test]
    fn a_failure_becomes_one_report_event_and_counts_its_documents_and_findings() {
        let dir = tempfile::tempdir().unwrap();
        let plan = campaign(with_bug(Bug::AcceptNegativeAmount), dir.path());
        let kit = Kit::new(&plan);
        let shown = kit.shown(&plan);
        let failure = failure(Some(4));
        let mut recorder = Recorder::default();
        let mut reported = Reported::default();
        let file = dir.path().join("saved.json");
        reported
            .add(
                &mut recorder,
                &shown,
                &failure,
                Some(&file),
                Some("again".into()),
            )
            .unwrap();
        reported
            .add(&mut recorder, &shown, &failure, None, None)
            .unwrap();

        assert_eq!(recorder.events, vec!["failure", "failure"]);
        assert_eq!(recorder.failures.len(), 2);
        assert_eq!(recorder.failures[0].name, "saved");
        assert_eq!(recorder.failures[1].name, "case 4");
        let documents = 2 * failure.trace.steps.len() as u64;
        assert_eq!(reported.summary.documents, 2 * documents);
        let errors = failure
            .violations
            .iter()
            .filter(|v| v.severity == ppob_core::contract::Severity::Error)
            .count() as u64;
        assert!(errors > 0);
        assert_eq!(reported.summary.errors, 2 * errors);

        assert_eq!(reported.failures.len(), 2);
        let first = &reported.failures[0];
        assert_eq!(first.oracle, "fuzz.negative-refused");
        assert_eq!(first.variant, "negative-amount");
        assert_eq!(first.index, Some(4));
        assert_eq!(first.file, Some(file.display().to_string()));
        assert_eq!(first.reproduce.as_deref(), Some("again"));
        assert_eq!(reported.failures[1].file, None);
        assert_eq!(reported.failures[1].reproduce, None);
        assert_eq!(recorder.failures[0].failure, *first);
    }

    #[test]
    fn a_reporter_that_cannot_write_stops_before_the_failure_is_counted_as_reported() {
        let dir = tempfile::tempdir().unwrap();
        let plan = campaign(with_bug(Bug::AcceptNegativeAmount), dir.path());
        let kit = Kit::new(&plan);
        let mut recorder = Recorder {
            broken: true,
            ..Recorder::default()
        };
        let mut reported = Reported::default();
        let err = reported
            .add(
                &mut recorder,
                &kit.shown(&plan),
                &failure(Some(1)),
                None,
                None,
            )
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
        assert!(reported.failures.is_empty());
    }
}
