//! Writing output files so that readers never see half a file, and nothing
//! that is not a regular file is ever replaced.
//!
//! - A regular file (or a symlink to one: the target is replaced, not the
//!   link) is written to a temporary file beside it, flushed to disk and
//!   renamed over it, keeping its permissions. With a backup, the previous
//!   version becomes `FILE.bak` by the same rename, so a kill at any moment
//!   leaves either the old or the new `FILE.bak` whole, never a truncated one.
//! - Anything else (a device such as `/dev/null`, a FIFO, `/proc/self/fd/1`)
//!   is written through as it is.
//! - Temporary files carry a `.pkimm-tmp` name; ones a killed run left
//!   behind (older than an hour) are removed on the next write beside them,
//!   and all of them for a file when its [`UpdateLock`] is taken.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Temporary files older than this, of our own naming, are left-overs of a
/// killed run.
const STALE_TEMP: Duration = Duration::from_secs(3600);
/// The marker in the names of our temporary files.
const TEMP_MARKER: &str = ".pkimm-tmp";

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

/// An exclusive advisory lock held across a read-modify-write of one file
/// (`pkimm confirm`, `pkimm assess` merging into an assessment), so that
/// two writers never lose each other's update: the second waits for the
/// first, or gives up with a clear error. The lock is on a hidden
/// `.NAME.lock` file beside the target, since the target itself is replaced
/// by rename; it is released when dropped.
#[derive(Debug)]
pub struct UpdateLock {
    _file: std::fs::File,
}

/// Why a file could not be locked for update.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    /// The lock file could not be made.
    #[error("cannot lock {path} for update")]
    Io {
        /// The file to update.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Another writer held it for too long.
    #[error("{path} is being updated by another pkimm process (waited {waited:?}); try again when it is done")]
    Busy {
        /// The file to update.
        path: PathBuf,
        /// How long this process waited.
        waited: Duration,
    },
}

impl UpdateLock {
    /// Takes the lock for `path`, waiting up to `wait` for another writer.
    pub fn acquire(path: &Path, wait: Duration) -> Result<Self, LockError> {
        let io = |source| LockError::Io {
            path: path.to_path_buf(),
            source,
        };
        let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let (directory, name) = directory_and_name(&target);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(directory.join(format!(".{name}.lock")))
            .map_err(io)?;
        let started = std::time::Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => {
                    // Every writer of this file holds the lock, so any
                    // temporary file of ours beside it was left by a killed
                    // one, however recent.
                    remove_temps_older_than(&directory, &name, Duration::ZERO);
                    return Ok(Self { _file: file });
                }
                Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < wait => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(LockError::Busy {
                        path: path.to_path_buf(),
                        waited: started.elapsed(),
                    })
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
            }
        }
    }
}

/// Writes `bytes` to `path` atomically (see the module docs). With
/// `keep_backup`, an existing file is kept as `PATH.bak`.
pub fn write_atomically(path: &Path, bytes: &[u8], keep_backup: bool) -> Result<(), WriteError> {
    write_with(path, keep_backup, |out| out.write_all(bytes))
}

/// Writes `value` as pretty JSON with a final newline to `path`, atomically,
/// streaming it to disk rather than building it in memory.
pub fn write_json_file<T: serde::Serialize + ?Sized>(
    path: &Path,
    value: &T,
) -> Result<(), WriteError> {
    let mut serialise_error = None;
    let result = write_with(path, false, |out| {
        serde_json::to_writer_pretty(&mut *out, value).map_err(|e| {
            let io = std::io::Error::other(e.to_string());
            serialise_error = Some(e);
            io
        })?;
        out.write_all(b"\n")
    });
    match (result, serialise_error) {
        (Err(_), Some(source)) if !source.is_io() => Err(WriteError::Serialise {
            path: path.to_path_buf(),
            source,
        }),
        (result, _) => result,
    }
}

/// Writes what `write` produces to `path` atomically (see the module docs).
pub fn write_with(
    path: &Path,
    keep_backup: bool,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), WriteError> {
    let io = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    let existing = std::fs::metadata(path).ok();
    if let Some(meta) = existing.as_ref().filter(|m| !m.is_file()) {
        if meta.is_dir() {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "it is a directory",
            )));
        }
        // A device, FIFO or terminal: write through, never replace it.
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(io)?;
        let mut out = BufWriter::new(file);
        return write(&mut out).and_then(|()| out.flush()).map_err(io);
    }
    // For a symlink to a regular file, replace the file it points to.
    let target = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => std::fs::canonicalize(path).map_err(io)?,
        _ => path.to_path_buf(),
    };
    let (directory, name) = directory_and_name(&target);
    remove_temps_older_than(&directory, &name, STALE_TEMP);
    let prefix = format!(".{name}.");
    let mut temp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(TEMP_MARKER)
        .tempfile_in(&directory)
        .map_err(io)?;
    if let Some(meta) = &existing {
        std::fs::set_permissions(temp.path(), meta.permissions()).map_err(io)?;
    }
    {
        let mut out = BufWriter::new(temp.as_file_mut());
        write(&mut out).and_then(|()| out.flush()).map_err(io)?;
    }
    temp.as_file().sync_all().map_err(io)?;
    if keep_backup && existing.is_some() {
        keep_previous(&target, &directory, &prefix).map_err(|source| WriteError::Backup {
            path: path.to_path_buf(),
            source,
        })?;
    }
    temp.persist(&target).map_err(|e| io(e.error))?;
    sync_directory(&directory);
    Ok(())
}

