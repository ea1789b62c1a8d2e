//! The version of the published schema set (`schemas/`).
//!
//! It follows semantic versioning *for consumers* of the schemas, not the
//! crate's version:
//!
//! * **major**: a change that breaks a reader of responses (a field removed,
//!   a type narrowed or changed, a field that was required becoming optional,
//!   a value added to a closed set readers switch on) or a writer of requests
//!   (a new required field, a type narrowed);
//! * **minor**: a compatible addition (an optional request field, a new
//!   response field, a new schema);
//! * **patch**: descriptions, examples, titles — nothing a validator or a
//!   generated type sees.
//!
//! The major version is part of every schema's `$id`
//! (`…/schemas/v1/inquiry.response.schema.json`) and the whole version is the
//! OpenAPI document's `info.version`.

/// The version of the schema set under `schemas/`.
pub const SCHEMA_VERSION: &str = "2.0.0";

/// The major part of [`SCHEMA_VERSION`], as it appears in `$id`s (`"1"`).
pub fn schema_major() -> &'static str {
    SCHEMA_VERSION
        .split_once('.')
        .map_or(SCHEMA_VERSION, |(major, _)| major)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_is_semver_and_its_major_is_its_first_part() {
        let parts: Vec<u64> = SCHEMA_VERSION
            .split('.')
            .map(|p| p.parse().expect("a numeric part"))
            .collect();
        assert_eq!(parts.len(), 3, "{SCHEMA_VERSION} is major.minor.patch");
        assert_eq!(schema_major(), parts[0].to_string());
    }
}
