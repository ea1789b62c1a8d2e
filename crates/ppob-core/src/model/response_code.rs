//! `responseCode`: its documented classes and the codes the vendor documents.

/// The class a response code belongs to (api-facts, "Response codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeClass {
    /// 0–99: the transaction succeeded.
    Success,
    /// 100–199: the transaction failed (balance refunded).
    Failed,
    /// 200–299: the transaction is still processing.
    Processing,
    /// 300: the inquiry succeeded.
    InquiryOk,
    /// 301–399: the inquiry failed.
    InquiryFailed,
    /// Any other number: outside every documented range.
    Unknown,
}

impl CodeClass {
    /// Classifies a response code by its documented range.
    pub fn of(code: i64) -> Self {
        match code {
            0..=99 => Self::Success,
            100..=199 => Self::Failed,
            200..=299 => Self::Processing,
            300 => Self::InquiryOk,
            301..=399 => Self::InquiryFailed,
            _ => Self::Unknown,
        }
    }

    /// The `success` flag the documentation gives this class, if it gives one.
    pub fn expected_success_flag(self) -> Option<bool> {
        match self {
            Self::Success | Self::Processing | Self::InquiryOk => Some(true),
            Self::Failed | Self::InquiryFailed => Some(false),
            Self::Unknown => None,
        }
    }

    /// Whether a response of this class carries the operation's complete `data`
    /// object. Other classes may send `{}` or the "blank" object instead.
    pub fn carries_complete_data(self) -> bool {
        matches!(self, Self::Success | Self::Processing | Self::InquiryOk)
    }

    /// A short human name for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Success => "success (0-99)",
            Self::Failed => "failed (100-199)",
            Self::Processing => "processing (200-299)",
            Self::InquiryOk => "inquiry success (300)",
            Self::InquiryFailed => "inquiry failed (301-399)",
            Self::Unknown => "outside every documented range",
        }
    }
}

/// The JSON Schema condition (as a JSON value) that holds exactly for the codes
/// whose class [carries complete data](CodeClass::carries_complete_data).
pub fn complete_data_codes_schema() -> serde_json::Value {
    serde_json::json!({
        "type": "integer",
        "anyOf": [
            {"minimum": 0, "maximum": 99},
            {"minimum": 200, "maximum": 300}
        ]
    })
}

/// Codes the vendor documents by number (api-facts table).
pub const DOCUMENTED_CODES: &[i64] = &[
    0, 1, 2, 3, 4, 99, // success
    100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 114, // failed
    180, 181, 183, 184, 185, 186, 188, 198, 199, // failed / not found
    299, // processing
    300, // inquiry ok
    301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314, 315, 316, 317, 318, 319,
    320, 321, 322, 323, 324, 330, 341, 364, 399, // inquiry failed
];

/// Whether the vendor documents this exact code.
pub fn is_documented(code: i64) -> bool {
    DOCUMENTED_CODES.binary_search(&code).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_codes_are_sorted_for_binary_search() {
        assert!(DOCUMENTED_CODES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn classes_follow_the_documented_ranges() {
        assert_eq!(CodeClass::of(0), CodeClass::Success);
        assert_eq!(CodeClass::of(188), CodeClass::Failed);
        assert_eq!(CodeClass::of(299), CodeClass::Processing);
        assert_eq!(CodeClass::of(300), CodeClass::InquiryOk);
        assert_eq!(CodeClass::of(399), CodeClass::InquiryFailed);
        assert_eq!(CodeClass::of(400), CodeClass::Unknown);
        assert_eq!(CodeClass::of(-1), CodeClass::Unknown);
    }

    #[test]
    fn complete_data_schema_matches_the_classes() {
        let schema = complete_data_codes_schema();
        let validator = jsonschema::validator_for(&schema).unwrap();
        for code in -5..=405 {
            assert_eq!(
                validator.is_valid(&serde_json::json!(code)),
                CodeClass::of(code).carries_complete_data(),
                "code {code}"
            );
        }
    }

    #[test]
    fn documented_codes_are_known_and_others_are_not() {
        assert!(is_documented(300));
        assert!(is_documented(188));
        assert!(!is_documented(112));
        assert!(!is_documented(500));
    }
}
