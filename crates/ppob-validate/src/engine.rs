//! One document in, one verdict out: the fast path and the explain path.
//!
//! **Fast path**: deserialize the bytes straight into the kind's model and
//! run the rules on the typed value. The models deny unknown fields and are
//! proven to agree with the schemas, so a document that deserializes is
//! schema-valid and carries no drift. **Explain path**, only for a document
//! the fast path rejects: parse to a DOM, run the compiled validator for every
//! violation, place each pointer in the source, then run the rules on what the
//! schema accepted.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use serde_json::Value;

use crate::input::detect_kind;
use ppob_core::contract::cost::{
    MAX_FINDINGS_IN_FULL, MAX_VIOLATIONS_READ, pointer_prefix, within_explain_budget,
};
use ppob_core::contract::locate::{Position, locate_all, pointer_tokens, position, positions};
use ppob_core::contract::numbers::vanishing_numbers;
use ppob_core::contract::{
    DocKind, DocumentReport, Envelope, Finding, Severity, Typed, Validators, input_rules,
    parse_value, refuses_syntax, shorten,
};
use ppob_core::model::ints::MAX_SAFE_INTEGER;
use ppob_core::rules::catalogue::ids;
use ppob_core::rules::{Level, RuleConfig, RuleFinding, RuleSet, Severities, Subject};
use ppob_products::rules::{self as product_rules, Choice};
use ppob_products::{Catalog, Category};

/// Rule id of JSON Schema violations.
pub const SCHEMA_RULE: &str = ids::SCHEMA;
/// Rule id of unknown fields.
pub const DRIFT_RULE: &str = ids::DRIFT;
/// Rule id of an unknown field close to a documented one (`CallbackUrls`).
pub const NEAR_MISS_RULE: &str = ids::NEAR_MISS;
/// Rule id of a UTF-8 byte order mark before the document.
pub const BOM_RULE: &str = ids::BOM;
/// Rule id of a member name given twice in one object.
pub const DUPLICATE_KEY_RULE: &str = ids::DUPLICATE_KEY;
/// Rule id of a document too costly to explain in full.
pub const TOO_COSTLY_RULE: &str = ids::TOO_COSTLY;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// How the engine judges documents.
#[derive(Debug, Clone, Default)]
pub struct EngineOptions {
    /// The level of every rule (`--severity`, the config file, `--strict`).
    pub severities: Severities,
    /// Settings of the semantic rules.
    pub rule_config: RuleConfig,
    /// The product category every document is judged as (`--category`);
    /// `None` recognises each document's from its `data.category` and
    /// product code. The categories are `ppob_products::catalog()`'s.
    pub category: Option<&'static Category>,
}

/// Checks documents against the contract. Build once, share across threads.
pub struct Engine {
    validators: &'static Validators,
    rules: RuleSet,
    severities: Severities,
    drift: Level,
    near_miss: Level,
    categories: &'static Catalog,
    category: Option<&'static Category>,
}

/// One document to check.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// How findings name it.
    pub source: &'a str,
    /// Its bytes.
    pub bytes: &'a [u8],
    /// Its kind, when known; detected from its shape otherwise.
    pub kind: Option<DocKind>,
    /// The source line its first byte is on.
    pub first_line: u64,
}

/// Where a finding goes in the source.
#[derive(Debug, Clone, Copy)]
enum Place {
    /// A position already known.
    At(Position),
    /// The value its pointer names.
    Value,
    /// The member key its pointer names (its value when it has no key).
    Key,
    /// A byte offset of the body, placed with the others at the end.
    Offset(usize),
}

/// Collects findings for one document; those placed by pointer are placed
/// together at the end, with one pass over the source ([`locate_all`]).
/// The first [`MAX_FINDINGS_IN_FULL`] are kept whole, the rest counted per
/// rule and pointer prefix.
struct Placer<'a> {
    bytes: &'a [u8],
    body_offset: usize,
    first_line: u64,
    findings: Vec<Finding>,
    /// Findings still to place: their index in `findings`, and where.
    unplaced: Vec<(usize, Place)>,
    /// Findings past the cap: (rule, pointer prefix) → severity and count.
    beyond: BTreeMap<(String, String), (Severity, u64)>,
    /// Whether reading violations stopped at [`MAX_VIOLATIONS_READ`], so the
    /// counts are lower bounds.
    counting_stopped: bool,
    /// The product category the document was judged as (its folder name).
    category: Option<String>,
}

