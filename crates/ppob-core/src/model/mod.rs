//! Rust models of every documented payload of the PPOB v2 API (the envelope every product
//! category shares; what is specific to one category is data in `ppob-products`).
//!
//! These types are the single source of truth: the JSON Schemas and the
//! OpenAPI document under `schemas/` are derived from them, and validation
//! deserializes documents straight into them. Doc comments become schema
//! `description`s. Every struct denies unknown fields so that a document
//! carrying one leaves the fast path; the published schemas allow them and the
//! validator reports them as `drift`.

mod common;
mod data;
mod envelope;
pub mod ints;
pub mod objects;
mod requests;
pub mod response_code;

pub use common::{
    BillLine, InquiryBillDetail, KeyValue, Message, PaymentBillDetail, StatusBillDetail,
};
pub use data::{
    FailureData, InquiryData, Payment, PaymentData, Status, StatusData, TransactionData,
    TransactionKind,
};
pub use envelope::{
    Branch, ErrorResponse, InquiryResponse, OperationData, PaymentResponse, Response, ResponseData,
    StatusResponse, carries_complete_data, complete_data_condition, envelope_schema,
};
pub use requests::{InquiryRequest, PaymentRequest, StatusRequest};
pub use response_code::CodeClass;
