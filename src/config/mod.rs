//! `ppob-contract.toml`: the cases to run and how to reach the sandbox.
//!
//! Every field is optional; flags override the file, and the environment
//! (`PPOB_BASE_URL`, `PPOB_API_KEY`, `PPOB_API_SECRET`) overrides the file
//! too. Credentials belong in the environment or in this file (kept out of
//! version control), never in a flag.
//!
//! ```toml
//! target = "https://sandbox.partner.example"   # omit: the built-in simulator
//! body_mode = "token-only"                      # or "token-and-body"
//! connect_timeout = "5s"
//! timeout = "30s"
//! max_body = "8MiB"                             # longest answer body read
//! ref_prefix = "PPOBCT"                        # letters and digits, at most 19
//! max_amount = 10000000                         # refuse to pay more (rupiah) against a sandbox
//!
//! [credentials]            # better: PPOB_API_KEY / PPOB_API_SECRET
//! key = "..."
//! secret = "..."
//!
//! [polling]                # defaults: 150s, 10s, 60s, 15m against a sandbox
//! first_wait = "150s"
//! interval = "10s"
//! max_interval = "60s"
//! deadline = "15m"
//!
//! [report]               # what a CI job would pass as flags
//! require_codes = [0, 299, 300, 188]
//! deny_warnings = false
//! [report.files]           # as --report FORMAT=PATH
//! junit = "out/junit.xml"
//! sarif = "out/contract.sarif"
//!
//! [severity]               # as --severity RULE=LEVEL (flags win)
//! "inquiry.amount-equals-bill-sum" = "warning"
//!
//! [callbacks]              # as check --callback-listen / --callback-url / --callback-wait
//! listen = "127.0.0.1:9000"  # turns callbacks on
//! url = "https://tunnel.example/ppob-callback"
//! wait = "60s"
//!
//! [fuzz]                   # defaults of the fuzz flags of the same names
//! seed = 42
//! cases = 300
//! max_time = "5m"
//! rate = 20
//!
//! [[case]]
//! name = "unpaid"
//! account = "0811111111"
//! product = "product-code"
//! expect = "success"       # success | pending | failed | failed:302,309
//! ```

pub mod error;
mod fields;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use ppob_check::flow::Case;
use ppob_check::flow::pacing::Pacing;
use ppob_transport::auth::{BodyMode, Credentials};

/// The default config file name, looked up in the working directory.
pub const DEFAULT_CONFIG: &str = "ppob-contract.toml";

/// The parsed config file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Base URL of the sandbox; absent means the built-in simulator.
    #[serde(default)]
    pub target: Option<String>,
    /// How fields travel besides TOKEN.
    #[serde(default)]
    pub body_mode: Option<BodyMode>,
    /// Connection timeout.
    #[serde(default, with = "opt_duration")]
    pub connect_timeout: Option<Duration>,
    /// Total timeout of one request.
    #[serde(default, with = "opt_duration")]
    pub timeout: Option<Duration>,
    /// Longest answer body read (bytes, or a size such as `"8MiB"`).
    #[serde(default, with = "ppob_transport::size::opt_size_text")]
    pub max_body: Option<u64>,
    /// Prefix of generated refNumbers (ASCII letters and digits, at most 19).
    #[serde(default, deserialize_with = "ref_prefix")]
    pub ref_prefix: Option<String>,
    /// The largest amount (rupiah) `check` pays against a real target.
    #[serde(default)]
    pub max_amount: Option<u64>,
    /// API key and secret (the environment wins).
    #[serde(default)]
    pub credentials: Option<CredentialsSection>,
    /// Status polling overrides.
    #[serde(default)]
    pub polling: PollingSection,
    /// The cases, in order.
    #[serde(default, rename = "case")]
    pub cases: Vec<Case>,
    /// `[report]`: report files, the coverage gate, strictness.
    #[serde(default)]
    pub report: ReportSection,
    /// `[severity]`: rule id → `error`, `warning` or `off` (flags win).
    #[serde(default)]
    pub severity: std::collections::BTreeMap<String, String>,
    /// `[fuzz]`: defaults of `fuzz`'s options (flags win).
    #[serde(default)]
    pub fuzz: FuzzSection,
    /// `[callbacks]`: `check`'s callback receiver (flags win).
    #[serde(default)]
    pub callbacks: CallbacksSection,
}

/// `[callbacks]`: as `check --callback-listen`, `--callback-url` and
/// `--callback-wait`; `listen` turns callbacks on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallbacksSection {
    /// `--callback-listen`: where the receiver listens, e.g. `"127.0.0.1:9000"`.
    #[serde(default)]
    pub listen: Option<std::net::SocketAddr>,
    /// `--callback-url`: the URL payments name.
    #[serde(default)]
    pub url: Option<String>,
    /// `--callback-wait`.
    #[serde(default, with = "opt_duration")]
    pub wait: Option<Duration>,
    /// `--callback-max-held`: callbacks held at once before 503 (at least 1).
    #[serde(default, deserialize_with = "positive_u32")]
    pub max_held: Option<u32>,
}

