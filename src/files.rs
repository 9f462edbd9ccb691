//! Every file moat reads or writes goes through here: linted files, related files (`env_file`,
//! mounted `redis.conf`, `include`s, `Chart.yaml`), configurations, rule folders, baselines
//! and advisory files. Reading refuses FIFOs, devices and sockets before opening them (opening
//! a FIFO blocks until a writer comes; some devices act on open) and stops one byte past the
//! size limit whatever the file claims its size is (`/proc` files claim 0). Writing replaces
//! a file through a temporary file and a rename, never through a symlink.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Files larger than this are not read: configuration is never this big, and a hostile file
/// must not cost unbounded memory.
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// Baselines record every finding of a tree, so a monorepo's may outgrow a configuration file.
pub const MAX_BASELINE_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug)]
pub enum ReadError {
    /// Larger than the limit: `size` is what was seen (the stated size, or the bytes read).
    TooLarge {
        size: u64,
        limit: u64,
    },
    /// A FIFO, a device, a socket or a folder: named, never opened.
    NotRegular(&'static str),
    NotUtf8,
    Io(std::io::Error),
}

impl ReadError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io(e) if e.kind() == std::io::ErrorKind::NotFound)
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::TooLarge { size, limit } if size > limit => {
                write!(f, "{size} bytes is over the {limit}-byte limit")
            }
            ReadError::TooLarge { limit, .. } => write!(f, "over the {limit}-byte limit"),
            ReadError::NotRegular(what) => write!(f, "not a regular file ({what})"),
            ReadError::NotUtf8 => write!(f, "not UTF-8 text"),
            ReadError::Io(e) => e.fmt(f),
        }
    }
}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> Self {
        ReadError::Io(e)
    }
}

/// What a non-regular file is, for messages; `None` for a regular file.
fn special_kind(meta: &std::fs::Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("a folder");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a FIFO");
        }
        if t.is_char_device() || t.is_block_device() {
            return Some("a device");
        }
        if t.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a file")
}

/// Open for reading without blocking: if a FIFO replaced the file after it was checked, the
/// open returns at once and the check on the open file refuses it.
fn open_for_reading(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let flags = rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::NOCTTY;
        options.custom_flags(flags.bits() as i32);
    }
    options.open(path)
}

/// The bytes of the regular file at `path` (symlinks followed; callers that must stay inside
/// a tree check the resolved path first), at most `limit` of them.
pub fn read(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    if let Some(kind) = special_kind(&std::fs::metadata(path)?) {
        return Err(ReadError::NotRegular(kind));
    }
    let file = open_for_reading(path)?;
    let meta = file.metadata()?;
    if let Some(kind) = special_kind(&meta) {
        return Err(ReadError::NotRegular(kind));
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge {
            size: meta.len(),
            limit,
        });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // One byte past the limit: a file that grew since its size was read, or one whose stated
    // size is not its content (`/proc`), is still caught.
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

/// `read`, as UTF-8 text without a leading BOM.
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    let bytes = read(path, limit)?;
    let mut text = String::from_utf8(bytes).map_err(|_| ReadError::NotUtf8)?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

/// Where `path` really is: its folder resolved, its last component kept as it is (so a
/// symlink there is found, not followed).
fn resolve_folder(path: &Path) -> std::io::Result<PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("not a file name"))?;
    Ok(std::fs::canonicalize(folder_of(path))?.join(name))
}

fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// `replace` for a file moat creates at a path that may lie in the checked tree (a
/// baseline): no folder of a relative path may be a symlink either, so a committed `.moat ->
/// ~/.ssh` cannot make `--write-baseline .moat/baseline.json` write into `~/.ssh`. (Fixes
/// need no such check: the walk follows no symlinks, and a path named on the command line is
/// the user's.) An absolute path's folders are the user's own choice.
pub fn create_in_tree(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let dir = folder_of(path);
    if dir.is_relative() {
        for folder in dir.ancestors().filter(|a| !a.as_os_str().is_empty()) {
            if std::fs::symlink_metadata(folder).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(WriteError::Refused(format!(
                    "its folder `{}` is a symlink, and moat does not write through symlinks",
                    folder.display()
                )));
            }
        }
    }
    replace(path, bytes, None)
}

