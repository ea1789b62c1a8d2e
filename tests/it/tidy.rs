//! House rules that are cheap to check, checked: the crate layering of
//! ARCHITECTURE.md's crate table against `cargo metadata`, what the
//! validate crate and the libraries may pull in, printing and exit codes
//! only where they belong, no unexplained `unwrap`/`expect` in library
//! code, ARCHITECTURE.md naming every crate, module and test module, and
//! every relative link of the Markdown documents resolving.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::{root, rust_files};

/// The crates that must never reach the validate crate's normal build.
const HEAVY: &[&str] = &[
    "tokio",
    "hyper",
    "axum",
    "reqwest",
    "proptest",
    "jsonwebtoken",
    "clap",
];

/// `cargo metadata` of the workspace (resolved, this platform only).
fn metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .arg("--filter-platform")
        .arg(host_triple())
        .current_dir(root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON")
}

fn host_triple() -> String {
    let cargo = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let output = Command::new(cargo)
        .arg("-vV")
        .output()
        .expect("rustc -vV runs");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV names the host")
        .to_owned()
}

/// The workspace's packages: name → (id, manifest directory).
fn members(meta: &Value) -> BTreeMap<String, (String, PathBuf)> {
    let ids: BTreeSet<&str> = meta["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| ids.contains(p["id"].as_str().unwrap()))
        .map(|p| {
            let manifest = PathBuf::from(p["manifest_path"].as_str().unwrap());
            (
                p["name"].as_str().unwrap().to_owned(),
                (
                    p["id"].as_str().unwrap().to_owned(),
                    manifest.parent().unwrap().to_path_buf(),
                ),
            )
        })
        .collect()
}

/// Each workspace package's dependencies on other workspace packages, of
/// every kind (normal, build, dev), as declared in its manifest.
fn workspace_edges(meta: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let names: BTreeSet<String> = members(meta).into_keys().collect();
    let mut edges = BTreeMap::new();
    for package in meta["packages"].as_array().unwrap() {
        let name = package["name"].as_str().unwrap();
        if !names.contains(name) {
            continue;
        }
        let deps: BTreeSet<String> = package["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|d| d["name"].as_str())
            .filter(|d| names.contains(*d))
            .map(str::to_owned)
            .collect();
        edges.insert(name.to_owned(), deps);
    }
    edges
}

/// ARCHITECTURE.md's crate table: crate → the workspace crates it may use.
fn allowed_edges(architecture: &str) -> BTreeMap<String, BTreeSet<String>> {
    let table = architecture
        .split("<!-- crate-table -->")
        .nth(1)
        .expect("ARCHITECTURE.md has a <!-- crate-table --> section");
    let mut allowed = BTreeMap::new();
    for line in table.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let name = cells[1].trim_matches('`').to_owned();
        let may_use: BTreeSet<String> = cells[3]
            .split(',')
            .map(|c| c.trim().trim_matches('`').to_owned())
            .filter(|c| !c.is_empty() && c != "—")
            .collect();
        allowed.insert(name, may_use);
    }
    assert!(allowed.len() >= 8, "the crate table lists {allowed:?}");
    allowed
}

/// The edges of `actual` that `allowed` does not list, and the crates it
/// does not list at all.
fn forbidden_edges(
    actual: &BTreeMap<String, BTreeSet<String>>,
    allowed: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<String> {
    let mut wrong = Vec::new();
    for (from, deps) in actual {
        let Some(may) = allowed.get(from) else {
            wrong.push(format!("{from} is not in ARCHITECTURE.md's crate table"));
            continue;
        };
        for to in deps.difference(may) {
            wrong.push(format!("{from} -> {to}"));
        }
    }
    wrong
}

#[test]
fn every_dependency_edge_is_one_the_crate_table_allows() {
    let architecture = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let allowed = allowed_edges(&architecture);
    let actual = workspace_edges(&metadata());
    let wrong = forbidden_edges(&actual, &allowed);
    assert!(
        wrong.is_empty(),
        "dependency edges that ARCHITECTURE.md's crate table does not allow: {wrong:#?}"
    );
    for name in allowed.keys() {
        assert!(
            actual.contains_key(name),
            "the table lists {name}, which is not a crate"
        );
    }
    let libraries = actual.keys().filter(|n| n.as_str() != "xtask").count() - 1;
    assert!(libraries >= 6, "{libraries} library crates");
}

#[test]
fn the_layering_check_sees_a_back_edge() {
    let architecture = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let allowed = allowed_edges(&architecture);
    let mut actual = workspace_edges(&metadata());
    actual
        .get_mut("ppob-core")
        .expect("the schema floor is a crate")
        .insert("ppob-report".into());
    assert_eq!(
        forbidden_edges(&actual, &allowed),
        ["ppob-core -> ppob-report"]
    );
}

/// Every package reached from `start` over normal (non-dev, non-build) edges.
fn normal_closure(meta: &Value, start: &str) -> BTreeSet<String> {
    let nodes: BTreeMap<&str, &Value> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n))
        .collect();
    let names: BTreeMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let mut seen = BTreeSet::new();
    let mut stack = vec![start.to_owned()];
    while let Some(id) = stack.pop() {
        if !seen.insert(id.clone()) {
            continue;
        }
        for dep in nodes[id.as_str()]["deps"].as_array().unwrap() {
            let normal = dep["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"].is_null());
            if normal {
                stack.push(dep["pkg"].as_str().unwrap().to_owned());
            }
        }
    }
    seen.iter()
        .map(|id| names[id.as_str()].to_owned())
        .collect()
}

