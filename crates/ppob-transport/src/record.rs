//! Recording: a [`Recorder`] wraps another transport, forwards every request
//! and keeps each [`Exchange`], then [`Recorder::save`]s one case's
//! conversation as a cassette (`crate::cassette`).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use super::cassette::{self, CassetteError, CassetteMeta};
use super::redact::Redactor;
use super::{Exchange, Transport, WireRequest};

/// A transport that forwards to `T` and keeps what happened.
///
/// One recorder holds one conversation at a time: exchanges are kept in
/// the order they complete, so cases run in parallel need a recorder each.
#[derive(Debug)]
pub struct Recorder<T: Transport> {
    inner: T,
    exchanges: Mutex<Vec<Exchange>>,
}

impl<T: Transport> Recorder<T> {
    /// Records what goes through `inner`.
    pub fn new(inner: T) -> Self {
        Self {
            inner,
            exchanges: Mutex::new(Vec::new()),
        }
    }

    /// The wrapped transport.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// A poisoned lock only means another thread panicked while pushing:
    /// the list is still a list, keep using it.
    fn buffer(&self) -> MutexGuard<'_, Vec<Exchange>> {
        self.exchanges
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The exchanges recorded since the last `take` or `save`, in order; clears them.
    pub fn take(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.buffer())
    }

    /// Writes the exchanges recorded since the last `take` or `save` to
    /// `dir/<case>.har` (the case name made a safe file name, see
    /// [`cassette::file_name`]), creating `dir`, and clears them. On failure
    /// nothing is lost: the exchanges stay recorded.
    pub fn save(
        &self,
        dir: &Path,
        meta: &CassetteMeta,
        redactor: &Redactor,
    ) -> Result<PathBuf, CassetteError> {
        let mut buffer = self.buffer();
        std::fs::create_dir_all(dir).map_err(|source| CassetteError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join(cassette::file_name(&meta.case));
        cassette::write(&path, meta, &buffer, redactor)?;
        buffer.clear();
        Ok(path)
    }
}

impl<T: Transport> Transport for Recorder<T> {
    fn send(&self, request: WireRequest) -> Exchange {
        let exchange = self.inner.send(request);
        self.buffer().push(exchange.clone());
        exchange
    }

    fn send_within(&self, request: WireRequest, limit: std::time::Duration) -> Exchange {
        let exchange = self.inner.send_within(request, limit);
        self.buffer().push(exchange.clone());
        exchange
    }

    fn describe(&self) -> String {
        format!("{} (recording)", self.inner.describe())
    }

    fn is_replay(&self) -> bool {
        self.inner.is_replay()
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::{TransportError, WireResponse};
    use ppob_core::contract::Operation;

    struct Echo;

    impl Transport for Echo {
        fn send(&self, request: WireRequest) -> Exchange {
            let response = if request.operation == Operation::Status {
                Err(TransportError::Timeout(Duration::from_millis(300)))
            } else {
                Ok(WireResponse::json(200, b"{}".to_vec()))
            };
            Exchange {
                request,
                response,
                started: UNIX_EPOCH,
                elapsed: Duration::ZERO,
            }
        }
        fn describe(&self) -> String {
            "echo".into()
        }
    }

    fn request(operation: Operation) -> WireRequest {
        WireRequest {
            operation,
            method: "POST".into(),
            path: operation.path().into(),
            headers: Vec::new(),
            body: Vec::new(),
            payload: serde_json::json!({"refNumber": "R"}),
        }
    }

    #[test]
    fn exchanges_are_kept_in_order_and_taken_once() {
        let recorder = Recorder::new(Echo);
        recorder.send(request(Operation::Inquiry));
        recorder.send(request(Operation::Status));
        assert_eq!(recorder.describe(), "echo (recording)");
        let taken = recorder.take();
        assert_eq!(taken.len(), 2);
        assert_eq!(taken[1].request.operation, Operation::Status);
        assert!(recorder.take().is_empty());
    }

    #[test]
    fn save_writes_the_case_file_and_clears() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("new/sub");
        let recorder = Recorder::new(Echo);
        recorder.send(request(Operation::Payment));
        let meta = CassetteMeta {
            case: "paid single/1".into(),
            expect: Some("success".into()),
        };
        let path = recorder.save(&target, &meta, &Redactor::new(None)).unwrap();
        assert_eq!(path, target.join("paid-single-1.har"));
        let back = cassette::read(&path).unwrap();
        assert_eq!(back.meta, Some(meta));
        assert_eq!(back.exchanges.len(), 1);
        assert!(recorder.take().is_empty());
    }

    #[test]
    fn a_failed_save_keeps_the_exchanges() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, "").unwrap();
        let recorder = Recorder::new(Echo);
        recorder.send(request(Operation::Inquiry));
        let meta = CassetteMeta {
            case: "x".into(),
            expect: None,
        };
        let err = recorder
            .save(&file, &meta, &Redactor::new(None))
            .unwrap_err();
        assert!(err.to_string().contains("a-file"), "{err}");
        assert_eq!(recorder.take().len(), 1);
    }
}
