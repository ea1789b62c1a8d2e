//! The `--format json` report (DESIGN §4), written as it streams: the
//! `documents` array grows one entry at a time and the summary closes it,
//! so a run over millions of documents never holds them all.

use std::io::{self, Write};

use super::{Command, Reporter, RunEnd, RunInfo};
use ppob_core::contract::DocumentReport;

/// Streams the machine-readable report into a writer.
pub struct JsonReport<W: Write> {
    out: W,
    started: bool,
    documents: u64,
    command: Option<Command>,
    partition: Option<ppob_core::partition::Partition>,
}

impl<W: Write> JsonReport<W> {
    /// A report into `out`; its head is written with the first event.
    pub fn new(out: W) -> Self {
        Self {
            out,
            started: false,
            documents: 0,
            command: None,
            partition: None,
        }
    }

    fn head(&mut self) -> io::Result<()> {
        if !self.started {
            self.started = true;
            write!(
                self.out,
                "{{\"tool\":\"ppob-contract\",\"version\":\"{}\",",
                env!("CARGO_PKG_VERSION")
            )?;
            if let Some(command) = self.command {
                write!(self.out, "\"command\":\"{}\",", command.name())?;
            }
            if let Some(partition) = self.partition {
                write!(self.out, "\"partition\":\"{partition}\",")?;
            }
            write!(self.out, "\"documents\":[")?;
        }
        Ok(())
    }

    fn member(&mut self, name: &str, value: &impl serde::Serialize) -> io::Result<()> {
        write!(self.out, ",\"{name}\":")?;
        serde_json::to_writer(&mut self.out, value)?;
        Ok(())
    }
}

impl<W: Write> Reporter for JsonReport<W> {
    fn start(&mut self, run: &RunInfo) -> io::Result<()> {
        self.command = Some(run.command);
        self.partition = run.partition;
        self.head()
    }

    fn document(
        &mut self,
        report: &DocumentReport,
        _bytes: &[u8],
        _first_line: u64,
    ) -> io::Result<()> {
        self.head()?;
        let separator = if self.documents == 0 { "\n" } else { ",\n" };
        self.out.write_all(separator.as_bytes())?;
        serde_json::to_writer(&mut self.out, report)?;
        self.documents += 1;
        Ok(())
    }

    fn case_finished(&mut self, _case: &super::CaseEnd) -> io::Result<()> {
        // A case's documents reach a pipe as soon as it ends.
        self.out.flush()
    }

    fn finish(&mut self, end: &RunEnd) -> io::Result<()> {
        self.head()?;
        write!(self.out, "\n]")?;
        if !end.cases.is_empty() {
            self.member("cases", &end.cases)?;
        }
        if !end.interrupted.is_empty() {
            self.member("interrupted", &end.interrupted)?;
        }
        if let Some(setup) = &end.setup {
            self.member("setup", setup)?;
        }
        if let Some(fuzz) = &end.fuzz {
            self.member("fuzz", fuzz)?;
        }
        if let Some(coverage) = &end.coverage {
            self.member("coverage", coverage)?;
        }
        self.member("summary", &end.summary)?;
        if !end.complete {
            self.member("incomplete", &true)?;
        }
        writeln!(self.out, "}}")?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Report;
    use ppob_core::contract::{Finding, Severity, Summary};

    #[test]
    fn streamed_report_is_one_json_value_of_the_report_shape() {
        let doc = DocumentReport::new(
            "a.json".into(),
            Some("inquiry.response".into()),
            vec![Finding {
                rule: "schema".into(),
                severity: Severity::Error,
                pointer: "/data/amount".into(),
                line: 17,
                column: 19,
                message: "type: expected integer, found string".into(),
                expected: Some("integer".into()),
                actual: Some("\"3607\"".into()),
            }],
        );
        let mut summary = Summary::default();
        summary.add(&doc);
        let mut bytes = Vec::new();
        let mut report = JsonReport::new(&mut bytes);
        report.document(&doc, b"", 1).unwrap();
        report.document(&doc, b"", 1).unwrap();
        summary.add(&doc);
        report.finish(&RunEnd::new(summary)).unwrap();
        let parsed: Report = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(parsed.documents, vec![doc.clone(), doc]);
        assert_eq!(parsed.summary.errors, 2);
        assert_eq!(parsed.tool, "ppob-contract");
    }
}
