//! Injected faults: what they do, which operation they hit, and how they are
//! written on the command line (`timeout`, `latency=300ms@status`, …).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use ppob_core::contract::Operation;

use crate::accounts::TestAccount;

/// A way the simulated server misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer this much later (delays add up).
    Latency(Duration),
    /// Never answer (the client times out); the request is still processed,
    /// so a payment is registered and a later status resolves it.
    Timeout,
    /// Answer with this HTTP status (500–599) and an HTML body; processed.
    ServerError(u16),
    /// Answer HTTP 200 with a truncated, non-JSON body; processed.
    Garbage,
    /// Answer an envelope whose `responseCode` is this code outside 0–399; processed.
    CodeOutOfRange(i64),
    /// The payment never settles: status answers 299 for ever.
    PendingForever,
    /// Answer the category's own example of the operation, verbatim (its
    /// refNumber, amount and transactionId disagree with the conversation):
    /// the `<operation>.response.json` of the account's category folder, else
    /// the default category's.
    Drift,
}

/// A fault and the operation it hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultRule {
    /// What goes wrong.
    pub fault: Fault,
    /// The operation it hits; `None` = payment (the default target).
    pub operation: Option<Operation>,
}

impl FaultRule {
    /// The operation this rule hits.
    pub fn target(&self) -> Operation {
        self.operation.unwrap_or(Operation::Payment)
    }

    /// Whether this rule hits `operation`.
    pub fn applies_to(&self, operation: Operation) -> bool {
        self.target() == operation
    }
}

/// The fault names with their syntax and meaning, for help texts and errors.
pub const FAULT_NAMES: &[(&str, &str)] = &[
    (
        "timeout",
        "no answer (the client times out); the payment is registered",
    ),
    (
        "latency=DURATION",
        "answer DURATION late, e.g. latency=300ms",
    ),
    (
        "5xx[=CODE]",
        "HTTP 500 (or CODE, 500-599) with an HTML body; the payment is registered",
    ),
    (
        "garbage",
        "HTTP 200 with a truncated, non-JSON body; the payment is registered",
    ),
    (
        "code=CODE",
        "responseCode CODE outside 0-399 (e.g. 500 or -1); the payment is registered",
    ),
    (
        "pending-forever",
        "the payment never settles (status 299 for ever)",
    ),
    (
        "drift",
        "answer the seed's example of the operation verbatim",
    ),
];

/// The valid targets, for help texts and errors.
pub const FAULT_TARGETS: &str = "@inquiry, @payment (default), @status, @all";

/// Why a fault rule could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FaultParseError {
    /// The name is none of the fault names.
    #[error("unknown fault {0:?}; valid faults: {names}", names = names())]
    UnknownFault(String),
    /// The name is known but its value is wrong.
    #[error("fault {name}: {problem}")]
    BadValue {
        /// The fault name.
        name: &'static str,
        /// What is wrong with the value.
        problem: String,
    },
    /// The `@target` is not an operation.
    #[error("unknown fault target {0:?}; valid targets: {FAULT_TARGETS}")]
    UnknownTarget(String),
    /// `@all` names three rules: read it with [`FaultRules`].
    #[error("{0:?} names one rule per operation: parse it as FaultRules")]
    ManyRules(String),
}

fn names() -> String {
    FAULT_NAMES
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_fault(spec: &str) -> Result<Fault, FaultParseError> {
    let (name, value) = match spec.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (spec, None),
    };
    let no_value = |name: &'static str, fault: Fault| match value {
        None => Ok(fault),
        Some(v) => Err(FaultParseError::BadValue {
            name,
            problem: format!("takes no value (got {v:?})"),
        }),
    };
    match name {
        "timeout" => no_value("timeout", Fault::Timeout),
        "garbage" => no_value("garbage", Fault::Garbage),
        "pending-forever" => no_value("pending-forever", Fault::PendingForever),
        "drift" => no_value("drift", Fault::Drift),
        "latency" => {
            let v = value.ok_or(FaultParseError::BadValue {
                name: "latency",
                problem: "needs a duration, e.g. latency=300ms".into(),
            })?;
            humantime::parse_duration(v)
                .map(Fault::Latency)
                .map_err(|e| FaultParseError::BadValue {
                    name: "latency",
                    problem: format!("{v:?} is not a duration ({e}); e.g. 300ms, 2s"),
                })
        }
        "5xx" => match value {
            None => Ok(Fault::ServerError(500)),
            Some(v) => match v.parse::<u16>() {
                Ok(code @ 500..=599) => Ok(Fault::ServerError(code)),
                _ => Err(FaultParseError::BadValue {
                    name: "5xx",
                    problem: format!("{v:?} is not an HTTP status 500-599"),
                }),
            },
        },
        "code" => {
            let v = value.ok_or(FaultParseError::BadValue {
                name: "code",
                problem: "needs a response code outside 0-399, e.g. code=500".into(),
            })?;
            match v.parse::<i64>() {
                Ok(code) if !(0..=399).contains(&code) => Ok(Fault::CodeOutOfRange(code)),
                Ok(code) => Err(FaultParseError::BadValue {
                    name: "code",
                    problem: format!(
                        "{code} is a documented range (0-399); use a code outside it, e.g. 500 or -1"
                    ),
                }),
                Err(_) => Err(FaultParseError::BadValue {
                    name: "code",
                    problem: format!("{v:?} is not an integer"),
                }),
            }
        }
        _ => Err(FaultParseError::UnknownFault(spec.to_owned())),
    }
}

