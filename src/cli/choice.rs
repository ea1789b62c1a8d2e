//! Library enums offered as flag values. clap stays in the binary: each
//! library enum gives its values (`ALL`) and their names, and this module
//! adds what `--help` says of each value.

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};

use ppob_report::Format;
#[cfg(feature = "full")]
use ppob_sim::{Bug, DuplicatePolicy, UnknownFields};
#[cfg(feature = "full")]
use ppob_transport::auth::BodyMode;

/// A library enum that a flag takes by name.
pub trait Choice: Copy + Send + Sync + 'static {
    /// Every value, in the order `--help` lists them.
    const ALL: &'static [Self];
    /// The name on the command line (and in the config file).
    fn name(self) -> &'static str;
    /// What `--help` says of this value.
    fn help(self) -> &'static str;
}

/// The value parser of a flag that takes a `T` by name: clap lists the
/// values with their help and refuses any other name (exit 2).
pub fn choice<T: Choice>() -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(
        T::ALL
            .iter()
            .map(|value| PossibleValue::new(value.name()).help(value.help())),
    )
    .try_map(|name| {
        T::ALL
            .iter()
            .copied()
            .find(|value| value.name() == name)
            .ok_or_else(|| format!("unknown value {name:?}"))
    })
}

impl Choice for Format {
    const ALL: &'static [Self] = &Format::ALL;

    fn name(self) -> &'static str {
        Format::name(self)
    }

    fn help(self) -> &'static str {
        match self {
            Self::Human => "Findings with file:line:col, pointer and the source line with a caret",
            Self::Json => "The machine-readable report (schemas/report.schema.json)",
            Self::Junit => {
                "JUnit XML for CI test tabs: a testcase per document, case or fuzz failure"
            }
            Self::Sarif => {
                "SARIF 2.1.0 for code-scanning views: every rule, every finding with its location"
            }
            Self::Github => {
                "GitHub Actions workflow commands: an ::error/::warning annotation per finding"
            }
            Self::Ctrf => "CTRF JSON for CI summary actions: a test per document, case or failure",
            Self::Html => "One self-contained HTML page: summary, timelines, findings, coverage",
            // A format added to the library without its help here: the unit test below fails.
            _ => "",
        }
    }
}

#[cfg(feature = "full")]
impl Choice for Bug {
    const ALL: &'static [Self] = &Bug::ALL;

    fn name(self) -> &'static str {
        Bug::name(self)
    }

    fn help(self) -> &'static str {
        match self {
            Self::AcceptNegativeAmount => {
                "A payment with a negative amount (e.g. -1) is accepted (299) instead of refused with 180"
            }
            Self::DoubleCharge => {
                "A payment reusing a refNumber is registered as a new transaction instead of following --duplicate"
            }
            Self::Malformed200 => {
                "A request whose accountNumber or refNumber is not ASCII is answered HTTP 200 with a non-JSON body (still processed)"
            }
            Self::DropInquiryId => {
                "A successful inquiry (300) answer lacks data.inquiryId (the inquiry is still stored)"
            }
            Self::CallbackContradictsStatus => {
                "A settled payment's callback contradicts its status: success is called back as failed (198) and a failure as success (0)"
            }
            Self::CallbackTwice => "Every callback is delivered twice",
            Self::NoCallback => "Settled payments are not called back at all",
        }
    }
}

#[cfg(feature = "full")]
impl Choice for DuplicatePolicy {
    const ALL: &'static [Self] = &DuplicatePolicy::ALL;

    fn name(self) -> &'static str {
        DuplicatePolicy::name(self)
    }

    fn help(self) -> &'static str {
        match self {
            Self::Reject102 => {
                "Failure 102 (duplicate transaction), `data` {refNumber, transactionId} of the original"
            }
            Self::Reject108 => "Failure 108 (duplicate transaction), same data",
            Self::ReturnOriginal => {
                "The original transaction's current state, as a payment answer (299 while pending, 0 with its token, or its failure code)"
            }
        }
    }
}

#[cfg(feature = "full")]
impl Choice for UnknownFields {
    const ALL: &'static [Self] = &UnknownFields::ALL;

    fn name(self) -> &'static str {
        UnknownFields::name(self)
    }

    fn help(self) -> &'static str {
        match self {
            Self::Ignore => {
                "Ignored, as the published schemas allow, and told: a log line and a \
                 ppob-contract-ignored header naming each, with the field it probably meant"
            }
            Self::Silent => "Ignored without a word (no log line, no header), as the real API does",
            Self::Reject => "Refused: the answer is 180 naming every unknown field",
        }
    }
}

#[cfg(feature = "full")]
impl Choice for BodyMode {
    const ALL: &'static [Self] = &BodyMode::ALL;

    fn name(self) -> &'static str {
        BodyMode::name(self)
    }

    fn help(self) -> &'static str {
        match self {
            Self::TokenOnly => "Fields only inside TOKEN, empty body (the documentation's samples)",
            Self::TokenAndBody => "Fields inside TOKEN and the same fields as a JSON body",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every value of `T` is taken by its name and only by it.
    fn round_trips<T: Choice + PartialEq + std::fmt::Debug>() {
        let command =
            clap::Command::new("t").arg(clap::Arg::new("v").long("v").value_parser(choice::<T>()));
        for &value in T::ALL {
            let matches = command
                .clone()
                .try_get_matches_from(["t", "--v", value.name()])
                .unwrap();
            assert_eq!(matches.get_one::<T>("v"), Some(&value));
            assert!(!value.help().is_empty(), "{value:?} has no help");
        }
        assert!(command.try_get_matches_from(["t", "--v", "nope"]).is_err());
    }

    #[test]
    fn every_choice_is_taken_by_its_name_and_has_help() {
        round_trips::<Format>();
        #[cfg(feature = "full")]
        {
            round_trips::<Bug>();
            round_trips::<DuplicatePolicy>();
            round_trips::<UnknownFields>();
            round_trips::<BodyMode>();
        }
    }
}
