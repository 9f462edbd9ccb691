//! The terminal view: miette snippets with the primary label, secondary labels and help.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::load::Rule;
use crate::source::SourceFile;
use crate::Report;
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use std::fmt;

struct Rendered<'a> {
    d: &'a Diagnostic,
    message: String,
    help: Option<String>,
    source: Snippet,
    labels: Vec<LabeledSpan>,
    url: Option<String>,
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
impl std::error::Error for Rendered<'_> {}

impl miette::Diagnostic for Rendered<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!(
            "{}[{}] {}",
            self.d.severity, self.d.rule, self.d.name
        )))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Critical | Severity::High => miette::Severity::Error,
            Severity::Medium | Severity::Low => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.url
            .as_ref()
            .map(|u| Box::new(u) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// A file's text under its display name, read by miette with columns counted in characters,
/// as every other format counts them (miette's own text sources count bytes, so a header said
/// `Dockerfile:2:34` where the concise line said 29).
struct Snippet {
    name: String,
    text: String,
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        let start = inner.span().offset();
        // A byte column is the bytes between the line's start and the data's start; the
        // same stretch counted in characters is the column everyone else prints.
        let line_start = start - inner.column();
        let column = self
            .text
            .get(line_start..start)
            .map_or(inner.column(), |t| t.chars().count());
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line(),
            column,
            inner.line_count(),
        )))
    }
}

fn source_span(file: &SourceFile, s: crate::source::Span) -> SourceSpan {
    let start = s.start.min(file.text.len());
    let end = s.end.clamp(start, file.text.len());
    SourceSpan::new(start.into(), end - start)
}

/// The width when nothing says otherwise (not a terminal, no `COLUMNS`).
pub const DEFAULT_WIDTH: usize = 100;

pub fn render(report: &Report, rules: &[Rule], color: bool, width: usize) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(width);
    let mut out = String::new();
    let mut texts: Vec<Option<String>> = vec![None; report.files.len()];
    for d in &report.diagnostics {
        let file = &report.files[d.file];
        let text = texts[d.file]
            .get_or_insert_with(|| crate::diagnostic::mask_control(&file.text))
            .clone();
        // One-line text (paths, messages, labels) and multi-line help, escaped.
        let esc = |s: &str| crate::diagnostic::escape_control(s).into_owned();
        let esc_lines = |s: &str| crate::diagnostic::escape_control_lines(s).into_owned();
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            None,
            source_span(file, d.span),
        )];
        // Labels in other files cannot share this snippet; they are listed in the help.
        let mut elsewhere = Vec::new();
        for l in &d.labels {
            if l.file == d.file {
                labels.push(LabeledSpan::new_with_span(
                    Some(esc(&l.message)),
                    source_span(file, l.span),
                ));
            } else {
                let other = &report.files[l.file];
                let p = other.position(l.span.start);
                elsewhere.push(format!(
                    "{}:{}:{}: {}",
                    esc(&other.display),
                    p.line,
                    p.column,
                    esc(&l.message)
                ));
            }
        }
        let mut help = d.help.as_deref().map(esc_lines);
        if let Some(f) = &d.fix {
            let kind = match f.applicability {
                crate::diagnostic::Applicability::Safe => "safe fix",
                crate::diagnostic::Applicability::Unsafe => "unsafe fix",
            };
            let line = format!("{kind}: {}", esc(&f.description));
            help = Some(match help {
                Some(h) => format!("{h}\n{line}"),
                None => line,
            });
        }
        if !elsewhere.is_empty() {
            let extra = elsewhere.join("\n");
            help = Some(match help {
                Some(h) => format!("{h}\n{extra}"),
                None => extra,
            });
        }
        let url = rules
            .iter()
            .find(|r| r.id == d.rule)
            .map(|r| format!("moat explain {}", r.id));
        let rendered = Rendered {
            d,
            message: format!("{}: {}", esc(&file.display), esc(&d.message)),
            help,
            source: Snippet {
                name: esc(&file.display),
                text,
            },
            labels,
            url,
        };
        let _ = handler.render_report(&mut out, &rendered);
        out.push('\n');
    }
    out
}
