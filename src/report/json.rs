//! The `--format json` report (DESIGN §4), written as it streams: the
//! `documents` array grows one entry at a time and the summary closes it,
//! so a run over millions of documents never holds them all.

use std::io::{self, Write};

use crate::contract::{CaseSummary, DocumentReport, FuzzSummary, Summary};
use crate::validate::Sink;

/// Streams the machine-readable report into a writer.
pub struct JsonReport<W: Write> {
    out: W,
    documents: u64,
}

impl<W: Write> JsonReport<W> {
    /// Starts the report (writes its head).
    pub fn start(mut out: W) -> io::Result<Self> {
        write!(
            out,
            "{{\"tool\":\"ppob-contract\",\"version\":\"{}\",\"documents\":[",
            env!("CARGO_PKG_VERSION")
        )?;
        Ok(Self { out, documents: 0 })
    }

    /// Closes a `check` report with its cases and summary.
    pub fn finish_cases(mut self, cases: &[CaseSummary], summary: &Summary) -> io::Result<W> {
        write!(self.out, "\n],\"cases\":")?;
        serde_json::to_writer(&mut self.out, cases)?;
        write!(self.out, ",\"summary\":")?;
        serde_json::to_writer(&mut self.out, summary)?;
        writeln!(self.out, "}}")?;
        self.out.flush()?;
        Ok(self.out)
    }

    /// Closes a `fuzz` report with the run's summary and the totals.
    pub fn finish_fuzz(mut self, fuzz: &FuzzSummary, summary: &Summary) -> io::Result<W> {
        write!(self.out, "\n],\"fuzz\":")?;
        serde_json::to_writer(&mut self.out, fuzz)?;
        write!(self.out, ",\"summary\":")?;
        serde_json::to_writer(&mut self.out, summary)?;
        writeln!(self.out, "}}")?;
        self.out.flush()?;
        Ok(self.out)
    }

    /// Closes the report with its summary and returns the writer.
    pub fn finish(mut self, summary: &Summary) -> io::Result<W> {
        write!(self.out, "\n],\"summary\":")?;
        serde_json::to_writer(&mut self.out, summary)?;
        writeln!(self.out, "}}")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> Sink for JsonReport<W> {
    fn document(
        &mut self,
        report: &DocumentReport,
        _bytes: &[u8],
        _first_line: u64,
    ) -> io::Result<()> {
        let separator = if self.documents == 0 { "\n" } else { ",\n" };
        self.out.write_all(separator.as_bytes())?;
        serde_json::to_writer(&mut self.out, report)?;
        self.documents += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{Finding, Report, Severity};

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
        let mut report = JsonReport::start(Vec::new()).unwrap();
        report.document(&doc, b"", 1).unwrap();
        report.document(&doc, b"", 1).unwrap();
        summary.add(&doc);
        let bytes = report.finish(&summary).unwrap();
        let parsed: Report = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(parsed.documents, vec![doc.clone(), doc]);
        assert_eq!(parsed.summary.errors, 2);
        assert_eq!(parsed.tool, "ppob-contract");
    }
}
