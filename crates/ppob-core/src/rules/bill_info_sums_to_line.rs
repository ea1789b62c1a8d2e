//! `bill.info-sums-to-line`: a bill line's numeric breakdown adds up to the line.
//!
//! api-facts: where all `billInfo` values of a bill line are numeric, their
//! sum is the line's `value`. `billInfo` is the breakdown printed under the
//! line on the customer's receipt (bill, penalty, stamp duty, …); a breakdown
//! that does not add up is a receipt the customer can prove wrong.
//!
//! A value is numeric when, after trimming surrounding whitespace, it is one or
//! more ASCII digits and nothing else. A line is checked only when its
//! `billInfo` is non-empty and every value in it is numeric; a single
//! non-numeric value (a period such as "Jan 2024", an amount written
//! "Rp 3.607", a negative number) means the breakdown is not a sum and the
//! line is skipped. Checked on every response that carries the complete
//! `data` object (inquiry, payment and status, callbacks included). Sums are
//! taken in `u128` with overflow checks, so no breakdown can wrap around.

use crate::model::KeyValue;

use super::{BillLines, Rule, RuleConfig, RuleFinding, Subject, complete_bills};

/// Where every `billInfo` value of a bill line is numeric, they must sum to the line's `value`.
#[derive(Debug, Clone, Copy, Default)]
pub struct BillInfoSumsToLine;

impl Rule for BillInfoSumsToLine {
    fn id(&self) -> &'static str {
        "bill.info-sums-to-line"
    }

    fn check(&self, subject: &Subject<'_>, _config: &RuleConfig, out: &mut Vec<RuleFinding>) {
        if let Some(bills) = complete_bills(subject.document) {
            check_lines(bills.lines, out);
        }
    }
}

/// The sum of a line's `billInfo` values, when all of them are numeric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InfoSum {
    /// Some value is not numeric (or there are none): the line is not a sum.
    NotNumeric,
    /// Every value is numeric and they add up to this.
    Exact(u128),
    /// Every value is numeric but the sum does not fit in a `u128`.
    Overflow,
}

/// What one `billInfo` value reads as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parsed {
    /// Anything but one or more ASCII digits (surrounding whitespace allowed).
    NotNumeric,
    /// A number that fits in a `u128`.
    Number(u128),
    /// Digits only, but too many for a `u128`.
    TooLarge,
}

/// Reads a `billInfo` value: numeric means surrounding whitespace, then one
/// or more ASCII digits and nothing else.
fn parse(value: &str) -> Parsed {
    let digits = value.trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Parsed::NotNumeric;
    }
    // Up to 19 digits always fit in a u64: read them without the u128
    // arithmetic of `parse` (this runs on every billInfo value).
    if digits.len() <= 19 {
        let n = digits
            .bytes()
            .fold(0u64, |n, b| n * 10 + u64::from(b - b'0'));
        return Parsed::Number(u128::from(n));
    }
    digits.parse().map_or(Parsed::TooLarge, Parsed::Number)
}

/// Adds up a line's `billInfo` values, if they are all numeric.
fn info_sum(info: &[KeyValue]) -> InfoSum {
    if info.is_empty() {
        return InfoSum::NotNumeric;
    }
    // `None` once the sum no longer fits; keep reading to spot non-numeric values.
    let mut sum: Option<u128> = Some(0);
    for kv in info {
        match parse(&kv.value) {
            Parsed::NotNumeric => return InfoSum::NotNumeric,
            Parsed::Number(n) => sum = sum.and_then(|s| s.checked_add(n)),
            Parsed::TooLarge => sum = None,
        }
    }
    sum.map_or(InfoSum::Overflow, InfoSum::Exact)
}

