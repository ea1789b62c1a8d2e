//! Each product category's schema (`schemas/categories/<name>.schema.json`,
//! derived from its manifest) agrees with the category's fixtures: a response
//! fixture passes its kind's `$defs` entry exactly when it passes the generic
//! schema and `validate` reports none of the rules the category schema pins
//! (`product.required-key`, `product.token-pattern`); a document with a
//! wrong detail key or a malformed token fails it.

use std::collections::BTreeSet;
use std::path::Path;

use jsonschema::{Registry, Validator};
use ppob_contract::contract::{
    DEFINITIONS_FILE, DocKind, SchemaVariant, compile_schema, definitions, published_schema,
    schema_id,
};
use ppob_contract::products::schema::{category_schema, category_schema_file, def_name};
use ppob_contract::products::{Category, load};
use serde_json::{Value, json};

use crate::support::root;

/// The rules whose findings the category schema also reports.
const PINNED: &[&str] = &["product.required-key", "product.token-pattern"];

/// The `$defs` entry judging `kind`, if the category schema judges it.
fn def_of(kind: DocKind) -> Option<&'static str> {
    match kind {
        DocKind::InquiryResponse => Some("InquiryResponse"),
        DocKind::PaymentResponse => Some("PaymentResponse"),
        DocKind::StatusResponse => Some("StatusResponse"),
        DocKind::Callback => Some("Callback"),
        _ => None,
    }
}

struct Judge {
    category: Category,
    schema: Value,
}

impl Judge {
    fn new(category: &Category) -> Self {
        Self {
            category: category.clone(),
            schema: category_schema(category),
        }
    }

    fn validator(&self, kind: DocKind) -> Option<Validator> {
        let def = def_of(kind)?;
        let id = schema_id(&category_schema_file(&self.category));
        let registry = Registry::new()
            .add(
                schema_id(DEFINITIONS_FILE),
                definitions(SchemaVariant::Published),
            )
            .and_then(|b| b.add(id.clone(), self.schema.clone()))
            .and_then(|b| b.prepare())
            .unwrap();
        let wrapper = json!({ "$ref": format!("{id}#/$defs/{}", def_name(&self.category, def)) });
        Some(
            jsonschema::options()
                .with_registry(&registry)
                .offline()
                .build(&wrapper)
                .unwrap_or_else(|e| panic!("{}: {e}", self.category.name)),
        )
    }
}

/// The rules `validate` reports for `path`, as its folder's expectation files say.
fn expected_rules(path: &Path) -> BTreeSet<String> {
    let dir = path.parent().unwrap();
    let file = path.file_name().unwrap().to_string_lossy().into_owned();
    let rules = |findings: &Value| -> BTreeSet<String> {
        findings
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f["rule"].as_str().map(str::to_owned))
            .collect()
    };
    let own = dir.join(file.replace(".json", ".expect.json"));
    if let Ok(text) = std::fs::read_to_string(&own) {
        let expect: Value = serde_json::from_str(&text).unwrap();
        return rules(&expect["findings"]);
    }
    if let Ok(text) = std::fs::read_to_string(dir.join("examples.expect.json")) {
        let expect: Value = serde_json::from_str(&text).unwrap();
        return rules(&expect["documents"][&file]);
    }
    BTreeSet::new()
}

