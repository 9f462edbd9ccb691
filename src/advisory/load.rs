//! Reading and validating advisory files. The built-in table and a user's `--advisories` file
//! go through the same checks, so a broken file fails at load with its file, line and column
//! instead of silently matching nothing.

use super::{scheme_of, Advisory, Entry, Severity, Table, COMPONENTS};
use crate::embedded::Spanned;
use crate::model::image::parse_image_ref;
use crate::model::version::{parse_exact, Packaging, Range, Scheme, Version};
use crate::source::{SourceFile, Span};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

const BUILTIN_ORIGIN: &str = "rules/advisories.toml";
const BUILTIN: &str = include_str!("../../rules/advisories.toml");
/// The built-in table pre-parsed by the build; see `crate::embedded`.
const BUILTIN_PRE_PARSED: Option<&[u8]> =
    include!(concat!(env!("OUT_DIR"), "/embedded_advisories.rs"));

/// An advisory file that cannot be used, with where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvisoryError {
    pub origin: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for AdvisoryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.origin, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for AdvisoryError {}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawFile {
    /// `extend` (the default) or `replace`: what a `--advisories` file does to the built-in
    /// table.
    table: Option<Spanned<String>>,
    #[serde(default)]
    triton_releases: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    advisory: Vec<RawAdvisory>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawAdvisory {
    id: Spanned<String>,
    #[serde(default)]
    aliases: Vec<String>,
    component: Spanned<String>,
    #[serde(default)]
    images: Vec<Spanned<String>>,
    #[serde(default)]
    packages: Vec<Spanned<String>>,
    affected: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    fixed: Vec<Spanned<String>>,
    severity: Spanned<String>,
    cvss: Option<Spanned<f64>>,
    cvss_vector: Option<String>,
    summary: Spanned<String>,
    url: Spanned<String>,
    #[serde(default)]
    references: Vec<String>,
    note: Option<String>,
    only_if: Option<String>,
    #[serde(default)]
    platforms: Vec<Spanned<String>>,
    #[serde(default)]
    fixed_release: Vec<Spanned<String>>,
    #[serde(default)]
    related: Vec<RawRelated>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRelated {
    component: Spanned<String>,
    #[serde(default)]
    images: Vec<Spanned<String>>,
    #[serde(default)]
    packages: Vec<Spanned<String>>,
    affected: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    fixed: Vec<Spanned<String>>,
    only_if: Option<String>,
    note: Option<String>,
}

/// Errors of one file, positioned in its text.
struct Errors<'a> {
    text: &'a str,
    /// Indexed for positions on first use: a file without errors needs none.
    file: Option<SourceFile>,
    origin: &'a str,
    list: Vec<AdvisoryError>,
}

impl Errors<'_> {
    fn position(&mut self, offset: usize) -> crate::source::Position {
        let (origin, text) = (self.origin, self.text);
        self.file
            .get_or_insert_with(|| {
                SourceFile::new(origin.into(), origin.into(), text.to_string(), 0)
            })
            .position(offset)
    }

    fn at(&mut self, span: std::ops::Range<usize>, message: String) {
        let p = self.position(span.start);
        self.list.push(AdvisoryError {
            origin: self.origin.to_string(),
            line: p.line,
            column: p.column,
            message,
        });
    }
}

/// A parsed file before it is merged: whether it replaces the table, its releases, its
/// advisories.
struct Parsed {
    replace: bool,
    triton_releases: Vec<(Version, String, Span)>,
    advisories: Vec<(Advisory, Vec<(String, Span)>)>,
}

/// The table shipped in the binary, decoded from its pre-parsed form.
pub fn builtin() -> Result<Table, Vec<AdvisoryError>> {
    let raw = crate::embedded::decode(BUILTIN_PRE_PARSED);
    parse_with(BUILTIN_ORIGIN, BUILTIN, raw, None)
}

/// The built-in table with `path` applied: its advisories added (an id already in the table
/// replaced), or the whole table replaced when the file says `table = "replace"`.
pub fn from_file(path: &Path) -> Result<Table, Vec<AdvisoryError>> {
    let origin = path.display().to_string();
    let text = crate::files::read_text(path, crate::MAX_FILE_BYTES).map_err(|e| {
        vec![AdvisoryError {
            origin: origin.clone(),
            line: 1,
            column: 1,
            message: format!("cannot read advisory file: {e}"),
        }]
    })?;
    let base = builtin()?;
    parse(&origin, &text, Some(base))
}

