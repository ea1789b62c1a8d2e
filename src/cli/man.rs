//! `ppob-contract man`: the manual page (roff, clap_mangen) from the clap definitions — the
//! main page on stdout, or with `--dir DIR` one page per command (`ppob-contract-check.1`, …).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory};

use ppob_core::exit::ExitStatus;

/// Arguments of `man`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  ppob-contract man | man -l -
  ppob-contract man --dir ~/.local/share/man/man1      (then: man ppob-contract-check)")]
pub struct ManArgs {
    /// Write one page per command into DIR (created if missing) instead of the main page on
    /// stdout.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Writes the page or the pages.
#[allow(clippy::print_stderr)]
pub fn run(args: ManArgs) -> ExitCode {
    let command = super::Cli::command();
    match args.dir {
        Some(dir) => {
            let written = std::fs::create_dir_all(&dir)
                .and_then(|()| clap_mangen::generate_to(command, &dir));
            match written {
                Ok(()) => ExitStatus::Holds.into(),
                Err(e) => {
                    eprintln!("ppob-contract man: {}: {e}", dir.display());
                    ExitStatus::Usage.into()
                }
            }
        }
        None => {
            let mut page = Vec::new();
            if let Err(e) = clap_mangen::Man::new(command).render(&mut page) {
                eprintln!("ppob-contract man: {e}");
                return ExitStatus::Usage.into();
            }
            super::write_stdout(&page, "man")
        }
    }
}
