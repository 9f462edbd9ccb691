//! `moat lsp`: a language server on stdio (lsp-server + lsp-types, synchronous). Diagnostics
//! are published on open, change and save for every kind moat reads; fixes are offered as
//! code actions; each diagnostic links to its rule's first reference.

use crate::classify;
use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::rules::eval::Engine;
use crate::settings::Settings;
use crate::source::SourceFile;
use lsp_server::{Connection, Message, Notification, Request, Response};
use lsp_types as lsp;
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use std::collections::HashMap;
use std::path::PathBuf;

mod transport;

struct Document {
    /// The last diagnostics, for code actions.
    diagnostics: Vec<Diagnostic>,
    file: SourceFile,
    /// The `.moat.toml` that governs the document, when it does not load.
    config_error: Option<crate::config::ConfigError>,
}

pub fn run() -> i32 {
    let engine = match crate::rules::load::embedded() {
        Ok(rules) => Engine::new(rules),
        Err(errors) => {
            for e in errors {
                eprintln!("moat: invalid rule: {e}");
            }
            return 2;
        }
    };
    let (connection, io_threads) = transport::stdio();
    let capabilities = lsp::ServerCapabilities {
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
            lsp::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(lsp::TextDocumentSyncKind::FULL),
                save: Some(lsp::TextDocumentSyncSaveOptions::SaveOptions(
                    lsp::SaveOptions {
                        include_text: Some(true),
                    },
                )),
                ..Default::default()
            },
        )),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Simple(true)),
        ..Default::default()
    };
    let caps = serde_json::to_value(capabilities).expect("capabilities serialize");
    if let Err(e) = connection.initialize(caps) {
        eprintln!("moat lsp: initialization failed: {e}");
        return 2;
    }
    let code = match serve(&connection, &engine) {
        Ok(End::Shutdown) => 0,
        // The protocol: `exit` without `shutdown` first is exit code 1.
        Ok(End::ExitWithoutShutdown) => 1,
        Err(e) => {
            eprintln!("moat lsp: {e}");
            1
        }
    };
    // The connection must be dropped before its threads can be joined.
    drop(connection);
    io_threads.join();
    code
}

/// How a session ended.
enum End {
    /// `shutdown` then `exit`, or the client closed the stream.
    Shutdown,
    ExitWithoutShutdown,
}

fn serve(connection: &Connection, engine: &Engine) -> Result<End, String> {
    // Keyed by the URI's text: `Uri` has interior caching that clippy flags as a mutable key.
    let mut docs: HashMap<String, Document> = HashMap::new();
    // Configuration files with a problem, and the problem last reported for each.
    let mut config_problems: HashMap<PathBuf, String> = HashMap::new();
    for msg in &connection.receiver {
        match msg {
            Message::Request(req) => {
                if connection
                    .handle_shutdown(&req)
                    .map_err(|e| e.to_string())?
                {
                    return Ok(End::Shutdown);
                }
                let resp = handle_request(&req, &docs);
                connection
                    .sender
                    .send(Message::Response(resp))
                    .map_err(|e| e.to_string())?;
            }
            Message::Notification(n) => {
                if n.method == lsp::notification::Exit::METHOD {
                    return Ok(End::ExitWithoutShutdown);
                }
                if let Some((uri, text)) = document_text(&n) {
                    let path = uri_path(&uri);
                    if path
                        .file_name()
                        .is_some_and(|n| n == crate::config::FILE_NAME)
                    {
                        // The configuration being edited: its own problems, as you type.
                        let problem = crate::config::parse(&text, &path).err();
                        config_problem(connection, &mut config_problems, &path, problem)?;
                        continue;
                    }
                    let doc = lint(engine, &uri, text);
                    publish(connection, &uri, &doc)?;
                    if let Some(config) = crate::config::find(&path) {
                        config_problem(
                            connection,
                            &mut config_problems,
                            &config,
                            doc.config_error.clone(),
                        )?;
                    }
                    docs.insert(uri.as_str().to_string(), doc);
                } else if n.method == lsp::notification::DidCloseTextDocument::METHOD {
                    if let Ok(p) =
                        serde_json::from_value::<lsp::DidCloseTextDocumentParams>(n.params)
                    {
                        docs.remove(p.text_document.uri.as_str());
                        let clear = lsp::PublishDiagnosticsParams {
                            uri: p.text_document.uri,
                            diagnostics: Vec::new(),
                            version: None,
                        };
                        send_notification::<lsp::notification::PublishDiagnostics>(
                            connection, clear,
                        )?;
                    }
                }
            }
            Message::Response(_) => {}
        }
    }
    Ok(End::Shutdown)
}