/// Parse `text` (named `origin` in errors) and, when `base` is given, apply it to `base`.
pub fn parse(origin: &str, text: &str, base: Option<Table>) -> Result<Table, Vec<AdvisoryError>> {
    parse_with(origin, text, None, base)
}

/// `parse`, with `text` already deserialized when `raw` is given.
fn parse_with(
    origin: &str,
    text: &str,
    raw: Option<RawFile>,
    base: Option<Table>,
) -> Result<Table, Vec<AdvisoryError>> {
    let mut errors = Errors {
        text,
        file: None,
        origin,
        list: Vec::new(),
    };
    let raw: RawFile = match raw.map_or_else(|| toml::from_str(text), Ok) {
        Ok(r) => r,
        Err(e) => {
            errors.at(e.span().unwrap_or(0..0), e.message().to_string());
            return Err(errors.list);
        }
    };
    let parsed = read(raw, &mut errors, base.is_some());
    let parsed = match parsed {
        Some(p) if errors.list.is_empty() => p,
        _ => return Err(errors.list),
    };
    let mut table = match base {
        Some(b) if !parsed.replace => b,
        _ => Table::default(),
    };
    // Entries of the file replace the table's with the same key, in one pass each (one pass
    // per entry was quadratic in a large file).
    let new_tags: std::collections::BTreeSet<&Version> =
        parsed.triton_releases.iter().map(|(t, _, _)| t).collect();
    table.triton_releases.retain(|(t, _)| !new_tags.contains(t));
    for (tag, release, _) in &parsed.triton_releases {
        table.triton_releases.push((tag.clone(), release.clone()));
    }
    table.triton_releases.sort_by(|a, b| a.0.cmp(&b.0));
    table.triton_releases.dedup_by(|later, earlier| {
        later.0 == earlier.0 && {
            // The file's last word on a tag wins.
            std::mem::swap(later, earlier);
            true
        }
    });
    // Triton's fixed releases must agree with the tag-to-release table, wherever it came from.
    for (a, spans) in &parsed.advisories {
        let Some(main) = a.entries.first() else {
            continue;
        };
        for (i, (release, span)) in spans.iter().enumerate() {
            let Some(tag) = main.fixed.get(i) else {
                errors.at(
                    span.start..span.end,
                    format!(
                        "`fixed-release` has more entries than `fixed` ({})",
                        main.fixed.len()
                    ),
                );
                continue;
            };
            if let Some(known) = table.triton_release(tag) {
                if known != release {
                    errors.at(
                        span.start..span.end,
                        format!(
                            "NGC {tag} is Triton {known} in `[triton-releases]`, not {release}"
                        ),
                    );
                }
            }
        }
    }
    if !errors.list.is_empty() {
        return Err(errors.list);
    }
    let new_ids: std::collections::HashSet<&str> = parsed
        .advisories
        .iter()
        .map(|(a, _)| a.id.as_str())
        .collect();
    table
        .advisories
        .retain(|x| !new_ids.contains(x.id.as_str()));
    for (a, _) in parsed.advisories {
        table.advisories.push(Arc::new(a));
    }
    Ok(table)
}

