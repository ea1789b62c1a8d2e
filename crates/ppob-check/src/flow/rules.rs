//! Rules across the steps of one conversation: what a single document
//! cannot say (the payment echoes its request, amounts and ids agree with the
//! inquiry, `transactionId` is stable). They read JSON values so they still
//! run on answers the schema rejected; a field that is missing, of another
//! type, or blank (`""`, `0`: the failure data of api-facts) is left to the
//! schema and not compared.

use serde_json::Value;

use super::classify::integer;
use ppob_core::contract::locate::value_at;
use ppob_core::rules::RuleFinding;

/// A payment or status response echoes the payment request's `refNumber`.
pub const REF_NUMBER_ECHO: &str = "flow.ref-number-echo";
/// Payment and status responses echo the inquiry's `accountNumber`.
pub const ACCOUNT_ECHO: &str = "flow.account-echo";
/// The payment request's `inquiryId`, `accountNumber`, `productCode` and `amount` are the inquiry's.
pub const PAYMENT_MATCHES_INQUIRY: &str = "flow.payment-matches-inquiry";
/// Payment and status responses carry the inquiry's `amount`.
pub const AMOUNT_MATCHES_INQUIRY: &str = "flow.amount-matches-inquiry";
/// `transactionId` is the same in the payment and every status answer.
pub const TRANSACTION_ID_STABLE: &str = "flow.transaction-id-stable";
/// An answer the conversation could not use (no answer, 5xx, not JSON, code outside 0–399).
pub const UNUSABLE_ANSWER: &str = "flow.unusable-answer";
/// The case ended otherwise than it expected.
pub const EXPECTATION: &str = "flow.expectation";
/// A payment or status answer with a final code that is not clean (HTTP
/// status other than 200, duplicate envelope keys, a contradictory `success`).
pub const AMBIGUOUS_ANSWER: &str = "flow.ambiguous-answer";
/// A duplicate answer (102, 108) to a payment whose refNumber this run had never used.
pub const DUPLICATE_UNKNOWN_REF: &str = "flow.duplicate-unknown-ref";
/// A payment or status answer about another transaction than this case's.
pub const FOREIGN_TRANSACTION: &str = "flow.foreign-transaction";
/// The inquiry answered another account than the case's; nothing is paid.
pub const INQUIRY_OTHER_ACCOUNT: &str = "flow.inquiry-other-account";
/// The amount to pay is above `--max-amount` against a real target; nothing is paid.
pub const AMOUNT_ABOVE_LIMIT: &str = "flow.amount-above-limit";
/// A successful inquiry answer does not reflect the request's extras (open
/// `amount`, `month`).
pub const INQUIRY_ECHOES_EXTRAS: &str = "flow.inquiry-echoes-extras";

/// Every flow rule id; severities and descriptions are in the rule catalogue.
pub const FLOW_RULES: &[&str] = &[
    REF_NUMBER_ECHO,
    ACCOUNT_ECHO,
    PAYMENT_MATCHES_INQUIRY,
    AMOUNT_MATCHES_INQUIRY,
    TRANSACTION_ID_STABLE,
    UNUSABLE_ANSWER,
    EXPECTATION,
    AMBIGUOUS_ANSWER,
    DUPLICATE_UNKNOWN_REF,
    FOREIGN_TRANSACTION,
    INQUIRY_OTHER_ACCOUNT,
    AMOUNT_ABOVE_LIMIT,
    INQUIRY_ECHOES_EXTRAS,
];

