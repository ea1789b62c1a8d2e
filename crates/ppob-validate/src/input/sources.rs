//! Turns the paths given on the command line into the list of inputs to read:
//! files as they are, directories walked recursively, `-` for stdin.

use std::path::{Path, PathBuf};

use ppob_core::contract::DocKind;

/// How an input's bytes split into documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// The whole input is one JSON document.
    Single,
    /// One document per line (NDJSON / JSON Lines); blank lines are skipped.
    Lines,
    /// Stdin: lines if its first line is a whole JSON value, else one document.
    Sniff,
    /// A HAR file (`*.har`): one document per request and response of each
    /// entry that calls a PPOB operation (see [`super::har`]).
    Har,
}

/// One input to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputSpec {
    /// The file, or `None` for stdin.
    pub path: Option<PathBuf>,
    /// How it is named in findings.
    pub display: String,
    /// How it splits into documents.
    pub framing: Framing,
    /// The kind its file name announces (`*.<kind>.json`).
    pub kind_from_name: Option<DocKind>,
    /// A problem found while listing it (missing path, empty directory).
    pub problem: Option<String>,
}

/// File endings read when walking a directory.
const DOCUMENT_ENDINGS: [&str; 4] = [".json", ".ndjson", ".jsonl", HAR_ENDING];
/// File ending of HTTP archives (cassettes).
const HAR_ENDING: &str = ".har";
/// Files of negative fixtures that hold expectations, not documents.
const EXPECTATION_ENDING: &str = ".expect.json";

fn framing_of(path: &Path, force_lines: bool) -> Framing {
    let name = path.to_string_lossy();
    if name.ends_with(HAR_ENDING) {
        Framing::Har
    } else if force_lines || name.ends_with(".ndjson") || name.ends_with(".jsonl") {
        Framing::Lines
    } else {
        Framing::Single
    }
}

fn file_spec(path: PathBuf, force_lines: bool) -> InputSpec {
    let kind_from_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(DocKind::from_file_name);
    InputSpec {
        display: path.display().to_string(),
        framing: framing_of(&path, force_lines),
        kind_from_name,
        problem: None,
        path: Some(path),
    }
}

fn problem_spec(path: &Path, problem: String) -> InputSpec {
    InputSpec {
        path: Some(path.to_path_buf()),
        display: path.display().to_string(),
        framing: Framing::Single,
        kind_from_name: None,
        problem: Some(problem),
    }
}

fn is_document_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    DOCUMENT_ENDINGS.iter().any(|e| name.ends_with(e)) && !name.ends_with(EXPECTATION_ENDING)
}

/// A document file a directory walk left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedFile {
    /// The file.
    pub path: PathBuf,
    /// What it is: `a FIFO (named pipe)`, `a socket`, `a device`, …
    pub what: &'static str,
}

impl std::fmt::Display for SkippedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "left out {}: it is {}, not a regular file, and reading one found in a directory \
             could block or never end; name it on the command line to read it",
            self.path.display(),
            self.what
        )
    }
}

/// The inputs command-line paths expand to, and the files a walk left out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Expansion {
    /// What to read, in order.
    pub inputs: Vec<InputSpec>,
    /// FIFOs, sockets and devices found in directories, not read (the
    /// caller tells the user, so nothing is left out silently).
    pub skipped: Vec<SkippedFile>,
}

/// What a FIFO, socket or device is, in words; `None` for a regular file or
/// directory. Reading one found in a directory could block forever or never
/// end, so a walk leaves it out (naming it on the command line still reads
/// it). A path that cannot be inspected is kept, so that reading it reports
/// why.
fn special_file_kind(path: &Path) -> Option<&'static str> {
    let meta = std::fs::metadata(path).ok()?;
    let kind = meta.file_type();
    if kind.is_file() || kind.is_dir() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
        if kind.is_char_device() {
            return Some("a character device");
        }
        if kind.is_block_device() {
            return Some("a block device");
        }
    }
    Some("a special file")
}

/// Lists the document files below `dir`, sorted, without following links
/// into loops (symlinked directories are not entered).
fn walk(
    dir: &Path,
    found: &mut Vec<PathBuf>,
    problems: &mut Vec<InputSpec>,
    skipped: &mut Vec<SkippedFile>,
) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            problems.push(problem_spec(dir, format!("cannot read directory: {e}")));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let is_real_dir = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
        if is_real_dir {
            walk(&path, found, problems, skipped);
        } else if is_document_file(&path) {
            match special_file_kind(&path) {
                Some(what) => skipped.push(SkippedFile { path, what }),
                None => found.push(path),
            }
        }
    }
}

