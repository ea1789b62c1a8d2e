//! Setup problems that stop a case (exit code 2): a first answer that is
//! not the API, credentials refused, a server that cannot be reached. Each
//! puts its `setup.*` finding on the answer and names the outcome.

use super::case::Outcome;
use super::classify::{Reading, Unusable};
use super::document_log::Log;
use super::setup::{self, FirstAnswer, NotTheApi, TargetContact};
use ppob_core::contract::{Severity, input_rules};
use ppob_transport::auth::Credentials;
use ppob_transport::redact::Redactor;
use ppob_transport::{Exchange, Transport};

/// A live target that has never answered the API and whose inquiry
/// answer is not the API stops the case (`setup.not-the-api`, exit code
/// 2); an answer of the API marks the run's contact. A replay is judged
/// as recorded. The finding goes on the document at `at`.
pub(super) fn not_the_api(
    transport: &dyn Transport,
    contact: &TargetContact,
    credentials: &Credentials,
    exchange: &Exchange,
    log: &mut Log<'_>,
    at: usize,
) -> Option<Outcome> {
    if transport.is_replay() || contact.has_answered_api() {
        return None;
    }
    let reason = match setup::first_answer(exchange) {
        FirstAnswer::Api => {
            contact.answered_api();
            return None;
        }
        FirstAnswer::Undecided => return None,
        FirstAnswer::NotTheApi(reason) => reason,
    };
    let redactor = Redactor::new(Some(credentials));
    let found = NotTheApi::new(exchange, reason, &transport.describe(), &redactor)?;
    let reason = found.to_string();
    log.add_fixed(
        at,
        input_rules::NOT_THE_API,
        Severity::Error,
        reason.clone(),
    );
    Some(Outcome::Error { reason })
}

