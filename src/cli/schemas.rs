//! `ppob-contract schemas diff OLD NEW`: which schema changes break consumers.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};

use ppob_core::exit::{ExitStatus, is_closed_pipe};
use schemadiff::{Change, SchemaDiff, diff_paths};

/// Arguments of `schemas`.
#[derive(Debug, Args)]
pub struct SchemasArgs {
    /// What to do with schemas.
    #[command(subcommand)]
    pub command: SchemasCommand,
}

/// The `schemas` subcommands.
#[derive(Debug, Subcommand)]
pub enum SchemasCommand {
    /// Compare two schema sets and say which changes break response readers or request writers.
    Diff(DiffArgs),
}

/// Output formats of `schemas diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Changes grouped into breaking and non-breaking, each with its pointer and reason.
    Human,
    /// `{"tool", "version", "old", "new", "summary", "changes": [...]}`.
    Json,
}

/// Which changes make `schemas diff` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// A change that breaks response readers or request writers.
    Breaking,
    /// Any change at all.
    Any,
    /// Nothing: always exit 0 when both sides could be read.
    None,
}

/// Arguments of `schemas diff`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  ppob-contract schemas diff schemas/released/1.0.0 schemas
  ppob-contract schemas diff old/inquiry.response.schema.json schemas/inquiry.response.schema.json
  ppob-contract schemas diff --format json --fail-on any vendor-v1/ vendor-v2/

OLD and NEW are two directories (their *.json files are paired by name; a bundle of shared
$defs that other files reference is compared through them) or two files. $refs are followed
(#/$defs/..., sibling files by relative path or $id), so a change inside a shared definition
is reported at each place it reaches, e.g. inquiry.response: /data/billDetails/*/value.
An OpenAPI document is compared operation by operation (request body, each response, webhooks).

Breaking for response readers (*.response, callback, any non-request schema): field removed,
type changed, enum or union member added, bound widened, required -> optional.
Breaking for request writers (*.request): new required field, type or enum narrowed, bound
tightened, unknown fields newly refused. Everything else is non-breaking.

Exit codes: 0 nothing that --fail-on names, 1 changes that --fail-on names,
            2 usage or input error (missing path, not JSON, not a schema, dangling $ref).")]
pub struct DiffArgs {
    /// The schema set consumers built against (a directory or a file).
    #[arg(value_name = "OLD")]
    pub old: PathBuf,

    /// The schema set to compare with it (a directory or a file).
    #[arg(value_name = "NEW")]
    pub new: PathBuf,

    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub format: DiffFormat,

    /// Which changes make the command exit 1.
    #[arg(long, value_enum, default_value_t = FailOn::Breaking, value_name = "WHAT")]
    pub fail_on: FailOn,
}

/// Runs `schemas …`.
pub fn run(args: SchemasArgs) -> ExitCode {
    match args.command {
        SchemasCommand::Diff(args) => run_diff(&args),
    }
}

#[allow(clippy::print_stderr)]
fn run_diff(args: &DiffArgs) -> ExitCode {
    let diff = match diff_paths(&args.old, &args.new) {
        Ok(diff) => diff,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitStatus::Usage.into();
        }
    };
    let mut out = anstream::stdout().lock();
    let written = match args.format {
        DiffFormat::Human => write_human(&mut out, args, &diff),
        DiffFormat::Json => write_json(&mut out, args, &diff),
    };
    if let Err(error) = written.and_then(|()| out.flush()) {
        if !is_closed_pipe(&error) {
            eprintln!("error: writing the diff: {error}");
        }
        return ExitStatus::of_output_error(&error).into();
    }
    let fails = match args.fail_on {
        FailOn::Breaking => diff.breaking() > 0,
        FailOn::Any => !diff.changes.is_empty(),
        FailOn::None => false,
    };
    if fails {
        ExitStatus::Violated.into()
    } else {
        ExitStatus::Holds.into()
    }
}

fn write_human(out: &mut impl Write, args: &DiffArgs, diff: &SchemaDiff) -> io::Result<()> {
    let (old, new) = (args.old.display(), args.new.display());
    if diff.changes.is_empty() {
        return writeln!(out, "No changes for consumers between {old} and {new}.");
    }
    let (breaking, other): (Vec<&Change>, Vec<&Change>) =
        diff.changes.iter().partition(|c| c.is_breaking());
    let groups = [("Breaking", breaking), ("Non-breaking", other)];
    for (title, changes) in groups.iter().filter(|(_, c)| !c.is_empty()) {
        writeln!(out, "{title} ({}):", changes.len())?;
        for change in changes {
            let pointer = if change.pointer.is_empty() {
                "/"
            } else {
                &change.pointer
            };
            let within = change
                .definition
                .as_deref()
                .map(|d| format!("  (in {d})"))
                .unwrap_or_default();
            writeln!(out, "  {}: {pointer}{within}", change.schema)?;
            let tag = serde_json::to_value(change.change)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            match change.breaks {
                Some(audience) => writeln!(out, "    {tag}, breaks {audience}: {}", change.reason)?,
                None => writeln!(out, "    {tag}: {}", change.reason)?,
            }
        }
        writeln!(out)?;
    }
    writeln!(
        out,
        "{} breaking, {} non-breaking change(s) from {old} to {new}",
        diff.breaking(),
        diff.non_breaking()
    )
}

fn write_json(out: &mut impl Write, args: &DiffArgs, diff: &SchemaDiff) -> io::Result<()> {
    let document = serde_json::json!({
        "tool": "ppob-contract",
        "version": env!("CARGO_PKG_VERSION"),
        "old": args.old.display().to_string(),
        "new": args.new.display().to_string(),
        "summary": {"breaking": diff.breaking(), "nonBreaking": diff.non_breaking()},
        "changes": diff.changes,
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}