/// A whole number of at least 1, if given.
fn positive_u32<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let n = Option::<u32>::deserialize(d)?;
    if n == Some(0) {
        return Err(serde::de::Error::custom("must be at least 1"));
    }
    Ok(n)
}

/// `[report]`: what a CI job would otherwise pass as flags.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSection {
    /// Report files by format, e.g. `junit = "out/junit.xml"` (as `--report junit=…`).
    #[serde(default)]
    pub files: std::collections::BTreeMap<String, PathBuf>,
    /// Response codes the target must answer at least once (as `--require-codes`).
    #[serde(default)]
    pub require_codes: Vec<i64>,
    /// Exit 1 on warnings too (as `--deny-warnings`).
    #[serde(default)]
    pub deny_warnings: bool,
    /// Undocumented fields are errors (as `--strict`).
    #[serde(default)]
    pub strict: bool,
}

/// `[fuzz]`: each field is the default of the `fuzz` flag of the same name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FuzzSection {
    /// `--seed`.
    #[serde(default)]
    pub seed: Option<u64>,
    /// `--cases`.
    #[serde(default)]
    pub cases: Option<u64>,
    /// `--max-time`.
    #[serde(default, with = "opt_duration")]
    pub max_time: Option<Duration>,
    /// `--jobs`.
    #[serde(default)]
    pub jobs: Option<u16>,
    /// `--rate` (requests a second).
    #[serde(default)]
    pub rate: Option<u32>,
    /// `--max-failures`.
    #[serde(default)]
    pub max_failures: Option<usize>,
    /// `--latency-budget`.
    #[serde(default, with = "opt_duration")]
    pub latency_budget: Option<Duration>,
    /// `--regressions`.
    #[serde(default)]
    pub regressions: Option<PathBuf>,
}

/// `[credentials]`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialsSection {
    /// The API key (also the partnerId).
    pub key: String,
    /// The signing secret.
    pub secret: String,
}

impl fmt::Debug for CredentialsSection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CredentialsSection([redacted])")
    }
}

impl CredentialsSection {
    /// As [`Credentials`].
    pub fn credentials(&self) -> Credentials {
        Credentials::new(&self.key, &self.secret)
    }
}

/// `[polling]`: each field overrides the default schedule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PollingSection {
    /// Wait before the first status call.
    #[serde(default, with = "opt_duration")]
    pub first_wait: Option<Duration>,
    /// First interval between status calls (doubles).
    #[serde(default, with = "opt_duration")]
    pub interval: Option<Duration>,
    /// Longest interval.
    #[serde(default, with = "opt_duration")]
    pub max_interval: Option<Duration>,
    /// When to give up, counted from the payment.
    #[serde(default, with = "opt_duration")]
    pub deadline: Option<Duration>,
}

impl PollingSection {
    /// `base` with this section's fields applied.
    pub fn apply(&self, base: Pacing) -> Pacing {
        Pacing {
            first_wait: self.first_wait.unwrap_or(base.first_wait),
            interval: self.interval.unwrap_or(base.interval),
            max_interval: self.max_interval.unwrap_or(base.max_interval),
            deadline: self.deadline.unwrap_or(base.deadline),
        }
    }
}

fn ref_prefix<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let prefix = String::deserialize(d)?;
    ppob_check::flow::refs::check_prefix(&prefix).map_err(serde::de::Error::custom)?;
    Ok(Some(prefix))
}

mod opt_duration {
    use std::time::Duration;

    use serde::Deserializer;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        ppob_check::flow::pacing::duration_text::deserialize(d).map(Some)
    }
}

/// Why the config file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// It could not be read.
    #[error("{path}: cannot read the config file: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The reason.
        source: std::io::Error,
    },
    /// It is not valid TOML of the expected shape (the message names line and column).
    #[error("{path}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// Line, column, key and what was expected; never the offending
        /// line or a credential value ([`error`]).
        message: String,
    },
    /// A case is unusable.
    #[error("{path}: case {index} ({name}): {problem}")]
    Case {
        /// The file.
        path: PathBuf,
        /// 1-based position of the `[[case]]`.
        index: usize,
        /// Its name.
        name: String,
        /// What is wrong.
        problem: String,
    },
}