/// Checks every line of one `billDetails` array.
fn check_lines(lines: BillLines<'_>, out: &mut Vec<RuleFinding>) {
    for (index, line) in lines.iter().enumerate() {
        let info = line.bill_info();
        let count = info.len();
        let values = if count == 1 {
            "value is"
        } else {
            "values sum to"
        };
        let value = line.value();
        let (sum_text, expected) = match info_sum(info) {
            InfoSum::NotNumeric => continue,
            InfoSum::Exact(sum) if sum == u128::from(value) => continue,
            InfoSum::Exact(sum) => (sum.to_string(), Some(sum.to_string())),
            InfoSum::Overflow => (format!("more than {}", u128::MAX), None),
        };
        out.push(RuleFinding {
            pointer: format!("/data/billDetails/{index}/value"),
            message: format!(
                "billDetails[{index}] (billId {id:?}) has value {value} but its {count} numeric billInfo {values} {sum_text}",
                id = line.bill_id(),
            ),
            expected,
            actual: Some(value.to_string()),
        });
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::contract::DocKind;
    use crate::rules::test_support::{run, seed_inquiry_response, seed_status_response};

    fn info(values: &[&str]) -> Value {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| json!({"key": format!("Rincian {}", i + 1), "value": v}))
            .collect()
    }

    /// The seed inquiry with `billInfo` of line 0 (value 3607) set to `values`.
    fn inquiry_with_info(values: &[&str]) -> Value {
        let mut doc = seed_inquiry_response();
        doc["data"]["billDetails"][0]["billInfo"] = info(values);
        doc
    }

    fn check_inquiry(doc: Value) -> Vec<RuleFinding> {
        run(&BillInfoSumsToLine, DocKind::InquiryResponse, doc)
    }

    #[test]
    fn seeds_pass() {
        let rule = &BillInfoSumsToLine;
        assert_eq!(
            run(rule, DocKind::InquiryResponse, seed_inquiry_response()),
            []
        );
        assert_eq!(
            run(rule, DocKind::StatusResponse, seed_status_response()),
            []
        );
        assert_eq!(run(rule, DocKind::Callback, seed_status_response()), []);
        assert_eq!(
            run(rule, DocKind::PaymentResponse, seed_status_response()),
            []
        );
    }

    #[test]
    fn breakdown_that_adds_up_passes() {
        assert_eq!(check_inquiry(inquiry_with_info(&["3000", "600", "7"])), []);
        assert_eq!(check_inquiry(inquiry_with_info(&["3607"])), []);
    }

    #[test]
    fn breakdown_that_does_not_add_up_is_reported() {
        assert_eq!(
            check_inquiry(inquiry_with_info(&["3000", "600"])),
            [RuleFinding {
                pointer: "/data/billDetails/0/value".to_owned(),
                message: "billDetails[0] (billId \"1\") has value 3607 but its 2 numeric billInfo values sum to 3600".to_owned(),
                expected: Some("3600".to_owned()),
                actual: Some("3607".to_owned()),
            }]
        );
    }

    #[test]
    fn single_value_is_named_in_the_singular() {
        let found = check_inquiry(inquiry_with_info(&["3600"]));
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "billDetails[0] (billId \"1\") has value 3607 but its 1 numeric billInfo value is 3600"
        );
    }

    #[test]
    fn surrounding_whitespace_and_leading_zeros_are_numeric() {
        assert_eq!(
            check_inquiry(inquiry_with_info(&[" 3000 ", "\t0607\n"])),
            []
        );
        let found = check_inquiry(inquiry_with_info(&[" 3000 ", "0600"]));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].expected.as_deref(), Some("3600"));
    }

    #[test]
    fn any_non_numeric_value_skips_the_line() {
        for odd in [
            "Jan 2024", "Rp 600", "3.600", "3,600", "-600", "+600", "", "   ", "6 00", "١٢",
        ] {
            assert_eq!(
                check_inquiry(inquiry_with_info(&["3000", odd])),
                [],
                "billInfo value {odd:?}"
            );
        }
    }

    #[test]
    fn empty_bill_info_is_not_judged() {
        let mut doc = seed_inquiry_response();
        doc["data"]["billDetails"][0]["value"] = json!(1);
        assert_eq!(check_inquiry(doc), []);
    }

    #[test]
    fn empty_bill_details_are_not_judged() {
        let mut doc = seed_inquiry_response();
        doc["data"]["billDetails"] = json!([]);
        assert_eq!(check_inquiry(doc), []);
    }

    #[test]
    fn every_bad_line_is_reported_at_its_index() {
        let mut doc = seed_status_response();
        doc["data"]["billDetails"][0]["billInfo"] = info(&["3000"]);
        doc["data"]["billDetails"][1]["billInfo"] = info(&["1000", "500"]);
        let found = run(&BillInfoSumsToLine, DocKind::StatusResponse, doc.clone());
        assert_eq!(
            found,
            [
                RuleFinding {
                    pointer: "/data/billDetails/0/value".to_owned(),
                    message: "billDetails[0] (billId \"1\") has value 3607 but its 1 numeric billInfo value is 3000".to_owned(),
                    expected: Some("3000".to_owned()),
                    actual: Some("3607".to_owned()),
                },
                RuleFinding {
                    pointer: "/data/billDetails/1/value".to_owned(),
                    message: "billDetails[1] (billId \"0\") has value 0 but its 2 numeric billInfo values sum to 1500".to_owned(),
                    expected: Some("1500".to_owned()),
                    actual: Some("0".to_owned()),
                },
            ]
        );
        assert_eq!(
            run(&BillInfoSumsToLine, DocKind::Callback, doc.clone()),
            found
        );
        assert_eq!(
            run(&BillInfoSumsToLine, DocKind::PaymentResponse, doc),
            found
        );
    }

    #[test]
    fn sums_beyond_u128_are_reported_without_wrapping() {
        let max = u128::MAX.to_string();
        // Each value fits, their sum does not.
        let found = check_inquiry(inquiry_with_info(&[&max, "1"]));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].pointer, "/data/billDetails/0/value");
        assert_eq!(
            found[0].message,
            format!(
                "billDetails[0] (billId \"1\") has value 3607 but its 2 numeric billInfo values sum to more than {max}"
            )
        );
        assert_eq!(found[0].expected, None);
        assert_eq!(found[0].actual.as_deref(), Some("3607"));
        // A single value too long for u128 is still numeric.
        let found = check_inquiry(inquiry_with_info(&[&format!("{max}0")]));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].expected, None);
    }

    #[test]
    fn failure_data_is_not_judged() {
        let doc = json!({
            "responseCode": 103,
            "success": false,
            "message": {"ID": "Nomor salah", "EN": "Wrong number"},
            "data": {
                "billDetails": [{"billId": "1", "billInfo": info(&["1"]), "key": "Jumlah Tagihan", "value": 3607}]
            }
        });
        assert_eq!(run(&BillInfoSumsToLine, DocKind::PaymentResponse, doc), []);
    }

    #[test]
    fn parse_accepts_only_trimmed_ascii_digits() {
        assert_eq!(parse("0"), Parsed::Number(0));
        assert_eq!(parse(" 42\n"), Parsed::Number(42));
        assert_eq!(parse("007"), Parsed::Number(7));
        assert_eq!(parse("1e3"), Parsed::NotNumeric);
        assert_eq!(parse("0x10"), Parsed::NotNumeric);
        assert_eq!(parse("4 2"), Parsed::NotNumeric);
        assert_eq!(parse(""), Parsed::NotNumeric);
        assert_eq!(parse(&format!("{}0", u128::MAX)), Parsed::TooLarge);
    }

    #[test]
    fn the_u64_reading_and_the_u128_reading_agree_at_their_border() {
        for digits in [
            "9999999999999999999",
            "10000000000000000000",
            "18446744073709551615",
            "18446744073709551616",
            "0000000000000000000000000042",
            "0999999999999999999",
        ] {
            let wide: u128 = digits.parse().unwrap();
            assert_eq!(parse(digits), Parsed::Number(wide), "{digits}");
        }
    }

    #[test]
    fn too_large_value_then_non_numeric_value_skips_the_line() {
        let huge = format!("{}0", u128::MAX);
        assert_eq!(check_inquiry(inquiry_with_info(&[&huge, "n/a"])), []);
    }
}
