//! The callback rules: what `check --callback-listen` says about the
//! callbacks of a payment once its status is final. A callback is judged as
//! a `callback` document by the engine (schema + rules) like any answer;
//! these rules compare it with the case's final status answer and count the
//! deliveries. Like the other cross-step rules they read JSON values, so
//! they still run on a callback the schema rejected, and leave a field that
//! is missing or blank to the schema.

use serde_json::Value;

use super::StepDocument;
use super::classify::{MoneyVerdict, integer, money_by_code};
use super::rules::{FlowFinding, text};
use crate::callback::Leftover;
use ppob_core::contract::{
    CALLBACK_SIDE, DocKind, DocumentReport, Finding, Operation, Severity, StepInfo,
};
use ppob_core::rules::RuleFinding;
use ppob_validate::{Engine, Input};

/// No callback came for a payment whose status became final.
pub const MISSING: &str = "callback.missing";
/// The same payment was called back more than once.
pub const DUPLICATE: &str = "callback.duplicate";
/// A callback disagrees with the final status answer (refNumber,
/// transactionId, class of responseCode, token).
pub const MATCHES_STATUS: &str = "callback.matches-status";

/// A callback no payment of the run can be matched to: its body names no
/// refNumber, or one the run never used.
pub const UNMATCHED: &str = "callback.unmatched";

/// The receiver refused callbacks (HTTP 503) because it held as many as it
/// may: they were not judged.
pub const DROPPED: &str = "callback.dropped";

/// Every callback rule id; severities and descriptions are in the rule catalogue.
pub const CALLBACK_RULES: &[&str] = &[MISSING, DUPLICATE, MATCHES_STATUS, UNMATCHED, DROPPED];

/// The case name reports give callbacks no case collected.
pub const STRAY_CASE: &str = "(callbacks no case collected)";

/// The class of a final answer's code, as the money rule reads it.
fn class(code: i64) -> &'static str {
    match money_by_code(code) {
        MoneyVerdict::Success(_) => "success",
        MoneyVerdict::Failed(_) => "failed",
        MoneyVerdict::Processing(_) => "processing",
    }
}

/// The callback's `responseCode` and its class, for step labels.
pub fn describe_code(callback: &Value) -> String {
    match callback.get("responseCode").and_then(integer) {
        Some(code) => format!("{} ({code})", class(code)),
        None => "no responseCode".to_owned(),
    }
}

/// Compares a callback with the final status answer of its payment.
pub fn matches_status(callback: &Value, status: &Value) -> Vec<FlowFinding> {
    let mut out = Vec::new();
    for (pointer, what) in [
        (
            "/data/refNumber",
            "the callback's refNumber is not the status answer's",
        ),
        (
            "/data/token",
            "the callback's token is not the status answer's",
        ),
    ] {
        if let (Some(actual), Some(expected)) = (text(callback, pointer), text(status, pointer))
            && actual != expected
        {
            out.push(finding(
                MATCHES_STATUS,
                pointer,
                format!("{what}: \"{actual}\" ≠ \"{expected}\""),
                format!("\"{expected}\""),
                format!("\"{actual}\""),
            ));
        }
    }
    let number = |doc: &Value, pointer: &str| doc.pointer(pointer).and_then(integer);
    let id = "/data/transactionId";
    if let (Some(actual), Some(expected)) = (number(callback, id), number(status, id))
        && actual != 0
        && expected != 0
        && actual != expected
    {
        out.push(finding(
            MATCHES_STATUS,
            id,
            format!(
                "the callback's transactionId is not the status answer's: {actual} ≠ {expected}"
            ),
            expected.to_string(),
            actual.to_string(),
        ));
    }
    if let (Some(actual), Some(expected)) = (
        number(callback, "/responseCode"),
        number(status, "/responseCode"),
    ) && class(actual) != class(expected)
    {
        out.push(finding(
            MATCHES_STATUS,
            "/responseCode",
            format!(
                "the callback says the payment {} ({actual}), but its status answer says {} ({expected})",
                outcome_words(actual),
                outcome_words(expected)
            ),
            format!("{} ({expected})", class(expected)),
            format!("{} ({actual})", class(actual)),
        ));
    }
    out
}

