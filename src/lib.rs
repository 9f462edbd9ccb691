//! moat: a configuration-hardening linter for self-hosted AI serving stacks.
//!
//! The pipeline, one module per stage: discover → classify → parse → model → rules →
//! diagnostics → filter → fix / report. `check` runs it; `main.rs` only maps the result to
//! an exit code.

pub mod advisory;
pub mod baseline;
pub mod classify;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod docs;
pub mod embedded;
pub mod facts;
pub mod files;
pub mod fix;
pub mod inventory;
pub mod lsp;
pub mod model;
pub mod parse;
pub mod report;
pub mod rules;
pub mod settings;
pub mod source;
pub mod suppress;

use classify::FileKind;
use diagnostic::{Diagnostic, Severity, PARSE_ERROR, SKIPPED};
use model::nodes::{self, Node};
use model::related::Related;
use rayon::prelude::*;
use rules::eval::{Engine, EvalError};
use rules::load::Rule;
use settings::Settings;
use source::{SourceFile, Span};
use std::path::{Path, PathBuf};

/// Files larger than this are reported and skipped (see `files`).
pub use files::MAX_FILE_BYTES;

/// Everything one run produced.
#[derive(Debug, Default)]
pub struct Report {
    pub files: Vec<SourceFile>,
    pub diagnostics: Vec<Diagnostic>,
    /// I/O problems (unreadable file, walk errors): reported, and the run exits 2.
    pub io_errors: Vec<String>,
    /// Rules that failed to evaluate (bugs in a rule), reported once each.
    pub rule_errors: Vec<EvalError>,
    /// Findings not reported because their rule is outside the default set and nothing
    /// selected it: (rule id, name) → count. What `--select ALL` would add, for the note
    /// that says so; not findings, so they count for no exit code.
    pub hidden: Hidden,
}

/// Findings left out for being outside the default set, per (rule id, name).
pub type Hidden = std::collections::BTreeMap<(std::sync::Arc<str>, std::sync::Arc<str>), usize>;

impl Report {
    /// Findings at or above the `fail-on` of the configuration that governs their file.
    pub fn count_failing(&self, settings: &Settings) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity >= settings.for_path(&self.files[d.file].path).fail_on)
            .count()
    }
}

/// An input to lint: a path on disk, or text from standard input under a given name.
pub enum Input {
    Paths(Vec<PathBuf>),
    /// Files a walk already found (the command line walks once, for its configurations too).
    Walked(discover::Walk),
    Text {
        name: PathBuf,
        text: Vec<u8>,
    },
}

#[derive(Debug)]
pub enum Error {
    Discover(discover::DiscoverError),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Discover(e) => e.fmt(f),
        }
    }
}

struct Pending {
    path: PathBuf,
    explicit: bool,
    bytes: Option<Vec<u8>>,
}

/// Files linted per batch. Output is written and memory released batch by batch, so peak
/// memory follows the batch (a few MB of configuration), not the whole tree.
pub const BATCH_FILES: usize = 256;

/// Lint the inputs and return everything at once (tests, the language server, inventories).
pub fn check(engine: &Engine, settings: &Settings, input: Input) -> Result<Report, Error> {
    let mut all = Report::default();
    check_batches(engine, settings, input, |batch| all.append(batch))?;
    Ok(all)
}

