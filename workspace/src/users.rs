//! The users file: named assessors and read-only viewers. Passwords are
//! kept only as Argon2id hashes (PHC strings); a password is never printed,
//! logged or written anywhere else.

use std::path::{Path, PathBuf};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use pkimm_model::secret::Secret;
use serde::{Deserialize, Serialize};

use crate::WorkspaceError;

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads everything and records decisions.
    Assessor,
    /// Reads everything, changes nothing.
    Viewer,
}

impl Role {
    /// The name used in the file and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Assessor => "assessor",
            Self::Viewer => "viewer",
        }
    }

    /// The role named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "assessor" => Some(Self::Assessor),
            "viewer" => Some(Self::Viewer),
            _ => None,
        }
    }
}

/// One account.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// The name shown in the audit trail.
    pub name: String,
    /// What the user may do.
    pub role: Role,
    /// The Argon2id hash of the password, as a PHC string.
    pub password_hash: String,
}

/// The accounts of one workspace.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Users {
    /// The accounts.
    #[serde(default)]
    pub users: Vec<User>,
}

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Largest users file read.
const MAX_USERS_FILE_BYTES: u64 = 1024 * 1024;

impl Users {
    /// Reads the users file; a missing file is an error that says how to add
    /// the first account.
    pub fn load(path: &Path) -> Result<Self, WorkspaceError> {
        if !path.exists() {
            return Err(WorkspaceError::NoUsers(path.to_path_buf()));
        }
        Self::read(path)
    }

    fn read(path: &Path) -> Result<Self, WorkspaceError> {
        let text = pkimm_model::read::read_text_file(path, MAX_USERS_FILE_BYTES)?;
        let users: Self = pkimm_model::diag::from_yaml_str(&path.display().to_string(), &text)?;
        for (i, user) in users.users.iter().enumerate() {
            check_name(&user.name).map_err(|why| WorkspaceError::BadUsers {
                path: path.to_path_buf(),
                why: format!("users[{i}].name: {why}"),
            })?;
            PasswordHash::new(&user.password_hash).map_err(|_| WorkspaceError::BadUsers {
                path: path.to_path_buf(),
                why: format!("users[{i}].password_hash is not a PHC password hash"),
            })?;
        }
        Ok(users)
    }

    /// Adds `name` with `role` and `password` to the file at `path`
    /// (creating it), or replaces that user's role and password. The file is
    /// written atomically and readable by its owner only.
    pub fn add(
        path: &Path,
        name: &str,
        role: Role,
        password: &Secret,
    ) -> Result<(), WorkspaceError> {
        check_name(name).map_err(|why| WorkspaceError::BadUser(format!("{name:?}: {why}")))?;
        if password.expose().chars().count() < MIN_PASSWORD_CHARS {
            return Err(WorkspaceError::BadUser(format!(
                "the password must have at least {MIN_PASSWORD_CHARS} characters"
            )));
        }
        let _lock =
            pkimm_model::write::UpdateLock::acquire(path, std::time::Duration::from_secs(10))?;
        let mut users = if path.exists() {
            Self::read(path)?
        } else {
            Self::default()
        };
        let password_hash = hash_password(password)?;
        users.users.retain(|u| u.name != name);
        users.users.push(User {
            name: name.to_string(),
            role,
            password_hash,
        });
        let mut text = String::from(
            "# pkimm workspace accounts: add or change one with\n# pkimm serve --users FILE --add-user NAME --role assessor|viewer\n",
        );
        text.push_str(
            &serde_yaml_ng::to_string(&users).map_err(|e| WorkspaceError::BadUsers {
                path: path.to_path_buf(),
                why: e.to_string(),
            })?,
        );
        // A new file is made readable by its owner only (and an existing
        // one keeps its mode).
        pkimm_model::write::write_atomically(path, text.as_bytes(), false)?;
        Ok(())
    }

    /// The user `name` if `password` is theirs. An unknown name costs the
    /// same hashing time as a wrong password, so names cannot be probed.
    pub fn verify(&self, name: &str, password: &str) -> Option<&User> {
        let user = self.users.iter().find(|u| u.name == name);
        let hash = user.map_or(DUMMY_HASH, |u| u.password_hash.as_str());
        let parsed = PasswordHash::new(hash).ok()?;
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        user.filter(|_| ok)
    }

    /// The path a users file is expected at by default: beside the
    /// assessment.
    pub fn default_path(assessment: &Path) -> PathBuf {
        assessment
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .join("pkimm-users.yaml")
    }
}

/// A hash no password matches, verified for unknown names.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$cGtpbW0tZHVtbXktc2FsdA$V6Pz5vQ3c2v0QnQ1mB8y7bq2yV3fYw8c6Q0o1wH9k2E";

fn hash_password(password: &Secret) -> Result<String, WorkspaceError> {
    let mut salt = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut salt)
        .map_err(|_| WorkspaceError::Random)?;
    let salt = SaltString::encode_b64(&salt).map_err(|_| WorkspaceError::Random)?;
    Argon2::default()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| WorkspaceError::BadUser(format!("cannot hash the password: {e}")))
}

fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || name.len() > 64 {
        return Err("a user name has 1 to 64 characters");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'))
    {
        return Err("a user name has letters, digits, '.', '_', '-' and '@' only");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hashed_and_verified() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.yaml");
        Users::add(
            &path,
            "ada",
            Role::Assessor,
            &Secret::new("correct horse battery"),
        )
        .unwrap();
        Users::add(
            &path,
            "vic",
            Role::Viewer,
            &Secret::new("viewer password 1"),
        )
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("correct horse"), "{text}");
        let users = Users::load(&path).unwrap();
        assert_eq!(
            users.verify("ada", "correct horse battery").map(|u| u.role),
            Some(Role::Assessor)
        );
        assert!(users.verify("ada", "wrong password!").is_none());
        assert!(users.verify("nobody", "correct horse battery").is_none());
        // Replacing a user keeps one entry.
        Users::add(&path, "ada", Role::Viewer, &Secret::new("another password")).unwrap();
        let users = Users::load(&path).unwrap();
        assert_eq!(users.users.len(), 2);
        assert!(users.verify("ada", "another password").is_some());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{mode:o}");
        }
    }

    #[test]
    fn short_passwords_and_odd_names_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.yaml");
        assert!(Users::add(&path, "ada", Role::Assessor, &Secret::new("short")).is_err());
        assert!(Users::add(&path, "a b", Role::Assessor, &Secret::new("long enough pw")).is_err());
        assert!(matches!(
            Users::load(&path),
            Err(WorkspaceError::NoUsers(_))
        ));
    }
}
