//! Installing from a release, against fake releases in a temporary directory (a `file:`
//! base URL). `scripts/install.sh` alone: a good release installs and runs; a
//! tampered archive, a missing or silent SHA256SUMS are refused with nothing installed and no
//! source build in their place; a release without a binary for the machine falls back to
//! `cargo install --locked` of the same tag (a stand-in `cargo` first on PATH records the call).
//! The composite `action.yml`: its steps read from the YAML and run one after another as a
//! runner runs them (`bash -eo pipefail`, `GITHUB_PATH`, `GITHUB_OUTPUT`, `if:`, the
//! expressions it uses), with `actions/cache` played by a map from key to a saved copy: a second
//! job restores the binary, prebuilt or built from source, without downloading or building.
//! The names of the release archives agree across the release workflow, the script and the
//! cargo-binstall metadata.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use yaml_rust2::{Yaml, YamlLoader};

use crate::support::root;

const TAG: &str = "v9.8.7";
const REPO: &str = "example/ppob-contract";

/// The URL the script's source fallback hands `cargo install --git` for `REPO`: only ever
/// recorded by the stand-in cargo, never contacted.
fn repo_git_url() -> String {
    format!("https://{}/{REPO}", "github.com")
}

/// The release target `scripts/install.sh` picks for this machine.
fn this_target() -> &'static str {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("macos", "aarch64") => "aarch64-apple-darwin",
        ("macos", _) => "x86_64-apple-darwin",
        (_, "aarch64") => "aarch64-unknown-linux-musl",
        _ => "x86_64-unknown-linux-musl",
    }
}

fn archive_name(target: &str) -> String {
    format!("ppob-contract-{TAG}-{target}.tar.gz")
}