/// Lint the inputs: discover, read and classify files, then parse, model and evaluate rules
/// per file in parallel, in batches of files in path order. Each batch comes back filtered
/// and sorted; concatenated, the batches are sorted too. Discovery notes ride on the first.
pub fn check_batches(
    engine: &Engine,
    settings: &Settings,
    input: Input,
    mut each: impl FnMut(Report),
) -> Result<(), Error> {
    let mut notes = Vec::new();
    let mut pending: Vec<(String, Pending)> = match input {
        Input::Paths(paths) => walked(
            discover::discover(&paths, settings.no_ignore).map_err(Error::Discover)?,
            &mut notes,
        ),
        Input::Walked(walk) => walked(walk, &mut notes),
        Input::Text { name, text } => vec![(
            display_path(&name),
            Pending {
                path: name,
                explicit: true,
                bytes: Some(text),
            },
        )],
    };
    pending.sort_by(|a, b| a.0.cmp(&b.0));
    let related = &Related::new(settings.roots.clone());
    let mut batches: Vec<Vec<Pending>> = Vec::new();
    let mut pending = pending.into_iter().map(|(_, p)| p).peekable();
    while batches.is_empty() || pending.peek().is_some() {
        batches.push(pending.by_ref().take(BATCH_FILES).collect());
    }
    // The next batch is linted while the caller reports the last one: reporting is serial,
    // and the cores would otherwise wait for it. At most two batches are alive at a time.
    if let [_] = batches.as_slice() {
        // Nothing to overlap: no thread to start.
        let batch = batches.pop().unwrap_or_default();
        let mut report = lint_batch(engine, settings, related, batch);
        report.io_errors.splice(0..0, notes);
        each(report);
        return Ok(());
    }
    std::thread::scope(|scope| {
        let (done, reports) = std::sync::mpsc::sync_channel(0);
        scope.spawn(move || {
            for batch in batches {
                if done
                    .send(lint_batch(engine, settings, related, batch))
                    .is_err()
                {
                    break;
                }
            }
        });
        for (i, mut report) in reports.into_iter().enumerate() {
            if i == 0 {
                report.io_errors.splice(0..0, std::mem::take(&mut notes));
            }
            each(report);
        }
    });
    Ok(())
}

/// A walk's files to read, keyed by display path; its notes go to `notes`.
fn walked(walk: discover::Walk, notes: &mut Vec<String>) -> Vec<(String, Pending)> {
    *notes = walk.notes;
    walk.candidates
        .into_iter()
        .map(|c| {
            let p = Pending {
                path: c.path,
                explicit: c.explicit,
                bytes: None,
            };
            (display_path(&p.path), p)
        })
        .collect()
}

impl Report {
    /// Append a later batch: its file indices move past this report's files.
    pub fn append(&mut self, mut later: Report) {
        let offset = self.files.len();
        for d in &mut later.diagnostics {
            d.file += offset;
            for l in &mut d.labels {
                l.file += offset;
            }
            if let Some(f) = &mut d.fix {
                for e in &mut f.edits {
                    e.file += offset;
                }
            }
        }
        self.files.append(&mut later.files);
        self.diagnostics.append(&mut later.diagnostics);
        self.io_errors.append(&mut later.io_errors);
        self.rule_errors.append(&mut later.rule_errors);
        for (rule, n) in later.hidden {
            *self.hidden.entry(rule).or_default() += n;
        }
    }
}

fn lint_batch(
    engine: &Engine,
    settings: &Settings,
    related: &Related,
    pending: Vec<Pending>,
) -> Report {
    let mut report = Report::default();
    // One file (an editor, a hook on one commit) is linted on this thread: starting the
    // thread pool would cost more than it saves.
    let results: Vec<Option<FileResult>> = if pending.len() == 1 {
        pending
            .into_iter()
            .map(|p| lint_pending(engine, settings, related, p))
            .collect()
    } else {
        pending
            .into_par_iter()
            .map(|p| lint_pending(engine, settings, related, p))
            .collect()
    };
    for r in results.into_iter().flatten() {
        let index = report.files.len();
        report.io_errors.extend(r.io_error);
        if let Some(source) = r.source {
            report.files.push(source);
            report
                .diagnostics
                .extend(r.diagnostics.into_iter().map(|mut d| {
                    d.file = index;
                    for l in &mut d.labels {
                        l.file = index;
                    }
                    if let Some(f) = &mut d.fix {
                        for e in &mut f.edits {
                            e.file = index;
                        }
                    }
                    d
                }));
        }
        report.rule_errors.extend(r.rule_errors);
    }
    let file_settings: Vec<&Settings> = report
        .files
        .iter()
        .map(|f| settings.for_path(&f.path))
        .collect();
    let files = &report.files;
    let mut hidden = Vec::new();
    report.diagnostics = std::mem::take(&mut report.diagnostics)
        .into_iter()
        .filter_map(|d| {
            match file_settings[d.file].selects(&engine.rules, &files[d.file].path, &d) {
                settings::Selection::Shown => Some(d),
                settings::Selection::OutsideDefault => {
                    hidden.push(d);
                    None
                }
                settings::Selection::Deselected => None,
            }
        })
        .collect();
    for d in &mut report.diagnostics {
        if let Some(s) = file_settings[d.file].severity_override(d) {
            d.severity = s;
        }
    }
    drop_superseded(&engine.rules, &mut report.diagnostics);
    report.hidden = count_hidden(&engine.rules, &report.diagnostics, hidden);
    sort(&mut report);
    report
}

