//! `.moat.toml`: found by walking up from each path (or given with `--config`), read
//! strictly: an unknown key or a bad value is an error with file, line and column.

use crate::classify::FileKind;
use crate::diagnostic::Severity;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

pub const FILE_NAME: &str = ".moat.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Replaces the default set (ruff's `select`).
    #[serde(default)]
    pub select: Vec<Spanned<String>>,
    /// Added to `select`, or to the default set (ruff's `extend-select`).
    #[serde(default)]
    pub extend_select: Vec<Spanned<String>>,
    #[serde(default)]
    pub ignore: Vec<Spanned<String>>,
    pub fail_on: Option<Spanned<String>>,
    /// Rule id or name → severity.
    #[serde(default)]
    pub severity: BTreeMap<Spanned<String>, Spanned<String>>,
    /// Glob (relative to the config file's folder) → rules ignored in matching files.
    #[serde(default)]
    pub per_file_ignores: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
    /// Glob → file kind, for files whose names say nothing.
    #[serde(default)]
    pub kinds: BTreeMap<Spanned<String>, Spanned<String>>,
    /// Extra rule folders, relative to the config file's folder.
    #[serde(default)]
    pub rule_dirs: Vec<Spanned<PathBuf>>,
    /// Registries images may come from: hosts (`registry.example.com`), `*.` wildcards or
    /// `host/path` prefixes (`ghcr.io/acme`). Empty: no opinion.
    #[serde(default)]
    pub trusted_registries: Vec<Spanned<String>>,
    /// Files and folders not to lint, as .gitignore lines relative to the config's folder;
    /// `--exclude` replaces these.
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    /// More such lines, added to `exclude` (and to `--exclude`).
    #[serde(default)]
    pub extend_exclude: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

/// The nearest `.moat.toml` in `start` or a folder above it.
pub fn find(start: &Path) -> Option<PathBuf> {
    find_each(std::slice::from_ref(&start.to_path_buf())).pop()?
}

/// `find` for each path. A pre-commit hook passes hundreds of files from the same few
/// folders: each folder is resolved and searched once, not once per file.
pub fn find_each(starts: &[PathBuf]) -> Vec<Option<PathBuf>> {
    use std::collections::HashMap;
    // Folder as given → canonical folder; canonical folder → nearest config at or above it.
    let mut canonical: HashMap<PathBuf, Option<PathBuf>> = HashMap::new();
    let mut nearest: HashMap<PathBuf, Option<PathBuf>> = HashMap::new();
    starts
        .iter()
        .map(|start| {
            let folder = if start.is_dir() {
                start.clone()
            } else {
                match start.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                    _ => PathBuf::from("."),
                }
            };
            let resolved = canonical
                .entry(folder)
                .or_insert_with_key(|f| std::fs::canonicalize(f).ok())
                .clone()?;
            let mut climbed = Vec::new();
            let mut dir = Some(resolved.as_path());
            let found = loop {
                let Some(d) = dir else { break None };
                if let Some(known) = nearest.get(d) {
                    break known.clone();
                }
                climbed.push(d.to_path_buf());
                let candidate = d.join(FILE_NAME);
                // A symlink is the configuration too, whatever it points at: one to a device
                // or out of the tree is an error when read, not silently no configuration.
                if std::fs::symlink_metadata(&candidate).is_ok_and(|m| !m.is_dir()) {
                    break Some(candidate);
                }
                dir = d.parent();
            };
            for d in climbed {
                nearest.insert(d, found.clone());
            }
            found
        })
        .collect()
}

/// A config read and checked: severities and kinds parsed, globs compiled.
#[derive(Debug, Default)]
pub struct Loaded {
    pub path: Option<PathBuf>,
    pub select: Vec<String>,
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
    pub fail_on: Option<Severity>,
    pub severity: Vec<(String, Severity)>,
    pub per_file_ignores: Vec<(globset::GlobMatcher, Vec<String>)>,
    pub kinds: Vec<(globset::GlobMatcher, FileKind)>,
    pub rule_dirs: Vec<PathBuf>,
    /// Line and column of each of `rule_dirs` in the file.
    pub rule_dir_positions: Vec<(usize, usize)>,
    pub trusted_registries: Vec<String>,
    /// `exclude` and `extend-exclude` as written, checked to compile.
    pub exclude: Vec<String>,
    pub extend_exclude: Vec<String>,
    /// Every rule id, name or prefix the file names (`select`, `extend-select`, `ignore`, `[severity]`,
    /// `[per-file-ignores]`), with where: `path:line:column`, for the error when one matches
    /// no rule.
    pub rule_refs: Vec<(String, String)>,
}

