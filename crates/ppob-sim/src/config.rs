//! The simulator's options: the points api-facts leaves open, with their defaults.

use std::time::Duration;

use super::bug::Bug;
use super::fault::FaultRule;
use super::unknown_name::UnknownName;
use ppob_transport::auth::Credentials;

/// What a second payment with an already used `refNumber` gets (api-facts:
/// undocumented, so an option).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DuplicatePolicy {
    /// Failure 102 (duplicate transaction), `data` {refNumber, transactionId} of the original.
    #[default]
    Reject102,
    /// Failure 108 (duplicate transaction), same data.
    Reject108,
    /// The original transaction's current state, as a payment answer
    /// (299 while pending, 0 with its token, or its failure code).
    ReturnOriginal,
}

impl DuplicatePolicy {
    /// Every policy, in the order `--help` lists them.
    pub const ALL: [DuplicatePolicy; 3] = [Self::Reject102, Self::Reject108, Self::ReturnOriginal];

    /// The flag value, e.g. `reject-102`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Reject102 => "reject-102",
            Self::Reject108 => "reject-108",
            Self::ReturnOriginal => "return-original",
        }
    }
}

/// What a request field the contract does not document gets (api-facts:
/// undocumented, so an option). The default matches the published request
/// schemas, which allow unknown fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UnknownFields {
    /// Ignored: the request is read without them, as the published schemas
    /// allow, and each is told (a log line and the `ppob-contract-ignored`
    /// answer header, naming the documented field it probably meant).
    #[default]
    Ignore,
    /// Ignored without a word, as the real API does: no log line, no header.
    Silent,
    /// Refused: the answer is 180 naming every unknown field.
    Reject,
}

impl UnknownFields {
    /// Every policy, in the order `--help` lists them.
    pub const ALL: [UnknownFields; 3] = [Self::Ignore, Self::Silent, Self::Reject];

    /// The flag value, e.g. `ignore`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ignore => "ignore",
            Self::Silent => "silent",
            Self::Reject => "reject",
        }
    }
}

impl std::str::FromStr for DuplicatePolicy {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| UnknownName::new(s, Self::ALL.map(Self::name)))
    }
}

impl std::str::FromStr for UnknownFields {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|u| u.name() == s)
            .ok_or_else(|| UnknownName::new(s, Self::ALL.map(Self::name)))
    }
}

/// How the simulator behaves.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The partner KEY and secret the simulator accepts (default
    /// [`Credentials::simulator_demo`]).
    pub credentials: Credentials,
    /// A payment answers 299 and becomes final this long after it was made (default 2 s).
    pub settle_after: Duration,
    /// An inquiry older than this makes its payment fail with 312 (default 15 min).
    pub inquiry_ttl: Duration,
    /// What a reused refNumber gets (default [`DuplicatePolicy::Reject102`]).
    pub duplicate: DuplicatePolicy,
    /// Faults for the whole run, on top of each account's own faults.
    pub faults: Vec<FaultRule>,
    /// How long a `timeout` fault holds the answer (default 60 s).
    pub hang_for: Duration,
    /// Deliberate bugs switched on (default none): they exist only to prove
    /// that the fuzzer's oracles fire.
    pub bugs: Vec<Bug>,
    /// What request fields the contract does not document get (default
    /// [`UnknownFields::Ignore`], as the published request schemas say).
    pub unknown_fields: UnknownFields,
}

impl SimConfig {
    /// Whether `bug` is switched on.
    pub fn has_bug(&self, bug: Bug) -> bool {
        self.bugs.contains(&bug)
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            credentials: Credentials::simulator_demo(),
            settle_after: Duration::from_secs(2),
            inquiry_ttl: Duration::from_secs(15 * 60),
            duplicate: DuplicatePolicy::default(),
            faults: Vec::new(),
            hang_for: Duration::from_secs(60),
            bugs: Vec::new(),
            unknown_fields: UnknownFields::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_ones() {
        let c = SimConfig::default();
        assert_eq!(c.settle_after, Duration::from_secs(2));
        assert_eq!(c.inquiry_ttl, Duration::from_secs(900));
        assert_eq!(c.hang_for, Duration::from_secs(60));
        assert_eq!(c.duplicate, DuplicatePolicy::Reject102);
        assert_eq!(c.credentials.key(), "partner-id");
        assert!(c.faults.is_empty());
        assert!(c.bugs.is_empty());
        assert!(!c.has_bug(Bug::DoubleCharge));
        assert_eq!(c.unknown_fields, UnknownFields::Ignore);
    }

    #[test]
    fn policy_names_match_the_flag_values() {
        for p in DuplicatePolicy::ALL {
            assert_eq!(p.name().parse(), Ok(p));
        }
        for u in UnknownFields::ALL {
            assert_eq!(u.name().parse(), Ok(u));
        }
        assert!("reject-109".parse::<DuplicatePolicy>().is_err());
    }
}
