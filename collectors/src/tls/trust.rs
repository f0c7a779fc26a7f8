//! Chain validation against a configurable trust store: the system store,
//! PEM bundles, or both (the organisation's private roots).
//!
//! Validation is rustls-webpki's, through rustls' `WebPkiServerVerifier`: path
//! building, validity, name constraints, key usage and host name.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pkimm_model::evidence::ChainValidation;
use rustls::client::danger::ServerCertVerifier;
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::RootCertStore;

/// Largest PEM bundle read (64 MiB).
const MAX_BUNDLE_BYTES: u64 = 64 * 1024 * 1024;

/// Where trust anchors come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustSource {
    /// The operating system's store (`SSL_CERT_FILE`, `SSL_CERT_DIR`, or the
    /// platform default).
    System,
    /// A PEM file of root certificates.
    Pem(PathBuf),
}

/// A trust store could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// A PEM bundle could not be read.
    #[error("trust store {path}: {message}")]
    Bundle {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// Trust anchors and the verifier built from them.
#[derive(Debug, Clone)]
pub struct TrustStore {
    label: String,
    verifier: Option<Arc<WebPkiServerVerifier>>,
}

impl TrustStore {
    /// Builds a store from the given sources (the system store when empty).
    pub fn load(
        sources: &[TrustSource],
        provider: &Arc<CryptoProvider>,
    ) -> Result<Self, TrustError> {
        let default = [TrustSource::System];
        let sources = if sources.is_empty() {
            &default[..]
        } else {
            sources
        };
        let mut roots = RootCertStore::empty();
        let mut labels = Vec::new();
        for source in sources {
            match source {
                TrustSource::System => {
                    let found = rustls_native_certs::load_native_certs();
                    for error in &found.errors {
                        tracing::warn!("system trust store: {error}");
                    }
                    roots.add_parsable_certificates(found.certs);
                    labels.push("system".to_string());
                }
                TrustSource::Pem(path) => {
                    add_pem_bundle(&mut roots, path)?;
                    labels.push(path.display().to_string());
                }
            }
        }
        let verifier = if roots.is_empty() {
            None
        } else {
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .ok()
        };
        Ok(Self {
            label: labels.join("+"),
            verifier,
        })
    }

    /// The store's name as recorded in evidence.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Validates a served chain (leaf first) for `server_name` at the current
    /// time.
    pub fn validate(&self, chain: &[Vec<u8>], server_name: &ServerName<'_>) -> ChainValidation {
        let verdict = |valid: bool, reason: String| ChainValidation {
            valid,
            reason,
            trust_store: self.label.clone(),
        };
        let Some(verifier) = &self.verifier else {
            return verdict(false, "the trust store has no anchors".to_string());
        };
        let Some((leaf, intermediates)) = chain.split_first() else {
            return verdict(false, "no certificate was served".to_string());
        };
        let leaf = CertificateDer::from(leaf.as_slice());
        let intermediates: Vec<CertificateDer<'_>> = intermediates
            .iter()
            .map(|c| CertificateDer::from(c.as_slice()))
            .collect();
        match verifier.verify_server_cert(&leaf, &intermediates, server_name, &[], UnixTime::now())
        {
            Ok(_) => verdict(true, String::new()),
            Err(e) => verdict(false, e.to_string()),
        }
    }
}

fn add_pem_bundle(roots: &mut RootCertStore, path: &Path) -> Result<(), TrustError> {
    let bundle_error = |message: String| TrustError::Bundle {
        path: path.to_path_buf(),
        message,
    };
    let text = pkimm_model::read::read_text_file(path, MAX_BUNDLE_BYTES)
        .map_err(|e| bundle_error(e.to_string()))?;
    let mut count = 0;
    for item in CertificateDer::pem_slice_iter(text.as_bytes()) {
        let der = item.map_err(|e| bundle_error(format!("bad PEM: {e}")))?;
        roots.add(der).map_err(|e| {
            bundle_error(format!(
                "certificate {} is not a usable anchor: {e}",
                count + 1
            ))
        })?;
        count += 1;
    }
    if count == 0 {
        return Err(bundle_error("no CERTIFICATE blocks found".to_string()));
    }
    Ok(())
}