/// The operations a `@target` names.
fn parse_target(target: &str) -> Result<Vec<Operation>, FaultParseError> {
    match target {
        "all" => Ok(Operation::ALL.to_vec()),
        _ => Operation::ALL
            .into_iter()
            .find(|op| op.name() == target)
            .map(|op| vec![op])
            .ok_or_else(|| FaultParseError::UnknownTarget(target.to_owned())),
    }
}

/// One or more fault rules written as one spec: `drift@all` is three rules.
/// This is what `mock --fault` reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRules(pub Vec<FaultRule>);

impl FromStr for FaultRules {
    type Err = FaultParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (spec, target) = match s.rsplit_once('@') {
            Some((spec, target)) => (spec, Some(target)),
            None => (s, None),
        };
        let fault = parse_fault(spec)?;
        let rules = match target {
            None => vec![FaultRule {
                fault,
                operation: None,
            }],
            Some(target) => parse_target(target)?
                .into_iter()
                .map(|op| FaultRule {
                    fault,
                    operation: Some(op),
                })
                .collect(),
        };
        Ok(Self(rules))
    }
}

/// Reads one rule: `NAME[=VALUE][@inquiry|@payment|@status]`. `@all` names
/// three rules and is refused here with [`FaultParseError::ManyRules`]; read
/// it with [`FaultRules`].
impl FromStr for FaultRule {
    type Err = FaultParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let FaultRules(rules) = s.parse()?;
        match rules.as_slice() {
            [one] => Ok(*one),
            _ => Err(FaultParseError::ManyRules(s.to_owned())),
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Latency(d) => write!(f, "latency={}", humantime::format_duration(*d)),
            Self::Timeout => f.write_str("timeout"),
            Self::ServerError(code) => write!(f, "5xx={code}"),
            Self::Garbage => f.write_str("garbage"),
            Self::CodeOutOfRange(code) => write!(f, "code={code}"),
            Self::PendingForever => f.write_str("pending-forever"),
            Self::Drift => f.write_str("drift"),
        }
    }
}

impl fmt::Display for FaultRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.fault, self.target().name())
    }
}

/// The `drift` fault's answer to `operation`: a documented answer that belongs to
/// no conversation of the run, byte for byte — the example answer in the folder
/// of `account`'s category, else the first the catalog's default category or
/// any other category has; with none in the catalog, `{}`.
pub fn drift_answer(operation: Operation, account: Option<&TestAccount>) -> Vec<u8> {
    let catalog = ppob_products::catalog();
    account
        .and_then(|a| a.category.example_answer(operation))
        .or_else(|| catalog.default_category()?.example_answer(operation))
        .or_else(|| {
            catalog
                .categories()
                .iter()
                .find_map(|c| c.example_answer(operation))
        })
        .unwrap_or(b"{}")
        .to_vec()
}

/// What the faults that hit one request add up to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Effect {
    /// Sum of the latencies.
    pub delay: Duration,
    /// The answer-changing fault, if any (the strongest wins: timeout, 5xx,
    /// garbage, code, drift).
    pub answer: Option<Fault>,
    /// Whether a payment must never settle.
    pub pending_forever: bool,
}

impl Effect {
    /// Folds the rules that hit `operation`.
    pub fn of<'a>(rules: impl IntoIterator<Item = &'a FaultRule>, operation: Operation) -> Self {
        let mut effect = Self::default();
        for rule in rules.into_iter().filter(|r| r.applies_to(operation)) {
            match rule.fault {
                Fault::Latency(d) => effect.delay = effect.delay.saturating_add(d),
                Fault::PendingForever => effect.pending_forever = true,
                other => {
                    if effect.answer.is_none_or(|a| rank(other) < rank(a)) {
                        effect.answer = Some(other);
                    }
                }
            }
        }
        effect
    }
}

