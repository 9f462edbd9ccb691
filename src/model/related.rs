//! Reading a file that another file names (a Compose `env_file:`, a `redis.conf` mounted into
//! a container), to join its settings to a service. Only files inside the folder of the file
//! that names them are read: no absolute paths, no `..`, no symlinks out, a size limit. moat
//! never follows a scanned file anywhere else.

use std::path::{Component, Path, PathBuf};

/// The text of `relative` (as written in `declared_in`), when it is a regular UTF-8 file of at
/// most `crate::MAX_FILE_BYTES` below `declared_in`'s folder. `None` otherwise: callers report
/// that the file could not be joined rather than guessing its content.
pub fn read(declared_in: &Path, relative: &str) -> Option<(PathBuf, String)> {
    let rel = Path::new(relative.trim());
    if rel.as_os_str().is_empty()
        || rel.is_absolute()
        || relative.contains('$')
        || relative.starts_with('~')
    {
        return None;
    }
    if rel
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return None;
    }
    let base = declared_in.parent()?;
    let path = base.join(rel);
    let meta = std::fs::symlink_metadata(&path).ok()?;
    if !meta.is_file() || meta.len() > crate::MAX_FILE_BYTES {
        return None;
    }
    let bytes = std::fs::read(&path).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    Some((path, text.trim_start_matches('\u{feff}').to_string()))
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
        assert_eq!(
            read(&compose, "./conf/redis.conf").unwrap().1,
            "bind 0.0.0.0\n"
        );
        assert!(read(&compose, "../etc/passwd").is_none());
        assert!(read(&compose, "/etc/passwd").is_none());
        assert!(read(&compose, "${CONF}/redis.conf").is_none());
        assert!(read(&compose, "conf").is_none());
        assert!(read(&compose, "missing.conf").is_none());
    }
}
