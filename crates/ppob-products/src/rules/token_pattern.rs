//! `product.token-pattern`: a successful payment, status or callback `token`
//! matches the category's pattern as a whole (a PLN token is 20 digits).

use ppob_core::rules::RuleFinding;

use super::View;
use crate::catalog::Category;

/// Pushes a finding when the token does not match.
pub(super) fn check(category: &Category, view: &View<'_>, out: &mut Vec<RuleFinding>) {
    let (Some(pattern), Some(token)) = (&category.manifest.token.pattern, view.token) else {
        return;
    };
    if pattern.regex.is_match(token) {
        return;
    }
    out.push(RuleFinding {
        pointer: "/data/token".to_owned(),
        message: format!(
            "token {token:?} does not match {}'s token pattern {:?}",
            category.manifest.title, pattern.source
        ),
        expected: Some(pattern.source.clone()),
        actual: Some(token.to_owned()),
    });
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::rules::test_support::{MINIMAL, category, findings, status};

    #[test]
    fn a_token_off_the_pattern_is_reported() {
        let c = category(&format!("{MINIMAL}[token]\npattern = \"[0-9]{{20}}\"\n"));
        let bad = findings(&c, "status.response", status("1234", json!([])));
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].0, "product.token-pattern");
        assert_eq!(bad[0].1.pointer, "/data/token");
        assert!(
            findings(
                &c,
                "status.response",
                status("12345678901234567890", json!([]))
            )
            .is_empty()
        );
        // Anchored: a longer token does not match.
        assert_eq!(
            findings(&c, "callback", status("123456789012345678901", json!([]))).len(),
            1
        );
    }
}
