//! The `ppob-contract` binary: parse the command line, run it, exit with its code.

mod allocator;
mod cli;

/// mimalloc, called directly (see [`allocator`]).
#[global_allocator]
static ALLOCATOR: allocator::MiMalloc = allocator::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
