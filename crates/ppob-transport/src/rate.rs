//! A requests-per-second cap shared by every worker (`--rate` of `check` and
//! `fuzz`), for real sandboxes that must not be flooded.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Spaces requests at least `1 / rate` seconds apart, across threads.
#[derive(Debug)]
pub struct RateLimiter {
    gap: Duration,
    next: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// A limiter allowing `per_second` requests a second (at least one).
    pub fn new(per_second: u32) -> Self {
        Self {
            gap: Duration::from_secs(1) / per_second.max(1),
            next: Mutex::new(None),
        }
    }

    /// Waits until the next request may go.
    pub fn acquire(&self) {
        let wait = {
            let mut next = self
                .next
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + self.gap);
            slot.saturating_duration_since(now)
        };
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_spaced_by_the_rate() {
        let limiter = RateLimiter::new(200);
        let start = Instant::now();
        for _ in 0..11 {
            limiter.acquire();
        }
        // Ten gaps of 5 ms: at least 50 ms, whatever the machine's speed.
        assert!(
            start.elapsed() >= Duration::from_millis(50),
            "{:?}",
            start.elapsed()
        );
    }
}
