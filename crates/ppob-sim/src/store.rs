//! The simulator's memory: inquiries and payments, both bounded.
//!
//! Inquiry ids are consecutive, so inquiries live in a ring (`VecDeque`)
//! indexed by `id - base`: O(1) insert and lookup, and pruning from the front
//! drops expired inquiries (the ttl is constant, so the oldest expire first)
//! and, past [`MAX_INQUIRIES`], the oldest live ones. A load test of millions
//! of inquiries therefore holds at most [`MAX_INQUIRIES`] small records.
//! Payments are kept by refNumber, at most [`MAX_PAYMENTS`] of them (the
//! oldest are forgotten first: their status then answers 188).
//!
//! A payment's state is a pure function of time (pending until `settle_at`,
//! then its final code), so a status needs no write; only callbacks need
//! the due-queue.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, SystemTime};

use super::accounts::Asked;

/// The id of the first inquiry.
pub const FIRST_INQUIRY_ID: u64 = 500_000_001;
/// The id of the first transaction.
pub const FIRST_TRANSACTION_ID: u64 = 700_000_001;
/// Live inquiries kept at most; older ones are dropped (their payment gets 312).
pub const MAX_INQUIRIES: usize = 1 << 18;
/// Payments kept at most; older ones are forgotten (their status gets 188).
pub const MAX_PAYMENTS: usize = 1 << 18;

/// One inquiry the simulator answered 300.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Inquiry {
    /// Index into `test_accounts()`.
    pub account: usize,
    /// Index into `accounts::products()`.
    pub product: usize,
    /// What the inquiry asked (open amount, months).
    pub asked: Asked,
    /// When it stops being payable (simulated time).
    pub expires: Duration,
}

/// What an inquiry id refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InquiryLookup {
    /// A live inquiry.
    Found(Inquiry),
    /// An inquiry that existed but expired or was dropped.
    Expired,
    /// No inquiry ever had this id.
    Unknown,
}

/// The bounded ring of inquiries.
#[derive(Debug)]
pub(crate) struct InquiryStore {
    base: u64,
    items: VecDeque<Inquiry>,
    cap: usize,
}

impl InquiryStore {
    pub fn new(cap: usize) -> Self {
        Self {
            base: FIRST_INQUIRY_ID,
            items: VecDeque::new(),
            cap: cap.max(1),
        }
    }

    fn next_id(&self) -> u64 {
        self.base + self.items.len() as u64
    }

    /// Stores an inquiry made at `now` and returns its id.
    pub fn insert(&mut self, inquiry: Inquiry, now: Duration) -> u64 {
        while let Some(front) = self.items.front() {
            if front.expires > now && self.items.len() < self.cap {
                break;
            }
            self.items.pop_front();
            self.base += 1;
        }
        self.items.push_back(inquiry);
        self.next_id() - 1
    }

    /// What `id` refers to at `now`.
    pub fn get(&self, id: u64, now: Duration) -> InquiryLookup {
        if id < FIRST_INQUIRY_ID || id >= self.next_id() {
            return InquiryLookup::Unknown;
        }
        if id < self.base {
            return InquiryLookup::Expired;
        }
        match usize::try_from(id - self.base)
            .ok()
            .and_then(|i| self.items.get(i))
        {
            Some(inq) if inq.expires > now => InquiryLookup::Found(*inq),
            Some(_) => InquiryLookup::Expired,
            None => InquiryLookup::Unknown,
        }
    }

    /// How many inquiries are held.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.items.len()
    }
}

/// The parts of a payment an answer is rendered from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Txn {
    /// The simulator's transaction id.
    pub transaction_id: u64,
    /// Index into `test_accounts()`.
    pub account: usize,
    /// Index into `accounts::products()`.
    pub product: usize,
    /// What its inquiry asked (open amount, months).
    pub asked: Asked,
    /// When it becomes final; `None` = never (pending-forever).
    pub settle_at: Option<Duration>,
    /// The code it ends with (0 or a failure code).
    pub final_code: i64,
    /// When it was made (wall clock, for the customer lines).
    pub made_at: SystemTime,
}

