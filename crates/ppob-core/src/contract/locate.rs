//! Maps a JSON pointer to its place in the source text (line and column).
//!
//! jsonschema reports pointers, not positions, and serde_json's DOM keeps no
//! spans; this module walks the raw bytes of a document that already parsed
//! and finds where a pointer's value (and its member key) starts. It never
//! recurses, so any nesting depth is safe, and [`locate_all`] places any
//! number of pointers with one pass over the document.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::Value;

/// The trie's maps: keys come from the document, so they are hashed with a
/// per-process random seed; foldhash rather than SipHash because a handful
/// of short member names per document is the common case.
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

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
    raw_tokens(pointer).map(Cow::into_owned).collect()
}

/// The reference tokens of a pointer, unescaped; borrowed unless a token
/// holds a `~` escape.
fn raw_tokens(pointer: &str) -> impl Iterator<Item = Cow<'_, str>> {
    pointer.split('/').skip(1).map(|t| {
        if t.contains('~') {
            Cow::Owned(t.replace("~1", "/").replace("~0", "~"))
        } else {
            Cow::Borrowed(t)
        }
    })
}

/// The value at `pointer` in `value`, exactly as [`Value::pointer`] finds
/// it, without two `String`s per token when the pointer has no `~` escape
/// (the cross-step rules look up a dozen fixed pointers in every answer).
pub fn value_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a Value> {
    if pointer.contains('~') {
        return value.pointer(pointer);
    }
    if pointer.is_empty() {
        return Some(value);
    }
    pointer
        .strip_prefix('/')?
        .split('/')
        .try_fold(value, |target, token| match target {
            Value::Object(members) => members.get(token),
            Value::Array(elements) => array_index(token).and_then(|i| elements.get(i)),
            _ => None,
        })
}

/// Escapes one reference token for use in a JSON pointer.
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Finds where the value at `pointer` starts in `src`. Returns the deepest
/// spot that exists: for a pointer to a missing member, the spot of its
/// parent (so a "missing field" finding points at the enclosing object).
/// To place many pointers in one document, use [`locate_all`]: it scans once.
pub fn locate(src: &[u8], pointer: &str) -> Spot {
    locate_all(src, [pointer])[0]
}

/// Finds the spot of every pointer (as [`locate`] does for one) in a single
/// pass over `src`: the work grows with the document's size plus the
/// pointers' length, whatever their number. The spots come back in the
/// order of `pointers`.
///
/// An object member is the first one of that name (a later duplicate is not
/// entered); an array index must be written as RFC 6901 says (`0`, or digits
/// without a leading zero), else the pointer stops at the array.
pub fn locate_all<'p>(src: &[u8], pointers: impl IntoIterator<Item = &'p str>) -> Vec<Spot> {
    let mut trie = Trie::default();
    let ends: Vec<usize> = pointers.into_iter().map(|p| trie.insert(p)).collect();
    let mut walk = Walk {
        scanner: Scanner { src, pos: 0 },
        unfound: trie.nodes.len() - 1,
        trie: &mut trie,
        stack: Vec::new(),
    };
    walk.run();
    ends.iter().map(|&node| trie.deepest_spot(node)).collect()
}

/// The line and column of many byte offsets, in their order, from one sweep
/// over `src`: each is what [`position`] gives for it.
pub fn positions(src: &[u8], offsets: &[usize]) -> Vec<Position> {
    let mut order: Vec<usize> = (0..offsets.len()).collect();
    order.sort_unstable_by_key(|&i| offsets[i]);
    let mut out = vec![Position { line: 1, column: 1 }; offsets.len()];
    let (mut at, mut line, mut column) = (0usize, 1u64, 1u64);
    for i in order {
        let target = offsets[i].min(src.len());
        let between = &src[at..target];
        match memchr::memrchr(b'\n', between) {
            Some(last) => {
                line += memchr::memchr_iter(b'\n', between).count() as u64;
                column = char_count(&between[last + 1..]) + 1;
            }
            None => column += char_count(between),
        }
        at = target;
        out[i] = Position { line, column };
    }
    out
}

