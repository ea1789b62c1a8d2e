//! Severities resolved against the catalogue, in one place.
//!
//! `--severity RULE=LEVEL`, the config file's `[severity]` table and
//! `--strict` all become one [`Severities`]; the engine, the flow rules and
//! the fuzz oracles ask it for the level of an id. An id the catalogue does
//! not know, or one whose severity is fixed, is refused with the closest ids.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use super::catalogue::{self, ids};
use crate::contract::Severity;

/// A severity setting: a level, or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Report as this severity.
    Report(Severity),
    /// Do not report.
    Off,
}

impl Level {
    /// The severity to report at, `None` when off.
    pub fn severity(self) -> Option<Severity> {
        match self {
            Self::Report(severity) => Some(severity),
            Self::Off => None,
        }
    }
}

impl FromStr for Level {
    type Err = SeverityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "error" => Ok(Self::Report(Severity::Error)),
            "warning" => Ok(Self::Report(Severity::Warning)),
            "off" => Ok(Self::Off),
            other => Err(SeverityError::UnknownLevel(other.to_owned())),
        }
    }
}

/// Why a severity setting was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SeverityError {
    /// Not `RULE=LEVEL`.
    #[error("expected RULE=LEVEL (LEVEL: error, warning or off), got {0:?}")]
    Syntax(String),
    /// The level is none of error, warning, off.
    #[error("unknown level {0:?}: expected error, warning or off")]
    UnknownLevel(String),
    /// The catalogue has no such id.
    #[error("unknown rule id `{id}`{} (`ppob-contract rules` lists every id)", did_you_mean(.suggestions))]
    UnknownRule {
        /// The id as given.
        id: String,
        /// The closest catalogue ids, the closest first.
        suggestions: Vec<&'static str>,
    },
    /// The id's severity cannot be changed (`schema`, `input.*`, `setup.*`).
    #[error("the severity of `{0}` is fixed: it is always an error")]
    Fixed(&'static str),
}

fn did_you_mean(suggestions: &[&str]) -> String {
    match suggestions {
        [] => String::new(),
        [one] => format!(": did you mean `{one}`?"),
        many => {
            let quoted: Vec<String> = many.iter().map(|s| format!("`{s}`")).collect();
            format!(": did you mean one of {}?", quoted.join(", "))
        }
    }
}

/// The catalogue id `id` names, when its severity may be set.
pub fn configurable(id: &str) -> Result<&'static str, SeverityError> {
    match catalogue::get(id) {
        Some(rule) if rule.configurable => Ok(rule.id),
        Some(rule) => Err(SeverityError::Fixed(rule.id)),
        None => Err(SeverityError::UnknownRule {
            id: id.to_owned(),
            suggestions: catalogue::suggestions(id),
        }),
    }
}

/// Reads `RULE=LEVEL`, checking the id against the catalogue.
pub fn parse_override(s: &str) -> Result<(&'static str, Level), SeverityError> {
    let (rule, level) = s
        .split_once('=')
        .ok_or_else(|| SeverityError::Syntax(s.to_owned()))?;
    let level: Level = level.trim().parse()?;
    Ok((configurable(rule.trim())?, level))
}

/// The level of every rule: the catalogue's defaults with overrides applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Severities {
    overrides: BTreeMap<&'static str, Level>,
    strict: bool,
}

impl Severities {
    /// Every rule at its default severity.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the level of `id`; refuses an unknown or fixed id. A later
    /// setting of the same id wins.
    pub fn set(&mut self, id: &str, level: Level) -> Result<(), SeverityError> {
        self.overrides.insert(configurable(id)?, level);
        Ok(())
    }

    /// The defaults with `overrides` applied in order.
    pub fn from_overrides<'a>(
        overrides: impl IntoIterator<Item = (&'a str, Level)>,
    ) -> Result<Self, SeverityError> {
        let mut out = Self::new();
        for (id, level) in overrides {
            out.set(id, level)?;
        }
        Ok(out)
    }

