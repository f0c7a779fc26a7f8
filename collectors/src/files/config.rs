//! `pkimm collect files` and the `files` section of a scan job.

use std::path::{Path, PathBuf};

use pkimm_model::secret::{secret_from_env, secret_from_file};
use pkimm_model::units::{parse_size, serde_units};
use serde::Deserialize;

use super::{collect_files, FilesOptions};
use crate::collector::{resolve, CollectContext, CollectError, Collection, Collector};
use crate::parse::{ContainerOptions, CrlOptions};

/// Certificate and CRL files (PEM, DER, PKCS#7, PKCS#12) under some paths.
#[derive(Debug, Clone, PartialEq, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct FilesConfig {
    /// Files or directories to scan.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Skip files larger than this (bytes; K, M and G suffixes allowed).
    #[arg(long, value_name = "SIZE", default_value = "256M", value_parser = parse_size)]
    #[serde(
        default = "default_max_file_size",
        deserialize_with = "serde_units::required_size"
    )]
    pub max_file_size: u64,
    /// Do not follow symbolic links.
    #[arg(long)]
    #[serde(default)]
    pub no_follow_symlinks: bool,
    /// Name of an environment variable holding a PKCS#12 password to try after
    /// the empty one.
    #[arg(long, value_name = "VAR")]
    #[serde(default)]
    pub pkcs12_password_env: Option<String>,
    /// File whose first line is a PKCS#12 password to try after the empty one.
    #[arg(long, value_name = "FILE")]
    #[serde(default)]
    pub pkcs12_password_file: Option<PathBuf>,
    /// Record at most this many revoked entries per CRL (all are counted).
    #[arg(long, value_name = "N", default_value_t = CrlOptions::default().max_entries_recorded)]
    #[serde(default = "default_crl_entries")]
    pub crl_entries: usize,
}

fn default_max_file_size() -> u64 {
    FilesOptions::default().max_file_bytes
}

fn default_crl_entries() -> usize {
    CrlOptions::default().max_entries_recorded
}

impl FilesConfig {
    /// A config for `paths` with every other setting at its default.
    pub fn new(paths: Vec<PathBuf>) -> Self {
        Self {
            paths,
            max_file_size: default_max_file_size(),
            no_follow_symlinks: false,
            pkcs12_password_env: None,
            pkcs12_password_file: None,
            crl_entries: default_crl_entries(),
        }
    }

    /// The engine's options (the PKCS#12 passwords read now).
    pub fn options(&self, agent: &str) -> Result<FilesOptions, CollectError> {
        let mut passwords = Vec::new();
        if let Some(var) = &self.pkcs12_password_env {
            passwords.push(secret_from_env(var)?);
        }
        if let Some(path) = &self.pkcs12_password_file {
            passwords.push(secret_from_file(path)?);
        }
        Ok(FilesOptions {
            max_file_bytes: self.max_file_size,
            follow_symlinks: !self.no_follow_symlinks,
            container: ContainerOptions {
                pkcs12_passwords: passwords,
            },
            crl: CrlOptions {
                max_entries_recorded: self.crl_entries,
                ..CrlOptions::default()
            },
            agent: Some(agent.to_string()),
        })
    }
}

impl Collector for FilesConfig {
    const TYPE: &'static str = "files";

    fn collect(&self, context: &CollectContext<'_>) -> Result<Collection, CollectError> {
        let (bundle, summary) = collect_files(&self.paths, &self.options(context.agent)?)?;
        let summary = format!(
            "collected {} certificates, {} CRLs and {} failures from {} files ({} other files ignored)",
            bundle.certificates.len(),
            bundle.crls.len(),
            bundle.failures.len(),
            summary.files_parsed,
            summary.files_ignored
        );
        Ok(Collection { bundle, summary })
    }

    fn resolve_paths(&mut self, base: &Path) {
        for path in &mut self.paths {
            resolve(base, path);
        }
        if let Some(path) = &mut self.pkcs12_password_file {
            resolve(base, path);
        }
    }
}
