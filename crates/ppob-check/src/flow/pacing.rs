//! When to ask for status: the first wait, the backoff and the deadline.
//!
//! api-facts: after a payment answered *processing* (or anything the money
//! rule treats as processing) the partner calls status, the first time 150
//! seconds later. Sandboxes and the simulator are faster, so all of it is
//! configurable.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The status polling schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pacing {
    /// Wait after a processing payment before the first status call.
    #[serde(with = "duration_text")]
    pub first_wait: Duration,
    /// Wait between status calls at first; doubles after each pending answer.
    #[serde(with = "duration_text")]
    pub interval: Duration,
    /// The longest wait between two status calls.
    #[serde(with = "duration_text")]
    pub max_interval: Duration,
    /// Give up (outcome `pending`) this long after the payment was sent.
    #[serde(with = "duration_text")]
    pub deadline: Duration,
}

impl Pacing {
    /// The documented schedule for real sandboxes: 150 s first wait, then
    /// 10 s doubling up to 60 s, for at most 15 minutes.
    pub fn sandbox() -> Self {
        Self {
            first_wait: Duration::from_secs(150),
            interval: Duration::from_secs(10),
            max_interval: Duration::from_secs(60),
            deadline: Duration::from_secs(15 * 60),
        }
    }

    /// The in-process simulator's schedule, in simulated time (costs no real time).
    pub fn simulator() -> Self {
        Self {
            first_wait: Duration::from_secs(2),
            interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(10),
            deadline: Duration::from_secs(60),
        }
    }

    /// No waiting at all (replaying a cassette).
    pub fn immediate() -> Self {
        Self {
            first_wait: Duration::ZERO,
            interval: Duration::ZERO,
            max_interval: Duration::ZERO,
            deadline: Duration::MAX,
        }
    }

    /// The wait after `current`: doubled, at most `max_interval`.
    pub fn next_interval(&self, current: Duration) -> Duration {
        current.saturating_mul(2).min(self.max_interval)
    }

    /// The time left before the deadline, `spent` after the payment was sent.
    pub fn left(&self, spent: Duration) -> Duration {
        self.deadline.saturating_sub(spent)
    }

    /// A wait of `wanted`, cut so that it ends at the deadline at the latest
    /// (a `--first-wait` longer than `--deadline` waits until the deadline).
    pub fn clip(&self, wanted: Duration, spent: Duration) -> Duration {
        wanted.min(self.left(spent))
    }
}

/// Durations as humantime text (`150s`, `2m 30s`) in config files.
pub mod duration_text {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `d` as humantime text (`2m 30s`).
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&humantime::format_duration(*d))
    }

    /// Reads humantime text; anything else is an error that shows an example.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(d)?;
        humantime::parse_duration(&text).map_err(|e| {
            serde::de::Error::custom(format!(
                "`{text}` is not a duration ({e}); write e.g. \"150s\", \"500ms\", \"2m\""
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_double_up_to_the_cap() {
        let p = Pacing::sandbox();
        assert_eq!(
            p.next_interval(Duration::from_secs(10)),
            Duration::from_secs(20)
        );
        assert_eq!(
            p.next_interval(Duration::from_secs(40)),
            Duration::from_secs(60)
        );
        assert_eq!(
            p.next_interval(Duration::from_secs(60)),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn waits_end_at_the_deadline_at_the_latest() {
        let p = Pacing {
            first_wait: Duration::from_secs(8),
            deadline: Duration::from_secs(2),
            ..Pacing::sandbox()
        };
        assert_eq!(
            p.clip(p.first_wait, Duration::from_millis(300)),
            Duration::from_millis(1700)
        );
        assert_eq!(p.clip(p.first_wait, Duration::from_secs(5)), Duration::ZERO);
        assert_eq!(
            p.left(Duration::from_millis(500)),
            Duration::from_millis(1500)
        );
        assert_eq!(
            p.clip(Duration::from_secs(1), Duration::ZERO),
            Duration::from_secs(1)
        );
        assert_eq!(
            Pacing::immediate().left(Duration::from_secs(3600)),
            Duration::MAX - Duration::from_secs(3600)
        );
    }

    #[test]
    fn the_sandbox_default_waits_150_seconds_first() {
        assert_eq!(Pacing::sandbox().first_wait, Duration::from_secs(150));
    }
}
