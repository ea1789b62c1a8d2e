//! Contract coverage: which operations, response codes and code classes a
//! target actually answered during `check` or `fuzz`, which documented codes
//! it never answered, and which required codes are missing (`--require-codes`,
//! rule [`REQUIRED_CODE`]). A green run against a sandbox that answers one
//! code to everything means little; this says so.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use ppob_core::contract::Operation;
use ppob_core::model::CodeClass;
use ppob_core::model::response_code::{DOCUMENTED_CODES, is_documented};

/// The rule id of a required response code the target never answered.
pub use ppob_core::rules::catalogue::ids::REQUIRED_CODE;

/// What a run exercised (the `coverage` member of the report).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct Coverage {
    /// Per operation, in the order inquiry, payment, status (operations never
    /// called are listed with zero requests).
    pub operations: Vec<OperationCoverage>,
    /// Documented response codes (api-facts) no answer carried.
    pub documented_not_seen: Vec<i64>,
    /// Codes answered that the vendor does not document.
    pub undocumented_seen: Vec<i64>,
    /// Codes the run required (`--require-codes`, `[report] require_codes`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required: Vec<i64>,
    /// Of those, the ones never answered: each is an error of rule
    /// `coverage.required-code`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_required: Vec<i64>,
    /// What ran: for `check` cases per expectation (`success`, `failed:302`,
    /// …), for `fuzz` cases per scenario.
    pub scenarios: BTreeMap<String, u64>,
    /// For `fuzz`: cases per variant (`valid` or a negative variant).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub variants: BTreeMap<String, u64>,
    /// For `check`: per product category (the folder name of each case's
    /// product, `unknown` when no category sells it), the answers per
    /// response code, over every operation, in code order.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub categories: BTreeMap<String, Vec<CodeCount>>,
}

/// How one operation was answered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct OperationCoverage {
    /// `inquiry`, `payment` or `status`.
    pub operation: String,
    /// Requests sent.
    pub requests: u64,
    /// Answers without a usable `responseCode` (timeout, connection error,
    /// HTTP error page, a body that is not an envelope).
    pub without_code: u64,
    /// Answers per response code, in code order.
    pub codes: Vec<CodeCount>,
    /// Answers per documented code class (`success`, `failed`, `processing`,
    /// `inquiry-ok`, `inquiry-failed`, `undocumented`).
    pub classes: BTreeMap<String, u64>,
}

/// How often one response code was answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeCount {
    /// The `responseCode`.
    pub code: i64,
    /// Answers that carried it.
    pub count: u64,
}

/// A stable short name of a code class, as used in reports.
pub fn class_name(class: CodeClass) -> &'static str {
    match class {
        CodeClass::Success => "success",
        CodeClass::Failed => "failed",
        CodeClass::Processing => "processing",
        CodeClass::InquiryOk => "inquiry-ok",
        CodeClass::InquiryFailed => "inquiry-failed",
        CodeClass::Unknown => "undocumented",
    }
}

/// Counts answers as a run goes; [`CoverageTally::finish`] makes the report.
#[derive(Debug, Clone, Default)]
pub struct CoverageTally {
    /// Per operation: requests, answers without a code, answers per code.
    operations: BTreeMap<Operation, (u64, u64, BTreeMap<i64, u64>)>,
    scenarios: BTreeMap<String, u64>,
    variants: BTreeMap<String, u64>,
    /// Per product category: answers per code.
    categories: BTreeMap<String, BTreeMap<i64, u64>>,
}

/// The `responseCode` of an answer's bytes, when the body is a JSON object
/// carrying an integer one. Only that member is read: the rest of the body is
/// skipped unread, so a huge answer costs no DOM here.
fn code_of(body: &[u8]) -> Option<i64> {
    #[derive(serde::Deserialize)]
    struct Code {
        #[serde(rename = "responseCode")]
        response_code: Option<serde_json::Value>,
    }
    serde_json::from_slice::<Code>(body)
        .ok()
        .and_then(|c| c.response_code?.as_i64())
}