#[test]
fn the_validate_crate_and_the_libraries_stay_light() {
    let meta = metadata();
    let members = members(&meta);
    let validate = normal_closure(&meta, &members["ppob-validate"].0);
    let heavy: Vec<&&str> = HEAVY.iter().filter(|h| validate.contains(**h)).collect();
    assert!(heavy.is_empty(), "ppob-validate pulls in {heavy:?}");
    assert!(
        validate.contains("jsonschema"),
        "the closure is computed: {validate:?}"
    );
    for (name, (id, dir)) in &members {
        if !dir.starts_with(root().join("crates")) {
            continue;
        }
        assert!(
            !normal_closure(&meta, id).contains("clap"),
            "the library crate {name} depends on clap"
        );
    }
}

#[test]
fn the_validate_only_install_builds_no_network_stack() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let tree = |features: &[&str]| {
        let output = Command::new(&cargo)
            .args([
                "tree",
                "-p",
                "ppob-contract",
                "-e",
                "normal",
                "--prefix",
                "none",
            ])
            .args(["--locked", "--offline", "--target", &host_triple()])
            .args(features)
            .current_dir(root())
            .output()
            .expect("cargo tree runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
            .collect::<BTreeSet<String>>()
    };
    let validate_only = tree(&["--no-default-features"]);
    let heavy: Vec<&&str> = HEAVY
        .iter()
        .filter(|h| **h != "clap" && validate_only.contains(**h))
        .collect();
    assert!(
        heavy.is_empty(),
        "--no-default-features still builds {heavy:?}"
    );
    assert!(validate_only.contains("ppob-validate") && validate_only.contains("clap"));
    let full = tree(&[]);
    assert!(
        full.contains("tokio") && full.contains("ppob-fuzz"),
        "the default install is the full tool"
    );
}

/// A file's code without its unit tests: everything before the first
/// `#[cfg(test)]` module (the house style puts them last), and nothing of a
/// file that is itself a test module.
fn code_outside_tests(path: &Path, text: &str) -> String {
    let name = path.file_name().unwrap().to_string_lossy();
    if name == "tests.rs" || name.ends_with("_tests.rs") {
        return String::new();
    }
    let mut code = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim_start().starts_with("#[cfg(test)]")
            && lines.peek().is_some_and(|next| {
                let next = next.trim();
                next.ends_with('{') && next.split_whitespace().any(|word| word == "mod")
            })
        {
            break;
        }
        code.push_str(line);
        code.push('\n');
    }
    code
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with("//")
}