/// Per rule, the findings of `hidden` that `--select ALL` would report: those a refining
/// finding (shown or hidden) at the same place does not replace.
fn count_hidden(rules: &[Rule], shown: &[Diagnostic], hidden: Vec<Diagnostic>) -> Hidden {
    let mut counts = Hidden::new();
    if hidden.is_empty() {
        return counts;
    }
    let mut replaced: std::collections::HashSet<(usize, Span, &str)> =
        std::collections::HashSet::new();
    for d in shown.iter().chain(&hidden) {
        if let Some(r) = rules.iter().find(|r| r.id == d.rule) {
            for s in &r.supersedes {
                replaced.insert((d.file, d.span, s));
            }
        }
    }
    for d in &hidden {
        if !replaced.contains(&(d.file, d.span, &*d.rule)) {
            *counts.entry((d.rule.clone(), d.name.clone())).or_insert(0) += 1;
        }
    }
    counts
}

/// Where a rule and a rule it `supersedes` fire at the same place, keep only the refined
/// one, and give it the generic one's fix when it has none. Runs after selection, so
/// ignoring the refined rule brings the generic one back.
pub fn drop_superseded(rules: &[Rule], diagnostics: &mut Vec<Diagnostic>) {
    let refining = |d: &Diagnostic| {
        rules
            .iter()
            .find(|r| r.id == d.rule)
            .map_or(&[][..], |r| &r.supersedes[..])
    };
    // (file, span, superseded rule) -> index of the refining diagnostic.
    let mut superseded: std::collections::HashMap<(usize, Span, &str), usize> =
        std::collections::HashMap::new();
    for (i, d) in diagnostics.iter().enumerate() {
        for s in refining(d) {
            superseded.entry((d.file, d.span, &**s)).or_insert(i);
        }
    }
    if superseded.is_empty() {
        return;
    }
    let mut moved_fixes = Vec::new();
    let mut keep = vec![true; diagnostics.len()];
    for (i, d) in diagnostics.iter().enumerate() {
        if let Some(&by) = superseded.get(&(d.file, d.span, &*d.rule)) {
            keep[i] = false;
            if diagnostics[by].fix.is_none() {
                if let Some(f) = &d.fix {
                    moved_fixes.push((by, f.clone()));
                }
            }
        }
    }
    for (by, fix) in moved_fixes {
        diagnostics[by].fix.get_or_insert(fix);
    }
    let mut i = 0;
    diagnostics.retain(|_| {
        i += 1;
        keep[i - 1]
    });
}

fn sort(report: &mut Report) {
    let files = &report.files;
    report.diagnostics.sort_by(|a, b| {
        (&files[a.file].display, a.span.start, &a.rule).cmp(&(
            &files[b.file].display,
            b.span.start,
            &b.rule,
        ))
    });
}

struct FileResult {
    source: Option<SourceFile>,
    diagnostics: Vec<Diagnostic>,
    io_error: Option<String>,
    rule_errors: Vec<EvalError>,
}

fn display_path(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let rel = cwd
        .as_deref()
        .and_then(|c| path.strip_prefix(c).ok())
        .unwrap_or(path);
    rel.to_string_lossy().replace('\\', "/")
}