/// Expands command-line paths into inputs, in the order given. Problems
/// (a missing path, a directory without documents) become inputs with a
/// `problem`, so that they are reported beside everything else; special
/// files found in directories are listed in [`Expansion::skipped`].
pub fn expand(paths: &[PathBuf], force_lines: bool) -> Expansion {
    let mut specs = Vec::new();
    let mut skipped = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            specs.push(InputSpec {
                path: None,
                display: "-".into(),
                framing: if force_lines {
                    Framing::Lines
                } else {
                    Framing::Sniff
                },
                kind_from_name: None,
                problem: None,
            });
            continue;
        }
        match std::fs::metadata(path) {
            Err(e) => specs.push(problem_spec(path, format!("cannot read: {e}"))),
            Ok(meta) if meta.is_dir() => {
                let mut found = Vec::new();
                let mut problems = Vec::new();
                let skipped_before = skipped.len();
                walk(path, &mut found, &mut problems, &mut skipped);
                if found.is_empty() && problems.is_empty() {
                    let left_out = match skipped.len() - skipped_before {
                        0 => String::new(),
                        n => format!(" that can be read ({n} special file(s) left out)"),
                    };
                    problems.push(problem_spec(
                        path,
                        format!(
                            "directory holds no .json, .ndjson, .jsonl or .har file{left_out} (searched recursively)"
                        ),
                    ));
                }
                specs.extend(problems);
                specs.extend(found.into_iter().map(|p| file_spec(p, force_lines)));
            }
            Ok(_) => specs.push(file_spec(path.clone(), force_lines)),
        }
    }
    Expansion {
        inputs: specs,
        skipped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_are_walked_and_expectations_skipped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/a.inquiry.request.json"), "{}").unwrap();
        std::fs::write(dir.path().join("sub/a.inquiry.request.expect.json"), "{}").unwrap();
        std::fs::write(dir.path().join("b.ndjson"), "").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "").unwrap();
        std::fs::write(dir.path().join("c.har"), "").unwrap();
        let specs = expand(&[dir.path().to_path_buf()], false).inputs;
        let names: Vec<_> = specs.iter().map(|s| s.display.clone()).collect();
        assert_eq!(specs.len(), 3, "{names:?}");
        assert_eq!(specs[0].framing, Framing::Lines);
        assert_eq!(specs[1].framing, Framing::Har);
        assert_eq!(specs[2].kind_from_name, Some(DocKind::InquiryRequest));
    }

    #[cfg(unix)]
    #[test]
    fn fifos_found_in_a_directory_are_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.json");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        std::fs::write(dir.path().join("a.json"), "{}").unwrap();
        let expansion = expand(&[dir.path().to_path_buf()], false);
        let names: Vec<_> = expansion.inputs.iter().map(|s| s.display.clone()).collect();
        assert_eq!(names.len(), 1, "{names:?}");
        assert!(names[0].ends_with("a.json"));
        // Left out, but said so.
        assert_eq!(
            expansion.skipped,
            [SkippedFile {
                path: fifo.clone(),
                what: "a FIFO (named pipe)"
            }]
        );
        let note = expansion.skipped[0].to_string();
        assert!(
            note.starts_with(&format!("left out {}: it is a FIFO", fifo.display())),
            "{note}"
        );
        // Named on its own it is still an input.
        let named = expand(std::slice::from_ref(&fifo), false);
        assert_eq!((named.inputs.len(), named.skipped.len()), (1, 0));
        // A directory holding only a FIFO reads nothing: a problem that says why.
        std::fs::remove_file(dir.path().join("a.json")).unwrap();
        let only = expand(&[dir.path().to_path_buf()], false);
        assert_eq!(only.skipped.len(), 1);
        let problem = only.inputs[0].problem.as_deref().unwrap();
        assert!(
            problem.contains("(1 special file(s) left out)"),
            "{problem}"
        );
    }

    #[test]
    fn missing_paths_and_empty_directories_are_problems() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.json");
        let specs = expand(&[missing, dir.path().to_path_buf()], false).inputs;
        assert!(
            specs[0]
                .problem
                .as_deref()
                .unwrap()
                .starts_with("cannot read")
        );
        assert!(specs[1].problem.as_deref().unwrap().contains("no .json"));
    }
}
