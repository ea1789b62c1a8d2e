//! Byte sizes as people write them (`8MiB`, `512 KiB`, `2MB`, `1048576`), for
//! `--max-body` and the config file's `max_body`.

/// The units understood, with their size in bytes (case-insensitive).
const UNITS: [(&str, u64); 7] = [
    ("b", 1),
    ("kb", 1000),
    ("kib", 1024),
    ("mb", 1000 * 1000),
    ("mib", 1024 * 1024),
    ("gb", 1000 * 1000 * 1000),
    ("gib", 1024 * 1024 * 1024),
];

/// Parses a byte size: a whole number, optionally followed by a unit
/// (`B`, `KB`, `KiB`, `MB`, `MiB`, `GB`, `GiB`; case-insensitive).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (digits, unit) = trimmed.split_at(split);
    let expected = "write e.g. 8MiB, 512KiB or 1048576 (bytes)";
    if digits.is_empty() {
        return Err(format!("`{text}` is not a byte size: {expected}"));
    }
    let unit = unit.trim().to_ascii_lowercase();
    let factor = if unit.is_empty() {
        1
    } else {
        UNITS
            .iter()
            .find(|(name, _)| *name == unit)
            .map(|(_, factor)| *factor)
            .ok_or_else(|| format!("`{text}`: unknown unit `{unit}`: {expected}"))?
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .ok_or_else(|| format!("`{text}` is too large a byte size"))
}

/// A byte size for messages: `8 MiB` when it is a whole number of MiB or KiB, else bytes.
pub fn format_size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// Serde support for an optional byte size written as a number of bytes or a
/// string with a unit (`max_body = "8MiB"`).
pub mod opt_size_text {
    use serde::{Deserialize, Deserializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Bytes(u64),
        Text(String),
    }

    /// Reads `8388608` or `"8MiB"` (see [`parse_size`](super::parse_size)).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        match Written::deserialize(d)? {
            Written::Bytes(n) => Ok(Some(n)),
            Written::Text(text) => super::parse_size(&text)
                .map(Some)
                .map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_and_without_units() {
        assert_eq!(parse_size("8MiB"), Ok(8 * 1024 * 1024));
        assert_eq!(parse_size("512 kib"), Ok(512 * 1024));
        assert_eq!(parse_size("2MB"), Ok(2_000_000));
        assert_eq!(parse_size("1048576"), Ok(1_048_576));
        assert_eq!(parse_size(" 10B "), Ok(10));
        assert!(parse_size("MiB").unwrap_err().contains("not a byte size"));
        assert!(
            parse_size("8 parsecs")
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(
            parse_size("99999999999GiB")
                .unwrap_err()
                .contains("too large")
        );
    }

    #[test]
    fn sizes_format_in_the_largest_whole_unit() {
        assert_eq!(format_size(8 * 1024 * 1024), "8 MiB");
        assert_eq!(format_size(64 * 1024), "64 KiB");
        assert_eq!(format_size(1000), "1000 bytes");
    }
}
