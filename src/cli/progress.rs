//! Progress on stderr while a long run waits (`--progress auto|always|never`):
//! a live view on a terminal, and where no one watches a terminal (a CI log) a
//! heartbeat line at a steady interval, so a case waiting minutes for its
//! first status call does not leave the log silent. The libraries only tell
//! what happens (`ppob_check::flow::Observer`, `ppob_fuzz::Progress`); this
//! module draws it.
//!
//! Heartbeat lines go through [`super::lines`], under the lock the terminal
//! report's whole lines are written with: in a log that merges stdout and
//! stderr a heartbeat never lands in the middle of a result line.

use std::collections::HashMap;
use std::io::{self, IsTerminal};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};

use super::lines::line_on_stderr;

/// How often a heartbeat line is printed while a run lasts.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(10);

/// When progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressWhen {
    /// A live view when stderr is a terminal, heartbeat lines when it is not.
    Auto,
    /// Heartbeat lines, on a terminal too (in place of the live view).
    Always,
    /// Neither.
    Never,
}

/// `--progress`, shared by the commands whose runs can last (`check`, `fuzz`).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Judging and output")]
pub struct ProgressArgs {
    /// Progress on stderr while the run lasts. auto: a live view when stderr is a terminal,
    /// otherwise (a CI log) a heartbeat line every 10s, e.g. "[ 20s] 0/1 cases done ·
    /// 0811111111 waiting for the first status call, 130s of 150s left"; nothing when the run
    /// ends sooner. always: the heartbeat lines on a terminal too. never: neither.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ProgressWhen::Auto)]
    pub progress: ProgressWhen,
}

/// What a run draws, decided once from `--progress` and stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// A live view (indicatif) on the terminal.
    Live,
    /// Heartbeat lines.
    Lines,
    /// Nothing.
    Nothing,
}

impl ProgressArgs {
    /// What to draw, stderr being a terminal or not.
    pub fn shown(&self) -> Shown {
        shown(self.progress, io::stderr().is_terminal())
    }
}

fn shown(when: ProgressWhen, terminal: bool) -> Shown {
    match when {
        ProgressWhen::Never => Shown::Nothing,
        ProgressWhen::Always => Shown::Lines,
        ProgressWhen::Auto if terminal => Shown::Live,
        ProgressWhen::Auto => Shown::Lines,
    }
}

/// A thread printing `[ Ns] LINE` on stderr every `every` until dropped,
/// LINE from `say` (nothing when it gives `None`).
pub struct Heartbeat {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Heartbeat {
    /// Starts the heartbeat; the first line comes after `every`.
    pub fn start(every: Duration, say: impl Fn() -> Option<String> + Send + 'static) -> Self {
        let (stop, stopped) = mpsc::channel::<()>();
        let started = Instant::now();
        let thread = std::thread::Builder::new()
            .name("heartbeat".into())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
                    if let Some(line) = say() {
                        line_on_stderr(&stamped(started.elapsed(), &line));
                    }
                }
            })
            .ok();
        Self {
            stop: Some(stop),
            thread,
        }
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// `[ 20s] line`: the time since the run started, in whole seconds.
fn stamped(elapsed: Duration, line: &str) -> String {
    format!("[{:>3}s] {line}", elapsed.as_secs())
}

/// A duration in whole seconds, as humans read it (`20s`, `2m30s`).
fn seconds(d: Duration) -> String {
    format!("{}s", d.as_secs() + u64::from(d.subsec_millis() >= 500))
}

/// A wait in progress.
#[derive(Debug, Clone)]
struct Waiting {
    why: String,
    duration: Duration,
    since: Instant,
}

/// What `check`'s cases are doing, for its heartbeat.
#[derive(Debug, Default)]
pub struct CaseBoard {
    total: usize,
    state: Mutex<BoardState>,
}

#[derive(Debug, Default)]
struct BoardState {
    done: usize,
    /// Running cases, in the order they started.
    running: Vec<String>,
    waiting: HashMap<String, Waiting>,
}

/// How many running cases a heartbeat line names.
const NAMED: usize = 3;

impl CaseBoard {
    /// A board for a run of `total` cases.
    pub fn new(total: usize) -> Self {
        Self {
            total,
            state: Mutex::default(),
        }
    }

    fn state(&self) -> MutexGuard<'_, BoardState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The case started.
    pub fn started(&self, case: &str) {
        self.state().running.push(case.to_owned());
    }

    /// The case ended.
    pub fn ended(&self, case: &str) {
        let mut state = self.state();
        state.running.retain(|c| c != case);
        state.waiting.remove(case);
        state.done += 1;
    }

    /// The case waits `duration` for `why`.
    pub fn waiting(&self, case: &str, duration: Duration, why: &str) {
        self.state().waiting.insert(
            case.to_owned(),
            Waiting {
                why: why.to_owned(),
                duration,
                since: Instant::now(),
            },
        );
    }

    /// The case's wait ended.
    pub fn waited(&self, case: &str) {
        self.state().waiting.remove(case);
    }