impl Loaded {
    /// The exclusions that govern files under this configuration: its `exclude` (or
    /// `flag_exclude` when given, rooted at the working folder) and its `extend-exclude`, then
    /// `flag_extend`.
    pub fn exclusions(
        &self,
        flag_exclude: &[String],
        flag_extend: &[String],
    ) -> Result<Vec<ignore::gitignore::Gitignore>, String> {
        let cwd = std::env::current_dir().map_err(|e| format!("no working folder: {e}"))?;
        let own = self
            .path
            .as_deref()
            .and_then(Path::parent)
            .map(|d| {
                if d.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    d
                }
            })
            .and_then(|d| std::fs::canonicalize(d).ok())
            .unwrap_or_else(|| cwd.clone());
        let mut sets = Vec::new();
        let (replaced, root): (&[String], &Path) = if flag_exclude.is_empty() {
            (&self.exclude, &own)
        } else {
            (flag_exclude, &cwd)
        };
        for (lines, root) in [(replaced, root), (&self.extend_exclude[..], &own)] {
            if !lines.is_empty() {
                sets.push(exclusions(root, lines)?);
            }
        }
        if !flag_extend.is_empty() {
            sets.push(exclusions(&cwd, flag_extend)?);
        }
        Ok(sets)
    }
}

impl Loaded {
    /// The rule folders of a configuration found beside the linted files, each of which must
    /// resolve inside `roots` (the folders the user named) or this configuration's own
    /// folder: a pull request may bring its own rules, not load `/etc` or `../other-repo`.
    pub fn rule_dirs_within(
        &self,
        roots: &[PathBuf],
    ) -> Result<Vec<crate::rules::load::RuleDir>, ConfigError> {
        let mut within: Vec<PathBuf> = roots.to_vec();
        if let Some(folder) = self
            .path
            .as_deref()
            .and_then(Path::parent)
            .map(|p| {
                if p.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    p
                }
            })
            .and_then(|p| std::fs::canonicalize(p).ok())
        {
            within.push(folder);
        }
        let mut out = Vec::new();
        for (i, dir) in self.rule_dirs.iter().enumerate() {
            // A folder that does not exist is the rule loader's error to report.
            if let Ok(real) = std::fs::canonicalize(dir) {
                if !within.iter().any(|w| real.starts_with(w)) {
                    let (line, column) = self.rule_dir_positions.get(i).copied().unwrap_or((1, 1));
                    return Err(ConfigError {
                        path: self.path.clone().unwrap_or_default(),
                        line,
                        column,
                        message: format!(
                            "rule folder `{}` resolves outside the linted tree; a `.moat.toml` \
                             found beside the linted files may only name rule folders inside \
                             them (pass others with `--rule-dir` or `--config`)",
                            dir.display()
                        ),
                    });
                }
            }
            out.push(crate::rules::load::RuleDir {
                path: dir.clone(),
                within: within.clone(),
            });
        }
        Ok(out)
    }
}

/// Load a configuration moat found beside the linted files (not one the user named): it may
/// be a symlink only to a file inside `roots` or its own folder.
pub fn load_found(path: &Path, roots: &[PathBuf]) -> Result<Loaded, ConfigError> {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if is_link {
        let folder = path
            .parent()
            .map(|p| {
                if p.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    p
                }
            })
            .and_then(|p| std::fs::canonicalize(p).ok());
        let inside = std::fs::canonicalize(path)
            .is_ok_and(|real| roots.iter().chain(&folder).any(|r| real.starts_with(r)));
        if !inside {
            return Err(ConfigError {
                path: path.into(),
                line: 1,
                column: 1,
                message: "a symlink out of the linted tree; moat does not follow it (pass the \
                          file with --config to use it)"
                    .into(),
            });
        }
    }
    load(path)
}

pub fn load(path: &Path) -> Result<Loaded, ConfigError> {
    let text = crate::files::read_text(path, crate::MAX_FILE_BYTES).map_err(|e| ConfigError {
        path: path.into(),
        line: 1,
        column: 1,
        message: format!("cannot read: {e}"),
    })?;
    parse(&text, path)
}

