//! Walking an OLD and a NEW schema side by side and classifying each difference.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::load::{Loc, SchemaSet};
use super::{Audience, Change, ChangeKind, DiffError};

/// How long a chain of `$ref`s is followed before it counts as unresolvable.
const MAX_DEPTH: usize = 64;
/// How deep the walk goes into nested schemas (cycles stop earlier): every
/// schema a file within [`crate::MAX_NESTING`] can hold. Below it, schemas
/// that differ are one change saying they were not compared — never a
/// silent pass.
const MAX_WALK_DEPTH: usize = crate::MAX_NESTING / 2 + 1;

/// A schema that accepts anything: the stand-in for a property only `required` names.
static ANY: Value = Value::Bool(true);

/// Lower bounds: a larger value accepts less.
const LOWER_BOUNDS: &[&str] = &[
    "minimum",
    "exclusiveMinimum",
    "minLength",
    "minItems",
    "minProperties",
];
/// Upper bounds: a smaller value accepts less.
const UPPER_BOUNDS: &[&str] = &[
    "maximum",
    "exclusiveMaximum",
    "maxLength",
    "maxItems",
    "maxProperties",
];

/// Which way the set of accepted values moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// NEW accepts everything OLD did, and more.
    Widened,
    /// NEW accepts a part of what OLD did.
    Narrowed,
    /// Neither contains the other.
    Changed,
}

impl Effect {
    fn from_containment(new_has_old: bool, old_has_new: bool) -> Effect {
        match (new_has_old, old_has_new) {
            (true, false) => Effect::Widened,
            (false, true) => Effect::Narrowed,
            _ => Effect::Changed,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Effect::Widened => "widened",
            Effect::Narrowed => "narrowed",
            Effect::Changed => "changed",
        }
    }
}

