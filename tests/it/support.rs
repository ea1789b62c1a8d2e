//! Helpers shared by the integration tests: paths and running the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `fixtures/mobile-postpaid`.
pub fn fixtures() -> PathBuf {
    root().join("fixtures/mobile-postpaid")
}

/// `target/it-GROUP/NAME`, emptied first: a directory inside the repository (so that what is
/// recorded there is a repository path) for one test's files.
pub fn scratch(group: &str, name: &str) -> PathBuf {
    let dir = root().join("target").join(format!("it-{group}")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The result of one run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

fn finish(output: Output) -> Run {
    Run {
        code: output
            .status
            .code()
            .expect("the binary exits with a code, not a signal"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ppob-contract"));
    cmd.args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("PPOB_API_KEY")
        .env_remove("PPOB_API_SECRET")
        .env_remove("PPOB_BASE_URL")
        .env("COLUMNS", "100");
    cmd
}

/// Runs `ppob-contract ARGS` with extra environment variables.
pub fn run_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = command(args);
    cmd.envs(env.iter().copied()).stdin(Stdio::null());
    finish(cmd.output().expect("the binary runs"))
}

/// Runs `ppob-contract ARGS` from the repository root, without colour.
pub fn run(args: &[&str]) -> Run {
    finish(
        command(args)
            .stdin(Stdio::null())
            .output()
            .expect("the binary runs"),
    )
}

/// Runs `ppob-contract ARGS` with `stdin` piped in.
pub fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Run {
    use std::io::Write;
    let mut child = command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    finish(output)
}

/// The `--format json` report of a `validate` run, parsed.
pub fn json_report(args: &[&str]) -> (i32, serde_json::Value) {
    command_json("validate", args)
}

/// The `--format json` report of `command ARGS`, parsed.
pub fn command_json(command: &str, args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec![command, "--format", "json"];
    all.extend_from_slice(args);
    let run = run(&all);
    let report = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("report is JSON ({e}): {}\n{}", run.stdout, run.stderr));
    (run.code, report)
}

/// Every file directly in `dir` whose name ends with `ending`, sorted.
pub fn files_ending(dir: &Path, ending: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(ending))
        .collect();
    found.sort();
    found
}

/// A path relative to the repository root, as a string.
pub fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

/// Runs `ppob-contract ARGS` with a stdout whose reader is already gone
/// (as `… | head` once head has exited): every write fails with EPIPE.
pub fn closed_stdout_run(args: &[&str]) -> Run {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let child = command(args)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    finish(child.wait_with_output().expect("the binary ends"))
}

/// Runs `ppob-contract ARGS | head -1`: reads the first line of stdout, closes
/// the pipe, and waits. Returns the line and how the run ended.
pub fn first_line_run(args: &[&str]) -> (String, Run) {
    use std::io::BufRead;
    let mut child = command(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut first = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut first)
        .expect("a line");
    // The reader (and the pipe's read end) is dropped here.
    (
        first,
        finish(child.wait_with_output().expect("the binary ends")),
    )
}

/// Every `.rs` file below `dir`.
pub fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The consumer harness's tools (node, npm, python3) that are not installed here. Under
/// `CI=true` a missing one fails the test instead: `.ci/run` installs them, so a skip there
/// would be a silent pass.
pub fn missing_harness_tools() -> Vec<&'static str> {
    missing_tools(&[
        ("node", "--version"),
        ("npm", "--version"),
        ("python3", "--version"),
    ])
}

/// [`missing_harness_tools`] and Go, which the consumer harness runs quicktype's Go output
/// with (not the bindings, which need no Go).
pub fn missing_consumer_tools() -> Vec<&'static str> {
    let mut missing = missing_harness_tools();
    missing.extend(missing_tools(&[("go", "version")]));
    missing
}

/// The tools of `tools` (each with the argument that prints its version) not installed here;
/// under `CI=true` a missing one fails the test.
fn missing_tools(tools: &[(&'static str, &str)]) -> Vec<&'static str> {
    let installed = |tool: &str, version: &str| {
        std::process::Command::new(tool)
            .arg(version)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let missing: Vec<&'static str> = tools
        .iter()
        .filter(|(tool, version)| !installed(tool, version))
        .map(|&(tool, _)| tool)
        .collect();
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true");
    assert!(
        missing.is_empty() || !in_ci,
        "CI=true but {missing:?} missing: .ci/run installs them"
    );
    missing
}
