//! Number literals that a 64-bit float reads as zero.
//!
//! serde_json (like most JSON readers) keeps numbers as `f64`. A literal
//! too large for it is an error ("number out of range"), but one too small
//! — `1e-400`, or `0.` followed by 330 zeros and a `1` — silently becomes
//! `0`: an `amount` of `1e-400` would read as an amount of 0, a
//! `responseCode` of `1e-400` as code 0 (success). [`vanishing_numbers`]
//! finds such literals in a document's raw bytes, with the pointer of the
//! value each one is, so the reader can refuse the document instead of
//! judging what it did not say.
//!
//! The scan walks the bytes once, without recursion; a cheap test first
//! skips documents that cannot hold such a literal (no digit followed by an
//! exponent, no long run of zeros), so most documents cost one `memchr`
//! pass.

use std::sync::OnceLock;

use memchr::memmem;

use crate::contract::locate::escape_token;

/// A number literal that is not zero as written but reads as 0 in a 64-bit float.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VanishingNumber {
    /// Offset of the literal's first byte.
    pub offset: usize,
    /// JSON pointer of the value.
    pub pointer: String,
    /// The literal as written, shortened to [`LITERAL_SHOWN`] characters.
    pub literal: String,
}

/// At most this many characters of a literal are kept in a [`VanishingNumber`].
pub const LITERAL_SHOWN: usize = 40;

/// The fewest zeros a literal without exponent needs before its first
/// other digit to fall below the smallest positive `f64` (about 4.9e-324).
const ZEROS_TO_VANISH: usize = 300;

