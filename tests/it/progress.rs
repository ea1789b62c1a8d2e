//! `--progress`: a `check` whose output is piped (a CI log) against `mock` with a long first
//! wait prints heartbeat lines on stderr while the case waits, each a whole line, before the
//! case's result; `--progress never` prints none; a run that ends quickly prints none.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::check_http::{KEY, SECRET, mock};
use crate::support::run;

/// Runs `ppob-contract ARGS` with stdout and stderr into one pipe, as a CI log merges them;
/// returns the merged text and the exit code. Killed after `bound` (the test then fails).
fn merged_log(args: &[&str], bound: Duration) -> (String, Option<i32>) {
    let (mut reader, writer) = std::io::pipe().expect("a pipe");
    let child = Command::new(env!("CARGO_BIN_EXE_ppob-contract"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("PPOB_API_KEY", KEY)
        .env("PPOB_API_SECRET", SECRET)
        .env_remove("PPOB_BASE_URL")
        .stdin(Stdio::null())
        .stdout(writer.try_clone().expect("a second writer"))
        .stderr(writer)
        .spawn()
        .expect("the binary runs");
    let watchdog = Watchdog::start(child, bound);
    let mut log = String::new();
    reader.read_to_string(&mut log).expect("the log is text");
    (log, watchdog.finish())
}

/// Waits for a child in a thread, killing it once `bound` has passed.
struct Watchdog(std::thread::JoinHandle<Option<i32>>);

impl Watchdog {
    fn start(mut child: Child, bound: Duration) -> Self {
        Self(std::thread::spawn(move || {
            let started = Instant::now();
            loop {
                if let Some(status) = child.try_wait().expect("the child is waited for") {
                    return status.code();
                }
                if started.elapsed() > bound {
                    let _ = child.kill();
                    let _ = child.wait();
                    return None;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }))
    }

    fn finish(self) -> Option<i32> {
        self.0.join().expect("the watchdog ends")
    }
}

/// `check --target URL --case 0811111111 --first-wait 20s` plus `extra`, as a CI job runs it.
fn long_wait_check(url: &str, extra: &[&str]) -> (String, Option<i32>) {
    let mut args = vec![
        "check",
        "--target",
        url,
        "--case",
        "0811111111",
        "--first-wait",
        "20s",
    ];
    args.extend_from_slice(extra);
    merged_log(&args, Duration::from_secs(180))
}

fn heartbeats(log: &str) -> Vec<&str> {
    log.lines().filter(|l| l.contains("cases done")).collect()
}

#[test]
fn a_piped_check_beats_while_its_case_waits_and_never_with_progress_never() {
    let (_server, url) = mock();
    let quiet_url = url.clone();
    let never = std::thread::spawn(move || long_wait_check(&quiet_url, &["--progress", "never"]));
    let (log, code) = long_wait_check(&url, &[]);
    assert_eq!(code, Some(0), "{log}");

    let beats = heartbeats(&log);
    let first = *beats
        .first()
        .unwrap_or_else(|| panic!("no heartbeat:\n{log}"));
    // `[ 10s] 0/1 cases done · 0811111111 waiting for the first status call, 10s of 20s left`
    let (stamp, said) = first
        .strip_prefix('[')
        .and_then(|l| l.split_once("s] "))
        .unwrap_or_else(|| panic!("a heartbeat starts with its time: {first:?}"));
    let seconds: u64 = stamp.trim().parse().unwrap();
    assert!(
        (10..15).contains(&seconds),
        "the first beat is within 15 s: {first:?}"
    );
    assert!(
        said.starts_with("0/1 cases done · 0811111111 waiting for the first status call, ")
            && said.ends_with(" of 20s left"),
        "{first:?}"
    );
    // Whole lines only: every heartbeat is its own line, none cut into a result line.
    assert_eq!(
        log.matches("cases done").count(),
        beats.len(),
        "a heartbeat inside another line:\n{log}"
    );
    for beat in &beats {
        assert!(beat.starts_with('['), "{beat:?}");
    }
    // The beats come while the case waits, so before its result and the summary.
    let lines: Vec<&str> = log.lines().collect();
    let result = lines
        .iter()
        .position(|l| l.contains("0811111111") && !l.contains("cases done"))
        .unwrap_or_else(|| panic!("no result line for the case:\n{log}"));
    let last_beat = lines
        .iter()
        .rposition(|l| l.contains("cases done"))
        .unwrap();
    assert!(last_beat < result, "{log}");
    assert!(log.contains("contract holds"), "{log}");

    let (quiet_log, quiet_code) = never.join().unwrap();
    assert_eq!(quiet_code, Some(0), "{quiet_log}");
    assert_eq!(heartbeats(&quiet_log), Vec::<&str>::new(), "{quiet_log}");
    assert!(quiet_log.contains("contract holds"), "{quiet_log}");
}

#[test]
fn a_run_that_ends_quickly_prints_no_progress() {
    let out = run(&["check", "--case", "0811111111", "--progress", "always"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    let out = run(&["check", "--progress", "sometimes"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("auto") && out.stderr.contains("never"),
        "{}",
        out.stderr
    );
}