fn chmod_x(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A release directory under `dir` holding, for `target`, an archive whose `ppob-contract` is
/// a script printing `said`, and the SHA256SUMS that lists it.
fn release(dir: &Path, said: &str, target: &str) -> PathBuf {
    let release = dir.join("release");
    let staging = dir.join("staging");
    std::fs::create_dir_all(&release).unwrap();
    std::fs::create_dir_all(&staging).unwrap();
    let binary = staging.join("ppob-contract");
    std::fs::write(&binary, format!("#!/bin/sh\necho '{said}'\n")).unwrap();
    chmod_x(&binary);
    let tar = Command::new("tar")
        .arg("-czf")
        .arg(release.join(archive_name(target)))
        .arg("-C")
        .arg(&staging)
        .arg("ppob-contract")
        .status()
        .unwrap();
    assert!(tar.success());
    let sums = Command::new("sha256sum")
        .arg(archive_name(target))
        .current_dir(&release)
        .output()
        .unwrap();
    assert!(sums.status.success());
    std::fs::write(release.join("SHA256SUMS"), sums.stdout).unwrap();
    release
}

/// A directory with a stand-in `cargo` that records its arguments in `cargo-args` beside it and
/// installs a script printing "built from source" into `--root`; put first on PATH.
struct FakeCargo {
    bin: PathBuf,
    log: PathBuf,
}

impl FakeCargo {
    fn new(dir: &Path) -> Self {
        let bin = dir.join("fake-bin");
        std::fs::create_dir_all(&bin).unwrap();
        let log = dir.join("cargo-args");
        let cargo = bin.join("cargo");
        std::fs::write(
            &cargo,
            format!(
                "#!/bin/sh\necho \"$@\" >> '{}'\nwhile [ \"$1\" != --root ]; do shift; done\nmkdir -p \"$2/bin\"\nprintf '#!/bin/sh\\necho built from source\\n' > \"$2/bin/ppob-contract\"\nchmod +x \"$2/bin/ppob-contract\"\n",
                log.display()
            ),
        )
        .unwrap();
        chmod_x(&cargo);
        Self { bin, log }
    }

    /// PATH with the stand-in first.
    fn path(&self) -> std::ffi::OsString {
        let mut dirs = vec![self.bin.clone()];
        dirs.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        std::env::join_paths(dirs).unwrap()
    }

    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .map(|s| s.lines().map(str::to_owned).collect())
            .unwrap_or_default()
    }
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs `scripts/install.sh` for `target` against `release`, installing into `dest`, with PATH
/// as given.
fn install(release: &Path, dest: &Path, target: &str, path: &std::ffi::OsStr) -> Output {
    Command::new("bash")
        .arg(root().join("scripts/install.sh"))
        .args(["--version", TAG, "--repo", REPO, "--target", target])
        .arg("--dest")
        .arg(dest)
        .arg("--base-url")
        .arg(format!("file://{}", release.display()))
        .env("PATH", path)
        .output()
        .expect("bash runs")
}

#[test]
fn a_verified_release_installs_and_runs() {
    for tool in ["curl", "tar", "sha256sum"] {
        assert!(
            Command::new(tool)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success()),
            "{tool} is needed (.ci/run installs curl)"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let target = "x86_64-unknown-linux-musl";
    let release = release(dir.path(), "ppob-contract 9.8.7 (fake)", target);
    let dest = dir.path().join("dest");
    let cargo = FakeCargo::new(dir.path());
    let output = install(&release, &dest, target, &cargo.path());
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("ppob-contract 9.8.7 (fake)"),
        "{}",
        text(&output)
    );
    assert!(dest.join("bin/ppob-contract").is_file());
    assert!(
        cargo.calls().is_empty(),
        "no source build when the binary is there"
    );
}

#[test]
fn a_tampered_archive_is_refused_and_nothing_is_installed() {
    let dir = tempfile::tempdir().unwrap();
    let target = "aarch64-unknown-linux-musl";
    let release = release(dir.path(), "genuine", target);
    // Another binary under the same name, the checksums left as they were.
    let sums = std::fs::read(release.join("SHA256SUMS")).unwrap();
    let other = tempfile::tempdir().unwrap();
    let tampered = self::release(other.path(), "tampered", target);
    std::fs::copy(
        tampered.join(archive_name(target)),
        release.join(archive_name(target)),
    )
    .unwrap();
    std::fs::write(release.join("SHA256SUMS"), sums).unwrap();
    let dest = dir.path().join("dest");
    let cargo = FakeCargo::new(dir.path());
    let output = install(&release, &dest, target, &cargo.path());
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    assert!(
        text(&output).contains("does not match SHA256SUMS"),
        "{}",
        text(&output)
    );
    assert!(!dest.join("bin/ppob-contract").exists());
    assert!(
        cargo.calls().is_empty(),
        "a refused download is not replaced by a source build"
    );

    // No SHA256SUMS at all, or one that does not name the archive: refused too.
    std::fs::remove_file(release.join("SHA256SUMS")).unwrap();
    let output = install(&release, &dest, target, &cargo.path());
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    assert!(text(&output).contains("no SHA256SUMS"), "{}", text(&output));
    std::fs::write(release.join("SHA256SUMS"), "0000  another-file.tar.gz\n").unwrap();
    let output = install(&release, &dest, target, &cargo.path());
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    assert!(text(&output).contains("does not list"), "{}", text(&output));
    assert!(!dest.join("bin/ppob-contract").exists());
    assert!(cargo.calls().is_empty());
}

#[test]
fn a_release_without_this_machine_s_binary_falls_back_to_a_source_build() {
    let dir = tempfile::tempdir().unwrap();
    let target = "x86_64-unknown-linux-musl";
    let release = dir.path().join("empty-release");
    std::fs::create_dir_all(&release).unwrap();
    let dest = dir.path().join("dest");
    let cargo = FakeCargo::new(dir.path());
    let output = install(&release, &dest, target, &cargo.path());
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("building from source"),
        "{}",
        text(&output)
    );
    assert!(
        text(&output).contains("built from source"),
        "{}",
        text(&output)
    );
    assert_eq!(
        cargo.calls(),
        [format!(
            "install --locked --root {} --git {} --tag {TAG} ppob-contract",
            dest.display(),
            repo_git_url()
        )]
    );

    // --no-source: exit 4, nothing built.
    let output = Command::new("bash")
        .arg(root().join("scripts/install.sh"))
        .args(["--version", TAG, "--repo", REPO, "--target", target])
        .arg("--no-source")
        .arg("--dest")
        .arg(dir.path().join("other"))
        .arg("--base-url")
        .arg(format!("file://{}", release.display()))
        .env("PATH", cargo.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4), "{}", text(&output));
    assert_eq!(cargo.calls().len(), 1, "--no-source builds nothing");

    // No cargo on PATH: exit 4, saying where cargo comes from.
    let system_path = "/usr/bin:/bin";
    if !["/usr/bin/cargo", "/bin/cargo"]
        .iter()
        .any(|p| Path::new(p).exists())
    {
        let output = install(
            &release,
            &dir.path().join("third"),
            target,
            system_path.as_ref(),
        );
        assert_eq!(output.status.code(), Some(4), "{}", text(&output));
        assert!(
            text(&output).contains("no cargo on PATH"),
            "{}",
            text(&output)
        );
    }
}

