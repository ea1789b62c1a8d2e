//! A JSON Schema per category for consumers' generators, derived from its
//! manifest: `schemas/categories/<name>.schema.json`. The generic schemas of
//! `schemas/` stay the contract of every category; this one pins what the
//! category's manifest declares beside them — the `customerDetails` and
//! `productDetails` keys of a successful inquiry and of a settled payment,
//! status or callback, the admin and bill-period keys and the `billInfo` keys
//! of an inquiry's bill lines, the token's pattern — so a team selling one
//! category generates types in which each detail line is a named type (its
//! `key` a literal, the key exactly as the manifest writes it).
//!
//! Shape: `$defs` holds one named line type per detail key, the bill lines,
//! each operation's `data` and its response; every named type extends the
//! generic one of `defs.schema.json` (`allOf`), and the root is `anyOf` the
//! four responses. The generated item types are unions that keep the generic
//! line as their last member (a document may carry more lines than the
//! manifest names); what the manifest requires is in each response's
//! `if`/`then` on `responseCode`, as the category rules apply it (300 for an
//! inquiry, 0–99 for a settled transaction).

use std::collections::BTreeMap;

use ppob_core::contract::{GeneratedFile, generated_file, schema_id};
use serde_json::{Map, Value, json};

use crate::catalog::{Catalog, Category};
use crate::manifest::{Lines, Template};

/// The folder of `schemas/` the category schemas are written to.
pub const CATEGORIES_DIR: &str = "categories";

/// The file name of a category's schema under `schemas/`, e.g. `categories/<name>.schema.json`.
pub fn category_schema_file(category: &Category) -> String {
    format!("{CATEGORIES_DIR}/{}.schema.json", category.name)
}

/// Every category's schema file, as `cargo xtask schemas` writes it.
pub fn category_schema_files(catalog: &Catalog) -> Vec<GeneratedFile> {
    catalog
        .categories()
        .iter()
        .map(|c| {
            generated_file(
                format!("schemas/{}", category_schema_file(c)),
                &category_schema(c),
            )
        })
        .collect()
}

/// The name of `$defs` entry `what` of `category`, e.g. `<Name>InquiryResponse`.
pub fn def_name(category: &Category, what: &str) -> String {
    format!("{}{what}", pascal(&category.name))
}

/// `text` in PascalCase, letters and digits only: "Alpha Key" → `AlphaKey`,
/// "Alpha/Beta" → `AlphaBeta`, `alpha-beta` → `AlphaBeta`.
fn pascal(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

fn generic(def: &str) -> Value {
    json!({ "$ref": format!("../defs.schema.json#/$defs/{def}") })
}

fn local(def: &str) -> Value {
    json!({ "$ref": format!("#/$defs/{def}") })
}

/// The named line types of one category: each detail key once, in the order
/// first met, named after the key (a suffix when two keys name alike).
struct LineTypes {
    by_key: BTreeMap<String, String>,
    order: Vec<(String, String)>,
}

impl LineTypes {
    fn new(category: &Category) -> Self {
        let manifest = &category.manifest;
        let keys = |lines: &Lines| -> Vec<String> {
            lines
                .customer
                .iter()
                .chain(&lines.product)
                .map(|(k, _)| k.clone())
                .collect()
        };
        let mut types = Self {
            by_key: BTreeMap::new(),
            order: Vec::new(),
        };
        let all = keys(&manifest.inquiry)
            .into_iter()
            .chain(keys(&manifest.settled))
            .chain(manifest.bills.info_keys.iter().cloned());
        for key in all {
            if types.by_key.contains_key(&key) {
                continue;
            }
            let base = def_name(category, &pascal(&key));
            let mut name = base.clone();
            let mut n = 2;
            while types.order.iter().any(|(_, taken)| *taken == name)
                || is_reserved(&name, category)
            {
                name = format!("{base}{n}");
                n += 1;
            }
            types.by_key.insert(key.clone(), name.clone());
            types.order.push((key, name));
        }
        types
    }

    /// The items of a detail array: the named types of `keys`, then the generic line.
    fn items<'a>(&self, keys: impl Iterator<Item = &'a String>) -> Value {
        let mut any: Vec<Value> = keys
            .filter_map(|k| self.by_key.get(k))
            .map(|name| local(name))
            .collect();
        any.push(generic("KeyValue"));
        json!({ "anyOf": any })
    }
}

/// The `$defs` names this module gives the operations' types.
const RESERVED: &[&str] = &[
    "AdminLine",
    "BillPeriod",
    "InquiryData",
    "InquirySuccess",
    "InquiryResponse",
    "PaymentData",
    "PaymentSuccess",
    "PaymentResponse",
    "StatusData",
    "StatusSuccess",
    "StatusResponse",
    "Callback",
];

fn is_reserved(name: &str, category: &Category) -> bool {
    RESERVED.iter().any(|r| def_name(category, r) == name)
}

