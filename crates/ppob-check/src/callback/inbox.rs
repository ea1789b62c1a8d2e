//! Where received callbacks wait until their case collects them, keyed by
//! the `data.refNumber` of their body. Bounded: at most [`MAX_HELD`]
//! callbacks are kept; more are counted and dropped, so a flooding server
//! cannot grow memory without end.

use std::collections::{HashMap, HashSet};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use serde::Deserialize;

use ppob_transport::stop::Stop;

/// Callbacks held at most (across every refNumber) before new ones are dropped.
pub const MAX_HELD: usize = 10_000;

/// How often a wait looks at the stop request.
const STOP_POLL: Duration = Duration::from_millis(50);

/// One callback as it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The request path it was POSTed to (`/` for the in-process simulator's
    /// URL without a path).
    pub path: String,
    /// The body, as sent.
    pub body: Vec<u8>,
    /// When it arrived (simulated time for the in-process simulator).
    pub at: SystemTime,
}

/// What a wait for a refNumber's callbacks brought.
#[derive(Debug, Default)]
pub struct Collected {
    /// Every delivery for the refNumber, in arrival order.
    pub received: Vec<Received>,
    /// The wait ended because a stop was requested, not because a callback
    /// came or the wait was over.
    pub interrupted: bool,
}

/// A callback no case collected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leftover {
    /// The callback.
    pub received: Received,
    /// The refNumber its body names, if any.
    pub ref_number: Option<String>,
    /// A case had collected callbacks of this refNumber before: this one
    /// came after its case was judged.
    pub late: bool,
}

#[derive(Default)]
struct Held {
    by_ref: HashMap<String, Vec<Received>>,
    /// refNumbers some case has collected.
    collected: HashSet<String>,
    /// Bodies with no readable `data.refNumber`, in arrival order.
    unmatched: Vec<Received>,
    count: usize,
    dropped: u64,
}

/// Received callbacks, shared between the receiver and the cases.
pub struct Inbox {
    held: Mutex<Held>,
    arrived: Condvar,
    /// Callbacks held at most before new ones are dropped.
    limit: usize,
}

impl Default for Inbox {
    fn default() -> Self {
        Self::with_limit(MAX_HELD)
    }
}

impl std::fmt::Debug for Inbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let held = self.lock();
        f.debug_struct("Inbox")
            .field("held", &held.count)
            .field("dropped", &held.dropped)
            .finish()
    }
}

#[derive(Deserialize)]
struct Probe {
    data: Option<ProbeData>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProbeData {
    ref_number: Option<serde_json::Value>,
}

/// The non-blank string at `data.refNumber` of a callback body, if any.
pub fn ref_number_of(body: &[u8]) -> Option<String> {
    let probe: Probe = serde_json::from_slice(body).ok()?;
    match probe.data?.ref_number? {
        serde_json::Value::String(s) if !s.is_empty() => Some(s),
        _ => None,
    }
}

impl Inbox {
    /// An empty inbox holding at most [`MAX_HELD`] callbacks.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty inbox holding at most `limit` callbacks (at least one).
    pub fn with_limit(limit: usize) -> Self {
        Self {
            held: Mutex::default(),
            arrived: Condvar::new(),
            limit: limit.max(1),
        }
    }

    /// The callbacks refused so far because the inbox was full (the
    /// receiver answered them 503).
    pub fn dropped(&self) -> u64 {
        self.lock().dropped
    }

    /// The most callbacks held at once.
    pub fn limit(&self) -> usize {
        self.limit
    }

    fn lock(&self) -> MutexGuard<'_, Held> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps a callback; false when the inbox was full and it was dropped.
    pub fn deliver(&self, received: Received) -> bool {
        let mut held = self.lock();
        if held.count >= self.limit {
            held.dropped += 1;
            return false;
        }
        held.count += 1;
        match ref_number_of(&received.body) {
            Some(ref_number) => held.by_ref.entry(ref_number).or_default().push(received),
            None => held.unmatched.push(received),
        }
        drop(held);
        self.arrived.notify_all();
        true
    }

    /// Takes every callback received so far for `ref_number`.
    pub fn take(&self, ref_number: &str) -> Vec<Received> {
        let mut held = self.lock();
        let taken = held.by_ref.remove(ref_number).unwrap_or_default();
        held.count -= taken.len();
        held.collected.insert(ref_number.to_owned());
        taken
    }