/// The values a GitHub-hosted runner gives the action's expressions, and what it keeps across
/// steps and jobs.
struct Runner {
    /// `runner.tool_cache`: a fresh one per job.
    tool_cache: PathBuf,
    /// The job's scratch directory (GITHUB_PATH, GITHUB_OUTPUT files).
    scratch: PathBuf,
    inputs: HashMap<String, String>,
    /// PATH before the job's `GITHUB_PATH` additions.
    path: std::ffi::OsString,
}

/// `actions/cache` between jobs: key → a saved copy of the cached directory.
#[derive(Default)]
struct Cache {
    saved: HashMap<String, PathBuf>,
    store: Option<tempfile::TempDir>,
}

/// What one job with the action did.
#[derive(Debug)]
struct Job {
    /// The names of the steps that ran, in order.
    ran: Vec<String>,
    /// The failed step's name and output, if one failed (the job stops there).
    failed: Option<(String, String)>,
    /// Every step's output, concatenated.
    log: String,
    /// Lines the steps appended to GITHUB_PATH.
    added_path: Vec<String>,
    /// The action's outputs.
    outputs: HashMap<String, String>,
}

fn action() -> Yaml {
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    YamlLoader::load_from_str(&text)
        .expect("action.yml is YAML")
        .remove(0)
}

/// The value of one `${{ … }}` expression of the forms action.yml uses.
fn evaluate(
    expression: &str,
    action: &Yaml,
    runner: &Runner,
    steps: &HashMap<String, String>,
) -> String {
    let expression = expression.trim();
    if let Some((left, right)) = expression.split_once("||") {
        let left = evaluate(left, action, runner, steps);
        return if left.is_empty() {
            evaluate(right, action, runner, steps)
        } else {
            left
        };
    }
    if let Some(literal) = expression
        .strip_prefix('\'')
        .and_then(|e| e.strip_suffix('\''))
    {
        return literal.to_owned();
    }
    if let Some(name) = expression.strip_prefix("inputs.") {
        let declared = &action["inputs"][name];
        assert!(
            !declared.is_badvalue(),
            "action.yml reads inputs.{name}, which it does not declare"
        );
        return runner.inputs.get(name).cloned().unwrap_or_else(|| {
            assert!(
                declared["required"].as_bool() != Some(true),
                "the test gives no value for the required input {name}"
            );
            declared["default"].as_str().unwrap_or_default().to_owned()
        });
    }
    if expression.starts_with("steps.") {
        return steps.get(expression).cloned().unwrap_or_default();
    }
    match expression {
        "runner.tool_cache" => runner.tool_cache.display().to_string(),
        "runner.os" => "Linux".into(),
        "runner.arch" => "X64".into(),
        "github.action_repository" => REPO.into(),
        other => panic!("action.yml uses `{other}`, which this test's runner does not know"),
    }
}

