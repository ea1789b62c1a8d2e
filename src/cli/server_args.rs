//! The options of the commands that serve HTTP on their own listener (`mock`,
//! `proxy`): the connection limits, defined once with one help text, and the
//! positive-duration parser their timeouts share.

use std::time::Duration;

use clap::Args;

use super::sim_args::parse_duration;
use ppob_transport::listener::{DEFAULT_MAX_CONNECTIONS, ServerLimits};

/// How long clients may take and how many may be connected.
#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// How long a client may take to send a request's head, from its first byte (and, again,
    /// its body); a slower connection is closed (a body: answered 408).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = positive_duration,
          help_heading = "Connections")]
    pub header_timeout: Duration,

    /// How long a connection may stay open without a request (after connecting or between
    /// requests) before it is closed.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = positive_duration,
          help_heading = "Connections")]
    pub idle_timeout: Duration,

    /// Open connections at most; one more closes the least useful idle one.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_CONNECTIONS as u32,
          value_parser = clap::value_parser!(u32).range(1..), help_heading = "Connections")]
    pub max_connections: u32,
}

impl ServerArgs {
    /// The connection limits these options give.
    pub fn limits(&self) -> ServerLimits {
        ServerLimits {
            header_timeout: self.header_timeout,
            idle_timeout: self.idle_timeout,
            max_connections: self.max_connections as usize,
        }
    }
}

/// A duration flag that must be longer than zero (`10s`, `500ms`).
pub fn positive_duration(s: &str) -> Result<Duration, String> {
    match parse_duration(s)? {
        Duration::ZERO => Err("must be longer than 0: write e.g. 10s, 500ms".into()),
        d => Ok(d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        server: ServerArgs,
    }

    #[test]
    fn limits_come_from_the_options_and_refuse_zero() {
        let cli =
            Cli::try_parse_from(["x", "--header-timeout", "2s", "--max-connections", "7"]).unwrap();
        let limits = cli.server.limits();
        assert_eq!(limits.header_timeout, Duration::from_secs(2));
        assert_eq!(limits.idle_timeout, Duration::from_secs(60));
        assert_eq!(limits.max_connections, 7);
        assert_eq!(
            Cli::try_parse_from(["x"]).unwrap().server.limits(),
            ServerLimits::default()
        );
        for bad in [
            ["--idle-timeout", "0s"],
            ["--header-timeout", "soon"],
            ["--max-connections", "0"],
        ] {
            assert!(
                Cli::try_parse_from(["x", bad[0], bad[1]]).is_err(),
                "{bad:?}"
            );
        }
    }
}