fn line_type(category: &Category, key: &str) -> Value {
    json!({
        "title": def_name(category, &pascal(key)),
        "description": format!(
            "The {key:?} line of {} (a `{{key, value}}` line whose key is exactly {key:?}).",
            category.manifest.title
        ),
        "allOf": [generic("KeyValue")],
        "type": "object",
        "properties": { "key": { "const": key }, "value": { "type": "string" } },
        "required": ["key", "value"],
    })
}

fn keys_of(pairs: &[(String, Template)]) -> impl Iterator<Item = &String> {
    pairs.iter().map(|(k, _)| k)
}

/// `{allOf: [contains the named line of k, …]}` for an array that must hold
/// each key (a reference, so generators meet the named type, not a copy).
fn contains_each<'a>(keys: impl Iterator<Item = &'a String>, types: &LineTypes) -> Option<Value> {
    let all: Vec<Value> = keys
        .filter_map(|k| types.by_key.get(k))
        .map(|name| json!({ "contains": local(name) }))
        .collect();
    (!all.is_empty()).then(|| json!({ "allOf": all }))
}

/// The lenient, generator-facing `data` of one operation: the generic type
/// with its detail arrays typed by the category's lines.
fn data_type(
    category: &Category,
    generic_data: &str,
    lines: &Lines,
    types: &LineTypes,
    bills: Option<Value>,
) -> Value {
    let mut properties = Map::new();
    properties.insert(
        "customerDetails".into(),
        json!({ "type": "array", "items": types.items(keys_of(&lines.customer)) }),
    );
    properties.insert(
        "productDetails".into(),
        json!({ "type": "array", "items": types.items(keys_of(&lines.product)) }),
    );
    if let Some(bills) = bills {
        properties.insert("billDetails".into(), bills);
    }
    json!({
        "title": def_name(category, generic_data),
        "description": format!(
            "`data` of {} as {generic_data}, its detail lines typed by the category's keys.",
            category.manifest.title
        ),
        "allOf": [generic(generic_data)],
        "type": "object",
        "properties": properties,
    })
}

/// What the manifest requires of a document of one phase: its detail keys,
/// the inquiry's bill lines (the admin line and the bill periods as their
/// named types say), the settled token's pattern.
fn required(category: &Category, lines: &Lines, inquiry: bool, types: &LineTypes) -> Value {
    let mut data = Map::new();
    if let Some(c) = contains_each(keys_of(&lines.customer), types) {
        data.insert("customerDetails".into(), c);
    }
    if let Some(p) = contains_each(keys_of(&lines.product), types) {
        data.insert("productDetails".into(), p);
    }
    let manifest = &category.manifest;
    if inquiry {
        data.insert(
            "billDetails".into(),
            json!({ "items": {
                "if": { "properties": { "billId": { "const": "0" } }, "required": ["billId"] },
                "then": local(&def_name(category, "AdminLine")),
                "else": local(&def_name(category, "BillPeriod")),
            } }),
        );
    } else if let Some(pattern) = &manifest.token.pattern {
        data.insert(
            "token".into(),
            json!({ "pattern": format!("^(?:{})$", pattern.source) }),
        );
    }
    json!({ "properties": { "data": { "properties": data } } })
}

/// One response's `$defs` entry: the generic success shape with the
/// category's data, or the generic failure; the manifest's requirements when
/// the code is the phase's.
fn response_type(
    category: &Category,
    name: &str,
    generic_pair: (&str, &str),
    code: Value,
    requires: Value,
) -> Value {
    json!({
        "title": def_name(category, name),
        "description": format!(
            "{name} of {}: one of the generic shapes (`success` tells them apart), and when `responseCode` is {} the detail lines its manifest names.",
            category.manifest.title,
            if code.get("const").is_some() { "300" } else { "0-99" }
        ),
        "type": "object",
        "oneOf": [local(&def_name(category, generic_pair.0)), generic(generic_pair.1)],
        "if": { "properties": { "responseCode": code }, "required": ["responseCode"] },
        "then": requires,
    })
}

fn success_type(category: &Category, success: &str, data: &str) -> Value {
    json!({
        "title": def_name(category, success),
        "description": format!("{success} of {}, its `data` typed by the category.", category.manifest.title),
        "allOf": [generic(success)],
        "type": "object",
        "properties": { "data": local(&def_name(category, data)) },
    })
}