/// Compares the roots of one pair of documents and appends the changes.
pub(super) fn compare_roots(
    schema: &str,
    audience: Audience,
    (old_set, old): (&SchemaSet, Loc<'_>),
    (new_set, new): (&SchemaSet, Loc<'_>),
    changes: &mut Vec<Change>,
) -> Result<(), DiffError> {
    let mut walker = Walker {
        old_set,
        new_set,
        schema,
        audience,
        changes,
        stack: Vec::new(),
    };
    walker.walk(old, new, "", None)
}

struct Walker<'a, 'c> {
    old_set: &'a SchemaSet,
    new_set: &'a SchemaSet,
    schema: &'a str,
    audience: Audience,
    changes: &'c mut Vec<Change>,
    /// The `$ref` targets (OLD, NEW) being walked, to stop at cycles.
    stack: Vec<(String, String)>,
}

/// A node after its `$ref`s were followed.
struct Resolved<'a> {
    loc: Loc<'a>,
    key: String,
    definition: Option<String>,
}

fn follow<'a>(set: &'a SchemaSet, mut loc: Loc<'a>, at: &str) -> Result<Resolved<'a>, DiffError> {
    let mut key = String::new();
    let mut definition = None;
    for _ in 0..MAX_DEPTH {
        let Some(reference) = loc.value.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let (target, target_key) =
            set.resolve(loc.doc, reference)
                .ok_or_else(|| DiffError::UnresolvedRef {
                    path: set.doc(loc.doc).path.clone(),
                    pointer: if at.is_empty() { "/".into() } else { at.into() },
                    reference: reference.to_owned(),
                })?;
        definition = Some(definition_name(reference));
        key = target_key;
        loc = target;
    }
    Ok(Resolved {
        loc,
        key,
        definition,
    })
}

/// `#/$defs/InquiryData` → `InquiryData`; `common.schema.json` → `common.schema.json`.
fn definition_name(reference: &str) -> String {
    let tail = reference.rsplit(['/', '#']).find(|s| !s.is_empty());
    tail.unwrap_or(reference).to_owned()
}

impl<'a> Walker<'a, '_> {
    fn push(
        &mut self,
        path: &str,
        definition: Option<&str>,
        change: ChangeKind,
        breaks: bool,
        reason: String,
    ) {
        self.changes.push(Change {
            schema: self.schema.to_owned(),
            pointer: path.to_owned(),
            definition: definition.map(str::to_owned),
            change,
            breaks: breaks.then_some(self.audience),
            reason,
        });
    }

    /// Whether a move of the accepted set breaks this walk's audience: readers
    /// break when NEW can produce what OLD could not, writers when NEW refuses
    /// what OLD accepted.
    fn breaks(&self, effect: Effect) -> bool {
        match self.audience {
            Audience::ResponseReaders => effect != Effect::Narrowed,
            Audience::RequestWriters => effect != Effect::Widened,
        }
    }

    fn walk(
        &mut self,
        old: Loc<'a>,
        new: Loc<'a>,
        path: &str,
        definition: Option<&str>,
    ) -> Result<(), DiffError> {
        if self.stack.len() >= MAX_WALK_DEPTH {
            if old.value != new.value {
                self.push(
                    path,
                    definition,
                    ChangeKind::ShapeChanged,
                    true,
                    format!(
                        "the schemas differ below {MAX_WALK_DEPTH} nested schemas, deeper than \
                         schemadiff compares: check this change by hand"
                    ),
                );
            }
            return Ok(());
        }
        let old = follow(self.old_set, old, path)?;
        let new = follow(self.new_set, new, path)?;
        let pair = (old.key.clone(), new.key.clone());
        if !(pair.0.is_empty() && pair.1.is_empty()) && self.stack.contains(&pair) {
            return Ok(());
        }
        let definition = new
            .definition
            .as_deref()
            .or(old.definition.as_deref())
            .or(definition)
            .map(str::to_owned);
        self.stack.push(pair);
        let result = self.compare(old.loc, new.loc, path, definition.as_deref());
        self.stack.pop();
        result
    }

    fn compare(
        &mut self,
        old: Loc<'a>,
        new: Loc<'a>,
        path: &str,
        def: Option<&str>,
    ) -> Result<(), DiffError> {
        let (Some(o), Some(n)) = (old.value.as_object(), new.value.as_object()) else {
            if old.value != new.value {
                let effect = match (old.value, new.value) {
                    (Value::Bool(true), _) => Effect::Narrowed,
                    (_, Value::Bool(true)) => Effect::Widened,
                    _ => Effect::Changed,
                };
                let breaks = self.breaks(effect);
                self.push(
                    path,
                    def,
                    ChangeKind::ShapeChanged,
                    breaks,
                    format!(
                        "the schema {} ({} → {})",
                        effect.word(),
                        old.value,
                        new.value
                    ),
                );
            }
            return Ok(());
        };
        self.compare_types(o, n, path, def);
        self.compare_enums(o, n, path, def);
        self.compare_bounds(o, n, path, def);
        self.compare_properties(old, new, o, n, path, def)?;
        self.compare_items(old, new, o, n, path, def)?;
        self.compare_unions(old, new, o, n, path, def)?;
        self.compare_all_of(old, new, o, n, path, def)?;
        self.compare_conditional(old, new, o, n, path, def)
    }

    fn compare_types(
        &mut self,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
        path: &str,
        def: Option<&str>,
    ) {
        let (old_types, new_types) = (types(o), types(n));
        if old_types == new_types {
            return;
        }
        let effect = Effect::from_containment(
            contains(new_types.as_ref(), old_types.as_ref()),
            contains(old_types.as_ref(), new_types.as_ref()),
        );
        let what = format!(
            "type {} from {} to {}",
            effect.word(),
            show_types(old_types.as_ref()),
            show_types(new_types.as_ref())
        );
        let (breaks, reason) = match (self.audience, effect) {
            (Audience::ResponseReaders, Effect::Narrowed) => (
                true,
                format!(
                    "{what}: the generated type changes, so readers' code written against it no longer fits"
                ),
            ),
            (Audience::ResponseReaders, _) => (
                true,
                format!("{what}: readers may receive values their code does not expect"),
            ),
            (Audience::RequestWriters, Effect::Widened) => (
                false,
                format!("{what}: every request that was valid still is"),
            ),
            (Audience::RequestWriters, _) => (
                true,
                format!("{what}: writers sending the old type are rejected"),
            ),
        };
        self.push(path, def, ChangeKind::TypeChanged, breaks, reason);
    }

    fn compare_enums(
        &mut self,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
        path: &str,
        def: Option<&str>,
    ) {
        let (old_values, new_values) = (enum_values(o), enum_values(n));
        if old_values == new_values {
            return;
        }
        let (effect, reason) = match (&old_values, &new_values) {
            (None, Some(values)) => (
                Effect::Narrowed,
                format!("now limited to {}", show_values(values)),
            ),
            (Some(values), None) => (
                Effect::Widened,
                format!("no longer limited to {}", show_values(values)),
            ),
            (Some(old_values), Some(new_values)) => {
                let added: Vec<Value> = new_values
                    .iter()
                    .filter(|v| !old_values.contains(v))
                    .cloned()
                    .collect();
                let removed: Vec<Value> = old_values
                    .iter()
                    .filter(|v| !new_values.contains(v))
                    .cloned()
                    .collect();
                let effect = Effect::from_containment(removed.is_empty(), added.is_empty());
                let mut parts = Vec::new();
                if !added.is_empty() {
                    parts.push(format!("added {}", show_values(&added)));
                }
                if !removed.is_empty() {
                    parts.push(format!("removed {}", show_values(&removed)));
                }
                if parts.is_empty() {
                    return;
                }
                (effect, parts.join(", "))
            }
            (None, None) => return,
        };
        let breaks = self.breaks(effect);
        let consequence = match (self.audience, breaks) {
            (Audience::ResponseReaders, true) => {
                "readers that switch on this closed set meet values they do not handle"
            }
            (Audience::RequestWriters, true) => {
                "writers sending a value no longer allowed are rejected"
            }
            (Audience::ResponseReaders, false) => "readers handle fewer values than they can",
            (Audience::RequestWriters, false) => "every request that was valid still is",
        };
        self.push(
            path,
            def,
            ChangeKind::EnumChanged,
            breaks,
            format!("enum {}: {reason}; {consequence}", effect.word()),
        );
    }

    fn compare_bounds(
        &mut self,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
        path: &str,
        def: Option<&str>,
    ) {
        let lower = LOWER_BOUNDS.iter().map(|k| (*k, false));
        let upper = UPPER_BOUNDS.iter().map(|k| (*k, true));
        for (keyword, is_upper) in lower.chain(upper) {
            let (old_bound, new_bound) = (
                o.get(keyword).and_then(Value::as_f64),
                n.get(keyword).and_then(Value::as_f64),
            );
            let effect = match (old_bound, new_bound) {
                (None, None) => continue,
                (Some(a), Some(b)) if a == b => continue,
                (None, Some(_)) => Effect::Narrowed,
                (Some(_), None) => Effect::Widened,
                (Some(a), Some(b)) => {
                    if (b > a) == is_upper {
                        Effect::Widened
                    } else {
                        Effect::Narrowed
                    }
                }
            };
            let breaks = self.breaks(effect);
            self.push(
                path,
                def,
                ChangeKind::BoundChanged,
                breaks,
                format!(
                    "{keyword} {} ({} → {})",
                    effect.word(),
                    show_opt(o.get(keyword)),
                    show_opt(n.get(keyword))
                ),
            );
        }
        for keyword in ["pattern", "multipleOf"] {
            let (a, b) = (o.get(keyword), n.get(keyword));
            if a == b {
                continue;
            }
            let effect = match (a, b) {
                (None, Some(_)) => Effect::Narrowed,
                (Some(_), None) => Effect::Widened,
                _ => Effect::Changed,
            };
            let breaks = self.breaks(effect);
            self.push(
                path,
                def,
                ChangeKind::BoundChanged,
                breaks,
                format!(
                    "{keyword} {} ({} → {})",
                    effect.word(),
                    show_opt(a),
                    show_opt(b)
                ),
            );
        }
    }

    fn compare_properties(
        &mut self,
        old: Loc<'a>,
        new: Loc<'a>,
        o: &'a Map<String, Value>,
        n: &'a Map<String, Value>,
        path: &str,
        def: Option<&str>,
    ) -> Result<(), DiffError> {
        let (old_props, new_props) = (properties(o), properties(n));
        if old_props.is_empty() && new_props.is_empty() {
            return Ok(());
        }
        let (old_required, new_required) = (required(o), required(n));
        let names: BTreeSet<&str> = old_props.keys().chain(new_props.keys()).copied().collect();
        for name in names {
            let child = format!("{path}/{}", name.replace('~', "~0").replace('/', "~1"));
            let was_required = old_required.contains(name);
            let is_required = new_required.contains(name);
            match (old_props.get(name), new_props.get(name)) {
                (Some(a), Some(b)) => {
                    self.walk(old.at(a), new.at(b), &child, def)?;
                    self.compare_required(&child, def, was_required, is_required);
                }
                (Some(_), None) => {
                    let (breaks, reason) = match self.audience {
                        Audience::ResponseReaders => (
                            true,
                            format!(
                                "{} field `{name}` removed: readers that use it find it gone",
                                if was_required { "required" } else { "optional" }
                            ),
                        ),
                        Audience::RequestWriters if closed(n) => (
                            true,
                            format!(
                                "field `{name}` removed and unknown fields are refused: writers that still send it are rejected"
                            ),
                        ),
                        Audience::RequestWriters => (
                            false,
                            format!(
                                "field `{name}` removed; unknown fields are still accepted, so requests that send it stay valid"
                            ),
                        ),
                    };
                    self.push(&child, def, ChangeKind::FieldRemoved, breaks, reason);
                }
                (None, Some(_)) => {
                    let (breaks, reason) = match (self.audience, is_required) {
                        (Audience::RequestWriters, true) => (
                            true,
                            format!(
                                "new required field `{name}`: writers that do not send it are rejected"
                            ),
                        ),
                        (Audience::RequestWriters, false) => (
                            false,
                            format!("optional field `{name}` added: writers may send it"),
                        ),
                        (Audience::ResponseReaders, required) => (
                            false,
                            format!(
                                "{} field `{name}` added: readers may ignore it",
                                if required { "required" } else { "optional" }
                            ),
                        ),
                    };
                    self.push(&child, def, ChangeKind::FieldAdded, breaks, reason);
                }
                (None, None) => {}
            }
        }
        if closed(o) != closed(n) {
            let (breaks, reason) = match (self.audience, closed(n)) {
                (Audience::RequestWriters, true) => (
                    true,
                    "unknown fields are now refused: writers that send extra fields are rejected",
                ),
                (Audience::RequestWriters, false) => (false, "unknown fields are now accepted"),
                (Audience::ResponseReaders, true) => (false, "unknown fields can no longer appear"),
                (Audience::ResponseReaders, false) => (
                    false,
                    "unknown fields may now appear; readers ignore fields they do not know",
                ),
            };
            self.push(
                path,
                def,
                ChangeKind::AdditionalPropertiesChanged,
                breaks,
                reason.to_owned(),
            );
        }
        if let (Some(a @ Value::Object(_)), Some(b @ Value::Object(_))) =
            (o.get("additionalProperties"), n.get("additionalProperties"))
        {
            self.walk(old.at(a), new.at(b), &format!("{path}/*"), def)?;
        }
        Ok(())
    }

    fn compare_required(&mut self, path: &str, def: Option<&str>, was: bool, is: bool) {
        let (change, breaks, reason) = match (was, is, self.audience) {
            (true, false, Audience::ResponseReaders) => (
                ChangeKind::RequiredToOptional,
                true,
                "required → optional: readers may now find it absent",
            ),
            (true, false, Audience::RequestWriters) => (
                ChangeKind::RequiredToOptional,
                false,
                "required → optional: writers may leave it out",
            ),
            (false, true, Audience::ResponseReaders) => (
                ChangeKind::OptionalToRequired,
                false,
                "optional → required: readers can count on it",
            ),
            (false, true, Audience::RequestWriters) => (
                ChangeKind::OptionalToRequired,
                true,
                "optional → required: writers that leave it out are rejected",
            ),
            _ => return,
        };
        self.push(path, def, change, breaks, reason.to_owned());
    }

    fn compare_items(
        &mut self,
        old: Loc<'a>,
        new: Loc<'a>,
        o: &'a Map<String, Value>,
        n: &'a Map<String, Value>,
        path: &str,
        def: Option<&str>,
    ) -> Result<(), DiffError> {
        match (o.get("items"), n.get("items")) {
            (Some(a), Some(b)) => self.walk(old.at(a), new.at(b), &format!("{path}/*"), def),
            (None, None) => Ok(()),
            (a, _) => {
                let effect = if a.is_none() {
                    Effect::Narrowed
                } else {
                    Effect::Widened
                };
                let breaks = self.breaks(effect);
                self.push(
                    &format!("{path}/*"),
                    def,
                    ChangeKind::ShapeChanged,
                    breaks,
                    format!(
                        "array items {}: `items` {}",
                        effect.word(),
                        if a.is_none() { "added" } else { "removed" }
                    ),
                );
                Ok(())
            }
        }
    }

    fn compare_unions(
        &mut self,
        old: Loc<'a>,
        new: Loc<'a>,
        o: &'a Map<String, Value>,
        n: &'a Map<String, Value>,
        path: &str,
        def: Option<&str>,
    ) -> Result<(), DiffError> {
        let (old_members, new_members) = (union(o), union(n));
        let (old_members, new_members) = match (old_members, new_members) {
            (None, None) => return Ok(()),
            (Some(a), Some(b)) => (a, b),
            (a, _) => {
                let effect = if a.is_none() {
                    Effect::Narrowed
                } else {
                    Effect::Widened
                };
                let breaks = self.breaks(effect);
                let reason = if a.is_none() {
                    "became a union (anyOf/oneOf): the generated type changes"
                } else {
                    "is no longer a union (anyOf/oneOf): the generated type changes"
                };
                self.push(
                    path,
                    def,
                    ChangeKind::ShapeChanged,
                    breaks,
                    reason.to_owned(),
                );
                return Ok(());
            }
        };
        let old_by_key = member_keys(old_members);
        let new_by_key = member_keys(new_members);
        for (key, a) in &old_by_key {
            match new_by_key.get(key) {
                Some(b) => self.walk(old.at(a), new.at(b), path, def)?,
                None => {
                    let breaks = self.audience == Audience::RequestWriters;
                    let reason = if breaks {
                        format!(
                            "union member {key} removed: writers sending that shape are rejected"
                        )
                    } else {
                        format!("union member {key} removed: readers no longer receive that shape")
                    };
                    self.push(path, def, ChangeKind::UnionMemberRemoved, breaks, reason);
                }
            }
        }
        for key in new_by_key.keys().filter(|k| !old_by_key.contains_key(*k)) {
            let breaks = self.audience == Audience::ResponseReaders;
            let reason = if breaks {
                format!("union member {key} added: readers must handle a shape they do not know")
            } else {
                format!("union member {key} added: writers may send that shape too")
            };
            self.push(path, def, ChangeKind::UnionMemberAdded, breaks, reason);
        }
        Ok(())
    }

    fn compare_all_of(
        &mut self,
        old: Loc<'a>,
        new: Loc<'a>,
        o: &'a Map<String, Value>,
        n: &'a Map<String, Value>,
        path: &str,
        def: Option<&str>,
    ) -> Result<(), DiffError> {
        let (a, b) = (array(o, "allOf"), array(n, "allOf"));
        if a.len() == b.len() {
            for (x, y) in a.iter().zip(b) {
                self.walk(old.at(x), new.at(y), path, def)?;
            }
            return Ok(());
        }
        let effect = if a.len() < b.len() {
            Effect::Narrowed
        } else {
            Effect::Widened
        };
        let breaks = self.breaks(effect);
        self.push(
            path,
            def,
            ChangeKind::ShapeChanged,
            breaks,
            format!("allOf has {} members instead of {}", b.len(), a.len()),
        );
        Ok(())
    }

    fn compare_conditional(
        &mut self,
        old: Loc<'a>,
        new: Loc<'a>,
        o: &'a Map<String, Value>,
        n: &'a Map<String, Value>,
        path: &str,
        def: Option<&str>,
    ) -> Result<(), DiffError> {
        if o.get("if") != n.get("if") {
            let effect = match (o.get("if"), n.get("if")) {
                (None, Some(_)) => Effect::Narrowed,
                (Some(_), None) => Effect::Widened,
                _ => Effect::Changed,
            };
            let breaks = self.breaks(effect);
            self.push(
                path,
                def,
                ChangeKind::ShapeChanged,
                breaks,
                format!("the if/then/else condition {}", effect.word()),
            );
            return Ok(());
        }
        for branch in ["then", "else"] {
            match (o.get(branch), n.get(branch)) {
                (Some(a), Some(b)) => self.walk(old.at(a), new.at(b), path, def)?,
                (None, None) => {}
                (a, _) => {
                    let effect = if a.is_none() {
                        Effect::Narrowed
                    } else {
                        Effect::Widened
                    };
                    let breaks = self.breaks(effect);
                    self.push(
                        path,
                        def,
                        ChangeKind::ShapeChanged,
                        breaks,
                        format!(
                            "`{branch}` {}",
                            if a.is_none() { "added" } else { "removed" }
                        ),
                    );
                }
            }
        }
        Ok(())
    }
}

