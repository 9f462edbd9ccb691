//! Walk the given paths with the `ignore` crate: .gitignore respected (unless `--no-ignore`),
//! hidden files included (`.env` matters), `.git/` skipped, symlinks not followed.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub path: PathBuf,
    /// Named on the command line: always read, classified by content if its name says nothing.
    pub explicit: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiscoverError {
    NotFound(PathBuf),
}

impl std::fmt::Display for DiscoverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DiscoverError::NotFound(p) => write!(f, "{}: no such file or directory", p.display()),
        }
    }
}

/// What a walk found: the files below the given paths, in a stable order, and the walk's
/// own problems (a symlink loop, an unreadable folder) as notes.
#[derive(Debug, Default, Clone)]
pub struct Walk {
    pub candidates: Vec<Candidate>,
    pub notes: Vec<String>,
}

impl Walk {
    /// The `.moat.toml` files the walk met inside the folders given (a config in an ignored
    /// folder governs nothing moat reads), in path order. They come from the same walk as the
    /// files to lint: a second walk for them was a tenth of a corpus run's wall time.
    pub fn configs(&self) -> Vec<PathBuf> {
        let mut configs: Vec<PathBuf> = self
            .candidates
            .iter()
            .filter(|c| {
                !c.explicit
                    && c.path
                        .file_name()
                        .is_some_and(|n| n == crate::config::FILE_NAME)
            })
            .map(|c| c.path.clone())
            .collect();
        // Overlapping paths (`moat check . sub`) meet a config twice.
        configs.sort();
        configs.dedup();
        configs
    }
}

/// The trees a run may read: each path the user named, canonical (a file's own folder for a
/// file). Related files and the rule folders of in-tree configurations must resolve inside
/// one of them.
pub fn roots(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = paths
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .filter_map(|p| {
            let real = std::fs::canonicalize(p).ok()?;
            if real.is_dir() {
                Some(real)
            } else {
                real.parent().map(Path::to_path_buf)
            }
        })
        .collect();
    roots.sort();
    roots.dedup();
    roots
}

/// Walk `paths`: a file is a candidate as given; a folder, every file below it.
pub fn discover(paths: &[PathBuf], no_ignore: bool) -> Result<Walk, DiscoverError> {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    for root in paths {
        let meta = std::fs::metadata(root).map_err(|_| DiscoverError::NotFound(root.clone()))?;
        if !meta.is_dir() {
            out.push(Candidate {
                path: root.clone(),
                explicit: true,
            });
            continue;
        }
        let mut found = Vec::new();
        for entry in walker(root, no_ignore) {
            match entry {
                Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => found.push(Candidate {
                    path: clean(e.path()),
                    explicit: false,
                }),
                Ok(_) => {}
                Err(e) => notes.push(e.to_string()),
            }
        }
        found.sort_by(|a, b| a.path.cmp(&b.path));
        out.extend(found);
    }
    if paths.len() > 1 {
        out = reached_once(out);
    }
    Ok(Walk {
        candidates: out,
        notes,
    })
}

/// One candidate per file when several paths reach it (`moat check . ./compose.yaml`), under
/// the first path that did; named explicitly if any of them named it. One walk reaches a file
/// once: links are not followed.
fn reached_once(candidates: Vec<Candidate>) -> Vec<Candidate> {
    let mut first: std::collections::HashMap<PathBuf, usize> = std::collections::HashMap::new();
    let mut out: Vec<Candidate> = Vec::with_capacity(candidates.len());
    for c in candidates {
        let key = std::fs::canonicalize(&c.path).unwrap_or_else(|_| c.path.clone());
        match first.get(&key) {
            Some(&i) => out[i].explicit |= c.explicit,
            None => {
                first.insert(key, out.len());
                out.push(c);
            }
        }
    }
    out
}

fn clean(p: &Path) -> PathBuf {
    p.strip_prefix("./")
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| p.to_path_buf())
}

fn walker(root: &Path, no_ignore: bool) -> ignore::Walk {
    ignore::WalkBuilder::new(root)
        .hidden(false)
        .require_git(false)
        .git_ignore(!no_ignore)
        .git_global(!no_ignore)
        .git_exclude(!no_ignore)
        .ignore(!no_ignore)
        .parents(!no_ignore)
        .follow_links(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build()
}
