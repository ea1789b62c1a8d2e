//! Where a finding is, for formats that point at files (SARIF, GitHub,
//! JUnit): the file and line of a document read from disk, or the case,
//! step and operation of an exchange of a live run.

use ppob_core::contract::{DocumentReport, Finding};

/// A finding's place, as far as it is known.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Place {
    /// The file the document was read from (none for stdin and live exchanges).
    pub file: Option<String>,
    /// 1-based line and column in `file` (none when the position is not in
    /// the file itself, e.g. inside a HAR entry's embedded body).
    pub line_column: Option<(u64, u64)>,
    /// The document inside the file or run: a HAR entry (`3 inquiry.response`),
    /// or a live step (`case 0811111111 › #2 payment.response`).
    pub logical: Option<String>,
}

/// Whether `rest` looks like the `ENTRY KIND` tail of a HAR document's source.
fn is_har_tail(rest: &str) -> bool {
    rest.split_once(' ').is_some_and(|(entry, kind)| {
        !entry.is_empty() && entry.bytes().all(|b| b.is_ascii_digit()) && !kind.contains(' ')
    })
}

/// Where `finding` of `report` is. `cassette` is the file a live case was
/// recorded into or replayed from.
pub fn place(report: &DocumentReport, finding: &Finding, cassette: Option<&str>) -> Place {
    if let Some(step) = &report.step {
        return Place {
            file: cassette.map(str::to_owned),
            line_column: None,
            logical: Some(format!(
                "case {} › #{} {}.{}",
                step.case, step.index, step.operation, step.side
            )),
        };
    }
    let source = report.source.as_str();
    if source == "-" {
        return Place::default();
    }
    if let Some((path, rest)) = source.rsplit_once('#')
        && is_har_tail(rest)
    {
        return Place {
            file: Some(path.to_owned()),
            line_column: None,
            logical: Some(rest.to_owned()),
        };
    }
    // NDJSON: `path:LINE`, the finding's line being that line.
    let path = source
        .strip_suffix(&format!(":{}", finding.line))
        .unwrap_or(source);
    Place {
        file: Some(path.to_owned()),
        line_column: Some((finding.line, finding.column)),
        logical: None,
    }
}

/// `file:line:col`, or what is known of it, for messages.
pub fn describe(report: &DocumentReport, finding: &Finding, cassette: Option<&str>) -> String {
    let place = place(report, finding, cassette);
    let mut parts = Vec::new();
    match (&place.file, place.line_column) {
        (Some(file), Some((line, column))) => parts.push(format!("{file}:{line}:{column}")),
        (Some(file), None) => parts.push(file.clone()),
        (None, _) => parts.push(format!(
            "{}:{}:{}",
            report.source, finding.line, finding.column
        )),
    }
    if let Some(logical) = place.logical.filter(|_| report.step.is_none()) {
        parts.push(logical);
    }
    parts.join(" ")
}

/// `path` relative to the repository root, taken as the working directory
/// (where CI jobs run): `./` dropped, an absolute path under the working
/// directory made relative, `\\` read as `/`. None for a path outside it
/// (`../x`, another absolute directory) or stdin.
pub fn repository_relative(path: &str) -> Option<String> {
    if path.is_empty() || path == "-" {
        return None;
    }
    let path = path.replace('\\', "/");
    let relative = if path.starts_with('/') {
        let cwd = std::env::current_dir().ok()?;
        let cwd = cwd.to_string_lossy().replace('\\', "/");
        path.strip_prefix(cwd.trim_end_matches('/'))?
            .strip_prefix('/')?
            .to_owned()
    } else {
        path
    };
    let mut rest = relative.as_str();
    while let Some(tail) = rest.strip_prefix("./") {
        rest = tail;
    }
    let outside = rest.is_empty()
        || rest.split('/').any(|segment| segment == "..")
        || rest.as_bytes().get(1) == Some(&b':');
    (!outside).then(|| rest.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ppob_core::contract::{Severity, StepInfo};

    fn finding(line: u64) -> Finding {
        Finding {
            rule: "schema".into(),
            severity: Severity::Error,
            pointer: "/a".into(),
            line,
            column: 4,
            message: "m".into(),
            expected: None,
            actual: None,
        }
    }

    #[test]
    fn files_ndjson_lines_har_entries_and_live_steps_are_placed() {
        let doc = |source: &str| DocumentReport::new(source.into(), None, vec![]);
        assert_eq!(
            place(&doc("a/b.json"), &finding(7), None).line_column,
            Some((7, 4))
        );
        let ndjson = place(&doc("x.ndjson:12"), &finding(12), None);
        assert_eq!(ndjson.file.as_deref(), Some("x.ndjson"));
        assert_eq!(ndjson.line_column, Some((12, 4)));
        let har = place(&doc("c/seed.har#3 payment.response"), &finding(2), None);
        assert_eq!(har.file.as_deref(), Some("c/seed.har"));
        assert_eq!(har.logical.as_deref(), Some("3 payment.response"));
        assert_eq!(place(&doc("-"), &finding(1), None), Place::default());
        let mut live = doc("0811#2 payment.response");
        live.step = Some(StepInfo {
            case: "0811".into(),
            index: 2,
            operation: "payment".into(),
            side: "response".into(),
            http_status: Some(200),
            elapsed_ms: 1.0,
            verdict: "ok".into(),
        });
        let live = place(&live, &finding(1), Some("out/0811.har"));
        assert_eq!(live.file.as_deref(), Some("out/0811.har"));
        assert_eq!(
            live.logical.as_deref(),
            Some("case 0811 › #2 payment.response")
        );
    }

    #[test]
    fn paths_are_made_relative_to_the_repository_or_refused() {
        assert_eq!(
            repository_relative("./a/b.json").as_deref(),
            Some("a/b.json")
        );
        assert_eq!(
            repository_relative("a\\b.json").as_deref(),
            Some("a/b.json")
        );
        let cwd = std::env::current_dir().unwrap();
        let inside = cwd.join("x/y.har").to_string_lossy().into_owned();
        assert_eq!(repository_relative(&inside).as_deref(), Some("x/y.har"));
        assert_eq!(repository_relative("../elsewhere.json"), None);
        assert_eq!(repository_relative("/definitely/not/here.json"), None);
        assert_eq!(repository_relative("-"), None);
        assert_eq!(repository_relative("C:/x.json"), None);
    }
}