fn outcome_words(code: i64) -> &'static str {
    match class(code) {
        "success" => "succeeded",
        "failed" => "failed",
        _ => "is still processing",
    }
}

/// The `n`th delivery (2 or more) of the same payment's callback.
pub fn duplicate(n: usize, ref_number: &str) -> FlowFinding {
    finding(
        DUPLICATE,
        "",
        format!(
            "delivery {n} of the callback for refNumber {ref_number}: it was answered HTTP 200 before, so \
the vendor should not have sent it again (a partner must still treat repeats as one payment)"
        ),
        "one delivery".to_owned(),
        format!("{n} deliveries"),
    )
}

/// No callback for `ref_number` within `waited` after the final status.
pub fn missing(ref_number: &str, url: &str, waited: std::time::Duration) -> FlowFinding {
    let when = if waited.is_zero() {
        "by its final status".to_owned()
    } else {
        format!(
            "within {} after its final status",
            humantime::format_duration(waited)
        )
    };
    finding(
        MISSING,
        "",
        format!(
            "no callback for refNumber {ref_number} {when}, although the payment named {url} in \
callbackUrls; check that the sandbox can reach that URL (--callback-url for the address it must \
call) or wait longer (--callback-wait)"
        ),
        "a callback".to_owned(),
        "none".to_owned(),
    )
}

/// Judges a received callback body as the `callback` document of `step`. A
/// body that is not JSON is the sender's fault, not an input error of this
/// run: it gets no engine finding (the caller says why it is unusable).
pub fn judged(engine: &Engine, step: StepInfo, bytes: &[u8]) -> DocumentReport {
    let kind = DocKind::Callback;
    let source = format!("{}#{} {}", step.case, step.index, kind.name());
    let mut report = if serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok() {
        engine.check(Input {
            source: &source,
            bytes,
            kind: Some(kind),
            first_line: 1,
        })
    } else {
        DocumentReport::new(source, Some(kind.name().to_owned()), Vec::new())
    };
    report.step = Some(step);
    report
}

/// Judges a callback of one of this run's payments (see [`judged`]). A body
/// the engine cannot read (`input.*`: nested too deep, a number a float
/// cannot hold) is the partner's fault, never an input error of this run:
/// such a finding becomes `callback.matches-status` (a callback that cannot be
/// read cannot agree with the status answer), so the contract fails (exit 1)
/// instead of the run being unable to check (exit 2).
pub fn judged_matched(engine: &Engine, step: StepInfo, bytes: &[u8]) -> DocumentReport {
    let mut report = judged(engine, step, bytes);
    let severity = engine.severities().severity(MATCHES_STATUS);
    report.findings = std::mem::take(&mut report.findings)
        .into_iter()
        .filter_map(|f| {
            if !f.is_input_error() {
                return Some(f);
            }
            Some(Finding {
                rule: MATCHES_STATUS.to_owned(),
                severity: severity?,
                message: format!(
                    "the callback's body cannot be read ({}), so it cannot agree with the status answer",
                    f.message
                ),
                ..f
            })
        })
        .collect();
    report
}

