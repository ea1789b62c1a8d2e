//! `product.date-order`: the date lines of a category (the detail lines whose
//! template is `{time}`) are written in its order — `DD Mon YYYY | HH:MM`, or
//! time first (`HH:MM | DD Mon YYYY`, BPJSTK BPU).

use ppob_core::rules::RuleFinding;

use super::View;
use crate::catalog::Category;
use crate::manifest::DateOrder;

/// What one byte of a date shape stands for.
#[derive(Clone, Copy)]
enum Slot {
    /// An ASCII digit.
    Digit,
    /// An ASCII upper-case letter.
    Upper,
    /// An ASCII lower-case letter.
    Lower,
    /// This byte exactly.
    Exactly(u8),
}

/// `DD Mon YYYY | HH:MM`, byte by byte.
const DAY_FIRST: [Slot; 19] = {
    use Slot::{Digit as D, Exactly as E, Lower as L, Upper as U};
    [
        D,
        D,
        E(b' '),
        U,
        L,
        L,
        E(b' '),
        D,
        D,
        D,
        D,
        E(b' '),
        E(b'|'),
        E(b' '),
        D,
        D,
        E(b':'),
        D,
        D,
    ]
};

/// `HH:MM | DD Mon YYYY`, byte by byte.
const TIME_FIRST: [Slot; 19] = {
    use Slot::{Digit as D, Exactly as E, Lower as L, Upper as U};
    [
        D,
        D,
        E(b':'),
        D,
        D,
        E(b' '),
        E(b'|'),
        E(b' '),
        D,
        D,
        E(b' '),
        U,
        L,
        L,
        E(b' '),
        D,
        D,
        D,
        D,
    ]
};

/// Whether `value` is written exactly in `shape` (no regex: this runs on
/// every date line of every document).
fn fits(value: &str, shape: &[Slot]) -> bool {
    value.len() == shape.len()
        && value.bytes().zip(shape).all(|(b, slot)| match slot {
            Slot::Digit => b.is_ascii_digit(),
            Slot::Upper => b.is_ascii_uppercase(),
            Slot::Lower => b.is_ascii_lowercase(),
            Slot::Exactly(e) => b == *e,
        })
}

/// Pushes a finding for each date line written in another order.
pub(super) fn check(category: &Category, view: &View<'_>, out: &mut Vec<RuleFinding>) {
    let date_keys = category.date_keys(view.phase);
    if date_keys.is_empty() {
        return;
    }
    let (pattern, shape): (&[Slot], &str) = match category.manifest.date_order {
        DateOrder::DayFirst => (&DAY_FIRST, "DD Mon YYYY | HH:MM"),
        DateOrder::TimeFirst => (&TIME_FIRST, "HH:MM | DD Mon YYYY"),
    };
    for (i, line) in view.customer.iter().enumerate() {
        if date_keys.contains(&line.key) && !fits(&line.value, pattern) {
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
        for near in [
            "26 Sep 2023 | 10:00 ",
            "26 sep 2023 | 10:00",
            "26 SEP 2023 | 10:00",
            "2 Sep 2023 | 10:00",
            "26 Sep 2023 | 10.00",
            "\u{0662}\u{0666} Sep 2023 | 10:00",
            "",
        ] {
            assert_eq!(
                findings(&day, "inquiry.response", doc(near)).len(),
                1,
                "{near:?}"
            );
        }
    }

    #[test]
    fn the_shapes_are_byte_for_byte() {
        assert!(super::fits("01 Jan 1999 | 23:59", &super::DAY_FIRST));
        assert!(super::fits("23:59 | 01 Jan 1999", &super::TIME_FIRST));
        assert!(!super::fits("01 Jan 1999 | 23:59", &super::TIME_FIRST));
        assert!(!super::fits("01 Jan 1999 |23:59 ", &super::DAY_FIRST));
    }
}
