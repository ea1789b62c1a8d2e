//! Near misses: the documented field an unknown one probably meant
//! (`CallbackUrls` → `callbackUrls`, `refnumber` → `refNumber`, `amout` →
//! `amount`).
//!
//! The documented fields of every object of a kind are read once per process
//! from the kind's self-contained schema ([`bundled_schema`]), following
//! local `$ref`s and every branch (`oneOf`, `anyOf`, `allOf`,
//! `if`/`then`/`else`), into a small table of places (a path with `*` for
//! array items and map values) and their fields, each kept lower-cased.
//! A field of `data` is compared with the fields of `data`, not with the
//! envelope's. Looking a name up allocates nothing: the pointer is matched
//! against the table and the edit distance runs on the stack.
//!
//! A name is a near miss when it equals a documented one ignoring case, or is
//! a small edit away from it (one edit for names up to 8 characters, two
//! beyond; names shorter than 4 only by case); an unknown name far from every
//! documented one gets no suggestion rather than a wild guess.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde_json::Value;

use super::kind::DocKind;
use super::schemas::bundled_schema;

/// How deep the schema walk follows `$ref`s and branches (the derived
/// schemas nest a few levels; a cycle stops here).
const MAX_DEPTH: usize = 32;

/// Most places kept per kind (the derived schemas have a few dozen).
const MAX_PLACES: usize = 512;

/// Longest unknown name compared, in characters (a longer one is no typo of
/// a field name); also the longest documented name compared.
pub const MAX_NAME_CHARS: usize = 64;

/// One step from an object to one of its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// The member of that name.
    Field(&'static str),
    /// Any array item.
    Item,
    /// Any member of a map (`additionalProperties` with a schema).
    AnyKey,
}

/// A documented field: its name and the same lower-cased, as characters.
#[derive(Debug)]
struct Known {
    name: &'static str,
    lower: Box<[char]>,
}

/// An object of the schema and its documented fields.
#[derive(Debug)]
struct Place {
    path: Vec<Step>,
    fields: Vec<Known>,
}

/// The places of every kind, built once per process on first use.
fn places_of(kind: DocKind) -> &'static [Place] {
    static SCHEMAS: OnceLock<Vec<Value>> = OnceLock::new();
    static PLACES: OnceLock<Vec<Vec<Place>>> = OnceLock::new();
    let all = PLACES.get_or_init(|| {
        let schemas =
            SCHEMAS.get_or_init(|| DocKind::ALL.into_iter().map(bundled_schema).collect());
        schemas
            .iter()
            .map(|root| {
                let mut places = Vec::new();
                collect(root, root, &mut Vec::new(), 0, &mut places);
                places
            })
            .collect()
    });
    all.get(kind.index()).map_or(&[], Vec::as_slice)
}

fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    match node
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
    {
        Some(pointer) => root.pointer(pointer).unwrap_or(node),
        None => node,
    }
}

fn lower(name: &str) -> Box<[char]> {
    name.chars().flat_map(char::to_lowercase).collect()
}

fn collect(
    root: &'static Value,
    node: &'static Value,
    path: &mut Vec<Step>,
    depth: usize,
    places: &mut Vec<Place>,
) {
    if depth > MAX_DEPTH || places.len() >= MAX_PLACES {
        return;
    }
    let node = resolve(root, node);
    for branch_key in ["oneOf", "anyOf", "allOf"] {
        for branch in node
            .get(branch_key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            collect(root, branch, path, depth + 1, places);
        }
    }
    for branch_key in ["if", "then", "else"] {
        if let Some(branch) = node.get(branch_key) {
            collect(root, branch, path, depth + 1, places);
        }
    }
    if let Some(Value::Object(properties)) = node.get("properties") {
        let at = match places.iter().position(|p| p.path == *path) {
            Some(at) => at,
            None => {
                places.push(Place {
                    path: path.clone(),
                    fields: Vec::new(),
                });
                places.len() - 1
            }
        };
        for name in properties.keys() {
            let fields = &mut places[at].fields;
            if name.chars().count() <= MAX_NAME_CHARS && fields.iter().all(|k| k.name != name) {
                fields.push(Known {
                    name: name.as_str(),
                    lower: lower(name),
                });
            }
        }
        for (name, child) in properties {
            path.push(Step::Field(name.as_str()));
            collect(root, child, path, depth + 1, places);
            path.pop();
        }
    }
    if let Some(items) = node.get("items").filter(|i| i.is_object()) {
        path.push(Step::Item);
        collect(root, items, path, depth + 1, places);
        path.pop();
    }
    if let Some(values) = node.get("additionalProperties").filter(|v| v.is_object()) {
        path.push(Step::AnyKey);
        collect(root, values, path, depth + 1, places);
        path.pop();
    }
}

