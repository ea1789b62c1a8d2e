//! The `ppob-contract` binary: parse the command line, run it, exit with its code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    ppob_contract::cli::run(ppob_contract::cli::Cli::parse())
}
