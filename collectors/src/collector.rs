//! The seam every collector implements.
//!
//! A collector is a config struct (its `pkimm collect` arguments and its
//! scan-config section at once) that implements [`Collector`]: given a
//! [`CollectContext`] it returns a [`Collection`], the evidence plus a
//! one-line summary for people. Network and parse failures of single records
//! are evidence (failure records in the bundle); only problems that stop the
//! collector from running at all (bad arguments, unreadable inputs, a refused
//! bind) are a [`CollectError`].

use std::path::Path;

use pkimm_model::evidence::{BundleError, EvidenceBundle};
use pkimm_model::secret::SecretError;

use crate::files::FilesError;
use crate::inventory::InventoryError;
use crate::ldap::LdapError;
use crate::tls::target::TargetError;
use crate::trust::TrustError;

/// What a collector is given besides its config.
pub struct CollectContext<'a> {
    /// The agent name recorded in every record's provenance.
    pub agent: &'a str,
    /// The runtime asynchronous collectors run on.
    pub runtime: &'a tokio::runtime::Runtime,
    /// The evidence collected before this collector in the same run (what
    /// the revocation collector follows).
    pub evidence: &'a EvidenceBundle,
    /// Whether to show a progress bar on stderr.
    pub progress: bool,
    /// The share of the targets this run covers.
    pub shard: crate::shard::Shard,
}

/// What a collector produced.
#[derive(Debug)]
pub struct Collection {
    /// The evidence.
    pub bundle: EvidenceBundle,
    /// One line for people, such as `scanned 4 endpoints: 3 answered TLS, …`.
    pub summary: String,
}

/// A collector that could not run at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CollectError {
    /// The configuration is unusable.
    #[error("{collector}: {message}")]
    Config {
        /// The collector type.
        collector: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A path could not be read.
    #[error(transparent)]
    Files(#[from] FilesError),
    /// The inventory export is unusable.
    #[error(transparent)]
    Inventory(#[from] InventoryError),
    /// A target could not be understood.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// Trust anchors could not be loaded.
    #[error(transparent)]
    Trust(#[from] TrustError),
    /// The directory could not be read.
    #[error(transparent)]
    Ldap(#[from] LdapError),
    /// A secret could not be read.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// An input bundle could not be read.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// The PKCS#11 tokens could not be read.
    #[error(transparent)]
    Pkcs11(#[from] crate::pkcs11::Pkcs11Error),
}

/// One source of evidence.
pub trait Collector {
    /// The collector's type: its `pkimm collect` subcommand and its `type` in
    /// scan configs.
    const TYPE: &'static str;

    /// Whether it reads [`CollectContext::evidence`]; such collectors run after
    /// the others of a job.
    const READS_EVIDENCE: bool = false;

    /// Whether it takes its share of its targets under `--shard`; collectors
    /// without a target list run on the first share only.
    const SHARDS_TARGETS: bool = false;

    /// Collects.
    fn collect(&self, context: &CollectContext<'_>) -> Result<Collection, CollectError>;

    /// Makes relative paths relative to `base` (the directory of the scan
    /// config that named them).
    fn resolve_paths(&mut self, base: &Path) {
        let _ = base;
    }

    /// The config a scan job means by `type = true`, where that is enough.
    fn from_flag() -> Option<Self>
    where
        Self: Sized,
    {
        None
    }
}

/// Joins `path` to `base` unless it is absolute.
pub(crate) fn resolve(base: &Path, path: &mut std::path::PathBuf) {
    if path.is_relative() {
        *path = base.join(&*path);
    }
}
