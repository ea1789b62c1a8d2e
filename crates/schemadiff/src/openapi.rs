//! Comparing two OpenAPI documents: each operation's request body (for request
//! writers), each documented response and each webhook payload (for readers).

use std::collections::BTreeMap;

use serde_json::Value;

use super::compare::compare_roots;
use super::load::{Loc, SchemaDoc, SchemaSet};
use super::{Audience, Change, ChangeKind, DiffError};

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One payload schema of an OpenAPI document.
struct Payload<'a> {
    label: String,
    audience: Audience,
    schema: &'a Value,
}

/// Compares the payload schemas of two OpenAPI documents, paired by method,
/// path and status (or webhook name).
pub(super) fn compare(
    old_set: &SchemaSet,
    old: &SchemaDoc,
    new_set: &SchemaSet,
    new: &SchemaDoc,
    changes: &mut Vec<Change>,
) -> Result<(), DiffError> {
    let old_index = old_set.root(old).doc;
    let new_index = new_set.root(new).doc;
    let old_payloads = payloads(old_set, old_index, &old.value);
    let new_payloads = payloads(new_set, new_index, &new.value);
    for (key, a) in &old_payloads {
        match new_payloads.get(key) {
            Some(b) => compare_roots(
                &b.label,
                b.audience,
                (
                    old_set,
                    Loc {
                        doc: old_index,
                        value: a.schema,
                    },
                ),
                (
                    new_set,
                    Loc {
                        doc: new_index,
                        value: b.schema,
                    },
                ),
                changes,
            )?,
            None => changes.push(Change {
                schema: a.label.clone(),
                pointer: String::new(),
                definition: None,
                change: ChangeKind::SchemaRemoved,
                breaks: Some(a.audience),
                reason: format!("{key} is no longer documented"),
            }),
        }
    }
    for (key, b) in new_payloads
        .iter()
        .filter(|(k, _)| !old_payloads.contains_key(*k))
    {
        changes.push(Change {
            schema: b.label.clone(),
            pointer: String::new(),
            definition: None,
            change: ChangeKind::SchemaAdded,
            breaks: None,
            reason: format!("{key} is newly documented"),
        });
    }
    Ok(())
}

/// Every payload schema by a key that survives renames of operationIds:
/// `POST /path request`, `POST /path response 200`, `webhook NAME POST`.
fn payloads<'a>(
    set: &'a SchemaSet,
    doc: usize,
    openapi: &'a Value,
) -> BTreeMap<String, Payload<'a>> {
    let mut found = BTreeMap::new();
    let sections = [("paths", false), ("webhooks", true)];
    for (section, webhook) in sections {
        let Some(items) = openapi.get(section).and_then(Value::as_object) else {
            continue;
        };
        for (name, item) in items {
            for method in METHODS {
                let Some(operation) = item.get(*method) else {
                    continue;
                };
                let verb = method.to_uppercase();
                let title = operation
                    .get("operationId")
                    .and_then(Value::as_str)
                    .map_or_else(|| format!("{verb} {name}"), str::to_owned);
                let request = operation
                    .get("requestBody")
                    .map(|body| deref(set, doc, body))
                    .and_then(body_schema);
                if let Some(schema) = request {
                    let (key, label, audience) = if webhook {
                        (
                            format!("webhook {name} {verb}"),
                            format!("openapi: webhook {title}"),
                            Audience::ResponseReaders,
                        )
                    } else {
                        (
                            format!("{verb} {name} request"),
                            format!("openapi: {title} request"),
                            Audience::RequestWriters,
                        )
                    };
                    found.insert(
                        key,
                        Payload {
                            label,
                            audience,
                            schema,
                        },
                    );
                }
                if webhook {
                    continue;
                }
                let responses = operation.get("responses").and_then(Value::as_object);
                for (status, response) in responses.into_iter().flatten() {
                    if let Some(schema) = body_schema(deref(set, doc, response)) {
                        found.insert(
                            format!("{verb} {name} response {status}"),
                            Payload {
                                label: format!("openapi: {title} response {status}"),
                                audience: Audience::ResponseReaders,
                                schema,
                            },
                        );
                    }
                }
            }
        }
    }
    found
}

/// Follows a `$ref` to a reusable request body or response, if there is one.
fn deref<'a>(set: &'a SchemaSet, doc: usize, value: &'a Value) -> &'a Value {
    value
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| set.resolve(doc, r))
        .map_or(value, |(loc, _)| loc.value)
}

/// The JSON schema of a body: `content["application/json"].schema`, else the
/// first media type's schema.
fn body_schema(body: &Value) -> Option<&Value> {
    let content = body.get("content")?.as_object()?;
    content
        .get("application/json")
        .or_else(|| content.values().next())?
        .get("schema")
}
