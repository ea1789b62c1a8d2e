//! `ppob-contract validate`.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::judge::JudgeArgs;
use super::output::{self, ReportArgs};
use super::run_args::{JobsArg, PartitionArg};
use ppob_core::contract::{DocKind, Summary};
use ppob_core::exit::{ExitStatus, is_closed_pipe};
use ppob_products::Category;
use ppob_report::{Command, Reporter, RunEnd, RunInfo, SinkOf};
use ppob_validate::input::{BatchReader, SkippedFile, expand};
use ppob_validate::{RunError, run as run_validation};

fn parse_kind(s: &str) -> Result<DocKind, String> {
    s.parse()
        .map_err(|e: ppob_core::contract::UnknownKind| e.to_string())
}

/// Arguments of `validate`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  ppob-contract validate fixtures/mobile-postpaid/*.json
  ppob-contract validate recordings/                      (every .json/.ndjson/.jsonl/.har below it)
  ppob-contract validate cassettes/seed/seed.har          (each request and answer of a HAR file)
  cat answer.json | ppob-contract validate --kind status.response -
  ppob-contract validate --format json answers.ndjson > report.json

The kind of each document comes from --kind, else from a file name ending in .<KIND>.json
(e.g. rc-188.status.response.json), else from the document's shape. In a HAR file it comes
from each entry's URL path; its documents are named PATH#ENTRY KIND and their line:column
count inside the embedded body (see docs/cassettes.md).

The product category of each document comes from --category, else from its data.category
and productCode (ppob-contract products lists the known ones): its rules (detail keys, token
shape, bill periods, …) apply. A category no one knows gets the envelope rules and a
product.unknown-category note (docs/products.md).

Exit codes: 0 contract holds (warnings allowed unless --deny-warnings),
            1 contract violated, 2 usage or input error.")]
pub struct ValidateArgs {
    /// Files, directories (searched recursively) or - for stdin. Files ending in .ndjson or
    /// .jsonl hold one document per line; .har files (cassettes, browser exports) one per
    /// request and answer.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Check every document as this kind instead of detecting it.
    #[arg(long, value_name = "KIND", value_parser = parse_kind,
          help = "Check every document as this kind: inquiry.request, inquiry.response, payment.request, payment.response, status.request, status.response or callback")]
    pub kind: Option<DocKind>,

    /// Judge every document by this product category's rules (a NAME `ppob-contract products`
    /// lists) instead of recognising each document's category from data.category and its
    /// productCode.
    #[arg(long, value_name = "NAME", value_parser = super::products::parse_category)]
    pub category: Option<&'static Category>,

    /// Read every input (stdin included) as NDJSON, one document per line.
    #[arg(long)]
    pub ndjson: bool,

    #[command(flatten)]
    pub jobs: JobsArg,

    #[command(flatten)]
    pub partition: PartitionArg,

    /// How documents are judged and shown.
    #[command(flatten)]
    pub judge: JudgeArgs,

    /// Report files.
    #[command(flatten)]
    pub report: ReportArgs,
}

fn validate(args: &ValidateArgs) -> Result<Summary, RunError> {
    let engine = args.judge.engine_at(args.judge.severities(), args.category);
    let expansion = expand(&args.paths, args.ndjson);
    note_skipped(&expansion.skipped);
    let inputs = expansion.inputs;
    let inputs = match args.partition.partition {
        Some(partition) => partition.select(inputs),
        None => inputs,
    };
    let reader = BatchReader::new(inputs, args.kind);
    let (mut report, _files) = output::open(&args.judge, &args.report, &[], output::OnSignal::Exit)
        .map_err(|e| RunError::Write(io::Error::other(e.to_string())))?;
    report.start(&RunInfo {
        command: Command::Validate,
        target: None,
        fuzz: None,
        partition: args.partition.partition,
    })?;
    let summary = run_validation(&engine, reader, args.jobs.or(0), &mut SinkOf(&mut report))?;
    report.finish(&RunEnd::new(summary.clone()))?;
    Ok(summary)
}

/// Names on stderr each special file a directory walk left out (stdout
/// holds the report, which must stay one JSON document with `--format json`).
#[allow(clippy::print_stderr)]
fn note_skipped(skipped: &[SkippedFile]) {
    let mut err = io::stderr().lock();
    for file in skipped {
        let _ = writeln!(err, "ppob-contract: note: {file}");
    }
}

/// Runs `validate` and maps the verdict to an exit code.
#[allow(clippy::print_stderr)]
pub fn run(args: ValidateArgs) -> ExitCode {
    match validate(&args) {
        Ok(summary) => summary.exit_status(args.judge.deny_warnings).into(),
        // The reader went away (e.g. piped into `head`): stop quietly.
        Err(RunError::Write(e)) if is_closed_pipe(&e) => ExitStatus::of_output_error(&e).into(),
        Err(e) => {
            let _ = writeln!(io::stderr(), "ppob-contract: {e}");
            ExitStatus::Usage.into()
        }
    }
}
