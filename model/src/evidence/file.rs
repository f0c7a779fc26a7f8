//! Reading evidence bundles back from the JSON files `pkimm collect` writes.

use std::path::{Path, PathBuf};

use super::EvidenceBundle;
use crate::read::{read_text_file, ReadError};

/// Largest evidence bundle read (4 GiB).
pub const MAX_BUNDLE_BYTES: u64 = 4 * 1024 * 1024 * 1024;

/// Why a bundle file could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// The file could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The file is not a bundle.
    #[error("{}:{}:{}: not a pkimm evidence bundle", path.display(), source.line(), source.column())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the JSON parser said.
        #[source]
        source: serde_json::Error,
    },
    /// A bundle of a layout this version does not read.
    #[error("{path}: evidence schema version {version} is not supported (pkimm reads 1.x)")]
    Version {
        /// The file.
        path: PathBuf,
        /// The version it declares.
        version: String,
    },
    /// No file was given.
    #[error("no bundle given")]
    NoneGiven,
}

/// Reads one bundle file and checks its layout version.
pub fn load_bundle(path: &Path) -> Result<EvidenceBundle, BundleError> {
    let text = read_text_file(path, MAX_BUNDLE_BYTES)?;
    let mut bundle: EvidenceBundle =
        serde_json::from_str(&text).map_err(|source| BundleError::Parse {
            path: path.to_path_buf(),
            source,
        })?;
    if bundle.schema_version.split('.').next() != Some("1") {
        return Err(BundleError::Version {
            path: path.to_path_buf(),
            version: bundle.schema_version,
        });
    }
    bundle.reindex();
    Ok(bundle)
}

/// Reads bundle files and merges them into one, in order.
pub fn load_bundles(paths: &[PathBuf]) -> Result<EvidenceBundle, BundleError> {
    let mut merged: Option<EvidenceBundle> = None;
    for path in paths {
        let bundle = load_bundle(path)?;
        match &mut merged {
            Some(m) => m.merge(bundle),
            None => merged = Some(bundle),
        }
    }
    merged.ok_or(BundleError::NoneGiven)
}
