//! `ppob-contract proxy`: the validating proxy between a partner's own
//! application and its sandbox. Turns flags into a `ppob_proxy::ProxyConfig`,
//! streams every judged exchange to the terminal and the `--report` files as
//! it completes, and on Ctrl-C/SIGTERM stops, writes the recording and
//! finishes every report.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use clap::Args;

use super::judge::JudgeArgs;
use super::output::{self, OnSignal, ReportArgs};
use super::server_args::{ServerArgs, positive_duration};
use ppob_core::contract::Summary;
use ppob_core::exit::ExitStatus;
use ppob_proxy::{CallbackConfig, Proxy, ProxyConfig, ProxyEvent};
use ppob_report::{Command, Reporter, RunEnd, RunInfo};
use ppob_transport::auth::{Credentials, KEY_ENV, SECRET_ENV};
use ppob_transport::size::parse_size;

const AFTER_HELP: &str = "\
Point the application's base URL at the proxy (http://127.0.0.1:8081 by default) instead of the
sandbox. Every request is forwarded to --upstream unchanged (method, path, query, the
application's own headers and TOKEN, the body byte for byte); every request and answer is judged
as its document kind, and exchanges are joined into conversations by inquiryId and refNumber, so
the cross-step rules and the money rule run on real traffic. Findings stream as they are found;
each names its side (request or response). Every answer carries a header
  ppob-contract-findings: 2; rules=flow.ref-number-echo,schema; request=0; answer=2
(at most 256 bytes; --no-findings-header drops it).

Listening: 127.0.0.1 by default. Anyone who can reach the proxy can use the upstream with the
credentials they send and sees its answers, so another address (e.g. --listen 0.0.0.0:8081 for
an application in a container) needs --allow-remote as well; on loopback, requests naming another
Host are refused. Only the upstream is ever reached: CONNECT, absolute-form requests (the proxy is
not an HTTP proxy setting) and paths other than the API's three operations are refused.

Credentials: with PPOB_API_KEY and PPOB_API_SECRET set, KEY is compared and TOKEN signatures are
verified (proxy.headers, proxy.token); without them TOKENs are read unverified. KEY values and
TOKENs never appear in the output, the reports or the recording.

Callbacks (--callbacks): each payment's callbackUrls on loopback (or on a --callback-allow host)
are pointed at the proxy's own receiver and the TOKEN signed again (so PPOB_API_KEY and
PPOB_API_SECRET are needed, and a TOKEN that does not verify is forwarded as sent). Each callback
the upstream sends is judged (callback.*), forwarded with its body unchanged to the URL the
payment named, and the partner's answer judged: anything but HTTP 200 is proxy.callback-refused.
The upstream gets the partner's answer. Other callback URLs are left as sent and never called.

Ctrl-C or SIGTERM stops the proxy, writes --record and every --report file (also while it runs,
each file is complete at every moment) and exits 0 when the contract held, 1 when not.

Examples:
  ppob-contract proxy --upstream https://sandbox.vendor.example
  ppob-contract proxy --upstream http://127.0.0.1:8080 --listen 127.0.0.1:9000 --report junit=out/proxy.xml
  ppob-contract proxy --upstream http://127.0.0.1:8080 --enforce --record out/session/
  ppob-contract proxy --upstream http://127.0.0.1:8080 --callbacks
  ppob-contract check --replay out/session/";