    /// The levels of a run, resolved in one place: the catalogue's
    /// defaults, then `strict` (`--strict` or the config's `[report]
    /// strict`), then the config file's `[severity]` table (`id = "level"`),
    /// then the `--severity` flags in order; a later setting of an id wins.
    /// An unknown or fixed id, or an unknown level, is refused naming it.
    pub fn resolve<'a>(
        strict: bool,
        config: impl IntoIterator<Item = (&'a str, &'a str)>,
        flags: &[(&'static str, Level)],
    ) -> Result<Self, SeverityError> {
        let mut out = Self::new().with_strict(strict);
        for (id, level) in config {
            out.set(id, level.trim().parse()?)?;
        }
        for &(id, level) in flags {
            out.set(id, level)?;
        }
        Ok(out)
    }

    /// `--strict`: undocumented fields (`drift`, `drift.near-miss`) default to error.
    pub fn with_strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// The level `id` reports at. An id missing from the catalogue (a bug a
    /// test guards against) reports as an error.
    pub fn level(&self, id: &str) -> Level {
        if let Some(level) = self.overrides.get(id) {
            return *level;
        }
        if self.strict && (id == ids::DRIFT || id == ids::NEAR_MISS) {
            return Level::Report(Severity::Error);
        }
        let default = catalogue::get(id).map_or(Severity::Error, |r| r.default_severity);
        debug_assert!(catalogue::get(id).is_some(), "{id} is not in the catalogue");
        Level::Report(default)
    }

    /// The severity `id` reports at, `None` when it is off.
    pub fn severity(&self, id: &str) -> Option<Severity> {
        self.level(id).severity()
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Report(severity) => severity.name(),
            Self::Off => "off",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_id_is_set_and_the_rest_keep_their_defaults() {
        let s =
            Severities::from_overrides([("inquiry.amount-equals-bill-sum", Level::Off)]).unwrap();
        assert_eq!(s.level("inquiry.amount-equals-bill-sum"), Level::Off);
        assert_eq!(s.severity("response.unknown-code"), Some(Severity::Warning));
        assert_eq!(s.severity("flow.expectation"), Some(Severity::Error));
    }

    #[test]
    fn strict_raises_drift_unless_it_is_set() {
        let strict = Severities::new().with_strict(true);
        assert_eq!(strict.severity(ids::DRIFT), Some(Severity::Error));
        assert_eq!(strict.severity(ids::NEAR_MISS), Some(Severity::Error));
        assert_eq!(
            Severities::new().severity(ids::NEAR_MISS),
            Some(Severity::Warning)
        );
        assert_eq!(
            Severities::new().severity(ids::DRIFT),
            Some(Severity::Warning)
        );
        let off = Severities::from_overrides([(ids::DRIFT, Level::Off)])
            .unwrap()
            .with_strict(true);
        assert_eq!(off.level(ids::DRIFT), Level::Off);
    }

    #[test]
    fn an_unknown_id_names_the_closest() {
        let e = parse_override("amount-equals-bill-sum=off").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown rule id `amount-equals-bill-sum`: did you mean \
`inquiry.amount-equals-bill-sum`? (`ppob-contract rules` lists every id)"
        );
        let e = parse_override("totally.bogus=off").unwrap_err();
        assert_eq!(
            e,
            SeverityError::UnknownRule {
                id: "totally.bogus".into(),
                suggestions: vec![]
            }
        );
    }

    #[test]
    fn fixed_ids_bad_levels_and_bad_syntax_are_refused() {
        assert_eq!(
            parse_override("schema=off").unwrap_err(),
            SeverityError::Fixed("schema")
        );
        assert_eq!(
            parse_override("setup.auth=warning").unwrap_err(),
            SeverityError::Fixed("setup.auth")
        );
        assert_eq!(
            parse_override("drift=loud").unwrap_err(),
            SeverityError::UnknownLevel("loud".into())
        );
        assert_eq!(
            parse_override("drift").unwrap_err(),
            SeverityError::Syntax("drift".into())
        );
        assert_eq!(parse_override("drift=off").unwrap(), ("drift", Level::Off));
    }

    #[test]
    fn flags_win_over_the_config_which_wins_over_strict_and_the_catalogue() {
        let amount = "inquiry.amount-equals-bill-sum";
        let config = [(amount, "warning"), ("drift", "off")];
        let resolved =
            Severities::resolve(true, config, &[(amount, Level::Off)]).expect("known ids");
        assert_eq!(resolved.level(amount), Level::Off);
        assert_eq!(resolved.level("drift"), Level::Off);
        let strict_only = Severities::resolve(true, [], &[]).expect("nothing to refuse");
        assert_eq!(strict_only.level("drift"), Level::Report(Severity::Error));
        assert!(matches!(
            Severities::resolve(false, [("schema", "off")], &[]),
            Err(SeverityError::Fixed("schema"))
        ));
        assert!(matches!(
            Severities::resolve(false, [(amount, "loud")], &[]),
            Err(SeverityError::UnknownLevel(_))
        ));
    }
}
