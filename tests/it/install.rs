//! `scripts/install.sh`, the work of the composite action (`action.yml`), against fake
//! releases in a temporary directory (`--base-url file://…`): a good release installs and
//! runs; a tampered archive, a missing or silent SHA256SUMS are refused with nothing
//! installed and no source build in their place; a release without a binary for the machine
//! falls back to `cargo install --locked` of the same tag (a stand-in cargo records the call).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::root;

const TAG: &str = "v9.8.7";
const TARGET: &str = "x86_64-unknown-linux-musl";

fn archive_name() -> String {
    format!("ppob-contract-{TAG}-{TARGET}.tar.gz")
}

/// A release directory holding an archive whose `ppob-contract` is a script printing `said`.
fn release(dir: &Path, said: &str) -> PathBuf {
    let release = dir.join("release");
    let staging = dir.join("staging");
    std::fs::create_dir_all(&release).unwrap();
    std::fs::create_dir_all(&staging).unwrap();
    let binary = staging.join("ppob-contract");
    std::fs::write(&binary, format!("#!/bin/sh\necho '{said}'\n")).unwrap();
    chmod_x(&binary);
    let tar = Command::new("tar")
        .arg("-czf")
        .arg(release.join(archive_name()))
        .arg("-C")
        .arg(&staging)
        .arg("ppob-contract")
        .status()
        .unwrap();
    assert!(tar.success());
    let sums = Command::new("sha256sum")
        .arg(archive_name())
        .current_dir(&release)
        .output()
        .unwrap();
    assert!(sums.status.success());
    std::fs::write(release.join("SHA256SUMS"), sums.stdout).unwrap();
    release
}

fn chmod_x(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Runs the script against `release`, installing into `dest`, with `cargo` standing in for
/// cargo when given.
fn install(release: &Path, dest: &Path, cargo: Option<&Path>) -> Output {
    let mut command = Command::new("bash");
    command
        .arg(root().join("scripts/install.sh"))
        .args([
            "--version",
            TAG,
            "--repo",
            "example/ppob-contract",
            "--target",
            TARGET,
        ])
        .arg("--dest")
        .arg(dest)
        .arg("--base-url")
        .arg(format!("file://{}", release.display()));
    if let Some(cargo) = cargo {
        command.env("PPOB_INSTALL_CARGO", cargo);
    }
    command.output().expect("bash runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A stand-in `cargo` that records its arguments and installs a script into `--root`.
fn fake_cargo(dir: &Path) -> (PathBuf, PathBuf) {
    let log = dir.join("cargo-args");
    let cargo = dir.join("cargo");
    std::fs::write(
        &cargo,
        format!(
            "#!/bin/sh\necho \"$@\" > '{}'\nwhile [ \"$1\" != --root ]; do shift; done\nmkdir -p \"$2/bin\"\nprintf '#!/bin/sh\\necho built from source\\n' > \"$2/bin/ppob-contract\"\nchmod +x \"$2/bin/ppob-contract\"\n",
            log.display()
        ),
    )
    .unwrap();
    chmod_x(&cargo);
    (cargo, log)
}

fn tools_present() -> bool {
    ["curl", "tar", "sha256sum"].iter().all(|tool| {
        Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

#[test]
fn a_verified_release_installs_and_runs() {
    assert!(
        tools_present(),
        "curl, tar and sha256sum are needed (.ci/run installs curl)"
    );
    let dir = tempfile::tempdir().unwrap();
    let release = release(dir.path(), "ppob-contract 9.8.7 (fake)");
    let dest = dir.path().join("dest");
    let (cargo, log) = fake_cargo(dir.path());
    let output = install(&release, &dest, Some(&cargo));
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("ppob-contract 9.8.7 (fake)"),
        "{}",
        text(&output)
    );
    assert!(dest.join("bin/ppob-contract").is_file());
    assert!(!log.exists(), "no source build when the binary is there");
}

#[test]
fn a_tampered_archive_is_refused_and_nothing_is_installed() {
    let dir = tempfile::tempdir().unwrap();
    let release = release(dir.path(), "genuine");
    // Another binary under the same name, the checksums left as they were.
    let sums = std::fs::read(release.join("SHA256SUMS")).unwrap();
    let other = tempfile::tempdir().unwrap();
    let tampered = self::release(other.path(), "tampered");
    std::fs::copy(tampered.join(archive_name()), release.join(archive_name())).unwrap();
    std::fs::write(release.join("SHA256SUMS"), sums).unwrap();
    let dest = dir.path().join("dest");
    let (cargo, log) = fake_cargo(dir.path());
    let output = install(&release, &dest, Some(&cargo));
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    assert!(
        text(&output).contains("does not match SHA256SUMS"),
        "{}",
        text(&output)
    );
    assert!(!dest.join("bin/ppob-contract").exists());
    assert!(
        !log.exists(),
        "a refused download is not replaced by a source build"
    );

    // No SHA256SUMS at all, or one that does not name the archive: refused too.
    std::fs::remove_file(release.join("SHA256SUMS")).unwrap();
    let output = install(&release, &dest, Some(&cargo));
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    assert!(text(&output).contains("no SHA256SUMS"), "{}", text(&output));
    std::fs::write(release.join("SHA256SUMS"), "0000  another-file.tar.gz\n").unwrap();
    let output = install(&release, &dest, Some(&cargo));
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    assert!(text(&output).contains("does not list"), "{}", text(&output));
    assert!(!dest.join("bin/ppob-contract").exists());
}

#[test]
fn a_release_without_this_machine_s_binary_falls_back_to_a_source_build() {
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("empty-release");
    std::fs::create_dir_all(&release).unwrap();
    let dest = dir.path().join("dest");
    let (cargo, log) = fake_cargo(dir.path());
    let output = install(&release, &dest, Some(&cargo));
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
    let args = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        args.trim(),
        format!(
            "install --locked --root {} --git https://github.com/example/ppob-contract --tag {TAG} ppob-contract",
            dest.display()
        )
    );

    // --no-source: exit 4, nothing built.
    std::fs::remove_file(&log).unwrap();
    let output = Command::new("bash")
        .arg(root().join("scripts/install.sh"))
        .args([
            "--version",
            TAG,
            "--repo",
            "example/ppob-contract",
            "--target",
            TARGET,
            "--no-source",
        ])
        .arg("--dest")
        .arg(dir.path().join("other"))
        .arg("--base-url")
        .arg(format!("file://{}", release.display()))
        .env("PPOB_INSTALL_CARGO", &cargo)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4), "{}", text(&output));
    assert!(!log.exists());
}

#[test]
fn the_action_installs_through_the_script_with_a_cache() {
    let action = std::fs::read_to_string(root().join("action.yml")).unwrap();
    for needle in [
        "using: composite",
        "uses: actions/cache@v4",
        "steps.cache.outputs.cache-hit != 'true'",
        "$GITHUB_ACTION_PATH/scripts/install.sh",
        ">> \"$GITHUB_PATH\"",
    ] {
        assert!(action.contains(needle), "action.yml lacks {needle}");
    }
    // Every input the steps read is declared.
    for used in action.match_indices("inputs.") {
        let name: String = action[used.0 + 7..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        assert!(
            action.contains(&format!("\n  {name}:\n")),
            "action.yml reads inputs.{name}, which it does not declare"
        );
    }
}