impl Txn {
    /// Its response code at `now`: 299 while pending, then the final code.
    pub fn code_at(&self, now: Duration) -> i64 {
        match self.settle_at {
            Some(at) if now >= at => self.final_code,
            _ => 299,
        }
    }
}

#[derive(Debug)]
struct Payment {
    txn: Txn,
    callback_urls: Vec<String>,
}

/// A payment that settled and has callback URLs to notify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Settled {
    pub ref_number: String,
    pub txn: Txn,
    pub callback_urls: Vec<String>,
}

/// Payments by refNumber.
#[derive(Debug)]
pub(crate) struct PaymentStore {
    by_ref: HashMap<String, Payment>,
    order: VecDeque<String>,
    /// Payments with callback URLs, by due time (settle_after is constant,
    /// so insertion order is due order), with their transaction id.
    due: VecDeque<(Duration, String, u64)>,
    next_transaction_id: u64,
    cap: usize,
}

impl PaymentStore {
    pub fn new(cap: usize) -> Self {
        Self {
            by_ref: HashMap::new(),
            order: VecDeque::new(),
            due: VecDeque::new(),
            next_transaction_id: FIRST_TRANSACTION_ID,
            cap: cap.max(1),
        }
    }

    /// The payment of this refNumber.
    pub fn get(&self, ref_number: &str) -> Option<Txn> {
        self.by_ref.get(ref_number).map(|p| p.txn)
    }

    /// Registers a new payment, giving it the next transaction id. The
    /// refNumber is unused, except under bug double-charge: then the new
    /// payment replaces the old one.
    pub fn insert(&mut self, ref_number: &str, mut txn: Txn, callback_urls: Vec<String>) -> Txn {
        let replaces = self.by_ref.contains_key(ref_number);
        while !replaces && self.by_ref.len() >= self.cap {
            match self.order.pop_front() {
                Some(old) => {
                    self.by_ref.remove(&old);
                }
                None => break,
            }
        }
        txn.transaction_id = self.next_transaction_id;
        self.next_transaction_id += 1;
        if let Some(at) = txn.settle_at.filter(|_| !callback_urls.is_empty()) {
            self.due
                .push_back((at, ref_number.to_owned(), txn.transaction_id));
        }
        if !replaces {
            self.order.push_back(ref_number.to_owned());
        }
        self.by_ref
            .insert(ref_number.to_owned(), Payment { txn, callback_urls });
        txn
    }

