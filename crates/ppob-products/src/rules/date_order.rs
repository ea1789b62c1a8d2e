//! `product.date-order`: the date lines of a category (the detail lines whose
//! template is `{time}`) are written in its order — `DD Mon YYYY | HH:MM`, or
//! time first (`HH:MM | DD Mon YYYY`, BPJSTK BPU).

use std::sync::LazyLock;

use ppob_core::rules::RuleFinding;
use regex::Regex;

use super::{View, phase_lines};
use crate::catalog::Category;
use crate::manifest::DateOrder;

static DAY_FIRST: LazyLock<Regex> = LazyLock::new(|| {
    // invariant: a literal pattern that compiles (the unit test uses it).
    Regex::new(r"^\d{2} [A-Z][a-z]{2} \d{4} \| \d{2}:\d{2}$").expect("valid")
});
static TIME_FIRST: LazyLock<Regex> = LazyLock::new(|| {
    // invariant: a literal pattern that compiles (the unit test uses it).
    Regex::new(r"^\d{2}:\d{2} \| \d{2} [A-Z][a-z]{2} \d{4}$").expect("valid")
});

/// Pushes a finding for each date line written in another order.
pub(super) fn check(category: &Category, view: &View<'_>, out: &mut Vec<RuleFinding>) {
    let lines = phase_lines(category, view.phase);
    let (pattern, shape) = match category.manifest.date_order {
        DateOrder::DayFirst => (&*DAY_FIRST, "DD Mon YYYY | HH:MM"),
        DateOrder::TimeFirst => (&*TIME_FIRST, "HH:MM | DD Mon YYYY"),
    };
    let date_keys: Vec<&str> = lines
        .customer
        .iter()
        .filter(|(_, t)| t.0 == "{time}")
        .map(|(k, _)| k.as_str())
        .collect();
    for (i, line) in view.customer.iter().enumerate() {
        if date_keys.contains(&line.key.as_str()) && !pattern.is_match(&line.value) {
            out.push(RuleFinding {
                pointer: format!("/data/customerDetails/{i}/value"),
                message: format!(
                    "{:?} is {:?}; {} writes it {shape:?}",
                    line.key, line.value, category.manifest.title
                ),
                expected: Some(shape.to_owned()),
                actual: Some(line.value.clone()),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::rules::test_support::{MINIMAL, category, findings, inquiry};

    #[test]
    fn the_date_line_follows_the_categorys_order() {
        let manifest = |order: &str| {
            category(&format!(
                "date_order = \"{order}\"\n{MINIMAL}[inquiry]\ncustomer = [[\"Tanggal\", \"{{time}}\"]]\n"
            ))
        };
        let doc = |value: &str| {
            inquiry(
                json!([{"key": "Tanggal", "value": value}]),
                json!([]),
                json!([]),
            )
        };
        let day = manifest("day-first");
        assert!(findings(&day, "inquiry.response", doc("26 Sep 2023 | 10:00")).is_empty());
        let found = findings(&day, "inquiry.response", doc("10:00 | 26 Sep 2023"));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "product.date-order");
        assert_eq!(found[0].1.pointer, "/data/customerDetails/0/value");
        let time = manifest("time-first");
        assert!(findings(&time, "inquiry.response", doc("10:00 | 26 Sep 2023")).is_empty());
        assert_eq!(
            findings(&time, "inquiry.response", doc("26 Sep 2023 | 10:00")).len(),
            1
        );
    }
}