/// Judges a callback no case collected (reported after the cases): as a
/// `callback` document, with `callback.duplicate` when its case had been
/// judged already and `callback.unmatched` otherwise. `n` numbers it.
pub fn stray(engine: &Engine, leftover: &Leftover, n: u32) -> StepDocument {
    let bytes = leftover.received.body.clone();
    let step = StepInfo {
        case: STRAY_CASE.to_owned(),
        index: n,
        operation: Operation::Payment.name().to_owned(),
        side: CALLBACK_SIDE.to_owned(),
        http_status: None,
        elapsed_ms: 0.0,
        verdict: format!("callback to {}", leftover.received.path),
    };
    let report = judged(engine, step, &bytes);
    // A third party's mistake never changes the run's verdict: a body the
    // engine could not read (`input.*`: too deep, a number out of range) is
    // described like one that is not JSON, and every finding is a warning.
    let unreadable = report
        .findings
        .iter()
        .find(|f| f.is_input_error())
        .map(|f| f.message.clone());
    let not_json = serde_json::from_slice::<serde::de::IgnoredAny>(&bytes)
        .err()
        .map(|e| e.to_string())
        .or(unreadable);
    let unread = not_json
        .as_ref()
        .map(|e| format!(" (its body cannot be read: {e})"))
        .unwrap_or_default();
    let (rule, pointer, message) = match (&leftover.ref_number, leftover.late) {
        (Some(r), true) => (
            DUPLICATE,
            "",
            format!(
                "a repeat callback for refNumber {r} came after its case was judged (the vendor should \
not send it again once answered HTTP 200){unread}"
            ),
        ),
        (Some(r), false) => (
            UNMATCHED,
            "/data/refNumber",
            format!("a callback for refNumber {r}, which no payment of this run used{unread}"),
        ),
        (None, _) => (
            UNMATCHED,
            "",
            match &not_json {
                Some(e) => format!(
                    "a callback whose body is not JSON ({e}): no payment can be matched to it"
                ),
                None => {
                    "a callback whose body names no data.refNumber: no payment can be matched to it"
                        .to_owned()
                }
            },
        ),
    };
    let mut findings: Vec<Finding> = if not_json.is_some() {
        Vec::new()
    } else {
        report
            .findings
            .into_iter()
            .map(|f| Finding {
                severity: Severity::Warning,
                ..f
            })
            .collect()
    };
    if engine.severities().severity(rule).is_some() {
        let severity = Severity::Warning;
        let at = if pointer.is_empty() || bytes.is_empty() {
            ppob_core::contract::locate::Position { line: 1, column: 1 }
        } else {
            ppob_core::contract::locate::position(
                &bytes,
                ppob_core::contract::locate::locate(&bytes, pointer).value,
            )
        };
        findings.push(Finding {
            rule: rule.to_owned(),
            severity,
            pointer: pointer.to_owned(),
            line: at.line,
            column: at.column,
            message,
            expected: None,
            actual: None,
        });
    }
    let step = report.step;
    let category = report.category;
    let mut report = DocumentReport::new(report.source, report.kind, findings);
    report.step = step;
    report.category = category;
    StepDocument { report, bytes }
}

/// The document saying that `count` callbacks were dropped because the
/// receiver held `limit` already (reported after the strays).
pub fn dropped(engine: &Engine, count: u64, limit: usize) -> StepDocument {
    let step = StepInfo {
        case: STRAY_CASE.to_owned(),
        index: 0,
        operation: Operation::Payment.name().to_owned(),
        side: CALLBACK_SIDE.to_owned(),
        http_status: Some(503),
        elapsed_ms: 0.0,
        verdict: format!("{count} callbacks dropped"),
    };
    let source = format!("{STRAY_CASE} dropped");
    let findings = engine
        .severities()
        .severity(DROPPED)
        .map(|severity| Finding {
            rule: DROPPED.to_owned(),
            severity,
            pointer: String::new(),
            line: 1,
            column: 1,
            message: format!(
                "{count} callback{} dropped: the receiver already held {limit} (--callback-max-held) \
and answered HTTP 503, so {} not judged; the sender should retry them",
                if count == 1 { " was" } else { "s were" },
                if count == 1 { "it was" } else { "they were" }
            ),
            expected: Some(format!("at most {limit} callbacks held at once")),
            actual: Some(format!("{count} dropped")),
        })
        .into_iter()
        .collect();
    let mut report =
        DocumentReport::new(source, Some(DocKind::Callback.name().to_owned()), findings);
    report.step = Some(step);
    StepDocument {
        report,
        bytes: Vec::new(),
    }
}

