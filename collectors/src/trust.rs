//! Trust anchors, loaded once for every collector that validates: the
//! system store, PEM bundles of private roots, or both.
//!
//! [`TrustAnchors`] is the one loader: the TLS collector validates served
//! chains against it ([`TrustStore`], rustls-webpki through rustls'
//! `WebPkiServerVerifier`: path building, validity, name constraints, key usage
//! and host name), the directory collector trusts it for ldaps and StartTLS,
//! and the revocation collector for HTTPS URLs.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pkimm_model::evidence::{dn_key, ChainValidation};
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

impl TrustSource {
    /// `system`, or the path of a PEM file.
    pub fn parse(text: &str) -> Self {
        if text == "system" {
            Self::System
        } else {
            Self::Pem(PathBuf::from(text))
        }
    }
}

/// A trust store could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    /// A PEM bundle could not be read or holds no usable anchor.
    #[error("trust store {path}: {message}")]
    Bundle {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The anchors could not make a TLS client configuration.
    #[error("trust store {label}: {source}")]
    Client {
        /// The store's label.
        label: String,
        /// What rustls said.
        #[source]
        source: rustls::Error,
    },
}

/// Trust anchors from one or more sources.
#[derive(Debug, Clone)]
pub struct TrustAnchors {
    label: String,
    certificates: Vec<CertificateDer<'static>>,
    /// The anchors read from PEM files (not the system store), with their
    /// file: these are the organisation's own roots, kept as evidence.
    file_certificates: Vec<(PathBuf, CertificateDer<'static>)>,
    roots: Arc<RootCertStore>,
}

impl TrustAnchors {
    /// Loads every source (the system store when `sources` is empty). PEM
    /// files must hold at least one usable certificate.
    pub fn load(sources: &[TrustSource]) -> Result<Self, TrustError> {
        let default = [TrustSource::System];
        let sources = if sources.is_empty() {
            &default[..]
        } else {
            sources
        };
        let mut roots = RootCertStore::empty();
        let mut certificates = Vec::new();
        let mut file_certificates = Vec::new();
        let mut labels = Vec::new();
        for source in sources {
            match source {
                TrustSource::System => {
                    let found = rustls_native_certs::load_native_certs();
                    for error in &found.errors {
                        tracing::warn!("system trust store: {error}");
                    }
                    roots.add_parsable_certificates(found.certs.iter().cloned());
                    certificates.extend(found.certs);
                    labels.push("system".to_string());
                }
                TrustSource::Pem(path) => {
                    let added = add_pem_bundle(&mut roots, path)?;
                    file_certificates.extend(added.iter().map(|c| (path.clone(), c.clone())));
                    certificates.extend(added);
                    labels.push(path.display().to_string());
                }
            }
        }
        Ok(Self {
            label: labels.join("+"),
            certificates,
            file_certificates,
            roots: Arc::new(roots),
        })
    }

    /// Loads PEM files only (no system store); none gives an empty set.
    pub fn from_pem_files(paths: &[PathBuf]) -> Result<Self, TrustError> {
        if paths.is_empty() {
            return Ok(Self {
                label: String::new(),
                certificates: Vec::new(),
                file_certificates: Vec::new(),
                roots: Arc::new(RootCertStore::empty()),
            });
        }
        let sources: Vec<TrustSource> = paths.iter().cloned().map(TrustSource::Pem).collect();
        Self::load(&sources)
    }

    /// The store's name as recorded in evidence: `system`, paths, joined by `+`.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The anchors as DER certificates.
    pub fn certificates(&self) -> &[CertificateDer<'static>] {
        &self.certificates
    }

    /// The anchors read from PEM files, with their file.
    pub fn file_certificates(&self) -> &[(PathBuf, CertificateDer<'static>)] {
        &self.file_certificates
    }

    /// Whether there is no anchor at all.
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    /// A TLS client configuration that trusts these anchors (for ldaps and
    /// StartTLS), with rustls' safe default versions.
    pub fn client_config(
        &self,
        provider: &Arc<CryptoProvider>,
    ) -> Result<rustls::ClientConfig, TrustError> {
        let client = |source| TrustError::Client {
            label: self.label.clone(),
            source,
        };
        Ok(
            rustls::ClientConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()
                .map_err(client)?
                .with_root_certificates(self.roots.clone())
                .with_no_client_auth(),
        )
    }
}

/// Trust anchors and the verifier built from them.
#[derive(Debug, Clone)]
pub struct TrustStore {
    label: String,
    verifier: Option<Arc<WebPkiServerVerifier>>,
    /// Subject names of every anchor, as [`dn_key`] keys.
    anchor_subjects: Arc<HashSet<String>>,
    /// The anchors read from PEM files, with their file.
    file_anchors: Arc<Vec<(PathBuf, CertificateDer<'static>)>>,
}

impl TrustStore {
    /// A validating store over `anchors`.
    pub fn new(anchors: &TrustAnchors, provider: &Arc<CryptoProvider>) -> Self {
        let verifier = if anchors.is_empty() {
            None
        } else {
            WebPkiServerVerifier::builder_with_provider(anchors.roots.clone(), provider.clone())
                .build()
                .ok()
        };
        let anchor_subjects = anchors
            .certificates
            .iter()
            .filter_map(|der| {
                let (_, certificate) = x509_parser::parse_x509_certificate(der).ok()?;
                Some(dn_key(&certificate.subject().to_string()))
            })
            .collect();
        Self {
            label: anchors.label.clone(),
            verifier,
            anchor_subjects: Arc::new(anchor_subjects),
            file_anchors: Arc::new(anchors.file_certificates.clone()),
        }
    }

    /// Whether some anchor has this subject (a certificate's issuer name as
    /// evidence text): a chain ending in a certificate it issued is complete.
    pub fn has_anchor_named(&self, name: &str) -> bool {
        self.anchor_subjects.contains(&dn_key(name))
    }

    /// The anchors read from PEM files, with their file.
    pub fn file_anchors(&self) -> &[(PathBuf, CertificateDer<'static>)] {
        &self.file_anchors
    }

    /// Loads `sources` (the system store when empty) into a validating store.
    pub fn load(
        sources: &[TrustSource],
        provider: &Arc<CryptoProvider>,
    ) -> Result<Self, TrustError> {
        Ok(Self::new(&TrustAnchors::load(sources)?, provider))
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

fn add_pem_bundle(
    roots: &mut RootCertStore,
    path: &Path,
) -> Result<Vec<CertificateDer<'static>>, TrustError> {
    let bundle_error = |message: String| TrustError::Bundle {
        path: path.to_path_buf(),
        message,
    };
    let text = pkimm_model::read::read_text_file(path, MAX_BUNDLE_BYTES)
        .map_err(|e| bundle_error(e.to_string()))?;
    let mut added = Vec::new();
    for item in CertificateDer::pem_slice_iter(text.as_bytes()) {
        let der = item.map_err(|e| bundle_error(format!("bad PEM: {e}")))?;
        roots.add(der.clone()).map_err(|e| {
            bundle_error(format!(
                "certificate {} is not a usable anchor: {e}",
                added.len() + 1
            ))
        })?;
        added.push(der);
    }
    if added.is_empty() {
        return Err(bundle_error("no CERTIFICATE blocks found".to_string()));
    }
    Ok(added)
}
