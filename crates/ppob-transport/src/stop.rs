//! A stop request shared by a run's threads: set once (by a signal handler
//! or by a library user), read everywhere a run could start something new.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Whether a run was asked to stop, and by which signal. Cheap to read; a
/// signal handler may set it ([`Stop::as_atomic`] for `signal-hook`).
#[derive(Debug, Default)]
pub struct Stop(AtomicUsize);

/// The number [`Stop::request`] stores when no signal asked (a library call).
const BY_CALLER: usize = usize::MAX;

impl Stop {
    /// Not stopped.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the run to stop (not by a signal).
    pub fn request(&self) {
        let _ = self
            .0
            .compare_exchange(0, BY_CALLER, Ordering::SeqCst, Ordering::SeqCst);
    }

    /// Whether a stop was asked.
    pub fn is_requested(&self) -> bool {
        self.0.load(Ordering::SeqCst) != 0
    }

    /// The signal that asked to stop, if one did.
    pub fn signal(&self) -> Option<i32> {
        match self.0.load(Ordering::SeqCst) {
            0 | BY_CALLER => None,
            n => i32::try_from(n).ok(),
        }
    }

    /// The flag itself, for `signal_hook::flag::register_usize` (which
    /// stores the signal's number in it).
    pub fn as_atomic(&self) -> &AtomicUsize {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stop_remembers_who_asked() {
        let stop = Stop::new();
        assert!(!stop.is_requested());
        assert_eq!(stop.signal(), None);
        stop.as_atomic().store(15, Ordering::SeqCst);
        assert!(stop.is_requested());
        assert_eq!(stop.signal(), Some(15));
        stop.request();
        assert_eq!(stop.signal(), Some(15), "a later request keeps the signal");

        let by_caller = Stop::new();
        by_caller.request();
        assert!(by_caller.is_requested());
        assert_eq!(by_caller.signal(), None);
    }
}
