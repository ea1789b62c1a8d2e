//! Streams batches from a [`BatchReader`] through the [`Engine`], in parallel
//! within a batch and in input order across the whole run.

use std::sync::mpsc;

use rayon::prelude::*;

use super::engine::{Engine, Input};
use crate::input::{Batch, BatchReader, DocRef};
use ppob_core::contract::{DocumentReport, Finding, Severity, Summary, input_rules};

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
#[non_exhaustive]
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
    /// The process's address-space limit (`ulimit -v`) has no room for the
    /// worker threads' stacks: refused before any thread starts, because a
    /// thread that starts with no room left aborts the process instead of
    /// failing (its signal stack and thread-local storage are allocated as
    /// it starts). Only a first gate: below it, [`RunError::Workers`] still
    /// names a thread that cannot start.
    #[error(
        "cannot start {jobs} worker threads: the address-space limit (ulimit -v) of {limit_mib} MiB leaves room for about {room}; ask for fewer with --jobs"
    )]
    AddressSpace {
        /// The threads asked for.
        jobs: usize,
        /// The limit, in MiB.
        limit_mib: u64,
        /// How many workers it has room for.
        room: usize,
    },
    /// The thread that reads ahead could not be started.
    #[error("cannot start the reading thread ({0}); ask for one job with --jobs 1")]
    Reader(std::io::Error),
    /// The thread that reads ahead stopped before the end of the input.
    #[error("the reading thread stopped before the end of the input; the run is incomplete")]
    ReaderStopped,
    /// The sink could not write a verdict.
    #[error("cannot write the report: {0}")]
    Write(#[from] std::io::Error),
}

/// The stack of each worker thread: the standard library's default, set
/// explicitly so that [`worker_room`] counts what the workers use.
const WORKER_STACK_BYTES: usize = 2 << 20;

/// How many workers fit in an address-space limit of `limit` bytes: their
/// stacks may take half of it, the other half is left to the process (its
/// code, the allocator's arenas, the batches).
fn worker_room(limit: u64) -> usize {
    usize::try_from(limit / 2 / WORKER_STACK_BYTES as u64).unwrap_or(usize::MAX)
}

/// The process's address-space limit (`ulimit -v`) in bytes, when it has one.
#[cfg(unix)]
fn address_space_limit() -> Option<u64> {
    rustix::process::getrlimit(rustix::process::Resource::As).current
}

/// The process's address-space limit: none that this build can read.
#[cfg(not(unix))]
fn address_space_limit() -> Option<u64> {
    None
}

/// Fewest documents a worker takes from a batch at a time; a batch no larger
/// than this is checked on the calling thread.
const MIN_DOCS_PER_TASK: usize = 64;

/// Validates every document `reader` yields, on `jobs` threads (0: all
/// cores), handing each verdict to `sink` in input order.
///
/// With one job everything happens on the calling thread. With more, the
/// first batch that has work for more than one starts the workers and a
/// reading thread that reads the next batch while the workers check this
/// one; a run of a few documents (one file in a CI step) starts no thread.
/// Memory stays bounded by three batches and one batch's verdicts.
pub fn run(
    engine: &Engine,
    mut reader: BatchReader,
    jobs: usize,
    sink: &mut dyn Sink,
) -> Result<Summary, RunError> {
    let mut summary = Summary::default();
    while let Some(batch) = reader.next_batch() {
        if jobs != 1 && batch.docs.len() > MIN_DOCS_PER_TASK {
            return run_in_parallel(engine, reader, batch, jobs, sink, summary);
        }
        let reports: Vec<DocumentReport> = batch
            .docs
            .iter()
            .map(|d| check_one(engine, &batch, d))
            .collect();
        deliver(&batch, &reports, &mut summary, sink)?;
        reader.recycle(batch);
    }
    Ok(summary)
}

/// Hands a batch's verdicts to the sink, in order, and counts them.
fn deliver(
    batch: &Batch,
    reports: &[DocumentReport],
    summary: &mut Summary,
    sink: &mut dyn Sink,
) -> Result<(), RunError> {
    for (doc, report) in batch.docs.iter().zip(reports) {
        summary.add(report);
        sink.document(report, batch.bytes(doc), doc.first_line)?;
    }
    Ok(())
}

