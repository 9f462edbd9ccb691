//! GitHub Actions workflow commands: `::error file=…,line=…::message`, which GitHub shows as
//! annotations on the pull request.

use crate::diagnostic::Severity;
use crate::Report;
use std::fmt::Write;

/// Escaping GitHub requires in the message (data).
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping GitHub requires in property values: data's, plus `:` and `,`.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for d in &report.diagnostics {
        let f = &report.files[d.file];
        let (s, e) = (f.position(d.span.start), f.position(d.span.end));
        let level = match d.severity {
            Severity::Critical | Severity::High => "error",
            Severity::Medium | Severity::Low => "warning",
            Severity::Info => "notice",
        };
        let esc = |s: &str| crate::diagnostic::escape_control(s).into_owned();
        let _ = writeln!(
            out,
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            property(&esc(&f.display)),
            s.line,
            s.column,
            e.line,
            e.column,
            property(&format!("{} {} ({})", d.rule, d.name, d.severity)),
            data(&crate::diagnostic::escape_control_lines(&d.message))
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_per_github_rules() {
        assert_eq!(data("50% a\nb"), "50%25 a%0Ab");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