impl CoverageTally {
    /// Counts `requests` requests of `operation`, `count` of whose answers
    /// carried `code` (`None`: no usable response code).
    pub fn answered(&mut self, operation: Operation, code: Option<i64>, count: u64) {
        let entry = self.operations.entry(operation).or_default();
        entry.0 += count;
        match code {
            Some(code) => *entry.2.entry(code).or_default() += count,
            None => entry.1 += count,
        }
    }

    /// Counts one exchange from the answer's bytes: its `responseCode` when
    /// the body is a JSON object carrying an integer one.
    pub fn answered_with(&mut self, operation: Operation, body: &[u8]) {
        self.answered(operation, code_of(body), 1);
    }

    /// Counts one exchange of a case of product category `category` (as
    /// [`CoverageTally::answered_with`], and per category).
    pub fn answered_in(&mut self, category: &str, operation: Operation, body: &[u8]) {
        let code = code_of(body);
        self.answered(operation, code, 1);
        let codes = self.categories.entry(category.to_owned()).or_default();
        if let Some(code) = code {
            *codes.entry(code).or_default() += 1;
        }
    }

    /// Counts `count` cases of a scenario (a `check` expectation, a `fuzz` scenario).
    pub fn scenario(&mut self, name: &str, count: u64) {
        *self.scenarios.entry(name.to_owned()).or_default() += count;
    }

    /// Counts `count` cases of a `fuzz` variant.
    pub fn variant(&mut self, name: &str, count: u64) {
        *self.variants.entry(name.to_owned()).or_default() += count;
    }

    /// Adds what another run's report counted (`report merge`): requests,
    /// answers without a code and answers per code of each operation,
    /// scenarios and variants. What is derived from the counts (classes,
    /// codes never answered, missing required codes) is worked out again by
    /// [`CoverageTally::finish`]. An operation name that is not one of ours is
    /// refused, naming it.
    pub fn absorb(&mut self, coverage: &Coverage) -> Result<(), String> {
        for op in &coverage.operations {
            let operation = Operation::ALL
                .into_iter()
                .find(|o| o.name() == op.operation)
                .ok_or_else(|| {
                    format!(
                        "its coverage names an unknown operation {:?} (expected inquiry, payment or status)",
                        op.operation
                    )
                })?;
            let entry = self.operations.entry(operation).or_default();
            entry.0 += op.requests;
            entry.1 += op.without_code;
            for c in &op.codes {
                *entry.2.entry(c.code).or_default() += c.count;
            }
        }
        for (name, count) in &coverage.scenarios {
            self.scenario(name, *count);
        }
        for (name, count) in &coverage.variants {
            self.variant(name, *count);
        }
        for (name, codes) in &coverage.categories {
            let into = self.categories.entry(name.clone()).or_default();
            for c in codes {
                *into.entry(c.code).or_default() += c.count;
            }
        }
        Ok(())
    }

    /// Every code answered, over all operations.
    fn seen(&self) -> BTreeMap<i64, u64> {
        let mut seen = BTreeMap::new();
        for (_, _, codes) in self.operations.values() {
            for (code, count) in codes {
                *seen.entry(*code).or_default() += count;
            }
        }
        seen
    }

