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
