//! What judging a document may cost: the memory a DOM of it would take,
//! estimated in one pass over its bytes without parsing, and the caps on
//! findings a document lists.
//!
//! A document the typed reader refuses is explained from a DOM
//! (`serde_json::Value`), which for small objects costs far more than the
//! bytes: `{"key":1,"value":2222}` is 23 bytes but about 700 in a DOM (a
//! B-tree node per object). An 8 MiB answer of such lines would take over
//! 200 MB, twice (once to read the money rule, once to explain). Past
//! [`EXPLAIN_BUDGET`] a document is not read into a DOM at all: the engine
//! reports the typed reader's first error and `json.too-costly`, and `check`
//! treats such an answer as doubtful (processing, then status).

/// The most memory (estimated) one document's DOM may take: 64 MiB, eight
/// times the default answer cap (`--max-body`, 8 MiB).
pub const EXPLAIN_BUDGET: usize = 64 * 1024 * 1024;

/// The findings a document lists in full; the rest are counted per rule and
/// pointer prefix (`/data/customerDetails`) in one summary finding each.
pub const MAX_FINDINGS_IN_FULL: usize = 1000;

/// The violations of one document read from the validator at most; past it
/// the summary counts say "at least".
pub const MAX_VIOLATIONS_READ: usize = 100_000;

/// Estimated bytes of a DOM per object (a B-tree leaf node of 11 slots).
const PER_OBJECT: usize = 640;
/// Estimated bytes of a DOM per array or per member or element.
const PER_VALUE: usize = 64;

/// The estimated memory of `bytes` read into a DOM, counted up to just past
/// `limit` (the scan stops there). Strings count their length; braces,
/// brackets and separators outside strings count as above.
pub fn dom_cost(bytes: &[u8], limit: usize) -> usize {
    let mut cost = bytes.len();
    let mut in_string = false;
    let mut escaped = false;
    for &b in bytes {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' => cost += PER_OBJECT,
            b'[' | b',' | b':' => cost += PER_VALUE,
            _ => continue,
        }
        if cost > limit {
            break;
        }
    }
    cost
}

/// Whether a DOM of `bytes` fits in [`EXPLAIN_BUDGET`]. A byte costs at
/// most `1 + PER_OBJECT`, so a document short enough to fit even if it were
/// all braces (under about 100 KiB: every API document) is not scanned.
pub fn within_explain_budget(bytes: &[u8]) -> bool {
    bytes.len().saturating_mul(1 + PER_OBJECT) <= EXPLAIN_BUDGET
        || dom_cost(bytes, EXPLAIN_BUDGET) <= EXPLAIN_BUDGET
}

/// The prefix a finding beyond [`MAX_FINDINGS_IN_FULL`] is counted under:
/// the pointer up to its first array index (`/data/customerDetails/7/key` →
/// `/data/customerDetails`), else its parent (`/x17` → ``).
pub fn pointer_prefix(pointer: &str) -> &str {
    let mut end = 0;
    for token in pointer.split('/').skip(1) {
        if !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit()) {
            return &pointer[..end];
        }
        end += 1 + token.len();
    }
    pointer.rfind('/').map_or("", |i| &pointer[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_objects_cost_more_than_their_bytes_and_strings_hide_structure() {
        let lines = "{\"key\":1,\"value\":2222},".repeat(1000);
        let cost = dom_cost(lines.as_bytes(), usize::MAX);
        assert!(cost > 30 * lines.len(), "{cost}");
        let text = format!("\"{}\"", "{,[:".repeat(1000));
        assert_eq!(dom_cost(text.as_bytes(), usize::MAX), text.len());
        let escaped = br#"["a\"{{{{", 1]"#;
        assert_eq!(dom_cost(escaped, usize::MAX), escaped.len() + 2 * PER_VALUE);
    }

    #[test]
    fn the_scan_stops_past_the_limit() {
        let many = "{}".repeat(1_000_000);
        let cost = dom_cost(many.as_bytes(), 10_000);
        assert!(
            cost > 10_000 && cost < 10_000 + many.len() + PER_OBJECT,
            "{cost}"
        );
        assert!(!within_explain_budget(
            "{\"k\":1}".repeat(200_000).as_bytes()
        ));
        assert!(within_explain_budget(br#"{"responseCode":0}"#));
    }

    #[test]
    fn the_unscanned_short_documents_fit_even_when_all_braces() {
        let longest = EXPLAIN_BUDGET / (1 + PER_OBJECT);
        let braces = vec![b'{'; longest];
        assert!(dom_cost(&braces, usize::MAX) <= EXPLAIN_BUDGET);
        assert!(within_explain_budget(&braces));
        let past = vec![b'{'; longest + 1];
        assert!(dom_cost(&past, usize::MAX) > EXPLAIN_BUDGET);
        assert!(!within_explain_budget(&past));
    }

    #[test]
    fn prefixes_stop_at_the_first_array_index_or_take_the_parent() {
        assert_eq!(
            pointer_prefix("/data/customerDetails/7/key"),
            "/data/customerDetails"
        );
        assert_eq!(pointer_prefix("/x00017"), "");
        assert_eq!(pointer_prefix("/data/amount"), "/data");
        assert_eq!(pointer_prefix("/3"), "");
        assert_eq!(pointer_prefix(""), "");
    }
}
