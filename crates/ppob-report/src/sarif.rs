//! `--format sarif`: SARIF 2.1.0 for code-scanning views, shaped for
//! GitHub code scanning (its ingestion rules are checked in the tests with
//! the SARIF multitool's GitHub rule set).
//!
//! - Every rule has its short and full description, default level, `help`
//!   (text and Markdown) and `helpUri` ([`super::rule_help`]).
//! - Every result has a physical location in a file of the repository, with
//!   a region: for a document read from a file under the working directory,
//!   that file and the finding's line and column (an NDJSON line; a HAR
//!   entry's line); for a document that is no such file — a `check` or
//!   `fuzz` exchange, stdin, a path outside — the line of `schemas/` that
//!   defines the member the finding's pointer names ([`super::schema_place`]).
//!   The cassette or HAR a case was recorded into or replayed from, or a fuzz
//!   failure's regression file, is a related location; live steps keep their
//!   logical locations (case, step, operation).
//! - `partialFingerprints` hash what identifies a finding across runs (rule,
//!   document name, pointer), never a message, time or refNumber.
//! - `automationDetails.id` names the command and the shard
//!   (`ppob-contract/check/2-of-3/`), so shards uploaded apart do not replace
//!   each other.
//! - GitHub's limits hold: at most [`MAX_RESULTS`] results, errors kept
//!   first, within [`MAX_RESULTS_BYTES`]; long texts are cut. What is left out
//!   is said in a tool notification.
//!
//! Written whole at `finish`. The types below are the subset of SARIF 2.1.0
//! this tool writes, typed so that a misspelt member cannot compile.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::location::{place, repository_relative};
use super::rule_help::{TOOL_URI, help_markdown, help_text, severity_name};
use super::schema_place::{CONTRACT_FILE, FilePlace, SchemaPlaces};
use super::{CaseEnd, CaseStart, Command, Coverage, FailureReport, Reporter, RunEnd, RunInfo};
use ppob_core::contract::{DocumentReport, Finding, Severity};
use ppob_core::rules::catalogue::{CATALOGUE, RuleInfo};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Results GitHub code scanning shows of one run (it accepts 25 000 and
/// keeps the 5 000 most severe): beyond it, results are left out here,
/// warnings before errors, and a notification says how many.
pub const MAX_RESULTS: usize = 5_000;

/// Bytes the results may take, pretty-printed: GitHub refuses a file over
/// 10 MB gzip-compressed; staying under 8 MiB uncompressed keeps any log far
/// below that with room for the rules.
pub const MAX_RESULTS_BYTES: usize = 8 << 20;

/// Characters kept of a result's message; longer ones end with `…`.
const MAX_MESSAGE_CHARS: usize = 2_000;

/// Characters kept of a property value (expected, actual, source).
const MAX_PROPERTY_CHARS: usize = 500;

/// The key of this tool's fingerprint in `partialFingerprints`.
const FINGERPRINT_KEY: &str = "ppobContractFinding/v1";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    automation_details: AutomationDetails,
    invocations: Vec<Invocation>,
    results: Vec<&'a SarifResult>,
}

#[derive(Serialize)]
struct AutomationDetails {
    id: String,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    /// Left out when it would only repeat the id (SARIF1001).
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    short_description: Text,
    full_description: Text,
    help: Help,
    help_uri: &'static str,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize, Clone)]
struct Text {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    properties: BTreeMap<&'static str, String>,
}

#[derive(Serialize, Clone, Default)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize, Clone)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u64,
    start_column: u64,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    fully_qualified_name: String,
    kind: &'static str,
}

/// A path as a relative URI reference: separators kept, the characters a
/// URI reserves or forbids percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::new();
    for c in path.chars() {
        match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '-' | '.' | '_' | '~' | '/' => out.push(c),
            '\\' => out.push('/'),
            _ => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
        }
    }
    out
}

fn level(severity: Severity) -> &'static str {
    severity_name(severity)
}