/// A cross-step finding: the rule and where in the document.
pub type FlowFinding = (&'static str, RuleFinding);

/// The non-blank string at `pointer`.
pub fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value_at(value, pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn number(value: &Value, pointer: &str) -> Option<i64> {
    integer(value_at(value, pointer)?).filter(|n| *n != 0)
}

/// The amount a successful inquiry answer asks, 0 included (a product
/// priced at 0 is still a price to compare with; a blank 0 is only blank in
/// failure data, which is never paid from).
fn owed(inquiry: &Value) -> Option<i64> {
    integer(value_at(inquiry, "/data/amount")?)
}

/// The finding when a successful inquiry answer (`inquiry`, the whole
/// envelope) names another account than the request's `account`: check
/// never pays it.
pub fn inquiry_other_account(account: &str, inquiry: &Value) -> Option<FlowFinding> {
    let answered = text(inquiry, "/data/accountNumber")?;
    if answered == account {
        return None;
    }
    let message = format!(
        "the inquiry answered account \"{answered}\" for the case's account \"{account}\": check never pays \
another account than the case's, so it stopped before payment"
    );
    Some((
        INQUIRY_OTHER_ACCOUNT,
        RuleFinding {
            pointer: "/data/accountNumber".into(),
            message,
            expected: Some(format!("\"{account}\"")),
            actual: Some(format!("\"{answered}\"")),
        },
    ))
}

fn quoted(s: &str) -> String {
    format!("\"{s}\"")
}

fn differs_text(
    rule: &'static str,
    doc: &Value,
    pointer: &str,
    reference: Option<&str>,
    what: &str,
    out: &mut Vec<FlowFinding>,
) {
    if let (Some(actual), Some(expected)) = (text(doc, pointer), reference)
        && actual != expected
    {
        out.push((
            rule,
            RuleFinding {
                pointer: pointer.to_owned(),
                message: format!("{what}: {} ≠ {}", quoted(actual), quoted(expected)),
                expected: Some(quoted(expected)),
                actual: Some(quoted(actual)),
            },
        ));
    }
}

fn differs_number(
    rule: &'static str,
    doc: &Value,
    pointer: &str,
    reference: Option<i64>,
    what: &str,
    out: &mut Vec<FlowFinding>,
) {
    if let (Some(actual), Some(expected)) = (number(doc, pointer), reference)
        && actual != expected
    {
        out.push((
            rule,
            RuleFinding {
                pointer: pointer.to_owned(),
                message: format!("{what}: {actual} ≠ {expected}"),
                expected: Some(expected.to_string()),
                actual: Some(actual.to_string()),
            },
        ));
    }
}

/// Checks a payment request (`payload`, the signed fields) against the
/// inquiry response it pays (`inquiry`, the whole envelope).
pub fn payment_request(inquiry: &Value, payload: &Value) -> Vec<FlowFinding> {
    let mut out = Vec::new();
    let rule = PAYMENT_MATCHES_INQUIRY;
    differs_number(
        rule,
        payload,
        "/inquiryId",
        number(inquiry, "/data/inquiryId"),
        "the payment pays another inquiryId than the inquiry returned",
        &mut out,
    );
    differs_text(
        rule,
        payload,
        "/accountNumber",
        text(inquiry, "/data/accountNumber"),
        "the payment's accountNumber is not the inquiry's",
        &mut out,
    );
    differs_text(
        rule,
        payload,
        "/productCode",
        text(inquiry, "/data/productCode"),
        "the payment's productCode is not the inquiry's",
        &mut out,
    );
    differs_number(
        rule,
        payload,
        "/amount",
        owed(inquiry),
        "the payment's amount is not the inquiry's",
        &mut out,
    );
    out
}

/// Checks a successful inquiry answer (`inquiry`, the whole envelope)
/// against the extras its request (`request`, the signed fields) sent: an
/// open `amount` comes back as the answer's amount less its `totalAdmin`,
/// and `month` months as that many bill-period lines (`billId` other than
/// "0"). Extras the request did not send are not compared.
pub fn inquiry_extras(request: &Value, inquiry: &Value) -> Vec<FlowFinding> {
    let mut out = Vec::new();
    let field = |doc: &Value, pointer: &str| value_at(doc, pointer).and_then(integer);
    if let (Some(asked), Some(amount)) = (field(request, "/amount"), field(inquiry, "/data/amount"))
    {
        let admin = field(inquiry, "/data/totalAdmin").unwrap_or(0);
        let expected = asked.saturating_add(admin);
        if amount != expected {
            out.push((
                INQUIRY_ECHOES_EXTRAS,
                RuleFinding {
                    pointer: "/data/amount".to_owned(),
                    message: format!(
                        "the inquiry asked an open amount of {asked}; the answer charges {amount} with totalAdmin {admin} (expected {asked} + {admin} = {expected})"
                    ),
                    expected: Some(expected.to_string()),
                    actual: Some(amount.to_string()),
                },
            ));
        }
    }
    let periods = value_at(inquiry, "/data/billDetails")
        .and_then(Value::as_array)
        .map(|lines| {
            lines
                .iter()
                .filter(|l| l.get("billId").and_then(Value::as_str) != Some("0"))
                .count()
        });
    if let (Some(months), Some(periods)) = (field(request, "/month"), periods)
        && i64::try_from(periods).ok() != Some(months)
    {
        out.push((
            INQUIRY_ECHOES_EXTRAS,
            RuleFinding {
                pointer: "/data/billDetails".to_owned(),
                message: format!(
                    "the inquiry asked for {months} month(s); the answer has {periods} bill-period line(s), one a month expected"
                ),
                expected: Some(months.to_string()),
                actual: Some(periods.to_string()),
            },
        ));
    }
    out
}

/// What a payment or status response is compared with.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// The inquiry response (whole envelope).
    pub inquiry: &'a Value,
    /// The payment request's signed fields.
    pub payment_request: &'a Value,
    /// The first `transactionId` the conversation saw (payment, else first status).
    pub transaction_id: Option<i64>,
}

/// Checks a payment or status response against the conversation so far.
pub fn transaction_response(response: &Value, expected: Expected<'_>) -> Vec<FlowFinding> {
    let mut out = Vec::new();
    differs_text(
        REF_NUMBER_ECHO,
        response,
        "/data/refNumber",
        text(expected.payment_request, "/refNumber"),
        "the refNumber is not the payment request's",
        &mut out,
    );
    differs_text(
        ACCOUNT_ECHO,
        response,
        "/data/accountNumber",
        text(expected.inquiry, "/data/accountNumber"),
        "the accountNumber is not the inquiry's",
        &mut out,
    );
    differs_number(
        AMOUNT_MATCHES_INQUIRY,
        response,
        "/data/amount",
        owed(expected.inquiry),
        "the amount is not the inquiry's",
        &mut out,
    );
    differs_number(
        TRANSACTION_ID_STABLE,
        response,
        "/data/transactionId",
        expected.transaction_id,
        "the transactionId changed since the payment",
        &mut out,
    );
    out
}

/// What identifies this case's transaction.
#[derive(Debug, Clone, Copy)]
pub struct Ours<'a> {
    /// The payment request's refNumber.
    pub ref_number: Option<&'a str>,
    /// The case's account.
    pub account: &'a str,
    /// The first `transactionId` the conversation saw.
    pub transaction_id: Option<i64>,
}

