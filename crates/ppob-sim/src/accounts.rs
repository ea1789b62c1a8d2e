//! The seeded test accounts and products: who owes what, and how each
//! account's payment ends.
//!
//! Every account number not listed here answers inquiry code 304 (wrong
//! account). The table is the single source of the accounts: `mock --help`
//! and `docs/simulator.md` list the same rows.

use std::time::Duration;

use super::fault::{Fault, FaultRule};
use ppob_core::contract::Operation;

/// A product the simulator sells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Product {
    /// The `productCode` a request names.
    pub code: &'static str,
    /// The `productName` answers carry.
    pub name: &'static str,
    /// The `category` answers carry.
    pub category: &'static str,
}

/// The products the simulator accepts; any other `productCode` answers inquiry 317.
pub const PRODUCTS: &[Product] = &[Product {
    code: "product-code",
    name: "product-name",
    category: "Pascabayar",
}];

/// The product of this code, with its index in [`PRODUCTS`].
pub fn product(code: &str) -> Option<(usize, &'static Product)> {
    PRODUCTS.iter().enumerate().find(|(_, p)| p.code == code)
}

/// One bill period of an account (a `billId` "1", "2", … line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BillPeriod {
    /// The line's `key`, e.g. "Jumlah Tagihan".
    pub key: &'static str,
    /// The line's `billInfo` as `(key, value)` pairs; where every value is
    /// numeric they sum to `value`.
    pub info: &'static [(&'static str, &'static str)],
    /// The line's amount in rupiah.
    pub value: u64,
}

/// What an account owes: its bill periods and its admin fee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bill {
    /// The bill periods, in `billId` order from "1".
    pub periods: &'static [BillPeriod],
    /// The admin fee (the `billId` "0" line, key "Biaya Administrasi").
    pub admin: u64,
}

impl Bill {
    /// The amount to pay: every period plus the admin fee.
    pub fn amount(&self) -> u64 {
        self.periods.iter().map(|p| p.value).sum::<u64>() + self.admin
    }
}

/// What an inquiry of the account answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InquiryOutcome {
    /// Inquiry code 300 with this bill.
    Bill(Bill),
    /// An inquiry failure code (301–399), `data: {}`.
    Fails(i64),
}

/// What a payment of the account does once it passed the inquiry checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentOutcome {
    /// Answers 299 and settles with this code after `settle_after`
    /// (0 = success with a reference-number token, 1xx = failure).
    Settles(i64),
    /// Refused at once with this final failure code (e.g. 105, blocked).
    Rejected(i64),
}

/// One seeded account.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TestAccount {
    /// The account (phone) number to send as `accountNumber`.
    pub number: &'static str,
    /// The masked customer name answers carry.
    pub customer_name: &'static str,
    /// What an inquiry answers.
    pub inquiry: InquiryOutcome,
    /// What a payment does.
    pub payment: PaymentOutcome,
    /// Faults this account always has (on top of the run's faults).
    pub faults: &'static [FaultRule],
    /// What the account is for, in one line.
    pub behaviour: &'static str,
    /// The outcome a correct client should report.
    pub expected: &'static str,
}

const SEED_BILL: Bill = Bill {
    periods: &[BillPeriod {
        key: "Jumlah Tagihan",
        info: &[],
        value: 3607,
    }],
    admin: 0,
};

const MULTI_BILL: Bill = Bill {
    periods: &[
        BillPeriod {
            key: "Tagihan Agustus 2022",
            info: &[("Tagihan Pokok", "82000"), ("Denda", "3000")],
            value: 85000,
        },
        BillPeriod {
            key: "Tagihan September 2022",
            info: &[("Periode", "September 2022"), ("Tagihan Pokok", "82660")],
            value: 82660,
        },
    ],
    admin: 2500,
};

const fn on(fault: Fault, operation: Operation) -> FaultRule {
    FaultRule {
        fault,
        operation: Some(operation),
    }
}

const fn on_payment(fault: Fault) -> FaultRule {
    FaultRule {
        fault,
        operation: None,
    }
}

/// The latency of the latency account, on every operation.
pub const ACCOUNT_LATENCY: Duration = Duration::from_millis(300);