/// Arguments of `proxy`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct ProxyArgs {
    /// The sandbox (or `mock`) base URL every request is forwarded to; its path is a prefix.
    #[arg(long, value_name = "URL")]
    pub upstream: String,

    /// Where to listen: loopback by default; another address needs --allow-remote (see below).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8081")]
    pub listen: SocketAddr,

    /// Allow --listen on an address other than loopback.
    #[arg(long)]
    pub allow_remote: bool,

    /// Answer a request that breaks the contract (body, KEY, TOKEN or VERSION) with HTTP 400
    /// naming its findings, and never forward it. Default: observe only.
    #[arg(long)]
    pub enforce: bool,

    /// Do not add the ppob-contract-findings header to answers.
    #[arg(long)]
    pub no_findings_header: bool,

    /// Record the session into DIR on exit: one HAR cassette per conversation (redacted),
    /// which `check --replay DIR` replays to the same contract findings.
    #[arg(long, value_name = "DIR")]
    pub record: Option<PathBuf>,

    /// Callbacks through the proxy: rewrite each payment's loopback (or --callback-allow)
    /// callbackUrls to the proxy's own receiver, judge every callback the upstream sends, forward
    /// it (body unchanged) to the partner's URL and judge the partner's answer (must be HTTP 200).
    /// Needs PPOB_API_KEY and PPOB_API_SECRET (the TOKEN is signed again).
    #[arg(long, help_heading = "Callbacks")]
    pub callbacks: bool,

    /// Where the callback receiver listens (loopback; another address needs --allow-remote).
    #[arg(
        long,
        value_name = "ADDR",
        default_value = "127.0.0.1:0",
        requires = "callbacks",
        help_heading = "Callbacks"
    )]
    pub callback_listen: SocketAddr,

    /// The base URL the upstream is told to call back, when it cannot reach --callback-listen
    /// as bound (a tunnel, a container's address). Default: http:// + the bound address.
    #[arg(
        long,
        value_name = "URL",
        requires = "callbacks",
        help_heading = "Callbacks"
    )]
    pub callback_url: Option<String>,

    /// A host (HOST or HOST:PORT) besides loopback the proxy may forward callbacks to;
    /// repeatable. Callback URLs elsewhere are left in the payment as sent, unjudged.
    #[arg(
        long,
        value_name = "HOST",
        requires = "callbacks",
        help_heading = "Callbacks"
    )]
    pub callback_allow: Vec<String>,

    /// How long after a payment's final answer its callback may take; one still missing when
    /// the proxy stops is callback.missing.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = positive_duration,
          requires = "callbacks", help_heading = "Callbacks")]
    pub callback_wait: Duration,

    /// How long the upstream may take to answer a request completely.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = positive_duration,
          help_heading = "Limits")]
    pub upstream_timeout: Duration,

    /// How long opening a connection to the upstream may take.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = positive_duration,
          help_heading = "Limits")]
    pub connect_timeout: Duration,

    /// The longest request and answer body (e.g. 1MiB); a longer request is answered 413, a
    /// longer answer is no answer (502).
    #[arg(long, value_name = "SIZE", default_value = "1MiB", value_parser = positive_size,
          help_heading = "Limits")]
    pub max_body: u64,

    /// Client connection limits.
    #[command(flatten)]
    pub server: ServerArgs,

    /// How documents are judged and shown.
    #[command(flatten)]
    pub judge: JudgeArgs,

    /// Report files.
    #[command(flatten)]
    pub report: ReportArgs,
}

fn positive_size(s: &str) -> Result<u64, String> {
    match parse_size(s)? {
        0 => Err("must be more than 0 bytes: write e.g. 1MiB".into()),
        n => Ok(n),
    }
}

fn fail(message: &str) -> ExitCode {
    let _ = writeln!(anstream::stderr(), "ppob-contract proxy: {message}");
    ExitStatus::Usage.into()
}

/// Exchanges waiting to be reported, at most: past it the proxy's threads
/// wait for the reporter (backpressure, nothing dropped), so memory stays
/// bounded however far the terminal or a report file falls behind.
const MAX_QUEUED: usize = 4096;

/// How often the main thread takes the waiting events, reports them and
/// flushes the terminal. Between two looks the proxy's threads hand events
/// over without waking anyone (a wake-up per exchange cost a sixth of the
/// proxy's CPU under load).
const REPORT_EVERY: Duration = Duration::from_millis(20);

impl ProxyArgs {
    fn config(&self, credentials: Option<Credentials>) -> ProxyConfig {
        let mut config = ProxyConfig::new(self.upstream.clone());
        config.listen = self.listen;
        config.limits = self.server.limits();
        config.upstream_timeout = self.upstream_timeout;
        config.connect_timeout = self.connect_timeout;
        config.max_body = usize::try_from(self.max_body).unwrap_or(usize::MAX);
        config.enforce = self.enforce;
        config.findings_header = !self.no_findings_header;
        config.credentials = credentials;
        config.callbacks = self.callbacks.then(|| CallbackConfig {
            listen: self.callback_listen,
            public_url: self.callback_url.clone(),
            allow: self.callback_allow.clone(),
            wait: self.callback_wait,
        });
        config
    }
}

