//! Diagnostics, labels, severities and fixes: the one vocabulary every stage after the rule
//! engine speaks.

use crate::source::Span;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
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
    /// The rule's former ids and names: selectors, suppressions and baselines that name them
    /// mean this rule.
    pub aliases: Arc<[Arc<str>]>,
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
            aliases: Arc::from(Vec::new()),
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

/// Text from a scanned file (or a file name) made safe for a terminal on one line: every C0
/// and C1 control character (newline and carriage return included, tab excepted), DEL and
/// the bidirectional overrides that reorder what is displayed (U+202E and kin) become visible
/// `\u{..}` escapes, so no file can drive the user's terminal, forge an output line or
/// disguise what it says. Every text output path goes through this function or
/// [`escape_control_lines`]; JSON and SARIF carry the text exactly instead.
pub fn escape_control(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// [`escape_control`] for multi-line text whose line breaks moat lays out (a diff, help): `\n`
/// is kept, everything else, a lone `\r` included, is escaped.
pub fn escape_control_lines(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

/// The file's text for a snippet, the same length byte for byte so that spans still line up:
/// a lone `\r` (a line break for moat's line numbers) becomes `\n`, and every other
/// character [`escape_control`] escapes becomes `?` bytes.
pub fn mask_control(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push('\n'),
            '\r' if chars.peek() == Some(&'\n') => out.push('\r'),
            '\r' => out.push('\n'),
            c if is_dangerous(c) => out.extend(std::iter::repeat_n('?', c.len_utf8())),
            c => out.push(c),
        }
    }
    out
}

fn escape(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    // With line breaks kept, a CR ending a CRLF line stays: it cannot overwrite anything.
    let escaped = |c: char, next: Option<char>| {
        is_dangerous(c) && !(keep_newlines && (c == '\n' || (c == '\r' && next == Some('\n'))))
    };
    let mut chars = text.chars().peekable();
    let mut out: Option<String> = None;
    let mut at = 0;
    while let Some(c) = chars.next() {
        if escaped(c, chars.peek().copied()) {
            let out = out.get_or_insert_with(|| {
                let mut s = String::with_capacity(text.len() + 8);
                s.push_str(&text[..at]);
                s
            });
            out.extend(c.escape_unicode());
        } else if let Some(out) = &mut out {
            out.push(c);
        }
        at += c.len_utf8();
    }
    out.map_or(Cow::Borrowed(text), Cow::Owned)
}

fn is_dangerous(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_sequences() {
        assert_eq!(escape_control("a\x1b[31mb"), "a\\u{1b}[31mb");
        assert_eq!(escape_control("plain\ttext"), "plain\ttext");
        // C1 (a one-character CSI), DEL, a bidi override, a forged line, a lone CR.
        assert_eq!(
            escape_control("\u{9b}2J\u{7f}\u{202e}gpj.exe\nx:1:1: high[Y]\r"),
            "\\u{9b}2J\\u{7f}\\u{202e}gpj.exe\\u{a}x:1:1: high[Y]\\u{d}"
        );
        assert_eq!(escape_control_lines("a\nb\rc\r\n"), "a\nb\\u{d}c\r\n");
        assert!(matches!(escape_control("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn masks_keep_lengths_and_line_breaks() {
        let text = "a\x1b]52;c;eA==\x07\rb\r\nc\u{202e}\n";
        let masked = mask_control(text);
        assert_eq!(masked.len(), text.len());
        assert_eq!(masked, "a?]52;c;eA==?\nb\r\nc???\n");
    }

    #[test]
    fn severities_order_and_parse() {
        assert!(Severity::Critical > Severity::Low);
        assert_eq!(Severity::parse("medium"), Some(Severity::Medium));
        assert_eq!(Severity::parse("bogus"), None);
    }
}