    /// The heartbeat's line: `3/8 cases done · 0811111113 waiting for status
    /// call #4, 12s of 40s left · 0811111112 awaiting an answer`.
    pub fn line(&self) -> String {
        let state = self.state();
        let now = Instant::now();
        let mut line = format!("{}/{} cases done", state.done, self.total);
        for case in state.running.iter().take(NAMED) {
            line.push_str(" · ");
            line.push_str(case);
            match state.waiting.get(case) {
                Some(wait) => {
                    let left = wait
                        .duration
                        .saturating_sub(now.saturating_duration_since(wait.since));
                    line.push_str(&format!(
                        " waiting {}, {} of {} left",
                        wait.why,
                        seconds(left),
                        seconds(wait.duration)
                    ));
                }
                None => line.push_str(" awaiting an answer"),
            }
        }
        if state.running.len() > NAMED {
            line.push_str(&format!(" · {} more running", state.running.len() - NAMED));
        }
        line
    }
}

/// Starts `board`'s heartbeat: a line every [`HEARTBEAT_EVERY`] until dropped.
pub fn case_heartbeat(board: Arc<CaseBoard>) -> Heartbeat {
    Heartbeat::start(HEARTBEAT_EVERY, move || Some(board.line()))
}

/// What a `fuzz` campaign is doing, for its heartbeat.
#[derive(Debug, Default)]
pub struct FuzzBoard {
    total: u64,
    done: std::sync::atomic::AtomicU64,
    shrinking: Mutex<Option<String>>,
}

impl FuzzBoard {
    /// A board for a campaign of `total` cases.
    pub fn new(total: u64) -> Self {
        Self {
            total,
            ..Self::default()
        }
    }

    /// The heartbeat's line: `340/1000 cases done · shrinking a money failure`.
    pub fn line(&self) -> String {
        let done = self.done.load(std::sync::atomic::Ordering::Relaxed);
        let mut line = format!("{done}/{} cases done", self.total);
        if let Some(oracle) = &*self
            .shrinking
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
        {
            line.push_str(&format!(" · shrinking a {oracle} failure"));
        }
        line
    }
}

impl ppob_fuzz::runner::Progress for FuzzBoard {
    fn case_done(&self) {
        self.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Ok(mut shrinking) = self.shrinking.lock() {
            *shrinking = None;
        }
    }

    fn shrinking(&self, oracle: &str) {
        if let Ok(mut shrinking) = self.shrinking.lock() {
            *shrinking = Some(oracle.to_owned());
        }
    }
}

/// Starts `board`'s heartbeat: a line every [`HEARTBEAT_EVERY`] until dropped.
pub fn fuzz_heartbeat(board: Arc<FuzzBoard>) -> Heartbeat {
    Heartbeat::start(HEARTBEAT_EVERY, move || Some(board.line()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_is_a_live_view_on_a_terminal_and_lines_elsewhere() {
        assert_eq!(shown(ProgressWhen::Auto, true), Shown::Live);
        assert_eq!(shown(ProgressWhen::Auto, false), Shown::Lines);
        assert_eq!(shown(ProgressWhen::Always, true), Shown::Lines);
        assert_eq!(shown(ProgressWhen::Always, false), Shown::Lines);
        assert_eq!(shown(ProgressWhen::Never, false), Shown::Nothing);
        assert_eq!(shown(ProgressWhen::Never, true), Shown::Nothing);
    }

    #[test]
    fn the_board_names_what_each_running_case_waits_for() {
        let board = CaseBoard::new(8);
        assert_eq!(board.line(), "0/8 cases done");
        for case in ["a", "b", "c", "d", "e"] {
            board.started(case);
        }
        board.ended("a");
        board.waiting("b", Duration::from_secs(150), "for the first status call");
        let line = board.line();
        assert!(
            line.starts_with(
                "1/8 cases done · b waiting for the first status call, 150s of 150s left · c awaiting an answer · d awaiting an answer · 1 more running"
            ),
            "{line}"
        );
        board.waited("b");
        board.ended("b");
        assert_eq!(
            board.line(),
            "2/8 cases done · c awaiting an answer · d awaiting an answer · e awaiting an answer"
        );
    }

    #[test]
    fn the_fuzz_board_counts_cases_and_names_a_shrink() {
        use ppob_fuzz::runner::Progress;
        let board = FuzzBoard::new(100);
        board.case_done();
        board.shrinking("money");
        assert_eq!(board.line(), "1/100 cases done · shrinking a money failure");
        board.case_done();
        assert_eq!(board.line(), "2/100 cases done");
    }

    #[test]
    fn stamps_are_whole_seconds_since_the_start() {
        assert_eq!(stamped(Duration::from_millis(10_400), "x"), "[ 10s] x");
        assert_eq!(stamped(Duration::from_secs(1234), "x"), "[1234s] x");
        assert_eq!(seconds(Duration::from_millis(149_600)), "150s");
    }
}