/// Characters in UTF-8 bytes: every byte that does not continue a sequence.
fn char_count(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u64
}

/// The pointers asked for, as a tree of reference tokens (node 0: the root).
struct Trie {
    nodes: Vec<Node>,
}

impl Default for Trie {
    fn default() -> Self {
        Self {
            nodes: vec![Node::default()],
        }
    }
}

#[derive(Default)]
struct Node {
    /// The node one token up (the root is its own parent, and always found).
    parent: usize,
    /// Children by member name (every token).
    members: Map<Box<str>, usize>,
    /// Children by array index (the tokens that are RFC 6901 array indices).
    elements: Map<usize, usize>,
    /// Where this node's value starts, once the walk has found it.
    spot: Option<Spot>,
}

impl Trie {
    /// Adds a pointer's path; returns the node of its last token.
    fn insert(&mut self, pointer: &str) -> usize {
        let mut node = 0;
        for token in raw_tokens(pointer) {
            if let Some(&child) = self.nodes[node].members.get(&*token) {
                node = child;
                continue;
            }
            let child = self.nodes.len();
            self.nodes.push(Node {
                parent: node,
                ..Node::default()
            });
            if let Some(index) = array_index(&token) {
                self.nodes[node].elements.insert(index, child);
            }
            self.nodes[node]
                .members
                .insert(token.into_owned().into_boxed_str(), child);
            node = child;
        }
        node
    }

    /// The spot of `node`, or of its deepest ancestor that was found.
    fn deepest_spot(&self, mut node: usize) -> Spot {
        loop {
            if let Some(spot) = self.nodes[node].spot {
                return spot;
            }
            node = self.nodes[node].parent;
        }
    }
}

/// A reference token as an array index, when RFC 6901 allows it as one.
fn array_index(token: &str) -> Option<usize> {
    let digits = !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit());
    let canonical = digits && (token == "0" || !token.starts_with('0'));
    canonical.then(|| token.parse().ok()).flatten()
}

/// A container being walked because some pointer goes into it.
struct Frame {
    node: usize,
    is_object: bool,
    next_index: usize,
}

/// One pass over the document that enters only the containers on some
/// pointer's path and skips every other value.
struct Walk<'a, 't> {
    scanner: Scanner<'a>,
    trie: &'t mut Trie,
    stack: Vec<Frame>,
    /// Nodes below the root not found yet; at 0 every pointer is placed
    /// exactly and the rest of the document need not be read.
    unfound: usize,
}

impl Walk<'_, '_> {
    fn run(&mut self) {
        self.scanner.skip_ws();
        self.trie.nodes[0].spot = Some(Spot {
            value: self.scanner.pos,
            key: None,
        });
        if self.enter(0).is_none() {
            return;
        }
        while let Some(frame) = self.stack.last() {
            let step = if frame.is_object {
                self.member(frame.node)
            } else {
                self.element(frame.node)
            };
            if step.is_none() {
                return; // the bytes end or are malformed: keep what was found
            }
        }
    }

    /// At the start of a value of `node`: walks into it when a pointer goes
    /// deeper, else skips it.
    fn enter(&mut self, node: usize) -> Option<()> {
        let is_object = match self.scanner.peek()? {
            b'{' => true,
            b'[' => false,
            _ => return self.scanner.skip_value(),
        };
        if self.trie.nodes[node].members.is_empty() {
            return self.scanner.skip_value();
        }
        self.scanner.pos += 1;
        self.stack.push(Frame {
            node,
            is_object,
            next_index: 0,
        });
        Some(())
    }

    /// Skips blanks and the comma between items; true at the container's
    /// end, which is then consumed and its frame dropped.
    fn at_close(&mut self, close: u8) -> Option<bool> {
        self.scanner.skip_ws();
        if self.scanner.peek()? == b',' {
            self.scanner.pos += 1;
            self.scanner.skip_ws();
        }
        if self.scanner.peek()? == close {
            self.scanner.pos += 1;
            self.stack.pop();
            return Some(true);
        }
        Some(false)
    }