/// Whether the JSON pointer token `token` (escaped) names `name`.
fn token_is(token: &str, name: &str) -> bool {
    if token.contains('~') {
        token.replace("~1", "/").replace("~0", "~") == name
    } else {
        token == name
    }
}

/// Whether `pointer` (`""`, `/data`, `/data/billDetails/0`) is at `path`.
fn at_path(pointer: &str, path: &[Step]) -> bool {
    let mut tokens = pointer.split('/').skip(1);
    for step in path {
        let Some(token) = tokens.next() else {
            return false;
        };
        let matches = match step {
            Step::Field(name) => token_is(token, name),
            Step::Item => !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit()),
            Step::AnyKey => true,
        };
        if !matches {
            return false;
        }
    }
    tokens.next().is_none()
}

/// The documented fields of the object at `pointer`, with duplicates
/// between places possible.
fn known_at(kind: DocKind, pointer: &str) -> impl Iterator<Item = &'static Known> {
    places_of(kind)
        .iter()
        .filter(move |p| at_path(pointer, &p.path))
        .flat_map(|p| p.fields.iter())
}

/// The documented field names of the object at `pointer` (`""` for the
/// document itself, `/data`, `/data/billDetails/0`) in a document of `kind`.
pub fn documented_fields(kind: DocKind, pointer: &str) -> BTreeSet<&'static str> {
    known_at(kind, pointer).map(|k| k.name).collect()
}

/// The optimal-string-alignment distance between `a` and `b` (edits:
/// insert, delete, substitute, swap two neighbours), on the stack; both at
/// most [`MAX_NAME_CHARS`] long.
fn distance(a: &[char], b: &[char]) -> usize {
    const W: usize = MAX_NAME_CHARS + 1;
    if a.len() >= W || b.len() >= W {
        return usize::MAX;
    }
    // Rows i-2, i-1 and i of the table over b.
    let (mut before, mut previous, mut current) = ([0usize; W], [0usize; W], [0usize; W]);
    for (j, cell) in previous.iter_mut().enumerate().take(b.len() + 1) {
        *cell = j;
    }
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            current[j] = best;
        }
        before = previous;
        previous = current;
    }
    previous[b.len()]
}

/// The most edits `known` (lower-cased, `len` characters) allows a near miss.
fn allowed_edits(len: usize) -> usize {
    match len {
        0..4 => 0,
        4..=8 => 1,
        _ => 2,
    }
}

/// Whether `unknown` is probably a misspelling of `known`.
pub fn is_near_miss(unknown: &str, known: &str) -> bool {
    if unknown == known || unknown.chars().count() > MAX_NAME_CHARS {
        return false;
    }
    let (a, b) = (lower(unknown), lower(known));
    distance(&a, &b) <= allowed_edits(b.len())
}

