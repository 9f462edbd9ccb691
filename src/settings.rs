//! Command-line flags and `.moat.toml`, merged once into what the pipeline needs: flags win.

use crate::classify::FileKind;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::load::Rule;
use crate::rules::schema::RuleSet;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Settings {
    /// Ids, names, id prefixes, set names (`hardening`) or `ALL`; empty means the default
    /// set. As ruff's `select`, it replaces the default.
    pub select: Vec<String>,
    /// Selectors added to `select` (or to the default set when `select` is empty).
    pub extend_select: Vec<String>,
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
            extend_select: Vec::new(),
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

/// What selectors match a rule by: its id, name and set, and its aliases (the ids and names
/// of the rules merged into it).
#[derive(Debug, Clone, Copy)]
pub struct RuleKey<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub set: RuleSet,
    pub aliases: &'a [std::sync::Arc<str>],
}

impl<'a> RuleKey<'a> {
    /// A rule without aliases (input problems, tests).
    pub fn new(id: &'a str, name: &'a str, set: RuleSet) -> Self {
        RuleKey {
            id,
            name,
            set,
            aliases: &[],
        }
    }

    /// The key of a finding: its rule's id, name and aliases, and the set `rules` give it.
    pub fn of(rules: &[Rule], d: &'a Diagnostic) -> Self {
        RuleKey {
            id: &d.rule,
            name: &d.name,
            set: set_of(rules, &d.rule),
            aliases: &d.aliases,
        }
    }
}

/// `DF` matches `DF001`; `DF00` matches `DF001`..`DF009`; a name matches itself; a set's
/// name (`hardening`) matches its rules; `ALL` matches every rule. A former id or name (an
/// alias) matches as the rule's own does: `KS009` and `KS` select the rule KS009 became.
pub fn matches(selector: &str, key: RuleKey) -> bool {
    let s = selector.trim();
    let by_id_or_name = |id: &str, name: &str| {
        s.eq_ignore_ascii_case(name)
            || (!s.is_empty() && id.to_ascii_uppercase().starts_with(&s.to_ascii_uppercase()))
    };
    by_id_or_name(key.id, key.name)
        || s.eq_ignore_ascii_case("ALL")
        || RuleSet::named(s) == Some(key.set)
        || key.aliases.iter().any(|a| by_id_or_name(a, a))
}

/// Where a finding stands under the settings of its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// Reported.
    Shown,
    /// Not reported because its rule is outside the default set and the selection is the
    /// default one: counted in the note that says how to see it.
    OutsideDefault,
    /// Not reported because the user said so: `ignore`, `[per-file-ignores]`, a `select`
    /// that leaves it out, or a rule from another configuration's folder.
    Deselected,
}

/// The set of the rule `id` among `rules`; findings about the input are in the default.
pub fn set_of(rules: &[Rule], id: &str) -> RuleSet {
    rules
        .iter()
        .find(|r| &*r.id == id)
        .map_or(RuleSet::Default, |r| r.set)
}