/// Auth refusals, and an unreachable server on the case's first step, stop
/// the case (exit code 2); the finding goes on the document at `at`.
pub(super) fn setup_problem(
    transport: &dyn Transport,
    reading: &Reading,
    log: &mut Log<'_>,
    at: usize,
) -> Option<Outcome> {
    match reading {
        Reading::AuthRefused {
            http_status,
            message,
        } => {
            let said = message
                .as_deref()
                .map(|m| format!(" (server said: {m})"))
                .unwrap_or_default();
            let reason = format!(
                "the server refused the credentials with HTTP {http_status}{said}: check PPOB_API_KEY \
and PPOB_API_SECRET (or the config file's [credentials]) and the body mode"
            );
            log.add_fixed(at, input_rules::AUTH, Severity::Error, reason.clone());
            Some(Outcome::Error { reason })
        }
        Reading::Unusable(Unusable::Transport(e)) if e.is_unreachable() && log.steps() == 1 => {
            let reason = format!(
                "{} is unreachable: {e}; {}",
                transport.describe(),
                setup::unreachable_hint(e)
            );
            log.add_fixed(
                at,
                input_rules::UNREACHABLE,
                Severity::Error,
                reason.clone(),
            );
            Some(Outcome::Error { reason })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::case::Case;
    use crate::flow::classify;
    use ppob_core::contract::Operation;
    use ppob_transport::{TransportError, WireRequest, WireResponse};
    use ppob_validate::{Engine, EngineOptions};

    /// A target that is never called: these checks only describe it.
    struct Target {
        replay: bool,
    }

    impl Transport for Target {
        fn send(&self, _request: WireRequest) -> Exchange {
            unreachable!("the setup checks send nothing")
        }
        fn describe(&self) -> String {
            "https://sandbox.example".into()
        }
        fn is_replay(&self) -> bool {
            self.replay
        }
    }

    const LIVE: Target = Target { replay: false };

    fn exchange(response: Result<WireResponse, TransportError>) -> Exchange {
        crate::flow::test_support::exchange(Operation::Inquiry, response)
    }

    fn html(status: u16) -> Exchange {
        exchange(Ok(WireResponse {
            status,
            headers: vec![("content-type".into(), "text/html".into())],
            body: b"<html><body>Bad gateway</body></html>".to_vec(),
        }))
    }

    /// Runs `check` on `exchange` recorded as the `steps`-th step of a case,
    /// returning the outcome and the rules of the findings on its answer.
    fn on_step(
        steps: usize,
        exchange: &Exchange,
        check: impl FnOnce(&mut Log<'_>, usize) -> Option<Outcome>,
    ) -> (Option<Outcome>, Vec<(String, String)>) {
        let engine = Engine::new(EngineOptions::default());
        let case = Case::new("0811111111");
        let mut log = Log::new(&engine, &case);
        let reading = classify::read(exchange);
        let mut at = 0;
        for _ in 0..steps {
            at = log.record(exchange, &reading, Vec::new(), "step");
        }
        let outcome = check(&mut log, at);
        let findings = log.documents()[at]
            .report
            .findings
            .iter()
            .filter(|f| f.rule.starts_with("setup."))
            .map(|f| (f.rule.clone(), f.message.clone()))
            .collect();
        (outcome, findings)
    }

    fn reason(outcome: Option<Outcome>) -> String {
        match outcome {
            Some(Outcome::Error { reason }) => reason,
            other => panic!("not an error: {other:?}"),
        }
    }

    #[test]
    fn refused_credentials_stop_the_case_with_the_servers_words() {
        let refused = exchange(Ok(WireResponse::json(
            401,
            br#"{"message":{"EN":"bad signature"}}"#.to_vec(),
        )));
        let reading = classify::read(&refused);
        let (outcome, found) = on_step(1, &refused, |log, at| {
            setup_problem(&LIVE, &reading, log, at)
        });
        let reason = reason(outcome);
        assert!(
            reason.starts_with(
                "the server refused the credentials with HTTP 401 (server said: bad signature)"
            ),
            "{reason}"
        );
        assert_eq!(found, [(input_rules::AUTH.to_owned(), reason)]);
    }

    #[test]
    fn an_unreachable_server_stops_only_the_first_step() {
        let lost = exchange(Err(TransportError::Refused("port 8080".into())));
        let reading = classify::read(&lost);
        let (outcome, found) = on_step(1, &lost, |log, at| setup_problem(&LIVE, &reading, log, at));
        let reason = reason(outcome);
        assert!(
            reason.starts_with("https://sandbox.example is unreachable: connection refused"),
            "{reason}"
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, input_rules::UNREACHABLE);
        let (later, found) = on_step(2, &lost, |log, at| setup_problem(&LIVE, &reading, log, at));
        assert_eq!(
            later, None,
            "after the first step it is the money rule's processing"
        );
        assert!(found.is_empty());
    }

    #[test]
    fn a_gateway_page_on_first_contact_is_not_the_api_but_a_replay_is_judged_as_recorded() {
        let credentials = Credentials::simulator_demo();
        let page = html(502);
        let contact = TargetContact::new();
        let (outcome, found) = on_step(1, &page, |log, at| {
            not_the_api(&LIVE, &contact, &credentials, &page, log, at)
        });
        let reason = reason(outcome);
        assert!(reason.contains("answered HTTP 502 (text/html"), "{reason}");
        assert_eq!(found, [(input_rules::NOT_THE_API.to_owned(), reason)]);
        assert!(!contact.has_answered_api());

        let replay = Target { replay: true };
        let (outcome, found) = on_step(1, &page, |log, at| {
            not_the_api(&replay, &contact, &credentials, &page, log, at)
        });
        assert_eq!(outcome, None);
        assert!(found.is_empty());
    }

    #[test]
    fn an_api_answer_marks_the_contact_and_then_nothing_is_questioned() {
        let credentials = Credentials::simulator_demo();
        let contact = TargetContact::new();
        let api = exchange(Ok(WireResponse::json(
            200,
            br#"{"responseCode":300,"success":true,"message":{"ID":"x","EN":"x"},"data":{}}"#
                .to_vec(),
        )));
        let (outcome, _) = on_step(1, &api, |log, at| {
            not_the_api(&LIVE, &contact, &credentials, &api, log, at)
        });
        assert_eq!(outcome, None);
        assert!(contact.has_answered_api());
        let page = html(502);
        let (outcome, found) = on_step(1, &page, |log, at| {
            not_the_api(&LIVE, &contact, &credentials, &page, log, at)
        });
        assert_eq!(
            outcome, None,
            "a target that answered the API once is not questioned again"
        );
        assert!(found.is_empty());
    }
}