/// A configuration's text, as if read from `path` (globs and folders are relative to it).
pub fn parse(text: &str, path: &Path) -> Result<Loaded, ConfigError> {
    let err = |span: std::ops::Range<usize>, message: String| {
        let before = &text[..crate::source::floor_char_boundary(text, span.start.min(text.len()))];
        ConfigError {
            path: path.into(),
            line: before.matches('\n').count() + 1,
            column: before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
            message,
        }
    };
    let config: Config =
        toml::from_str(text).map_err(|e| err(e.span().unwrap_or(0..0), e.message().to_string()))?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let severity = |s: &Spanned<String>| {
        Severity::parse(s.get_ref()).ok_or_else(|| {
            err(
                s.span(),
                format!(
                    "`{}` is not a severity (critical, high, medium, low, info)",
                    s.get_ref()
                ),
            )
        })
    };
    let glob = |g: &Spanned<String>| {
        // Patterns are relative to the config file's folder, like .gitignore's.
        let pattern = base.join(g.get_ref()).to_string_lossy().replace('\\', "/");
        globset::Glob::new(&pattern)
            .map(|g| g.compile_matcher())
            .map_err(|e| err(g.span(), format!("bad glob `{}`: {e}", g.get_ref())))
    };
    let place = |s: &Spanned<String>| {
        let e = err(s.span(), String::new());
        format!("{}:{}:{}", e.path.display(), e.line, e.column)
    };
    let mut rule_refs: Vec<(String, String)> = Vec::new();
    let named = |list: &[Spanned<String>], refs: &mut Vec<(String, String)>| -> Vec<String> {
        list.iter()
            .map(|s| {
                refs.push((s.get_ref().clone(), place(s)));
                s.get_ref().clone()
            })
            .collect()
    };
    let select = named(&config.select, &mut rule_refs);
    let extend_select = named(&config.extend_select, &mut rule_refs);
    let ignore = named(&config.ignore, &mut rule_refs);
    let mut loaded = Loaded {
        path: Some(path.to_path_buf()),
        select,
        extend_select,
        ignore,
        fail_on: config.fail_on.as_ref().map(severity).transpose()?,
        rule_dirs: config
            .rule_dirs
            .iter()
            .map(|d| base.join(d.get_ref()))
            .collect(),
        rule_dir_positions: config
            .rule_dirs
            .iter()
            .map(|d| {
                let e = err(d.span(), String::new());
                (e.line, e.column)
            })
            .collect(),
        ..Loaded::default()
    };
    for (rule, s) in &config.severity {
        rule_refs.push((rule.get_ref().clone(), place(rule)));
        loaded.severity.push((rule.get_ref().clone(), severity(s)?));
    }
    for (g, rules) in &config.per_file_ignores {
        let rules = named(rules, &mut rule_refs);
        loaded.per_file_ignores.push((glob(g)?, rules));
    }
    for (g, kind) in &config.kinds {
        let k = FileKind::parse(kind.get_ref()).ok_or_else(|| {
            let known: Vec<&str> = FileKind::ALL.iter().map(|k| k.name()).collect();
            err(
                kind.span(),
                format!(
                    "`{}` is not a file kind ({})",
                    kind.get_ref(),
                    known.join(", ")
                ),
            )
        })?;
        loaded.kinds.push((glob(g)?, k));
    }
    for (lines, into) in [
        (&config.exclude, &mut loaded.exclude),
        (&config.extend_exclude, &mut loaded.extend_exclude),
    ] {
        for line in lines {
            exclusions(&base, std::slice::from_ref(line.get_ref()))
                .map_err(|m| err(line.span(), m))?;
            into.push(line.get_ref().clone());
        }
    }
    for r in &config.trusted_registries {
        loaded
            .trusted_registries
            .push(trusted_registry(r.get_ref()).map_err(|m| err(r.span(), m))?);
    }
    loaded.rule_refs = rule_refs;
    Ok(loaded)
}

/// `.gitignore`-style lines (`vendor/`, `**/*.generated.yaml`, `!keep.yaml`) rooted at `root`,
/// compiled by the `ignore` crate so that exclusions read like the ignore files moat honours.
pub fn exclusions(root: &Path, lines: &[String]) -> Result<ignore::gitignore::Gitignore, String> {
    let mut builder = ignore::gitignore::GitignoreBuilder::new(root);
    for line in lines {
        builder
            .add_line(None, line)
            .map_err(|e| format!("bad exclude pattern `{line}`: {e}"))?;
    }
    builder
        .build()
        .map_err(|e| format!("bad exclude pattern: {e}"))
}

