//! Loading and validating rule files: the embedded set and users' `--rule-dir` folders go
//! through the same checks, so a broken custom rule fails at load with its file and line.

use super::cel::{compile_with, Compile, Expr, Template};
use super::schema::{ExampleKind, RuleFile, RuleSet, Status};
use crate::classify::FileKind;
use crate::diagnostic::{Applicability, Severity};
use crate::embedded::Spanned;
use crate::model::nodes::NodeKind;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Folder (area) → id prefix.
pub const AREAS: &[(&str, &str)] = &[
    ("dockerfile", "DF"),
    ("compose", "DC"),
    ("kubernetes", "KS"),
    ("helm", "HV"),
    ("redis", "RD"),
    ("ollama", "OL"),
    ("chromadb", "CH"),
    ("triton", "TR"),
    ("nvidia", "NV"),
    ("advisory", "AV"),
    // Concepts over every component and format: the shared server block.
    ("server", "SV"),
    // Container hardening concepts over Compose, Kubernetes and Helm values.
    ("container", "CT"),
];

#[derive(Debug)]
pub struct Rule {
    pub id: Arc<str>,
    pub name: Arc<str>,
    pub title: String,
    pub area: String,
    pub severity: Severity,
    pub status: Status,
    /// The set the rule is in (`set` in its file): the default, or one the user opts into.
    pub set: RuleSet,
    pub since: String,
    pub cwe: Vec<String>,
    pub sources: Vec<String>,
    pub references: Arc<[String]>,
    /// Per-diagnostic references: CEL giving a list of URLs, listed before `references`.
    pub extra_references: Option<Expr>,
    pub tags: Vec<String>,
    pub node: NodeKind,
    pub kinds: Vec<FileKind>,
    pub condition: Expr,
    pub at: Vec<&'static str>,
    pub labels: Vec<CompiledLabel>,
    pub escalate: Vec<(Expr, Severity)>,
    /// Rule ids this one refines; see `drop_superseded`.
    pub supersedes: Vec<Arc<str>>,
    /// Former ids and names (`aliases` in the file).
    pub aliases: Arc<[Arc<str>]>,
    pub message: Template,
    pub help: Template,
    pub help_text: String,
    pub what: String,
    pub why: String,
    pub fix_safety: Option<String>,
    pub fix: Option<CompiledFix>,
    pub examples: Vec<super::schema::Example>,
    /// Where the rule came from: `rules/redis/RD001-….toml` or a user's path.
    pub origin: String,
}

impl Rule {
    /// Every CEL expression of the rule: condition, labels, escalations, references,
    /// message, help and fix placeholders.
    pub fn expressions(&self) -> Vec<&Expr> {
        let mut all = vec![&self.condition];
        all.extend(self.extra_references.iter());
        for l in &self.labels {
            all.extend(l.message.expressions());
            all.extend(l.when.iter());
        }
        all.extend(self.escalate.iter().map(|(e, _)| e));
        all.extend(self.message.expressions());
        all.extend(self.help.expressions());
        if let Some(fix) = &self.fix {
            all.extend(fix.description.expressions());
            all.extend(fix.when.iter());
            for (_, t) in &fix.edits {
                all.extend(t.expressions());
            }
        }
        all
    }
}

#[derive(Debug)]
pub struct CompiledLabel {
    pub at: &'static str,
    pub message: Template,
    pub when: Option<Expr>,
}

#[derive(Debug)]
pub struct CompiledFix {
    pub applicability: Applicability,
    pub description: Template,
    pub when: Option<Expr>,
    pub edits: Vec<(&'static str, Template)>,
}

/// A rule file that cannot be used, with where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub origin: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.origin, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for RuleError {}

/// `(path, TOML text, pre-parsed CBOR)` of every embedded rule file; see `crate::embedded`.
#[allow(clippy::type_complexity)]
const EMBEDDED: &[(&str, &str, Option<&[u8]>)] =
    include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));

/// One rule file to load.
struct Source {
    origin: Cow<'static, str>,
    text: Cow<'static, str>,
    /// The build's pre-parsed form of an embedded file, read instead of `text`.
    pre_parsed: Option<&'static [u8]>,
    when: Compile,
}