/// Why a file was not replaced. Every case leaves the file as it was.
#[derive(Debug)]
pub enum WriteError {
    /// A symlink, a hard-linked file, a read-only file, a FIFO: deliberately left alone.
    Refused(String),
    /// Changed on disk since moat read it: writing would lose those edits.
    Changed,
    Io(std::io::Error),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::Refused(why) => write!(f, "{why}; left unchanged"),
            WriteError::Changed => {
                write!(
                    f,
                    "it changed while moat ran; left unchanged (run moat again)"
                )
            }
            WriteError::Io(e) => write!(f, "{e}; the file is unchanged"),
        }
    }
}

impl From<std::io::Error> for WriteError {
    fn from(e: std::io::Error) -> Self {
        WriteError::Io(e)
    }
}

/// Replace (or create) the file at `path` with `bytes`: written to a temporary file in the
/// same folder, flushed, then renamed over it, so a full disk or a crash leaves the old file
/// whole. The replacement keeps the old file's mode, owner, group and extended attributes.
/// Refused, and the file left alone: a symlink (a committed `baseline.json ->
/// ~/.ssh/authorized_keys` must not be written through), a file with several hard links (a
/// rename would split them), a read-only file, anything but a regular file. With `expected`,
/// the file's content is compared again just before the rename and nothing is written when
/// it changed since it was read (an editor or a formatter writing at the same time).
pub fn replace(path: &Path, bytes: &[u8], expected: Option<&[u8]>) -> Result<(), WriteError> {
    let target = resolve_folder(path)?;
    let existing = match std::fs::symlink_metadata(&target) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && expected.is_none() => None,
        Err(e) => return Err(e.into()),
    };
    if let Some(m) = &existing {
        refuse_to_replace(m)?;
    }
    let dir = target.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new().prefix(".moat-").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    if let Some(m) = &existing {
        keep_attributes(m, &target, tmp.as_file())?;
    }
    tmp.as_file().sync_all()?;
    if let Some(expected) = expected {
        let now = read(&target, expected.len() as u64 + 1).map_err(|e| match e {
            ReadError::Io(e) => WriteError::Io(e),
            _ => WriteError::Changed,
        })?;
        if now != expected {
            return Err(WriteError::Changed);
        }
    }
    tmp.persist(&target).map_err(|e| e.error)?;
    Ok(())
}

fn refuse_to_replace(m: &std::fs::Metadata) -> Result<(), WriteError> {
    if m.file_type().is_symlink() {
        return Err(WriteError::Refused(
            "it is a symlink, and moat does not write through symlinks".into(),
        ));
    }
    if let Some(kind) = special_kind(m) {
        return Err(WriteError::Refused(format!("not a regular file ({kind})")));
    }
    if m.permissions().readonly() {
        return Err(WriteError::Refused("it is read-only".into()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if m.nlink() > 1 {
            return Err(WriteError::Refused(format!(
                "it has {} hard links, which replacing it would split",
                m.nlink()
            )));
        }
    }
    Ok(())
}

/// Give the new file the old one's mode, owner, group and extended attributes. Whatever
/// cannot be kept stops the write: a fix must not quietly change who may read a file.
fn keep_attributes(
    old: &std::fs::Metadata,
    old_path: &Path,
    new: &std::fs::File,
) -> Result<(), WriteError> {
    new.set_permissions(old.permissions())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let now = new.metadata()?;
        if (now.uid(), now.gid()) != (old.uid(), old.gid()) {
            rustix::fs::fchown(
                new,
                Some(rustix::fs::Uid::from_raw(old.uid())),
                Some(rustix::fs::Gid::from_raw(old.gid())),
            )
            .map_err(|e| {
                WriteError::Refused(format!(
                    "its owner and group cannot be kept ({})",
                    std::io::Error::from(e)
                ))
            })?;
            // chown clears set-id bits: put the mode back.
            new.set_permissions(old.permissions())?;
        }
    }
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "macos"))]
    copy_xattrs(old_path, new)?;
    #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "macos")))]
    let _ = old_path;
    Ok(())
}

