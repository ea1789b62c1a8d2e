//! `product.request-extra`: an inquiry request carries the extras its
//! category needs, within bounds — `amount` for open-amount products,
//! `month` for BPJSTK BPU, `zoneId` for game vouchers.

use ppob_core::model::InquiryRequest;
use ppob_core::rules::RuleFinding;

use super::inquiry_extras;
use crate::catalog::Category;
use crate::manifest::Range;

fn bounded(
    field: &str,
    value: Option<u64>,
    range: Option<Range>,
    category: &Category,
    out: &mut Vec<RuleFinding>,
) {
    let Some(range) = range else {
        return;
    };
    let wanted = format!("{} to {}", range.min, range.max);
    match value {
        None => out.push(RuleFinding {
            pointer: String::new(),
            message: format!(
                "an inquiry of {} sends {field:?} ({wanted}); this one has none",
                category.manifest.title
            ),
            expected: Some(wanted),
            actual: None,
        }),
        Some(v) if !range.contains(v) => out.push(RuleFinding {
            pointer: format!("/{field}"),
            message: format!(
                "{field} {v} is outside {}'s bounds {wanted}",
                category.manifest.title
            ),
            expected: Some(wanted),
            actual: Some(v.to_string()),
        }),
        Some(_) => {}
    }
}

/// Pushes a finding for each missing or out-of-bounds extra.
pub(super) fn check(category: &Category, request: &InquiryRequest, out: &mut Vec<RuleFinding>) {
    let (amount, month, zone_id) = inquiry_extras(request);
    let extras = &category.manifest.request;
    bounded("amount", amount, extras.amount, category, out);
    bounded("month", month, extras.month, category, out);
    if extras.zone_id && zone_id.is_none_or(|z| z.trim().is_empty()) {
        out.push(RuleFinding {
            pointer: if zone_id.is_some() {
                "/zoneId".to_owned()
            } else {
                String::new()
            },
            message: format!(
                "an inquiry of {} sends a non-empty \"zoneId\"",
                category.manifest.title
            ),
            expected: Some("zoneId".to_owned()),
            actual: zone_id.map(str::to_owned),
        });
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::rules::test_support::{MINIMAL, category, findings};

    #[test]
    fn missing_and_out_of_bounds_extras_are_reported() {
        let c = category(&format!(
            "{MINIMAL}[request]\namount = {{ min = 10, max = 100 }}\nmonth = {{ min = 1, max = 12 }}\nzone_id = true\n"
        ));
        let base = json!({"partnerId": "p", "accountNumber": "a", "productCode": "S1"});
        let found = findings(&c, "inquiry.request", base);
        assert_eq!(found.len(), 3);
        assert!(
            found
                .iter()
                .all(|(id, f)| *id == "product.request-extra" && f.pointer.is_empty())
        );
        let fine = json!({"partnerId": "p", "accountNumber": "a", "productCode": "S1", "amount": 10, "month": 12, "zoneId": "2001"});
        assert!(findings(&c, "inquiry.request", fine).is_empty());
        let past = json!({"partnerId": "p", "accountNumber": "a", "productCode": "S1", "amount": 101, "month": 0, "zoneId": " "});
        let pointers: Vec<String> = findings(&c, "inquiry.request", past)
            .into_iter()
            .map(|(_, f)| f.pointer)
            .collect();
        assert_eq!(pointers, ["/amount", "/month", "/zoneId"]);
    }
}
