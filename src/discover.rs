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

/// Files below `paths`, in a stable order, and the walk's own problems (a symlink loop, an
/// unreadable folder) as notes.
pub fn discover(
    paths: &[PathBuf],
    no_ignore: bool,
) -> Result<(Vec<Candidate>, Vec<String>), DiscoverError> {
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
    Ok((out, notes))
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

/// The `.moat.toml` files inside the folders among `paths`, as the walk sees them (a config
/// in an ignored folder governs nothing moat reads), in path order.
pub fn configs_below(paths: &[PathBuf], no_ignore: bool) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = paths
        .iter()
        .filter(|p| p.is_dir())
        .flat_map(|root| walker(root, no_ignore))
        .flatten()
        .filter(|e| {
            e.file_name() == crate::config::FILE_NAME && e.file_type().is_some_and(|t| t.is_file())
        })
        .map(|e| e.into_path())
        .collect();
    out.sort();
    out.dedup();
    out
}