/// The documented field `unknown` (a member of the object at `parent`)
/// probably meant, if one is close: a case-only difference first, then the
/// fewest edits (ties: the first in name order). `present` says which
/// members the object already has: a field already given is not suggested.
/// Allocates nothing.
pub fn nearest_field(
    kind: DocKind,
    parent: &str,
    unknown: &str,
    present: impl Fn(&str) -> bool,
) -> Option<&'static str> {
    let mut buffer = ['\0'; MAX_NAME_CHARS];
    let mut len = 0;
    for c in unknown.chars().flat_map(char::to_lowercase) {
        let slot = buffer.get_mut(len)?;
        *slot = c;
        len += 1;
    }
    let unknown_lower = &buffer[..len];
    let mut best: Option<(usize, &'static str)> = None;
    for known in known_at(kind, parent) {
        if known.name == unknown || known.lower.len().abs_diff(len) > 2 {
            continue;
        }
        let d = distance(unknown_lower, &known.lower);
        if d > allowed_edits(known.lower.len()) || present(known.name) {
            continue;
        }
        if best.is_none_or(|(bd, bn)| (d, known.name) < (bd, bn)) {
            best = Some((d, known.name));
        }
    }
    best.map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn distance_counts_edits_and_swaps() {
        let d = |a: &str, b: &str| distance(&chars(a), &chars(b));
        assert_eq!(d("amount", "amount"), 0);
        assert_eq!(d("amout", "amount"), 1);
        assert_eq!(d("amuont", "amount"), 1, "a swap of neighbours is one edit");
        assert_eq!(d("", "abc"), 3);
        assert_eq!(d("kitten", "sitting"), 3);
        assert_eq!(d(&"x".repeat(65), "x"), usize::MAX);
    }

    #[test]
    fn documented_fields_follow_the_pointer_through_refs_and_branches() {
        let request = documented_fields(DocKind::PaymentRequest, "");
        assert!(request.contains("callbackUrls") && request.contains("refNumber"));
        let data = documented_fields(DocKind::InquiryResponse, "/data");
        assert!(data.contains("inquiryId"), "{data:?}");
        assert!(!data.contains("responseCode"), "{data:?}");
        let line = documented_fields(DocKind::InquiryResponse, "/data/billDetails/0");
        assert!(
            line.contains("billId") && !line.contains("inquiryId"),
            "{line:?}"
        );
        let info = documented_fields(DocKind::InquiryResponse, "/data/billDetails/12/billInfo/3");
        assert!(info.contains("key") && info.contains("value"), "{info:?}");
        assert!(documented_fields(DocKind::StatusRequest, "/nowhere").is_empty());
        assert!(documented_fields(DocKind::InquiryResponse, "/data/billDetails/x").is_empty());
    }

    #[test]
    fn near_misses_are_case_or_a_small_edit() {
        let none = |_: &str| false;
        let near = |name| nearest_field(DocKind::PaymentRequest, "", name, none);
        assert_eq!(near("CallbackUrls"), Some("callbackUrls"));
        assert_eq!(near("refnumber"), Some("refNumber"));
        assert_eq!(near("REFNUMBER"), Some("refNumber"));
        assert_eq!(near("amout"), Some("amount"));
        assert_eq!(near("callbackUrl"), Some("callbackUrls"));
        assert_eq!(near("callbackUrls"), None, "a documented name is no miss");
        assert_eq!(near("note"), None);
        assert_eq!(near("iat"), None);
        let (long, accented) = ("x".repeat(10_000), "É".repeat(64));
        assert_eq!(near(&long), None);
        assert_eq!(near(&accented), None);
        let given = nearest_field(DocKind::PaymentRequest, "", "RefNumber", |f| {
            f == "refNumber"
        });
        assert_eq!(given, None, "a field already given is not suggested");
        assert_eq!(
            nearest_field(DocKind::StatusResponse, "/data", "RefNumber", none),
            Some("refNumber")
        );
        assert_eq!(
            nearest_field(DocKind::StatusResponse, "", "ResponseCode", none),
            Some("responseCode")
        );
        assert!(is_near_miss("amout", "amount"));
        assert!(!is_near_miss("amount", "amount"));
        assert!(
            !is_near_miss("idd", "id"),
            "short names differ only by case"
        );
    }
}
