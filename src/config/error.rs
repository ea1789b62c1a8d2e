//! Describes a TOML error in `ppob-contract.toml` without ever echoing a
//! credential: the position and the key, never the offending line.
//!
//! toml's own message prints the source line, which may be
//! `secret = value` (unquoted), a misspelt key holding the secret, or an
//! array around it. Here the message is rebuilt from toml's short message and
//! its span: `line L, column C, key `K`: what was expected`. A value the
//! message quotes is masked unless its key is a known setting that holds no
//! credential, and the credentials of the environment and of the file's
//! `[credentials]` table (when the file parses that far) are redacted last.

use ppob_transport::auth::{KEY_ENV, SECRET_ENV};
use ppob_transport::redact::Redactor;

/// What replaces a value that may be a credential.
pub const MASK: &str = "***";

/// Whether the value of `key`, set on a line of table `table`, may be quoted back: a key the
/// file knows (read from the serde derives, [`super::fields`]) that is not a credential, outside
/// `[credentials]`. A misspelt key may hold a secret: its value stays masked.
fn is_plain(key: &str, table: Option<&str>) -> bool {
    let credentials = super::fields::credential_keys();
    table != Some("credentials")
        && key != "credentials"
        && !credentials.contains(&key)
        && super::fields::all_keys().contains(&key)
}

/// The table a line at `line_start` belongs to: the name of the last `[header]` above it
/// (`None` at the top level).
fn table_of(text: &str, line_start: usize) -> Option<&str> {
    text[..line_start].lines().rev().find_map(|line| {
        let line = line.trim();
        let header = line.strip_prefix('[')?;
        let header = header.trim_start_matches('[');
        let name = header.split(']').next()?.trim();
        Some(name.trim_matches(|c| c == '"' || c == '\''))
    })
}

/// `line L, column C, key `K`: message`, with values masked.
pub fn describe(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim_end();
    let Some(span) = error.span() else {
        return redact(text, &mask_quoted(message, None)).replace('\n', "; ");
    };
    let start = floor_char_boundary(text, span.start.min(text.len()));
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..start].chars().count() + 1;
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i);
    let key = key_of(&text[line_start..line_end]);
    let plain = key.is_some_and(|k| is_plain(k, table_of(text, line_start)));
    let mut shown = if plain {
        message.to_owned()
    } else {
        let end = floor_char_boundary(text, span.end.min(text.len())).max(start);
        let value = value_of(&text[line_start..line_end]).unwrap_or("");
        mask_tokens(&mask_quoted(message, key), &[value, &text[start..end]], key)
    };
    shown = redact(text, &shown).replace('\n', "; ");
    match key {
        Some(k) => format!("line {line}, column {column}, key `{k}`: {shown}"),
        None => format!("line {line}, column {column}: {shown}"),
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The key a `key = value` line sets (a bare or quoted key; the last part of a dotted one).
fn key_of(line: &str) -> Option<&str> {
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    if key.is_empty() || key.starts_with('[') || key.starts_with('#') {
        return None;
    }
    let last = key.rsplit('.').next().unwrap_or(key).trim();
    Some(last.trim_matches(|c| c == '"' || c == '\''))
}

/// What follows the first `=` of a line.
fn value_of(line: &str) -> Option<&str> {
    line.split_once('=').map(|(_, v)| v)
}

/// Masks every `…` and "…" fragment of `message` except one-character ones
/// (`"`, `#`) and key names (the line's own key, the settings toml lists as expected).
fn mask_quoted(message: &str, key: Option<&str>) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(open) = rest.find(['`', '"']) {
        let quote = rest[open..].chars().next().unwrap_or('`');
        let inner_start = open + 1;
        let Some(len) = rest[inner_start..].find(quote) else {
            break;
        };
        let inner = &rest[inner_start..inner_start + len];
        out.push_str(&rest[..inner_start]);
        let keep = inner.chars().count() <= 1 || Some(inner) == key || is_setting_name(inner);
        out.push_str(if keep { inner } else { MASK });
        out.push(quote);
        rest = &rest[inner_start + len + 1..];
    }
    out.push_str(rest);
    out
}

/// Whether `text` names a key of the file (shown when toml lists what it expected).
fn is_setting_name(text: &str) -> bool {
    super::fields::all_keys().contains(&text)
}

/// Masks the words of `values` (a line's value, the span toml pointed at)
/// wherever they still appear in `message`, except the line's own `key`.
fn mask_tokens(message: &str, values: &[&str], key: Option<&str>) -> String {
    let mut out = message.to_owned();
    let separators = |c: char| c.is_whitespace() || "\"'`[]{},=#".contains(c);
    for value in values {
        for token in value.split(separators) {
            if token.len() >= 2
                && Some(token) != key
                && !is_setting_name(token)
                && out.contains(token)
            {
                out = out.replace(token, MASK);
            }
        }
    }
    out
}

/// `message` without the credentials of the environment and of the file's
/// `[credentials]` table.
fn redact(text: &str, message: &str) -> String {
    let mut secrets: Vec<String> = [KEY_ENV, SECRET_ENV]
        .into_iter()
        .filter_map(|name| std::env::var(name).ok())
        .collect();
    if let Ok(table) = text.parse::<toml::Table>()
        && let Some(credentials) = table.get("credentials").and_then(|v| v.as_table())
    {
        secrets.extend(
            credentials
                .values()
                .filter_map(|v| v.as_str())
                .map(str::to_owned),
        );
    }
    Redactor::default()
        .also_hiding(secrets)
        .redact(message)
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Shape {
        timeout: Option<u32>,
        credentials: Option<Creds>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Creds {
        key: String,
        secret: String,
    }

    fn shown(text: &str) -> String {
        let error = toml::from_str::<Shape>(text).unwrap_err();
        describe(text, &error)
    }

    #[test]
    fn a_credential_value_is_never_echoed() {
        for text in [
            "[credentials]\nkey = \"k1\"\nsecret = CANARY-SECRET\n",
            "[credentials]\nkey = \"k1\"\nsecrte = \"CANARY-SECRET\"\n",
            "[credentials]\nkey = \"k1\"\nsecret = [\"CANARY-SECRET\"]\n",
            "[credentials]\nkey = \"k1\"\nsecret = { v = \"CANARY-SECRET\" }\n",
            "[credentials]\nkey = \"k1\"\nsecret = 'CANARY-SECRET' tail\n",
            "[credentials]\nkey = \"k1\"\nsecret = 12345678\n",
            "[credentials]\nkey = \"CANARY-KEY\"\nsecret = \"CANARY-SECRET\"\nextra = 1\n",
        ] {
            let message = shown(text);
            assert!(!message.contains("CANARY"), "{message}");
            assert!(!message.contains("12345678"), "{message}");
            assert!(message.starts_with("line "), "{message}");
        }
    }

    #[test]
    fn the_position_and_the_key_are_shown() {
        let message = shown("[credentials]\nkey = \"k1\"\nsecret = 12345678\n");
        assert_eq!(
            message,
            "line 3, column 10, key `secret`: invalid type: integer `***`, expected a string"
        );
        let message = shown("[credentials]\nkey = \"k1\"\nsecrte = \"x\"\n");
        assert!(
            message.starts_with("line 3, column 1, key `secrte`: unknown field `secrte`"),
            "{message}"
        );
        assert!(message.contains("`key` or `secret`"), "{message}");
    }

    #[test]
    fn plain_settings_keep_their_values_in_the_message() {
        let message = shown("timeout = \"soon\"\n");
        assert!(message.contains("key `timeout`"), "{message}");
        assert!(message.contains("\"soon\""), "{message}");
    }
}
