//! Answers built from the `ppob_core::model` types, so that they are schema-valid by
//! construction, and serialized once to bytes.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::accounts::{Asked, Charge, Line, Product, TestAccount, charge, products, test_accounts};
use super::messages::message;
use super::store::Txn;
use ppob_core::model::{
    FailureData, InquiryBillDetail, InquiryData, InquiryResponse, KeyValue, Message,
    PaymentBillDetail, PaymentData, PaymentResponse, Response, ResponseData, StatusBillDetail,
    StatusData, StatusResponse, TransactionData, TransactionKind,
};

use ppob_products::manifest::DateOrder;
use ppob_products::template::{Values, fill};

/// Serializes an answer (never fails for these types; an empty body if it did).
pub(crate) fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

/// The reference number a successful transaction returns as its `token`
/// when its category says nothing of its shape.
pub fn reference_number(transaction_id: u64) -> String {
    format!("0001{transaction_id:014}")
}

/// The `token` of a successful transaction of `account`: its category's
/// `token.make` template, else [`reference_number`].
pub fn token_of(account: &TestAccount, transaction_id: u64) -> String {
    match &account.category.manifest.token.make {
        Some(template) => fill(
            &template.0,
            &Values {
                account: account.number,
                name: account.customer_name,
                txn: transaction_id,
                ..Values::default()
            },
        ),
        None => reference_number(transaction_id),
    }
}

/// `07 Sep 2022 | 17:47` in Western Indonesia time (UTC+7), as the seed writes it.
pub fn display_time(time: SystemTime) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        + 7 * 3600;
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let minute_of_day = (secs % 86_400) / 60;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let month_name = MONTHS[usize::try_from(month - 1).unwrap_or(0).min(11)];
    format!(
        "{day:02} {month_name} {year} | {:02}:{:02}",
        minute_of_day / 60,
        minute_of_day % 60
    )
}

fn kv(key: &str, value: impl Into<String>) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: value.into(),
    }
}

/// The date line of `time` in the account's category's order.
fn date_line(account: &TestAccount, time: SystemTime) -> String {
    let day_first = display_time(time);
    match account.category.manifest.date_order {
        DateOrder::DayFirst => day_first,
        DateOrder::TimeFirst => match day_first.split_once(" | ") {
            Some((day, clock)) => format!("{clock} | {day}"),
            None => day_first,
        },
    }
}

/// Detail lines from the category's `[key, template]` pairs.
fn detail_lines(
    pairs: &[Line],
    account: &TestAccount,
    product: &Product,
    periods: usize,
    time: SystemTime,
    token: &str,
) -> Vec<KeyValue> {
    let time = date_line(account, time);
    let values = Values {
        account: account.number,
        name: account.customer_name,
        time: &time,
        token,
        product: product.name,
        periods,
        txn: 0,
    };
    pairs
        .iter()
        .map(|(key, template)| kv(key, fill(&template.0, &values)))
        .collect()
}

/// `(billId, key, billInfo, value)` of every line: the periods, then the
/// admin line when the category has one.
fn lines(
    charge: &Charge,
    account: &'static TestAccount,
) -> impl Iterator<Item = (String, &'static str, Vec<KeyValue>, u64)> {
    let periods: Vec<_> = charge
        .lines
        .iter()
        .map(|l| {
            let info = l.info.iter().map(|(k, v)| kv(k, v.as_str())).collect();
            (l.id.clone(), l.key, info, l.value)
        })
        .collect();
    let admin = account.category.manifest.bills.admin_key.as_deref();
    periods
        .into_iter()
        .chain(admin.map(|key| ("0".to_owned(), key, Vec::new(), charge.admin)))
}

fn envelope<D>(code: i64, message: Message, data: ResponseData<D>) -> Response<D> {
    Response {
        response_code: code,
        success: code_success(code),
        message,
        data,
    }
}

/// The `success` flag of a code: true for success, processing and inquiry ok.
pub(crate) fn code_success(code: i64) -> bool {
    matches!(code, 0..=99 | 200..=300)
}