/// The rules shipped in the binary, decoded from their pre-parsed form, their CEL compiled
/// on first use (the content test has checked it).
pub fn embedded() -> Result<Vec<Rule>, Vec<RuleError>> {
    load_sources(embedded_sources(true))
}

/// The embedded rules read from their TOML, every expression compiled and checked now:
/// the content test.
pub fn embedded_checked() -> Result<Vec<Rule>, Vec<RuleError>> {
    load_sources(embedded_sources(false))
}

fn embedded_sources(pre_parsed: bool) -> Vec<Source> {
    EMBEDDED
        .iter()
        .map(|(origin, text, cbor)| Source {
            origin: Cow::Borrowed(origin),
            text: Cow::Borrowed(text),
            pre_parsed: if pre_parsed { *cbor } else { None },
            when: if pre_parsed {
                Compile::OnFirstUse
            } else {
                Compile::Now
            },
        })
        .collect()
}

/// A user's rule file: read from its TOML and checked at load, so a broken one stops the run
/// with its location.
fn user_source(origin: String, text: String) -> Source {
    Source {
        origin: Cow::Owned(origin),
        text: Cow::Owned(text),
        pre_parsed: None,
        when: Compile::Now,
    }
}

/// A folder of user rules, and where its files may be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleDir {
    pub path: PathBuf,
    /// Canonical folders every file and folder below `path` must resolve inside: set for a
    /// folder that a `.moat.toml` found beside the linted files names (it came with them, so
    /// it may not reach out of them). Empty for `--rule-dir` and `--config`: anywhere.
    pub within: Vec<PathBuf>,
}

impl RuleDir {
    /// A folder the user named on the command line.
    pub fn anywhere(path: PathBuf) -> RuleDir {
        RuleDir {
            path,
            within: Vec::new(),
        }
    }
}

/// The embedded rules plus every `*.toml` below each folder in `dirs`.
pub fn with_dirs(dirs: &[RuleDir]) -> Result<Vec<Rule>, Vec<RuleError>> {
    let mut sources = embedded_sources(true);
    let mut users: Vec<(String, String)> = Vec::new();
    for dir in dirs {
        let mut files = Vec::new();
        let mut visited = std::collections::HashSet::new();
        if let Err(e) = collect_toml(&dir.path, &dir.within, &mut visited, &mut files) {
            return Err(vec![RuleError {
                origin: dir.path.display().to_string(),
                line: 1,
                column: 1,
                message: e,
            }]);
        }
        files.sort();
        for f in files {
            match crate::files::read_text(&f, crate::MAX_FILE_BYTES) {
                Ok(t) => {
                    users.push((f.display().to_string(), t.clone()));
                    sources.push(user_source(f.display().to_string(), t));
                }
                Err(e) => {
                    return Err(vec![RuleError {
                        origin: f.display().to_string(),
                        line: 1,
                        column: 1,
                        message: e.to_string(),
                    }])
                }
            }
        }
    }
    let engine = super::eval::Engine::new(load_sources(sources)?);
    let errors = example_errors(&engine, &users);
    if errors.is_empty() {
        Ok(engine.rules)
    } else {
        Err(errors)
    }
}

/// Users' rules' examples, executed against every loaded rule: each failure at the line of
/// its `[[example]]`.
fn example_errors(engine: &super::eval::Engine, users: &[(String, String)]) -> Vec<RuleError> {
    let mut errors = Vec::new();
    for rule in &engine.rules {
        let Some((origin, text)) = users.iter().find(|(o, _)| *o == rule.origin) else {
            continue;
        };
        for (n, message) in super::examples::failures(engine, rule) {
            let offset = text
                .match_indices("[[example]]")
                .nth(n - 1)
                .map_or(0, |(i, _)| i);
            let (line, column) = position(text, offset);
            errors.push(RuleError {
                origin: origin.clone(),
                line,
                column,
                message: format!("{}: {message}", rule.id),
            });
        }
    }
    errors
}

