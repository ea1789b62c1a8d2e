//! `product.token-parts`: a successful token built from parts (BPJSTK PU:
//! `JHT…#JKK…#JKM…#JPN…`) has exactly the category's parts, in order, each
//! starting with its prefix.

use ppob_core::rules::RuleFinding;

use super::View;
use crate::catalog::Category;

/// Pushes a finding when the token is not made of the category's parts.
pub(super) fn check(category: &Category, view: &View<'_>, out: &mut Vec<RuleFinding>) {
    let (Some(parts), Some(token)) = (&category.manifest.token.parts, view.token) else {
        return;
    };
    let mut pieces = token.split(parts.separator.as_str());
    let mut prefixes = parts.prefixes.iter();
    let fits = loop {
        match (pieces.next(), prefixes.next()) {
            (None, None) => break true,
            (Some(piece), Some(prefix))
                if piece.starts_with(prefix.as_str()) && piece.len() > prefix.len() => {}
            _ => break false,
        }
    };
    if fits {
        return;
    }
    let shape = parts
        .prefixes
        .iter()
        .map(|p| format!("{p}…"))
        .collect::<Vec<_>>()
        .join(&parts.separator);
    out.push(RuleFinding {
        pointer: "/data/token".to_owned(),
        message: format!(
            "token {token:?} is not built from {}'s parts {shape:?}",
            category.manifest.title
        ),
        expected: Some(shape),
        actual: Some(token.to_owned()),
    });
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::rules::test_support::{MINIMAL, category, findings, status};

    #[test]
    fn parts_must_come_in_order_with_their_prefixes() {
        let c = category(&format!(
            "{MINIMAL}[token]\nparts = {{ separator = \"#\", prefixes = [\"A\", \"B\"] }}\n"
        ));
        assert!(findings(&c, "status.response", status("A1#B2", json!([]))).is_empty());
        for bad in ["B1#A2", "A1", "A1#B2#C3", "A#B2", ""] {
            let found = findings(&c, "status.response", status(bad, json!([])));
            assert_eq!(found.len(), 1, "{bad}");
            assert_eq!(found[0].0, "product.token-parts");
        }
    }
}