fn fixtures_of(category: &Category) -> Vec<std::path::PathBuf> {
    let dir = root().join("fixtures").join(&category.name);
    let mut files = Vec::new();
    for sub in [dir.clone(), dir.join("invalid"), dir.join("documented")] {
        let Ok(entries) = std::fs::read_dir(&sub) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".json") && !name.ends_with(".expect.json") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_category_s_fixtures_agree_with_its_schema() {
    let catalog = load::builtin().unwrap();
    let mut judged = 0;
    let mut refused = 0;
    let mut problems = Vec::new();
    for category in catalog.categories() {
        let judge = Judge::new(category);
        for path in fixtures_of(category) {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let Some(kind) = DocKind::from_file_name(&name) else {
                continue;
            };
            let Some(validator) = judge.validator(kind) else {
                continue;
            };
            let doc: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let generic = compile_schema(&published_schema(kind), SchemaVariant::Published)
                .unwrap()
                .is_valid(&doc);
            let rules = expected_rules(&path);
            let expected = generic && !PINNED.iter().any(|r| rules.contains(*r));
            let actual = validator.is_valid(&doc);
            judged += 1;
            refused += usize::from(!actual);
            if expected != actual {
                let why: Vec<String> = validator
                    .iter_errors(&doc)
                    .map(|e| format!("{} at {}", e, e.instance_path()))
                    .collect();
                problems.push(format!(
                    "{}: category schema says {actual}, expected {expected} (generic {generic}, rules {rules:?}) {why:?}",
                    path.strip_prefix(root()).unwrap().display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(judged >= 4 * catalog.categories().len(), "{judged}");
    assert!(refused >= 8, "the negative fixtures fail: {refused}");
}

/// `doc` with the key of its first `array` line replaced by a wrong one.
fn with_wrong_key(doc: &Value, array: &str) -> Option<Value> {
    let mut doc = doc.clone();
    let line = doc["data"][array].get_mut(0)?;
    line["key"] = json!("A Wrong Key");
    Some(doc)
}

#[test]
fn a_wrong_detail_key_or_token_fails_the_category_schema() {
    let catalog = load::builtin().unwrap();
    let mut tried = 0;
    for category in catalog.categories() {
        let judge = Judge::new(category);
        let dir = root().join("fixtures").join(&category.name);
        let manifest = &category.manifest;
        for (file, kind, lines) in [
            (
                "inquiry.response.json",
                DocKind::InquiryResponse,
                &manifest.inquiry,
            ),
            (
                "status.response.json",
                DocKind::StatusResponse,
                &manifest.settled,
            ),
            ("callback.json", DocKind::Callback, &manifest.settled),
        ] {
            let Ok(text) = std::fs::read_to_string(dir.join(file)) else {
                continue;
            };
            let doc: Value = serde_json::from_str(&text).unwrap();
            let validator = judge.validator(kind).unwrap();
            assert!(validator.is_valid(&doc), "{}/{file}", category.name);
            for (array, keys) in [
                ("customerDetails", &lines.customer),
                ("productDetails", &lines.product),
            ] {
                if keys.is_empty() {
                    continue;
                }
                // Every line keyed wrongly: whichever key is first, a required one goes.
                let mut wrong = doc.clone();
                for line in wrong["data"][array].as_array_mut().into_iter().flatten() {
                    line["key"] = json!("A Wrong Key");
                }
                assert!(
                    !validator.is_valid(&wrong),
                    "{}/{file}: {array} with wrong keys passes",
                    category.name
                );
                tried += 1;
            }
            if kind != DocKind::InquiryResponse && manifest.token.pattern.is_some() {
                let mut wrong = doc.clone();
                wrong["data"]["token"] = json!("not a token!");
                assert!(
                    !validator.is_valid(&wrong),
                    "{}/{file}: a malformed token passes",
                    category.name
                );
                tried += 1;
            }
        }
        // One wrong key among right ones fails too, where the first line is required.
        let doc: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("inquiry.response.json")).unwrap(),
        )
        .unwrap();
        if let Some(first) = doc["data"]["customerDetails"][0]["key"].as_str()
            && manifest.inquiry.customer.iter().any(|(k, _)| k == first)
        {
            let wrong = with_wrong_key(&doc, "customerDetails").unwrap();
            assert!(
                !judge
                    .validator(DocKind::InquiryResponse)
                    .unwrap()
                    .is_valid(&wrong)
            );
            tried += 1;
        }
    }
    assert!(tried >= catalog.categories().len(), "{tried}");
}

#[test]
fn a_pln_token_buyer_gets_a_named_no_meter_type() {
    // The example of the issue: generated types name the meter-number line. The
    // test reads the name from the manifest, as a consumer's generator would.
    let catalog = load::builtin().unwrap();
    for category in catalog.categories() {
        let schema = category_schema(category);
        for (key, _) in category.manifest.inquiry.customer.iter() {
            let named = schema["$defs"]
                .as_object()
                .unwrap()
                .iter()
                .find(|(_, d)| d["properties"]["key"]["const"] == *key)
                .unwrap_or_else(|| panic!("{}: no type for {key:?}", category.name));
            assert_eq!(named.1["title"], json!(named.0), "{}", category.name);
            let data = &schema["$defs"][def_name(category, "InquiryData")];
            let items = data["properties"]["customerDetails"]["items"]["anyOf"].to_string();
            assert!(items.contains(&format!("#/$defs/{}", named.0)), "{items}");
        }
    }
}