/// Every `*.toml` below `dir`. Symlinked folders are followed once each (a link back up is a
/// loop, not more rules); with `within`, anything resolving outside those folders stops the
/// load with its name.
fn collect_toml(
    dir: &Path,
    within: &[PathBuf],
    visited: &mut std::collections::HashSet<PathBuf>,
    out: &mut Vec<PathBuf>,
) -> Result<(), String> {
    let real = std::fs::canonicalize(dir).map_err(|e| format!("cannot read rule folder: {e}"))?;
    if !within.is_empty() && !within.iter().any(|w| real.starts_with(w)) {
        return Err(format!(
            "`{}` resolves outside the linted tree (to `{}`); a rule folder named in a \
             `.moat.toml` beside the linted files must be inside them (use `--rule-dir` for \
             others)",
            dir.display(),
            real.display()
        ));
    }
    if !visited.insert(real) {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read rule folder: {e}"))?;
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect_toml(&path, within, visited, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            if !within.is_empty() {
                let real = std::fs::canonicalize(&path).map_err(|e| e.to_string())?;
                if !within.iter().any(|w| real.starts_with(w)) {
                    return Err(format!(
                        "`{}` resolves outside the linted tree; a rule folder named in a \
                         `.moat.toml` beside the linted files may only hold files inside them",
                        path.display()
                    ));
                }
            }
            out.push(path);
        }
    }
    Ok(())
}

/// The rule a key names: its id (any case), its name, or one of its aliases (former ids and
/// names of rules merged into it).
pub fn find<'a>(rules: &'a [Rule], key: &str) -> Option<&'a Rule> {
    let key = key.trim();
    rules.iter().find(|r| {
        r.id.eq_ignore_ascii_case(key)
            || *r.name == *key
            || r.aliases.iter().any(|a| a.eq_ignore_ascii_case(key))
    })
}

/// Rule files, every expression checked now.
pub fn load_all(sources: Vec<(String, String)>) -> Result<Vec<Rule>, Vec<RuleError>> {
    load_sources(
        sources
            .into_iter()
            .map(|(origin, text)| user_source(origin, text))
            .collect(),
    )
}

fn load_sources(sources: Vec<Source>) -> Result<Vec<Rule>, Vec<RuleError>> {
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    // Rules checked at load compile their CEL with the ANTLR parser, a few hundred
    // microseconds each: spread them over the cores. The embedded rules only decode, which is
    // quicker on this thread than starting the others for it.
    let loaded: Vec<_> = if sources.iter().any(|s| s.when == Compile::Now) {
        sources.par_iter().map(load_one).collect()
    } else {
        sources.iter().map(load_one).collect()
    };
    for r in loaded {
        match r {
            Ok(r) => rules.push(r),
            Err(e) => errors.extend(e),
        }
    }
    // Ids, names and aliases are unique across the embedded set and every rule folder.
    let mut seen: HashMap<String, String> = HashMap::new();
    for r in &rules {
        let keys = [r.id.to_string(), r.name.to_string()]
            .into_iter()
            .chain(r.aliases.iter().map(|a| a.to_string()));
        for key in keys {
            if let Some(prev) = seen.insert(key.clone(), r.origin.clone()) {
                errors.push(RuleError {
                    origin: r.origin.clone(),
                    line: 1,
                    column: 1,
                    message: format!("`{key}` is already used by {prev}"),
                });
            }
        }
    }
    // A selector that names a set, or ALL, must not also name a rule.
    for r in &rules {
        if RuleSet::named(&r.name).is_some() || r.name.eq_ignore_ascii_case("all") {
            errors.push(RuleError {
                origin: r.origin.clone(),
                line: 1,
                column: 1,
                message: format!(
                    "`{}` is a selector (`ALL` or a rule set), not free as a rule name",
                    r.name
                ),
            });
        }
    }
    for r in &rules {
        for s in &r.supersedes {
            if !rules.iter().any(|o| o.id == *s && o.id != r.id) {
                let line = sources
                    .iter()
                    .find(|source| source.origin == r.origin)
                    .and_then(|source| {
                        source
                            .text
                            .lines()
                            .position(|l| l.trim_start().starts_with("supersedes"))
                    })
                    .map_or(1, |i| i + 1);
                errors.push(RuleError {
                    origin: r.origin.clone(),
                    line,
                    column: 1,
                    message: format!("`supersedes` names `{s}`, which is not another rule's id"),
                });
            }
        }
    }
    if errors.is_empty() {
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(rules)
    } else {
        Err(errors)
    }
}

