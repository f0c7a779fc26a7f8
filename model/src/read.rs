//! Bounded reading of user-supplied text files.

use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest model, extension or assessment document pkimm reads (64 MiB). The
/// official model is about 170 KiB; anything near this cap is not a model.
pub const MAX_DOCUMENT_BYTES: u64 = 64 * 1024 * 1024;

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The operating system refused or failed the read.
    #[error("cannot read {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than the cap.
    #[error("{path} is larger than the {limit}-byte limit for this kind of file")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The cap in bytes.
        limit: u64,
    },
    /// The file is not UTF-8 text.
    #[error("{path} is not UTF-8 text")]
    NotText {
        /// The file.
        path: PathBuf,
    },
}

/// Reads a UTF-8 text file of at most `limit` bytes.
pub fn read_text_file(path: &Path, limit: u64) -> Result<String, ReadError> {
    let io = |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            limit,
        });
    }
    String::from_utf8(bytes).map_err(|_| ReadError::NotText {
        path: path.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_names_the_path() {
        let err = read_text_file(Path::new("/nonexistent/x.yaml"), 10).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/x.yaml"), "{err}");
    }
}