/// The JSON types a schema names (`nullable: true` adds null); `None` for any.
fn types(schema: &Map<String, Value>) -> Option<BTreeSet<String>> {
    let mut set: BTreeSet<String> = match schema.get("type")? {
        Value::String(t) => [t.clone()].into(),
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => return None,
    };
    if schema.get("nullable") == Some(&Value::Bool(true)) {
        set.insert("null".into());
    }
    Some(set)
}

/// Whether type set `outer` accepts every type of `inner` (integer is a number).
fn contains(outer: Option<&BTreeSet<String>>, inner: Option<&BTreeSet<String>>) -> bool {
    match (outer, inner) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(outer), Some(inner)) => inner
            .iter()
            .all(|t| outer.contains(t) || (t == "integer" && outer.contains("number"))),
    }
}

fn show_types(types: Option<&BTreeSet<String>>) -> String {
    match types {
        None => "any".into(),
        Some(set) => set.iter().cloned().collect::<Vec<_>>().join(" | "),
    }
}

fn enum_values(schema: &Map<String, Value>) -> Option<Vec<Value>> {
    if let Some(Value::Array(values)) = schema.get("enum") {
        return Some(values.clone());
    }
    schema.get("const").map(|v| vec![v.clone()])
}

fn show_values(values: &[Value]) -> String {
    values
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn show_opt(value: Option<&Value>) -> String {
    value.map_or_else(|| "none".into(), Value::to_string)
}

fn properties(schema: &Map<String, Value>) -> BTreeMap<&str, &Value> {
    let mut props: BTreeMap<&str, &Value> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.iter().map(|(k, v)| (k.as_str(), v)).collect())
        .unwrap_or_default();
    for name in required(schema) {
        props.entry(name).or_insert(&ANY);
    }
    props
}

