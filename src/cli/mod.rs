//! The command line: clap definitions and one handler per subcommand. No
//! business logic lives here; handlers call the library and print.

#[cfg(feature = "full")]
mod check;
mod choice;
mod completions;
#[cfg(feature = "full")]
mod connection;
#[cfg(feature = "full")]
mod fuzz;
mod judge;
mod lines;
mod man;
#[cfg(feature = "full")]
mod mock;
mod output;
mod products;
#[cfg(feature = "full")]
mod progress;
#[cfg(feature = "full")]
mod proxy;
mod report;
mod rules;
mod run_args;
mod schemas;
#[cfg(feature = "full")]
mod server_args;
#[cfg(feature = "full")]
mod sim_args;
mod validate;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The top-level help epilogue (its example account read from the product categories).
fn top_help() -> String {
    format!(
        "Examples:\n  ppob-contract check\n  ppob-contract fuzz --seed 42\n  ppob-contract mock --port 8080\n  ppob-contract proxy --upstream http://127.0.0.1:8080\n  ppob-contract check --target http://127.0.0.1:8080 --case {}\n  ppob-contract validate fixtures/mobile-postpaid/*.json\n  ppob-contract validate --kind inquiry.response --format json recorded.ndjson\n  ppob-contract rules\n  ppob-contract schemas diff schemas/released/1.0.0 schemas\n  ppob-contract report merge shard-1.json shard-2.json shard-3.json\n  ppob-contract completions bash\n\nExit codes: 0 contract holds, 1 contract violated, 2 usage or input error.",
        products::example_account()
    )
}

/// The long `--help` text: what the tool does, and the product categories it knows (from the
/// catalog, so a category folder added with `--products` or at build time is named too).
fn long_about() -> String {
    let titles: Vec<&str> = ppob_products::catalog()
        .categories()
        .iter()
        .map(|c| c.manifest.title.as_str())
        .collect();
    format!(
        "Contract testing for the PPOB v2 bill-payment API, every product category it serves \
through the same three endpoints ({}; `ppob-contract products` lists them with their codes): runs \
inquiry → payment → status against the built-in simulator, a partner sandbox or recorded \
cassettes, and checks every document against the documented contract: the JSON Schemas derived \
from the Rust models, the rules a schema cannot say (money adds up, echoes, the money rule) and \
each category's own rules (its detail lines, token shape, amounts).",
        titles.join(", ")
    )
}

/// Contract testing for the PPOB v2 bill-payment API, every product category.
#[derive(Debug, Parser)]
#[command(
    name = "ppob-contract",
    version = VERSION,
    about,
    long_about = long_about(),
    after_help = top_help()
)]
pub struct Cli {
    /// Add the product categories of DIR for this run (repeatable; before or after the
    /// subcommand): DIR is one category folder (holding category.toml) or a folder of them.
    /// `products` lists what is known; docs/products.md says what a folder holds.
    #[arg(long = "products", value_name = "DIR", global = true)]
    pub products: Vec<PathBuf>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run inquiry → payment → status cases against the simulator, a sandbox or cassettes.
    #[cfg(feature = "full")]
    Check(Box<check::CheckArgs>),
    /// Fuzz request variants through the simulator, `mock` or a sandbox, and shrink failures.
    #[cfg(feature = "full")]
    Fuzz(Box<fuzz::FuzzArgs>),
    /// Serve the reference simulator on 127.0.0.1 (test accounts, faults, callbacks).
    #[cfg(feature = "full")]
    Mock(mock::MockArgs),
    /// Sit between a partner's own application and its sandbox: forward, judge every exchange.
    #[cfg(feature = "full")]
    Proxy(Box<proxy::ProxyArgs>),
    /// Check documents (files, directories, NDJSON streams, HAR, stdin) against the contract.
    Validate(validate::ValidateArgs),
    /// List the product categories: products, request extras, finish, test accounts.
    Products(products::ProductsArgs),
    /// List every rule and oracle: ids, scopes, default severities (what --severity takes).
    Rules(rules::RulesArgs),
    /// Work with schema sets: `schemas diff OLD NEW` says which changes break consumers.
    Schemas(schemas::SchemasArgs),
    /// Work with reports: `report merge A.json B.json …` combines the shards of a CI matrix.
    Report(report::ReportCommandArgs),
    /// Print the completion script for a shell (bash, elvish, fish, powershell, zsh).
    Completions(completions::CompletionsArgs),
    /// Print the manual page (roff), or write one page per command with --dir.
    Man(man::ManArgs),
}

