//! The HTTP-level checks every request passes before the state machine sees
//! it: path, method, body size, `VERSION`, `KEY`, `TOKEN`, `partnerId`, and a
//! JSON body that must agree with the TOKEN.
//!
//! Each refusal is an HTTP error status with a JSON body shaped like the
//! envelope: `responseCode` [`HTTP_ERROR_CODE`] (199, general error),
//! `success: false`, a message saying what is wrong in both languages and
//! `data: {}`. No message ever contains the TOKEN or the secret.

use serde_json::{Map, Value};

use super::messages::message_with;
use super::render::to_json;
use ppob_core::contract::Operation;
use ppob_core::model::{ErrorResponse, FailureData};
use ppob_transport::auth::{
    API_VERSION, Credentials, KEY_HEADER, TOKEN_HEADER, TokenError, VERSION_HEADER, verify_token,
};
use ppob_transport::{WireRequest, WireResponse};

/// The largest request body read (1 MiB); a larger one is refused with 413.
pub const MAX_BODY: usize = 1 << 20;
/// The `responseCode` of every HTTP-level refusal (401, 403, 400, 404, 405, 413).
pub const HTTP_ERROR_CODE: i64 = 199;

/// An HTTP error with the envelope-shaped JSON body ([`ErrorResponse`], the
/// schema the OpenAPI document gives these statuses).
pub fn http_error(status: u16, id: &str, en: &str) -> WireResponse {
    let response = ErrorResponse {
        response_code: HTTP_ERROR_CODE,
        success: false,
        message: message_with(HTTP_ERROR_CODE, id, en),
        data: FailureData::default(),
    };
    WireResponse::json(status, to_json(&response))
}

/// A request that passed every HTTP-level check.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Admitted {
    /// The operation its path names.
    pub operation: Operation,
    /// The verified TOKEN payload: the request fields.
    pub payload: Value,
}

/// The operation a path names.
pub fn operation_of(path: &str) -> Option<Operation> {
    Operation::ALL.into_iter().find(|op| op.path() == path)
}

/// Runs the HTTP-level checks, in order; the first failing one answers.
pub(crate) fn admit(
    request: &WireRequest,
    credentials: &Credentials,
) -> Result<Admitted, WireResponse> {
    let (method, path, body) = (&request.method, &request.path, &request.body);
    let header = |name: &str| request.header(name);
    let Some(operation) = operation_of(path) else {
        return Err(http_error(
            404,
            "alamat tidak dikenal; gunakan /api/v2/bill/check, /api/v2/bill/payment atau /api/v2/bill/status",
            "unknown path; use /api/v2/bill/check, /api/v2/bill/payment or /api/v2/bill/status",
        ));
    };
    if !method.eq_ignore_ascii_case("POST") {
        let mut response = http_error(
            405,
            "metode harus POST",
            "method not allowed: every operation is POST",
        );
        response.headers.push(("allow".into(), "POST".into()));
        return Err(response);
    }
    if body.len() > MAX_BODY {
        return Err(http_error(
            413,
            "isi permintaan terlalu besar (maks. 1 MiB)",
            "request body too large (at most 1 MiB)",
        ));
    }
    match header(VERSION_HEADER) {
        Some(v) if v.trim() == API_VERSION => {}
        Some(_) => {
            return Err(http_error(
                400,
                "header VERSION harus 2.0",
                "the VERSION header must be 2.0",
            ));
        }
        None => {
            return Err(http_error(
                400,
                "header VERSION tidak ada",
                "the VERSION header is missing (expected 2.0)",
            ));
        }
    }
    let Some(key) = header(KEY_HEADER) else {
        return Err(http_error(
            401,
            "header KEY tidak ada",
            "unauthorized: the KEY header is missing",
        ));
    };
    if key.trim() != credentials.key() {
        return Err(http_error(
            403,
            "KEY tidak dikenal",
            "forbidden: unknown partner KEY",
        ));
    }
    let Some(token) = header(TOKEN_HEADER) else {
        return Err(token_refused(&TokenError::Missing));
    };
    let payload = verify_token(token, credentials.secret()).map_err(|e| token_refused(&e))?;
    if let Some(partner) = payload.get("partnerId").and_then(Value::as_str)
        && partner != credentials.key()
    {
        return Err(http_error(
            403,
            "partnerId di TOKEN tidak sama dengan KEY",
            "forbidden: the TOKEN's partnerId differs from the KEY",
        ));
    }
    check_body(body, &payload)?;
    Ok(Admitted { operation, payload })
}

