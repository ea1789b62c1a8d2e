//! The simulator's options, shared by `check` (in-process) and `mock` (over HTTP).

use super::choice::choice;
use std::time::Duration;

use clap::Args;

use ppob_sim::{Bug, DuplicatePolicy, FaultRules, SimConfig, UnknownFields};
use ppob_transport::auth::Credentials;

/// Reads a duration flag (`150s`, `500ms`, `2m`).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("{e}: write e.g. 150s, 500ms, 2m"))
}

fn parse_faults(s: &str) -> Result<FaultRules, String> {
    s.parse()
        .map_err(|e: ppob_sim::FaultParseError| e.to_string())
}

/// How the simulator behaves.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Simulator")]
pub struct SimArgs {
    /// A payment answers 299 (processing) and becomes final this long after it was made.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration)]
    pub settle_after: Duration,

    /// An inquiry older than this makes its payment fail with 312.
    #[arg(long, value_name = "DURATION", default_value = "15m", value_parser = parse_duration)]
    pub inquiry_ttl: Duration,

    /// What a payment reusing a refNumber gets: 102, 108, or the original transaction.
    #[arg(long, value_parser = choice::<DuplicatePolicy>(), value_name = "POLICY", default_value = "reject-102")]
    pub duplicate: DuplicatePolicy,

    /// What a request field the contract does not document gets: ignored and told (a log line
    /// and a ppob-contract-ignored header naming each, with the documented field it probably
    /// meant), ignored silently, or refused with 180 naming it. The vendor's behaviour is
    /// undocumented.
    #[arg(long, value_parser = choice::<UnknownFields>(), value_name = "POLICY", default_value = "ignore")]
    pub unknown_fields: UnknownFields,

    /// How long a timeout fault holds the connection (over HTTP) before dropping it.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub hang_for: Duration,

    /// Inject a fault for the whole run (repeatable): timeout, latency=300ms, 5xx[=503], garbage,
    /// code=500, pending-forever or drift, each optionally @inquiry|@payment|@status|@all
    /// (default @payment).
    #[arg(long = "fault", value_name = "FAULT[@OPERATION]", value_parser = parse_faults)]
    pub faults: Vec<FaultRules>,

    /// Deliberately break the simulator, to prove that `fuzz` (or `check --callback-listen`)
    /// finds it (repeatable): accept-negative-amount, double-charge, malformed-200,
    /// drop-inquiry-id; callback-contradicts-status, callback-twice, no-callback.
    #[arg(long = "bug", value_parser = choice::<Bug>(), value_name = "NAME")]
    pub bugs: Vec<Bug>,
}

impl SimArgs {
    /// The simulator configuration, accepting `credentials`.
    pub fn config(&self, credentials: Credentials) -> SimConfig {
        SimConfig {
            credentials,
            settle_after: self.settle_after,
            inquiry_ttl: self.inquiry_ttl,
            duplicate: self.duplicate,
            unknown_fields: self.unknown_fields,
            faults: self
                .faults
                .iter()
                .flat_map(|r| r.0.iter().copied())
                .collect(),
            bugs: self.bugs.clone(),
            ..SimConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse_durations_and_faults() {
        assert_eq!(parse_duration("200ms"), Ok(Duration::from_millis(200)));
        assert!(parse_duration("soon").is_err());
        assert_eq!(parse_faults("drift@all").unwrap().0.len(), 3);
        assert!(parse_faults("boom").unwrap_err().contains("timeout"));
    }

    #[test]
    fn bug_flags_reach_the_config() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            sim: SimArgs,
        }
        let cli =
            Cli::try_parse_from(["x", "--bug", "double-charge", "--bug", "malformed-200"]).unwrap();
        let config = cli.sim.config(Credentials::simulator_demo());
        assert_eq!(config.bugs, [Bug::DoubleCharge, Bug::Malformed200]);
        assert!(Cli::try_parse_from(["x", "--bug", "nope"]).is_err());
        let reject = Cli::try_parse_from(["x", "--unknown-fields", "reject"]).unwrap();
        let config = reject.sim.config(Credentials::simulator_demo());
        assert_eq!(config.unknown_fields, UnknownFields::Reject);
        let none = Cli::try_parse_from(["x"]).unwrap();
        assert_eq!(none.sim.unknown_fields, UnknownFields::Ignore);
        assert!(
            none.sim
                .config(Credentials::simulator_demo())
                .bugs
                .is_empty()
        );
    }
}
