//! The flags several subcommands share, each defined once: `--jobs`,
//! `--rate` and `--partition` mean the same in `check`, `fuzz` and
//! `validate` (ripgrep's and nextest's rule: a flag is documented in one
//! place), and each command only chooses its own default.

use clap::Args;

use ppob_core::partition::Partition;

/// Most workers or cases `--jobs` accepts: far more than any machine gains from.
pub const MAX_JOBS: usize = 1024;

/// `--jobs N`.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct JobsArg {
    /// Work done at the same time: cases for check (their waits overlap, so N cases against a
    /// sandbox take about as long as the slowest), worker threads for validate and fuzz. 0 or
    /// unset: every core; against --target, 4 cases (check) or 8 workers (fuzz). Reports keep
    /// their order whatever N is; --jobs 1 runs everything one after another.
    #[arg(long, short = 'j', value_name = "N", value_parser = parse_jobs)]
    jobs: Option<usize>,
}

impl JobsArg {
    /// `--jobs N` as given, or `None` for the command's default (unset or 0).
    pub fn given(self) -> Option<usize> {
        self.jobs.filter(|&n| n > 0)
    }

    /// `--jobs N`, else `default`.
    pub fn or(self, default: usize) -> usize {
        self.given().unwrap_or(default)
    }
}

fn parse_jobs(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n <= MAX_JOBS => Ok(n),
        Ok(_) => Err(format!(
            "at most {MAX_JOBS} worker threads or cases at once (0 picks the default), got {s}"
        )),
        Err(_) => Err(format!(
            "expected a number of worker threads or cases from 0 to {MAX_JOBS}, got {s:?}"
        )),
    }
}

/// `--rate N`.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct RateArg {
    /// At most N requests a second across everything running, shrinking included (a
    /// sandbox's rate limit). Default: no cap.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub rate: Option<u32>,
}

/// `--partition K/N`.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct PartitionArg {
    /// Run only shard K of N (1 ≤ K ≤ N), e.g. one job of a CI matrix: item i (0-based) belongs
    /// to shard (i mod N)+1 — a case of check in run order; an input of validate after
    /// directories are expanded in sorted order (a file is never split); a case of fuzz's seed
    /// (same --seed and --cases in every job) and the i-th saved regression file. The N shards
    /// together are the whole run; `report merge` joins their JSON reports.
    #[arg(long, value_name = "K/N")]
    pub partition: Option<Partition>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Shared {
        #[command(flatten)]
        jobs: JobsArg,
        #[command(flatten)]
        rate: RateArg,
        #[command(flatten)]
        partition: PartitionArg,
    }

    fn parse(args: &[&str]) -> Result<Shared, clap::Error> {
        Shared::try_parse_from(std::iter::once("t").chain(args.iter().copied()))
    }

    #[test]
    fn jobs_zero_or_unset_is_the_default_and_the_cap_is_one_definition() {
        assert_eq!(parse(&[]).unwrap().jobs.or(7), 7);
        assert_eq!(parse(&["-j", "0"]).unwrap().jobs.or(7), 7);
        assert_eq!(parse(&["--jobs", "3"]).unwrap().jobs.or(7), 3);
        assert_eq!(parse(&["-j", "1024"]).unwrap().jobs.given(), Some(1024));
        let too_many = parse(&["-j", "1025"]).unwrap_err().to_string();
        assert!(too_many.contains("at most 1024"), "{too_many}");
        assert!(parse(&["-j", "many"]).is_err());
    }

    #[test]
    fn rate_must_be_above_zero_and_partition_is_k_of_n() {
        assert_eq!(parse(&["--rate", "20"]).unwrap().rate.rate, Some(20));
        assert!(parse(&["--rate", "0"]).is_err());
        let shard = parse(&["--partition", "2/3"]).unwrap().partition.partition;
        assert_eq!(shard.map(|p| (p.shard(), p.shards())), Some((2, 3)));
        assert!(parse(&["--partition", "4/3"]).is_err());
    }
}
