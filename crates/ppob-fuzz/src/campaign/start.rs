//! How a campaign's report starts: the [`RunInfo`] of a `--replay` run and
//! of a run that generates cases (its seed, size, shard and the regressions
//! replayed before it).

use std::path::Path;

use super::Campaign;
use super::replayed::Replayed;
use ppob_report::{Command, FuzzStart, RunInfo};

/// The start of `--replay FILE` against `target`: one case, no seed, no shard.
pub(super) fn of_replay(target: &str, file: &Path) -> RunInfo {
    RunInfo {
        command: Command::Fuzz,
        target: Some(target.to_owned()),
        fuzz: Some(FuzzStart {
            seed: 0,
            cases: 0,
            jobs: 1,
            regressions: None,
            replay: Some(file.display().to_string()),
        }),
        partition: None,
    }
}

/// The start of `plan`'s generated cases against `target`, naming the
/// regression directory with how many files `replayed` ran and how many
/// still fail (nothing when none ran).
pub(super) fn of_run(plan: &Campaign, target: &str, replayed: &Replayed) -> RunInfo {
    RunInfo {
        command: Command::Fuzz,
        target: Some(target.to_owned()),
        fuzz: Some(FuzzStart {
            seed: plan.options.seed,
            cases: plan.options.cases,
            jobs: plan.options.jobs,
            regressions: (!replayed.is_empty()).then(|| {
                (
                    plan.regressions.display().to_string(),
                    replayed.count(),
                    replayed.failing(),
                )
            }),
            replay: None,
        }),
        partition: plan.partition,
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::campaign::kit::Kit;
    use crate::tests::{campaign, negative_payment, with_bug};
    use ppob_core::partition::Partition;
    use ppob_sim::{Bug, SimConfig};

    #[test]
    fn a_replay_starts_with_its_file_and_no_seed_cases_or_shard() {
        let start = of_replay("simulator (in-process)", Path::new("dir/a.json"));
        assert_eq!(start.command, Command::Fuzz);
        assert_eq!(start.target.as_deref(), Some("simulator (in-process)"));
        assert!(start.partition.is_none());
        assert_eq!(
            start.fuzz,
            Some(FuzzStart {
                seed: 0,
                cases: 0,
                jobs: 1,
                regressions: None,
                replay: Some(PathBuf::from("dir/a.json").display().to_string()),
            })
        );
    }

    #[test]
    fn a_run_starts_with_its_seed_size_and_shard_and_no_regressions_when_none_ran() {
        let dir = tempfile::tempdir().unwrap();
        let mut plan = campaign(SimConfig::default(), dir.path());
        plan.options.seed = 42;
        plan.options.cases = 123;
        plan.options.jobs = 3;
        plan.partition = Partition::new(2, 3);
        let start = of_run(&plan, "t", &Replayed::default());
        assert_eq!(start.target.as_deref(), Some("t"));
        assert_eq!(start.partition, Partition::new(2, 3));
        assert_eq!(
            start.fuzz,
            Some(FuzzStart {
                seed: 42,
                cases: 123,
                jobs: 3,
                regressions: None,
                replay: None,
            })
        );
    }

    #[test]
    fn a_run_names_the_regression_directory_with_files_replayed_and_still_failing() {
        let dir = tempfile::tempdir().unwrap();
        let plan = campaign(with_bug(Bug::AcceptNegativeAmount), dir.path());
        let kit = Kit::new(&plan);
        let fuzzer = kit.fuzzer(&plan);
        let (_, failure) = fuzzer.check_one(&negative_payment());
        assert!(failure.is_some());
        let replayed = Replayed {
            runs: vec![
                (dir.path().join("a.json"), None),
                (dir.path().join("b.json"), failure),
            ],
        };
        let start = of_run(&plan, "t", &replayed);
        let fuzz = start.fuzz.unwrap();
        assert_eq!(
            fuzz.regressions,
            Some((dir.path().display().to_string(), 2, 1))
        );
    }
}
