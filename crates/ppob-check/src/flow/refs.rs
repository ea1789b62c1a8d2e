//! The partner's `refNumber`s: unique across processes and machines.
//!
//! Parallel CI jobs against one shared sandbox are the normal way `check`
//! runs, so a refNumber must not depend on the process or the start time
//! alone. Each run draws a 64-bit key from the operating system's random
//! number generator; the n-th refNumber of the run is the prefix followed by
//! a bijective mix of key and n, written as 13 base-36 digits (`0-9A-Z`):
//!
//! - within a run every refNumber differs (the mix is a bijection of n);
//! - two runs collide only if their keys line up, about once in 2^64 pairs
//!   of refNumbers;
//! - the format stays alphanumeric: `PPOBCT` + 13 characters = 19 by
//!   default, at most [`MAX_PREFIX`] + 13 = 32 characters.
//!
//! api-facts gives no maximum length; the seed's own refNumbers have 12 and
//! 18 characters.

use std::sync::atomic::{AtomicU64, Ordering};

/// The default prefix of generated refNumbers.
pub const DEFAULT_PREFIX: &str = "PPOBCT";
/// The longest prefix allowed.
pub const MAX_PREFIX: usize = 19;
/// How many characters follow the prefix.
pub const RANDOM_DIGITS: usize = 13;

/// Why a refNumber prefix is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PrefixError {
    /// A character other than ASCII letters and digits.
    #[error(
        "ref_prefix {0:?} may hold only ASCII letters and digits (refNumbers are alphanumeric)"
    )]
    NotAlphanumeric(String),
    /// Longer than [`MAX_PREFIX`].
    #[error(
        "ref_prefix {prefix:?} has {len} characters; at most {MAX_PREFIX} keep refNumbers within 32"
    )]
    TooLong {
        /// The prefix.
        prefix: String,
        /// Its length.
        len: usize,
    },
}

/// Checks a refNumber prefix: ASCII letters and digits, at most [`MAX_PREFIX`].
pub fn check_prefix(prefix: &str) -> Result<(), PrefixError> {
    if !prefix.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(PrefixError::NotAlphanumeric(prefix.to_owned()));
    }
    if prefix.len() > MAX_PREFIX {
        return Err(PrefixError::TooLong {
            prefix: prefix.to_owned(),
            len: prefix.len(),
        });
    }
    Ok(())
}

/// Makes the partner's unique `refNumber`s, e.g. `PPOBCT0K4Z9QX1B7TMA`.
#[derive(Debug)]
pub struct RefNumbers {
    prefix: String,
    key: u64,
    next: AtomicU64,
}

impl RefNumbers {
    /// A generator with a fresh key from the operating system's random
    /// number generator (should that fail, from std's randomly keyed hasher).
    pub fn new(prefix: &str) -> Self {
        Self::seeded(prefix, os_random())
    }

    /// A generator with a fixed key: two generators with the same seed make
    /// the same refNumbers (tests use it to provoke a collision).
    pub fn seeded(prefix: &str, seed: u64) -> Self {
        Self {
            prefix: prefix.to_owned(),
            key: seed,
            next: AtomicU64::new(0),
        }
    }

    /// The next refNumber: the prefix and 13 base-36 digits.
    pub fn next(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let mixed = mix(self.key.wrapping_add(n.wrapping_mul(GOLDEN_GAMMA)));
        format!("{}{}", self.prefix, base36(mixed))
    }

    /// The next refNumber, after `stem` and a dash when `stem` is not empty
    /// (the fuzzer's mutated stems).
    pub fn next_with(&self, stem: &str) -> String {
        if stem.is_empty() {
            self.next()
        } else {
            format!("{stem}-{}", self.next())
        }
    }
}

/// An odd constant (2^64 / φ): multiplying by it is a bijection on u64.
const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's finaliser: a bijection on u64 that spreads every input bit.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `n` as exactly [`RANDOM_DIGITS`] base-36 digits (u64::MAX needs 13).
fn base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut out = [b'0'; RANDOM_DIGITS];
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(n % 36) as usize];
        n /= 36;
    }
    out.iter().map(|&b| char::from(b)).collect()
}

/// 64 random bits from the operating system.
fn os_random() -> u64 {
    getrandom::u64().unwrap_or_else(|_| {
        use std::hash::{BuildHasher, Hasher};
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        hasher.write_u32(std::process::id());
        hasher.finish()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ref_numbers_are_alphanumeric_with_a_fixed_length() {
        let refs = RefNumbers::new(DEFAULT_PREFIX);
        for _ in 0..100 {
            let r = refs.next();
            assert_eq!(r.len(), DEFAULT_PREFIX.len() + RANDOM_DIGITS, "{r}");
            assert!(r.starts_with(DEFAULT_PREFIX), "{r}");
            assert!(r.chars().all(|c| c.is_ascii_alphanumeric()), "{r}");
        }
        assert_eq!(base36(0), "0000000000000");
        assert_eq!(base36(u64::MAX), "3W5E11264SGSF");
    }

    #[test]
    fn a_run_never_repeats_a_ref_number() {
        let refs = RefNumbers::seeded("T", 0);
        let seen: HashSet<String> = (0..20_000).map(|_| refs.next()).collect();
        assert_eq!(seen.len(), 20_000);
    }

    #[test]
    fn two_runs_started_together_do_not_collide() {
        // The old scheme (prefix, start millisecond, counter) gave two runs
        // started in the same millisecond the same refNumbers.
        let a = RefNumbers::new("P");
        let b = RefNumbers::new("P");
        let first: HashSet<String> = (0..1_000).map(|_| a.next()).collect();
        assert!((0..1_000).all(|_| !first.contains(&b.next())));
    }

    #[test]
    fn the_same_seed_makes_the_same_ref_numbers() {
        let a = RefNumbers::seeded("P", 42);
        let b = RefNumbers::seeded("P", 42);
        assert_eq!(a.next(), b.next());
        assert_ne!(a.next(), RefNumbers::seeded("P", 43).next());
    }

    #[test]
    fn prefixes_are_checked() {
        assert!(check_prefix("PPOBCT").is_ok());
        assert!(check_prefix("").is_ok());
        assert!(matches!(
            check_prefix("PP-CT"),
            Err(PrefixError::NotAlphanumeric(_))
        ));
        assert!(matches!(
            check_prefix("ÄBC"),
            Err(PrefixError::NotAlphanumeric(_))
        ));
        assert!(matches!(
            check_prefix(&"A".repeat(20)),
            Err(PrefixError::TooLong { len: 20, .. })
        ));
    }
}
