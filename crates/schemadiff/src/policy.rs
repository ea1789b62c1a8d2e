//! The versioning rule of a published schema set: what a change between the
//! last released set and the current one demands of the version and changelog.
//!
//! * any breaking change (for response readers or request writers) needs a
//!   **major** bump;
//! * any other change needs at least a minor or patch bump;
//! * every version that differs from the last released one needs a
//!   `## <version>` heading in the changelog.

use super::SchemaDiff;

/// A `major.minor.patch` version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u64, pub u64, pub u64);

impl Version {
    /// Reads `major.minor.patch`.
    pub fn parse(text: &str) -> Option<Version> {
        let mut parts = text.trim().split('.').map(|p| p.parse::<u64>().ok());
        let version = Version(parts.next()??, parts.next()??, parts.next()??);
        parts.next().is_none().then_some(version)
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// Checks `current` (the version the schema set now declares) against the
/// last `released` version, the diff between the two sets and the changelog's
/// text. Returns what is missing, in a sentence, when the rule is broken.
pub fn check_release(
    released: Version,
    current: Version,
    diff: &SchemaDiff,
    changelog: &str,
) -> Result<(), String> {
    if current < released {
        return Err(format!(
            "the schema version {current} is older than the last released {released}"
        ));
    }
    if diff.changes.is_empty() {
        return Ok(());
    }
    let first = &diff.changes[0];
    let example = format!("{}: {} ({})", first.schema, first.pointer, first.reason);
    if diff.breaking() > 0 && current.0 <= released.0 {
        return Err(format!(
            "{} breaking change(s) since {released} (e.g. {example}) need a major version \
             bump: SCHEMA_VERSION is {current}",
            diff.breaking()
        ));
    }
    if current == released {
        return Err(format!(
            "{} change(s) since {released} (e.g. {example}) need a minor or patch bump of \
             SCHEMA_VERSION",
            diff.changes.len()
        ));
    }
    let heading = format!("## {current}");
    if !changelog
        .lines()
        .any(|l| l.trim_end() == heading || l.starts_with(&format!("{heading} ")))
    {
        return Err(format!(
            "schemas/CHANGELOG.md has no \"{heading}\" entry for the changes since {released}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Audience, Change, ChangeKind};

    fn diff(breaks: Option<Audience>) -> SchemaDiff {
        SchemaDiff {
            changes: vec![Change {
                schema: "inquiry.response".into(),
                pointer: "/data/amount".into(),
                definition: None,
                change: ChangeKind::TypeChanged,
                breaks,
                reason: "type changed".into(),
            }],
        }
    }

    const V1: Version = Version(1, 0, 0);
    const LOG: &str = "# Changelog\n\n## 2.0.0 — 2026-12-01\n\n## 1.1.0\n\n## 1.0.0\n";

    #[test]
    fn versions_parse_only_as_three_numbers() {
        assert_eq!(Version::parse("1.2.3"), Some(Version(1, 2, 3)));
        assert_eq!(Version::parse("1.2"), None);
        assert_eq!(Version::parse("1.2.3.4"), None);
        assert_eq!(Version::parse("v1.2.3"), None);
    }

    #[test]
    fn no_change_needs_nothing() {
        assert_eq!(
            check_release(V1, V1, &SchemaDiff { changes: vec![] }, ""),
            Ok(())
        );
    }

    #[test]
    fn a_breaking_change_needs_a_major_bump_and_an_entry() {
        let breaking = diff(Some(Audience::ResponseReaders));
        let minor = check_release(V1, Version(1, 1, 0), &breaking, LOG).unwrap_err();
        assert!(minor.contains("need a major version bump"), "{minor}");
        assert!(check_release(V1, V1, &breaking, LOG).is_err());
        assert_eq!(check_release(V1, Version(2, 0, 0), &breaking, LOG), Ok(()));
        let no_entry = check_release(V1, Version(2, 0, 0), &breaking, "## 1.0.0\n").unwrap_err();
        assert!(no_entry.contains("no \"## 2.0.0\" entry"), "{no_entry}");
    }

    #[test]
    fn a_compatible_change_needs_some_bump_and_an_entry() {
        let compatible = diff(None);
        let same = check_release(V1, V1, &compatible, LOG).unwrap_err();
        assert!(same.contains("need a minor or patch bump"), "{same}");
        assert_eq!(
            check_release(V1, Version(1, 1, 0), &compatible, LOG),
            Ok(())
        );
        assert!(check_release(V1, Version(1, 0, 1), &compatible, LOG).is_err());
        assert!(check_release(Version(2, 0, 0), V1, &compatible, LOG).is_err());
    }
}
