//! The JSON contract of DESIGN.md (version 1). Field names and order are part of it. The
//! document is written in pieces (header, batches of diagnostics, summary) laid out exactly
//! as `serde_json`'s pretty printer would lay out the whole.

use super::Totals;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{Position, SourceFile, Span};
use crate::Report;
use serde::Serialize;

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonSpan {
    start: Position,
    end: Position,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    path: &'a str,
    span: JsonSpan,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    path: &'a str,
    start: usize,
    end: usize,
    replacement: &'a str,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    applicability: crate::diagnostic::Applicability,
    description: &'a str,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    rule: &'a str,
    name: &'a str,
    severity: Severity,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    references: &'a [String],
    path: &'a str,
    span: JsonSpan,
    labels: Vec<JsonLabel<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    diagnostics: usize,
    by_severity: serde_json::Map<String, serde_json::Value>,
}

fn span(file: &SourceFile, s: Span) -> JsonSpan {
    JsonSpan {
        start: file.position(s.start),
        end: file.position(s.end),
    }
}

fn diagnostic<'a>(report: &'a Report, d: &'a Diagnostic) -> JsonDiagnostic<'a> {
    let file = &report.files[d.file];
    JsonDiagnostic {
        rule: &d.rule,
        name: &d.name,
        severity: d.severity,
        message: &d.message,
        help: d.help.as_deref(),
        references: &d.references,
        path: &file.display,
        span: span(file, d.span),
        labels: d
            .labels
            .iter()
            .map(|l| JsonLabel {
                path: &report.files[l.file].display,
                span: span(&report.files[l.file], l.span),
                message: &l.message,
            })
            .collect(),
        fix: d.fix.as_ref().map(|f| JsonFix {
            applicability: f.applicability,
            description: &f.description,
            edits: f
                .edits
                .iter()
                .map(|e| {
                    // Offsets in the contract are bytes of the file as stored, BOM included.
                    let bom = report.files[e.file].bom_len;
                    JsonEdit {
                        path: &report.files[e.file].display,
                        start: e.span.start + bom,
                        end: e.span.end + bom,
                        replacement: &e.replacement,
                    }
                })
                .collect(),
        }),
    }
}

pub fn header() -> String {
    let tool = Tool {
        name: "moat",
        version: env!("CARGO_PKG_VERSION"),
    };
    format!(
        "{{\n  \"version\": 1,\n  \"tool\": {},\n  \"diagnostics\": [",
        super::nested_json(&tool, 2)
    )
}

/// The batch's diagnostics as elements of the `diagnostics` array.
pub fn batch(report: &Report, first: bool) -> String {
    let mut out = String::new();
    for (i, d) in report.diagnostics.iter().enumerate() {
        out.push_str(if first && i == 0 { "\n    " } else { ",\n    " });
        out.push_str(&super::nested_json(&diagnostic(report, d), 4));
    }
    out
}

pub fn footer(totals: &Totals) -> String {
    let mut by_severity = serde_json::Map::new();
    for s in Severity::ALL {
        by_severity.insert(s.as_str().into(), totals.count(s).into());
    }
    let summary = Summary {
        files: totals.files,
        diagnostics: totals.diagnostics(),
        by_severity,
    };
    let close = if totals.diagnostics() > 0 {
        "\n  ]"
    } else {
        "]"
    };
    format!(
        "{close},\n  \"summary\": {}\n}}\n",
        super::nested_json(&summary, 2)
    )
}
