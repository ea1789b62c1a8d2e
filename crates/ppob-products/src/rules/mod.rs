//! The category rules: rules of known kinds, each parametrised by a
//! category's manifest. One file per kind; their ids are in the one rule
//! catalogue (`ppob_core::rules::catalogue`, scope document).
//!
//! A rule reads a [`View`] of a document (what a successful inquiry, payment,
//! status or callback carries, or an inquiry request) and never a part the
//! schema rejected: the engine calls these only on a typed document.

mod bill_periods;
mod date_order;
mod request_extras;
mod required_keys;
mod token_line;
mod token_parts;
mod token_pattern;

use ppob_core::contract::{DocKind, Typed};
use ppob_core::model::{CodeClass, InquiryRequest, KeyValue};
use ppob_core::rules::{BillLines, RuleFinding};

use crate::catalog::{Catalog, Category, Recognition};

/// The ids of the category rules (each in the rule catalogue).
pub mod ids {
    /// A detail line (customer, product, bill line or billInfo key) the category requires is missing.
    pub const REQUIRED_KEY: &str = "product.required-key";
    /// A successful token differs from the category's token line (e.g. Pulsa's serial number).
    pub const TOKEN_LINE: &str = "product.token-line";
    /// A successful token does not match the category's pattern.
    pub const TOKEN_PATTERN: &str = "product.token-pattern";
    /// A successful token is not built from the category's parts.
    pub const TOKEN_PARTS: &str = "product.token-parts";
    /// A successful inquiry has a number of bill periods outside the category's range.
    pub const BILL_PERIODS: &str = "product.bill-periods";
    /// A date line is not written in the category's order.
    pub const DATE_ORDER: &str = "product.date-order";
    /// An inquiry request lacks an extra the category needs, or has one out of bounds.
    pub const REQUEST_EXTRA: &str = "product.request-extra";
    /// The document names a category no known category has (or one several share).
    pub const UNKNOWN_CATEGORY: &str = "product.unknown-category";
    /// Every id, in the order rules run.
    pub const ALL: [&str; 8] = [
        REQUIRED_KEY,
        TOKEN_LINE,
        TOKEN_PATTERN,
        TOKEN_PARTS,
        BILL_PERIODS,
        DATE_ORDER,
        REQUEST_EXTRA,
        UNKNOWN_CATEGORY,
    ];
}

/// When a document's lines are what the category's manifest describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// A successful inquiry (300).
    Inquiry,
    /// A successful payment, status or callback (0–99).
    Settled,
}

/// A bill line, whatever its operation.
pub struct Line<'a> {
    /// `billId`.
    pub id: &'a str,
    /// `key`.
    pub key: &'a str,
    /// `billInfo`.
    pub info: &'a [KeyValue],
}

/// What the category rules read of one response with complete data.
pub struct View<'a> {
    /// Inquiry or settled.
    pub phase: Phase,
    /// `data.customerDetails`.
    pub customer: &'a [KeyValue],
    /// `data.productDetails`.
    pub product: &'a [KeyValue],
    /// `data.billDetails` (read line by line with [`View::bill_lines`]).
    pub bills: BillLines<'a>,
    /// `data.token` (payment, status, callback).
    pub token: Option<&'a str>,
}

impl<'a> View<'a> {
    /// The bill lines in order, without allocating (a view is built for
    /// every successful answer; most rules never read its bills).
    pub fn bill_lines(&self) -> impl Iterator<Item = Line<'a>> {
        self.bills.iter().map(|l| Line {
            id: l.bill_id(),
            key: l.key(),
            info: l.bill_info(),
        })
    }
}

