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
use ppob_products::manifest::{self, AccountRequest, Finish, Template};
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

/// What an inquiry asked besides its account and product: the open
/// `amount` and the `month`s, each kept only when the category takes it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Asked {
    /// The open amount (rupiah), for a category whose inquiry sends `amount`.
    pub amount: Option<u64>,
    /// The months paid, for a category whose inquiry sends `month`.
    pub months: Option<u64>,
}

/// One bill line of a [`Charge`] (a `billId` "1", "2", … line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeLine {
    /// `billId`.
    pub id: String,
    /// `key`.
    pub key: &'static str,
    /// `billInfo` as `(key, value)` pairs.
    pub info: &'static [(String, String)],
    /// `value`, rupiah.
    pub value: u64,
}

/// What one inquiry charges: its bill lines, its admin fee, and a price no
/// line shows (a category without bill lines, e.g. phone credit).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Charge {
    /// The bill-period lines, in `billDetails` order (the admin line comes after).
    pub lines: Vec<ChargeLine>,
    /// The admin fee (the `billId` "0" line when the category has an admin key).
    pub admin: u64,
    /// A price charged without a line of its own.
    pub unlisted: u64,
}

impl Charge {
    /// The amount to pay: every line, the admin fee and the unlisted price.
    pub fn amount(&self) -> u64 {
        self.lines.iter().map(|l| l.value).sum::<u64>() + self.admin + self.unlisted
    }
}

/// What an inquiry of `account` for `product`, asking `asked`, charges: the
/// account's bill periods, else one line (the category's period key) of the
/// open amount or the product's price; with `month`, the lines once per month,
/// `billId`s counting down to "1" as BPJSTK BPU writes them.
pub fn charge(account: &TestAccount, product: &Product, asked: Asked) -> Charge {
    let InquiryOutcome::Bill(bill) = account.inquiry else {
        return Charge::default();
    };
    let manifest = &account.category.manifest;
    let price = asked
        .amount
        .filter(|_| manifest.request.amount.is_some())
        .or(product.price);
    let mut unlisted = 0;
    let base: Vec<BillPeriod> = if !bill.periods.is_empty() {
        bill.periods.to_vec()
    } else {
        match (price, manifest.bills.period_key.as_deref()) {
            (Some(price), Some(key)) => vec![BillPeriod {
                key,
                info: &[],
                value: price,
            }],
            (Some(price), None) => {
                unlisted = price;
                Vec::new()
            }
            (None, _) => Vec::new(),
        }
    };
    let months = asked
        .months
        .filter(|_| manifest.request.month.is_some())
        .unwrap_or(1)
        .max(1);
    let repeated = usize::try_from(months).unwrap_or(1);
    let count = base.len() * repeated;
    let descending = asked.months.is_some() && manifest.request.month.is_some();
    let lines = base
        .iter()
        .cycle()
        .take(count)
        .enumerate()
        .map(|(i, period)| ChargeLine {
            id: if descending { count - i } else { i + 1 }.to_string(),
            key: period.key,
            info: period.info,
            value: period.value,
        })
        .collect();
    Charge {
        lines,
        admin: bill.admin,
        unlisted,
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
    /// The product code a case of this account buys.
    pub product: &'static str,
    /// The request extras a case of this account sends with its inquiry.
    pub request: &'static AccountRequest,
    /// How its payment finishes: 299 then status, or its final code at once.
    pub finish: Finish,
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
    /// The product a case of this account buys by default: the account's
    /// own, else its category's first.
    pub fn default_product(&self) -> &'static str {
        self.product
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
            let product = account
                .product
                .as_deref()
                .or_else(|| category.manifest.products.first().map(|p| p.code.as_str()))
                .unwrap_or_default();
            table.accounts.push(TestAccount {
                number: &account.number,
                customer_name: &account.name,
                product,
                request: &account.request,
                finish: account.finish.unwrap_or(category.manifest.finish),
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
    fn every_categorys_products_are_sold_and_no_other() {
        let (_, seed) = product("product-code").unwrap();
        assert_eq!(seed.kind.name, "mobile-postpaid");
        for category in ppob_products::catalog().categories() {
            for p in &category.manifest.products {
                assert_eq!(
                    product(&p.code).map(|(_, p)| p.kind.name.as_str()),
                    Some(category.name.as_str())
                );
            }
        }
        assert!(product("partner-code").is_none());
    }

    #[test]
    fn a_charge_follows_price_open_amount_and_months() {
        for a in test_accounts() {
            let InquiryOutcome::Bill(bill) = a.inquiry else {
                continue;
            };
            let (_, product) = product(a.product).unwrap();
            let asked = Asked {
                amount: a.request.amount,
                months: a.request.month,
            };
            let charge = charge(a, product, asked);
            let manifest = &a.category.manifest;
            let lines: u64 = charge.lines.iter().map(|l| l.value).sum();
            assert_eq!(
                charge.amount(),
                lines + bill.admin + charge.unlisted,
                "{}",
                a.number
            );
            if let (Some(open), true) = (a.request.amount, manifest.request.amount.is_some()) {
                assert_eq!(
                    charge.amount() - bill.admin,
                    open,
                    "{}: echoes the open amount",
                    a.number
                );
            }
            if let Some(months) = a.request.month.filter(|_| manifest.request.month.is_some()) {
                let per_month = bill.periods.len() as u64;
                assert_eq!(
                    charge.lines.len() as u64,
                    months * per_month,
                    "{}",
                    a.number
                );
                assert_eq!(
                    charge.lines.first().map(|l| l.id.clone()),
                    Some((months * per_month).to_string())
                );
                assert_eq!(charge.lines.last().map(|l| l.id.as_str()), Some("1"));
            }
            if bill.periods.is_empty()
                && a.request.amount.is_none()
                && manifest.bills.period_key.is_none()
            {
                assert_eq!(charge.unlisted, product.price.unwrap_or(0), "{}", a.number);
            }
        }
    }
}