/// Report a `.moat.toml` that does not load, once per distinct problem: a diagnostic on the
/// file at the error's line and column, and a message (the linted file uses the defaults
/// meanwhile). When it loads again, its diagnostic is cleared.
fn config_problem(
    connection: &Connection,
    reported: &mut HashMap<PathBuf, String>,
    config: &std::path::Path,
    problem: Option<crate::config::ConfigError>,
) -> Result<(), String> {
    let Ok(uri) = crate::report::sarif::file_uri(config, false).parse::<lsp::Uri>() else {
        return Ok(());
    };
    let Some(e) = problem else {
        if reported.remove(config).is_some() {
            let clear = lsp::PublishDiagnosticsParams {
                uri,
                diagnostics: Vec::new(),
                version: None,
            };
            send_notification::<lsp::notification::PublishDiagnostics>(connection, clear)?;
        }
        return Ok(());
    };
    if reported.get(config) == Some(&e.to_string()) {
        return Ok(());
    }
    reported.insert(config.to_path_buf(), e.to_string());
    // The error's column counts characters; LSP's default counts UTF-16 units. A config
    // error's line is short and mostly ASCII, and the column is clamped by the editor.
    let at = lsp::Position {
        line: e.line.saturating_sub(1) as u32,
        character: e.column.saturating_sub(1) as u32,
    };
    let diagnostic = lsp::Diagnostic {
        range: lsp::Range { start: at, end: at },
        severity: Some(lsp::DiagnosticSeverity::ERROR),
        code: Some(lsp::NumberOrString::String("invalid-configuration".into())),
        source: Some("moat".into()),
        message: e.message.clone(),
        ..Default::default()
    };
    let params = lsp::PublishDiagnosticsParams {
        uri,
        diagnostics: vec![diagnostic],
        version: None,
    };
    send_notification::<lsp::notification::PublishDiagnostics>(connection, params)?;
    let message = lsp::ShowMessageParams {
        typ: lsp::MessageType::ERROR,
        message: format!("moat: invalid configuration, using the defaults: {e}"),
    };
    send_notification::<lsp::notification::ShowMessage>(connection, message)
}

/// The new full text of a document from didOpen, didChange or didSave.
fn document_text(n: &Notification) -> Option<(lsp::Uri, String)> {
    use lsp::notification::{DidChangeTextDocument, DidOpenTextDocument, DidSaveTextDocument};
    match n.method.as_str() {
        DidOpenTextDocument::METHOD => {
            let p: lsp::DidOpenTextDocumentParams =
                serde_json::from_value(n.params.clone()).ok()?;
            Some((p.text_document.uri, p.text_document.text))
        }
        DidChangeTextDocument::METHOD => {
            let p: lsp::DidChangeTextDocumentParams =
                serde_json::from_value(n.params.clone()).ok()?;
            let text = p.content_changes.into_iter().last()?.text;
            Some((p.text_document.uri, text))
        }
        DidSaveTextDocument::METHOD => {
            let p: lsp::DidSaveTextDocumentParams =
                serde_json::from_value(n.params.clone()).ok()?;
            Some((p.text_document.uri, p.text?))
        }
        _ => None,
    }
}