impl<'a> Placer<'a> {
    fn body(&self) -> &[u8] {
        &self.bytes[self.body_offset..]
    }

    fn at_offset(&self, offset: usize) -> Position {
        self.in_source_lines(position(self.bytes, self.body_offset + offset))
    }

    /// A position counted in `bytes` as a line of the whole input.
    fn in_source_lines(&self, p: Position) -> Position {
        Position {
            line: self.first_line + p.line - 1,
            column: p.column,
        }
    }

    /// The position serde_json reported for an error, in source lines.
    fn at_serde_error(&self, error: &serde_json::Error) -> Position {
        Position {
            line: self.first_line + error.line().max(1) as u64 - 1,
            column: error.column().max(1) as u64,
        }
    }

    fn new(bytes: &'a [u8], body_offset: usize, first_line: u64) -> Self {
        Self {
            bytes,
            body_offset,
            first_line,
            findings: Vec::new(),
            unplaced: Vec::new(),
            beyond: BTreeMap::new(),
            counting_stopped: false,
            category: None,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        rule: &str,
        severity: Severity,
        pointer: String,
        place: Place,
        message: String,
        expected: Option<String>,
        actual: Option<String>,
    ) {
        if self.findings.len() >= MAX_FINDINGS_IN_FULL {
            let key = (rule.to_owned(), pointer_prefix(&pointer).to_owned());
            let entry = self.beyond.entry(key).or_insert((severity, 0));
            entry.0 = entry.0.max(severity);
            entry.1 += 1;
            return;
        }
        let at = match place {
            Place::At(at) => at,
            Place::Value | Place::Key | Place::Offset(_) => {
                self.unplaced.push((self.findings.len(), place));
                Position { line: 0, column: 0 }
            }
        };
        self.findings.push(Finding {
            rule: rule.to_owned(),
            severity,
            pointer,
            line: at.line,
            column: at.column,
            message,
            expected,
            actual,
        });
    }

    /// Places every finding pushed by pointer and hands the findings over:
    /// those kept whole, then one summary per rule and prefix counted past
    /// the cap (placed at the prefix).
    fn into_findings(mut self) -> (Vec<Finding>, Vec<Finding>) {
        let kept = self.findings.len();
        let at_least = if self.counting_stopped {
            "at least "
        } else {
            ""
        };
        for ((rule, prefix), (severity, count)) in std::mem::take(&mut self.beyond) {
            let under = if prefix.is_empty() {
                "in the document".to_owned()
            } else {
                format!("at or below {prefix}")
            };
            self.unplaced.push((self.findings.len(), Place::Value));
            self.findings.push(Finding {
                rule,
                severity,
                pointer: prefix,
                line: 0,
                column: 0,
                message: format!(
                    "… and {at_least}{count} more findings of this rule {under}: a document lists its first {MAX_FINDINGS_IN_FULL} findings in full, then counts the rest"
                ),
                expected: None,
                actual: Some(format!("{at_least}{count} more")),
            });
        }
        let unplaced = std::mem::take(&mut self.unplaced);
        if unplaced.is_empty() {
            let summaries = self.findings.split_off(kept);
            return (self.findings, summaries);
        }
        let by_pointer = unplaced
            .iter()
            .filter(|(_, place)| !matches!(place, Place::Offset(_)))
            .map(|&(i, _)| self.findings[i].pointer.as_str());
        let mut spots = locate_all(self.body(), by_pointer).into_iter();
        let offsets: Vec<usize> = unplaced
            .iter()
            .map(|&(_, place)| {
                // The spots come in the order of the findings placed by pointer.
                let offset = match place {
                    Place::Offset(offset) => offset,
                    Place::Key => spots.next().map_or(0, |s| s.key.unwrap_or(s.value)),
                    Place::Value | Place::At(_) => spots.next().map_or(0, |s| s.value),
                };
                self.body_offset + offset
            })
            .collect();
        let placed = positions(self.bytes, &offsets);
        for ((&(i, place), p), &offset) in unplaced.iter().zip(placed).zip(&offsets) {
            let at = self.in_source_lines(p);
            let finding = &mut self.findings[i];
            finding.line = at.line;
            finding.column = at.column;
            if matches!(place, Place::Value) {
                as_written(finding, self.bytes, offset);
            }
        }
        let summaries = self.findings.split_off(kept);
        (self.findings, summaries)
    }
}

/// The number literal starting at `offset` of `bytes`, as written.
fn number_literal_at(bytes: &[u8], offset: usize) -> Option<&str> {
    let rest = bytes.get(offset..)?;
    let len = rest
        .iter()
        .position(|b| !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
        .unwrap_or(rest.len());
    std::str::from_utf8(&rest[..len])
        .ok()
        .filter(|s| !s.is_empty())
}

/// Echoes a number as the document wrote it: a finding whose `actual` is a
/// number the 64-bit float rendering changed (`18446744073709551616` read
/// as `1.8446744073709552e+19`, `1E2` as `100.0`) gets the literal of the
/// source at its place instead, in `actual` and in the message, cut like
/// any value ([`shorten`]). Only when both read as the same float: any
/// other `actual` is left alone.
fn as_written(finding: &mut Finding, bytes: &[u8], offset: usize) {
    let Some(actual) = finding.actual.as_deref() else {
        return;
    };
    let Some(literal) = number_literal_at(bytes, offset) else {
        return;
    };
    if literal == actual {
        return;
    }
    let same = matches!(
        (actual.parse::<f64>(), literal.parse::<f64>()),
        (Ok(a), Ok(b)) if a == b
    );
    if !same {
        return;
    }
    let written = shorten(&Value::String(literal.to_owned()));
    let written = written.trim_matches('"');
    finding.message = finding.message.replacen(actual, written, 1);
    finding.actual = Some(written.to_owned());
}

/// Cuts serde_json's " at line L column C" from a message; the finding carries the position.
fn without_position(message: &str) -> &str {
    message.find(" at line ").map_or(message, |i| &message[..i])
}

fn envelope_of(value: &Value) -> Option<Envelope> {
    let code = value.get("responseCode")?;
    let response_code = code.as_i64().or_else(|| {
        code.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() <= MAX_SAFE_INTEGER as f64)
            .map(|f| f as i64)
    })?;
    let success = value.get("success")?.as_bool()?;
    Some(Envelope {
        response_code,
        success,
    })
}

/// Whether `pointer` is `field`, lies below it, or is the whole document.
fn touches(pointer: &str, field: &str) -> bool {
    pointer.is_empty()
        || pointer
            .strip_prefix(field)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Removes the member a pointer names, if it exists.
fn remove_at(value: &mut Value, pointer: &str) {
    let mut tokens = pointer_tokens(pointer);
    let Some(last) = tokens.pop() else { return };
    let mut current = value;
    for token in &tokens {
        let next = match current {
            Value::Object(map) => map.get_mut(token.as_str()),
            Value::Array(items) => token.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
            _ => None,
        };
        match next {
            Some(v) => current = v,
            None => return,
        }
    }
    if let Value::Object(map) = current {
        map.remove(&last);
    }
}

/// Every category's reference lines (`[token] reference`), in catalogue order,
/// each once: the `productDetails` keys `status.token-equals-reference`
/// compares the token with when no `--reference-key` is given.
fn reference_lines(categories: &Catalog) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for category in categories.categories() {
        for key in &category.manifest.token.reference {
            if !keys.iter().any(|k| k.eq_ignore_ascii_case(key)) {
                keys.push(key.clone());
            }
        }
    }
    keys
}

impl Engine {
    /// Builds an engine over the shared compiled validators.
    pub fn new(options: EngineOptions) -> Self {
        let categories = ppob_products::catalog();
        let mut rule_config = options.rule_config;
        if rule_config.reference_keys.is_empty() {
            rule_config.reference_keys = reference_lines(categories);
        }
        Self {
            validators: Validators::shared(),
            rules: RuleSet::new(rule_config, &options.severities),
            drift: options.severities.level(DRIFT_RULE),
            near_miss: options.severities.level(NEAR_MISS_RULE),
            severities: options.severities,
            categories,
            category: options.category,
        }
    }

