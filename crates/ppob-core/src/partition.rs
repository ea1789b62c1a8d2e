//! `--partition K/N`: one shard of a run split over N CI jobs.
//!
//! Item `i` (0-based: a case of `check`, an input of `validate`, a case
//! index of a `fuzz` seed) belongs to shard `(i mod N) + 1`. The shards are
//! deterministic, disjoint, and together they are the whole run.

use std::fmt;
use std::str::FromStr;

/// Shard `K` of `N` (1 ≤ K ≤ N).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    shard: u64,
    shards: u64,
}

/// Why a `K/N` partition does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{given}` is not a partition: expected K/N with whole numbers 1 ≤ K ≤ N, e.g. 2/3 ({why})"
)]
pub struct PartitionError {
    given: String,
    why: &'static str,
}

impl Partition {
    /// Shard `shard` of `shards`, when 1 ≤ shard ≤ shards.
    pub fn new(shard: u64, shards: u64) -> Option<Self> {
        (1..=shards)
            .contains(&shard)
            .then_some(Self { shard, shards })
    }

    /// The whole run as one shard.
    pub fn whole() -> Self {
        Self {
            shard: 1,
            shards: 1,
        }
    }

    /// K.
    pub fn shard(&self) -> u64 {
        self.shard
    }

    /// N.
    pub fn shards(&self) -> u64 {
        self.shards
    }

    /// Whether item `index` (0-based) belongs to this shard.
    pub fn contains(&self, index: u64) -> bool {
        index % self.shards + 1 == self.shard
    }

    /// How many of the items `0..total` belong to this shard.
    pub fn count_of(&self, total: u64) -> u64 {
        let skipped = self.shard - 1;
        total.saturating_sub(skipped).div_ceil(self.shards)
    }

    /// The items of this shard, in their order.
    pub fn select<T>(&self, items: impl IntoIterator<Item = T>) -> Vec<T> {
        items
            .into_iter()
            .zip(0u64..)
            .filter(|(_, i)| self.contains(*i))
            .map(|(item, _)| item)
            .collect()
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.shard, self.shards)
    }
}

impl FromStr for Partition {
    type Err = PartitionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let error = |why| PartitionError {
            given: s.to_owned(),
            why,
        };
        let (k, n) = s.split_once('/').ok_or_else(|| error("no `/`"))?;
        let k: u64 = k
            .trim()
            .parse()
            .map_err(|_| error("K is not a whole number"))?;
        let n: u64 = n
            .trim()
            .parse()
            .map_err(|_| error("N is not a whole number"))?;
        if n == 0 {
            return Err(error("N is 0"));
        }
        Self::new(k, n).ok_or_else(|| error("K is outside 1..=N"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_disjoint_and_cover_the_run() {
        for total in [0u64, 1, 2, 7, 10, 31] {
            let mut seen = vec![0u32; total as usize];
            for k in 1..=3 {
                let p = Partition::new(k, 3).unwrap();
                let picked = p.select(0..total);
                assert_eq!(picked.len() as u64, p.count_of(total), "{p} of {total}");
                for i in picked {
                    seen[i as usize] += 1;
                }
            }
            assert!(seen.iter().all(|&n| n == 1), "{total}: {seen:?}");
        }
    }

    #[test]
    fn parses_k_of_n_and_explains_bad_ones() {
        assert_eq!(
            "2/3".parse::<Partition>(),
            Ok(Partition::new(2, 3).unwrap())
        );
        assert_eq!("1/1".parse::<Partition>(), Ok(Partition::whole()));
        for (bad, why) in [
            ("0/3", "outside"),
            ("4/3", "outside"),
            ("1/0", "N is 0"),
            ("3", "no `/`"),
            ("a/3", "K is not"),
            ("1/-2", "N is not"),
        ] {
            let e = bad.parse::<Partition>().unwrap_err().to_string();
            assert!(e.contains(bad) && e.contains(why), "{bad}: {e}");
        }
    }
}
