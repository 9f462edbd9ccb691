//! Reading a file that another file names (a Compose `env_file:`, a `redis.conf` mounted into
//! a container, its `include`s, a values file's `Chart.yaml`), to join its settings to a
//! service. moat never follows a scanned file anywhere else:
//! - the name must stay below the folder of the file that names it (no absolute path, no
//!   `..`, no variable), and the file it resolves to, every symlink followed, must be inside a
//!   tree the user named (`Related::new`'s roots; without roots, the naming file's folder);
//! - it is read through `files::read` (size limit, no FIFOs or devices);
//! - each file is read once per run, keyed by its identity (a hard link or a second symlink
//!   to it is the same file), and shared by every file and service that names it;
//! - the files joined to one linted file total at most `JOIN_BUDGET` bytes, so a file naming
//!   the same large file a thousand times costs a bounded amount.
//!
//! A reference refused for what it resolves to (outside the tree, too large, not a regular
//! file, over the budget) is noted at the reference, by name: the target's content is never
//! shown.

use crate::source::Span;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// The files joined to one linted file total at most this many bytes.
pub const JOIN_BUDGET: u64 = 2 * 1024 * 1024;

/// What the run keeps of related files at most; past it, files are read for each use.
const CACHE_BUDGET: u64 = 16 * 1024 * 1024;

/// A file's identity: the same file under two names (hard links, symlinks) is one file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileId(#[cfg(unix)] (u64, u64), #[cfg(not(unix))] PathBuf);

impl FileId {
    /// The identity of the file at `path` (symlinks followed), if it exists.
    pub fn of(path: &Path) -> Option<FileId> {
        let meta = std::fs::metadata(path).ok()?;
        Some(FileId::from_metadata(
            &meta,
            &std::fs::canonicalize(path).ok()?,
        ))
    }

    /// The identity of the file at the canonical path `real`, whose metadata is `meta`.
    fn from_metadata(meta: &std::fs::Metadata, real: &Path) -> FileId {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let _ = real;
            FileId((meta.dev(), meta.ino()))
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            FileId(real.to_path_buf())
        }
    }
}

type Loaded = Arc<OnceLock<Result<Arc<str>, String>>>;

/// One run's related files.
#[derive(Debug, Default)]
pub struct Related {
    /// Canonical folders related files must resolve inside; empty: the naming file's folder.
    roots: Vec<PathBuf>,
    cache: Mutex<HashMap<FileId, Loaded>>,
    cached_bytes: Mutex<u64>,
}

impl Related {
    pub fn new(roots: Vec<PathBuf>) -> Related {
        Related {
            roots,
            ..Related::default()
        }
    }

    /// The reader for one linted file, with its own budget and notes.
    pub fn joiner(&self) -> Joiner<'_> {
        Joiner {
            related: self,
            joined: Cell::new(0),
            stopped: Cell::new(false),
            notes: RefCell::new(Vec::new()),
        }
    }

    fn inside(&self, real: &Path, naming_folder: &Path) -> bool {
        if self.roots.is_empty() {
            return std::fs::canonicalize(naming_folder).is_ok_and(|f| real.starts_with(f));
        }
        self.roots.iter().any(|r| real.starts_with(r))
    }

    /// The text of the file `real` (canonical) whose identity is `id`: read once per run.
    fn text(&self, id: FileId, real: &Path, size: u64) -> Result<Arc<str>, String> {
        let read = || {
            crate::files::read_text(real, crate::MAX_FILE_BYTES)
                .map(Arc::from)
                .map_err(|e| e.to_string())
        };
        let slot = {
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            match cache.get(&id) {
                Some(slot) => slot.clone(),
                None => {
                    let mut cached = self.cached_bytes.lock().unwrap_or_else(|e| e.into_inner());
                    if *cached + size > CACHE_BUDGET {
                        drop(cached);
                        drop(cache);
                        return read();
                    }
                    *cached += size;
                    cache.entry(id).or_default().clone()
                }
            }
        };
        // Read outside the lock: other threads wait only for this same file.
        slot.get_or_init(read).clone()
    }
}

/// A related file as read.
#[derive(Debug, Clone)]
pub struct Joined {
    /// The path as named, below the naming file's folder (further names resolve against it).
    pub path: PathBuf,
    pub id: FileId,
    pub text: Arc<str>,
}

/// Reads the related files of one linted file, within the run's trees and the file's budget,
/// and keeps the notes to report on it.
#[derive(Debug)]
pub struct Joiner<'r> {
    related: &'r Related,
    joined: Cell<u64>,
    stopped: Cell<bool>,
    notes: RefCell<Vec<(Span, String)>>,
}