    /// Waits up to `limit` for the first callback of `ref_number`, then
    /// `linger` more for repeated deliveries, and takes what came. Ends
    /// early when `stop` is requested.
    pub fn collect(
        &self,
        ref_number: &str,
        limit: Duration,
        linger: Duration,
        stop: &Stop,
    ) -> Collected {
        let start = Instant::now();
        let mut until = start + limit;
        let mut lingering = false;
        let mut held = self.lock();
        loop {
            if stop.is_requested() {
                drop(held);
                return Collected {
                    received: self.take(ref_number),
                    interrupted: true,
                };
            }
            let have = held.by_ref.get(ref_number).map_or(0, Vec::len);
            if have > 0 && !lingering {
                lingering = true;
                until = Instant::now() + linger;
            }
            let now = Instant::now();
            if now >= until {
                break;
            }
            let slice = (until - now).min(STOP_POLL);
            held = self
                .arrived
                .wait_timeout(held, slice)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        drop(held);
        Collected {
            received: self.take(ref_number),
            interrupted: false,
        }
    }

    /// Takes the callbacks no case collected: those whose body names no
    /// refNumber, those of refNumbers no case asked for, and those that came
    /// after their case was judged; in arrival order.
    pub fn leftovers(&self) -> Vec<Leftover> {
        let mut held = self.lock();
        let mut out: Vec<Leftover> = std::mem::take(&mut held.unmatched)
            .into_iter()
            .map(|received| Leftover {
                received,
                ref_number: None,
                late: false,
            })
            .collect();
        let by_ref = std::mem::take(&mut held.by_ref);
        for (ref_number, received) in by_ref {
            let late = held.collected.contains(&ref_number);
            out.extend(received.into_iter().map(|received| Leftover {
                received,
                ref_number: Some(ref_number.clone()),
                late,
            }));
        }
        held.count = 0;
        out.sort_by_key(|l| l.received.at);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn callback(ref_number: &str) -> Received {
        Received {
            path: "/cb".into(),
            body: format!(r#"{{"responseCode":0,"data":{{"refNumber":"{ref_number}"}}}}"#)
                .into_bytes(),
            at: SystemTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn callbacks_are_kept_by_ref_number_and_taken_once() {
        let inbox = Inbox::new();
        assert!(inbox.deliver(callback("A")));
        assert!(inbox.deliver(callback("B")));
        assert!(inbox.deliver(callback("A")));
        assert_eq!(inbox.take("A").len(), 2);
        assert!(inbox.take("A").is_empty());
        inbox.deliver(callback("A"));
        let left = inbox.leftovers();
        assert_eq!(left.len(), 2, "B was never taken, A came again");
        let late: Vec<(Option<&str>, bool)> = left
            .iter()
            .map(|l| (l.ref_number.as_deref(), l.late))
            .collect();
        assert!(late.contains(&(Some("B"), false)) && late.contains(&(Some("A"), true)));
    }

    #[test]
    fn a_body_without_ref_number_is_a_leftover() {
        let inbox = Inbox::new();
        for body in [&b"not json"[..], br#"{"data":{"refNumber":""}}"#, b"{}"] {
            inbox.deliver(Received {
                path: "/".into(),
                body: body.to_vec(),
                at: SystemTime::UNIX_EPOCH,
            });
        }
        assert_eq!(inbox.leftovers().len(), 3);
    }

    #[test]
    fn a_full_inbox_drops_and_counts() {
        let inbox = Inbox::new();
        for _ in 0..MAX_HELD {
            assert!(inbox.deliver(callback("A")));
        }
        assert!(!inbox.deliver(callback("A")));
        assert_eq!(inbox.dropped(), 1);
        assert_eq!(inbox.take("A").len(), MAX_HELD);
        assert!(inbox.deliver(callback("A")), "room again once taken");
    }

    #[test]
    fn collect_returns_when_the_first_callback_came_and_lingered() {
        let inbox = std::sync::Arc::new(Inbox::new());
        let sender = inbox.clone();
        let thread = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            sender.deliver(callback("A"));
            sender.deliver(callback("A"));
        });
        let started = Instant::now();
        let got = inbox.collect(
            "A",
            Duration::from_secs(10),
            Duration::from_millis(20),
            &Stop::new(),
        );
        thread.join().ok();
        assert_eq!(got.received.len(), 2);
        assert!(!got.interrupted);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "did not wait the limit"
        );
    }

    #[test]
    fn collect_gives_up_at_the_limit_and_at_a_stop() {
        let inbox = Inbox::new();
        let got = inbox.collect("A", Duration::from_millis(30), Duration::ZERO, &Stop::new());
        assert!(got.received.is_empty() && !got.interrupted);
        let stop = Stop::new();
        stop.request();
        let got = inbox.collect("A", Duration::from_secs(60), Duration::ZERO, &stop);
        assert!(got.interrupted);
    }
}
