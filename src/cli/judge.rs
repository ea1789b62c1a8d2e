//! Options shared by the commands that judge documents (`validate`, `check`):
//! output format, severities, strictness.

use std::collections::BTreeMap;

use clap::{Args, ValueEnum};

use crate::contract::Severity;
use crate::rules::{Level, RuleConfig};
use crate::validate::{Engine, EngineOptions};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Findings with file:line:col, pointer and the source line with a caret.
    Human,
    /// The machine-readable report (schemas/report.schema.json).
    Json,
}

/// Reads `RULE=LEVEL`.
pub fn parse_severity(s: &str) -> Result<(String, Level), String> {
    let (rule, level) = s
        .split_once('=')
        .ok_or_else(|| format!("expected RULE=LEVEL (LEVEL: error, warning or off), got {s:?}"))?;
    let level = match level {
        "error" => Level::Report(Severity::Error),
        "warning" => Level::Report(Severity::Warning),
        "off" => Level::Off,
        other => {
            return Err(format!(
                "unknown level {other:?}: expected error, warning or off"
            ));
        }
    };
    if rule == "schema" || crate::contract::input_rules::is_input_rule(rule) {
        return Err(format!("the severity of {rule:?} is fixed"));
    }
    Ok((rule.to_owned(), level))
}

/// How documents are judged and the verdict shown.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Judging and output")]
pub struct JudgeArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
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
    pub severities: Vec<(String, Level)>,

    /// productDetails key whose value a successful status token must equal (repeatable;
    /// replaces the defaults "Nomor Referensi", "No Referensi", "Reference Number", "Ref Number").
    #[arg(long = "reference-key", value_name = "KEY")]
    pub reference_keys: Vec<String>,
}

impl JudgeArgs {
    /// The severity overrides, by rule id.
    pub fn overrides(&self) -> BTreeMap<String, Level> {
        self.severities.iter().cloned().collect()
    }

    /// The engine these options describe.
    pub fn engine(&self) -> Engine {
        let mut rule_config = RuleConfig::default();
        if !self.reference_keys.is_empty() {
            rule_config.reference_keys = self.reference_keys.clone();
        }
        Engine::new(EngineOptions {
            strict: self.strict,
            overrides: self.overrides(),
            rule_config,
        })
    }
}
