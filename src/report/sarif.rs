//! SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps). Our own serde structs: the
//! few objects we emit don't justify a 40-crate dependency.

use crate::diagnostic::{Applicability, Severity};
use crate::rules::load::Rule;
use crate::source::{SourceFile, Span};
use crate::Report;
use serde_json::{json, Value};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// The score GitHub code scanning reads to rank security alerts (0.0 to 10.0).
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

fn region(file: &SourceFile, span: Span) -> Value {
    let (s, e) = (file.position(span.start), file.position(span.end));
    json!({ "startLine": s.line, "startColumn": s.column, "endLine": e.line, "endColumn": e.column })
}

fn uri(file: &SourceFile) -> String {
    file.display.replace(' ', "%20")
}

fn rule_descriptor(r: &Rule) -> Value {
    let mut tags = vec!["security".to_string(), r.area.clone()];
    tags.extend(r.tags.iter().cloned());
    tags.extend(
        r.cwe
            .iter()
            .map(|c| format!("external/cwe/{}", c.to_ascii_lowercase())),
    );
    let references: String = r.references.iter().map(|u| format!("- <{u}>\n")).collect();
    // The help is a message template: documentation shows it without its CEL.
    let help = crate::rules::cel::documented(r.help_text.trim());
    let markdown = format!(
        "{}\n\n**Why is this bad?** {}\n\n**How to fix:** {}\n\n**References**\n\n{references}",
        r.what.trim(),
        r.why.trim(),
        help
    );
    let mut d = json!({
        "id": &*r.id,
        "name": &*r.name,
        "shortDescription": { "text": r.title },
        "fullDescription": { "text": r.what.trim() },
        "help": { "text": format!("{}\n\n{help}", r.why.trim()), "markdown": markdown },
        "defaultConfiguration": { "level": level(r.severity) },
        "properties": { "tags": tags, "security-severity": security_severity(r.severity), "precision": "high" },
    });
    if let Some(first) = r.references.first() {
        d["helpUri"] = json!(first);
    }
    d
}

pub fn header() -> String {
    "{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n  \"runs\": [\n    {\n      \"columnKind\": \"unicodeCodePoints\",\n      \"results\": [".to_string()
}

/// The batch's findings as elements of `runs[0].results`.
pub fn batch(report: &Report, rules: &[Rule], first: bool) -> String {
    let fingerprints = super::fingerprints(report);
    let results = report
        .diagnostics
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let f = &report.files[d.file];
            let mut r = json!({
                "ruleId": &*d.rule,
                "level": level(d.severity),
                "message": { "text": match &d.help { Some(h) => format!("{}\n{}", d.message, h), None => d.message.clone() } },
                "locations": [{ "physicalLocation": {
                    "artifactLocation": { "uri": uri(f) },
                    "region": region(f, d.span),
                }}],
                "partialFingerprints": { "moatFindingHash/v1": fingerprints[i] },
                "properties": { "severity": d.severity.as_str(), "security-severity": security_severity(d.severity) },
            });
            if let Some(index) = rules.iter().position(|x| x.id == d.rule) {
                r["ruleIndex"] = json!(index);
            }
            if !d.labels.is_empty() {
                r["relatedLocations"] = Value::Array(
                    d.labels
                        .iter()
                        .enumerate()
                        .map(|(id, l)| {
                            let lf = &report.files[l.file];
                            json!({ "id": id, "message": { "text": l.message }, "physicalLocation": {
                                "artifactLocation": { "uri": uri(lf) }, "region": region(lf, l.span) } })
                        })
                        .collect(),
                );
            }
            if let Some(fix) = &d.fix {
                let changes: Vec<Value> = fix
                    .edits
                    .iter()
                    .map(|e| {
                        let ef = &report.files[e.file];
                        json!({ "artifactLocation": { "uri": uri(ef) }, "replacements": [{
                            "deletedRegion": region(ef, e.span),
                            "insertedContent": { "text": e.replacement } }] })
                    })
                    .collect();
                let kind = match fix.applicability {
                    Applicability::Safe => "safe",
                    Applicability::Unsafe => "unsafe",
                };
                r["fixes"] = json!([{ "description": { "text": format!("{} ({kind} fix)", fix.description) }, "artifactChanges": changes }]);
            }
            r
        })
        ;
    let mut out = String::new();
    for (i, r) in results.enumerate() {
        out.push_str(if first && i == 0 {
            "\n        "
        } else {
            ",\n        "
        });
        out.push_str(&super::nested_json(&r, 8));
    }
    out
}

/// The driver with every rule, after the results (SARIF objects are unordered; this keeps
/// the keys sorted as before).
pub fn footer(rules: &[Rule], any_results: bool) -> String {
    let descriptors: Vec<Value> = rules.iter().map(rule_descriptor).collect();
    let tool = json!({ "driver": {
        "name": "moat",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": descriptors,
    }});
    let close = if any_results { "\n      ]" } else { "]" };
    format!(
        "{close},\n      \"tool\": {}\n    }}\n  ],\n  \"version\": \"2.1.0\"\n}}\n",
        super::nested_json(&tool, 6)
    )
}