/// The refusal of a TOKEN that does not verify, in Indonesian and English.
const BAD_SIGNATURE: (&str, &str) = (
    "tanda tangan TOKEN tidak valid",
    "unauthorized: the TOKEN signature does not verify with the partner's API secret",
);

fn token_refused(error: &TokenError) -> WireResponse {
    let (id, en) = match error {
        TokenError::Missing => (
            "header TOKEN tidak ada",
            "unauthorized: the TOKEN header is missing",
        ),
        TokenError::Malformed(_) => (
            "TOKEN bukan JWT yang valid",
            "unauthorized: the TOKEN is not a well-formed JWT",
        ),
        TokenError::WrongAlgorithm => (
            "TOKEN harus ditandatangani dengan HS256",
            "unauthorized: the TOKEN is not signed with HS256",
        ),
        TokenError::BadSignature | TokenError::Signing(_) => BAD_SIGNATURE,
        TokenError::NotAnObject => (
            "isi TOKEN bukan objek JSON",
            "unauthorized: the TOKEN payload is not a JSON object",
        ),
        // A refusal this gate does not know yet reads as a bad signature: still 401.
        _ => BAD_SIGNATURE,
    };
    http_error(401, id, en)
}

/// The body may be empty, `{}`, or (some of) the TOKEN's fields with the same values.
fn check_body(body: &[u8], payload: &Value) -> Result<(), WireResponse> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let fields: Map<String, Value> = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(fields)) => fields,
        Ok(_) => {
            return Err(http_error(
                400,
                "isi permintaan harus objek JSON",
                "the body must be a JSON object (or empty)",
            ));
        }
        Err(_) => {
            return Err(http_error(
                400,
                "isi permintaan bukan JSON",
                "the body is not JSON (send it empty, {} or the TOKEN's fields)",
            ));
        }
    };
    for (name, value) in &fields {
        match payload.get(name) {
            Some(signed) if signed == value => {}
            Some(_) => {
                return Err(http_error(
                    400,
                    &format!("kolom `{name}` berbeda antara isi permintaan dan TOKEN"),
                    &format!("field `{name}` differs between the body and the TOKEN"),
                ));
            }
            None => {
                return Err(http_error(
                    400,
                    &format!("kolom `{name}` ada di isi permintaan tetapi tidak di TOKEN"),
                    &format!("field `{name}` is in the body but not in the TOKEN"),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ppob_transport::auth::{BodyMode, sign_request, sign_token};
    use serde_json::json;

    fn creds() -> Credentials {
        Credentials::simulator_demo()
    }

    fn admit_req(req: &WireRequest) -> Result<Admitted, WireResponse> {
        admit(req, &creds())
    }

    fn inquiry(mode: BodyMode) -> WireRequest {
        let payload = json!({"partnerId": "partner-id", "accountNumber": "0811111111", "productCode": "product-code"});
        sign_request(Operation::Inquiry, payload, &creds(), mode).unwrap()
    }

    fn status_and_message(r: Result<Admitted, WireResponse>) -> (u16, String) {
        let r = r.unwrap_err();
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["responseCode"], HTTP_ERROR_CODE);
        assert_eq!(v["success"], false);
        assert_eq!(v["data"], json!({}));
        (r.status, v["message"]["EN"].as_str().unwrap().to_owned())
    }

    fn set_header(req: &mut WireRequest, name: &str, value: Option<&str>) {
        req.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        if let Some(v) = value {
            req.headers.push((name.into(), v.into()));
        }
    }

    #[test]
    fn both_body_modes_and_an_empty_object_are_admitted() {
        for mode in [BodyMode::TokenOnly, BodyMode::TokenAndBody] {
            let a = admit_req(&inquiry(mode)).unwrap();
            assert_eq!(a.operation, Operation::Inquiry);
            assert_eq!(a.payload["accountNumber"], "0811111111");
        }
        let mut req = inquiry(BodyMode::TokenOnly);
        req.body = b" {} ".to_vec();
        assert!(admit_req(&req).is_ok());
    }

    #[test]
    fn token_problems_are_401() {
        let mut req = inquiry(BodyMode::TokenOnly);
        set_header(&mut req, "TOKEN", None);
        assert_eq!(status_and_message(admit_req(&req)).0, 401);
        set_header(&mut req, "TOKEN", Some("not.a.jwt"));
        assert_eq!(status_and_message(admit_req(&req)).0, 401);
        let forged = sign_token(&req.payload, "wrong-secret").unwrap();
        set_header(&mut req, "TOKEN", Some(&forged));
        let (status, msg) = status_and_message(admit_req(&req));
        assert_eq!(status, 401);
        assert!(msg.contains("signature"), "{msg}");
        assert!(!msg.contains(&forged));
        set_header(&mut req, "KEY", None);
        assert_eq!(status_and_message(admit_req(&req)).0, 401);
    }

    #[test]
    fn another_key_or_partner_id_is_403() {
        let mut req = inquiry(BodyMode::TokenOnly);
        set_header(&mut req, "KEY", Some("someone-else"));
        assert_eq!(status_and_message(admit_req(&req)).0, 403);
        let payload =
            json!({"partnerId": "someone-else", "accountNumber": "1", "productCode": "x"});
        let req = sign_request(Operation::Inquiry, payload, &creds(), BodyMode::TokenOnly).unwrap();
        assert_eq!(status_and_message(admit_req(&req)).0, 403);
    }

    #[test]
    fn a_body_that_disagrees_with_the_token_is_400_naming_the_field() {
        let mut req = inquiry(BodyMode::TokenOnly);
        req.body = br#"{"accountNumber":"0899999999"}"#.to_vec();
        let (status, msg) = status_and_message(admit_req(&req));
        assert_eq!(status, 400);
        assert!(msg.contains("accountNumber"), "{msg}");
        req.body = br#"{"extra":1}"#.to_vec();
        let (status, msg) = status_and_message(admit_req(&req));
        assert_eq!(status, 400);
        assert!(msg.contains("extra"), "{msg}");
        for bad in [&b"not json"[..], b"[1]", b"{\"a\":"] {
            req.body = bad.to_vec();
            assert_eq!(status_and_message(admit_req(&req)).0, 400);
        }
    }

    #[test]
    fn path_method_size_and_version_are_checked_first() {
        let mut req = inquiry(BodyMode::TokenOnly);
        req.path = "/api/v2/bill/refund".into();
        assert_eq!(status_and_message(admit_req(&req)).0, 404);
        let mut req = inquiry(BodyMode::TokenOnly);
        req.method = "GET".into();
        let r = admit_req(&req).unwrap_err();
        assert_eq!(r.status, 405);
        assert_eq!(r.header("allow"), Some("POST"));
        let mut req = inquiry(BodyMode::TokenOnly);
        req.body = vec![b' '; MAX_BODY + 1];
        assert_eq!(status_and_message(admit_req(&req)).0, 413);
        let mut req = inquiry(BodyMode::TokenOnly);
        set_header(&mut req, "VERSION", Some("1.0"));
        assert_eq!(status_and_message(admit_req(&req)).0, 400);
        set_header(&mut req, "VERSION", None);
        assert_eq!(status_and_message(admit_req(&req)).0, 400);
    }
}
