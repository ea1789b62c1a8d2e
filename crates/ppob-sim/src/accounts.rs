//! The seeded test accounts and products, read from the product categories'
//! folders (`ppob_products::catalog()`): who owes what, and how each
//! account's payment ends.
//!
//! Every account number not listed answers inquiry code 304 (wrong account);
//! an account asked for a product of another category answers 304 too. The
//! table is the single source of the accounts: `mock --help` and
//! `docs/simulator.md` list the same rows. It is built once per process from
//! the catalogue (its slices live as long as the process).

use std::sync::OnceLock;

use super::fault::{FaultRule, FaultRules};
use ppob_products::manifest::{self, Template};
use ppob_products::{Catalog, Category};

/// A product the simulator sells.
#[derive(Debug, Clone, Copy)]
pub struct Product {
    /// The `productCode` a request names.
    pub code: &'static str,
    /// The `productName` answers carry.
    pub name: &'static str,
    /// The `category` answers carry.
    pub category: &'static str,
    /// The fixed price, for products priced by the product rather than a bill.
    pub price: Option<u64>,
    /// Its category folder.
    pub kind: &'static Category,
}

impl PartialEq for Product {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
    }
}

/// The products the simulator accepts; any other `productCode` answers inquiry 317.
pub fn products() -> &'static [Product] {
    &table().products
}

/// The product of this code, with its index in [`products`].
pub fn product(code: &str) -> Option<(usize, &'static Product)> {
    products().iter().enumerate().find(|(_, p)| p.code == code)
}

/// One bill period of an account (a `billId` "1", "2", … line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BillPeriod {
    /// The line's `key`, e.g. the category's period key.
    pub key: &'static str,
    /// The line's `billInfo` as `(key, value)` pairs; where every value is
    /// numeric they sum to `value`.
    pub info: &'static [(String, String)],
    /// The line's amount in rupiah.
    pub value: u64,
}

/// What an account owes: its bill periods and its admin fee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bill {
    /// The bill periods, in `billId` order from "1".
    pub periods: &'static [BillPeriod],
    /// The admin fee (the `billId` "0" line, keyed by the category's admin key).
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
#[derive(Debug, Clone, Copy)]
pub struct TestAccount {
    /// The account number to send as `accountNumber`.
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
    /// Its category folder.
    pub category: &'static Category,
}

impl PartialEq for TestAccount {
    fn eq(&self, other: &Self) -> bool {
        self.number == other.number
    }
}

impl TestAccount {
    /// The product a case of this account buys by default: its category's first.
    pub fn default_product(&self) -> &'static str {
        self.category
            .manifest
            .products
            .first()
            .map_or("", |p| p.code.as_str())
    }
}

/// The simulator's view of a catalogue.
#[derive(Debug, Default)]
struct Table {
    products: Vec<Product>,
    accounts: Vec<TestAccount>,
}

fn leak<T>(items: Vec<T>) -> &'static [T] {
    Box::leak(items.into_boxed_slice())
}

fn bill_of(
    category: &'static Category,
    account: &'static manifest::Account,
) -> Result<Bill, String> {
    let mut periods = Vec::with_capacity(account.bill.len());
    for period in &account.bill {
        let key = period
            .key
            .as_deref()
            .or(category.manifest.bills.period_key.as_deref())
            .ok_or_else(|| {
                format!(
                    "{}: account {:?}: a bill line needs a key (or [bills] period_key)",
                    category.path(),
                    account.number
                )
            })?;
        periods.push(BillPeriod {
            key,
            info: leak(period.info.clone()),
            value: period.value,
        });
    }
    Ok(Bill {
        periods: leak(periods),
        admin: account.admin,
    })
}

fn faults_of(
    category: &Category,
    account: &manifest::Account,
) -> Result<&'static [FaultRule], String> {
    let mut rules = Vec::new();
    for spec in &account.faults {
        let FaultRules(more) = spec.parse().map_err(|e| {
            format!(
                "{}: account {:?}: fault {spec:?}: {e}",
                category.path(),
                account.number
            )
        })?;
        rules.extend(more);
    }
    Ok(leak(rules))
}

fn build(catalog: &'static Catalog) -> Result<Table, String> {
    let mut table = Table::default();
    for category in catalog.categories() {
        for product in &category.manifest.products {
            table.products.push(Product {
                code: &product.code,
                name: &product.name,
                category: &category.manifest.category,
                price: product.price,
                kind: category,
            });
        }
        for account in &category.manifest.accounts {
            let inquiry = match account.inquiry_fails {
                Some(code) => InquiryOutcome::Fails(code),
                None => InquiryOutcome::Bill(bill_of(category, account)?),
            };
            let payment = match account.payment {
                manifest::PaymentOutcome::Settles(code) => PaymentOutcome::Settles(code),
                manifest::PaymentOutcome::Rejected(code) => PaymentOutcome::Rejected(code),
            };
            table.accounts.push(TestAccount {
                number: &account.number,
                customer_name: &account.name,
                inquiry,
                payment,
                faults: faults_of(category, account)?,
                behaviour: &account.behaviour,
                expected: &account.expected,
                category,
            });
        }
    }
    Ok(table)
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    // invariant: `check_catalog` refuses a catalogue this cannot build before a
    // simulator starts (the built-in one is tested); a table without accounts
    // is the fallback.
    TABLE.get_or_init(|| build(ppob_products::catalog()).unwrap_or_default())
}

/// Whether the simulator can serve `catalog`: every account's faults parse and
/// every bill line has a key. The CLI asks this after `--products`.
pub fn check_catalog(catalog: &'static Catalog) -> Result<(), String> {
    build(catalog).map(|_| ())
}

/// The seeded accounts, in a stable order (category name, then as listed).
pub fn test_accounts() -> &'static [TestAccount] {
    &table().accounts
}

/// The account of this number, with its index in [`test_accounts`].
pub fn account(number: &str) -> Option<(usize, &'static TestAccount)> {
    test_accounts()
        .iter()
        .enumerate()
        .find(|(_, a)| a.number == number)
}

/// A detail line's template, for `render`.
pub(crate) type Line = (String, Template);

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
        for (i, a) in test_accounts().iter().enumerate() {
            assert_eq!(account(a.number).map(|(j, _)| j), Some(i), "{}", a.number);
        }
        assert!(account("0899999999").is_none());
        assert!(account("").is_none());
    }

    #[test]
    fn numeric_bill_info_sums_to_its_line() {
        for a in test_accounts() {
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
    fn the_builtin_catalogue_serves_with_every_fault_parsed() {
        check_catalog(ppob_products::catalog()).unwrap();
        let (_, timeout) = account("0811111120").unwrap();
        assert_eq!(timeout.faults.len(), 1);
        let (_, latency) = account("0811111125").unwrap();
        assert_eq!(latency.faults.len(), 3, "@all is one rule per operation");
    }

    #[test]
    fn only_the_seed_product_is_sold() {
        assert_eq!(product("product-code").map(|(i, _)| i), Some(0));
        assert!(product("partner-code").is_none());
    }
}