    /// The level of every rule, as this engine was built with; the flow
    /// rules and fuzz oracles read theirs here too.
    pub fn severities(&self) -> &Severities {
        &self.severities
    }

    /// Checks one document and returns its verdict.
    pub fn check(&self, input: Input<'_>) -> DocumentReport {
        let body_offset = if input.bytes.starts_with(UTF8_BOM) {
            UTF8_BOM.len()
        } else {
            0
        };
        let mut placer = Placer::new(input.bytes, body_offset, input.first_line);
        if body_offset > 0
            && let Level::Report(severity) = self.severities.level(BOM_RULE)
        {
            let at = placer.at_offset(0);
            placer.push(
                    BOM_RULE,
                    severity,
                    String::new(),
                    Place::At(Position { line: at.line, column: 1 }),
                    "the document starts with a UTF-8 byte order mark (EF BB BF); JSON text must not (RFC 8259 §8.1)".into(),
                    Some("'{' or '[' as the first byte".into()),
                    Some("EF BB BF".into()),
                );
        }
        let kind = self.judge(input.kind, &mut placer);
        let category = placer
            .category
            .take()
            .or_else(|| self.category.map(|c| c.name.clone()));
        let (mut findings, summaries) = placer.into_findings();
        // Source order; the same violation reached through two schema branches is reported once.
        findings.sort_by(|a, b| {
            (a.line, a.column, &a.pointer, &a.rule, &a.message)
                .cmp(&(b.line, b.column, &b.pointer, &b.rule, &b.message))
        });
        findings
            .dedup_by(|a, b| a.rule == b.rule && a.pointer == b.pointer && a.message == b.message);
        findings.extend(summaries);
        let mut report = DocumentReport::new(
            input.source.to_owned(),
            kind.map(|k| k.name().to_owned()),
            findings,
        );
        report.category = category;
        report
    }

