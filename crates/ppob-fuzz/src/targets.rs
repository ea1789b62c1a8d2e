//! The targets a run can use: the in-process simulator (one simulator and
//! one simulated clock per worker, so workers never see each other's time)
//! or one shared transport (HTTP to `mock` or a sandbox).

use std::sync::Arc;
use std::time::Duration;

use super::runner::{Lane, Target};
use super::strategy::{Account, Universe};
use ppob_sim::accounts::{InquiryOutcome, PaymentOutcome};
use ppob_sim::{SimConfig, SimTransport, Simulator, test_accounts};
use ppob_transport::Transport;
use ppob_transport::clock::{Clock, ManualClock, SystemClock};

/// The loopback URL valid payments name as `callbackUrls` on the simulator
/// (port 9, discard: nothing listens).
pub const SIM_CALLBACK_URL: &str = "http://127.0.0.1:9/ppob-fuzz-callback";

/// The in-process simulator.
#[derive(Debug, Clone)]
pub struct SimTarget {
    /// How every worker's simulator behaves.
    pub config: SimConfig,
    /// The client's timeout (simulated time).
    pub timeout: Duration,
}

impl Target for SimTarget {
    fn describe(&self) -> String {
        "simulator (in-process)".into()
    }

    fn lane(&self) -> Lane {
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::new());
        let sim = Arc::new(Simulator::new(self.config.clone(), clock.clone()));
        Lane {
            transport: Arc::new(SimTransport::new(sim, clock.clone(), self.timeout)),
            clock,
            expire_after: Some(self.config.inquiry_ttl + Duration::from_secs(1)),
        }
    }
}

/// One transport shared by every worker, on real time.
pub struct SharedTarget {
    /// The transport (e.g. HTTP).
    pub transport: Arc<dyn Transport>,
    /// Real time.
    pub clock: Arc<SystemClock>,
}

impl SharedTarget {
    /// Shares `transport`.
    pub fn new(transport: Arc<dyn Transport>) -> Self {
        Self {
            transport,
            clock: Arc::new(SystemClock::new()),
        }
    }
}

impl Target for SharedTarget {
    fn describe(&self) -> String {
        self.transport.describe()
    }

    fn lane(&self) -> Lane {
        Lane {
            transport: self.transport.clone(),
            clock: self.clock.clone(),
            expire_after: None,
        }
    }
}

/// What cases may name on the simulator: the accounts of the seed's
/// category (the default product's), as [`category_universe`] makes them.
pub fn simulator_universe() -> Universe {
    let default = ppob_check::flow::case::default_product();
    let category = test_accounts()
        .iter()
        .find(|a| a.default_product() == default)
        .map_or("", |a| a.category.name.as_str());
    category_universe(category)
}

/// What cases may name on the simulator for one product category (its
/// folder name): its accounts without faults (the fault accounts break the
/// contract on purpose), each with its product and the request extras its
/// inquiry needs, payable when their inquiry finds a bill. One category at a
/// time: a payment mutation that pays another account's inquiry stays
/// within products that account can buy. An unknown name has no account.
pub fn category_universe(category: &str) -> Universe {
    let mut universe = Universe {
        can_expire: true,
        callback_urls: vec![SIM_CALLBACK_URL.to_owned()],
        ..Universe::default()
    };
    // Cases shrink toward the first account (a binary search): the accounts
    // that refuse every payment go last, so a payment bug shrinks to the
    // category's first account that pays.
    let mut accounts: Vec<_> = test_accounts()
        .iter()
        .filter(|a| a.faults.is_empty() && a.category.name == category)
        .collect();
    accounts.sort_by_key(|a| matches!(a.payment, PaymentOutcome::Rejected(_)));
    for account in accounts {
        let mut extras = serde_json::Map::new();
        if let Some(amount) = account.request.amount {
            extras.insert("amount".into(), amount.into());
        }
        if let Some(month) = account.request.month {
            extras.insert("month".into(), month.into());
        }
        if let Some(zone_id) = &account.request.zone_id {
            extras.insert("zoneId".into(), zone_id.clone().into());
        }
        let entry = Account::new(account.number, account.default_product()).with_extras(extras);
        match account.inquiry {
            InquiryOutcome::Bill(_) => universe.payable.push(entry),
            InquiryOutcome::Fails(_) => universe.others.push(entry),
        }
    }
    universe
}