/// `file:///a%20b/compose.yaml` → `/a b/compose.yaml`.
fn uri_path(uri: &lsp::Uri) -> PathBuf {
    let s = uri.as_str();
    let rest = s.strip_prefix("file://").unwrap_or(s);
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() && rest.is_char_boundary(i + 3) {
            if let Ok(b) = u8::from_str_radix(&rest[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    PathBuf::from(String::from_utf8_lossy(&out).into_owned())
}

fn lint(engine: &Engine, uri: &lsp::Uri, text: String) -> Document {
    let path = uri_path(uri);
    // A configuration that does not load is reported (see `config_problem`) and the file is
    // linted with the defaults, as the last good state is not known.
    let mut config_error = None;
    // As `moat check`: the nearest `.moat.toml`, else the user-level configuration.
    let found = crate::config::find(&path)
        .map(|c| crate::config::load_found(&c, &[]))
        .or_else(|| crate::config::user_config().map(|p| crate::config::load(&p)));
    let settings = match found {
        Some(Ok(loaded)) => {
            let exclude = loaded.exclusions(&[], &[]);
            let config_path = loaded.path.clone().unwrap_or_default();
            let mut settings = Settings::from_config(loaded);
            match exclude {
                Ok(e) => settings.exclude = e,
                Err(message) => {
                    config_error = Some(crate::config::ConfigError {
                        path: config_path,
                        line: 1,
                        column: 1,
                        message,
                    })
                }
            }
            settings
        }
        Some(Err(e)) => {
            config_error = Some(e);
            Settings::default()
        }
        None => Settings::default(),
    };
    // An excluded file is not linted in the editor either (ruff's server does the same).
    if settings.excludes(&path) {
        let display = path.display().to_string();
        return Document {
            diagnostics: Vec::new(),
            file: SourceFile::new(path, display, text, 0),
            config_error,
        };
    }
    let body = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
    let bom = text.len() - body.len();
    let display = path.display().to_string();
    let file = SourceFile::new(path.clone(), display, body, bom);
    let mut diagnostics = Vec::new();
    let kind = match classify::classify(&path, &file.text, settings.kind_for(&path)) {
        classify::Classified::Kind(k) => Some(k),
        _ => None,
    };
    if let Some(kind) = kind {
        crate::lint_source(
            engine,
            &settings,
            &crate::model::related::Related::new(settings.roots.clone()),
            &file,
            kind,
            0,
            &mut diagnostics,
            &mut Vec::new(),
        );
        crate::suppress::apply(&file, 0, &mut diagnostics, false);
        diagnostics.retain(|d| {
            settings.selects(&engine.rules, &path, d) == crate::settings::Selection::Shown
        });
        for d in &mut diagnostics {
            if let Some(s) = settings.severity_override(d) {
                d.severity = s;
            }
        }
        crate::drop_superseded(&engine.rules, &mut diagnostics);
    }
    Document {
        diagnostics,
        file,
        config_error,
    }
}

/// LSP positions count UTF-16 code units by default.
fn position(file: &SourceFile, offset: usize) -> lsp::Position {
    let p = file.position(offset);
    let line_start = file.line_span(p.line).start;
    let end =
        crate::source::floor_char_boundary(&file.text, offset.min(file.text.len())).max(line_start);
    let character = file.text[line_start..end].encode_utf16().count();
    lsp::Position {
        line: (p.line - 1) as u32,
        character: character as u32,
    }
}

fn range(file: &SourceFile, span: crate::source::Span) -> lsp::Range {
    lsp::Range {
        start: position(file, span.start),
        end: position(file, span.end),
    }
}

fn to_lsp(uri: &lsp::Uri, file: &SourceFile, d: &Diagnostic) -> lsp::Diagnostic {
    let severity = match d.severity {
        Severity::Critical | Severity::High => lsp::DiagnosticSeverity::ERROR,
        Severity::Medium => lsp::DiagnosticSeverity::WARNING,
        Severity::Low => lsp::DiagnosticSeverity::INFORMATION,
        Severity::Info => lsp::DiagnosticSeverity::HINT,
    };
    // The rule's page (`moat explain`'s text, generated into docs/rules/).
    let href = crate::docs::rule_url(&d.rule).parse::<lsp::Uri>().ok();
    let message = match &d.help {
        Some(h) => format!("{}\n{h}", d.message),
        None => d.message.clone(),
    };
    lsp::Diagnostic {
        range: range(file, d.span),
        severity: Some(severity),
        code: Some(lsp::NumberOrString::String(d.rule.to_string())),
        code_description: href.map(|href| lsp::CodeDescription { href }),
        source: Some("moat".into()),
        message,
        related_information: (!d.labels.is_empty()).then(|| {
            d.labels
                .iter()
                .map(|l| lsp::DiagnosticRelatedInformation {
                    location: lsp::Location {
                        uri: uri.clone(),
                        range: range(file, l.span),
                    },
                    message: l.message.clone(),
                })
                .collect()
        }),
        tags: None,
        data: None,
    }
}

fn publish(connection: &Connection, uri: &lsp::Uri, doc: &Document) -> Result<(), String> {
    let params = lsp::PublishDiagnosticsParams {
        uri: uri.clone(),
        diagnostics: doc
            .diagnostics
            .iter()
            .map(|d| to_lsp(uri, &doc.file, d))
            .collect(),
        version: None,
    };
    send_notification::<lsp::notification::PublishDiagnostics>(connection, params)
}

fn send_notification<N: lsp::notification::Notification>(
    connection: &Connection,
    params: N::Params,
) -> Result<(), String> {
    let n = Notification::new(N::METHOD.to_string(), params);
    connection
        .sender
        .send(Message::Notification(n))
        .map_err(|e| e.to_string())
}

// lsp-types' `WorkspaceEdit::changes` is keyed by `Uri`; we only build it, never mutate keys.
#[allow(clippy::mutable_key_type)]
fn handle_request(req: &Request, docs: &HashMap<String, Document>) -> Response {
    if req.method != lsp::request::CodeActionRequest::METHOD {
        return Response::new_err(
            req.id.clone(),
            lsp_server::ErrorCode::MethodNotFound as i32,
            format!("unsupported: {}", req.method),
        );
    }
    let params: lsp::CodeActionParams = match serde_json::from_value(req.params.clone()) {
        Ok(p) => p,
        Err(e) => {
            return Response::new_err(
                req.id.clone(),
                lsp_server::ErrorCode::InvalidParams as i32,
                e.to_string(),
            )
        }
    };
    let mut actions: Vec<lsp::CodeActionOrCommand> = Vec::new();
    if let Some(doc) = docs.get(params.text_document.uri.as_str()) {
        for d in &doc.diagnostics {
            let r = range(&doc.file, d.span);
            let overlaps = r.start <= params.range.end && params.range.start <= r.end;
            if !overlaps {
                continue;
            }
            // The fix first: editors offer the first quick fix as the default.
            let Some(fix) = &d.fix else {
                actions.extend(suppressions(&params.text_document.uri, doc, d));
                continue;
            };
            let edits: Vec<lsp::TextEdit> = fix
                .edits
                .iter()
                .map(|e| lsp::TextEdit {
                    range: range(&doc.file, e.span),
                    new_text: e.replacement.clone(),
                })
                .collect();
            let mut changes = HashMap::new();
            changes.insert(params.text_document.uri.clone(), edits);
            let safety = match fix.applicability {
                Applicability::Safe => "",
                Applicability::Unsafe => " (unsafe: changes behaviour)",
            };
            actions.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title: format!("{}: {}{safety}", d.rule, fix.description),
                kind: Some(lsp::CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![to_lsp(&params.text_document.uri, &doc.file, d)]),
                edit: Some(lsp::WorkspaceEdit {
                    changes: Some(changes),
                    ..Default::default()
                }),
                is_preferred: Some(fix.applicability == Applicability::Safe),
                ..Default::default()
            }));
            actions.extend(suppressions(&params.text_document.uri, doc, d));
        }
    }
    Response::new_ok(req.id.clone(), actions)
}