fn lint_pending(
    engine: &Engine,
    settings: &Settings,
    related: &Related,
    p: Pending,
) -> Option<FileResult> {
    let settings = settings.for_path(&p.path);
    let mapped = settings.kind_for(&p.path);
    let named = mapped.is_some() || classify::by_name(&p.path).is_some();
    if !named && !classify::worth_sniffing(&p.path, p.explicit) {
        return None;
    }
    let display = display_path(&p.path);
    let bytes = match p.bytes {
        Some(b) => b,
        None => match files::read(&p.path, MAX_FILE_BYTES) {
            Ok(b) => b,
            Err(files::ReadError::TooLarge { size, .. }) => {
                return Some(note(&p.path, display, format!("skipped: {size} bytes is over the {MAX_FILE_BYTES}-byte limit for a configuration file")));
            }
            // Deleted between the walk and the read: nothing to lint, nothing wrong.
            Err(e) if e.is_not_found() && !p.explicit => {
                return Some(note(
                    &p.path,
                    display,
                    "skipped: the file disappeared while moat ran".into(),
                ));
            }
            Err(e) => {
                return Some(FileResult {
                    source: None,
                    diagnostics: Vec::new(),
                    io_error: Some(format!("{display}: cannot read: {e}")),
                    rule_errors: Vec::new(),
                })
            }
        },
    };
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Some(note(&p.path, display, format!("skipped: {} bytes is over the {MAX_FILE_BYTES}-byte limit for a configuration file", bytes.len())));
    }
    let (text, bom_len) = match decode(&bytes) {
        Ok(t) => t,
        Err(why) => {
            // Only report what we would have linted; an unnamed binary file is not ours.
            if named || p.explicit {
                return Some(note(&p.path, display, format!("skipped: {why}")));
            }
            return None;
        }
    };
    let kind = match classify::classify(&p.path, &text, mapped) {
        classify::Classified::Kind(k) => k,
        classify::Classified::Unsure(why) if p.explicit => {
            return Some(note(&p.path, display, format!("skipped: {why}")));
        }
        classify::Classified::NotOurs if p.explicit => {
            return Some(note(&p.path, display, "skipped: not a file kind moat knows (name it by convention or map it in `[kinds]`)".into()));
        }
        _ => return None,
    };
    let source = SourceFile::new(p.path.clone(), display, text, bom_len);
    let mut diagnostics = Vec::new();
    let mut rule_errors = Vec::new();
    if source.text.trim().is_empty() {
        diagnostics.push(Diagnostic::input_problem(
            SKIPPED,
            Severity::Info,
            0,
            Span::default(),
            "empty file: nothing to lint".into(),
        ));
    } else {
        lint_source(
            engine,
            settings,
            related,
            &source,
            kind,
            0,
            &mut diagnostics,
            &mut rule_errors,
        );
        suppress::apply(&source, 0, &mut diagnostics, settings.report_unused_ignores);
    }
    Some(FileResult {
        source: Some(source),
        diagnostics,
        io_error: None,
        rule_errors,
    })
}

fn note(path: &Path, display: String, message: String) -> FileResult {
    FileResult {
        source: Some(SourceFile::new(
            path.to_path_buf(),
            display,
            String::new(),
            0,
        )),
        diagnostics: vec![Diagnostic::input_problem(
            SKIPPED,
            Severity::Info,
            0,
            Span::default(),
            message,
        )],
        io_error: None,
        rule_errors: Vec::new(),
    }
}

/// UTF-8 text, BOM stripped. Anything else is named, not guessed at.
fn decode(bytes: &[u8]) -> Result<(String, usize), String> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err("UTF-16 text; moat reads UTF-8 (convert the file)".into());
    }
    let (body, bom) = match bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        Some(rest) => (rest, 3),
        None => (bytes, 0),
    };
    if body.contains(&0) {
        return Err("binary file (contains NUL bytes)".into());
    }
    match std::str::from_utf8(body) {
        Ok(s) => Ok((s.to_string(), bom)),
        Err(e) => Err(format!(
            "not valid UTF-8 (first bad byte at offset {})",
            e.valid_up_to() + bom
        )),
    }
}

