//! The `ppob-contract` binary: parse the command line, run it, exit with its code.

use clap::Parser;

mod allocator;
mod cli;

/// mimalloc, called directly (see [`allocator`]).
#[global_allocator]
static ALLOCATOR: allocator::MiMalloc = allocator::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::run(cli::Cli::parse())
}
