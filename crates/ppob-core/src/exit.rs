//! Exit codes, named once, and the one mapping from a run's end to a code.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | the contract holds (warnings allowed unless `--deny-warnings`); also a reader that stopped reading (`… \| head`) |
//! | 1 | the contract is violated |
//! | 2 | usage or input error: a bad flag or config, unreadable input, an unreachable server, refused credentials |
//!
//! | 128 + N | stopped by signal N (SIGINT 130, SIGTERM 143), as shells report it: [`signal_code`] |
//!
//! Clap's own usage errors also exit 2; a panic (101) is a bug.

use std::io;
use std::process::ExitCode;

/// How a run ended, as the process reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExitStatus {
    /// 0: the contract holds.
    Holds = 0,
    /// 1: the contract is violated.
    Violated = 1,
    /// 2: the run could not check the contract (usage, input or setup error).
    Usage = 2,
}

impl ExitStatus {
    /// The numeric code.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The verdict of a run that found `errors` errors and `warnings`
    /// warnings, `input_errors` of its documents unreadable.
    pub fn of_counts(input_errors: u64, errors: u64, warnings: u64, deny_warnings: bool) -> Self {
        if input_errors > 0 {
            Self::Usage
        } else if errors > 0 || (deny_warnings && warnings > 0) {
            Self::Violated
        } else {
            Self::Holds
        }
    }

    /// The verdict of a run that could not finish writing its output. A
    /// closed stdout (the reader went away, as with `… | head -1`) ends the run
    /// quietly with 0, as ripgrep does: the reader chose to stop, nothing
    /// failed. Any other write error is 2.
    pub fn of_output_error(error: &io::Error) -> Self {
        if is_closed_pipe(error) {
            Self::Holds
        } else {
            Self::Usage
        }
    }

    /// `Ok(status)` as is; an output error as [`Self::of_output_error`].
    pub fn of_result(result: &io::Result<Self>) -> Self {
        match result {
            Ok(status) => *status,
            Err(e) => Self::of_output_error(e),
        }
    }
}

/// Whether `error` says the reader of our output went away.
pub fn is_closed_pipe(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::BrokenPipe
}

/// The code of a run stopped by signal `signal`: 128 + the signal's number,
/// as shells report it (130 for SIGINT, 143 for SIGTERM); 130 for a number
/// that does not fit.
pub fn signal_code(signal: i32) -> u8 {
    signal
        .checked_add(128)
        .and_then(|code| u8::try_from(code).ok())
        .unwrap_or(130)
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_is_128_plus_its_number() {
        assert_eq!(signal_code(2), 130);
        assert_eq!(signal_code(15), 143);
        assert_eq!(signal_code(400), 130);
        assert_eq!(signal_code(i32::MAX), 130);
    }

    #[test]
    fn codes_are_the_documented_numbers() {
        assert_eq!(ExitStatus::Holds.code(), 0);
        assert_eq!(ExitStatus::Violated.code(), 1);
        assert_eq!(ExitStatus::Usage.code(), 2);
        assert!(
            ExitStatus::Holds < ExitStatus::Violated && ExitStatus::Violated < ExitStatus::Usage
        );
    }

    #[test]
    fn counts_map_to_a_verdict() {
        assert_eq!(ExitStatus::of_counts(0, 0, 3, false), ExitStatus::Holds);
        assert_eq!(ExitStatus::of_counts(0, 0, 3, true), ExitStatus::Violated);
        assert_eq!(ExitStatus::of_counts(0, 1, 0, false), ExitStatus::Violated);
        assert_eq!(ExitStatus::of_counts(1, 1, 0, false), ExitStatus::Usage);
    }

    #[test]
    fn a_closed_pipe_is_quiet_and_other_write_errors_are_usage() {
        let pipe = io::Error::from(io::ErrorKind::BrokenPipe);
        assert_eq!(ExitStatus::of_output_error(&pipe), ExitStatus::Holds);
        let full = io::Error::other("disk full");
        assert_eq!(ExitStatus::of_output_error(&full), ExitStatus::Usage);
        assert_eq!(ExitStatus::of_result(&Err(pipe)), ExitStatus::Holds);
        assert_eq!(
            ExitStatus::of_result(&Ok(ExitStatus::Violated)),
            ExitStatus::Violated
        );
    }
}
