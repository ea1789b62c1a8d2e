//! The regression directory, replayed before any generated case: every
//! saved file of this run's shard, in name order, each run once and judged.

use std::path::{Path, PathBuf};

use super::{Campaign, CampaignError};
use crate::regressions;
use crate::{Failure, Fuzzer};

/// The regression files a run replayed, in the order they ran.
#[derive(Debug, Default)]
pub(super) struct Replayed {
    /// Each file with its failure, when it still fails.
    pub(super) runs: Vec<(PathBuf, Option<Failure>)>,
}

impl Replayed {
    /// Replays every regression file of [`Campaign::regressions`] that
    /// belongs to the run's shard, sorted by name; none when the campaign
    /// neither replays nor saves regressions. A file that cannot be read
    /// stops the run.
    pub(super) fn directory(plan: &Campaign, fuzzer: &Fuzzer<'_>) -> Result<Self, CampaignError> {
        let mut runs = Vec::new();
        if plan.save_regressions {
            let files = regressions::files_in(&plan.regressions)?;
            for file in plan.options.partition.select(files) {
                let regression = regressions::load(&file)?;
                let (_, failure) = fuzzer.check_one(&regression.case);
                runs.push((file, failure));
            }
        }
        Ok(Self { runs })
    }

    /// Whether no file was replayed.
    pub(super) fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// How many files were replayed.
    pub(super) fn count(&self) -> u64 {
        self.runs.len() as u64
    }

    /// How many of them still fail.
    pub(super) fn failing(&self) -> u64 {
        self.runs.iter().filter(|(_, f)| f.is_some()).count() as u64
    }

    /// The files that still fail, with their failures, in replay order.
    pub(super) fn still_failing(&self) -> impl Iterator<Item = (&Path, &Failure)> {
        self.runs
            .iter()
            .filter_map(|(file, failure)| failure.as_ref().map(|f| (file.as_path(), f)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FuzzCase;
    use crate::campaign::kit::Kit;
    use crate::tests::{campaign, negative_payment, with_bug};
    use ppob_core::partition::Partition;
    use ppob_sim::{Bug, SimConfig};

    /// A case no simulator fails: one valid inquiry.
    fn passing() -> FuzzCase {
        FuzzCase {
            scenario: crate::Scenario::Inquiry,
            mutation: None,
            ..negative_payment()
        }
    }

    fn write(dir: &Path, name: &str, case: FuzzCase) -> PathBuf {
        let regression = regressions::Regression {
            about: regressions::ABOUT.into(),
            oracle: "fuzz.negative-refused".into(),
            message: "m".into(),
            seed: None,
            index: None,
            found_against: "simulator (in-process)".into(),
            case,
        };
        let path = dir.join(name);
        std::fs::write(&path, serde_json::to_string(&regression).unwrap()).unwrap();
        path
    }

    /// Three files written out of name order: `a` passes, `b` fails, `c` passes.
    fn three_files(dir: &Path) -> Vec<PathBuf> {
        let c = write(dir, "c.json", passing());
        let a = write(dir, "a.json", passing());
        let b = write(dir, "b.json", negative_payment());
        std::fs::write(dir.join("notes.txt"), "not a regression").unwrap();
        vec![a, b, c]
    }

    #[test]
    fn every_file_is_replayed_in_name_order_and_the_failing_one_is_told() {
        let dir = tempfile::tempdir().unwrap();
        let files = three_files(dir.path());
        let plan = campaign(with_bug(Bug::AcceptNegativeAmount), dir.path());
        let kit = Kit::new(&plan);
        let replayed = Replayed::directory(&plan, &kit.fuzzer(&plan)).unwrap();
        let order: Vec<&PathBuf> = replayed.runs.iter().map(|(f, _)| f).collect();
        assert_eq!(order, files.iter().collect::<Vec<_>>());
        assert!(!replayed.is_empty());
        assert_eq!(replayed.count(), 3);
        assert_eq!(replayed.failing(), 1);
        let failing: Vec<(&Path, &str)> = replayed
            .still_failing()
            .map(|(f, failure)| (f, failure.oracle))
            .collect();
        assert_eq!(failing, vec![(files[1].as_path(), "fuzz.negative-refused")]);
        assert_eq!(replayed.runs[1].1.as_ref().unwrap().index, None);
    }

    #[test]
    fn a_fixed_bug_leaves_the_files_replayed_but_none_failing() {
        let dir = tempfile::tempdir().unwrap();
        three_files(dir.path());
        let plan = campaign(SimConfig::default(), dir.path());
        let kit = Kit::new(&plan);
        let replayed = Replayed::directory(&plan, &kit.fuzzer(&plan)).unwrap();
        assert_eq!(replayed.count(), 3);
        assert_eq!(replayed.failing(), 0);
        assert_eq!(replayed.still_failing().count(), 0);
    }

    #[test]
    fn a_shard_replays_only_its_own_files() {
        let dir = tempfile::tempdir().unwrap();
        let files = three_files(dir.path());
        let mut plan = campaign(with_bug(Bug::AcceptNegativeAmount), dir.path());
        plan.options.partition = Partition::new(2, 2).unwrap();
        let kit = Kit::new(&plan);
        let replayed = Replayed::directory(&plan, &kit.fuzzer(&plan)).unwrap();
        let order: Vec<&PathBuf> = replayed.runs.iter().map(|(f, _)| f).collect();
        assert_eq!(order, vec![&files[1]]);
        assert_eq!(replayed.failing(), 1);
    }

    #[test]
    fn without_regressions_nothing_is_replayed() {
        let dir = tempfile::tempdir().unwrap();
        three_files(dir.path());
        let mut plan = campaign(with_bug(Bug::AcceptNegativeAmount), dir.path());
        plan.save_regressions = false;
        let kit = Kit::new(&plan);
        let replayed = Replayed::directory(&plan, &kit.fuzzer(&plan)).unwrap();
        assert!(replayed.is_empty());
        assert_eq!(replayed.count(), 0);
        assert_eq!(replayed.failing(), 0);
    }

    #[test]
    fn a_missing_directory_replays_nothing_and_a_broken_file_stops_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let plan = campaign(SimConfig::default(), &dir.path().join("missing"));
        let kit = Kit::new(&plan);
        assert!(
            Replayed::directory(&plan, &kit.fuzzer(&plan))
                .unwrap()
                .is_empty()
        );

        std::fs::write(dir.path().join("broken.json"), "{").unwrap();
        let plan = campaign(SimConfig::default(), dir.path());
        let kit = Kit::new(&plan);
        let err = Replayed::directory(&plan, &kit.fuzzer(&plan)).unwrap_err();
        assert!(matches!(err, CampaignError::Regression(_)), "{err:?}");
        assert!(err.to_string().contains("broken.json"), "{err}");
    }
}