fn read(raw: RawFile, errors: &mut Errors, is_extension: bool) -> Option<Parsed> {
    let replace = match &raw.table {
        None => false,
        Some(t) if t.get_ref() == "extend" => false,
        Some(t) if t.get_ref() == "replace" => true,
        Some(t) => {
            errors.at(
                t.span(),
                format!("`table` is `extend` or `replace`, not `{}`", t.get_ref()),
            );
            false
        }
    };
    if raw.table.is_some() && !is_extension {
        if let Some(t) = &raw.table {
            errors.at(
                t.span(),
                "`table` only means something in a `--advisories` file".into(),
            );
        }
    }
    let mut triton_releases = Vec::new();
    for (tag, release) in &raw.triton_releases {
        let span = release.span();
        let Some(t) = parse_exact(tag, Scheme::Ngc) else {
            errors.at(
                span.clone(),
                format!("`{tag}` is not an NGC year.month tag like 24.05"),
            );
            continue;
        };
        if parse_exact(release.get_ref(), Scheme::Semver).is_none() {
            errors.at(
                span.clone(),
                format!(
                    "`{}` is not a Triton release like 2.46.0",
                    release.get_ref()
                ),
            );
            continue;
        }
        triton_releases.push((
            t,
            release.get_ref().clone(),
            Span::new(span.start, span.end),
        ));
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut advisories = Vec::new();
    for a in raw.advisory {
        let id = a.id.get_ref().trim().to_string();
        if id.is_empty() {
            errors.at(a.id.span(), "`id` must not be empty".into());
        }
        if let Some(line) = seen.insert(id.clone(), errors.position(a.id.span().start).line) {
            errors.at(
                a.id.span(),
                format!("`{id}` is already an advisory of this file (line {line})"),
            );
        }
        let severity = Severity::parse(a.severity.get_ref()).unwrap_or_else(|| {
            errors.at(
                a.severity.span(),
                format!(
                    "severity is critical, high, medium, low or unknown, not `{}`",
                    a.severity.get_ref()
                ),
            );
            Severity::Unknown
        });
        if let Some(c) = &a.cvss {
            if !(0.0..=10.0).contains(c.get_ref()) {
                errors.at(
                    c.span(),
                    format!("CVSS {} is not between 0 and 10", c.get_ref()),
                );
            }
        }
        for (field, value) in [("summary", &a.summary), ("url", &a.url)] {
            if value.get_ref().trim().is_empty() {
                errors.at(value.span(), format!("`{field}` must not be empty"));
            }
        }
        for p in &a.platforms {
            if !matches!(p.get_ref().as_str(), "linux" | "windows") {
                errors.at(
                    p.span(),
                    format!("platform is `linux` or `windows`, not `{}`", p.get_ref()),
                );
            }
        }
        let main = entry(
            &a.component,
            &a.images,
            &a.packages,
            &a.affected,
            &a.fixed,
            a.only_if.clone(),
            None,
            errors,
        );
        let mut entries: Vec<Entry> = main.into_iter().collect();
        for r in &a.related {
            entries.extend(entry(
                &r.component,
                &r.images,
                &r.packages,
                &r.affected,
                &r.fixed,
                r.only_if.clone(),
                r.note.clone(),
                errors,
            ));
        }
        // A fixed release of an entry must not be affected by any entry of the same component.
        for e in &entries {
            for f in &e.fixed {
                if let Some(r) = entries
                    .iter()
                    .filter(|o| o.component == e.component)
                    .flat_map(|o| &o.affected)
                    .find(|r| r.contains(f))
                {
                    errors.at(
                        a.id.span(),
                        format!(
                            "{id}: fixed release {f} of {} lies inside its affected range `{}`",
                            e.component,
                            r.text()
                        ),
                    );
                }
            }
        }
        let release_spans: Vec<(String, Span)> = a
            .fixed_release
            .iter()
            .map(|r| {
                let s = r.span();
                (r.get_ref().clone(), Span::new(s.start, s.end))
            })
            .collect();
        if !a.fixed_release.is_empty() && entries.first().is_some_and(|e| e.scheme != Scheme::Ngc) {
            errors.at(
                a.component.span(),
                "`fixed-release` is for Triton (NGC tags) only".into(),
            );
        }
        advisories.push((
            Advisory {
                id,
                aliases: a.aliases,
                severity,
                cvss: a.cvss.map(|c| c.into_inner()),
                cvss_vector: a.cvss_vector,
                summary: a.summary.into_inner().trim().to_string(),
                url: a.url.into_inner(),
                references: a.references,
                note: a.note,
                platforms: a.platforms.into_iter().map(|p| p.into_inner()).collect(),
                entries,
                fixed_release: release_spans.iter().map(|(r, _)| r.clone()).collect(),
                origin: errors.origin.to_string(),
            },
            release_spans,
        ));
    }
    Some(Parsed {
        replace,
        triton_releases,
        advisories,
    })
}

#[allow(clippy::too_many_arguments)]
fn entry(
    component: &Spanned<String>,
    images: &[Spanned<String>],
    packages: &[Spanned<String>],
    affected: &Spanned<Vec<Spanned<String>>>,
    fixed: &[Spanned<String>],
    only_if: Option<String>,
    note: Option<String>,
    errors: &mut Errors,
) -> Option<Entry> {
    let Some((name, scheme)) = COMPONENTS
        .iter()
        .find(|(c, _, _)| *c == component.get_ref().as_str())
        .map(|(c, s, _)| (*c, *s))
    else {
        errors.at(
            component.span(),
            format!(
                "unknown component `{}` (moat reads the versions of: {})",
                component.get_ref(),
                COMPONENTS
                    .iter()
                    .map(|(c, _, _)| *c)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        return None;
    };
    debug_assert_eq!(scheme_of(name), Some(scheme));
    if images.is_empty() && packages.is_empty() {
        errors.at(
            component.span(),
            "name the `images` or `packages` that carry this component".into(),
        );
    }
    let mut image_list = Vec::new();
    for i in images {
        let text = i.get_ref().trim();
        let parsed = parse_image_ref(text, text, Span::default());
        if text.is_empty() || parsed.unresolved || parsed.tag.is_some() || parsed.digest.is_some() {
            errors.at(
                i.span(),
                format!("`{text}` is not an image repository (no tag, no digest)"),
            );
            continue;
        }
        image_list.push((parsed.registry, parsed.repository));
    }
    let mut package_list = Vec::new();
    for p in packages {
        let text = p.get_ref().trim();
        let parsed = text.split_once(':').and_then(|(kind, name)| {
            let kind = match kind {
                "deb" => Packaging::Deb,
                "rpm" => Packaging::Rpm,
                "pypi" => Packaging::Pypi,
                "apk" => Packaging::Apk,
                _ => return None,
            };
            (!name.is_empty()).then(|| (kind, normalize_package(kind, name)))
        });
        match parsed {
            Some(x) => package_list.push(x),
            None => errors.at(
                p.span(),
                format!("`{text}` is not `deb:NAME`, `rpm:NAME`, `pypi:NAME` or `apk:NAME`"),
            ),
        }
    }
    if affected.get_ref().is_empty() {
        errors.at(
            affected.span(),
            "`affected` needs at least one range (use `>=0.0.0` for every release)".into(),
        );
    }
    let mut ranges = Vec::new();
    for r in affected.get_ref() {
        match Range::parse(r.get_ref(), scheme) {
            Ok(range) => ranges.push(range),
            Err(m) => errors.at(r.span(), format!("{name}: {m}")),
        }
    }
    let mut fixes = Vec::new();
    for f in fixed {
        match parse_exact(f.get_ref(), scheme) {
            Some(v) => fixes.push(v),
            None => errors.at(
                f.span(),
                format!(
                    "`{}` is not a {} release of {name}",
                    f.get_ref(),
                    scheme.name()
                ),
            ),
        }
    }
    Some(Entry {
        component: name,
        scheme,
        images: image_list,
        packages: package_list,
        affected: ranges,
        fixed: fixes,
        only_if,
        note,
    })
}

/// Package names as each ecosystem compares them: PyPI's are case- and separator-insensitive
/// (PEP 503), the others are lower case.
pub fn normalize_package(kind: Packaging, name: &str) -> String {
    let lower = name.trim().to_ascii_lowercase();
    match kind {
        Packaging::Pypi => {
            let mut out = String::with_capacity(lower.len());
            for c in lower.chars() {
                let sep = matches!(c, '-' | '_' | '.');
                if sep {
                    if !out.ends_with('-') {
                        out.push('-');
                    }
                } else {
                    out.push(c);
                }
            }
            out
        }
        _ => lower,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run reads the build's pre-parsed table; it must be the table the TOML says, and the
    /// TOML must pass the checks a user's file gets.
    #[test]
    fn pre_parsed_table_matches_its_toml() {
        assert!(crate::embedded::decode::<RawFile>(BUILTIN_PRE_PARSED).is_some());
        let from_toml = parse(BUILTIN_ORIGIN, BUILTIN, None).unwrap();
        let decoded = builtin().unwrap();
        assert!(decoded.advisories.len() > 10);
        assert_eq!(format!("{decoded:?}"), format!("{from_toml:?}"));
    }

    fn errs(text: &str) -> Vec<String> {
        match parse("extra.toml", text, builtin().ok()) {
            Ok(_) => Vec::new(),
            Err(e) => e.iter().map(|e| e.to_string()).collect(),
        }
    }

    const GOOD: &str = r#"
[[advisory]]
id = "MOAT-TEST-1"
component = "ollama"
images = ["ollama/ollama"]
affected = ["<0.1.10"]
fixed = ["0.1.10"]
severity = "high"
summary = "A test advisory."
url = "https://example.invalid/1"
"#;

    #[test]
    fn an_extension_adds_and_replaces_by_id() {
        let base = builtin().unwrap();
        let n = base.advisories.len();
        let t = parse("extra.toml", GOOD, Some(base)).unwrap();
        assert_eq!(t.advisories.len(), n + 1);
        let same_id = GOOD.replace("MOAT-TEST-1", "CVE-2024-45436");
        let t = parse("extra.toml", &same_id, builtin().ok()).unwrap();
        assert_eq!(t.advisories.len(), n);
        let replaced = t
            .advisories
            .iter()
            .find(|a| a.id == "CVE-2024-45436")
            .unwrap();
        assert_eq!(replaced.origin, "extra.toml");
        let only = format!("table = \"replace\"\n{GOOD}");
        let t = parse("extra.toml", &only, builtin().ok()).unwrap();
        assert_eq!(t.advisories.len(), 1);
        assert!(t.triton_releases.is_empty());
    }

    #[test]
    fn broken_files_say_where() {
        assert_eq!(
            errs("[[advisory]]\nid = \"X\"\nbogus = 1\n")[0],
            "extra.toml:3:1: unknown field `bogus`, expected one of `id`, `aliases`, `component`, `images`, `packages`, `affected`, `fixed`, `severity`, `cvss`, `cvss-vector`, `summary`, `url`, `references`, `note`, `only-if`, `platforms`, `fixed-release`, `related`"
        );
        let bad_range = GOOD.replace("<0.1.10", "<<0.1.10");
        assert_eq!(
            errs(&bad_range),
            ["extra.toml:6:13: ollama: `<0.1.10` is not a semver version (numbers joined by dots, like 7.2.11)"]
        );
        let unknown = GOOD.replace("\"ollama\"\n", "\"vllm\"\n");
        assert!(errs(&unknown)[0].starts_with("extra.toml:4:13: unknown component `vllm`"));
        let inside = GOOD.replace("fixed = [\"0.1.10\"]", "fixed = [\"0.1.9\"]");
        assert!(
            errs(&inside)[0].contains("fixed release 0.1.9 of ollama lies inside"),
            "{:?}",
            errs(&inside)
        );
        let twice = format!("{GOOD}{GOOD}");
        assert!(errs(&twice)
            .iter()
            .any(|e| e.contains("`MOAT-TEST-1` is already an advisory of this file (line 3)")));
        assert_eq!(
            errs("[[advisory]\n")[0],
            "extra.toml:1:12: unclosed array table, expected `]`"
        );
        let ngc = GOOD
            .replace("\"ollama\"\n", "\"triton-inference-server\"\n")
            .replace("ollama/ollama", "nvcr.io/nvidia/tritonserver")
            .replace("<0.1.10", "<24.05")
            .replace("\"0.1.10\"", "\"24.05\"")
            + "fixed-release = [\"2.47.0\"]\n";
        assert!(
            errs(&ngc)[0].contains("NGC 24.05 is Triton 2.46.0 in `[triton-releases]`, not 2.47.0")
        );
        let tag = GOOD.replace("\"ollama/ollama\"", "\"ollama/ollama:0.1.9\"");
        assert!(errs(&tag)[0].contains("is not an image repository"));
    }

    #[test]
    fn pypi_names_normalise() {
        assert_eq!(
            normalize_package(Packaging::Pypi, "Chroma_DB.x"),
            "chroma-db-x"
        );
        assert_eq!(
            normalize_package(Packaging::Deb, "Redis-Server"),
            "redis-server"
        );
    }
}
