//! A rule's help as the formats that explain rules show it (SARIF's `help`
//! and `helpUri`, the HTML report's rule section): what it checks, where it
//! comes from, its default severity and how to read more — all from the one
//! catalogue ([`ppob_core::rules::catalogue::CATALOGUE`]).

use ppob_core::contract::Severity;
use ppob_core::rules::catalogue::RuleInfo;

/// Where the rule table is documented: the README's rules section in the
/// repository (`repository` of the workspace's `Cargo.toml`).
pub const RULES_URI: &str = concat!(
    env!("CARGO_PKG_REPOSITORY"),
    "/blob/main/README.md#rules-severities-and-exit-codes"
);

/// The tool's home page (SARIF's `informationUri`).
pub const TOOL_URI: &str = env!("CARGO_PKG_REPOSITORY");

/// "error" or "warning".
pub fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// The help of `rule` as plain text.
pub fn help_text(rule: &RuleInfo) -> String {
    format!(
        "{summary}\n\n{description}\n\nFrom: {source}. Default severity: {severity}{fixed}. \
         `ppob-contract rules {id}` explains it; {RULES_URI} lists every rule.",
        summary = rule.summary,
        description = rule.description,
        source = rule.source,
        severity = severity_name(rule.default_severity),
        fixed = if rule.configurable {
            " (`--severity` may change it)"
        } else {
            " (fixed)"
        },
        id = rule.id,
    )
}

/// The help of `rule` as GitHub-flavoured Markdown.
pub fn help_markdown(rule: &RuleInfo) -> String {
    format!(
        "**{summary}**\n\n{description}\n\n- From: {source}\n- Default severity: \
         `{severity}`{fixed}\n- Explain: `ppob-contract rules {id}`\n- [Every rule]({RULES_URI})",
        summary = markdown_escape(rule.summary),
        description = markdown_escape(rule.description),
        source = markdown_escape(rule.source),
        severity = severity_name(rule.default_severity),
        fixed = if rule.configurable {
            ", `--severity` may change it"
        } else {
            ", fixed"
        },
        id = rule.id,
    )
}

/// Text with the characters Markdown would read as markup escaped (the
/// catalogue's backticks are kept: they mark code).
fn markdown_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ppob_core::rules::catalogue::CATALOGUE;

    #[test]
    fn every_rule_has_help_naming_it() {
        assert!(RULES_URI.starts_with("https://"), "{RULES_URI}");
        for rule in CATALOGUE {
            assert!(help_text(rule).contains(rule.description), "{}", rule.id);
            assert!(
                help_markdown(rule).contains(&format!("`ppob-contract rules {}`", rule.id)),
                "{}",
                rule.id
            );
        }
        assert_eq!(markdown_escape("a_b *c* `d`"), "a\\_b \\*c\\* `d`");
    }
}
