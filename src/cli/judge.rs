//! Options shared by the commands that judge documents (`validate`, `check`):
//! output format, severities, strictness.

use super::choice::choice;
use clap::Args;

use ppob_products::Category;

use ppob_core::rules::{Level, RuleConfig, Severities, parse_override};
use ppob_validate::{Engine, EngineOptions};

pub use ppob_report::Format;

/// Reads `RULE=LEVEL`, checking the id against the rule catalogue (an
/// unknown id is a usage error naming the closest ids).
pub fn parse_severity(s: &str) -> Result<(&'static str, Level), String> {
    parse_override(s).map_err(|e| e.to_string())
}

/// How documents are judged and the verdict shown.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Judging and output")]
pub struct JudgeArgs {
    /// Output format.
    #[arg(long, value_parser = choice::<Format>(), default_value = "human")]
    pub format: Format,

    /// Print only the summary (human format).
    #[arg(short, long)]
    pub quiet: bool,

    /// Report undocumented fields (drift) as errors, not warnings.
    #[arg(long)]
    pub strict: bool,

    /// Exit 1 when there are warnings too.
    #[arg(long)]
    pub deny_warnings: bool,

    /// Set a rule's severity, e.g. inquiry.amount-equals-bill-sum=warning or drift=off
    /// (repeatable; `ppob-contract rules` lists the ids).
    #[arg(long = "severity", value_name = "RULE=LEVEL", value_parser = parse_severity)]
    pub severities: Vec<(&'static str, Level)>,

    /// productDetails key whose value a successful status token must equal (repeatable;
    /// replaces the reference lines of the product categories, `[token] reference` in each
    /// category.toml).
    #[arg(long = "reference-key", value_name = "KEY")]
    pub reference_keys: Vec<String>,
}

impl JudgeArgs {
    /// The level of every rule for a command without a config file:
    /// `--strict` and `--severity` ([`Severities::resolve`]).
    pub fn severities(&self) -> Severities {
        // The ids were checked against the catalogue when parsed, and no
        // config table is given: nothing can be refused here.
        Severities::resolve(self.strict, [], &self.severities).unwrap_or_default()
    }

    /// The engine these options describe, judging at `severities`, every
    /// document by `category`'s rules when one is given (else each document's
    /// recognised category).
    pub fn engine_at(&self, severities: Severities, category: Option<&'static Category>) -> Engine {
        let mut rule_config = RuleConfig::default();
        if !self.reference_keys.is_empty() {
            rule_config.reference_keys = self.reference_keys.clone();
        }
        Engine::new(EngineOptions {
            severities,
            rule_config,
            category,
        })
    }
}
