//! The error of an option's value given by a name none of its values has
//! (`--duplicate`, `--unknown-fields`, `--bug` and their config keys).

/// A name that is not one of an option's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value {given:?}; expected one of: {}", .expected.join(", "))]
pub struct UnknownName {
    /// The name given.
    pub given: String,
    /// The names that would have been taken.
    pub expected: Vec<&'static str>,
}

impl UnknownName {
    /// `given` is none of `expected`.
    pub fn new(given: &str, expected: impl IntoIterator<Item = &'static str>) -> Self {
        Self {
            given: given.to_owned(),
            expected: expected.into_iter().collect(),
        }
    }
}
