//! `product.required-key`: a successful document carries every detail line its
//! category names for its phase — `customerDetails` and `productDetails`
//! keys, the admin line's key, the bill-period lines' key and their
//! `billInfo` keys. A category's key names are exact (Indonesian, as the API
//! sends them), so the comparison is exact too.

use ppob_core::model::KeyValue;
use ppob_core::rules::RuleFinding;

use super::{Phase, View, phase_lines};
use crate::catalog::Category;

/// Pushes a finding for each of `wanted` that no line of `lines` is keyed
/// (`at` names the array: pointer and wording; called only when one is missing,
/// so the no-finding path builds no string).
fn missing<'k>(
    lines: &[KeyValue],
    wanted: impl Iterator<Item = &'k str>,
    at: impl Fn() -> (String, String),
    category: &Category,
    out: &mut Vec<RuleFinding>,
) {
    // Documents list their lines in the manifest's order more often than
    // not: each search starts after the line the previous key matched and
    // wraps around, so in that order every key is found at its first try.
    let mut next = 0;
    for key in wanted {
        let (before, from) = lines.split_at(next.min(lines.len()));
        let found = from
            .iter()
            .position(|l| l.key == key)
            .map(|i| next + i)
            .or_else(|| before.iter().position(|l| l.key == key));
        if let Some(i) = found {
            next = i + 1;
            continue;
        }
        let (pointer, what) = at();
        out.push(RuleFinding {
            pointer,
            message: format!(
                "{what} has no line {key:?}: {} documents it ({})",
                category.manifest.title, category.name
            ),
            expected: Some(key.to_owned()),
            actual: None,
        });
    }
}

/// The keys of `[key, template]` pairs.
fn keys(pairs: &[(String, crate::manifest::Template)]) -> impl Iterator<Item = &str> {
    pairs.iter().map(|(k, _)| k.as_str())
}

/// Pushes a finding for each required key the document lacks.
pub(super) fn check(category: &Category, view: &View<'_>, out: &mut Vec<RuleFinding>) {
    let lines = phase_lines(category, view.phase);
    let array = |name: &str| (format!("/data/{name}"), name.to_owned());
    missing(
        view.customer,
        keys(&lines.customer),
        || array("customerDetails"),
        category,
        out,
    );
    missing(
        view.product,
        keys(&lines.product),
        || array("productDetails"),
        category,
        out,
    );
    if view.phase != Phase::Inquiry {
        return;
    }
    let bills = &category.manifest.bills;
    for (i, line) in view.bill_lines().enumerate() {
        if line.id == "0" {
            if let Some(admin) = &bills.admin_key
                && line.key != admin
            {
                out.push(RuleFinding {
                    pointer: format!("/data/billDetails/{i}/key"),
                    message: format!(
                        "the admin line (billId \"0\") is keyed {:?}; {} keys it {admin:?}",
                        line.key, category.manifest.title
                    ),
                    expected: Some(admin.clone()),
                    actual: Some(line.key.to_owned()),
                });
            }
            continue;
        }
        if let Some(period) = &bills.period_key
            && line.key != period
        {
            out.push(RuleFinding {
                pointer: format!("/data/billDetails/{i}/key"),
                message: format!(
                    "bill line {:?} is keyed {:?}; {} keys its bill lines {period:?}",
                    line.id, line.key, category.manifest.title
                ),
                expected: Some(period.clone()),
                actual: Some(line.key.to_owned()),
            });
        }
        missing(
            line.info,
            bills.info_keys.iter().map(String::as_str),
            || {
                (
                    format!("/data/billDetails/{i}/billInfo"),
                    format!("billDetails[{i}].billInfo"),
                )
            },
            category,
            out,
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::rules::test_support::{MINIMAL, category, findings, inquiry};

    const KEYS: &str = "[inquiry]\ncustomer = [[\"No Meter\", \"{account}\"]]\nproduct = [[\"Tarif/Daya\", \"R1\"]]\n[bills]\nadmin_key = \"Admin\"\nperiod_key = \"Harga\"\ninfo_keys = [\"Bulan\"]\n";

    #[test]
    fn each_missing_key_is_reported_at_its_array() {
        let c = category(&format!("{MINIMAL}{KEYS}"));
        let doc = inquiry(
            json!([{"key": "Nama", "value": "x"}]),
            json!([]),
            json!([
                {"billId": "1", "billInfo": [], "isMandatory": true, "key": "Tagihan", "value": 0},
                {"billId": "0", "billInfo": [], "isMandatory": true, "key": "Biaya", "value": 0}
            ]),
        );
        let found = findings(&c, "inquiry.response", doc);
        let pointers: Vec<&str> = found.iter().map(|(_, f)| f.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/data/customerDetails",
                "/data/productDetails",
                "/data/billDetails/0/key",
                "/data/billDetails/0/billInfo",
                "/data/billDetails/1/key"
            ]
        );
        assert!(
            found[0].1.message.contains("\"No Meter\""),
            "{}",
            found[0].1.message
        );
        assert!(found.iter().all(|(id, _)| *id == "product.required-key"));
    }

    #[test]
    fn a_document_with_every_key_passes() {
        let c = category(&format!("{MINIMAL}{KEYS}"));
        let doc = inquiry(
            json!([{"key": "No Meter", "value": "1"}]),
            json!([{"key": "Tarif/Daya", "value": "R1"}]),
            json!([
                {"billId": "1", "billInfo": [{"key": "Bulan", "value": "Jan"}], "isMandatory": true, "key": "Harga", "value": 0},
                {"billId": "0", "billInfo": [], "isMandatory": true, "key": "Admin", "value": 0}
            ]),
        );
        assert!(findings(&c, "inquiry.response", doc).is_empty());
    }
}