/// `text` cut to `max` characters, ending with `…` when cut.
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// FNV-1a, 64 bits: a hash whose value never changes between builds or
/// platforms (std's hashers promise no such thing).
fn fnv1a(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in part.as_bytes().iter().chain(&[0u8]) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// A location in a file of the repository.
fn file_location(path: &str, line: u64, column: u64) -> Location {
    Location {
        physical_location: Some(PhysicalLocation {
            artifact_location: ArtifactLocation { uri: uri(path) },
            region: Region {
                start_line: line.max(1),
                start_column: column.max(1),
            },
        }),
        ..Location::default()
    }
}

/// A HAR entry whose line is looked up at the end (`file`, 1-based entry).
struct HarEntry {
    result: usize,
    related: bool,
    file: String,
    entry: u64,
}

/// Collects results and writes the log at the end.
pub struct SarifReport<W: Write> {
    out: W,
    rules: &'static [RuleInfo],
    results: Vec<SarifResult>,
    har_entries: Vec<HarEntry>,
    command: Option<Command>,
    partition: Option<ppob_core::partition::Partition>,
    /// Documents of the `check` case being reported (placed at its end, when
    /// the cassette it was recorded into is known).
    open: Option<(CaseStart, Vec<DocumentReport>)>,
}

impl<W: Write> SarifReport<W> {
    /// A report into `out`.
    pub fn new(out: W) -> Self {
        Self {
            out,
            rules: CATALOGUE,
            results: Vec::new(),
            har_entries: Vec::new(),
            command: None,
            partition: None,
            open: None,
        }
    }

    fn rule_index(&self, rule: &str) -> Option<usize> {
        self.rules.iter().position(|r| r.id == rule)
    }

    /// `related` is the cassette of a case or the regression file of a fuzz
    /// failure; `case` names a fuzz failure's documents.
    fn result(
        &mut self,
        report: &DocumentReport,
        f: &Finding,
        related: Option<&str>,
        case: Option<&str>,
    ) {
        let at = place(report, f, related);
        let index = self.results.len();
        let document_file = if report.step.is_some() {
            None
        } else {
            at.file.as_deref().and_then(repository_relative)
        };
        let mut related_locations = Vec::new();
        let mut location = match (&document_file, at.line_column) {
            (Some(file), Some((line, column))) => file_location(file, line, column),
            (Some(file), None) => {
                // A HAR entry: its line is looked up at the end.
                if let Some(entry) = at.logical.as_deref().and_then(har_entry_number) {
                    self.har_entries.push(HarEntry {
                        result: index,
                        related: false,
                        file: file.clone(),
                        entry,
                    });
                }
                file_location(file, 1, 1)
            }
            (None, _) => {
                let FilePlace { path, line, column } =
                    SchemaPlaces::shared().place(report.kind.as_deref(), &f.pointer);
                let related_file = at.file.as_deref().and_then(repository_relative);
                if let Some(file) = related_file {
                    let mut related = file_location(&file, 1, 1);
                    related.id = Some(1);
                    related.message = Some(Text {
                        text: match &report.step {
                            Some(step) => format!(
                                "the exchanges of case {}: entry {} holds {}.{}",
                                case.unwrap_or(&step.case),
                                step.index,
                                step.operation,
                                step.side
                            ),
                            None => "the document's file".to_owned(),
                        },
                    });
                    if let Some(step) = &report.step {
                        self.har_entries.push(HarEntry {
                            result: index,
                            related: true,
                            file,
                            entry: u64::from(step.index),
                        });
                    }
                    related_locations.push(related);
                }
                file_location(&path, line, column)
            }
        };
        if let Some(step) = &report.step {
            let case = case.unwrap_or(&step.case);
            location.logical_locations = vec![
                LogicalLocation {
                    name: case.to_owned(),
                    fully_qualified_name: case.to_owned(),
                    kind: "namespace",
                },
                LogicalLocation {
                    name: format!("#{} {}", step.index, step.operation),
                    fully_qualified_name: format!("{case}/#{}/{}", step.index, step.operation),
                    kind: "function",
                },
                LogicalLocation {
                    name: format!("{}.{}", step.operation, step.side),
                    fully_qualified_name: format!(
                        "{case}/#{}/{}/{}",
                        step.index, step.operation, step.side
                    ),
                    kind: "object",
                },
            ];
        } else if let Some(logical) = at.logical {
            location.logical_locations = vec![LogicalLocation {
                fully_qualified_name: format!("{}#{logical}", at.file.unwrap_or_default()),
                name: logical,
                kind: "object",
            }];
        }
        let mut properties = BTreeMap::new();
        properties.insert("source", cut(&report.source, MAX_PROPERTY_CHARS));
        properties.insert("pointer", cut(&f.pointer, MAX_PROPERTY_CHARS));
        if let Some(kind) = &report.kind {
            properties.insert("kind", kind.clone());
        }
        if let Some(category) = &report.category {
            properties.insert("category", category.clone());
        }
        if let Some(e) = &f.expected {
            properties.insert("expected", cut(e, MAX_PROPERTY_CHARS));
        }
        if let Some(a) = &f.actual {
            properties.insert("actual", cut(a, MAX_PROPERTY_CHARS));
        }
        let pointer = if f.pointer.is_empty() {
            "(document)"
        } else {
            &f.pointer
        };
        // What identifies the finding across runs: the document's name as
        // this run gives it (a file relative to the repository, a case and
        // step), never its message, which may hold a refNumber or a time.
        let name = match (&document_file, &report.step) {
            (_, Some(step)) => format!(
                "{}/#{}/{}.{}",
                case.unwrap_or(&step.case),
                step.index,
                step.operation,
                step.side
            ),
            (Some(file), None) => report
                .source
                .strip_prefix(at_file_prefix(&report.source, file))
                .map_or_else(|| report.source.clone(), |tail| format!("{file}{tail}")),
            (None, None) => report.source.clone(),
        };
        self.results.push(SarifResult {
            rule_index: self.rule_index(&f.rule),
            rule_id: f.rule.clone(),
            level: level(f.severity),
            message: Text {
                text: cut(
                    &format!("{} at {pointer}: {}", report.source, f.message),
                    MAX_MESSAGE_CHARS,
                ),
            },
            locations: vec![location],
            related_locations,
            partial_fingerprints: BTreeMap::from([(
                FINGERPRINT_KEY,
                fnv1a(&[&f.rule, &name, &f.pointer]),
            )]),
            properties,
        });
    }

    fn coverage(&mut self, coverage: &Coverage) {
        let contract = SchemaPlaces::shared().place(None, "");
        for code in &coverage.missing_required {
            let rule = super::coverage::REQUIRED_CODE;
            self.results.push(SarifResult {
                rule_id: rule.to_owned(),
                rule_index: self.rule_index(rule),
                level: "error",
                message: Text {
                    text: Coverage::missing_message(*code),
                },
                locations: vec![file_location(CONTRACT_FILE, contract.line, contract.column)],
                related_locations: Vec::new(),
                partial_fingerprints: BTreeMap::from([(
                    FINGERPRINT_KEY,
                    fnv1a(&[rule, &code.to_string()]),
                )]),
                properties: BTreeMap::from([("code", code.to_string())]),
            });
        }
    }

    /// Puts each HAR entry's result on the line where the entry starts.
    fn place_har_entries(&mut self) {
        let mut by_file: BTreeMap<&str, Vec<&HarEntry>> = BTreeMap::new();
        for entry in &self.har_entries {
            by_file.entry(entry.file.as_str()).or_default().push(entry);
        }
        for (file, entries) in by_file {
            let lines = har_entry_lines(file, entries.iter().map(|e| e.entry));
            for (entry, line) in entries.iter().zip(lines) {
                let Some(line) = line else { continue };
                let Some(result) = self.results.get_mut(entry.result) else {
                    continue;
                };
                let location = if entry.related {
                    result.related_locations.first_mut()
                } else {
                    result.locations.first_mut()
                };
                if let Some(physical) = location.and_then(|l| l.physical_location.as_mut()) {
                    physical.region.start_line = line;
                }
            }
        }
    }

    fn automation_id(&self) -> String {
        let command = self.command.map_or("run", Command::name);
        match self.partition {
            Some(p) if p.shards() > 1 => {
                format!("ppob-contract/{command}/{}-of-{}/", p.shard(), p.shards())
            }
            _ => format!("ppob-contract/{command}/"),
        }
    }
}

/// The prefix of `source` that names `file` as the run wrote it (the path
/// may have been `./x` or absolute): everything before its `:LINE` or `#N`.
fn at_file_prefix<'s>(source: &'s str, _file: &str) -> &'s str {
    let end = source
        .rfind('#')
        .or_else(|| {
            source
                .rfind(':')
                .filter(|&i| source[i + 1..].bytes().all(|b| b.is_ascii_digit()))
        })
        .unwrap_or(source.len());
    &source[..end]
}

