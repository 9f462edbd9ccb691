//! Reporters: each renders a batch of a run's `Report`; adding a format is one module and
//! one arm per `Stream` method.

pub mod concise;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use crate::diagnostic::Severity;
use crate::rules::load::Rule;
use crate::source::SourceFile;
use crate::Report;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Concise,
    Json,
    Sarif,
    Github,
}

/// Counts over a whole run, for what is printed after the last batch.
#[derive(Debug, Default, Clone, Copy)]
pub struct Totals {
    pub files: usize,
    /// Indexed like `Severity::ALL`.
    pub by_severity: [usize; 5],
    /// Findings with a safe fix, and with an unsafe one.
    pub safe_fixes: usize,
    pub unsafe_fixes: usize,
}

impl Totals {
    pub fn add(&mut self, report: &Report) {
        self.files += report.files.len();
        for d in &report.diagnostics {
            if let Some(i) = Severity::ALL.iter().position(|s| *s == d.severity) {
                self.by_severity[i] += 1;
            }
            match d.fix.as_ref().map(|f| f.applicability) {
                Some(crate::diagnostic::Applicability::Safe) => self.safe_fixes += 1,
                Some(crate::diagnostic::Applicability::Unsafe) => self.unsafe_fixes += 1,
                None => {}
            }
        }
    }

    pub fn diagnostics(&self) -> usize {
        self.by_severity.iter().sum()
    }

    pub fn count(&self, severity: Severity) -> usize {
        Severity::ALL
            .iter()
            .position(|s| *s == severity)
            .map_or(0, |i| self.by_severity[i])
    }
}

/// A run rendered batch by batch, so that output (and memory) does not wait for the whole
/// tree: `header`, then `batch` for each report in path order, then `finish`.
pub struct Stream<'a> {
    format: Format,
    rules: &'a [Rule],
    color: bool,
    width: usize,
    totals: Totals,
    project_root: Option<sarif::ProjectRoot>,
    sarif_results: bool,
    sarif_notifications: Vec<serde_json::Value>,
}

impl<'a> Stream<'a> {
    pub fn new(format: Format, rules: &'a [Rule], color: bool) -> Self {
        Stream {
            format,
            rules,
            color,
            width: human::DEFAULT_WIDTH,
            totals: Totals::default(),
            project_root: None,
            sarif_results: false,
            sarif_notifications: Vec::new(),
        }
    }

    /// The folder SARIF paths are relative to (default: `ProjectRoot::find(None)`).
    pub fn project_root(mut self, root: sarif::ProjectRoot) -> Self {
        self.project_root = Some(root);
        self
    }

    fn root(&mut self) -> &sarif::ProjectRoot {
        self.project_root.get_or_insert_with(|| {
            sarif::ProjectRoot::find(None).unwrap_or_else(|_| sarif::ProjectRoot::as_given())
        })
    }

    /// The width human output wraps at.
    pub fn width(mut self, width: usize) -> Self {
        self.width = width;
        self
    }

    /// Count a batch without rendering it (`--statistics`).
    pub fn count(&mut self, report: &Report) {
        self.totals.add(report);
    }

    pub fn totals(&self) -> &Totals {
        &self.totals
    }

    pub fn header(&self) -> String {
        match self.format {
            Format::Json => json::header(),
            Format::Sarif => sarif::header(),
            Format::Human | Format::Concise | Format::Github => String::new(),
        }
    }

    pub fn batch(&mut self, report: &Report) -> String {
        let first = self.totals.diagnostics() == 0;
        self.totals.add(report);
        match self.format {
            Format::Human => human::render(report, self.rules, self.color, self.width),
            Format::Concise => concise::render(report),
            Format::Json => json::batch(report, first),
            Format::Sarif => {
                let first = !self.sarif_results;
                let rules = self.rules;
                self.root();
                let root = self.project_root.as_ref().expect("set above");
                let (text, any) =
                    sarif::batch(report, rules, root, first, &mut self.sarif_notifications);
                self.sarif_results |= any;
                text
            }
            Format::Github => github::render(report),
        }
    }

    pub fn finish(&mut self) -> String {
        match self.format {
            Format::Json => json::footer(&self.totals),
            Format::Sarif => {
                self.root();
                let root = self.project_root.as_ref().expect("set above");
                sarif::footer(
                    self.rules,
                    root,
                    self.sarif_results,
                    &self.sarif_notifications,
                )
            }
            Format::Human | Format::Concise | Format::Github => String::new(),
        }
    }
}

/// The one line that ends every run: files checked, findings by severity, how many a fix
/// would settle. Human output prints it after the report, other formats on standard error.
pub fn summary(totals: &Totals) -> String {
    if totals.diagnostics() == 0 {
        return format!(
            "moat: {} file(s) checked, no problems found\n",
            totals.files
        );
    }
    let parts: Vec<String> = Severity::ALL
        .iter()
        .map(|s| (s, totals.count(*s)))
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let fixable = match (totals.safe_fixes, totals.unsafe_fixes) {
        (0, 0) => String::new(),
        (safe, 0) => format!("; {safe} fixable with --fix"),
        (0, unsafe_) => format!("; {unsafe_} fixable with --fix --unsafe-fixes"),
        (safe, unsafe_) => format!(
            "; {safe} fixable with --fix ({} with --unsafe-fixes)",
            safe + unsafe_
        ),
    };
    format!(
        "moat: {} file(s) checked, {} problem(s): {}{fixable}\n",
        totals.files,
        totals.diagnostics(),
        parts.join(", ")
    )
}