/// The view of a successful response, if `document` is one.
pub fn view(document: &Typed) -> Option<View<'_>> {
    match document {
        Typed::InquiryResponse(r) if CodeClass::of(r.response_code) == CodeClass::InquiryOk => {
            let d = r.data.complete()?;
            Some(View {
                phase: Phase::Inquiry,
                customer: &d.customer_details,
                product: &d.product_details,
                bills: BillLines::Inquiry(&d.bill_details),
                token: None,
            })
        }
        Typed::PaymentResponse(r) if CodeClass::of(r.response_code) == CodeClass::Success => {
            let d = r.data.complete()?;
            Some(View {
                phase: Phase::Settled,
                customer: &d.customer_details,
                product: &d.product_details,
                bills: BillLines::Payment(&d.bill_details),
                token: Some(&d.token),
            })
        }
        Typed::StatusResponse(r) if CodeClass::of(r.response_code) == CodeClass::Success => {
            let d = r.data.complete()?;
            Some(View {
                phase: Phase::Settled,
                customer: &d.customer_details,
                product: &d.product_details,
                bills: BillLines::Status(&d.bill_details),
                token: Some(&d.token),
            })
        }
        _ => None,
    }
}

/// `data.category` and `data.productCode` of a response, `productCode` of a request.
pub fn names(document: &Typed) -> (Option<&str>, Option<&str>) {
    match document {
        Typed::InquiryRequest(r) => (None, Some(&r.product_code)),
        Typed::PaymentRequest(r) => (None, Some(&r.product_code)),
        Typed::StatusRequest(_) => (None, None),
        Typed::InquiryResponse(r) => match r.data.complete() {
            Some(d) => (Some(&d.category), Some(&d.product_code)),
            None => (None, None),
        },
        Typed::PaymentResponse(r) => match r.data.complete() {
            Some(d) => (Some(&d.category), Some(&d.product_code)),
            None => (None, None),
        },
        Typed::StatusResponse(r) => match r.data.complete() {
            Some(d) => (Some(&d.category), Some(&d.product_code)),
            None => (None, None),
        },
    }
}

/// Which category rules judge a document: recognised from the document, or named.
#[derive(Debug, Clone, Copy)]
pub enum Choice<'a> {
    /// Recognise each document's category (`data.category`, product code).
    Recognise,
    /// Judge every document as this category (`--category`).
    Only(&'a Category),
}

/// Runs the category rules on one typed document, calling `emit` with each
/// finding. Returns the category it was judged as, if any.
pub fn check<'a>(
    catalog: &'a Catalog,
    choice: Choice<'a>,
    kind: DocKind,
    document: &'a Typed,
    mut emit: impl FnMut(&'static str, RuleFinding),
) -> Option<&'a Category> {
    let category = match choice {
        Choice::Only(category) => category,
        Choice::Recognise => {
            let (category, product_code) = names(document);
            match catalog.recognise(category, product_code) {
                Recognition::Known(c) => c,
                Recognition::Unnamed => return None,
                Recognition::Unknown(name) => {
                    emit(
                        ids::UNKNOWN_CATEGORY,
                        RuleFinding {
                            pointer: "/data/category".to_owned(),
                            message: format!(
                                "category {name:?} is not a known category: only the envelope rules apply (`ppob-contract products` lists the known ones; --products DIR adds a folder)"
                            ),
                            expected: None,
                            actual: Some(name.to_owned()),
                        },
                    );
                    return None;
                }
                Recognition::Ambiguous(name) => {
                    emit(
                        ids::UNKNOWN_CATEGORY,
                        RuleFinding {
                            pointer: "/data/category".to_owned(),
                            message: format!(
                                "category {name:?} is one of {} and the product code does not say which: only the envelope rules apply (give --category NAME)",
                                catalog.sharing(name).join(", ")
                            ),
                            expected: None,
                            actual: Some(name.to_owned()),
                        },
                    );
                    return None;
                }
            }
        }
    };
    let mut out = Vec::new();
    if let Typed::InquiryRequest(request) = document {
        request_extras::check(category, request, &mut out);
        out.into_iter().for_each(|f| emit(ids::REQUEST_EXTRA, f));
        return Some(category);
    }
    let _ = kind;
    let Some(view) = view(document) else {
        return Some(category);
    };
    let rules: [(&'static str, ViewRule); 6] = [
        (ids::REQUIRED_KEY, required_keys::check),
        (ids::TOKEN_LINE, token_line::check),
        (ids::TOKEN_PATTERN, token_pattern::check),
        (ids::TOKEN_PARTS, token_parts::check),
        (ids::BILL_PERIODS, bill_periods::check),
        (ids::DATE_ORDER, date_order::check),
    ];
    for (id, rule) in rules {
        rule(category, &view, &mut out);
        // Most answers hold no finding: an empty `drain` is not free.
        if !out.is_empty() {
            out.drain(..).for_each(|f| emit(id, f));
        }
    }
    Some(category)
}

