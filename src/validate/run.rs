//! Streams batches from a [`BatchReader`] through the [`Engine`], in parallel
//! within a batch and in input order across the whole run.

use rayon::prelude::*;

use super::engine::{Engine, Input};
use crate::contract::{DocumentReport, Finding, Severity, Summary, input_rules};
use crate::input::{Batch, BatchReader, DocRef};

/// Receives each verdict in input order, with the document's bytes.
pub trait Sink {
    /// One document's verdict; `bytes` are its source, starting at `first_line`.
    fn document(
        &mut self,
        report: &DocumentReport,
        bytes: &[u8],
        first_line: u64,
    ) -> std::io::Result<()>;
}

fn check_one(engine: &Engine, batch: &Batch, doc: &DocRef) -> DocumentReport {
    if let Some(problem) = &doc.problem {
        let finding = Finding {
            rule: input_rules::IO.into(),
            severity: Severity::Error,
            pointer: String::new(),
            line: 1,
            column: 1,
            message: problem.clone(),
            expected: None,
            actual: None,
        };
        return DocumentReport::new(doc.source.clone(), None, vec![finding]);
    }
    engine.check(Input {
        source: &doc.source,
        bytes: batch.bytes(doc),
        kind: doc.kind,
        first_line: doc.first_line,
    })
}

/// Why a run stopped before its end.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The worker threads could not be started (too many for the memory or
    /// the thread limit the process has).
    #[error("cannot start {jobs} worker threads ({source}); ask for fewer with --jobs")]
    Workers {
        /// The threads asked for.
        jobs: usize,
        /// What the thread pool said.
        source: rayon::ThreadPoolBuildError,
    },
    /// The sink could not write a verdict.
    #[error("cannot write the report: {0}")]
    Write(#[from] std::io::Error),
}

/// Fewest documents a worker takes from a batch at a time; a batch no larger
/// than this is checked on the calling thread.
const MIN_DOCS_PER_TASK: usize = 64;

/// Validates every document `reader` yields, on `jobs` threads (0: all
/// cores), handing each verdict to `sink` in input order. Memory stays
/// bounded by one batch and its verdicts. The worker threads start with the
/// first batch that has work for more than one: a run of a few documents
/// (one file in a CI step) starts none.
pub fn run(
    engine: &Engine,
    mut reader: BatchReader,
    jobs: usize,
    sink: &mut dyn Sink,
) -> Result<Summary, RunError> {
    let mut pool: Option<rayon::ThreadPool> = None;
    let mut summary = Summary::default();
    while let Some(batch) = reader.next_batch() {
        let parallel = jobs != 1 && batch.docs.len() > MIN_DOCS_PER_TASK;
        let reports: Vec<DocumentReport> = if parallel {
            let pool = match &mut pool {
                Some(pool) => pool,
                None => pool.insert(
                    rayon::ThreadPoolBuilder::new()
                        .num_threads(jobs)
                        .build()
                        .map_err(|source| RunError::Workers { jobs, source })?,
                ),
            };
            pool.install(|| {
                batch
                    .docs
                    .par_iter()
                    .with_min_len(MIN_DOCS_PER_TASK)
                    .map(|d| check_one(engine, &batch, d))
                    .collect()
            })
        } else {
            batch
                .docs
                .iter()
                .map(|d| check_one(engine, &batch, d))
                .collect()
        };
        for (doc, report) in batch.docs.iter().zip(&reports) {
            summary.add(report);
            sink.document(report, batch.bytes(doc), doc.first_line)?;
        }
        reader.recycle(batch);
    }
    Ok(summary)
}