#[cfg(any(target_os = "linux", target_os = "android", target_os = "macos"))]
fn copy_xattrs(old_path: &Path, new: &std::fs::File) -> Result<(), WriteError> {
    use rustix::io::Errno;
    let old = open_for_reading(old_path)?;
    let unsupported = |e: Errno| e == Errno::NOTSUP || e == Errno::OPNOTSUPP;
    let len = match rustix::fs::flistxattr_query(&old) {
        Ok(n) => n,
        Err(e) if unsupported(e) => return Ok(()),
        Err(e) => return Err(std::io::Error::from(e).into()),
    };
    if len == 0 {
        return Ok(());
    }
    let mut names = vec![0u8; len];
    let n = rustix::fs::flistxattr(&old, &mut names[..]).map_err(std::io::Error::from)?;
    for name in names[..n].split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = std::ffi::CString::new(name).map_err(std::io::Error::other)?;
        let size = rustix::fs::fgetxattr_query(&old, &name).map_err(std::io::Error::from)?;
        let mut value = vec![0u8; size];
        let got =
            rustix::fs::fgetxattr(&old, &name, &mut value[..]).map_err(std::io::Error::from)?;
        rustix::fs::fsetxattr(new, &name, &value[..got], rustix::fs::XattrFlags::empty()).map_err(
            |e| {
                WriteError::Refused(format!(
                    "its extended attribute `{}` cannot be kept ({})",
                    name.to_string_lossy(),
                    std::io::Error::from(e)
                ))
            },
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `to` relative to `from` (both absolute), by climbing to their common folder.
    fn pathdiff(to: &Path, from: &Path) -> PathBuf {
        let common = to
            .ancestors()
            .find(|a| from.starts_with(a))
            .expect("both absolute");
        let ups = from.strip_prefix(common).unwrap().components().count();
        let mut out: PathBuf = std::iter::repeat_n("..", ups).collect();
        out.push(to.strip_prefix(common).unwrap());
        out
    }

    #[test]
    fn reads_regular_files_up_to_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a");
        std::fs::write(&p, "\u{feff}hello").unwrap();
        assert_eq!(read_text(&p, 100).unwrap(), "hello");
        assert!(matches!(
            read(&p, 4),
            Err(ReadError::TooLarge { size: 8, limit: 4 })
        ));
        assert!(matches!(
            read(dir.path(), 100),
            Err(ReadError::NotRegular(_))
        ));
        assert!(read(&dir.path().join("missing"), 1)
            .unwrap_err()
            .is_not_found());
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn devices_and_endless_proc_files_are_refused() {
        let e = read(Path::new("/dev/zero"), MAX_FILE_BYTES).unwrap_err();
        assert_eq!(e.to_string(), "not a regular file (a device)");
        // States a size of 0, holds far more than the limit.
        if let Err(e) = read(Path::new("/proc/self/pagemap"), 4096) {
            assert!(
                matches!(e, ReadError::TooLarge { .. } | ReadError::Io(_)),
                "{e}"
            );
        }
    }

    #[test]
    #[cfg(unix)]
    fn replace_is_atomic_and_refuses_symlinks() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("authorized_keys");
        std::fs::write(&victim, "keep me").unwrap();
        let link = dir.path().join("baseline.json");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let e = replace(&link, b"{}", None).unwrap_err();
        assert!(e.to_string().contains("symlink"), "{e}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
        // Nor through a symlinked folder on a relative path.
        let linked = dir.path().join("linked");
        std::os::unix::fs::symlink(dir.path(), &linked).unwrap();
        let cwd = std::env::current_dir().unwrap();
        let relative = pathdiff(&linked.join("new.json"), &cwd);
        let e = create_in_tree(&relative, b"{}").unwrap_err();
        assert!(e.to_string().contains("is a symlink"), "{e}");
        assert!(!dir.path().join("new.json").exists());
        std::fs::remove_file(&linked).unwrap();
        let file = dir.path().join("b.json");
        std::fs::write(&file, "old").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
        replace(&file, b"new", Some(b"old")).unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "new");
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 3, "no temporary file left behind");
        // Changed since it was read: not written.
        assert!(matches!(
            replace(&file, b"newer", Some(b"old")),
            Err(WriteError::Changed)
        ));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "new");
        // Read-only and hard-linked files are left alone.
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).unwrap();
        let e = replace(&file, b"x", Some(b"new")).unwrap_err();
        assert!(e.to_string().contains("read-only"), "{e}");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::hard_link(&file, dir.path().join("twin")).unwrap();
        let e = replace(&file, b"x", Some(b"new")).unwrap_err();
        assert!(e.to_string().contains("hard links"), "{e}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "new");
    }
}