/// A failure answer with `data: {}` (or the given partial data).
pub(crate) fn failure<D>(code: i64, message: Message, data: FailureData) -> Response<D> {
    envelope(code, message, ResponseData::Failure(data))
}

/// Inquiry 300 for `account`, echoing the requested product code.
pub(crate) fn inquiry_ok(
    account: &'static TestAccount,
    product: &Product,
    asked: Asked,
    product_code: &str,
    inquiry_id: u64,
    now: SystemTime,
) -> InquiryResponse {
    let bill = charge(account, product, asked);
    let periods = bill.lines.len();
    let inquiry_lines = &account.category.manifest.inquiry;
    let data = InquiryData {
        inquiry_id,
        account_number: account.number.to_owned(),
        customer_name: Some(account.customer_name.to_owned()),
        product_name: product.name.to_owned(),
        product_code: product_code.to_owned(),
        category: product.category.to_owned(),
        amount: bill.amount(),
        total_admin: bill.admin,
        processing_fee: 0,
        denom: String::new(),
        validity: Some(String::new()),
        customer_details: detail_lines(&inquiry_lines.customer, account, product, periods, now, ""),
        bill_details: lines(&bill, account)
            .map(|(bill_id, key, bill_info, value)| InquiryBillDetail {
                bill_id,
                bill_info,
                is_mandatory: true,
                key: key.to_owned(),
                value,
            })
            .collect(),
        product_details: detail_lines(&inquiry_lines.product, account, product, periods, now, ""),
        extra_fields: Vec::new(),
    };
    envelope(300, message(300), ResponseData::Complete(data))
}

