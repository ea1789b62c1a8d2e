//! Value templates of detail lines and tokens: `{account}`, `{name}`,
//! `{time}`, `{token}`, `{product}`, `{periods}` (how many bill periods the
//! transaction has) and `{txn:N}` (the transaction id,
//! zero-padded to N digits, at most 30). Checked when a manifest is read,
//! filled by the simulator.

use crate::manifest::PLACEHOLDERS;

/// What a template is filled with.
#[derive(Debug, Clone, Default)]
pub struct Values<'a> {
    /// `{account}`: the account number.
    pub account: &'a str,
    /// `{name}`: the customer name.
    pub name: &'a str,
    /// `{time}`: the transaction's date line, in the category's date order.
    pub time: &'a str,
    /// `{token}`: the transaction's token.
    pub token: &'a str,
    /// `{product}`: the product name.
    pub product: &'a str,
    /// `{periods}`: how many bill-period lines the transaction has.
    pub periods: usize,
    /// `{txn:N}`: the transaction id.
    pub txn: u64,
}

/// The pieces of a template: literal text and placeholders.
fn pieces(text: &str) -> impl Iterator<Item = Result<Piece<'_>, String>> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let Some(open) = rest.find('{') else {
            let literal = rest;
            rest = "";
            return Some(Ok(Piece::Text(literal)));
        };
        if open > 0 {
            let literal = &rest[..open];
            rest = &rest[open..];
            return Some(Ok(Piece::Text(literal)));
        }
        let Some(close) = rest.find('}') else {
            rest = "";
            return Some(Err(format!("unclosed placeholder in {text:?}")));
        };
        let name = &rest[1..close];
        rest = &rest[close + 1..];
        Some(parse_placeholder(name))
    })
}

enum Piece<'a> {
    Text(&'a str),
    Named(&'a str),
    Txn(usize),
}

fn parse_placeholder(name: &str) -> Result<Piece<'_>, String> {
    if let Some(width) = name.strip_prefix("txn:") {
        return match width.parse::<usize>() {
            Ok(w) if (1..=30).contains(&w) => Ok(Piece::Txn(w)),
            _ => Err(format!("{{txn:N}} needs N from 1 to 30, got {{{name}}}")),
        };
    }
    if PLACEHOLDERS.contains(&name) {
        Ok(Piece::Named(name))
    } else {
        Err(format!(
            "unknown placeholder {{{name}}}: expected one of {{account}}, {{name}}, {{time}}, {{token}}, {{product}}, {{periods}}, {{txn:N}}"
        ))
    }
}

/// Checks a template's placeholders.
pub fn check(text: &str) -> Result<(), String> {
    pieces(text).try_for_each(|p| p.map(|_| ()))
}

/// Fills a template (checked when read; a bad placeholder is left out).
pub fn fill(text: &str, values: &Values<'_>) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for piece in pieces(text).flatten() {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Named("account") => out.push_str(values.account),
            Piece::Named("name") => out.push_str(values.name),
            Piece::Named("time") => out.push_str(values.time),
            Piece::Named("token") => out.push_str(values.token),
            Piece::Named("periods") => out.push_str(&values.periods.to_string()),
            Piece::Named(_) => out.push_str(values.product),
            Piece::Txn(width) => {
                let digits = values.txn.to_string();
                let digits = &digits[digits.len().saturating_sub(width)..];
                out.extend(std::iter::repeat_n('0', width - digits.len()));
                out.push_str(digits);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_txn_is_padded_to_its_width() {
        let values = Values {
            account: "A",
            name: "N",
            txn: 42,
            ..Values::default()
        };
        assert_eq!(fill("{account}/{name}/{txn:5}", &values), "A/N/00042");
        assert_eq!(
            fill(
                "x{txn:2}",
                &Values {
                    txn: 12345,
                    ..values
                }
            ),
            "x45"
        );
        assert_eq!(fill("plain", &Values::default()), "plain");
        let months = Values {
            periods: 3,
            ..Values::default()
        };
        assert_eq!(fill("{periods} Bulan", &months), "3 Bulan");
    }

    #[test]
    fn unknown_or_unclosed_placeholders_are_refused() {
        assert!(
            check("{nope}")
                .unwrap_err()
                .contains("unknown placeholder {nope}")
        );
        assert!(check("{account").unwrap_err().contains("unclosed"));
        assert!(check("{txn:0}").is_err());
        assert!(check("{txn:31}").is_err());
        assert!(check("JHT{txn:6}#JKK{txn:6}").is_ok());
    }
}