/// The results kept within GitHub's limits (errors first), in their
/// order, and a sentence on what was left out.
fn within_limits(all: &[SarifResult]) -> (Vec<&SarifResult>, Option<String>) {
    let mut order: Vec<usize> = (0..all.len()).collect();
    order.sort_by_key(|&i| all[i].level != "error");
    let mut keep = vec![false; all.len()];
    let (mut kept, mut bytes) = (0usize, 0usize);
    for i in order {
        let size = serde_json::to_vec_pretty(&all[i]).map_or(0, |v| v.len() + 12);
        if kept == MAX_RESULTS || bytes + size > MAX_RESULTS_BYTES {
            break;
        }
        keep[i] = true;
        kept += 1;
        bytes += size;
    }
    let left_out = all.len() - kept;
    let note = (left_out > 0).then(|| {
        format!(
            "{left_out} of {} results left out (warnings first): GitHub code scanning takes at \
             most {MAX_RESULTS} results per run and 10 MB per file; every finding is in the \
             JSON report (--report json=PATH)",
            all.len()
        )
    });
    let results = all
        .iter()
        .zip(keep)
        .filter_map(|(r, k)| k.then_some(r))
        .collect();
    (results, note)
}

/// `3` of a HAR document's logical name `3 payment.response`.
fn har_entry_number(logical: &str) -> Option<u64> {
    logical.split_once(' ')?.0.parse().ok()
}