/// The directory holding `target` (`.` for a bare name) and its file name.
fn directory_and_name(target: &Path) -> (PathBuf, String) {
    let directory = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    (directory, name)
}

/// Makes the current `target` the new `target.bak` in one rename: a hard
/// link to it (or, where links are not possible, a synced copy) under a
/// temporary name first.
fn keep_previous(target: &Path, directory: &Path, prefix: &str) -> std::io::Result<()> {
    let mut backup = target.as_os_str().to_owned();
    backup.push(".bak");
    let staged = tempfile::Builder::new()
        .prefix(prefix)
        .suffix(TEMP_MARKER)
        .make_in(directory, |path| {
            std::fs::hard_link(target, path).or_else(|_| {
                std::fs::copy(target, path)?;
                std::fs::File::open(path)?.sync_all()
            })
        })?;
    staged.persist(PathBuf::from(backup)).map_err(|e| e.error)?;
    Ok(())
}

/// Removes temporary files of our naming for `name` older than `age`: a
/// killed run's left-overs.
fn remove_temps_older_than(directory: &Path, name: &str, age: Duration) {
    let Ok(entries) = std::fs::read_dir(directory) else {
        return;
    };
    let prefix = format!(".{name}.");
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        if !(file_name.starts_with(&prefix) && file_name.ends_with(TEMP_MARKER)) {
            continue;
        }
        let old = age.is_zero()
            || entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|modified| now.duration_since(modified).ok())
                .is_some_and(|file_age| file_age >= age);
        if old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Flushes the directory entry of a rename to disk, where the platform
/// allows it.
fn sync_directory(directory: &Path) {
    if let Ok(dir) = std::fs::File::open(directory) {
        let _ = dir.sync_all();
    }
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
        write_atomically(&path, b"three", true).unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("a.yaml.bak")).unwrap(),
            b"two"
        );
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(TEMP_MARKER))
            .collect();
        assert!(left.is_empty(), "no temporary file is left behind");
    }

    #[test]
    fn a_missing_directory_is_named() {
        let err = write_atomically(Path::new("/nonexistent/dir/x.json"), b"x", false).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/dir/x.json"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_keep_pointing_and_modes_are_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        std::fs::write(&real, "old").unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomically(&link, b"new", false).unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_fifos_are_written_through() {
        write_atomically(Path::new("/dev/null"), b"discarded", true).unwrap();
        let meta = std::fs::metadata("/dev/null").unwrap();
        assert!(!meta.is_file(), "/dev/null is still a device");
    }

    #[test]
    fn stale_temporary_files_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(format!(".a.json.x1{TEMP_MARKER}"));
        std::fs::write(&stale, "left by kill -9").unwrap();
        let old = SystemTime::now() - Duration::from_secs(7200);
        std::fs::File::options()
            .write(true)
            .open(&stale)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let fresh = dir.path().join(format!(".a.json.x2{TEMP_MARKER}"));
        std::fs::write(&fresh, "another writer's").unwrap();
        write_atomically(&dir.path().join("a.json"), b"{}", false).unwrap();
        assert!(!stale.exists());
        assert!(fresh.exists(), "a recent one may belong to a live writer");
    }

    #[test]
    fn a_second_writer_waits_or_gives_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        let held = UpdateLock::acquire(&path, Duration::from_secs(1)).unwrap();
        let err = UpdateLock::acquire(&path, Duration::from_millis(100)).unwrap_err();
        assert!(err.to_string().contains("another pkimm process"), "{err}");
        drop(held);
        UpdateLock::acquire(&path, Duration::from_millis(100)).unwrap();
    }

    #[test]
    fn taking_the_lock_removes_every_temporary_file_of_a_killed_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        let left = dir.path().join(format!(".a.yaml.x1{TEMP_MARKER}"));
        std::fs::write(&left, "killed a moment ago").unwrap();
        let other = dir.path().join(format!(".b.yaml.x1{TEMP_MARKER}"));
        std::fs::write(&other, "another file's").unwrap();
        let _held = UpdateLock::acquire(&path, Duration::from_secs(1)).unwrap();
        assert!(!left.exists());
        assert!(other.exists(), "only the locked file's own are removed");
    }

    #[test]
    fn json_streams_to_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.json");
        write_json_file(&path, &serde_json::json!({ "a": [1, 2] })).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.ends_with("}\n"));
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap()["a"][1],
            2
        );
    }
}
