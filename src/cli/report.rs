//! `ppob-contract report merge A.json B.json …`: the JSON reports of a run's
//! shards (`--partition K/N` on a CI matrix) combined into one, written in
//! any format. Parses, calls `report::merge`, hands the result to the
//! reporter layer.

use super::choice::choice;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::output::{self, ReportArgs};
use ppob_core::exit::{ExitStatus, is_closed_pipe};
use ppob_report::{Format, merge, retell};

/// Arguments of `report`.
#[derive(Debug, Args)]
pub struct ReportCommandArgs {
    /// What to do with reports.
    #[command(subcommand)]
    pub command: ReportCommand,
}

/// The `report` subcommands.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Combine the JSON reports of a run's shards (--partition K/N) into one report.
    Merge(MergeArgs),
}

/// Arguments of `report merge`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  ppob-contract check --partition 1/3 --format json > shard-1.json   (2/3, 3/3 in other jobs)
  ppob-contract report merge shard-1.json shard-2.json shard-3.json
  ppob-contract report merge shard-*.json --report junit=junit.xml --report sarif=check.sarif
  ppob-contract report merge --format json shard-*.json > report.json
  ppob-contract fuzz --seed 7 --partition 2/3 --report json=fuzz-2.json

Each REPORT is the JSON report of validate, check or fuzz (--format json, or --report
json=PATH), usually of one --partition K/N shard. All must come from the same command, and
fuzz shards from the same --seed. The merge adds the summaries; lists documents, cases and fuzz
failures in the order the REPORTs are given; adds fuzz counts and coverage counts per operation
and code, and works out again from the union which documented codes were never answered and
which required codes (--require-codes of the shards) are missing. Each report says which shard
it is: shards 1 to N of one split must each come once, and the merged report is incomplete
when one is missing or any shard is incomplete. A JSON report keeps no document source: the
human format shows each finding without its source line and caret.

Exit codes: the verdict of the merged report, as the command that wrote the shards gives it:
            0 contract holds (warnings allowed unless --deny-warnings), 1 contract violated
            (a finding, a case not as expected, a fuzz failure, a required code never answered),
            2 a shard missing, incomplete or that could not check everything; a REPORT that is
            not such a report; reports of different commands or splits.")]
pub struct MergeArgs {
    /// The JSON reports to merge, in order.
    #[arg(required = true, value_name = "REPORT")]
    pub inputs: Vec<PathBuf>,

    /// Output format.
    #[arg(
        long,
        value_parser = choice::<Format>(),
        default_value = "human",
        help_heading = "Judging and output"
    )]
    pub format: Format,

    /// Print only the summary (human format).
    #[arg(short, long, help_heading = "Judging and output")]
    pub quiet: bool,

    /// Exit 1 when there are warnings too.
    #[arg(long, help_heading = "Judging and output")]
    pub deny_warnings: bool,

    /// Report files.
    #[command(flatten)]
    pub report: ReportArgs,
}

/// Runs `report …`.
pub fn run(args: ReportCommandArgs) -> ExitCode {
    match args.command {
        ReportCommand::Merge(args) => run_merge(&args),
    }
}

#[allow(clippy::print_stderr)]
fn run_merge(args: &MergeArgs) -> ExitCode {
    let mut incomplete = Vec::new();
    let merged = merge::read_all(&args.inputs).and_then(|shards| {
        incomplete = shards
            .iter()
            .filter(|s| s.report.incomplete)
            .map(|s| s.source.clone())
            .collect();
        merge::merge(shards)
    });
    let merged = match merged {
        Ok(merged) => merged,
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "ppob-contract report merge: {e}");
            return ExitStatus::Usage.into();
        }
    };
    for source in &incomplete {
        let _ = writeln!(
            anstream::stderr(),
            "ppob-contract report merge: {source}: the run stopped before its end; the merged report is incomplete"
        );
    }
    if !merged.missing_shards.is_empty() {
        let missing: Vec<String> = merged
            .missing_shards
            .iter()
            .map(ToString::to_string)
            .collect();
        let _ = writeln!(
            anstream::stderr(),
            "ppob-contract report merge: no report of shard {}; the merged report is incomplete",
            missing.join(", ")
        );
    }
    let merged = merged.report;
    let written = output::open_in(
        args.format,
        args.quiet,
        &args.report,
        &[],
        output::OnSignal::Exit,
    )
    .map_err(|e| io::Error::other(e.to_string()))
    .and_then(|(mut reporter, _files)| {
        retell(&merged, &mut reporter)?;
        drop(reporter);
        Ok(())
    });
    match written {
        Ok(()) => merged.exit_status(args.deny_warnings).into(),
        Err(e) => {
            if !is_closed_pipe(&e) {
                let _ = writeln!(anstream::stderr(), "ppob-contract report merge: {e}");
            }
            ExitStatus::of_output_error(&e).into()
        }
    }
}
