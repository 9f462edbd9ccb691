//! Inline suppressions, in every format with `#` comments:
//! `# moat: ignore[RD001, DC005] reason` at the end of a line or on the line above, and
//! `# moat: ignore-file[...] reason` anywhere. A suppression must say why; one without a
//! reason is itself reported, and `--report-unused-ignores` reports those that match nothing.

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{SourceFile, Span};

pub const UNEXPLAINED: &str = "suppression-without-reason";
pub const UNUSED: &str = "unused-suppression";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// Rule ids, names or id prefixes.
    pub rules: Vec<String>,
    pub reason: String,
    pub whole_file: bool,
    /// Lines (1-based, inclusive) it covers.
    pub lines: (usize, usize),
    /// The comment itself.
    pub span: Span,
}

/// Find the suppression comments of a file.
pub fn parse(source: &SourceFile) -> Vec<Suppression> {
    let text = &source.text;
    if !text.contains("moat:") {
        return Vec::new();
    }
    let mut out = Vec::new();
    for line in 1..=source.line_count() {
        let span = source.line_span(line);
        let content = source.slice(span);
        let Some(hash) = find_marker(content) else {
            continue;
        };
        let comment = &content[hash..];
        let after = comment.trim_start_matches('#').trim_start();
        let Some(rest) = after.strip_prefix("moat:") else {
            continue;
        };
        let rest = rest.trim_start();
        let (whole_file, rest) = match rest.strip_prefix("ignore-file") {
            Some(r) => (true, r),
            None => match rest.strip_prefix("ignore") {
                Some(r) => (false, r),
                None => continue,
            },
        };
        let Some(list) = rest.strip_prefix('[') else {
            continue;
        };
        let Some(close) = list.find(']') else {
            continue;
        };
        let rules: Vec<String> = list[..close]
            .split(',')
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .collect();
        let reason = list[close + 1..]
            .trim()
            .trim_start_matches(['-', ':'])
            .trim()
            .to_string();
        let comment_span = Span::new(span.start + hash, span.end);
        let own_line = content[..hash].trim().is_empty();
        let lines = if whole_file {
            (1, source.line_count())
        } else if own_line {
            next_logical_line(source, line + 1)
        } else {
            (line, line)
        };
        out.push(Suppression {
            rules,
            reason,
            whole_file,
            lines,
            span: comment_span,
        });
    }
    out
}

/// The `#` that starts a `moat:` comment on this line, if any.
fn find_marker(line: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = line[from..].find('#') {
        let at = from + i;
        let after = line[at..].trim_start_matches('#').trim_start();
        if after.starts_with("moat:") && (at == 0 || line[..at].ends_with(char::is_whitespace)) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// The line after a comment block, and the continuation lines that belong to it (a
/// Dockerfile instruction or shell line ending in `\`).
fn next_logical_line(source: &SourceFile, mut line: usize) -> (usize, usize) {
    let count = source.line_count();
    while line <= count {
        let t = source.slice(source.line_span(line)).trim();
        if !t.is_empty() && !t.starts_with('#') {
            break;
        }
        line += 1;
    }
    let first = line.min(count);
    let mut last = first;
    while last < count
        && source
            .slice(source.line_span(last))
            .trim_end()
            .ends_with(['\\', '`'])
    {
        last += 1;
    }
    (first, last)
}

fn matches(selector: &str, d: &Diagnostic) -> bool {
    // As `select`: by id, id prefix, name, or a former id or name of the rule. Sets and
    // `ALL` are not for suppressions, which name what they silence.
    let s = selector.trim();
    let by = |id: &str, name: &str| {
        name == s || (!s.is_empty() && id.to_ascii_uppercase().starts_with(&s.to_ascii_uppercase()))
    };
    by(&d.rule, &d.name) || d.aliases.iter().any(|a| by(a, a))
}

/// Remove suppressed diagnostics; add findings about the suppressions themselves.
pub fn apply(
    source: &SourceFile,
    file: usize,
    diagnostics: &mut Vec<Diagnostic>,
    report_unused: bool,
) {
    let suppressions = parse(source);
    if suppressions.is_empty() {
        return;
    }
    let mut used = vec![false; suppressions.len()];
    diagnostics.retain(|d| {
        let line = source.position(d.span.start).line;
        let mut keep = true;
        for (i, s) in suppressions.iter().enumerate() {
            if line >= s.lines.0 && line <= s.lines.1 && s.rules.iter().any(|r| matches(r, d)) {
                used[i] = true;
                keep = false;
            }
        }
        keep
    });
    for (i, s) in suppressions.iter().enumerate() {
        if s.reason.is_empty() {
            diagnostics.push(Diagnostic::input_problem(
                UNEXPLAINED,
                Severity::Low,
                file,
                s.span,
                "this suppression gives no reason: say why after the `]`".into(),
            ));
        }
        if report_unused && !used[i] {
            diagnostics.push(Diagnostic::input_problem(
                UNUSED,
                Severity::Low,
                file,
                s.span,
                format!(
                    "this suppression of {} matches no finding",
                    s.rules.join(", ")
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new("compose.yaml".into(), "compose.yaml".into(), text.into(), 0)
    }

    #[test]
    fn forms() {
        let f = file("a: 1 # moat: ignore[DC001] published on purpose\n# moat: ignore[DF005, DF006]\n\nRUN a \\\n  b\n# moat: ignore-file[DC013] -- dev stack\n");
        let s = parse(&f);
        assert_eq!(s.len(), 3);
        assert_eq!(
            (s[0].lines, s[0].reason.as_str()),
            ((1, 1), "published on purpose")
        );
        assert_eq!(
            (s[1].lines, s[1].rules.len(), s[1].reason.as_str()),
            ((4, 5), 2, "")
        );
        assert!(s[2].whole_file && s[2].reason == "dev stack");
    }

    #[test]
    fn a_hash_inside_a_value_is_not_a_comment() {
        assert!(parse(&file("a: \"x#moat: ignore[DC001] y\"\n")).is_empty());
    }
}