impl Config {
    /// Reads and checks a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(path, &text)
    }

    /// Parses config text; `path` names it in errors.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: path.to_owned(),
            message: error::describe(text, &e),
        })?;
        for format in config.report.files.keys() {
            if let Err(problem) = format.parse::<ppob_report::Format>() {
                return Err(ConfigError::Syntax {
                    path: path.to_owned(),
                    message: format!("[report.files] {problem}"),
                });
            }
        }
        if config.fuzz.rate == Some(0) || config.fuzz.jobs == Some(0) {
            return Err(ConfigError::Syntax {
                path: path.to_owned(),
                message: "[fuzz] rate and jobs must be above 0".into(),
            });
        }
        let mut names = std::collections::BTreeSet::new();
        for (i, case) in config.cases.iter_mut().enumerate() {
            let problem = |problem: String| ConfigError::Case {
                path: path.to_owned(),
                index: i + 1,
                name: case.name.clone(),
                problem,
            };
            if case.account.trim().is_empty() {
                return Err(problem("`account` is empty".into()));
            }
            *case = case.clone().named();
            if !names.insert(case.name.clone()) {
                return Err(ConfigError::Case {
                    path: path.to_owned(),
                    index: i + 1,
                    name: case.name.clone(),
                    problem: "another case has the same name; names must be unique".into(),
                });
            }
        }
        Ok(config)
    }

    /// Loads `explicit` if given, else `ppob-contract.toml` in the working
    /// directory if it exists, else the empty config.
    pub fn discover(explicit: Option<&Path>) -> Result<(Self, Option<PathBuf>), ConfigError> {
        match explicit {
            Some(path) => Ok((Self::load(path)?, Some(path.to_owned()))),
            None => {
                let default = Path::new(DEFAULT_CONFIG);
                if default.is_file() {
                    Ok((Self::load(default)?, Some(default.to_owned())))
                } else {
                    Ok((Self::default(), None))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ppob_check::flow::Expectation;

    #[test]
    fn a_full_config_parses() {
        let text = r#"
target = "http://127.0.0.1:8080"
body_mode = "token-and-body"
timeout = "2s"
[credentials]
key = "k"
secret = "s"
[polling]
first_wait = "150s"
deadline = "2m"
[[case]]
account = "0811111111"
[[case]]
name = "paid"
account = "0811111113"
expect = "failed:302"
"#;
        let c = Config::parse(Path::new("x.toml"), text).unwrap();
        assert_eq!(c.body_mode, Some(BodyMode::TokenAndBody));
        assert_eq!(c.timeout, Some(Duration::from_secs(2)));
        assert_eq!(c.cases.len(), 2);
        assert_eq!(c.cases[0].name, "0811111111");
        assert_eq!(c.cases[1].expect, Expectation::Failed(vec![302]));
        let pacing = c.polling.apply(Pacing::simulator());
        assert_eq!(pacing.first_wait, Duration::from_secs(150));
        assert_eq!(pacing.interval, Pacing::simulator().interval);
        assert_eq!(pacing.deadline, Duration::from_secs(120));
    }

    #[test]
    fn errors_name_the_file_and_the_line() {
        let err = Config::parse(Path::new("ppob-contract.toml"), "timeout = \"soon\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("ppob-contract.toml: "), "{err}");
        assert!(err.contains("line 1"), "{err}");
        assert!(err.contains("not a duration"), "{err}");

        let err = Config::parse(
            Path::new("c.toml"),
            "[[case]]\naccount = \"1\"\nexpect = \"maybe\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("line 3") && err.contains("unknown expectation"),
            "{err}"
        );

        let err = Config::parse(Path::new("c.toml"), "tarrget = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field"), "{err}");
    }

    #[test]
    fn the_callbacks_section_is_read_and_checked() {
        let c = Config::parse(
            Path::new("c.toml"),
            "[callbacks]\nlisten = \"127.0.0.1:9000\"\nwait = \"45s\"\nmax_held = 50\n",
        )
        .unwrap();
        assert_eq!(c.callbacks.listen, Some(([127, 0, 0, 1], 9000).into()));
        assert_eq!(c.callbacks.wait, Some(Duration::from_secs(45)));
        assert_eq!(c.callbacks.max_held, Some(50));
        let err = Config::parse(Path::new("c.toml"), "[callbacks]\nlisten = \"nowhere\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("c.toml") && err.contains("listen"), "{err}");
    }

    #[test]
    fn the_documented_example_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ppob-contract.example.toml");
        let c = Config::load(&path).unwrap();
        assert_eq!(c.cases.len(), 3);
        assert_eq!(c.cases[2].name, "wrong account");
        assert_eq!(c.cases[1].expect, Expectation::Failed(vec![302, 309]));
        // A sandbox target with the sandbox's accounts: none of the simulator's, which a
        // sandbox does not have, and no case that waits out the 15-minute deadline.
        assert!(c.target.is_some());
        for case in &c.cases {
            assert!(
                !ppob_sim::test_accounts()
                    .iter()
                    .any(|a| a.number == case.account),
                "{} is a simulator account beside a sandbox target",
                case.account
            );
            assert_ne!(case.expect, Expectation::Pending, "{}", case.name);
        }
        assert_eq!(c.polling.apply(Pacing::simulator()), Pacing::sandbox());
        assert!(c.credentials.is_none());
        assert_eq!(
            c.max_amount,
            Some(ppob_check::flow::conversation::DEFAULT_MAX_AMOUNT)
        );
    }

    #[test]
    fn ref_prefixes_and_amount_limits_are_read_and_checked() {
        let c = Config::parse(
            Path::new("c.toml"),
            "ref_prefix = \"CI42\"\nmax_amount = 500000\n",
        )
        .unwrap();
        assert_eq!(c.ref_prefix.as_deref(), Some("CI42"));
        assert_eq!(c.max_amount, Some(500_000));
        let err = Config::parse(
            Path::new("c.toml"),
            "timeout = \"1s\"\nref_prefix = \"CI-42\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("c.toml: ")
                && err.contains("line 2")
                && err.contains("letters and digits"),
            "{err}"
        );
        let err = Config::parse(Path::new("c.toml"), "max_amount = -1\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 1"), "{err}");
    }

    #[test]
    fn report_severity_and_fuzz_sections_parse() {
        let text = r#"
[report]
require_codes = [0, 299, 300, 188]
deny_warnings = true
[report.files]
junit = "out/junit.xml"
sarif = "out/contract.sarif"
[severity]
"inquiry.amount-equals-bill-sum" = "warning"
[fuzz]
seed = 42
cases = 300
max_time = "5m"
rate = 20
"#;
        let c = Config::parse(Path::new("c.toml"), text).unwrap();
        assert_eq!(c.report.require_codes, vec![0, 299, 300, 188]);
        assert!(c.report.deny_warnings && !c.report.strict);
        assert_eq!(c.report.files["junit"], PathBuf::from("out/junit.xml"));
        assert_eq!(c.severity["inquiry.amount-equals-bill-sum"], "warning");
        assert_eq!(c.fuzz.max_time, Some(Duration::from_secs(300)));
        assert_eq!(c.fuzz.rate, Some(20));
        let err = Config::parse(Path::new("c.toml"), "[report.files]\nxml = \"a\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("c.toml") && err.contains("xml") && err.contains("junit"),
            "{err}"
        );
    }

    #[test]
    fn duplicate_case_names_are_refused() {
        let text = "[[case]]\naccount = \"1\"\n[[case]]\naccount = \"1\"\n";
        let err = Config::parse(Path::new("c.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(err.contains("case 2") && err.contains("same name"), "{err}");
    }

    #[test]
    fn a_typo_lists_the_valid_keys_unmasked() {
        for (text, typo, valid) in [
            (
                "[fuzz]\nseeds = 4\n",
                "seeds",
                &["seed", "cases", "rate", "jobs", "max_time"][..],
            ),
            (
                "[callbacks]\nlistn = \"127.0.0.1:9\"\n",
                "listn",
                &["listen", "url", "wait"],
            ),
            (
                "[report]\nrequire_code = [0]\n",
                "require_code",
                &["require_codes", "strict", "deny_warnings"],
            ),
            (
                "tarrget = \"x\"\n",
                "tarrget",
                &["target", "max_amount", "callbacks"],
            ),
            (
                "[[case]]\naccount = \"1\"\nexpected = \"success\"\n",
                "expected",
                &["expect", "account"],
            ),
        ] {
            let err = Config::parse(Path::new("c.toml"), text)
                .unwrap_err()
                .to_string();
            assert!(err.contains(&format!("unknown field `{typo}`")), "{err}");
            for key in valid {
                assert!(err.contains(&format!("`{key}`")), "{key} not shown: {err}");
            }
            assert!(!err.contains(error::MASK), "{err}");
        }
    }

    #[test]
    fn plain_values_are_quoted_and_credentials_stay_masked() {
        let err = Config::parse(Path::new("c.toml"), "[callbacks]\nwait = \"later\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("key `wait`") && err.contains("later"), "{err}");
        for text in [
            "[credentials]\nkey = \"k\"\nsecret = 7777777\n",
            "credentials = { key = \"k\", secret = 7777777 }\n",
            "[credentials]\nkey = \"k\"\nsecret = \"s\"\ntimeout = 7777777\n",
            "[credentials]\nkey = 7777777\nsecret = \"s\"\n",
        ] {
            let err = Config::parse(Path::new("c.toml"), text)
                .unwrap_err()
                .to_string();
            assert!(!err.contains("7777777"), "{text}: {err}");
        }
    }

    #[test]
    fn credentials_do_not_debug_print() {
        let text = "[credentials]\nkey = \"KEY-CANARY\"\nsecret = \"SECRET-CANARY\"\n";
        let c = Config::parse(Path::new("c.toml"), text).unwrap();
        assert!(!format!("{c:?}").contains("CANARY"));
    }
}
