//! The `ppob-contract` binary: parse the command line, run it, exit with its code.

use clap::Parser;

/// mimalloc instead of the system allocator: the models own their strings,
/// so a run allocates and frees a few dozen small blocks per document, many
/// of them freed on another thread than the one that allocated them.
/// Built without transparent huge pages (`no_thp`): with them every process
/// started about 1.5 ms slower (its first arena was committed and zeroed in
/// huge pages), which a CI step that checks one file pays on every call.
/// Not the v2 line: each of its threads reserves its own segments, and under
/// an address-space cap (`ulimit -v`) a worker then aborts on allocation
/// instead of the run saying that the workers cannot start.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    ppob_contract::cli::run(ppob_contract::cli::Cli::parse())
}