    /// Runs the fast path, falling back to the explain path. Returns the kind used.
    fn judge(&self, kind: Option<DocKind>, placer: &mut Placer<'_>) -> Option<DocKind> {
        let fast_error = match kind.map(|k| (k, Typed::parse(k, placer.body()))) {
            Some((kind, Ok(typed))) => {
                if !self.refuse_vanishing_numbers(placer) {
                    self.run_rules(kind, typed.envelope(), Some(&typed), placer);
                }
                return Some(kind);
            }
            // The document's syntax is broken where the typed reader stopped;
            // the DOM reader would stop at the same byte with the same error
            // (`typed::tests`), so it is not read a second time.
            Some((_, Err(e))) if refuses_syntax(&e) => {
                self.unreadable(&e, placer);
                return kind;
            }
            Some((_, Err(e))) => Some(e),
            None => None,
        };
        if !within_explain_budget(placer.body()) {
            if !self.refuse_vanishing_numbers(placer) {
                self.too_costly(fast_error.as_ref(), placer);
            }
            return kind;
        }
        let value = match parse_value(placer.body()) {
            Ok(value) => value,
            Err(e) => {
                self.unreadable(&e, placer);
                return kind;
            }
        };
        if self.refuse_vanishing_numbers(placer) {
            return kind;
        }
        let kind = match kind.map_or_else(|| detect_kind(&value), Ok) {
            Ok(kind) => kind,
            Err(undetectable) => {
                let at = placer.at_offset(0);
                placer.push(
                    input_rules::KIND,
                    Severity::Error,
                    String::new(),
                    Place::At(at),
                    undetectable.to_string(),
                    None,
                    None,
                );
                return None;
            }
        };
        let fast_error = match fast_error {
            Some(e) => e,
            None => match Typed::parse(kind, placer.body()) {
                Ok(typed) => {
                    self.run_rules(kind, typed.envelope(), Some(&typed), placer);
                    return Some(kind);
                }
                Err(e) => e,
            },
        };
        self.explain(kind, value, &fast_error, placer);
        Some(kind)
    }