/// The rest of a run from `first` on: a reading thread reads ahead one
/// batch at a time while the pool checks the current one.
///
/// The reading thread is not joined when the sink fails: it may be blocked
/// reading stdin. It ends at its next batch, when it finds nobody waiting.
fn run_in_parallel(
    engine: &Engine,
    reader: BatchReader,
    first: Batch,
    jobs: usize,
    sink: &mut dyn Sink,
    mut summary: Summary,
) -> Result<Summary, RunError> {
    if let Some(limit) = address_space_limit() {
        let room = worker_room(limit);
        if jobs > room {
            return Err(RunError::AddressSpace {
                jobs,
                limit_mib: limit >> 20,
                room,
            });
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .stack_size(WORKER_STACK_BYTES)
        .build()
        .map_err(|source| RunError::Workers { jobs, source })?;
    // A rendezvous: the reading thread holds at most one batch ready.
    let (ready_tx, ready_rx) = mpsc::sync_channel::<Batch>(0);
    let (spent_tx, spent_rx) = mpsc::channel::<Batch>();
    let reading = std::thread::Builder::new()
        .name("ppob-contract-reader".into())
        .spawn(move || read_ahead(reader, &ready_tx, &spent_rx))
        .map_err(RunError::Reader)?;
    let mut batch = first;
    loop {
        let reports: Vec<DocumentReport> = pool.install(|| {
            batch
                .docs
                .par_iter()
                .with_min_len(MIN_DOCS_PER_TASK)
                .map(|d| check_one(engine, &batch, d))
                .collect()
        });
        deliver(&batch, &reports, &mut summary, sink)?;
        // A reading thread that has ended no longer takes batches back.
        let _ = spent_tx.send(batch);
        match ready_rx.recv() {
            Ok(next) => batch = next,
            Err(mpsc::RecvError) => break,
        }
    }
    match reading.join() {
        Ok(true) => Ok(summary),
        _ => Err(RunError::ReaderStopped),
    }
}

/// The reading thread: hands every batch over, reusing the spent ones.
/// True when the input was read to its end; false when the run stopped first.
fn read_ahead(
    mut reader: BatchReader,
    ready: &mpsc::SyncSender<Batch>,
    spent: &mpsc::Receiver<Batch>,
) -> bool {
    loop {
        for batch in spent.try_iter() {
            reader.recycle(batch);
        }
        let Some(batch) = reader.next_batch() else {
            return true;
        };
        if ready.send(batch).is_err() {
            return false;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::engine::EngineOptions;
    use crate::input::{BATCH_BYTES, expand};

    #[test]
    fn worker_stacks_may_take_half_of_an_address_space_limit() {
        // `ulimit -v 600000` (KiB): 292 MiB for 2 MiB stacks.
        assert_eq!(worker_room(600_000 << 10), 146);
        assert_eq!(worker_room(1 << 30), 256);
        assert_eq!(worker_room(0), 0);
        assert!(worker_room(u64::MAX) > 1024);
    }

    /// Collects each verdict's source and findings' rules, in the order given.
    #[derive(Default)]
    struct Collect(Vec<(String, Vec<String>)>);

    impl Sink for Collect {
        fn document(&mut self, report: &DocumentReport, _: &[u8], _: u64) -> std::io::Result<()> {
            let rules = report.findings.iter().map(|f| f.rule.clone()).collect();
            self.0.push((report.source.clone(), rules));
            Ok(())
        }
    }

    /// Fails on its first verdict, as a closed pipe does.
    struct Closed;

    impl Sink for Closed {
        fn document(&mut self, _: &DocumentReport, _: &[u8], _: u64) -> std::io::Result<()> {
            Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
        }
    }

    /// A stream of about three batches: a valid inquiry answer per line,
    /// with a drifted one and a line that is not JSON here and there.
    fn stream_of_batches() -> (tempfile::TempDir, std::path::PathBuf, usize) {
        let valid = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/mobile-postpaid/inquiry.response.json"
        ))
        .unwrap()
        .replace('\n', "");
        let drifted = valid.replacen("{", "{\"surprise\": 1, ", 1);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("day.inquiry.response.ndjson");
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let mut lines = 0;
        let mut written = 0;
        while written < 3 * BATCH_BYTES {
            let line = match lines % 97 {
                13 => drifted.as_str(),
                50 => "{not json",
                _ => valid.as_str(),
            };
            writeln!(file, "{line}").unwrap();
            written += line.len() + 1;
            lines += 1;
        }
        file.flush().unwrap();
        (dir, path, lines)
    }

    fn reader_of(path: &std::path::Path) -> BatchReader {
        BatchReader::new(expand(&[path.to_path_buf()], false).inputs, None)
    }

    #[test]
    fn reading_ahead_keeps_every_verdict_in_input_order() {
        let (_dir, path, lines) = stream_of_batches();
        let engine = Engine::new(EngineOptions::default());
        let mut one = Collect::default();
        let serial = run(&engine, reader_of(&path), 1, &mut one).unwrap();
        let mut two = Collect::default();
        let parallel = run(&engine, reader_of(&path), 2, &mut two).unwrap();
        assert_eq!(serial, parallel);
        assert_eq!(one.0, two.0);
        assert_eq!(two.0.len(), lines);
        let numbers: Vec<u64> = two
            .0
            .iter()
            .map(|(source, _)| source.rsplit(':').next().unwrap().parse().unwrap())
            .collect();
        assert!(
            numbers.iter().zip(1..).all(|(&n, i)| n == i),
            "out of order"
        );
        let rules_of = |line: usize| two.0[line - 1].1.clone();
        assert_eq!(rules_of(14), ["drift"]);
        assert_eq!(rules_of(51), ["input.parse"]);
        assert!(rules_of(1).is_empty());
    }

    #[test]
    fn a_failing_sink_stops_the_run_without_waiting_for_the_reader() {
        let (_dir, path, _) = stream_of_batches();
        let engine = Engine::new(EngineOptions::default());
        let stopped = run(&engine, reader_of(&path), 2, &mut Closed);
        assert!(
            matches!(&stopped, Err(RunError::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe),
            "{stopped:?}"
        );
    }
}