#[test]
fn only_the_binary_and_xtask_print() {
    let printing = ["println!", "eprintln!", "print!(", "eprint!(", "dbg!("];
    let mut found = Vec::new();
    for file in rust_files(&root().join("crates")) {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in code_outside_tests(&file, &text).lines().enumerate() {
            if !is_comment(line) && printing.iter().any(|p| line.contains(p)) {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "library crates print: {found:#?}");
}

#[test]
fn library_code_explains_every_unwrap_and_expect() {
    let mut found = Vec::new();
    for file in rust_files(&root().join("crates")) {
        let text = std::fs::read_to_string(&file).unwrap();
        let code = code_outside_tests(&file, &text);
        let lines: Vec<&str> = code.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            if is_comment(line) {
                continue;
            }
            let panics = line.contains(".unwrap()") || line.contains(".expect(");
            let comment_above = lines[..n]
                .iter()
                .rev()
                .take_while(|above| is_comment(above))
                .any(|above| above.trim_start().starts_with("// invariant:"));
            let explained = line.contains("// invariant:") || comment_above;
            if panics && !explained {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "unwrap/expect in library code without an `// invariant:` comment saying why it cannot fail: {found:#?}"
    );
}

#[test]
fn exit_codes_come_from_their_one_definition() {
    let exit = root().join("crates/ppob-core/src/exit.rs");
    let mut files = rust_files(&root().join("src"));
    files.extend(rust_files(&root().join("crates")));
    let mut found = Vec::new();
    for file in files.iter().filter(|f| **f != exit) {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in code_outside_tests(file, &text).lines().enumerate() {
            let bare = ["ExitCode::from(", "process::exit("].iter().any(|call| {
                line.split(call).skip(1).any(|arg| {
                    arg.trim_start().starts_with(|c: char| c.is_ascii_digit())
                        || arg.contains("128")
                })
            });
            if !is_comment(line)
                && (bare
                    || line.contains("ExitCode::SUCCESS")
                    || line.contains("ExitCode::FAILURE"))
            {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "bare exit codes outside ppob_core::exit: {found:#?}"
    );
}

#[test]
fn architecture_names_every_crate_module_and_test_module() {
    let architecture = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let meta = metadata();
    let mut missing = Vec::new();
    for (name, (_, dir)) in members(&meta) {
        if !architecture.contains(&format!("`{name}`")) {
            missing.push(format!("crate {name}"));
        }
        let src = dir.join("src");
        if !src.is_dir() {
            continue;
        }
        for file in rust_files(&src) {
            let relative = file.strip_prefix(&src).unwrap();
            let module = match relative.file_name().unwrap().to_string_lossy().as_ref() {
                "mod.rs" => format!("{}/", relative.parent().unwrap().display()),
                "lib.rs" | "main.rs" => continue,
                _ => relative.file_name().unwrap().to_string_lossy().into_owned(),
            };
            let module =
                module
                    .rsplit('/')
                    .find(|s| !s.is_empty())
                    .map_or(module.clone(), |last| {
                        if module.ends_with('/') {
                            format!("{last}/")
                        } else {
                            last.to_owned()
                        }
                    });
            if !architecture.contains(&format!("`{module}`"))
                && !architecture.contains(&format!("`{}`", relative.display()))
            {
                missing.push(format!("module {name}: {}", relative.display()));
            }
        }
    }
    for file in rust_files(&root().join("tests/it")) {
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        if stem != "main" && !architecture.contains(&format!("`{stem}`")) {
            missing.push(format!("test module tests/it/{stem}.rs"));
        }
    }
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md does not name: {missing:#?}"
    );
}

/// The relative link targets of a Markdown text (`[text](target)`), without
/// their `#fragment`; web addresses are left out.
fn relative_links(text: &str) -> Vec<String> {
    let mut links = Vec::new();
    for part in text.split("](").skip(1) {
        let Some(end) = part.find(')') else { continue };
        let target = part[..end].split('#').next().unwrap_or("").trim();
        if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
            continue;
        }
        links.push(target.to_owned());
    }
    links
}

#[test]
fn every_relative_link_in_the_documents_resolves() {
    let mut documents = vec![root().join("README.md"), root().join("ARCHITECTURE.md")];
    for entry in std::fs::read_dir(root().join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            documents.push(path);
        }
    }
    let mut broken = Vec::new();
    let mut checked = 0;
    for document in &documents {
        let text = std::fs::read_to_string(document).unwrap();
        for link in relative_links(&text) {
            checked += 1;
            if !document.parent().unwrap().join(&link).exists() {
                broken.push(format!("{}: {link}", document.display()));
            }
        }
    }
    assert!(broken.is_empty(), "links that do not resolve: {broken:#?}");
    assert!(
        checked > 0,
        "no relative link was found: the scan is broken"
    );
}

#[test]
fn the_link_scan_finds_links_and_skips_web_addresses() {
    assert_eq!(
        relative_links("see [a](docs/a.md#x), [b](https://sandbox.example/b) and [c](../c.md)"),
        ["docs/a.md", "../c.md"]
    );
}

/// Every category's data the Rust sources must not name: detail key names
/// (`customerDetails`, `productDetails`, bill and billInfo keys, token
/// lines), product codes and test account numbers, from the manifests.
fn category_data() -> Vec<(String, &'static str)> {
    let mut needles = Vec::new();
    for category in ppob_contract::products::catalog().categories() {
        let m = &category.manifest;
        let mut keys: Vec<&str> = Vec::new();
        for lines in [&m.inquiry, &m.settled] {
            keys.extend(lines.customer.iter().map(|(k, _)| k.as_str()));
            keys.extend(lines.product.iter().map(|(k, _)| k.as_str()));
        }
        keys.extend(m.bills.admin_key.as_deref());
        keys.extend(m.bills.period_key.as_deref());
        keys.extend(m.bills.info_keys.iter().map(String::as_str));
        keys.extend(m.token.lines.iter().map(String::as_str));
        for account in &m.accounts {
            needles.push((account.number.clone(), "account number"));
            for period in &account.bill {
                keys.extend(period.key.as_deref());
                keys.extend(period.info.iter().map(|(k, _)| k.as_str()));
            }
        }
        needles.extend(keys.into_iter().map(|k| (k.to_owned(), "key name")));
        needles.extend(m.products.iter().map(|p| (p.code.clone(), "product code")));
    }
    needles.sort();
    needles.dedup();
    needles
}

/// Where the code of `text` names one of `needles`: a key name as a string
/// literal (`"Nama Pelanggan"`), or anywhere in a line when it has a space; a
/// product code or account number anywhere as a whole word (help texts and
/// messages too). Comment lines are left out: documentation may cite the
/// seed's payloads as examples; code may not depend on them.
fn category_literals_in(text: &str, needles: &[(String, &'static str)]) -> Vec<String> {
    let word_char = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if is_comment(line) {
            continue;
        }
        for (needle, what) in needles {
            let hit = if *what == "key name" && !needle.contains(' ') {
                line.contains(&format!("\"{needle}\""))
            } else {
                line.match_indices(needle.as_str()).any(|(at, _)| {
                    let before = line[..at].chars().next_back();
                    let after = line[at + needle.len()..].chars().next();
                    !before.is_some_and(word_char) && !after.is_some_and(word_char)
                })
            };
            if hit {
                found.push(format!("{}: {what} {needle:?}: {}", n + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn no_category_data_is_written_in_rust() {
    let needles = category_data();
    assert!(
        needles.iter().any(|(_, what)| *what == "key name")
            && needles.iter().any(|(_, what)| *what == "product code")
            && needles.iter().any(|(_, what)| *what == "account number"),
        "the manifests gave nothing to look for: {needles:?}"
    );
    let mut found = Vec::new();
    for dir in [root().join("crates"), root().join("src")] {
        for file in rust_files(&dir) {
            if file.components().any(|c| c.as_os_str() == "tests") {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            for hit in category_literals_in(&code_outside_tests(&file, &text), &needles) {
                found.push(format!("{}:{hit}", file.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "a category's data is written in Rust (it belongs in fixtures/<category>/category.toml): {found:#?}"
    );
}

#[test]
fn the_category_data_scan_sees_keys_codes_and_accounts() {
    let needles = vec![
        ("Nama Pelanggan".to_owned(), "key name"),
        ("NPP".to_owned(), "key name"),
        ("0811111111".to_owned(), "account number"),
        ("PLN-20".to_owned(), "product code"),
    ];
    let text = "let a = \"0811111111\";\nhelp(\"pays Nama Pelanggan\");\nlet k = \"NPP\";\nlet c = 'PLN-20';\nlet fine = \"NPPX\" + 108111111112 + PLN-200;\n/// e.g. 0811111111\n";
    let found = category_literals_in(text, &needles);
    assert_eq!(found.len(), 4, "{found:#?}");
    assert!(found[3].starts_with("4: product code"), "{found:#?}");
}