/// Runs the proxy until Ctrl-C/SIGTERM; exits with the session's verdict.
pub fn run(args: ProxyArgs) -> ExitCode {
    if !args.listen.ip().is_loopback() && !args.allow_remote {
        return fail(&format!(
            "--listen {} is not a loopback address: anyone who reaches it can use the upstream; \
add --allow-remote if that is what you want",
            args.listen
        ));
    }
    if args.callbacks && !args.callback_listen.ip().is_loopback() && !args.allow_remote {
        return fail(&format!(
            "--callback-listen {} is not a loopback address: anyone who reaches it can make the \
proxy call the partner's callback URLs; add --allow-remote if that is what you want",
            args.callback_listen
        ));
    }
    let credentials = match Credentials::from_env() {
        Ok(credentials) => credentials,
        Err(e) => return fail(&e.to_string()),
    };
    let mut stderr = anstream::stderr();
    let _ = match &credentials {
        Some(_) => writeln!(
            stderr,
            "credentials: from {KEY_ENV} and {SECRET_ENV}: KEY compared, TOKEN signatures verified"
        ),
        None => writeln!(
            stderr,
            "credentials: {KEY_ENV}/{SECRET_ENV} not set: TOKENs are read but not verified"
        ),
    };
    let (tx, rx) = mpsc::sync_channel::<ProxyEvent>(MAX_QUEUED);
    let stop = Arc::new(AtomicBool::new(false));
    let stop_flag = stop.clone();
    let on_signal = OnSignal::Stop(Box::new(move |_signal| {
        stop_flag.store(true, Ordering::Relaxed);
    }));
    let (mut report, _files, mut terminal) =
        match output::open_live(&args.judge, &args.report, on_signal) {
            Ok(opened) => opened,
            Err(e) => return fail(&e.to_string()),
        };
    let engine = args.judge.engine_at(args.judge.severities(), None);
    let sink = Arc::new(move |event: ProxyEvent| {
        let _ = tx.send(event);
    });
    let proxy = match Proxy::start(args.config(credentials), engine, sink) {
        Ok(proxy) => proxy,
        Err(e) => return fail(&e.to_string()),
    };
    let upstream = args.upstream.trim_end_matches('/').to_owned();
    let _ = writeln!(
        stderr,
        "listening on {}, forwarding to {upstream}{}",
        proxy.url(),
        if args.enforce { " (--enforce)" } else { "" }
    );
    if let Some(url) = proxy.callback_url() {
        let _ = writeln!(
            stderr,
            "callbacks: payments' loopback callbackUrls now point at {url}"
        );
    }
    let started = report.start(&RunInfo {
        command: Command::Proxy,
        target: Some(upstream),
        fuzz: None,
        partition: None,
    });
    if let Err(e) = started {
        return fail(&format!("cannot write the report: {e}"));
    }
    let mut summary = Summary::default();
    let mut tell = |event: ProxyEvent, report: &mut dyn Reporter| match event {
        ProxyEvent::Exchange(documents) => {
            for doc in documents {
                summary.add(&doc.report);
                let _ = report.document(&doc.report, &doc.bytes, doc.first_line);
            }
        }
        ProxyEvent::Notice(text) => {
            let _ = writeln!(anstream::stderr(), "proxy: {text}");
        }
        _ => {}
    };
    // Until a signal: every REPORT_EVERY, what arrived is reported and shown.
    let mut report_waiting = |report: &mut dyn Reporter| {
        while let Ok(event) = rx.try_recv() {
            tell(event, report);
        }
        let _ = terminal.flush();
    };
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(REPORT_EVERY);
        report_waiting(&mut report);
    }
    // Stopping lets open exchanges finish; their events are taken meanwhile
    // (a full queue would otherwise hold them up).
    let session = proxy.session().clone();
    let stopping = std::thread::spawn(move || {
        proxy.report_missing_callbacks();
        proxy.stop();
    });
    while !stopping.is_finished() {
        std::thread::sleep(Duration::from_millis(5));
        report_waiting(&mut report);
    }
    let _ = stopping.join();
    report_waiting(&mut report);
    let mut status = ExitStatus::Holds;
    if let Some(path) = &args.record {
        match ppob_proxy::write_recording(&session, path) {
            Ok(recording) => {
                let beyond = if recording.dropped > 0 {
                    format!(" ({} more beyond the cap not kept)", recording.dropped)
                } else {
                    String::new()
                };
                let _ = writeln!(
                    anstream::stderr(),
                    "recorded {} exchanges of {} conversations into {}{beyond}",
                    recording.exchanges,
                    recording.cassettes.len(),
                    path.display()
                );
            }
            Err(e) => {
                let _ = writeln!(anstream::stderr(), "ppob-contract proxy: {e}");
                status = ExitStatus::Usage;
            }
        }
    }
    if let Err(e) = report.finish(&RunEnd::new(summary.clone())) {
        let _ = writeln!(
            anstream::stderr(),
            "ppob-contract proxy: cannot write the report: {e}"
        );
        return ExitStatus::Usage.into();
    }
    if status == ExitStatus::Usage {
        return status.into();
    }
    summary.exit_status(args.judge.deny_warnings).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        proxy: ProxyArgs,
    }

    #[test]
    fn flags_become_the_config_with_loopback_and_the_header_by_default() {
        let cli = Cli::try_parse_from(["proxy", "--upstream", "http://127.0.0.1:8080"]).unwrap();
        let config = cli.proxy.config(None);
        assert!(config.listen.ip().is_loopback());
        assert_eq!(config.listen.port(), 8081);
        assert!(config.findings_header && !config.enforce);
        assert_eq!(config.max_body, 1 << 20);
        let cli = Cli::try_parse_from([
            "proxy",
            "--upstream",
            "http://x",
            "--enforce",
            "--no-findings-header",
            "--max-body",
            "2KiB",
        ])
        .unwrap();
        let config = cli.proxy.config(None);
        assert!(config.enforce && !config.findings_header);
        assert_eq!(config.max_body, 2048);
        for bad in [["--max-body", "0"], ["--upstream-timeout", "0s"]] {
            assert!(
                Cli::try_parse_from(["proxy", "--upstream", "http://x", bad[0], bad[1]]).is_err()
            );
        }
    }
}
