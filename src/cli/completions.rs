//! `ppob-contract completions SHELL`: the shell's completion script for every subcommand and
//! flag, generated from the clap definitions (clap_complete), on stdout.

use std::process::ExitCode;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

/// Arguments of `completions`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  ppob-contract completions bash > ~/.local/share/bash-completion/completions/ppob-contract
  ppob-contract completions zsh > ~/.zfunc/_ppob-contract     (with fpath+=~/.zfunc)
  ppob-contract completions fish > ~/.config/fish/completions/ppob-contract.fish")]
pub struct CompletionsArgs {
    /// The shell: bash, elvish, fish, powershell or zsh.
    #[arg(value_name = "SHELL", value_parser = clap::value_parser!(Shell))]
    pub shell: Shell,
}

/// Writes the script; a closed stdout ends quietly.
pub fn run(args: CompletionsArgs) -> ExitCode {
    let mut script = Vec::new();
    clap_complete::generate(
        args.shell,
        &mut super::Cli::command(),
        "ppob-contract",
        &mut script,
    );
    super::write_stdout(&script, "completions")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(shell: Shell) -> String {
        let mut out = Vec::new();
        clap_complete::generate(
            shell,
            &mut super::super::Cli::command(),
            "ppob-contract",
            &mut out,
        );
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_shell_gets_a_script_naming_the_subcommands() {
        for shell in [
            Shell::Bash,
            Shell::Elvish,
            Shell::Fish,
            Shell::PowerShell,
            Shell::Zsh,
        ] {
            let text = script(shell);
            for word in ["check", "validate", "report", "format", "severity"] {
                assert!(text.contains(word), "{shell}: no {word}");
            }
        }
    }
}