fn transaction<K: TransactionKind>(
    ref_number: &str,
    txn: &Txn,
    code: i64,
    with_customer: bool,
    line: impl Fn(String, &'static str, Vec<KeyValue>, u64) -> K::BillLine,
) -> TransactionData<K> {
    let account = &test_accounts()[txn.account];
    let product = &products()[txn.product];
    let bill = charge(account, product, txn.asked);
    let periods = bill.lines.len();
    let settled_ok = (0..=99).contains(&code);
    let token = if settled_ok {
        token_of(account, txn.transaction_id)
    } else {
        String::new()
    };
    let settled = &account.category.manifest.settled;
    let product_details = if settled_ok {
        detail_lines(
            &settled.product,
            account,
            product,
            periods,
            txn.made_at,
            &token,
        )
    } else {
        Vec::new()
    };
    let customer_details = detail_lines(
        &settled.customer,
        account,
        product,
        periods,
        txn.made_at,
        &token,
    );
    TransactionData {
        ref_number: ref_number.to_owned(),
        transaction_id: txn.transaction_id,
        account_number: account.number.to_owned(),
        amount: bill.amount(),
        total_admin: bill.admin,
        processing_fee: 0,
        denom: String::new(),
        product_code: product.code.to_owned(),
        product_name: product.name.to_owned(),
        category: product.category.to_owned(),
        token,
        customer_name: with_customer.then(|| account.customer_name.to_owned()),
        validity: with_customer.then(String::new),
        customer_details,
        bill_details: lines(&bill, account)
            .map(|(id, key, info, value)| line(id, key, info, value))
            .collect(),
        product_details,
        extra_fields: Vec::new(),
    }
}

/// Partial data of a failed transaction: who, which, how much.
fn failed_data(ref_number: &str, txn: &Txn) -> FailureData {
    let account = &test_accounts()[txn.account];
    let bill = charge(account, &products()[txn.product], txn.asked);
    FailureData {
        ref_number: Some(ref_number.to_owned()),
        transaction_id: Some(txn.transaction_id),
        account_number: Some(account.number.to_owned()),
        amount: Some(bill.amount()),
        total_admin: Some(bill.admin),
        product_code: Some(products()[txn.product].code.to_owned()),
        ..FailureData::default()
    }
}

/// A payment answer for `txn` in the state `code` (299, 0–99, or a failure).
pub(crate) fn payment(ref_number: &str, txn: &Txn, code: i64) -> PaymentResponse {
    if !(0..=99).contains(&code) && code != 299 {
        return failure(code, message(code), failed_data(ref_number, txn));
    }
    let data: PaymentData = transaction(
        ref_number,
        txn,
        code,
        false,
        |bill_id, key, bill_info, value| PaymentBillDetail {
            bill_id,
            bill_info,
            is_mandatory: Some(true),
            key: key.to_owned(),
            value,
        },
    );
    envelope(code, message(code), ResponseData::Complete(data))
}

/// A status answer (also the callback body) for `txn` in the state `code`.
pub(crate) fn status(ref_number: &str, txn: &Txn, code: i64) -> StatusResponse {
    if !(0..=99).contains(&code) && code != 299 {
        return failure(code, message(code), failed_data(ref_number, txn));
    }
    let data: StatusData = transaction(
        ref_number,
        txn,
        code,
        true,
        |bill_id, key, bill_info, value| StatusBillDetail {
            bill_id,
            bill_info,
            key: key.to_owned(),
            value,
        },
    );
    envelope(code, message(code), ResponseData::Complete(data))
}

/// The "blank" status data of api-facts: strings `""`, numbers `0`, arrays
/// `null`. `FailureData` leaves absent fields out, so the nulls need this type.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BlankStatusData {
    ref_number: &'static str,
    transaction_id: u64,
    account_number: &'static str,
    amount: u64,
    total_admin: u64,
    processing_fee: u64,
    denom: &'static str,
    product_code: &'static str,
    product_name: &'static str,
    category: &'static str,
    token: &'static str,
    customer_details: Option<()>,
    bill_details: Option<()>,
    product_details: Option<()>,
    extra_fields: Option<()>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BlankEnvelope {
    response_code: i64,
    success: bool,
    message: Message,
    data: BlankStatusData,
}

/// Status 188 (transaction not found) with the blank data object.
pub(crate) fn status_not_found() -> Vec<u8> {
    to_json(&BlankEnvelope {
        response_code: 188,
        success: false,
        message: message(188),
        data: BlankStatusData {
            ref_number: "",
            transaction_id: 0,
            account_number: "",
            amount: 0,
            total_admin: 0,
            processing_fee: 0,
            denom: "",
            product_code: "",
            product_name: "",
            category: "",
            token: "",
            customer_details: None,
            bill_details: None,
            product_details: None,
            extra_fields: None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn display_time_matches_the_seed_format() {
        // 2022-09-07 10:47 UTC = 17:47 WIB, the seed's timestamp.
        let t = UNIX_EPOCH + Duration::from_secs(1_662_547_620);
        assert_eq!(display_time(t), "07 Sep 2022 | 17:47");
        assert_eq!(display_time(UNIX_EPOCH), "01 Jan 1970 | 07:00");
        let leap = UNIX_EPOCH + Duration::from_secs(1_709_164_800); // 2024-02-29 00:00 UTC
        assert_eq!(display_time(leap), "29 Feb 2024 | 07:00");
    }

    #[test]
    fn reference_numbers_are_18_digits_and_distinct() {
        assert_eq!(reference_number(700_000_001).len(), 18);
        assert_ne!(reference_number(1), reference_number(2));
    }

    #[test]
    fn the_not_found_body_has_the_documented_blank_shape() {
        let v: serde_json::Value = serde_json::from_slice(&status_not_found()).unwrap();
        assert_eq!(v["responseCode"], 188);
        assert_eq!(v["success"], false);
        assert_eq!(v["data"]["refNumber"], "");
        assert_eq!(v["data"]["transactionId"], 0);
        assert!(v["data"]["billDetails"].is_null());
        assert!(v["data"].as_object().unwrap().contains_key("extraFields"));
    }

    #[test]
    fn success_flags_follow_the_code_classes() {
        for (code, flag) in [
            (0, true),
            (99, true),
            (100, false),
            (188, false),
            (299, true),
            (300, true),
            (304, false),
            (500, false),
            (-1, false),
        ] {
            assert_eq!(code_success(code), flag, "{code}");
        }
    }
}