/// `text` with every `${{ … }}` replaced by its value.
fn substitute(
    text: &str,
    action: &Yaml,
    runner: &Runner,
    steps: &HashMap<String, String>,
) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("a closed ${{ … }}") + start;
        out.push_str(&evaluate(&rest[start + 3..end], action, runner, steps));
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// An `if:` of the forms action.yml uses: `A != B`, `A == B`.
fn condition(text: &str, action: &Yaml, runner: &Runner, steps: &HashMap<String, String>) -> bool {
    let text = text.trim();
    let text = text
        .strip_prefix("${{")
        .and_then(|t| t.strip_suffix("}}"))
        .unwrap_or(text);
    for (operator, equal) in [("!=", false), ("==", true)] {
        if let Some((left, right)) = text.split_once(operator) {
            let same =
                evaluate(left, action, runner, steps) == evaluate(right, action, runner, steps);
            return same == equal;
        }
    }
    panic!("action.yml has the condition `{text}`, which this test's runner does not know")
}

/// Runs the composite action's steps as a job on `runner`, with `cache` between jobs.
fn run_action(runner: &Runner, cache: &mut Cache) -> Job {
    let action = action();
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    let mut steps: HashMap<String, String> = HashMap::new();
    let mut job = Job {
        ran: vec![],
        failed: None,
        log: String::new(),
        added_path: vec![],
        outputs: HashMap::new(),
    };
    let mut to_save: Vec<(String, PathBuf)> = vec![];
    for (index, step) in action["runs"]["steps"]
        .as_vec()
        .expect("runs.steps")
        .iter()
        .enumerate()
    {
        let name = substitute(
            step["name"].as_str().unwrap_or("(unnamed)"),
            &action,
            runner,
            &steps,
        );
        if let Some(test) = step["if"].as_str()
            && !condition(test, &action, runner, &steps)
        {
            continue;
        }
        job.ran.push(name.clone());
        let id = step["id"].as_str().map(str::to_owned);
        let mut outputs: Vec<(String, String)> = vec![];
        if let Some(uses) = step["uses"].as_str() {
            assert!(
                uses.starts_with("actions/cache@"),
                "the test's runner plays actions/cache only, not {uses}"
            );
            let path = PathBuf::from(substitute(
                step["with"]["path"].as_str().unwrap(),
                &action,
                runner,
                &steps,
            ));
            let key = substitute(
                step["with"]["key"].as_str().unwrap(),
                &action,
                runner,
                &steps,
            );
            let hit = if let Some(saved) = cache.saved.get(&key) {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                copy_dir(saved, &path);
                true
            } else {
                to_save.push((key, path));
                false
            };
            outputs.push(("cache-hit".into(), hit.to_string()));
        } else {
            let script = step["run"].as_str().expect("a step runs or uses");
            assert_eq!(step["shell"].as_str(), Some("bash"), "{name}: shell: bash");
            let output_file = runner.scratch.join(format!("output-{index}"));
            let path_file = runner.scratch.join(format!("path-{index}"));
            std::fs::write(&output_file, "").unwrap();
            std::fs::write(&path_file, "").unwrap();
            let script_file = runner.scratch.join(format!("step-{index}.sh"));
            std::fs::write(&script_file, substitute(script, &action, runner, &steps)).unwrap();
            let mut path: Vec<PathBuf> = job.added_path.iter().rev().map(PathBuf::from).collect();
            path.extend(std::env::split_paths(&runner.path));
            let mut command = Command::new("bash");
            command
                .args(["--noprofile", "--norc", "-eo", "pipefail"])
                .arg(&script_file)
                .current_dir(&runner.scratch)
                .env("PATH", std::env::join_paths(path).unwrap())
                .env("GITHUB_ACTION_PATH", root())
                .env("GITHUB_OUTPUT", &output_file)
                .env("GITHUB_PATH", &path_file)
                .env("RUNNER_OS", "Linux")
                .env("RUNNER_TOOL_CACHE", &runner.tool_cache);
            if let Some(env) = step["env"].as_hash() {
                for (key, value) in env {
                    let value = match value {
                        Yaml::String(s) => s.clone(),
                        other => panic!("{name}: env value {other:?}"),
                    };
                    command.env(
                        key.as_str().unwrap(),
                        substitute(&value, &action, runner, &steps),
                    );
                }
            }
            let output = command.output().expect("bash runs");
            job.log.push_str(&text(&output));
            if !output.status.success() {
                job.failed = Some((name, text(&output)));
                return job;
            }
            job.added_path.extend(
                std::fs::read_to_string(&path_file)
                    .unwrap()
                    .lines()
                    .map(str::to_owned),
            );
            for line in std::fs::read_to_string(&output_file).unwrap().lines() {
                let (key, value) = line.split_once('=').expect("NAME=VALUE in GITHUB_OUTPUT");
                outputs.push((key.into(), value.into()));
            }
        }
        if let Some(id) = id {
            for (key, value) in outputs {
                steps.insert(format!("steps.{id}.outputs.{key}"), value);
            }
        }
    }
    if let Some(declared) = action["outputs"].as_hash() {
        for (name, output) in declared {
            job.outputs.insert(
                name.as_str().unwrap().to_owned(),
                substitute(output["value"].as_str().unwrap(), &action, runner, &steps),
            );
        }
    }
    // actions/cache saves after a successful job, under the key that missed.
    for (key, path) in to_save {
        if path.exists() {
            let store = cache
                .store
                .get_or_insert_with(|| tempfile::tempdir().unwrap());
            let saved = store.path().join(format!("{}", cache.saved.len()));
            copy_dir(&path, &saved);
            cache.saved.insert(key, saved);
        }
    }
    job
}

