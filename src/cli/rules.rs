//! `ppob-contract rules`: the rule catalogue, every id a finding or
//! `--severity` can name.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde::Serialize;

use ppob_core::exit::ExitStatus;
use ppob_core::rules::SeverityError;
use ppob_core::rules::catalogue::{self, CATALOGUE, RuleInfo, Scope};

/// How `rules` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// Grouped by scope, one line per rule; with IDs, each rule in full.
    Human,
    /// `{"tool", "version", "rules": [{id, scope, default_severity, configurable,
    /// summary, description, source}]}`.
    Json,
}

/// Arguments of `rules`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  ppob-contract rules\n  ppob-contract rules inquiry.amount-equals-bill-sum\n  ppob-contract rules --format json\n  ppob-contract validate --severity inquiry.amount-equals-bill-sum=warning recorded.ndjson\n  ppob-contract check --severity flow.amount-matches-inquiry=off --target URL\n\n--severity RULE=error|warning|off takes any id listed here except the fixed ones \
(schema, input.*, setup.*); an unknown id is refused (exit 2) with the closest ids."
)]
pub struct RulesArgs {
    /// Show these rules in full (description and source); default: list every rule.
    #[arg(value_name = "ID")]
    pub ids: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
    pub format: RulesFormat,
}

#[derive(Serialize)]
struct JsonCatalogue<'a> {
    tool: &'static str,
    version: &'static str,
    rules: &'a [&'static RuleInfo],
}

fn list(out: &mut impl Write) -> io::Result<()> {
    for (n, scope) in Scope::ALL.into_iter().enumerate() {
        if n > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{}", scope.title())?;
        for rule in catalogue::of_scope(scope) {
            writeln!(
                out,
                "  {:36} {:8} {}",
                rule.id,
                rule.default_severity.name(),
                rule.summary
            )?;
        }
    }
    Ok(())
}

fn show(out: &mut impl Write, rules: &[&RuleInfo]) -> io::Result<()> {
    for (n, rule) in rules.iter().enumerate() {
        if n > 0 {
            writeln!(out)?;
        }
        let fixed = if rule.configurable { "" } else { " (fixed)" };
        writeln!(out, "{}", rule.id)?;
        writeln!(out, "  scope:    {}", rule.scope)?;
        writeln!(out, "  severity: {}{fixed}", rule.default_severity.name())?;
        writeln!(out, "  source:   {}", rule.source)?;
        writeln!(out, "  {}", rule.summary)?;
        writeln!(out, "\n  {}", rule.description)?;
    }
    Ok(())
}

fn print(args: &RulesArgs, rules: &[&'static RuleInfo]) -> io::Result<()> {
    let stdout = anstream::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match args.format {
        RulesFormat::Json => {
            let doc = JsonCatalogue {
                tool: "ppob-contract",
                version: env!("CARGO_PKG_VERSION"),
                rules,
            };
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        RulesFormat::Human if args.ids.is_empty() => list(&mut out)?,
        RulesFormat::Human => show(&mut out, rules)?,
    }
    out.flush()
}

/// Prints the catalogue, or the rules named; an unknown id is exit 2.
pub fn run(args: RulesArgs) -> ExitCode {
    let mut rules = Vec::new();
    for id in &args.ids {
        match catalogue::get(id) {
            Some(rule) => rules.push(rule),
            None => {
                let e = SeverityError::UnknownRule {
                    id: id.clone(),
                    suggestions: catalogue::suggestions(id),
                };
                let _ = writeln!(anstream::stderr(), "ppob-contract rules: {e}");
                return ExitStatus::Usage.into();
            }
        }
    }
    if args.ids.is_empty() {
        rules = CATALOGUE.iter().collect();
    }
    ExitStatus::of_result(&print(&args, &rules).map(|()| ExitStatus::Holds)).into()
}