fn position(text: &str, offset: usize) -> (usize, usize) {
    let offset = crate::source::floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn load_one(source: &Source) -> Result<Rule, Vec<RuleError>> {
    let (origin, text, when) = (&*source.origin, &*source.text, source.when);
    let err = |span: std::ops::Range<usize>, message: String| {
        let (line, column) = position(text, span.start);
        RuleError {
            origin: origin.to_string(),
            line,
            column,
            message,
        }
    };
    let file: RuleFile = match crate::embedded::decode(source.pre_parsed) {
        Some(file) => file,
        None => toml::from_str(text)
            .map_err(|e| vec![err(e.span().unwrap_or(0..0), e.message().to_string())])?,
    };
    let mut errors = Vec::new();

    let path = Path::new(origin);
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let area = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_string();
    let id = file.id.get_ref().clone();
    let name = file.name.get_ref().clone();
    let id_ok = id.len() == 5
        && id[..2].chars().all(|c| c.is_ascii_uppercase())
        && id[2..].chars().all(|c| c.is_ascii_digit());
    if !id_ok {
        errors.push(err(
            file.id.span(),
            format!("id `{id}` must be two capital letters and three digits, like `RD001`"),
        ));
    }
    match AREAS.iter().find(|(a, _)| *a == area) {
        Some((_, prefix)) if !id.starts_with(prefix) => errors.push(err(
            file.id.span(),
            format!("a rule in `{area}/` must have an id starting with `{prefix}`, not `{id}`"),
        )),
        None => errors.push(err(
            0..0,
            format!(
                "rule files live in an area folder ({}), not `{area}/`",
                AREAS.iter().map(|(a, _)| *a).collect::<Vec<_>>().join(", ")
            ),
        )),
        _ => {}
    }
    if stem != format!("{id}-{name}") {
        errors.push(err(
            file.id.span(),
            format!("file name must be `{id}-{name}.toml`, found `{stem}.toml`"),
        ));
    }
    let kebab = !name.is_empty()
        && name.split('-').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
    if !kebab {
        errors.push(err(
            file.name.span(),
            format!("name `{name}` must be kebab-case"),
        ));
    }
    if file.references.get_ref().is_empty() {
        errors.push(err(
            file.references.span(),
            "at least one reference is required".into(),
        ));
    }
    for (field, value) in [("docs.what", &file.docs.what), ("docs.why", &file.docs.why)] {
        if value.get_ref().trim().is_empty() {
            errors.push(err(value.span(), format!("`{field}` must not be empty")));
        }
    }
    if file.fix.is_some()
        && file
            .docs
            .fix_safety
            .as_deref()
            .is_none_or(|s| s.trim().is_empty())
    {
        errors.push(err(
            0..0,
            "a rule with `[fix]` must explain `docs.fix-safety`".into(),
        ));
    }
    let bad = file
        .examples
        .iter()
        .filter(|e| e.kind == ExampleKind::Bad)
        .count();
    let good = file.examples.len() - bad;
    if bad == 0 || good == 0 {
        errors.push(err(
            0..0,
            format!(
                "needs at least one bad and one good `[[example]]` (has {bad} bad, {good} good)"
            ),
        ));
    }

    let node = match NodeKind::parse(file.applies_to.node.get_ref()) {
        Some(n) => n,
        None => {
            errors.push(err(
                file.applies_to.node.span(),
                format!(
                    "unknown node `{}` (known: {})",
                    file.applies_to.node.get_ref(),
                    NodeKind::ALL
                        .iter()
                        .map(|k| k.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
            return Err(errors);
        }
    };
    // Where a kind's error points: the `kinds` list, or the node it defaulted from.
    let kinds_span = file
        .applies_to
        .kinds
        .as_ref()
        .map_or_else(|| file.applies_to.node.span(), |k| k.span());
    let mut kinds = Vec::new();
    match &file.applies_to.kinds {
        None => kinds.extend_from_slice(node.produced_by()),
        Some(listed) => {
            for k in listed.get_ref() {
                match FileKind::parse(k) {
                    Some(kind) if !node.produced_by().contains(&kind) => errors.push(err(
                        listed.span(),
                        format!(
                            "no `{k}` file has `{}` nodes (they come from {})",
                            node.name(),
                            node.produced_by()
                                .iter()
                                .map(|k| k.name())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )),
                    Some(kind) => kinds.push(kind),
                    None => errors.push(err(listed.span(), format!("unknown file kind `{k}`"))),
                }
            }
        }
    }
    if when == Compile::Now {
        for (i, ex) in file.examples.iter().enumerate() {
            if let Err(e) = ex.settings() {
                errors.push(err(
                    0..0,
                    format!(
                        "example {} has a bad `config` ({}:{}: {})",
                        i + 1,
                        e.line,
                        e.column,
                        e.message
                    ),
                ));
            }
        }
    }
    // Classifying every example sniffs its content: the embedded rules' examples are checked
    // by the content test, so a run that compiles on first use skips it.
    if when == Compile::Now {
        for ex in &file.examples {
            if let Some(k) = crate::classify::by_name_or_content(Path::new(&ex.file), &ex.code) {
                if !kinds.contains(&k) {
                    errors.push(err(
                        0..0,
                        format!(
                            "example file `{}` is a {} file, not one of applies-to.kinds",
                            ex.file,
                            k.name()
                        ),
                    ));
                }
            } else {
                errors.push(err(
                    0..0,
                    format!(
                        "example file name `{}` is not recognised as any kind",
                        ex.file
                    ),
                ));
            }
        }
        for k in &kinds {
            if !file.examples.iter().any(|e| {
                crate::classify::by_name_or_content(Path::new(&e.file), &e.code) == Some(*k)
            }) {
                errors.push(err(
                    kinds_span.clone(),
                    match file.applies_to.kinds {
                        Some(_) => format!("kind `{}` has no example", k.name()),
                        None => format!(
                            "kind `{}` has no example (`{}` nodes come from it; list \
                             `[applies-to] kinds` to run on fewer)",
                            k.name(),
                            node.name()
                        ),
                    },
                ));
            }
        }
    }

    let vars = node.vars();
    let span_key = |key: &Spanned<String>, errors: &mut Vec<RuleError>| -> Option<&'static str> {
        let found = node
            .span_keys()
            .iter()
            .find(|k| **k == key.get_ref().as_str())
            .copied();
        if found.is_none() {
            errors.push(err(
                key.span(),
                format!(
                    "`{}` is not a span of a `{}` node (known: {})",
                    key.get_ref(),
                    node.name(),
                    node.span_keys().join(", ")
                ),
            ));
        }
        found
    };
    let cel = |src: &Spanned<String>, errors: &mut Vec<RuleError>| -> Option<Expr> {
        compile_with(src.get_ref(), vars, Some(node), when)
            .map_err(|m| errors.push(err(src.span(), m)))
            .ok()
    };
    let template = |src: &Spanned<String>, errors: &mut Vec<RuleError>| -> Option<Template> {
        Template::compile_with(src.get_ref(), vars, Some(node), when)
            .map_err(|m| errors.push(err(src.span(), m)))
            .ok()
    };

    let condition = cel(&file.matcher.condition, &mut errors);
    let mut at = Vec::new();
    if let Some(keys) = &file.matcher.at {
        for key in keys.get_ref() {
            let spanned = Spanned::new(keys.span(), key.clone());
            if let Some(k) = span_key(&spanned, &mut errors) {
                at.push(k);
            }
        }
    }
    if at.is_empty() {
        at.push(node.span_keys()[0]);
    }
    let mut labels = Vec::new();
    for l in &file.matcher.labels {
        let at = span_key(&l.at, &mut errors);
        let message = template(&l.message, &mut errors);
        let when = l.when.as_ref().map(|w| cel(w, &mut errors));
        if let (Some(at), Some(message)) = (at, message) {
            labels.push(CompiledLabel {
                at,
                message,
                when: when.flatten(),
            });
        }
    }
    let escalate: Vec<(Expr, Severity)> = file
        .escalate
        .iter()
        .filter_map(|e| cel(&e.when, &mut errors).map(|x| (x, e.severity)))
        .collect();
    let message = template(&file.message.text, &mut errors);
    let help = template(&file.message.help, &mut errors);
    let extra_references = file
        .message
        .references
        .as_ref()
        .and_then(|r| cel(r, &mut errors));
    let fix = file.fix.as_ref().map(|f| {
        let description = template(&f.description, &mut errors);
        let when = f.when.as_ref().and_then(|w| cel(w, &mut errors));
        let edits: Vec<(&'static str, Template)> = f
            .edits
            .iter()
            .filter_map(|e| {
                Some((
                    span_key(&e.at, &mut errors)?,
                    template(&e.replace, &mut errors)?,
                ))
            })
            .collect();
        if f.edits.is_empty() {
            errors.push(err(
                f.description.span(),
                "`[fix]` needs at least one edit".into(),
            ));
        }
        description.map(|description| CompiledFix {
            applicability: f.applicability,
            description,
            when,
            edits,
        })
    });

    if !errors.is_empty() {
        return Err(errors);
    }
    let (Some(condition), Some(message), Some(help)) = (condition, message, help) else {
        return Err(vec![err(0..0, "rule did not compile".into())]);
    };
    Ok(Rule {
        id: Arc::from(id.as_str()),
        name: Arc::from(name.as_str()),
        title: file.title,
        area,
        severity: file.severity,
        status: file.status,
        set: file.set,
        since: file.since,
        cwe: file.cwe,
        sources: file.sources,
        references: Arc::from(file.references.into_inner()),
        extra_references,
        tags: file.tags,
        node,
        kinds,
        condition,
        at,
        labels,
        escalate,
        aliases: file.aliases.iter().map(|a| Arc::from(a.as_str())).collect(),
        supersedes: file
            .supersedes
            .iter()
            .map(|s| Arc::from(s.as_str()))
            .collect(),
        message,
        help,
        help_text: file.message.help.into_inner(),
        what: file.docs.what.into_inner(),
        why: file.docs.why.into_inner(),
        fix_safety: file.docs.fix_safety,
        fix: fix.flatten(),
        examples: file.examples,
        origin: origin.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run reads the build's pre-parsed rules; they must be the rules the TOML says.
    #[test]
    fn pre_parsed_rules_match_their_toml() {
        assert!(EMBEDDED.iter().all(|(_, _, cbor)| cbor.is_some()));
        let decoded = embedded().unwrap();
        let from_toml = load_sources(
            embedded_sources(false)
                .into_iter()
                .map(|s| Source {
                    when: Compile::OnFirstUse,
                    ..s
                })
                .collect(),
        )
        .unwrap();
        assert_eq!(decoded.len(), EMBEDDED.len());
        for (a, b) in decoded.iter().zip(&from_toml) {
            assert_eq!(format!("{a:?}"), format!("{b:?}"));
        }
        // And a source without a pre-parsed form is read from its TOML.
        let (origin, text, _) = EMBEDDED[0];
        let alone = load_sources(vec![Source {
            origin: Cow::Borrowed(origin),
            text: Cow::Borrowed(text),
            pre_parsed: None,
            when: Compile::OnFirstUse,
        }])
        .unwrap();
        assert_eq!(format!("{:?}", alone[0]), format!("{:?}", decoded[0]));
    }

    #[test]
    fn supersedes_must_name_another_rule() {
        let (origin, text, _) = EMBEDDED
            .iter()
            .find(|(p, _, _)| p.contains("SV001"))
            .expect("SV001 is embedded");
        let broken = text.replace("supersedes = [\"DC001\"]", "supersedes = [\"DC999\"]");
        assert_ne!(&broken, text, "SV001 declares supersedes");
        let errors = load_all(vec![(origin.to_string(), broken.clone())]).unwrap_err();
        let line = broken
            .lines()
            .position(|l| l.starts_with("supersedes"))
            .unwrap()
            + 1;
        assert!(
            errors
                .iter()
                .any(|e| e.line == line && e.message.contains("`DC999`")),
            "{errors:?}"
        );
    }

    /// A small rule on `node`, with `kinds` (a TOML line, or nothing) and examples.
    fn rule_text(node: &str, kinds: &str, examples: &[(&str, &str, &str)]) -> String {
        let mut t = format!(
            "id = \"RD900\"\nname = \"test-rule\"\ntitle = \"t\"\nseverity = \"low\"\n\
             since = \"0.1.0\"\nreferences = [\"https://example.com\"]\n\
             [applies-to]\nnode = \"{node}\"\n{kinds}\n\
             [match]\ncondition = \"true\"\n\
             [message]\ntext = \"m\"\nhelp = \"h\"\n\
             [docs]\nwhat = \"w\"\nwhy = \"y\"\n"
        );
        for (kind, file, code) in examples {
            t.push_str(&format!(
                "[[example]]\nkind = \"{kind}\"\nfile = \"{file}\"\ncode = \"\"\"\n{code}\"\"\"\n"
            ));
        }
        t
    }

    fn load_text(text: String) -> Result<Vec<Rule>, Vec<RuleError>> {
        load_all(vec![("rules/redis/RD900-test-rule.toml".into(), text)])
    }

    #[test]
    fn kinds_default_to_every_format_that_builds_the_node() {
        let conf = "bind 127.0.0.1\n";
        let rules = load_text(rule_text(
            "redis",
            "",
            &[
                ("bad", "redis.conf", conf),
                ("good", "compose.yaml", "services:\n  r: {image: 'redis:7'}\n"),
                (
                    "bad",
                    "k8s.yaml",
                    "apiVersion: v1\nkind: Pod\nmetadata: {name: r}\nspec:\n  containers: [{name: r, image: 'redis:7'}]\n",
                ),
                (
                    "bad",
                    "chart/values.yaml",
                    "image: {repository: bitnami/redis, tag: '7.4'}\n",
                ),
                ("bad", "Dockerfile", "FROM redis:7\n"),
            ],
        ))
        .unwrap();
        assert_eq!(rules[0].kinds, NodeKind::Redis.produced_by());
        // Each defaulted kind needs its example, as a listed one does.
        let errors = load_text(rule_text(
            "redis",
            "",
            &[("bad", "redis.conf", conf), ("good", "redis.conf", conf)],
        ))
        .unwrap_err();
        let missing: Vec<&str> = errors
            .iter()
            .filter(|e| e.message.contains("has no example"))
            .map(|e| e.message.split('`').nth(1).unwrap())
            .collect();
        assert_eq!(
            missing,
            ["compose", "kubernetes", "helm-values", "dockerfile"]
        );
        assert!(errors.iter().all(|e| e.line == 8), "{errors:?}");
        // Listing kinds runs on those only.
        let rules = load_text(rule_text(
            "redis",
            "kinds = [\"redis-conf\"]",
            &[("bad", "redis.conf", conf), ("good", "redis.conf", conf)],
        ))
        .unwrap();
        assert_eq!(rules[0].kinds, [FileKind::RedisConf]);
    }

    #[test]
    fn a_listed_kind_that_builds_no_such_node_is_an_error() {
        let conf = "bind 127.0.0.1\n";
        let errors = load_text(rule_text(
            "redis",
            "kinds = [\"redis-conf\", \"systemd\"]",
            &[("bad", "redis.conf", conf), ("good", "redis.conf", conf)],
        ))
        .unwrap_err();
        assert!(
            errors.iter().any(
                |e| e.line == 9 && e.message.starts_with("no `systemd` file has `redis` nodes")
            ),
            "{errors:?}"
        );
    }
}