/// A finding when `response` (a payment or status answer) names another
/// refNumber, account or transactionId than this case's; blank fields (the
/// failure data of api-facts) are not compared.
pub fn foreign_transaction(response: &Value, ours: Ours<'_>) -> Option<FlowFinding> {
    let mut differences = Vec::new();
    let mut first = None;
    let texts = [
        ("/data/refNumber", "refNumber", ours.ref_number),
        ("/data/accountNumber", "accountNumber", Some(ours.account)),
    ];
    for (pointer, name, expected) in texts {
        if let (Some(actual), Some(expected)) = (text(response, pointer), expected)
            && actual != expected
        {
            differences.push(format!("{name} {} ≠ {}", quoted(actual), quoted(expected)));
            first.get_or_insert((pointer, quoted(expected), quoted(actual)));
        }
    }
    if let (Some(actual), Some(expected)) =
        (number(response, "/data/transactionId"), ours.transaction_id)
        && actual != expected
    {
        differences.push(format!("transactionId {actual} ≠ {expected}"));
        first.get_or_insert((
            "/data/transactionId",
            expected.to_string(),
            actual.to_string(),
        ));
    }
    let (pointer, expected, actual) = first?;
    Some((
        FOREIGN_TRANSACTION,
        RuleFinding {
            pointer: pointer.to_owned(),
            message: format!(
                "this answer describes another transaction than this case's ({}): it cannot settle the case",
                differences.join("; ")
            ),
            expected: Some(expected),
            actual: Some(actual),
        },
    ))
}

