//! Diagnostics, labels, severities and fixes: the one vocabulary every stage after the rule
//! engine speaks.

use crate::source::Span;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Keeps the meaning of the configuration apart from removing the problem.
    Safe,
    /// Changes behaviour someone may rely on (who can connect, what runs).
    Unsafe,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub file: usize,
    pub span: Span,
    pub replacement: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub applicability: Applicability,
    pub description: String,
    pub edits: Vec<Edit>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub file: usize,
    pub span: Span,
    pub message: String,
}

/// Rule ids that are not rule files: the engine's own findings about inputs.
pub const PARSE_ERROR: &str = "parse-error";
pub const SKIPPED: &str = "skipped";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub rule: Arc<str>,
    pub name: Arc<str>,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    pub references: Arc<[String]>,
    /// Index into the run's file table.
    pub file: usize,
    pub span: Span,
    pub labels: Vec<Label>,
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// A finding about the input itself (unparsable, binary, too large): not a rule.
    pub fn input_problem(
        id: &'static str,
        severity: Severity,
        file: usize,
        span: Span,
        message: String,
    ) -> Self {
        Diagnostic {
            rule: Arc::from(id),
            name: Arc::from(id),
            severity,
            message,
            help: None,
            references: Arc::from(Vec::new()),
            file,
            span,
            labels: Vec::new(),
            fix: None,
        }
    }
}

/// Replace control characters (terminal escapes included) by visible escapes, so that text
/// from a scanned file can never drive the user's terminal.
pub fn escape_control(text: &str) -> String {
    if !text.chars().any(is_dangerous) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_dangerous(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

fn is_dangerous(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_sequences() {
        assert_eq!(escape_control("a\x1b[31mb"), "a\\u{1b}[31mb");
        assert_eq!(escape_control("plain\ttext"), "plain\ttext");
    }

    #[test]
    fn severities_order_and_parse() {
        assert!(Severity::Critical > Severity::Low);
        assert_eq!(Severity::parse("medium"), Some(Severity::Medium));
        assert_eq!(Severity::parse("bogus"), None);
    }
}
