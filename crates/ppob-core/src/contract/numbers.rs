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
//! skips documents that cannot hold such a literal (no negative exponent,
//! no point followed by a long run of zeros), so most documents cost one
//! `memchr2` pass for `-` and `.`.

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
/// negative exponent (a digit, `e` or `E`, then `-`) or a fraction whose
/// point is followed by at least [`ZEROS_TO_VANISH`] zeros (a mantissa below
/// the smallest `f64`, which a positive exponent only makes smaller, needs
/// that many). One pass finds every `-` and `.` (both rare in answers, unlike
/// the letter `e` or the digit `0`); a `.` counts when 64 zeros follow it.
fn may_hold_vanishing(src: &[u8]) -> bool {
    const ZEROS_AFTER_POINT: usize = 64;
    memchr::memchr2_iter(b'-', b'.', src).any(|i| {
        if src[i] == b'-' {
            i >= 2 && matches!(src[i - 1], b'e' | b'E') && src[i - 2].is_ascii_digit()
        } else {
            src.get(i + 1..i + 1 + ZEROS_AFTER_POINT)
                .is_some_and(|after| after.iter().all(|&b| b == b'0'))
        }
    })
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
    fn a_document_with_no_exponent_is_skipped_before_scanning() {
        assert!(!may_hold_vanishing(
            br#"{"responseCode": 0, "message": "e", "date": "2026-11-27"}"#
        ));
        assert!(may_hold_vanishing(b"[1e-5]"));
        assert!(may_hold_vanishing(b"[2.5E-5]"));
        // A positive exponent cannot make a number vanish unless its
        // mantissa already does, which takes hundreds of zeros.
        assert!(!may_hold_vanishing(b"[1e5, 1E+400, 0.001e3]"));
        let zeros = format!("[0.{}1e5]", "0".repeat(400));
        assert!(may_hold_vanishing(zeros.as_bytes()));
        assert_eq!(vanishing_numbers(zeros.as_bytes()).len(), 1);
    }

    #[test]
    fn the_cheap_test_lets_every_vanishing_literal_through() {
        let mut mantissas = vec![
            "1".to_owned(),
            "-2.5".to_owned(),
            "0".to_owned(),
            "123456789".to_owned(),
        ];
        for zeros in [0, 63, 64, 250, 299, 300, 322, 323, 324, 330, 400, 700] {
            mantissas.push(format!("0.{}1", "0".repeat(zeros)));
            mantissas.push(format!("-0.{}25", "0".repeat(zeros)));
        }
        let exponents = [
            "", "e0", "e5", "E+5", "e300", "e+400", "e-0", "e-5", "E-300", "e-323", "E-324",
            "e-330", "e-400", "e-999",
        ];
        let mut vanishing = 0;
        for mantissa in &mantissas {
            for exponent in exponents {
                let literal = format!("{mantissa}{exponent}");
                if vanishes(literal.as_bytes()) {
                    vanishing += 1;
                    assert!(may_hold_vanishing(literal.as_bytes()), "{literal}");
                    let document = format!("{{\"a\": [{literal}]}}");
                    assert_eq!(pointers(&document).len(), 1, "{literal}");
                }
            }
        }
        // Both kinds are among them: negative exponents and long fractions.
        assert!(vanishes(b"1e-400") && vanishes(format!("0.{}1e5", "0".repeat(400)).as_bytes()));
        assert!(vanishing > 20, "{vanishing}");
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
