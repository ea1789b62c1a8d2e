//! Where `check` and `fuzz` send requests and with which credentials: flags
//! first, then the environment, then `ppob-contract.toml`.

use std::path::Path;
use std::time::Duration;

use crate::flow::config::{Config, ConfigError};
use crate::transport::auth::{Credentials, CredentialsError};
use crate::transport::http::{DEFAULT_TIMEOUT, HttpConfig, HttpSetupError, HttpTransport};

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
    connect_timeout: Option<Duration>,
}

impl Connection {
    /// Reads the config file (`config`, or `./ppob-contract.toml` when it
    /// exists) and the environment, under the flags given.
    pub fn resolve(
        config: Option<&Path>,
        target: Option<&str>,
        timeout: Option<Duration>,
        connect_timeout: Option<Duration>,
    ) -> Result<Self, ConnectionError> {
        let (config, _) = Config::discover(config)?;
        let from_env = Credentials::from_env()?;
        let credentials = from_env.or_else(|| config.credentials.as_ref().map(|c| c.credentials()));
        Ok(Self {
            target: target.map(str::to_owned).or(config.target.clone()),
            timeout: timeout.or(config.timeout).unwrap_or(DEFAULT_TIMEOUT),
            connect_timeout: connect_timeout.or(config.connect_timeout),
            credentials,
            config,
        })
    }

    /// An HTTP transport to `url` and the credentials it needs.
    pub fn http(&self, url: &str) -> Result<(HttpTransport, Credentials), ConnectionError> {
        let mut http = HttpConfig::new(url);
        http.timeout = self.timeout;
        if let Some(c) = self.connect_timeout {
            http.connect_timeout = c;
        }
        let transport = HttpTransport::new(http)?;
        let credentials = self
            .credentials
            .clone()
            .ok_or_else(|| ConnectionError::NoCredentials(url.to_owned()))?;
        Ok((transport, credentials))
    }

    /// The credentials, or the simulator's demo partner.
    pub fn credentials_or_demo(&self) -> Credentials {
        self.credentials
            .clone()
            .unwrap_or_else(Credentials::simulator_demo)
    }
}