impl Settings {
    /// What a `.moat.toml` says on its own, with no flags on top.
    pub fn from_config(c: crate::config::Loaded) -> Settings {
        Settings {
            select: c.select,
            extend_select: c.extend_select,
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

    /// Every rule, as `--select ALL`: what tests and the corpus harness mean by "everything".
    pub fn all() -> Settings {
        Settings {
            select: vec!["ALL".into()],
            ..Settings::default()
        }
    }

    /// Whether rule `id` (`name`, in `set`) is reported, before `[per-file-ignores]`.
    pub fn selection(&self, key: RuleKey) -> Selection {
        let (id, set) = (key.id, key.set);
        if self.foreign_rules.iter().any(|r| r == id) || self.ignore.iter().any(|s| matches(s, key))
        {
            return Selection::Deselected;
        }
        // Input problems (parse errors, skipped files) are always selected, but may be ignored.
        let always = [
            crate::diagnostic::PARSE_ERROR,
            crate::diagnostic::SKIPPED,
            crate::suppress::UNEXPLAINED,
            crate::suppress::UNUSED,
        ];
        let selected = always.contains(&id)
            || if self.select.is_empty() {
                set == RuleSet::Default
            } else {
                self.select.iter().any(|s| matches(s, key))
            }
            || self.extend_select.iter().any(|s| matches(s, key));
        match selected {
            true => Selection::Shown,
            false if self.select.is_empty() => Selection::OutsideDefault,
            false => Selection::Deselected,
        }
    }

    pub fn enabled(&self, key: RuleKey) -> bool {
        self.selection(key) == Selection::Shown
    }

    /// Where a finding in the file at `path` stands: `selection`, then `[per-file-ignores]`.
    pub fn selects(&self, rules: &[Rule], path: &Path, d: &Diagnostic) -> Selection {
        let key = RuleKey::of(rules, d);
        match self.selection(key) {
            Selection::Deselected => Selection::Deselected,
            _ if self.ignored_in(path, key) => Selection::Deselected,
            s => s,
        }
    }

    /// Ignored for this file by `[per-file-ignores]`.
    pub fn ignored_in(&self, path: &Path, key: RuleKey) -> bool {
        if self.per_file_ignores.is_empty() {
            return false;
        }
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.per_file_ignores.iter().any(|(g, rules)| {
            (g.is_match(&abs) || g.is_match(path)) && rules.iter().any(|r| matches(r, key))
        })
    }

    /// `[severity]` of the rule of `d`: by id, name, or a former id or name.
    pub fn severity_override(&self, d: &Diagnostic) -> Option<Severity> {
        self.severity
            .iter()
            .rev()
            .find(|(k, _)| *k == *d.rule || *k == *d.name || d.aliases.iter().any(|a| **a == **k))
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

    const D: RuleSet = RuleSet::Default;
    const H: RuleSet = RuleSet::Hardening;

    #[test]
    fn select_and_ignore_by_id_prefix_and_name() {
        let s = Settings {
            select: vec!["DF".into()],
            ignore: vec!["dockerfile-no-healthcheck".into()],
            ..Settings::default()
        };
        assert!(s.enabled(RuleKey::new("DF001", "x", H)));
        assert!(!s.enabled(RuleKey::new("DC001", "y", D)));
        assert!(!s.enabled(RuleKey::new("DF013", "dockerfile-no-healthcheck", H)));
        assert!(s.enabled(RuleKey::new("parse-error", "parse-error", D)));
    }

    #[test]
    fn the_default_selection_is_the_default_set() {
        let s = Settings::default();
        assert_eq!(s.selection(RuleKey::new("DC001", "a", D)), Selection::Shown);
        assert_eq!(
            s.selection(RuleKey::new("CT006", "b", H)),
            Selection::OutsideDefault
        );
        // Extending the default by the set's name, in any case, or by one id.
        for extra in ["hardening", "HARDENING", "CT006", "b", "ALL"] {
            let s = Settings {
                extend_select: vec![extra.into()],
                ..Settings::default()
            };
            assert!(
                s.enabled(RuleKey::new("CT006", "b", H))
                    && s.enabled(RuleKey::new("DC001", "a", D)),
                "{extra}"
            );
        }
        // `select` replaces the default: what it leaves out is the user's choice, no note.
        let s = Settings {
            select: vec!["hardening".into()],
            ..Settings::default()
        };
        assert!(s.enabled(RuleKey::new("CT006", "b", H)));
        assert_eq!(
            s.selection(RuleKey::new("DC001", "a", D)),
            Selection::Deselected
        );
        // An ignored rule is the user's choice too.
        let s = Settings {
            ignore: vec!["hardening".into()],
            ..Settings::all()
        };
        assert_eq!(
            s.selection(RuleKey::new("CT006", "b", H)),
            Selection::Deselected
        );
        assert!(Settings::all().enabled(RuleKey::new("CT006", "b", H)));
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
        assert!(
            !in_b.enabled(RuleKey::new("DC001", "x", D))
                && in_b.enabled(RuleKey::new("DF001", "y", D))
        );
        let in_a = s.for_path(&root.join("a/Dockerfile"));
        assert!(
            in_a.enabled(RuleKey::new("DC001", "x", D))
                && !in_a.enabled(RuleKey::new("DF001", "y", D))
        );
        let outside = s.for_path(&root.join("Dockerfile"));
        assert!(
            outside.enabled(RuleKey::new("DC001", "x", D))
                && outside.enabled(RuleKey::new("DF001", "y", D))
        );
    }
}