fn copy_dir(from: &Path, to: &Path) {
    let status = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .unwrap();
    assert!(
        status.success(),
        "cp -a {} {}",
        from.display(),
        to.display()
    );
}

/// A fresh runner (its own tool cache) whose job installs `TAG` from `release`.
fn runner(dir: &Path, job: &str, release: &Path, path: std::ffi::OsString) -> Runner {
    let tool_cache = dir.join(job).join("tool-cache");
    let scratch = dir.join(job).join("work");
    std::fs::create_dir_all(&tool_cache).unwrap();
    std::fs::create_dir_all(&scratch).unwrap();
    Runner {
        tool_cache,
        scratch,
        inputs: HashMap::from([
            ("version".into(), TAG.into()),
            ("base-url".into(), format!("file://{}", release.display())),
        ]),
        path,
    }
}

#[test]
fn the_action_installs_a_verified_release_puts_it_on_path_and_a_second_job_restores_it() {
    let dir = tempfile::tempdir().unwrap();
    let release = release(dir.path(), "ppob-contract 9.8.7 (fake)", this_target());
    let cargo = FakeCargo::new(dir.path());
    let mut cache = Cache::default();

    let first = runner(dir.path(), "first", &release, cargo.path());
    let job = run_action(&first, &mut cache);
    assert!(job.failed.is_none(), "{job:#?}");
    assert_eq!(job.ran.len(), 3, "cache, install, PATH: {job:#?}");
    let bin_dir = first.tool_cache.join("ppob-contract").join(TAG).join("bin");
    assert_eq!(job.added_path, [bin_dir.display().to_string()]);
    assert_eq!(
        job.outputs["path"],
        bin_dir.join("ppob-contract").display().to_string()
    );
    assert!(
        job.log.contains("ppob-contract 9.8.7 (fake)"),
        "the last step runs the installed binary: {}",
        job.log
    );
    assert!(cargo.calls().is_empty());

    // The next job (a fresh runner, the release gone) restores it from the cache.
    std::fs::remove_dir_all(&release).unwrap();
    let second = runner(dir.path(), "second", &release, cargo.path());
    let job = run_action(&second, &mut cache);
    assert!(job.failed.is_none(), "{job:#?}");
    assert_eq!(job.ran.len(), 2, "the install step is skipped: {job:#?}");
    assert!(
        job.log.contains("ppob-contract 9.8.7 (fake)"),
        "{}",
        job.log
    );
    assert!(
        Path::new(&job.outputs["path"]).starts_with(&second.tool_cache),
        "{job:#?}"
    );
}