static ACCOUNTS: [TestAccount; 13] = [
    TestAccount {
        number: "0811111111",
        customer_name: "RUSXXXXXXXNDI",
        inquiry: InquiryOutcome::Bill(SEED_BILL),
        payment: PaymentOutcome::Settles(0),
        faults: &[],
        behaviour: "the seed's account: one bill period of 3607, admin 0",
        expected: "inquiry 300 (amount 3607); payment 299; status 0 with token = \"Nomor Referensi\"",
    },
    TestAccount {
        number: "0811111112",
        customer_name: "BUDXXXXXNTO",
        inquiry: InquiryOutcome::Bill(MULTI_BILL),
        payment: PaymentOutcome::Settles(0),
        faults: &[],
        behaviour: "two bill periods with billInfo breakdowns and an admin fee of 2500",
        expected: "inquiry 300 (amount 170160, totalAdmin 2500); payment 299; status 0",
    },
    TestAccount {
        number: "0811111113",
        customer_name: "SITXXXXXAH",
        inquiry: InquiryOutcome::Fails(302),
        payment: PaymentOutcome::Rejected(302),
        faults: &[],
        behaviour: "bill already paid",
        expected: "inquiry 302 (failed, nothing to pay)",
    },
    TestAccount {
        number: "0811111114",
        customer_name: "AGUXXXXXWAN",
        inquiry: InquiryOutcome::Bill(SEED_BILL),
        payment: PaymentOutcome::Rejected(105),
        faults: &[],
        behaviour: "blocked by the biller: the inquiry works, the payment is refused",
        expected: "inquiry 300; payment 105 (final failure)",
    },
    TestAccount {
        number: "0811111115",
        customer_name: "DEWXXXXXTRI",
        inquiry: InquiryOutcome::Fails(305),
        payment: PaymentOutcome::Rejected(305),
        faults: &[],
        behaviour: "provider disruption",
        expected: "inquiry 305 (transient inquiry failure: retry later)",
    },
    TestAccount {
        number: "0811111116",
        customer_name: "HENXXXXXRA",
        inquiry: InquiryOutcome::Bill(SEED_BILL),
        payment: PaymentOutcome::Settles(100),
        faults: &[],
        behaviour: "the operator fails the payment after settle-after",
        expected: "inquiry 300; payment 299; status 100 (final failure, refunded)",
    },
    TestAccount {
        number: "0811111120",
        customer_name: "TIMXXXXXOUT",
        inquiry: InquiryOutcome::Bill(SEED_BILL),
        payment: PaymentOutcome::Settles(0),
        faults: &[on_payment(Fault::Timeout)],
        behaviour: "fault timeout on payment: no answer, but the payment is registered",
        expected: "payment times out → processing; status resolves it: 0",
    },
    TestAccount {
        number: "0811111121",
        customer_name: "SERXXXXXROR",
        inquiry: InquiryOutcome::Bill(SEED_BILL),
        payment: PaymentOutcome::Settles(0),
        faults: &[on_payment(Fault::ServerError(500))],
        behaviour: "fault 5xx on payment: HTTP 500 with an HTML body, payment registered",
        expected: "payment HTTP 500 → processing (never failed); status: 0",
    },
    TestAccount {
        number: "0811111122",
        customer_name: "GARXXXXXAGE",
        inquiry: InquiryOutcome::Bill(SEED_BILL),
        payment: PaymentOutcome::Settles(0),
        faults: &[on_payment(Fault::Garbage)],
        behaviour: "fault garbage on payment: HTTP 200 with a truncated (non-JSON) body, payment registered",
        expected: "payment unparseable → processing; status: 0",
    },
    TestAccount {
        number: "0811111123",
        customer_name: "CODXXXXXNGE",
        inquiry: InquiryOutcome::Bill(SEED_BILL),
        payment: PaymentOutcome::Settles(0),
        faults: &[on_payment(Fault::CodeOutOfRange(500))],
        behaviour: "fault code=500 on payment: responseCode 500 (outside 0–399), payment registered",
        expected: "payment code 500 → processing; status: 0",
    },
    TestAccount {
        number: "0811111124",
        customer_name: "PENXXXXXING",
        inquiry: InquiryOutcome::Bill(SEED_BILL),
        payment: PaymentOutcome::Settles(0),
        faults: &[on_payment(Fault::PendingForever)],
        behaviour: "fault pending-forever: the payment never settles",
        expected: "payment 299; status 299 for ever (client gives up as pending, never failed)",
    },
    TestAccount {
        number: "0811111125",
        customer_name: "LATXXXXXNCY",
        inquiry: InquiryOutcome::Bill(SEED_BILL),
        payment: PaymentOutcome::Settles(0),
        faults: &[
            on(Fault::Latency(ACCOUNT_LATENCY), Operation::Inquiry),
            on(Fault::Latency(ACCOUNT_LATENCY), Operation::Payment),
            on(Fault::Latency(ACCOUNT_LATENCY), Operation::Status),
        ],
        behaviour: "fault latency=300ms on every operation",
        expected: "as 0811111111, each answer 300 ms late",
    },
    TestAccount {
        number: "0811111126",
        customer_name: "DRIXXXXXIFT",
        inquiry: InquiryOutcome::Bill(SEED_BILL),
        payment: PaymentOutcome::Settles(0),
        faults: &[
            on(Fault::Drift, Operation::Payment),
            on(Fault::Drift, Operation::Status),
        ],
        behaviour: "fault drift on payment and status: answers the seed's examples verbatim",
        expected: "inquiry 300; payment and status carry refNumber rg6ytrdvrvr4, amount 170160, transactionId 180232 then 135268223: flow checks must report the drift",
    },
];