fn rank(fault: Fault) -> u8 {
    match fault {
        Fault::Timeout => 0,
        Fault::ServerError(_) => 1,
        Fault::Garbage => 2,
        Fault::CodeOutOfRange(_) => 3,
        Fault::Drift => 4,
        Fault::Latency(_) | Fault::PendingForever => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(s: &str) -> FaultRule {
        s.parse().unwrap()
    }

    #[test]
    fn every_documented_name_parses_and_targets_payment_by_default() {
        assert_eq!(rule("timeout").fault, Fault::Timeout);
        assert_eq!(rule("timeout").target(), Operation::Payment);
        assert_eq!(rule("timeout").operation, None);
        assert_eq!(
            rule("latency=300ms").fault,
            Fault::Latency(Duration::from_millis(300))
        );
        assert_eq!(rule("5xx").fault, Fault::ServerError(500));
        assert_eq!(rule("5xx=503").fault, Fault::ServerError(503));
        assert_eq!(rule("garbage").fault, Fault::Garbage);
        assert_eq!(rule("code=500").fault, Fault::CodeOutOfRange(500));
        assert_eq!(rule("code=-1").fault, Fault::CodeOutOfRange(-1));
        assert_eq!(rule("pending-forever").fault, Fault::PendingForever);
        assert_eq!(rule("drift").fault, Fault::Drift);
    }

    #[test]
    fn targets_name_operations_and_all_names_three_rules() {
        assert_eq!(rule("timeout@status").operation, Some(Operation::Status));
        assert_eq!(rule("drift@inquiry").operation, Some(Operation::Inquiry));
        let FaultRules(all) = "latency=1s@all".parse().unwrap();
        assert_eq!(all.len(), 3);
        assert!(
            Operation::ALL
                .iter()
                .all(|op| all.iter().any(|r| r.applies_to(*op)))
        );
        assert!(matches!(
            "drift@all".parse::<FaultRule>(),
            Err(FaultParseError::ManyRules(_))
        ));
    }

    #[test]
    fn bad_specs_are_clear_errors_listing_the_valid_names() {
        let err = "explode".parse::<FaultRule>().unwrap_err().to_string();
        assert!(
            err.contains("timeout") && err.contains("pending-forever"),
            "{err}"
        );
        let err = "timeout@refund"
            .parse::<FaultRule>()
            .unwrap_err()
            .to_string();
        assert!(err.contains("@status"), "{err}");
        for bad in [
            "5xx=404",
            "5xx=abc",
            "code=200",
            "code=x",
            "latency",
            "latency=soon",
            "timeout=3",
        ] {
            assert!(bad.parse::<FaultRule>().is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "timeout@payment",
            "5xx=503@inquiry",
            "code=-1@status",
            "latency=300ms@payment",
        ] {
            assert_eq!(rule(s).to_string(), s);
        }
    }

    #[test]
    fn effects_add_latencies_and_keep_the_strongest_answer() {
        let rules = [
            rule("latency=100ms"),
            rule("latency=200ms"),
            rule("drift"),
            rule("timeout"),
            rule("garbage@status"),
        ];
        let e = Effect::of(&rules, Operation::Payment);
        assert_eq!(e.delay, Duration::from_millis(300));
        assert_eq!(e.answer, Some(Fault::Timeout));
        let e = Effect::of(&rules, Operation::Status);
        assert_eq!(e.answer, Some(Fault::Garbage));
        assert_eq!(e.delay, Duration::ZERO);
        assert_eq!(Effect::of(&rules, Operation::Inquiry), Effect::default());
    }

    #[test]
    fn drift_answers_are_the_examples_of_the_accounts_category() {
        for operation in Operation::ALL {
            let fixture = |category: &str| {
                let path = format!(
                    "{}/../../fixtures/{category}/{}.response.json",
                    env!("CARGO_MANIFEST_DIR"),
                    operation.name()
                );
                std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
            };
            let default = ppob_products::catalog().default_category().unwrap();
            assert_eq!(drift_answer(operation, None), fixture(&default.name));
            for account in crate::accounts::test_accounts() {
                assert_eq!(
                    drift_answer(operation, Some(account)),
                    fixture(&account.category.name),
                    "{} {}",
                    account.number,
                    operation.name()
                );
            }
        }
    }
}
