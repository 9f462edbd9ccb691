//! SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps). Our own serde structs: the
//! few objects we emit don't justify a 40-crate dependency.

use crate::diagnostic::{Applicability, Severity};
use crate::rules::load::Rule;
use crate::source::{SourceFile, Span};
use crate::Report;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

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

/// What RFC 3986 lets a path segment hold unencoded: the unreserved characters. `/`
/// separates segments; everything else (`%`, `#`, `?`, spaces, non-ASCII) is encoded.
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

fn encode(path: &str) -> String {
    percent_encoding::utf8_percent_encode(path, PATH_SEGMENT).to_string()
}

/// The folder SARIF paths are relative to (`%SRCROOT%`): the repository's root, as code
/// scanning resolves them. Canonical.
#[derive(Debug, Clone)]
pub struct ProjectRoot {
    root: PathBuf,
    cwd: PathBuf,
}

impl ProjectRoot {
    /// `given` (`--project-root`), else the nearest folder at or above the working folder with
    /// a `.git` (a folder, or a file in a worktree or submodule), else the working folder.
    /// Found by looking, not by running git: moat starts no programs.
    pub fn find(given: Option<&Path>) -> std::io::Result<ProjectRoot> {
        let cwd = std::env::current_dir()?;
        let root = match given {
            Some(g) => std::fs::canonicalize(g)?,
            None => cwd
                .ancestors()
                .find(|d| d.join(".git").exists())
                .unwrap_or(&cwd)
                .to_path_buf(),
        };
        Ok(ProjectRoot { root, cwd })
    }

    /// Paths as they are, relative ones under `%SRCROOT%`: when there is no working folder.
    pub fn as_given() -> ProjectRoot {
        ProjectRoot {
            root: PathBuf::new(),
            cwd: PathBuf::new(),
        }
    }

    /// The artifact location of `path`: relative to the root under `%SRCROOT%`, or an absolute
    /// `file:` URI when the file lies outside it.
    fn location(&self, path: &Path) -> Value {
        let abs = super::lexically_normal(&self.cwd.join(path));
        match abs.strip_prefix(&self.root) {
            Ok(rel) => {
                let rel = rel.to_string_lossy().replace('\\', "/");
                json!({ "uri": encode(&rel), "uriBaseId": SRCROOT })
            }
            Err(_) => json!({ "uri": file_uri(&abs, false) }),
        }
    }

    fn base(&self) -> Value {
        json!({ SRCROOT: { "uri": file_uri(&self.root, true) } })
    }
}

const SRCROOT: &str = "%SRCROOT%";

/// The `file:` URI of an absolute path, percent-encoded (a folder's ends in `/`).
pub(crate) fn file_uri(abs: &Path, folder: bool) -> String {
    let mut p = abs.to_string_lossy().replace('\\', "/");
    if !p.starts_with('/') {
        // A Windows drive path: file:///C:/...
        p.insert(0, '/');
    }
    if folder && !p.ends_with('/') {
        p.push('/');
    }
    format!("file://{}", encode(&p))
}

fn input_rule_descriptor(&(id, title, severity, what): &(&str, &str, Severity, &str)) -> Value {
    json!({
        "id": id,
        "shortDescription": { "text": title },
        "fullDescription": { "text": what },
        "help": { "text": what, "markdown": what },
        "helpUri": crate::docs::rule_url(id),
        "defaultConfiguration": { "level": level(severity) },
        "properties": { "tags": ["moat-input"], "precision": "very-high" },
    })
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
    d["helpUri"] = json!(crate::docs::rule_url(&r.id));
    d
}

pub fn header() -> String {
    "{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n  \"runs\": [\n    {\n      \"columnKind\": \"unicodeCodePoints\",\n      \"results\": [".to_string()
}

/// The batch's findings as elements of `runs[0].results`.
/// Skipped files become `notifications` (tool notes, not findings); the caller keeps them for
/// the footer.
pub fn batch(
    report: &Report,
    rules: &[Rule],
    root: &ProjectRoot,
    first: bool,
    notifications: &mut Vec<Value>,
) -> (String, bool) {
    let uri = |f: &SourceFile| root.location(&f.path);
    let fingerprints = super::fingerprints(report);
    for d in report
        .diagnostics
        .iter()
        .filter(|d| &*d.rule == crate::diagnostic::SKIPPED)
    {
        let f = &report.files[d.file];
        notifications.push(json!({
            "level": "note",
            "message": { "text": d.message },
            "descriptor": { "id": crate::diagnostic::SKIPPED },
            "locations": [{ "physicalLocation": { "artifactLocation": uri(f) } }],
        }));
    }
    let results = report
        .diagnostics
        .iter()
        .enumerate()
        .filter(|(_, d)| &*d.rule != crate::diagnostic::SKIPPED)
        .map(|(i, d)| {
            let f = &report.files[d.file];
            let mut r = json!({
                "ruleId": &*d.rule,
                "level": level(d.severity),
                "message": { "text": match &d.help { Some(h) => format!("{}\n{}", d.message, h), None => d.message.clone() } },
                "locations": [{ "physicalLocation": {
                    "artifactLocation": uri(f),
                    "region": region(f, d.span),
                }}],
                "partialFingerprints": { "moatFindingHash/v2": fingerprints[i] },
                "properties": { "severity": d.severity.as_str(), "security-severity": security_severity(d.severity) },
            });
            if let Some(index) = rules
                .iter()
                .map(|x| &*x.id)
                .chain(crate::docs::INPUT_RULES.iter().map(|x| x.0))
                .position(|x| x == &*d.rule)
            {
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
                                "artifactLocation": uri(lf), "region": region(lf, l.span) } })
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
                        json!({ "artifactLocation": uri(ef), "replacements": [{
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
    let mut any = false;
    for r in results {
        out.push_str(if first && !any {
            "\n        "
        } else {
            ",\n        "
        });
        any = true;
        out.push_str(&super::nested_json(&r, 8));
    }
    (out, any)
}

/// The driver with every rule, after the results (SARIF objects are unordered; this keeps
/// the keys sorted as before).
pub fn footer(
    rules: &[Rule],
    root: &ProjectRoot,
    any_results: bool,
    notifications: &[Value],
) -> String {
    let descriptors: Vec<Value> = rules
        .iter()
        .map(rule_descriptor)
        .chain(crate::docs::INPUT_RULES.iter().map(input_rule_descriptor))
        .collect();
    let tool = json!({ "driver": {
        "name": "moat",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "informationUri": env!("CARGO_PKG_REPOSITORY"),
        "rules": descriptors,
    }});
    let invocations = json!([{
        "executionSuccessful": true,
        "toolExecutionNotifications": notifications,
    }]);
    let close = if any_results { "\n      ]" } else { "]" };
    format!(
        "{close},\n      \"invocations\": {},\n      \"originalUriBaseIds\": {},\n      \"tool\": {}\n    }}\n  ],\n  \"version\": \"2.1.0\"\n}}\n",
        super::nested_json(&invocations, 6),
        super::nested_json(&root.base(), 6),
        super::nested_json(&tool, 6)
    )
}