/// A whole report at once.
pub fn render(format: Format, report: &Report, rules: &[Rule], color: bool) -> String {
    let mut stream = Stream::new(format, rules, color);
    let mut out = stream.header();
    out.push_str(&stream.batch(report));
    out.push_str(&stream.finish());
    if format == Format::Human {
        out.push_str(&summary(stream.totals()));
    }
    out
}

/// Pretty JSON of `value`, every line but the first indented by `indent` spaces, to nest it
/// in a document written piece by piece.
pub(crate) fn nested_json<T: serde::Serialize>(value: &T, indent: usize) -> String {
    let text = serde_json::to_string_pretty(value).expect("reports serialize");
    let pad = " ".repeat(indent);
    text.replace('\n', &format!("\n{pad}"))
}

/// Fingerprints of every finding in the report, in order, as SARIF `partialFingerprints`
/// carry them: the finding's hash (see `finding_hashes`) and its occurrence number among
/// identical ones.
pub fn fingerprints(report: &Report) -> Vec<String> {
    let hashes = finding_hashes(report, |f| f.display.clone());
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    hashes
        .iter()
        .map(|h| {
            let occurrence = seen.entry(h).or_insert(0);
            *occurrence += 1;
            format!("{h}:{}", *occurrence - 1)
        })
        .collect()
}

/// A hash per finding, in order, of what identifies it without its line: the rule, the file
/// (as `path_key` names it), the structure it sits in (`context`: the service, key path,
/// stage or section) and the text at its span. Lines added above a finding do not change it;
/// the same setting in another service does.
pub fn finding_hashes(report: &Report, path_key: impl Fn(&SourceFile) -> String) -> Vec<String> {
    // Context is read in one pass per file over the lines that have findings.
    let mut wanted: std::collections::HashMap<usize, Vec<usize>> = std::collections::HashMap::new();
    for d in &report.diagnostics {
        let f = &report.files[d.file];
        wanted
            .entry(d.file)
            .or_default()
            .push(f.position(d.span.start).line - 1);
    }
    let contexts: std::collections::HashMap<usize, std::collections::HashMap<usize, String>> =
        wanted
            .into_iter()
            .map(|(file, mut lines)| {
                lines.sort_unstable();
                lines.dedup();
                (file, context(&report.files[file].text, &lines))
            })
            .collect();
    let keys: Vec<String> = report.files.iter().map(&path_key).collect();
    report
        .diagnostics
        .iter()
        .map(|d| {
            let f = &report.files[d.file];
            let line = f.position(d.span.start).line - 1;
            let ctx = contexts
                .get(&d.file)
                .and_then(|c| c.get(&line))
                .map_or("", String::as_str);
            let mut h = Fnv::default();
            for part in [
                d.rule.as_bytes(),
                keys[d.file].as_bytes(),
                ctx.as_bytes(),
                f.slice(d.span).as_bytes(),
            ] {
                h.write(part);
                h.write(&[0]);
            }
            format!("{:016x}", h.0)
        })
        .collect()
}

/// The enclosing structure of each wanted line (0-based, ascending), read from the text alone
/// so that it works for every format: the less-indented lines that open the blocks it is in
/// (`services:` / `api:` / `ports:` in YAML, a `RUN` for its continuation lines), after the
/// Dockerfile stage (`FROM ...`) or INI/TOML section (`[Service]`) that began above it.
fn context(text: &str, wanted: &[usize]) -> std::collections::HashMap<usize, String> {
    let mut out = std::collections::HashMap::new();
    let mut next = wanted.iter().peekable();
    let mut section = String::new();
    let mut open: Vec<(usize, &str)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(&&want) = next.peek() else { break };
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let blank = trimmed.is_empty() || trimmed.starts_with('#');
        let starts_block = !blank
            && indent == 0
            && (trimmed.starts_with('[')
                || trimmed
                    .get(..5)
                    .is_some_and(|w| w.eq_ignore_ascii_case("FROM ")));
        if starts_block {
            // A stage's or section's own line belongs to it.
            section = trimmed.trim_end().to_string();
            open.clear();
        } else if !blank {
            while open.last().is_some_and(|(at, _)| *at >= indent) {
                open.pop();
            }
        }
        if i == want {
            let mut ctx = section.clone();
            for (_, opener) in &open {
                ctx.push('\u{1f}');
                ctx.push_str(opener);
            }
            out.insert(i, ctx);
            next.next();
        }
        if !blank && !starts_block {
            // A long line is a poor name for a block; its start says which it is.
            let end = crate::source::floor_char_boundary(trimmed, trimmed.len().min(120));
            open.push((indent, trimmed[..end].trim_end()));
        }
    }
    out
}

/// `a/./b/../c` as `a/c`, without touching the file system: a link in the path keeps the name
/// the user sees.
pub(crate) fn lexically_normal(path: &std::path::Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut out = std::path::PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// FNV-1a, 64 bit: stable across runs and platforms, unlike std's `DefaultHasher`.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}
