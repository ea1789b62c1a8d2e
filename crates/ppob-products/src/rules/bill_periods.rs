//! `product.bill-periods`: a successful inquiry has as many bill-period lines
//! (`billId` other than "0") as its category allows (phone credit: none; PLN
//! Postpaid: one per month owed).

use ppob_core::rules::RuleFinding;

use super::{Phase, View};
use crate::catalog::Category;

/// Pushes a finding when the count of periods is out of the category's range.
pub(super) fn check(category: &Category, view: &View<'_>, out: &mut Vec<RuleFinding>) {
    let Some(range) = category.manifest.bills.periods else {
        return;
    };
    if view.phase != Phase::Inquiry {
        return;
    }
    let count = view.bill_lines().filter(|l| l.id != "0").count() as u64;
    if range.contains(count) {
        return;
    }
    let wanted = if range.min == range.max {
        range.min.to_string()
    } else {
        format!("{} to {}", range.min, range.max)
    };
    out.push(RuleFinding {
        pointer: "/data/billDetails".to_owned(),
        message: format!(
            "a successful inquiry of {} has {wanted} bill period line(s), this one {count}",
            category.manifest.title
        ),
        expected: Some(wanted),
        actual: Some(count.to_string()),
    });
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::rules::test_support::{MINIMAL, category, findings, inquiry};

    #[test]
    fn periods_outside_the_range_are_reported() {
        let c = category(&format!(
            "{MINIMAL}[bills]\nperiods = {{ min = 1, max = 2 }}\n"
        ));
        let line = |id: &str| json!({"billId": id, "billInfo": [], "isMandatory": true, "key": "T", "value": 0});
        let none = inquiry(json!([]), json!([]), json!([line("0")]));
        let found = findings(&c, "inquiry.response", none);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "product.bill-periods");
        assert_eq!(found[0].1.actual.as_deref(), Some("0"));
        let two = inquiry(
            json!([]),
            json!([]),
            json!([line("2"), line("1"), line("0")]),
        );
        assert!(findings(&c, "inquiry.response", two).is_empty());
        let three = inquiry(
            json!([]),
            json!([]),
            json!([line("3"), line("2"), line("1")]),
        );
        assert_eq!(findings(&c, "inquiry.response", three).len(), 1);
    }
}
