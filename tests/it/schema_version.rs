//! The published schema set is versioned: against the last released set
//! (schemas/released/<version>/), a breaking change needs a major bump of SCHEMA_VERSION,
//! any change a bump, and every bump a schemas/CHANGELOG.md entry.

use ppob_contract::contract::SCHEMA_VERSION;
use ppob_contract::schemadiff::policy::{Version, check_release};
use ppob_contract::schemadiff::{SchemaSet, diff_sets};

use crate::support::root;

#[test]
fn current_schemas_respect_the_last_released_set() {
    let released_dir = root().join("schemas/released");
    let released = std::fs::read_dir(&released_dir)
        .expect("schemas/released/ exists (cargo xtask schemas --release)")
        .filter_map(|e| {
            let name = e.ok()?.file_name().to_string_lossy().into_owned();
            Some((Version::parse(&name)?, name))
        })
        .max()
        .expect("a released version under schemas/released/");
    let current = Version::parse(SCHEMA_VERSION).expect("SCHEMA_VERSION is major.minor.patch");
    let old = SchemaSet::load(&released_dir.join(&released.1)).unwrap();
    let new = SchemaSet::load(&root().join("schemas"))
        .unwrap()
        .without("report.schema.json");
    let diff = diff_sets(&old, &new).unwrap();
    let changelog = std::fs::read_to_string(root().join("schemas/CHANGELOG.md")).unwrap();
    if let Err(problem) = check_release(released.0, current, &diff, &changelog) {
        panic!(
            "{problem}\nrun: cargo run -- schemas diff schemas/released/{} schemas",
            released.1
        );
    }
    assert!(
        changelog
            .lines()
            .any(|l| l.starts_with(&format!("## {}", released.1))),
        "schemas/CHANGELOG.md has no entry for the released {}",
        released.1
    );
}