/// The most a HAR file is read to find its entries' lines.
const MAX_HAR_BYTES: u64 = 256 << 20;

/// The line each 1-based entry of the HAR file `path` starts on, if the file
/// can be read and has it.
fn har_entry_lines(path: &str, entries: impl Iterator<Item = u64>) -> Vec<Option<u64>> {
    let entries: Vec<u64> = entries.collect();
    let bytes = std::fs::metadata(path)
        .ok()
        .filter(|m| m.len() <= MAX_HAR_BYTES)
        .and_then(|_| std::fs::read(path).ok());
    let Some(bytes) = bytes else {
        return vec![None; entries.len()];
    };
    let pointers: Vec<String> = entries
        .iter()
        .map(|n| format!("/log/entries/{}", n.saturating_sub(1)))
        .collect();
    let spots =
        ppob_core::contract::locate::locate_all(&bytes, pointers.iter().map(String::as_str));
    spots
        .into_iter()
        .map(|spot| {
            // An entry is an array element (no member key); a pointer past
            // the last entry stops at the `entries` member: no line then.
            spot.key
                .is_none()
                .then(|| ppob_core::contract::locate::position(&bytes, spot.value).line)
        })
        .collect()
}

impl<W: Write> Reporter for SarifReport<W> {
    fn start(&mut self, run: &RunInfo) -> io::Result<()> {
        self.command = Some(run.command);
        self.partition = run.partition;
        Ok(())
    }

    fn document(
        &mut self,
        report: &DocumentReport,
        _bytes: &[u8],
        _first_line: u64,
    ) -> io::Result<()> {
        if report.findings.is_empty() {
            return Ok(());
        }
        if let Some((_, docs)) = &mut self.open {
            docs.push(report.clone());
            return Ok(());
        }
        for f in &report.findings {
            self.result(report, f, None, None);
        }
        Ok(())
    }

    fn case_started(&mut self, case: &CaseStart) -> io::Result<()> {
        self.open = Some((case.clone(), Vec::new()));
        Ok(())
    }

    fn case_finished(&mut self, end: &CaseEnd) -> io::Result<()> {
        if let Some((start, docs)) = self.open.take() {
            let cassette = end.cassette.as_deref().or(start.cassette.as_deref());
            for doc in &docs {
                for f in &doc.findings {
                    self.result(doc, f, cassette, None);
                }
            }
        }
        Ok(())
    }

    fn fuzz_failure(&mut self, failure: &FailureReport) -> io::Result<()> {
        let file = failure.failure.file.as_deref();
        for doc in &failure.documents {
            for f in &doc.report.findings {
                self.result(&doc.report, f, file, Some(&failure.name));
            }
        }
        Ok(())
    }

