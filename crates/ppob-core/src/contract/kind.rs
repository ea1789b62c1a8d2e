//! `DocKind`: the document kinds, their stable names and how to tell them apart.

use std::fmt;
use std::str::FromStr;

/// The three operations of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    /// `POST /api/v2/bill/check`.
    Inquiry,
    /// `POST /api/v2/bill/payment`.
    Payment,
    /// `POST /api/v2/bill/status`.
    Status,
}

impl Operation {
    /// Every operation, in conversation order.
    pub const ALL: [Operation; 3] = [Self::Inquiry, Self::Payment, Self::Status];

    /// The stable lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Inquiry => "inquiry",
            Self::Payment => "payment",
            Self::Status => "status",
        }
    }

    /// The documented HTTP path.
    pub fn path(self) -> &'static str {
        match self {
            Self::Inquiry => "/api/v2/bill/check",
            Self::Payment => "/api/v2/bill/payment",
            Self::Status => "/api/v2/bill/status",
        }
    }

    /// The request kind of this operation.
    pub fn request(self) -> DocKind {
        match self {
            Self::Inquiry => DocKind::InquiryRequest,
            Self::Payment => DocKind::PaymentRequest,
            Self::Status => DocKind::StatusRequest,
        }
    }

    /// The response kind of this operation.
    pub fn response(self) -> DocKind {
        match self {
            Self::Inquiry => DocKind::InquiryResponse,
            Self::Payment => DocKind::PaymentResponse,
            Self::Status => DocKind::StatusResponse,
        }
    }
}

/// A kind of document: `<operation>.<request|response>`, or `callback`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocKind {
    /// Body of `POST /api/v2/bill/check`.
    InquiryRequest,
    /// Answer to an inquiry.
    InquiryResponse,
    /// Body of `POST /api/v2/bill/payment`.
    PaymentRequest,
    /// Answer to a payment.
    PaymentResponse,
    /// Body of `POST /api/v2/bill/status`.
    StatusRequest,
    /// Answer to a status request.
    StatusResponse,
    /// What the vendor POSTs to the partner when a payment settles (a status body).
    Callback,
}

impl DocKind {
    /// Every kind, in a stable order.
    pub const ALL: [DocKind; 7] = [
        Self::InquiryRequest,
        Self::InquiryResponse,
        Self::PaymentRequest,
        Self::PaymentResponse,
        Self::StatusRequest,
        Self::StatusResponse,
        Self::Callback,
    ];

    /// Its place in [`DocKind::ALL`], for tables indexed by kind.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The stable name used in file names, `--kind` and reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::InquiryRequest => "inquiry.request",
            Self::InquiryResponse => "inquiry.response",
            Self::PaymentRequest => "payment.request",
            Self::PaymentResponse => "payment.response",
            Self::StatusRequest => "status.request",
            Self::StatusResponse => "status.response",
            Self::Callback => "callback",
        }
    }

    /// Whether documents of this kind carry the response envelope.
    pub fn is_response(self) -> bool {
        matches!(
            self,
            Self::InquiryResponse | Self::PaymentResponse | Self::StatusResponse | Self::Callback
        )
    }

    /// The names of every kind, comma-separated, for messages.
    pub fn names() -> String {
        Self::ALL.map(Self::name).join(", ")
    }

    /// The kind a file name announces as `*.<kind>.json` (or `.ndjson`/`.jsonl`),
    /// or a file named exactly `<kind>.json`.
    pub fn from_file_name(file_name: &str) -> Option<Self> {
        let stem = [".json", ".ndjson", ".jsonl"]
            .iter()
            .find_map(|ext| file_name.strip_suffix(ext))?;
        // Longest names first so that "status.response" is not read as "response".
        Self::ALL.into_iter().find(|kind| {
            stem == kind.name()
                || stem
                    .strip_suffix(kind.name())
                    .is_some_and(|rest| rest.ends_with('.'))
        })
    }
}

impl fmt::Display for DocKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A `--kind` value that names no kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown document kind {0:?}; expected one of: {names}", names = DocKind::names())]
pub struct UnknownKind(pub String);

impl FromStr for DocKind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| UnknownKind(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_is_the_place_in_all() {
        for (i, kind) in DocKind::ALL.into_iter().enumerate() {
            assert_eq!(kind.index(), i, "{kind}");
        }
    }

    #[test]
    fn names_round_trip() {
        for kind in DocKind::ALL {
            assert_eq!(kind.name().parse::<DocKind>(), Ok(kind));
        }
        assert!("inquiry".parse::<DocKind>().is_err());
    }

    #[test]
    fn file_names_announce_kinds() {
        assert_eq!(
            DocKind::from_file_name("inquiry.response.json"),
            Some(DocKind::InquiryResponse)
        );
        assert_eq!(
            DocKind::from_file_name("rc-188.status.response.json"),
            Some(DocKind::StatusResponse)
        );
        assert_eq!(
            DocKind::from_file_name("corpus.inquiry.response.ndjson"),
            Some(DocKind::InquiryResponse)
        );
        assert_eq!(
            DocKind::from_file_name("callback.json"),
            Some(DocKind::Callback)
        );
        assert_eq!(DocKind::from_file_name("mycallback.json"), None);
        assert_eq!(DocKind::from_file_name("response.json"), None);
        assert_eq!(DocKind::from_file_name("inquiry.response.txt"), None);
    }
}
