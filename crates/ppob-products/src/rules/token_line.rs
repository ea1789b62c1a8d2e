//! `product.token-line`: a successful payment, status or callback `token`
//! equals the `productDetails` line its category names (Pulsa: the token is
//! its serial-number line). The first of the category's `token.lines`
//! present is compared; a document without any of them is left to
//! `product.required-key`.

use ppob_core::rules::RuleFinding;

use super::View;
use crate::catalog::Category;

/// Pushes a finding when the token differs from the category's token line.
pub(super) fn check(category: &Category, view: &View<'_>, out: &mut Vec<RuleFinding>) {
    let Some(token) = view.token else {
        return;
    };
    let wanted = &category.manifest.token.lines;
    let Some((index, line)) = view
        .product
        .iter()
        .enumerate()
        .find(|(_, line)| wanted.contains(&line.key))
    else {
        return;
    };
    if line.value == token {
        return;
    }
    out.push(RuleFinding {
        pointer: "/data/token".to_owned(),
        message: format!(
            "token {token:?} differs from productDetails[{index}] ({:?} = {:?}); {}'s token is that line",
            line.key, line.value, category.manifest.title
        ),
        expected: Some(line.value.clone()),
        actual: Some(token.to_owned()),
    });
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::rules::test_support::{MINIMAL, category, findings, status};

    #[test]
    fn the_token_equals_the_categorys_line() {
        let c = category(&format!("{MINIMAL}[token]\nlines = [\"Serial\"]\n"));
        let line = json!([{"key": "Serial", "value": "SN1"}]);
        assert!(findings(&c, "status.response", status("SN1", line.clone())).is_empty());
        let found = findings(&c, "callback", status("SN2", line));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "product.token-line");
        assert_eq!(found[0].1.pointer, "/data/token");
        assert_eq!(found[0].1.expected.as_deref(), Some("SN1"));
        // Without the line there is nothing to compare.
        assert!(findings(&c, "status.response", status("SN2", json!([]))).is_empty());
    }
}