    /// The payments with callbacks that became final by `now`, each once.
    pub fn take_settled(&mut self, now: Duration) -> Vec<Settled> {
        let mut settled = Vec::new();
        while let Some((at, _, _)) = self.due.front() {
            if *at > now {
                break;
            }
            let Some((_, ref_number, transaction_id)) = self.due.pop_front() else {
                break;
            };
            // A replaced payment (bug double-charge) is not called back.
            if let Some(p) = self
                .by_ref
                .get(&ref_number)
                .filter(|p| p.txn.transaction_id == transaction_id)
            {
                settled.push(Settled {
                    txn: p.txn,
                    callback_urls: p.callback_urls.clone(),
                    ref_number,
                });
            }
        }
        settled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    fn inq(expires: Duration) -> Inquiry {
        Inquiry {
            account: 0,
            product: 0,
            asked: Asked::default(),
            expires,
        }
    }

    #[test]
    fn inquiry_ids_are_consecutive_and_found_until_they_expire() {
        let mut store = InquiryStore::new(16);
        let a = store.insert(inq(10 * S), Duration::ZERO);
        let b = store.insert(inq(20 * S), Duration::ZERO);
        assert_eq!(a, FIRST_INQUIRY_ID);
        assert_eq!(b, a + 1);
        assert!(matches!(store.get(a, 5 * S), InquiryLookup::Found(_)));
        assert_eq!(store.get(a, 10 * S), InquiryLookup::Expired);
        assert!(matches!(store.get(b, 10 * S), InquiryLookup::Found(_)));
        assert_eq!(store.get(b + 1, S), InquiryLookup::Unknown);
        assert_eq!(store.get(0, S), InquiryLookup::Unknown);
        assert_eq!(store.get(u64::MAX, S), InquiryLookup::Unknown);
    }

    #[test]
    fn expired_inquiries_are_pruned_and_stay_expired() {
        let mut store = InquiryStore::new(1000);
        let first = store.insert(inq(S), Duration::ZERO);
        for _ in 0..10 {
            store.insert(inq(S), Duration::ZERO);
        }
        let late = store.insert(inq(10 * S), 2 * S);
        assert_eq!(store.len(), 1, "the expired ones were pruned");
        assert_eq!(store.get(first, 2 * S), InquiryLookup::Expired);
        assert!(matches!(store.get(late, 2 * S), InquiryLookup::Found(_)));
    }

    #[test]
    fn a_million_inquiries_hold_at_most_the_cap() {
        let mut store = InquiryStore::new(MAX_INQUIRIES);
        let ttl = Duration::from_secs(900);
        let mut last = 0;
        for _ in 0..1_000_000 {
            last = store.insert(inq(ttl), Duration::ZERO);
        }
        assert_eq!(store.len(), MAX_INQUIRIES);
        assert_eq!(last, FIRST_INQUIRY_ID + 999_999);
        assert!(matches!(store.get(last, S), InquiryLookup::Found(_)));
        assert_eq!(store.get(FIRST_INQUIRY_ID, S), InquiryLookup::Expired);
    }

    fn txn(settle_at: Option<Duration>) -> Txn {
        Txn {
            transaction_id: 0,
            account: 0,
            product: 0,
            asked: Asked::default(),
            settle_at,
            final_code: 0,
            made_at: SystemTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_payment_is_pending_until_it_settles_and_never_when_it_never_does() {
        assert_eq!(txn(Some(2 * S)).code_at(S), 299);
        assert_eq!(txn(Some(2 * S)).code_at(2 * S), 0);
        assert_eq!(txn(None).code_at(Duration::MAX), 299);
    }

    #[test]
    fn payments_get_increasing_transaction_ids_and_the_oldest_are_forgotten() {
        let mut store = PaymentStore::new(2);
        let a = store.insert("A", txn(Some(S)), vec![]);
        let b = store.insert("B", txn(Some(S)), vec![]);
        assert_eq!(a.transaction_id, FIRST_TRANSACTION_ID);
        assert_eq!(b.transaction_id, a.transaction_id + 1);
        store.insert("C", txn(Some(S)), vec![]);
        assert!(store.get("A").is_none());
        assert_eq!(store.get("B"), Some(b));
    }

    #[test]
    fn settled_payments_with_callbacks_are_taken_once_when_due() {
        let mut store = PaymentStore::new(10);
        store.insert("A", txn(Some(2 * S)), vec!["http://127.0.0.1:1/cb".into()]);
        store.insert("B", txn(Some(2 * S)), vec![]);
        store.insert("C", txn(None), vec!["http://127.0.0.1:1/cb".into()]);
        assert!(store.take_settled(S).is_empty());
        let settled = store.take_settled(2 * S);
        assert_eq!(settled.len(), 1);
        assert_eq!(settled[0].ref_number, "A");
        assert!(store.take_settled(100 * S).is_empty());
    }

    #[test]
    fn a_reused_ref_number_replaces_the_payment_and_only_the_new_one_calls_back() {
        let mut store = PaymentStore::new(2);
        let url = || vec!["http://127.0.0.1:1/cb".to_owned()];
        let old = store.insert("A", txn(Some(S)), url());
        let new = store.insert("A", txn(Some(2 * S)), url());
        assert_ne!(new.transaction_id, old.transaction_id);
        assert_eq!(store.get("A"), Some(new));
        // Replacing does not count as one more payment: nothing is forgotten.
        let b = store.insert("B", txn(Some(S)), vec![]);
        assert_eq!(store.get("A"), Some(new));
        assert_eq!(store.get("B"), Some(b));
        assert!(
            store.take_settled(S).is_empty(),
            "the old payment's due entry"
        );
        let settled = store.take_settled(2 * S);
        assert_eq!(settled.len(), 1);
        assert_eq!(settled[0].txn, new);
    }
}