/// A category rule of a successful response.
type ViewRule = fn(&Category, &View<'_>, &mut Vec<RuleFinding>);

/// An inquiry request's extras, for [`request_extras`].
pub(crate) fn inquiry_extras(request: &InquiryRequest) -> (Option<u64>, Option<u64>, Option<&str>) {
    (request.amount, request.month, request.zone_id.as_deref())
}

/// `[key, template]` pairs of a phase's lines.
pub(crate) fn phase_lines(category: &Category, phase: Phase) -> &crate::manifest::Lines {
    match phase {
        Phase::Inquiry => &category.manifest.inquiry,
        Phase::Settled => &category.manifest.settled,
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Categories from TOML text and documents from JSON for the rules' tests.
    use super::*;
    use crate::catalog::Source;

    /// A category from manifest text.
    pub fn category(text: &str) -> Category {
        crate::load::parse("sample", "sample/category.toml", text, Source::Builtin).unwrap()
    }

    /// Runs every category rule on `json` as `kind` under `category`.
    pub fn findings(
        category: &Category,
        kind: &str,
        json: serde_json::Value,
    ) -> Vec<(&'static str, RuleFinding)> {
        let kind: DocKind = kind.parse().unwrap();
        let typed = Typed::from_value(kind, json).unwrap();
        let mut out = Vec::new();
        check(
            &Catalog::default(),
            Choice::Only(category),
            kind,
            &typed,
            |id, f| out.push((id, f)),
        );
        out
    }

    /// A successful inquiry with these detail arrays.
    pub fn inquiry(
        customer: serde_json::Value,
        product: serde_json::Value,
        bills: serde_json::Value,
    ) -> serde_json::Value {
        serde_json::json!({
            "responseCode": 300, "success": true,
            "message": {"ID": "Inkuiri berhasil", "EN": "Inquiry is successful"},
            "data": {
                "inquiryId": 1, "accountNumber": "A", "customerName": "N", "productName": "P",
                "productCode": "S1", "category": "Sample", "amount": 0, "totalAdmin": 0,
                "processingFee": 0, "denom": "", "validity": "",
                "customerDetails": customer, "billDetails": bills, "productDetails": product,
                "extraFields": []
            }
        })
    }

    /// A successful status with this token and product lines.
    pub fn status(token: &str, product: serde_json::Value) -> serde_json::Value {
        serde_json::json!({
            "responseCode": 0, "success": true,
            "message": {"ID": "Transaksi Anda Telah Berhasil", "EN": "Your transaction was successful"},
            "data": {
                "refNumber": "R", "transactionId": 1, "accountNumber": "A", "amount": 0,
                "totalAdmin": 0, "processingFee": 0, "denom": "", "productCode": "S1",
                "productName": "P", "category": "Sample", "token": token,
                "customerDetails": [], "billDetails": [], "productDetails": product,
                "extraFields": []
            }
        })
    }

    /// The minimal manifest the tests extend.
    pub const MINIMAL: &str = "title = \"Sample\"\ncategory = \"Sample\"\n[[products]]\ncode = \"S1\"\nname = \"Sample one\"\n";
}