/// The `transactionId` a response carries, if any (0 is blank).
pub fn transaction_id(response: &Value) -> Option<i64> {
    number(response, "/data/transactionId")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn seed(name: &str) -> Value {
        let path = format!(
            "{}/../../fixtures/mobile-postpaid/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    fn rules_of(found: &[FlowFinding]) -> Vec<(&'static str, &str)> {
        found
            .iter()
            .map(|(r, f)| (*r, f.pointer.as_str()))
            .collect()
    }

    #[test]
    fn the_seed_payment_request_pays_another_account() {
        let found = payment_request(&seed("inquiry.response"), &seed("payment.request"));
        assert_eq!(
            rules_of(&found),
            [(PAYMENT_MATCHES_INQUIRY, "/accountNumber")]
        );
        assert_eq!(found[0].1.actual.as_deref(), Some("\"08129899576\""));
    }

    #[test]
    fn the_seed_payment_response_drifts_in_ref_number_and_amount() {
        let inquiry = seed("inquiry.response");
        let request = seed("payment.request");
        let found = transaction_response(
            &seed("payment.response"),
            Expected {
                inquiry: &inquiry,
                payment_request: &request,
                transaction_id: None,
            },
        );
        assert_eq!(
            rules_of(&found),
            [
                (REF_NUMBER_ECHO, "/data/refNumber"),
                (AMOUNT_MATCHES_INQUIRY, "/data/amount")
            ]
        );
    }

    #[test]
    fn the_seed_status_changes_the_transaction_id() {
        let inquiry = seed("inquiry.response");
        let request = seed("payment.request");
        let payment = seed("payment.response");
        let found = transaction_response(
            &seed("status.response"),
            Expected {
                inquiry: &inquiry,
                payment_request: &request,
                transaction_id: transaction_id(&payment),
            },
        );
        assert_eq!(
            rules_of(&found),
            [(TRANSACTION_ID_STABLE, "/data/transactionId")]
        );
        assert_eq!(found[0].1.expected.as_deref(), Some("180232"));
    }

    #[test]
    fn blank_failure_data_is_not_compared() {
        let inquiry = seed("inquiry.response");
        let request = seed("payment.request");
        let blank = json!({"responseCode": 188, "data": {"refNumber": "", "accountNumber": "", "amount": 0, "transactionId": 0}});
        let found = transaction_response(
            &blank,
            Expected {
                inquiry: &inquiry,
                payment_request: &request,
                transaction_id: Some(5),
            },
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn answers_about_another_transaction_are_foreign() {
        let ours = Ours {
            ref_number: Some("PPOBCT1"),
            account: "0811111111",
            transaction_id: Some(7),
        };
        let mine = json!({"data": {"refNumber": "PPOBCT1", "accountNumber": "0811111111", "transactionId": 7}});
        assert!(foreign_transaction(&mine, ours).is_none());
        let blank = json!({"data": {"refNumber": "", "accountNumber": "", "transactionId": 0}});
        assert!(foreign_transaction(&blank, ours).is_none());
        let other =
            json!({"data": {"refNumber": "PPOBCT1", "accountNumber": "0899", "transactionId": 8}});
        let (rule, finding) = foreign_transaction(&other, ours).unwrap();
        assert_eq!(rule, FOREIGN_TRANSACTION);
        assert_eq!(finding.pointer, "/data/accountNumber");
        assert!(
            finding
                .message
                .contains("accountNumber \"0899\" ≠ \"0811111111\"")
                && finding.message.contains("transactionId 8 ≠ 7"),
            "{}",
            finding.message
        );
    }

    #[test]
    fn every_rule_id_is_listed_once() {
        let mut ids = FLOW_RULES.to_vec();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), FLOW_RULES.len());
        assert!(ids.iter().all(|id| id.starts_with("flow.")));
    }
}