    /// The explain path: every schema violation, placed; then the rules on what passed.
    fn explain(
        &self,
        kind: DocKind,
        mut value: Value,
        fast_error: &serde_json::Error,
        placer: &mut Placer<'_>,
    ) {
        // Violations are read one at a time: the first ones become findings,
        // the rest are only counted, and reading stops at MAX_VIOLATIONS_READ.
        let mut errors = 0usize;
        let mut rejected_envelope = false;
        let mut drift: Vec<String> = Vec::new();
        let mut drift_dropped = false;
        let mut read = 0usize;
        let (drift_level, near_miss_level) = (self.drift, self.near_miss);
        let stopped = self.validators.visit_violations(kind, &value, |v| {
            read += 1;
            if v.is_drift {
                if drift.len() < MAX_FINDINGS_IN_FULL {
                    drift.push(v.pointer.clone());
                } else {
                    drift_dropped = true;
                }
                let (rule, level) = match v.suggestion {
                    Some(_) => (NEAR_MISS_RULE, near_miss_level),
                    None => (DRIFT_RULE, drift_level),
                };
                if let Level::Report(severity) = level {
                    placer.push(
                        rule,
                        severity,
                        v.pointer,
                        Place::Key,
                        v.message,
                        None,
                        v.actual,
                    );
                }
            } else {
                errors += 1;
                rejected_envelope |=
                    touches(&v.pointer, "/responseCode") || touches(&v.pointer, "/success");
                placer.push(
                    SCHEMA_RULE,
                    Severity::Error,
                    v.pointer,
                    Place::Value,
                    v.message,
                    v.expected,
                    v.actual,
                );
            }
            if read >= MAX_VIOLATIONS_READ {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        placer.counting_stopped |= stopped;
        let envelope = if kind.is_response() && !rejected_envelope {
            envelope_of(&value)
        } else {
            None
        };
        let schema_accepted = errors == 0 && !stopped && !drift_dropped;
        let drifted = !drift.is_empty();
        for pointer in &drift {
            remove_at(&mut value, pointer);
        }
        let fast_message = fast_error.to_string();
        let duplicate = fast_message.contains("duplicate field");
        if duplicate {
            let at = placer.at_serde_error(fast_error);
            if let Level::Report(severity) = self.severities.level(DUPLICATE_KEY_RULE) {
                placer.push(
                    DUPLICATE_KEY_RULE,
                    severity,
                    String::new(),
                    Place::At(at),
                    format!(
                        "{}: an object names a member twice; readers disagree on which one counts",
                        without_position(&fast_message)
                    ),
                    Some("each member name once per object".into()),
                    None,
                );
            }
        }
        if !schema_accepted {
            self.run_rules(kind, envelope, None, placer);
            return;
        }
        match Typed::from_value(kind, value) {
            Ok(typed) => {
                if !drifted && !duplicate {
                    // The schema saw nothing, yet the model refused the bytes.
                    let at = placer.at_serde_error(fast_error);
                    placer.push(
                        SCHEMA_RULE,
                        Severity::Error,
                        String::new(),
                        Place::At(at),
                        format!("model: {}", without_position(&fast_message)),
                        None,
                        None,
                    );
                }
                self.run_rules(kind, typed.envelope(), Some(&typed), placer);
            }
            Err(e) => {
                let at = placer.at_offset(0);
                placer.push(
                    SCHEMA_RULE,
                    Severity::Error,
                    String::new(),
                    Place::At(at),
                    format!("model: {e}"),
                    None,
                    None,
                );
                self.run_rules(kind, envelope, None, placer);
            }
        }
    }

    fn run_rules(
        &self,
        kind: DocKind,
        envelope: Option<Envelope>,
        document: Option<&Typed>,
        placer: &mut Placer<'_>,
    ) {
        let subject = Subject {
            kind,
            envelope,
            document,
        };
        self.rules
            .check(&subject, |rule, severity, f: RuleFinding| {
                placer.push(
                    rule,
                    severity,
                    f.pointer,
                    Place::Value,
                    f.message,
                    f.expected,
                    f.actual,
                );
            });
        let Some(document) = document else {
            return;
        };
        let choice = match self.category {
            Some(category) => Choice::Only(category),
            None => Choice::Recognise,
        };
        let judged = product_rules::check(self.categories, choice, kind, document, |rule, f| {
            if let Level::Report(severity) = self.severities.level(rule) {
                placer.push(
                    rule,
                    severity,
                    f.pointer,
                    Place::Value,
                    f.message,
                    f.expected,
                    f.actual,
                );
            }
        });
        if let Some(category) = judged {
            placer.category = Some(category.name.clone());
        }
    }

    /// A document holding a number that a 64-bit float reads as 0 (`1e-400`)
    /// cannot be read faithfully, as one beyond its range (`1e400`) cannot:
    /// an `input.parse` finding at each such number, and no judgement of
    /// what the reader would have made of it. Returns whether there was one.
    fn refuse_vanishing_numbers(&self, placer: &mut Placer<'_>) -> bool {
        let found = vanishing_numbers(placer.body());
        for number in &found {
            placer.push(
                input_rules::PARSE,
                Severity::Error,
                number.pointer.clone(),
                Place::Offset(number.offset),
                format!(
                    "number out of range: {} is too small for a 64-bit float and would be read as 0",
                    number.literal
                ),
                Some("a number a 64-bit float holds (magnitude at least about 4.9e-324), or 0".into()),
                Some(number.literal.clone()),
            );
        }
        !found.is_empty()
    }

    /// A document whose DOM would pass the explain budget: the typed
    /// reader's first error (it stops there, so it costs nothing more) and
    /// `json.too-costly`; no DOM is built and no rule runs.
    fn too_costly(&self, fast_error: Option<&serde_json::Error>, placer: &mut Placer<'_>) {
        if let Some(e) = fast_error {
            let at = placer.at_serde_error(e);
            placer.push(
                SCHEMA_RULE,
                Severity::Error,
                String::new(),
                Place::At(at),
                format!("model: {}", without_position(&e.to_string())),
                None,
                None,
            );
        }
        if let Level::Report(severity) = self.severities.level(TOO_COSTLY_RULE) {
            let at = placer.at_offset(0);
            let budget = ppob_core::contract::cost::EXPLAIN_BUDGET >> 20;
            placer.push(
                TOO_COSTLY_RULE,
                severity,
                String::new(),
                Place::At(at),
                format!(
                    "the document is too costly to explain in full: read into a DOM it would take more than {budget} MiB; only the first error is reported{}",
                    if fast_error.is_none() { " (its kind could not be told without reading it)" } else { "" }
                ),
                Some(format!("a document whose DOM fits in {budget} MiB")),
                None,
            );
        }
    }

    /// A document that is not JSON at all: say where and what was expected.
    fn unreadable(&self, error: &serde_json::Error, placer: &mut Placer<'_>) {
        let body = placer.body();
        if let Err(utf8) = std::str::from_utf8(body) {
            let offset = utf8.valid_up_to();
            let at = placer.at_offset(offset);
            let byte = body[offset];
            placer.push(
                input_rules::ENCODING,
                Severity::Error,
                String::new(),
                Place::At(at),
                format!(
                    "invalid UTF-8: byte 0x{byte:02X} cannot stand here; JSON text must be UTF-8"
                ),
                Some("UTF-8 text".into()),
                Some(format!("0x{byte:02X}")),
            );
            return;
        }
        let (message, expected) = if body.iter().all(u8::is_ascii_whitespace) {
            ("empty document".to_owned(), "a JSON document".to_owned())
        } else {
            let text = error.to_string();
            let what = without_position(&text).to_owned();
            let expected = match error.classify() {
                serde_json::error::Category::Eof => "the rest of the document (it is truncated)",
                _ if what.contains("recursion limit") => "at most 128 levels of nesting",
                _ if what.contains("number out of range") => "a number that fits a 64-bit float",
                _ if what.contains("trailing characters") => {
                    "one JSON document (for NDJSON, name the file .ndjson or pass --ndjson)"
                }
                _ => "valid JSON",
            };
            (format!("not valid JSON: {what}"), expected.to_owned())
        };
        let at = if body.is_empty() {
            placer.at_offset(0)
        } else {
            placer.at_serde_error(error)
        };
        placer.push(
            input_rules::PARSE,
            Severity::Error,
            String::new(),
            Place::At(at),
            message,
            Some(expected),
            None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touches_means_the_field_itself_below_it_or_the_whole_document() {
        assert!(touches("/success", "/success"));
        assert!(touches("/data/amount", "/data"));
        assert!(touches("", "/success"));
        assert!(!touches("/successful", "/success"));
        assert!(!touches("/data", "/data/amount"));
    }

    fn findings_of(options: EngineOptions, kind: DocKind, doc: &str) -> Vec<Finding> {
        Engine::new(options)
            .check(Input {
                source: "doc.json",
                bytes: doc.as_bytes(),
                kind: Some(kind),
                first_line: 1,
            })
            .findings
    }

    #[test]
    fn a_near_miss_is_its_own_drift_warning_naming_the_field_it_probably_meant() {
        let doc = r#"{"partnerId": "p", "refNumber": "R", "accountNumber": "1",
            "productCode": "x", "amount": 1, "inquiryId": 1,
            "CallbackUrls": ["http://127.0.0.1/cb"], "refnumber": "R", "zzz": 1}"#;
        let found = findings_of(EngineOptions::default(), DocKind::PaymentRequest, doc);
        let rules: Vec<(&str, &str, Severity)> = found
            .iter()
            .map(|f| (f.rule.as_str(), f.pointer.as_str(), f.severity))
            .collect();
        assert_eq!(
            rules,
            [
                (NEAR_MISS_RULE, "/CallbackUrls", Severity::Warning),
                (DRIFT_RULE, "/refnumber", Severity::Warning),
                (DRIFT_RULE, "/zzz", Severity::Warning),
            ],
            "refNumber is given, so refnumber is plain drift"
        );
        assert!(
            found[0]
                .message
                .ends_with("(did you mean \"callbackUrls\"?)"),
            "{}",
            found[0].message
        );
        assert_eq!((found[0].line, found[0].column), (3, 13));
        let strict = EngineOptions {
            severities: Severities::new().with_strict(true),
            ..EngineOptions::default()
        };
        let found = findings_of(strict, DocKind::PaymentRequest, doc);
        assert!(found.iter().all(|f| f.severity == Severity::Error));
        let off = EngineOptions {
            severities: Severities::from_overrides([(NEAR_MISS_RULE, Level::Off)]).unwrap(),
            ..EngineOptions::default()
        };
        let found = findings_of(off, DocKind::PaymentRequest, doc);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found.iter().all(|f| f.rule == DRIFT_RULE));
    }

    #[test]
    fn a_large_integer_is_echoed_as_written() {
        let doc = r#"{"partnerId": "p", "refNumber": "R", "accountNumber": "1",
            "productCode": "x", "amount": 18446744073709551616, "inquiryId": 1E2}"#;
        let found = findings_of(EngineOptions::default(), DocKind::PaymentRequest, doc);
        let amount = found.iter().find(|f| f.pointer == "/amount").unwrap();
        assert_eq!(amount.actual.as_deref(), Some("18446744073709551616"));
        assert_eq!(
            amount.message,
            "maximum: 18446744073709551616 is larger than 9007199254740991"
        );
        assert!(
            found.iter().all(|f| !f.message.contains("e+19")),
            "{found:?}"
        );
    }

    #[test]
    fn number_literals_are_read_from_the_source() {
        assert_eq!(number_literal_at(b"[1.5e3,", 1), Some("1.5e3"));
        assert_eq!(number_literal_at(b"{}", 0), None);
        assert_eq!(number_literal_at(b"1", 5), None);
    }

    #[test]
    fn remove_at_drops_only_the_named_member() {
        let mut value = serde_json::json!({"data": {"a": 1, "b": [{"c": 2, "d": 3}]}});
        remove_at(&mut value, "/data/b/0/c");
        remove_at(&mut value, "/data/missing/x");
        assert_eq!(
            value,
            serde_json::json!({"data": {"a": 1, "b": [{"d": 3}]}})
        );
    }
}
