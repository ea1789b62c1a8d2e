//! Telling a document's kind from its shape, when neither `--kind` nor the
//! file name says it.

use serde_json::Value;

use ppob_core::contract::DocKind;

/// Why a document's kind could not be told.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot tell the document kind from its shape ({reason}); pass --kind K or name the file *.K.json, where K is one of: {names}",
    names = DocKind::names()
)]
pub struct UndetectableKind {
    /// What made the shape ambiguous or unknown.
    pub reason: String,
}

fn has(object: &serde_json::Map<String, Value>, key: &str) -> bool {
    object.contains_key(key)
}

/// The kind whose shape `document` has, when exactly one kind fits.
pub fn detect_kind(document: &Value) -> Result<DocKind, UndetectableKind> {
    let fail = |reason: &str| {
        Err(UndetectableKind {
            reason: reason.to_owned(),
        })
    };
    let Some(object) = document.as_object() else {
        return fail("it is not a JSON object");
    };
    if has(object, "responseCode") || has(object, "data") {
        let data = object.get("data").and_then(Value::as_object);
        let Some(data) = data.filter(|d| !d.is_empty()) else {
            return fail("a response whose data is empty could answer any operation");
        };
        if has(data, "inquiryId") {
            return Ok(DocKind::InquiryResponse);
        }
        let mandatory_flags = data
            .get("billDetails")
            .and_then(Value::as_array)
            .is_some_and(|lines| lines.iter().any(|l| l.get("isMandatory").is_some()));
        if has(data, "transactionId") || has(data, "refNumber") {
            if mandatory_flags {
                return Ok(DocKind::PaymentResponse);
            }
            return fail("payment.response, status.response and callback share this shape");
        }
        return fail("a response without inquiryId, transactionId or refNumber in data");
    }
    if has(object, "inquiryId") {
        return Ok(DocKind::PaymentRequest);
    }
    if has(object, "refNumber") && !has(object, "accountNumber") {
        return Ok(DocKind::StatusRequest);
    }
    if has(object, "accountNumber") && has(object, "productCode") && !has(object, "refNumber") {
        return Ok(DocKind::InquiryRequest);
    }
    fail("no documented request or response has these fields")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fixture(name: &str) -> Value {
        let path = format!(
            "{}/../../fixtures/mobile-postpaid/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn seed_documents_with_a_unique_shape_are_detected() {
        for (file, kind) in [
            ("inquiry.request.json", DocKind::InquiryRequest),
            ("inquiry.response.json", DocKind::InquiryResponse),
            ("payment.request.json", DocKind::PaymentRequest),
            ("status.request.json", DocKind::StatusRequest),
        ] {
            assert_eq!(detect_kind(&fixture(file)), Ok(kind), "{file}");
        }
    }

    #[test]
    fn ambiguous_shapes_name_the_candidates_and_the_kinds() {
        let err = detect_kind(&fixture("status.response.json")).unwrap_err();
        assert!(err.reason.contains("status.response"));
        assert!(err.to_string().contains("--kind"));
        assert!(err.to_string().contains("inquiry.request"));
        assert!(detect_kind(&json!([1, 2])).is_err());
        assert!(detect_kind(&json!({"responseCode": 303, "data": {}})).is_err());
    }
}