    /// The coverage report; `required` codes never answered are listed as missing.
    pub fn finish(&self, required: &[i64]) -> Coverage {
        let seen = self.seen();
        let operations = Operation::ALL
            .into_iter()
            .map(|op| {
                let (requests, without_code, codes) =
                    self.operations.get(&op).cloned().unwrap_or_default();
                let mut classes = BTreeMap::new();
                for (code, count) in &codes {
                    *classes
                        .entry(class_name(CodeClass::of(*code)).to_owned())
                        .or_default() += count;
                }
                OperationCoverage {
                    operation: op.name().to_owned(),
                    requests,
                    without_code,
                    codes: codes
                        .into_iter()
                        .map(|(code, count)| CodeCount { code, count })
                        .collect(),
                    classes,
                }
            })
            .collect();
        let mut required: Vec<i64> = required.to_vec();
        required.sort_unstable();
        required.dedup();
        Coverage {
            operations,
            documented_not_seen: DOCUMENTED_CODES
                .iter()
                .copied()
                .filter(|c| !seen.contains_key(c))
                .collect(),
            undocumented_seen: seen
                .keys()
                .copied()
                .filter(|c| !is_documented(*c))
                .collect(),
            missing_required: required
                .iter()
                .copied()
                .filter(|c| !seen.contains_key(c))
                .collect(),
            required,
            scenarios: self.scenarios.clone(),
            variants: self.variants.clone(),
            categories: self
                .categories
                .iter()
                .map(|(name, codes)| {
                    let codes = codes
                        .iter()
                        .map(|(&code, &count)| CodeCount { code, count })
                        .collect();
                    (name.clone(), codes)
                })
                .collect(),
        }
    }
}

impl Coverage {
    /// The findings-like message of a missing required code.
    pub fn missing_message(code: i64) -> String {
        format!(
            "the target never answered response code {code} ({}), which the run requires",
            CodeClass::of(code).describe()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_counts_codes_per_operation_and_lists_what_is_missing() {
        let mut tally = CoverageTally::default();
        tally.answered_with(Operation::Inquiry, br#"{"responseCode":300}"#);
        tally.answered_with(Operation::Inquiry, br#"{"responseCode":300}"#);
        tally.answered_with(Operation::Payment, b"<html>502</html>");
        tally.answered(Operation::Status, Some(777), 1);
        tally.scenario("success", 2);
        let coverage = tally.finish(&[300, 188, 188]);
        let inquiry = &coverage.operations[0];
        assert_eq!(inquiry.requests, 2);
        assert_eq!(
            inquiry.codes,
            vec![CodeCount {
                code: 300,
                count: 2
            }]
        );
        assert_eq!(inquiry.classes.get("inquiry-ok"), Some(&2));
        assert_eq!(coverage.operations[1].without_code, 1);
        assert_eq!(coverage.required, vec![188, 300]);
        assert_eq!(coverage.missing_required, vec![188]);
        assert_eq!(coverage.undocumented_seen, vec![777]);
        assert!(coverage.documented_not_seen.contains(&188));
        assert!(!coverage.documented_not_seen.contains(&300));
    }

    #[test]
    fn absorbed_reports_add_up_and_derived_lists_are_worked_out_again() {
        let mut a = CoverageTally::default();
        a.answered(Operation::Inquiry, Some(300), 2);
        a.answered(Operation::Payment, None, 1);
        a.scenario("success", 2);
        let mut b = CoverageTally::default();
        b.answered(Operation::Inquiry, Some(300), 1);
        b.answered(Operation::Status, Some(0), 1);
        b.scenario("success", 1);
        b.variant("valid", 4);
        let required = [0, 300, 188];
        let (a, b) = (a.finish(&required), b.finish(&required));
        assert_eq!(a.missing_required, vec![0, 188]);
        let mut merged = CoverageTally::default();
        merged.absorb(&a).unwrap();
        merged.absorb(&b).unwrap();
        let merged = merged.finish(&required);
        assert_eq!(merged.operations[0].requests, 3);
        assert_eq!(merged.operations[0].classes.get("inquiry-ok"), Some(&3));
        assert_eq!(merged.operations[1].without_code, 1);
        assert_eq!(
            merged.operations[2].codes,
            vec![CodeCount { code: 0, count: 1 }]
        );
        assert_eq!(merged.missing_required, vec![188]);
        assert!(!merged.documented_not_seen.contains(&0));
        assert_eq!(merged.scenarios.get("success"), Some(&3));
        assert_eq!(merged.variants.get("valid"), Some(&4));

        let mut odd = a.clone();
        odd.operations[0].operation = "refund".into();
        let error = CoverageTally::default().absorb(&odd).unwrap_err();
        assert!(error.contains("\"refund\""), "{error}");
    }
}
