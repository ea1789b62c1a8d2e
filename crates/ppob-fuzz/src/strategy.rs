//! proptest strategies that generate [`FuzzCase`]s.
//!
//! Field lists come from the request schemas ([`super::fields`]), so every
//! field of a model gets its missing, wrong-type, empty and long variants.
//! Values shrink toward the simplest failing case: the first account, an
//! amount of −1, no optional field, the first scenario and variant.

use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::{Union, ValueTree};
use proptest::string::string_regex;
use proptest::test_runner::{Config, RngSeed, TestRunner};
use serde_json::{Map, Value, json};

use super::case::{DEFAULT_REF_STEM, FuzzCase, Mutation, Scenario};
use super::fields::{FieldSpec, FieldType, request_fields};
use ppob_core::contract::Operation;
use ppob_core::model::ints::MAX_SAFE_INTEGER;

/// An account (and its product) the fuzzer may use in valid requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The `accountNumber`.
    pub number: String,
    /// The `productCode` it is billed under.
    pub product: String,
    /// The inquiry fields its product needs (open `amount`, `month`,
    /// `zoneId`), sent with every valid inquiry of it.
    pub extras: Map<String, Value>,
}

impl Account {
    /// `number` under `product`, without inquiry extras.
    pub fn new(number: impl Into<String>, product: impl Into<String>) -> Self {
        Self {
            number: number.into(),
            product: product.into(),
            extras: Map::new(),
        }
    }

    /// The same account sending `extras` with its inquiries.
    pub fn with_extras(mut self, extras: Map<String, Value>) -> Self {
        self.extras = extras;
        self
    }
}

/// What the generated cases may name, and what the target allows.
#[derive(Debug, Clone, Default)]
pub struct Universe {
    /// Accounts whose inquiry finds a bill: valid payments pay them.
    pub payable: Vec<Account>,
    /// Further accounts for inquiries (whatever they answer).
    pub others: Vec<Account>,
    /// Whether time can pass an inquiry's expiry (the in-process simulator).
    pub can_expire: bool,
    /// URLs valid payments may pass as `callbackUrls` (none: never sent).
    pub callback_urls: Vec<String>,
    /// Values to try for an inquiry's optional fields (`amount`, `month`,
    /// `zoneId`), by field name: a product category's request extras at,
    /// inside and past their bounds (`fuzz --category`). A field named here
    /// is sent in most inquiries, one of these values or a generic one.
    pub extras: Vec<(String, Vec<Value>)>,
}

impl Universe {
    fn inquiry_accounts(&self) -> Vec<Account> {
        self.payable.iter().chain(&self.others).cloned().collect()
    }

    fn products(&self) -> Vec<String> {
        self.inquiry_accounts()
            .into_iter()
            .map(|a| a.product)
            .collect()
    }
}

