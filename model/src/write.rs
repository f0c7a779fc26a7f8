//! Writing output files so that readers never see half a file.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Why a file could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The temporary file beside the target could not be made or written.
    #[error("cannot write {path}")]
    Io {
        /// The target file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The previous version could not be kept as `FILE.bak`.
    #[error("cannot keep a backup of {path}")]
    Backup {
        /// The target file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The value could not be serialised.
    #[error("cannot serialise the output for {path}")]
    Serialise {
        /// The target file.
        path: PathBuf,
        /// The serialiser's message.
        #[source]
        source: serde_json::Error,
    },
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory
/// is written, flushed to disk and renamed over the target. With
/// `keep_backup`, an existing file is first kept as `PATH.bak`.
pub fn write_atomically(path: &Path, bytes: &[u8], keep_backup: bool) -> Result<(), WriteError> {
    let io = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    let directory = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut temp = tempfile::NamedTempFile::new_in(directory).map_err(io)?;
    temp.write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(io)?;
    if keep_backup && path.exists() {
        let mut backup = path.as_os_str().to_owned();
        backup.push(".bak");
        std::fs::copy(path, &backup).map_err(|source| WriteError::Backup {
            path: path.to_path_buf(),
            source,
        })?;
    }
    temp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// Writes `value` as pretty JSON with a final newline to `path`, atomically.
pub fn write_json_file<T: serde::Serialize + ?Sized>(
    path: &Path,
    value: &T,
) -> Result<(), WriteError> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|source| WriteError::Serialise {
        path: path.to_path_buf(),
        source,
    })?;
    bytes.push(b'\n');
    write_atomically(path, &bytes, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_and_keeps_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        write_atomically(&path, b"one", true).unwrap();
        write_atomically(&path, b"two", true).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(
            std::fs::read(dir.path().join("a.yaml.bak")).unwrap(),
            b"one"
        );
    }

    #[test]
    fn a_missing_directory_is_named() {
        let err = write_atomically(Path::new("/nonexistent/dir/x.json"), b"x", false).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/dir/x.json"), "{err}");
    }
}