fn finding(
    rule: &'static str,
    pointer: &str,
    message: String,
    expected: String,
    actual: String,
) -> FlowFinding {
    (
        rule,
        RuleFinding {
            pointer: pointer.to_owned(),
            message,
            expected: Some(expected),
            actual: Some(actual),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn status(code: i64) -> Value {
        json!({"responseCode": code, "data": {"refNumber": "R1", "transactionId": 7, "token": "T"}})
    }

    #[test]
    fn an_unreadable_callback_of_our_payment_fails_the_contract_not_the_run() {
        let engine = ppob_validate::Engine::new(ppob_validate::EngineOptions::default());
        let step = || StepInfo {
            case: "c".into(),
            index: 4,
            operation: Operation::Payment.name().into(),
            side: CALLBACK_SIDE.into(),
            http_status: None,
            elapsed_ms: 0.0,
            verdict: "callback".into(),
        };
        let deep = format!(
            "{{\"responseCode\":0,\"data\":{{\"refNumber\":\"R1\",\"x\":{}{}}}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let bodies = [
            br#"{"responseCode":0,"data":{"refNumber":"R1","amount":1e400}}"#.to_vec(),
            br#"{"responseCode":0,"data":{"refNumber":"R1","amount":1e-400}}"#.to_vec(),
            deep.into_bytes(),
        ];
        for body in bodies {
            let unmatched = judged(&engine, step(), &body);
            assert!(
                unmatched.findings.iter().any(Finding::is_input_error),
                "the engine alone calls it unreadable: {:?}",
                unmatched.findings
            );
            let report = judged_matched(&engine, step(), &body);
            assert!(
                !report.findings.iter().any(Finding::is_input_error),
                "{:?}",
                report.findings
            );
            let unreadable = report
                .findings
                .iter()
                .find(|f| f.rule == MATCHES_STATUS)
                .expect("a callback.matches-status finding");
            assert_eq!(unreadable.severity, Severity::Error);
            assert!(
                unreadable
                    .message
                    .starts_with("the callback's body cannot be read ("),
                "{}",
                unreadable.message
            );
        }
    }

    #[test]
    fn an_equal_callback_matches() {
        assert!(matches_status(&status(0), &status(0)).is_empty());
        assert!(
            matches_status(&status(1), &status(0)).is_empty(),
            "same class"
        );
    }

    #[test]
    fn each_difference_is_a_finding_at_its_field() {
        let callback = json!({"responseCode": 198, "data": {"refNumber": "R2", "transactionId": 8, "token": "U"}});
        let found = matches_status(&callback, &status(0));
        let pointers: Vec<&str> = found.iter().map(|(_, f)| f.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/data/refNumber",
                "/data/token",
                "/data/transactionId",
                "/responseCode"
            ]
        );
        assert!(found.iter().all(|(rule, _)| *rule == MATCHES_STATUS));
        assert!(
            found[3].1.message.contains("failed (198)"),
            "{}",
            found[3].1.message
        );
    }

    #[test]
    fn blank_or_missing_fields_are_left_to_the_schema() {
        let callback = json!({"responseCode": 0, "data": {"refNumber": "", "transactionId": 0}});
        assert!(matches_status(&callback, &status(0)).is_empty());
        assert!(matches_status(&json!("x"), &status(0)).is_empty());
    }

    #[test]
    fn missing_and_duplicate_name_their_rules() {
        let (rule, f) = missing(
            "R1",
            "http://127.0.0.1:1/cb",
            std::time::Duration::from_secs(30),
        );
        assert_eq!(rule, MISSING);
        assert!(f.message.contains("30s") && f.message.contains("http://127.0.0.1:1/cb"));
        assert_eq!(duplicate(2, "R1").0, DUPLICATE);
    }
}