/// The case of number `index` in a run seeded with `seed`: the same pair
/// gives the same case on every machine, whatever `--jobs` is.
pub fn case_runner(seed: u64, index: u64) -> TestRunner {
    let config = Config {
        rng_seed: RngSeed::Fixed(mix(seed, index)),
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new(config)
}

/// Splitmix64 of `seed` and `index`: well-spread per-case seeds.
fn mix(seed: u64, index: u64) -> u64 {
    let mut z = seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The value tree of case `index` (to shrink it).
pub fn case_tree(
    strategy: &SBoxedStrategy<FuzzCase>,
    seed: u64,
    index: u64,
) -> Option<Box<dyn ValueTree<Value = FuzzCase>>> {
    let mut runner = case_runner(seed, index);
    strategy.new_tree(&mut runner).ok()
}

fn regex(pattern: &str) -> SBoxedStrategy<String> {
    match string_regex(pattern) {
        Ok(s) => s.sboxed(),
        Err(_) => Just(String::new()).sboxed(),
    }
}

/// refNumber stems: plain first, then unicode and long ones.
fn ref_stem() -> SBoxedStrategy<String> {
    prop_oneof![
        4 => Just(DEFAULT_REF_STEM.to_owned()),
        3 => regex("[A-Z0-9]{1,24}"),
        2 => regex("\\PC{1,12}"),
        1 => regex("[A-Za-z0-9]{40,64}"),
    ]
    .sboxed()
}

/// Integers a schema allows: boundaries first.
fn boundary_integer() -> SBoxedStrategy<u64> {
    prop_oneof![
        Just(0u64),
        Just(1u64),
        Just(MAX_SAFE_INTEGER),
        0u64..=MAX_SAFE_INTEGER,
    ]
    .sboxed()
}

fn text_value() -> SBoxedStrategy<String> {
    prop_oneof![regex("[A-Za-z0-9]{1,16}"), regex("\\PC{0,24}")].sboxed()
}

/// The optional fields of an inquiry, each present or absent; a field the
/// universe has values for is present more often, mostly with those values.
fn inquiry_extras(universe: &Universe) -> SBoxedStrategy<Map<String, Value>> {
    let optional: Vec<FieldSpec> = request_fields(Operation::Inquiry)
        .iter()
        .filter(|f| !f.required && f.ty != FieldType::Strings)
        .cloned()
        .collect();
    let values: Vec<SBoxedStrategy<Option<(String, Value)>>> = optional
        .into_iter()
        .map(|f| {
            let name = f.name.clone();
            let generic: SBoxedStrategy<Value> = match f.ty {
                FieldType::Integer => boundary_integer().prop_map(Value::from).sboxed(),
                _ => text_value().prop_map(Value::from).sboxed(),
            };
            let chosen = universe
                .extras
                .iter()
                .find(|(field, values)| *field == name && !values.is_empty())
                .map(|(_, values)| values.clone());
            let (presence, value) = match chosen {
                Some(values) => (0.8, prop_oneof![3 => select(values), 1 => generic].sboxed()),
                None => (0.25, generic),
            };
            proptest::option::weighted(presence, value.prop_map(move |v| (name.clone(), v)))
                .sboxed()
        })
        .collect();
    values
        .prop_map(|pairs| pairs.into_iter().flatten().collect())
        .sboxed()
}

/// Values of the wrong type for a field of type `ty`.
fn wrong_type_value(ty: FieldType, required: bool) -> SBoxedStrategy<Value> {
    let mut options: Vec<Value> = match ty {
        FieldType::String => vec![json!(0), json!(true), json!(["0"]), json!({})],
        FieldType::Integer => vec![
            json!("3607"),
            json!(3607.5),
            json!(false),
            json!([1]),
            json!({}),
        ],
        FieldType::Strings => vec![
            json!("http://127.0.0.1/cb"),
            json!(1),
            json!([1]),
            json!({}),
        ],
    };
    if required {
        options.push(Value::Null);
    }
    select(options).sboxed()
}

/// Mutations of `operation`'s request.
fn mutation(operation: Operation, universe: &Universe) -> SBoxedStrategy<Mutation> {
    let fields = request_fields(operation);
    let required: Vec<String> = fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.name.clone())
        .collect();
    let strings: Vec<String> = fields
        .iter()
        .filter(|f| f.ty == FieldType::String && f.required)
        .map(|f| f.name.clone())
        .collect();
    let typed: Vec<FieldSpec> = fields.to_vec();
    let has_amount = fields.iter().any(|f| f.name == "amount");
    let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();

    let mut arms: Vec<(u32, SBoxedStrategy<Mutation>)> = vec![
        (
            2,
            select(required.clone())
                .prop_map(|field| Mutation::MissingField { field })
                .sboxed(),
        ),
        (
            2,
            select(typed)
                .prop_flat_map(|f| {
                    wrong_type_value(f.ty, f.required).prop_map(move |value| Mutation::WrongType {
                        field: f.name.clone(),
                        value,
                    })
                })
                .sboxed(),
        ),
        (
            2,
            select(strings.clone())
                .prop_map(|field| Mutation::EmptyString { field })
                .sboxed(),
        ),
        (
            1,
            (
                select(strings),
                prop_oneof![Just(10_000usize), 256usize..12_000],
            )
                .prop_map(|(field, length)| Mutation::LongString { field, length })
                .sboxed(),
        ),
        (
            1,
            (
                regex("[a-z][A-Za-z]{0,11}"),
                prop_oneof![Just(json!(1)), Just(json!("x")), Just(json!(null))],
            )
                .prop_filter("an undocumented field", move |(name, _)| {
                    !names.contains(name)
                })
                .prop_map(|(field, value)| Mutation::ExtraField { field, value })
                .sboxed(),
        ),
        (1, Just(Mutation::WrongSecret).sboxed()),
        (1, Just(Mutation::UnsignedToken).sboxed()),
        (1, Just(Mutation::WrongKey).sboxed()),
        (
            1,
            select(required.clone())
                .prop_map(|field| Mutation::TokenOverOtherPayload {
                    value: other_value(&field),
                    field,
                })
                .sboxed(),
        ),
        (
            1,
            select(required)
                .prop_map(|field| Mutation::BodyDisagrees {
                    value: other_value(&field),
                    field,
                })
                .sboxed(),
        ),
    ];
    if has_amount {
        arms.push((
            3,
            (1u64..=i64::MAX as u64)
                .prop_map(|m| Mutation::NegativeAmount {
                    amount: -(m as i64),
                })
                .sboxed(),
        ));
        arms.push((
            1,
            prop_oneof![
                (MAX_SAFE_INTEGER + 1..=u64::MAX).prop_map(Value::from),
                Just(json!(1e20)),
                Just(json!(3607.5)),
            ]
            .prop_map(|amount| Mutation::HugeAmount { amount })
            .sboxed(),
        ));
    }
    if fields.iter().any(|f| f.name == "productCode") {
        let known = universe.products();
        arms.push((
            1,
            prop_oneof![
                Just("no-such-product".to_owned()),
                regex("[a-z]{1,12}-[a-z]{1,12}")
            ]
            .prop_filter("not a known product", move |p| !known.contains(p))
            .prop_map(|product| Mutation::UnknownProduct { product })
            .sboxed(),
        ));
    }
    if operation == Operation::Payment {
        arms.push((1, Just(Mutation::ZeroAmount).sboxed()));
        arms.push((
            2,
            prop_oneof![-1000i64..=-1, 1i64..=1000]
                .prop_map(|delta| Mutation::AmountOffBy { delta })
                .sboxed(),
        ));
        arms.push((
            1,
            (900_000_000_000u64..=MAX_SAFE_INTEGER)
                .prop_map(|inquiry_id| Mutation::UnknownInquiryId { inquiry_id })
                .sboxed(),
        ));
        let accounts: Vec<String> = universe
            .inquiry_accounts()
            .into_iter()
            .map(|a| a.number)
            .collect();
        let mut others = accounts.clone();
        others.push("0899999999".into());
        arms.push((
            1,
            select(others)
                .prop_map(|account| Mutation::OtherAccount { account })
                .sboxed(),
        ));
        let payable: Vec<String> = universe.payable.iter().map(|a| a.number.clone()).collect();
        if payable.len() > 1 {
            arms.push((
                1,
                select(payable)
                    .prop_map(|account| Mutation::OtherInquiryId { account })
                    .sboxed(),
            ));
        }
    }
    Union::new_weighted(arms).sboxed()
}

/// A value of `field` that no valid request has.
fn other_value(field: &str) -> Value {
    match field {
        "amount" | "inquiryId" | "month" => json!(987_654_321_987u64),
        "callbackUrls" => json!(["http://127.0.0.1:9/other"]),
        _ => json!("\u{1F4A3}other"),
    }
}

fn case_of(scenario: Scenario, account: &Account) -> FuzzCase {
    FuzzCase {
        scenario,
        account: account.number.clone(),
        product: account.product.clone(),
        inquiry_extras: account.extras.clone(),
        ref_stem: DEFAULT_REF_STEM.into(),
        callback_urls: None,
        mutation: None,
    }
}

/// Whether a payment mutation makes sense for the case's own account.
fn consistent(case: &FuzzCase) -> bool {
    match &case.mutation {
        Some(Mutation::OtherAccount { account } | Mutation::OtherInquiryId { account }) => {
            *account != case.account
        }
        _ => true,
    }
}

/// Every case the fuzzer generates for `universe`.
pub fn cases(universe: &Universe) -> SBoxedStrategy<FuzzCase> {
    let inquiry_accounts = universe.inquiry_accounts();
    let status_account = Account::new("", "");
    let mut arms: Vec<(u32, SBoxedStrategy<FuzzCase>)> = Vec::new();

    // Inquiries: valid (known accounts, then any string), then mutated.
    let any_account = prop_oneof![regex("[0-9]{1,15}"), regex("\\PC{1,20}")]
        .prop_map(|n| Account::new(n, ppob_check::flow::case::default_product()));
    let inquiry_account: SBoxedStrategy<Account> = if inquiry_accounts.is_empty() {
        any_account.sboxed()
    } else {
        prop_oneof![3 => select(inquiry_accounts.clone()), 1 => any_account].sboxed()
    };
    arms.push((
        2,
        (inquiry_account, inquiry_extras(universe))
            .prop_map(|(account, extras)| {
                let mut case = case_of(Scenario::Inquiry, &account);
                case.inquiry_extras.extend(extras);
                case
            })
            .sboxed(),
    ));
    if !inquiry_accounts.is_empty() {
        arms.push((
            3,
            (
                select(inquiry_accounts),
                mutation(Operation::Inquiry, universe),
            )
                .prop_map(|(account, m)| {
                    let mut case = case_of(Scenario::Inquiry, &account);
                    case.mutation = Some(m);
                    case
                })
                .sboxed(),
        ));
    }

    // Status of a refNumber never used, plain or mutated.
    arms.push((
        2,
        (
            ref_stem(),
            proptest::option::weighted(0.5, mutation(Operation::Status, universe)),
        )
            .prop_map(move |(stem, m)| {
                let mut case = case_of(Scenario::StatusUnknown, &status_account);
                case.ref_stem = stem;
                case.mutation = m;
                case
            })
            .sboxed(),
    ));

    if !universe.payable.is_empty() {
        let payable = || select(universe.payable.clone());
        let urls = universe.callback_urls.clone();
        let callbacks: SBoxedStrategy<Option<Vec<String>>> = if urls.is_empty() {
            Just(None).sboxed()
        } else {
            proptest::option::weighted(
                0.3,
                proptest::sample::subsequence(urls.clone(), 0..=urls.len()),
            )
            .sboxed()
        };
        arms.push((
            3,
            (payable(), ref_stem(), callbacks)
                .prop_map(|(account, stem, urls)| {
                    let mut case = case_of(Scenario::Payment, &account);
                    case.ref_stem = stem;
                    case.callback_urls = urls;
                    case
                })
                .sboxed(),
        ));
        arms.push((
            6,
            (payable(), mutation(Operation::Payment, universe))
                .prop_map(|(account, m)| {
                    let mut case = case_of(Scenario::Payment, &account);
                    case.mutation = Some(m);
                    case
                })
                .prop_filter(
                    "a mutation that differs from the case's account",
                    consistent,
                )
                .sboxed(),
        ));
        arms.push((
            1,
            (payable(), ref_stem())
                .prop_map(|(account, stem)| {
                    let mut case = case_of(Scenario::PayTwice, &account);
                    case.ref_stem = stem;
                    case
                })
                .sboxed(),
        ));
        if universe.can_expire {
            arms.push((
                1,
                payable()
                    .prop_map(|account| case_of(Scenario::PayAfterExpiry, &account))
                    .sboxed(),
            ));
        }
    }
    Union::new_weighted(arms).sboxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn universe() -> Universe {
        Universe {
            payable: vec![
                Account::new("0811111111", "product-code"),
                Account::new("0811111112", "product-code"),
            ],
            others: vec![Account::new("0811111113", "product-code")],
            can_expire: true,
            callback_urls: vec!["http://127.0.0.1:9/cb".into()],
            extras: Vec::new(),
        }
    }

    fn generate(n: u64) -> Vec<FuzzCase> {
        let strategy = cases(&universe());
        (0..n)
            .filter_map(|i| case_tree(&strategy, 7, i).map(|t| t.current()))
            .collect()
    }

    #[test]
    fn a_seed_and_an_index_always_give_the_same_case() {
        let strategy = cases(&universe());
        for i in 0..50 {
            let a = case_tree(&strategy, 42, i).unwrap().current();
            let b = case_tree(&strategy, 42, i).unwrap().current();
            assert_eq!(a, b);
        }
        let other: Vec<_> = (0..50)
            .map(|i| case_tree(&strategy, 43, i).unwrap().current())
            .collect();
        let same: Vec<_> = (0..50)
            .map(|i| case_tree(&strategy, 42, i).unwrap().current())
            .collect();
        assert_ne!(other, same);
    }

    #[test]
    fn a_thousand_cases_cover_every_scenario_and_many_variants() {
        let cases = generate(1000);
        let scenarios: BTreeSet<_> = cases.iter().map(|c| c.scenario).collect();
        assert_eq!(scenarios.len(), Scenario::ALL.len(), "{scenarios:?}");
        let variants: BTreeSet<_> = cases.iter().map(FuzzCase::variant).collect();
        for v in [
            "valid",
            "missing-field",
            "wrong-type",
            "empty-string",
            "long-string",
            "extra-field",
            "negative-amount",
            "zero-amount",
            "huge-amount",
            "amount-off-by",
            "other-inquiry-id",
            "unknown-inquiry-id",
            "other-account",
            "unknown-product",
            "wrong-secret",
            "unsigned-token",
            "wrong-key",
            "token-over-other-payload",
            "body-disagrees",
            "unknown-ref",
            "expired-inquiry",
            "duplicate-ref",
        ] {
            assert!(variants.contains(v), "{v} missing from {variants:?}");
        }
        assert!(cases.iter().any(|c| !c.inquiry_extras.is_empty()));
        assert!(cases.iter().any(|c| c.callback_urls.is_some()));
        assert!(cases.iter().any(|c| !c.ref_stem.is_ascii()));
    }

    #[test]
    fn payment_mutations_never_name_the_case_s_own_account_as_the_other() {
        for case in generate(2000) {
            assert!(consistent(&case), "{case:?}");
        }
    }

    #[test]
    fn without_simulated_time_or_payable_accounts_fewer_scenarios_are_made() {
        let mut u = universe();
        u.can_expire = false;
        let strategy = cases(&u);
        let none_expire = (0..500).all(|i| {
            case_tree(&strategy, 1, i).unwrap().current().scenario != Scenario::PayAfterExpiry
        });
        assert!(none_expire);
        let strategy = cases(&Universe::default());
        for i in 0..200 {
            let case = case_tree(&strategy, 1, i).unwrap().current();
            assert!(
                matches!(case.scenario, Scenario::Inquiry | Scenario::StatusUnknown),
                "{case:?}"
            );
        }
    }

    #[test]
    fn a_negative_amount_shrinks_to_minus_one() {
        let strategy = cases(&universe());
        let index = (0..5000)
            .find(|i| {
                matches!(
                    case_tree(&strategy, 3, *i).unwrap().current().mutation,
                    Some(Mutation::NegativeAmount { amount }) if amount < -1
                )
            })
            .unwrap();
        let mut tree = case_tree(&strategy, 3, index).unwrap();
        let fails = |c: &FuzzCase| matches!(c.mutation, Some(Mutation::NegativeAmount { .. }));
        let mut last = tree.current();
        while tree.simplify() {
            if fails(&tree.current()) {
                last = tree.current();
            } else if !tree.complicate() {
                break;
            }
        }
        assert_eq!(last.mutation, Some(Mutation::NegativeAmount { amount: -1 }));
        assert_eq!(last.account, "0811111111");
    }
}