/// Parse, model and evaluate one file that is already read and classified. Diagnostics carry
/// `file` as given; callers renumber.
/// `related` reads the files this one names, once per run (`model::related`).
#[allow(clippy::too_many_arguments)]
pub fn lint_source(
    engine: &Engine,
    settings: &Settings,
    related: &Related,
    source: &SourceFile,
    kind: FileKind,
    file: usize,
    out: &mut Vec<Diagnostic>,
    errors: &mut Vec<EvalError>,
) {
    let first = out.len();
    let first_error = errors.len();
    let related = related.joiner();
    let mut node_list: Vec<Node> = Vec::new();
    let mut evaluated = Evaluated::default();
    let facts = nodes::file_facts_with(&source.display, kind.name(), &settings.trusted_registries);
    match kind {
        FileKind::Dockerfile => match parse::dockerfile::parse(&source.text) {
            Ok(df) => {
                let expansion = model::interpolate::Expansion::default();
                let stem = source
                    .path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("Dockerfile");
                if let Some(mut service) =
                    model::dockerfile::service_from_dockerfile(&df, &source.text, stem, &expansion)
                {
                    service.declared_in = Some(source.path.clone());
                    service.component = model::component::identify(
                        service.image.as_ref(),
                        service.command.as_ref(),
                        service.entrypoint.as_ref(),
                    );
                    nodes::service_nodes(&service, file, &facts, &related, &mut node_list);
                }
                nodes::dockerfile_nodes(
                    &df,
                    &source.text,
                    file,
                    &facts,
                    &expansion,
                    &mut node_list,
                );
                if let Some((span, stop)) = expansion.stopped() {
                    out.push(Diagnostic::input_problem(
                        SKIPPED,
                        Severity::Info,
                        file,
                        span,
                        stop.describe(),
                    ));
                }
            }
            Err(e) => out.push(parse_error(file, e.span, &e.message)),
        },
        FileKind::Compose => match parse::yaml::parse_documents(&source.text) {
            Ok(docs) => {
                for doc in docs.iter().filter(|d| !d.is_null()) {
                    let (mut services, problems) =
                        model::compose::services_from_compose(&source.text, doc);
                    for p in problems {
                        out.push(parse_error(file, p.span, &p.message));
                    }
                    for s in &mut services {
                        s.declared_in = Some(source.path.clone());
                        s.component = model::component::identify(
                            s.image.as_ref(),
                            s.command.as_ref(),
                            s.entrypoint.as_ref(),
                        );
                        nodes::service_nodes(s, file, &facts, &related, &mut node_list);
                        if node_list.len() >= Evaluated::CHUNK {
                            evaluated.flush(engine, source, kind, &mut node_list, out, errors);
                        }
                    }
                }
            }
            Err(e) => out.push(parse_error(file, e.span, &e.message)),
        },
        other => {
            let ctx = nodes::FileCtx {
                source,
                file,
                file_facts: &facts,
                related: &related,
            };
            let reader = match other {
                FileKind::RedisConf => model::redis::file_nodes,
                FileKind::Env => model::envfile::file_nodes,
                FileKind::Systemd => model::systemd::file_nodes,
                FileKind::NvidiaToml => model::nvidia::file_nodes,
                FileKind::Kubernetes => model::kubernetes::file_nodes,
                FileKind::HelmValues => model::helm::file_nodes,
                FileKind::Dockerfile | FileKind::Compose => unreachable!("handled above"),
            };
            for p in reader(&ctx, &mut node_list) {
                out.push(parse_error(file, p.span, &p.message));
            }
        }
    }
    // Where related files were refused or moat stopped following them, said at the reference.
    for (span, message) in related.take_notes() {
        out.push(Diagnostic::input_problem(
            SKIPPED,
            Severity::Info,
            file,
            span,
            message,
        ));
    }
    evaluated.flush(engine, source, kind, &mut node_list, out, errors);
    for e in &mut errors[first_error..] {
        let p = source.position(clamp(&source.text, e.span).start);
        e.place = format!("{}:{}:{}", source.display, p.line, p.column);
    }
    // Spans come from several parsers; whatever they say, what leaves here is inside the text
    // and on character boundaries, so no reporter or fix can slice a character in half.
    for d in out.iter_mut().skip(first) {
        d.span = clamp(&source.text, d.span);
        for l in &mut d.labels {
            l.span = clamp(&source.text, l.span);
        }
        // A lone `\r` is a line break to editors and to moat's line numbers, but a blank
        // between arguments to Redis (which splits at `\n` only): an edit across one would
        // delete what the user sees as another line. Such a fix is withheld; the finding stays.
        if d.fix
            .as_ref()
            .is_some_and(|f| f.edits.iter().any(|e| has_lone_cr(&source.text, e.span)))
        {
            d.fix = None;
        }
    }
    one_finding_per_place(out, first);
}

