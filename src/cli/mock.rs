//! `ppob-contract mock`: the reference simulator as a local HTTP server.

use std::fmt::Write as _;
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;

use super::server_args::ServerArgs;
use super::sim_args::SimArgs;
use ppob_core::exit::ExitStatus;
use ppob_sim::server::start_with_limits;
use ppob_sim::{FAULT_NAMES, FAULT_TARGETS, Simulator, test_accounts};
use ppob_transport::auth::{Credentials, KEY_ENV, SECRET_ENV};
use ppob_transport::clock::SystemClock;

/// The help epilogue, generated from the account table and the fault list.
fn after_help() -> String {
    let mut help = String::from(
        "Test accounts, per product category (ppob-contract products; any other account number\n\
         answers inquiry 304, an account asked for another category's product 304, any other\n\
         productCode 317):\n",
    );
    for category in ppob_products::catalog().categories() {
        let codes: Vec<&str> = category
            .manifest
            .products
            .iter()
            .map(|p| p.code.as_str())
            .collect();
        let _ = writeln!(
            help,
            "{} ({}, productCode {}):",
            category.manifest.title,
            category.name,
            codes.join(", ")
        );
        for account in test_accounts()
            .iter()
            .filter(|a| a.category.name == category.name)
        {
            let _ = writeln!(
                help,
                "  {}  {}\n              expect: {}",
                account.number, account.behaviour, account.expected
            );
        }
    }
    let _ = writeln!(
        help,
        "\nFaults (--fault NAME[@TARGET], repeatable; TARGET: {FAULT_TARGETS}):"
    );
    for (name, what) in FAULT_NAMES {
        let _ = writeln!(help, "  {name:18} {what}");
    }
    let _ = write!(
        help,
        "\nCredentials: {KEY_ENV} and {SECRET_ENV} (both or neither); without them the built-in demo\n\
         partner \"partner-id\" and its public demo secret (docs/simulator.md).\n\
         \n\
         Examples:\n  \
         ppob-contract mock\n  \
         ppob-contract mock --port 0 --settle-after 200ms --fault latency=50ms@all\n  \
         ppob-contract mock --fault timeout --fault 5xx=503@status --duplicate return-original\n\
         \n\
         Binds 127.0.0.1 only. Ctrl-C stops it (exit 0).\n\
         \n\
         Connections: a client has --header-timeout to send a request's head (from its first byte)\n\
         and again its body, and --idle-timeout between requests; at most --max-connections are\n\
         open. One more is let in by closing an idle connection, first one that never completed a\n\
         request (a slow or silent client), so slow clients cannot starve real requests. Keep\n\
         --max-connections below the open-file limit (ulimit -n)."
    );
    help
}

/// Arguments of `mock`.
#[derive(Debug, Args)]
#[command(after_help = after_help())]
pub struct MockArgs {
    /// Port on 127.0.0.1 to listen on; 0 picks a free one (printed).
    #[arg(long, default_value_t = 8080, value_name = "N")]
    pub port: u16,

    /// The simulator's behaviour.
    #[command(flatten)]
    pub sim: SimArgs,

    /// Connection limits.
    #[command(flatten)]
    pub server: ServerArgs,
}

fn credentials() -> Result<Credentials, String> {
    match Credentials::from_env() {
        Ok(Some(credentials)) => {
            let _ = writeln!(
                anstream::stderr(),
                "credentials: from {KEY_ENV} and {SECRET_ENV}"
            );
            Ok(credentials)
        }
        Ok(None) => {
            let demo = Credentials::simulator_demo();
            let _ = writeln!(
                anstream::stderr(),
                "credentials: {KEY_ENV}/{SECRET_ENV} not set, using the built-in demo partner {:?} (demo secret: see docs/simulator.md)",
                demo.key()
            );
            Ok(demo)
        }
        Err(e) => Err(e.to_string()),
    }
}

async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

fn fail(message: &str) -> ExitCode {
    let _ = writeln!(anstream::stderr(), "ppob-contract mock: {message}");
    ExitStatus::Usage.into()
}

/// Serves the simulator until Ctrl-C (exit 0); 2 when it cannot start.
pub fn run(args: MockArgs) -> ExitCode {
    let credentials = match credentials() {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let config = args.sim.config(credentials);
    for rule in &config.faults {
        let _ = writeln!(anstream::stderr(), "fault: {rule}");
    }
    let sim = Arc::new(Simulator::new(config, Arc::new(SystemClock::new())));
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let events = Arc::new(|event: ppob_sim::ServerEvent| {
        let _ = writeln!(anstream::stderr(), "{event}");
    });
    let server = match start_with_limits(sim, addr, events, args.server.limits()) {
        Ok(server) => server,
        Err(e) => return fail(&format!("cannot listen on {addr}: {e}")),
    };
    let mut stdout = anstream::stdout();
    let _ = writeln!(stdout, "listening on http://{}", server.local_addr());
    let _ = stdout.flush();
    let waited = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map(|rt| rt.block_on(stop_signal()));
    server.stop();
    match waited {
        Ok(()) => {
            let _ = writeln!(anstream::stderr(), "stopped");
            ExitStatus::Holds.into()
        }
        Err(e) => fail(&format!("cannot wait for Ctrl-C: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_lists_every_account_and_fault() {
        let help = after_help();
        for account in test_accounts() {
            assert!(help.contains(account.number), "{}", account.number);
        }
        for (name, _) in FAULT_NAMES {
            assert!(help.contains(name), "{name}");
        }
        assert!(!help.contains(Credentials::simulator_demo().secret()));
        for option in ["--header-timeout", "--idle-timeout", "--max-connections"] {
            assert!(help.contains(option), "{option}");
        }
    }
}
