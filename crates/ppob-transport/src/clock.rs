//! Time as the simulator and the status poller see it.
//!
//! Against a real server both use [`SystemClock`]. In process, the simulator
//! and `check` share a [`ManualClock`]: waiting advances it instantly, so a
//! flow with a 150 s first wait runs in microseconds and stays deterministic.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// A source of time that can also wait.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Time elapsed since the clock started.
    fn now(&self) -> Duration;
    /// Waits `duration` (or, for a simulated clock, advances it).
    fn sleep(&self, duration: Duration);
    /// The wall-clock time matching [`Clock::now`], for timestamps in cassettes.
    fn wall(&self) -> SystemTime;
    /// Whether this clock's time is simulated (its waits take no real time): durations it
    /// measures must not be shown as real ones.
    fn is_simulated(&self) -> bool {
        false
    }
}

/// Real time.
#[derive(Debug)]
pub struct SystemClock {
    start: Instant,
    start_wall: SystemTime,
}

impl SystemClock {
    /// A clock starting now.
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
            start_wall: SystemTime::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.start.elapsed()
    }
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
    fn wall(&self) -> SystemTime {
        self.start_wall + self.now()
    }
}

/// Simulated time: starts at zero and moves only when someone sleeps or advances it.
#[derive(Debug)]
pub struct ManualClock {
    nanos: AtomicU64,
    start_wall: SystemTime,
}

impl ManualClock {
    /// A simulated clock at zero, whose wall time starts now.
    pub fn new() -> Self {
        Self {
            nanos: AtomicU64::new(0),
            start_wall: SystemTime::now(),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, duration: Duration) {
        let nanos = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
        self.nanos.fetch_add(nanos, Ordering::Relaxed);
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::Relaxed))
    }
    fn sleep(&self, duration: Duration) {
        self.advance(duration);
    }
    fn wall(&self) -> SystemTime {
        self.start_wall + self.now()
    }
    fn is_simulated(&self) -> bool {
        true
    }
}

/// A clock whose waits end early once a stop was asked: a run that was
/// interrupted does not sit out a 150 s first wait before it can report.
#[derive(Debug)]
pub struct Interruptible {
    inner: std::sync::Arc<dyn Clock>,
    stop: std::sync::Arc<crate::stop::Stop>,
}

impl Interruptible {
    /// Longest stretch slept before the stop request is read again.
    const SLICE: Duration = Duration::from_millis(100);

    /// `inner`'s time; its waits cut short by `stop`.
    pub fn new(inner: std::sync::Arc<dyn Clock>, stop: std::sync::Arc<crate::stop::Stop>) -> Self {
        Self { inner, stop }
    }
}

impl Clock for Interruptible {
    fn now(&self) -> Duration {
        self.inner.now()
    }

    fn sleep(&self, duration: Duration) {
        let mut left = duration;
        while !left.is_zero() && !self.stop.is_requested() {
            let step = left.min(Self::SLICE);
            self.inner.sleep(step);
            left -= step;
        }
    }

    fn wall(&self) -> SystemTime {
        self.inner.wall()
    }

    fn is_simulated(&self) -> bool {
        self.inner.is_simulated()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_slept() {
        let clock = ManualClock::new();
        assert_eq!(clock.now(), Duration::ZERO);
        clock.sleep(Duration::from_secs(150));
        assert_eq!(clock.now(), Duration::from_secs(150));
        let wall = clock.wall();
        assert_eq!(clock.wall(), wall);
    }

    #[test]
    fn the_system_clock_moves_forward() {
        let clock = SystemClock::new();
        let a = clock.now();
        clock.sleep(Duration::from_millis(2));
        assert!(clock.now() > a);
    }
}
