//! `schemas/` is derived from the models: committed files must be fresh, and
//! their shape is snapshotted so that every change is reviewed.

use ppob_contract::contract::generated_files;

use crate::support::root;

#[test]
fn committed_schemas_are_fresh() {
    let stale: Vec<String> = generated_files()
        .into_iter()
        .filter(|file| {
            std::fs::read_to_string(root().join(&file.path))
                .ok()
                .as_deref()
                != Some(file.contents.as_str())
        })
        .map(|file| format!("{} is stale; run cargo xtask schemas", file.path))
        .collect();
    assert!(stale.is_empty(), "{}", stale.join("\n"));
}

#[test]
fn schema_shapes_are_reviewed() {
    for file in generated_files() {
        let name = file
            .path
            .trim_start_matches("schemas/")
            .replace(".json", "");
        insta::assert_snapshot!(name, file.contents);
    }
}

#[test]
fn schemas_are_draft_2020_12_and_openapi_is_3_1() {
    for file in generated_files() {
        let value: serde_json::Value = serde_json::from_str(&file.contents).unwrap();
        if file.path.ends_with("openapi.json") {
            assert_eq!(value["openapi"], "3.1.0");
            for path in [
                "/api/v2/bill/check",
                "/api/v2/bill/payment",
                "/api/v2/bill/status",
            ] {
                let post = &value["paths"][path]["post"];
                assert!(post["responses"]["200"].is_object(), "{path}");
                let headers: Vec<&str> = post["parameters"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["$ref"].as_str().unwrap())
                    .collect();
                assert_eq!(
                    headers,
                    [
                        "#/components/parameters/KEY",
                        "#/components/parameters/TOKEN",
                        "#/components/parameters/VERSION"
                    ]
                );
            }
        } else {
            assert_eq!(
                value["$schema"], "https://json-schema.org/draft/2020-12/schema",
                "{}",
                file.path
            );
            jsonschema::validator_for(&value)
                .unwrap_or_else(|e| panic!("{} does not compile: {e}", file.path));
        }
    }
}