    /// The next member of an object on a pointer's path.
    fn member(&mut self, node: usize) -> Option<()> {
        if self.at_close(b'}')? {
            return Some(());
        }
        if self.scanner.peek()? != b'"' {
            return None;
        }
        let key_start = self.scanner.pos;
        self.scanner.skip_string()?;
        let child = self.member_child(node, key_start);
        self.scanner.skip_ws();
        if self.scanner.peek()? != b':' {
            return None;
        }
        self.scanner.pos += 1;
        self.scanner.skip_ws();
        match child {
            Some(child) => {
                let value = self.scanner.pos;
                self.found(
                    child,
                    Spot {
                        value,
                        key: Some(key_start),
                    },
                )?;
                self.enter(child)
            }
            None => self.scanner.skip_value(),
        }
    }

    /// Notes where `node` is (each node is found once); `None`, which ends
    /// the walk, once every node is found.
    fn found(&mut self, node: usize, spot: Spot) -> Option<()> {
        if self.trie.nodes[node].spot.replace(spot).is_none() {
            self.unfound = self.unfound.saturating_sub(1);
        }
        (self.unfound > 0).then_some(())
    }

    /// The child of `node` named by the key just scanned, unless an earlier
    /// member of that name was entered already.
    fn member_child(&self, node: usize, key_start: usize) -> Option<usize> {
        let raw = &self.scanner.src[key_start..self.scanner.pos];
        let members = &self.trie.nodes[node].members;
        let inner = &raw[1..raw.len() - 1];
        let child = if memchr::memchr(b'\\', inner).is_none() {
            *members.get(std::str::from_utf8(inner).ok()?)?
        } else {
            let decoded = serde_json::from_slice::<String>(raw).ok()?;
            *members.get(decoded.as_str())?
        };
        self.trie.nodes[child].spot.is_none().then_some(child)
    }

    /// The next element of an array on a pointer's path.
    fn element(&mut self, node: usize) -> Option<()> {
        if self.at_close(b']')? {
            return Some(());
        }
        let frame = self.stack.last_mut()?;
        let index = frame.next_index;
        frame.next_index += 1;
        let start = self.scanner.pos;
        match self.trie.nodes[node].elements.get(&index).copied() {
            Some(child) => {
                self.found(
                    child,
                    Spot {
                        value: start,
                        key: None,
                    },
                )?;
                self.enter(child)?;
            }
            None => self.scanner.skip_value()?,
        }
        // An element that takes no bytes means malformed input: stop rather than spin.
        (self.scanner.pos > start).then_some(())
    }
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
    fn value_at_finds_what_serde_json_pointer_finds() {
        let doc: Value = serde_json::from_str(
            r#"{"a": [10, {"b": 2}, 30], "": {"": 5}, "x/y": 1, "m~n": 2, "0": {"01": 3}}"#,
        )
        .unwrap_or_default();
        let pointers = [
            "",
            "/",
            "//",
            "/a",
            "/a/0",
            "/a/1/b",
            "/a/2",
            "/a/3",
            "/a/01",
            "/a/+1",
            "/a/-1",
            "/a/",
            "/a/1/b/c",
            "/x~1y",
            "/m~0n",
            "/x/y",
            "a",
            "/0/01",
            "/0/1",
            "/missing",
            "/a/18446744073709551616",
        ];
        let mut found = 0;
        for pointer in pointers {
            assert_eq!(value_at(&doc, pointer), doc.pointer(pointer), "{pointer:?}");
            found += usize::from(value_at(&doc, pointer).is_some());
        }
        assert_eq!(found, 10);
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

    /// The placement this module did before [`locate_all`]: a scan from the
    /// start for each pointer (quadratic for many). The reference it must match.
    fn rescanning_locate(src: &[u8], pointer: &str) -> Spot {
        let mut s = Scanner { src, pos: 0 };
        s.skip_ws();
        let mut spot = Spot {
            value: s.pos,
            key: None,
        };
        'tokens: for token in pointer_tokens(pointer) {
            match s.peek() {
                Some(b'{') => loop {
                    s.pos += 1;
                    s.skip_ws();
                    if s.peek() != Some(b'"') {
                        break 'tokens;
                    }
                    let key = s.pos;
                    s.skip_string().unwrap();
                    let name: String = serde_json::from_slice(&src[key..s.pos]).unwrap();
                    s.skip_ws();
                    s.pos += 1; // ':'
                    s.skip_ws();
                    if name == token {
                        spot = Spot {
                            value: s.pos,
                            key: Some(key),
                        };
                        continue 'tokens;
                    }
                    s.skip_value().unwrap();
                    s.skip_ws();
                    if s.peek() != Some(b',') {
                        break 'tokens;
                    }
                },
                Some(b'[') => {
                    let Some(index) = array_index(&token) else {
                        break;
                    };
                    s.pos += 1;
                    for _ in 0..index {
                        s.skip_ws();
                        s.skip_value().unwrap();
                        s.skip_ws();
                        if s.peek() != Some(b',') {
                            break 'tokens;
                        }
                        s.pos += 1;
                    }
                    s.skip_ws();
                    if s.peek() == Some(b']') {
                        break;
                    }
                    spot = Spot {
                        value: s.pos,
                        key: None,
                    };
                }
                _ => break,
            }
        }
        spot
    }