impl Joiner<'_> {
    /// `relative`, as written in `declared_in` at `at`. An error says why it was not read;
    /// refusals for what the name resolves to are also noted at `at`.
    pub fn read(&self, declared_in: &Path, relative: &str, at: Span) -> Result<Joined, String> {
        self.read_noting(declared_in, relative, Some(at))
    }

    /// A file moat looks for by name beside `beside` (a values file's `Chart.yaml`, a
    /// `kustomization.yaml`): read as `read` does, but its absence or refusal is no news.
    pub fn look_for(&self, beside: &Path, name: &str) -> Option<Joined> {
        self.read_noting(beside, name, None).ok()
    }

    fn read_noting(
        &self,
        declared_in: &Path,
        relative: &str,
        at: Option<Span>,
    ) -> Result<Joined, String> {
        let note = |message: String| {
            if let Some(at) = at {
                self.note(at, message);
            }
        };
        let rel = Path::new(relative.trim());
        if rel.as_os_str().is_empty() {
            return Err("an empty name".into());
        }
        if rel.is_absolute() || relative.trim().starts_with('~') {
            return Err("an absolute path outside this repository".into());
        }
        if relative.contains('$') {
            return Err("depends on a variable".into());
        }
        if rel
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
        {
            return Err("outside the folder of the file that names it".into());
        }
        let base = match declared_in.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let path = base.join(rel);
        let real = std::fs::canonicalize(&path).map_err(|_| "not found below this folder")?;
        if !self.related.inside(&real, base) {
            note(format!(
                "`{relative}` was not read: it resolves outside the linted tree"
            ));
            return Err("resolves outside the linted tree".into());
        }
        let meta = std::fs::metadata(&real).map_err(|_| "not found below this folder")?;
        let id = FileId::from_metadata(&meta, &real);
        let over_budget = || {
            if at.is_some() && !self.stopped.replace(true) {
                note(format!(
                    "`{relative}` and the files named after it were not read: the files \
                     joined to this one would exceed {JOIN_BUDGET} bytes"
                ));
            }
            Err(format!(
                "over the {JOIN_BUDGET}-byte budget for joined files"
            ))
        };
        // The stated size first, so a file over the budget is not even read; then the text's
        // own length (a `/proc` file states 0). A file over the size limit is refused by the
        // read, which says so.
        if meta.len() <= crate::MAX_FILE_BYTES && self.joined.get() + meta.len() > JOIN_BUDGET {
            return over_budget();
        }
        let text = self
            .related
            .text(id.clone(), &real, meta.len())
            .inspect_err(|why| note(format!("`{relative}` was not read: {why}")))?;
        let total = self.joined.get() + text.len() as u64;
        if total > JOIN_BUDGET {
            return over_budget();
        }
        self.joined.set(total);
        Ok(Joined { path, id, text })
    }

    /// A note for the linted file at `at` (said once).
    pub fn note(&self, at: Span, message: String) {
        let mut notes = self.notes.borrow_mut();
        if !notes.iter().any(|(s, m)| *s == at && *m == message) {
            notes.push((at, message));
        }
    }

    /// The notes so far, in the order they were made.
    pub fn take_notes(&self) -> Vec<(Span, String)> {
        std::mem::take(&mut self.notes.borrow_mut())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_below_the_declaring_folder() {
        let dir = tempfile::tempdir().unwrap();
        let compose = dir.path().join("compose.yaml");
        std::fs::write(&compose, "services: {}\n").unwrap();
        std::fs::create_dir(dir.path().join("conf")).unwrap();
        std::fs::write(dir.path().join("conf/redis.conf"), "bind 0.0.0.0\n").unwrap();
        let related = Related::default();
        let j = related.joiner();
        let read = |name: &str| j.read(&compose, name, Span::default());
        assert_eq!(&*read("./conf/redis.conf").unwrap().text, "bind 0.0.0.0\n");
        assert!(read("../etc/passwd").is_err());
        assert!(read("/etc/passwd").is_err());
        assert!(read("${CONF}/redis.conf").is_err());
        assert!(read("conf").is_err());
        assert!(read("missing.conf").is_err());
        assert!(j.take_notes().iter().all(|(_, m)| m.contains("`conf`")));
    }

    /// The class of item 1 of issue 15: a symlinked folder inside the tree leading out of it.
    #[test]
    #[cfg(unix)]
    fn a_symlinked_folder_out_of_the_tree_is_refused_with_a_note() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.env"), "TOKEN=hunter2\n").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("linkdir")).unwrap();
        let compose = root.join("compose.yaml");
        for related in [Related::new(vec![root.clone()]), Related::default()] {
            let j = related.joiner();
            let e = j
                .read(&compose, "linkdir/secret.env", Span::new(3, 9))
                .unwrap_err();
            assert!(e.contains("outside the linted tree"), "{e}");
            let notes = j.take_notes();
            assert_eq!(notes.len(), 1);
            assert_eq!(notes[0].0, Span::new(3, 9));
            assert!(notes[0].1.contains("`linkdir/secret.env`"), "{:?}", notes);
            assert!(!notes[0].1.contains("hunter2"));
        }
    }

    /// Item 7: the same file named many times is read once and the joins are budgeted.
    #[test]
    fn each_file_is_read_once_and_joins_are_budgeted() {
        let dir = tempfile::tempdir().unwrap();
        let compose = dir.path().join("compose.yaml");
        let big = "A=1\n".repeat((JOIN_BUDGET / 4 / 3) as usize);
        std::fs::write(dir.path().join("big.env"), &big).unwrap();
        let related = Related::default();
        let j = related.joiner();
        let first = j.read(&compose, "big.env", Span::default()).unwrap();
        let second = j.read(&compose, "./big.env", Span::default()).unwrap();
        assert!(Arc::ptr_eq(&first.text, &second.text), "read twice");
        j.read(&compose, "big.env", Span::default()).unwrap();
        let e = j.read(&compose, "big.env", Span::new(1, 2)).unwrap_err();
        assert!(e.contains("budget"), "{e}");
        j.read(&compose, "big.env", Span::new(5, 6)).unwrap_err();
        let notes = j.take_notes();
        assert_eq!(notes.len(), 1, "one note where moat stopped: {notes:?}");
        assert_eq!(notes[0].0, Span::new(1, 2));
        // Another linted file has a budget of its own, and shares the text.
        let third = related
            .joiner()
            .read(&compose, "big.env", Span::default())
            .unwrap();
        assert!(Arc::ptr_eq(&first.text, &third.text));
    }
}