/// The seeded accounts, in a stable order.
pub fn test_accounts() -> &'static [TestAccount] {
    &ACCOUNTS
}

/// The account of this number, with its index in [`test_accounts`].
pub fn account(number: &str) -> Option<(usize, &'static TestAccount)> {
    ACCOUNTS
        .iter()
        .enumerate()
        .find(|(_, a)| a.number == number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_account_mirrors_the_seed_inquiry() {
        let (_, seed) = account("0811111111").unwrap();
        let InquiryOutcome::Bill(bill) = seed.inquiry else {
            panic!("the seed account has a bill")
        };
        assert_eq!(bill.amount(), 3607);
        assert_eq!(bill.admin, 0);
        assert_eq!(bill.periods[0].key, "Jumlah Tagihan");
        assert_eq!(seed.customer_name, "RUSXXXXXXXNDI");
    }

    #[test]
    fn numbers_are_unique_and_unknown_numbers_are_not_accounts() {
        for (i, a) in ACCOUNTS.iter().enumerate() {
            assert_eq!(account(a.number).map(|(j, _)| j), Some(i), "{}", a.number);
        }
        assert!(account("0899999999").is_none());
        assert!(account("").is_none());
    }

    #[test]
    fn numeric_bill_info_sums_to_its_line() {
        for a in &ACCOUNTS {
            let InquiryOutcome::Bill(bill) = a.inquiry else {
                continue;
            };
            for p in bill.periods {
                let numbers: Option<Vec<u64>> =
                    p.info.iter().map(|(_, v)| v.parse().ok()).collect();
                if let Some(numbers) = numbers.filter(|n| !n.is_empty()) {
                    assert_eq!(
                        numbers.iter().sum::<u64>(),
                        p.value,
                        "{} {}",
                        a.number,
                        p.key
                    );
                }
            }
        }
    }

    #[test]
    fn the_multi_period_account_has_an_admin_fee_in_its_amount() {
        let (_, a) = account("0811111112").unwrap();
        let InquiryOutcome::Bill(bill) = a.inquiry else {
            panic!("has a bill")
        };
        assert!(bill.periods.len() > 1);
        assert_eq!(bill.admin, 2500);
        assert_eq!(bill.amount(), 85000 + 82660 + 2500);
    }

    #[test]
    fn only_the_seed_product_is_sold() {
        assert_eq!(product("product-code").map(|(i, _)| i), Some(0));
        assert!(product("partner-code").is_none());
    }
}
