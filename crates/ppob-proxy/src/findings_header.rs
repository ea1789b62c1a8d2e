//! The `ppob-contract-findings` response header: what the proxy found in one
//! exchange, in one bounded line the partner's application (or its logs)
//! can read without the report.
//!
//! `ppob-contract-findings: 3; rules=proxy.token,schema,flow.ref-number-echo; request=2; answer=1`
//!
//! The count is of findings (errors and warnings), `rules` their distinct
//! ids in order of first appearance, `request`/`answer` how many are about
//! each side. However many findings there are, the value is at most
//! [`MAX_HEADER_LEN`] bytes: ids that do not fit are counted as `+N`
//! (servers and proxies refuse headers of a few KiB). A clean exchange gets
//! `0`.

use ppob_core::contract::DocumentReport;

/// The header's name.
pub const HEADER_NAME: &str = "ppob-contract-findings";
/// The longest value written, in bytes.
pub const MAX_HEADER_LEN: usize = 256;

/// The header value for an exchange's request and answer documents.
pub fn value(request: &DocumentReport, answer: Option<&DocumentReport>) -> String {
    let on_request = request.findings.len();
    let on_answer = answer.map_or(0, |a| a.findings.len());
    let total = on_request + on_answer;
    if total == 0 {
        return "0".into();
    }
    let mut ids: Vec<&str> = Vec::new();
    for f in request
        .findings
        .iter()
        .chain(answer.into_iter().flat_map(|a| &a.findings))
    {
        if !ids.contains(&f.rule.as_str()) {
            ids.push(&f.rule);
        }
    }
    let head = format!("{total}; rules=");
    let tail = format!("; request={on_request}; answer={on_answer}");
    // Room for the ids and, at worst, a `,+N` marker.
    let room = MAX_HEADER_LEN.saturating_sub(head.len() + tail.len() + 6);
    let mut listed = String::new();
    let mut shown = 0;
    for id in &ids {
        let extra = id.len() + usize::from(!listed.is_empty());
        if listed.len() + extra > room {
            break;
        }
        if !listed.is_empty() {
            listed.push(',');
        }
        listed.push_str(id);
        shown += 1;
    }
    if shown < ids.len() {
        if !listed.is_empty() {
            listed.push(',');
        }
        listed.push_str(&format!("+{}", ids.len() - shown));
    }
    format!("{head}{listed}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ppob_core::contract::{Finding, Severity};

    fn doc(rules: &[&str]) -> DocumentReport {
        let findings = rules
            .iter()
            .map(|rule| Finding {
                rule: (*rule).to_owned(),
                severity: Severity::Error,
                pointer: String::new(),
                line: 1,
                column: 1,
                message: String::new(),
                expected: None,
                actual: None,
            })
            .collect();
        DocumentReport::new("x".into(), None, findings)
    }

    #[test]
    fn it_counts_names_distinct_rules_and_says_which_side() {
        assert_eq!(value(&doc(&[]), Some(&doc(&[]))), "0");
        assert_eq!(
            value(
                &doc(&["proxy.token", "schema", "schema"]),
                Some(&doc(&["flow.ref-number-echo"]))
            ),
            "4; rules=proxy.token,schema,flow.ref-number-echo; request=3; answer=1"
        );
        assert_eq!(
            value(&doc(&["schema"]), None),
            "1; rules=schema; request=1; answer=0"
        );
    }

    #[test]
    fn it_stays_bounded_however_many_findings_there_are() {
        let names: Vec<String> = (0..10_000).map(|i| format!("rule.number-{i}")).collect();
        let rules: Vec<&str> = names.iter().map(String::as_str).collect();
        let value = value(&doc(&rules), Some(&doc(&rules)));
        assert!(value.len() <= MAX_HEADER_LEN, "{} bytes", value.len());
        assert!(value.starts_with("20000; rules=rule.number-0,"));
        assert!(value.contains(",+"), "{value}");
        assert!(value.ends_with("; request=10000; answer=10000"));
        assert!(axum::http::HeaderValue::from_str(&value).is_ok());
    }
}