/// The user-level configuration file, used where no `.moat.toml` governs a path:
/// `$XDG_CONFIG_HOME/moat/moat.toml`, else `~/.config/moat/moat.toml` (`%APPDATA%\moat\moat.toml`
/// on Windows). Written by hand: the rule is three environment variables, not worth a crate.
pub fn user_config() -> Option<PathBuf> {
    let non_empty = |v: &str| {
        std::env::var_os(v)
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
    };
    let dir = non_empty("XDG_CONFIG_HOME")
        .or_else(|| non_empty("HOME").map(|h| h.join(".config")))
        .or_else(|| non_empty("APPDATA"))?;
    Some(dir.join("moat").join(USER_FILE_NAME)).filter(|p| p.is_file())
}

pub const USER_FILE_NAME: &str = "moat.toml";

/// A `trusted-registries` entry, lower-cased, or why it cannot be one. Registries are named
/// as in an image reference, so a URL, a tag or a digest is a mistake worth stopping on.
fn trusted_registry(entry: &str) -> Result<String, String> {
    let e = entry.trim().trim_end_matches('/').to_ascii_lowercase();
    let problem = if e.is_empty() {
        Some("is empty")
    } else if e.contains("://") {
        Some("is a URL; name the registry as in an image reference (`ghcr.io/acme`)")
    } else if e.contains('@')
        || e.rsplit('/')
            .next()
            .is_some_and(|last| last.contains(':') && e.contains('/'))
    {
        Some("names an image version; list registries or path prefixes only")
    } else if e.chars().any(|c| c.is_whitespace()) {
        Some("contains white space")
    } else if e != "*" && e.strip_prefix("*.").unwrap_or(&e).contains('*') {
        Some("may only use `*` alone or as a leading `*.` on a host")
    } else {
        None
    };
    match problem {
        Some(p) => Err(format!("trusted registry `{entry}` {p}")),
        None => Ok(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_path_finds_its_nearest_config() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        for d in ["a/deep", "b", "c"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        std::fs::write(root.join(FILE_NAME), "").unwrap();
        std::fs::write(root.join("b").join(FILE_NAME), "").unwrap();
        let paths: Vec<PathBuf> = ["a/deep/Dockerfile", "b/compose.yaml", "a/x", "b", "c/y"]
            .iter()
            .map(|p| root.join(p))
            .collect();
        let top = Some(root.join(FILE_NAME));
        let b = Some(root.join("b").join(FILE_NAME));
        assert_eq!(
            find_each(&paths),
            vec![top.clone(), b.clone(), top.clone(), b, top]
        );
        assert_eq!(
            find(&root.join("a/deep/Dockerfile")),
            Some(root.join(FILE_NAME))
        );
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(FILE_NAME);
        std::fs::write(&p, "select = [\"DC\"]\nfail-on = \"hgh\"\n").unwrap();
        let e = load(&p).unwrap_err();
        assert_eq!((e.line, e.column), (2, 11), "{e}");
        std::fs::write(&p, "select = [\"DC\"]\n\ncolour = 1\n").unwrap();
        let e = load(&p).unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(e.message.contains("colour"), "{e}");
        std::fs::write(
            &p,
            "[kinds]\n\"ops/*.yml\" = \"compose\"\n[severity]\nCT006 = \"info\"\n",
        )
        .unwrap();
        let l = load(&p).unwrap();
        assert_eq!(l.severity, vec![("CT006".to_string(), Severity::Info)]);
        assert!(l.kinds[0].0.is_match(dir.path().join("ops/stack.yml")));
        std::fs::write(
            &p,
            "trusted-registries = [\"GHCR.io/Acme/\", \"*.example.com\", \"*\"]\n",
        )
        .unwrap();
        let l = load(&p).unwrap();
        assert_eq!(l.trusted_registries, ["ghcr.io/acme", "*.example.com", "*"]);
        for (bad, why) in [
            ("https://ghcr.io", "URL"),
            ("ghcr.io/acme/app:1.2", "version"),
            ("ghcr.io/acme/app@sha256:00", "version"),
            ("reg*.example.com", "`*`"),
            ("", "empty"),
        ] {
            std::fs::write(
                &p,
                format!("fail-on = \"low\"\ntrusted-registries = [\"{bad}\"]\n"),
            )
            .unwrap();
            let e = load(&p).unwrap_err();
            assert_eq!((e.line, e.column), (2, 23), "{e}");
            assert!(e.message.contains(why), "{bad}: {e}");
        }
    }
}