#[test]
fn the_action_fails_on_a_tampered_release_and_caches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let release = release(dir.path(), "genuine", this_target());
    std::fs::write(
        release.join("SHA256SUMS"),
        format!("{}  {}\n", "0".repeat(64), archive_name(this_target())),
    )
    .unwrap();
    let cargo = FakeCargo::new(dir.path());
    let mut cache = Cache::default();
    let job = run_action(
        &runner(dir.path(), "job", &release, cargo.path()),
        &mut cache,
    );
    let (step, output) = job.failed.clone().expect("the install step fails");
    assert!(step.starts_with("Install ppob-contract"), "{job:#?}");
    assert!(output.contains("does not match SHA256SUMS"), "{output}");
    assert!(job.added_path.is_empty(), "nothing put on PATH: {job:#?}");
    assert!(cache.saved.is_empty(), "a failed job saves no cache");
    assert!(cargo.calls().is_empty(), "no source build in its place");
}

#[test]
fn the_action_falls_back_to_a_source_build_that_the_next_job_restores() {
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("release-without-binaries");
    std::fs::create_dir_all(&release).unwrap();
    let cargo = FakeCargo::new(dir.path());
    let mut cache = Cache::default();

    let first = runner(dir.path(), "first", &release, cargo.path());
    let job = run_action(&first, &mut cache);
    assert!(job.failed.is_none(), "{job:#?}");
    assert!(job.log.contains("building from source"), "{}", job.log);
    assert!(job.log.contains("built from source"), "{}", job.log);
    let dest = first.tool_cache.join("ppob-contract").join(TAG);
    assert_eq!(
        cargo.calls(),
        [format!(
            "install --locked --root {} --git {} --tag {TAG} ppob-contract",
            dest.display(),
            repo_git_url()
        )]
    );

    let second = runner(dir.path(), "second", &release, cargo.path());
    let job = run_action(&second, &mut cache);
    assert!(job.failed.is_none(), "{job:#?}");
    assert!(job.log.contains("built from source"), "{}", job.log);
    assert_eq!(
        cargo.calls().len(),
        1,
        "the cached build is not built again"
    );
}

#[test]
fn the_release_archive_names_agree_across_workflow_script_and_binstall() {
    let manifest: toml::Table = std::fs::read_to_string(root().join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let repository = manifest["workspace"]["package"]["repository"]
        .as_str()
        .unwrap();
    let version = manifest["workspace"]["package"]["version"]
        .as_str()
        .unwrap();
    let binstall = &manifest["package"]["metadata"]["binstall"];
    assert_eq!(binstall["pkg-fmt"].as_str(), Some("tgz"));
    assert_eq!(binstall["bin-dir"].as_str(), Some("{ bin }{ binary-ext }"));
    let target = "aarch64-unknown-linux-musl";
    let url = binstall["pkg-url"]
        .as_str()
        .unwrap()
        .replace("{ repo }", repository)
        .replace("{ version }", version)
        .replace("{ name }", "ppob-contract")
        .replace("{ target }", target);
    assert_eq!(
        url,
        format!(
            "{repository}/releases/download/v{version}/ppob-contract-v{version}-{target}.tar.gz"
        )
    );
    // The workflow packs that name from the tag, the binary at the archive's root, and the
    // script downloads it.
    let workflow = std::fs::read_to_string(root().join(".github/workflows/release.yml")).unwrap();
    assert!(workflow.contains(r#"archive="ppob-contract-$TAG-$TARGET.tar.gz""#));
    assert!(workflow.contains(r#"-C "target/$TARGET/dist" "ppob-contract$exe""#));
    // …built with the dist profile, as the container is (the profile exists).
    assert!(workflow.contains("cargo build --profile dist --locked --target \"$TARGET\""));
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    assert!(dockerfile.contains("cargo build --profile dist --locked"));
    assert!(dockerfile.contains("cp target/dist/ppob-contract "));
    assert_eq!(
        manifest["profile"]["dist"]["inherits"].as_str(),
        Some("release")
    );
    assert!(workflow.contains(&format!("- target: {target}")));
    let script = std::fs::read_to_string(root().join("scripts/install.sh")).unwrap();
    assert!(script.contains(r#"archive="ppob-contract-$version-$target.tar.gz""#));
    assert!(script.contains(&format!("target={target}")));
}