    #[test]
    fn many_pointers_at_once_agree_with_one_at_a_time() {
        let pointers = [
            "",
            "/a",
            "/b",
            "/b/c",
            "/b/c/0",
            "/b/c/1/d",
            "/b/e~0~1f",
            "/gA",
            "/b/zzz",
            "/b/c/7",
            "/a/x",
            "/b/c/01",
            "/b/c/1/d/q",
        ];
        let all = locate_all(DOC.as_bytes(), pointers);
        for (pointer, spot) in pointers.iter().zip(&all) {
            assert_eq!(
                *spot,
                rescanning_locate(DOC.as_bytes(), pointer),
                "{pointer}"
            );
        }
        let offsets: Vec<usize> = all.iter().map(|s| s.value).rev().collect();
        let expected: Vec<Position> = offsets
            .iter()
            .map(|&o| position(DOC.as_bytes(), o))
            .collect();
        assert_eq!(positions(DOC.as_bytes(), &offsets), expected);
    }

    #[test]
    fn the_first_of_duplicate_members_is_the_one_entered() {
        let src = br#"{"a": {"x": 1}, "a": {"y": 2}}"#;
        let spots = locate_all(src, ["/a/y", "/a"]);
        assert_eq!(spots[0], spots[1]);
        assert_eq!(spots[1].value, 6);
    }

    #[test]
    fn tens_of_thousands_of_pointers_on_one_line_are_placed_exactly() {
        let n = 64_000;
        let items: Vec<String> = (0..n).map(|i| format!("{{\"v\":\"é{i}\"}}")).collect();
        let src = format!("{{\"list\":[{}]}}", items.join(","));
        let pointers: Vec<String> = (0..n).rev().map(|i| format!("/list/{i}/v")).collect();
        let spots = locate_all(src.as_bytes(), pointers.iter().map(String::as_str));
        let offsets: Vec<usize> = spots.iter().map(|s| s.value).collect();
        let placed = positions(src.as_bytes(), &offsets);
        for (k, (spot, at)) in spots.iter().zip(&placed).enumerate() {
            let i = n - 1 - k;
            assert!(src[spot.value..].starts_with(&format!("\"é{i}\"")), "{i}");
            if i % 997 == 0 {
                assert_eq!(*at, position(src.as_bytes(), spot.value), "{i}");
            }
        }
    }

    #[test]
    fn malformed_bytes_end_the_walk_without_spinning() {
        for src in [&b"[1,:,2]"[..], b"{\"a\" 1}", b"[", b"{\"a\":[,,]}", b""] {
            let spots = locate_all(src, ["/a/1", "/1", "/0/x"]);
            assert_eq!(spots.len(), 3);
        }
    }
}