/// `--version`: the package version, then the commit, the build date and the enabled features
/// (from `build.rs`).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("PPOB_CONTRACT_BUILD"),
    ")"
);

/// Writes `bytes` to stdout for `command`: 0, or 2 on an output error other than a closed
/// stdout (which ends quietly with 0).
#[allow(clippy::print_stderr)]
fn write_stdout(bytes: &[u8], command: &str) -> ExitCode {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let written = out.write_all(bytes).and_then(|()| out.flush());
    if let Err(e) = &written
        && !ppob_core::exit::is_closed_pipe(e)
    {
        eprintln!("ppob-contract {command}: {e}");
    }
    ppob_core::exit::ExitStatus::of_result(&written.map(|()| ppob_core::exit::ExitStatus::Holds))
        .into()
}

/// Reads the process's command line, applies `--products` (before clap
/// parses: a `--case` or `--category` value is read against the catalogue),
/// and runs it.
#[allow(clippy::print_stderr)]
pub fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let folders = products::folders_in(&args);
    if !folders.is_empty()
        && let Err(e) = products::use_folders(&folders)
    {
        eprintln!("ppob-contract: --products: {e}");
        return ppob_core::exit::ExitStatus::Usage.into();
    }
    run(Cli::parse_from(args))
}

/// Runs the parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        #[cfg(feature = "full")]
        Command::Check(args) => check::run(*args),
        #[cfg(feature = "full")]
        Command::Fuzz(args) => fuzz::run(*args),
        Command::Validate(args) => validate::run(args),
        Command::Rules(args) => rules::run(args),
        Command::Products(args) => products::run(args),
        #[cfg(feature = "full")]
        Command::Mock(args) => mock::run(args),
        #[cfg(feature = "full")]
        Command::Proxy(args) => proxy::run(*args),
        Command::Schemas(args) => schemas::run(args),
        Command::Report(args) => report::run(args),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    /// Every long flag of every (sub)command.
    fn long_flags(command: &clap::Command, into: &mut Vec<String>) {
        into.extend(
            command
                .get_arguments()
                .filter_map(|a| a.get_long())
                .map(|l| format!("--{l}")),
        );
        for sub in command.get_subcommands() {
            long_flags(sub, into);
        }
    }

    #[test]
    fn every_flag_the_rule_help_names_exists() {
        let mut command = Cli::command();
        command.build();
        let mut flags = vec!["--help".to_owned(), "--version".to_owned()];
        long_flags(&command, &mut flags);
        let mut named = 0;
        for rule in ppob_core::rules::CATALOGUE {
            for text in [rule.summary, rule.description, rule.source] {
                for (at, _) in text.match_indices("--") {
                    let flag: String = text[at + 2..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                        .collect();
                    if flag.is_empty() {
                        continue;
                    }
                    named += 1;
                    let flag = format!("--{flag}");
                    assert!(
                        flags.contains(&flag),
                        "rule {}: its help names {flag}, which no command has",
                        rule.id
                    );
                }
            }
        }
        assert!(
            named > 10,
            "only {named} flags named: the scan reads nothing"
        );
        // The check itself catches a flag that does not exist.
        assert!(!flags.contains(&"--expect".to_owned()));
    }
}