/// The schema of one category, derived from its manifest.
pub fn category_schema(category: &Category) -> Value {
    let manifest = &category.manifest;
    let types = LineTypes::new(category);
    let mut defs = Map::new();
    for (key, name) in &types.order {
        defs.insert(name.clone(), line_type(category, key));
    }
    let bills = &manifest.bills;
    let admin = def_name(category, "AdminLine");
    let period = def_name(category, "BillPeriod");
    let mut admin_props = Map::new();
    admin_props.insert("billId".into(), json!({ "const": "0" }));
    if let Some(key) = &bills.admin_key {
        admin_props.insert("key".into(), json!({ "const": key }));
    }
    defs.insert(
        admin.clone(),
        json!({
            "title": admin,
            "description": format!("The admin-fee bill line (`billId` \"0\") of {}.", manifest.title),
            "allOf": [generic("InquiryBillDetail")],
            "type": "object",
            "properties": admin_props,
        }),
    );
    let mut period_props = Map::new();
    if let Some(key) = &bills.period_key {
        period_props.insert("key".into(), json!({ "const": key }));
    }
    let mut bill_info = json!({ "type": "array", "items": types.items(bills.info_keys.iter()) });
    if let Some(Value::Object(each)) = contains_each(bills.info_keys.iter(), &types) {
        bill_info
            .as_object_mut()
            .into_iter()
            .for_each(|o| o.extend(each.clone()));
    }
    period_props.insert("billInfo".into(), bill_info);
    defs.insert(
        period.clone(),
        json!({
            "title": period,
            "description": format!("A bill-period line (`billId` other than \"0\") of {}, with the `billInfo` lines its manifest names.", manifest.title),
            "allOf": [generic("InquiryBillDetail")],
            "type": "object",
            "properties": period_props,
        }),
    );
    let bill_items = json!({
        "type": "array",
        "items": { "anyOf": [local(&admin), local(&period), generic("InquiryBillDetail")] },
    });
    let settled_code = json!({ "type": "integer", "minimum": 0, "maximum": 99 });
    let inquiry_code = json!({ "const": 300 });
    let operations = [
        (
            "InquiryResponse",
            "InquirySuccess",
            "InquiryFailure",
            "InquiryData",
            &manifest.inquiry,
            true,
        ),
        (
            "PaymentResponse",
            "PaymentSuccess",
            "PaymentFailure",
            "PaymentData",
            &manifest.settled,
            false,
        ),
        (
            "StatusResponse",
            "StatusSuccess",
            "StatusFailure",
            "StatusData",
            &manifest.settled,
            false,
        ),
    ];
    for (response, success, failure, data, lines, inquiry) in operations {
        let bills = inquiry.then(|| bill_items.clone());
        defs.insert(
            def_name(category, data),
            data_type(category, data, lines, &types, bills),
        );
        defs.insert(
            def_name(category, success),
            success_type(category, success, data),
        );
        let code = if inquiry {
            inquiry_code.clone()
        } else {
            settled_code.clone()
        };
        defs.insert(
            def_name(category, response),
            response_type(
                category,
                response,
                (success, failure),
                code,
                required(category, lines, inquiry, &types),
            ),
        );
    }
    defs.insert(
        def_name(category, "Callback"),
        response_type(
            category,
            "Callback",
            ("StatusSuccess", "StatusFailure"),
            settled_code,
            required(category, &manifest.settled, false, &types),
        ),
    );
    let responses: Vec<Value> = [
        "InquiryResponse",
        "PaymentResponse",
        "StatusResponse",
        "Callback",
    ]
    .iter()
    .map(|r| local(&def_name(category, r)))
    .collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": schema_id(&category_schema_file(category)),
        "title": pascal(&category.name),
        "description": format!(
            "{} (`data.category` {:?}; {}): a response of this category passes the generic schema of its kind and this schema, derived from fixtures/{}/category.toml. `$defs` names each detail line (its key a literal) and each operation's data and response; `#/$defs/{}` and its siblings judge one kind.",
            manifest.title,
            manifest.category,
            manifest.summary,
            category.name,
            def_name(category, "InquiryResponse"),
        ),
        "anyOf": responses,
        "$defs": defs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_pascal_case_letters_and_digits() {
        assert_eq!(pascal("alpha-beta"), "AlphaBeta");
        assert_eq!(
            pascal("Alpha & Beta Gamma Delta Epsilon"),
            "AlphaBetaGammaDeltaEpsilon"
        );
        assert_eq!(pascal("Alpha/Beta"), "AlphaBeta");
        assert_eq!(pascal("ID Alpha"), "IDAlpha");
    }

    #[test]
    fn every_builtin_category_gets_one_file_with_a_line_type_per_key() {
        let catalog = crate::load::builtin().unwrap();
        let files = category_schema_files(&catalog);
        assert_eq!(files.len(), catalog.categories().len());
        for category in catalog.categories() {
            let schema = category_schema(category);
            let defs = schema["$defs"].as_object().unwrap();
            for (key, _) in category
                .manifest
                .inquiry
                .customer
                .iter()
                .chain(&category.manifest.settled.product)
            {
                assert!(
                    defs.values()
                        .any(|d| d["properties"]["key"]["const"] == *key),
                    "{}: no line type for {key:?}",
                    category.name
                );
            }
        }
    }

    #[test]
    fn two_keys_that_name_alike_get_distinct_types() {
        let text = "title = \"T\"\ncategory = \"T\"\n[[products]]\ncode = \"X-1\"\nname = \"x\"\n[inquiry]\ncustomer = [[\"Alpha Key\", \"a\"], [\"Alpha. Key\", \"b\"]]\n";
        let category =
            crate::load::parse("t", "t/category.toml", text, crate::Source::Builtin).unwrap();
        let schema = category_schema(&category);
        let defs = schema["$defs"].as_object().unwrap();
        assert!(defs.contains_key("TAlphaKey") && defs.contains_key("TAlphaKey2"));
    }
}