/// A file's nodes are evaluated a chunk at a time, between services, and dropped: a file of
/// 30,000 Compose services held every node and its facts until the rules had run.
#[derive(Default)]
struct Evaluated {
    /// The spans of the component nodes evaluated so far: a later one at the same place is
    /// the same occurrence (`nodes::dedup_components`).
    components: std::collections::HashSet<Vec<Span>>,
}

impl Evaluated {
    /// Nodes gathered before a chunk is evaluated: a few services' worth.
    const CHUNK: usize = 4096;

    fn flush(
        &mut self,
        engine: &Engine,
        source: &SourceFile,
        kind: FileKind,
        node_list: &mut Vec<Node>,
        out: &mut Vec<Diagnostic>,
        errors: &mut Vec<EvalError>,
    ) {
        nodes::dedup_components(node_list, &mut self.components);
        if let Some(observe) = &engine.observer {
            observe(source, node_list);
        }
        engine.evaluate(kind, node_list, out, errors);
        node_list.clear();
    }
}

/// One cause, one finding: models reach one setting through several paths (a Helm chart's
/// blocks sharing its root `image:`, a YAML anchor merged into six services), and a rule that
/// fires at the same place more than once says it once. The first finding stays; the others
/// add their labels (where each path reaches the setting) to it.
fn one_finding_per_place(out: &mut Vec<Diagnostic>, first: usize) {
    let mut at: std::collections::HashMap<(std::sync::Arc<str>, Span), usize> =
        std::collections::HashMap::new();
    let mut keep = vec![true; out.len() - first];
    for i in first..out.len() {
        let key = (out[i].rule.clone(), out[i].span);
        match at.get(&key) {
            Some(&kept) => {
                keep[i - first] = false;
                let labels = std::mem::take(&mut out[i].labels);
                for l in labels {
                    if !out[kept]
                        .labels
                        .iter()
                        .any(|k| k.span == l.span && k.message == l.message)
                    {
                        out[kept].labels.push(l);
                    }
                }
            }
            None => {
                at.insert(key, i);
            }
        }
    }
    let mut index = 0;
    out.retain(|_| {
        index += 1;
        index <= first || keep[index - first - 1]
    });
}

/// Whether `span` of `text` holds a `\r` not followed by `\n`.
fn has_lone_cr(text: &str, span: Span) -> bool {
    let bytes = text.as_bytes();
    let end = span.end.min(bytes.len());
    (span.start.min(end)..end).any(|i| bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
}

fn clamp(text: &str, span: Span) -> Span {
    let start = source::floor_char_boundary(text, span.start.min(text.len()));
    let end = source::floor_char_boundary(text, span.end.clamp(start, text.len()));
    Span::new(start, end)
}

fn parse_error(file: usize, span: Span, message: &str) -> Diagnostic {
    Diagnostic::input_problem(PARSE_ERROR, Severity::High, file, span, message.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(path: &Path, explicit: bool) -> Option<FileResult> {
        let engine = Engine::new(Vec::new());
        let p = Pending {
            path: path.to_path_buf(),
            explicit,
            bytes: None,
        };
        lint_pending(&engine, &Settings::default(), &Related::default(), p)
    }

    // A walked file that is gone by the time it is read (a branch switch, a build cleaning up)
    // is a note, not an error; a path the user named that does not exist is an error.
    #[test]
    fn a_file_deleted_during_the_walk_is_a_note() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("compose.yaml");
        let walked = pending(&gone, false).expect("a result");
        assert!(walked.io_error.is_none());
        let d = &walked.diagnostics[0];
        assert_eq!(&*d.rule, SKIPPED);
        assert!(d.message.contains("disappeared"), "{}", d.message);
        let named = pending(&gone, true).expect("a result");
        assert!(named.io_error.expect("an error").contains("cannot read"));
    }
}
