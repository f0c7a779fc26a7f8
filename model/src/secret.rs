//! The one place secrets (bind passwords, PKCS#12 passwords, store
//! passwords) are read from: an environment variable or the first line of a
//! file. A [`Secret`] never prints its value: its `Debug` and `Display` show
//! `<redacted>`, and errors name only the variable or the file.

use std::fmt;
use std::path::{Path, PathBuf};

/// A secret value. Read it with [`Secret::expose`] at the point of use only.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for handing to the library that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Whether `a` and `b` are equal, in time that depends on their lengths only
/// (for comparing tokens and CSRF values an attacker can probe).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Why a secret could not be read. Never carries the value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// The variable is not set (or not Unicode).
    #[error("environment variable {0} is not set")]
    MissingVariable(String),
    /// The file could not be read.
    #[error("cannot read the secret file {path}")]
    File {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// Largest secret file read.
const MAX_SECRET_FILE_BYTES: u64 = 64 * 1024;

/// The value of environment variable `name`.
pub fn secret_from_env(name: &str) -> Result<Secret, SecretError> {
    std::env::var(name)
        .map(Secret)
        .map_err(|_| SecretError::MissingVariable(name.to_string()))
}

/// The first line of the file at `path` (without its line ending).
pub fn secret_from_file(path: &Path) -> Result<Secret, SecretError> {
    use std::io::Read;
    let file_error = |source| SecretError::File {
        path: path.to_path_buf(),
        source,
    };
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_SECRET_FILE_BYTES).read_to_string(&mut text))
        .map_err(file_error)?;
    Ok(Secret(text.lines().next().unwrap_or("").to_string()))
}

/// A secret typed on standard input: one line, not echoed when standard
/// input is a terminal (`prompt` is shown on standard error then).
pub fn secret_from_stdin(prompt: &str) -> Result<Secret, SecretError> {
    use std::io::{BufRead, IsTerminal, Read};
    let stdin = std::io::stdin();
    let terminal = stdin.is_terminal();
    if terminal {
        eprint!("{prompt}");
        let _ = std::process::Command::new("stty").arg("-echo").status();
    }
    let mut line = String::new();
    let read = stdin
        .lock()
        .take(MAX_SECRET_FILE_BYTES)
        .read_line(&mut line);
    if terminal {
        let _ = std::process::Command::new("stty").arg("echo").status();
        eprintln!();
    }
    read.map_err(|source| SecretError::File {
        path: PathBuf::from("<standard input>"),
        source,
    })?;
    Ok(Secret(line.trim_end_matches(['\r', '\n']).to_string()))
}

/// The secret from `env` when given, else from `file` when given, else none.
pub fn lookup_secret(
    env: Option<&str>,
    file: Option<&Path>,
) -> Result<Option<Secret>, SecretError> {
    match (env, file) {
        (Some(name), _) => secret_from_env(name).map(Some),
        (None, Some(path)) => secret_from_file(path).map(Some),
        (None, None) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secret = Secret::new("hunter2");
        assert!(!format!("{secret:?} {secret}").contains("hunter2"));
        assert_eq!(secret.expose(), "hunter2");
    }

    #[test]
    fn file_secrets_take_the_first_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pw");
        std::fs::write(&path, "s3cret\nignored\n").unwrap();
        let secret = lookup_secret(None, Some(&path)).unwrap().unwrap();
        assert_eq!(secret.expose(), "s3cret");
        let err = secret_from_env("PKIMM_TEST_SURELY_UNSET_VARIABLE").unwrap_err();
        assert!(err.to_string().contains("PKIMM_TEST_SURELY_UNSET_VARIABLE"));
        assert!(lookup_secret(None, None).unwrap().is_none());
    }
}
