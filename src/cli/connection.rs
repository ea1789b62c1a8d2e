//! Where `check` and `fuzz` send requests and with which credentials: flags
//! first, then the environment, then `ppob-contract.toml`.

use super::choice::choice;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::sim_args::parse_duration;
use ppob_contract::config::{Config, ConfigError};
use ppob_transport::auth::{BodyMode, Credentials, CredentialsError};
use ppob_transport::http::{
    DEFAULT_MAX_BODY, DEFAULT_TIMEOUT, HttpConfig, HttpSetupError, HttpTransport,
};
use ppob_transport::redact::redact_url;
use ppob_transport::size::parse_size;

/// The options saying where requests go and how (shared by `check` and `fuzz`).
#[derive(Debug, Clone, Args)]
pub struct ConnectionArgs {
    /// Config file (default: ./ppob-contract.toml when it exists): target, credentials, body
    /// mode, timeouts, cases.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Base URL of a sandbox or of a running `ppob-contract mock`. Default: the in-process
    /// simulator (no network).
    #[arg(long, value_name = "URL", env = "PPOB_BASE_URL")]
    pub target: Option<String>,

    /// Send the fields only in TOKEN (token-only, the documented default) or also as a JSON body.
    #[arg(long, value_parser = choice::<BodyMode>(), value_name = "MODE")]
    pub body_mode: Option<BodyMode>,

    /// Time allowed for one request, connection to last byte [30s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,

    /// Time allowed to open a connection [5s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub connect_timeout: Option<Duration>,

    /// Longest answer body read from a target, e.g. 8MiB, 512KiB, 1048576 [8MiB]. A longer
    /// (or endless) answer stops there and counts as unusable: on a payment, processing.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_body: Option<u64>,
}

/// Why the connection settings are unusable (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    /// The config file could not be read.
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// The credential variables are half set or empty.
    #[error("{0}")]
    Credentials(#[from] CredentialsError),
    /// A real target and no credentials.
    #[error(
        "no credentials for {0}: set PPOB_API_KEY and PPOB_API_SECRET, or [credentials] in ppob-contract.toml"
    )]
    NoCredentials(String),
    /// The HTTP client could not be built (bad URL, zero timeout).
    #[error("{0}")]
    Http(#[from] HttpSetupError),
}

/// The connection settings of a run.
pub struct Connection {
    /// The config file (empty when there is none).
    pub config: Config,
    /// `PPOB_API_KEY` / `PPOB_API_SECRET`, else the config's `[credentials]`.
    pub credentials: Option<Credentials>,
    /// `--target` (or `PPOB_BASE_URL`), else the config's `target`.
    pub target: Option<String>,
    /// `--timeout`, else the config's, else [`DEFAULT_TIMEOUT`].
    pub timeout: Duration,
    /// `--body-mode`, else the config's, else token-only.
    pub body_mode: BodyMode,
    /// `--max-body`, else the config's, else [`DEFAULT_MAX_BODY`].
    pub max_body: u64,
    connect_timeout: Option<Duration>,
}

impl Connection {
    /// Reads the config file (`--config`, or `./ppob-contract.toml` when it
    /// exists) and the environment, under the flags given.
    pub fn resolve(args: &ConnectionArgs) -> Result<Self, ConnectionError> {
        let (config, _) = Config::discover(args.config.as_deref())?;
        let from_env = Credentials::from_env()?;
        let credentials = from_env.or_else(|| config.credentials.as_ref().map(|c| c.credentials()));
        Ok(Self {
            target: args.target.clone().or(config.target.clone()),
            timeout: args.timeout.or(config.timeout).unwrap_or(DEFAULT_TIMEOUT),
            connect_timeout: args.connect_timeout.or(config.connect_timeout),
            body_mode: args.body_mode.or(config.body_mode).unwrap_or_default(),
            max_body: args
                .max_body
                .or(config.max_body)
                .unwrap_or(DEFAULT_MAX_BODY),
            credentials,
            config,
        })
    }

    /// An HTTP transport to `url` and the credentials it needs. With none
    /// set and a loopback `url` (a local `ppob-contract mock`), the
    /// simulator's demo credentials, said in one line on stderr.
    #[allow(clippy::print_stderr)]
    pub fn http(&self, url: &str) -> Result<(HttpTransport, Credentials), ConnectionError> {
        let mut http = HttpConfig::new(url);
        http.timeout = self.timeout;
        http.max_body = self.max_body;
        if let Some(c) = self.connect_timeout {
            http.connect_timeout = c;
        }
        let transport = HttpTransport::new(http)?;
        let credentials = match (&self.credentials, Credentials::demo_for_loopback(url)) {
            (Some(set), _) => set.clone(),
            (None, Some(demo)) => {
                let url = redact_url(url);
                eprintln!(
                    "ppob-contract: no credentials set; using the simulator's demo partner for the loopback target {url} \
(a `ppob-contract mock`); set PPOB_API_KEY and PPOB_API_SECRET for anything else"
                );
                demo
            }
            (None, None) => {
                return Err(ConnectionError::NoCredentials(redact_url(url).into_owned()));
            }
        };
        Ok((transport, credentials))
    }

    /// The credentials, or the simulator's demo partner.
    pub fn credentials_or_demo(&self) -> Credentials {
        self.credentials
            .clone()
            .unwrap_or_else(Credentials::simulator_demo)
    }
}
