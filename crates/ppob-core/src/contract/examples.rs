//! The seed's payloads (`fixtures/mobile-postpaid/*.json`), built into the
//! crate so that every generated schema and the OpenAPI document can carry
//! them as `examples` without reading files at run time.

use serde_json::Value;

use super::kind::DocKind;

macro_rules! seed {
    ($($file:literal),* $(,)?) => {
        &[$(($file, include_str!(concat!("../../../../fixtures/mobile-postpaid/", $file)))),*]
    };
}

/// `(file name, contents)` of every seed fixture, as committed. A test keeps
/// this list equal to the directory's `*.json` files.
pub const SEED_FIXTURES: &[(&str, &str)] = seed![
    "inquiry.request.json",
    "inquiry.response.json",
    "rc-303-bill-not-available.inquiry.response.json",
    "payment.request.json",
    "payment.response.json",
    "rc-103-wrong-account.payment.response.json",
    "status.request.json",
    "status.response.json",
    "rc-188-not-found.status.response.json",
    "callback.json",
];

/// One seed payload: its file name (without `.json`) and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedExample {
    /// The fixture's file stem, e.g. `rc-303-bill-not-available.inquiry.response`.
    pub name: &'static str,
    /// The payload.
    pub value: Value,
}

/// The seed payloads of `kind`, in [`SEED_FIXTURES`] order.
pub fn seed_examples(kind: DocKind) -> Vec<SeedExample> {
    SEED_FIXTURES
        .iter()
        .filter(|(file, _)| DocKind::from_file_name(file) == Some(kind))
        .filter_map(|(file, text)| {
            Some(SeedExample {
                name: file.strip_suffix(".json")?,
                value: serde_json::from_str(text).ok()?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seed_fixture_parses_and_every_kind_has_one() {
        for (file, text) in SEED_FIXTURES {
            assert!(DocKind::from_file_name(file).is_some(), "{file}");
            serde_json::from_str::<Value>(text).unwrap_or_else(|e| panic!("{file}: {e}"));
        }
        for kind in DocKind::ALL {
            assert!(!seed_examples(kind).is_empty(), "{kind} has no example");
        }
        let names: Vec<_> = seed_examples(DocKind::InquiryResponse)
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(
            names,
            [
                "inquiry.response",
                "rc-303-bill-not-available.inquiry.response"
            ]
        );
    }
}