/// What a suppression written by a code action says after its rule: a reason must be given,
/// and this placeholder is there to be replaced.
pub const REASON_PLACEHOLDER: &str = "TODO: why this finding does not apply";

/// "Ignore here" and "ignore in this file" for a finding moat can suppress (rules, and input
/// problems but for parse errors, which a comment cannot reach).
// `WorkspaceEdit::changes` is keyed by lsp-types' `Uri`, which clippy calls mutable.
#[allow(clippy::mutable_key_type)]
fn suppressions(uri: &lsp::Uri, doc: &Document, d: &Diagnostic) -> Vec<lsp::CodeActionOrCommand> {
    if &*d.rule == crate::diagnostic::PARSE_ERROR || &*d.rule == crate::diagnostic::SKIPPED {
        return Vec::new();
    }
    let text = &doc.file.text;
    // The line above the finding, indented like it: a comment at the end of the line is not
    // one in every format (a Dockerfile `RUN` would run it, an env value would contain it).
    let line = doc.file.position(d.span.start).line;
    let line_span = doc.file.line_span(line);
    let indent: String = text[line_span.start..line_span.end]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let here = format!(
        "{indent}# moat: ignore[{}] {REASON_PLACEHOLDER}{newline}",
        d.rule
    );
    // The top of the file, after what must stay first: a `#!` line, and a Dockerfile's parser
    // directives (`# syntax=`, `# escape=`, `# check=`), which a comment before would disable.
    let mut top = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        let t = l.trim().to_ascii_lowercase();
        let directive = [
            "# syntax=",
            "# escape=",
            "# check=",
            "#syntax=",
            "#escape=",
            "#check=",
        ]
        .iter()
        .any(|p| t.starts_with(p));
        if (i == 0 && t.starts_with("#!")) || directive {
            top += l.len();
        } else {
            break;
        }
    }
    let in_file = format!(
        "# moat: ignore-file[{}] {REASON_PLACEHOLDER}{newline}",
        d.rule
    );
    [
        (
            format!("{}: ignore this finding here", d.rule),
            line_span.start,
            here,
        ),
        (format!("{}: ignore in this file", d.rule), top, in_file),
    ]
    .into_iter()
    .map(|(title, at, new_text)| {
        let at = position(&doc.file, at);
        let mut changes = HashMap::new();
        changes.insert(
            uri.clone(),
            vec![lsp::TextEdit {
                range: lsp::Range { start: at, end: at },
                new_text,
            }],
        );
        lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
            title,
            kind: Some(lsp::CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![to_lsp(uri, &doc.file, d)]),
            edit: Some(lsp::WorkspaceEdit {
                changes: Some(changes),
                ..Default::default()
            }),
            is_preferred: Some(false),
            ..Default::default()
        })
    })
    .collect()
}
