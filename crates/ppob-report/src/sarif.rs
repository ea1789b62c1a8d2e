//! `--format sarif`: SARIF 2.1.0 for code-scanning views. The run's tool
//! lists every rule (id, short and full description, default level); each
//! finding is a result with its physical location (file, line, column — NDJSON
//! findings on their line) and, for live runs, logical locations (case, step,
//! operation) plus the cassette file when one was recorded or replayed.
//! Written whole at `finish`; the official schema validates it (tests).
//!
//! The types below are the subset of SARIF 2.1.0 this tool writes, typed so
//! that a misspelt member cannot compile.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::location::place;
use super::{CaseEnd, CaseStart, Coverage, FailureReport, Reporter, RunEnd, RunInfo};
use ppob_core::contract::{DocumentReport, Finding, Severity};
use ppob_core::rules::catalogue::{CATALOGUE, RuleInfo};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

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
    invocations: Vec<Invocation>,
    results: &'a [SarifResult],
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
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    short_description: Text,
    full_description: Text,
    default_configuration: Configuration,
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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    properties: BTreeMap<&'static str, String>,
}

#[derive(Serialize, Clone, Default)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
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
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// Collects results and writes the log at the end.
pub struct SarifReport<W: Write> {
    out: W,
    rules: &'static [RuleInfo],
    results: Vec<SarifResult>,
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
            open: None,
        }
    }

    fn result(
        &mut self,
        report: &DocumentReport,
        f: &Finding,
        file: Option<&str>,
        case: Option<&str>,
    ) {
        let at = place(report, f, file);
        let mut location = Location::default();
        if let Some(path) = at.file.as_deref().or(file) {
            location.physical_location = Some(PhysicalLocation {
                artifact_location: ArtifactLocation { uri: uri(path) },
                region: at.line_column.map(|(line, column)| Region {
                    start_line: line.max(1),
                    start_column: column.max(1),
                }),
            });
        }
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
        properties.insert("source", report.source.clone());
        properties.insert("pointer", f.pointer.clone());
        if let Some(kind) = &report.kind {
            properties.insert("kind", kind.clone());
        }
        if let Some(e) = &f.expected {
            properties.insert("expected", e.clone());
        }
        if let Some(a) = &f.actual {
            properties.insert("actual", a.clone());
        }
        let pointer = if f.pointer.is_empty() {
            "(document)"
        } else {
            &f.pointer
        };
        self.results.push(SarifResult {
            rule_index: self.rules.iter().position(|r| r.id == f.rule),
            rule_id: f.rule.clone(),
            level: level(f.severity),
            message: Text {
                text: format!("{} at {pointer}: {}", report.source, f.message),
            },
            locations: if location.physical_location.is_some()
                || !location.logical_locations.is_empty()
            {
                vec![location]
            } else {
                Vec::new()
            },
            properties,
        });
    }

    fn coverage(&mut self, coverage: &Coverage) {
        for code in &coverage.missing_required {
            let rule = super::coverage::REQUIRED_CODE;
            self.results.push(SarifResult {
                rule_id: rule.to_owned(),
                rule_index: self.rules.iter().position(|r| r.id == rule),
                level: "error",
                message: Text {
                    text: Coverage::missing_message(*code),
                },
                locations: Vec::new(),
                properties: BTreeMap::from([("code", code.to_string())]),
            });
        }
    }
}

impl<W: Write> Reporter for SarifReport<W> {
    fn start(&mut self, _run: &RunInfo) -> io::Result<()> {
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
        let log = Log {
            schema: SCHEMA,
            version: "2.1.0",
            runs: vec![Run {
                tool: Tool {
                    driver: Driver {
                        name: "ppob-contract",
                        version: env!("CARGO_PKG_VERSION"),
                        rules: self
                            .rules
                            .iter()
                            .map(|r| Rule {
                                id: r.id.to_owned(),
                                short_description: Text {
                                    text: r.summary.to_owned(),
                                },
                                full_description: Text {
                                    text: format!("{} (From: {}.)", r.description, r.source),
                                },
                                default_configuration: Configuration {
                                    level: level(r.default_severity),
                                },
                            })
                            .collect(),
                    },
                },
                invocations: vec![Invocation {
                    execution_successful: end.complete,
                    tool_execution_notifications: notifications,
                }],
                results: &self.results,
            }],
        };
        serde_json::to_writer_pretty(&mut self.out, &log)?;
        writeln!(self.out)?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::uri;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri("fixtures/a b#1.json"), "fixtures/a%20b%231.json");
        assert_eq!(uri("dir\\x.json"), "dir/x.json");
    }
}