/// Every literal of `src` (a JSON document) that is not zero as written but
/// reads as 0 in a 64-bit float, in document order. Bytes that are not JSON
/// give what was found up to where they stop making sense; never a panic.
pub fn vanishing_numbers(src: &[u8]) -> Vec<VanishingNumber> {
    if !may_hold_vanishing(src) {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut pos = 0;
    while let Some(&byte) = src.get(pos) {
        match byte {
            b'"' => {
                let Some(end) = string_end(src, pos) else {
                    break;
                };
                let after = skip_ws(src, end);
                match (stack.last_mut(), src.get(after)) {
                    (Some(frame), Some(b':')) if frame.is_object => {
                        frame.key = Some((pos, end));
                        pos = after + 1;
                    }
                    _ => pos = end,
                }
            }
            b'{' | b'[' => {
                stack.push(Frame {
                    is_object: byte == b'{',
                    index: 0,
                    key: None,
                });
                pos += 1;
            }
            b'}' | b']' => {
                stack.pop();
                pos += 1;
            }
            b',' => {
                if let Some(frame) = stack.last_mut() {
                    frame.index += 1;
                    frame.key = None;
                }
                pos += 1;
            }
            b'-' | b'0'..=b'9' => {
                let end = pos
                    + src[pos..]
                        .iter()
                        .position(|b| !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                        .unwrap_or(src.len() - pos);
                let literal = &src[pos..end];
                if vanishes(literal) {
                    found.push(VanishingNumber {
                        offset: pos,
                        pointer: pointer_of(src, &stack),
                        literal: shortened(literal),
                    });
                }
                pos = end;
            }
            _ => pos += 1,
        }
    }
    found
}

/// Whether `src` may hold a vanishing literal at all: one needs either a
/// negative exponent (a digit, `e` or `E`, then `-`) or a long run of zeros.
/// Without a run of 64 zeros the mantissa is at least 1e-64, so only a
/// negative exponent can take it below the smallest `f64`. Documents hold
/// few `-` (far fewer than `e`), so this is about one `memchr` pass.
fn may_hold_vanishing(src: &[u8]) -> bool {
    let negative_exponent = memchr::memchr_iter(b'-', src)
        .any(|i| i > 1 && matches!(src[i - 1], b'e' | b'E') && src[i - 2].is_ascii_digit());
    negative_exponent || zeros_finder().find(src).is_some()
}

/// Searches for a run of 64 zeros; built once, since building a finder costs
/// more than searching a typical document with it.
fn zeros_finder() -> &'static memmem::Finder<'static> {
    static ZEROS: [u8; 64] = [b'0'; 64];
    static FINDER: OnceLock<memmem::Finder<'static>> = OnceLock::new();
    FINDER.get_or_init(|| memmem::Finder::new(&ZEROS))
}

/// Whether a number literal has a digit other than 0 before its exponent yet reads as 0.
fn vanishes(literal: &[u8]) -> bool {
    let mantissa_end = literal
        .iter()
        .position(|b| matches!(b, b'e' | b'E'))
        .unwrap_or(literal.len());
    if mantissa_end == literal.len() && literal.len() < ZEROS_TO_VANISH {
        return false;
    }
    let nonzero = literal[..mantissa_end]
        .iter()
        .any(|b| matches!(b, b'1'..=b'9'));
    // Read as the document's reader reads it.
    nonzero && serde_json::from_slice::<f64>(literal).is_ok_and(|f| f == 0.0)
}

/// A literal as text, shortened to [`LITERAL_SHOWN`] characters.
fn shortened(literal: &[u8]) -> String {
    let text = String::from_utf8_lossy(literal);
    if text.chars().count() <= LITERAL_SHOWN {
        return text.into_owned();
    }
    let head: String = text.chars().take(LITERAL_SHOWN - 1).collect();
    format!("{head}…")
}

/// A container the scan is inside.
struct Frame {
    is_object: bool,
    /// The element's index, for an array.
    index: usize,
    /// The current member's key (from its opening to after its closing quote), for an object.
    key: Option<(usize, usize)>,
}

/// The offset just after the string whose opening quote is at `start`.
fn string_end(src: &[u8], start: usize) -> Option<usize> {
    let mut pos = start + 1;
    loop {
        let rest = src.get(pos..)?;
        let i = memchr::memchr2(b'"', b'\\', rest)?;
        if rest[i] == b'\\' {
            pos += i + 2;
        } else {
            return Some(pos + i + 1);
        }
    }
}

fn skip_ws(src: &[u8], mut pos: usize) -> usize {
    while matches!(src.get(pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        pos += 1;
    }
    pos
}

/// The JSON pointer of the value the scan is at, inside `stack`.
fn pointer_of(src: &[u8], stack: &[Frame]) -> String {
    let mut pointer = String::new();
    for frame in stack {
        pointer.push('/');
        if frame.is_object {
            let raw = frame
                .key
                .map_or(&b"\"\""[..], |(start, end)| &src[start..end]);
            let key = serde_json::from_slice::<String>(raw)
                .unwrap_or_else(|_| String::from_utf8_lossy(raw).into_owned());
            pointer.push_str(&escape_token(&key));
        } else {
            pointer.push_str(&frame.index.to_string());
        }
    }
    pointer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pointers(src: &str) -> Vec<(String, String)> {
        vanishing_numbers(src.as_bytes())
            .into_iter()
            .map(|v| {
                assert!(src[v.offset..].starts_with(v.literal.trim_end_matches('…')));
                (v.pointer, v.literal)
            })
            .collect()
    }

    #[test]
    fn a_literal_below_the_smallest_float_is_found_with_its_pointer() {
        let src =
            r#"{"amount": 1e-400, "list": [0, {"a~/b": -2.5E-999}], "ok": 1e-300, "zero": 0e-999}"#;
        assert_eq!(
            pointers(src),
            vec![
                ("/amount".to_owned(), "1e-400".to_owned()),
                ("/list/1/a~0~1b".to_owned(), "-2.5E-999".to_owned()),
            ]
        );
    }

    #[test]
    fn a_long_decimal_fraction_vanishes_too_and_is_shortened() {
        let long = format!("0.{}7", "0".repeat(400));
        let src = format!("[1, 2, {long}]");
        let found = vanishing_numbers(src.as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].pointer, "/2");
        assert_eq!(found[0].literal.chars().count(), LITERAL_SHOWN);
        assert!(found[0].literal.ends_with('…'));
        // Long enough to be read, too few zeros to vanish (7e-301).
        assert!(vanishing_numbers(format!("[0.{}7]", "0".repeat(300)).as_bytes()).is_empty());
    }

    #[test]
    fn numbers_inside_strings_and_keys_are_not_numbers() {
        assert!(pointers(r#"{"1e-400": "1e-400", "x\"1e-400": ["\\", "a"]}"#).is_empty());
        assert!(
            pointers("[\"0000000000000000000000000000000000000000000000000000000000000000000\"]")
                .is_empty()
        );
    }

    #[test]
    fn a_document_with_no_negative_exponent_is_skipped_before_scanning() {
        assert!(!may_hold_vanishing(
            br#"{"responseCode": 0, "message": "e"}"#
        ));
        assert!(!may_hold_vanishing(
            br#"[1e5, 2E+300, -1, "e-wallet", "2026-11-27"]"#
        ));
        assert!(may_hold_vanishing(b"[1e-5]"));
        assert!(may_hold_vanishing(b"[-2.5E-5]"));
    }

    #[test]
    fn a_positive_exponent_vanishes_only_after_a_long_run_of_zeros() {
        // 1e-331 × 1e5 = 1e-326, below the smallest f64: caught by the zeros.
        let src = format!("[0.{}1e5]", "0".repeat(330));
        assert_eq!(vanishing_numbers(src.as_bytes()).len(), 1);
        // 63 zeros at most without a run of 64: 1e-64 × 10^0 at the least.
        let src = format!("[0.{}1e+0]", "0".repeat(63));
        assert!(vanishing_numbers(src.as_bytes()).is_empty());
    }

    #[test]
    fn a_top_level_number_has_the_empty_pointer() {
        assert_eq!(
            pointers("  1e-400 "),
            vec![(String::new(), "1e-400".to_owned())]
        );
    }

    #[test]
    fn malformed_bytes_end_the_scan_without_panicking() {
        for src in [
            &b"\"1e-400"[..],
            b"]]]1e-400",
            b"{\"a\":1e-400",
            b"1e-400e-e",
            b"\"\\",
        ] {
            let _ = vanishing_numbers(src);
        }
        assert_eq!(vanishing_numbers(b"]]]1e-400").len(), 1);
    }
}
