//! Replay: a [`Replay`] answers from a cassette instead of a server. Each
//! `send` returns the next recorded exchange of the same operation, in
//! recorded order, with the **recorded** request (what was really sent then),
//! not the one passed in.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use super::cassette::{self, Cassette, CassetteError, CassetteMeta};
use super::{Exchange, Transport, TransportError, WireRequest};
use ppob_core::contract::Operation;

/// Plays a cassette back.
#[derive(Debug)]
pub struct Replay {
    source: PathBuf,
    meta: Option<CassetteMeta>,
    /// Recorded exchanges not yet played, one queue per operation (index in [`Operation::ALL`]).
    queues: Mutex<[VecDeque<Exchange>; 3]>,
}

fn slot(operation: Operation) -> usize {
    match operation {
        Operation::Inquiry => 0,
        Operation::Payment => 1,
        Operation::Status => 2,
    }
}

impl Replay {
    /// Plays `cassette`, read from `source` (named in messages).
    pub fn new(cassette: Cassette, source: impl Into<PathBuf>) -> Self {
        let mut queues: [VecDeque<Exchange>; 3] = Default::default();
        for exchange in cassette.exchanges {
            queues[slot(exchange.request.operation)].push_back(exchange);
        }
        Self {
            source: source.into(),
            meta: cassette.meta,
            queues: Mutex::new(queues),
        }
    }

    /// Reads the cassette at `path` and plays it.
    pub fn open(path: &Path) -> Result<Self, CassetteError> {
        Ok(Self::new(cassette::read(path)?, path))
    }

    /// The case the cassette was recorded for, when it says.
    pub fn meta(&self) -> Option<&CassetteMeta> {
        self.meta.as_ref()
    }

    /// The cassette file.
    pub fn source(&self) -> &Path {
        &self.source
    }

    /// A text field of the next recorded `operation` request's signed
    /// fields, e.g. the inquiry's `accountNumber` (to name a replayed case).
    pub fn recorded_field(&self, operation: Operation, field: &str) -> Option<String> {
        self.queues()[slot(operation)]
            .front()
            .and_then(|e| e.request.payload.get(field))
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    }

    /// How many recorded exchanges have not been played yet.
    pub fn remaining(&self) -> usize {
        self.queues().iter().map(VecDeque::len).sum()
    }

    fn queues(&self) -> MutexGuard<'_, [VecDeque<Exchange>; 3]> {
        self.queues
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Transport for Replay {
    fn send(&self, request: WireRequest) -> Exchange {
        let operation = request.operation;
        let next = self.queues()[slot(operation)].pop_front();
        next.unwrap_or_else(|| Exchange {
            request,
            response: Err(TransportError::Replay(format!(
                "no more recorded {} answers in {}",
                operation.name(),
                self.source.display()
            ))),
            started: SystemTime::now(),
            elapsed: Duration::ZERO,
        })
    }

    fn describe(&self) -> String {
        format!("replay {}", self.source.display())
    }

    fn is_replay(&self) -> bool {
        true
    }
}

/// The cassettes (`*.har` files) directly in `dir`, sorted by name; an
/// error when there is none or `dir` cannot be read.
pub fn cassettes_in(dir: &Path) -> Result<Vec<PathBuf>, CassetteError> {
    let entries = std::fs::read_dir(dir).map_err(|source| CassetteError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "har") && p.is_file())
        .collect();
    found.sort();
    if found.is_empty() {
        return Err(CassetteError::NoCassettes {
            dir: dir.to_path_buf(),
        });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::WireResponse;
    use std::time::UNIX_EPOCH;

    fn exchange(operation: Operation, tag: &str) -> Exchange {
        Exchange {
            request: WireRequest {
                operation,
                method: "POST".into(),
                path: operation.path().into(),
                headers: Vec::new(),
                body: Vec::new(),
                payload: serde_json::json!({ "tag": tag }),
            },
            response: Ok(WireResponse::json(200, tag.as_bytes().to_vec())),
            started: UNIX_EPOCH,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn answers_come_per_operation_in_recorded_order() {
        let replay = Replay::new(
            Cassette {
                meta: None,
                exchanges: vec![
                    exchange(Operation::Status, "s1"),
                    exchange(Operation::Inquiry, "i1"),
                    exchange(Operation::Status, "s2"),
                ],
            },
            "x.har",
        );
        assert!(replay.is_replay());
        assert_eq!(replay.describe(), "replay x.har");
        let asked = exchange(Operation::Status, "asked").request;
        let first = replay.send(asked.clone());
        assert_eq!(first.request.payload["tag"], "s1", "the recorded request");
        assert_eq!(replay.send(asked.clone()).request.payload["tag"], "s2");
        let none = replay.send(asked.clone());
        assert_eq!(none.request, asked);
        assert_eq!(
            none.response,
            Err(TransportError::Replay(
                "no more recorded status answers in x.har".into()
            ))
        );
        assert_eq!(replay.remaining(), 1);
    }

    #[test]
    fn cassettes_are_listed_sorted_and_none_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = cassettes_in(dir.path()).unwrap_err();
        assert!(err.to_string().contains("no cassette"), "{err}");
        for name in ["b.har", "a.har", "notes.txt"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let found = cassettes_in(dir.path()).unwrap();
        let names: Vec<_> = found
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.har", "b.har"]);
        assert!(cassettes_in(&dir.path().join("missing")).is_err());
    }
}
