//! The `ppob-contract` binary: parse the command line, run it, exit with its code.

use clap::Parser;

/// mimalloc instead of the system allocator: the models own their strings,
/// so a run allocates and frees a few dozen small blocks per document, many
/// of them freed on another thread than the one that allocated them.
/// mimalloc's v2 line: v3 starts about 1.5 ms slower per process (it
/// reserves and commits its arena with transparent huge pages), which a CI
/// step that checks one file pays on every call.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    ppob_contract::cli::run(ppob_contract::cli::Cli::parse())
}
