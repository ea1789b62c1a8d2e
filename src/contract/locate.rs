//! Maps a JSON pointer to its place in the source text (line and column).
//!
//! jsonschema reports pointers, not positions, and serde_json's DOM keeps no
//! spans; this module walks the raw bytes of a document that already parsed
//! and finds where a pointer's value (and its member key) starts. It never
//! recurses, so any nesting depth is safe.

/// Where a pointer's value starts in the source, as byte offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spot {
    /// Offset of the first byte of the value.
    pub value: usize,
    /// Offset of the opening quote of the member's key, for object members.
    pub key: Option<usize>,
}

/// A 1-based line and a 1-based column counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// 1-based line.
    pub line: u64,
    /// 1-based column, in characters (not bytes).
    pub column: u64,
}

/// The line and column of a byte offset in `src`. An offset past the end
/// maps to just after the last character.
pub fn position(src: &[u8], offset: usize) -> Position {
    let offset = offset.min(src.len());
    let before = &src[..offset];
    let line = memchr::memchr_iter(b'\n', before).count() as u64 + 1;
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    // Count characters, not bytes: every byte that does not continue a UTF-8 sequence.
    let column = before[line_start..]
        .iter()
        .filter(|&&b| (b & 0xC0) != 0x80)
        .count() as u64
        + 1;
    Position { line, column }
}

/// Splits a JSON pointer into its unescaped reference tokens.
pub fn pointer_tokens(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// Escapes one reference token for use in a JSON pointer.
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Finds where the value at `pointer` starts in `src`. Returns the deepest
/// spot that exists: for a pointer to a missing member, the spot of its
/// parent (so a "missing field" finding points at the enclosing object).
pub fn locate(src: &[u8], pointer: &str) -> Spot {
    let mut scanner = Scanner { src, pos: 0 };
    scanner.skip_ws();
    let mut spot = Spot {
        value: scanner.pos,
        key: None,
    };
    for token in pointer_tokens(pointer) {
        match scanner.enter(&token) {
            Some(found) => spot = found,
            None => break,
        }
    }
    spot
}

struct Scanner<'a> {
    src: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// From the start of a container value, moves to the start of its child
    /// named `token`; on failure the position is unspecified.
    fn enter(&mut self, token: &str) -> Option<Spot> {
        match self.peek()? {
            b'{' => self.enter_member(token),
            b'[' => self.enter_element(token.parse().ok()?),
            _ => None,
        }
    }

    fn enter_member(&mut self, token: &str) -> Option<Spot> {
        self.pos += 1;
        loop {
            self.skip_ws();
            if self.peek()? != b'"' {
                return None; // '}' (no more members) or malformed
            }
            let key_start = self.pos;
            self.skip_string()?;
            let key_matches = key_equals(&self.src[key_start..self.pos], token);
            self.skip_ws();
            if self.peek()? != b':' {
                return None;
            }
            self.pos += 1;
            self.skip_ws();
            if key_matches {
                return Some(Spot {
                    value: self.pos,
                    key: Some(key_start),
                });
            }
            self.skip_value()?;
            self.skip_ws();
            match self.peek()? {
                b',' => self.pos += 1,
                _ => return None,
            }
        }
    }

    fn enter_element(&mut self, index: usize) -> Option<Spot> {
        self.pos += 1;
        self.skip_ws();
        if self.peek()? == b']' {
            return None;
        }
        for _ in 0..index {
            self.skip_value()?;
            self.skip_ws();
            if self.peek()? != b',' {
                return None;
            }
            self.pos += 1;
            self.skip_ws();
        }
        Some(Spot {
            value: self.pos,
            key: None,
        })
    }

    /// Skips a string starting at its opening quote; ends after the closing one.
    fn skip_string(&mut self) -> Option<()> {
        self.pos += 1;
        loop {
            let rest = self.src.get(self.pos..)?;
            let i = memchr::memchr2(b'"', b'\\', rest)?;
            self.pos += i;
            if rest[i] == b'\\' {
                self.pos += 2;
            } else {
                self.pos += 1;
                return Some(());
            }
        }
    }

    /// Skips any value, iteratively (no recursion, whatever the depth).
    fn skip_value(&mut self) -> Option<()> {
        let mut depth = 0usize;
        loop {
            match self.peek()? {
                b'"' => self.skip_string()?,
                b'{' | b'[' => {
                    depth += 1;
                    self.pos += 1;
                }
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    self.pos += 1;
                }
                b',' | b':' | b' ' | b'\t' | b'\n' | b'\r' if depth > 0 => self.pos += 1,
                _ => {
                    // A scalar (number, true, false, null): up to the next delimiter.
                    while !matches!(
                        self.peek(),
                        None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
                    ) {
                        self.pos += 1;
                    }
                }
            }
            if depth == 0 {
                return Some(());
            }
        }
    }
}

/// Compares a raw JSON string (with quotes) to an unescaped key.
fn key_equals(raw: &[u8], key: &str) -> bool {
    let inner = &raw[1..raw.len() - 1];
    if memchr::memchr(b'\\', inner).is_none() {
        return inner == key.as_bytes();
    }
    serde_json::from_slice::<String>(raw).is_ok_and(|decoded| decoded == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "{\n  \"a\": 1,\n  \"b\": {\"c\": [10, {\"d\": \"x\"}], \"e~/f\": true},\n  \"g\\u0041\": null\n}";

    fn at(pointer: &str) -> (Position, Option<Position>) {
        let spot = locate(DOC.as_bytes(), pointer);
        (
            position(DOC.as_bytes(), spot.value),
            spot.key.map(|k| position(DOC.as_bytes(), k)),
        )
    }

    #[test]
    fn finds_members_elements_and_escaped_keys() {
        assert_eq!(at("").0, Position { line: 1, column: 1 });
        assert_eq!(at("/a").0, Position { line: 2, column: 8 });
        assert_eq!(at("/a").1, Some(Position { line: 2, column: 3 }));
        assert_eq!(
            at("/b/c/1/d").0,
            Position {
                line: 3,
                column: 25
            }
        );
        assert_eq!(
            at("/b/e~0~1f").0,
            Position {
                line: 3,
                column: 40
            }
        );
        assert_eq!(
            at("/gA").0,
            Position {
                line: 4,
                column: 14
            }
        );
    }

    #[test]
    fn missing_members_point_at_the_deepest_parent() {
        assert_eq!(at("/b/zzz").0, at("/b").0);
        assert_eq!(at("/b/c/7").0, at("/b/c").0);
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let src = "{\"é\": \"ü\", \"x\": 1}";
        let spot = locate(src.as_bytes(), "/x");
        assert_eq!(position(src.as_bytes(), spot.value).column, 17);
    }

    #[test]
    fn deep_nesting_does_not_recurse() {
        let deep = format!(
            "{{\"a\": {}1{}, \"b\": 2}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let spot = locate(deep.as_bytes(), "/b");
        assert_eq!(&deep.as_bytes()[spot.value..spot.value + 1], b"2");
    }
}