    fn finish(&mut self, end: &RunEnd) -> io::Result<()> {
        if let Some(coverage) = &end.coverage {
            self.coverage(coverage);
        }
        self.place_har_entries();
        let mut notifications = if end.complete {
            Vec::new()
        } else {
            vec![Notification {
                level: "error",
                message: Text {
                    text: "the run stopped before its end: these results cover what was judged until then".into(),
                },
            }]
        };
        if let Some(setup) = &end.setup {
            notifications.push(Notification {
                level: "error",
                message: Text {
                    text: format!("{} in case {}: {}", setup.rule, setup.case, setup.message),
                },
            });
        }
        notifications.extend(end.interrupted.iter().map(|case| Notification {
            level: if case.unknown_payments.is_empty() {
                "warning"
            } else {
                "error"
            },
            message: Text {
                text: format!("{}: {}", case.name, case.describe()),
            },
        }));
        let (results, truncated) = within_limits(&self.results);
        if let Some(note) = truncated {
            notifications.push(Notification {
                level: "warning",
                message: Text { text: note },
            });
        }
        let log = Log {
            schema: SCHEMA,
            version: "2.1.0",
            runs: vec![Run {
                tool: Tool {
                    driver: Driver {
                        name: "ppob-contract",
                        version: env!("CARGO_PKG_VERSION"),
                        semantic_version: env!("CARGO_PKG_VERSION"),
                        information_uri: TOOL_URI,
                        rules: self
                            .rules
                            .iter()
                            .map(|r| Rule {
                                id: r.id.to_owned(),
                                name: Some(rule_name(r.id))
                                    .filter(|n| !n.eq_ignore_ascii_case(r.id)),
                                short_description: Text {
                                    text: r.summary.to_owned(),
                                },
                                full_description: Text {
                                    text: format!("{} (From: {}.)", r.description, r.source),
                                },
                                help: Help {
                                    text: help_text(r),
                                    markdown: help_markdown(r),
                                },
                                help_uri: super::rule_help::RULES_URI,
                                default_configuration: Configuration {
                                    level: level(r.default_severity),
                                },
                            })
                            .collect(),
                    },
                },
                automation_details: AutomationDetails {
                    id: self.automation_id(),
                },
                invocations: vec![Invocation {
                    execution_successful: end.complete,
                    tool_execution_notifications: notifications,
                }],
                results,
            }],
        };
        serde_json::to_writer_pretty(&mut self.out, &log)?;
        writeln!(self.out)?;
        self.out.flush()
    }
}

/// A rule id as SARIF's `name` (PascalCase, no punctuation):
/// `flow.ref-number-echo` → `FlowRefNumberEcho`.
fn rule_name(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri("fixtures/a b#1.json"), "fixtures/a%20b%231.json");
        assert_eq!(uri("dir\\x.json"), "dir/x.json");
    }

    #[test]
    fn fingerprints_hashes_and_names_are_stable() {
        assert_eq!(fnv1a(&[]), "cbf29ce484222325");
        assert_ne!(fnv1a(&["a", "bc"]), fnv1a(&["ab", "c"]));
        assert_eq!(rule_name("flow.ref-number-echo"), "FlowRefNumberEcho");
        assert_eq!(cut("abcdef", 3), "abc…");
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(har_entry_number("3 payment.response"), Some(3));
        assert_eq!(at_file_prefix("./a.ndjson:12", "a.ndjson"), "./a.ndjson");
        assert_eq!(
            at_file_prefix("x/s.har#2 inquiry.request", "x/s.har"),
            "x/s.har"
        );
    }

    #[test]
    fn har_entries_are_found_on_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.har");
        std::fs::write(
            &path,
            "{\"log\": {\"entries\": [\n  {\"a\": 1},\n  {\"b\": 2}\n]}}\n",
        )
        .unwrap();
        let path = path.to_string_lossy().into_owned();
        assert_eq!(
            har_entry_lines(&path, [1, 2, 3].into_iter()),
            vec![Some(2), Some(3), None]
        );
        assert_eq!(har_entry_lines("/no/such.har", [1].into_iter()), vec![None]);
    }

    #[test]
    fn past_githubs_limit_warnings_go_first_and_a_notification_says_so() {
        let finding = |i: usize, severity| Finding {
            rule: "schema".into(),
            severity,
            pointer: format!("/a/{i}"),
            line: 1,
            column: 1,
            message: "m".into(),
            expected: None,
            actual: None,
        };
        // Warnings first in the input, then errors: the errors are kept.
        let findings: Vec<Finding> = (0..MAX_RESULTS)
            .map(|i| finding(i, Severity::Warning))
            .chain((0..10).map(|i| finding(i, Severity::Error)))
            .collect();
        let report = DocumentReport::new("fixtures/x.json".into(), None, findings);
        let mut out = Vec::new();
        {
            let mut sarif = SarifReport::new(&mut out);
            sarif.document(&report, b"{}", 1).unwrap();
            sarif.finish(&RunEnd::new(Default::default())).unwrap();
        }
        let log: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), MAX_RESULTS);
        let errors = results.iter().filter(|r| r["level"] == "error").count();
        assert_eq!(errors, 10);
        let note =
            log["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
                .as_str()
                .unwrap();
        assert!(note.starts_with("10 of 5010 results left out"), "{note}");
    }
}