fn required(schema: &Map<String, Value>) -> BTreeSet<&str> {
    array(schema, "required")
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

/// True when the object refuses properties it does not name.
fn closed(schema: &Map<String, Value>) -> bool {
    schema.get("additionalProperties") == Some(&Value::Bool(false))
        || schema.get("unevaluatedProperties") == Some(&Value::Bool(false))
}

fn array<'v>(schema: &'v Map<String, Value>, keyword: &str) -> &'v [Value] {
    schema
        .get(keyword)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn union(schema: &Map<String, Value>) -> Option<&[Value]> {
    ["anyOf", "oneOf"]
        .iter()
        .find_map(|k| schema.get(*k).and_then(Value::as_array))
        .map(Vec::as_slice)
}

/// Union members keyed by what names them: the `$ref` target, the `title`, a
/// single `type`, else the position.
fn member_keys(members: &[Value]) -> BTreeMap<String, &Value> {
    members
        .iter()
        .enumerate()
        .map(|(i, member)| {
            let key = if let Some(r) = member.get("$ref").and_then(Value::as_str) {
                definition_name(r)
            } else if let Some(title) = member.get("title").and_then(Value::as_str) {
                title.to_owned()
            } else if let Some(t) = member.get("type").and_then(Value::as_str) {
                t.to_owned()
            } else {
                format!("#{i}")
            };
            (key, member)
        })
        .collect()
}
