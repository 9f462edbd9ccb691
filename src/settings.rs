//! Command-line flags and `.moat.toml`, merged once into what the pipeline needs: flags win.

use crate::classify::FileKind;
use crate::diagnostic::Severity;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Settings {
    /// Ids, names or id prefixes; empty means every rule.
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub fail_on: Severity,
    pub rule_dirs: Vec<PathBuf>,
    /// The folders the user named, canonical (`discover::roots`): files that linted files
    /// name are read only inside them. Empty: only below the naming file's folder.
    pub roots: Vec<PathBuf>,
    pub no_ignore: bool,
    pub severity: Vec<(String, Severity)>,
    pub kinds: Vec<(globset::GlobMatcher, FileKind)>,
    pub report_unused_ignores: bool,
    /// From `.moat.toml` `[per-file-ignores]`: glob → rules.
    pub per_file_ignores: Vec<(globset::GlobMatcher, Vec<String>)>,
    /// Rules from another configuration's `rule-dirs`: they do not run here.
    pub foreign_rules: Vec<String>,
    /// From `.moat.toml`: registries images may come from (empty: no opinion).
    pub trusted_registries: Vec<String>,
    /// When paths sit under different `.moat.toml` files, the settings of each config's folder;
    /// files outside all of them use these settings.
    pub scopes: Vec<Scope>,
    /// Files not to lint (`exclude`, `extend-exclude`, `--exclude`, `--extend-exclude`), each
    /// set rooted where it was written: the config's folder, or the working folder for flags.
    pub exclude: Vec<ignore::gitignore::Gitignore>,
}

/// The settings that govern every file under `root` (a canonical folder).
#[derive(Debug, Clone)]
pub struct Scope {
    pub root: PathBuf,
    pub settings: Settings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            select: Vec::new(),
            ignore: Vec::new(),
            fail_on: Severity::Low,
            rule_dirs: Vec::new(),
            roots: Vec::new(),
            no_ignore: false,
            severity: Vec::new(),
            kinds: Vec::new(),
            report_unused_ignores: false,
            per_file_ignores: Vec::new(),
            foreign_rules: Vec::new(),
            trusted_registries: Vec::new(),
            scopes: Vec::new(),
            exclude: Vec::new(),
        }
    }
}

/// `DF` matches `DF001`; `DF00` matches `DF001`..`DF009`; a name matches itself.
fn matches(selector: &str, id: &str, name: &str) -> bool {
    let s = selector.trim();
    s.eq_ignore_ascii_case(name)
        || (!s.is_empty() && id.to_ascii_uppercase().starts_with(&s.to_ascii_uppercase()))
        || s.eq_ignore_ascii_case("ALL")
}

impl Settings {
    /// What a `.moat.toml` says on its own, with no flags on top.
    pub fn from_config(c: crate::config::Loaded) -> Settings {
        Settings {
            select: c.select,
            ignore: c.ignore,
            fail_on: c.fail_on.unwrap_or(Severity::Low),
            rule_dirs: c.rule_dirs,
            severity: c.severity,
            kinds: c.kinds,
            per_file_ignores: c.per_file_ignores,
            trusted_registries: c.trusted_registries,
            ..Settings::default()
        }
    }

    /// The settings of the deepest scope that contains `path`, else these.
    pub fn for_path(&self, path: &Path) -> &Settings {
        if self.scopes.is_empty() {
            return self;
        }
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.scopes
            .iter()
            .filter(|s| abs.starts_with(&s.root))
            .max_by_key(|s| s.root.components().count())
            .map_or(self, |s| &s.settings)
    }

    /// Whether an exclusion of the settings that govern `path` covers it or a folder above it.
    pub fn excludes(&self, path: &Path) -> bool {
        let governing = self.for_path(path);
        if governing.exclude.is_empty() {
            return false;
        }
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| {
            std::env::current_dir()
                .map(|d| d.join(path))
                .unwrap_or_else(|_| path.to_path_buf())
        });
        governing.exclude.iter().any(|m| {
            // The matcher panics on a path outside its root; such a path is not its business.
            abs.starts_with(m.path()) && m.matched_path_or_any_parents(&abs, false).is_ignore()
        })
    }

    pub fn enabled(&self, id: &str, name: &str) -> bool {
        if self.foreign_rules.iter().any(|r| r == id) {
            return false;
        }
        let selected = self.select.is_empty() || self.select.iter().any(|s| matches(s, id, name));
        // Input problems (parse errors, skipped files) are always selected, but may be ignored.
        let always = [
            crate::diagnostic::PARSE_ERROR,
            crate::diagnostic::SKIPPED,
            crate::suppress::UNEXPLAINED,
            crate::suppress::UNUSED,
        ];
        let selected = selected || always.contains(&id);
        selected && !self.ignore.iter().any(|s| matches(s, id, name))
    }

    /// Ignored for this file by `[per-file-ignores]`.
    pub fn ignored_in(&self, path: &Path, id: &str, name: &str) -> bool {
        if self.per_file_ignores.is_empty() {
            return false;
        }
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.per_file_ignores.iter().any(|(g, rules)| {
            (g.is_match(&abs) || g.is_match(path)) && rules.iter().any(|r| matches(r, id, name))
        })
    }

    pub fn severity_override(&self, id: &str, name: &str) -> Option<Severity> {
        self.severity
            .iter()
            .rev()
            .find(|(k, _)| k == id || k == name)
            .map(|(_, s)| *s)
    }

    pub fn kind_for(&self, path: &Path) -> Option<FileKind> {
        if self.kinds.is_empty() {
            return None;
        }
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.kinds
            .iter()
            .find(|(g, _)| g.is_match(&abs) || g.is_match(path))
            .map(|(_, k)| *k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_and_ignore_by_id_prefix_and_name() {
        let s = Settings {
            select: vec!["DF".into()],
            ignore: vec!["dockerfile-no-healthcheck".into()],
            ..Settings::default()
        };
        assert!(s.enabled("DF001", "x"));
        assert!(!s.enabled("DC001", "y"));
        assert!(!s.enabled("DF013", "dockerfile-no-healthcheck"));
        assert!(s.enabled("parse-error", "parse-error"));
    }

    #[test]
    fn the_deepest_scope_governs_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        let scoped = |rule: &str, at: PathBuf| Scope {
            root: at,
            settings: Settings {
                ignore: vec![rule.into()],
                ..Settings::default()
            },
        };
        let s = Settings {
            scopes: vec![
                scoped("DC001", root.join("a/b")),
                scoped("DF001", root.join("a")),
            ],
            ..Settings::default()
        };
        let in_b = s.for_path(&root.join("a/b/compose.yaml"));
        assert!(!in_b.enabled("DC001", "x") && in_b.enabled("DF001", "y"));
        let in_a = s.for_path(&root.join("a/Dockerfile"));
        assert!(in_a.enabled("DC001", "x") && !in_a.enabled("DF001", "y"));
        let outside = s.for_path(&root.join("Dockerfile"));
        assert!(outside.enabled("DC001", "x") && outside.enabled("DF001", "y"));
    }
}
